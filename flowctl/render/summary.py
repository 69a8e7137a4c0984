"""The end-of-run summary and the list of task runs, shared by every output mode.

When the flow finished, its final state is the truth (it holds every task's
state, mapped children included, even when events could not reach us from
worker processes). When the run was interrupted there is no final state, so
the event model's last-known states are used and runs still going are
reported as ``Cancelled``.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator

from flowctl.engine.events import TaskStateChanged
from flowctl.render.model import RunModel, unit_label
from flowctl.render.tracebacks import failure_details


@dataclass(slots=True)
class Failure:
    task: str
    map_index: int | None
    message: str
    traceback: str

    @property
    def label(self) -> str:
        return unit_label(self.task, self.map_index)


@dataclass(slots=True)
class UnitResult:
    """One task run (a task, or one mapped child) for reports such as JUnit."""

    task: str
    map_index: int | None
    state: str
    outcome: str  # "passed", "failed" or "skipped"
    message: str
    traceback: str
    duration: float


@dataclass(slots=True)
class Summary:
    flow: str
    state: str
    duration_s: float
    successful: bool
    interrupted: bool
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    slowest: list[tuple[str, float]] = field(default_factory=list)
    # Run record and resume bookkeeping; ``resumed_from`` None means a fresh run.
    run_id: str | None = None
    target: str | None = None
    resumed_from: str | None = None
    reused: int = 0
    ran: int = 0


class RunTally:
    """Counts task runs that ran and that were reused from checkpoints, from events.

    A unit "ran" when it entered ``Running`` (retries count once); it was
    "reused" when the scheduler announced one of the states the resume loaded
    (recognised by identity, so a task that caches on its own is not miscounted).
    """

    def __init__(self, reused_ids: set[int] | None = None) -> None:
        self._reused_ids = reused_ids or set()
        self._running: set[tuple[int, int | None]] = set()
        self.reused = 0

    def handle(self, event: Any) -> None:
        if not isinstance(event, TaskStateChanged):
            return
        new = event.new
        if new.is_running():
            self._running.add((id(event.task), event.map_index))
        elif id(new) in self._reused_ids:
            self.reused += 1

    @property
    def ran(self) -> int:
        return len(self._running)


def _units_from_states(model: RunModel, final_state: Any) -> Iterator[tuple[Any, str, int | None, Any]]:
    """``(task, name, map_index, state)`` per task run, mapped parents expanded."""
    task_states = final_state.result if isinstance(final_state.result, dict) else {}
    for task in model.flow.sorted_tasks():
        state = task_states.get(task)
        if state is None:
            continue
        if state.is_mapped():
            for index, child in enumerate(state.map_states):
                if child is not None:
                    yield task, task.name, index, child
        else:
            yield task, task.name, None, state


def _outcome(state: Any) -> str:
    if state.is_failed():
        return "failed"
    if state.is_successful() and not state.is_skipped():
        return "passed"
    return "skipped"


def iter_units(model: RunModel, final_state: Any | None) -> Iterator[UnitResult]:
    """Every task run with its outcome, message, traceback and duration (needs ``keep_units``)."""
    units = dict(model.units)
    if final_state is not None:
        for task, name, index, state in _units_from_states(model, final_state):
            yield _unit(name, index, state, units.get((task, index), (None, 0.0))[1])
        return
    for (task, index), (state, seconds) in units.items():
        yield _unit(getattr(task, "name", str(task)), index, state, seconds)
    for task, index in model.running_units():
        yield UnitResult(getattr(task, "name", str(task)), index, "Cancelled", "skipped",
                         "Interrupted while running.", "", 0.0)


def _unit(name: str, index: int | None, state: Any, seconds: float) -> UnitResult:
    outcome = _outcome(state)
    message, trace = failure_details(state) if outcome == "failed" else (state.message or "", "")
    return UnitResult(name, index, type(state).__name__, outcome, str(message or ""), trace, seconds)


def _interrupted_counts(model: RunModel) -> tuple[Counter, list[Failure]]:
    _, rows, _ = model.snapshot()
    counts: Counter = Counter()
    for row in rows:
        if row.mapped:
            for name, number in row.child_states.items():
                if number > 0:
                    counts["Cancelled" if name in ("Running", "Retrying") else name] += number
        else:
            counts["Cancelled" if row.category in ("running", "retrying") else row.state] += 1
    failures = []
    for (task, index), state in list(model.failures.items()):
        message, trace = failure_details(state)
        failures.append(Failure(getattr(task, "name", str(task)), index, message, trace))
    return counts, failures


def build_summary(model: RunModel, final_state: Any | None, interrupted: bool = False) -> Summary:
    """Counts by state, failures with tracebacks and the slowest runs of the finished (or stopped) run."""
    if final_state is None or interrupted:
        counts, failures = _interrupted_counts(model)
        state_name, successful = "Cancelled", False
    else:
        counts, failures = Counter(), []
        for _task, name, index, state in _units_from_states(model, final_state):
            counts[type(state).__name__] += 1
            if state.is_failed():
                message, trace = failure_details(state)
                failures.append(Failure(name, index, message, trace))
        state_name, successful = type(final_state).__name__, final_state.is_successful()
    ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return Summary(model.flow_name, state_name, round(model.duration(), 6), successful, interrupted,
                   ordered, failures, model.slowest())
