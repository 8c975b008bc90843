"""Tora's module-level API: one global experiment, created by ``setup``. Its buffer holds one
value by default, so every ``tlog`` reaches the run at once, as under Tora."""
from __future__ import annotations

import sys
from typing import List, Optional, Union

from tally import TallyError

from ._client import Tora

_session: Optional[Tora] = None


def _current() -> Optional[Tora]:
    return _session if _session is not None and not _session.is_closed else None


def _need(what: str) -> Tora:
    client = _current()
    if client is None:
        raise TallyError("no_active_run", f"{what} needs an experiment: call setup('experiment-name') first")
    return client


def setup(
    name: str,
    workspace_id: Optional[str] = None,
    description: Optional[str] = None,
    hyperparams: Optional[dict] = None,
    tags: Optional[List[str]] = None,
    api_key: Optional[str] = None,
    server_url: Optional[str] = None,
    max_buffer_len: int = 1,
    *,
    project: Optional[str] = None,
    dir: Optional[str] = None,
    quiet: Optional[bool] = None,
) -> str:
    """Start the global experiment and return its id; prints its URL.

    A second ``setup`` while one is open keeps the open one and returns its id.

    Example:
        >>> import tally.tora as tora
        >>> tora.setup("mnist-baseline", hyperparams={"lr": 0.001})
        >>> tora.tlog("loss", 0.5, step=0)
        >>> tora.shutdown()
    """
    global _session
    open_client = _current()
    if open_client is not None:
        print(
            f"tora: setup() called again; experiment {open_client.experiment_id} stays the current one "
            "(call shutdown() first to start another)",
            file=sys.stderr,
        )
        return open_client.experiment_id
    _session = Tora.create_experiment(
        name,
        workspace_id=workspace_id,
        description=description,
        hyperparams=hyperparams,
        tags=tags,
        max_buffer_len=max_buffer_len,
        api_key=api_key,
        server_url=server_url,
        project=project,
        dir=dir,
        quiet=quiet,
    )
    return _session.experiment_id


def tlog(name: str, value: Union[float, int], step: Optional[int] = None, metadata: Optional[dict] = None) -> None:
    """Log a metric into the global experiment.

    Example:
        >>> tlog("val/acc", 0.91, 10, {"split": "val"})
    """
    _need("tlog()").log(name, value, step, metadata)


def tresult(name: str, value: Union[float, int]) -> None:
    """Record a result of the global experiment.

    Example:
        >>> tresult("test_acc", 0.97)
    """
    _need("tresult()").result(name, value)


def flush() -> None:
    """Send what the global experiment has buffered; does nothing before ``setup``.

    Example:
        >>> flush()
    """
    client = _current()
    if client is not None:
        client.flush()


def shutdown() -> None:
    """Flush and finish the global experiment; does nothing when there is none.

    Example:
        >>> shutdown()
    """
    global _session
    client, _session = _session, None
    if client is not None:
        client.shutdown()


def is_initialized() -> bool:
    """Whether ``setup`` started an experiment that is still open.

    Example:
        >>> if not is_initialized(): setup("run")
    """
    return _current() is not None


def get_experiment_id() -> Optional[str]:
    """The global experiment's id, or None.

    Example:
        >>> print(get_experiment_id())
    """
    client = _current()
    return client.experiment_id if client is not None else None


def get_experiment_url() -> Optional[str]:
    """The global experiment's page, or None.

    Example:
        >>> print(get_experiment_url())
    """
    client = _current()
    return client.url if client is not None else None
