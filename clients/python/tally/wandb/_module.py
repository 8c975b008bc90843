"""wandb's module-level functions: one current run, as ``wandb.run``."""
from __future__ import annotations

import os
from typing import Any, Optional, Sequence, Union

from tally import TallyError

from ._run import Run, make_run

current: Optional[Run] = None


def _forget(run: Run) -> None:
    global current
    if current is run:
        current = None


def init(
    project: Optional[str] = None,
    entity: Optional[str] = None,
    config: Any = None,
    name: Optional[str] = None,
    notes: Optional[str] = None,
    tags: Optional[Sequence[str]] = None,
    group: Optional[str] = None,
    job_type: Optional[str] = None,
    dir: Optional[str] = None,
    resume: Union[bool, str, None] = None,
    id: Optional[str] = None,
    mode: Optional[str] = None,
    reinit: Optional[bool] = None,
    settings: Any = None,
    **tally_options: Any,
) -> Run:
    """Start a run (a Tally run) and make it ``wandb.run``.

    ``resume``: True or ``"allow"``/``"auto"`` resumes the run of ``id`` (or name) if it
    exists, ``"must"`` requires it, ``"never"`` refuses an existing id. ``mode="disabled"``
    returns a run that records nothing. ``entity``, ``job_type`` and ``settings`` are accepted
    for compatibility and not stored. Tally's own keywords (``server_url``, ``api_key``,
    ``workspace``, ``capture``, ``quiet``) pass through to ``tally.init``.

    Example:
        >>> import tally.wandb as wandb
        >>> run = wandb.init(project="mnist", config={"lr": 0.01, "epochs": 3})
        >>> wandb.log({"loss": 0.5})
        >>> wandb.finish()
    """
    global current
    if current is not None:
        # wandb finishes the previous run when init is called again in a script.
        current.finish()
    current = make_run(project, entity, config, name, notes, tags, group, job_type, dir, resume, id, mode, tally_options)
    return current


def _need(what: str) -> Run:
    if current is None:
        raise TallyError("no_active_run", f"wandb.{what} needs a run: call wandb.init() first")
    return current


def log(data: dict, step: Optional[int] = None, commit: Optional[bool] = None, sync: Optional[bool] = None) -> None:
    """Log values into ``wandb.run`` (see ``Run.log``).

    Example:
        >>> wandb.log({"loss": 0.25, "acc": 0.9})
    """
    _need("log()").log(data, step=step, commit=commit)


def finish(exit_code: Optional[int] = None, quiet: Optional[bool] = None) -> None:
    """Finish ``wandb.run``; does nothing without one.

    Example:
        >>> wandb.finish()
    """
    if current is not None:
        current.finish(exit_code=exit_code)


def login(key: Optional[str] = None, relogin: Optional[bool] = None, host: Optional[str] = None, **_: Any) -> bool:
    """Use ``key`` (and ``host``, a ``tally serve`` URL) for runs this process starts in remote mode.

    Tally needs no login for local runs; this sets ``TALLY_API_KEY`` / ``TALLY_SERVER_URL``.

    Example:
        >>> wandb.login(key="tally_sk_...", host="http://tally.example.com:8080")
    """
    if key:
        os.environ["TALLY_API_KEY"] = key
    if host:
        os.environ["TALLY_SERVER_URL"] = host
    return True
