"""Tora's ``Tora`` class over Tally's core: an experiment is a run, hyperparams its config,
results its results, metadata the points' metadata. ``server_url`` selects remote mode;
without it (and without ``TALLY_SERVER_URL``) the experiment is a local run under ``~/.tally``.

Tora keeps up to ``max_buffer_len`` values and sends them when the buffer is full. The facade
keeps the same small buffer so ``buffer_size`` and flush-on-full behave as under Tora; when it
empties, the values go to the run, which writes them to its spool at once. When the process
ends without ``shutdown()`` (a normal exit, an uncaught exception, SIGTERM) the buffer is handed
to the run before the run is ended (``tally.lifecycle.before_end``), so nothing is lost.
"""
from __future__ import annotations

import os
import sys
import threading
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import quote

import tally
from tally import TallyError, lifecycle

from . import _rules

Number = Union[int, float]
_LOCAL_UI_PORT = 4747


def _connection(
    api_key: Optional[str], server_url: Optional[str], workspace_id: Optional[str], what: str
) -> Dict[str, Any]:
    """Tora's connection options as the core's, ``TORA_API_KEY`` included."""
    server_url = server_url or os.environ.get("TALLY_SERVER_URL") or None
    api_key = api_key or os.environ.get("TORA_API_KEY") or os.environ.get("TALLY_API_KEY") or None
    if server_url is None and workspace_id is not None:
        raise TallyError(
            "invalid_argument",
            f"{what}: workspace_id {workspace_id!r} names a workspace of a team server: pass server_url "
            "(or set TALLY_SERVER_URL), or drop workspace_id to log locally",
        )
    if server_url is not None and api_key is None:
        raise TallyError(
            "invalid_argument",
            f"{what}: logging to {server_url} needs an API key with the writer role: pass api_key or set TORA_API_KEY "
            "(create one with: tally keys create --workspace W --role writer)",
        )
    out: Dict[str, Any] = {}
    if server_url is not None:
        out["server_url"] = server_url
        out["api_key"] = api_key
        if workspace_id is not None:
            out["workspace"] = workspace_id
    return out


