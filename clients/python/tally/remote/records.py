"""Whole spool records, cut from a writer's file by their headers alone. The server takes the
records byte for byte, so the sender never decodes them: it checks each one's length and
CRC (a damaged record is never sent) and reads its seq from the body header.

    record = length:u32 crc:u32 body[length]      body = seq:u64 kind:u8 …

Mirrors packages/sdk/src/remote/records.ts.
"""
from __future__ import annotations

import math
import os
import struct
import zlib
from dataclasses import dataclass
from typing import Optional, Union

from ..spool.format import BODY_HEADER_BYTES, MAGIC, MAX_BODY_BYTES, RECORD_HEADER_BYTES

# A record's length, CRC and seq are in its first 16 bytes.
HEADER_AND_SEQ_BYTES = RECORD_HEADER_BYTES + 8
# How much find_offset reads at a time while it walks headers.
SCAN_CHUNK_BYTES = 256 * 1024

_HEAD = struct.Struct("<IIQ")


@dataclass(frozen=True)
class FilePosition:
    """Where a writer's file stands: the byte offset just past the record with this seq."""

    offset: int
    seq: int


FILE_START = FilePosition(len(MAGIC), 0)


@dataclass
class RecordSlice:
    """Whole, intact records exactly as in the file (empty when none is ready)."""

    data: bytes
    count: int
    last_seq: int
    # Why slicing stopped at a record that can never be sent (a damaged tail).
    damaged: Optional[str] = None


def _length_problem(length: int) -> Optional[str]:
    if length < BODY_HEADER_BYTES or length % 8 != 0 or length > MAX_BODY_BYTES:
        return f"bad record length {length}"
    return None


def slice_records(buf: bytes, max_bytes: int) -> RecordSlice:
    """The whole, intact records at the start of ``buf``, up to ``max_bytes`` in all; the
    first record is taken even when it alone is larger. A record cut short ends the slice;
    so does a damaged one, with ``damaged`` set.

    Example::

        s = slice_records(data, 4 << 20)
        if s.count: post(s.data)
    """
    view = memoryview(buf)
    end = count = last_seq = 0
    while len(buf) - end >= HEADER_AND_SEQ_BYTES:
        length, crc, seq = _HEAD.unpack_from(buf, end)
        problem = _length_problem(length)
        if problem:
            return RecordSlice(bytes(view[:end]), count, last_seq, problem)
        nxt = end + RECORD_HEADER_BYTES + length
        if nxt > len(buf) or (count > 0 and nxt > max_bytes):
            break
        if zlib.crc32(view[end + RECORD_HEADER_BYTES:nxt]) != crc:
            return RecordSlice(bytes(view[:end]), count, last_seq,
                               f"checksum mismatch in the record after seq {last_seq}")
        last_seq = seq
        count += 1
        end = nxt
    return RecordSlice(bytes(view[:end]), count, last_seq)


def _read_at(f, offset: int, length: int) -> bytes:
    f.seek(offset)
    return f.read(max(0, length))


def read_slice(path: str, offset: int, max_bytes: int) -> RecordSlice:
    """The records of the file at ``path`` from byte ``offset`` (a record boundary), as
    :func:`slice_records` cuts them."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size - offset < HEADER_AND_SEQ_BYTES:
            return RecordSlice(b"", 0, 0)
        buf = _read_at(f, offset, min(max(max_bytes, HEADER_AND_SEQ_BYTES), size - offset))
        first = RECORD_HEADER_BYTES + struct.unpack_from("<I", buf, 0)[0]
        # One record larger than the budget is sent alone: read exactly that record.
        if first > len(buf) and offset + first <= size and _length_problem(first - RECORD_HEADER_BYTES) is None:
            buf = _read_at(f, offset, first)
        return slice_records(buf, max_bytes)


def find_offset(path: str, seq: Union[int, float], start: FilePosition = FILE_START) -> FilePosition:
    """The position just past the record with seq ``seq``, found by walking record headers
    (never bodies) from ``start``, a known record boundary. Stops early at the end of the
    whole records: then the result's seq is the last one in the file (``math.inf`` finds
    the end).

    Example::

        end = find_offset(path, math.inf)   # end.seq: the last seq written
    """
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        at = start
        while at.seq < seq:
            chunk = _read_at(f, at.offset, min(SCAN_CHUNK_BYTES, size - at.offset))
            walked = _walk_headers(chunk, at, seq, size)
            if walked.offset == at.offset:
                return at
            at = walked
        return at


def _walk_headers(chunk: bytes, start: FilePosition, seq: Union[int, float], file_size: int) -> FilePosition:
    pos = 0
    at = start
    while at.seq < seq and len(chunk) - pos >= HEADER_AND_SEQ_BYTES:
        length, _crc, record_seq = _HEAD.unpack_from(chunk, pos)
        nxt = pos + RECORD_HEADER_BYTES + length
        if _length_problem(length) or start.offset + nxt > file_size or record_seq > seq:
            break
        at = FilePosition(start.offset + nxt, record_seq)
        pos = nxt
    return at


def seq_at(path: str, offset: int) -> Union[int, str, None]:
    """The seq of the record starting at ``offset``; ``"end"`` when ``offset`` is exactly the
    end of the file; None when no whole record header is there."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if offset == size:
            return "end"
        if offset > size:
            return None
        head = _read_at(f, offset, HEADER_AND_SEQ_BYTES)
        return None if len(head) < HEADER_AND_SEQ_BYTES else _HEAD.unpack_from(head, 0)[2]


def last_seq(path: str) -> int:
    """The seq of the last whole record in the file (0 when it has none)."""
    return find_offset(path, math.inf).seq
