"""System metrics every interval, handed to ``emit`` as ``system/*`` values, as ``system-sampler.ts``.

Counters (CPU time, disk and network bytes) become rates between two readings, so the first
sample comes a second after start, against a baseline read at start. Linux is read from /proc
with the parsers of ``system_parse``; elsewhere psutil is used when it is installed, and
without it host metrics are skipped with one quiet notice. GPUs are read by running
``nvidia-smi``; without the binary there are no GPU values and no error. Sampling runs on a
daemon thread: it never keeps a process alive.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Dict, List, NamedTuple, Optional

from .system_parse import (
    GPU_FIELDS,
    Counters,
    CpuTimes,
    GpuRow,
    cpu_percent,
    gpu_metrics,
    mb_per_second,
    parse_diskstats,
    parse_gpu_csv,
    parse_meminfo,
    parse_net_dev,
    parse_proc_stat,
)

FIRST_SAMPLE_S = 1.0
NVIDIA_SMI_TIMEOUT_S = 5.0

Emit = Callable[[Dict[str, float], int], None]

_LINUX = sys.platform.startswith('linux') and os.path.exists('/proc/stat')
_noticed = False


class _Reading(NamedTuple):
    at: float
    cpu: Optional[CpuTimes]
    disk: Optional[Counters]
    net: Optional[Counters]


class SystemSampler:
    """Samples system metrics on a daemon thread until ``stop()``.

    ``emit(values, at_ms)`` gets e.g. ``{'system/cpu_percent': 12.5, ...}`` and the time of the
    reading in ms since the epoch; an emit that raises is ignored, the next sample tries again.

    >>> sampler = SystemSampler(10.0, lambda values, at_ms: print(sorted(values)))  # doctest: +SKIP
    >>> sampler.stop()  # doctest: +SKIP
    """

    def __init__(self, interval: float, emit: Emit, quiet: bool = False) -> None:
        self._interval = interval
        self._emit = emit
        self._stopped = threading.Event()
        self._host = _host_source(quiet)
        # Off once nvidia-smi is missing or fails, so a GPU-less machine does not spawn it every tick.
        self._gpus = True
        self._last = self._host.read() if self._host is not None else None
        self._thread = threading.Thread(target=self._loop, name='tally-system-sampler', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling; no value is emitted once this returns, but a sample in flight may finish."""
        self._stopped.set()

    def _loop(self) -> None:
        wait = min(FIRST_SAMPLE_S, self._interval)
        while not self._stopped.wait(wait):
            wait = self._interval
            if self._host is None and not self._gpus:
                return  # Nothing left to read here.
            self._sample()

    def _sample(self) -> None:
        if self._host is not None and self._last is not None:
            try:
                now = self._host.read()
                values = self._host.metrics(self._last, now)
                self._last = now
                self._send(values, now.at)
            except Exception:
                pass  # A sample that cannot be read is skipped; the next one tries again.
        if self._gpus:
            rows = query_gpus()
            if rows is None:
                self._gpus = False
                return
            values = gpu_metrics(rows)
            if values:
                self._send(values, time.time())

    def _send(self, values: Dict[str, float], at: float) -> None:
        if self._stopped.is_set() or not values:
            return
        try:
            self._emit(values, int(at * 1000))
        except Exception:
            pass  # Never let a failing sink kill the sampler thread.


