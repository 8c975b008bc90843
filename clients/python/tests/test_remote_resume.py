"""Remote resume asks a real server for the run: by id or name, never/allow/must, with the
local spool standing in when the server cannot be reached."""
from __future__ import annotations

import pytest

from tally.errors import TallyError
from tally.remote import remote_target, start_sender
from tally.remote.resume import RemoteRun, resolve_remote_run

from remote_support import free_port, start_server
from test_remote_outage import Spool


@pytest.fixture
def shared(tmp_path):
    """A server holding run "outage" of project p with steps 0…9, logged from machine A."""
    server = start_server(str(tmp_path / "server"))
    key = server.key
    spool = Spool(str(tmp_path / "machine-a"))
    for step in range(10):
        spool.log(step, float(step))
    sender = start_sender(None, remote_target(server.url, key), spool.writer_id, spool.writer.path)
    assert sender.flush(60)
    sender.stop(10)
    yield server, remote_target(server.url, key), spool
    server.kill()


def _not_found():
    raise TallyError("run_not_found", "not in the local spool")


def _new():
    return {"resumed": False, "id": "fresh"}


def test_finds_a_run_of_another_machine_by_id_and_by_name(tmp_path, shared):
    _server, target, spool = shared
    elsewhere = str(tmp_path / "machine-b")
    by_id = resolve_remote_run(target, project="p", name=None, run_id=spool.run_id, resume="must",
                               dir=elsewhere, resolve_local=_not_found)
    assert isinstance(by_id, RemoteRun)
    assert (by_id.id, by_id.name, by_id.last_step, by_id.resumed) == (spool.run_id, "outage", 9, True)
    by_name = resolve_remote_run(target, project="p", name="outage", run_id=None, resume="allow",
                                 dir=elsewhere, resolve_local=_new)
    assert (by_name.id, by_name.last_step) == (spool.run_id, 9)


def test_steps_in_the_local_spool_not_sent_yet_count(tmp_path, shared):
    _server, target, spool = shared
    spool.log(10, 1.0)
    spool.log(11, 1.0)
    found = resolve_remote_run(target, project="p", name=None, run_id=spool.run_id, resume="allow",
                               dir=str(tmp_path / "machine-a"), resolve_local=_new)
    assert found.last_step == 11


def test_never_and_missing_runs_go_by_the_local_rules(tmp_path, shared):
    _server, target, spool = shared
    elsewhere = str(tmp_path / "machine-b")
    # never: no round trip; the local resolution decides (and the server refuses a clash later).
    assert resolve_remote_run(target, project="p", name="outage", run_id=None, resume="never",
                              dir=elsewhere, resolve_local=_new) == _new()
    assert resolve_remote_run(target, project="p", name="brand-new", run_id=None, resume="allow",
                              dir=elsewhere, resolve_local=_new) == _new()
    with pytest.raises(TallyError) as e:
        resolve_remote_run(target, project="p", name=None, run_id="nope", resume="must", dir=elsewhere,
                           resolve_local=_not_found)
    assert e.value.code == "run_not_found" and "nope" in e.value.message and target.server_url in e.value.message


def test_a_run_of_another_project_is_refused(tmp_path, shared):
    _server, target, spool = shared
    with pytest.raises(TallyError) as e:
        resolve_remote_run(target, project="q", name=None, run_id=spool.run_id, resume="must",
                           dir=str(tmp_path / "b"), resolve_local=_not_found)
    assert e.value.code == "invalid_argument" and 'project="p"' in e.value.message


def test_a_wrong_key_is_told_at_once(tmp_path, shared):
    server, _target, spool = shared
    with pytest.raises(TallyError) as e:
        resolve_remote_run(remote_target(server.url, "tally_sk_wrong"), project="p", name=None, run_id=spool.run_id,
                           resume="must", dir=str(tmp_path / "b"), resolve_local=_not_found)
    assert e.value.code == "unauthorized" and "TALLY_API_KEY" in e.value.message


def test_an_unreachable_server_falls_back_to_the_local_spool(tmp_path):
    target = remote_target(f"http://127.0.0.1:{free_port()}", "tally_sk_x")
    local = {"resumed": True, "id": "here"}
    assert resolve_remote_run(target, project="p", name="here", run_id=None, resume="must", dir=str(tmp_path),
                              resolve_local=lambda: local) is local
    with pytest.raises(TallyError) as e:
        resolve_remote_run(target, project="p", name=None, run_id="here", resume="allow", dir=str(tmp_path),
                           resolve_local=_new)
    assert e.value.code == "server_unreachable"
    assert "ECONNREFUSED" in e.value.message and "check that the server is up" in e.value.message


def test_resume_by_id_without_a_project_resumes_in_the_runs_own_project(tmp_path, shared, monkeypatch):
    import tally

    server, target, spool = shared
    monkeypatch.delenv("TALLY_PROJECT", raising=False)
    found = resolve_remote_run(target, project="default", name=None, run_id=spool.run_id, resume="must",
                               dir=str(tmp_path / "b"), resolve_local=_not_found, project_given=False)
    assert (found.project, found.last_step) == ("p", 9)
    # The same through init, on a machine whose spool has never seen the run.
    run = tally.init(id=spool.run_id, resume="must", server_url=server.url, api_key=target.api_key,
                     dir=str(tmp_path / "machine-b"), quiet=True, capture=False)
    assert (run.project, run.resumed, run.step) == ("p", True, 10)
    run.log({"loss": 10.0})
    run.finish(timeout=60)
    assert server.series(target.api_key, spool.run_id, "loss")["steps"][-1] == 10
