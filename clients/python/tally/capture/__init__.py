"""Automatic capture: system metrics, git, environment, command line and console, as the TS SDK.

Run uses :func:`capture_settings` for ``init(capture=...)``, :func:`captured_system` for the run
event's ``system`` object and the ``--flags`` offered as config, :func:`start_capture` to start
the :class:`SystemSampler` (``system/*`` series) and the :class:`ConsoleCapture` (console lines)
until the run finishes.
"""
from .argv import parse_flags, redact_argv
from .console_capture import ConsoleCapture
from .environment import REDACTED, environment_info, looks_secret, redacted_environ, strip_url_credentials
from .git import MAX_DIFF_CHARS, git_diff, git_info, parse_status, strip_credentials
from .options import DEFAULT_SYSTEM_INTERVAL, MIN_SYSTEM_INTERVAL, CaptureSettings, capture_settings
from .run_system import captured_system
from .start import start_capture
from .system_sampler import SystemSampler

__all__ = [
    'MAX_DIFF_CHARS',
    'REDACTED',
    'DEFAULT_SYSTEM_INTERVAL',
    'MIN_SYSTEM_INTERVAL',
    'CaptureSettings',
    'ConsoleCapture',
    'SystemSampler',
    'capture_settings',
    'captured_system',
    'environment_info',
    'git_diff',
    'git_info',
    'looks_secret',
    'parse_flags',
    'parse_status',
    'redact_argv',
    'redacted_environ',
    'start_capture',
    'strip_credentials',
    'strip_url_credentials',
]
