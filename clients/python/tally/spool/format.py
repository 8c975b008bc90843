"""The spool format, version 1 (``docs/spool-format.md``): constants and the record types."""
from __future__ import annotations

import sys
from array import array
from typing import Any, Dict, List, Optional

MAGIC = b"TSPOOL1\n"
RECORD_HEADER_BYTES = 8
BODY_HEADER_BYTES = 16
POINTS_HEADER_BYTES = 16
MAX_BODY_BYTES = 256 * 1024 * 1024
KIND_EVENT = 1
KIND_POINTS = 2
SPOOL_FILE_SUFFIX = ".tsp"
RUN_INDEX_FILE = "run.json"

# array typecodes of exactly 4 and 8 bytes, whatever the platform's C types are.
U32 = "I" if array("I").itemsize == 4 else "L"
LITTLE = sys.byteorder == "little"


def counts_as_step(key: str) -> bool:
    """System metrics are stepped by seconds since start: they never count towards a run's last step."""
    return not key.startswith("system/")


class PointsBatch:
    """Rows logged by ``log()``, column-wise: row r has ``steps[r]``, ``times[r]`` and ``counts[r]``
    values, whose keys are ``keys[key_index[i]]``."""

    __slots__ = ("keys", "steps", "times", "counts", "key_index", "values")

    def __init__(self, keys: List[str], steps: array, times: array, counts: array, key_index: array, values: array) -> None:
        self.keys = keys
        self.steps = steps
        self.times = times
        self.counts = counts
        self.key_index = key_index
        self.values = values

    def rows(self) -> List[Dict[str, Any]]:
        """``[{step, time, values: {key: value}}]``: for reading and tests, not for speed."""
        out = []
        k = 0
        for r in range(len(self.steps)):
            vals = {}
            for _ in range(self.counts[r]):
                vals[self.keys[self.key_index[k]]] = self.values[k]
                k += 1
            out.append({"step": self.steps[r], "time": self.times[r], "values": vals})
        return out


class SpoolRecord:
    """One decoded record: ``kind`` 1 has ``event`` (a dict), kind 2 has ``points``."""

    __slots__ = ("seq", "kind", "event", "points")

    def __init__(self, seq: int, kind: int, event: Optional[Dict[str, Any]] = None, points: Optional[PointsBatch] = None) -> None:
        self.seq = seq
        self.kind = kind
        self.event = event
        self.points = points

    def __repr__(self) -> str:
        what = self.event.get("type") if self.event is not None else f"{len(self.points.steps) if self.points else 0} rows"
        return f"SpoolRecord(seq={self.seq}, kind={self.kind}, {what})"
