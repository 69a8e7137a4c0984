"""A thread-safe line writer that flushes on a short timer.

Plain and JSON output go to pipes in CI, where Python buffers in blocks. A
flush per line would cost a system call per event (400,000 of them for
100,000 mapped children); never flushing would hide the line saying what is
running right now. So lines are flushed by a background timer at most a
tenth of a second after they are written.
"""
from __future__ import annotations

import threading
from typing import TextIO

FLUSH_INTERVAL = 0.1


def printable(text: str, encoding: str = "utf-8") -> str:
    """``text`` as ``encoding`` can hold it: undecodable bytes (surrogate escapes) as ``\\xNN``,
    other unencodable characters backslash-escaped, so no line is ever dropped."""
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # lone surrogates that were never bytes
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.encode(encoding, "backslashreplace").decode(encoding)


class LineWriter:
    """Writes whole lines from any thread; ``close()`` flushes the rest."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lock = threading.Lock()
        self._dirty = False
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._flush_loop, name="flowctl-output-flush", daemon=True)
        self._thread.start()

    def write_line(self, line: str) -> None:
        text = line + "\n"
        with self._lock:
            try:
                self.stream.write(text)
            except UnicodeEncodeError:  # a strict stdout must not swallow the line
                self.stream.write(printable(text, getattr(self.stream, "encoding", None) or "utf-8"))
            self._dirty = True

    def flush(self) -> None:
        with self._lock:
            if self._dirty:
                self._dirty = False
                try:
                    self.stream.flush()
                except (OSError, ValueError):  # a closed pipe must not kill the run
                    pass

    def _flush_loop(self) -> None:
        while not self._closed.wait(FLUSH_INTERVAL):
            self.flush()

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=1)
        self.flush()
