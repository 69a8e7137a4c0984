"""Details of a run that Prefect 1 users see: what runs (a ``Constant`` never does), what
triggers are shown, and which log lines come from the runner's logger."""
from __future__ import annotations

import datetime
import logging
import subprocess
import sys

import pytest

import flowctl
from flowctl import Flow, task
from flowctl.engine import signals
from flowctl.engine.results import ConstantResult
from flowctl.tasks.control_flow import ifelse
from flowctl.tasks.core.constants import Constant


@task
def value(x):
    return x


def test_a_constant_task_is_its_value_without_running_even_below_a_skipped_branch():
    calls = []

    def handler(task_, old, new):
        calls.append((type(old).__name__, type(new).__name__))
        return new

    with Flow("constants") as flow:
        ifelse(value(False), "yes", "no")
        fixed = Constant(5, state_handlers=[handler])
        after = value(fixed)
    state = flow.run()
    constants = {t.value: state.result[t] for t in flow.tasks if isinstance(t, Constant)}
    assert {v: (type(s).__name__, s.result, s.message) for v, s in constants.items()} == {
        "yes": ("Success", "yes", None), "no": ("Success", "no", None), 5: ("Success", 5, None)}
    assert calls == []  # never run, so no handler sees it
    assert state.result[after].result == 5


def test_a_trigger_sees_each_constant_argument_as_a_successful_upstream():
    seen = []

    def looking(upstream_states):
        seen.extend((edge.key, type(edge.upstream_task).__name__, type(state).__name__,
                     type(state._result).__name__, state.result) for edge, state in upstream_states.items())
        return True

    @task(trigger=looking)
    def join(a, b):
        return [a, b]

    @task(trigger=flowctl.triggers.all_failed)
    def only_if_all_failed(a, b):
        return "ran"

    @task
    def boom():
        raise ValueError("boom")

    with Flow("constants") as flow:
        joined = join(value(1), "two")
        guarded = only_if_all_failed(boom(), "label")
    state = flow.run()
    assert state.result[joined].result == [1, "two"]
    assert sorted(seen) == [("a", "FunctionTask", "Success", "Result", 1),
                            ("b", "Constant", "Success", "ConstantResult", "two")]
    assert state.result[guarded].is_failed() and "all_failed" in state.result[guarded].message
    assert ConstantResult(value=3).read("anywhere").value == 3


def test_runner_lines_come_from_the_task_runner_logger(caplog):
    caplog.set_level(logging.INFO, logger="flowctl")

    @task(log_stdout=True)
    def chatty():
        print("printed line")
        raise signals.SKIP("nothing to do")

    @task(cache_for=__import__("datetime").timedelta(minutes=1))
    def cached():
        return 1

    with Flow("lines") as flow:
        chatty()
        cached()
    flow.run()
    runner_lines = [r.getMessage() for r in caplog.records if r.name == "flowctl.TaskRunner"]
    assert "printed line" in runner_lines
    assert "SKIP signal raised: SKIP('nothing to do')" in runner_lines
    assert "Task 'cached': Can't use cache because it is now invalid" in runner_lines


def test_printed_output_is_logged_one_record_per_non_blank_write_as_prefect_does(caplog):
    """Prefect 1 logs each write of a ``log_stdout`` task (``RedirectToLog``): a print of two values
    makes two records, a write holding a newline stays one, and blank writes make none."""
    from flowctl.utilities.logging import RedirectToLog

    caplog.set_level(logging.INFO, logger="flowctl")

    @task(log_stdout=True)
    def printer():
        print("a", "b")
        print("multi\nline")
        print()

    with Flow("prints") as flow:
        printer()
    flow.run()
    printed = [r.getMessage() for r in caplog.records
               if r.name == "flowctl.TaskRunner" and not r.getMessage().startswith("Task 'printer'")]
    assert printed == ["a", "b", "multi\nline"]

    redirect = RedirectToLog()  # on its own: the flowctl.stdout logger, a text file to redirect_stdout
    assert redirect.stdout_logger.name == "flowctl.stdout" and redirect.write("x\n") == 2
    with pytest.raises(TypeError, match="string argument expected"):
        redirect.write(b"bytes")


def test_flow_run_names_the_flow_and_its_run_as_prefect_does():
    @task
    def ids():
        ctx = flowctl.context
        return ctx.get("flow_id"), ctx.get("flow_run_name"), ctx.get("flow_run_id"), "config" in ctx

    with Flow("named") as flow:
        got = ids()
    flow_id, run_name, run_id, has_config = flow.run().result[got].result
    assert flow_id == "named" and len(run_name) == 36 and run_name != run_id and has_config
    assert flow.run(flow_run_name="nightly").result[got].result[1] == "nightly"


def test_flow_run_schedules_now_whatever_the_context_says_and_a_flow_runner_keeps_it():
    @task
    def scheduled():
        return flowctl.context.get("scheduled_start_time")

    flow = Flow("scheduled", tasks=[scheduled])
    when = flow.run(context={"scheduled_start_time": 42}).result[scheduled].result
    assert isinstance(when, datetime.datetime) and when.tzinfo is not None
    from flowctl.engine.flow_runner import FlowRunner

    state = FlowRunner(flow).run(context={"scheduled_start_time": 42}, return_tasks=[scheduled])
    assert state.result[scheduled].result == 42


def test_the_context_logger_is_the_tasks_own_on_every_path():
    @task
    def logger_name():
        return flowctl.context.get("logger").name

    def keep(task_, old, new):
        return new

    with Flow("loggers") as flow:
        plain = logger_name()
        handled = logger_name(task_args={"state_handlers": [keep]})  # through its TaskRunner
    state = flow.run()
    assert state.result[plain].result == state.result[handled].result == "flowctl.logger_name"
    from flowctl.engine.task_runner import TaskRunner

    assert TaskRunner(logger_name).run().result == "flowctl.logger_name"
    assert TaskRunner(logger_name).logger.name == "flowctl.TaskRunner"


def test_a_prefect_result_target_that_is_no_serialized_value_does_not_exist():
    from flowctl.engine.results import PrefectResult

    assert not PrefectResult().exists("test-file") and PrefectResult().exists("42")


LOG_DESTINATIONS = """
import io, sys
notebook = io.StringIO()
sys.stdout = notebook  # replaced before the import, as a notebook kernel does
from flowctl import Flow, task
sys.stdout = sys.__stdout__

@task(log_stdout=True)
def talker():
    print("said once")
    return 1

with Flow("console") as flow:
    talker()
assert flow.run().is_successful()
sys.__stdout__.write("NOTEBOOK:" + notebook.getvalue().replace(chr(10), " | "))
"""


def test_library_logs_go_to_the_standard_output_found_at_import_and_printed_lines_do_not_loop(tmp_path):
    """As Prefect 1's console handler: the stdout of the import (a notebook's cell) takes the log lines,
    a later redirect (the task's own log_stdout capture) does not, and standard error never does."""
    script = tmp_path / "destinations.py"
    script.write_text(LOG_DESTINATIONS)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    head, _, notebook = done.stdout.partition("NOTEBOOK:")
    assert "Beginning Flow run for 'console'" in notebook and "Beginning Flow run" not in head + done.stderr
    assert notebook.count("said once") == 1  # logged through flowctl.TaskRunner, once
