"""``sync``: where Trackio copies a local project to a Space, Tally copies it to a team server."""
from __future__ import annotations

import os
from typing import Any, Optional

from tally import TallyError


def sync(
    project: str,
    space_id: Optional[str] = None,
    *,
    server_url: Optional[str] = None,
    api_key: Optional[str] = None,
    workspace: Optional[str] = None,
    dir: Optional[str] = None,
) -> Any:
    """Copy a local project's runs to a team server (``tally serve``); returns the sync report.

    The server (``server_url``, else a ``space_id`` that is an http(s) URL, else
    ``$TALLY_SERVER_URL``) stores each record once, so ``sync`` can run again after more logging.

    Example:
        >>> trackio.sync(project="my-project", server_url="http://tally.example.com:8080", api_key="tally_sk_...")
    """
    if not isinstance(project, str) or not project:
        raise TallyError("invalid_argument", "trackio.sync needs a project: sync(project='my-project', server_url=...)")
    if server_url is None and space_id is not None and space_id.startswith(("http://", "https://")):
        server_url = space_id
    server_url = server_url or os.environ.get("TALLY_SERVER_URL") or None
    if server_url is None:
        hint = f" ({space_id!r} is a Hugging Face Space, which Tally does not sync to)" if space_id else ""
        raise TallyError(
            "invalid_argument",
            f"trackio.sync copies a project to a Tally team server{hint}: pass server_url=... or set TALLY_SERVER_URL",
        )
    from tally.remote import sync_spool
    from tally.resolve import tally_dir

    return sync_spool(tally_dir(dir), server_url, api_key=api_key, workspace=workspace, project=project, all=True)
