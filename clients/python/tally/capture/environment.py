"""The environment a run ran in, read once at ``init``, as ``environment.ts``.

Runtime, OS, hardware, the installed distributions, and the environment variables, with the
value of any variable whose name looks secret replaced, so a token never reaches the spool,
the store or the API. Bounded, so a huge environment cannot bloat every run.
"""
from __future__ import annotations

import copy
import os
import platform
import re
import socket
import subprocess
import sys
from typing import Any, Dict, List, Mapping, Optional

from .git import strip_credentials
from .text import clean_text

REDACTED = '[redacted]'
#: Names holding any of these (case-insensitive) keep their value out of everything stored.
SECRET_NAME = re.compile(
    r'KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS$|_PASS_|CREDENTIAL|AUTH|PRIVATE|COOKIE|DSN|_PWD$', re.IGNORECASE
)
MAX_VARIABLES = 500
MAX_VALUE_CHARS = 1000
#: Names and values together: the run's first record stays well under any server's body limit.
MAX_ENVIRON_CHARS = 64 * 1024
MAX_PACKAGES = 500

_URL_WITH_USER = re.compile(r'[a-z][a-z0-9+.-]*://[^\s/@]*@', re.IGNORECASE)


def looks_secret(name: str) -> bool:
    """Whether a variable or flag called ``name`` holds a secret.

    >>> looks_secret('HF_TOKEN'), looks_secret('PWD')
    (True, False)
    """
    return SECRET_NAME.search(name) is not None


def strip_url_credentials(value: str) -> str:
    """``postgres://user:pw@host/db`` anywhere in ``value``, without ``user:pw@``.

    >>> strip_url_credentials('url=postgres://alice:pw@db/x')
    'url=postgres://db/x'
    """
    if '@' not in value:
        return value
    return _URL_WITH_USER.sub(lambda m: strip_credentials(m.group(0)), value)


def redacted_environ(environ: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Environment variables, sorted by name, with secret-looking values replaced by ``[redacted]``.

    ``user:password@`` is taken out of URL values, each value is cut at 1,000 characters, and at
    most 500 variables or 64 Ki characters are kept (the first by name).

    >>> redacted_environ({'OPENAI_API_KEY': 'sk-1', 'PATH': '/bin'})
    {'OPENAI_API_KEY': '[redacted]', 'PATH': '/bin'}
    """
    env = os.environ if environ is None else environ
    out: Dict[str, str] = {}
    chars = 0
    names = sorted(n for n in env if isinstance(env.get(n), str) and '\0' not in n)
    for name in names[:MAX_VARIABLES]:
        value = REDACTED if looks_secret(name) else _clip(strip_url_credentials(clean_text(env[name])))
        chars += len(name) + len(value)
        if chars > MAX_ENVIRON_CHARS:
            break
        out[clean_text(name)] = value
    return out


def _clip(value: str) -> str:
    return value[:MAX_VALUE_CHARS] + '…' if len(value) > MAX_VALUE_CHARS else value


_cache: Dict[str, Dict[str, Any]] = {}


def environment_info(cwd: Optional[str] = None) -> Dict[str, Any]:
    """Runtime, OS, hardware and packages of this process, for the run's ``system.env``.

    Read once per working directory: a process that starts many runs (a sweep) runs
    ``nvidia-smi`` once. The keys are those of the TypeScript client (``runtime``,
    ``runtimeVersion``, ``os``, ``osRelease``, ``hostname``, ``cpuModel``, ``cpuCount``,
    ``memoryTotalGb``, ``gpus``, ``packages``) plus ``implementation`` (CPython, PyPy ...).

    >>> environment_info()['runtime']
    'python'
    """
    key = cwd if cwd is not None else os.getcwd()
    if key not in _cache:
        _cache[key] = _read_environment()
    return copy.deepcopy(_cache[key])


def _read_environment() -> Dict[str, Any]:
    return {
        'runtime': 'python',
        'runtimeVersion': platform.python_version(),
        'implementation': platform.python_implementation(),
        'os': platform.system(),
        'osRelease': platform.release(),
        'hostname': socket.gethostname(),
        'cpuModel': _cpu_model(),
        'cpuCount': os.cpu_count() or 0,
        'memoryTotalGb': round(_memory_total() / 1e7) / 100,
        'gpus': gpu_names(),
        'packages': package_versions(),
    }


def _cpu_model() -> Optional[str]:
    try:
        with open('/proc/cpuinfo', encoding='utf-8', errors='replace') as f:
            for line in f:
                if line.startswith('model name') and ':' in line:
                    return line.split(':', 1)[1].strip() or None
    except OSError:
        pass
    return platform.processor().strip() or None


def _memory_total() -> int:
    try:
        return os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES')
    except (AttributeError, ValueError, OSError):
        return 0


def gpu_names() -> List[str]:
    """GPU names from ``nvidia-smi``; none when it is absent (the exec fails at once) or slow.

    >>> isinstance(gpu_names(), list)
    True
    """
    try:
        done = subprocess.run(
            ['nvidia-smi', '--query-gpu=name', '--format=csv,noheader'],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=3,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if done.returncode != 0:
        return []
    return [line.strip() for line in done.stdout.decode('utf-8', 'replace').split('\n') if line.strip()]


def package_versions(path: Optional[List[str]] = None) -> Dict[str, str]:
    """Name to version of the distributions importable here (``sys.path``), sorted, at most 500.

    Where one name is installed twice, the one first on the path (the one imported) wins.

    >>> 'pip' in package_versions() or True
    True
    """
    from importlib import metadata

    found: Dict[str, str] = {}
    seen = set()
    try:
        dists = list(metadata.distributions(path=sys.path if path is None else path))
    except Exception:  # A broken .dist-info must not fail init.
        return {}
    for dist in dists:
        try:
            name = dist.metadata['Name']
            version = dist.version
        except Exception:
            continue
        if not isinstance(name, str) or not isinstance(version, str):
            continue
        key = re.sub(r'[-_.]+', '-', name).lower()
        if key in seen:
            continue
        seen.add(key)
        found[name] = version
    return {name: found[name] for name in sorted(found, key=str.lower)[:MAX_PACKAGES]}
