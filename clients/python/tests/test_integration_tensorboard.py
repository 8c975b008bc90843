"""SummaryWriter interception: calls reach a sink and a Tally run, event files are still
written, undo restores the classes, and nested intercepts neither double nor leak."""
from __future__ import annotations

import glob
import json
import os
import struct
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import tally
from tally.errors import TallyError
from tally.integrations import tensorboard

from support import REPO, cli

tensorboardX = pytest.importorskip("tensorboardX")  # installed by the test script
from tensorboardX.proto.event_pb2 import Event  # noqa: E402

SERVER = REPO / "packages" / "server" / "dist" / "index.js"


class Recorder:
    """A user's sink, as a Tracelet backend would be: it keeps what it hears."""

    def __init__(self) -> None:
        self.calls: List[Tuple[Any, ...]] = []

    def log_metric(self, name: str, value: float, step: Optional[int]) -> None:
        self.calls.append(("metric", name, value, step))

    def log_params(self, params: Dict[str, Any]) -> None:
        self.calls.append(("params", params))

    def log_text(self, name: str, text: str, step: Optional[int]) -> None:
        self.calls.append(("text", name, text, step))


def writer_modules() -> List[Any]:
    return [
        "tensorboardX",
        pytest.param("torch.utils.tensorboard", marks=pytest.mark.skipif(
            not _imports("torch.utils.tensorboard"), reason="torch with tensorboard is not installed")),
    ]


def _imports(name: str) -> bool:
    try:
        __import__(name)
        return True
    except Exception:  # noqa: BLE001
        return False


def summary_writer(module: str) -> type:
    mod = __import__(module, fromlist=["SummaryWriter"])
    return mod.SummaryWriter


def read_events(logdir: Path) -> List[Tuple[str, int, Any]]:
    """(tag, step, value) of every summary in the event files under logdir: the bytes
    TensorBoard reads (TFRecord framing around Event protos)."""
    found: List[Tuple[str, int, Any]] = []
    for path in sorted(glob.glob(str(logdir / "**" / "events.out.tfevents.*"), recursive=True)):
        data = Path(path).read_bytes()
        at = 0
        while at < len(data):
            (n,) = struct.unpack_from("<Q", data, at)
            event = Event.FromString(data[at + 12 : at + 12 + n])
            at += 12 + n + 4
            for v in event.summary.value:
                if v.HasField("simple_value"):
                    found.append((v.tag, event.step, v.simple_value))
                elif v.metadata.plugin_data.plugin_name:
                    found.append((v.tag, event.step, v.metadata.plugin_data.plugin_name))
    return found


def markdown_values(dir: Path, run_id: str) -> List[Dict[str, Any]]:
    """The run's rich values, read by the TypeScript store (the CLI has no command for them)."""
    script = (
        f"const m = await import({json.dumps(SERVER.as_uri())});"
        f"const s = m.openLocalStore({json.dumps(str(dir))});"
        f"const v = await s.readValues({{ runId: {json.dumps(run_id)} }});"
        "await s.close(); process.stdout.write(JSON.stringify(v));"
    )
    out = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.fixture(autouse=True)
def no_intercept_left() -> Any:
    yield
    assert tensorboard._registrations == [] and tensorboard._patched == {}, "a test left an intercept in place"


