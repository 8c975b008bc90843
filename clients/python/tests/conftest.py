"""Fixtures every Python client test may use: a Tally directory, the real TypeScript CLI reading it
back, Python scripts run in real child processes, and a real ``tally serve``. What they run is in
support.py and remote_support.py, for tests that want it outside a fixture."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from remote_support import Server, start_server
from support import CLI, REPO, python_env, run_cli, run_python_script, spawn_python_script  # noqa: F401 (re-exported)


@pytest.fixture
def tally_dir(tmp_path: Path) -> str:
    """An empty Tally directory (spool and store) for one test."""
    d = tmp_path / "tally"
    d.mkdir()
    return str(d)


@pytest.fixture
def tally_cli() -> Callable[..., Any]:
    """``tally_cli("run", run_id, dir=d)``: what the TypeScript CLI reads from the directory, as JSON."""
    return run_cli


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess]:
    """``run_python(code, dir=d)``: run a script in a child process; fails the test if it fails (check=False to allow)."""
    return run_python_script


@pytest.fixture
def spawn_python() -> Callable[..., subprocess.Popen]:
    """``spawn_python(code, dir=d)``: start a script in a child process and get its Popen."""
    return spawn_python_script


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A started ``tally serve`` with its store in tmp_path/server and a writer key as ``server.key``;
    killed after the test."""
    s = start_server(str(tmp_path / "server"))
    yield s
    s.kill()
