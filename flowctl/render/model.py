"""A small, thread-safe picture of a flow run, kept up to date from engine events.

Renderers draw from this model instead of from raw events, so the live view
costs the same for four mapped children as for a hundred thousand: a mapped
task is one row holding counters of its children's states (updated from each
event's old -> new pair), never one row per child.
"""
from __future__ import annotations

import heapq
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flowctl.engine.events import FlowStateChanged, LogEmitted, TaskStateChanged
from flowctl.engine.state import Pending

SLOWEST_KEPT = 5


_CATEGORY_OF_TYPE: dict[type, str] = {}


def category(state: Any) -> str:
    """The few buckets a person cares about: pending, running, retrying, done, failed, cancelled.

    The bucket depends only on the state's class, so it is worked out once per class.
    """
    kind = type(state)
    known = _CATEGORY_OF_TYPE.get(kind)
    if known is None:
        known = _CATEGORY_OF_TYPE[kind] = _category(state)
    return known


def _category_of_type(kind: type) -> str:
    known = _CATEGORY_OF_TYPE.get(kind)
    if known is None:
        known = _CATEGORY_OF_TYPE[kind] = _category(kind.__new__(kind))
    return known


def _category(state: Any) -> str:
    if state.is_failed():
        return "failed"
    if state.is_retrying():
        return "retrying"
    if state.is_running() or state.is_looped():
        return "running"
    if state.is_cancelled():
        return "cancelled"
    if state.is_finished():
        return "done"
    return "pending"


def unit_label(name: str, map_index: int | None) -> str:
    return name if map_index is None else f"{name}[{map_index}]"


@dataclass(slots=True)
class TaskRow:
    """One task of the flow as the views show it; a mapped task aggregates its children."""

    task: Any
    name: str
    state: str = "Pending"
    category: str = "pending"
    message: str | None = None
    started: float | None = None
    ended: float | None = None
    mapped: bool = False
    n: int = 0
    # Children are counted by state class (cheap per event); ``copy`` derives the
    # counts by state name and by bucket that the views read.
    child_types: dict = field(default_factory=dict)
    child_states: Counter = field(default_factory=Counter)
    child_categories: Counter = field(default_factory=Counter)

    def duration(self, now: float) -> float | None:
        if self.started is None:
            return None
        if self.mapped:
            finished = self.child_categories["done"] + self.child_categories["failed"]
            end = self.ended if finished >= self.n and self.ended is not None else now
        else:
            end = self.ended if self.ended is not None and self.category != "running" else now
        return max(0.0, end - self.started)

    def view_category(self) -> str:
        """A mapped row's bucket is decided by its children."""
        if not self.mapped:
            return self.category
        cats = self.child_categories
        if cats["running"] or cats["retrying"]:
            return "running"
        if cats["done"] + cats["failed"] + cats["cancelled"] >= self.n:
            return "failed" if cats["failed"] else "done"
        return "running" if (cats["done"] or cats["failed"]) else "pending"

    def copy(self) -> "TaskRow":
        states: Counter = Counter()
        categories: Counter = Counter()
        for kind, number in self.child_types.items():
            if number:
                states[kind.__name__] += number
                categories[_category_of_type(kind)] += number
        return TaskRow(self.task, self.name, self.state, self.category, self.message, self.started,
                       self.ended, self.mapped, self.n, dict(self.child_types), states, categories)


