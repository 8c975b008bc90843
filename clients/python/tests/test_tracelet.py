"""tally.tracelet: seeds 001/004's usage with only the import changed, read back through the
TS CLI; settings and TRACELET_*; backends; captures; artifacts; SummaryWriter interception."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import tally
import tally.tracelet as tracelet
from tally.tracelet import ArtifactType, Experiment, ExperimentConfig
from tally.tracelet._settings import capture_options, resolve_settings

from support import cli, run_child


# Seed 001's examples ("Usage Examples"), verbatim but for the import lines: `import tracelet`
# becomes Tally's facade and torch's SummaryWriter tensorboardX's (torch is not installed here).
# They name mlflow and wandb, which Tally has no backend for: their data goes to Tally.
BASIC_USAGE = """
import tally.tracelet as tracelet
from tensorboardX import SummaryWriter

# Start experiment tracking
experiment = tracelet.start_logging(
    exp_name="my_experiment",
    project="my_project",
    backend="mlflow"
)

# Use TensorBoard normally - metrics automatically captured
writer = SummaryWriter()
writer.add_scalar('loss', 0.5, 0)
writer.add_scalar('accuracy', 0.95, 0)

# Direct API usage
experiment.log_params({
    "learning_rate": 0.01,
    "batch_size": 32
})

experiment.log_artifact("model.pth")

# Stop tracking
tracelet.stop_logging()
"""

ADVANCED_CONFIGURATION = """
import tally.tracelet as tracelet

# Multi-backend logging with custom configuration
experiment = tracelet.start_logging(
    exp_name="advanced_experiment",
    project="research_project",
    backend=["mlflow", "wandb"],
    config={
        "track_system": True,
        "track_git": True,
        "track_env": True,
        "metrics_interval": 10.0,
        "mlflow_tracking_uri": "http://localhost:5000",
        "wandb_project": "my-wandb-project"
    }
)

# Get current experiment for direct manipulation
current_exp = tracelet.get_active_experiment()
print(f"Experiment ID: {current_exp.experiment_id}")
print(f"Active backends: {[b.name for b in current_exp.backends]}")
"""

CONTEXT_MANAGER_USAGE = """
import tally.tracelet as tracelet

# Use as context manager for automatic cleanup
with tracelet.start_logging("context_experiment", backend="mlflow") as exp:
    # Training code here
    for epoch in range(10):
        loss = train_epoch()
        exp.log_metric("loss", loss, epoch)

    # Experiment automatically closed when exiting context
"""

TYPE_HINTS = """
from typing import Dict, List, Optional, Union
from tally.tracelet.core.experiment import Experiment
from tally.tracelet.core.plugins import BackendPlugin

def my_training_function(
    experiment: Experiment,
    hyperparams: Dict[str, Union[str, int, float]],
    backends: Optional[List[str]] = None
) -> None:
    \"\"\"Example function with proper type hints\"\"\"
    experiment.log_params(hyperparams)
    # Training logic here
