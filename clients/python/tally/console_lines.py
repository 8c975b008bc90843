"""Console output cut into whole lines, as ``packages/sdk/src/capture/console-lines.ts`` cuts it."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

MAX_LINE_CHARS = 16 * 1024


class ConsoleLines:
    """A write is cut at each newline; a partial line waits for its newline (or ``take(True)``);
    a line longer than 16 Ki characters is cut there, marked truncated, and the rest of it dropped."""

    def __init__(self) -> None:
        self._lines: List[Dict[str, Any]] = []
        self._partial: Dict[str, Optional[list]] = {"stdout": None, "stderr": None}

    @property
    def pending(self) -> int:
        return len(self._lines)

    def write(self, stream: str, text: str, at: int) -> None:
        start = 0
        while True:
            nl = text.find("\n", start)
            if nl < 0:
                if start < len(text):
                    self._append(stream, text[start:], at)
                return
            self._append(stream, text[start:nl], at)
            self._end(stream)
            start = nl + 1

    def take(self, partial: bool = False) -> List[Dict[str, Any]]:
        """Complete lines, and with ``partial`` each stream's unfinished line too, in the order written."""
        if partial:
            self._end("stdout")
            self._end("stderr")
        out, self._lines = self._lines, []
        return out

    def _append(self, stream: str, piece: str, at: int) -> None:
        p = self._partial[stream]
        if p is None:
            p = self._partial[stream] = ["", at, False]  # text, at, cut
        if p[2]:
            return
        p[0] += piece
        if len(p[0]) > MAX_LINE_CHARS:
            self._lines.append({"stream": stream, "at": p[1], "text": p[0][:MAX_LINE_CHARS], "truncated": True})
            p[2] = True

    def _end(self, stream: str) -> None:
        p = self._partial[stream]
        self._partial[stream] = None
        if p is None or p[2]:
            return
        text = p[0][:-1] if p[0].endswith("\r") else p[0]
        self._lines.append({"stream": stream, "at": p[1], "text": text})
