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

SLOWEST_KEPT = 5


def category(state: Any) -> str:
    """The few buckets a person cares about: pending, running, retrying, done, failed, cancelled."""
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


def _move(counter: Counter, old: str, new: str, fallback: str) -> None:
    """One child leaves bucket ``old`` for ``new`` (``fallback`` if ``old`` was never counted)."""
    if counter[old] > 0:
        counter[old] -= 1
    elif counter[fallback] > 0:
        counter[fallback] -= 1
    counter[new] += 1


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
        return TaskRow(self.task, self.name, self.state, self.category, self.message, self.started,
                       self.ended, self.mapped, self.n, Counter(self.child_states),
                       Counter(self.child_categories))


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

    # -- events -------------------------------------------------------------
    def handle(self, event: Any) -> None:
        with self._lock:
            if isinstance(event, TaskStateChanged):
                self._task_event(event)
            elif isinstance(event, FlowStateChanged):
                self._flow_event(event)
            elif isinstance(event, LogEmitted):
                self.log_counts[event.level] += 1
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
        row = self._row_for(event)
        new, key = event.new, (row.task, event.map_index)
        new_category = category(new)
        if event.map_index is None and new.is_mapped():
            row.mapped, row.n = True, new.n_map_states
            row.state, row.category, row.message = "Mapped", "done", new.message
            row.child_states = Counter({"Pending": row.n})
            row.child_categories = Counter({"pending": row.n})
            if row.n == 0:
                row.started = row.ended = event.at
            return
        if event.map_index is None:
            row.state, row.category, row.message = type(new).__name__, new_category, new.message
        else:
            if not row.mapped or event.map_index >= row.n:  # events that overtook the parent's
                row.mapped, row.n = True, max(row.n, event.map_index + 1)
            _move(row.child_states, type(event.old).__name__, type(new).__name__, "Pending")
            _move(row.child_categories, category(event.old), new_category, "pending")
        if new_category == "running":
            self._unit_started.setdefault(key, event.at)
            if row.started is None:
                row.started = event.at
        elif new_category in ("done", "failed", "cancelled"):
            started = self._unit_started.pop(key, None)
            if row.started is None:
                row.started = event.at
            row.ended = event.at
            seconds = event.at - started if started is not None else 0.0
            if started is not None:
                self._record_slowest(unit_label(row.name, event.map_index), seconds)
            if self.keep_units:
                self.units[key] = (new, seconds)
            if new_category == "failed":
                self.failures[key] = new
            else:
                self.failures.pop(key, None)
        elif new_category == "retrying":
            self._unit_started.pop(key, None)

    def _record_slowest(self, label: str, seconds: float) -> None:
        entry = (seconds, label)
        if len(self._slowest) < SLOWEST_KEPT:
            heapq.heappush(self._slowest, entry)
        elif entry > self._slowest[0]:
            heapq.heapreplace(self._slowest, entry)

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
