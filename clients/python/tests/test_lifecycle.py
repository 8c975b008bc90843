"""Real child processes: a SIGKILL after flush() loses nothing; an exception or SIGTERM ends the run failed;
a script that ends without finish() ends it finished."""
from __future__ import annotations

import os
import signal
import time

import pytest

import tally

PREAMBLE = """
import tally, sys, os, time
run = tally.init(project="p", id="child")
print("ready", flush=True)
"""


def wait_for_line(proc, text: str) -> None:
    line = proc.stdout.readline()
    assert text in line, f"child said {line!r}; stderr: {proc.stderr.read() if proc.poll() is not None else ''}"


def test_sigkill_after_flush_loses_nothing_flushed(tally_dir, tally_cli, spawn_python):
    proc = spawn_python(
        PREAMBLE
        + """
for i in range(1000):
    run.log({"loss": i / 1000, "nan": float("nan")})
run.result("best", 0.5)
run.flush()
print("flushed", flush=True)
time.sleep(600)
""",
        dir=tally_dir,
    )
    try:
        wait_for_line(proc, "ready")
        wait_for_line(proc, "flushed")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    series = tally_cli("series", "child", "loss", dir=tally_dir)
    assert series["steps"] == list(range(1000))
    assert series["values"][999] == 0.999
    got = tally_cli("run", "child", dir=tally_dir)
    assert got["results"] == {"best": 0.5}
    assert got["status"] in ("running", "crashed")  # never finished: a stale heartbeat reads as crashed


def test_an_uncaught_exception_ends_the_run_failed(tally_dir, tally_cli, run_python):
    proc = run_python(PREAMBLE + "run.log({'a': 1})\nraise ValueError('boom')\n", dir=tally_dir, check=False)
    assert proc.returncode == 1 and "ValueError: boom" in proc.stderr  # the usual traceback still prints
    got = tally_cli("run", "child", dir=tally_dir)
    assert got["status"] == "failed" and got["error"] == "ValueError: boom"
    assert tally_cli("series", "child", "a", dir=tally_dir)["values"] == [1]


def test_sigterm_ends_the_run_failed_and_runs_finally_blocks(tally_dir, tally_cli, spawn_python):
    proc = spawn_python(
        PREAMBLE
        + """
try:
    i = 0
    while True:
        run.log({"x": i})
        i += 1
        if i == 100:
            print("logging", flush=True)
        time.sleep(0.001)
finally:
    print("cleanup ran", flush=True)
""",
        dir=tally_dir,
    )
    try:
        wait_for_line(proc, "ready")
        wait_for_line(proc, "logging")
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert "cleanup ran" in out
    assert proc.returncode == 143
    got = tally_cli("run", "child", dir=tally_dir)
    assert got["status"] == "failed" and got["error"] == "interrupted by SIGTERM"
    steps = tally_cli("series", "child", "x", dir=tally_dir)["steps"]
    assert steps == list(range(len(steps))) and len(steps) >= 100


def test_keyboard_interrupt_ends_the_run_failed(tally_dir, tally_cli, spawn_python):
    proc = spawn_python(PREAMBLE + "run.log({'a': 1})\nprint('logging', flush=True)\ntime.sleep(600)\n", dir=tally_dir)
    try:
        wait_for_line(proc, "ready")
        wait_for_line(proc, "logging")
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    got = tally_cli("run", "child", dir=tally_dir)
    assert got["status"] == "failed" and got["error"] == "interrupted by SIGINT"


def test_a_script_that_ends_without_finish_is_finished(tally_dir, tally_cli, run_python):
    run_python(PREAMBLE + "for i in range(10):\n    tally.log({'a': i})\n", dir=tally_dir)
    got = tally_cli("run", "child", dir=tally_dir)
    assert got["status"] == "finished"
    assert tally_cli("series", "child", "a", dir=tally_dir)["steps"] == list(range(10))


def test_the_background_thread_writes_without_flush(tally_dir):
    run = tally.init(project="p", dir=tally_dir, flush_interval=0.05)
    size = os.path.getsize(run.spool_path)
    run.log({"a": 1})
    deadline = time.monotonic() + 30
    while os.path.getsize(run.spool_path) == size and time.monotonic() < deadline:
        time.sleep(0.01)
    assert os.path.getsize(run.spool_path) > size
    run.finish()


@pytest.mark.parametrize(
    "call, code, status, error",
    [
        ("sys.exit(3)", 3, "failed", "sys.exit(3)"),
        ("sys.exit('bad input')", 1, "failed", "bad input"),
        ("sys.exit(0)", 0, "finished", None),
        ("sys.exit()", 0, "finished", None),
    ],
)
def test_sys_exit_with_a_non_zero_code_ends_the_run_failed(tally_dir, tally_cli, run_python, call, code, status, error):
    proc = run_python(PREAMBLE + f"run.log({{'a': 1}})\n{call}\n", dir=tally_dir, check=False)
    assert proc.returncode == code
    got = tally_cli("run", "child", dir=tally_dir)
    assert got["status"] == status
    if status == "failed":
        assert got["error"] == error
    ends = [r.event for r in _records(tally_dir, "child") if r.event is not None and r.event["type"] == "status"]
    assert [e.get("exitCode") for e in ends] == [code if status == "failed" else None]
    assert tally_cli("series", "child", "a", dir=tally_dir)["values"] == [1]


def test_sys_exit_in_a_thread_only_ends_that_thread(tally_dir, tally_cli, run_python):
    run_python(PREAMBLE + "import threading\nt = threading.Thread(target=sys.exit, args=(2,))\nt.start(); t.join()\n", dir=tally_dir)
    assert tally_cli("run", "child", dir=tally_dir)["status"] == "finished"


def _records(tally_dir, run_id):
    import glob

    from tally.spool import iter_spool_file

    return [r for path in sorted(glob.glob(os.path.join(tally_dir, "spool", run_id, "*.tsp"))) for r in iter_spool_file(path)]


@pytest.mark.parametrize("delay", [0.3, 0.45, 0.6, 0.75, 0.9])
def test_sigint_during_a_tight_log_loop_keeps_every_point(tally_dir, tally_cli, spawn_python, delay):
    # Ctrl-C lands anywhere in log(), often between its column appends: the call must be rolled
    # back whole, or the next flush writes a points record that readers stop at (run crashed,
    # later data lost).
    proc = spawn_python(
        PREAMBLE
        + """
keys = [f"k{i}" for i in range(50)]
i = 0
try:
    while True:
        run.log({k: float(i) for k in keys})
        i += 1
finally:
    print("done", i, flush=True)
""",
        dir=tally_dir,
    )
    try:
        wait_for_line(proc, "ready")
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    done = int(out.split("done")[1].split()[0])  # calls that returned; the interrupted one may or may not count
    got = tally_cli("run", "child", dir=tally_dir)
    assert got["status"] == "failed" and got["error"] == "interrupted by SIGINT", err
    assert got["lastStep"] in (done - 1, done)
    for key in ("k0", "k49"):
        series = tally_cli("series", "child", key, dir=tally_dir)
        assert series["steps"] == list(range(got["lastStep"] + 1))
        assert series["values"] == [float(s) for s in series["steps"]]
