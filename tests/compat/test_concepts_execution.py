"""Prefect 1.x Core "Concepts: Execution", "Engine" and "Logging" doc examples, ported to
flowctl (imports only)."""
from __future__ import annotations

import datetime
import logging

import pytest

import flowctl
from flowctl import Flow, Task, task
from flowctl.engine import signals
from flowctl.engine.flow_runner import FlowRunner
from flowctl.engine.state import Failed, Retrying, Success, TriggerFailed
from flowctl.engine.task_runner import TaskRunner
from flowctl.triggers import all_failed, all_successful
from printed_output import printed


def _trigger_flow(fail: bool):
    @task(name="Task A")
    def task_a():
        if fail:
            raise ValueError("Non-deterministic error has occured.")

    @task(name="Task B", trigger=all_successful)
    def task_b():
        return "B"

    @task(name="Task C", trigger=all_failed)
    def task_c():
        return "C"

    with Flow("Trigger example") as flow:
        success = task_b(upstream_tasks=[task_a])
        fail_ = task_c(upstream_tasks=[task_a])
    return flow, success, fail_


@pytest.mark.parametrize("fail", [False, True])
def test_trigger_example_runs_exactly_one_branch(fail):
    flow, success, fail_task = _trigger_flow(fail)
    state = flow.run()
    # as written, one terminal task always fails
    assert state.is_failed()
    if fail:
        assert isinstance(state.result[success], TriggerFailed)
        assert state.result[fail_task].result == "C"
    else:
        assert state.result[success].result == "B"
        assert isinstance(state.result[fail_task], TriggerFailed)


@pytest.mark.parametrize("fail", [False, True])
def test_reference_task_decides_flow_state_in_trigger_example(fail):
    flow, success, _ = _trigger_flow(fail)
    flow.set_reference_tasks([success])
    assert flow.run().is_failed() is fail


def test_retry_signal_moves_task_to_retrying():
    @task
    def retry_if_negative(x):
        if x < 0:
            raise signals.RETRY()
        else:
            return x

    with Flow("retry") as flow:
        ok = retry_if_negative(3)
    assert flow.run().result[ok].result == 3


def test_retry_signal_from_task_runner_gives_retrying_state():
    class RetryIfNegative(Task):
        def run(self):
            raise signals.RETRY("again")

    state = TaskRunner(RetryIfNegative()).run()
    assert isinstance(state, Retrying)
    assert state.message == "again"


def test_signal_bubbles_up_from_nested_function():
    def helper():
        raise signals.SUCCESS("done early", result=42)

    @task
    def outer():
        try:
            helper()
        except ValueError:
            return "trapped"

    with Flow("bubble") as flow:
        o = outer()
    st = flow.run().result[o]
    assert isinstance(st, Success)
    assert st.result == 42


def test_context_manager_layers_values():
    with flowctl.context(a=2):
        assert flowctl.context.to_dict()["a"] == 2
        assert flowctl.context.a == 2
    assert "a" not in flowctl.context.to_dict()


def test_context_key_changes_flow_outcome():
    @task
    def try_unlock():
        if flowctl.context.get("key") == "abc":
            return True
        else:
            raise signals.FAIL()

    with Flow("Using Context") as flow:
        try_unlock()

    assert flow.run().is_failed()
    with flowctl.context(key="abc"):
        assert flow.run().is_successful()


def test_context_attribute_access_of_user_key():
    @task
    def read_key():
        return flowctl.context.key

    with Flow("ctx attr") as flow:
        r = read_key()
    with flowctl.context(key="abc"):
        assert flow.run().result[r].result == "abc"


def test_prefect_supplied_context_today_is_logged(caplog):
    @task
    def report_start_day():
        logger = flowctl.context.get("logger")
        logger.info(flowctl.context.today)
        return flowctl.context.today

    with Flow("My flow") as flow:
        r = report_start_day()

    with caplog.at_level(logging.INFO):
        state = flow.run()
    today = datetime.date.today().isoformat()
    assert state.result[r].result == today
    assert today in caplog.text


