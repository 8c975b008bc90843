"""The one error class of Tally, with the codes shared by the TypeScript SDK, the CLI and the server.

The list mirrors ``packages/sdk/src/errors.ts``: a code, once published, keeps its meaning.
"""
from __future__ import annotations

from typing import Dict, Optional, Union

ERROR_CODES = (
    "invalid_argument",
    "invalid_project",
    "invalid_name",
    "invalid_tags",
    "invalid_config",
    "invalid_key",
    "invalid_value",
    "value_too_large",
    "invalid_step",
    "invalid_resume",
    "run_not_found",
    "run_exists",
    "run_finished",
    "no_active_run",
    "spool_io",
    "spool_format",
    "not_found",
    "invalid_cursor",
    "invalid_query",
    "unknown_command",
    "store_unavailable",
    "already_exists",
    "seq_gap",
    "unauthorized",
    "forbidden",
    "cross_origin",
    "payload_too_large",
    "invalid_request",
    "server_unreachable",
    "invalid_metadata",
    "invalid_path",
    "digest_mismatch",
    "internal",
)

Detail = Union[str, int, float, bool, None]


class TallyError(Exception):
    """An error Tally raises on purpose: ``code`` is stable, ``message`` says what to do next.

    Example::

        try:
            run.log({"": 1})
        except tally.TallyError as e:
            assert e.code == "invalid_key"
    """

    def __init__(self, code: str, message: str, details: Optional[Dict[str, Detail]] = None) -> None:
        if code not in ERROR_CODES:
            # An unknown code is a bug in Tally itself; keep the message and say so.
            message = f"{message} (unknown error code {code!r})"
            code = "internal"
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = dict(details) if details else None

    def to_json(self) -> Dict[str, Detail]:
        """``{code, message, ...details}``: the ``error`` object of the server's JSON answers."""
        out: Dict[str, Detail] = dict(self.details or {})
        out["code"] = self.code
        out["message"] = self.message
        return out

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"

    def __repr__(self) -> str:
        return f"TallyError({self.code!r}, {self.message!r})"
