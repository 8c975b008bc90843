"""Which automatic captures a run does, as ``capture-options.ts`` decides it.

Each capture is on unless switched off; an explicit ``init(capture=...)`` option beats the
environment, so a script can insist either way, and the environment
(``TALLY_CAPTURE_SYSTEM=0``, ``TALLY_CAPTURE=0`` for all) switches off what a script leaves
to its default without editing it.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Union

from ..errors import TallyError

#: Seconds between two system samples unless ``capture={'system': seconds}`` says otherwise.
DEFAULT_SYSTEM_INTERVAL = 10.0
#: System samples are stepped by the second, so two samples within one second would collide.
MIN_SYSTEM_INTERVAL = 1.0

NAMES = ('system', 'git', 'env', 'console', 'argv')

CaptureOption = Union[None, bool, Mapping[str, Any]]


@dataclass(frozen=True)
class CaptureSettings:
    """What a run captures. ``system`` is the sampling period in seconds, or None when off."""

    system: Optional[float]
    git: bool
    env: bool
    console: bool
    argv: bool


def capture_settings(capture: CaptureOption = None, environ: Optional[Mapping[str, str]] = None) -> CaptureSettings:
    """The settings from ``init``'s ``capture`` and the environment.

    Per capture: the explicit option, else ``TALLY_CAPTURE_<NAME>``, else ``TALLY_CAPTURE``,
    else on. ``capture['system']`` may be a number of seconds (at least 1) instead of True.

    >>> capture_settings({'system': 2, 'console': False}, {}).system
    2.0
    """
    env = os.environ if environ is None else environ
    if capture is not None and not isinstance(capture, (bool, Mapping)):
        raise TallyError(
            'invalid_argument',
            f'capture must be True, False or a dict such as {{"system": False}}; got {_describe(capture)}',
        )
    explicit: dict = dict(capture) if isinstance(capture, Mapping) else {}
    for key in explicit:
        if key not in NAMES:
            raise TallyError('invalid_argument', f'capture has no option {key!r}; the options are {", ".join(NAMES)}')
    everything = capture if isinstance(capture, bool) else _env_switch(env, 'TALLY_CAPTURE')

    def on(name: str) -> bool:
        value = explicit.get(name)
        if name == 'system' and _is_seconds(value):
            return True
        if value is not None:
            if not isinstance(value, bool):
                what = 'True, False or a number of seconds' if name == 'system' else 'True or False'
                raise TallyError('invalid_argument', f'capture[{name!r}] must be {what}; got {_describe(value)}')
            return value
        if isinstance(capture, bool):
            return capture
        switch = _env_switch(env, f'TALLY_CAPTURE_{name.upper()}')
        if switch is not None:
            return switch
        return True if everything is None else everything

    return CaptureSettings(
        system=_system_interval(explicit.get('system')) if on('system') else None,
        git=on('git'),
        env=on('env'),
        console=on('console'),
        argv=on('argv'),
    )


def _is_seconds(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _system_interval(value: Any) -> float:
    if not _is_seconds(value):
        return DEFAULT_SYSTEM_INTERVAL
    if not math.isfinite(value) or value < MIN_SYSTEM_INTERVAL:
        raise TallyError(
            'invalid_argument',
            f'capture["system"] as an interval must be a number of seconds >= {MIN_SYSTEM_INTERVAL:g}; got {value!r}',
        )
    return float(value)


def _env_switch(env: Mapping[str, str], name: str) -> Optional[bool]:
    """``0``, ``false``, ``off``, ``no`` switch off; ``1``, ``true``, ``on``, ``yes`` on; else no say."""
    value = (env.get(name) or '').strip().lower()
    if value in ('0', 'false', 'off', 'no'):
        return False
    if value in ('1', 'true', 'on', 'yes'):
        return True
    return None


def _describe(value: Any) -> str:
    text = repr(value)
    return f'{type(value).__name__} {text[:60]}' if len(text) <= 60 else f'{type(value).__name__} {text[:57]}...'
