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
