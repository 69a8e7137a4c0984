"""The short way through a plain unit ends exactly where the full pipeline does.

A plain task or mapped child with nobody listening is run as the call alone
(``TaskRunner.run_short``); with a subscriber on the event bus the same unit
goes through Running and publishes each change. Every ending a task can
reach from inside ``run`` must be the same both ways: value, failure, each
signal, a loop, and what a mapped child's failure does to its pipeline.
"""
from __future__ import annotations

import pytest

from flowctl import Flow, task
from flowctl.engine import signals
from flowctl.engine.events import TaskStateChanged, bus


@task
def numbers(n):
    return list(range(n))


@task
def judge(x):
    """Each child ends a different way, chosen by its input."""
    from flowctl import context

    if x == 1:
        raise ValueError("one is wrong")
    if x == 2:
        raise signals.SKIP("two skips")
    if x == 3:
        raise signals.FAIL("three fails")
    if x == 4:
        raise signals.SUCCESS("four succeeds early", result=40)
    if x == 5 and context.get("task_run_count") == 1:
        raise signals.RETRY("five asks for a retry", start_time=None)
    return x * 10


@task
def after(x):
    return x + 1


@task
def total(values):
    return sum(v for v in values if v is not None)


@task
def looping():
    from flowctl import context

    count = context.get("task_loop_count", 1)
    if count < 3:
        raise signals.LOOP(message=f"again {count}", result=count)
    return count


def _flow():
    with Flow("short-path") as flow:
        judged = judge.map(numbers(7))
        later = after.map(judged)
        total(later)
        looping()
        after(after(1))
    return flow


def _summary(state):
    """Every task's (and child's) state class, message and result, sorted (names repeat)."""
    out = []
    for t, s in state.result.items():
        children = getattr(s, "map_states", None) or []
        out.append((t.name, type(s).__name__, s.message, None if children else repr(s.result),
                    [(type(c).__name__, c.message, repr(c.result)) for c in children]))
    return type(state).__name__, sorted(out, key=repr)


def test_the_call_alone_ends_where_the_full_pipeline_ends():
    quiet = _summary(_flow().run())
    seen: list = []
    unsubscribe = bus.subscribe(seen.append)
    try:
        loud = _summary(_flow().run())
    finally:
        unsubscribe()
    assert quiet == loud
    assert any(isinstance(e, TaskStateChanged) and e.new.is_running() for e in seen)


@pytest.mark.parametrize("listening", [False, True])
def test_each_ending_of_a_mapped_child(listening):
    unsubscribe = bus.subscribe(lambda event: None) if listening else None
    try:
        state = _flow().run()
    finally:
        if unsubscribe:
            unsubscribe()
    by_name = {t.name + ("[]" if getattr(s, "map_states", None) else ""): s for t, s in state.result.items()}
    kinds = [type(c).__name__ for c in by_name["judge[]"].map_states]
    assert kinds == ["Success", "Failed", "Skipped", "Failed", "Success", "Success", "Success"]
    assert [c.result for c in by_name["judge[]"].map_states][4:] == [40, 50, 60]
    later = [type(c).__name__ for c in by_name["after[]"].map_states]
    # a failed or skipped child stops only its own pipeline
    assert later[0] == "Success" and later[1] == "TriggerFailed" and later[2] == "Skipped"
    assert by_name["looping"].result == 3
    # as on Prefect 1.4.1: the reduce sees a skipped child and skips (a skip comes before the
    # trigger), so no reference task failed
    assert type(by_name["total"]).__name__ == "Skipped"
    assert state.is_successful()
