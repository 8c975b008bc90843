"""The ``system`` info of a run's first event, as ``run-system.ts`` builds it."""
from __future__ import annotations

import os
import sys
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from .argv import parse_flags, redact_argv
from .environment import environment_info, redacted_environ
from .git import git_diff, git_info
from .options import CaptureSettings


def captured_system(
    settings: CaptureSettings,
    base: Mapping[str, Any],
    argv: Optional[Sequence[str]] = None,
    environ: Optional[Mapping[str, str]] = None,
    cwd: Optional[str] = None,
) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """``(system, flags)``: the run event's ``system`` object and the ``--flags`` offered as config.

    As the settings allow: the command line (secret-looking flag values redacted) and its flags,
    the git state with the uncommitted diff, the environment. ``argv`` defaults to
    ``sys.argv`` (``[script, *args]``), ``environ`` to ``os.environ``, ``cwd`` to the working directory.

    >>> from tally.capture.options import capture_settings
    >>> system, flags = captured_system(capture_settings(False), {'pid': 1}, ['train.py', '--lr=0.1'])
    >>> system, flags
    ({'pid': 1}, {})
    """
    system: Dict[str, Any] = dict(base)
    flags: Dict[str, Any] = {}
    if settings.argv:
        args = list(sys.argv if argv is None else argv)
        # TypeScript keeps [node, script, ...args]; Python's argv is [script, ...args].
        system['argv'] = redact_argv([sys.executable or 'python', *args])
        flags = parse_flags(args[1:])
        system['flags'] = dict(flags)
    if settings.git:
        info = git_info(cwd)
        if info is not None:
            git: Dict[str, Any] = dict(info)
            # The uncommitted changes, kept with the run: with the commit, the code it ran.
            changes = git_diff(cwd) if info.get('dirty') else None
            if changes is not None:
                git['diff'] = changes[0]
                if changes[1]:
                    git['diffTruncated'] = True
            system['git'] = git
    if settings.env:
        system['env'] = environment_info(cwd if cwd is not None else os.getcwd())
        system['environ'] = redacted_environ(environ)
    return system, flags
