"""Remote mode: the bytes of an artifact's files go to the server before the manifest that
names them, in parts of 8 MiB, each from the byte the server says it has, so an upload cut
off halfway resumes there. Blobs the server has already are skipped after one GET.
Mirrors packages/sdk/src/remote/blob-upload.ts.
"""
from __future__ import annotations

import json
import os
import re
import struct
from typing import Callable, Iterable, List, Optional, Set

from ..errors import TallyError
from .http import Client, blob_path, error_details, message_of
from ..spool.format import KIND_EVENT, RECORD_HEADER_BYTES

PART_BYTES = 8 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


def local_blob_path(blobs: str, sha256: str) -> str:
    """``<dir>/blobs/<aa>/<sha256>``, as the spool format puts artifact files."""
    return os.path.join(blobs, sha256[:2], sha256)


def artifact_blobs(records: bytes) -> List[str]:
    """The sha256 of every file that artifact events among these whole records name."""
    # Cheap test first: most batches hold no artifact.
    if b'"type":"artifact"' not in records:
        return []
    out: List[str] = []
    pos = 0
    while pos + RECORD_HEADER_BYTES + 24 <= len(records):
        length = struct.unpack_from("<I", records, pos)[0]
        body = pos + RECORD_HEADER_BYTES
        if records[body + 8] == KIND_EVENT:
            n = struct.unpack_from("<I", records, body + 16)[0]
            try:
                event = json.loads(records[body + 24: body + 24 + n].decode("utf-8"))
            except ValueError:
                event = None
            if isinstance(event, dict) and event.get("type") == "artifact" and isinstance(event.get("entries"), list):
                for e in event["entries"]:
                    sha = e.get("sha256") if isinstance(e, dict) else None
                    if e.get("kind") == "file" and isinstance(sha, str) and _SHA256.fullmatch(sha) and sha not in out:
                        out.append(sha)
        pos = body + length
    return out


def upload_blobs(client: Client, blobs: str, sha256s: Iterable[str], known: Set[str],
                 report: Callable[[TallyError], None]) -> Optional[TallyError]:
    """Upload every blob the server lacks. None when each is there or cannot be sent (gone
    from the local folder, refused: reported, not retried forever), else the error to back
    off on."""
    for sha256 in sha256s:
        if sha256 in known:
            continue
        problem = _upload_blob(client, blobs, sha256, report)
        if problem is not None:
            return problem
        known.add(sha256)
    return None


def _upload_blob(client: Client, blobs: str, sha256: str, report: Callable[[TallyError], None]) -> Optional[TallyError]:
    path = blob_path(client.target.workspace, sha256)
    state = client.request("GET", path)
    if state.kind == "ok":
        return None
    if state.kind == "retry":
        return state.error
    if state.status != 404:
        return _refused(state.error, sha256, report)
    received = error_details(state.error).get("received")
    offset = received if isinstance(received, int) else 0
    try:
        f = open(local_blob_path(blobs, sha256), "rb")
    except OSError as e:
        report(TallyError("spool_io", f"blob {sha256} is gone from {blobs} ({e}); the artifact naming it is sent without its bytes"))
        return None
    with f:
        total = os.fstat(f.fileno()).st_size
        if offset > total:
            offset = 0
        restarts = 0
        while True:
            f.seek(offset)
            part = f.read(min(PART_BYTES, total - offset))
            headers = {"content-type": "application/octet-stream"}
            if part:
                headers["content-range"] = f"bytes {offset}-{offset + len(part) - 1}/{total}"
            answer = client.request("PUT", path, body=part, headers=headers)
            if answer.kind == "retry":
                return answer.error
            if answer.kind == "refused":
                code = getattr(answer.error, "code", "")
                # The server has another amount than we thought: start again from where it is.
                if code in ("invalid_request", "digest_mismatch") and restarts < 3:
                    restarts += 1
                    got = error_details(answer.error).get("received")
                    offset = got if isinstance(got, int) else 0
                    continue
                return _refused(answer.error, sha256, report)
            if answer.body.get("complete") is True:
                return None
            got = answer.body.get("received")
            offset = got if isinstance(got, int) else offset + len(part)


def _refused(error: Optional[TallyError], sha256: str, report: Callable[[TallyError], None]) -> None:
    report(TallyError(getattr(error, "code", "invalid_request"), f"the server refused blob {sha256}: {message_of(error)}"))
    return None
