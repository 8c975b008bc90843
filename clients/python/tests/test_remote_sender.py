"""The sender ships a spool file to a real ``tally serve``: here the spool is written by the
TypeScript SDK in local mode, so these tests hold for any writer of the spool format."""
from __future__ import annotations

import glob
import json
import math
import os

from tally.errors import TallyError
from tally.remote import Sender, remote_target
from tally.remote.records import FILE_START, find_offset, read_slice, seq_at, slice_records
from tally.remote.sidecar import read_sidecar, sidecar_path

from remote_support import create_key, eventually, node


def ts_spool(dir: str, steps: int, project: str = "p") -> str:
    """A local-mode run of the TS SDK with ``loss`` at steps 0…steps-1 (NaN at step 3); its run id."""
    script = f"""
import {{ init }} from '@tally/sdk'
const run = init({{ project: {json.dumps(project)}, dir: {json.dumps(dir)}, capture: false, quiet: true }})
for (let i = 0; i < {steps}; i++) run.log({{ loss: i === 3 ? NaN : i / 4, acc: i }})
run.result('best', Infinity)
await run.finish()
process.stdout.write(run.id)
"""
    return node(script)


def spool_file(dir: str, run_id: str) -> str:
    (path,) = glob.glob(os.path.join(dir, "spool", run_id, "*.tsp"))
    return path


def test_ships_a_spool_file_exactly_once(tmp_path, server):
    local = str(tmp_path / "local")
    run_id = ts_spool(local, 50)
    path = spool_file(local, run_id)
    writer_id = os.path.basename(path)[:-4]
    target = remote_target(server.url, server.key)
    end = find_offset(path, math.inf).seq
    # Small batches, so the file goes in several requests.
    sender = Sender(path, writer_id, target, max_batch_bytes=256).start()
    assert sender.flush(60) is True
    sender.stop(10)
    assert sender.acked_seq == end and sender.error is None
    series = server.series(server.key, run_id, "loss")
    assert series["steps"] == list(range(50))
    assert series["values"] == [("NaN" if i == 3 else i / 4) for i in range(50)]
    status, run = server.get(server.key, f"/api/v1/runs/{run_id}")
    assert status == 200 and run["status"] == "finished"
    # The sidecar says where the writer's records went and how far they were acknowledged.
    hint = read_sidecar(path)
    assert (hint.server_url, hint.workspace, hint.acked_seq, hint.offset) == (
        server.url, "default", end, os.path.getsize(path))

    # A second sender of the same file (a second process, or `tally sync`) stores nothing twice.
    again = Sender(path, writer_id, target).start()
    assert again.flush(60) is True
    again.stop(10)
    assert again.sent == {"records": 0, "points": 0}
    assert server.series(server.key, run_id, "loss")["steps"] == list(range(50))


def test_resends_from_the_servers_acked_seq_when_the_sidecar_is_ahead(tmp_path, server):
    local = str(tmp_path / "local")
    run_id = ts_spool(local, 20)
    path = spool_file(local, run_id)
    # A sidecar that claims the server has everything (a server restored from an older backup).
    with open(sidecar_path(path), "w") as f:
        json.dump({"serverUrl": server.url, "workspace": "default", "ackedSeq": find_offset(path, math.inf).seq,
                   "offset": os.path.getsize(path)}, f)
    sender = Sender(path, os.path.basename(path)[:-4], remote_target(server.url, server.key)).start()
    assert sender.flush(60) is True
    sender.stop(10)
    assert server.series(server.key, run_id, "acc")["values"] == list(range(20))


def test_a_bad_api_key_stops_the_sender_with_unauthorized(tmp_path, server):
    local = str(tmp_path / "local")
    run_id = ts_spool(local, 5)
    path = spool_file(local, run_id)
    told = []
    sender = Sender(path, "w", remote_target(server.url, "tally_sk_not_a_key"), on_error=told.append).start()
    assert sender.flush(60) is False
    sender.stop(10)
    assert isinstance(sender.error, TallyError) and sender.error.code == "unauthorized"
    assert "TALLY_API_KEY" in sender.error.message and "tally sync" in sender.error.message
    assert [e.code for e in told] == ["unauthorized"]


def test_a_viewer_key_is_forbidden(tmp_path, server):
    local = str(tmp_path / "local")
    path = spool_file(local, ts_spool(local, 2))
    viewer = create_key(server.dir, role="viewer")
    sender = Sender(path, os.path.basename(path)[:-4], remote_target(server.url, viewer)).start()
    assert sender.flush(60) is False
    sender.stop(10)
    assert sender.error.code == "forbidden"


def test_records_are_cut_whole_and_checked(tmp_path):
    local = str(tmp_path / "local")
    path = spool_file(local, ts_spool(local, 10))
    data = open(path, "rb").read()
    whole = slice_records(data[8:], 1 << 20)
    end = find_offset(path, math.inf)
    assert whole.count == end.seq and whole.last_seq == end.seq and whole.damaged is None
    assert len(whole.data) == len(data) - 8
    # A record cut short is left for later; a flipped bit is reported, never sent.
    assert slice_records(data[8:-1], 1 << 20).count == end.seq - 1
    broken = bytearray(data[8:])
    broken[20] ^= 0xFF
    damaged = slice_records(bytes(broken), 1 << 20)
    assert damaged.count == 0 and "checksum" in damaged.damaged
    # The first record is taken alone even when it is over the budget.
    assert read_slice(path, 8, 1).count == 1
    second = find_offset(path, 1)
    assert seq_at(path, second.offset) == 2 and seq_at(path, os.path.getsize(path)) == "end"
    assert find_offset(path, 1, FILE_START).offset == second.offset