"""

STAND_IN_NOTICE = "Tally has no mlflow backend; its data goes to Tally"


def test_seed_basic_usage_logs_into_tally(tmp_path: Path) -> None:
    (tmp_path / "model.pth").write_bytes(b"weights")
    done = run_child(tmp_path / "tally", BASIC_USAGE + "print(experiment.id)\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count(STAND_IN_NOTICE) == 1
    run_id = done.stdout.strip()
    home = tmp_path / "tally"
    run = cli(home, "run", run_id)
    assert run["name"] == "my_experiment" and run["project"] == "my_project" and run["status"] == "finished"
    assert run["config"] == {"learning_rate": 0.01, "batch_size": 32}
    assert cli(home, "series", run_id, "loss")["values"] == [0.5]
    assert cli(home, "series", run_id, "accuracy")["steps"] == [0]
    artifacts = cli(home, "artifact", "ls", "my_project")
    assert [a["name"] for a in artifacts] == ["model.pth"]


def test_seed_advanced_configuration_logs_into_one_tally_backend(tmp_path: Path) -> None:
    done = run_child(tmp_path, ADVANCED_CONFIGURATION, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Tally has no mlflow, wandb backend; their data goes to Tally" in done.stderr
    lines = done.stdout.splitlines()
    assert lines[1] == "Active backends: ['tally']"  # mlflow and wandb: one tally backend, not two runs
    run_id = lines[0].split(": ")[1]
    run = cli(tmp_path, "run", run_id)
    # The seed never stops it: it is finished at exit.
    assert run["name"] == "advanced_experiment" and run["project"] == "research_project" and run["status"] == "finished"
    assert [r["id"] for r in cli(tmp_path, "runs", "research_project")] == [run_id]


def test_seed_context_manager_usage(tmp_path: Path) -> None:
    # The seed leaves train_epoch to the reader; the script defines one before the example.
    prelude = "def train_epoch():\n    train_epoch.calls = getattr(train_epoch, 'calls', 0) + 1\n    return 1 / train_epoch.calls\n"
    epilogue = "assert tracelet.get_active_experiment() is None\nprint(exp.id)\n"
    done = run_child(tmp_path, prelude + CONTEXT_MANAGER_USAGE + epilogue, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count(STAND_IN_NOTICE) == 1
    run_id = done.stdout.strip()
    series = cli(tmp_path, "series", run_id, "loss")
    assert series["steps"] == list(range(10)) and series["values"] == [1 / n for n in range(1, 11)]
    assert cli(tmp_path, "run", run_id)["status"] == "finished"


def test_seed_type_hints_import_paths(tmp_path: Path) -> None:
    use = (
        "import tally.tracelet as tracelet\n"
        "exp = tracelet.start_logging('typed', backend='tally')\n"
        "assert isinstance(exp, Experiment) and issubclass(BackendPlugin, object)\n"
        "my_training_function(exp, {'lr': 0.1, 'optimizer': 'adam'})\n"
        "tracelet.stop_logging()\n"
        "print(exp.id)\n"
    )
    done = run_child(tmp_path, TYPE_HINTS + use, tmp_path)
    assert done.returncode == 0, done.stderr
    assert cli(tmp_path, "run", done.stdout.strip())["config"] == {"lr": 0.1, "optimizer": "adam"}


def test_stand_ins_are_quiet_when_asked_and_a_registered_name_wins(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    exp = tracelet.start_logging("quiet", backend=["tensorboard", "tally", "clearml"], dir=str(tmp_path), quiet=True)
    assert [b.name for b in exp.backends] == ["tally"]
    tracelet.stop_logging()
    assert "Tally has no" not in capsys.readouterr().err
    # A backend registered under a stand-in's name is that backend, not Tally's.
    tracelet.register_backend("mlflow", _Recorder)
    try:
        exp = tracelet.start_logging("registered", backend=["mlflow", "wandb"], config={"mlflow_tracking_uri": "http://localhost:5000"}, dir=str(tmp_path))
        assert [b.name for b in exp.backends] == ["mlflow", "tally"]
        assert "Tally has no wandb backend; its data goes to Tally" in capsys.readouterr().err
        recorder = exp.backends[0]
        assert recorder.context.settings["mlflow_tracking_uri"] == "http://localhost:5000"
        exp.log_metric("loss", 0.5, 1)
        tracelet.stop_logging()
        assert recorder.calls == [("metric", "loss", 0.5, 1), ("stop",)]
        assert cli(tmp_path, "series", exp.id, "loss")["steps"] == [1]
    finally:
        tracelet.unregister_backend("mlflow")


def test_capture_settings_reach_a_registered_backend(tmp_path: Path) -> None:
    tracelet.register_backend("recorder", _Recorder)
    try:
        exp = tracelet.start_logging(
            "captured",
            backend="recorder",
            config={"track_system": True, "track_git": True, "track_env": True, "metrics_interval": 10.0},
            dir=str(tmp_path),
        )
        assert exp.backends[0].context.capture == {"system": 10.0, "git": True, "env": True}
        tracelet.stop_logging()
    finally:
        tracelet.unregister_backend("recorder")


class _Recorder:
    """A registered backend that keeps what it is told."""

    name = "mlflow"

    def __init__(self, context: tracelet.BackendContext) -> None:
        self.context = context
        self.calls: list = []

    def log_metric(self, name, value, iteration):
        self.calls.append(("metric", name, value, iteration))

    def log_params(self, params):
        self.calls.append(("params", params))

    def log_artifact(self, artifact):
        return None

    def stop(self):
        self.calls.append(("stop",))


def _experiment(tmp_path: Path, **options) -> Experiment:
    return Experiment("exp", config=ExperimentConfig(track_tensorboard=False), dir=str(tmp_path), quiet=True, **options)


def test_experiment_methods_and_properties(tmp_path: Path) -> None:
    exp = _experiment(tmp_path, tags=["a", "b"])
    with pytest.raises(tally.TallyError) as e:
        exp.log_metric("loss", 1)
    assert e.value.code == "no_active_run"
    exp.start()
    assert exp.name == "exp" and exp.tags == ["a", "b"] and exp.iteration == 0 and exp.created_at.tzinfo is not None
    exp.set_iteration(3)
    exp.log_metric("loss", 0.3)
    exp.log_metric("loss", 0.2, iteration=5)
    exp.log_hyperparameter("optimizer", "adam")
    exp.end()
    exp.stop()  # harmless twice
    assert cli(tmp_path, "series", exp.id, "loss")["steps"] == [3, 5]
    run = cli(tmp_path, "run", exp.id)
    assert run["config"] == {"optimizer": "adam"} and run["tags"] == ["a", "b"]
    with pytest.raises(tally.TallyError) as e:
        exp.log_metric("loss", 1)
    assert e.value.code == "run_finished"


def test_capture_hyperparams_reads_the_callers_locals(tmp_path: Path) -> None:
    exp = _experiment(tmp_path).start()

    def train(learning_rate=0.01, batch_size=32, optimizer="adam", _private=1):
        epochs = 5
        layers = [1, 2]  # not a scalar: left out
        return exp.capture_hyperparams()

    captured = train()
    assert captured == {"learning_rate": 0.01, "batch_size": 32, "optimizer": "adam", "epochs": 5}
    exp.stop()
    assert cli(tmp_path, "run", exp.id)["config"] == captured


def test_capture_model_and_dataset(tmp_path: Path) -> None:
    exp = _experiment(tmp_path).start()

    class Weights:
        def __init__(self, n):
            self.n = n
            self.requires_grad = True

        def numel(self):
            return self.n

    class Net:  # torch's nn.Module, as capture_model reads it
        def parameters(self):
            return iter([Weights(10), Weights(5)])

        def named_children(self):
            return iter([("conv", object()), ("fc", object())])

    model = exp.capture_model(Net())
    assert model == {"type": "Net", "parameters": 15, "trainable_parameters": 15, "layers": 2, "parts": {"conv": "object", "fc": "object"}}
    dataset = exp.capture_dataset([{"x": 1, "y": 0}, {"x": 2, "y": 1}])
    assert dataset == {"type": "list", "size": 2, "sample": {"type": "dict", "fields": ["x", "y"]}}
    exp.stop()
    assert cli(tmp_path, "run", exp.id)["config"] == {"model": model, "dataset": dataset}


def test_artifacts_log_get_list(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"weights v0")
    exp = _experiment(tmp_path).start()
    model = (exp.create_artifact("resnet", ArtifactType.MODEL, "after epoch 3")
             .add_file(str(tmp_path / "model.bin"), "weights/model.bin")
             .add_reference("s3://a/data.tar").add_reference("s3://b/data.tar", 7))
    results = exp.log_artifact(model)
    assert set(results) == {"tally"} and results["tally"].backend == "tally"
    assert (results["tally"].version, results["tally"].uri) == ("v0", "tally://default/resnet:v0")
    digest = results["tally"].metadata["digest"]
    assert results["tally"].metadata == {"runId": exp.id, "digest": digest, "newBlobs": 1}
    assert (model.files[0].size_bytes, model.files[0].checksum) == (10, hashlib.sha256(b"weights v0").hexdigest())
    assert exp.log_file_artifact(str(tmp_path / "model.bin"))["tally"].version == "v0"
    back = exp.get_artifact("resnet")
    assert (back.version, back.aliases, back.description) == ("v0", ["latest"], "after epoch 3")
    assert [(f.local_path, f.size_bytes) for f in back.files] == [(str(tmp_path / "model.bin"), 10)]
    assert [(r.uri, r.size_bytes) for r in back.references] == [("s3://a/data.tar", None), ("s3://b/data.tar", 7)]
    assert exp.get_artifact("resnet", "v0").version == "v0"
    assert exp.get_artifact("resnet", digest).version == "v0"
    assert exp.get_artifact("resnet", "v1") is None and exp.get_artifact("resnet", "0" * 64) is None
    assert exp.get_artifact("missing") is None
    assert [a.name for a in exp.list_artifacts()] == ["resnet", "model.bin"]
    assert [a.name for a in exp.list_artifacts(ArtifactType.CUSTOM)] == ["model.bin"]
    with pytest.raises(tally.TallyError):
        exp.list_artifacts(backend="mlflow")
    exp.stop()

    # Another experiment of the project reads those versions back and adds v1; its reads see the
    # earlier run's file in this machine's blob store.
    (tmp_path / "model.bin").write_bytes(b"weights v1")
    nxt = _experiment(tmp_path).start()
    earlier = nxt.get_artifact("resnet")
    assert (earlier.version, earlier.aliases) == ("v0", ["latest"])
    assert earlier.files[0].local_path.startswith(str(tmp_path / "blobs"))
    assert Path(earlier.files[0].local_path).read_bytes() == b"weights v0"
    v1 = nxt.log_artifact(nxt.create_artifact("resnet", ArtifactType.MODEL).add_file(str(tmp_path / "model.bin"), "weights/model.bin"))
    assert (v1["tally"].version, v1["tally"].uri) == ("v1", "tally://default/resnet:v1")
    assert (nxt.get_artifact("resnet").version, nxt.get_artifact("resnet").aliases) == ("v1", ["latest"])
    assert nxt.get_artifact("resnet", "v0").files[0].size_bytes == 10
    assert [f"{a.name}:{a.version}" for a in nxt.list_artifacts(ArtifactType.MODEL)] == ["resnet:v0", "resnet:v1"]
    nxt.stop()

    # The store, filling from the spool afterwards, numbers the two runs' versions as they did.
    assert sorted(a["name"] for a in cli(tmp_path, "artifact", "ls", "default")) == ["model.bin", "resnet"]
    for ref, content in (("resnet:v0", b"weights v0"), ("resnet:latest", b"weights v1")):
        out = tmp_path / "out" / ref.replace(":", "-")
        cli(tmp_path, "artifact", "get", ref, "--project", "default", "--out", str(out))
        assert (out / "weights" / "model.bin").read_bytes() == content


def test_remote_experiments_read_the_projects_versions_through_the_server(tmp_path: Path) -> None:
    from remote_support import start_server

    server = start_server(str(tmp_path / "server"))
    key = server.key
    try:
        (tmp_path / "model.pth").write_bytes(b"14 bytes of it")
        remote = {"server_url": server.url, "api_key": key, "quiet": True}
        exp = Experiment("remote", config=ExperimentConfig(track_tensorboard=False), dir=str(tmp_path / "client"), **remote).start()
        logged = exp.log_artifact(exp.create_artifact("weights", ArtifactType.WEIGHTS).add_file(str(tmp_path / "model.pth")))
        assert logged["tally"].version == "v0" and "versionPending" not in logged["tally"].metadata
        back = exp.get_artifact("weights")
        assert (back.version, back.aliases, back.files[0].size_bytes) == ("v0", ["latest"], 14)
        assert back.files[0].local_path == str(tmp_path / "model.pth")
        exp.stop()
        # Another client, with a spool of its own, sees the version through the server.
        other = Experiment("reader", config=ExperimentConfig(track_tensorboard=False), dir=str(tmp_path / "other"), **remote).start()
        assert [f"{a.name}:{a.version}" for a in other.list_artifacts()] == ["weights:v0"]
        # Its machine has no copy of the file: no local path.
        assert other.get_artifact("weights", "v0").files[0].local_path == ""
        other.stop()
    finally:
        server.kill()


def test_tensorboard_writer_goes_to_the_experiment_until_stop(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    exp = tracelet.start_logging("tb", dir=str(tmp_path / "tally"), quiet=True)
    writer = SummaryWriter(logdir=str(tmp_path / "tb"))
    writer.add_scalar("loss", 0.5, 0)
    writer.add_scalars("group", {"a": 1.0, "b": 2.0}, 1)
    writer.add_text("note", "hello", 2)
    tracelet.stop_logging()
    writer.add_scalar("loss", 0.1, 9)  # after stop: the event file only
    writer.close()
    home = tmp_path / "tally"
    assert cli(home, "series", exp.id, "loss")["steps"] == [0]
    keys = {m["key"] for m in cli(home, "run", exp.id)["metrics"]}
    assert keys == {"loss", "group/a", "group/b"}
    # add_text is a Markdown value at its step (values are not in `tally run`; read the spool).
    from tally.spool.reader import iter_spool_file, spool_files

    events = [r.event for f in spool_files(str(home / "spool" / exp.id)) for r in iter_spool_file(f) if r.event]
    texts = [(e["key"], e["step"], e["kind"]) for e in events if e["type"] == "value"]
    assert texts == [("note", 2, "markdown")]


def test_tensorboard_calls_without_a_step_make_a_series(tmp_path: Path) -> None:
    # Without set_iteration, add_scalar(tag, v) logs at the run's next step (as RunSink), so the
    # calls make a series instead of replacing each other at iteration 0; an add_scalars group
    # shares one step. Once set_iteration was called, calls without a step log at the iteration,
    # as log_metric does.
    from tensorboardX import SummaryWriter

    exp = tracelet.start_logging("tb-steps", dir=str(tmp_path / "tally"), quiet=True)
    writer = SummaryWriter(logdir=str(tmp_path / "tb"))
    for loss in (0.5, 0.4, 0.3):
        writer.add_scalar("loss", loss)
    writer.add_scalars("group", {"a": 1.0, "b": 2.0})
    writer.add_text("note", "no step")
    exp.set_iteration(10)
    writer.add_scalar("epoch_loss", 0.2)
    writer.add_scalar("loss", 0.1, 20)
    tracelet.stop_logging()
    writer.close()
    home = tmp_path / "tally"
    series = cli(home, "series", exp.id, "loss")
    assert series["steps"] == [0, 1, 2, 20] and series["values"] == [0.5, 0.4, 0.3, 0.1]
    assert cli(home, "series", exp.id, "group/a")["steps"] == [3]
    assert cli(home, "series", exp.id, "group/b")["steps"] == [3]
    assert cli(home, "series", exp.id, "epoch_loss")["steps"] == [10]
    from tally.spool.reader import iter_spool_file, spool_files

    events = [r.event for f in spool_files(str(home / "spool" / exp.id)) for r in iter_spool_file(f) if r.event]
    assert [(e["key"], e["step"]) for e in events if e["type"] == "value"] == [("note", 4)]


def test_tensorboard_calls_after_the_run_finished_are_ignored(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    exp = tracelet.start_logging("tb-finished", dir=str(tmp_path / "tally"), quiet=True)
    writer = SummaryWriter(logdir=str(tmp_path / "tb"))
    writer.add_scalar("loss", 0.5, 0)
    exp.backends[0].run.finish()  # the run ended under the experiment (as the exit hooks do)
    writer.add_scalar("loss", 0.4, 1)
    writer.add_text("note", "after", 1)
    tracelet.stop_logging()
    writer.close()
    assert cli(tmp_path / "tally", "series", exp.id, "loss")["steps"] == [0]


def test_unknown_backend_is_a_clear_error_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(tracelet.BackendError) as e:
        tracelet.start_logging("x", backend=["mlflow", "nosuch"], dir=str(tmp_path))
    assert e.value.code == "invalid_argument" and "nosuch" in str(e.value) and "tally" in str(e.value)
    assert "register_backend" in str(e.value)
    assert not (tmp_path / "spool").exists()
    with pytest.raises(tracelet.BackendError):
        tracelet.register_backend("tally", _Recorder)


def test_the_seeds_exceptions_are_tally_errors(tmp_path: Path) -> None:
    assert tracelet.TraceletException is tally.TallyError
    assert issubclass(tracelet.BackendError, tracelet.TraceletException)
    assert issubclass(tracelet.ConfigurationError, tracelet.TraceletException)
    with pytest.raises(tracelet.ConfigurationError) as e:
        tracelet.start_logging("x", config={"metrics_interval": 0}, dir=str(tmp_path))
    assert e.value.code == "invalid_argument"
    with pytest.raises(tracelet.ConfigurationError):
        tracelet.start_logging("x", config=[1], dir=str(tmp_path))
    with pytest.raises(tracelet.TraceletException):
        Experiment("x", config={"track_git": False})


def test_settings_from_the_environment() -> None:
    env = {
        "TRACELET_PROJECT": "envproj",
        "TRACELET_BACKEND": "tally, console",
        "TRACELET_TRACK_GIT": "no",
        "TRACELET_TRACK_SYSTEM": "off",
        "TRACELET_TRACK_ENV": "1",
        "TRACELET_METRICS_INTERVAL": "5",
        "TRACELET_AUTOMAGIC_FRAMEWORKS": "torch,sklearn",
    }
    project, backends, settings = resolve_settings(None, None, None, env)
    assert project == "envproj" and backends == ["tally", "console"]
    assert settings["automagic_frameworks"] == ["torch", "sklearn"]
    assert capture_options(settings, None) == {"system": False, "git": False, "env": True}
    # The call's own values win over the environment.
    project, backends, settings = resolve_settings("mine", "tally", {"track_git": True}, env)
    assert (project, backends, settings["track_git"]) == ("mine", ["tally"], True)
    # An ExperimentConfig flag set away from its default wins over both.
    assert capture_options({"track_git": True}, ExperimentConfig(track_git=False, track_stdout=False, track_args=False)) == {
        "git": False,
        "console": False,
        "argv": False,
    }
    with pytest.raises(tally.TallyError) as e:
        resolve_settings(None, None, None, {"TRACELET_TRACK_GIT": "maybe"})
    assert e.value.code == "invalid_argument" and "TRACELET_TRACK_GIT" in str(e.value)
    with pytest.raises(tally.TallyError):
        capture_options({"metrics_interval": 0.5}, None)
