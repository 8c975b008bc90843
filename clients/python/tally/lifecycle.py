"""Process-wide hooks that keep "nothing logged is lost" when a script ends without ``finish()``.

At a normal exit every open run is finished; on an uncaught exception (KeyboardInterrupt, from
Ctrl-C, included) it is marked failed with the reason; SIGTERM is turned into ``SystemExit`` so
the script's ``finally`` blocks run and the runs are then ended as failed. ``sys.exit(n)`` with a
non-zero ``n`` (or a message) ends them failed with that exit code, as a non-zero exit does in TS:
``sys.exit`` is wrapped to note the code, since an ``atexit`` hook cannot see it. Its limits: a
``raise SystemExit(n)`` written out bypasses the wrapper (the run ends ``finished``), and a
``sys.exit(n)`` whose ``SystemExit`` the script catches and swallows still counts when the script
later ends normally. A SIGKILL cannot be caught: such a run reads as crashed once its heartbeat is
stale.
"""
from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from typing import Any, Callable, List, Optional, Tuple

_active: List[Any] = []
_drains: List[Callable[[], None]] = []
_installed = False
_failure: Optional[str] = None
_exit_code: Optional[int] = None
_previous_excepthook = sys.excepthook
_previous_sigterm: Any = None
_previous_exit: Any = sys.exit
# What the main thread last passed to sys.exit: (error, exit code) of a non-zero exit, else None.
_sys_exit: Optional[Tuple[str, int]] = None


def track(run: Any) -> None:
    if run not in _active:
        _active.append(run)
    _install()


def untrack(run: Any) -> None:
    if run in _active:
        _active.remove(run)


def active_runs() -> List[Any]:
    """The runs not yet finished, oldest first."""
    return list(_active)


def before_end(drain: Callable[[], None]) -> Callable[[], None]:
    """Call ``drain`` before open runs are ended at the process's end, so values a facade still holds
    reach its run (Tora's buffer). Returns the function that unregisters it.

    Example::

        unregister = tally.lifecycle.before_end(lambda: my_buffer.flush())
    """
    _drains.append(drain)
    _install()
    return lambda: _drains.remove(drain) if drain in _drains else None


def _drain_all() -> None:
    for drain in list(_drains):
        try:
            drain()
        except Exception:  # noqa: BLE001 - one facade's failure must not keep the runs from ending
            pass


def finish_all(status: str, error: Optional[str] = None, exit_code: Optional[int] = None) -> None:
    """End every open run of this process: what the hooks below do."""
    _drain_all()
    for run in list(_active):
        try:
            run._end_at_exit(status, error, exit_code)
        except Exception as e:  # noqa: BLE001 - the others must still be ended
            sys.stderr.write(f"tally: could not finish run {getattr(run, 'id', '?')}: {e}\n")


def _at_exit() -> None:
    if _failure is not None:
        finish_all("failed", _failure, _exit_code)
    elif _sys_exit is not None:
        finish_all("failed", _sys_exit[0], _sys_exit[1])
    else:
        finish_all("finished")


def _exit(status: Any = None) -> None:
    """``sys.exit`` while Tally is installed: notes a failing exit, then exits as sys.exit does."""
    global _sys_exit
    if threading.current_thread() is threading.main_thread():  # elsewhere it only ends a thread
        _sys_exit = _failing_exit(status)
    _previous_exit(status)


def _failing_exit(status: Any) -> Optional[Tuple[str, int]]:
    # As the interpreter reads SystemExit's code: None and 0 succeed, another int is the exit
    # status, anything else is printed and exits 1.
    if status is None:
        return None
    if isinstance(status, int):
        return None if status == 0 else (f"sys.exit({int(status)})", int(status))
    return (str(status), 1)


def _excepthook(kind: Any, value: Any, tb: Any) -> None:
    global _failure, _exit_code
    if issubclass(kind, KeyboardInterrupt):
        _failure = "interrupted by SIGINT"
    elif _failure is None:
        _failure = f"{kind.__name__}: {value}"
        _exit_code = 1
    finish_all("failed", _failure, _exit_code)
    _previous_excepthook(kind, value, tb)


def _on_sigterm(signum: int, frame: Any) -> None:
    global _failure
    _failure = "interrupted by SIGTERM"
    previous = _previous_sigterm
    if callable(previous):
        previous(signum, frame)
        return
    # Unwinding the main thread runs the script's finally blocks and releases what it holds;
    # atexit then ends the runs as failed. 143 is what a shell reports for SIGTERM.
    raise SystemExit(128 + signum)


def _forget_in_child() -> None:
    # A forked child (a DataLoader worker) must never write its parent's files: each run gives
    # up the parent's file and, if the child logs, writes a file of its own. The runs stay
    # tracked so that the child's exit writes what it logged and ends its own writer (a child
    # that logged nothing writes nothing).
    # The facades' buffers registered before the fork are the parent's to hand over: drained
    # in the child too, their values would be logged twice.
    del _drains[:]
    for run in list(_active):
        try:
            run._after_fork_in_child()
        except Exception:  # noqa: BLE001 - a run that cannot follow the fork is dropped from the child
            _active.remove(run)


def _install() -> None:
    global _installed, _previous_excepthook, _previous_sigterm, _previous_exit
    if _installed:
        return
    _installed = True
    atexit.register(_at_exit)
    _previous_excepthook = sys.excepthook
    sys.excepthook = _excepthook
    _previous_exit = sys.exit
    sys.exit = _exit
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_forget_in_child)
    if threading.current_thread() is threading.main_thread():
        try:
            previous = signal.getsignal(signal.SIGTERM)
            if previous != signal.SIG_IGN:
                _previous_sigterm = previous
                signal.signal(signal.SIGTERM, _on_sigterm)
        except (ValueError, OSError, AttributeError):
            pass  # not the main interpreter, or no SIGTERM on this platform
