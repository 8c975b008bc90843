"""Run and the module API, read back through the real TypeScript CLI."""
from __future__ import annotations

import math

import pytest

import tally
from tally.spool import KIND_EVENT, KIND_POINTS, iter_spool_file


def test_nan_and_infinities_round_trip_through_the_store(tally_dir, tally_cli):
    run = tally.init(project="p", dir=tally_dir, config={"lr": 1e-05, "bad": math.nan})
    run.log({"loss": math.nan, "up": math.inf, "down": -math.inf, "ok": 0.5})
    run.log({"loss": -0.0, "up": 1, "down": True, "ok": 2.5})
    run.result("worst", -math.inf)
    run.finish()
    got = tally_cli("run", run.id, dir=tally_dir)
    assert got["status"] == "finished"
    assert got["config"] == {"lr": 0.00001, "bad": "NaN"}
    assert got["results"] == {"worst": "-Infinity"}
    assert tally_cli("series", run.id, "loss", dir=tally_dir)["values"] == ["NaN", 0]
    assert tally_cli("series", run.id, "up", dir=tally_dir)["values"] == ["Infinity", 1]
    assert tally_cli("series", run.id, "down", dir=tally_dir)["values"] == ["-Infinity", 1]
    assert tally_cli("series", run.id, "ok", dir=tally_dir)["steps"] == [0, 1]


def test_steps_default_to_the_last_plus_one(tally_dir, tally_cli):
    run = tally.init(project="p", dir=tally_dir)
    run.log({"a": 1})
    run.log({"a": 2}, step=10)
    run.log({"a": 3})
    assert run.step == 12
    run.finish()
    assert tally_cli("series", run.id, "a", dir=tally_dir)["steps"] == [0, 10, 11]


def test_config_summary_results_and_tags_reach_the_store(tally_dir, tally_cli):
    run = tally.init(project="p", name="named", dir=tally_dir, config={"lr": 0.1}, group="g", tags=["x", "y", "x"], description="d")
    run.config["batch"] = 32
    run.config.update({"opt": "adam"})
    run.config.depth = 3
    run.summary["best"] = 0.9
    run.result("test_acc", 0.97)
    run.log({"loss": 0.3})
    run.finish()
    got = tally_cli("run", run.id, dir=tally_dir)
    assert got["name"] == "named" and got["group"] == "g" and got["tags"] == ["x", "y"] and got["description"] == "d"
    assert got["config"] == {"lr": 0.1, "batch": 32, "opt": "adam", "depth": 3}
    assert got["summary"]["best"] == 0.9 and got["summary"]["test_acc"] == 0.97 and got["summary"]["loss"] == 0.3
    assert dict(run.config) == {"lr": 0.1, "batch": 32, "opt": "adam", "depth": 3}


def test_module_level_api_acts_on_the_current_run(tally_dir, tally_cli):
    with pytest.raises(tally.TallyError) as e:
        tally.log({"a": 1})
    assert e.value.code == "no_active_run"
    run = tally.init(project="p", dir=tally_dir)
    assert tally.current_run() is run
    tally.log({"a": 1})
    tally.config["lr"] = 0.5
    tally.config.update({"b": 2})
    tally.summary["s"] = 1
    tally.result("r", 2)
    assert tally.flush() is True
    tally.finish()
    assert tally.current_run() is None
    tally.finish()  # nothing to finish: harmless
    got = tally_cli("run", run.id, dir=tally_dir)
    assert got["config"] == {"lr": 0.5, "b": 2} and got["results"] == {"r": 2} and got["status"] == "finished"
    with pytest.raises(tally.TallyError) as e:
        tally.config["x"] = 1
    assert e.value.code == "no_active_run"


def test_finish_is_idempotent_and_later_calls_raise_run_finished(tally_dir, tally_cli):
    run = tally.init(project="p", dir=tally_dir)
    run.finish(exit_code=3)
    run.finish()
    for call in (lambda: run.log({"a": 1}), lambda: run.result("a", 1), lambda: run.config.update({"a": 1})):
        with pytest.raises(tally.TallyError) as e:
            call()
        assert e.value.code == "run_finished"
    got = tally_cli("run", run.id, dir=tally_dir)
    assert got["status"] == "failed"


def test_rich_values_are_spooled_as_the_typescript_value_events(tally_dir):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (3).to_bytes(4, "big") + (2).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    run = tally.init(project="p", dir=tally_dir)
    run.log(
        {
            "t": tally.Table(columns=["a", "b"], data=[[1, "x"], [math.inf, None]]),
            "d": tally.Table(data=[{"a": 1}, {"b": 2}]),
            "h": tally.Histogram(edges=[0, 1, 2], counts=[3, 4]),
            "m": tally.Markdown("# hi"),
            "i": tally.Image(png, caption="c"),
            "loss": 0.5,
        },
        step=4,
    )
    run.finish()
    events = {r.event["key"]: r.event for r in iter_spool_file(run.spool_path) if r.kind == KIND_EVENT and r.event["type"] == "value"}
    assert events["t"]["value"] == {"columns": ["a", "b"], "rows": [[1, "x"], [math.inf, None]]}
    assert events["d"]["value"] == {"columns": ["a", "b"], "rows": [[1, None], [None, 2]]}
    assert events["h"]["value"] == {"edges": [0, 1, 2], "counts": [3, 4]} and events["h"]["step"] == 4
    assert events["m"]["value"] == {"text": "# hi"}
    assert events["i"]["value"] == {"mime": "image/png", "bytes": len(png), "width": 3, "height": 2, "caption": "c"}
    assert events["i"]["data"]
    points = [r.points for r in iter_spool_file(run.spool_path) if r.kind == KIND_POINTS]
    assert [p.rows() for p in points] == [[{"step": 4.0, "time": points[0].times[0], "values": {"loss": 0.5}}]]


