"""``<writerId>.sent.json`` beside a writer's spool file: which server and workspace its
records go to (so ``tally sync`` knows; a spool file without one was logged locally), and
how far that server has acknowledged them (a hint that saves re-reading the file; the
server's own ackedSeq always wins). The API key is never written here.

Mirrors packages/sdk/src/remote/sidecar.ts; the JSON is the same, key order included.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Optional

from ..spool.format import MAGIC, SPOOL_FILE_SUFFIX
from .records import FilePosition

SIDECAR_SUFFIX = ".sent.json"


@dataclass(frozen=True)
class Sidecar:
    server_url: str
    workspace: str
    acked_seq: int
    offset: int


def sidecar_path(spool_file: str) -> str:
    """``…/<writerId>.tsp`` → ``…/<writerId>.sent.json``"""
    directory, name = os.path.split(spool_file)
    if name.endswith(SPOOL_FILE_SUFFIX):
        name = name[: -len(SPOOL_FILE_SUFFIX)]
    return os.path.join(directory, name + SIDECAR_SUFFIX)


def is_count(v: object) -> bool:
    """A whole number ≥ 0, as seqs, offsets and counts are (never a bool)."""
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 2**53 - 1


def read_sidecar(spool_file: str) -> Optional[Sidecar]:
    """The sidecar of a spool file, or None when it has none or it is unreadable."""
    try:
        with open(sidecar_path(spool_file), encoding="utf-8") as f:
            parsed = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(parsed, dict):
        return None
    server_url, workspace = parsed.get("serverUrl"), parsed.get("workspace")
    acked, offset = parsed.get("ackedSeq"), parsed.get("offset")
    if not isinstance(server_url, str) or not isinstance(workspace, str) or not is_count(acked) or not is_count(offset):
        return None
    return Sidecar(server_url, workspace, acked, offset)


def write_sidecar(spool_file: str, sidecar: Sidecar) -> None:
    """Replace the sidecar atomically (temporary file, then rename). The temporary name
    carries the pid because a running run and ``tally sync`` may both write it.

    Example::

        write_sidecar(path, Sidecar("http://127.0.0.1:8080", "default", 0, len(MAGIC)))
    """
    path = sidecar_path(spool_file)
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.tmp")
    text = json.dumps({"serverUrl": sidecar.server_url, "workspace": sidecar.workspace,
                       "ackedSeq": sidecar.acked_seq, "offset": sidecar.offset}, separators=(",", ":"))
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    os.replace(tmp, path)


def sidecar_hint(sidecar: Optional[Sidecar], server_url: str, workspace: str) -> Optional[FilePosition]:
    """The position a sidecar vouches for, when it is about this server and workspace."""
    if sidecar is None or sidecar.server_url != server_url or sidecar.workspace != workspace:
        return None
    # Records start 8-aligned, after the file header.
    if sidecar.offset < len(MAGIC) or sidecar.offset % 8 != 0:
        return None
    return FilePosition(sidecar.offset, sidecar.acked_seq)
