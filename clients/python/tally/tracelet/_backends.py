"""Tracelet's backends: where an experiment's metrics, params and artifacts go. ``tally`` is
built in and is a run of the core; others register a factory under a name."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

import tally
from tally import TallyError


@dataclass
class BackendContext:
    """What a backend is told when its experiment starts."""

    id: str
    name: str
    project: Optional[str]
    tags: List[str]
    capture: Dict[str, Any]
    # start_logging's config, backend-specific keys included (mlflow_tracking_uri, ...).
    settings: Dict[str, Any] = field(default_factory=dict)
    # Tally's connection options: dir, server_url, api_key, workspace, quiet.
    tally: Dict[str, Any] = field(default_factory=dict)


BackendFactory = Callable[[BackendContext], Any]

_registry: Dict[str, BackendFactory] = {}
# Tracelet's backends that Tally has none of yet: named in the error so it can say so.
_PLANNED = ("mlflow", "tensorboard", "wandb", "clearml")


def register_backend(name: str, factory: BackendFactory) -> None:
    """Add a backend under ``name``; ``factory(context)`` returns an object with ``name``,
    ``log_metric(name, value, iteration)``, ``log_params(params)``, ``log_artifact(artifact)``
    and ``stop()`` (optionally ``log_text(name, text, iteration)``, and ``artifacts()``: the
    ``(digest, TraceletArtifact)`` pairs ``get_artifact``/``list_artifacts`` read, each builder's
    ``version`` and ``aliases`` set as the backend names them).

    Example:
        >>> class Printer:
        ...     name = "console"
        ...     def __init__(self, context): pass
        ...     def log_metric(self, name, value, iteration): print(iteration, name, value)
        ...     def log_params(self, params): print(params)
        ...     def log_artifact(self, artifact): return {"backend": "console", "uri": "", "version": "", "metadata": {}}
        ...     def stop(self): pass
        >>> register_backend("console", Printer)
    """
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
        raise TallyError("invalid_argument", f"a backend name is 1-64 of A-Z a-z 0-9 _ -; got {name!r}")
    if name == "tally":
        raise TallyError("invalid_argument", "the tally backend is built in and cannot be replaced")
    if not callable(factory):
        raise TallyError("invalid_argument", "register_backend() takes a name and a factory (a class or function)")
    _registry[name] = factory


def unregister_backend(name: str) -> bool:
    """Remove a registered backend; True when there was one.

    Example:
        >>> unregister_backend("console")
    """
    return _registry.pop(name, None) is not None


def available_backends() -> List[str]:
    """The names ``backend`` may use.

    Example:
        >>> available_backends()
        ['tally']
    """
    return ["tally", *_registry]


def check_backends(names: List[str]) -> None:
    """Raises before anything starts when a name is unknown, so no run is left half made."""
    for name in names:
        if name == "tally" or name in _registry:
            continue
        planned = f" Tally has no {name} backend yet;" if name.lower() in _PLANNED else ""
        raise TallyError(
            "invalid_argument",
            f"unknown Tracelet backend {name!r}.{planned} the backends are: {', '.join(available_backends())} "
            "(add one with tally.tracelet.register_backend())",
        )


def create_backend(name: str, context: BackendContext) -> Any:
    check_backends([name])
    if name == "tally":
        return TallyBackend(context)
    return _registry[name](context)


class TallyBackend:
    """The built-in backend: a Tally run with the experiment's id."""

    name = "tally"

    def __init__(self, context: BackendContext) -> None:
        options = dict(context.tally)
        self.run = tally.init(
            project=context.project,
            name=context.name,
            id=context.id,
            tags=list(context.tags) or None,
            capture=context.capture,
            **options,
        )
        # Where this experiment's own files came from, by version digest, for read-back.
        self._local_paths: Dict[str, Dict[str, str]] = {}

    def log_metric(self, name: str, value: Any, iteration: int) -> None:
        self.run.log({name: value}, step=iteration)

    def log_params(self, params: Dict[str, Any]) -> None:
        self.run.config.update(params)

    def log_text(self, name: str, text: str, iteration: Optional[int]) -> None:
        self.run.log({name: tally.Markdown(text)}, step=iteration)

    def log_artifact(self, artifact: Any) -> Any:
        """The result's ``version`` is the store's ``vN`` (the digest, with
        ``metadata["versionPending"]``, while a server cannot be asked); the builder's files get
        their ``size_bytes`` and ``checksum``."""
        from .artifacts import log_to_run

        result = log_to_run(self.run, artifact)
        self._local_paths[result.metadata["digest"]] = {f.artifact_path: f.local_path for f in artifact.files}
        return result

    def artifacts(self) -> List[Tuple[str, Any]]:
        """(digest, TraceletArtifact) of every version in the run's project, oldest first, each with
        its ``version`` and ``aliases``; a file's ``local_path`` is where this experiment logged it
        from, else this machine's blob-store copy, else ''."""
        from ..artifacts.blobs import blob_path, blobs_dir
        from .artifacts import TraceletArtifact

        blobs = blobs_dir(self.run.dir)
        out = []
        for v in self.run.artifact_versions():
            local = self._local_paths.get(v.digest)
            if local is None:
                local = {}
                for e in v.entries:
                    if e["kind"] == "file" and os.path.exists(blob_path(blobs, e["sha256"])):
                        local[e["path"]] = blob_path(blobs, e["sha256"])
            out.append((v.digest, TraceletArtifact.from_manifest(
                v.name, v.type, v.description, v.metadata, v.entries,
                created_at=datetime.fromtimestamp(v.created_at / 1000, timezone.utc),
                local_paths=local, version=f"v{v.version}", aliases=v.aliases,
            )))
        return out

    def stop(self) -> None:
        self.run.finish()
