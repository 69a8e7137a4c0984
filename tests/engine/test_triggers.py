"""Triggers: pure functions of upstream states, and their effect on task runs."""
from __future__ import annotations

import pytest

import flowctl
from flowctl import Flow, Task, task, triggers
from flowctl.core import Edge
from flowctl.engine import TaskRunner, signals
from flowctl.engine import state as st


def upstream(*states):
    return {Edge(Task(name=f"up{i}"), Task(name="down"), key=None): s for i, s in enumerate(states)}


S, F, SK, R = st.Success, st.Failed, st.Skipped, st.Running


def passes(trigger, *states):
    try:
        return trigger(upstream(*(cls() for cls in states))) is True
    except signals.TRIGGERFAIL:
        return False


def test_all_successful():
    assert passes(triggers.all_successful, S, S, SK)
    assert not passes(triggers.all_successful, S, F)


def test_all_successful_failure_says_so_in_prefects_words():
    states = {Edge(Task(name="good"), Task()): S(), Edge(Task(name="bad"), Task()): F()}
    with pytest.raises(signals.TRIGGERFAIL, match='^Trigger was "all_successful" but some of the upstream tasks failed.$'):
        triggers.all_successful(states)


def test_all_failed():
    assert passes(triggers.all_failed, F, st.TimedOut)
    assert not passes(triggers.all_failed, F, S)


def test_all_finished_and_always_run():
    assert triggers.always_run is triggers.all_finished
    assert passes(triggers.all_finished, S, F, SK)
    assert not passes(triggers.all_finished, S, R)


def test_manual_only_pauses_unless_resumed():
    with pytest.raises(signals.PAUSE):
        triggers.manual_only(upstream(S()))
    with flowctl.context(resume=True):
        assert triggers.manual_only(upstream(S())) is True


def test_any_successful():
    assert passes(triggers.any_successful, F, S)
    assert not passes(triggers.any_successful, F, F)


def test_any_failed():
    assert passes(triggers.any_failed, S, F)
    assert not passes(triggers.any_failed, S, S)


def test_not_all_skipped():
    assert passes(triggers.not_all_skipped, SK, S)
    with pytest.raises(signals.SKIP):
        triggers.not_all_skipped(upstream(SK(), SK()))
    assert not passes(triggers.not_all_skipped, S, F)


@pytest.mark.parametrize(
    "kwargs,states,expected",
    [
        ({"at_least": 2}, (S, S, F), True),
        ({"at_least": 3}, (S, S, F), False),
        ({"at_most": 1}, (S, S, F), False),
        ({"at_most": 2}, (S, S, F), True),
        ({"at_least": 1, "at_most": 1}, (S, F, F), True),
        ({"at_least": 0.5}, (S, S, F, F), True),
        ({"at_least": 0.75}, (S, S, F, F), False),
        ({"at_most": 0.25}, (S, S, F, F), False),
        ({"at_most": 0.5}, (S, S, F, F), True),
    ],
)
def test_some_successful_with_ints_and_fractions(kwargs, states, expected):
    assert passes(triggers.some_successful(**kwargs), *states) is expected


@pytest.mark.parametrize(
    "kwargs,states,expected",
    [
        ({"at_least": 1}, (S, S, F), True),
        ({"at_least": 2}, (S, S, F), False),
        ({"at_most": 0}, (S, S, F), False),
        ({"at_most": 1}, (S, S, F), True),
        ({"at_least": 0.5}, (F, F, S, S), True),
        ({"at_least": 0.6}, (F, F, S, S), False),
        ({"at_most": 0.5}, (F, F, F, S), False),
    ],
)
def test_some_failed_with_ints_and_fractions(kwargs, states, expected):
    assert passes(triggers.some_failed(**kwargs), *states) is expected


def test_triggers_count_mapped_upstream_children():
    mapped = st.Mapped(map_states=[S(), F()])
    edge = Edge(Task(name="m"), Task(name="reduce"))
    with pytest.raises(signals.TRIGGERFAIL):
        triggers.all_successful({edge: mapped})
    assert triggers.any_failed({edge: mapped}) is True


# -- triggers in task runs ------------------------------------------------------------
@task
def ok():
    return 1


@task
def boom():
    raise ValueError("boom")


def test_default_trigger_fails_downstream_of_failure():
    @task
    def after(x):
        return x

    with Flow("f") as flow:
        b = boom()
        a = after(b)
    state = flow.run()
    assert isinstance(state.result[a], st.TriggerFailed)
    assert isinstance(state.result[a].result, Exception)


def test_all_failed_trigger_runs_cleanup_after_failures():
    @task(trigger=triggers.all_failed)
    def cleanup():
        return "cleaned"

    with Flow("f") as flow:
        c = cleanup(upstream_tasks=[boom()])
    assert flow.run().result[c].result == "cleaned"


def test_always_run_trigger_runs_after_mixed_upstreams():
    @task(trigger=triggers.always_run)
    def finally_():
        return "ran"

    with Flow("f") as flow:
        f = finally_(upstream_tasks=[ok(), boom()])
    assert flow.run().result[f].result == "ran"


def test_any_successful_trigger_in_a_flow():
    @task(trigger=triggers.any_successful)
    def either():
        return "ran"

    with Flow("f") as flow:
        e = either(upstream_tasks=[ok(), boom()])
    assert flow.run().result[e].result == "ran"


def test_trigger_returning_false_is_trigger_failed_with_exception_result():
    def never(upstream_states):
        return False

    t = Task(name="t", trigger=never)
    state = TaskRunner(t).run(upstream_states=upstream(S()))
    assert isinstance(state, st.TriggerFailed)
    assert isinstance(state.result, Exception)


def test_trigger_raising_unexpected_error_is_trigger_failed():
    def broken(upstream_states):
        raise KeyError("oops")

    t = Task(name="t", trigger=broken)
    state = TaskRunner(t).run(upstream_states=upstream(S()))
    assert isinstance(state, st.TriggerFailed)
    assert isinstance(state.result, KeyError)


def test_trigger_is_not_checked_without_upstreams():
    t = Task(name="t", trigger=triggers.all_failed)
    assert TaskRunner(t).run().is_successful()


def test_manual_only_task_is_paused_in_a_flow():
    @task(trigger=triggers.manual_only)
    def gated():
        return 1

    with Flow("f") as flow:
        g = gated(upstream_tasks=[ok()])
    state = flow.run()
    assert isinstance(state.result[g], st.Paused)


def test_trigger_failed_tasks_are_not_retried():
    import datetime

    calls = []

    @task(max_retries=3, retry_delay=datetime.timedelta(0))
    def after():
        calls.append(1)

    state = TaskRunner(after).run(upstream_states=upstream(F()))
    assert isinstance(state, st.TriggerFailed)
    assert calls == []
