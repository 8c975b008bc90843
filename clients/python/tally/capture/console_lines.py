"""Console output split into lines, as ``console-lines.ts``.

A write is cut at each newline, a partial line waits for its newline (or for ``take(True)``),
and a line longer than ``MAX_LINE_CHARS`` is cut there and marked truncated, the rest of it
dropped up to its newline. Thread-safe: prints come from any thread.
"""
from __future__ import annotations

import threading
from typing import Dict, List, Optional

#: 16 Ki characters: long enough for any log line, short of a minified blob printed by accident.
MAX_LINE_CHARS = 16 * 1024

STREAMS = ('stdout', 'stderr')


class _Partial:
    __slots__ = ('text', 'at', 'cut')

    def __init__(self, at: int) -> None:
        self.text = ''
        self.at = at
        # The line was cut already: the rest of it, up to its newline, is dropped.
        self.cut = False


class ConsoleLines:
    """Lines of both streams in the order they were completed, as the spool's ``console`` event has them.

    >>> c = ConsoleLines()
    >>> c.write('stdout', 'loss 0.4', 1); c.write('stdout', '1\\nnext', 2)
    >>> c.take()
    [{'stream': 'stdout', 'at': 1, 'text': 'loss 0.41'}]
    >>> c.take(partial=True)
    [{'stream': 'stdout', 'at': 2, 'text': 'next'}]
    """

    def __init__(self) -> None:
        self._lines: List[dict] = []
        self._partial: Dict[str, Optional[_Partial]] = {'stdout': None, 'stderr': None}
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        """Complete lines not yet taken."""
        return len(self._lines)

    def write(self, stream: str, text: str, at: int) -> None:
        """Add ``text`` written to ``stream`` at ``at`` (ms since the epoch)."""
        with self._lock:
            start = 0
            while True:
                nl = text.find('\n', start)
                if nl < 0:
                    if start < len(text):
                        self._append(stream, text[start:], at)
                    return
                self._append(stream, text[start:nl], at)
                self._end(stream)
                start = nl + 1

    def take(self, partial: bool = False) -> List[dict]:
        """Complete lines, and with ``partial`` also each stream's unfinished line, in the order written."""
        with self._lock:
            if partial:
                for stream in STREAMS:
                    self._end(stream)
            out, self._lines = self._lines, []
            return out

    def _append(self, stream: str, piece: str, at: int) -> None:
        p = self._partial.get(stream)
        if p is None:
            p = self._partial[stream] = _Partial(at)
        if p.cut:
            return
        p.text += piece
        if len(p.text) > MAX_LINE_CHARS:
            self._lines.append({'stream': stream, 'at': p.at, 'text': p.text[:MAX_LINE_CHARS], 'truncated': True})
            p.cut = True

    def _end(self, stream: str) -> None:
        p = self._partial.get(stream)
        self._partial[stream] = None
        if p is None or p.cut:
            return
        # A CRLF line ending is one newline.
        text = p.text[:-1] if p.text.endswith('\r') else p.text
        self._lines.append({'stream': stream, 'at': p.at, 'text': text})
