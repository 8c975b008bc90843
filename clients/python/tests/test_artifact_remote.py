"""A Python-logged artifact sent by the Python sender: blobs uploaded in parts before the manifest,
read back from a real `tally serve`. (The run logs locally and `sync_spool` ships it: the core's
`init(server_url=…)` does not start the sender yet; both send through the same sender code.)"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import tally
from tally.artifacts import Artifact
from tally.remote.sync import sync_spool

from remote_support import CLI, Server, create_key


def test_a_synced_artifact_arrives_whole_and_tally_artifact_get_reads_it_from_the_server(tmp_path: Path) -> None:
    server_dir = tmp_path / "server"
    server_dir.mkdir()
    key = create_key(str(server_dir))
    server = Server(str(server_dir)).start()
    try:
        big = os.urandom(9 * 1024 * 1024 + 5)  # more than one 8 MiB part
        (tmp_path / "model.bin").write_bytes(big)
        (tmp_path / "copy.bin").write_bytes(big)
        run = tally.init(project="remote", dir=str(tmp_path / "local"), capture=False)
        logged = run.log_artifact(
            Artifact("big", "checkpoint").add_file(tmp_path / "model.bin").add_file(tmp_path / "copy.bin")
            .add_object("meta.json", {"epoch": 3}),
            aliases=["best"],
        )
        run.finish()
        assert logged.new_blobs == 1
        report = sync_spool(str(tmp_path / "local"), server.url, api_key=key)
        assert [w.get("error") for w in report["writers"]] == [None]
        out = tmp_path / "out"
        done = subprocess.run(
            ["node", CLI, "artifact", "get", "big:best", "--project", "remote", "--out", str(out),
             "--server", server.url, "--api-key", key, "--json"],
            capture_output=True, timeout=120,
        )
        assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
        got = json.loads(done.stdout)
        assert (got["version"], got["digest"], got["size"]) == ("v0", logged.digest, 2 * len(big))
        assert (out / "model.bin").read_bytes() == big and (out / "copy.bin").read_bytes() == big
        assert json.loads((out / "meta.json").read_text()) == {"epoch": 3}
    finally:
        server.kill()
