"""Tracelet's ``Experiment`` over Tally's core: an experiment is a run (the ``tally`` backend),
``log_metric`` a ``run.log`` at the iteration, params its config, artifacts core artifacts.
Every call goes to each of the experiment's backends in turn."""
from __future__ import annotations

import inspect
import os
import re
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional

from tally import TallyError

from ._backends import BackendContext, TallyBackend, create_backend, resolve_backends
from ._errors import BackendError, ConfigurationError
from ._settings import ExperimentConfig, capture_options, tracks_tensorboard
from ._summaries import scalar_locals, summarize_dataset, summarize_model


def _new_id() -> str:
    from tally.names import new_run_id

    return new_run_id()


class _TensorBoardSink:
    """What the SummaryWriter interception calls: the experiment's own methods.

    A call without ``global_step`` logs at the experiment's iteration once ``set_iteration`` was
    called (the script said which step it is at, as for ``log_metric``); otherwise at the run's
    next step, as ``tally.integrations.tensorboard.RunSink`` does, so ``add_scalar(tag, v)`` in a
    loop makes a series instead of values replacing each other at one fixed step. An
    ``add_scalars`` group shares one step. A stopped experiment or a finished run ignores the
    calls (the event file is still written).
    """

    def __init__(self, experiment: "Experiment") -> None:
        self._experiment = experiment

    def log_metric(self, name: str, value: Any, step: Optional[int]) -> None:
        self.log_metrics({name: value}, step)

    def log_metrics(self, values: Dict[str, Any], step: Optional[int]) -> None:
        if not values or not self._open():
            return
        at = self._experiment._writer_step() if step is None else step
        for name, value in values.items():
            self._experiment.log_metric(name, value, at)

    def log_params(self, params: Dict[str, Any]) -> None:
        if self._open():
            self._experiment.log_params(params)

    def log_text(self, name: str, text: str, step: Optional[int]) -> None:
        if not self._open():
            return
        at = self._experiment._writer_step() if step is None else step
        for backend in self._experiment._open("add_text"):
            if hasattr(backend, "log_text"):
                backend.log_text(name, text, at)
        self._experiment._stepped(at)

    def _open(self) -> bool:
        return self._experiment.is_active and not self._experiment._run_finished()


