"""run.log_artifact into a real spool, read back through the TypeScript CLI (`tally artifact ls/get`)."""
from __future__ import annotations

import hashlib
import json
import math
import subprocess
from pathlib import Path
from typing import Any

import pytest

import tally
from tally.artifacts import Artifact
from tally.errors import TallyError

from support import REPO, run_cli

SDK = REPO / "packages" / "sdk" / "dist" / "index.js"


def cli(tally_dir: Path, *args: str) -> Any:
    return run_cli(*args, dir=str(tally_dir))


def blob_files(tally_dir: Path) -> list:
    return sorted(p.name for p in (tally_dir / "blobs").rglob("*") if p.is_file())


@pytest.fixture
def src(tmp_path: Path) -> Path:
    d = tmp_path / "src"
    (d / "data" / "sub").mkdir(parents=True)
    (d / "model.bin").write_bytes(b"weights!" * 4096)
    (d / "data" / "a.txt").write_text("same bytes")
    (d / "data" / "sub" / "b.txt").write_text("same bytes")
    return d


def resnet(src: Path, **kw: Any) -> Artifact:
    return (
        Artifact("resnet", "model", **kw)
        .add_file(src / "model.bin")
        .add_dir(src / "data", name="data")
        .add_object("metrics.json", {"acc": 0.9, "loss": math.nan, "best": math.inf})
        .add_reference("s3://bucket/big.tar")
    )


def test_versions_aliases_and_dedup_read_back_through_the_cli(tmp_path: Path, src: Path) -> None:
    d = tmp_path / "tally"
    run = tally.init(project="vision", dir=str(d), capture=False)
    first = run.log_artifact(resnet(src, description="first", metadata={"epochs": 3}), aliases=["best"])
    # a.txt and b.txt hold the same bytes: one blob for both.
    assert first.new_blobs == 2 and first.name == "resnet" and first.type == "model"
    assert [e["path"] for e in first.entries] == ["big.tar", "data/a.txt", "data/sub/b.txt", "metrics.json", "model.bin"]
    again = run.log_artifact(resnet(src))
    assert (again.new_blobs, again.digest) == (0, first.digest)
    (src / "model.bin").write_bytes(b"better weights")
    second = run.log_artifact(resnet(src), aliases="prod")
    assert second.new_blobs == 1 and second.digest != first.digest
    run.finish()
    assert len(blob_files(d)) == 3

    (listed,) = cli(d, "artifact", "ls", "vision")
    assert (listed["name"], listed["type"], listed["versions"], listed["latest"]) == ("resnet", "model", 2, "v1")
    out = tmp_path / "out"
    best = cli(d, "artifact", "get", "resnet:best", "--project", "vision", "--out", str(out))
    assert (best["version"], best["digest"], best["description"]) == ("v0", first.digest, "first")
    assert best["metadata"] == {"epochs": 3}
    # The store keeps NaN and infinities in an object exactly; JSON answers (the CLI's, the
    # API's) write them as the strings "NaN" and "Infinity", as they write every number.
    assert best["entries"] == first.entries[:3] + [
        {"kind": "object", "path": "metrics.json", "value": {"acc": 0.9, "loss": "NaN", "best": "Infinity"}}
    ] + first.entries[4:]
    assert json.loads((out / "metrics.json").read_text()) == {"acc": 0.9, "loss": "NaN", "best": "Infinity"}
    assert (out / "model.bin").read_bytes() == b"weights!" * 4096
    assert (out / "data" / "sub" / "b.txt").read_text() == "same bytes"
    latest = cli(d, "artifact", "get", "resnet:latest", "--project", "vision", "--out", str(tmp_path / "out2"))
    assert (latest["version"], latest["digest"], sorted(latest["aliases"])) == ("v1", second.digest, ["latest", "prod"])
    assert (tmp_path / "out2" / "model.bin").read_bytes() == b"better weights"


def test_typescript_logging_the_same_files_gets_the_same_version(tmp_path: Path, src: Path) -> None:
    d = tmp_path / "tally"
    run = tally.init(project="vision", dir=str(d), capture=False)
    logged = run.log_artifact(Artifact("data", "dataset").add_dir(src / "data").add_object("n.json", {"2": 1, "b": [1.0, 1e21]}))
    run.finish()
    script = f"import {{ init, Artifact }} from {json.dumps(SDK.as_uri())}\n" + r"""
    const [dir, src] = JSON.parse(await new Response(process.stdin).text())
    const run = init({ dir, project: 'vision', capture: false })
    const logged = await run.logArtifact(new Artifact('data', 'dataset').addDir(src + '/data').addObject('n.json', { b: [1, 1e21], 2: 1 }))
    await run.finish()
    process.stdout.write(JSON.stringify(logged))
    """
    done = subprocess.run(["node", "--input-type=module", "-e", script], input=json.dumps([str(d), str(src)]).encode(),
                          capture_output=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    ts = json.loads(done.stdout)
    assert (ts["digest"], ts["newBlobs"], ts["entries"]) == (logged.digest, 0, logged.entries)
    (listed,) = cli(d, "artifact", "ls", "vision")
    assert (listed["versions"], listed["latest"]) == (1, "v0")


def test_a_file_it_cannot_read_is_named_and_nothing_of_that_artifact_is_logged(tmp_path: Path) -> None:
    d = tmp_path / "tally"
    run = tally.init(project="p", dir=str(d), capture=False)
    with pytest.raises(TallyError) as info:
        run.log_artifact(Artifact("m", "model").add_file(tmp_path / "missing.bin"))
    assert info.value.code == "invalid_argument" and "missing.bin" in info.value.message
    with pytest.raises(TallyError) as info:
        run.log_artifact("model.bin")  # type: ignore[arg-type]
    assert info.value.code == "invalid_argument"
    run.log({"loss": 1.0})
    run.finish()
    assert cli(d, "artifact", "ls", "p") == []
    with pytest.raises(TallyError) as info:
        run.log_artifact(Artifact("m", "model").add_object("x.json", 1))
    assert info.value.code == "run_finished"
