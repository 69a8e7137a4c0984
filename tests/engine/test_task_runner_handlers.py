"""TaskRunner: state handlers, errors and debugging, pauses (retries and timeouts: test_task_runner.py)."""
from __future__ import annotations

import datetime
import threading
import time

import pytest

import flowctl
from flowctl import Flow, Task, task
from flowctl.core import Edge
from flowctl.engine import TaskRunner
from flowctl.engine import state as st
from flowctl.exceptions import TaskTimeoutSignal
from flowctl.utilities.debug import raise_on_exception


def upstream_of(t, state, key=None):
    return {Edge(Task(name="up"), t, key=key): state}


# -- state handlers ----------------------------------------------------------------------
def test_state_handlers_see_every_transition_in_order():
    log = []

    def first(t, old, new):
        log.append(("first", type(old).__name__, type(new).__name__))
        return new

    def second(t, old, new):
        log.append(("second", type(old).__name__, type(new).__name__))
        return new

    @task(state_handlers=[first, second])
    def work():
        return 1

    TaskRunner(work).run()
    assert log == [
        ("first", "Pending", "Running"), ("second", "Pending", "Running"),
        ("first", "Running", "Success"), ("second", "Running", "Success"),
    ]


def test_state_handler_can_replace_the_new_state():
    def intercept(t, old, new):
        if new.is_successful():
            return st.Success(result=new.result * 10)
        return new

    @task(state_handlers=[intercept])
    def one():
        return 1

    assert TaskRunner(one).run().result == 10


def test_failing_state_handler_fails_the_task():
    def broken(t, old, new):
        if new.is_running():
            raise RuntimeError("handler broke")
        return new

    ran = []

    @task(state_handlers=[broken])
    def work():
        ran.append(1)

    state = TaskRunner(work).run()
    assert state.is_failed()
    assert isinstance(state.result, RuntimeError)
    assert ran == []


def test_task_handlers_run_before_runner_handlers_and_each_gets_its_own_first_argument():
    log = []

    @task(state_handlers=[lambda t, o, n: log.append(("task", type(t).__name__)) or n])
    def work():
        return 1

    TaskRunner(work, state_handlers=[lambda r, o, n: log.append(("runner", type(r).__name__)) or n]).run()
    assert log[:2] == [("task", "FunctionTask"), ("runner", "TaskRunner")]


def test_on_failure_is_called_only_for_failed_states():
    calls = []

    def on_failure(t, state):
        calls.append((t.name, type(state).__name__))

    @task(on_failure=on_failure)
    def boom():
        raise ValueError

    @task(on_failure=on_failure)
    def fine():
        return 1

    TaskRunner(fine).run()
    assert calls == []
    TaskRunner(boom).run()
    assert calls == [("boom", "Failed")]


# -- errors and debugging ------------------------------------------------------------------
def test_exception_in_run_becomes_failed_state_with_the_exception():
    @task
    def boom():
        raise ZeroDivisionError("nope")

    state = TaskRunner(boom).run()
    assert state.is_failed()
    assert isinstance(state.result, ZeroDivisionError)
    assert "ZeroDivisionError" in state.message


def test_raise_on_exception_propagates_the_first_error():
    @task
    def boom():
        raise ZeroDivisionError("nope")

    with raise_on_exception():
        with pytest.raises(ZeroDivisionError):
            TaskRunner(boom).run()
        with Flow("f") as flow:
            boom()
        with pytest.raises(ZeroDivisionError):
            flow.run()
    assert TaskRunner(boom).run().is_failed()


def test_raise_on_exception_logs_the_error_before_raising_it(caplog):
    @task
    def divide(x):
        return 1 / x

    with Flow("f") as flow:
        divide(0)
    with raise_on_exception(), pytest.raises(ZeroDivisionError):
        flow.run()
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage() for r in errors if r.name == "flowctl.TaskRunner"] == [
        "Unexpected error: ZeroDivisionError('division by zero')",
        "Task 'divide': Unexpected error while running task: ZeroDivisionError('division by zero')"]
    assert any(r.getMessage().startswith("Unexpected error while running flow: ") for r in errors)
    assert all(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in errors)


def test_log_stdout_sends_prints_to_the_task_logger(caplog):
    import logging

    @task(log_stdout=True)
    def printer():
        print("printed line")

    with caplog.at_level(logging.INFO, logger="flowctl"):
        TaskRunner(printer).run()
    assert "printed line" in [r.getMessage() for r in caplog.records]