class Experiment:
    """One Tracelet experiment: a Tally run plus any registered backends.

    Example:
        >>> exp = Experiment("resnet", tags=["baseline"], config=ExperimentConfig(track_git=False))
        >>> exp.start()
        >>> exp.log_metric("loss", 0.5, iteration=0)
        >>> exp.stop()
    """

    def __init__(
        self,
        name: str,
        config: Optional[ExperimentConfig] = None,
        backend: Optional[List[str]] = None,
        tags: Optional[List[str]] = None,
        automagic: bool = False,
        automagic_config: Any = None,
        artifacts: bool = False,
        automagic_artifacts: bool = False,
        *,
        project: Optional[str] = None,
        settings: Optional[Dict[str, Any]] = None,
        dir: Optional[str] = None,
        server_url: Optional[str] = None,
        api_key: Optional[str] = None,
        workspace: Optional[str] = None,
        quiet: Optional[bool] = None,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise TallyError("invalid_name", f"an experiment name is a non-empty string; got {name!r}")
        if config is not None and not isinstance(config, ExperimentConfig):
            raise ConfigurationError("invalid_argument", "config is an ExperimentConfig, e.g. ExperimentConfig(track_git=False)")
        self._name = name
        self._tags = list(tags) if tags is not None else []
        # mlflow, wandb, ... (none registered) log into the tally backend, with a notice.
        self._backend_names = resolve_backends([backend] if isinstance(backend, str) else list(backend or ["tally"]), quiet)
        self._config = config
        self._project = project
        self._settings = dict(settings or {})
        self._tally = {
            k: v
            for k, v in dict(dir=dir, server_url=server_url, api_key=api_key, workspace=workspace, quiet=quiet).items()
            if v is not None
        }
        self._id = _new_id()
        self._created_at = datetime.now(timezone.utc)
        self._iteration = 0
        self._iteration_set = False
        # The step after the last one logged, for backends without a run of their own to ask.
        self._next_step = 0
        self._active: List[Any] = []
        self._state = "created"
        self._undo_tensorboard: Optional[Callable[[], None]] = None

    # Properties of seed 001.
    @property
    def name(self) -> str:
        return self._name

    @property
    def id(self) -> str:
        """The Tally run id."""
        return self._id

    @property
    def experiment_id(self) -> str:
        return self._id

    @property
    def created_at(self) -> datetime:
        return self._created_at

    @property
    def tags(self) -> List[str]:
        return list(self._tags)

    @property
    def iteration(self) -> int:
        return self._iteration

    @property
    def backends(self) -> List[Any]:
        """The backends that were started (each has a ``name``)."""
        return list(self._active)

    @property
    def is_active(self) -> bool:
        return self._state == "running"

    def start(self) -> "Experiment":
        """Start every backend (the ``tally`` backend creates the run); returns the experiment.

        Example:
            >>> exp = Experiment("resnet").start()
        """
        if self._state != "created":
            return self
        context = BackendContext(
            id=self._id,
            name=self._name,
            project=self._project,
            tags=self._tags,
            capture=capture_options(self._settings, self._config),
            settings=dict(self._settings),
            tally=dict(self._tally),
        )
        started: List[Any] = []
        try:
            for name in self._backend_names:
                started.append(create_backend(name, context))
        except BaseException:
            for backend in started:
                backend.stop()
            raise
        self._active = started
        self._state = "running"
        if tracks_tensorboard(self._settings, self._config):
            from tally.integrations.tensorboard import intercept

            self._undo_tensorboard = intercept(_TensorBoardSink(self))
        return self

    def stop(self) -> None:
        """Stop every backend (the run is finished). Calling it again is harmless.

        Example:
            >>> exp.stop()
        """
        if self._state == "stopped":
            return
        self._state = "stopped"
        undo, self._undo_tensorboard = self._undo_tensorboard, None
        if undo is not None:
            undo()
        first: Optional[BaseException] = None
        for backend in self._active:
            try:
                backend.stop()
            except Exception as e:  # every backend gets its stop; the first failure is raised after
                first = first or e
        from . import _global

        _global._forget(self)
        if first is not None:
            raise first

    def end(self) -> None:
        """Same as ``stop()``."""
        self.stop()

    def __enter__(self) -> "Experiment":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def set_iteration(self, iteration: int) -> None:
        """Set the step of later ``log_metric`` calls that give none.

        Example:
            >>> exp.set_iteration(3)
        """
        self._iteration = _check_step(iteration)
        self._iteration_set = True

    def log_metric(self, name: str, value: Any, iteration: Optional[int] = None) -> None:
        """Log a number at ``iteration`` (default: the current iteration, see ``set_iteration``).

        Example:
            >>> exp.log_metric("loss", 0.25, epoch)
        """
        backends = self._open("log_metric")
        if not isinstance(name, str) or not name:
            raise TallyError("invalid_key", f"a metric name is a non-empty string; got {name!r}")
        if hasattr(value, "item") and not isinstance(value, (int, float)):
            value = value.item()
        if isinstance(value, bool):
            value = int(value)
        if not isinstance(value, (int, float)):
            raise TallyError("invalid_value", f'the value of "{name}" must be a number; got {type(value).__name__}')
        step = self._iteration if iteration is None else _check_step(iteration)
        for backend in backends:
            backend.log_metric(name, value, step)
        self._stepped(step)

    def _stepped(self, step: int) -> None:
        self._next_step = step + 1

    def _writer_step(self) -> int:
        """The step of a SummaryWriter call without ``global_step`` (see ``_TensorBoardSink``)."""
        if self._iteration_set:
            return self._iteration
        for backend in self._active:
            if isinstance(backend, TallyBackend):
                return backend.run.step
        return self._next_step

    def _run_finished(self) -> bool:
        return any(isinstance(b, TallyBackend) and b.run.finished for b in self._active)

    def log_params(self, params: Dict[str, Any]) -> None:
        """Record parameters: keys of the run's config.

        Example:
            >>> exp.log_params({"learning_rate": 0.01, "batch_size": 32})
        """
        backends = self._open("log_params")
        if not isinstance(params, dict):
            raise TallyError("invalid_config", f"log_params() takes a dict of parameters; got {type(params).__name__}")
        for backend in backends:
            backend.log_params(dict(params))

    def log_hyperparameter(self, name: str, value: Any) -> None:
        """Record one parameter.

        Example:
            >>> exp.log_hyperparameter("optimizer", "adam")
        """
        self.log_params({name: value})

    def create_artifact(self, name: str, artifact_type: Any, description: Optional[str] = None) -> Any:
        """A new artifact builder (log it with ``log_artifact``).

        Example:
            >>> model = exp.create_artifact("resnet", ArtifactType.MODEL, "after epoch 3").add_file("model.pt")
        """
        from .artifacts import TraceletArtifact

        return TraceletArtifact(name, artifact_type, description)

    def log_artifact(self, artifact: Any) -> Dict[str, Any]:
        """Log an artifact to every backend; a path logs that one file (as ``log_file_artifact``).
        Returns each backend's ``ArtifactResult`` by backend name.

        Example:
            >>> results = exp.log_artifact(exp.create_artifact("resnet", ArtifactType.MODEL).add_file("model.pt"))
            >>> results["tally"].version
        """
        backends = self._open("log_artifact")
        from .artifacts import file_artifact

        if isinstance(artifact, (str, os.PathLike)):
            artifact = file_artifact(os.fspath(artifact))
        return {backend.name: backend.log_artifact(artifact) for backend in backends}

    def log_file_artifact(self, local_path: str, artifact_path: Optional[str] = None) -> Dict[str, Any]:
        """Log one file as a ``custom`` artifact named after it (Tracelet's legacy method).

        Example:
            >>> exp.log_file_artifact("out/model.pt", "weights/model.pt")
        """
        from .artifacts import file_artifact

        return self.log_artifact(file_artifact(local_path, artifact_path))

    def get_artifact(self, name: str, version: str = "latest", backend: Optional[str] = None) -> Optional[Any]:
        """A version of an artifact in the experiment's project, whichever run logged it: ``"latest"``,
        ``"v3"``, an alias, or a digest (``ArtifactResult.metadata["digest"]``). Read back from the
        backend (default: the first that can); None when there is none.

        Example:
            >>> best = exp.get_artifact("resnet", "best")
            >>> best.version, best.files[0].local_path
        """
        own = [(digest, a) for digest, a in self._stored(backend) if a.name == name]
        if re.fullmatch(r"v\d+", version):
            return next((a for _, a in own if a.version == version), None)
        for _, a in reversed(own):
            if version in a.aliases:
                return a
        found = [a for digest, a in own if digest == version]
        if not found and version == "latest" and not any(a.aliases for _, a in own):
            # A registered backend that names no aliases: its newest is the latest.
            found = [a for _, a in own]
        return found[-1] if found else None

    def list_artifacts(self, type_filter: Any = None, backend: Optional[str] = None) -> List[Any]:
        """Every version of every artifact in the experiment's project, oldest first, optionally of
        one ``ArtifactType``.

        Example:
            >>> [f"{a.name}:{a.version}" for a in exp.list_artifacts(ArtifactType.MODEL)]
        """
        return [a for _, a in self._stored(backend) if type_filter is None or a.type == type_filter]

    def _stored(self, backend: Optional[str]) -> List[Any]:
        readers = [b for b in self._active if (backend is None or b.name == backend) and hasattr(b, "artifacts")]
        if backend is not None and not readers:
            raise BackendError("invalid_argument", f"backend {backend!r} is not one of this experiment's that reads artifacts back")
        return readers[0].artifacts() if readers else []

    def capture_hyperparams(self) -> Dict[str, Any]:
        """Record the caller's scalar local variables (numbers, strings, booleans) as params, and return them.

        Example:
            >>> lr, batch_size = 0.01, 32
            >>> exp.capture_hyperparams()
            {'lr': 0.01, 'batch_size': 32}
        """
        frame = inspect.currentframe()
        try:
            params = scalar_locals(frame.f_back if frame is not None else None)
        finally:
            del frame
        if params:
            self.log_params(params)
        return params

    def capture_model(self, model: Any) -> Dict[str, Any]:
        """Record a summary of ``model`` (class, parameter counts, layers) as the ``model`` param.

        Example:
            >>> exp.capture_model(net)
            {'type': 'Net', 'parameters': 1234, ...}
        """
        summary = summarize_model(model)
        self.log_params({"model": summary})
        return summary

    def capture_dataset(self, dataset: Any) -> Dict[str, Any]:
        """Record a summary of ``dataset`` (class, size, first sample's shape) as the ``dataset`` param.

        Example:
            >>> exp.capture_dataset(train_set)
            {'type': 'MNIST', 'size': 60000, ...}
        """
        summary = summarize_dataset(dataset)
        self.log_params({"dataset": summary})
        return summary

    def _open(self, what: str) -> List[Any]:
        if self._state == "created":
            raise TallyError("no_active_run", f"{what}(): experiment {self._name} is not started; call start() first")
        if self._state == "stopped":
            raise TallyError("run_finished", f"{what}(): experiment {self._name} is stopped; start a new one with start_logging()")
        return self._active


def _check_step(step: Any) -> int:
    if isinstance(step, bool) or not isinstance(step, int) or step < 0 or step > 2**53 - 1:
        raise TallyError("invalid_step", f"an iteration is an integer from 0 to 2^53-1; got {step!r}")
    return step