class Tora:
    """A Tora experiment client, logging into a Tally run.

    Example:
        >>> with Tora.create_experiment("resnet", hyperparams={"lr": 0.01}) as client:
        ...     client.log("loss", 0.5, step=0)
    """

    @classmethod
    def create_experiment(
        cls,
        name: str,
        workspace_id: Optional[str] = None,
        description: Optional[str] = None,
        hyperparams: Optional[dict] = None,
        tags: Optional[List[str]] = None,
        max_buffer_len: int = 25,
        api_key: Optional[str] = None,
        server_url: Optional[str] = None,
        *,
        project: Optional[str] = None,
        dir: Optional[str] = None,
        quiet: Optional[bool] = None,
    ) -> "Tora":
        """Create an experiment (a new Tally run) and return its client.

        Besides Tora's arguments, ``project``, ``dir`` and ``quiet`` are Tally's.

        Example:
            >>> client = Tora.create_experiment("resnet", tags=["baseline"])
            >>> client.log("loss", 0.5, 0)
            >>> client.shutdown()
        """
        buffer_len = _rules.check_max_buffer_len(max_buffer_len)
        options: Dict[str, Any] = _connection(api_key, server_url, workspace_id, "Tora.create_experiment()")
        options["name"] = _rules.check_experiment_name(name)
        if description is not None:
            options["description"] = description
        if hyperparams is not None:
            options["config"] = _rules.check_hyperparams(hyperparams)
        if tags is not None:
            options["tags"] = _rules.check_tags(tags)
        run = tally.init(project=project, dir=dir, quiet=quiet, **options)
        return cls(run, buffer_len, quiet)

    @classmethod
    def load_experiment(
        cls,
        experiment_id: str,
        max_buffer_len: int = 25,
        api_key: Optional[str] = None,
        server_url: Optional[str] = None,
        *,
        project: Optional[str] = None,
        dir: Optional[str] = None,
        quiet: Optional[bool] = None,
    ) -> "Tora":
        """Continue an existing experiment (a Tally run); new steps follow its last.

        Example:
            >>> client = Tora.load_experiment("k3v9x0a1b2c3")
            >>> client.result("test_acc", 0.97)
            >>> client.shutdown()
        """
        buffer_len = _rules.check_max_buffer_len(max_buffer_len)
        if not isinstance(experiment_id, str) or not experiment_id:
            raise TallyError("invalid_argument", f"load_experiment() takes an experiment id; got {experiment_id!r}")
        options = _connection(api_key, server_url, None, "Tora.load_experiment()")
        run = tally.init(project=project, id=experiment_id, resume="must", dir=dir, quiet=quiet, **options)
        return cls(run, buffer_len, quiet)

    def __init__(self, run: "tally.Run", max_buffer_len: int, quiet: Optional[bool] = None) -> None:
        # Built by create_experiment / load_experiment, as under Tora.
        self._run = run
        self._max_len = max_buffer_len
        self._entries: List[Tuple[str, Any, Any, Any]] = []
        self._size = 0
        self._closed = False
        self._lock = threading.Lock()
        port = os.environ.get("TALLY_PORT") or str(_LOCAL_UI_PORT)
        self._local_url = (
            f"http://127.0.0.1:{port}/default/{quote(run.project, safe='')}/runs/{quote(run.id, safe='')}"
        )
        if not quiet:
            print(f"tora: experiment {run.id} at {self.url}", file=sys.stderr)
        # Registered with the lifecycle, not atexit: its excepthook ends the runs on an uncaught
        # exception before atexit would run, and would drop the buffer (as TS's beforeEnd).
        self._unregister = lifecycle.before_end(self._hand_over)

    def __enter__(self) -> "Tora":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()

    def log(self, name: str, value: Number, step: Optional[int] = None, metadata: Optional[dict] = None) -> None:
        """Log one metric; buffered, and sent once ``max_buffer_len`` values wait.

        Without a step, the step is the previous log's + 1. ``metadata``: a JSON dict of at most 10 KB.

        Example:
            >>> client.log("val/acc", 0.91, 10, {"split": "val"})
        """
        self._open("log")
        key = _rules.check_metric_name(name)
        checked = _rules.check_metric_value(key, value)
        self._push(("metrics", {key: checked}, _rules.check_step(step), _rules.check_metadata(metadata)), 1)

    def result(self, name: str, value: Number) -> None:
        """Record a result (a final value such as test accuracy); buffered like ``log``.

        Example:
            >>> client.result("test_acc", 0.97)
        """
        self._open("result")
        key = _rules.check_metric_name(name)
        self._push(("result", key, _rules.check_metric_value(key, value), None), 1)

    def log_metrics(self, metrics: Dict[str, Number], step: Optional[int] = None) -> None:
        """Log several metrics at one step; each counts toward the buffer.

        Example:
            >>> client.log_metrics({"loss": 0.2, "acc": 0.95}, step=3)
        """
        self._open("log_metrics")
        if not isinstance(metrics, dict):
            raise TallyError(
                "invalid_argument", "log_metrics() takes a dict of metric names to numbers, e.g. {'loss': 0.1}"
            )
        checked = {_rules.check_metric_name(k): _rules.check_metric_value(k, v) for k, v in metrics.items()}
        if not checked:
            return
        self._push(("metrics", checked, _rules.check_step(step), None), len(checked))

    def flush(self) -> None:
        """Send everything buffered now: it is durable in the spool when this returns.

        Example:
            >>> client.flush()
        """
        if self.is_closed:
            return
        self._hand_over()
        self._run.flush()

    def shutdown(self) -> None:
        """Flush, then finish the run. Calling it again is harmless.

        Example:
            >>> client.shutdown()
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._unregister()
        self._hand_over()
        self._run.finish()

    @property
    def experiment_id(self) -> str:
        """The experiment's id: the Tally run id."""
        return self._run.id

    @property
    def url(self) -> str:
        """The experiment's page: on the server in remote mode; locally, where ``tally ui`` shows it."""
        return self._run.url or self._local_url

    @property
    def max_buffer_len(self) -> int:
        return self._max_len

    @property
    def buffer_size(self) -> int:
        """Values logged and not yet handed to the run."""
        return self._size

    @property
    def is_closed(self) -> bool:
        return self._closed or self._run.finished

    def _open(self, what: str) -> None:
        if self.is_closed:
            raise TallyError(
                "run_finished",
                f"{what}(): experiment {self._run.id} is shut down; call Tora.load_experiment({self._run.id!r}) to log more",
            )

    def _push(self, entry: Tuple[str, Any, Any, Any], count: int) -> None:
        with self._lock:
            self._entries.append(entry)
            self._size += count
            full = self._size >= self._max_len
        if full:
            self._hand_over()

    def _hand_over(self) -> None:
        """Give the buffered values to the run, in the order they were logged."""
        with self._lock:
            entries, self._entries, self._size = self._entries, [], 0
        if self._run.finished:
            return
        for kind, a, b, c in entries:
            if kind == "result":
                self._run.result(a, b)
            elif c is not None:
                self._run.log(a, step=b, metadata=c)
            else:
                self._run.log(a, step=b)
