"""Encode and decode spool records, byte for byte as ``packages/sdk/src/spool/codec.ts``."""
from __future__ import annotations

import struct
import zlib
from array import array
from typing import Any, Dict, List, Optional, Tuple

from .. import jsonvalue
from ..errors import TallyError
from .format import (
    BODY_HEADER_BYTES,
    KIND_EVENT,
    KIND_POINTS,
    LITTLE,
    MAGIC,
    MAX_BODY_BYTES,
    POINTS_HEADER_BYTES,
    RECORD_HEADER_BYTES,
    U32,
    PointsBatch,
    SpoolRecord,
)

_BODY_HEAD = struct.Struct("<QB7x")
_RECORD_HEAD = struct.Struct("<II")
_EVENT_HEAD = struct.Struct("<QB7xI4x")
_POINTS_HEAD = struct.Struct("<QB7xIIII")
_ZEROS = bytes(8)


def _le(a: array) -> bytes:
    if LITTLE:
        return a.tobytes()
    b = array(a.typecode, a)
    b.byteswap()
    return b.tobytes()


def _seal(body: bytes, max_body: int = MAX_BODY_BYTES) -> bytes:
    length = len(body)
    if length > max_body:
        raise TallyError("spool_io", f"a spool record of {length} bytes exceeds the {max_body}-byte limit; log smaller values")
    return _RECORD_HEAD.pack(length, zlib.crc32(body)) + body


def _padding(n: int) -> bytes:
    return _ZEROS[: (-n) & 7]


def encode_event(seq: int, event: Dict[str, Any], max_body: int = MAX_BODY_BYTES) -> bytes:
    """One event record; non-finite numbers inside it are tagged. Raises ``spool_io`` past
    ``max_body`` bytes (an event cannot be split).

    Example::

        encode_event(1, {"type": "heartbeat", "at": 1700000000000})
    """
    data = jsonvalue.encode_utf8(jsonvalue.dumps(event))
    head = _EVENT_HEAD.pack(seq, KIND_EVENT, len(data))
    return _seal(head + data + _padding(len(head) + len(data)), max_body)


def encode_points(seq: int, batch: PointsBatch, max_body: int = MAX_BODY_BYTES) -> bytes:
    """One points record of ``batch`` (arrays of typecodes d, d, I, I, d); see :func:`split_points`
    for batches larger than one record.

    Example::

        encode_points(2, PointsBatch(["loss"], array("d", [0]), array("d", [1.7e12]), array("I", [1]), array("I", [0]), array("d", [0.5])))
    """
    key_bufs = [k.encode("utf-8") for k in batch.keys]
    key_parts: List[bytes] = []
    for k in key_bufs:
        if len(k) > 0xFFFF:
            raise TallyError("invalid_key", "a metric key is longer than 65535 bytes as UTF-8; use a shorter key")
        key_parts.append(struct.pack("<H", len(k)))
        key_parts.append(k)
    keys = b"".join(key_parts)
    head = _POINTS_HEAD.pack(seq, KIND_POINTS, len(batch.steps), len(batch.values), len(key_bufs), len(keys))
    parts = [
        head,
        _le(batch.steps),
        _le(batch.times),
        _le(batch.values),
        _le(batch.counts),
        _le(batch.key_index),
        keys,
    ]
    size = len(head) + 20 * len(batch.steps) + 12 * len(batch.values) + len(keys)
    parts.append(_padding(size))
    return _seal(b"".join(parts), max_body)


def points_body_bytes(batch: PointsBatch) -> int:
    """The body size of ``batch`` as one points record."""
    keys = sum(2 + len(k.encode("utf-8")) for k in batch.keys)
    size = BODY_HEADER_BYTES + POINTS_HEADER_BYTES + 20 * len(batch.steps) + 12 * len(batch.values) + keys
    return size + ((-size) & 7)


def split_points(batch: PointsBatch, max_body: int = MAX_BODY_BYTES) -> List[PointsBatch]:
    """``batch`` cut into batches that each fit one record of at most ``max_body`` bytes
    (docs/spool-format.md: a writer splits larger batches). Rows are kept whole where they fit;
    a row too large for one record goes on in the next with the same step and time. Each part
    carries only the keys it uses.

    Example::

        records = [encode_points(seq + i, part) for i, part in enumerate(split_points(batch))]
    """
    if points_body_bytes(batch) <= max_body:
        return [batch]
    key_bytes = [2 + len(k.encode("utf-8")) for k in batch.keys]
    budget = max_body - BODY_HEADER_BYTES - POINTS_HEADER_BYTES - 7  # 7: the most padding can take
    parts: List[PointsBatch] = []
    part = _Part()
    p = 0
    for r in range(len(batch.steps)):
        step, at = batch.steps[r], batch.times[r]
        open_row = False
        for _ in range(batch.counts[r]):
            key = batch.key_index[p]
            cost = 12 + (0 if key in part.local else key_bytes[key]) + (0 if open_row else 20)
            if part.size + cost > budget and part.values:
                if open_row:
                    part.end_row()
                parts.append(part.batch(batch.keys))
                part = _Part()
                open_row = False
                cost = 12 + key_bytes[key] + 20
            if cost > budget:
                raise TallyError("spool_io", f"one value of key {batch.keys[key][:40]!r} does not fit a {max_body}-byte record")
            if not open_row:
                part.begin_row(step, at)
                open_row = True
            part.push(key, batch.values[p], cost)
            p += 1
        if open_row:
            part.end_row()
    if part.values:
        parts.append(part.batch(batch.keys))
    return parts


