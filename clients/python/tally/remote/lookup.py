"""Remote resume asks the server for the run to resume: it may exist only there (started on
another machine). Mirrors the lookups of packages/sdk/src/remote/resume.ts; Python's init
can wait on a socket directly, so no child process is needed.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional, Union
from urllib.parse import quote, urlencode

from ..errors import TallyError
from .http import Answer, Client, message_of
from .target import RemoteTarget

LOOKUP_TIMEOUT_S = 10.0
# As encodeURIComponent does.
_SAFE = "!~*'()"


@dataclass(frozen=True)
class ServerRun:
    """A run as the server describes it (docs/api.md), the fields resume needs."""

    id: str
    name: str
    project: str
    workspace: str
    created_at: int
    # -1 when it has no points.
    last_step: int


@dataclass(frozen=True)
class Unreachable:
    reason: str


# A ServerRun when found, None when the server has no such run, Unreachable when it could not say.
Lookup = Union[ServerRun, None, Unreachable]


def lookup_by_id(target: RemoteTarget, run_id: str) -> Lookup:
    """The run with this id in the target's workspace.

    Example::

        found = lookup_by_id(target, "abc123")
    """
    answer = _get(target, f"/api/v1/runs/{quote(run_id, safe=_SAFE)}")
    if answer.kind != "ok":
        return _not_ok(answer, target)
    run = _server_run(answer.body)
    # A run of another workspace is not this run, as far as this target goes.
    return run if run is not None and run.workspace == target.workspace else None


def lookup_by_name(target: RemoteTarget, project: str, name: str) -> Lookup:
    """The newest run of ``project`` with this name."""
    query = urlencode({"name": name, "sort": "createdAt", "order": "desc", "limit": "1"})
    path = f"/api/v1/workspaces/{quote(target.workspace, safe=_SAFE)}/projects/{quote(project, safe=_SAFE)}/runs?{query}"
    answer = _get(target, path)
    if answer.kind != "ok":
        return _not_ok(answer, target)
    runs = answer.body.get("runs")
    return _server_run(runs[0]) if isinstance(runs, list) and runs else None


def _get(target: RemoteTarget, path: str) -> Answer:
    client = Client(target, timeout=LOOKUP_TIMEOUT_S)
    try:
        return client.request("GET", path)
    finally:
        client.close()


def _not_ok(answer: Answer, target: RemoteTarget) -> Lookup:
    """404: no such run. A wrong key is the user's to fix now, not something to fall back from."""
    if answer.kind == "retry":
        return Unreachable(message_of(answer.error))
    if answer.status == 404:
        return None
    code = getattr(answer.error, "code", "invalid_request")
    hint = ("; check api_key (TALLY_API_KEY): it must be a writer key of this workspace"
            if code in ("unauthorized", "forbidden") else "")
    raise TallyError(code, f"{target.server_url} refused to look up the run: {message_of(answer.error)}{hint}")


def _server_run(v: Any) -> Optional[ServerRun]:
    if not isinstance(v, dict):
        return None
    fields = [v.get(k) for k in ("id", "name", "project", "workspace")]
    if not all(isinstance(f, str) for f in fields):
        return None
    created = v.get("createdAt")
    created_at = None
    if isinstance(created, str):
        try:
            created_at = round(datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            created_at = None
    last = v.get("lastStep")
    return ServerRun(*fields, created_at=created_at if created_at is not None else _now_ms(),  # type: ignore[arg-type]
                     last_step=int(last) if isinstance(last, (int, float)) and not isinstance(last, bool) else -1)


def _now_ms() -> int:
    return int(time.time() * 1000)