def test_task_runner_context_argument_reaches_the_task():
    @task
    def read():
        return flowctl.context.get("custom")

    assert TaskRunner(read).run(context={"custom": "value"}).result == "value"


def test_timeout_raises_task_timeout_signal_inside_the_task():
    seen = []

    @task(timeout=0.2)
    def slow():
        try:
            time.sleep(5)
        except TaskTimeoutSignal as signal:
            seen.append(signal)
            raise

    assert isinstance(TaskRunner(slow).run(), st.TimedOut)
    assert len(seen) == 1


def test_flow_run_in_a_thread_times_out_its_tasks():
    @task(timeout=0.2)
    def slow():
        time.sleep(3)

    with Flow("threaded") as flow:
        s = slow()
    out = {}
    worker = threading.Thread(target=lambda: out.setdefault("state", flow.run()))
    worker.start()
    worker.join(10)
    assert out["state"].is_failed()
    assert isinstance(out["state"].result[s], st.TimedOut)


def test_paused_task_resumes_when_given_a_resume_state():
    @task(trigger=flowctl.triggers.manual_only)
    def gated():
        return 5

    @task
    def first():
        return 1

    with Flow("p") as flow:
        g = gated(upstream_tasks=[first])
    paused = flow.run()
    assert isinstance(paused.result[g], st.Paused)
    # as Prefect 1.4.1: a Paused state without a start time stays paused until given as Resume
    still = flow.run(task_states=paused.result, context={"resume": True})
    assert isinstance(still.result[g], st.Paused)
    resumed = flow.run(task_states={**paused.result, g: st.Resume()})
    assert resumed.is_successful()
    assert resumed.result[g].result == 5


def test_pause_task_pauses_until_resumed():
    from flowctl.utilities.tasks import pause_task

    @task
    def pauses():
        pause_task("hold on")
        return 3

    assert isinstance(TaskRunner(pauses).run(), st.Paused)
    assert TaskRunner(pauses).run(context={"resume": True}).result == 3


def test_failing_on_failure_callback_fails_with_its_error():
    @task(on_failure=lambda t, s: 1 / 0)
    def boom():
        raise ValueError

    state = TaskRunner(boom).run()
    assert state.is_failed()
    assert isinstance(state.result, ZeroDivisionError)


def test_state_handler_refusing_running_state_prevents_the_run():
    ran = []

    def not_ready(t, old, new):
        if new.is_running():
            return st.Skipped("external system not ready")
        return new

    @task(state_handlers=[not_ready])
    def work():
        ran.append(1)
        return 1

    state = TaskRunner(work).run()
    assert state.is_skipped()
    assert state.message == "external system not ready"
    assert ran == []


def test_task_runner_on_subclass_forgetting_super_init_explains_the_fix():
    from flowctl.core.task import TaskNotInitializedError

    class Forgetful(Task):
        def __init__(self, value):
            self.value = value

        def run(self):
            return self.value

    with pytest.raises(TaskNotInitializedError, match=r"super\(\).__init__"):
        TaskRunner(Forgetful(1))
    with pytest.raises(TaskNotInitializedError, match=r"super\(\).__init__"):
        Flow("f").add_task(Forgetful(1))


def test_retrying_state_before_its_start_time_is_returned_unchanged():
    ran = []

    @task
    def work():
        ran.append(1)

    later = st.Retrying(start_time=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1),
                        run_count=1)
    assert TaskRunner(work).run(state=later) is later
    assert ran == []
    due = st.Retrying(start_time=datetime.datetime.now(datetime.timezone.utc), run_count=1)
    assert TaskRunner(work).run(state=due).is_successful()
    assert ran == [1]


def test_a_trigger_that_raises_is_logged_and_fails_the_task_as_prefect_1(caplog):
    def broken_trigger(upstream_states):
        raise NameError("undefined_thing")

    @task(trigger=broken_trigger)
    def guarded():
        return 1

    with Flow("f") as flow:
        guarded()
    state = flow.run().result[flow.get_tasks(name="guarded")[0]]
    assert type(state).__name__ == "TriggerFailed"
    assert state.message == "Unexpected error while checking task trigger: NameError('undefined_thing')"
    logged = [r for r in caplog.records if "evaluating task trigger" in r.getMessage()]
    assert [r.getMessage() for r in logged] == [
        "Task 'guarded': Unexpected error while evaluating task trigger: NameError('undefined_thing')"]
    assert logged[0].levelname == "ERROR" and logged[0].exc_info[0] is NameError
