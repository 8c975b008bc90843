"""Tracelet's module-level API: one active experiment, started by ``start_logging``."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from ._experiment import Experiment
from ._settings import resolve_settings

_active: Optional[Experiment] = None


def _forget(experiment: Experiment) -> None:
    global _active
    if _active is experiment:
        _active = None


def start_logging(
    exp_name: Optional[str] = None,
    project: Optional[str] = None,
    backend: Union[str, List[str], None] = None,
    config: Optional[Dict[str, Any]] = None,
    *,
    tags: Optional[List[str]] = None,
    automagic: bool = False,
    artifacts: bool = False,
    dir: Optional[str] = None,
    server_url: Optional[str] = None,
    api_key: Optional[str] = None,
    workspace: Optional[str] = None,
    quiet: Optional[bool] = None,
) -> Experiment:
    """Create and start an experiment, which becomes the active one.

    ``project`` defaults to ``TRACELET_PROJECT``, ``backend`` to ``TRACELET_BACKEND``, else
    ``"tally"``; ``config`` holds settings (``track_system``, ``track_git``, ``track_env``,
    ``metrics_interval``, ``track_tensorboard``, ...) and ``TRACELET_*`` fills the rest. A
    second call leaves the earlier experiment running until it is stopped.

    Example:
        >>> import tally.tracelet as tracelet
        >>> exp = tracelet.start_logging(exp_name="my_experiment", project="my_project", backend="tally")
        >>> exp.log_params({"learning_rate": 0.01})
        >>> tracelet.stop_logging()
    """
    global _active
    resolved_project, backends, settings = resolve_settings(project, backend, config)
    name = exp_name if exp_name is not None else "experiment"
    experiment = Experiment(
        name,
        backend=backends,
        tags=tags,
        automagic=automagic,
        artifacts=artifacts,
        project=resolved_project,
        settings=settings,
        dir=dir,
        server_url=server_url,
        api_key=api_key,
        workspace=workspace,
        quiet=quiet,
    ).start()
    _active = experiment
    return experiment


def stop_logging() -> None:
    """Stop the active experiment; does nothing when there is none.

    Example:
        >>> tracelet.stop_logging()
    """
    experiment = _active
    if experiment is not None:
        experiment.stop()


def get_active_experiment() -> Optional[Experiment]:
    """The active experiment, or None.

    Example:
        >>> tracelet.get_active_experiment().id
    """
    return _active if _active is not None and _active.is_active else None
