"""Tracelet's artifact API (seeds 001/004) over Tally's core artifacts.

``TraceletArtifact`` records files, objects, references and models, and becomes one core
``tally.Artifact`` when logged (``to_artifact``). Per-item descriptions and reference sizes,
which the core manifest has no field for, travel in the artifact's metadata under
``tracelet``, exactly as ``packages/sdk/src/tracelet/tracelet-artifact.ts`` puts them, so either
client reads the other's back.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import pickle
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import AbstractSet, Any, Dict, Iterable, List, Mapping, Optional
from urllib.parse import quote

from ..artifacts.artifact import Artifact, log_artifact, reference_name
from ..artifacts.manifest import check_artifact_name, check_artifact_type, check_json
from ..errors import TallyError


class ArtifactType(str, Enum):
    """Semantic artifact types; ``ArtifactType.MODEL.value == "model"`` (and ``== "model"``)."""

    MODEL = "model"
    CHECKPOINT = "checkpoint"
    WEIGHTS = "weights"
    DATASET = "dataset"
    SAMPLE = "sample"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    VISUALIZATION = "viz"
    REPORT = "report"
    CONFIG = "config"
    CODE = "code"
    CUSTOM = "custom"

    def __str__(self) -> str:
        return self.value


@dataclass
class ArtifactFile:
    """A file within an artifact; ``size_bytes`` and ``checksum`` (sha256) are known once logged or read back."""

    local_path: str
    artifact_path: str
    description: Optional[str] = None
    size_bytes: Optional[int] = None
    checksum: Optional[str] = None


@dataclass
class ArtifactObject:
    """A Python object within an artifact, with how it is serialized (``json``, ``pickle`` or ``yaml``)."""

    obj: Any
    name: str
    serializer: str = "json"
    description: Optional[str] = None


@dataclass
class ArtifactReference:
    """An external URI within an artifact, recorded and never fetched."""

    uri: str
    size_bytes: Optional[int] = None
    description: Optional[str] = None


@dataclass
class ArtifactResult:
    """What logging an artifact returned for one backend."""

    backend: str
    uri: str
    #: The store's ``v0``, ``v1``, …; the content digest (sha256) while a server cannot be asked
    #: (``metadata["versionPending"]``).
    version: str
    metadata: Dict[str, Any] = field(default_factory=dict)


SERIALIZERS = ("json", "pickle", "yaml")
# Where add_model finds a framework when none is named: the top-level module of the model's class.
_FRAMEWORKS = {"torch": "pytorch", "tensorflow": "tensorflow", "keras": "keras", "sklearn": "sklearn",
               "xgboost": "xgboost", "lightgbm": "lightgbm", "jax": "jax", "flax": "jax", "transformers": "transformers"}


class TraceletArtifact:
    """Tracelet's artifact builder: chain ``add_*`` calls, then ``experiment.log_artifact(artifact)``.

    Example::

        model = (TraceletArtifact("resnet", ArtifactType.MODEL, "after epoch 10")
                 .add_file("out/model.bin", "weights/model.bin")
                 .add_object({"lr": 0.01}, "config.json")
                 .add_reference("s3://bucket/data.tar", size_bytes=1_000_000))
        results = experiment.log_artifact(model)
    """

    def __init__(self, name: str, artifact_type: ArtifactType, description: Optional[str] = None) -> None:
        self.name = check_artifact_name(name)
        self.type = ArtifactType(check_artifact_type(artifact_type))
        if description is not None and not isinstance(description, str):
            raise TallyError("invalid_argument", "an artifact description is a string")
        self.description = description
        self.created_at = _dt.datetime.now(_dt.timezone.utc)
        self.files: List[ArtifactFile] = []
        self.objects: List[ArtifactObject] = []
        self.references: List[ArtifactReference] = []
        self.metadata: Dict[str, Any] = {}
        #: ``v3`` once read back from a backend (``get_artifact``, ``list_artifacts``); None on a new builder.
        self.version: Optional[str] = None
        #: Aliases of a read-back version, ``latest`` included when it is the newest.
        self.aliases: List[str] = []

    @property
    def size_bytes(self) -> int:
        """Bytes of the files (once logged or read back) and of the sized references."""
        return sum(f.size_bytes or 0 for f in self.files) + sum(r.size_bytes or 0 for r in self.references)

    def add_file(
        self, local_path: str, artifact_path: Optional[str] = None, description: Optional[str] = None
    ) -> "TraceletArtifact":
        """Add a local file (under ``artifact_path``, default its base name). Returns self for chaining.

        Example::

            artifact.add_file("out/model.pt", "weights/model.pt", "final weights")
        """
        if isinstance(local_path, os.PathLike):
            local_path = os.fspath(local_path)
        if not isinstance(local_path, str) or local_path == "":
            raise TallyError("invalid_argument", "add_file() takes the path of a local file")
        path = artifact_path if artifact_path is not None else os.path.basename(local_path)
        self.files.append(ArtifactFile(local_path, path, description))
        return self

    def add_object(
        self, obj: Any, name: str, serializer: str = "json", description: Optional[str] = None
    ) -> "TraceletArtifact":
        """Add a Python object: ``json`` keeps it in the manifest; ``pickle`` and ``yaml`` store its bytes as a file.

        ``yaml`` needs PyYAML installed (Tally itself takes no dependency).

        Example::

            artifact.add_object({"lr": 0.01}, "config.json")
            artifact.add_object(vocabulary, "vocab.pkl", serializer="pickle")
        """
        if serializer not in SERIALIZERS:
            raise TallyError("invalid_argument", f"add_object(): serializer {serializer!r} is unknown; use 'json', 'pickle' or 'yaml'")
        if not isinstance(name, str) or name == "":
            raise TallyError("invalid_argument", "add_object() takes the object, then its name")
        if serializer == "json":
            obj = check_json(obj, "artifact object")
        elif serializer == "yaml":
            _yaml()  # says now, not at log time, that PyYAML is missing
        self.objects.append(ArtifactObject(obj, name, serializer, description))
        return self

    def add_reference(
        self, uri: str, size_bytes: Optional[int] = None, description: Optional[str] = None
    ) -> "TraceletArtifact":
        """Add an external reference (S3, GCS, HTTP, …), recorded and never fetched.

        Example::

            artifact.add_reference("s3://bucket/train.tar", size_bytes=10**9)
        """
        if not isinstance(uri, str) or uri == "":
            raise TallyError("invalid_argument", "add_reference() takes a URI string")
        if size_bytes is not None and (isinstance(size_bytes, bool) or not isinstance(size_bytes, int) or size_bytes < 0):
            raise TallyError("invalid_argument", f"add_reference(): size_bytes is a whole number ≥ 0; got {size_bytes!r}")
        self.references.append(ArtifactReference(uri, size_bytes, description))
        return self

    def add_model(
        self,
        model: Any,
        framework: Optional[str] = None,
        input_example: Optional[Any] = None,
        description: Optional[str] = None,
    ) -> "TraceletArtifact":
        """Add a model: a path as a file, JSON (a config, weights as lists) as ``model.json``, anything else pickled as ``model.pkl``.

        ``framework`` (found from the model's module when not given) and ``input_example`` go
        into the metadata.

        Example::

            artifact.add_model("out/model.pt", framework="pytorch")
        """
        if isinstance(model, (str, os.PathLike)):
            self.add_file(os.fspath(model), None, description)
        else:
            try:
                self.add_object(model, "model.json", "json", description)
            except TallyError:
                self.add_object(model, "model.pkl", "pickle", description)
            if framework is None:
                framework = _FRAMEWORKS.get(type(model).__module__.split(".")[0])
        if framework is not None:
            self.metadata["framework"] = str(framework)
        if input_example is not None:
            self.metadata["inputExample"] = check_json(input_example, "input_example")
        return self

    def serialize_object(self, obj: ArtifactObject, temp_dir: str) -> str:
        """Write ``obj`` to a file under ``temp_dir`` with its serializer; return the file's path.

        Example::

            path = artifact.serialize_object(artifact.objects[0], tempfile.mkdtemp())
        """
        if os.path.basename(obj.name) != obj.name or obj.name in ("", ".", ".."):
            raise TallyError("invalid_path", f"object name {obj.name!r} is not a file name; use one such as 'config.json'")
        path = os.path.join(temp_dir, obj.name)
        with open(path, "wb") as f:
            f.write(_serialize(obj))
        return path

    def to_dict(self) -> Dict[str, Any]:
        """The artifact as a plain dict.

        Example::

            TraceletArtifact("m", ArtifactType.MODEL).to_dict()["type"]  # 'model'
        """
        return {
            "name": self.name,
            "type": self.type.value,
            "description": self.description,
            "size_bytes": self.size_bytes,
            "version": self.version,
            "aliases": list(self.aliases),
            "created_at": self.created_at.isoformat(),
            "files": [vars(f).copy() for f in self.files],
            "objects": [vars(o).copy() for o in self.objects],
            "references": [vars(r).copy() for r in self.references],
            "metadata": dict(self.metadata),
        }

    def to_artifact(self) -> Artifact:
        """The core ``tally.Artifact`` this logs as."""
        if "tracelet" in self.metadata:
            raise TallyError(
                "invalid_argument",
                f'artifact {self.name}: metadata key "tracelet" is where Tally keeps per-entry descriptions; name yours otherwise',
            )
        descriptions: Dict[str, str] = {}
        reference_sizes: Dict[str, int] = {}
        artifact = Artifact(self.name, self.type.value, description=self.description, metadata=self.metadata)
        for f in self.files:
            artifact.add_file(f.local_path, name=f.artifact_path)
            if f.description is not None:
                descriptions[f.artifact_path] = f.description
        for o in self.objects:
            if o.serializer == "json":
                artifact.add_object(o.name, o.obj)
            else:
                artifact._add_bytes(o.name, _serialize(o))
            if o.description is not None:
                descriptions[o.name] = o.description
        taken = {f.artifact_path for f in self.files} | {o.name for o in self.objects}
        for r in self.references:
            # Two URIs ending alike (s3://a/data.tar, s3://b/data.tar) each get a path of their own.
            path = _unique_path(reference_name(r.uri), taken)
            taken.add(path)
            artifact.add_reference(r.uri, name=path)
            if r.description is not None:
                descriptions[path] = r.description
            if r.size_bytes is not None:
                reference_sizes[path] = r.size_bytes
        if descriptions or reference_sizes:
            artifact.metadata["tracelet"] = {"descriptions": descriptions, "referenceSizes": reference_sizes}
        return artifact

    @classmethod
    def from_manifest(
        cls,
        name: str,
        type: str,
        description: Optional[str],
        metadata: Mapping[str, Any],
        entries: Iterable[Mapping[str, Any]],
        created_at: Optional[_dt.datetime] = None,
        local_paths: Optional[Mapping[str, str]] = None,
        version: Optional[str] = None,
        aliases: Optional[Iterable[str]] = None,
    ) -> "TraceletArtifact":
        """A builder again, from a logged version's manifest (as the run kept it, or as the API serves it).

        Example::

            a = TraceletArtifact.from_manifest(**version)  # name, type, description, metadata, entries
        """
        rest = dict(metadata)
        notes = rest.pop("tracelet", None) or {}
        descriptions = notes.get("descriptions") or {}
        sizes = notes.get("referenceSizes") or {}
        a = cls(name, ArtifactType(check_artifact_type(type)), description)
        if created_at is not None:
            a.created_at = created_at
        a.metadata.update(rest)
        a.version = version
        a.aliases = list(aliases or [])
        for e in entries:
            path = e["path"]
            if e["kind"] == "file":
                local = (local_paths or {}).get(path, "")
                a.files.append(ArtifactFile(local, path, descriptions.get(path), e["size"], e["sha256"]))
            elif e["kind"] == "object":
                a.objects.append(ArtifactObject(e["value"], path, "json", descriptions.get(path)))
            else:
                a.references.append(ArtifactReference(e["uri"], sizes.get(path), descriptions.get(path)))
        return a

    def __repr__(self) -> str:
        return (f"TraceletArtifact({self.name!r}, {self.type}, files={len(self.files)}, "
                f"objects={len(self.objects)}, references={len(self.references)})")


def log_to_run(run: Any, artifact: TraceletArtifact) -> ArtifactResult:
    """Log a ``TraceletArtifact`` into a Tally run: the ``tally`` backend's ``log_artifact``.

    Fills in each file's ``size_bytes`` and ``checksum``. The result is the TypeScript
    backend's: ``version`` is the store's ``vN`` (numbered per project and name; the same content
    logged again is the same version), ``uri`` ``tally://<project>/<name>:vN`` and ``metadata``
    ``{runId, digest, newBlobs}``. While a server cannot be asked (remote mode, server away),
    ``version`` is the digest, ``uri`` ``tally://<project>/<name>@sha256:<digest>`` and
    ``metadata["versionPending"]`` is true: the version is safe in the spool and gets its number
    when the server takes it.

    Example::

        result = log_to_run(run, TraceletArtifact("resnet", ArtifactType.MODEL).add_file("model.bin"))
    """
    if not isinstance(artifact, TraceletArtifact):
        raise TallyError(
            "invalid_argument", "log_artifact() takes a TraceletArtifact (experiment.create_artifact(name, type)) or a file's path"
        )
    logged = log_artifact(run, artifact.to_artifact())
    by_path = {e["path"]: e for e in logged.entries}
    for f in artifact.files:
        entry = by_path.get(f.artifact_path)
        if entry is not None:
            f.size_bytes, f.checksum = entry["size"], entry["sha256"]
    version = _version_of(run, logged.name, logged.digest)
    where = f"tally://{quote(run.project, safe='')}/{quote(logged.name, safe='')}"
    metadata: Dict[str, Any] = {"runId": run.id, "digest": logged.digest, "newBlobs": logged.new_blobs}
    if version is None:
        metadata["versionPending"] = True
    return ArtifactResult(
        backend="tally",
        uri=f"{where}@sha256:{logged.digest}" if version is None else f"{where}:{version}",
        version=logged.digest if version is None else version,
        metadata=metadata,
    )


def _version_of(run: Any, name: str, digest: str) -> Optional[str]:
    """``vN`` of the version with this digest; None while the server cannot be asked."""
    try:
        versions = run.artifact_versions()
    except TallyError as e:
        if e.code == "server_unreachable":
            return None
        raise
    found = next((v for v in versions if v.name == name and v.digest == digest), None)
    return None if found is None else f"v{found.version}"


def _unique_path(path: str, taken: AbstractSet[str]) -> str:
    if path not in taken:
        return path
    n = 1
    while f"{path}~{n}" in taken:
        n += 1
    return f"{path}~{n}"


def file_artifact(local_path: str, artifact_path: Optional[str] = None) -> TraceletArtifact:
    """One file as a ``custom`` artifact named after it: Tracelet's legacy ``log_file_artifact``.

    Example::

        >>> file_artifact("out/my model.pt").name
        'my_model.pt'
    """
    if isinstance(local_path, os.PathLike):
        local_path = os.fspath(local_path)
    if not isinstance(local_path, str) or local_path == "":
        raise TallyError("invalid_argument", "log_file_artifact() takes a file's path")

    name = re.sub(r"^[._-]+", "", re.sub(r"[^A-Za-z0-9._-]", "_", os.path.basename(local_path))) or "file"
    return TraceletArtifact(name, ArtifactType.CUSTOM).add_file(local_path, artifact_path)


def _serialize(obj: ArtifactObject) -> bytes:
    if obj.serializer == "pickle":
        try:
            return pickle.dumps(obj.obj)
        except Exception as e:  # pickling runs user code (__reduce__): any error is theirs
            raise TallyError("invalid_argument", f"object {obj.name}: cannot pickle it ({e}); use serializer='json'") from e
    if obj.serializer == "yaml":
        return _yaml().safe_dump(obj.obj).encode("utf-8")
    return json.dumps(obj.obj, allow_nan=True).encode("utf-8")


def _yaml() -> Any:
    try:
        import yaml  # type: ignore[import-not-found]
    except ImportError:
        raise TallyError(
            "invalid_argument", "serializer 'yaml' needs PyYAML (pip install pyyaml); or use 'json', which needs nothing"
        ) from None
    return yaml
