"""Signals raised inside run() move the task run to the matching state."""
from __future__ import annotations

import datetime

import pytest

import flowctl
from flowctl import Flow, task
from flowctl.engine import TaskRunner, signals
from flowctl.engine import state as st
from flowctl.exceptions import PrefectSignal, TaskTimeoutSignal


def run_raising(signal):
    @task
    def raiser():
        raise signal

    return TaskRunner(raiser).run()


@pytest.mark.parametrize(
    "signal_cls,state_cls",
    [
        (signals.FAIL, st.Failed),
        (signals.TRIGGERFAIL, st.TriggerFailed),
        (signals.VALIDATIONFAIL, st.ValidationFailed),
        (signals.SUCCESS, st.Success),
        (signals.SKIP, st.Skipped),
        (signals.PAUSE, st.Paused),
    ],
)
def test_signal_moves_task_to_matching_state_keeping_message(signal_cls, state_cls):
    state = run_raising(signal_cls("custom message"))
    assert type(state) is state_cls
    assert state.message == "custom message"


def test_signal_result_kwarg_becomes_state_result():
    assert run_raising(signals.SUCCESS("done", result=42)).result == 42
    assert run_raising(signals.FAIL("bad", result={"why": 1})).result == {"why": 1}
    assert run_raising(signals.SKIP("skip", result="nothing")).result == "nothing"


def test_fail_state_result_is_the_signal_by_default():
    signal = signals.FAIL("bad")
    state = run_raising(signal)
    assert state.result is signal
    assert isinstance(state.result, Exception)


def test_signals_are_exception_subclasses():
    for name in ("FAIL", "TRIGGERFAIL", "VALIDATIONFAIL", "SUCCESS", "RETRY", "SKIP", "PAUSE", "LOOP", "ENDRUN"):
        assert issubclass(getattr(signals, name), Exception), name
    assert issubclass(signals.TRIGGERFAIL, signals.FAIL)
    assert issubclass(signals.VALIDATIONFAIL, signals.FAIL)
    assert issubclass(signals.FAIL, PrefectSignal)
    assert issubclass(TaskTimeoutSignal, PrefectSignal)
    assert issubclass(PrefectSignal, Exception)


def test_signal_carries_its_state():
    signal = signals.SUCCESS("ok", result=3)
    assert isinstance(signal.state, st.Success)
    assert signal.state.result == 3
    assert signal.state.message == "ok"


def test_retry_signal_gives_retrying_state_with_run_count():
    state = run_raising(signals.RETRY("again"))
    assert isinstance(state, st.Retrying)
    assert state.run_count == 1
    assert state.message == "again"


def test_retry_signal_reruns_the_task_in_a_flow():
    calls = []

    @task
    def flaky():
        calls.append(flowctl.context["task_run_count"])
        if len(calls) < 3:
            raise signals.RETRY("not yet")
        return "done"

    with Flow("f") as flow:
        t = flaky()
    state = flow.run()
    assert state.result[t].result == "done"
    assert calls == [1, 2, 3]


def test_skip_signal_skips_downstream_tasks():
    @task
    def skipper():
        raise signals.SKIP("not today")

    @task
    def after(x):
        return x

    with Flow("f") as flow:
        a = skipper()
        b = after(a)
    state = flow.run()
    assert state.is_successful()
    assert state.result[a].is_skipped()
    assert state.result[b].is_skipped()


def test_pause_signal_leaves_flow_running_not_finished():
    @task
    def pauser():
        raise signals.PAUSE("wait for me")

    with Flow("f") as flow:
        p = pauser()
    state = flow.run()
    assert isinstance(state.result[p], st.Paused)
    assert not state.is_finished()


def test_loop_signal_reruns_with_task_loop_result():
    seen = []

    @task
    def count_up(limit):
        previous = flowctl.context.get("task_loop_result", 0)
        seen.append((previous, flowctl.context.get("task_loop_count")))
        if previous < limit:
            raise signals.LOOP(message=f"at {previous}", result=previous + 1)
        return previous

    with Flow("loop") as flow:
        r = count_up(3)
    state = flow.run()
    assert state.result[r].result == 3
    assert [value for value, _ in seen] == [0, 1, 2, 3]
    assert [count for _, count in seen][1:] == [2, 3, 4]


def test_loop_signal_passes_through_looped_states():
    transitions = []

    def handler(t, old, new):
        transitions.append(type(new).__name__)
        return new

    @task(state_handlers=[handler])
    def loop_twice():
        n = flowctl.context.get("task_loop_result", 0)
        if n < 2:
            raise signals.LOOP(result=n + 1)
        return n

    state = TaskRunner(loop_twice).run()
    assert state.result == 2
    assert transitions.count("Looped") == 2
    assert transitions[-1] == "Success"


def test_endrun_inside_run_ends_with_the_given_state():
    @task
    def ender():
        raise signals.ENDRUN(st.Success(message="ended", result=7))

    state = TaskRunner(ender).run()
    assert isinstance(state, st.Success)
    assert state.result == 7


def test_fail_signal_is_not_retried_beyond_max_retries():
    calls = []

    @task(max_retries=1, retry_delay=datetime.timedelta(0))
    def always_fails():
        calls.append(1)
        raise signals.FAIL("no")

    with Flow("f") as flow:
        t = always_fails()
    state = flow.run()
    assert state.result[t].is_failed()
    assert len(calls) == 2


def test_exception_module_exports_signal_base_and_timeout():
    from flowctl import exceptions

    assert exceptions.PrefectSignal is exceptions.FlowctlSignal
    assert issubclass(exceptions.TaskTimeoutSignal, exceptions.PrefectSignal)


def test_loop_count_is_unset_on_the_first_run_and_looped_states_carry_it():
    import flowctl
    from flowctl import Flow, task
    from flowctl.engine import signals

    counts = []

    @task
    def countdown(n):
        counts.append(flowctl.context.get("task_loop_count"))
        remaining = flowctl.context.get("task_loop_result", n)
        if remaining > 0:
            raise signals.LOOP(message=f"{remaining} to go", result=remaining - 1)
        return "done"

    seen = []
    countdown.state_handlers = [lambda t, old, new: seen.append(new) or new]
    with Flow("loop") as flow:
        result = countdown(3)
    state = flow.run()
    assert state.result[result].result == "done"
    assert counts == [None, 2, 3, 4]  # as Prefect 1.4.1: unset until the first LOOP
    assert [s.loop_count for s in seen if s.is_looped()] == [1, 2, 3]


@pytest.mark.parametrize("signal", [signals.FAIL, signals.SKIP, signals.SUCCESS, signals.RETRY])
def test_a_signal_given_a_second_positional_argument_is_refused_as_prefect_1_refuses_it(signal):
    with pytest.raises(TypeError, match="multiple values for argument 'message'"):
        signal("the message", "Bad Request")
    assert signal("the message").state.message == "the message"
