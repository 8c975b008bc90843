"""Remote mode: the run spools locally exactly as in local mode, and a background sender
ships the writer's records to a Tally server (docs/wire-format.md).

Example::

    sender = start_sender(run, target, writer_id, spool_path)
    sender.wake()            # new records were committed
    sender.flush(30)         # True once the server has them all
    sender.stop(5)
"""
from __future__ import annotations

import sys
import threading
from typing import Any, Callable, Optional

from ..errors import TallyError
from .http import message_of
from .records import MAGIC, last_seq
from .sender import Sender
from .sidecar import Sidecar, write_sidecar
from .resume import resolve_remote
from .sync import sync_spool
from .target import RemoteTarget, check_server_url, check_workspace, remote_target, run_url

__all__ = [
    "RemoteTarget", "Sender", "check_server_url", "check_workspace", "remote_target", "run_url",
    "RunSender", "resolve_remote", "start_sender", "sync_spool",
]


# How long a run's flush() or finish() waits for the server when given no timeout (as TS finishTimeoutMs).
DEFAULT_FLUSH_TIMEOUT_S = 30.0


class RunSender(Sender):
    """The sender of a live run. ``flush()`` without a timeout waits at most
    DEFAULT_FLUSH_TIMEOUT_S; when the server stays away, it says how many records stay in the
    spool (once per flush, through the run's error reporting; not for ``timeout=0``, which
    waits for nothing) and returns False."""

    def __init__(self, run: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._run = run

    def flush(self, timeout: Optional[float] = None) -> bool:
        limit = DEFAULT_FLUSH_TIMEOUT_S if timeout is None else timeout
        ok = super().flush(limit)
        # flush(timeout=0) only writes the spool and nudges the sender (log_artifact does it): not waiting is no outage.
        if not ok and limit > 0:
            self._tell_undelivered(f"within {limit:g} s")
        return ok

    def stop(self, timeout: Optional[float] = None) -> None:
        super().stop(5.0 if timeout is None else timeout)

    def _tell_undelivered(self, when: str) -> None:
        try:
            missing = last_seq(self.path) - self.acked_seq
        except OSError:
            return
        if missing <= 0:
            return
        error = self.error
        why = f": the server refused them ({error.code})" if error is not None else f" {when}"
        run_id = getattr(self._run, "id", "?")
        where = getattr(self._run, "url", None) or self.target.server_url
        tally_dir = getattr(self._run, "dir", None) or "the spool"
        told = TallyError(error.code if error is not None else "server_unreachable", (
            f"run {run_id}: {missing} spool record(s) did not reach {where}{why}; they stay in the spool under "
            f"{tally_dir}, and `tally sync` sends them"))
        # Past the run's once-per-30-s filter, as TS's tell(): the outage was told already, this is its outcome.
        handler = getattr(self._run, "_on_error", None)
        if handler is None:
            self._tell(told)
            return
        try:
            handler(told)
        except Exception:  # noqa: BLE001 - a throwing handler must not break flush
            pass


def start_sender(run: Any, target: RemoteTarget, writer_id: str, spool_path: str,
                 on_error: Optional[Callable[[TallyError], None]] = None) -> RunSender:
    """Start shipping ``spool_path`` (the run's writer file) to ``target`` in the background.

    The sidecar is written before the first send, so the spool records which server and
    workspace this writer's records belong to even if the process dies at once. The run's
    ``url`` is set to its page on the dashboard and printed unless the run is quiet. Errors
    go to ``on_error``, else to the run's ``_report`` hook, else to stderr once per code.

    Example::

        sender = start_sender(run, target, writer_id, path)
        ok = sender.flush(timeout=30)
    """
    write_sidecar(spool_path, Sidecar(target.server_url, target.workspace, 0, len(MAGIC)))
    if run is not None and getattr(run, "project", None) and getattr(run, "id", None):
        run.url = run_url(target, run.project, run.id)
        if not getattr(run, "_quiet", False):
            sys.stderr.write(f"tally: logging to {run.url}\n")
    report = on_error or getattr(run, "_report", None) or _warn_once(run)
    return RunSender(run, spool_path, writer_id, target, on_error=report).start()


def _warn_once(run: Any) -> Callable[[TallyError], None]:
    told = set()
    lock = threading.Lock()

    def warn(error: TallyError) -> None:
        code = getattr(error, "code", "")
        with lock:
            if code in told or getattr(run, "_quiet", False):
                return
            told.add(code)
        sys.stderr.write(f"tally: {message_of(error)}\n")

    return warn
