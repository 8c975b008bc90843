"""Parsers for what the system sampler reads: Linux's /proc files and ``nvidia-smi``'s CSV.

Pure functions of text, as ``system-parse.ts``, so they are tested against recorded output
on any machine.
"""
from __future__ import annotations

import math
import re
from typing import Dict, List, NamedTuple, Optional, Sequence, Union


class CpuTimes(NamedTuple):
    """Jiffies spent idle (iowait included) and in total."""

    idle: float
    total: float


class MemInfo(NamedTuple):
    total_bytes: int
    available_bytes: int


class Counters(NamedTuple):
    """Bytes read / received (``inbound``) and written / sent (``outbound``) so far."""

    inbound: float
    outbound: float


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def parse_proc_stat(text: str) -> Optional[CpuTimes]:
    """The aggregate ``cpu`` line of /proc/stat.

    >>> parse_proc_stat('cpu  100 0 100 700 100 0 0 0 0 0\\n')
    CpuTimes(idle=800.0, total=1000.0)
    """
    line = next((line for line in text.split('\n') if line.startswith('cpu ')), None)
    if line is None:
        return None
    f = [_number(x) for x in line.split()[1:]]
    if len(f) < 4 or not all(math.isfinite(n) for n in f):
        return None
    # user nice system idle iowait irq softirq steal [guest guest_nice: already counted in user and nice]
    total = sum(f[:8])
    return CpuTimes(idle=f[3] + (f[4] if len(f) > 4 else 0), total=total)


def cpu_percent(before: CpuTimes, after: CpuTimes) -> Optional[float]:
    """Busy share of the time between two readings, in percent; None when no time passed.

    >>> cpu_percent(CpuTimes(800, 1000), CpuTimes(900, 1300))
    66.66666666666667
    """
    total = after.total - before.total
    if total <= 0:
        return None
    busy = total - (after.idle - before.idle)
    return min(100.0, max(0.0, 100 * busy / total))


def parse_meminfo(text: str) -> Optional[MemInfo]:
    """/proc/meminfo: MemTotal and MemAvailable (what can be had without swapping), in bytes.

    >>> parse_meminfo('MemTotal: 1000 kB\\nMemFree: 250 kB\\n')
    MemInfo(total_bytes=1024000, available_bytes=256000)
    """

    def kb(name: str) -> Optional[int]:
        m = re.search(rf'^{name}:\s+(\d+)\s*kB', text, re.MULTILINE)
        return int(m.group(1)) * 1024 if m else None

    total = kb('MemTotal')
    available = kb('MemAvailable')
    if available is None:
        available = kb('MemFree')
    return None if total is None or available is None else MemInfo(total, available)


# Whole disks only: partitions would count each byte twice, and loop, ram, zram and
# device-mapper devices are views of other devices.
_NOT_A_DISK = re.compile(r'^(loop|ram|zram|dm-|md)\d*|^(sd|vd|xvd|hd)[a-z]+\d+$|^(nvme\d+n\d+|mmcblk\d+)p\d+$')


def parse_diskstats(text: str) -> Counters:
    """/proc/diskstats: bytes read and written by whole disks (sectors are 512 bytes there).

    >>> parse_diskstats('8 0 sda 1 0 2 0 1 0 4 0 0 0 0')
    Counters(inbound=1024, outbound=2048)
    """
    read = written = 0
    for line in text.split('\n'):
        f = line.split()
        if len(f) < 10 or _NOT_A_DISK.search(f[2]):
            continue
        read += int(_number(f[5]) * 512) if math.isfinite(_number(f[5])) else 0
        written += int(_number(f[9]) * 512) if math.isfinite(_number(f[9])) else 0
    return Counters(read, written)


def parse_net_dev(text: str) -> Counters:
    """/proc/net/dev: bytes received and sent by every interface but loopback.

    >>> parse_net_dev('  eth0: 3000000 20 0 0 0 0 0 0 1000000 10 0 0 0 0 0 0')
    Counters(inbound=3000000, outbound=1000000)
    """
    received = sent = 0
    for line in text.split('\n'):
        name, colon, rest = line.partition(':')
        if not colon:
            continue
        f = rest.split()
        if name.strip() == 'lo' or len(f) < 9:
            continue
        received += int(f[0]) if f[0].isdigit() else 0
        sent += int(f[8]) if f[8].isdigit() else 0
    return Counters(received, sent)


