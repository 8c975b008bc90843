"""Trackio's module-level API over the core: one current run, started by ``init``, each
``log`` one step further unless a step is given."""
from __future__ import annotations

import sys
from typing import Any, Dict, Optional

import tally
from tally import TallyError

_current: Optional["tally.Run"] = None


def _active() -> Optional["tally.Run"]:
    return _current if _current is not None and not _current.finished else None


def init(
    project: Optional[str] = None,
    name: Optional[str] = None,
    group: Optional[str] = None,
    space_id: Optional[str] = None,
    dataset_id: Optional[str] = None,
    config: Optional[dict] = None,
    resume: Optional[str] = None,
    settings: Any = None,
    *,
    project_name: Optional[str] = None,
    run_name: Optional[str] = None,
    **tally_options: Any,
) -> "tally.Run":
    """Start a run in ``project`` (or resume one) and make it the current run.

    ``project_name`` / ``run_name`` are the older spellings of ``project`` / ``name``.
    ``resume``: ``"never"`` (default), ``"allow"`` or ``"must"``, by project and run name.
    ``space_id`` (a Hugging Face Space) has no Tally counterpart: pass ``server_url`` (or set
    ``TALLY_SERVER_URL``) to log to a team server; a ``space_id`` that is an http(s) URL is taken
    as ``server_url``. Every other keyword of ``tally.init`` (``dir``, ``tags``, ``server_url``,
    ``api_key``, ``workspace``, ``capture``, ``quiet``) is accepted too.

    Example:
        >>> import tally.trackio as trackio
        >>> trackio.init(project="my-project", name="run-1", config={"lr": 1e-4})
        >>> trackio.log({"loss": 0.5})
        >>> trackio.finish()
    """
    global _current
    if project is not None and project_name is not None and project != project_name:
        raise TallyError("invalid_argument", "trackio.init: pass project or project_name, not both")
    if name is not None and run_name is not None and name != run_name:
        raise TallyError("invalid_argument", "trackio.init: pass name or run_name, not both")
    project = project if project is not None else project_name
    name = name if name is not None else run_name
    if not isinstance(project, str):
        raise TallyError("invalid_argument", "trackio.init needs a project: trackio.init(project='my-project')")
    if dataset_id is not None:
        print(f"tally: dataset_id={dataset_id!r} is a Hugging Face dataset; Tally keeps runs in its own store", file=sys.stderr)
    # settings: not used, as in Trackio (kept for wandb.init compatibility).
    if space_id is not None:
        if space_id.startswith(("http://", "https://")):
            tally_options.setdefault("server_url", space_id)
        else:
            print(
                f"tally: space_id={space_id!r} names a Hugging Face Space, which Tally does not sync to; "
                "logging locally (or to TALLY_SERVER_URL). Pass server_url=... to log to a tally serve.",
                file=sys.stderr,
            )
    options: Dict[str, Any] = dict(tally_options)
    if resume is not None:
        options["resume"] = resume
    _current = tally.init(project=project, name=name, config=config, group=group, **options)
    return _current


def log(metrics: dict, step: Optional[int] = None) -> None:
    """Log metrics (numbers or rich values) at the next step, or at ``step``.

    Example:
        >>> trackio.log({"train_loss": 0.45, "val_loss": 0.39})
        >>> trackio.log({"loss": 0.1}, step=100)
    """
    run = _active()
    if run is None:
        raise TallyError("no_active_run", "trackio.log needs a run: call trackio.init(project='...') first")
    run.log(metrics, step=step)


def finish() -> None:
    """Finish the current run: all it logged is durable when this returns. No run, no effect.

    Example:
        >>> trackio.finish()
    """
    global _current
    run, _current = _active(), None
    if run is not None:
        run.finish()


def current_run() -> Optional["tally.Run"]:
    """The current run, or None before ``init`` and after ``finish``.

    Example:
        >>> trackio.current_run().id
    """
    return _active()