def query_gpus() -> Optional[List[GpuRow]]:
    """Run ``nvidia-smi`` for the sampler's fields; None when it is absent or fails.

    >>> query_gpus() is None or isinstance(query_gpus(), list)
    True
    """
    try:
        done = subprocess.run(
            ['nvidia-smi', f'--query-gpu={",".join(GPU_FIELDS)}', '--format=csv,noheader,nounits'],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=NVIDIA_SMI_TIMEOUT_S,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return parse_gpu_csv(done.stdout.decode('utf-8', 'replace'), GPU_FIELDS)


def _read_text(path: str) -> Optional[str]:
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return f.read()
    except OSError:
        return None


class _ProcSource:
    """Linux: /proc, parsed as the TypeScript client parses it."""

    def read(self) -> _Reading:
        at = time.time()
        stat = _read_text('/proc/stat')
        disk = _read_text('/proc/diskstats')
        net = _read_text('/proc/net/dev')
        return _Reading(
            at,
            parse_proc_stat(stat) if stat is not None else None,
            parse_diskstats(disk) if disk is not None else None,
            parse_net_dev(net) if net is not None else None,
        )

    def metrics(self, before: _Reading, after: _Reading) -> Dict[str, float]:
        mem = parse_meminfo(_read_text('/proc/meminfo') or '')
        rss = _proc_rss()
        return _host_metrics(
            before,
            after,
            (mem.total_bytes, mem.available_bytes) if mem is not None else None,
            rss,
        )


def _proc_rss() -> Optional[int]:
    statm = _read_text('/proc/self/statm')
    try:
        return int(statm.split()[1]) * os.sysconf('SC_PAGE_SIZE') if statm else None
    except (IndexError, ValueError, OSError):
        return None


class _PsutilSource:
    """Where /proc is not: psutil, when it is installed."""

    def __init__(self, psutil: Any) -> None:
        self._psutil = psutil
        self._process = psutil.Process()

    def read(self) -> _Reading:
        p = self._psutil
        at = time.time()
        t = p.cpu_times()
        busy = sum(getattr(t, n, 0.0) for n in ('user', 'nice', 'system', 'irq', 'softirq', 'steal'))
        idle = getattr(t, 'idle', 0.0) + getattr(t, 'iowait', 0.0)
        disk = net = None
        try:
            d = p.disk_io_counters()
            disk = Counters(d.read_bytes, d.write_bytes) if d is not None else None
        except Exception:
            pass
        try:
            n = p.net_io_counters()
            net = Counters(n.bytes_recv, n.bytes_sent) if n is not None else None
        except Exception:
            pass
        return _Reading(at, CpuTimes(idle, idle + busy), disk, net)

    def metrics(self, before: _Reading, after: _Reading) -> Dict[str, float]:
        vm = self._psutil.virtual_memory()
        return _host_metrics(before, after, (vm.total, vm.available), self._process.memory_info().rss)


def _host_source(quiet: bool) -> Any:
    global _noticed
    if _LINUX:
        return _ProcSource()
    try:
        import psutil  # type: ignore[import-not-found]

        return _PsutilSource(psutil)
    except Exception:
        if not quiet and not _noticed:
            _noticed = True
            sys.stderr.write('tally: no CPU, memory, disk or network metrics here without /proc; pip install psutil for them\n')
        return None


def _host_metrics(before: _Reading, after: _Reading, memory: Optional[tuple], rss: Optional[int]) -> Dict[str, float]:
    out: Dict[str, float] = {}
    if before.cpu is not None and after.cpu is not None:
        p = cpu_percent(before.cpu, after.cpu)
        if p is not None:
            out['system/cpu_percent'] = p
    if memory is not None and memory[0] > 0:
        total, available = memory
        out['system/memory_used_gb'] = (total - available) / 1e9
        out['system/memory_percent'] = 100 * (total - available) / total
    seconds = after.at - before.at
    disk = mb_per_second(before.disk, after.disk, seconds) if before.disk and after.disk else None
    if disk is not None:
        out['system/disk_read_mb_s'] = disk.inbound
        out['system/disk_write_mb_s'] = disk.outbound
    net = mb_per_second(before.net, after.net, seconds) if before.net and after.net else None
    if net is not None:
        out['system/net_recv_mb_s'] = net.inbound
        out['system/net_sent_mb_s'] = net.outbound
    if rss is not None:
        out['system/process_rss_mb'] = rss / 1e6
    return out