def mb_per_second(before: Counters, after: Counters, seconds: float) -> Optional[Counters]:
    """Per second between two readings, in MB (10^6 bytes); None when the counters went back.

    >>> mb_per_second(Counters(0, 0), Counters(4_000_000, 1_500_000), 2)
    Counters(inbound=2.0, outbound=0.75)
    """
    if seconds <= 0 or after.inbound < before.inbound or after.outbound < before.outbound:
        return None
    return Counters(
        (after.inbound - before.inbound) / 1e6 / seconds,
        (after.outbound - before.outbound) / 1e6 / seconds,
    )


#: The fields the sampler asks ``nvidia-smi --query-gpu=`` for, in this order.
GPU_FIELDS = ('index', 'name', 'utilization.gpu', 'memory.used', 'memory.total', 'temperature.gpu', 'power.draw')

GpuRow = Dict[str, Union[str, int, float]]

_NOT_REPORTED = re.compile(r'^\[.*\]$')


def parse_gpu_csv(text: str, fields: Sequence[str]) -> List[GpuRow]:
    """``nvidia-smi --query-gpu=<fields> --format=csv,noheader,nounits``: one row per GPU.

    Each field is a number when it reads as one, the text otherwise, and absent when the board
    does not report it (``[N/A]``, ``[Not Supported]``).

    >>> parse_gpu_csv('0, NVIDIA H100, 87, [N/A]\\n', ['index', 'name', 'utilization.gpu', 'power.draw'])
    [{'index': 0, 'name': 'NVIDIA H100', 'utilization.gpu': 87}]
    """
    rows: List[GpuRow] = []
    for line in text.split('\n'):
        if line.strip() == '':
            continue
        cells = [c.strip() for c in line.split(',')]
        row: GpuRow = {}
        for i, field in enumerate(fields):
            cell = cells[i] if i < len(cells) else ''
            if cell == '' or _NOT_REPORTED.match(cell):
                continue
            row[field] = _js_number(cell)
        rows.append(row)
    return rows


def _js_number(cell: str) -> Union[str, int, float]:
    """A number when JavaScript's ``Number(cell)`` would read a finite one, else the text."""
    if re.fullmatch(r'[+-]?\d+', cell):
        return int(cell)
    if re.fullmatch(r'[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?', cell):
        n = float(cell)
        return int(n) if n.is_integer() and abs(n) < 2**53 else n
    return cell


def gpu_metrics(rows: Sequence[GpuRow]) -> Dict[str, float]:
    """The ``system/gpu.<i>.*`` values of one query's rows (utilization, memory, temperature, power).

    >>> gpu_metrics([{'index': 0, 'utilization.gpu': 87, 'power.draw': 512.5}])
    {'system/gpu.0.utilization_percent': 87, 'system/gpu.0.power_w': 512.5}
    """
    out: Dict[str, float] = {}
    for position, row in enumerate(rows):
        index = row.get('index')
        i = index if _is_num(index) else position

        def put(name: str, value: object, scale: float = 1) -> None:
            if _is_num(value):
                out[f'system/gpu.{i}.{name}'] = value * scale if scale != 1 else value  # type: ignore[operator]

        put('utilization_percent', row.get('utilization.gpu'))
        # nvidia-smi reports MiB.
        put('memory_used_gb', row.get('memory.used'), 1024**2 / 1e9)
        used, total = row.get('memory.used'), row.get('memory.total')
        if _is_num(used) and _is_num(total) and total > 0:  # type: ignore[operator]
            out[f'system/gpu.{i}.memory_percent'] = 100 * used / total  # type: ignore[operator]
        put('temperature_c', row.get('temperature.gpu'))
        put('power_w', row.get('power.draw'))
    return out


def _is_num(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
