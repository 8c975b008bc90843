"""Artifacts as they travel and are stored, as in ``packages/sdk/src/artifacts/manifest.ts``.

The manifest of a version (files by sha256, JSON objects, external references), the checks
that keep names and entry paths inside a store, and the digest that makes a version
idempotent. Every check raises the same ``TallyError`` code as TypeScript.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any, Dict, List, Union

from ..errors import TallyError
from .jsjson import js_string, js_stringify

#: Tracelet's ``ArtifactType`` values.
ARTIFACT_TYPES = (
    "model",
    "checkpoint",
    "weights",
    "dataset",
    "sample",
    "image",
    "audio",
    "video",
    "viz",
    "report",
    "config",
    "code",
    "custom",
)

ARTIFACT_LIMITS = {
    "name": 128,
    "alias": 64,
    "path": 1024,
    "entries": 100_000,
    # UTF-16 code units of one object entry as JSON (JavaScript's string length).
    "object": 1024 * 1024,
    "uri": 4096,
}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_SHA256 = re.compile(r"^[0-9a-f]{64}\Z")
_VERSION = re.compile(r"^v(0|[1-9][0-9]{0,15})\Z")
_DRIVE = re.compile(r"^[A-Za-z]:")

#: One manifest entry: ``{"kind": "file", "path", "size", "sha256"}``, ``{"kind": "object",
#: "path", "value"}`` or ``{"kind": "reference", "path", "uri"}``.
Entry = Dict[str, Any]
JsonValue = Union[None, bool, int, float, str, List[Any], Dict[str, Any]]


def is_sha256(s: object) -> bool:
    """Whether ``s`` is a blob store key: 64 lowercase hex digits."""
    return isinstance(s, str) and _SHA256.match(s) is not None


def check_artifact_name(name: object) -> str:
    """An artifact name: 1–128 of ``[A-Za-z0-9._-]``, starting with a letter or digit.

    Example::

        >>> check_artifact_name("resnet-50")
        'resnet-50'
    """
    if not isinstance(name, str) or len(name) > ARTIFACT_LIMITS["name"] or not _NAME.match(name):
        raise TallyError(
            "invalid_path",
            f"artifact name {_show(name)} is not allowed: use 1–{ARTIFACT_LIMITS['name']} of A-Z a-z 0-9 . _ -, "
            "starting with a letter or digit",
        )
    return name


def check_alias(alias: object) -> str:
    """An alias (``best``, ``prod``): like a name, at most 64 characters, not of the form ``v3``.

    Example::

        >>> check_alias("best")
        'best'
    """
    if (
        not isinstance(alias, str)
        or len(alias) > ARTIFACT_LIMITS["alias"]
        or not _NAME.match(alias)
        or _VERSION.match(alias)
    ):
        raise TallyError(
            "invalid_argument",
            f"alias {_show(alias)} is not allowed: use 1–{ARTIFACT_LIMITS['alias']} of A-Z a-z 0-9 . _ -, not of the form v3",
        )
    return alias


def check_artifact_type(artifact_type: object) -> str:
    """One of ``ARTIFACT_TYPES`` (an ``Enum`` member whose value is one counts too).

    Example::

        >>> check_artifact_type("model")
        'model'
    """
    value = getattr(artifact_type, "value", artifact_type)
    if not isinstance(value, str) or value not in ARTIFACT_TYPES:
        raise TallyError(
            "invalid_argument",
            f"artifact type {_show(artifact_type)} is unknown; use one of {', '.join(ARTIFACT_TYPES)}",
        )
    return value


def check_entry_path(path: object) -> str:
    """A path inside an artifact: relative, ``/``-separated, no empty, ``.`` or ``..`` segment.

    No backslash, NUL or drive letter either, so no reader writing it under a folder leaves
    that folder.

    Example::

        >>> check_entry_path("weights/model.bin")
        'weights/model.bin'
    """

    def bad(why: str) -> TallyError:
        return TallyError(
            "invalid_path",
            f'artifact path {_show(path)} is not allowed: {why}; use a relative path such as "weights/model.bin"',
        )

    if not isinstance(path, str) or path == "":
        raise bad("it is empty")
    if _js_length(path) > ARTIFACT_LIMITS["path"]:
        raise bad(f"it is longer than {ARTIFACT_LIMITS['path']} characters")
    if "\x00" in path:
        raise bad("it holds NUL")
    if "\\" in path:
        raise bad("it holds a backslash")
    if path.startswith("/") or _DRIVE.match(path):
        raise bad("it is absolute")
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            raise bad('it has an empty, "." or ".." segment')
    return path


def check_entries(entries: object) -> List[Entry]:
    """Check a manifest's entries as a store receives them; return them sorted by path.

    The order is JavaScript's string order (UTF-16 code units), the one the digest and every
    reader use.

    Example::

        >>> [e["path"] for e in check_entries([{"kind": "reference", "path": "b", "uri": "s3://x/b"},
        ...                                    {"kind": "object", "path": "a", "value": 1}])]
        ['a', 'b']
    """
    if not isinstance(entries, (list, tuple)):
        raise TallyError("invalid_argument", "an artifact carries a list of entries")
    if len(entries) > ARTIFACT_LIMITS["entries"]:
        raise TallyError(
            "invalid_argument",
            f"an artifact holds at most {ARTIFACT_LIMITS['entries']} entries; split it into several",
        )
    seen = set()
    out: List[Entry] = []
    for e in entries:
        if not isinstance(e, dict):
            raise TallyError("invalid_argument", "an artifact entry is a dict")
        path = check_entry_path(e.get("path"))
        if path in seen:
            raise TallyError("invalid_path", f"artifact path {_show(path)} appears twice; give each entry its own name")
        seen.add(path)
        kind = e.get("kind")
        if kind == "file":
            if not is_sha256(e.get("sha256")):
                raise TallyError("invalid_argument", f"file {path}: sha256 must be 64 lowercase hex digits")
            size = e.get("size")
            if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= 2**53 - 1:
                raise TallyError("invalid_argument", f"file {path}: size must be an integer ≥ 0")
            out.append({"kind": "file", "path": path, "size": size, "sha256": e["sha256"]})
        elif kind == "object":
            value = e.get("value")
            if _js_length(js_stringify(value)) > ARTIFACT_LIMITS["object"]:
                raise TallyError(
                    "invalid_argument",
                    f"object {path} is over {ARTIFACT_LIMITS['object']} bytes as JSON; add it as a file instead",
                )
            out.append({"kind": "object", "path": path, "value": value})
        elif kind == "reference":
            uri = e.get("uri")
            if not isinstance(uri, str) or uri == "" or _js_length(uri) > ARTIFACT_LIMITS["uri"] or "\x00" in uri:
                raise TallyError(
                    "invalid_argument", f"reference {path}: uri must be a string of 1–{ARTIFACT_LIMITS['uri']} characters"
                )
            out.append({"kind": "reference", "path": path, "uri": uri})
        else:
            raise TallyError("invalid_argument", f"artifact entry {path}: kind must be file, object or reference")
    # No path may be another's folder too (`a` and `a/b`): written out, one would stand where
    # the other needs a folder.
    for p in seen:
        i = p.find("/")
        while i > 0:
            if p[:i] in seen:
                raise TallyError(
                    "invalid_path",
                    f"artifact path {_show(p[:i])} is a file and also the folder of {_show(p)}; rename one",
                )
            i = p.find("/", i + 1)
    return sorted(out, key=lambda entry: entry["path"].encode("utf-16-be", "surrogatepass"))


def manifest_digest(artifact_type: str, entries: List[Entry]) -> str:
    """sha256 of ``JSON.stringify({type, entries})``: the same content has the same digest.

    Example::

        >>> manifest_digest("model", [])[:12]
        'ce85c20c1d58'
    """
    text = js_stringify({"type": artifact_type, "entries": entries})
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def blob_relative_path(sha256: str) -> str:
    """Where a blob lives under a blob folder: ``<aa>/<sha256>``, so no folder grows huge.

    Example::

        >>> blob_relative_path("ab" + "0" * 62)[:5]
        'ab/ab'
    """
    return f"{sha256[:2]}/{sha256}"


def check_json(value: Any, what: str) -> Any:
    """A deep copy of ``value`` if it is made of JSON values only, else ``invalid_config``.

    Dicts need string keys; tuples become lists; NaN and infinities are kept (they travel
    tagged in the spool).

    Example::

        >>> check_json({"acc": 0.9, "layers": (1, 2)}, "artifact object")
        {'acc': 0.9, 'layers': [1, 2]}
    """
    return _copy(value, what, set())


def _copy(value: Any, where: str, active: set) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (dict, list, tuple)):
        if id(value) in active:
            raise TallyError("invalid_config", f"{where} refers to itself; a JSON value cannot hold a cycle")
        active.add(id(value))
        try:
            if isinstance(value, dict):
                out = {}
                for k, v in value.items():
                    if type(k) is int:
                        k = str(k)  # as json.dumps and the spool writer do
                    if not isinstance(k, str):
                        raise TallyError(
                            "invalid_config",
                            f"{where} must hold only JSON values; key {k!r} is a {type(k).__name__}, not a string",
                        )
                    out[k] = _copy(v, f"{where}.{k}", active)
                return out
            return [_copy(v, f"{where}[{i}]", active) for i, v in enumerate(value)]
        finally:
            active.discard(id(value))
    raise TallyError(
        "invalid_config",
        f"{where} must hold only JSON values (dict, list, str, int, float, bool, None); "
        f"it holds a {type(value).__name__}",
    )


def _js_length(s: str) -> int:
    """A string's length in JavaScript (UTF-16 code units)."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def _show(v: object) -> str:
    if isinstance(v, str):
        return js_string(v[:40] + "…" if len(v) > 40 else v)
    return repr(v)
