"""The in-memory batch ``run.log`` appends to, column-wise in ``array`` s that grow in C."""
from __future__ import annotations

from array import array
from typing import Dict, List

from .spool.format import U32, PointsBatch


class PointBuffer:
    """Rows of (step, time, values). Key ids are per batch, so the keys seen since the last
    :meth:`take` are exactly the batch's key table and nothing needs renumbering."""

    __slots__ = ("keys", "ids", "steps", "times", "counts", "key_index", "values")

    def __init__(self) -> None:
        self.keys: List[str] = []
        self.ids: Dict[str, int] = {}
        self.steps = array("d")
        self.times = array("d")
        self.counts = array(U32)
        self.key_index = array(U32)
        self.values = array("d")

    @property
    def rows(self) -> int:
        return len(self.counts)

    @property
    def points(self) -> int:
        return len(self.values)

    def add_key(self, key: str) -> int:
        i = self.ids[key] = len(self.keys)
        self.keys.append(key)
        return i

    def truncate(self, rows: int, points: int, keys: int) -> None:
        """Drop everything past a whole row: what a ``log`` call that raised had begun."""
        del self.steps[rows:], self.times[rows:], self.counts[rows:]
        del self.values[points:], self.key_index[points:]
        for k in self.keys[keys:]:
            del self.ids[k]
        del self.keys[keys:]

    def put_back(self, batch: PointsBatch) -> None:
        """Put a batch :meth:`take` returned back in front of what was logged since: its write failed
        before anything of it was queued, so it goes out with the next one."""
        keys = list(batch.keys)
        ids = {k: i for i, k in enumerate(keys)}
        remap = []
        for k in self.keys:
            if k not in ids:
                ids[k] = len(keys)
                keys.append(k)
            remap.append(ids[k])
        key_index = array(U32, batch.key_index)
        key_index.extend([remap[i] for i in self.key_index])
        steps, times, counts, values = (
            array(a.typecode, b) + a for a, b in ((self.steps, batch.steps), (self.times, batch.times), (self.counts, batch.counts), (self.values, batch.values))
        )
        self.keys, self.ids, self.steps, self.times, self.counts, self.key_index, self.values = keys, ids, steps, times, counts, key_index, values

    def take(self) -> PointsBatch:
        """The batch so far; the buffer starts over."""
        batch = PointsBatch(self.keys, self.steps, self.times, self.counts, self.key_index, self.values)
        self.__init__()  # type: ignore[misc]
        return batch
