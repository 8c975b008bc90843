"""Read spool files as ``packages/sdk/src/spool/reader.ts`` does: whole records, a torn tail ignored."""
from __future__ import annotations

import json
import os
import struct
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

from ..errors import TallyError
from .codec import decode_records, has_magic
from .format import (
    BODY_HEADER_BYTES,
    KIND_EVENT,
    KIND_POINTS,
    MAGIC,
    RECORD_HEADER_BYTES,
    RUN_INDEX_FILE,
    SPOOL_FILE_SUFFIX,
    SpoolRecord,
    counts_as_step,
)

DEFAULT_READ_BYTES = 16 * 1024 * 1024


class SpoolFileRead(NamedTuple):
    records: List[SpoolRecord]
    next_offset: int
    size: int
    stop: Optional[str]
    detail: Optional[str]


def read_spool_file(path: str, offset: int = 0, max_bytes: int = DEFAULT_READ_BYTES) -> SpoolFileRead:
    """Whole records from ``offset`` (0, or a ``next_offset`` of an earlier read).

    Example::

        read = read_spool_file(path)
        for record in read.records: print(record.seq, record.kind)
    """
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        start = offset
        if start == 0:
            if size < len(MAGIC):
                return SpoolFileRead([], 0, size, "incomplete", None)
            if not has_magic(f.read(len(MAGIC))):
                raise TallyError("spool_format", f"{path} is not a Tally spool file (bad magic); move it out of the spool directory")
            start = len(MAGIC)
        if start >= size:
            return SpoolFileRead([], start, size, None, None)
        f.seek(start)
        buf = f.read(min(max_bytes, size - start))
        records, consumed, stop, detail = decode_records(buf)
        if not records and stop == "incomplete" and len(buf) >= RECORD_HEADER_BYTES:
            need = RECORD_HEADER_BYTES + int.from_bytes(buf[:4], "little")
            if start + need <= size:
                f.seek(start)
                buf = f.read(need)
                records, consumed, stop, detail = decode_records(buf)
    if stop == "incomplete" and start + len(buf) < size:
        stop = None  # mid-file this only means the read budget ran out
    return SpoolFileRead(records, start + consumed, size, stop, detail if stop else None)


def iter_spool_file(path: str) -> Iterator[SpoolRecord]:
    """Every whole, valid record of a spool file, in order."""
    offset = 0
    while True:
        read = read_spool_file(path, offset)
        yield from read.records
        if read.stop or read.next_offset >= read.size or read.next_offset == offset:
            return
        offset = read.next_offset


def read_run_index(run_dir: str) -> Optional[Dict[str, Any]]:
    """``run.json`` of a run directory, or None when it is missing or unreadable."""
    try:
        with open(os.path.join(run_dir, RUN_INDEX_FILE), encoding="utf-8") as f:
            parsed = json.load(f)
    except (OSError, ValueError):
        return None
    if isinstance(parsed, dict) and isinstance(parsed.get("id"), str) and isinstance(parsed.get("project"), str):
        return parsed
    return None


def spool_files(run_dir: str) -> List[str]:
    try:
        names = os.listdir(run_dir)
    except OSError:
        return []
    return sorted(os.path.join(run_dir, n) for n in names if n.endswith(SPOOL_FILE_SUFFIX))


def scan_run_spool(run_dir: str) -> int:
    """The highest step of any writer's points but system metrics', or -1: where a resume continues."""
    last = -1
    for path in spool_files(run_dir):
        for record in iter_spool_file(path):
            if record.kind != KIND_POINTS or record.points is None:
                continue
            p = record.points
            counting = [counts_as_step(k) for k in p.keys]
            k = 0
            for r, step in enumerate(p.steps):
                end = k + p.counts[r]
                if step > last and any(counting[p.key_index[i]] for i in range(k, end)):
                    last = int(step)
                k = end
    return last


def read_spool_events(path: str) -> List[Tuple[int, Dict[str, Any]]]:
    """``(seq, event)`` of each event record of a spool file, stepping over points records by
    their length without reading them: finding a run's artifacts in gigabytes of points reads a
    few kilobytes. Stops quietly at a damaged or unfinished tail, as ingest does. Mirrors
    ``readSpoolEvents`` of ``packages/sdk/src/spool/reader.ts``.

    Example::

        artifacts = [e for _, e in read_spool_events(path) if e["type"] == "artifact"]
    """
    out: List[Tuple[int, Dict[str, Any]]] = []
    head_bytes = RECORD_HEADER_BYTES + BODY_HEADER_BYTES
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < len(MAGIC) or not has_magic(f.read(len(MAGIC))):
            return out
        offset = len(MAGIC)
        while offset + head_bytes <= size:
            f.seek(offset)
            head = f.read(head_bytes)
            if len(head) < head_bytes:
                break
            (length,) = struct.unpack_from("<I", head, 0)
            end = offset + RECORD_HEADER_BYTES + length
            if length < BODY_HEADER_BYTES or length % 8 != 0 or end > size:
                break
            if head[RECORD_HEADER_BYTES + 8] == KIND_EVENT:
                f.seek(offset)
                records, _, _, _ = decode_records(f.read(end - offset))
                if not records or records[0].kind != KIND_EVENT or records[0].event is None:
                    break
                out.append((records[0].seq, records[0].event))
            offset = end
    return out
