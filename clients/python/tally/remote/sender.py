"""Ships one writer's spool file to a Tally server, in order, and never loses or duplicates a
record (docs/wire-format.md). The spool is written first and stays the source of truth: the
sender only follows it, so logging never waits on the network, and whatever the server has
not acknowledged is still on disk for the next try, the next process or ``tally sync``.

Mirrors packages/sdk/src/remote/sender.ts, on one daemon thread.
"""
from __future__ import annotations

import math
import os
import threading
import time
from typing import Callable, Dict, Optional, Union

from ..errors import TallyError
from .backoff import backoff_delay
from .blob_upload import artifact_blobs, upload_blobs
from .http import Answer, Client, error_details, message_of, writer_path
from .records import FILE_START, FilePosition, RecordSlice, find_offset, read_slice, seq_at
from .sidecar import Sidecar, is_count, read_sidecar, sidecar_hint, write_sidecar
from .target import RemoteTarget

# Batches stay well under the server's body limit (64 MiB by default).
MAX_BATCH_BYTES = 4 * 1024 * 1024
# A request that timed out is retried with half the batch, down to this: a slow uplink still moves.
MIN_TIMEOUT_BATCH_BYTES = 64 * 1024
# While someone waits in flush(), a long backoff would outlast them: retry at least this often.
WAITING_RETRY_S = 2.0

# What the loop does after a step; a TallyError means: try again after a backoff.
_AGAIN, _IDLE, _STOPPED = "again", "idle", "stopped"
_Next = Union[str, TallyError]


