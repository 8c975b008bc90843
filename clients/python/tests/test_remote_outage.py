"""A server that goes away (SIGKILL) or is not there yet: logging goes on into the spool, and
every record reaches the server exactly once when it is back. The spool is written by the
Python spool writer while the sender follows it."""
from __future__ import annotations

import os
import secrets
import shutil
import time
from array import array

import pytest

from tally.remote import remote_target, start_sender
from tally.spool import PointsBatch, SpoolWriter, write_run_index
from tally.spool.format import U32

from remote_support import Server, create_key


def _id(n: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(n))


class Spool:
    """A run written with the spool writer: its run event, then one row per step."""

    def __init__(self, dir: str, project: str = "p") -> None:
        self.run_id, self.writer_id = _id(12), _id(16)
        now = int(time.time() * 1000)
        write_run_index(dir, {"id": self.run_id, "project": project, "name": "outage", "createdAt": now})
        self.writer = SpoolWriter(dir, self.run_id, self.writer_id)
        self.writer.event({
            "type": "run", "at": now,
            "writer": {"id": self.writer_id, "host": "h", "pid": os.getpid(), "runtime": "python/test", "startedAt": now},
            "id": self.run_id, "project": project, "name": "outage", "group": None, "tags": [], "description": None,
            "config": {}, "createdAt": now, "resumed": False, "resume": "never", "system": {},
        })
        self.writer.commit()

    def log(self, step: int, value: float) -> None:
        batch = PointsBatch(["loss"], array("d", [step]), array("d", [time.time() * 1000]), array(U32, [1]),
                            array(U32, [0]), array("d", [value]))
        self.writer.points(batch)
        self.writer.commit()


@pytest.fixture
def server_dir(tmp_path):
    d = str(tmp_path / "server")
    os.makedirs(d)
    return d


def test_logging_through_a_server_restart_loses_nothing(tmp_path, server_dir):
    server = Server(server_dir)
    key = create_key(server_dir)
    server.start()
    spool = Spool(str(tmp_path / "local"))
    told = []
    sender = start_sender(None, remote_target(server.url, key), spool.writer_id, spool.writer.path, on_error=told.append)
    try:
        for step in range(90):
            if step == 30:
                assert sender.flush(60)
                server.kill()
            if step == 60:
                server.start()
            spool.log(step, step * 0.5)
            sender.wake()
        assert sender.flush(60) is True
        assert sender.acked_seq == spool.writer.last_seq
        series = server.series(key, spool.run_id, "loss")
        assert series["steps"] == list(range(90))
        assert series["values"] == [step * 0.5 for step in range(90)]
        # The outage was told once, with what happens to the records.
        assert [e.code for e in told] == ["server_unreachable"] and "spool" in told[0].message
    finally:
        sender.stop(10)
        server.kill()


def test_a_server_that_appears_later_gets_everything(tmp_path, server_dir):
    server = Server(server_dir)
    key = create_key(server_dir)
    spool = Spool(str(tmp_path / "local"))
    sender = start_sender(None, remote_target(server.url, key), spool.writer_id, spool.writer.path, on_error=lambda e: None)
    try:
        for step in range(40):
            spool.log(step, float(step))
            sender.wake()
        # Nothing there to acknowledge: flush says so instead of hanging.
        assert sender.flush(0.3) is False
        assert sender.acked_seq == 0
        server.start()
        assert sender.flush(60) is True
        assert server.series(key, spool.run_id, "loss")["values"] == [float(s) for s in range(40)]
    finally:
        sender.stop(10)
        server.kill()


def test_stop_while_the_server_is_down_returns_and_keeps_the_spool(tmp_path, server_dir):
    server = Server(server_dir)
    key = create_key(server_dir)
    spool = Spool(str(tmp_path / "local"))
    sender = start_sender(None, remote_target(server.url, key), spool.writer_id, spool.writer.path, on_error=lambda e: None)
    spool.log(0, 1.0)
    sender.wake()
    sender.stop(10)
    assert sender.stopped and not sender._thread.is_alive()
    # A second sender (the next process, or sync) delivers what the first could not.
    server.start()
    try:
        again = start_sender(None, remote_target(server.url, key), spool.writer_id, spool.writer.path)
        assert again.flush(60) is True
        again.stop(10)
        assert server.series(key, spool.run_id, "loss")["values"] == [1.0]
    finally:
        server.kill()


def test_a_server_restored_from_an_older_backup_gets_the_records_it_lost(tmp_path, server_dir):
    """The restored server answers seq_gap with its own ackedSeq; the sender resends from there."""
    server = Server(server_dir)
    key = create_key(server_dir)
    backup = str(tmp_path / "backup")
    os.makedirs(backup)
    server.start()
    spool = Spool(str(tmp_path / "local"))
    sender = start_sender(None, remote_target(server.url, key), spool.writer_id, spool.writer.path, on_error=lambda e: None)
    try:
        for step in range(60):
            if step in (20, 40):
                assert sender.flush(60)
                server.kill()
                files = [f for f in os.listdir(server_dir) if f.startswith("server.db")]
                if step == 20:
                    for f in files:
                        shutil.copy(os.path.join(server_dir, f), backup)
                else:
                    for f in files:
                        os.remove(os.path.join(server_dir, f))
                    for f in os.listdir(backup):
                        shutil.copy(os.path.join(backup, f), server_dir)
                server.start()
            spool.log(step, float(step))
            sender.wake()
        assert sender.flush(60) is True
        assert server.series(key, spool.run_id, "loss")["steps"] == list(range(60))
        # The 20 records the restore lost were stored twice over the run's life: once before, once again.
        assert sender.sent["records"] == spool.writer.last_seq + 20
    finally:
        sender.stop(10)
        server.kill()
