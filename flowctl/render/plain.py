"""``--output plain``: lines of text for CI logs and pipes, short enough to survive log limits.

No colour, no cursor movement, stable wording that greps well
(``task[3]: Running -> Failed: message``). Tasks that are not mapped
children get a line per transition; mapped children only get one when
something unusual happens to them (Failed, Retrying, TriggerFailed,
TimedOut, Skipped, Cancelled), plus a progress line per mapped task at most
every ``PROGRESS_EVERY`` seconds and one when it finishes. So a 100,000-child
map is a handful of lines, and writing them costs next to nothing.
``verbosity`` 1 (``-v``) prints every transition; -1 (``-q``) only failures
and the summary.
"""
from __future__ import annotations

import sys
import threading
from typing import Any, Callable, TextIO

from flowctl.engine import state as states
from flowctl.engine.events import FlowStateChanged, LogEmitted, TaskStateChanged
from flowctl.render.attempts import Attempts, RetryNotes
from flowctl.render.model import TaskRow, unit_label
from flowctl.render.stream import LineWriter
from flowctl.render.summary import Summary
from flowctl.render.text import clock, format_seconds, summary_lines
from flowctl.render.tracebacks import trim_traceback_text

PROGRESS_EVERY = 5.0
# Transitions whose message adds nothing ("Starting task run.") are printed without it.
_QUIET_STATES = {"Running", "Success", "Pending"}
# A mapped child entering one of these is routine: counted in progress lines, never printed.
_ROUTINE_CHILD_STATES = frozenset({states.Pending, states.Scheduled, states.Submitted, states.Queued,
                                   states.Running, states.Success, states.Cached, states.Mapped,
                                   states.Looped, states.Resume})


def _same(text: str) -> str:
    return text


def transition_line(event: TaskStateChanged, clean: Callable[[str], str] = _same) -> str:
    new = event.new
    name = type(new).__name__
    line = f"[{clock(event.at)}] {unit_label(event.task_name, event.map_index)}: {type(event.old).__name__} -> {name}"
    if new.message and name not in _QUIET_STATES:
        line += f": {clean(str(new.message))}"
    return line


def log_line(event: LogEmitted, clean: Callable[[str], str] = _same) -> str:
    where = unit_label(event.task_name, event.map_index) if event.task_name else "flow"
    message = clean(trim_traceback_text(event.message)).replace("\n", "\n    ")
    return f"[{clock(event.at)}] {event.level:<7} {where} | {message}"


def children_counts(child_states: Any) -> str:
    return ", ".join(f"{name} {number}" for name, number in sorted(child_states.items()) if number > 0) or "none"


def _finished(categories: Any) -> int:
    return categories["done"] + categories["failed"] + categories["cancelled"]


