"""The spool writer and reader on real files: header, whole records, a torn tail ignored."""
from __future__ import annotations

import math
import os
from array import array

import pytest

from tally import TallyError
from tally.spool import (
    MAGIC,
    PointsBatch,
    SpoolWriter,
    decode_records,
    encode_event,
    encode_points,
    read_run_index,
    read_spool_file,
    scan_run_spool,
    write_run_index,
)


def batch(step0: float = 0) -> PointsBatch:
    return PointsBatch(
        ["loss", "system/cpu"],
        array("d", [step0, step0 + 1]),
        array("d", [1.7e12, 1.7e12 + 1]),
        array("I", [2, 1]),
        array("I", [0, 1, 1]),
        array("d", [math.nan, math.inf, -math.inf]),
    )


def test_records_are_8_aligned():
    assert len(encode_event(1, {"type": "heartbeat", "at": 5})) % 8 == 0
    assert len(encode_points(2, batch())) % 8 == 0


def test_writes_a_header_and_records_and_stops_at_a_torn_tail(tmp_path):
    w = SpoolWriter(str(tmp_path), "run1", "writer1")
    w.event({"type": "heartbeat", "at": 1})
    w.points(batch())
    w.commit()
    w.points(batch())
    w.close()
    with open(w.path, "rb") as f:
        assert f.read(8) == MAGIC
    whole = read_spool_file(w.path)
    assert [r.seq for r in whole.records] == [1, 2, 3]
    assert whole.next_offset == whole.size and whole.stop is None
    os.truncate(w.path, whole.size - 5)
    torn = read_spool_file(w.path)
    assert [r.seq for r in torn.records] == [1, 2]
    assert torn.stop == "incomplete"
    assert read_spool_file(w.path, torn.next_offset).records == []


def test_detects_a_damaged_record_by_its_checksum():
    data = bytearray(encode_event(1, {"type": "heartbeat", "at": 1}) + encode_points(2, batch()))
    data[-20] ^= 0xFF
    records, _, stop, detail = decode_records(bytes(data))
    assert [r.seq for r in records] == [1]
    assert stop == "corrupt" and detail == "checksum mismatch"


def test_never_opens_an_existing_file(tmp_path):
    SpoolWriter(str(tmp_path), "run1", "writer1").close()
    with pytest.raises(TallyError) as e:
        SpoolWriter(str(tmp_path), "run1", "writer1")
    assert e.value.code == "spool_io"


def test_rejects_a_file_that_is_not_a_spool_file(tmp_path):
    p = tmp_path / "x.tsp"
    p.write_text("hello world, not a spool")
    with pytest.raises(TallyError) as e:
        read_spool_file(str(p))
    assert e.value.code == "spool_format"


def test_run_index_and_last_step_ignore_system_metrics(tmp_path):
    write_run_index(str(tmp_path), {"id": "run1", "project": "p", "name": "n", "createdAt": 5})
    assert read_run_index(str(tmp_path / "spool" / "run1")) == {"id": "run1", "project": "p", "name": "n", "createdAt": 5}
    w = SpoolWriter(str(tmp_path), "run1", "writer1")
    w.points(batch(7))  # step 7 has loss; step 8 only system/cpu
    w.close()
    assert scan_run_spool(str(tmp_path / "spool" / "run1")) == 7


def _rows_of(path):
    from tally.spool import KIND_POINTS, iter_spool_file

    return [r for r in iter_spool_file(path) if r.kind == KIND_POINTS]


def test_a_batch_larger_than_a_record_is_split_into_records_of_the_limit(tmp_path):
    from tally.buffer import PointBuffer

    buf = PointBuffer()
    for step in range(1000):
        keys = ["a", "b"] if step % 2 else ["a", "c"]
        for k in keys:
            buf.key_index.append(buf.ids[k] if k in buf.ids else buf.add_key(k))
            buf.values.append(step + 0.5)
        buf.steps.append(step)
        buf.times.append(1.7e12 + step)
        buf.counts.append(2)
    wide = ["w%d" % i for i in range(1000)]  # one row wider than a record: continued at the same step
    for k in wide:
        buf.key_index.append(buf.add_key(k))
        buf.values.append(7.0)
    buf.steps.append(1000)
    buf.times.append(1.7e12)
    buf.counts.append(len(wide))
    expected = buf.take().rows()
    rebuilt = PointBuffer()  # take() emptied buf: rebuild the same batch from its rows
    for row in expected:
        for k, v in row["values"].items():
            rebuilt.key_index.append(rebuilt.ids[k] if k in rebuilt.ids else rebuilt.add_key(k))
            rebuilt.values.append(v)
        rebuilt.steps.append(row["step"])
        rebuilt.times.append(row["time"])
        rebuilt.counts.append(len(row["values"]))
    w = SpoolWriter(str(tmp_path), "run1", "writer1", max_body_bytes=4096)
    w.points(rebuilt.take())
    w.close()
    records = _rows_of(w.path)
    assert len(records) > 10
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    with open(w.path, "rb") as f:
        data = f.read()
    at = len(MAGIC)
    while at < len(data):  # every record within the limit
        length = int.from_bytes(data[at : at + 4], "little")
        assert length <= 4096
        at += 8 + length
    got = [row for r in records for row in r.points.rows()]
    merged = {}
    for row in got:  # rows split mid-row come back as two rows of the same step and time
        merged.setdefault((row["step"], row["time"]), {}).update(row["values"])
    assert [{"step": s, "time": t, "values": v} for (s, t), v in merged.items()] == expected
    assert all(len(r.points.keys) < 1003 for r in records)  # each part carries only its own keys


def test_a_batch_that_fits_is_one_record(tmp_path):
    w = SpoolWriter(str(tmp_path), "run1", "writer1", max_body_bytes=4096)
    w.points(batch())
    w.close()
    assert len(_rows_of(w.path)) == 1
