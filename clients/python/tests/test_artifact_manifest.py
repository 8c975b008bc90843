"""Artifact manifests, paths and digests: the same as the TypeScript SDK's, checked against it."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from tally.artifacts import Artifact, blob_path, check_artifact_name, check_entries, check_entry_path, manifest_digest
from tally.artifacts.blobs import store_bytes_blob, store_file_blob
from tally.artifacts.jsjson import js_stringify
from tally.errors import TallyError

from support import REPO

SDK_ARTIFACTS = REPO / "packages" / "sdk" / "dist" / "artifacts" / "index.js"


def code_of(f) -> str:
    with pytest.raises(TallyError) as info:
        f()
    return info.value.code


def node(script: str, payload: object) -> object:
    """Run ``script`` under node with ``payload`` as JSON on stdin; return what it prints as JSON."""
    if not SDK_ARTIFACTS.exists():
        pytest.fail(f"{SDK_ARTIFACTS} is missing: run `npm run build` at the repository root first")
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=json.dumps(payload).encode(),
        capture_output=True,
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/../../b", "a\\b", "a\x00b", "C:/x", "", "a//b", "./a", "a/."])
def test_entry_paths_that_could_leave_a_folder_are_refused(bad: str) -> None:
    assert code_of(lambda: check_entry_path(bad)) == "invalid_path"
    assert code_of(lambda: Artifact("m", "model").add_file(__file__, name=bad)) == "invalid_path"
    assert code_of(lambda: Artifact("m", "model").add_object(bad, 1)) == "invalid_path"
    assert code_of(lambda: Artifact("m", "model").add_reference("s3://b/x", name=bad)) == "invalid_path"


def test_names_aliases_and_types_are_checked_with_the_typescript_codes() -> None:
    for bad in ["..", ".hidden", "a/b", "", "x" * 129, "../up", None]:
        assert code_of(lambda: check_artifact_name(bad)) == "invalid_path"
        assert code_of(lambda: Artifact(bad, "model")) == "invalid_path"
    assert code_of(lambda: Artifact("m", "nonsense")) == "invalid_argument"
    assert code_of(lambda: Artifact("m", "model").add_dir("d", name="../x")) == "invalid_path"
    assert code_of(lambda: Artifact("m", "model").add_file("")) == "invalid_argument"
    assert code_of(lambda: Artifact("m", "model").add_object("x.json", {1.5: "key not a string"})) == "invalid_config"
    assert code_of(lambda: Artifact("m", "model").add_object("x.json", object())) == "invalid_config"
    for bad_alias in ["v3", "a/b", "", "x" * 65]:
        a = Artifact("m", "model", aliases=[bad_alias]).add_object("x.json", 1)
        assert code_of(lambda: a.build("/nonexistent-never-written", 0)) == "invalid_argument"
    assert check_artifact_name("resnet-50.v2_final") == "resnet-50.v2_final"


def test_a_path_that_is_also_another_entrys_folder_is_refused() -> None:
    sha = "a" * 64

    def file(path: str) -> dict:
        return {"kind": "file", "path": path, "size": 1, "sha256": sha}

    assert code_of(lambda: check_entries([file("a"), file("a/b")])) == "invalid_path"
    assert code_of(lambda: check_entries([file("x/y/z"), file("x/y")])) == "invalid_path"
    assert code_of(lambda: check_entries([file("same"), file("same")])) == "invalid_path"
    assert [e["path"] for e in check_entries([file("ab"), file("a/b")])] == ["a/b", "ab"]


def test_blobs_are_stored_once_by_sha256(tmp_path: Path) -> None:
    src = tmp_path / "model.bin"
    src.write_bytes(b"weights!" * 100_000)
    first = store_file_blob(tmp_path / "blobs", src)
    again = store_file_blob(tmp_path / "blobs", src)
    from_bytes = store_bytes_blob(tmp_path / "blobs", src.read_bytes())
    expected = hashlib.sha256(src.read_bytes()).hexdigest()
    assert (first.sha256, first.size, first.added) == (expected, 800_000, True)
    assert (again.added, from_bytes.added, from_bytes.sha256) == (False, False, expected)
    assert Path(blob_path(tmp_path / "blobs", expected)).read_bytes() == src.read_bytes()
    assert Path(blob_path(tmp_path / "blobs", expected)).parent.name == expected[:2]
    # No temporary file is left behind, whether the blob was new or not.
    assert sorted(os.listdir(tmp_path / "blobs")) == [expected[:2]]
    with pytest.raises(OSError):
        store_file_blob(tmp_path / "blobs", tmp_path / "missing.bin")
    assert sorted(os.listdir(tmp_path / "blobs")) == [expected[:2]]


TRICKY_OBJECT = {
    "b": 1.0,
    "10": 1e21,
    "2": [0.1, 1e-7, 0.000001, -0.0, 123456789012345680000.0, 5e-324, 2**53, -17],
    "a": {"é😀": "line\nbreak \u2028 \x01 \"quoted\" \\", "nested": [True, False, None, {}, []]},
    "nan": float("nan"),
    "inf": [float("inf"), float("-inf")],
    "01": "not an index key",
    "4294967295": "not an index key either",
}


def test_the_manifest_and_digest_equal_what_typescript_builds_from_the_same_files(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "data" / "sub").mkdir(parents=True)
    (src / "model.bin").write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    (src / "data" / "a.txt").write_text("same bytes")
    (src / "data" / "sub" / "b.txt").write_text("same bytes")
    (src / "data" / "Z-upper.txt").write_text("sorted by code unit")
    (src / "data" / "ünïcode.txt").write_text("x")
    (src / "empty").write_bytes(b"")
    artifact = (
        Artifact("resnet", "model", description="first", metadata={"epochs": 3})
        .add_file(src / "model.bin")
        .add_file(str(src / "empty"), name="weights/empty.bin")
        .add_dir(src / "data", name="data")
        .add_object("metrics.json", TRICKY_OBJECT)
        .add_json("plain.json", [1, 2.5, "x"])
        .add_reference("s3://bucket/big.tar/")
        .add_reference("https://example.com/get?file=c:\\x", name="c-ref")
    )
    artifact.aliases.extend(["best", "latest", "best"])
    event, new_blobs = artifact.build(tmp_path / "py-blobs", 1234)

    ts = node(
        f"import {{ Artifact }} from {json.dumps(SDK_ARTIFACTS.as_uri())}\n"
        + r"""
        const input = JSON.parse(await new Response(process.stdin).text())
        const special = { __nan: NaN, __inf: Infinity, '__-inf': -Infinity }
        const tricky = JSON.parse(input.tricky, (k, v) => (typeof v === 'string' && v in special ? special[v] : v))
        const a = new Artifact('resnet', 'model', { description: 'first', metadata: { epochs: 3 } })
          .addFile(input.src + '/model.bin')
          .addFile(input.src + '/empty', { name: 'weights/empty.bin' })
          .addDir(input.src + '/data', { name: 'data' })
          .addObject('metrics.json', tricky)
          .addObject('plain.json', [1, 2.5, 'x'])
          .addReference('s3://bucket/big.tar/')
          .addReference('https://example.com/get?file=c:\\x', { name: 'c-ref' })
        a.aliases.push('best', 'latest', 'best')
        const { event, newBlobs } = await a.build(input.blobs, 1234)
        process.stdout.write(JSON.stringify({ event, newBlobs, stringified: JSON.stringify(event.entries) }))
        """,
        {
            "src": str(src),
            "blobs": str(tmp_path / "ts-blobs"),
            "tricky": json.dumps(
                {**TRICKY_OBJECT, "nan": "__nan", "inf": ["__inf", "__-inf"]}, ensure_ascii=False
            ),
        },
    )
    assert ts["event"]["digest"] == event["digest"]
    assert ts["stringified"] == js_stringify(event["entries"])
    assert ts["event"]["aliases"] == event["aliases"] == ["best"]
    # model.bin, empty, "same bytes" (a.txt and sub/b.txt), "sorted by code unit", "x"
    assert ts["newBlobs"] == new_blobs == 5
    assert event["digest"] == manifest_digest("model", event["entries"])
    # The same blob files, byte for byte, under the same relative paths.
    py_files = sorted(str(p.relative_to(tmp_path / "py-blobs")) for p in (tmp_path / "py-blobs").rglob("*") if p.is_file())
    ts_files = sorted(str(p.relative_to(tmp_path / "ts-blobs")) for p in (tmp_path / "ts-blobs").rglob("*") if p.is_file())
    assert py_files == ts_files


def test_js_stringify_matches_javascript_for_random_numbers() -> None:
    import random
    import struct

    rng = random.Random(6)
    values = [struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(3000)]
    values += [rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30) for _ in range(3000)]
    values = [v for v in values if v == v and abs(v) != float("inf")]
    printed = node(
        "const xs = JSON.parse(await new Response(process.stdin).text()); process.stdout.write(JSON.stringify(JSON.stringify(xs)))",
        values,
    )
    assert printed == js_stringify(values)
