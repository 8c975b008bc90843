"""Tracelet's settings as Tally's: ``ExperimentConfig`` flags and ``start_logging``'s config
become ``tally.init(capture=...)``, and the ``TRACELET_*`` environment fills what the call
leaves out. Precedence, per setting: the explicit argument, then the environment, then Tally's
own default (and ``TALLY_CAPTURE_*``)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

from ._errors import ConfigurationError


@dataclass
class ExperimentConfig:
    """Tracelet's per-experiment switches. Flags Tally has no counterpart for are accepted and do nothing.

    Example:
        >>> Experiment("resnet", config=ExperimentConfig(track_git=False, track_system_metrics=False))
    """

    # Core tracking settings
    track_metrics: bool = True
    track_environment: bool = True
    track_args: bool = True
    track_stdout: bool = True
    track_checkpoints: bool = True
    track_system_metrics: bool = True
    track_git: bool = True

    # Automagic instrumentation settings
    enable_automagic: bool = False
    automagic_frameworks: Optional[Set[str]] = None

    # Artifact tracking settings
    enable_artifacts: bool = False
    automagic_artifacts: bool = False
    artifact_watch_dirs: Optional[List[str]] = None
    watch_filesystem: bool = False

    # TensorBoard's SummaryWriter calls go to the experiment (Tracelet's track_tensorboard).
    track_tensorboard: bool = True


_BOOL_ENV = {
    "track_system": "TRACELET_TRACK_SYSTEM",
    "track_git": "TRACELET_TRACK_GIT",
    "track_env": "TRACELET_TRACK_ENV",
    "track_tensorboard": "TRACELET_TRACK_TENSORBOARD",
    "enable_automagic": "TRACELET_ENABLE_AUTOMAGIC",
    "enable_artifacts": "TRACELET_ENABLE_ARTIFACTS",
    "automagic_artifacts": "TRACELET_AUTOMAGIC_ARTIFACTS",
    "watch_filesystem": "TRACELET_WATCH_FILESYSTEM",
}
_LIST_ENV = {
    "automagic_frameworks": "TRACELET_AUTOMAGIC_FRAMEWORKS",
    "artifact_watch_dirs": "TRACELET_ARTIFACT_WATCH_DIRS",
}


def _env_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError("invalid_argument", f"{name}={raw!r} is not a switch: set it to true or false (or 1 / 0)")


def _env_list(raw: str) -> List[str]:
    return [s.strip() for s in raw.split(",") if s.strip()]


def resolve_settings(
    project: Optional[str], backend: Any, config: Optional[Mapping[str, Any]], env: Optional[Mapping[str, str]] = None
) -> Tuple[Optional[str], List[str], Dict[str, Any]]:
    """The project, backends and settings of ``start_logging``, ``TRACELET_*`` filling the gaps."""
    env = os.environ if env is None else env
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise ConfigurationError("invalid_argument", "start_logging() config is a dict of settings, e.g. {'track_system': False}")
    settings: Dict[str, Any] = dict(config)
    for key, name in _BOOL_ENV.items():
        if settings.get(key) is None and env.get(name):
            settings[key] = _env_bool(name, env[name])
    for key, name in _LIST_ENV.items():
        if settings.get(key) is None and env.get(name):
            settings[key] = _env_list(env[name])
    if settings.get("metrics_interval") is None and env.get("TRACELET_METRICS_INTERVAL"):
        raw = env["TRACELET_METRICS_INTERVAL"]
        try:
            settings["metrics_interval"] = float(raw)
        except ValueError:
            raise ConfigurationError("invalid_argument", f"TRACELET_METRICS_INTERVAL={raw!r} is not a number of seconds") from None
    if backend is None and env.get("TRACELET_BACKEND"):
        backend = _env_list(env["TRACELET_BACKEND"])
    if backend is None:
        backend = ["tally"]
    backends = [backend] if isinstance(backend, str) else backend
    if not isinstance(backends, (list, tuple)) or not backends or any(not isinstance(b, str) or not b for b in backends):
        raise ConfigurationError("invalid_argument", f"backend is a name or a list of names, e.g. 'tally'; got {backend!r}")
    unique = list(dict.fromkeys(backends))
    return project or env.get("TRACELET_PROJECT") or None, unique, settings


def _flag(name: str, *values: Any) -> Optional[bool]:
    for value in values:
        if value is None:
            continue
        if not isinstance(value, bool):
            raise ConfigurationError("invalid_argument", f"{name} must be True or False; got {value!r}")
        return value
    return None


def capture_options(settings: Mapping[str, Any], config: Optional[ExperimentConfig]) -> Dict[str, Any]:
    """The capture switches of ``tally.init``; a switch neither names is left to Tally's default.

    ``config`` is an ``ExperimentConfig`` whose fields at their defaults do not override the
    settings: only a field set away from its default counts as explicit.
    """
    defaults = ExperimentConfig()

    def explicit(field: str) -> Optional[bool]:
        if config is None:
            return None
        value = getattr(config, field)
        return None if value == getattr(defaults, field) else value

    capture: Dict[str, Any] = {}
    system = _flag("track_system_metrics", explicit("track_system_metrics"), settings.get("track_system"))
    interval = settings.get("metrics_interval")
    if interval is not None and (isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval < 1):
        raise ConfigurationError("invalid_argument", f"metrics_interval is a number of seconds >= 1; got {interval!r}")
    if system is False:
        capture["system"] = False
    elif interval is not None:
        capture["system"] = float(interval)
    elif system is True:
        capture["system"] = True
    for key, field, setting in (
        ("git", "track_git", "track_git"),
        ("env", "track_environment", "track_env"),
        ("console", "track_stdout", None),
        ("argv", "track_args", None),
    ):
        value = _flag(field, explicit(field), settings.get(setting) if setting else None)
        if value is not None:
            capture[key] = value
    return capture


def tracks_tensorboard(settings: Mapping[str, Any], config: Optional[ExperimentConfig]) -> bool:
    """Whether SummaryWriter calls go to the experiment (default yes, as in Tracelet)."""
    if config is not None and config.track_tensorboard is False:
        return False
    value = _flag("track_tensorboard", settings.get("track_tensorboard"))
    return True if value is None else value
