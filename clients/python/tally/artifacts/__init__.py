"""Artifacts: named, typed, versioned sets of files, JSON objects and references.

The same manifest, digest, blob layout and spool event as the TypeScript SDK
(``packages/sdk/src/artifacts``), so the store, ``tally artifact get`` and the dashboard read a
Python-logged artifact exactly like a TypeScript one.

Example::

    import tally
    run = tally.init(project="vision")
    logged = run.log_artifact(tally.Artifact("resnet", "model").add_file("model.bin"), aliases=["best"])
"""
from .artifact import Artifact, LoggedArtifact, log_artifact, reference_name
from .catalog import ArtifactVersion, find_version, server_artifact_versions, spool_artifact_versions
from .blobs import blob_path, blobs_dir, store_bytes_blob, store_file_blob
from .manifest import ARTIFACT_TYPES, check_alias, check_artifact_name, check_entries, check_entry_path, manifest_digest

__all__ = [
    "ARTIFACT_TYPES",
    "Artifact",
    "ArtifactVersion",
    "LoggedArtifact",
    "blob_path",
    "blobs_dir",
    "check_alias",
    "check_artifact_name",
    "check_entries",
    "check_entry_path",
    "find_version",
    "log_artifact",
    "manifest_digest",
    "reference_name",
    "server_artifact_versions",
    "spool_artifact_versions",
    "store_bytes_blob",
    "store_file_blob",
]
