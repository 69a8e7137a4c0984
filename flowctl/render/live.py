"""``--output rich``: a live table of the run, log lines streamed above it, and a summary.

Task threads never touch the terminal. ``handle`` (called on them) only
appends log records, retry warnings and captured ``print`` lines to a
queue; one refresh thread, ``REFRESH_PER_SECOND`` times a second, drains the
queue into a single renderable, rebuilds the table from a ``RunModel``
snapshot and writes both in one write, wrapped in synchronized output
(DEC mode 2026) so terminals that support it never show half a frame. The
cost of the view is then a few frames a second, however chatty the flow or
however many children it maps. Rich is imported only when this mode is chosen.
"""
from __future__ import annotations

import io
import sys
import threading
from collections import deque
from typing import Any, Callable, TextIO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from flowctl.engine.events import LogEmitted, TaskStateChanged
from flowctl.render import live_view
from flowctl.render.attempts import Attempts, RetryNotes
from flowctl.render.model import RunModel, unit_label
from flowctl.render.summary import Summary
from flowctl.render.text import clock
from flowctl.render.tracebacks import trim_traceback_text

REFRESH_PER_SECOND = 8
LEVEL_STYLES = {"DEBUG": "dim", "INFO": "blue", "WARNING": "yellow", "ERROR": "bold red", "CRITICAL": "bold red"}
SYNC_BEGIN, SYNC_END = "\x1b[?2026h", "\x1b[?2026l"


class _Escape:
    """A raw control sequence for ``Console.control`` (written only to terminals)."""

    def __init__(self, code: str) -> None:
        self.segment = Segment(code, None, [])


class _CurrentFrame:
    """What Rich's live area holds: always the latest frame, so printing a batch above it
    redraws the new frame in the same write (Live keeps the object, not its content)."""

    def __init__(self) -> None:
        self.frame: RenderableType = Text("")

    def __rich__(self) -> RenderableType:
        return self.frame


class _CapturedStream(io.TextIOBase):
    """Stands in for ``sys.stdout``/``sys.stderr`` during the run: whole lines go to the queue."""

    def __init__(self, queue: deque, original: TextIO, kind: str) -> None:
        self._queue = queue
        self._original = original
        self._kind = kind
        self._partial = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            pending = self._partial + text
            if "\n" in pending:
                complete, _, self._partial = pending.rpartition("\n")
                self._queue.append((self._kind, complete))
            else:
                self._partial = pending
        return len(text)

    def flush(self) -> None:
        pass

    def drain_partial(self) -> None:
        with self._lock:
            if self._partial:
                self._queue.append((self._kind, self._partial))
                self._partial = ""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._original, "encoding", "utf-8")

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        """Code that needs a real descriptor (a subprocess's stdout) gets the terminal's."""
        return self._original.fileno()


