"""sync_spool ships what a local spool holds to a real ``tally serve``, once."""
from __future__ import annotations

import subprocess

import pytest

from tally.errors import TallyError
from tally.remote import sync_spool

from remote_support import CLI, free_port
from test_remote_sender import ts_spool


def test_sync_ships_every_run_or_one_project_once(tmp_path, server):
    local = str(tmp_path / "local")
    a = ts_spool(local, 30, project="alpha")
    b = ts_spool(local, 7, project="beta")

    report = sync_spool(local, server.url, api_key=server.key, project="alpha")
    assert [(w["runId"], w["ackedSeq"] == w["lastSeq"], "error" in w) for w in report["writers"]] == [(a, True, False)]
    assert report["writers"][0]["points"] == 30 * 2
    assert server.series(server.key, a, "loss")["steps"] == list(range(30))
    assert server.get(server.key, f"/api/v1/runs/{b}")[0] == 404

    report = sync_spool(local, server.url, api_key=server.key)
    by_run = {w["runId"]: w for w in report["writers"]}
    assert set(by_run) == {a, b}
    # The run that arrived before is not stored twice.
    assert (by_run[a]["records"], by_run[a]["points"]) == (0, 0)
    assert by_run[b]["points"] == 7 * 2 and "error" not in by_run[b]
    assert server.series(server.key, b, "acc")["values"] == list(range(7))


def test_sync_to_a_server_that_is_down_reports_it_and_keeps_the_spool(tmp_path):
    local = str(tmp_path / "local")
    run_id = ts_spool(local, 3)
    report = sync_spool(local, f"http://127.0.0.1:{free_port()}", api_key="tally_sk_x")
    (writer,) = report["writers"]
    assert writer["runId"] == run_id and writer["ackedSeq"] == 0 and writer["lastSeq"] > 0
    assert writer["error"]["code"] == "server_unreachable"


def test_sync_without_a_key_says_how_to_get_one(tmp_path, monkeypatch):
    local = str(tmp_path / "local")
    ts_spool(local, 1)
    monkeypatch.delenv("TALLY_API_KEY", raising=False)
    with pytest.raises(TallyError) as e:
        sync_spool(local, "http://127.0.0.1:1")
    assert e.value.code == "invalid_argument" and "TALLY_API_KEY" in e.value.message


def test_sync_with_a_wrong_key_is_unauthorized(tmp_path, server):
    local = str(tmp_path / "local")
    ts_spool(local, 1)
    (writer,) = sync_spool(local, server.url, api_key="tally_sk_wrong")["writers"]
    assert writer["error"]["code"] == "unauthorized"


def test_tally_sync_ships_a_python_written_local_spool(tmp_path, server):
    """The TypeScript CLI's `tally sync --all` takes the Python writer's spool as its own."""
    from test_remote_outage import Spool

    local = str(tmp_path / "local")
    spool = Spool(local)
    for step in range(25):
        spool.log(step, float("nan") if step == 7 else step / 8)
    spool.writer.close()
    out = subprocess.run(["node", CLI, "sync", "--all", "--server", server.url, "--api-key", server.key,
                          "--dir", local, "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    series = server.series(server.key, spool.run_id, "loss")
    assert series["steps"] == list(range(25))
    assert series["values"] == [("NaN" if s == 7 else s / 8) for s in range(25)]
    # What the CLI acknowledged, sync_spool finds done: nothing is sent twice.
    (writer,) = sync_spool(local, server.url, api_key=server.key)["writers"]
    assert (writer["records"], writer["ackedSeq"], "error" in writer) == (0, spool.writer.last_seq, False)
