"""Append records to one spool file: ``<dir>/spool/<run id>/<writer id>.tsp``."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List

from ..errors import TallyError
from .codec import encode_event, encode_header, encode_points, split_points
from .format import MAX_BODY_BYTES, RUN_INDEX_FILE, SPOOL_FILE_SUFFIX, PointsBatch


def spool_dir(tally_dir: str) -> str:
    return os.path.join(tally_dir, "spool")


def _pwrite(fd: int, data: memoryview, offset: int) -> int:
    if hasattr(os, "pwrite"):
        return os.pwrite(fd, data, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # Windows has no pwrite; one thread writes a file at a time
    return os.write(fd, data)


class SpoolWriter:
    """One writer per process and run, so writers never share a file and need no locks.

    Records are encoded when queued and written by :meth:`commit`. A failed write keeps the
    queued records and truncates any partial record away, so the next commit retries cleanly
    and the file never holds garbage between whole records. Not thread-safe: the run holds a
    lock around it.

    Example::

        w = SpoolWriter("/tmp/t", "run1", "w" * 16)
        w.event({"type": "heartbeat", "at": 1})
        w.commit()
        w.close()
    """

    def __init__(self, tally_dir: str, run_id: str, writer_id: str, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        # The largest record body this writer makes: the format's 256 MiB; smaller in tests.
        self.max_body_bytes = max_body_bytes
        run_dir = os.path.join(spool_dir(tally_dir), run_id)
        try:
            os.makedirs(run_dir, exist_ok=True)
            self.path = os.path.join(run_dir, writer_id + SPOOL_FILE_SUFFIX)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
            self._fd = os.open(self.path, flags, 0o644)
        except OSError as e:
            raise TallyError("spool_io", f"cannot create a spool file under {run_dir}: {e}; check that the directory is writable") from e
        self._seq = 0
        self._pending: List[bytes] = []
        self._committed = 0
        self._closed = False
        self._dirty = False
        header = encode_header()
        self._pending.append(header)
        self.commit()

    @property
    def pending_records(self) -> int:
        return len(self._pending)

    @property
    def last_seq(self) -> int:
        """Sequence number of the last record queued."""
        return self._seq

    @property
    def closed(self) -> bool:
        return self._closed

    def event(self, event: Dict[str, Any]) -> None:
        # Encode first: an event that cannot be encoded must not use up a sequence number.
        record = encode_event(self._seq + 1, event, self.max_body_bytes)
        self._seq += 1
        self._pending.append(record)

    def points(self, batch: PointsBatch) -> None:
        """Queue ``batch`` as one points record, or as several when it is larger than one record may
        be. All are encoded before any is queued: when encoding raises, nothing was queued."""
        parts = split_points(batch, self.max_body_bytes)
        records = [encode_points(self._seq + 1 + i, part, self.max_body_bytes) for i, part in enumerate(parts)]
        self._seq += len(records)
        self._pending.extend(records)

    def commit(self) -> None:
        """Write every queued record. Raises ``spool_io`` (records stay queued) when the write fails."""
        if self._closed:
            raise TallyError("spool_io", f"spool file {self.path} is closed")
        while self._pending:
            buf = memoryview(self._pending[0])
            written = 0
            try:
                while written < len(buf):
                    written += _pwrite(self._fd, buf[written:], self._committed + written)
            except OSError as e:
                if written > 0:
                    try:
                        os.ftruncate(self._fd, self._committed)
                    except OSError:
                        pass  # the next successful write starts at `committed` and overwrites the torn bytes
                raise TallyError(
                    "spool_io", f"could not write to {self.path}: {e}; Tally keeps the data in memory and retries"
                ) from e
            self._committed += len(buf)
            self._pending.pop(0)
            self._dirty = True

    def sync(self) -> None:
        """Ask the OS to put what was written on disk, so it survives a power cut too."""
        if self._closed or not self._dirty:
            return
        self._dirty = False
        try:
            (getattr(os, "fdatasync", None) or os.fsync)(self._fd)
        except OSError:
            pass  # the bytes are in the page cache: a process crash loses nothing; retried next time

    def abandon(self) -> None:
        """Forget the file without writing to it: what a forked child does with its parent's
        writer, whose file and offsets stay the parent's."""
        if self._closed:
            return
        self._closed = True
        self._pending = []
        try:
            os.close(self._fd)
        except OSError:
            pass

    def close(self) -> None:
        """Commit, sync and close. Safe to call twice."""
        if self._closed:
            return
        self.commit()
        self.sync()
        self._closed = True
        os.close(self._fd)


def write_run_index(tally_dir: str, index: Dict[str, Any]) -> None:
    """Write ``run.json`` atomically beside a run's spool files (temporary file, then rename)."""
    run_dir = os.path.join(spool_dir(tally_dir), index["id"])
    try:
        os.makedirs(run_dir, exist_ok=True)
        tmp = os.path.join(run_dir, f".{RUN_INDEX_FILE}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(index, separators=(",", ":"), ensure_ascii=False) + "\n")
        os.replace(tmp, os.path.join(run_dir, RUN_INDEX_FILE))
    except OSError as e:
        raise TallyError("spool_io", f"cannot write {RUN_INDEX_FILE} under {run_dir}: {e}; check that the directory is writable") from e
