"""Where a run's records go in remote mode: a team server, an API key and a workspace.

Checked once here, so the sender can trust them. Mirrors packages/sdk/src/remote/target.ts.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping, Optional
from urllib.parse import quote, urlsplit

from ..errors import TallyError

# The server's rule for workspace names (see the server's schemas).
# encodeURIComponent leaves these as they are; so does the dashboard link.
_SAFE = "!~*'()"
_WORKSPACE = re.compile(r"[A-Za-z0-9._-]{1,255}")


@dataclass(frozen=True)
class RemoteTarget:
    """A server (``http(s)://host[:port][/prefix]``, no trailing slash), a key and a workspace."""

    server_url: str
    api_key: str
    workspace: str

    def __repr__(self) -> str:
        # The key never shows in a traceback or a log line.
        return f"RemoteTarget(server_url={self.server_url!r}, workspace={self.workspace!r})"


def remote_target(
    server_url: Optional[str] = None,
    api_key: Optional[str] = None,
    workspace: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
) -> Optional[RemoteTarget]:
    """The remote target of ``init`` options, else of ``TALLY_SERVER_URL``, ``TALLY_API_KEY``
    and ``TALLY_WORKSPACE``; None when neither names a server (local mode).

    Example::

        target = remote_target("http://127.0.0.1:8080", api_key="tally_sk_...")
    """
    env = os.environ if env is None else env
    url = server_url if server_url is not None else (env.get("TALLY_SERVER_URL") or None)
    if url is None:
        return None
    key = api_key if api_key is not None else (env.get("TALLY_API_KEY") or None)
    if not isinstance(key, str) or not key:
        raise TallyError(
            "invalid_argument",
            f"logging to {url} needs an API key with the writer role: pass api_key or set TALLY_API_KEY "
            "(create one with: tally keys create --workspace W --role writer)",
        )
    ws = workspace if workspace is not None else (env.get("TALLY_WORKSPACE") or "default")
    return RemoteTarget(check_server_url(url), key, check_workspace(ws))


def check_server_url(value: object) -> str:
    """``value`` as an http(s) base address without a trailing slash, or ``invalid_argument``.

    Example::

        check_server_url("https://tally.example.com/") == "https://tally.example.com"
    """
    parts = None
    if isinstance(value, str):
        try:
            parts = urlsplit(value)
            parts.port  # raises ValueError on a bad port
        except ValueError:
            parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise TallyError(
            "invalid_argument",
            f"server_url must be an http(s) address such as https://tally.example.com; got {value!r}",
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def check_workspace(value: object) -> str:
    """``value`` when it is a valid workspace name, else ``invalid_argument``."""
    if not isinstance(value, str) or not _WORKSPACE.fullmatch(value) or value in (".", ".."):
        raise TallyError(
            "invalid_argument",
            "workspace names are 1 to 255 characters of A-Z, a-z, 0-9, '.', '_' and '-' "
            f"(not \".\" or \"..\"); got {value!r}",
        )
    return value


def run_url(target: RemoteTarget, project: str, run_id: str) -> str:
    """The run's page on the dashboard."""
    return f"{target.server_url}/{quote(target.workspace, safe=_SAFE)}/{quote(project, safe=_SAFE)}/runs/{quote(run_id, safe=_SAFE)}"
