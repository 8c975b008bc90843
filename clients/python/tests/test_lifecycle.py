"""Real child processes: a SIGKILL after flush() loses nothing; an exception or SIGTERM ends the run failed;
a script that ends without finish() ends it finished."""
from __future__ import annotations

import glob
import os
import signal
import time

import pytest

import tally
from tally.spool import iter_spool_file

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


FORK = PREAMBLE + """
run.log({"loss": 0.0})
run.flush()
run.log({"loss": 0.5}, step=0)  # queued, not flushed, at the fork: the parent's to write, not the child's
pid = os.fork()
if pid == 0:
    time.sleep(0.5)  # the parent writes meanwhile: a stale offset would overwrite its records
    CHILD
for i in range(1, 100):
    run.log({"loss": float(i)})
run.flush()
os.waitpid(pid, 0)
for i in range(100, 110):
    run.log({"loss": float(i)})
run.finish()
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here")
@pytest.mark.parametrize(
    "child",
    [
        "tally.log({'child': 1.0}); tally.flush(); os._exit(0)",  # a worker that flushes, then ends at once
        "run.log({'child': 1.0}); run.result('from_child', 2.0); sys.exit(0)",  # ends normally: its exit writes
        "run.log({'child': 1.0}); run.finish(); os._exit(0)",  # finish() in a child ends its own writer
        "os._exit(0)",  # logs nothing: no file of its own
        "sys.exit(0)",  # logs nothing and ends normally: nothing either
    ],
)
def test_a_forked_child_never_writes_its_parents_file(tally_dir, tally_cli, run_python, child):
    # As /tmp/review-py/fork2.py: the child used to write at the parent's stale offset, over the
    # records the parent wrote after the fork.
    run_python(FORK.replace("CHILD", child), dir=tally_dir)
    files = glob.glob(os.path.join(tally_dir, "spool", "child", "*.tsp"))
    # The parent's file is the one that created the run; a child's writer says it resumed it.
    # (Modification times cannot tell them apart: both may end within one clock tick.)
    opened = {f: next(iter(iter_spool_file(f))).event for f in files}
    (parent,) = [f for f in files if opened[f]["resumed"] is False]
    children = [f for f in files if f != parent]
    parent_records = list(iter_spool_file(parent))
    assert [r.event["type"] for r in parent_records if r.event is not None and r.event["type"] != "console"] == ["run", "status"]
    rows = [row for r in parent_records if r.points is not None for row in r.points.rows()]
    # Whole and in order, nothing overwritten; step 0 twice: flushed before the fork, then queued.
    assert [row["step"] for row in rows] == [0] + list(range(110))
    assert [row["values"]["loss"] for row in rows] == [0.0, 0.5] + [float(i) for i in range(1, 110)]
    series = tally_cli("series", "child", "loss", dir=tally_dir)
    assert series["steps"] == list(range(110))
    assert series["values"] == [0.5] + [float(i) for i in range(1, 110)]  # the queued 0.5 written once, by the parent
    if "child" not in child:
        assert children == []
        assert tally_cli("run", "child", dir=tally_dir)["status"] == "finished"
        return
    assert len(children) == 1
    mine = list(iter_spool_file(children[0]))
    head = mine[0].event
    assert head["type"] == "run" and head["resumed"] is True and head["resume"] == "allow"
    assert head["writer"]["pid"] != parent_records[0].event["writer"]["pid"]
    assert [row["values"] for r in mine if r.points is not None for row in r.points.rows()] == [{"child": 1.0}]
    assert tally_cli("series", "child", "child", dir=tally_dir)["values"] == [1.0]
    ends = [r.event["status"] for r in mine if r.event is not None and r.event["type"] == "status"]
    if "os._exit(0)" in child and "finish" not in child:
        assert ends == []  # os._exit runs nothing: the child's writer stays without its end
    else:
        assert ends == ["finished"]
    # The parent ended last: its end stands, though the store takes the child's file after it.
    assert tally_cli("run", "child", dir=tally_dir)["status"] == "finished"
    if "from_child" in child:
        assert tally_cli("run", "child", dir=tally_dir)["results"] == {"from_child": 2.0}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here")
def test_a_forked_child_that_exits_normally_leaves_a_facades_buffer_to_the_parent(tally_dir, tally_cli, run_python):
    # Tora's buffer, filled before the fork, is the parent's to hand over at its exit; drained
    # in the child as well, the same values would be logged a second time by a second writer.
    run_python(
        """
import os, sys
from tally.tora import Tora
client = Tora.create_experiment("forked", max_buffer_len=25)
for i in range(5):
    client.log("loss", float(i), step=i)
pid = os.fork()
if pid == 0:
    sys.exit(0)
os.waitpid(pid, 0)
print(client.experiment_id)
""",
        dir=tally_dir,
    )
    (run,) = tally_cli("runs", "default", dir=tally_dir)
    files = glob.glob(os.path.join(tally_dir, "spool", run["id"], "*.tsp"))
    assert len(files) == 1  # the child logged nothing and wrote nothing
    assert tally_cli("series", run["id"], "loss", dir=tally_dir)["values"] == [0.0, 1.0, 2.0, 3.0, 4.0]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here")
def test_a_forked_child_in_remote_mode_sends_its_own_writer_and_never_waits_for_the_parents_sender(tmp_path, run_python):
    from remote_support import start_server

    server = start_server(str(tmp_path / "server"))
    key = server.key
    try:
        run_python(
            f"""
import os, sys, time, tally
run = tally.init(project="p", id="remote-fork", capture=False, quiet=True, server_url={server.url!r}, api_key={key!r})
run.log({{"loss": 0.0}})
assert run.flush(30)
pid = os.fork()
if pid == 0:
    t = time.monotonic()
    tally.log({{"child": 1.0}})
    ok = tally.flush()  # the child's own sender: no 30 s wait for the parent's, which it does not have
    print("child flush", ok, round(time.monotonic() - t, 1), flush=True)
    os._exit(0 if ok and time.monotonic() - t < 10 else 3)
_, code = os.waitpid(pid, 0)
assert code == 0, code
run.log({{"loss": 1.0}})
run.finish(timeout=30)
""",
            dir=str(tmp_path / "client"),
        )
        assert server.series(key, "remote-fork", "loss")["values"] == [0.0, 1.0]
        assert server.series(key, "remote-fork", "child")["values"] == [1.0]
    finally:
        server.kill()
