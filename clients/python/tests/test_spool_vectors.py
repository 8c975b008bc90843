"""The shared spool test vectors: the Python codec writes the bytes the TypeScript codec wrote."""
from __future__ import annotations

import json
import math
import struct
from array import array
from pathlib import Path

import pytest

from tally import jsonvalue
from tally.spool import MAGIC, PointsBatch, decode_records, encode_event, encode_header, encode_points

VECTORS = Path(__file__).resolve().parents[3] / "test-fixtures" / "spool-vectors"
NAMES = sorted(p.stem for p in VECTORS.glob("*.json"))


def _batch(points: dict) -> PointsBatch:
    p = jsonvalue.untag(points)
    return PointsBatch(
        list(p["keys"]),
        array("d", p["steps"]),
        array("d", p["times"]),
        array("I", p["counts"]),
        array("I", p["keyIndex"]),
        array("d", p["values"]),
    )


def _records(name: str) -> list:
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))["records"]


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def test_vectors_exist():
    assert {"events", "points"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_encodes_to_the_typescript_bytes(name):
    parts = [encode_header()]
    for r in _records(name):
        if "event" in r:
            parts.append(encode_event(r["seq"], jsonvalue.untag(r["event"])))
        else:
            parts.append(encode_points(r["seq"], _batch(r["points"])))
    assert b"".join(parts) == (VECTORS / f"{name}.tsp").read_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_decodes_the_typescript_bytes(name):
    data = (VECTORS / f"{name}.tsp").read_bytes()
    assert data[:8] == MAGIC
    records, consumed, stop, _ = decode_records(data[8:])
    assert stop is None and consumed == len(data) - 8
    want = _records(name)
    assert [r.seq for r in records] == [w["seq"] for w in want]
    for got, w in zip(records, want):
        if "event" in w:
            assert jsonvalue.dumps(got.event) == jsonvalue.dumps(jsonvalue.untag(w["event"]))
            continue
        b = _batch(w["points"])
        assert got.points.keys == b.keys
        assert list(got.points.steps) == list(b.steps)
        assert list(got.points.times) == list(b.times)
        assert list(got.points.counts) == list(b.counts)
        assert list(got.points.key_index) == list(b.key_index)
        # Compared as bits: NaN equals itself and -0.0 differs from 0.0.
        assert [_bits(v) for v in got.points.values] == [_bits(v) for v in b.values]


def test_non_finite_values_survive_as_bits():
    records, _, _, _ = decode_records((VECTORS / "points.tsp").read_bytes()[8:])
    values = list(records[0].points.values)
    assert math.isnan(values[1]) and values[2] == math.inf and values[3] == -math.inf
    assert math.copysign(1.0, values[4]) == -1.0
    assert values[5] == 5e-324
