"""Tracelet's backends: where an experiment's metrics, params and artifacts go. ``tally`` is
built in and is a run of the core; others register a factory under a name.

Tracelet's own backends that Tally has none of yet (mlflow, wandb, clearml, tensorboard) stand
for the ``tally`` backend, so Tracelet's examples run with only the import changed: a script's
``backend="mlflow"`` logs into Tally, with a one-line notice on stderr saying so. A backend
registered under one of those names is used instead."""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

import tally

from ._errors import BackendError


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
# Tracelet's backends that Tally has none of yet: where a script names one (and none is
# registered under that name), its data goes to the tally backend.
STAND_INS = ("mlflow", "wandb", "clearml", "tensorboard")


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
        raise BackendError("invalid_argument", f"a backend name is 1-64 of A-Z a-z 0-9 _ -; got {name!r}")
    if name == "tally":
        raise BackendError("invalid_argument", "the tally backend is built in and cannot be replaced")
    if not callable(factory):
        raise BackendError("invalid_argument", "register_backend() takes a name and a factory (a class or function)")
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


def resolve_backends(names: List[str], quiet: Optional[bool] = None) -> List[str]:
    """The backends to start for ``names``: each registered name (and ``tally``) as is; each of
    Tracelet's that Tally has none of (``STAND_INS``) as ``tally``, once, with a one-line notice
    on stderr unless ``quiet``. Raises ``BackendError`` before anything starts when a name is
    unknown, so no run is left half made.

    Example:
        >>> resolve_backends(["mlflow", "wandb"])
        tally.tracelet: Tally has no mlflow, wandb backend; their data goes to Tally (backend 'tally')
        ['tally']
    """
    out: List[str] = []
    standing_in: List[str] = []
    for name in names:
        if name == "tally" or name in _registry:
            chosen = name
        elif name.lower() in STAND_INS:
            chosen = "tally"
            standing_in.append(name)
        else:
            raise BackendError(
                "invalid_argument",
                f"unknown Tracelet backend {name!r}: the backends are {', '.join(available_backends())} "
                f"(and {', '.join(STAND_INS)}, which log into Tally); add one with tally.tracelet.register_backend()",
            )
        if chosen not in out:
            out.append(chosen)
    if standing_in and not quiet:
        sys.stderr.write(
            f"tally.tracelet: Tally has no {', '.join(standing_in)} backend; "
            f"{'its' if len(standing_in) == 1 else 'their'} data goes to Tally (backend 'tally')\n"
        )
    return out


def check_backends(names: List[str]) -> None:
    """Raises ``BackendError`` when a name is neither registered, ``tally``, nor one of ``STAND_INS``."""
    resolve_backends(names, quiet=True)


def create_backend(name: str, context: BackendContext) -> Any:
    check_backends([name])
    if name not in _registry and (name == "tally" or name.lower() in STAND_INS):
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
