"""Tracelet's Python API over Tally: ``import tally.tracelet as tracelet`` where a script had
``import tracelet``. The built-in backend is ``tally``; others register with ``register_backend``.
Tracelet's mlflow, wandb, clearml and tensorboard, which Tally has no backend for yet, log into
the ``tally`` backend (with a one-line notice on stderr).

Example:
    >>> import tally.tracelet as tracelet
    >>> exp = tracelet.start_logging(exp_name="my_experiment", project="my_project", backend="tally")
    >>> exp.log_metric("loss", 0.5, 0)
    >>> tracelet.stop_logging()
"""
from ._backends import BackendContext, TallyBackend, available_backends, register_backend, unregister_backend
from ._errors import BackendError, ConfigurationError, TraceletException
from ._experiment import Experiment
from ._global import get_active_experiment, start_logging, stop_logging
from ._settings import ExperimentConfig
from .artifacts import ArtifactResult, ArtifactType, TraceletArtifact

__all__ = [
    "ArtifactResult",
    "ArtifactType",
    "TraceletArtifact",
    "BackendContext",
    "BackendError",
    "ConfigurationError",
    "Experiment",
    "ExperimentConfig",
    "TallyBackend",
    "TraceletException",
    "available_backends",
    "get_active_experiment",
    "register_backend",
    "start_logging",
    "stop_logging",
    "unregister_backend",
]
