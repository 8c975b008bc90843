"""tally.init in remote mode against a real ``tally serve``: what a script logs reads back
exactly through the server's HTTP API, through outages, restarts, kills and resumes."""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys

import pytest

import tally
from tally.errors import TallyError
from tally.remote import sync_spool

from remote_support import Server, create_key, free_port


def remote(server, tmp_path, sub="client", **kw):
    told = kw.pop("told", [])
    return tally.init(project="p", server_url=server.url, api_key=server.key, dir=str(tmp_path / sub),
                      capture=False, quiet=True, on_error=told.append, **kw)


def test_a_remote_run_reads_back_exactly(tmp_path, server):
    run = remote(server, tmp_path, name="exact", config={"lr": 0.1})
    assert run.url == f"{server.url}/default/p/runs/{run.id}"
    special = {3: math.nan, 4: math.inf, 5: -math.inf}
    for step in range(200):
        run.log({"loss": special.get(step, 1 / (step + 1)), "acc": step})
    run.config.update({"batch": 32})
    run.result("best", 0.91)
    assert run.flush() is True
    run.finish()
    series = server.series(server.key, run.id, "loss")
    names = {3: "NaN", 4: "Infinity", 5: "-Infinity"}
    assert series["steps"] == list(range(200))
    assert series["values"] == [names.get(s, 1 / (s + 1)) for s in range(200)]
    status, body = server.get(server.key, f"/api/v1/runs/{run.id}")
    assert status == 200
    assert (body["name"], body["status"], body["config"]) == ("exact", "finished", {"lr": 0.1, "batch": 32})


def test_logging_through_a_server_restart_loses_nothing(tmp_path, server):
    told = []
    run = remote(server, tmp_path, told=told)
    for step in range(300):
        if step == 100:
            assert run.flush(60)
            server.kill()
        if step == 200:
            server.start()
        run.log({"loss": step / 3})
    assert run.flush(60) is True
    run.finish()
    series = server.series(server.key, run.id, "loss")
    assert series["steps"] == list(range(300))
    assert series["values"] == [s / 3 for s in range(300)]
    assert server.get(server.key, f"/api/v1/runs/{run.id}")[1]["status"] == "finished"


def before_the_server(tmp_path, told):
    """A key and a server not started yet, and a remote run of tmp_path/client that tells ``told``."""
    dir = str(tmp_path / "server")
    os.makedirs(dir)
    key = create_key(dir)
    server = Server(dir, free_port())
    run = tally.init(project="p", server_url=server.url, api_key=key, dir=str(tmp_path / "client"), capture=False,
                     quiet=True, on_error=told.append)
    return server, key, run


def test_a_server_unreachable_from_the_start(tmp_path):
    told = []
    server, key, run = before_the_server(tmp_path, told)
    try:
        for step in range(50):
            run.log({"loss": float(step)})
        # The run works; flush says the server does not have it yet, and why.
        assert run.flush(0.5) is False
        assert "server_unreachable" in [e.code for e in told]
        assert any("tally sync" in e.message for e in told)
        server.start()
        assert run.flush(60) is True
        run.finish()
        assert server.series(key, run.id, "loss")["values"] == [float(s) for s in range(50)]
    finally:
        server.kill()


def test_a_run_that_ends_while_the_server_is_down_is_sent_by_sync(tmp_path):
    told = []
    server, key, run = before_the_server(tmp_path, told)
    for step in range(20):
        run.log({"loss": float(step)})
    run.finish(timeout=0.5)
    assert any("did not reach" in e.message and "tally sync" in e.message for e in told)
    server.start()
    try:
        # The run recorded its server: sync without all sends it there.
        (writer,) = sync_spool(str(tmp_path / "client"), api_key=key, all=False)["writers"]
        assert "error" not in writer and writer["ackedSeq"] == writer["lastSeq"]
        assert server.series(key, run.id, "loss")["steps"] == list(range(20))
        assert server.get(key, f"/api/v1/runs/{run.id}")[1]["status"] == "finished"
    finally:
        server.kill()


