"""The exceptions Tracelet's documentation names. Every error of the facade is a ``TallyError``
with a stable ``code``; ``TraceletException`` is that class, so ``except TraceletException``
catches them all, and ``BackendError`` / ``ConfigurationError`` are the kinds the seed names.

Example:
    >>> try:
    ...     tracelet.start_logging("x", backend="nosuch")
    ... except tracelet.BackendError as e:
    ...     print(e.code)
    invalid_argument
"""
from __future__ import annotations

from tally import TallyError

# Base exception for all Tracelet errors: Tally's, as tally.tora's ToraError.
TraceletException = TallyError


class BackendError(TallyError):
    """A backend cannot be used: an unknown name, a bad registration, one that reads no artifacts."""


class ConfigurationError(TallyError):
    """A setting of start_logging / Experiment / TRACELET_* is not one Tracelet takes."""
