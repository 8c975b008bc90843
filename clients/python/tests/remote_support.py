"""Real servers for the remote-mode tests: ``tally serve`` as a child process on a real port,
keys made with ``tally keys create``, and reads through the server's HTTP API."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any, List, Optional, Tuple

import support

REPO = str(support.REPO)
CLI = str(support.CLI)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (just now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_key(dir: str, role: str = "writer", workspace: str = "default") -> str:
    """A key made as the docs say: ``tally keys create`` on the server's database in ``dir``."""
    out = subprocess.run(["node", CLI, "keys", "create", "--workspace", workspace, "--role", role,
                          "--db", f"sqlite:{os.path.join(dir, 'server.db')}"],
                         capture_output=True, text=True, timeout=60, check=True)
    return next(line.strip() for line in out.stdout.splitlines() if line.startswith("tally_sk_"))


def create_workspace(dir: str, name: str) -> None:
    subprocess.run(["node", CLI, "workspaces", "create", name, "--db", f"sqlite:{os.path.join(dir, 'server.db')}"],
                   capture_output=True, text=True, timeout=60, check=True)


class Server:
    """``tally serve`` on 127.0.0.1:``port`` with its SQLite store in ``dir``; restartable on
    the same port and store."""

    def __init__(self, dir: str, port: Optional[int] = None) -> None:
        self.dir = dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: Optional[subprocess.Popen] = None
        self.key: Optional[str] = None

    def start(self) -> "Server":
        self.proc = subprocess.Popen(
            ["node", CLI, "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--db", f"sqlite:{os.path.join(self.dir, 'server.db')}", "--data-dir", self.dir],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seen: List[str] = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            seen.append(line)
            if "listening on" in line:
                return self
        raise RuntimeError(f"tally serve did not start: {''.join(seen)}")

    def kill(self) -> None:
        """SIGKILL: the server gets no chance to finish anything."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None

    def get(self, key: str, path: str) -> Tuple[int, Any]:
        request = urllib.request.Request(self.url + path, headers={"authorization": f"Bearer {key}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def series(self, key: str, run_id: str, metric: str) -> dict:
        status, body = self.get(key, f"/api/v1/runs/{run_id}/series?key={metric}")
        assert status == 200, body
        return body


def start_server(dir: str) -> Server:
    """A started server with its store in ``dir`` (made here) and a writer key as ``.key``."""
    server = Server(dir)
    os.makedirs(server.dir)
    server.key = create_key(server.dir)
    server.start()
    return server


def eventually(what: str, probe, timeout: float = 60.0):
    """``probe()`` once it returns something other than None; waits for a background thread
    or process, never for a fixed time."""
    until = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > until:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def node(script: str, env: Optional[dict] = None, timeout: float = 60) -> str:
    """Run a Node script in the repository (ESM, the TS SDK importable as @tally/sdk)."""
    out = subprocess.run(["node", "--input-type=module", "-e", script], cwd=REPO, capture_output=True, text=True,
                         timeout=timeout, env={**os.environ, **(env or {})})
    if out.returncode != 0:
        raise RuntimeError(f"node failed ({out.returncode}): {out.stderr}")
    return out.stdout
