"""The runners' public pipeline steps: Prefect 1.4.1's names, arguments, results and ``ENDRUN``."""
from __future__ import annotations

import datetime
import gc

import pytest

from flowctl import Flow, Parameter, task, triggers
from flowctl.core.edge import Edge
from flowctl.engine import flow_runner, runner, task_runner
from flowctl.engine import state as st
from flowctl.engine.flow_runner import FlowRunner, FlowRunnerInitializeResult
from flowctl.engine.result import Result
from flowctl.engine.task_runner import TaskRunner, TaskRunnerInitializeResult
from tests_support_results import located

ENDRUN = runner.ENDRUN


@task
def inc(x):
    return x + 1


@task
def one():
    return 1


def edge_into(downstream, key="x", mapped=False):
    return Edge(one, downstream, key=key, mapped=mapped)


def test_endrun_is_importable_from_every_runner_module():
    assert task_runner.ENDRUN is flow_runner.ENDRUN is runner.ENDRUN


def test_task_initialize_run_unwraps_meta_states_and_counts_runs():
    result = TaskRunner(inc).initialize_run(st.Submitted(state=st.Retrying(run_count=2)), {})
    assert isinstance(result, TaskRunnerInitializeResult)
    assert isinstance(result.state, st.Retrying)
    assert result.context["task_run_count"] == 3 and result.context["task_name"] == "inc"
    assert TaskRunner(inc).initialize_run(None, {}).state == st.Pending()


def test_task_initialize_run_updates_the_context_it_is_given_as_prefect_1_does():
    import flowctl

    given: dict = {}
    result = TaskRunner(inc).initialize_run(st.Retrying(run_count=1), given)
    assert result.context is given and given["task_run_count"] == 2
    with flowctl.context() as ctx:
        result = TaskRunner(inc).initialize_run(st.Resume(), ctx)
        assert result.context.resume is True and ctx.task_run_count == 1


def test_check_upstream_finished_ends_the_run_while_an_upstream_runs():
    pending = st.Pending()
    with pytest.raises(ENDRUN) as end:
        TaskRunner(inc).check_upstream_finished(pending, {edge_into(inc): st.Running()})
    assert end.value.state is pending


def test_check_upstream_skipped_ends_the_run_skipped():
    with pytest.raises(ENDRUN) as end:
        TaskRunner(inc).check_upstream_skipped(st.Pending(), {edge_into(inc): st.Skipped()})
    assert isinstance(end.value.state, st.Skipped)


def test_check_task_trigger_fails_when_the_trigger_returns_false():
    picky = inc.copy(trigger=lambda upstream_states: False)
    with pytest.raises(ENDRUN) as end:
        TaskRunner(picky).check_task_trigger(st.Pending(), {edge_into(picky): st.Success()})
    assert isinstance(end.value.state, st.TriggerFailed)
    assert end.value.state.message == "Trigger failed"


def test_check_task_is_ready_lets_pending_through_and_ends_finished_runs():
    runner_ = TaskRunner(inc)
    pending = st.Pending()
    assert runner_.check_task_is_ready(pending) is pending
    with pytest.raises(ENDRUN):
        runner_.check_task_is_ready(st.Success())