class RunModel:
    """Aggregates events of one flow run. ``handle`` may be called from any thread."""

    def __init__(self, flow: Any, keep_units: bool = False) -> None:
        self.flow = flow
        self.flow_name: str = flow.name
        self.flow_state: str = "Pending"
        self.flow_message: str | None = None
        self.created = time.time()
        self.flow_started: float | None = None
        self.flow_ended: float | None = None
        self.rows: dict[Any, TaskRow] = {}
        self._rows_by_name: dict[str, TaskRow] = {}
        for task in flow.sorted_tasks():
            self._add_row(task, task.name)
        # Only reports that list every run (JUnit) pay for one record per run.
        self.keep_units = keep_units
        self.units: dict[tuple[Any, int | None], tuple[Any, float]] = {}
        # With keep_units, also what JUnit and the HTML report show per run: every attempt's
        # (name, map_index, start, end, lane, state), failed attempts, and the log records.
        self.timeline: list[tuple[str, int | None, float, float, str, Any]] = []
        self.failed_attempts: dict[tuple[Any, int | None], list[Any]] = {}
        self.logs: list[tuple[float, str, str | None, int | None, str]] = []
        self._unit_lane: dict[tuple[Any, int | None], str] = {}
        self.failures: dict[tuple[Any, int | None], Any] = {}
        self.log_counts: Counter = Counter()
        self.version = 0
        self._unit_started: dict[tuple[Any, int | None], float] = {}
        self._slowest: list[tuple[float, str]] = []
        # Events arrive from worker threads; one lock keeps each update atomic
        # and lets the refresh thread take consistent snapshots.
        self._lock = threading.Lock()

    def _add_row(self, task: Any, name: str) -> TaskRow:
        row = TaskRow(task=task, name=name)
        self.rows[task] = row
        self._rows_by_name.setdefault(name, row)
        return row

    def _row_for(self, event: TaskStateChanged) -> TaskRow:
        row = self.rows.get(event.task)
        if row is None:  # a copy that crossed a process boundary: match by name
            row = self._rows_by_name.get(event.task_name) or self._add_row(event.task, event.task_name)
        return row

    def row_for(self, event: TaskStateChanged) -> TaskRow | None:
        """The live row an event's task updates (read its counters with ``child_counts``)."""
        return self.rows.get(event.task) or self._rows_by_name.get(event.task_name)

    def row_named(self, name: str) -> TaskRow | None:
        return self._rows_by_name.get(name)

    def child_counts(self, row: TaskRow) -> tuple[Counter, Counter]:
        """A mapped row's children counted by state name and by bucket."""
        with self._lock:
            copied = row.copy()
        return copied.child_states, copied.child_categories

    # -- events -------------------------------------------------------------
    def handle(self, event: Any) -> None:
        with self._lock:
            if type(event) is TaskStateChanged:  # nearly every event: skip the isinstance chain
                self._task_event(event)
            elif isinstance(event, FlowStateChanged):
                self._flow_event(event)
            elif isinstance(event, LogEmitted):
                self.log_counts[event.level] += 1
                if self.keep_units:
                    self.logs.append((event.at, event.level, event.task_name, event.map_index, event.message))
            else:
                return
            self.version += 1

    def _flow_event(self, event: FlowStateChanged) -> None:
        new = event.new
        self.flow_state = type(new).__name__
        self.flow_message = new.message
        if new.is_running() and self.flow_started is None:
            self.flow_started = event.at
        if new.is_finished():
            self.flow_ended = event.at

    def _task_event(self, event: TaskStateChanged) -> None:
        row = self.rows.get(event.task) or self._row_for(event)
        new, map_index = event.new, event.map_index
        key = (row.task, map_index)
        new_type = type(new)
        new_category = _CATEGORY_OF_TYPE.get(new_type) or category(new)
        if map_index is not None:  # a mapped child: the common case, kept short
            if not row.mapped or map_index >= row.n:  # events that overtook the parent's
                row.mapped, row.n = True, max(row.n, map_index + 1)
            # the child leaves its old state class for the new one (Pending if the old was never counted)
            counts, old_type = row.child_types, type(event.old)
            number = counts.get(old_type, 0)
            if number > 0:
                counts[old_type] = number - 1
            else:
                pending = counts.get(Pending, 0)
                if pending > 0:
                    counts[Pending] = pending - 1
            counts[new_type] = counts.get(new_type, 0) + 1
        elif self._row_state(row, event, new_category):  # a mapped parent: its children do the rest
            return
        if new_category == "running":
            self._unit_started.setdefault(key, event.at)
            if self.keep_units:
                self._unit_lane[key] = threading.current_thread().name
            if row.started is None:
                row.started = event.at
        elif new_category in ("done", "failed", "cancelled"):
            started = self._unit_started.pop(key, None)
            if row.started is None:
                row.started = event.at
            row.ended = event.at
            seconds = event.at - started if started is not None else 0.0
            if started is not None and (len(self._slowest) < SLOWEST_KEPT or seconds > self._slowest[0][0]):
                self._record_slowest(row.name, map_index, seconds)
            if self.keep_units:
                self._keep_unit(row, event, key, started, seconds)
            if new_category == "failed":
                self.failures[key] = new
            elif self.failures:
                self.failures.pop(key, None)
        elif new_category == "retrying":
            self._unit_started.pop(key, None)

    @staticmethod
    def _row_state(row: TaskRow, event: TaskStateChanged, new_category: str) -> bool:
        """A task's (not a child's) row takes its new state; True when it is a mapped parent's."""
        new = event.new
        if new.is_mapped():
            row.mapped, row.n = True, new.n_map_states
            row.state, row.category, row.message = "Mapped", "done", new.message
            row.child_types = {Pending: row.n}
            if row.n == 0:
                row.started = row.ended = event.at
            return True
        # Skipped is done for counting, but drawn apart from Success.
        shown_category = "skipped" if new_category == "done" and new.is_skipped() else new_category
        row.state, row.category, row.message = type(new).__name__, shown_category, new.message
        return False

    def _keep_unit(self, row: TaskRow, event: TaskStateChanged, key: tuple, started: float | None,
                   seconds: float) -> None:
        new = event.new
        self.units[key] = (new, seconds)
        if new.is_failed():
            self.failed_attempts.setdefault(key, []).append(new)
        if started is not None:
            lane = self._unit_lane.pop(key, "main")
            self.timeline.append((row.name, event.map_index, started, event.at, lane, new))

    def _record_slowest(self, name: str, map_index: int | None, seconds: float) -> None:
        """Keep the ``SLOWEST_KEPT`` slowest task runs; a retried run is listed once, at its slowest."""
        slowest = self._slowest
        label = unit_label(name, map_index)  # built only for the few runs that get this far
        for position, (kept_seconds, kept_label) in enumerate(slowest):
            if kept_label == label:
                if seconds > kept_seconds:
                    slowest[position] = (seconds, label)
                    heapq.heapify(slowest)
                return
        if len(slowest) < SLOWEST_KEPT:
            heapq.heappush(slowest, (seconds, label))
        elif seconds > slowest[0][0]:
            heapq.heapreplace(slowest, (seconds, label))

    # -- reading ------------------------------------------------------------
    def snapshot(self) -> tuple[int, list[TaskRow], dict]:
        """``(version, rows, flow info)`` copied under the lock, for drawing."""
        with self._lock:
            info = {"name": self.flow_name, "state": self.flow_state, "started": self.flow_started,
                    "ended": self.flow_ended, "logs": dict(self.log_counts)}
            return self.version, [row.copy() for row in self.rows.values()], info

    def slowest(self) -> list[tuple[str, float]]:
        with self._lock:
            return [(label, seconds) for seconds, label in sorted(self._slowest, reverse=True)]

    def running_units(self) -> list[tuple[Any, int | None]]:
        with self._lock:
            return list(self._unit_started)

    def duration(self) -> float:
        start = self.flow_started or self.created
        end = self.flow_ended or time.time()
        return max(0.0, end - start)