class PlainRenderer:
    """Writes a run as lines of text to ``stream`` (stdout by default)."""

    def __init__(self, stream: TextIO | None = None, verbosity: int = 0) -> None:
        self.out = LineWriter(stream or sys.stdout)
        self.verbosity = verbosity
        self.parameters: dict | None = None
        self.clean: Callable[[str], str] = _same  # scrubs secret parameter values from messages
        self.model: Any = None
        self.attempts = Attempts()
        self.notes = RetryNotes(self._task_named, self.attempts)
        self._maps: dict[int, TaskRow] = {}  # mapped rows still running, by id
        self._maps_lock = threading.Lock()
        self._progress_seen: dict[int, int] = {}
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # -- renderer protocol ------------------------------------------------------
    def start(self, model: Any) -> None:
        self.model = model
        if self.verbosity >= 0:
            self.out.write_line(f"Running flow {model.flow_name!r} ({len(model.rows)} tasks)")
            if self.parameters:
                self.out.write_line("Parameters: " + ", ".join(f"{k}={v}" for k, v in self.parameters.items()))
        if self.verbosity == 0:
            self._ticker = threading.Thread(target=self._tick, name="flowctl-plain-progress", daemon=True)
            self._ticker.start()

    def handle(self, event: Any) -> None:
        if isinstance(event, TaskStateChanged):
            if event.map_index is not None and self.verbosity <= 0 and type(event.new) in _ROUTINE_CHILD_STATES:
                return  # the hot path of a big map: one type lookup
            self._state(event)
        elif isinstance(event, LogEmitted):
            if self.verbosity >= 0 and not self.notes.hold_log(event):
                self.out.write_line(log_line(event, self.clean))
        elif isinstance(event, FlowStateChanged):
            self._report_finished_maps()
            if self.verbosity >= 0:
                line = f"[{clock(event.at)}] Flow {event.flow_name!r}: {type(event.new).__name__}"
                self.out.write_line(line + (f" ({event.new.message})" if event.new.message else ""))

    def finish(self, summary: Summary) -> None:
        self._stop.set()
        self._report_finished_maps()
        for record in self.notes.leftover_logs():
            self.out.write_line(log_line(record, self.clean))
        self.out.write_line("")
        for line in summary_lines(summary):
            self.out.write_line(self.clean(line))
        self.out.close()

    def close(self) -> None:
        self._stop.set()
        self.out.close()

    # -- transitions --------------------------------------------------------------
    def _state(self, event: TaskStateChanged) -> None:
        _attempt, final = self.attempts.observe(event)
        show, held, warning = self.notes.on_state(event, final)
        if self.verbosity < 0:
            if show and event.new.is_failed():
                self.out.write_line(transition_line(event, self.clean))
            return
        for record in held:
            self.out.write_line(log_line(record, self.clean))
        if warning is not None:
            self.out.write_line(f"[{clock(event.at)}] {unit_label(event.task_name, event.map_index)}: "
                                f"{self.clean(warning)}")
        if event.map_index is None:
            if event.new.is_mapped():
                self._watch_map(event)
            else:
                self._report_finished_maps()
        if show or self.verbosity > 0:
            self.out.write_line(transition_line(event, self.clean))

    # -- mapped tasks' progress -------------------------------------------------------
    def _task_named(self, name: str) -> Any:
        row = self.model.row_named(name) if self.model is not None else None
        return row.task if row is not None else None

    def _watch_map(self, event: TaskStateChanged) -> None:
        row = self.model.row_for(event) if self.model is not None else None
        if row is not None and self.verbosity == 0:
            with self._maps_lock:
                self._maps[id(row)] = row

    def _report_finished_maps(self) -> None:
        """One line per mapped task whose children all finished (before the next task's lines)."""
        if not self._maps:
            return
        finished = []
        with self._maps_lock:
            for row in list(self._maps.values()):
                child_states, categories = self.model.child_counts(row)
                if _finished(categories) >= row.n:
                    del self._maps[id(row)]
                    finished.append((row, child_states))
        for row, child_states in finished:
            ended = row.ended or row.started or 0.0
            took = f" in {format_seconds(max(0.0, ended - row.started))}" if row.started else ""
            self.out.write_line(f"[{clock(ended)}] {row.name}: all {row.n} children finished{took} "
                                f"({children_counts(child_states)})")

    def _tick(self) -> None:
        """Every ``PROGRESS_EVERY`` seconds, a line per mapped task that moved since the last one."""
        import time

        while not self._stop.wait(PROGRESS_EVERY):
            self._report_finished_maps()
            with self._maps_lock:
                rows = list(self._maps.values())
            for row in rows:
                child_states, categories = self.model.child_counts(row)
                done = _finished(categories)
                if done == self._progress_seen.get(id(row)) or done >= row.n:
                    continue
                self._progress_seen[id(row)] = done
                running = categories["running"] + categories["retrying"]
                self.out.write_line(f"[{clock(time.time())}] {row.name}: {done}/{row.n} children finished "
                                    f"({children_counts(child_states)}), {running} running")