class Sender:
    """Follows a spool file and POSTs the records after the server's acknowledged seq. Call
    :meth:`wake` when new records were committed; the sender never polls. Its thread is a
    daemon: it never keeps the process alive by itself.

    Example::

        sender = Sender(path, writer_id, target, on_error=print)
        sender.start()
        writer.commit(); sender.wake()
        sender.flush(30)      # True once the server acknowledged every record in the file
        sender.stop()
    """

    def __init__(self, path: str, writer_id: str, target: RemoteTarget, *,
                 on_error: Optional[Callable[[TallyError], None]] = None,
                 max_retries: Optional[int] = None,
                 max_batch_bytes: int = MAX_BATCH_BYTES,
                 blobs: Optional[str] = None) -> None:
        self.path = path
        self.writer_id = writer_id
        self.target = target
        self.on_error = on_error
        self.max_retries = max_retries
        self.max_batch_bytes = max_batch_bytes
        # Artifacts' files are in `blobs` of the Tally directory holding <dir>/spool/<run>/<writer>.tsp.
        self.blobs = blobs or os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(path))), "blobs")
        #: Records and points the server newly stored from this sender (replays not counted).
        self.sent: Dict[str, int] = {"records": 0, "points": 0}
        self._client = Client(target)
        self._acked = 0
        self._position: Optional[FilePosition] = None
        self._batch_bytes = max_batch_bytes
        self._failures = 0
        self._gaps_in_a_row = 0
        self._relocated = False
        self._woken = False
        self._hurry = False
        self._waiting = 0
        self._stopped = False
        self._error: Optional[TallyError] = None
        self._known_blobs: set = set()
        self._cv = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name=f"tally-sender-{writer_id}", daemon=True)

    def start(self) -> "Sender":
        self._thread.start()
        return self

    @property
    def acked_seq(self) -> int:
        """The highest seq the server acknowledged."""
        return self._acked

    @property
    def error(self) -> Optional[TallyError]:
        """Why the sender stopped on its own (a refusal, or max_retries used up); else None."""
        return self._error

    @property
    def stopped(self) -> bool:
        return self._stopped

    def wake(self) -> None:
        """New records are in the file: send them. Cheap; never waits."""
        with self._cv:
            self._woken = True
            self._cv.notify_all()

    def delivered(self, seq: int, timeout: Optional[float] = None) -> bool:
        """True once the server acknowledged ``seq``; False when ``timeout`` seconds (None: no
        limit) passed first or the sender stopped."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cv:
            if self._acked >= seq:
                return True
            # Someone is waiting: try now rather than at the end of a long backoff.
            self._waiting += 1
            self._woken = self._hurry = True
            self._cv.notify_all()
            try:
                while self._acked < seq and not self._stopped:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        break
                    self._cv.wait(left)
                return self._acked >= seq
            finally:
                self._waiting -= 1

    def flush(self, timeout: Optional[float] = None) -> bool:
        """True once the server acknowledged every whole record now in the spool file."""
        try:
            # From the last acknowledged position: a long run's file is not walked from its start.
            end = find_offset(self.path, math.inf, self._position or FILE_START).seq
        except OSError:
            return False
        return self.delivered(end, timeout)

    def stop(self, timeout: Optional[float] = None) -> None:
        """Stop sending; a request in flight is cut. What is unsent stays in the spool."""
        with self._cv:
            already = self._stopped
            self._stopped = True
            self._cv.notify_all()
        if not already:
            self._client.abort()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._client.close()

    # The loop, on the sender's thread.

    def _loop(self) -> None:
        while not self._stopped:
            try:
                nxt = self._locate() if self._position is None else self._send_next(self._position)
            except OSError as e:
                nxt = self._fail(TallyError(
                    "spool_io", f"cannot read {self.path}: {e}; its records wait for `tally sync`"))
            except Exception as e:  # noqa: BLE001 - a bug here must never kill the run silently
                nxt = self._fail(TallyError("spool_io", f"the sender of {self.path} failed: {e!r}; its records wait for `tally sync`"))
            if self._stopped:
                break
            if nxt == _IDLE:
                self._idle()
            elif isinstance(nxt, TallyError):
                self._retry_later(nxt)

    def _locate(self) -> _Next:
        """Ask the server where this writer stands; 404 means it has nothing yet."""
        answer = self._client.request("GET", writer_path(self.target.workspace, self.writer_id))
        if answer.kind == "retry":
            return answer.error
        if answer.kind == "refused" and answer.status != 404:
            return self._fail(refusal(self.target, self.writer_id, answer.error))
        acked = answer.body.get("ackedSeq") if answer.kind == "ok" else 0
        acked = acked if is_count(acked) else 0
        self._position = self._position_after(acked)
        self._acknowledged(acked)
        return _AGAIN

    def _send_next(self, at: FilePosition) -> _Next:
        with self._cv:
            self._woken = False
        piece = read_slice(self.path, at.offset, self._batch_bytes)
        if piece.count == 0:
            if piece.damaged:
                return self._fail(TallyError("spool_format", (
                    f"{self.path} is damaged after seq {at.seq} ({piece.damaged}); the records after it cannot be sent")))
            return _IDLE
        # An artifact's bytes reach the server before the manifest that names them.
        blobs = artifact_blobs(piece.data)
        if blobs:
            problem = upload_blobs(self._client, self.blobs, blobs, self._known_blobs, self._tell)
            if problem is not None:
                return problem
        answer = self._client.request(
            "POST", writer_path(self.target.workspace, self.writer_id) + "/records", body=piece.data)
        if answer.kind == "retry":
            if answer.timed_out:
                self._batch_bytes = max(MIN_TIMEOUT_BATCH_BYTES, len(piece.data) >> 1)
            return answer.error
        if answer.kind == "refused":
            return self._refused(answer, piece)
        return self._accepted(answer.body, at, piece)

    def _accepted(self, body: dict, at: FilePosition, piece: RecordSlice) -> _Next:
        acked = body.get("ackedSeq")
        acked = acked if is_count(acked) else at.seq
        if acked <= at.seq:
            # Resending would get the same answer forever; back off as from any failure.
            return TallyError("server_unreachable", (
                f"{self.target.server_url} took records after seq {at.seq} but acknowledged only {acked}"))
        applied, points = body.get("applied"), body.get("points")
        self.sent["records"] += applied if is_count(applied) else 0
        self.sent["points"] += points if is_count(points) else 0
        if acked == piece.last_seq:
            position = FilePosition(at.offset + len(piece.data), acked)
        else:
            position = self._position_after(acked)
        self._position = position
        # Grow back towards full batches after a 413 or a timeout made them smaller.
        self._batch_bytes = min(self.max_batch_bytes, self._batch_bytes * 2)
        self._failures = 0
        self._gaps_in_a_row = 0
        self._relocated = False
        self._save_hint(position)
        self._acknowledged(acked)
        return _AGAIN

    def _save_hint(self, position: FilePosition) -> None:
        """The sidecar is only a hint: when it cannot be written, the next start walks the file."""
        try:
            write_sidecar(self.path, Sidecar(self.target.server_url, self.target.workspace, position.seq, position.offset))
        except OSError:
            pass

    def _refused(self, answer: Answer, piece: RecordSlice) -> _Next:
        error = answer.error
        code = getattr(error, "code", "")
        acked = error_details(error).get("ackedSeq")
        if code == "seq_gap" and is_count(acked):
            # The server has less than we sent from (a lost write, a restored backup): resend
            # from the record after its ackedSeq. Twice in a row means something is off: back off.
            self._position = self._position_after(acked)
            self._acknowledged(acked)
            self._gaps_in_a_row += 1
            return error if self._gaps_in_a_row > 1 else _AGAIN
        if answer.status == 413:
            if piece.count > 1:
                # Halve until the batch fits; a batch always holds at least one whole record.
                self._batch_bytes = len(piece.data) >> 1
                return _AGAIN
            # One record over the limit: giving up would strand every record after it.
            return TallyError("payload_too_large", (
                f"a spool record of {len(piece.data)} bytes is over {self.target.server_url}'s body limit "
                f"({message_of(error)}); raise the server's --body-limit, or its proxy's"))
        if code == "spool_format" and not self._relocated:
            # The server may have lost this writer altogether (a new database): ask it again.
            self._relocated = True
            self._position = None
            return _AGAIN
        return self._fail(refusal(self.target, self.writer_id, error))

    def _position_after(self, seq: int) -> FilePosition:
        """Just past record ``seq``: from the last position or the sidecar's hint when the
        record there is the next one (or the file ends there), else walking from the start."""
        known = self._position if self._position is not None and self._position.seq <= seq else None
        hint = known or sidecar_hint(read_sidecar(self.path), self.target.server_url, self.target.workspace)
        start = FILE_START
        if hint is not None and hint.seq <= seq:
            nxt = seq_at(self.path, hint.offset)
            if nxt == hint.seq + 1 or nxt == "end":
                start = hint
        return find_offset(self.path, seq, start)

    def _acknowledged(self, seq: int) -> None:
        with self._cv:
            self._acked = seq
            self._cv.notify_all()

    def _retry_later(self, problem: TallyError) -> None:
        if self.max_retries is not None and self._failures >= self.max_retries:
            self._fail(problem)
            return
        if self._failures == 0:
            self._tell(TallyError(getattr(problem, "code", "server_unreachable"), (
                f"{message_of(problem)}; logging goes on into the spool, and sending is retried by itself")))
        delay = backoff_delay(self._failures)
        self._failures += 1
        deadline = time.monotonic() + delay
        with self._cv:
            self._hurry = False
            while not self._stopped:
                # Someone waits in flush(): retry at least every WAITING_RETRY_S.
                limit = deadline if self._waiting == 0 else min(deadline, time.monotonic() + WAITING_RETRY_S)
                left = limit - time.monotonic()
                if left <= 0 or self._hurry:
                    break
                self._cv.wait(left)
            self._hurry = False

    def _idle(self) -> None:
        """Wait for wake(), unless one came since the last read began."""
        with self._cv:
            while not self._woken and not self._stopped:
                self._cv.wait()

    def _fail(self, error: TallyError) -> str:
        if not self._stopped:
            self._error = error
            self._tell(error)
            with self._cv:
                self._stopped = True
                self._cv.notify_all()
        return _STOPPED

    def _tell(self, error: TallyError) -> None:
        """Tell the owner; a handler that raises must not break the sending loop."""
        if self.on_error is None:
            return
        try:
            self.on_error(error)
        except Exception:  # noqa: BLE001 - reported or not, the records wait in the spool
            pass


def refusal(target: RemoteTarget, writer_id: str, error: Optional[TallyError]) -> TallyError:
    """A server's refusal, saying what happens to the records and what to do."""
    code = getattr(error, "code", "invalid_request")
    hint = ("check api_key (TALLY_API_KEY): it must be a writer key of this workspace"
            if code in ("unauthorized", "forbidden") else "fix the cause")
    return TallyError(code, (
        f"{target.server_url} refused the records of writer {writer_id} ({code}: {message_of(error)}); "
        f"they stay in the spool: {hint}, then run `tally sync`"), error_details(error) or None)
