"""One tracker's numbers, in this one process: log() cost per call with 10 keys, and
end-to-end points/s (log, then finish until durable). Prints one JSON line.

Usage (bench/python/run.py calls it inside its throwaway venv):
    python measure.py tally|trackio|wandb DIR
Sizes: BENCH_RUNS (5), CALLS (2000 timed log() calls per run, after WARMUP=200),
STEPS (2000 steps x 10 keys end to end).
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from typing import Any, Callable, Dict, Tuple

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
CALLS = int(os.environ.get("CALLS", "2000"))
WARMUP = int(os.environ.get("WARMUP", "200"))
STEPS = int(os.environ.get("STEPS", "2000"))
KEYS = [f"train/metric_{k}" for k in range(10)]

# A tracker is (start a run in dir, log one row, finish until durable).
Tracker = Tuple[Callable[[str, int], Any], Callable[[Any, Dict[str, float]], None], Callable[[Any], None]]


def tally_tracker() -> Tracker:
    import tally

    def start(dir: str, i: int) -> Any:
        return tally.init(project="bench", name=f"run-{i}", dir=dir, quiet=True)

    return start, lambda run, row: run.log(row), lambda run: run.finish()


def trackio_tracker() -> Tracker:
    import trackio

    def start(dir: str, i: int) -> Any:
        return trackio.init(project="bench", name=f"run-{i}")

    return start, lambda run, row: trackio.log(row), lambda run: trackio.finish()


def wandb_tracker() -> Tracker:
    import wandb

    def start(dir: str, i: int) -> Any:
        return wandb.init(project="bench", name=f"run-{i}", dir=dir, mode="offline")

    return start, lambda run, row: run.log(row), lambda run: run.finish()


TRACKERS = {"tally": tally_tracker, "trackio": trackio_tracker, "wandb": wandb_tracker}


def rows(n: int):
    for i in range(n):
        yield {k: i * 0.001 + j for j, k in enumerate(KEYS)}


def main() -> None:
    name, dir = sys.argv[1], sys.argv[2]
    start, log, finish = TRACKERS[name]()
    per_call_us = []
    points_per_s = []
    for r in range(RUNS):
        run = start(os.path.join(dir, f"cost-{r}"), r)
        for row in rows(WARMUP):
            log(run, row)
        timed = list(rows(CALLS))
        t0 = time.perf_counter()
        for row in timed:
            log(run, row)
        per_call_us.append((time.perf_counter() - t0) / CALLS * 1e6)
        finish(run)

        run = start(os.path.join(dir, f"e2e-{r}"), RUNS + r)
        batch = list(rows(STEPS))
        t0 = time.perf_counter()
        for row in batch:
            log(run, row)
        finish(run)
        points_per_s.append(STEPS * len(KEYS) / (time.perf_counter() - t0))
    print(json.dumps({
        "tracker": name,
        "log_us_per_call": statistics.median(per_call_us),
        "log_us_samples": per_call_us,
        "e2e_points_per_s": statistics.median(points_per_s),
        "e2e_samples": points_per_s,
        "runs": RUNS, "calls": CALLS, "warmup": WARMUP, "steps": STEPS, "keys": len(KEYS),
    }))


if __name__ == "__main__":
    main()
