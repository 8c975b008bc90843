"""Console capture, as ``console-capture.ts``: sys.stdout and sys.stderr are replaced by tees.

Every write is still printed, in order, by the original stream, and also handed to the run.
``restore()`` puts the originals back, unless someone replaced the stream again after us: then
ours stays in their chain and records nothing. Several runs in one process each wrap, but only
the newest capture still active records: a line belongs to one run, never to every run open.
Writes that bypass ``sys.stdout`` (a C extension or a child process writing to fd 1) are not seen.
"""
from __future__ import annotations

import os
import sys
import threading
from typing import Any, Callable, List

from .text import clean_text

Record = Callable[[str, str], None]

_stack: List[object] = []
_stack_lock = threading.Lock()
# A record that prints (a warning from the run) must not record itself again.
_inside = threading.local()


class _Tee:
    """Stands in for a text stream: writes go to the original and to the active capture."""

    def __init__(self, original: Any, name: str, capture: 'ConsoleCapture') -> None:
        self._original = original
        self._name = name
        self._capture = capture
        raw = getattr(original, 'buffer', None)
        self._buffer = _BufferTee(raw, self) if raw is not None else None

    def write(self, text: Any) -> Any:
        written = self._original.write(text)
        if isinstance(text, str):
            self._record(text)
        return written

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    @property
    def buffer(self) -> Any:
        # Bytes written under the text layer (sys.stdout.buffer.write) are recorded too.
        return self._buffer if self._buffer is not None else self._original.buffer

    def _record(self, text: str) -> None:
        capture = self._capture
        if not capture.recording or getattr(_inside, 'active', False):
            return
        _inside.active = True
        try:
            capture._record(self._name, clean_text(text))
        except Exception:
            pass  # Recording must never break printing.
        finally:
            _inside.active = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)

    def __iter__(self) -> Any:
        return iter(self._original)


class _BufferTee:
    def __init__(self, raw: Any, tee: _Tee) -> None:
        self._raw = raw
        self._tee = tee

    def write(self, data: Any) -> Any:
        written = self._raw.write(data)
        try:
            # Not UTF-8 (a binary blob, a legacy encoding): undecodable bytes become U+FFFD.
            text = bytes(data).decode('utf-8', 'replace')
        except Exception:
            return written
        self._tee._record(text)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class ConsoleCapture:
    """Tees sys.stdout and sys.stderr into ``record(stream, text)`` until ``restore()``.

    >>> lines = []
    >>> capture = ConsoleCapture(lambda stream, text: lines.append((stream, text)))  # doctest: +SKIP
    >>> print('hello')  # doctest: +SKIP
    hello
    >>> capture.restore()  # doctest: +SKIP
    >>> lines  # doctest: +SKIP
    [('stdout', 'hello'), ('stdout', '\\n')]
    """

    def __init__(self, record: Record) -> None:
        self._record = record
        self._active = True
        # A forked child (a DataLoader worker) inherits the tee, but its lines would pile up in a
        # copy of the run that never writes them: only the process that started capture records.
        self._pid = os.getpid()
        self._token = object()
        with _stack_lock:
            _stack.append(self._token)
            self._stdout = _Tee(sys.stdout, 'stdout', self) if sys.stdout is not None else None
            self._stderr = _Tee(sys.stderr, 'stderr', self) if sys.stderr is not None else None
            if self._stdout is not None:
                sys.stdout = self._stdout  # type: ignore[assignment]
            if self._stderr is not None:
                sys.stderr = self._stderr  # type: ignore[assignment]

    @property
    def recording(self) -> bool:
        return self._active and bool(_stack) and _stack[-1] is self._token and os.getpid() == self._pid

    def restore(self) -> None:
        """Put the original streams back (where nobody replaced ours since); idempotent."""
        with _stack_lock:
            if not self._active:
                return
            self._active = False
            _stack.remove(self._token)
            if self._stdout is not None and sys.stdout is self._stdout:
                sys.stdout = self._stdout._original
            if self._stderr is not None and sys.stderr is self._stderr:
                sys.stderr = self._stderr._original
