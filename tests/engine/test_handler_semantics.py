"""State handlers and checkpoints in Prefect 1.4.1's order (checked against Prefect on this machine)."""
from __future__ import annotations

import datetime

import pytest

from flowctl import Flow, task
from flowctl.engine import signals
from flowctl.engine import state as st
from flowctl.engine.flow_runner import FlowRunner
from flowctl.engine.results import LocalResult
from flowctl.engine.task_runner import TaskRunner
from flowctl.utilities.tasks import pause_task


def recorder(log):
    def handler(obj, old, new):
        log.append((type(obj).__name__, type(old).__name__, type(new).__name__))
        return new
    return handler


def test_task_and_flow_handlers_see_prefect_1s_transitions():
    log = []
    with Flow("handled", state_handlers=[recorder(log)]) as flow:
        task(lambda: 1, name="one", state_handlers=[recorder(log)])()
    FlowRunner(flow, state_handlers=[recorder(log)]).run(state=st.Scheduled())
    assert log == [
        ("Flow", "Scheduled", "Running"), ("FlowRunner", "Scheduled", "Running"),
        ("FunctionTask", "Pending", "Running"), ("FunctionTask", "Running", "Success"),
        ("Flow", "Running", "Success"), ("FlowRunner", "Running", "Success"),
    ]


def test_a_handler_raising_a_signal_moves_the_run_to_that_state():
    def skip_on_running(t, old, new):
        if new.is_running():
            raise signals.SKIP("from handler")
        return new

    ran = []
    with Flow("sig") as flow:
        t = task(lambda: ran.append(1), name="one", state_handlers=[skip_on_running])()
    state = flow.run().result[t]
    assert isinstance(state, st.Skipped) and state.message == "from handler"
    assert ran == []


def test_a_handler_raising_pause_pauses_the_run():
    def pause(t, old, new):
        if new.is_running():
            raise signals.PAUSE("hold on")
        return new

    state = TaskRunner(task(lambda: 1, name="one", state_handlers=[pause])).run()
    assert isinstance(state, st.Paused) and state.message == "hold on"


def test_a_flow_handler_failing_on_running_fails_the_flow_before_any_task_runs():
    def broken(flow, old, new):
        if new.is_running():
            raise ValueError("bad handler")
        return new

    ran = []
    with Flow("bad", state_handlers=[broken]) as flow:
        task(lambda: ran.append(1), name="one")()
    state = flow.run()
    assert isinstance(state, st.Failed)
    assert state.message == "Unexpected error while calling state handlers: ValueError('bad handler')"
    assert ran == []


def test_terminal_state_handler_sees_the_key_states_with_their_results():
    seen = {}

    def terminal(flow, state, key_states):
        seen["results"] = sorted(s.result for s in key_states)
        seen["returned"] = state.result
        return state

    @task
    def inc(x):
        return x + 1

    with Flow("term", terminal_state_handler=terminal) as flow:
        mapped = inc.map([1, 2])
    flow.run()
    assert seen["results"] == [2, 3]  # a mapped reference task counts as its children
    assert seen["returned"][mapped].result == [2, 3]


def test_a_result_is_written_before_success_is_published(tmp_path):
    seen = []

    def check(t, old, new):
        if new.is_successful():
            seen.append(new._result.location)
        return new

    @task(result=LocalResult(dir=tmp_path, location="out.pkl"), state_handlers=[check])
    def produce():
        return 7

    with Flow("write") as flow:
        produce()
    flow.run(context={"checkpointing": True})
    assert seen == [str(tmp_path / "out.pkl")]


def test_a_failed_write_fails_the_run_without_a_success_first(tmp_path):
    class BrokenResult(LocalResult):
        def write(self, value, **kwargs):
            raise OSError("disk full")

    log = []

    @task(result=BrokenResult(dir=tmp_path), state_handlers=[recorder(log)])
    def produce():
        return 7

    with Flow("broken-write") as flow:
        t = produce()
    state = flow.run(context={"checkpointing": True}).result[t]
    assert isinstance(state, st.Failed) and "disk full" in state.message
    assert [step[1:] for step in log] == [("Pending", "Running"), ("Running", "Failed")]


def test_a_cache_for_task_ends_cached_on_the_run_that_computes():
    @task(cache_for=datetime.timedelta(minutes=1))
    def compute():
        return 3

    with Flow("cache") as flow:
        t = compute()
    first = flow.run(context={"caches": {}}).result[t]
    assert isinstance(first, st.Cached) and first.result == 3


def test_pause_task_with_a_duration_resumes_once_the_time_has_passed():
    @task
    def pauser():
        pause_task(duration=datetime.timedelta(seconds=0))
        return "after"

    with Flow("pz") as flow:
        p = pauser()
    paused = FlowRunner(flow).run(return_tasks=flow.tasks)  # one pass: the task ends it Paused
    assert isinstance(paused.result[p], st.Paused) and paused.result[p].start_time is not None
    assert flow.run(task_states=paused.result).result[p].result == "after"
    # flow.run's passes: the next one resumes it once the duration has passed (Prefect 1 would also
    # ask at the terminal whether to resume it at once)
    assert flow.run().result[p].result == "after"


@pytest.mark.parametrize("runs", [3])
def test_loop_runs_the_pipeline_again_from_pending(runs):
    import flowctl

    log = []

    @task(state_handlers=[recorder(log)])
    def looper():
        count = flowctl.context.get("task_loop_count", 1)
        if count < runs:
            raise signals.LOOP(result=count)
        return count

    assert TaskRunner(looper).run().result == runs
    assert [step[1:] for step in log] == [("Pending", "Running"), ("Running", "Looped")] * (runs - 1) + [
        ("Pending", "Running"), ("Running", "Success")]
