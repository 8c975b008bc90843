"""Tora's ``create_workspace`` over the team server's ``POST /api/v1/workspaces``."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any, Dict, Optional

from tally import TallyError

from . import _rules


def create_workspace(
    name: str,
    description: Optional[str] = None,
    api_key: Optional[str] = None,
    server_url: Optional[str] = None,
) -> dict:
    """Create a workspace on a Tally team server; returns ``{id, name, description}``.

    Needs the server administrator's key (an owner key of the "default" workspace). The
    description is checked (at most 1000 characters) but not stored: Tally's workspaces have none.

    Example:
        >>> ws = create_workspace("vision-team", server_url="http://tally.example.com:8080")
        >>> setup("resnet", workspace_id=ws["id"], server_url="http://tally.example.com:8080")
    """
    workspace = _rules.check_workspace_name(name)
    if description is not None:
        _rules.check_workspace_description(description)
    url = server_url or os.environ.get("TALLY_SERVER_URL") or None
    if url is None:
        raise TallyError(
            "invalid_argument",
            'create_workspace() needs a team server: pass server_url or set TALLY_SERVER_URL (a local Tally has one workspace, "default")',
        )
    key = api_key or os.environ.get("TORA_API_KEY") or os.environ.get("TALLY_API_KEY") or None
    if key is None:
        raise TallyError(
            "invalid_argument",
            "create_workspace() needs the server administrator's key (an owner key of \"default\"): pass api_key or set TORA_API_KEY",
        )
    request = urllib.request.Request(
        url.rstrip("/") + "/api/v1/workspaces",
        data=json.dumps({"name": workspace}).encode(),
        method="POST",
        headers={"authorization": f"Bearer {key}", "content-type": "application/json", "accept": "application/json"},
    )
    body: Dict[str, Any] = {}
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as e:
        try:
            error = json.loads(e.read() or b"{}").get("error") or {}
        except ValueError:
            error = {}
        code = error.get("code") if isinstance(error.get("code"), str) else "server_unreachable"
        message = error.get("message") if isinstance(error.get("message"), str) else f"the server answered HTTP {e.code}"
        raise TallyError(code, f"create_workspace({workspace!r}): {message}") from None
    except (urllib.error.URLError, OSError) as e:
        raise TallyError(
            "server_unreachable", f"could not reach {url}: {e}; check server_url and that the server is up"
        ) from None
    created = body.get("name") if isinstance(body.get("name"), str) else workspace
    return {"id": created, "name": created, "description": description}
