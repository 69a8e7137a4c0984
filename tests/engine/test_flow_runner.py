"""FlowRunner and flow.run: final states, parameters, handlers, return_tasks."""
from __future__ import annotations

import pytest

import flowctl
from flowctl import Flow, Parameter, Task, task
from flowctl.engine import FlowRunner
from flowctl.engine import state as st
from flowctl.executors import LocalExecutor


@task
def inc(x):
    return x + 1


@task
def boom():
    raise ValueError("boom")


def test_flow_run_returns_state_mapping_every_task_to_its_state():
    with Flow("f") as flow:
        a = inc(1)
        b = inc(a)
    state = flow.run()
    assert state.is_successful()
    assert set(state.result) == {a, b}
    assert state.result[b].result == 3


def test_flow_fails_when_a_terminal_task_fails():
    with Flow("f") as flow:
        inc(1)
        boom()
    assert flow.run().is_failed()


def test_flow_state_follows_reference_tasks_only():
    with Flow("f") as flow:
        good = inc(1)
        boom()
    flow.set_reference_tasks([good])
    assert flow.run().is_successful()


def test_failure_of_upstream_with_all_failed_terminal_still_succeeds():
    @task(trigger=flowctl.triggers.all_failed)
    def handle():
        return "handled"

    with Flow("f") as flow:
        handle(upstream_tasks=[boom()])
    assert flow.run().is_successful()


def test_return_tasks_limits_the_result_mapping():
    with Flow("f") as flow:
        a = inc(1)
        b = inc(a)
    state = flow.run(return_tasks=[b])
    assert set(state.result) == {b}


def test_a_runners_returned_states_come_in_the_order_of_return_tasks_as_prefect_1s():
    with Flow("f") as flow:
        a = inc(1)
        b = inc(a)
        c = inc(b)
    state = FlowRunner(flow).run(return_tasks=[c, a, b])
    assert list(state.result) == [c, a, b]
    assert list(FlowRunner(flow).run(return_tasks=[b]).result) == [b]


def test_a_flow_has_no_schedule_storage_or_run_config():
    flow = Flow("f", schedule=None)
    assert (flow.schedule, flow.storage, flow.run_config) == (None, None, None)


def test_task_states_seed_a_run():
    calls = []

    @task
    def record():
        calls.append(1)
        return "fresh"

    @task
    def ident(x):
        return x

    with Flow("f") as flow:
        r = record()
        i = ident(r)
    state = flow.run(task_states={r: st.Success(result="given")})
    assert calls == []
    assert state.result[i].result == "given"


def test_flow_runner_runs_with_explicit_executor_and_parameters():
    p = Parameter("p")
    with Flow("f") as flow:
        r = inc(p)
    state = FlowRunner(flow).run(parameters={"p": 1}, executor=LocalExecutor(), return_tasks=[r])
    assert state.result[r].result == 2


def test_flow_runner_fails_missing_required_parameter_task():
    p = Parameter("needed")
    with Flow("f") as flow:
        r = inc(p)
    state = FlowRunner(flow).run(return_tasks=flow.tasks)
    assert state.is_failed()
    assert state.result[p].is_failed()
    assert "needed" in state.result[p].message
    assert isinstance(state.result[r], st.TriggerFailed)


def test_flow_run_raises_for_missing_parameter_naming_it():
    with Flow("f") as flow:
        inc(Parameter("needed"))
    with pytest.raises(ValueError, match="did not receive the following required parameters: needed"):
        flow.run()


def test_flow_state_handlers_see_running_then_final():
    log = []

    def handler(flow, old, new):
        log.append((flow.name, type(old).__name__, type(new).__name__))
        return new

    with Flow("handled", state_handlers=[handler]) as flow:
        inc(1)
    flow.run()
    assert log == [("handled", "Scheduled", "Running"), ("handled", "Running", "Success")]  # flow.run starts Scheduled


def test_flow_state_handler_can_replace_final_state():
    def override(flow, old, new):
        return st.Failed("forced") if new.is_successful() else new

    with Flow("f", state_handlers=[override]) as flow:
        inc(1)
    assert flow.run().is_failed()


def test_failing_flow_state_handler_fails_the_flow():
    def broken(flow, old, new):
        if new.is_finished():
            raise RuntimeError("handler")
        return new

    with Flow("f", state_handlers=[broken]) as flow:
        inc(1)
    state = flow.run()
    assert state.is_failed()


def test_flow_on_failure_is_called_on_failed_flow():
    calls = []
    with Flow("f", on_failure=lambda flow, state: calls.append(type(state).__name__)) as flow:
        boom()
    flow.run()
    assert calls == ["Failed"]


def test_flow_runner_state_handlers_argument():
    log = []
    with Flow("f") as flow:
        inc(1)
    FlowRunner(flow, state_handlers=[lambda f, o, n: log.append(type(n).__name__) or n]).run()
    assert log == ["Running", "Success"]


def test_terminal_state_handler_decides_final_state():
    def terminal(flow, state, reference_states):
        return st.Success("ok anyway") if state.is_failed() else state

    with Flow("f", terminal_state_handler=terminal) as flow:
        boom()
    assert flow.run().is_successful()


def test_finished_initial_flow_state_is_returned_as_is():
    with Flow("f") as flow:
        inc(1)
    done = st.Success()
    assert FlowRunner(flow).run(state=done) is done


def test_independent_branches_both_run_after_a_failure():
    with Flow("f") as flow:
        b = boom()
        good = inc(1)
    state = flow.run()
    assert state.result[b].is_failed()
    assert state.result[good].result == 2


def test_flow_can_run_twice_with_fresh_states():
    calls = []

    @task
    def record():
        calls.append(1)
        return len(calls)

    with Flow("f") as flow:
        r = record()
    assert flow.run().result[r].result == 1
    assert flow.run().result[r].result == 2


def test_task_contexts_reach_only_their_task():
    @task
    def read():
        return flowctl.context.get("special")

    with Flow("f") as flow:
        a = read()
        b = read()
    state = FlowRunner(flow).run(task_contexts={a: {"special": "yes"}}, return_tasks=[a, b])
    assert state.result[a].result == "yes"
    assert state.result[b].result is None


def test_parameters_are_visible_in_context_and_run_context_keyword():
    @task
    def read():
        return flowctl.context.get("parameters"), flowctl.context.get("extra")

    p = Parameter("p", default=3)
    with Flow("f") as flow:
        flow.add_task(p)
        r = read()
    state = flow.run(parameters={"p": 5}, context={"extra": "e"})
    assert state.result[r].result == ({"p": 5}, "e")


def test_many_tasks_run_in_dependency_order():
    order = []

    def make(i):
        @task(name=f"t{i}")
        def t():
            order.append(i)
        return t

    tasks = [make(i) for i in range(20)]
    flow = Flow("chain")
    flow.chain(*tasks)
    assert flow.run().is_successful()
    assert order == list(range(20))


def test_base_task_flow_runs_successfully():
    flow = Flow("f", tasks=[Task(), Task()])
    state = flow.run()
    assert state.is_successful()
    assert all(s.is_successful() for s in state.result.values())