@pytest.mark.parametrize("module", writer_modules())
def test_every_call_reaches_the_sink_and_the_event_files(tmp_path: Path, module: str) -> None:
    SummaryWriter = summary_writer(module)
    sink = Recorder()
    undo = tensorboard.intercept(sink)
    try:
        with SummaryWriter(str(tmp_path / "tb")) as writer:
            writer.add_scalar("loss", 0.5, 0)
            writer.add_scalar("loss", 0.25, global_step=1)
            writer.add_scalars("lr", {"enc": 0.1, "dec": 0.2}, 1)
            writer.add_hparams({"lr": 0.01, "optimizer": "adam", "amp": True}, {"hparam/acc": 0.9}, global_step=2)
            writer.add_text("notes", "**bold** start", 0)
    finally:
        undo()
    assert sink.calls == [
        ("metric", "loss", 0.5, 0),
        ("metric", "loss", 0.25, 1),
        ("metric", "lr/enc", pytest.approx(0.1), 1),
        ("metric", "lr/dec", pytest.approx(0.2), 1),
        ("params", {"lr": 0.01, "optimizer": "adam", "amp": True}),
        # add_hparams writes its metric with add_scalar on a child writer: heard once, not twice.
        ("metric", "hparam/acc", pytest.approx(0.9), 2),
        ("text", "notes", "**bold** start", 0),
    ]
    events = read_events(tmp_path / "tb")
    assert ("loss", 0, 0.5) in events and ("loss", 1, 0.25) in events
    assert ("lr", 1, pytest.approx(0.1)) in events and ("lr", 1, pytest.approx(0.2)) in events
    assert ("hparam/acc", 2, pytest.approx(0.9)) in events
    assert any(tag.startswith("notes") and plugin == "text" for tag, _, plugin in events)


def test_undo_puts_the_original_methods_back(tmp_path: Path) -> None:
    SummaryWriter = tensorboardX.SummaryWriter
    before = {name: SummaryWriter.__dict__.get(name) for name in ("add_scalar", "add_scalars", "add_hparams", "add_text")}
    sink = Recorder()
    undo = tensorboard.intercept(sink)
    assert SummaryWriter.__dict__["add_scalar"] is not before["add_scalar"]
    assert SummaryWriter.add_scalar.__name__ == "add_scalar"  # wrapped, still looks the same
    undo()
    undo()  # a second undo does nothing
    assert {name: SummaryWriter.__dict__.get(name) for name in before} == before
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("after", 1.0, 0)
    assert sink.calls == []
    assert ("after", 0, 1.0) in read_events(tmp_path)


def test_nested_and_duplicate_intercepts(tmp_path: Path) -> None:
    SummaryWriter = tensorboardX.SummaryWriter
    original = SummaryWriter.__dict__["add_scalar"]
    a, b = Recorder(), Recorder()
    undo_a = tensorboard.intercept(a)
    undo_a_again = tensorboard.intercept(a)
    undo_b = tensorboard.intercept(b)
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("x", 1.0, 0)
        undo_a()  # a is still intercepted once
        writer.add_scalar("x", 2.0, 1)
        undo_b()
        writer.add_scalar("x", 3.0, 2)
        assert SummaryWriter.__dict__["add_scalar"] is not original
        undo_a_again()
        writer.add_scalar("x", 4.0, 3)
    assert SummaryWriter.__dict__["add_scalar"] is original
    assert a.calls == [("metric", "x", 1.0, 0), ("metric", "x", 2.0, 1), ("metric", "x", 3.0, 2)]
    assert b.calls == [("metric", "x", 1.0, 0), ("metric", "x", 2.0, 1)]
    assert [s for t, s, v in read_events(tmp_path) if t == "x"] == [0, 1, 2, 3]


def test_a_sink_without_the_methods_is_refused() -> None:
    with pytest.raises(TallyError) as e:
        tensorboard.intercept(object())
    assert e.value.code == "invalid_argument" and "log_metric" in str(e.value)


def test_patch_needs_a_run() -> None:
    assert tally.current_run() is None
    with pytest.raises(TallyError) as e:
        tensorboard.patch()
    assert e.value.code == "no_active_run"


