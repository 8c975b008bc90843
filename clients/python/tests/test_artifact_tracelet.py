"""Tracelet's ArtifactType and TraceletArtifact: the seed's builder, logged as TypeScript logs it."""
from __future__ import annotations

import hashlib
import json
import pickle
import subprocess
from pathlib import Path

import pytest

from tally.errors import TallyError
from tally.tracelet.artifacts import (
    ArtifactObject,
    ArtifactType,
    TraceletArtifact,
    file_artifact,
)

from support import REPO

TS_TRACELET = REPO / "packages" / "sdk" / "dist" / "tracelet" / "tracelet-artifact.js"


def test_artifact_type_values_are_tracelets() -> None:
    assert {t.name: t.value for t in ArtifactType} == {
        "MODEL": "model", "CHECKPOINT": "checkpoint", "WEIGHTS": "weights", "DATASET": "dataset",
        "SAMPLE": "sample", "IMAGE": "image", "AUDIO": "audio", "VIDEO": "video", "VISUALIZATION": "viz",
        "REPORT": "report", "CONFIG": "config", "CODE": "code", "CUSTOM": "custom",
    }
    assert ArtifactType.VISUALIZATION == "viz"
    assert TraceletArtifact("m", "checkpoint").type is ArtifactType.CHECKPOINT


def test_the_builder_becomes_the_same_core_artifact_as_in_typescript(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"weights" * 1000)
    (tmp_path / "notes.txt").write_text("notes")
    a = (
        TraceletArtifact("resnet", ArtifactType.MODEL, "after epoch 10")
        .add_file(str(tmp_path / "model.bin"), "weights/model.bin", "final weights")
        .add_file(str(tmp_path / "notes.txt"))
        .add_object({"lr": 0.01, "layers": [64, 128]}, "config.json", description="hyper-parameters")
        .add_reference("s3://bucket/train.tar", 1_000_000, "training data")
        .add_reference("https://example.com/eval.tar")
        .add_model({"kind": "linear", "w": [0.5, -1.25]}, framework="numpy", input_example=[[1.0, 2.0]])
    )
    assert a.size_bytes == 1_000_000  # files count once logged
    event, _ = a.to_artifact().build(tmp_path / "py-blobs", 5)

    script = f"import {{ TraceletArtifact }} from {json.dumps(TS_TRACELET.as_uri())}\n" + r"""
    const dir = JSON.parse(await new Response(process.stdin).text())
    const a = new TraceletArtifact('resnet', 'model', 'after epoch 10')
      .addFile(dir + '/model.bin', 'weights/model.bin', 'final weights')
      .addFile(dir + '/notes.txt')
      .addObject({ lr: 0.01, layers: [64, 128] }, 'config.json', 'json', 'hyper-parameters')
      .addReference('s3://bucket/train.tar', 1000000, 'training data')
      .addReference('https://example.com/eval.tar')
      .addModel({ kind: 'linear', w: [0.5, -1.25] }, 'numpy', [[1.0, 2.0]])
    const { event } = await a.toArtifact().build(dir + '/ts-blobs', 5)
    process.stdout.write(JSON.stringify(event))
    """
    done = subprocess.run(["node", "--input-type=module", "-e", script], input=json.dumps(str(tmp_path)).encode(),
                          capture_output=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    ts_event = json.loads(done.stdout)
    assert event["digest"] == ts_event["digest"]
    assert json.loads(json.dumps(event)) == ts_event
    assert event["metadata"]["tracelet"] == {
        "descriptions": {"weights/model.bin": "final weights", "config.json": "hyper-parameters", "train.tar": "training data"},
        "referenceSizes": {"train.tar": 1_000_000},
    }


def test_pickle_objects_are_stored_as_files_and_from_manifest_reads_notes_back(tmp_path: Path) -> None:
    vocabulary = {"tokens": ("a", "b"), "ids": {1, 2}}  # a tuple and a set: pickle, not JSON
    a = TraceletArtifact("vocab", ArtifactType.DATASET).add_object(vocabulary, "vocab.pkl", "pickle", "the vocabulary")
    a.add_reference("gs://b/shard-0", size_bytes=7)
    event, new_blobs = a.to_artifact().build(tmp_path / "blobs", 0)
    (entry,) = [e for e in event["entries"] if e["kind"] == "file"]
    assert entry["path"] == "vocab.pkl" and new_blobs == 1
    blob = tmp_path / "blobs" / entry["sha256"][:2] / entry["sha256"]
    assert pickle.loads(blob.read_bytes()) == vocabulary

    back = TraceletArtifact.from_manifest(
        event["name"], event["artifactType"], event["description"], event["metadata"], event["entries"]
    )
    assert back.type is ArtifactType.DATASET
    assert [(f.artifact_path, f.description, f.size_bytes, f.checksum) for f in back.files] == [
        ("vocab.pkl", "the vocabulary", entry["size"], entry["sha256"])
    ]
    assert [(r.uri, r.size_bytes) for r in back.references] == [("gs://b/shard-0", 7)]
    assert back.metadata == {} and back.size_bytes == entry["size"] + 7
    out = a.serialize_object(a.objects[0], str(tmp_path))
    assert pickle.loads(Path(out).read_bytes()) == vocabulary
    assert back.to_dict()["files"][0]["checksum"] == entry["sha256"]


class Linear:
    """A model that is no JSON value: add_model pickles it."""

    def __init__(self) -> None:
        self.w = (0.5, 1.5)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Linear) and other.w == self.w


