"""The git state of the working directory, read at ``init`` by running ``git``, as ``git.ts``.

Short calls with timeouts; any failure (no git, not a repository, a timeout) leaves the git
info out rather than failing ``init``.
"""
from __future__ import annotations

import re
import subprocess
from typing import Dict, Optional, Tuple, Union

TIMEOUT_S = 2.0
#: The most of an uncommitted diff a run keeps (characters); past it the diff is cut and marked.
MAX_DIFF_CHARS = 256 * 1024

GitInfo = Dict[str, Union[str, bool, None]]

_OID = re.compile(r'^[0-9a-f]{7,64}$')
_URL_USER = re.compile(r'^([a-z][a-z0-9+.-]*://)[^/@]*@', re.IGNORECASE)


def _git(cwd: Optional[str], *args: str, timeout: float = TIMEOUT_S) -> str:
    done = subprocess.run(
        ['git', *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        timeout=timeout,
        check=True,
    )
    return done.stdout.decode('utf-8', 'replace')


def git_info(cwd: Optional[str] = None) -> Optional[GitInfo]:
    """Commit, branch, remote (credentials stripped) and dirty flag of ``cwd``'s repository.

    None when ``cwd`` is not in a git repository or git cannot run.

    >>> info = git_info('.')  # doctest: +SKIP
    >>> sorted(info)  # doctest: +SKIP
    ['branch', 'commit', 'dirty', 'remote']
    """
    try:
        status = _git(cwd, 'status', '--porcelain=v2', '--branch', '--untracked-files=no')
    except (OSError, subprocess.SubprocessError):
        return None
    info = parse_status(status)
    try:
        info['remote'] = strip_credentials(_git(cwd, 'config', '--get', 'remote.origin.url').strip()) or None
    except (OSError, subprocess.SubprocessError):
        pass  # No origin: `git config` exits 1.
    return info


def parse_status(text: str) -> GitInfo:
    """``git status --porcelain=v2 --branch`` output into commit, branch and dirty.

    >>> parse_status('# branch.oid (initial)\\n# branch.head main\\n')
    {'commit': None, 'branch': 'main', 'remote': None, 'dirty': False}
    """
    info: GitInfo = {'commit': None, 'branch': None, 'remote': None, 'dirty': False}
    for line in text.split('\n'):
        if line.startswith('# branch.oid '):
            oid = line[len('# branch.oid '):].strip()
            info['commit'] = oid if _OID.match(oid) else None
        elif line.startswith('# branch.head '):
            head = line[len('# branch.head '):].strip()
            info['branch'] = None if head == '(detached)' else head
        elif line != '' and not line.startswith('#'):
            info['dirty'] = True
    return info


def strip_credentials(url: str) -> str:
    """A remote URL without ``user:pass@`` (or a token as user), so a run never stores a secret.

    scp-like ``git@host:x.git`` keeps its user, which is no secret.

    >>> strip_credentials('https://user:token@host/x.git')
    'https://host/x.git'
    """
    return _URL_USER.sub(r'\1', url, count=1)


def git_diff(cwd: Optional[str] = None) -> Optional[Tuple[str, bool]]:
    """The uncommitted changes to tracked files (``git diff HEAD``) and whether they were cut.

    Cut at ``MAX_DIFF_CHARS``; None when git fails. With the commit, this is the code the run ran.

    >>> git_diff('/')  # doctest: +SKIP
    """
    try:
        done = subprocess.run(
            ['git', 'diff', 'HEAD', '--no-color', '--no-ext-diff'],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as e:
        # A diff too slow to finish still says what it could read.
        partial = (e.stdout or b'').decode('utf-8', 'replace').replace('\0', '')
        return (partial[:MAX_DIFF_CHARS], True) if partial else None
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    # NUL cannot be stored in a PostgreSQL text column; a text diff has none.
    text = done.stdout.decode('utf-8', 'replace').replace('\0', '')
    if len(text) > MAX_DIFF_CHARS:
        return text[:MAX_DIFF_CHARS], True
    return text, False
