"""Attempts and retries as the outputs tell them.

A task with retries goes ``Running -> Failed -> Retrying -> Running`` and the
engine logs the failed attempt's traceback at ERROR. Shown as is, a run that
recovered looks like a crash. ``Attempts`` numbers each task run's attempts
and says whether a Failed state is final; ``RetryNotes`` turns a failed
attempt that a retry follows into one warning line ("attempt 1/3 failed:
ConnectionError(...); retrying in 2s") and holds back its traceback, which
only a final failure (and the summary) shows.
"""
from __future__ import annotations

from typing import Any, Callable

from flowctl.engine.events import LogEmitted, TaskStateChanged
from flowctl.engine.state import TriggerFailed

_ERROR_PREFIX = "Error during execution of task: "


def retry_follows(task: Any, state: Any, attempt: int) -> bool:
    """The task runner's retry rule, asked from the outside: will this Failed state be retried?"""
    if isinstance(state, TriggerFailed):
        return False
    max_retries = getattr(task, "max_retries", 0) or 0
    if attempt > max_retries:
        return False
    retry_on = getattr(task, "retry_on", None)
    result = getattr(state, "result", None)
    if retry_on and isinstance(result, BaseException) and not isinstance(result, tuple(retry_on)):
        return False
    return True


class Attempts:
    """Which attempt each task run is on; only runs that retried cost a dict entry."""

    __slots__ = ("_next",)

    def __init__(self) -> None:
        self._next: dict[tuple[str, int | None], int] = {}

    def current(self, task_name: str | None, map_index: int | None) -> int:
        return self._next.get((task_name, map_index), 1) if self._next else 1

    def observe(self, event: TaskStateChanged) -> tuple[int, bool]:
        """``(attempt, final)`` for a state change: final means no later state follows for this run."""
        new = event.new
        key = (event.task_name, event.map_index)
        if new.is_retrying():
            failed_attempt = getattr(new, "run_count", None) or 1
            self._next[key] = failed_attempt + 1
            return failed_attempt, False
        attempt = self._next.get(key, 1) if self._next else 1
        if not new.is_finished() or new.is_looped():
            return attempt, False
        final = not (new.is_failed() and retry_follows(event.task, new, attempt))
        if final and attempt > 1:
            self._next.pop(key, None)
        return attempt, final


def failure_words(message: str | None) -> str:
    """``ConnectionError('refused')`` out of the engine's "Error during execution of task: ..." message."""
    text = str(message or "failed")
    return text[len(_ERROR_PREFIX):] if text.startswith(_ERROR_PREFIX) else text


def retry_warning(task: Any, failed_message: str | None, event: TaskStateChanged) -> str:
    """"attempt 1/3 failed: ConnectionError('refused'); retrying in 2s" for a Retrying event."""
    new = event.new
    attempt = getattr(new, "run_count", None) or 1
    total = (getattr(task, "max_retries", 0) or 0) + 1
    start = getattr(new, "start_time", None)
    delay = max(0.0, start.timestamp() - event.at) if start is not None and start.year < 9999 else 0.0
    when = f"in {delay:.0f}s" if delay >= 1 else ("in %.1fs" % delay if delay >= 0.05 else "now")
    return f"attempt {attempt}/{total} failed: {failure_words(failed_message)}; retrying {when}"


class RetryNotes:
    """Holds a failed attempt's traceback log and state until it is clear whether a retry follows.

    ``task_for(name)`` finds the task object of a log record (records carry
    only the task's name). Records are held only for tasks that can retry,
    so flows without retries pay one dict lookup per ERROR record.
    """

    def __init__(self, task_for: Callable[[str], Any], attempts: Attempts) -> None:
        self._task_for = task_for
        self._attempts = attempts
        self._held_logs: dict[tuple[str | None, int | None], list[LogEmitted]] = {}
        self._failed: dict[tuple[str, int | None], str | None] = {}

    def hold_log(self, event: LogEmitted) -> bool:
        """True when the record waits for its task run's next state (an ERROR of a run that may retry)."""
        if event.levelno < 40 or event.task_name is None or "Traceback (most recent call last)" not in event.message:
            return False
        task = self._task_for(event.task_name)
        max_retries = getattr(task, "max_retries", 0) or 0
        if not max_retries or self._attempts.current(event.task_name, event.map_index) > max_retries:
            return False
        self._held_logs.setdefault((event.task_name, event.map_index), []).append(event)
        return True

    def on_state(self, event: TaskStateChanged, final: bool) -> tuple[bool, list[LogEmitted], str | None]:
        """``(show the transition, held records to show now, warning line)`` for one state change."""
        key = (event.task_name, event.map_index)
        held = self._held_logs.pop(key, None) if self._held_logs else None
        new = event.new
        if new.is_failed() and not final:  # a retry follows: its warning says everything
            self._failed[key] = new.message
            return False, [], None
        if new.is_retrying() and key in self._failed:
            return False, [], retry_warning(event.task, self._failed.pop(key), event)
        return True, held or [], None

    def leftover_logs(self) -> list[LogEmitted]:
        """Records still held at the end (the retry never came): shown rather than lost."""
        held = [record for records in self._held_logs.values() for record in records]
        self._held_logs.clear()
        return held