def test_histogram_bins_values_as_typescript_does():
    h = tally.Histogram([0, 1, 2, 3, math.nan, math.inf], bins=3)
    assert h.payload() == {"edges": [0, 1, 2, 3], "counts": [1, 1, 2]}
    assert tally.Histogram([5, 5], bins=2).payload() == {"edges": [4.5, 5, 5.5], "counts": [0, 2]}
    assert tally.Histogram([]).payload() == {"edges": [0, 1], "counts": [0]}


def test_console_lines_are_recorded(tally_dir):
    run = tally.init(project="p", dir=tally_dir)
    run.console("stdout", "one\ntw")
    run.console("stdout", "o\r\nthree")
    run.finish()
    lines = [line for r in iter_spool_file(run.spool_path) if r.kind == KIND_EVENT and r.event["type"] == "console" for line in r.event["lines"]]
    assert [(line["stream"], line["text"]) for line in lines] == [("stdout", "one"), ("stdout", "two"), ("stdout", "three")]


def test_system_metrics_do_not_move_the_users_step(tally_dir, tally_cli):
    run = tally.init(project="p", dir=tally_dir)
    run.log({"loss": 1})
    run._log_system({"system/cpu": 12.5}, run._created_at + 5000)
    run.log({"loss": 2})
    run.finish()
    assert tally_cli("series", run.id, "loss", dir=tally_dir)["steps"] == [0, 1]
    assert tally_cli("series", run.id, "system/cpu", dir=tally_dir)["steps"] == [5]


class _FailingTensor:
    """A tensor whose __float__ raises (a CUDA device-side assert), not one of the errors Tally checks for."""

    def __float__(self) -> float:
        raise RuntimeError("CUDA error: device-side assert triggered")


def test_a_value_that_raises_in_float_leaves_the_batch_whole(tally_dir, tally_cli):
    run = tally.init(project="p", dir=tally_dir, id="flaky", capture=False)
    run.log({"a": 0.0, "b": 0.0})
    for data in ({"a": 1.0, "b": _FailingTensor()}, {"b": _FailingTensor(), "c": 1.0}, {"a": _FailingTensor()}):
        with pytest.raises(RuntimeError):
            run.log(data)
    assert run.step == 1  # nothing of the failed calls counts
    for i in range(1, 100):
        run.log({"a": float(i), "b": float(i)})
    run.finish()
    got = tally_cli("run", "flaky", dir=tally_dir)
    assert got["status"] == "finished" and got["lastStep"] == 99
    for key in ("a", "b"):
        series = tally_cli("series", "flaky", key, dir=tally_dir)
        assert series["steps"] == list(range(100)) and series["values"] == [float(i) for i in range(100)]
    with pytest.raises(AssertionError, match='no metric \\\\"c\\\\"'):  # the failed call's new key is gone too
        tally_cli("series", "flaky", "c", dir=tally_dir)


def test_a_batch_larger_than_one_record_is_written_as_several(tally_dir, tally_cli):
    # As /tmp/review-py/big.py: 4 KiB stands in for the format's 256 MiB (a huge burst, a stalled disk).
    run = tally.init(project="p", dir=tally_dir, id="big", capture=False, flush_interval=3600, max_record_bytes=4096)
    run.result("best", 0.9)
    for i in range(1000):
        run.log({"a": float(i)})
    run.flush()
    run.log({"a": 1000.0})
    run.finish()
    points = [r for r in iter_spool_file(run.spool_path) if r.kind == KIND_POINTS]
    assert len(points) > 2
    got = tally_cli("run", "big", dir=tally_dir)
    assert got["status"] == "finished" and got["results"] == {"best": 0.9}
    series = tally_cli("series", "big", "a", dir=tally_dir)
    assert series["steps"] == list(range(1001)) and series["values"] == [float(i) for i in range(1001)]


def test_an_event_larger_than_a_record_is_dropped_and_told_the_rest_is_written(tally_dir, tally_cli):
    told = []
    run = tally.init(project="p", dir=tally_dir, id="ev", capture=False, flush_interval=3600, max_record_bytes=4096, on_error=told.append)
    run.log({"a": 1.0})
    run.summary["huge"] = "x" * 10_000
    run.result("best", 0.5)
    run.finish()
    assert [e.code for e in told] == ["value_too_large"]
    got = tally_cli("run", "ev", dir=tally_dir)
    assert got["status"] == "finished" and got["results"] == {"best": 0.5} and "huge" not in got["summary"]


def test_an_interrupted_flush_puts_what_it_took_back(tally_dir, tally_cli):
    run = tally.init(project="p", dir=tally_dir, id="intr", capture=False, flush_interval=3600)
    run.log({"a": 0.0, "b": 0.0})
    run.result("best", 1.0)
    points = run._writer.points

    def interrupted(batch):
        run._writer.points = points
        raise KeyboardInterrupt  # Ctrl-C while flush() encodes

    run._writer.points = interrupted
    with pytest.raises(KeyboardInterrupt):
        run.flush()
    run.log({"b": 1.0, "c": 1.0})
    run.finish()
    got = tally_cli("run", "intr", dir=tally_dir)
    assert got["results"] == {"best": 1.0}
    assert tally_cli("series", "intr", "a", dir=tally_dir)["steps"] == [0]
    assert tally_cli("series", "intr", "b", dir=tally_dir)["values"] == [0.0, 1.0]
    assert tally_cli("series", "intr", "c", dir=tally_dir)["steps"] == [1]