class LiveRenderer:
    """Draws the run on a terminal from a refresh thread; ``handle`` only queues."""

    def __init__(self, console: Console | None = None, verbosity: int = 0) -> None:
        self.console = console or Console(highlight=False, file=sys.stdout)
        utf = (self.console.encoding or "").lower().startswith("utf")
        self.icons = live_view.UNICODE_ICONS if utf else live_view.ASCII_ICONS
        self.verbosity = verbosity
        self.parameters: dict | None = None
        self.clean: Callable[[str], str] = _same  # scrubs secret parameter values from messages
        self.model: RunModel | None = None
        self.live: Live | None = None
        self.attempts = Attempts()
        self.notes = RetryNotes(self._task_named, self.attempts)
        self._queue: deque = deque()
        self._captures: list[_CapturedStream] = []
        self._saved_streams: tuple[TextIO, TextIO] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._draw_lock = threading.Lock()
        self._sync = self.console.is_terminal and not self.console.is_dumb_terminal
        self._current = _CurrentFrame()

    # -- renderer protocol ------------------------------------------------------
    def start(self, model: RunModel) -> None:
        self.model = model
        self._current.frame = self._frame()
        self.live = Live(self._current, console=self.console, auto_refresh=False, transient=False,
                         redirect_stdout=False, redirect_stderr=False)
        self.live.start(refresh=True)
        self._capture_streams()
        self._thread = threading.Thread(target=self._refresh_loop, name="flowctl-live", daemon=True)
        self._thread.start()

    def handle(self, event: Any) -> None:
        """Called on task threads: queue what must be printed, nothing more."""
        if isinstance(event, LogEmitted):
            if self.verbosity >= 0 or event.levelno >= 40:
                if not self.notes.hold_log(event):
                    self._queue.append(event)
        elif isinstance(event, TaskStateChanged):
            new = event.new
            if new.is_failed() or new.is_retrying() or self.attempts.current(event.task_name, event.map_index) > 1:
                _attempt, final = self.attempts.observe(event)
                _show, held, warning = self.notes.on_state(event, final)
                self._queue.extend(held)
                if warning is not None:
                    self._queue.append(("warning", unit_label(event.task_name, event.map_index), warning, event.at))

    def finish(self, summary: Summary) -> None:
        self._stop_refreshing()
        self._queue.extend(self.notes.leftover_logs())
        with self._draw_lock:
            if self.live is not None:
                self._draw(self._frame(summary), final=True)
                self.live.stop()
                self.live = None
        self.console.print(Group(*live_view.summary_view(summary, self.clean)), crop=False)

    def close(self) -> None:
        self._stop_refreshing()
        with self._draw_lock:
            if self.live is not None:
                self.live.stop()
                self.live = None

    # -- the refresh thread ---------------------------------------------------------
    def _refresh_loop(self) -> None:
        failed = False
        while not self._stop.wait(1.0 / REFRESH_PER_SECOND):
            with self._draw_lock:
                try:
                    if self.live is not None:
                        self._draw(self._frame())
                except Exception as exc:  # noqa: BLE001 - a drawing bug must not end the view (or the run)
                    if not failed:
                        failed = True
                        self._queue.append(("stderr", f"flowctl: could not draw the live view: {exc!r}"))

    def _draw(self, frame: RenderableType, final: bool = False) -> None:
        """Queued lines above, the frame below, in one synchronized write."""
        batch = self._drain()
        assert self.live is not None
        with self.console:
            if self._sync:
                self.console.control(_Escape(SYNC_BEGIN))
            self._current.frame = frame
            if batch is not None:
                self.console.print(batch, soft_wrap=True)  # the live area follows it, redrawn
            elif not final:
                self.live.refresh()
            if self._sync:
                self.console.control(_Escape(SYNC_END))

    def _stop_refreshing(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self._restore_streams()

    def _capture_streams(self) -> None:
        self._saved_streams = (sys.stdout, sys.stderr)
        out = _CapturedStream(self._queue, sys.stdout, "stdout")
        err = _CapturedStream(self._queue, sys.stderr, "stderr")
        self._captures = [out, err]
        sys.stdout, sys.stderr = out, err  # type: ignore[assignment]

    def _restore_streams(self) -> None:
        if self._saved_streams is not None:
            sys.stdout, sys.stderr = self._saved_streams
            self._saved_streams = None
            for capture in self._captures:
                capture.drain_partial()

    # -- drawing ------------------------------------------------------------------------
    def _drain(self) -> "_Batch | None":
        """Everything queued since the last frame, as one renderable."""
        if not self._queue:
            return None
        items = []
        while self._queue:
            items.append(self._queue.popleft())
        return _Batch(items, self.clean)

    def _frame(self, summary: Summary | None = None) -> RenderableType:
        if self.model is None:
            return Text("")
        _version, rows, info = self.model.snapshot()
        rows = [row for row in rows if not _is_parameter(row.task)]
        width, height = self.console.size
        shown, hidden = live_view.choose_rows(rows, height)
        interrupted = summary is not None and summary.interrupted
        head = live_view.header(info, rows, self.parameters, width, self.icons,
                                final_state=summary.state if summary is not None else None)
        return Group(head, live_view.task_table(shown, hidden, width, self.icons, interrupted))

    def _task_named(self, name: str) -> Any:
        row = self.model.row_named(name) if self.model is not None else None
        return row.task if row is not None else None


class _Batch:
    """Log records, warnings and captured prints drawn as plain segments, one line each.

    Rich's ``Text`` would split, wrap and restyle every line (about 0.2 ms
    each); these lines need none of that, so a chatty flow stays cheap.
    """

    _STYLES: dict[str, Style] = {}

    def __init__(self, items: list, clean: Callable[[str], str]) -> None:
        self.items = items
        self.clean = clean

    @classmethod
    def _style(cls, name: str) -> Style | None:
        if not name:
            return None
        style = cls._STYLES.get(name)
        if style is None:
            style = cls._STYLES[name] = Style.parse(name)
        return style

    def __rich_console__(self, console: Any, options: Any) -> Any:
        style, line, clean = self._style, Segment.line(), self.clean
        for item in self.items:
            if isinstance(item, LogEmitted):
                where = unit_label(item.task_name, item.map_index) if item.task_name else "flow"
                yield from (Segment(clock(item.at), style("dim")), Segment(" "),
                            Segment(f"{item.level:<7}", style(LEVEL_STYLES.get(item.level, ""))), Segment(" "),
                            Segment(where, style("bold")), Segment(" | " + clean(trim_traceback_text(item.message))))
            elif item[0] == "warning":
                _, label, text, at = item
                yield from (Segment(clock(at), style("dim")), Segment(" "), Segment("WARNING", style("yellow")),
                            Segment(" "), Segment(label, style("bold")), Segment(" | " + clean(text)))
            else:
                yield Segment(clean(item[1]), style("red") if item[0] == "stderr" else None)
            yield line


def _same(text: str) -> str:
    return text


def _is_parameter(task: Any) -> bool:
    from flowctl.core.parameter import Parameter

    return isinstance(task, Parameter)
