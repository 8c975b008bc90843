"""Fixtures every Python client test may use: a Tally directory, the real TypeScript CLI reading it
back, and Python scripts run in real child processes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import pytest

REPO = Path(__file__).resolve().parents[3]
CLI = REPO / "packages" / "server" / "dist" / "cli" / "main.js"


@pytest.fixture
def tally_dir(tmp_path: Path) -> str:
    """An empty Tally directory (spool and store) for one test."""
    d = tmp_path / "tally"
    d.mkdir()
    return str(d)


def run_cli(*args: str, dir: str, json_output: bool = True, env: Optional[Dict[str, str]] = None) -> Any:
    """Run ``node packages/server/dist/cli/main.js ARGS --dir DIR [--json]``; the parsed JSON (or text)."""
    if not CLI.exists():
        pytest.fail(f"{CLI} is missing: run `npm run build` at the repository root first")
    argv = ["node", str(CLI), *args, "--dir", dir] + (["--json"] if json_output else [])
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise AssertionError(f"tally {' '.join(args)} exited {proc.returncode}: {proc.stderr or proc.stdout}")
    return json.loads(proc.stdout) if json_output else proc.stdout


@pytest.fixture
def tally_cli() -> Callable[..., Any]:
    """``tally_cli("run", run_id, dir=d)``: what the TypeScript CLI reads from the directory, as JSON."""
    return run_cli


def python_env(dir: Optional[str] = None, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if dir is not None:
        env["TALLY_DIR"] = dir
    env.update(extra or {})
    return env


def run_python_script(code: str, *, dir: Optional[str] = None, env: Optional[Dict[str, str]] = None, timeout: float = 120, check: bool = True, cwd: Optional[str] = None) -> subprocess.CompletedProcess:
    """Run ``code`` (dedented) in a child Python process with ``TALLY_DIR=dir``."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=python_env(dir, env),
        cwd=cwd,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"child exited {proc.returncode}:\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def spawn_python_script(code: str, *, dir: Optional[str] = None, env: Optional[Dict[str, str]] = None, cwd: Optional[str] = None) -> subprocess.Popen:
    """Start ``code`` in a child Python process (stdout and stderr piped, text) and return at once."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=python_env(dir, env),
        cwd=cwd,
    )


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess]:
    """``run_python(code, dir=d)``: run a script in a child process; fails the test if it fails (check=False to allow)."""
    return run_python_script


@pytest.fixture
def spawn_python() -> Callable[..., subprocess.Popen]:
    """``spawn_python(code, dir=d)``: start a script in a child process and get its Popen."""
    return spawn_python_script
