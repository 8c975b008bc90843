"""tally.tora: seed 000's usage with only the import changed, read back through the TS CLI;
the buffer; load_experiment; one test per Tora rule."""
from __future__ import annotations

from pathlib import Path

import pytest

import tally
import tally.tora as tora
from tally.tora import Tora, ToraError

from support import cli, run_child, run_script


def test_seed_global_functions_log_into_tally(tmp_path: Path) -> None:
    out = run_script(
        tmp_path,
        """
        import tally.tora as tora

        experiment_id = tora.setup(
            "mnist-baseline",
            description="first try",
            hyperparams={"lr": 0.001, "optimizer": "adam", "amp": True},
            tags=["baseline", "mnist"],
        )
        assert tora.is_initialized()
        assert tora.get_experiment_id() == experiment_id
        for step in range(5):
            tora.tlog("train/loss", 1 / (step + 1), step=step)
        tora.tlog("val/acc", 0.91, step=4, metadata={"split": "val"})
        tora.tresult("test_acc", 0.97)
        tora.flush()
        print(experiment_id, tora.get_experiment_url())
        tora.shutdown()
        assert not tora.is_initialized() and tora.get_experiment_id() is None
        """,
    )
    run_id, url = out.split()
    assert url.endswith(f"/default/default/runs/{run_id}")
    run = cli(tmp_path, "run", run_id)
    assert run["name"] == "mnist-baseline"
    assert run["description"] == "first try"
    assert run["config"] == {"lr": 0.001, "optimizer": "adam", "amp": True}
    assert run["tags"] == ["baseline", "mnist"]
    assert run["status"] == "finished"
    assert run["summary"]["test_acc"] == 0.97
    series = cli(tmp_path, "series", run_id, "train/loss")
    assert series["steps"] == [0, 1, 2, 3, 4]
    assert series["values"] == [1, 0.5, 1 / 3, 0.25, 0.2]
    assert cli(tmp_path, "series", run_id, "val/acc")["values"] == [0.91]


def test_seed_context_manager(tmp_path: Path) -> None:
    out = run_script(
        tmp_path,
        """
        from tally.tora import Tora

        with Tora.create_experiment("name") as client:
            client.log("metric", 1.0)
            print(client.experiment_id)
        assert client.is_closed
        """,
    )
    run = cli(tmp_path, "run", out.strip())
    assert run["name"] == "name" and run["status"] == "finished"
    assert cli(tmp_path, "series", out.strip(), "metric")["values"] == [1.0]


def test_class_buffers_up_to_max_buffer_len_and_log_metrics_shares_a_step(tmp_path: Path) -> None:
    client = Tora.create_experiment("buffered", max_buffer_len=4, dir=str(tmp_path), quiet=True)
    assert client.max_buffer_len == 4
    client.log_metrics({"loss": 0.5, "acc": 0.8}, step=3)
    client.result("best", 0.8)
    assert client.buffer_size == 3
    client.log("loss", 0.4)  # the fourth value fills the buffer: handed to the run
    assert client.buffer_size == 0
    client.log("loss", 0.3)
    assert client.buffer_size == 1
    client.flush()
    assert client.buffer_size == 0
    client.shutdown()
    client.shutdown()  # harmless twice
    assert cli(tmp_path, "series", client.experiment_id, "loss")["steps"] == [3, 4, 5]
    assert cli(tmp_path, "series", client.experiment_id, "acc")["steps"] == [3]
    with pytest.raises(ToraError) as e:
        client.log("loss", 1.0)
    assert e.value.code == "run_finished"