def test_patch_logs_into_a_run_read_back_by_the_cli(tmp_path: Path) -> None:
    dir = tmp_path / "tally"
    run = tally.init(project="tb", name="writer", dir=str(dir), capture=False, quiet=True)
    undo = tensorboard.patch()  # the current run
    try:
        with tensorboardX.SummaryWriter(str(tmp_path / "tb")) as writer:
            for step in range(3):
                writer.add_scalar("train/loss", 1.0 / (step + 1), step)
            writer.add_scalar("train/loss", float("nan"), 3)
            writer.add_scalars("acc", {"train": 0.8, "val": 0.7}, 3)
            writer.add_hparams({"lr": 0.01, "batch": 32}, {"hparam/best": 0.75}, global_step=3)
            writer.add_text("notes", "# Run notes\nfirst *epoch*", 0)
    finally:
        undo()
    run.finish()

    shown = cli(dir, "run", run.id)
    assert shown["config"]["lr"] == 0.01 and shown["config"]["batch"] == 32
    assert {m["key"] for m in shown["metrics"]} == {"train/loss", "acc/train", "acc/val", "hparam/best"}
    loss = cli(dir, "series", run.id, "train/loss")
    assert loss["steps"] == [0, 1, 2, 3]
    assert loss["values"] == [1.0, 0.5, pytest.approx(1 / 3), "NaN"]  # the CLI's JSON names NaN
    assert cli(dir, "series", run.id, "acc/val")["steps"] == [3]
    assert cli(dir, "series", run.id, "hparam/best")["values"] == [0.75]
    values = markdown_values(dir, run.id)
    assert [(v["key"], v["step"], v["kind"], v["value"]) for v in values] == [
        ("notes", 0, "markdown", {"text": "# Run notes\nfirst *epoch*"})
    ]
    # The event files were written as well.
    assert ("train/loss", 2, pytest.approx(1 / 3)) in read_events(tmp_path / "tb")


def test_scalars_without_a_step_share_the_next_one(tmp_path: Path) -> None:
    dir = tmp_path / "tally"
    run = tally.init(project="tb", dir=str(dir), capture=False, quiet=True)
    undo = tensorboard.patch(run)
    try:
        with tensorboardX.SummaryWriter(str(tmp_path / "tb")) as writer:
            writer.add_scalar("a", 1.0, 5)
            writer.add_scalars("g", {"x": 1.0, "y": 2.0})  # no step: one row, the run's next step
    finally:
        undo()
    run.finish()
    assert cli(dir, "series", run.id, "g/x")["steps"] == [6]
    assert cli(dir, "series", run.id, "g/y")["steps"] == [6]


def test_a_writer_used_after_finish_keeps_writing_its_event_file(tmp_path: Path) -> None:
    # patch(run) is not undone by run.finish(): later writer calls must not raise run_finished
    # into the training script, and the event file still gets them.
    dir = tmp_path / "tally"
    run = tally.init(project="tb", dir=str(dir), capture=False, quiet=True)
    undo = tensorboard.patch(run)
    try:
        with tensorboardX.SummaryWriter(str(tmp_path / "tb")) as writer:
            writer.add_scalar("loss", 0.5, 0)
            run.finish()
            writer.add_scalar("loss", 0.25, 1)
            writer.add_scalar("loss", 0.125)
            writer.add_scalars("acc", {"train": 0.8, "val": 0.7}, 1)
            writer.add_hparams({"lr": 0.01}, {"hparam/best": 0.75}, global_step=1)
            writer.add_text("notes", "after finish", 1)
    finally:
        undo()
    assert cli(dir, "series", run.id, "loss")["steps"] == [0]
    assert "lr" not in cli(dir, "run", run.id)["config"]
    events = read_events(tmp_path / "tb")
    assert [(s, v) for t, s, v in events if t == "loss"][:2] == [(0, 0.5), (1, 0.25)]
    assert len([t for t, _, _ in events if t == "loss"]) == 3
    assert ("acc", 1, pytest.approx(0.8)) in events and ("hparam/best", 1, pytest.approx(0.75)) in events
    assert any(tag.startswith("notes") for tag, _, _ in events)


def test_run_sink_ignores_a_finished_run(tmp_path: Path) -> None:
    run = tally.init(project="tb", dir=str(tmp_path), capture=False, quiet=True)
    sink = tensorboard.RunSink(run)
    run.finish()
    sink.log_metric("loss", 1.0, None)
    sink.log_metrics({"a": 1.0}, 2)
    sink.log_params({"lr": 0.1})
    sink.log_text("notes", "x", None)
    # Other errors still reach the caller.
    live = tally.init(project="tb", dir=str(tmp_path), capture=False, quiet=True)
    with pytest.raises(TallyError) as e:
        tensorboard.RunSink(live).log_metric("", 1.0, 0)
    assert e.value.code == "invalid_key"
    live.finish()
