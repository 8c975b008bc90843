"""``show``: Trackio's local dashboard is Tally's ``tally ui``. The Python client has no
dependency on the server, so it runs the ``tally`` command (on PATH, or this repository's
``packages/server/dist/cli/main.js`` with node) as a child process."""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import webbrowser
from pathlib import Path
from typing import List, Optional
from urllib.parse import quote

from tally import TallyError

_DEFAULT_PORT = 4747
# How long `tally ui` may take to open its store and listen (a cold node start on a busy machine).
_START_TIMEOUT_S = 60.0


class Dashboard:
    """A running local dashboard: its ``url`` and, when this call started it, its ``process``."""

    def __init__(self, url: str, process: Optional[subprocess.Popen]) -> None:
        self.url = url
        self.process = process

    def close(self) -> None:
        """Stop the ``tally ui`` that ``show`` started (nothing when it found one running).

        Example:
            >>> trackio.show(open_browser=False, block_thread=False).close()
        """
        child = self.process
        if child is None or child.poll() is not None:
            return
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

    def __repr__(self) -> str:
        return f"Dashboard(url={self.url!r})"


def tally_command() -> Optional[List[str]]:
    """The command that runs the ``tally`` CLI here, or None.

    Order: ``$TALLY_CLI`` (a path to ``tally`` or ``main.js``), ``tally`` on PATH, then
    ``packages/server/dist/cli/main.js`` of the repository this package or the working
    directory lies in (run with ``node``).
    """
    explicit = os.environ.get("TALLY_CLI")
    candidates: List[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    on_path = shutil.which("tally")
    if on_path and not explicit:
        return [on_path]
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for folder in [start, *start.parents]:
            candidates.append(folder / "packages" / "server" / "dist" / "cli" / "main.js")
    node = shutil.which("node")
    for path in candidates:
        if not path.is_file():
            continue
        if path.suffix == ".js":
            if node is not None:
                return [node, str(path)]
        else:
            return [str(path)]
    return None


def _answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _interactive() -> bool:
    return bool(getattr(sys, "ps1", None) or sys.flags.interactive or "ipykernel" in sys.modules)


def show(
    project: Optional[str] = None,
    *,
    port: Optional[int] = None,
    dir: Optional[str] = None,
    open_browser: Optional[bool] = None,
    block_thread: Optional[bool] = None,
) -> Dashboard:
    """Open the local dashboard (``tally ui``) with ``project`` preselected.

    Uses the dashboard already answering on ``port`` (default ``$TALLY_PORT``, else 4747), or
    starts ``tally ui`` over ``dir`` (default ``$TALLY_DIR``, else ``~/.tally``). Opens the URL
    in a browser unless ``open_browser=False`` or ``TALLY_NO_BROWSER=1``. As Trackio does, a
    script blocks here until Ctrl-C (``block_thread=False`` returns at once; the dashboard then
    stops at ``Dashboard.close()`` or when the script ends).

    Example:
        >>> dashboard = trackio.show(project="my-project", block_thread=False)
        >>> print(dashboard.url)
        >>> dashboard.close()
    """
    if port is None:
        port = int(os.environ["TALLY_PORT"]) if os.environ.get("TALLY_PORT") else _DEFAULT_PORT
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise TallyError("invalid_argument", f"show(port=...) takes a port number from 1 to 65535; got {port!r}")
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/" if project is None else f"{base}/?project={quote(project, safe='')}"
    if open_browser is None:
        open_browser = os.environ.get("TALLY_NO_BROWSER") != "1"
    if block_thread is None:
        block_thread = not _interactive()
    child: Optional[subprocess.Popen] = None
    if not _answers(base):
        command = tally_command()
        if command is None:
            raise TallyError(
                "invalid_argument",
                "show() needs the tally CLI: install it with `npm install -g @tally/server` (then `tally` is on PATH), "
                "or set TALLY_CLI to the path of packages/server/dist/cli/main.js",
            )
        env = dict(os.environ)
        if dir is not None:
            env["TALLY_DIR"] = str(dir)
        # A file, not a pipe: a dashboard that logs much must never block on a full pipe.
        log = tempfile.TemporaryFile()
        child = subprocess.Popen(
            [*command, "ui", "--port", str(port)], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=log,
        )
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not _answers(base):
            if child.poll() is not None:
                log.seek(0)
                err = log.read().decode(errors="replace").strip()
                raise TallyError("server_unreachable", f"tally ui exited ({child.returncode}) before listening: {err or 'no output'}")
            if time.monotonic() > deadline:
                child.kill()
                child.wait()
                raise TallyError("server_unreachable", f"tally ui did not answer on {base} within {_START_TIMEOUT_S:.0f} s")
            time.sleep(0.1)
    dashboard = Dashboard(url, child)
    if child is not None:
        atexit.register(dashboard.close)
    print(f"tally: dashboard at {url}", file=sys.stderr)
    if open_browser:
        webbrowser.open(url)
    if block_thread and child is not None:
        try:
            child.wait()
        except KeyboardInterrupt:
            dashboard.close()
    return dashboard