class _Part:
    __slots__ = ("local", "keys", "steps", "times", "counts", "key_index", "values", "size", "_row_start")

    def __init__(self) -> None:
        self.local: Dict[int, int] = {}
        self.keys: List[int] = []
        self.steps = array("d")
        self.times = array("d")
        self.counts = array(U32)
        self.key_index = array(U32)
        self.values = array("d")
        self.size = 0
        self._row_start = 0

    def begin_row(self, step: float, at: float) -> None:
        self.steps.append(step)
        self.times.append(at)
        self._row_start = len(self.values)

    def push(self, key: int, value: float, cost: int) -> None:
        local = self.local.get(key)
        if local is None:
            local = self.local[key] = len(self.keys)
            self.keys.append(key)
        self.key_index.append(local)
        self.values.append(value)
        self.size += cost

    def end_row(self) -> None:
        self.counts.append(len(self.values) - self._row_start)

    def batch(self, names: List[str]) -> PointsBatch:
        return PointsBatch([names[k] for k in self.keys], self.steps, self.times, self.counts, self.key_index, self.values)


def encode_header() -> bytes:
    """The 8 bytes every spool file starts with."""
    return MAGIC


def has_magic(buf: bytes) -> bool:
    return buf[: len(MAGIC)] == MAGIC


def _f64(buf: memoryview, at: int, n: int) -> array:
    a = array("d")
    a.frombytes(buf[at : at + 8 * n])
    if not LITTLE:
        a.byteswap()
    return a


def _u32(buf: memoryview, at: int, n: int) -> array:
    a = array(U32)
    a.frombytes(buf[at : at + 4 * n])
    if not LITTLE:
        a.byteswap()
    return a


def _decode_points(buf: memoryview, at: int, end: int) -> PointsBatch:
    if at + POINTS_HEADER_BYTES > end:
        raise ValueError("points header past the record end")
    n_rows, n_points, n_keys, key_bytes = struct.unpack_from("<IIII", buf, at)
    p = at + POINTS_HEADER_BYTES
    if p + n_rows * 20 + n_points * 12 + key_bytes > end:
        raise ValueError("points arrays past the record end")
    steps = _f64(buf, p, n_rows)
    p += n_rows * 8
    times = _f64(buf, p, n_rows)
    p += n_rows * 8
    values = _f64(buf, p, n_points)
    p += n_points * 8
    counts = _u32(buf, p, n_rows)
    p += n_rows * 4
    key_index = _u32(buf, p, n_points)
    p += n_points * 4
    keys = []
    for _ in range(n_keys):
        (length,) = struct.unpack_from("<H", buf, p)
        keys.append(bytes(buf[p + 2 : p + 2 + length]).decode("utf-8"))
        p += 2 + length
    total = sum(counts)
    if total != n_points:
        raise ValueError(f"row counts add up to {total}, not {n_points}")
    if n_points and max(key_index) >= n_keys:
        raise ValueError("key index out of range")
    return PointsBatch(keys, steps, times, counts, key_index, values)


def decode_records(data: bytes) -> Tuple[List[SpoolRecord], int, Optional[str], Optional[str]]:
    """Decode records from ``data`` (starting at a record boundary).

    Returns ``(records, consumed, stop, detail)``: ``stop`` is None when every byte was read,
    ``"incomplete"`` when the bytes end inside a record, ``"corrupt"`` at a torn or damaged record.

    Example::

        records, consumed, stop, detail = decode_records(open(path, "rb").read()[8:])
    """
    buf = memoryview(data)
    records: List[SpoolRecord] = []
    pos = 0
    size = len(buf)
    while pos < size:
        if size - pos < RECORD_HEADER_BYTES:
            return records, pos, "incomplete", None
        length, crc = _RECORD_HEAD.unpack_from(buf, pos)
        if length < BODY_HEADER_BYTES or length % 8 != 0 or length > MAX_BODY_BYTES:
            return records, pos, "corrupt", f"bad record length {length}"
        body = pos + RECORD_HEADER_BYTES
        end = body + length
        if end > size:
            return records, pos, "incomplete", None
        if zlib.crc32(buf[body:end]) != crc:
            return records, pos, "corrupt", "checksum mismatch"
        seq, kind = _BODY_HEAD.unpack_from(buf, body)
        payload = body + BODY_HEADER_BYTES
        try:
            if kind == KIND_EVENT:
                (n,) = struct.unpack_from("<I", buf, payload)
                if payload + 8 + n > end:
                    raise ValueError("event past the record end")
                event = jsonvalue.loads(bytes(buf[payload + 8 : payload + 8 + n]).decode("utf-8"))
                if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                    raise ValueError("event without a type")
                records.append(SpoolRecord(seq, KIND_EVENT, event=event))
            elif kind == KIND_POINTS:
                records.append(SpoolRecord(seq, KIND_POINTS, points=_decode_points(buf, payload, end)))
            else:
                raise ValueError(f"unknown record kind {kind}")
        except (ValueError, struct.error, UnicodeDecodeError) as e:
            return records, pos, "corrupt", str(e)
        pos = end
    return records, pos, None, None