def test_buffer_reaches_the_run_when_the_script_dies_of_an_exception(tmp_path: Path) -> None:
    # The reviewer's tora_exc.py: lifecycle's excepthook ends the run before atexit would have
    # drained the buffer, so the drain must be registered with lifecycle.before_end.
    source = """
        from tally.tora import Tora
        client = Tora.create_experiment("exp", quiet=True)
        for i in range(5):
            client.log("loss", 1.0 / (i + 1), step=i)
        print(client.experiment_id, flush=True)
        raise RuntimeError("boom")
    """
    done = run_child(tmp_path, source, env={"PYTHONUNBUFFERED": "1"})
    assert done.returncode == 1 and "RuntimeError: boom" in done.stderr
    run_id = done.stdout.strip()
    run = cli(tmp_path, "run", run_id)
    assert run["status"] == "failed"
    series = cli(tmp_path, "series", run_id, "loss")
    assert series["steps"] == [0, 1, 2, 3, 4]
    assert series["values"] == [1, 0.5, 1 / 3, 0.25, 0.2]


def test_shutdown_unregisters_the_exit_drain(tmp_path: Path) -> None:
    from tally import lifecycle

    before = len(lifecycle._drains)
    client = Tora.create_experiment("drained", dir=str(tmp_path), quiet=True)
    assert len(lifecycle._drains) == before + 1
    client.shutdown()
    assert len(lifecycle._drains) == before


def test_setup_buffer_is_one_and_a_second_setup_keeps_the_first(tmp_path: Path) -> None:
    first = tora.setup("global", dir=str(tmp_path), quiet=True)
    try:
        assert tora.setup("other", dir=str(tmp_path), quiet=True) == first
        tora.tlog("x", 1)
        from tally.tora import _session as session

        client = session._session
        assert client is not None and client.buffer_size == 0 and client.max_buffer_len == 1
    finally:
        tora.shutdown()
    assert cli(tmp_path, "series", first, "x")["values"] == [1]


def test_tlog_before_setup_is_no_active_run() -> None:
    with pytest.raises(ToraError) as e:
        tora.tlog("loss", 1.0)
    assert e.value.code == "no_active_run" and "setup(" in str(e.value)


def test_load_experiment_continues_after_the_last_step(tmp_path: Path) -> None:
    client = Tora.create_experiment("resumable", dir=str(tmp_path), quiet=True)
    client.log("loss", 0.5)
    client.log("loss", 0.4)
    client.shutdown()
    # The store takes the run before it is resumed (see test_trackio's seed 002 test).
    cli(tmp_path, "ingest")
    again = Tora.load_experiment(client.experiment_id, dir=str(tmp_path), quiet=True)
    again.log("loss", 0.3)
    again.shutdown()
    assert cli(tmp_path, "series", client.experiment_id, "loss")["steps"] == [0, 1, 2]
    with pytest.raises(ToraError) as e:
        Tora.load_experiment("nosuchrun000", dir=str(tmp_path), quiet=True)
    assert e.value.code == "run_not_found"


def test_remote_needs_a_key_and_names_tora_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TORA_API_KEY", raising=False)
    monkeypatch.delenv("TALLY_API_KEY", raising=False)
    with pytest.raises(ToraError) as e:
        Tora.create_experiment("remote", server_url="http://127.0.0.1:9")
    assert e.value.code == "invalid_argument" and "TORA_API_KEY" in str(e.value)
    with pytest.raises(ToraError) as e:
        Tora.create_experiment("local", workspace_id="team")
    assert e.value.code == "invalid_argument" and "server_url" in str(e.value)


def test_create_workspace_needs_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TALLY_SERVER_URL", raising=False)
    with pytest.raises(ToraError) as e:
        tora.create_workspace("vision-team")
    assert e.value.code == "invalid_argument"


# One test per rule of Tora's (docs/tora.md), each with its code.


def _create(tmp_path: Path, name: str = "rules", **options) -> Tora:
    return Tora.create_experiment(name, dir=str(tmp_path), quiet=True, **options)


def _code(fn) -> str:
    with pytest.raises(tally.TallyError) as e:
        fn()
    return e.value.code


def test_rule_experiment_name_length(tmp_path: Path) -> None:
    assert _code(lambda: _create(tmp_path, "")) == "invalid_name"
    assert _code(lambda: _create(tmp_path, "x" * 256)) == "invalid_name"
    _create(tmp_path, "x" * 255).shutdown()


