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
from flowctl.engine.state import Failed, Running, Success
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
    error_type: str = ""  # the exception's class for a failure (else the state's name)
    logs: list[str] = field(default_factory=list)  # the run's log lines
    flaky: list[tuple[str, str, str]] = field(default_factory=list)  # failed attempts before a pass


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
    recomputed: int = 0  # of ``ran``: task runs whose checkpoint was stale (code, inputs or an upstream changed)
    store_warning: str | None = None  # the run store could not be written: resume will recompute


class RunTally:
    """Counts task runs that ran and that were reused from checkpoints, from events.

    A unit "ran" when it entered ``Running`` (retries count once); it was
    "reused" when the scheduler announced one of the states the resume loaded
    (recognised by identity, so a task that caches on its own is not miscounted).
    """

    def __init__(self, reused_ids: set[int] | None = None, recompute_keys: set | None = None) -> None:
        self._reused_ids = reused_ids or set()
        self._recompute_keys = recompute_keys or set()
        self._running: set[tuple[int, int | None]] = set()
        self.reused = 0

    def handle(self, event: Any) -> None:
        if type(event) is not TaskStateChanged and not isinstance(event, TaskStateChanged):
            return
        new = event.new
        kind = type(new)
        if kind is Running or (kind is not Success and new.is_running()):  # (a child's end: no call)
            self._running.add((id(event.task), event.map_index))
        elif self._reused_ids and id(new) in self._reused_ids:
            self.reused += 1

    @property
    def recomputed(self) -> int:
        """Task runs that ran although the resumed run had a checkpoint for them (now stale)."""
        keys = self._recompute_keys
        return len(keys & self._running) if keys else 0

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


NOT_RUN = "not run: interrupted"


def iter_units(model: RunModel, final_state: Any | None) -> Iterator[UnitResult]:
    """Every task run with its outcome, message, traceback, duration, logs and failed attempts
    (needs ``keep_units``). An interrupted run also lists what never started, as skipped."""
    units = dict(model.units)
    logs = _logs_by_unit(model)
    attempts = dict(model.failed_attempts)
    if final_state is not None:
        for task, name, index, state in _units_from_states(model, final_state):
            yield _unit(name, index, state, units.get((task, index), (None, 0.0))[1],
                        logs.get((name, index)), attempts.get((task, index)))
        return
    for (task, index), (state, seconds) in units.items():
        name = getattr(task, "name", str(task))
        yield _unit(name, index, state, seconds, logs.get((name, index)), attempts.get((task, index)))
    running = model.running_units()
    for task, index in running:
        name = getattr(task, "name", str(task))
        yield UnitResult(name, index, "Cancelled", "skipped", "Interrupted while running.", "", 0.0,
                         logs=logs.get((name, index)) or [])
    yield from _never_started(model, set(units) | set(running))


def _never_started(model: RunModel, seen: set) -> Iterator[UnitResult]:
    _, rows, _ = model.snapshot()
    for row in rows:
        for index in (range(row.n) if row.mapped else (None,)):
            if (row.task, index) not in seen:
                yield UnitResult(row.name, index, "Pending", "skipped", NOT_RUN, "", 0.0)


def _logs_by_unit(model: RunModel) -> dict[tuple[str | None, int | None], list[str]]:
    from flowctl.render.text import clock
    from flowctl.render.tracebacks import trim_traceback_text

    grouped: dict[tuple[str | None, int | None], list[str]] = {}
    for at, level, task_name, map_index, message in list(model.logs):
        if task_name is not None:
            grouped.setdefault((task_name, map_index), []).append(
                f"{clock(at)} {level:<7} {trim_traceback_text(message)}")
    return grouped


def exception_type(state: Any) -> str:
    """The failure's exception class (``module.Class`` outside builtins), else the state's name."""
    result = getattr(state, "result", None)
    if isinstance(result, BaseException) and not _is_flowctl_signal(result):
        cls = type(result)
        return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    return type(state).__name__


def _is_flowctl_signal(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("flowctl.")


def _unit(name: str, index: int | None, state: Any, seconds: float, logs: list[str] | None = None,
          failed_attempts: list[Any] | None = None) -> UnitResult:
    outcome = _outcome(state)
    message, trace = failure_details(state) if outcome == "failed" else (state.message or "", "")
    flaky = []
    if outcome == "passed" and failed_attempts:
        flaky = [(exception_type(f), *failure_details(f)) for f in failed_attempts]
    return UnitResult(name, index, type(state).__name__, outcome, str(message or ""), trace, seconds,
                      exception_type(state) if outcome == "failed" else "", logs or [], flaky)


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


def _final_counts(model: RunModel, final_state: Any) -> tuple[Counter, list[Failure]]:
    """Counts by state and failures from the final states. A mapped task's children are counted
    by state class first (one C-level pass), so only failed children cost Python work."""
    counts: Counter = Counter()
    failures: list[Failure] = []
    task_states = final_state.result if isinstance(final_state.result, dict) else {}
    for task in model.flow.sorted_tasks():
        state = task_states.get(task)
        if state is None:
            continue
        if not state.is_mapped():
            counts[type(state).__name__] += 1
            if state.is_failed():
                failures.append(Failure(task.name, None, *failure_details(state)))
            continue
        by_type = Counter(map(type, state.map_states))
        by_type.pop(type(None), None)
        for kind, number in by_type.items():
            counts[kind.__name__] += number
        if any(issubclass(kind, Failed) for kind in by_type):
            for index, child in enumerate(state.map_states):
                if child is not None and child.is_failed():
                    failures.append(Failure(task.name, index, *failure_details(child)))
    return counts, failures


def build_summary(model: RunModel, final_state: Any | None, interrupted: bool = False) -> Summary:
    """Counts by state, failures with tracebacks and the slowest runs of the finished (or stopped) run."""
    if final_state is None or interrupted:
        counts, failures = _interrupted_counts(model)
        state_name, successful = "Cancelled", False
    else:
        counts, failures = _final_counts(model, final_state)
        state_name, successful = type(final_state).__name__, final_state.is_successful()
    ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return Summary(model.flow_name, state_name, round(model.duration(), 6), successful, interrupted,
                   ordered, failures, model.slowest())
