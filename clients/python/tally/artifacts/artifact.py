"""The ``Artifact`` builder and ``log_artifact``, as in ``packages/sdk/src/artifacts/artifact.ts``.

Adding only records what to add and checks names and paths; files are read when the artifact
is logged, hashed while copied once into ``<tally dir>/blobs``, and the manifest goes into the
run's spool as one ``artifact`` event. In remote mode the sender uploads the blobs the server
lacks before the records holding that event (``tally.artifacts.upload``).
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from ..errors import TallyError
from .blobs import PathLike, blobs_dir, store_bytes_blob, store_file_blob
from .manifest import (
    Entry,
    check_alias,
    check_artifact_name,
    check_artifact_type,
    check_entries,
    check_entry_path,
    check_json,
    manifest_digest,
)

_URI_TAIL = re.compile(r"[/?#]+$")
_URI_SPLIT = re.compile(r"[/?#]")


@dataclass(frozen=True)
class LoggedArtifact:
    """What ``run.log_artifact`` returns."""

    name: str
    type: str
    #: sha256 of the version's content: the store gives the same digest the same version.
    digest: str
    #: Files that were new to the local blob folder (the rest were stored once already).
    new_blobs: int
    entries: List[Entry] = field(default_factory=list)


class Artifact:
    """A named, typed, versioned artifact made of files, JSON objects and external references.

    Example::

        model = (tally.Artifact("resnet", "model", description="after epoch 10")
                 .add_file("out/model.bin")
                 .add_object("metrics.json", {"acc": 0.97})
                 .add_reference("s3://bucket/data.tar"))
        model.aliases.append("best")
        logged = run.log_artifact(model)
        print(logged.digest, logged.new_blobs)
    """

    def __init__(
        self,
        name: str,
        type: str,
        description: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        aliases: Optional[Iterable[str]] = None,
    ) -> None:
        self.name = check_artifact_name(name)
        self.type = check_artifact_type(type)
        if description is not None and not isinstance(description, str):
            raise TallyError("invalid_argument", "an artifact description is a string")
        self.description: Optional[str] = description
        if metadata is not None and not isinstance(metadata, dict):
            raise TallyError("invalid_config", "artifact metadata must be a dict of JSON values")
        self.metadata: Dict[str, Any] = check_json(metadata or {}, "artifact metadata")
        #: Aliases for the version this becomes (``best``, ``prod``); append to add. ``latest`` moves by itself.
        self.aliases: List[str] = list(aliases or [])
        self._pending: List[Tuple[str, ...]] = []

    def add_file(self, local_path: PathLike, name: Optional[str] = None) -> "Artifact":
        """A local file, stored under ``name`` (default: its base name).

        Example::

            Artifact("resnet", "model").add_file("out/model.bin", name="weights/model.bin")
        """
        source = _local_path(local_path, "add_file() takes the path of a local file")
        path = check_entry_path(name if name is not None else os.path.basename(source))
        self._pending.append(("file", source, path))
        return self

    def add_dir(self, local_path: PathLike, name: Optional[str] = None) -> "Artifact":
        """Every file under a local folder, at their relative paths (under ``name`` when given).

        Example::

            Artifact("mnist", "dataset").add_dir("data/mnist", name="mnist")
        """
        source = _local_path(local_path, "add_dir() takes the path of a local folder")
        prefix = "" if name is None else check_entry_path(name) + "/"
        self._pending.append(("dir", source, prefix))
        return self

    def add_object(self, name: str, value: Any) -> "Artifact":
        """A JSON value, kept in the manifest and downloaded as a file of its JSON.

        Example::

            Artifact("resnet", "model").add_object("metrics.json", {"acc": 0.97})
        """
        path = check_entry_path(name)
        self._pending.append(("object", path, check_json(value, "artifact object")))
        return self

    #: ``add_json`` is ``add_object``: a JSON value under a name.
    add_json = add_object

    def add_reference(self, uri: str, name: Optional[str] = None) -> "Artifact":
        """An external URL or URI (``s3://…``, ``https://…``), recorded and never fetched.

        Example::

            Artifact("imagenet", "dataset").add_reference("s3://bucket/train.tar")
        """
        if not isinstance(uri, str) or uri == "":
            raise TallyError("invalid_argument", "add_reference() takes a URI string")
        path = check_entry_path(name if name is not None else reference_name(uri))
        self._pending.append(("reference", path, uri))
        return self

    def _add_bytes(self, name: str, data: bytes) -> "Artifact":
        """Bytes made here (a pickled object), stored as a file entry under ``name``."""
        self._pending.append(("bytes", check_entry_path(name), bytes(data)))
        return self

    def build(self, blobs: PathLike, at_ms: int) -> Tuple[Dict[str, Any], int]:
        """Hash and copy the files into ``blobs`` (once per content); return the spool event and how many blobs were new."""
        entries: List[Entry] = []
        new_blobs = 0

        def add_file(source: Union[str, bytes], path: str) -> None:
            nonlocal new_blobs
            try:
                blob = store_bytes_blob(blobs, source) if isinstance(source, bytes) else store_file_blob(blobs, source)
            except OSError as e:
                what = path if isinstance(source, bytes) else source
                raise TallyError(
                    "invalid_argument", f"artifact {self.name}: cannot store {what} ({e.strerror or e}); check the path"
                ) from e
            if blob.added:
                new_blobs += 1
            entries.append({"kind": "file", "path": path, "size": blob.size, "sha256": blob.sha256})

        for p in self._pending:
            if p[0] == "file":
                add_file(p[1], p[2])
            elif p[0] == "bytes":
                add_file(p[2], p[1])
            elif p[0] == "dir":
                for rel in _list_files(p[1]):
                    add_file(os.path.join(p[1], *rel.split("/")), check_entry_path(p[2] + rel))
            elif p[0] == "object":
                entries.append({"kind": "object", "path": p[1], "value": p[2]})
            else:
                entries.append({"kind": "reference", "path": p[1], "uri": p[2]})
        ordered = check_entries(entries)
        aliases = list(dict.fromkeys(check_alias(a) for a in self.aliases if a != "latest"))
        event = {
            "type": "artifact",
            "at": at_ms,
            "name": self.name,
            "artifactType": self.type,
            "description": self.description,
            "metadata": self.metadata,
            "aliases": aliases,
            "digest": manifest_digest(self.type, ordered),
            "entries": ordered,
        }
        return event, new_blobs

    def __repr__(self) -> str:
        return f"Artifact({self.name!r}, {self.type!r}, {len(self._pending)} additions)"


def log_artifact(run: Any, artifact: Artifact, aliases: Optional[Iterable[str]] = None) -> LoggedArtifact:
    """Log ``artifact`` as a new version (or the same version, for the same content) of its name.

    Returns once the manifest is in the spool. ``aliases`` are added to ``artifact.aliases``.

    Example::

        logged = tally.artifacts.log_artifact(run, tally.Artifact("resnet", "model").add_file("model.bin"), aliases=["best"])
    """
    if getattr(run, "finished", False):
        raise TallyError(
            "run_finished",
            f"run {run.id} is finished; log the artifact into a new run, or resume this one with tally.init(id=..., resume='allow')",
        )
    if not isinstance(artifact, Artifact):
        raise TallyError(
            "invalid_argument", "log_artifact() takes a tally.Artifact: tally.Artifact('name', 'model').add_file('model.bin')"
        )
    if aliases is not None:
        if isinstance(aliases, str):
            aliases = [aliases]
        artifact.aliases.extend(a for a in aliases if a not in artifact.aliases)
    event, new_blobs = artifact.build(blobs_dir(run.dir), int(time.time() * 1000))
    run._append_event(event)
    run.flush()
    return LoggedArtifact(event["name"], artifact.type, event["digest"], new_blobs, event["entries"])


def reference_name(uri: str) -> str:
    """The entry path of a reference: the URI's last segment (``s3://b/data.tar`` → ``data.tar``).

    Example::

        >>> reference_name("https://example.com/files/data.tar?x=1")
        'x=1'
        >>> reference_name("s3://bucket/data.tar/")
        'data.tar'
    """
    last = _URI_SPLIT.split(_URI_TAIL.sub("", uri))[-1] or "reference"
    return re.sub(r"[\\:]", "_", last).replace("\x00", "_")


def _local_path(path: Union[PathLike, Any], message: str) -> str:
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str) or path == "":
        raise TallyError("invalid_argument", message)
    return path


def _list_files(folder: str) -> List[str]:
    """Files under ``folder`` as sorted ``/``-separated relative paths; symbolic links are followed."""
    out: List[str] = []

    def walk(absolute: str, rel: str) -> None:
        # JavaScript's sort: by UTF-16 code units, so both clients list a folder alike.
        for name in sorted(os.listdir(absolute), key=lambda n: n.encode("utf-16-be", "surrogatepass")):
            child = os.path.join(absolute, name)
            r = name if rel == "" else f"{rel}/{name}"
            if os.path.isdir(child):
                walk(child, r)
            elif os.path.isfile(child):
                out.append(r)

    try:
        walk(folder, "")
    except OSError as e:
        raise TallyError("invalid_argument", f"add_dir(): cannot read folder {folder} ({e.strerror or e})") from e
    return out
