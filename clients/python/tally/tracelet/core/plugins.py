"""``from tracelet.core.plugins import BackendPlugin``, as Tracelet's documentation writes it:
the base of a backend that ``tally.tracelet.register_backend`` takes.

Example:
    >>> from tally.tracelet.core.plugins import BackendPlugin
    >>> class Printer(BackendPlugin):
    ...     name = "console"
    ...     def log_metric(self, name, value, iteration): print(iteration, name, value)
    >>> tally.tracelet.register_backend("console", Printer)
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from .._backends import BackendContext


class BackendPlugin:
    """A backend: made with the experiment's ``BackendContext``; each method does nothing until a
    subclass says otherwise (``log_artifact`` returns None: no result for this backend)."""

    name = "plugin"

    def __init__(self, context: BackendContext) -> None:
        self.context = context

    def log_metric(self, name: str, value: Any, iteration: Optional[int]) -> None:
        pass

    def log_params(self, params: Dict[str, Any]) -> None:
        pass

    def log_text(self, name: str, text: str, iteration: Optional[int]) -> None:
        pass

    def log_artifact(self, artifact: Any) -> Any:
        return None

    def stop(self) -> None:
        pass


__all__ = ["BackendPlugin", "BackendContext"]