def test_supplied_context_has_dates_and_names():
    @task
    def grab():
        c = flowctl.context
        return (c.yesterday, c.today, c.tomorrow, c.flow_name, c.task_name)

    with Flow("My flow") as flow:
        g = grab()
    yesterday, today, tomorrow, flow_name, task_name = flow.run().result[g].result
    d = datetime.date.today()
    assert today == d.isoformat()
    assert yesterday == (d - datetime.timedelta(days=1)).isoformat()
    assert tomorrow == (d + datetime.timedelta(days=1)).isoformat()
    assert (flow_name, task_name) == ("My flow", "grab")


# --- engine.md: executors -----------------------------------------------------------------


def test_flow_run_on_local_executor(capsys):
    from flowctl.executors import LocalExecutor

    @task
    def say_hello():
        print("Hello, world!")

    with Flow("Run Me") as flow:
        say_hello()

    assert flow.run(executor=LocalExecutor()).is_successful()
    assert "Hello, world!" in printed(capsys)


def test_flow_run_on_local_dask_executor_threads():
    from flowctl.executors import LocalDaskExecutor

    @task
    def inc(x):
        return x + 1

    with Flow("dask threads") as flow:
        r = inc.map([1, 2, 3])

    state = flow.run(executor=LocalDaskExecutor(scheduler="threads"))
    assert state.result[r].result == [2, 3, 4]


def test_executors_available_at_legacy_engine_path():
    from flowctl.engine.executors import DaskExecutor, LocalDaskExecutor, LocalExecutor  # noqa: F401


def test_executor_submit_and_wait():
    from flowctl.executors import LocalExecutor

    ex = LocalExecutor()
    with ex.start():
        fut = ex.submit(lambda x: x * 2, 21)
        assert ex.wait(fut) == 42


def test_flow_runner_requires_missing_parameter_values():
    p = flowctl.Parameter("x")
    with Flow("params") as flow:
        p()
    with pytest.raises(ValueError, match="x"):
        flow.run(parameters={})
    missing = FlowRunner(flow).run(parameters={})
    assert missing.is_failed()
    assert FlowRunner(flow).run(parameters={"x": 1}).is_successful()


def test_flow_runner_retries_until_finished():
    calls = []

    @task(max_retries=2, retry_delay=datetime.timedelta(0))
    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ValueError("not yet")
        return "done"

    with Flow("retries") as flow:
        f = flaky()
    state = flow.run()
    assert state.result[f].result == "done"
    assert len(calls) == 3


def test_task_states_argument_skips_finished_tasks():
    ran = []

    @task
    def a():
        ran.append("a")
        return 1

    @task
    def b(x):
        return x + 1

    with Flow("task_states") as flow:
        ta = a()
        tb = b(ta)
    state = flow.run(task_states={ta: Success(result=10)})
    assert ran == []
    assert state.result[tb].result == 11


def test_return_tasks_limits_result():
    @task
    def a():
        return 1

    @task
    def b(x):
        return x

    with Flow("return") as flow:
        ta = a()
        tb = b(ta)
    state = flow.run(return_tasks=[tb])
    assert set(state.result) == {tb}


# --- logging.md ---------------------------------------------------------------------------


def test_task_class_logs_with_self_logger(caplog):
    class MyTask(flowctl.Task):
        def run(self):
            self.logger.info("An info message.")
            self.logger.warning("A warning message.")

    with caplog.at_level(logging.INFO):
        Flow("log", tasks=[MyTask()]).run()
    assert "An info message." in caplog.text
    assert "A warning message." in caplog.text


def test_decorated_task_logs_with_context_logger(caplog):
    @task
    def my_task():
        logger = flowctl.context.get("logger")
        logger.info("An info message.")
        logger.warning("A warning message.")

    with Flow("log") as flow:
        my_task()
    with caplog.at_level(logging.INFO):
        flow.run()
    assert "An info message." in caplog.text
    assert "A warning message." in caplog.text


def test_context_logger_is_absent_outside_a_run():
    assert flowctl.context.get("logger") is None


def test_get_logger_returns_root_or_named_logger():
    from flowctl.utilities.logging import get_logger

    root = get_logger()
    child = get_logger("mine")
    assert isinstance(root, logging.Logger)
    assert child.name.endswith("mine") and child.parent is not None
