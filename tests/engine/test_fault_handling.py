"""Whatever a task (or its handlers and trigger) raises becomes that task's Failed state, never a crash.

The policy: ``KeyboardInterrupt`` stops the run (it is the user's Ctrl-C);
every other exception, ``BaseException`` subclasses included (``SystemExit``,
``GeneratorExit``, ``asyncio.CancelledError``, a user's own ``BaseException``
subclass), fails the task that raised it, with a message naming the
exception's type and, when it can be printed, its message.
"""
from __future__ import annotations

import asyncio
import sys

import pytest

from flowctl import Flow, Task, task
from flowctl.core import Edge
from flowctl.engine import TaskRunner
from flowctl.engine import state as st
from flowctl.engine.events import TaskStateChanged, bus


class Abort(BaseException):
    """A user's own BaseException subclass."""


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("__str__ is broken")

    def __repr__(self) -> str:
        raise RuntimeError("__repr__ is broken")


class UnprintableBase(BaseException):
    def __str__(self) -> str:
        raise ValueError("no str")

    __repr__ = __str__


def recurse(n: int) -> int:
    return recurse(n + 1) + 1


RAISED = [
    pytest.param(lambda: SystemExit(3), "SystemExit", id="system-exit"),
    pytest.param(lambda: SystemExit("bye"), "bye", id="system-exit-with-message"),
    pytest.param(lambda: GeneratorExit("closed"), "GeneratorExit", id="generator-exit"),
    pytest.param(lambda: asyncio.CancelledError("gone"), "CancelledError", id="cancelled-error"),
    pytest.param(lambda: Abort("user abort"), "user abort", id="base-exception-subclass"),
    pytest.param(lambda: Unprintable(), "Unprintable", id="unprintable-exception"),
    pytest.param(lambda: UnprintableBase(), "UnprintableBase", id="unprintable-base-exception"),
    pytest.param(lambda: MemoryError("pretend"), "MemoryError", id="memory-error"),
]


@pytest.mark.parametrize("make, words", RAISED)
def test_anything_a_task_raises_becomes_its_failed_state(make, words):
    @task
    def explode():
        raise make()

    state = TaskRunner(explode).run()
    assert isinstance(state, st.Failed) and not isinstance(state, st.TriggerFailed)
    assert words in state.message
    assert isinstance(state.result, BaseException)


def test_a_recursion_error_fails_the_task_and_the_runner_goes_on():
    @task
    def deep():
        return recurse(0)

    state = TaskRunner(deep).run()
    assert isinstance(state, st.Failed)
    assert "RecursionError" in state.message and "recursion" in state.message


@pytest.mark.parametrize("make, words", RAISED)
def test_a_flow_finishes_when_a_task_raises_anything(make, words):
    @task
    def explode():
        raise make()

    @task
    def independent():
        return "fine"

    @task
    def after(x):
        return x

    with Flow("faults") as flow:
        failed = explode()
        after(failed)
        ok = independent()

    flow_state = flow.run()
    assert flow_state.is_failed()
    states = flow_state.result
    assert words in states[failed].message
    assert states[ok].is_successful() and states[ok].result == "fine"
    assert [s for t, s in states.items() if t.name == "after"][0].is_failed()  # TriggerFailed


def test_a_mapped_child_raising_system_exit_fails_only_that_child():
    @task
    def maybe_exit(x):
        if x == 2:
            sys.exit(f"child {x} quits")
        return x

    with Flow("children") as flow:
        mapped = maybe_exit.map([1, 2, 3])

    children = flow.run().result[mapped].map_states
    assert [c.is_successful() for c in children] == [True, False, True]
    assert "child 2 quits" in children[1].message


def test_keyboard_interrupt_in_a_task_stops_the_run():
    @task
    def ctrl_c():
        raise KeyboardInterrupt

    with Flow("interrupted") as flow:
        ctrl_c()

    with pytest.raises(KeyboardInterrupt):
        flow.run()


def test_events_and_logs_survive_an_unprintable_exception():
    seen: list = []

    @task
    def explode():
        raise Unprintable()

    unsubscribe = bus.subscribe(seen.append)
    try:
        state = TaskRunner(explode).run()
    finally:
        unsubscribe()
    assert isinstance(state, st.Failed) and "unprintable" in state.message.lower()
    assert isinstance(seen[-1], TaskStateChanged) and seen[-1].new is state


# -- state handlers, on_failure and triggers --------------------------------------------------
@pytest.mark.parametrize("raised", [ValueError("handler bug"), SystemExit("handler exit"), Abort("handler abort")],
                         ids=["exception", "system-exit", "base-exception"])
def test_a_raising_state_handler_fails_the_task(raised):
    def handler(task, old, new):
        if new.is_running():
            raise raised
        return new

    @task(state_handlers=[handler])
    def fine():
        return 1

    state = TaskRunner(fine).run()
    assert isinstance(state, st.Failed)
    assert "state handlers" in state.message and str(raised) in state.message


def test_a_raising_on_failure_callback_keeps_the_task_failed_with_both_messages():
    def on_failure(task, state):
        raise RuntimeError("alerting is down")

    @task(on_failure=on_failure)
    def broken():
        raise ValueError("original problem")

    state = TaskRunner(broken).run()
    assert isinstance(state, st.Failed)
    assert "alerting is down" in state.message


@pytest.mark.parametrize("raised", [ZeroDivisionError("trigger bug"), SystemExit("trigger exit"),
                                    Abort("trigger abort")], ids=["exception", "system-exit", "base-exception"])
def test_a_raising_trigger_fails_the_task_with_trigger_failed(raised):
    def trigger(upstream_states):
        raise raised

    @task(trigger=trigger)
    def downstream():
        return 1

    upstream = {Edge(Task(name="up"), downstream): st.Success(result=1)}
    state = TaskRunner(downstream).run(upstream_states=upstream)
    assert isinstance(state, st.TriggerFailed)
    assert "trigger" in state.message and str(raised) in state.message


def test_a_raising_trigger_inside_a_flow_does_not_stop_other_branches():
    def trigger(upstream_states):
        raise SystemExit("trigger exits")

    @task
    def up():
        return 1

    @task(trigger=trigger)
    def guarded(x):
        return x

    @task
    def other(x):
        return x + 1

    with Flow("trigger-faults") as flow:
        source = up()
        blocked = guarded(source)
        sibling = other(source)

    states = flow.run().result
    assert isinstance(states[blocked], st.TriggerFailed) and states[sibling].result == 2
