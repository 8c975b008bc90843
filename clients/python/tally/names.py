"""Run ids, writer ids and readable run names, as ``packages/sdk/src/names.ts`` makes them."""
from __future__ import annotations

import os

ADJECTIVES = (
    "amber bold brisk calm clever crisp dapper eager fancy gentle golden happy hidden icy jolly keen lively lucky "
    "mellow misty nimble noble proud quiet rapid royal silent snowy solar steady swift tidy vivid wild witty young"
).split()
NOUNS = (
    "aurora badger breeze brook canyon cedar comet dawn delta ember falcon fern field forest galaxy glade harbor "
    "heron island lake lynx meadow moon otter pine planet river sea sky sparrow star stone sun thunder valley wave"
).split()
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def _random_string(n: int) -> str:
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in os.urandom(n))


def new_run_id() -> str:
    """A run id: 12 random characters of ``[a-z0-9]``.

    Example::

        >>> len(new_run_id())
        12
    """
    return _random_string(12)


def new_writer_id() -> str:
    """A writer id: 16 random characters of ``[a-z0-9]``, also the spool file's name."""
    return _random_string(16)


def new_run_name() -> str:
    """A readable run name such as ``brisk-river-42``."""
    b = os.urandom(3)
    return f"{ADJECTIVES[b[0] % len(ADJECTIVES)]}-{NOUNS[b[1] % len(NOUNS)]}-{b[2] % 99 + 1}"