def test_a_model_that_is_not_json_is_pickled_and_a_path_is_a_file(tmp_path: Path) -> None:
    a = TraceletArtifact("lin", ArtifactType.MODEL).add_model(Linear(), framework="sklearn", input_example={"x": [1]})
    assert [(o.name, o.serializer) for o in a.objects] == [("model.pkl", "pickle")]
    assert a.metadata == {"framework": "sklearn", "inputExample": {"x": [1]}}
    event, _ = a.to_artifact().build(tmp_path / "blobs", 0)
    (entry,) = event["entries"]
    assert pickle.loads((tmp_path / "blobs" / entry["sha256"][:2] / entry["sha256"]).read_bytes()) == Linear()
    path = tmp_path / "m.pt"
    path.write_bytes(b"pt")
    b = TraceletArtifact("pt", ArtifactType.MODEL).add_model(str(path))
    assert [(f.local_path, f.artifact_path) for f in b.files] == [(str(path), "m.pt")]


def test_invalid_inputs_raise_tally_errors() -> None:
    def code_of(f) -> str:
        with pytest.raises(TallyError) as info:
            f()
        return info.value.code

    assert code_of(lambda: TraceletArtifact("../up", ArtifactType.MODEL)) == "invalid_path"
    assert code_of(lambda: TraceletArtifact("m", "spaceship")) == "invalid_argument"
    assert code_of(lambda: TraceletArtifact("m", ArtifactType.MODEL).add_object(1, "x", "toml")) == "invalid_argument"
    assert code_of(lambda: TraceletArtifact("m", ArtifactType.MODEL).add_object(object(), "x.json")) == "invalid_config"
    assert code_of(lambda: TraceletArtifact("m", ArtifactType.MODEL).add_reference("s3://x", -1)) == "invalid_argument"
    assert code_of(lambda: TraceletArtifact("m", ArtifactType.MODEL).add_file("")) == "invalid_argument"
    escaping = TraceletArtifact("m", ArtifactType.MODEL).add_file(__file__, "../../etc/passwd")
    assert code_of(escaping.to_artifact) == "invalid_path"
    bad_name = ArtifactObject(1, "../x.json")
    assert code_of(lambda: TraceletArtifact("m", ArtifactType.MODEL).serialize_object(bad_name, "/tmp")) == "invalid_path"
    assert file_artifact("out/my model.pt").name == "my_model.pt"
    assert file_artifact("out/.hidden").name == "hidden"


def test_log_to_run_returns_the_tally_backends_result_and_the_cli_reads_it(tmp_path: Path) -> None:
    import tally
    from tally.tracelet.artifacts import log_to_run

    (tmp_path / "model.bin").write_bytes(b"weights")
    d = tmp_path / "tally"
    run = tally.init(project="my proj", dir=str(d), capture=False)
    a = TraceletArtifact("resnet", ArtifactType.MODEL).add_file(str(tmp_path / "model.bin"), description="w")
    result = log_to_run(run, a)
    run.finish()
    digest = result.metadata["digest"]
    assert (result.backend, result.version, result.uri) == ("tally", "v0", "tally://my%20proj/resnet:v0")
    assert result.metadata == {"runId": run.id, "digest": digest, "newBlobs": 1} and len(digest) == 64
    assert (a.files[0].size_bytes, a.files[0].checksum) == (7, hashlib.sha256(b"weights").hexdigest())
    cli = REPO / "packages" / "server" / "dist" / "cli" / "main.js"
    done = subprocess.run(["node", str(cli), "artifact", "get", "resnet", "--project", "my proj", "--out", str(tmp_path / "out"),
                           "--dir", str(d), "--json"], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    got = json.loads(done.stdout)
    assert (got["version"], got["digest"], got["type"], got["metadata"]) == ("v0", digest, "model", {"tracelet": {"descriptions": {"model.bin": "w"}, "referenceSizes": {}}})
    assert (tmp_path / "out" / "model.bin").read_bytes() == b"weights"


def test_references_ending_alike_get_paths_of_their_own_and_tracelet_metadata_is_refused(tmp_path: Path) -> None:
    a = (TraceletArtifact("data", ArtifactType.DATASET)
         .add_object([1], "data.tar")
         .add_reference("s3://a/data.tar", 5, "first")
         .add_reference("s3://b/data.tar", 7))
    event, _ = a.to_artifact().build(tmp_path / "blobs", 0)
    assert [(e["path"], e.get("uri")) for e in event["entries"]] == [
        ("data.tar", None), ("data.tar~1", "s3://a/data.tar"), ("data.tar~2", "s3://b/data.tar")]
    assert event["metadata"]["tracelet"] == {"descriptions": {"data.tar~1": "first"},
                                             "referenceSizes": {"data.tar~1": 5, "data.tar~2": 7}}
    back = TraceletArtifact.from_manifest(event["name"], event["artifactType"], None, event["metadata"], event["entries"],
                                          version="v2", aliases=["latest", "best"])
    assert [(r.uri, r.size_bytes, r.description) for r in back.references] == [
        ("s3://a/data.tar", 5, "first"), ("s3://b/data.tar", 7, None)]
    assert (back.to_dict()["version"], back.to_dict()["aliases"]) == ("v2", ["latest", "best"])
    assert (a.version, a.aliases) == (None, [])

    mine = TraceletArtifact("m", ArtifactType.MODEL)
    mine.metadata["tracelet"] = {"mine": True}
    with pytest.raises(TallyError) as info:
        mine.to_artifact()
    assert info.value.code == "invalid_argument" and "tracelet" in info.value.message
