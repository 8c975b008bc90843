"""Helpers the Python client's tests share: where the repository and the built TypeScript CLI are,
the CLI reading a Tally directory back as JSON, and Python scripts run in real child processes.

A plain module (tests run with their folder on ``sys.path``, so ``from support import ...``);
conftest.py builds its fixtures on it, and tests that want a helper outside a fixture import it.
Server helpers (``tally serve`` as a child process) are in remote_support.py."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

import tally

REPO = Path(__file__).resolve().parents[3]
CLI = REPO / "packages" / "server" / "dist" / "cli" / "main.js"
# The folder the installed tally package is in: a child's PYTHONPATH where it must import this copy.
CLIENT = str(Path(tally.__file__).resolve().parents[1])


def run_cli(*args: str, dir: str, json_output: bool = True, env: Optional[Dict[str, str]] = None) -> Any:
    """Run ``node packages/server/dist/cli/main.js ARGS --dir DIR [--json]``; the parsed JSON (or text)."""
    if not CLI.exists():
        pytest.fail(f"{CLI} is missing: run `npm run build` at the repository root first")
    argv = ["node", str(CLI), *args, "--dir", dir] + (["--json"] if json_output else [])
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise AssertionError(f"tally {' '.join(args)} exited {proc.returncode}: {proc.stderr or proc.stdout}")
    return json.loads(proc.stdout) if json_output else proc.stdout


def cli(dir: Path, *args: str) -> Any:
    """``cli(dir, "run", run_id)``: ``tally ARGS --dir DIR --json`` parsed; CalledProcessError if it fails."""
    out = subprocess.run(["node", str(CLI), *args, "--dir", str(dir), "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


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


def run_child(dir: Path, source: str, cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None) -> "subprocess.CompletedProcess[str]":
    """Run ``source`` (dedented) in a child Python as a user's script: ``TALLY_DIR=dir``,
    ``TALLY_CAPTURE=0``, no ``TALLY_SERVER_URL``, plus ``env``; 120 s at most. Its exit code is
    the caller's to check."""
    child_env = {**os.environ, "TALLY_DIR": str(dir), "TALLY_CAPTURE": "0", **(env or {})}
    child_env.pop("TALLY_SERVER_URL", None)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(source)], env=child_env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def run_script(dir: Path, source: str) -> str:
    """``run_child`` that must exit 0; its stdout."""
    done = run_child(dir, source)
    assert done.returncode == 0, done.stderr
    return done.stdout
