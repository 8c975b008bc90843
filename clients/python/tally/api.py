"""The module-level API: ``tally.init`` and the functions that act on the current run (``api.ts``)."""
from __future__ import annotations

from typing import Any, Iterator, Mapping, Optional

from .errors import TallyError
from .run import Run

_current: Optional[Run] = None


def init(
    project: Optional[str] = None,
    name: Optional[str] = None,
    *,
    id: Optional[str] = None,
    config: Any = None,
    group: Optional[str] = None,
    tags: Any = None,
    description: Optional[str] = None,
    resume: Optional[str] = None,
    dir: Optional[str] = None,
    server_url: Optional[str] = None,
    api_key: Optional[str] = None,
    workspace: Optional[str] = None,
    capture: Any = None,
    quiet: Optional[bool] = None,
    **advanced: Any,
) -> Run:
    """Start a run (or resume one) and make it the current run of the module-level functions.

    ``resume``: ``'never'`` (default) always creates a run (``run_exists`` if ``id`` is taken);
    ``'allow'`` resumes the run with this id, or the latest with this name, or creates one;
    ``'must'`` resumes it or raises ``run_not_found``. A resumed run continues at its last step + 1.

    Example::

        import tally
        run = tally.init(project="mnist", name="baseline", config={"lr": 1e-3})
        run.log({"loss": 0.5})
        run.finish()
    """
    global _current
    _current = Run(
        project,
        name,
        id=id,
        config=config,
        group=group,
        tags=tags,
        description=description,
        resume=resume,
        dir=dir,
        server_url=server_url,
        api_key=api_key,
        workspace=workspace,
        capture=capture,
        quiet=quiet,
        **advanced,
    )
    return _current


def current_run() -> Optional[Run]:
    """The current run, or None before ``init`` and after ``finish``."""
    return _current if _current is not None and not _current.finished else None


def _need(what: str) -> Run:
    run = current_run()
    if run is None:
        raise TallyError("no_active_run", f"tally.{what} needs a run: call tally.init(project='…') first")
    return run


def log(data: Mapping[str, Any], step: Optional[int] = None, **options: Any) -> None:
    """Log metrics into the current run.

    Example::

        tally.log({"loss": 0.1, "acc": 0.9})
    """
    _need("log").log(data, step, **options)


def result(key: str, value: float) -> None:
    """Record a result (e.g. test accuracy) on the current run.

    Example::

        tally.result("test_acc", 0.97)
    """
    _need("result").result(key, value)


def flush(timeout: Optional[float] = None) -> bool:
    """Return when everything logged into the current run is in the spool.

    Example::

        tally.flush()
    """
    return _need("flush").flush(timeout)


def finish(status: Optional[str] = None, exit_code: Optional[int] = None, **options: Any) -> None:
    """Finish the current run; does nothing when there is none.

    Example::

        tally.finish()
    """
    run = current_run()
    if run is not None:
        run.finish(status, exit_code, **options)


class _Forward:
    """``tally.config`` / ``tally.summary``: the current run's, as in wandb."""

    def __init__(self, what: str) -> None:
        object.__setattr__(self, "_what", what)

    def _target(self) -> Any:
        return getattr(_need(self._what), self._what)

    def __getitem__(self, key: str) -> Any:
        return self._target()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._target()[key] = value

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        return getattr(self._target(), key)

    def __setattr__(self, key: str, value: Any) -> None:
        setattr(self._target(), key, value)

    def __contains__(self, key: object) -> bool:
        return key in self._target()

    def __iter__(self) -> Iterator[str]:
        return iter(self._target())

    def __len__(self) -> int:
        return len(self._target())

    def __repr__(self) -> str:
        run = current_run()
        return repr(getattr(run, self._what)) if run is not None else f"<tally.{self._what}: no active run>"


config = _Forward("config")
summary = _Forward("summary")