def test_check_task_reached_start_time_waits_for_a_future_retry():
    later = st.Retrying(start_time=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    with pytest.raises(ENDRUN):
        TaskRunner(inc).check_task_reached_start_time(later)


def test_get_task_inputs_gives_result_objects():
    inputs = TaskRunner(inc).get_task_inputs(st.Pending(), {edge_into(inc): st.Success(result=4)})
    assert isinstance(inputs["x"], Result) and inputs["x"].value == 4


def test_check_task_ready_to_map_ends_mapped_with_the_width_or_failed():
    mapped_edge = edge_into(inc, mapped=True)
    with pytest.raises(ENDRUN) as end:
        TaskRunner(inc).check_task_ready_to_map(st.Pending(), {mapped_edge: st.Success(result=[1, 2, 3])})
    assert isinstance(end.value.state, st.Mapped) and end.value.state.n_map_states == 3
    with pytest.raises(ENDRUN) as end:
        TaskRunner(inc).check_task_ready_to_map(st.Pending(), {mapped_edge: st.Failed()})
    assert end.value.state.message == "No upstream states can be mapped over."


def test_check_task_ready_to_map_on_a_rerun_keeps_the_mapped_state_with_its_inputs():
    mapped_edge = edge_into(inc, mapped=True)
    given = st.Mapped(n_map_states=2)
    upstream = st.Success(result=[5, 6])
    with pytest.raises(ENDRUN) as end:
        TaskRunner(inc).check_task_ready_to_map(given, {mapped_edge: upstream})
    assert end.value.state is given and given.map_states == [None, None]
    assert given.cached_inputs == {"x": upstream._result} and given.cached_inputs["x"].value == [5, 6]


def test_running_steps_go_from_pending_to_success():
    runner_ = TaskRunner(inc)
    inputs = {"x": Result(value=1)}
    running = runner_.set_task_to_running(st.Pending(), inputs)
    assert isinstance(running, st.Running)
    done = runner_.get_task_run_state(running, inputs)
    assert isinstance(done, st.Success) and done.result == 2
    with pytest.raises(ENDRUN):
        runner_.get_task_run_state(st.Pending(), inputs)


def test_cache_result_turns_a_success_of_a_cache_for_task_into_cached():
    cached_inc = inc.copy(cache_for=datetime.timedelta(minutes=1))
    state = TaskRunner(cached_inc).cache_result(st.Success(result=3), {"x": Result(value=2)})
    assert isinstance(state, st.Cached) and state.result == 3
    assert state.cached_result_expiration > datetime.datetime.now(datetime.timezone.utc)


def test_check_for_retry_schedules_a_retry_while_runs_remain():
    retried = inc.copy(max_retries=1, retry_delay=datetime.timedelta(0))
    state = TaskRunner(retried).check_for_retry(st.Failed(), {})
    assert isinstance(state, st.Retrying) and state.message == "Retrying Task (after attempt 1 of 2)"


def test_check_target_loads_an_existing_target(tmp_path):
    from flowctl.engine.results import LocalResult

    located(LocalResult(dir=tmp_path), "t.pkl").write(41)
    targeted = inc.copy(target="t.pkl", result=LocalResult(dir=tmp_path))
    state = TaskRunner(targeted).check_target(st.Pending(), {})
    assert isinstance(state, st.Cached) and state.result == 41


def test_flow_initialize_run_fills_parameter_defaults_and_dates():
    with Flow("init") as flow:
        flow.add_task(Parameter("p", default=3))
    result = FlowRunner(flow).initialize_run(None, {}, {}, {}, {})
    assert isinstance(result, FlowRunnerInitializeResult)
    assert result.state == st.Pending()
    assert result.context["parameters"] == {"p": 3} and "today" in result.context


def test_flow_steps_refuse_finished_runs_and_set_running():
    flow_runner_ = FlowRunner(Flow("steps"))
    with pytest.raises(ENDRUN):
        flow_runner_.check_flow_is_pending_or_running(st.Success())
    assert isinstance(flow_runner_.set_flow_to_running(st.Pending()), st.Running)
    later = st.Scheduled(start_time=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    with pytest.raises(ENDRUN):
        flow_runner_.check_flow_reached_start_time(later)


def test_determine_final_state_waits_for_terminal_tasks_then_judges_key_states():
    flow_runner_ = FlowRunner(Flow("final"))
    running = st.Running()
    assert flow_runner_.determine_final_state(running, set(), {}, {st.Pending()}) is running
    failed = flow_runner_.determine_final_state(running, {st.Failed()}, {}, {st.Failed()})
    assert isinstance(failed, st.Failed) and failed.message == "Some reference tasks failed."
    assert isinstance(flow_runner_.determine_final_state(running, {st.Success()}, {}, set()), st.Success)


def test_determine_final_state_asks_every_state_whose_class_answers_for_itself():
    class Doubtful(st.Success):  # a user's state class with its own answer
        def is_successful(self) -> bool:
            return self.message != "doubtful"

    flow_runner_ = FlowRunner(Flow("final-classes"))
    many = {st.Success() for _ in range(50)} | {st.Pending(), *(st.Failed() for _ in range(3))}
    assert flow_runner_.determine_final_state(st.Running(), set(), {}, many).is_running()
    keys = [st.Success(), Doubtful("doubtful"), Doubtful("fine")]  # (the last of a class must not speak for it)
    judged = flow_runner_.determine_final_state(st.Running(), keys, {}, set(keys))
    assert judged.message == "No reference tasks failed."  # not all successful: one Doubtful says no
    del keys[1]
    judged = flow_runner_.determine_final_state(st.Running(), keys, {}, set(keys))
    assert judged.message == "All reference tasks succeeded."


def test_flow_runner_run_composes_the_steps():
    with Flow("compose") as flow:
        t = inc(one())
    assert FlowRunner(flow).run().result == {}  # as Prefect 1: only the states asked for
    state = FlowRunner(flow).run(return_tasks=[t])
    assert isinstance(state, st.Success) and state.result[t].result == 2


def test_a_mapped_task_over_a_failed_upstream_fails_as_prefect_1_does():
    @task
    def broken():
        raise ValueError("no list")

    with Flow("map-failed") as flow:
        mapped = inc.map(broken())
    parent = flow.run().result[mapped]
    assert type(parent) is st.Failed and parent.message == "No upstream states can be mapped over."


def test_flow_run_leaves_the_garbage_collector_alone_unless_asked():
    @task
    def frozen():
        return gc.get_freeze_count() > 0

    with Flow("gc") as flow:
        t = frozen()
    assert flow.run().result[t].result is False
    assert flow.run(freeze_gc=True).result[t].result is True
    assert gc.get_freeze_count() == 0


def test_a_trigger_that_pauses_is_resumed_by_a_resume_state():
    @task(trigger=triggers.manual_only)
    def gated():
        return 5

    with Flow("gate") as flow:
        g = gated(upstream_tasks=[one])
    paused = flow.run()
    assert isinstance(paused.result[g], st.Paused)
    assert flow.run(task_states={**paused.result, g: st.Resume()}).result[g].result == 5


def test_a_cached_state_given_up_front_is_validated_again_a_finished_one_kept():
    log = []

    @task(state_handlers=[lambda t, old, new: log.append((type(old).__name__, new.message)) or new])
    def five():
        return 5

    with Flow("given") as flow:
        t = five()
    rerun = FlowRunner(flow).run(task_states={t: st.Cached(result=4)}, return_tasks=[t]).result[t]
    assert rerun.result == 5  # never_use (no cache_for): the cache is invalid, the task runs
    assert log[0] == ("Cached", "Cache was invalid; ready to run.")
    assert FlowRunner(flow).run(task_states={t: st.Success(result=4)}, return_tasks=[t]).result[t].result == 4
