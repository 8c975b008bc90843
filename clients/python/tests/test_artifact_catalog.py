"""run.artifact_versions(): a project's artifact versions read back from the spool (local mode) or a
real ``tally serve`` (remote mode), numbered as the store numbers them, and as TypeScript does."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import tally
import tally.spool.reader as reader
from tally.artifacts import Artifact, find_version
from tally.spool import read_spool_events

from support import run_cli
from remote_support import node, start_server

QUIET = {"quiet": True, "capture": False}


def triples(versions):
    return [(v.name, v.version, v.aliases) for v in versions]


def test_versions_are_numbered_per_name_a_replayed_digest_kept_and_aliases_moved(tally_dir: str) -> None:
    a = tally.init(dir=tally_dir, project="p", **QUIET)
    # Points between the artifacts: the events are found by stepping over them.
    for s in range(2000):
        a.log({"loss": 1 / (s + 1), "acc": s})
    a.log_artifact(Artifact("data", "dataset").add_object("rows.json", [1, 2]))
    a.log_artifact(Artifact("model", "model").add_object("w.json", [0]), aliases=["best"])
    a.finish()

    b = tally.init(dir=tally_dir, project="p", **QUIET)
    b.log_artifact(Artifact("model", "model").add_object("w.json", [1]))
    # The same content as v0: the same version again, which now also carries `prod`.
    b.log_artifact(Artifact("model", "model").add_object("w.json", [0]), aliases=["prod"])
    other = tally.init(dir=tally_dir, project="elsewhere", **QUIET)
    other.log_artifact(Artifact("model", "model").add_object("w.json", [9]))
    other.finish()

    versions = b.artifact_versions()
    assert [(v.name, v.version, v.aliases, v.run_id) for v in versions] == [
        ("data", 0, ["latest"], a.id),
        ("model", 0, ["best", "prod"], a.id),
        ("model", 1, ["latest"], b.id),
    ]
    assert versions[1].entries == [{"kind": "object", "path": "w.json", "value": [0]}]
    assert find_version(versions, "model", "best") is versions[1]
    assert find_version(versions, "model", "latest") is versions[2]
    assert find_version(versions, "model", "v0") is versions[1]
    assert find_version(versions, "model", versions[2].digest) is versions[2]
    assert find_version(versions, "model", "v7") is None
    # Finished, the run still reads the spool.
    b.finish()
    assert len(b.artifact_versions()) == 3

    # The store, filling from the spool, numbers them as Python did.
    out = Path(tally_dir).parent / "out"
    for ref, digest in (("model:v0", versions[1].digest), ("model:latest", versions[2].digest), ("model:prod", versions[1].digest)):
        got = run_cli("artifact", "get", ref, "--project", "p", "--out", str(out / ref.replace(":", "-")), dir=tally_dir)
        assert (ref, got["digest"]) == (ref, digest)
    assert json.loads((out / "model-latest" / "w.json").read_text()) == [1]


def test_points_records_are_stepped_over_unread(tally_dir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run = tally.init(dir=tally_dir, project="p", **QUIET)
    for chunk in range(20):
        for s in range(5000):
            run.log({"loss": 1 / (s + 1), "acc": s, "lr": 0.1})
        run.flush()
    run.log_artifact(Artifact("model", "model").add_object("w.json", [0]))
    run.finish()

    decoded = []
    real = reader.decode_records
    monkeypatch.setattr(reader, "decode_records", lambda data: (decoded.append(len(data)), real(data))[1])
    events = read_spool_events(run.spool_path)
    assert [e["type"] for _, e in events][0] == "run" and "artifact" in [e["type"] for _, e in events]
    # Only events are decoded: a few kilobytes of a file of megabytes.
    assert os.path.getsize(run.spool_path) > 2_000_000
    assert sum(decoded) < 50_000
    assert [s for s, _ in events] == sorted(s for s, _ in events)


def test_a_torn_tail_ends_the_events_quietly(tally_dir: str) -> None:
    run = tally.init(dir=tally_dir, project="p", **QUIET)
    run.log_artifact(Artifact("model", "model").add_object("w.json", [0]))
    run.finish()
    with open(run.spool_path, "ab") as f:
        f.write(b"\x40\x00\x00\x00torn")
    assert [e["type"] for _, e in read_spool_events(run.spool_path)][-2:] == ["artifact", "status"]
    assert triples(tally.init(dir=tally_dir, project="p", **QUIET).artifact_versions()) == [("model", 0, ["latest"])]


def test_a_project_without_artifacts_has_none(tally_dir: str) -> None:
    run = tally.init(dir=tally_dir, project="none", **QUIET)
    run.log({"x": 1})
    assert run.artifact_versions() == []
    run.finish()


def test_a_python_run_and_a_typescript_run_in_one_project_number_alike(tally_dir: str) -> None:
    py = tally.init(dir=tally_dir, project="mixed", **QUIET)
    py.log_artifact(Artifact("model", "model").add_object("w.json", [0]), aliases=["best"])
    py.finish()
    # TypeScript logs a new version, then Python's v0 again with an alias of its own.
    ts = json.loads(node(
        """
        import { Artifact, init } from '@tally/sdk'
        const run = init({ dir: process.env.DIR, project: 'mixed', quiet: true, capture: false })
        await run.logArtifact(new Artifact('model', 'model').addObject('w.json', [1]))
        await run.logArtifact(new Artifact('model', 'model', { aliases: ['prod'] }).addObject('w.json', [0]))
        await run.logArtifact(new Artifact('data', 'dataset').addObject('rows.json', [1]))
        const versions = await run.artifactVersions()
        await run.finish()
        process.stdout.write(JSON.stringify(versions.map((v) => [v.name, v.version, v.digest, v.aliases, v.runId])))
        """,
        env={"DIR": tally_dir},
    ))
    reader_run = tally.init(dir=tally_dir, project="mixed", **QUIET)
    mine = [[v.name, v.version, v.digest, v.aliases, v.run_id] for v in reader_run.artifact_versions()]
    reader_run.finish()
    assert mine == ts
    assert [m[:2] + [m[3]] for m in mine] == [["model", 0, ["best", "prod"]], ["model", 1, ["latest"]], ["data", 0, ["latest"]]]
    assert mine[0][4] == py.id
    got = run_cli("artifact", "get", "model:v1", "--project", "mixed", "--out", str(Path(tally_dir).parent / "o"), dir=tally_dir)
    assert got["digest"] == mine[1][2]


def test_remote_mode_reads_versions_through_the_server(tmp_path: Path) -> None:
    server = start_server(str(tmp_path / "server"))
    key = server.key
    try:
        told: list = []

        def remote(sub: str) -> tally.Run:
            return tally.init(project="p", server_url=server.url, api_key=key, dir=str(tmp_path / sub),
                              on_error=told.append, **QUIET)

        writer = remote("writer")
        (tmp_path / "w.bin").write_bytes(b"weights v0")
        writer.log_artifact(Artifact("model", "model").add_file(tmp_path / "w.bin"), aliases=["best"])
        # Read back at once: the run waits until the server has its records.
        assert triples(writer.artifact_versions()) == [("model", 0, ["latest", "best"])]
        (tmp_path / "w.bin").write_bytes(b"weights v1")
        writer.log_artifact(Artifact("model", "model").add_file(tmp_path / "w.bin"))
        writer.finish()

        # Another client, with a spool of its own, sees both through the server.
        other = remote("other")
        versions = other.artifact_versions()
        other.finish()
        assert triples(versions) == [("model", 0, ["best"]), ("model", 1, ["latest"])]
        assert versions[0].run_id == writer.id and versions[0].created_at > 0
        assert versions[1].entries == [{"kind": "file", "path": "w.bin", "size": 10, "sha256": versions[1].entries[0]["sha256"]}]
        assert not os.path.exists(tmp_path / "other" / "spool" / writer.id)
        # log_artifact's flush(timeout=0) waits for nothing, and tells of no outage.
        assert told == []
    finally:
        server.kill()
