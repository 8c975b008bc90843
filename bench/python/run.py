"""Tally's Python client beside Trackio and wandb (offline): log() cost per call with 10
keys and end-to-end points/s, one process per tracker, in a throwaway venv.

Usage: python3 bench/python/run.py            (from the repository root; needs PyPI)
       BENCH_RUNS=5 CALLS=2000 STEPS=2000 TRACKERS=tally,trackio,wandb python3 bench/python/run.py
Prints a table with ratios and writes bench/results/python-trackers-<time>.json.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def main() -> int:
    trackers = os.environ.get("TRACKERS", "tally,trackio,wandb").split(",")
    work = Path(tempfile.mkdtemp(prefix="tally-pybench-"))
    try:
        venv = work / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = str(venv / "bin" / "python")
        packages = [p for p in ("trackio", "wandb") if p in trackers]
        print(f"# installing {' '.join(packages + ['./clients/python'])} into {venv}", flush=True)
        subprocess.run([python, "-m", "pip", "install", "-q", *packages, str(REPO / "clients" / "python")], check=True)
        versions = json.loads(subprocess.run(
            [python, "-c", "import json, importlib.metadata as m; print(json.dumps({p: m.version(p) for p in %r}))"
             % (["tally", *packages],)], capture_output=True, text=True, check=True).stdout)
        results = []
        for name in trackers:
            data = work / name
            data.mkdir()
            env = dict(os.environ)
            # Every tracker writes under the temp dir, never into the user's home.
            env.update(TALLY_DIR=str(data / "tally"), HF_HOME=str(data / "hf"), TRACKIO_DIR=str(data / "trackio"),
                       WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=str(data), WANDB_CACHE_DIR=str(data / "wandb-cache"),
                       WANDB_CONFIG_DIR=str(data / "wandb-config"))
            print(f"# {name}", flush=True)
            out = subprocess.run([python, str(HERE / "measure.py"), name, str(data)], env=env,
                                 capture_output=True, text=True, cwd=str(data))
            if out.returncode != 0:
                sys.stderr.write(out.stderr[-4000:])
                raise SystemExit(f"{name} failed (exit {out.returncode})")
            line = [l for l in out.stdout.splitlines() if l.startswith("{")][-1]
            results.append(json.loads(line))
        print_table(results)
        out_dir = REPO / "bench" / "results"
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"python-trackers-{time.strftime('%Y%m%dT%H%M%S')}.json"
        path.write_text(json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                                    "versions": versions, "results": results}, indent=2))
        print(f"# wrote {path.relative_to(REPO)}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_table(results: list) -> None:
    tally = next((r for r in results if r["tracker"] == "tally"), None)
    print(f"{'tracker':<10}{'log() µs/call':>16}{'vs tally':>10}{'end-to-end points/s':>22}{'tally is':>10}")
    for r in results:
        cost = r["log_us_per_call"]
        rate = r["e2e_points_per_s"]
        cost_ratio = f"{cost / tally['log_us_per_call']:.1f}x" if tally else ""
        rate_ratio = f"{tally['e2e_points_per_s'] / rate:.1f}x" if tally else ""
        print(f"{r['tracker']:<10}{cost:>16.2f}{cost_ratio:>10}{rate:>22,.0f}{rate_ratio:>10}")
    print("(vs tally: how many times tally's log() cost; tally is: tally's points/s over the tracker's)")


if __name__ == "__main__":
    sys.exit(main())
