"""Resume never/allow/must × run exists or not, by id and by name, in local mode."""
from __future__ import annotations

import pytest

import tally

from support import run_cli


def make(tally_dir, **options):
    run = tally.init(project="p", dir=tally_dir, **options)
    run.log({"loss": 1.0})
    run.log({"loss": 0.5})
    run.finish()
    # The local store ingests a run's writer files in file-name order; the first writer (resume
    # 'never') must reach it before a resuming one, or the store refuses it as run_exists.
    # Ingesting here keeps that order whatever the random writer ids are.
    run_cli("ingest", dir=tally_dir)
    return run


@pytest.mark.parametrize("by", ["id", "name"])
@pytest.mark.parametrize("mode", ["allow", "must"])
def test_resume_an_existing_run_continues_at_its_last_step(tally_dir, tally_cli, by, mode):
    first = make(tally_dir, id="run-a", name="alpha")
    key = {"id": first.id} if by == "id" else {"name": "alpha"}
    again = tally.init(project="p", dir=tally_dir, resume=mode, **key)
    assert again.id == first.id and again.resumed and again.name == "alpha"
    assert again.step == 2
    again.log({"loss": 0.25})
    again.finish()
    series = tally_cli("series", first.id, "loss", dir=tally_dir)
    assert series["steps"] == [0, 1, 2] and series["values"] == [1, 0.5, 0.25]
    assert len(tally_cli("runs", "p", dir=tally_dir)) == 1


def test_resume_by_name_takes_the_latest_run_of_that_name(tally_dir):
    make(tally_dir, name="same")
    later = make(tally_dir, name="same")
    assert tally.init(project="p", dir=tally_dir, name="same", resume="must").id == later.id


@pytest.mark.parametrize("by", ["id", "name"])
def test_allow_creates_a_run_that_does_not_exist(tally_dir, by):
    key = {"id": "fresh-1"} if by == "id" else {"name": "fresh"}
    run = tally.init(project="p", dir=tally_dir, resume="allow", **key)
    assert not run.resumed and run.step == 0
    if by == "id":
        assert run.id == "fresh-1"
    run.finish()


@pytest.mark.parametrize("by", ["id", "name"])
def test_must_raises_run_not_found(tally_dir, by):
    key = {"id": "missing"} if by == "id" else {"name": "missing"}
    with pytest.raises(tally.TallyError) as e:
        tally.init(project="p", dir=tally_dir, resume="must", **key)
    assert e.value.code == "run_not_found"


def test_never_with_an_existing_id_raises_run_exists(tally_dir):
    make(tally_dir, id="taken")
    for mode in (None, "never"):
        with pytest.raises(tally.TallyError) as e:
            tally.init(project="p", dir=tally_dir, id="taken", resume=mode)
        assert e.value.code == "run_exists"


def test_never_with_an_existing_name_makes_a_new_run(tally_dir):
    first = make(tally_dir, name="dup")
    second = tally.init(project="p", dir=tally_dir, name="dup")
    assert second.id != first.id and not second.resumed and second.step == 0
    second.finish()


@pytest.mark.parametrize("mode", ["never", "allow", "must"])
def test_no_id_and_no_name(tally_dir, mode):
    if mode == "must":
        with pytest.raises(tally.TallyError) as e:
            tally.init(project="p", dir=tally_dir, resume=mode)
        assert e.value.code == "invalid_resume"
        return
    run = tally.init(project="p", dir=tally_dir, resume=mode)
    assert not run.resumed
    run.finish()


def test_a_run_of_another_project_is_not_resumed_into_this_one(tally_dir):
    make(tally_dir, id="elsewhere")
    with pytest.raises(tally.TallyError) as e:
        tally.init(project="other", dir=tally_dir, id="elsewhere", resume="allow")
    assert e.value.code == "invalid_argument" and 'project="p"' in e.value.message


def test_system_metrics_do_not_count_towards_the_resumed_step(tally_dir):
    run = tally.init(project="p", dir=tally_dir, id="sys")
    run.log({"loss": 1})
    run._log_system({"system/cpu": 1.0}, run._created_at + 60_000)
    run.finish()
    assert tally.init(project="p", dir=tally_dir, id="sys", resume="must").step == 1


@pytest.mark.parametrize("env_project", [None, "other"])
def test_resume_by_id_without_a_project_resumes_in_the_runs_own_project(tally_dir, tally_cli, monkeypatch, env_project):
    # As TS (resolve.ts): no project argument, the run found by its id is resumed where it is,
    # whatever TALLY_PROJECT or the default would name.
    if env_project is None:
        monkeypatch.delenv("TALLY_PROJECT", raising=False)
    else:
        monkeypatch.setenv("TALLY_PROJECT", env_project)
    make(tally_dir, id="own")
    again = tally.init(dir=tally_dir, id="own", resume="must")
    assert (again.project, again.resumed, again.step) == ("p", True, 2)
    again.log({"loss": 0.25})
    again.finish()
    assert tally_cli("series", "own", "loss", dir=tally_dir)["steps"] == [0, 1, 2]
    # A project asked for is still checked, and a name is still looked up in that project only.
    with pytest.raises(tally.TallyError) as e:
        tally.init(project="other", dir=tally_dir, id="own", resume="allow")
    assert e.value.code == "invalid_argument"
