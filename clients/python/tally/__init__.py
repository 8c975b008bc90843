"""Tally's Python client (being built)."""
from .errors import ERROR_CODES, TallyError

__all__ = ["ERROR_CODES", "TallyError"]
