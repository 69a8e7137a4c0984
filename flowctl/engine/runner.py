"""``Runner``: what task and flow runners share — calling state handlers, in Prefect 1's order.

A runner's pipeline steps take a state and return one; when a step changes
the state, ``handle_state_change`` runs the target's own handlers first
(``(task, old, new)`` or ``(flow, old, new)``), then the runner's
(``(runner, old, new)``). A handler may return a replacement state; one that
raises a signal moves the run to that signal's state, ``ENDRUN`` and ``PAUSE``
propagate, and any other error ends the run ``Failed``.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Iterable, NamedTuple

from flowctl.engine import signals
from flowctl.engine.signals import ENDRUN
from flowctl.engine.state import Failed, Pending, State
from flowctl.engine.task_execution import describe_exception
from flowctl.utilities import debug
from flowctl.utilities.logging import get_logger

__all__ = ["ENDRUN", "Runner", "RunnerInitializeResult", "call_state_handlers"]


class RunnerInitializeResult(NamedTuple):
    state: State
    context: dict


class Runner:
    """Base of ``TaskRunner`` and ``FlowRunner``: state handlers and the start of a run."""

    def __init__(self, state_handlers: Iterable[Callable] | None = None, logger: Any = None) -> None:
        if state_handlers is not None and not isinstance(state_handlers, (list, tuple)):
            raise TypeError("state_handlers should be iterable.")
        self.state_handlers = list(state_handlers or [])
        # a task runner logs as its task: one per task, so no logger lookup of its own
        self.logger = logger if logger is not None else get_logger(type(self).__name__)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def initialize_run(self, state: State | None, context: dict) -> RunnerInitializeResult:
        """Unwrap meta states (``Submitted(Queued(Retrying()))`` -> ``Retrying()``); default ``Pending``."""
        while isinstance(state, State) and state.is_meta_state():
            state = state.state  # type: ignore[attr-defined]
        return RunnerInitializeResult(state or Pending(), context)

    def target_handlers(self) -> list[Callable]:
        """The task's or flow's own handlers, called as ``(target, old, new)``."""
        return []

    def call_runner_target_handlers(self, old_state: State, new_state: State) -> State:
        """Call the target's own handlers; always the first handlers of a change."""
        target = self.handler_target()
        for handler in self.target_handlers():
            new_state = handler(target, old_state, new_state) or new_state
        return new_state

    def handler_target(self) -> Any:
        """What the target handlers receive first (the task or the flow)."""
        return self

    def handle_state_change(self, old_state: State, new_state: State) -> State:
        """Run every handler for ``old_state -> new_state`` and return the state to keep.

        Raises ``ENDRUN`` (with a ``Failed`` state when a handler breaks) and ``PAUSE``.
        """
        try:
            new_state = self.call_runner_target_handlers(old_state, new_state)
            for handler in self.state_handlers:
                new_state = handler(self, old_state, new_state) or new_state
        except (signals.PAUSE, ENDRUN, KeyboardInterrupt):
            raise
        except signals.PrefectStateSignal as signal:
            if debug.raising():
                raise
            new_state = signal.state
        except BaseException as exc:  # noqa: BLE001 - a failing handler (even sys.exit) fails the run
            if debug.raising():
                raise
            message = f"Unexpected error while calling state handlers: {describe_exception(exc)}"
            self.logger.error(message, exc_info=True)
            failed = Failed(message, result=exc)
            self.publish(old_state, failed)
            raise ENDRUN(failed) from None
        self.publish(old_state, new_state)
        return new_state

    def publish(self, old_state: State, new_state: State) -> None:
        """Tell event subscribers about a change (subclasses know which event to build)."""

    def change_state(self, state: State, new_state: State) -> State:
        """A pipeline step's exit: handlers only when the state really changed."""
        if new_state is state:
            return state
        return self.handle_state_change(state, new_state)


def call_state_handlers(method: Callable) -> Callable:
    """Decorate a pipeline step ``method(self, state, ...) -> State`` of a runner subclass, as Prefect 1's
    decorator of that name does: when the step returns a different state, the runner's state handlers
    are called for the change; an ``ENDRUN`` it raises is handled the same way, then raised again; a
    signal becomes its state; any other error becomes ``Failed("Unexpected error: ...")`` (raised under
    ``raise_on_exception``). flowctl's own steps call the handlers themselves."""

    @functools.wraps(method)
    def step(self: Runner, state: State, *args: Any, **kwargs: Any) -> State:
        ended = False
        try:
            new_state = method(self, state, *args, **kwargs)
        except ENDRUN as end:
            ended, new_state = True, end.state
        except signals.PAUSE:
            raise
        except signals.PrefectStateSignal as signal:
            if debug.raising():
                raise
            new_state = signal.state
        except Exception as exc:  # noqa: BLE001 - as Prefect 1's steps: the run goes on Failed
            self.logger.exception("Unexpected error: %r", exc)
            if debug.raising():
                raise
            new_state = Failed(f"Unexpected error: {exc!r}", result=exc)
        if new_state is not state:
            new_state = self.handle_state_change(state, new_state)
        if ended:
            raise ENDRUN(new_state)
        return new_state

    return step
