"""A Python-written spool ingested by the TypeScript store reads back exactly as the TypeScript-written one."""
from __future__ import annotations

import json
import math
import subprocess

import tally

from support import REPO

TS_SCRIPT = """
import { init, Table, Histogram, Markdown } from '%(sdk)s'
const run = init({ project: 'same', id: 'same-run', name: 'twin', dir: process.argv[2], group: 'g', tags: ['a', 'b'],
  description: 'twins', config: { lr: 1e-5, layers: [64, 32], opt: { name: 'adam', beta: 0.9 } }, capture: false, quiet: true })
for (let i = 0; i < 50; i++) run.log({ loss: 1 / (i + 1), 'train/acc': i / 50, odd: i %% 7 === 0 ? NaN : i %% 5 === 0 ? Infinity : -i })
run.log({ late: -Infinity }, { step: 100 })
run.log({ tbl: new Table({ columns: ['x', 'y'], rows: [[1, 'a'], [Infinity, null]] }), h: new Histogram({ edges: [0, 1, 2], counts: [3, 4] }), md: new Markdown('# hi') }, { step: 100 })
run.config.update({ batch: 32 })
run.summary.update({ best: 0.5, nan: NaN })
run.result('test_acc', 0.97)
run.result('worst', -Infinity)
await run.finish()
"""


def python_twin(tally_dir: str) -> None:
    run = tally.init(
        "same", "twin", id="same-run", dir=tally_dir, group="g", tags=["a", "b"], description="twins",
        config={"lr": 1e-5, "layers": [64, 32], "opt": {"name": "adam", "beta": 0.9}}, capture=False, quiet=True,
    )
    for i in range(50):
        run.log({"loss": 1 / (i + 1), "train/acc": i / 50, "odd": math.nan if i % 7 == 0 else math.inf if i % 5 == 0 else -i})
    run.log({"late": -math.inf}, step=100)
    run.log(
        {"tbl": tally.Table(columns=["x", "y"], data=[[1, "a"], [math.inf, None]]), "h": tally.Histogram(edges=[0, 1, 2], counts=[3, 4]), "md": tally.Markdown("# hi")},
        step=100,
    )
    run.config.update({"batch": 32})
    run.summary.update({"best": 0.5, "nan": math.nan})
    run.result("test_acc", 0.97)
    run.result("worst", -math.inf)
    run.finish()


VOLATILE = {"createdAt", "updatedAt", "finishedAt", "heartbeatAt", "system"}


def read_back(tally_cli, tally_dir: str) -> dict:
    run = {k: v for k, v in tally_cli("run", "same-run", dir=tally_dir).items() if k not in VOLATILE}
    series = {}
    for metric in run["metrics"]:
        s = tally_cli("series", "same-run", metric["key"], dir=tally_dir)
        series[metric["key"]] = (s["steps"], s["values"])
    return {"run": run, "series": series, "runs": [r["id"] for r in tally_cli("runs", "same", dir=tally_dir)]}


def test_python_and_typescript_spools_read_back_the_same(tmp_path, tally_cli):
    ts_dir, py_dir = tmp_path / "ts", tmp_path / "py"
    ts_dir.mkdir()
    py_dir.mkdir()
    script = tmp_path / "twin.mjs"
    script.write_text(TS_SCRIPT % {"sdk": (REPO / "packages" / "sdk" / "dist" / "index.js").as_uri()})
    subprocess.run(["node", str(script), str(ts_dir)], check=True, timeout=120)
    python_twin(str(py_dir))
    ts, py = read_back(tally_cli, str(ts_dir)), read_back(tally_cli, str(py_dir))
    assert py == ts
    assert py["run"]["config"] == {"lr": 0.00001, "layers": [64, 32], "opt": {"name": "adam", "beta": 0.9}, "batch": 32}
    assert py["series"]["odd"][1][:2] == ["NaN", -1]
    assert json.dumps(py["run"]["results"]) == '{"test_acc": 0.97, "worst": "-Infinity"}'
