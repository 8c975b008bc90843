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
from .records import MAGIC
from .sender import Sender
from .sidecar import Sidecar, write_sidecar
from .sync import sync_spool
from .target import RemoteTarget, check_server_url, check_workspace, remote_target, run_url

__all__ = [
    "RemoteTarget", "Sender", "check_server_url", "check_workspace", "remote_target", "run_url",
    "start_sender", "sync_spool",
]


def start_sender(run: Any, target: RemoteTarget, writer_id: str, spool_path: str,
                 on_error: Optional[Callable[[TallyError], None]] = None) -> Sender:
    """Start shipping ``spool_path`` (the run's writer file) to ``target`` in the background.

    The sidecar is written before the first send, so the spool records which server and
    workspace this writer's records belong to even if the process dies at once. Errors go
    to ``on_error``, else to the run's ``_report`` hook when it has one, else to stderr once
    per error code (unless the run is quiet).

    Example::

        sender = start_sender(run, target, writer_id, path)
        ok = sender.flush(timeout=30)
    """
    write_sidecar(spool_path, Sidecar(target.server_url, target.workspace, 0, len(MAGIC)))
    report = on_error or getattr(run, "_report", None) or _warn_once(run)
    return Sender(spool_path, writer_id, target, on_error=report).start()


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
