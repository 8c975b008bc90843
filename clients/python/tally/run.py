"""A run: what ``tally.init`` returns. Mirrors ``packages/sdk/src/run.ts``.

``log`` appends to memory and never waits on I/O; a daemon thread writes the spool every 0.5 s
(and sooner when the batch is large), writes a heartbeat when nothing else was written for
10 s, and ``flush``/``finish`` write at once.
"""
from __future__ import annotations

import os
import platform
import socket
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Mapping, Optional

from . import lifecycle
from .buffer import PointBuffer
from .capture import capture_settings, captured_system, start_capture
from .console_lines import ConsoleLines
from .errors import TallyError
from .names import new_run_name, new_writer_id
from .recording import RecordingDict
from .resolve import check_options, resolve_local
from .spool.reader import read_run_index
from .spool.format import MAX_BODY_BYTES
from .spool.writer import SpoolWriter, spool_dir, write_run_index
from .validate import check_key, check_metadata, check_step, check_value, describe
from .values import RichValue, value_event

__version__ = "0.1.0"
FLUSH_INTERVAL_S = 0.5
HEARTBEAT_S = 10.0
SYNC_INTERVAL_S = 1.0
FLUSH_POINTS = 200_000
_ARCH = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "i386": "ia32", "i686": "ia32"}


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class Run:
    """A run of an experiment. Use :func:`tally.init` to make one.

    Example::

        run = tally.init(project="mnist", config={"lr": 1e-3})
        run.log({"loss": 0.5})
        run.finish()
    """

    def __init__(
        self,
        project: Optional[str] = None,
        name: Optional[str] = None,
        *,
        id: Optional[str] = None,
        config: Any = None,
        group: Optional[str] = None,
        tags: Any = None,
        description: Optional[str] = None,
        resume: Optional[str] = None,
        dir: Optional[str] = None,
        server_url: Optional[str] = None,
        api_key: Optional[str] = None,
        workspace: Optional[str] = None,
        capture: Any = None,
        quiet: Optional[bool] = None,
        flush_interval: float = FLUSH_INTERVAL_S,
        heartbeat_interval: float = HEARTBEAT_S,
        on_error: Optional[Callable[[TallyError], None]] = None,
        max_record_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        options = check_options(project, name, id, config, group, tags, description, resume)
        self._capture_option = capture
        capture_on = capture_settings(capture)
        self._quiet = bool(quiet)
        server_url = server_url if server_url is not None else os.environ.get("TALLY_SERVER_URL") or None
        target = None
        if server_url:
            # Remote mode lives in tally/remote (start_sender, and resolving the run on the server).
            from .remote import remote_target, resolve_remote

            target = remote_target(server_url, api_key, workspace)
        resolved = resolve_local(options, dir) if target is None else resolve_remote(options, dir, target)
        self.id: str = resolved.id
        self.project: str = resolved.project
        self.name: str = resolved.name or new_run_name()
        self.group: Optional[str] = resolved.group
        self.tags: tuple = tuple(resolved.tags)
        self.description: Optional[str] = resolved.description
        self.dir: str = resolved.dir
        self.resumed: bool = resolved.resumed
        self.url: Optional[str] = None
        self._next_step = resolved.last_step + 1
        self._created_at = resolved.created_at
        self._pid = os.getpid()
        self._flush_interval = flush_interval
        self._heartbeat_interval = heartbeat_interval
        self._on_error = on_error or _warn
        self._last_error_at: Dict[str, float] = {}
        self._buffer = PointBuffer()
        self._events: List[Dict[str, Any]] = []
        self._console_lines = ConsoleLines()
        self._system_step = -1
        self._system_at = -1
        self._finish_hooks: List[Callable[[], None]] = []
        # _lock guards the buffer and queued events (held for microseconds by log);
        # _write_lock orders whole drains into the spool file.
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._finished = False
        self._wake = threading.Event()
        now = _now_ms()
        runtime = f"python/{platform.python_version()} tally-py/{__version__}"
        writer = {"id": new_writer_id(), "host": socket.gethostname(), "pid": self._pid, "runtime": runtime, "startedAt": now}
        base = {
            "host": writer["host"],
            "pid": self._pid,
            "platform": sys.platform,
            "arch": _ARCH.get(platform.machine().lower(), platform.machine().lower()),
            "runtime": runtime,
            "cwd": os.getcwd(),
        }
        self.system, flags = captured_system(capture_on, base)
        # Flags fill only what the config does not say: the script's own config wins.
        config_values = {**flags, **resolved.config}
        run_dir = os.path.join(spool_dir(self.dir), self.id)
        if not self.resumed or read_run_index(run_dir) is None:
            write_run_index(self.dir, {"id": self.id, "project": self.project, "name": self.name, "createdAt": self._created_at})
        self._writer = SpoolWriter(self.dir, self.id, writer["id"], max_record_bytes)
        # A forked child that logs opens its own writer with this record (see _after_fork_in_child).
        self._needs_writer = False
        self._target = target
        self._run_event: Dict[str, Any] = {
            "type": "run",
            "at": now,
            "writer": writer,
            "id": self.id,
            "project": self.project,
            "name": self.name,
            "group": self.group,
            "tags": list(self.tags),
            "description": self.description,
            "config": config_values,
            "createdAt": self._created_at,
            "resumed": self.resumed,
            "resume": options.resume,
            "system": self.system,
        }
        self._writer.event(self._run_event)
        # The run exists on disk before init returns: a crash a moment later still shows it.
        self._writer.commit()
        self._last_write_at = time.monotonic()
        self._last_sync_at = self._last_write_at
        self.config = RecordingDict(config_values, "config", lambda v: self._queue({"type": "config", "at": _now_ms(), "config": v}))
        self.summary = RecordingDict({}, "summary", lambda v: self._queue({"type": "summary", "at": _now_ms(), "summary": v}))
        self._sender = None
        if target is not None:
            from .remote import start_sender

            self._sender = start_sender(self, target, writer["id"], self._writer.path)
        self._thread: Optional[threading.Thread] = None
        self._start_thread()
        start_capture(self, capture_on, self._quiet)
        lifecycle.track(self)

    def __repr__(self) -> str:
        return f"<tally.Run {self.id} {self.name!r} project={self.project!r}{' finished' if self._finished else ''}>"

    @property
    def step(self) -> int:
        """The step the next ``log`` call without a step will use."""
        return self._next_step

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def spool_path(self) -> str:
        """This process's spool file of the run."""
        return self._writer.path

    def log(self, data: Mapping[str, Any], step: Optional[int] = None, *, metadata: Optional[Mapping[str, Any]] = None) -> None:
        """Log metrics at one step: numbers (bool, int, float; NaN and ±Infinity kept) go to series,
        rich values (Table, Histogram, Image, Markdown) are stored whole. ``step`` defaults to the last
        step + 1. Raises :class:`TallyError` on invalid input and then logs nothing of that call.

        Example::

            run.log({"loss": 0.25, "train/acc": 0.91})
            run.log({"val_loss": 0.3}, step=100)
        """
        if self._finished:
            raise self._finished_error()
        if type(data) is not dict:
            if not isinstance(data, Mapping):
                raise TallyError("invalid_argument", f"log() takes a dict of metric names to numbers, e.g. run.log({{'loss': 0.1}}); got {describe(data)}")
            data = dict(data)
        step = self._next_step if step is None else check_step(step)
        now = _now_ms()
        if metadata is None:
            with self._lock:
                buf = self._buffer
                values = buf.values
                n = len(values)
                rows = len(buf.counts)
                try:
                    values.extend(data.values())
                    ids = buf.ids
                    buf.key_index.extend([ids[k] for k in data])
                    if n != len(values):
                        buf.steps.append(step)
                        buf.times.append(now)
                        buf.counts.append(len(values) - n)
                except (TypeError, KeyError, ValueError, OverflowError):
                    buf.truncate(rows, n, len(buf.keys))
                    fast = False
                except BaseException:
                    # A value's __float__ raising (a tensor whose device failed), or KeyboardInterrupt /
                    # SystemExit (SIGTERM) landing mid-call: leave the columns in step, then re-raise.
                    buf.truncate(rows, n, len(buf.keys))
                    raise
                else:
                    fast = True
            if not fast:
                self._log_slow(data, step, now, None)
        else:
            self._log_slow(data, step, now, check_metadata(metadata))
        self._next_step = step + 1
        if len(self._buffer.values) >= FLUSH_POINTS:
            self._wake.set()

    def _log_slow(self, data: Dict[str, Any], step: int, now: int, metadata: Optional[Dict[str, Any]]) -> None:
        """New keys, rich values and scalars of other types: checked one by one, then added whole."""
        if self._thread is None:
            self._start_thread()  # a forked child's first log: it has no flush thread yet
        keys: List[str] = []
        numbers: List[float] = []
        rich: List[Dict[str, Any]] = []
        for key, value in data.items():
            if isinstance(value, RichValue):
                rich.append(value_event(now, step, check_key(key), value))
                continue
            numbers.append(check_value(key, value))
            keys.append(key if key in self._buffer.ids else check_key(key))
        with self._lock:
            buf = self._buffer
            mark = (len(buf.counts), len(buf.values), len(buf.keys), len(self._events))
            try:
                if numbers:
                    ids = buf.ids
                    buf.key_index.extend([ids[k] if k in ids else buf.add_key(k) for k in keys])
                    buf.values.extend(numbers)
                    buf.steps.append(step)
                    buf.times.append(now)
                    buf.counts.append(len(numbers))
                    if metadata is not None:
                        self._events.append({"type": "metadata", "at": now, "step": step, "keys": keys, "metadata": metadata})
                self._events.extend(rich)
            except BaseException:  # KeyboardInterrupt or SIGTERM's SystemExit mid-call: all of it or nothing
                buf.truncate(*mark[:3])
                del self._events[mark[3]:]
                raise

    def result(self, key: str, value: float) -> None:
        """Record a final result (e.g. test accuracy); results win over logged values in the summary.

        Example::

            run.result("test_acc", 0.97)
        """
        if self._finished:
            raise self._finished_error()  # before the key and value, as TS: a finished run says so first
        check_key(key)
        number = check_value(key, value)
        self._queue({"type": "result", "at": _now_ms(), "key": key, "value": number})

    def console(self, stream: str, text: str) -> None:
        """Record console output with the run, cut into lines at each newline.

        Example::

            run.console("stderr", "warning: learning rate clipped\\n")
        """
        if self._finished:
            raise self._finished_error()
        if stream not in ("stdout", "stderr"):
            raise TallyError("invalid_argument", f"console() takes 'stdout' or 'stderr' as its stream; got {describe(stream)}")
        if type(text) is not str:
            raise TallyError("invalid_argument", f"console() takes a string of text; got {describe(text)}")
        self._console(stream, text)

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Return once everything logged so far is in the spool (and, in remote mode, acknowledged by the
        server, waiting at most ``timeout`` seconds). Raises ``spool_io`` when the spool cannot be written
        after a few tries; the data stays queued and is retried.

        Example::

            run.flush()
        """
        for attempt in range(5):
            try:
                self._write(partial=True)
                break
            except TallyError:
                if attempt == 4:
                    raise
                time.sleep(0.05 * 2**attempt)
        if self._sender is not None:
            return bool(self._sender.flush(timeout))
        return True

    def finish(self, status: Optional[str] = None, exit_code: Optional[int] = None, *, error: Optional[str] = None, timeout: Optional[float] = None) -> None:
        """Flush, mark the run finished (or failed) and close its spool file. Later ``log`` calls raise
        ``run_finished``; calling it twice is harmless.

        Example::

            run.finish()
            run.finish(status="failed", exit_code=2)
        """
        if status is None:
            status = "failed" if exit_code not in (None, 0) else "finished"
        if status not in ("finished", "failed"):
            raise TallyError("invalid_argument", f"finish() takes status 'finished' or 'failed'; got {describe(status)}")
        if exit_code is not None and (type(exit_code) is not int):
            raise TallyError("invalid_argument", f"exit_code must be an int; got {describe(exit_code)}")
        self._end(status, error, exit_code, timeout)

    def _end_at_exit(self, status: str, error: Optional[str], exit_code: Optional[int]) -> None:
        if os.getpid() != self._pid:
            return
        self._end(status, error, exit_code, None)

    def _end(self, status: str, error: Optional[str], exit_code: Optional[int], timeout: Optional[float]) -> None:
        with self._write_lock:
            if self._finished:
                return
            self._finished = True
        lifecycle.untrack(self)
        for hook in self._finish_hooks:
            try:
                hook()
            except Exception as e:  # noqa: BLE001 - a capture that fails to stop must not lose the run's end
                self._report(e)
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        event: Dict[str, Any] = {"type": "status", "at": _now_ms(), "status": status}
        if error is not None:
            event["error"] = str(error)
        if exit_code is not None:
            event["exitCode"] = exit_code
        with self._lock:
            # A forked child that logged nothing has no writer and writes nothing, not even its end;
            # one that logged ends its own writer as any second process of the run does.
            if not self._needs_writer or self._buffer.rows or self._events or self._console_lines.pending:
                self._events.append(event)
        try:
            self._write(partial=True)
            self._writer.close()
        except Exception as e:  # noqa: BLE001 - tell, never crash the caller's exit
            self._report(e)
        if self._sender is not None:
            try:
                self._sender.flush(timeout)
            finally:
                self._sender.stop(timeout)

    def log_artifact(self, artifact: Any, aliases: Optional[List[str]] = None) -> Any:
        """Log a ``tally.artifacts.Artifact`` as a version of its name; returns a ``LoggedArtifact``.

        Example::

            run.log_artifact(Artifact("resnet", "model").add_file("model.bin"), aliases=["best"])
        """
        from .artifacts import log_artifact  # here, so that artifacts cost nothing to a run that logs none

        return log_artifact(self, artifact, aliases)

    def artifact_versions(self) -> List[Any]:
        """Every version of every artifact in this run's project, oldest first, numbered as the store
        numbers them (``version == 3`` is ``v3``), with ``latest`` and the aliases each carries: a list
        of ``tally.artifacts.catalog.ArtifactVersion``. What this run logged is counted: local mode
        reads the spool, remote mode waits until the server has this run's records, then asks it
        (``server_unreachable`` when it has not within 30 s).

        Example::

            model = [v for v in run.artifact_versions() if v.name == "resnet"][-1]
        """
        from .artifacts.catalog import run_artifact_versions

        return run_artifact_versions(self)

    # Hooks the package's other modules (capture, artifacts, remote, facades) call.

    def _append_event(self, event: Dict[str, Any]) -> None:
        """Queue one spool event (a dict as in docs/spool-format.md)."""
        self._queue(event)

    def _log_system(self, values: Dict[str, float], at_ms: int) -> None:
        """System metrics on their own timeline: step = seconds since the run was created, so they never
        move the user's step counter nor a resume's last step."""
        if self._finished:
            return
        with self._lock:
            step = self._system_step if at_ms == self._system_at else max(self._system_step + 1, (at_ms - self._created_at) // 1000)
            self._system_step = step
            self._system_at = at_ms
            buf = self._buffer
            ids = buf.ids
            count = 0
            rows, points, keys = len(buf.counts), len(buf.values), len(buf.keys)
            try:
                for key, value in values.items():
                    number = float(value)
                    buf.key_index.append(ids[key] if key in ids else buf.add_key(key))
                    buf.values.append(number)
                    count += 1
            except BaseException:
                buf.truncate(rows, points, keys)
                raise
            if count:
                buf.steps.append(step)
                buf.times.append(at_ms)
                buf.counts.append(count)

    def _console(self, stream: str, text: str) -> None:
        """Console capture: text cut into lines, written with the next flush."""
        if self._finished:
            return
        with self._lock:
            self._console_lines.write(stream, text, _now_ms())

    def _on_finish(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` when the run finishes, before its last records are written (stop a sampler)."""
        self._finish_hooks.append(hook)

    # Internals.

    def _queue(self, event: Dict[str, Any]) -> None:
        if self._finished:
            raise self._finished_error()
        if self._thread is None:
            self._start_thread()
        with self._lock:
            self._events.append(event)

    def _finished_error(self) -> TallyError:
        return TallyError("run_finished", f"run {self.id} ({self.name}) is finished; call tally.init() to start or resume a run")

    def _write(self, partial: bool) -> None:
        """Drain the batch, console lines and events into the spool, in that order. What is taken
        from memory is queued in the writer (a batch larger than one record as several records)
        before anything else happens; when encoding raises (Ctrl-C in ``flush()``), what was not
        queued goes back in front of what was logged since, so nothing is lost."""
        with self._write_lock:
            if self._needs_writer:
                if not (self._buffer.rows or self._events or self._console_lines.pending):
                    return
                self._open_own_writer()
            if self._writer.closed:
                return
            with self._lock:
                batch = self._buffer.take() if self._buffer.rows else None
                lines = self._console_lines.take(partial)
                events, self._events = self._events, []
            if lines:
                events.insert(0, {"type": "console", "at": _now_ms(), "lines": lines})
            done = 0
            try:
                if batch is not None:
                    self._writer.points(batch)
                    batch = None
                for event in events:
                    try:
                        self._writer.event(event)
                    except (ValueError, TypeError) as e:
                        # An event a hook built wrong must not block everything queued after it.
                        self._report(TallyError("invalid_argument", f"dropped a {event.get('type')} event that is not JSON: {e}"))
                    except TallyError as e:
                        # Larger than a record may be: it never will fit; the others still go.
                        self._report(TallyError("value_too_large", f"dropped a {event.get('type')} event: {e.message}"))
                    done += 1
            except BaseException:
                with self._lock:
                    if batch is not None:
                        self._buffer.put_back(batch)
                    self._events[:0] = events[done:]
                raise
            self._writer.commit()
            self._last_write_at = time.monotonic()
        if self._sender is not None:
            self._sender.wake()

    def _start_thread(self) -> None:
        with self._write_lock:
            if self._thread is None:
                thread = threading.Thread(target=self._loop, name=f"tally-flush-{self.id}", daemon=True)
                thread.start()
                self._thread = thread

    def _after_fork_in_child(self) -> None:
        """In a forked child (os.fork, a DataLoader worker): the parent's file, fd, queued data,
        flush thread and sender stay the parent's. What the child logs goes to a writer of its own,
        opened on its first write as a second process resuming the run would (a ``run`` record with
        ``resumed: true``); nothing is written when the child logs nothing. Locks are new: another
        thread of the parent may have held them at the fork."""
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._buffer = PointBuffer()
        self._events = []
        self._console_lines = ConsoleLines()
        self._writer.abandon()
        self._sender = None
        self._thread = None
        self._pid = os.getpid()
        self._needs_writer = True

    def _open_own_writer(self) -> None:
        """A forked child's writer (under ``_write_lock``)."""
        now = _now_ms()
        writer_id = new_writer_id()
        writer = SpoolWriter(self.dir, self.id, writer_id, self._writer.max_body_bytes)
        event = dict(self._run_event)
        event.update(
            at=now,
            writer={**event["writer"], "id": writer_id, "pid": self._pid, "startedAt": now},
            config=dict(self.config),
            resumed=True,
            resume="allow",  # the run exists: a store takes this writer as a resume, never as run_exists
            system={**event["system"], "pid": self._pid} if isinstance(event.get("system"), dict) else event.get("system"),
        )
        writer.event(event)
        writer.commit()
        self._writer = writer
        self._needs_writer = False
        if self._target is not None:
            from .remote import start_sender

            quiet, self._quiet = self._quiet, True  # the parent told the run's URL already
            try:
                self._sender = start_sender(self, self._target, writer_id, writer.path)
            finally:
                self._quiet = quiet

    def _loop(self) -> None:
        while True:
            self._wake.wait(self._flush_interval)
            self._wake.clear()
            if self._finished:
                return
            try:
                self._tick()
            except Exception as e:  # noqa: BLE001 - the flush thread must survive anything
                self._report(e)

    def _tick(self) -> None:
        now = time.monotonic()
        idle = not self._buffer.rows and not self._events and not self._console_lines.pending and not self._writer.pending_records
        if idle:
            if now - self._last_write_at < self._heartbeat_interval:
                return
            with self._lock:
                self._events.append({"type": "heartbeat", "at": _now_ms()})
        self._write(partial=False)
        if now - self._last_sync_at >= SYNC_INTERVAL_S:
            self._last_sync_at = now
            with self._write_lock:
                self._writer.sync()

    def _report(self, e: BaseException) -> None:
        error = e if isinstance(e, TallyError) else TallyError("spool_io", str(e))
        now = time.monotonic()
        if now - self._last_error_at.get(error.code, -1e9) < 30:
            return
        self._last_error_at[error.code] = now
        try:
            self._on_error(error)
        except Exception:  # noqa: BLE001 - a throwing handler must not stop the flush
            pass


def _warn(error: TallyError) -> None:
    sys.stderr.write(f"tally: {error.message}\n")
