"""Send what a local spool holds and a server has not acknowledged: runs logged while it was
down, or whose process ended before its sender caught up. Mirrors
packages/sdk/src/remote/sync.ts (``tally sync``); the Trackio facade's ``sync()`` calls it.
"""
from __future__ import annotations

import json
import math
import os
import threading
from typing import Any, Dict, List, Optional

from ..errors import TallyError
from .http import message_of
from .records import find_offset
from .sender import Sender
from .sidecar import SPOOL_FILE_SUFFIX, read_sidecar
from .target import RemoteTarget, check_server_url, check_workspace

# A dead server is given up on after this many tries in a row (about 4 s); sync is run by hand.
SYNC_RETRIES = 4
# Writer files sent at once.
CONCURRENCY = 4


def sync_spool(dir: str, server_url: Optional[str] = None, api_key: Optional[str] = None,
               workspace: Optional[str] = None, project: Optional[str] = None, *,
               all: bool = True) -> Dict[str, Any]:
    """Send every record under ``dir``'s spool that the server has not acknowledged.

    With ``all`` (the default here, for a facade's ``sync()`` of runs logged locally), every
    writer file goes to ``server_url`` (default ``$TALLY_SERVER_URL``) and ``workspace``
    (default ``$TALLY_WORKSPACE``, else "default"). With ``all=False``, only files that
    remote mode recorded for a server (their ``.sent.json``) go, each to its own server,
    as ``tally sync`` without ``--all`` does. ``project`` keeps the runs of one project.
    Idempotent: the server stores each record once however often it is sent.

    Returns ``{"writers": [{runId, writerId, serverUrl, workspace, records, points, ackedSeq,
    lastSeq, error?}], "skipped": n}``; ``error`` is ``{"code", "message"}``.

    Example::

        report = sync_spool("~/.tally", "http://127.0.0.1:8080", api_key="tally_sk_…")
        assert all("error" not in w for w in report["writers"])
    """
    jobs, skipped = _plan(os.path.expanduser(dir), server_url, api_key, workspace, project, all)
    writers: List[Dict[str, Any]] = []
    unreachable: Dict[str, TallyError] = {}
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not jobs:
                    return
                job = jobs.pop(0)
            result = _sync_writer(job, unreachable, lock)
            with lock:
                writers.append(result)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(min(CONCURRENCY, len(jobs)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writers.sort(key=lambda w: (w["runId"], w["writerId"]))
    return {"writers": writers, "skipped": skipped}


def _plan(dir: str, server_url: Optional[str], api_key: Optional[str], workspace: Optional[str],
          project: Optional[str], all: bool):
    env = os.environ
    raw_server = server_url if server_url is not None else (env.get("TALLY_SERVER_URL") or None)
    server = None if raw_server is None else check_server_url(raw_server)
    raw_ws = workspace if workspace is not None else (env.get("TALLY_WORKSPACE") or None)
    ws = None if raw_ws is None else check_workspace(raw_ws)
    if all and server is None:
        raise TallyError("invalid_argument",
                         "sending every run needs the server: pass server_url or set TALLY_SERVER_URL")
    found = []
    skipped = 0
    root = os.path.join(dir, "spool")
    for run_id in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        run_dir = os.path.join(root, run_id)
        if not os.path.isdir(run_dir):
            continue
        if project is not None and _run_project(run_dir) != project:
            continue
        for name in sorted(os.listdir(run_dir)):
            if not name.endswith(SPOOL_FILE_SUFFIX):
                continue
            path = os.path.join(run_dir, name)
            where = _destination(path, server, ws, all)
            if where is None:
                skipped += 1
            else:
                found.append((run_id, name[: -len(SPOOL_FILE_SUFFIX)], path, where))
    if not found:
        return [], skipped
    key = api_key if api_key is not None else (env.get("TALLY_API_KEY") or None)
    if not key:
        raise TallyError("invalid_argument", (
            f"{len(found)} spool file(s) under {root} are for a server: pass an API key with the writer role "
            "(api_key, or TALLY_API_KEY)"))
    jobs = [(run_id, writer_id, path, RemoteTarget(where[0], key, where[1])) for run_id, writer_id, path, where in found]
    return jobs, skipped


def _run_project(run_dir: str) -> Optional[str]:
    try:
        with open(os.path.join(run_dir, "run.json"), encoding="utf-8") as f:
            index = json.load(f)
    except (OSError, ValueError):
        return None
    return index.get("project") if isinstance(index, dict) else None


def _destination(path: str, server: Optional[str], ws: Optional[str], all: bool):
    if all and server is not None:
        return server, ws or "default"
    recorded = read_sidecar(path)
    if recorded is None:
        return None
    if server is not None and recorded.server_url != server:
        return None
    if ws is not None and recorded.workspace != ws:
        return None
    return recorded.server_url, recorded.workspace


def _sync_writer(job, unreachable: Dict[str, TallyError], lock: threading.Lock) -> Dict[str, Any]:
    run_id, writer_id, path, target = job
    result: Dict[str, Any] = {"runId": run_id, "writerId": writer_id, "serverUrl": target.server_url,
                              "workspace": target.workspace, "records": 0, "points": 0, "ackedSeq": 0, "lastSeq": 0}
    result["lastSeq"] = find_offset(path, math.inf).seq
    with lock:
        down = unreachable.get(target.server_url)
    if down is not None:
        result["error"] = _error_json(down)
        return result
    if result["lastSeq"] == 0:
        return result
    sender = Sender(path, writer_id, target, max_retries=SYNC_RETRIES).start()
    sender.delivered(result["lastSeq"])
    sender.stop()
    result["records"] = sender.sent["records"]
    result["points"] = sender.sent["points"]
    result["ackedSeq"] = sender.acked_seq
    if sender.error is not None:
        result["error"] = _error_json(sender.error)
        if getattr(sender.error, "code", "") == "server_unreachable":
            with lock:
                unreachable[target.server_url] = sender.error
    return result


def _error_json(error: TallyError) -> Dict[str, str]:
    return {"code": getattr(error, "code", "invalid_request"), "message": message_of(error)}
