"""Start a run's ongoing captures (system sampler, console tee) and stop them when it finishes."""
from __future__ import annotations

from typing import Any, List

from .console_capture import ConsoleCapture
from .options import CaptureSettings
from .system_sampler import SystemSampler


def start_capture(run: Any, settings: CaptureSettings, quiet: bool = False) -> None:
    """Start what ``settings`` asks for on ``run``; ``run.finish()`` stops it before its last write.

    The run provides ``_console(stream, text)``, ``_log_system(values, at_ms)`` and
    ``_on_finish(hook)``. Called by ``Run.__init__`` once the run's first record is written.

    >>> start_capture(run, capture_settings({'system': 5}))  # doctest: +SKIP
    """
    stops: List[Any] = []
    if settings.console:
        stops.append(ConsoleCapture(run._console).restore)
    if settings.system is not None:
        stops.append(SystemSampler(settings.system, run._log_system, quiet=quiet).stop)

    def stop() -> None:
        for s in stops:
            s()

    if stops:
        run._on_finish(stop)