def test_a_process_killed_after_flush_loses_nothing_flushed(tmp_path, server):
    script = f"""
import os, signal, sys, tally
run = tally.init(project="p", server_url={server.url!r}, api_key={server.key!r}, dir={str(tmp_path / 'c')!r},
                 capture=False, quiet=True)
for step in range(500):
    run.log({{"loss": step * 2}})
assert run.flush(60)
print(run.id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    run_id = child.stdout.strip()
    assert server.series(server.key, run_id, "loss")["values"] == [s * 2 for s in range(500)]


def test_a_bad_api_key_is_told_with_its_code(tmp_path, server):
    told = []
    run = tally.init(project="p", server_url=server.url, api_key="tally_sk_wrong", dir=str(tmp_path / "c"),
                     capture=False, quiet=True, on_error=told.append)
    run.log({"loss": 1.0})
    assert run.flush(30) is False
    run.finish(timeout=5)
    codes = [e.code for e in told]
    assert codes[0] == "unauthorized" and "TALLY_API_KEY" in told[0].message
    # Logging went on into the spool: the run is there for `tally sync` once the key is fixed.
    (writer,) = sync_spool(str(tmp_path / "c"), api_key=server.key, all=False)["writers"]
    assert "error" not in writer
    assert server.series(server.key, run.id, "loss")["values"] == [1.0]


def test_remote_mode_needs_a_key_and_a_valid_address(tmp_path, monkeypatch):
    monkeypatch.delenv("TALLY_API_KEY", raising=False)
    with pytest.raises(TallyError) as e:
        tally.init(project="p", server_url="http://127.0.0.1:1", dir=str(tmp_path), quiet=True)
    assert e.value.code == "invalid_argument" and "tally keys create" in e.value.message
    with pytest.raises(TallyError) as e:
        tally.init(project="p", server_url="ftp://x", api_key="k", dir=str(tmp_path), quiet=True)
    assert e.value.code == "invalid_argument" and "http(s)" in e.value.message
    with pytest.raises(TallyError) as e:
        tally.init(project="p", server_url="http://x", api_key="k", workspace="no spaces", dir=str(tmp_path), quiet=True)
    assert e.value.code == "invalid_argument" and "workspace" in e.value.message


def test_remote_resume_never_allow_must(tmp_path, server):
    first = remote(server, tmp_path, "machine-a", name="shared")
    for step in range(10):
        first.log({"loss": float(step)})
    first.finish()

    by_id = remote(server, tmp_path, "machine-b", id=first.id, resume="must")
    assert (by_id.id, by_id.resumed, by_id.step, by_id.name) == (first.id, True, 10, "shared")
    by_id.log({"loss": 10.0})
    by_id.finish()
    by_name = remote(server, tmp_path, "machine-c", name="shared", resume="allow")
    assert (by_name.id, by_name.step) == (first.id, 11)
    by_name.log({"loss": 11.0})
    by_name.finish()
    assert server.series(server.key, first.id, "loss")["steps"] == list(range(12))

    with pytest.raises(TallyError) as e:
        remote(server, tmp_path, "machine-d", id="nope", resume="must")
    assert e.value.code == "run_not_found" and "nope" in e.value.message
    created = remote(server, tmp_path, "machine-d", name="brand-new", resume="allow")
    assert (created.resumed, created.step, created.name) == (False, 0, "brand-new")
    created.finish()

    # never with an id the server has: the server refuses the new writer, and says so.
    told = []
    clash = remote(server, tmp_path, "machine-e", id=first.id, resume="never", told=told)
    clash.log({"loss": 99.0})
    assert clash.flush(30) is False
    clash.finish(timeout=5)
    assert told[0].code == "run_exists"
    assert server.series(server.key, first.id, "loss")["steps"] == list(range(12))
