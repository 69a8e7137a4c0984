"""``flow.run``'s passes, as Prefect 1's ``Flow.run`` makes them.

A ``FlowRunner`` makes one pass through the flow. A task that fails with
retries left ends that pass ``Retrying``, and what depends on it waits.
``flow.run`` then sleeps until the earliest waiting state is due and makes
another pass, from every task's state. So Prefect's rules for a later pass
hold here as well:

- a finished task keeps its state;
- a ``Cached`` one is validated again;
- a mapped parent is rebuilt, its unfinished children going on from their
  states;
- resource setup and cleanup tasks, and secret tasks, run again
  (``nodes._given_state``): a resource does not outlive its pass.

Every task runs before any retry does, whatever the executor.

The executor stays started from the first pass to the last (an
``ExecutorSession``), so a Dask cluster is not started again for each pass.
"""
from __future__ import annotations

import datetime
import time
from contextlib import ExitStack, contextmanager
from typing import Any, Iterator

from flowctl.engine.runner import ENDRUN
from flowctl.engine.state import Cancelled, Mapped, State
from flowctl.utilities.logging import get_logger

__all__ = ["ExecutorSession", "run_passes"]


class ExecutorSession:
    """Executors started by one pass and kept started for the next, until ``close``."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._started: list = []

    @contextmanager
    def using(self, executor: Any) -> Iterator[None]:
        """A pass's use of ``executor``: started on first use; an error closes it as it leaves."""
        if not any(started is executor for started in self._started):
            self._stack.enter_context(executor.start())
            self._started.append(executor)
        try:
            yield
        except BaseException as exc:
            self.close(exc)
            raise

    def close(self, exc: BaseException | None = None) -> None:
        """Stop every executor started; ``exc`` tells them a pass was cut short (they stop at once)."""
        stack, self._stack, self._started = self._stack, ExitStack(), []
        if exc is None:
            stack.close()
        else:
            stack.__exit__(type(exc), exc, exc.__traceback__)


def run_passes(flow: Any, runner_cls: type, executor: Any, state: State, task_states: dict | None,
               **run_kwargs: Any) -> State:
    """Passes of ``runner_cls(flow)`` until the flow's state is final, or nothing more can run."""
    session = ExecutorSession()
    waiting_before: set | None = None
    try:
        while True:
            runner = runner_cls(flow=flow)
            runner.executor_session = session
            runner.announces_given = waiting_before is None  # (later passes: watchers saw them)
            state = runner.run(state=state, task_states=task_states, executor=executor, **run_kwargs)
            if state.is_finished() or state.is_scheduled() or not isinstance(state.result, dict):
                return state
            waiting = _waiting(state.result)
            ids = {id(s) for s in waiting}
            if not waiting or ids == waiting_before:  # a Paused task, or no state moved: Running
                return state
            waiting_before, task_states = ids, state.result
            _sleep_until(min(s.start_time for s in waiting), flow, runner, state)
    finally:
        session.close()


def _waiting(task_states: dict) -> list[State]:
    """The states a later pass runs at their start time: ``Retrying``, ``Scheduled``, and ``Paused``
    with a duration (without one a person resumes it), mapped children among them."""
    states = list(task_states.values())
    for state in task_states.values():
        if isinstance(state, Mapped):
            states.extend(s for s in state.map_states if s is not None)
    return [s for s in states if s.is_scheduled() and s.start_time is not None]


def _sleep_until(start: datetime.datetime, flow: Any, runner: Any, state: State) -> None:
    """Wait for the next pass (Prefect's log line when it is later than now); Ctrl-C while waiting
    ends the run ``Cancelled`` for its watchers, as during a pass."""
    delay = (start - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    if delay <= 0:
        return
    get_logger(flow.name).info("Waiting for next available Task run at %s", start)
    try:
        time.sleep(delay)
    except KeyboardInterrupt:
        try:
            runner.handle_state_change(state, Cancelled("Flow run was interrupted."))
        except (ENDRUN, Exception):  # noqa: BLE001 - nothing a handler does stops the interrupt
            pass
        raise