def test_rule_experiment_name_characters(tmp_path: Path) -> None:
    for bad in ["a/b", "a:b", "a<b", "a>b", 'a"b', "a\\b", "a|b", "a?b", "a*b", "a\tb"]:
        assert _code(lambda: _create(tmp_path, bad)) == "invalid_name"
    with pytest.raises(ToraError, match="use '-' or '_' instead"):
        _create(tmp_path, "a/b")


def test_rule_workspace_name_and_description() -> None:
    assert _code(lambda: tora.create_workspace("")) == "invalid_name"
    assert _code(lambda: tora.create_workspace("x" * 256)) == "invalid_name"
    assert _code(lambda: tora.create_workspace("has space")) == "invalid_argument"
    assert _code(lambda: tora.create_workspace("team", description="d" * 1001)) == "invalid_name"


def test_rule_hyperparams(tmp_path: Path) -> None:
    assert _code(lambda: _create(tmp_path, hyperparams={"k" * 101: 1})) == "invalid_config"
    assert _code(lambda: _create(tmp_path, hyperparams={"lr": float("nan")})) == "invalid_config"
    assert _code(lambda: _create(tmp_path, hyperparams={"opt": "x" * 1001})) == "invalid_config"
    assert _code(lambda: _create(tmp_path, hyperparams={"nested": {"a": 1}})) == "invalid_config"
    _create(tmp_path, hyperparams={"lr": 0.1, "opt": "adam", "amp": True}).shutdown()


def test_rule_tags(tmp_path: Path) -> None:
    assert _code(lambda: _create(tmp_path, tags=[f"t{i}" for i in range(51)])) == "invalid_tags"
    assert _code(lambda: _create(tmp_path, tags=["x" * 51])) == "invalid_tags"
    assert _code(lambda: _create(tmp_path, tags=[""])) == "invalid_tags"
    assert _code(lambda: _create(tmp_path, tags=["a;b"])) == "invalid_tags"
    with pytest.raises(ToraError, match="split it into separate tags"):
        _create(tmp_path, tags=["a,b"])
    client = _create(tmp_path, tags=["A", "a", "b"])
    client.shutdown()
    assert cli(tmp_path, "run", client.experiment_id)["tags"] == ["A", "b"]


def test_rule_metric_name(tmp_path: Path) -> None:
    client = _create(tmp_path)
    assert _code(lambda: client.log("", 1)) == "invalid_key"
    assert _code(lambda: client.log("with space", 1)) == "invalid_key"
    assert _code(lambda: client.log("x" * 101, 1)) == "invalid_key"
    assert _code(lambda: client.log_metrics({"bad name": 1})) == "invalid_key"
    assert _code(lambda: client.result("bad:name", 1)) == "invalid_key"
    client.shutdown()


def test_rule_value_finite_number(tmp_path: Path) -> None:
    client = _create(tmp_path)
    for bad in [float("nan"), float("inf"), float("-inf"), "1", None]:
        assert _code(lambda: client.log("loss", bad)) == "invalid_value"
    client.log("flag", True)
    client.shutdown()
    assert cli(tmp_path, "series", client.experiment_id, "flag")["values"] == [1]


def test_rule_step(tmp_path: Path) -> None:
    client = _create(tmp_path)
    for bad in [-1, 1.5, 2**53, "3", True]:
        assert _code(lambda: client.log("loss", 1, bad)) == "invalid_step"
    client.shutdown()


def test_rule_metadata(tmp_path: Path) -> None:
    client = _create(tmp_path)
    assert _code(lambda: client.log("loss", 1, 0, {"big": "x" * 10_000})) == "invalid_metadata"
    assert _code(lambda: client.log("loss", 1, 0, ["not", "a", "dict"])) == "invalid_metadata"
    assert _code(lambda: client.log("loss", 1, 0, {"bad": float("nan")})) == "invalid_metadata"
    client.shutdown()


def test_rule_max_buffer_len(tmp_path: Path) -> None:
    for bad in [0, -1, 1.5, "2", True]:
        assert _code(lambda: _create(tmp_path, max_buffer_len=bad)) == "invalid_argument"
