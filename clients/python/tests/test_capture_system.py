"""/proc and nvidia-smi parsers against recorded output (shared with TS), and the real sampler."""
import math
import threading
from pathlib import Path

import pytest

from tally.capture.system_parse import (
    GPU_FIELDS,
    Counters,
    CpuTimes,
    cpu_percent,
    gpu_metrics,
    mb_per_second,
    parse_diskstats,
    parse_gpu_csv,
    parse_meminfo,
    parse_net_dev,
    parse_proc_stat,
)
from tally.capture.system_sampler import SystemSampler

FIXTURES = Path(__file__).resolve().parents[3] / 'test-fixtures' / 'nvidia-smi'


def test_reads_the_aggregate_cpu_line_and_gives_a_busy_percentage():
    before = parse_proc_stat('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\n')
    after = parse_proc_stat('cpu  250 0 150 750 150 0 0 0 0 0\ncpu0 1 1 1 1 1 0 0 0 0 0\n')
    assert before == CpuTimes(idle=800, total=1000)
    assert after == CpuTimes(idle=900, total=1300)
    # 300 jiffies passed, 100 of them idle or waiting on I/O.
    assert cpu_percent(before, after) == pytest.approx(200 / 3, abs=1e-10)
    assert cpu_percent(CpuTimes(1, 2), CpuTimes(1, 2)) is None
    assert parse_proc_stat('intr 1 2 3\n') is None


def test_reads_memtotal_and_memavailable_falling_back_to_memfree():
    text = 'MemTotal:       24684092 kB\nMemFree:        22300244 kB\nMemAvailable:   24005316 kB\n'
    assert parse_meminfo(text) == (24684092 * 1024, 24005316 * 1024)
    assert parse_meminfo('MemTotal: 1000 kB\nMemFree: 250 kB\n') == (1024000, 256000)
    assert parse_meminfo('') is None


def test_sums_whole_disks_only():
    text = '\n'.join([
        '   7       0 loop0 9 0 9999 0 9 0 9999 0 0 0 0 0 0 0 0 0 0',
        '   8       0 sda 100 0 2000 10 50 0 4000 20 0 30 30 0 0 0 0 0 0',
        '   8       1 sda1 100 0 2000 10 50 0 4000 20 0 30 30 0 0 0 0 0 0',
        ' 259       0 nvme0n1 10 0 100 1 5 0 300 2 0 3 3 0 0 0 0 0 0',
        ' 259       1 nvme0n1p1 10 0 100 1 5 0 300 2 0 3 3 0 0 0 0 0 0',
        ' 253       0 dm-0 10 0 100 1 5 0 300 2 0 3 3 0 0 0 0 0 0',
    ])
    assert parse_diskstats(text) == Counters((2000 + 100) * 512, (4000 + 300) * 512)


def test_sums_every_interface_but_loopback_and_gives_mb_per_second():
    text = '\n'.join([
        'Inter-|   Receive                                                |  Transmit',
        ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier '
        'compressed',
        '    lo: 18495946789 1971053    0    0    0     0          0         0 18495946789 1971053    0    0    0     0 '
        '      0          0',
        '  eth0: 3000000 20 0 0 0 0 0 0 1000000 10 0 0 0 0 0 0',
        '  eth1:1000000 20 0 0 0 0 0 0 500000 10 0 0 0 0 0 0',
    ])
    c = parse_net_dev(text)
    assert c == Counters(4_000_000, 1_500_000)
    assert mb_per_second(Counters(0, 0), c, 2) == Counters(2, 0.75)
    # Counters that went back (an interface reset) give no rate rather than a negative one.
    assert mb_per_second(c, Counters(0, 0), 1) is None


def test_reads_every_field_of_the_recorded_h100_query_and_takes_na_as_not_reported():
    fields = ('index,name,uuid,utilization.gpu,utilization.memory,memory.total,memory.used,memory.free,'
              'temperature.gpu,power.draw,power.limit,clocks.sm,fan.speed').split(',')
    rows = parse_gpu_csv((FIXTURES / 'h100-query-gpu.csv').read_text(), fields)
    assert rows == [{
        'index': 0, 'name': 'NVIDIA H100 80GB HBM3', 'uuid': 'GPU-bf258f48-780d-3eff-4247-8db4825bbf61',
        'utilization.gpu': 0, 'utilization.memory': 0, 'memory.total': 81559, 'memory.used': 0,
        'memory.free': 81079, 'temperature.gpu': 54, 'power.draw': 137.32, 'power.limit': 700, 'clocks.sm': 495,
    }]
    assert gpu_metrics(rows) == {
        'system/gpu.0.utilization_percent': 0,
        'system/gpu.0.memory_used_gb': 0,
        'system/gpu.0.memory_percent': 0,
        'system/gpu.0.temperature_c': 54,
        'system/gpu.0.power_w': 137.32,
    }


def test_the_samplers_own_query_gives_gpu_series_leaving_out_what_a_board_does_not_report():
    assert GPU_FIELDS == ('index', 'name', 'utilization.gpu', 'memory.used', 'memory.total', 'temperature.gpu',
                          'power.draw')
    text = '0, NVIDIA H100 80GB HBM3, 87, 40779, 81559, 61, 512.5\n1, NVIDIA H100 80GB HBM3, 3, 1024, 81559, 40, [N/A]\n'
    values = gpu_metrics(parse_gpu_csv(text, GPU_FIELDS))
    assert values['system/gpu.0.utilization_percent'] == 87
    assert values['system/gpu.0.memory_used_gb'] == pytest.approx(40779 * 1024 * 1024 / 1e9, abs=1e-10)
    assert values['system/gpu.0.memory_percent'] == pytest.approx(100 * 40779 / 81559, abs=1e-10)
    assert values['system/gpu.0.power_w'] == 512.5
    assert values['system/gpu.1.temperature_c'] == 40
    assert 'system/gpu.1.power_w' not in values
    assert parse_gpu_csv('\n', GPU_FIELDS) == []


def test_the_sampler_reads_this_machine_until_stopped():
    got = []
    two = threading.Event()

    def emit(values, at_ms):
        got.append((values, at_ms))
        if len(got) >= 2:
            two.set()

    sampler = SystemSampler(1.0, emit, quiet=True)
    try:
        assert two.wait(30), 'no two samples in 30 s'
    finally:
        sampler.stop()
    values, at_ms = got[0]
    if Path('/proc/stat').exists():
        assert 0 <= values['system/cpu_percent'] <= 100
        assert 0 < values['system/memory_percent'] <= 100
        assert values['system/memory_used_gb'] > 0
        assert values['system/process_rss_mb'] > 1
        assert values['system/net_recv_mb_s'] >= 0 and values['system/disk_read_mb_s'] >= 0
    assert all(k.startswith('system/') and math.isfinite(v) for k, v in values.items())
    assert got[1][1] > at_ms
    count = len(got)
    sampler._thread.join(5)
    assert len(got) == count and not sampler._thread.is_alive()
