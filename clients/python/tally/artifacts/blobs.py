"""The local blob folder (``<tally dir>/blobs/<aa>/<sha256>``): each file's bytes once, by content.

A file is hashed while it is copied, in one streaming pass, so the bytes stored are exactly
the bytes hashed even if the file changes meanwhile. The layout is the TypeScript SDK's, so
``tally artifact get`` and ``tally sync`` read a Python-logged blob like any other.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from typing import Any, BinaryIO, Callable, NamedTuple, Union

from .manifest import blob_relative_path

_CHUNK = 1024 * 1024
PathLike = Union[str, "os.PathLike[str]"]


class StoredBlob(NamedTuple):
    sha256: str
    size: int
    #: False when a blob with these bytes was there already (dedup).
    added: bool


def blobs_dir(tally_dir: PathLike) -> str:
    """The blob folder of a Tally directory.

    Example::

        >>> blobs_dir("/home/me/.tally")
        '/home/me/.tally/blobs'
    """
    return os.path.join(os.fspath(tally_dir), "blobs")


def blob_path(blobs: PathLike, sha256: str) -> str:
    """Where the blob with this sha256 lives under ``blobs``.

    Example::

        >>> blob_path("/d/blobs", "ab" + "0" * 62) == "/d/blobs/ab/ab" + "0" * 62
        True
    """
    return os.path.join(os.fspath(blobs), *blob_relative_path(sha256).split("/"))


def store_bytes_blob(blobs: PathLike, data: bytes) -> StoredBlob:
    """Store ``data`` (a pickled object, say) as a blob, like a file of those bytes.

    Example::

        >>> import tempfile; d = tempfile.mkdtemp()
        >>> store_bytes_blob(d, b"abc").sha256[:8], store_bytes_blob(d, b"abc").added
        ('ba7816bf', False)
    """
    return _store(blobs, lambda dst: dst.write(data))


def store_file_blob(blobs: PathLike, file: PathLike) -> StoredBlob:
    """Hash ``file`` while copying it into ``blobs``; keep the copy only if the blob is new.

    Raises ``OSError`` when ``file`` cannot be read; the caller names the artifact in its error.

    Example::

        >>> blob = store_file_blob("/tmp/t/blobs", "model.bin")  # doctest: +SKIP
        >>> blob.sha256, blob.size, blob.added  # doctest: +SKIP
    """
    def copy(dst: Any) -> None:
        with open(file, "rb") as src:
            while True:
                chunk = src.read(_CHUNK)
                if not chunk:
                    break
                dst.write(chunk)

    return _store(blobs, copy)


class _Hashing:
    """A file that hashes and counts what is written to it: the bytes stored are the bytes hashed."""

    def __init__(self, dst: BinaryIO) -> None:
        self.dst = dst
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.digest.update(chunk)
        self.size += len(chunk)
        self.dst.write(chunk)


def _store(blobs: PathLike, fill: Callable[[Any], None]) -> StoredBlob:
    blobs = os.fspath(blobs)
    os.makedirs(blobs, exist_ok=True)
    tmp = os.path.join(blobs, f".tmp-{secrets.token_hex(8)}")
    try:
        with open(tmp, "xb") as dst:
            sink = _Hashing(dst)
            fill(sink)
        sha256, size = sink.digest.hexdigest(), sink.size
        target = blob_path(blobs, sha256)
        if os.path.exists(target):
            os.unlink(tmp)
            return StoredBlob(sha256, size, False)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        # A rename is atomic: a reader never sees half a blob, and two writers of the same
        # bytes both end with the same whole file.
        os.replace(tmp, target)
        return StoredBlob(sha256, size, True)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
