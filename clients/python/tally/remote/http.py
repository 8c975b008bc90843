"""The calls a sender makes (docs/wire-format.md), with every answer sorted into what the
sender does next: go on ("ok"), try again later ("retry"), or take the server's refusal
("refused"). Mirrors packages/sdk/src/remote/http.ts, on http.client only.
"""
from __future__ import annotations

import http.client
import json
import socket
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Optional
from urllib.parse import quote, urlsplit

from ..errors import TallyError
from .target import RemoteTarget

SPOOL_MEDIA_TYPE = "application/vnd.tally.spool"
# A request that has not answered by then is treated like a network error, and retried.
REQUEST_TIMEOUT_S = 30.0
# As encodeURIComponent does.
_SAFE = "!~*'()"
USER_AGENT = "tally-python"


@dataclass
class Answer:
    """``kind`` is "ok" (2xx with a JSON object in ``body``), "retry" (network error, timeout,
    408, 429 or 5xx) or "refused" (another 4xx: the server's error in ``error``)."""

    kind: str
    status: int = 0
    body: Dict[str, Any] = field(default_factory=dict)
    error: Optional[TallyError] = None
    timed_out: bool = False


def error_details(error: Optional[BaseException]) -> Dict[str, Any]:
    """The details (``ackedSeq``, ``received``, …) a server's error carried."""
    details = getattr(error, "details", None)
    return details if isinstance(details, dict) else {}


def _tally_error(code: str, message: str, details: Optional[Dict[str, Any]] = None) -> TallyError:
    return TallyError(code, message, details or None)


def writer_path(workspace: str, writer_id: str) -> str:
    return f"/api/v1/workspaces/{quote(workspace, safe=_SAFE)}/writers/{quote(writer_id, safe=_SAFE)}"


def blob_path(workspace: str, sha256: str) -> str:
    return f"/api/v1/workspaces/{quote(workspace, safe=_SAFE)}/blobs/{sha256}"


class Client:
    """One keep-alive connection to a server, used by one thread at a time. ``abort()`` may
    be called from another thread: it cuts the request in flight, which then answers retry.

    Example::

        client = Client(target)
        answer = client.request("GET", writer_path(target.workspace, writer_id))
    """

    def __init__(self, target: RemoteTarget, timeout: float = REQUEST_TIMEOUT_S) -> None:
        self.target = target
        self.timeout = timeout
        parts = urlsplit(target.server_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._conn: Optional[http.client.HTTPConnection] = None
        self._lock = threading.Lock()
        self._aborted = False

    def request(self, method: str, path: str, body: Optional[bytes] = None,
                headers: Optional[Dict[str, str]] = None, list_body: bool = False) -> Answer:
        """One request; never raises for what the network or the server does. With ``list_body``
        a 2xx answer is a JSON array, found in ``body["list"]``."""
        all_headers = {
            "authorization": f"Bearer {self.target.api_key}",
            "accept": "application/json",
            "user-agent": USER_AGENT,
        }
        if body is not None:
            all_headers["content-type"] = SPOOL_MEDIA_TYPE
        all_headers.update(headers or {})
        try:
            conn = self._connection()
            conn.request(method, self._prefix + path, body=body, headers=all_headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            status = response.status
            location = response.getheader("location")
            if response.getheader("connection", "").lower() == "close":
                self.close()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            timed_out = isinstance(e, socket.timeout) and not self._aborted
            reason = f"no answer in {self.timeout:g} s" if timed_out else _reason(e)
            return Answer("retry", error=_tally_error(
                "server_unreachable", f"cannot reach {self.target.server_url}: {reason}"), timed_out=timed_out)
        if 300 <= status < 400:
            # A redirect would turn the POST into a GET elsewhere: refuse it and say where to point.
            message = (f"{self.target.server_url} redirects to {location or 'another address'}; set server_url "
                       "(TALLY_SERVER_URL) to the server's final address, e.g. its https:// URL")
            return Answer("refused", status=status, error=_tally_error("invalid_argument", message))
        if list_body and 200 <= status < 300:
            # answer_of takes objects: wrap the array as TypeScript's catalog does.
            text = f'{{"list":{text}}}'
        return answer_of(status, text, self.target.server_url)

    def abort(self) -> None:
        """Cut the request in flight (from any thread); later requests are refused as retry."""
        self._aborted = True
        with self._lock:
            conn = self._conn
        sock = getattr(conn, "sock", None) if conn is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _connection(self) -> http.client.HTTPConnection:
        if self._aborted:
            raise ConnectionAbortedError("the sender stopped")
        with self._lock:
            if self._conn is None:
                cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
                self._conn = cls(self._host, self._port, timeout=self.timeout)
            return self._conn


def answer_of(status: int, text: str, server_url: str) -> Answer:
    """Sort a server's answer (status and body text) into what the client does next.

    Example::

        answer_of(409, '{"error":{"code":"seq_gap","message":"…","ackedSeq":3}}', url).error.code == "seq_gap"
    """
    if status in (408, 429) or status >= 500:
        return Answer("retry", status=status, error=_tally_error(
            "server_unreachable", f"{server_url} answered {status}{_server_message(text)}"))
    if status >= 400:
        return Answer("refused", status=status, error=_server_error(status, text))
    parsed = _parse_object(text)
    if parsed is None:
        return Answer("retry", status=status, error=_tally_error(
            "server_unreachable", f"{server_url} answered {status} without JSON; is it a Tally server?"))
    return Answer("ok", status=status, body=parsed)


def _reason(e: BaseException) -> str:
    """``ECONNREFUSED``, ``timed out``, …: the part of a failure a person can act on."""
    if isinstance(e, ConnectionRefusedError):
        return "ECONNREFUSED"
    if isinstance(e, socket.gaierror):
        return f"cannot resolve the host ({e})"
    return str(e) or type(e).__name__


def _parse_object(text: str) -> Optional[Dict[str, Any]]:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _server_message(text: str) -> str:
    error = (_parse_object(text) or {}).get("error")
    message = error.get("message") if isinstance(error, dict) else None
    return f": {message}" if isinstance(message, str) else ""


def _server_error(status: int, text: str) -> TallyError:
    """The server's ``{error: {code, message, ...details}}`` as a TallyError."""
    from ..errors import ERROR_CODES  # the same list as TypeScript's

    error = (_parse_object(text) or {}).get("error")
    if not isinstance(error, dict):
        return _tally_error("invalid_request", f"the server answered {status}: {text[:200]}")
    code = error.get("code")
    known = code if isinstance(code, str) and code in ERROR_CODES else "invalid_request"
    message = error.get("message")
    details = {k: v for k, v in error.items()
               if k not in ("code", "message") and (v is None or isinstance(v, (str, int, float, bool)))}
    return _tally_error(known, message if isinstance(message, str) else f"the server answered {status}", details)


def message_of(error: Optional[BaseException]) -> str:
    """A TallyError's message without its code prefix, whatever its str() looks like."""
    message = getattr(error, "message", None)
    return message if isinstance(message, str) else str(error)
