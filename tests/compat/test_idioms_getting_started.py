"""Prefect 1.x Core "Getting started" doc examples (first steps, basic core flow,
next steps), ported to flowctl: only ``prefect`` -> ``flowctl`` in imports changed.
"""
from __future__ import annotations

import logging

import pytest

import flowctl
from flowctl import Flow, Parameter, Task, task
from flowctl.engine import signals
from flowctl.engine.state import Failed, Skipped, Success, TriggerFailed
from printed_output import printed


# --- first-steps.md / thinking-prefectly.md -------------------------------------------------


@task
def add(x, y=1):
    return x + y


@task
def say_hello(person: str) -> None:
    print("Hello, {}!".format(person))


class AddTask(Task):
    def __init__(self, default: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.default = default

    def run(self, x: int, y: int = None) -> int:
        if y is None:
            y = self.default
        return x + y


def test_hello_world_task_prints_when_flow_runs(capsys):
    @task
    def say_hello():
        print("Hello, world!")

    flow = Flow("hello", tasks=[say_hello])
    assert flow.run().is_successful()
    assert "Hello, world!" in printed(capsys)


def test_functional_api_calls_add_twice_and_chains_results():
    with Flow("My first flow!") as flow:
        first_result = add(1, y=2)
        second_result = add(x=first_result, y=100)

    assert first_result is not second_result  # two distinct copies of the task
    state = flow.run()

    assert state.is_successful()

    first_task_state = state.result[first_result]
    assert first_task_state.is_successful()
    assert first_task_state.result == 3

    second_task_state = state.result[second_result]
    assert second_task_state.is_successful()
    assert second_task_state.result == 103


def test_task_class_with_customizable_default():
    add_task = AddTask(default=1)
    with Flow("add-class") as flow:
        a = add_task(x=1)
        b = add_task(x=1, y=5)
    state = flow.run()
    assert state.result[a].result == 2
    assert state.result[b].result == 6


def test_parameter_passed_as_run_keyword_reaches_task(capsys):
    with Flow("Say hi!") as flow:
        name = Parameter("name")
        say_hello(name)

    state = flow.run(name="Marvin")
    assert state.is_successful()
    assert "Hello, Marvin!" in printed(capsys)


def test_imperative_api_with_state_dependency_and_bindings(capsys):
    add_t = add.copy()
    say = say_hello.copy()

    flow = Flow("My imperative flow!")

    # define some new tasks
    name = Parameter("name")
    second_add = add_t.copy()

    # add our tasks to the flow
    flow.add_task(add_t)
    flow.add_task(second_add)
    flow.add_task(say)

    # create non-data dependencies so that `say_hello` waits for `second_add` to finish.
    say.set_upstream(second_add, flow=flow)

    # create data bindings
    add_t.bind(x=1, y=2, flow=flow)
    second_add.bind(x=add_t, y=100, flow=flow)
    say.bind(person=name, flow=flow)

    assert second_add in flow.upstream_tasks(say)
    assert name in flow.tasks
    order = flow.sorted_tasks()
    assert order.index(second_add) < order.index(say)

    state = flow.run(parameters={"name": "Marvin"})
    assert state.is_successful()
    assert state.result[add_t].result == 3
    assert state.result[second_add].result == 103
    assert "Hello, Marvin!" in printed(capsys)


def test_mixing_imperative_flow_with_functional_context():
    flow = Flow("mix")
    a = add.copy()
    flow.add_task(a)
    a.bind(x=1, y=2, flow=flow)
    with flow:
        b = add(x=a, y=100, upstream_tasks=[a])
    state = flow.run()
    assert state.result[b].result == 103


# --- basic-core-flow.md / quick-start.md ---------------------------------------------------


def test_basic_core_flow_logs_hello_world_from_context_logger(caplog):
    @task
    def hello_task():
        logger = flowctl.context.get("logger")
        logger.info("Hello world!")

    flow = Flow("hello-flow", tasks=[hello_task])

    with caplog.at_level(logging.INFO):
        state = flow.run()
    assert state.is_successful()
    assert "Hello world!" in caplog.messages
    record = next(r for r in caplog.records if r.getMessage() == "Hello world!")
    assert record.levelname == "INFO"


# --- next-steps.md --------------------------------------------------------------------------


def _spark_flow(job_fails: bool, teardown_trigger=None):
    torn_down = []

    @task
    def create_cluster():
        return {"cluster": "spark"}

    @task
    def run_spark_job(cluster):
        if job_fails:
            raise RuntimeError("job failed")

    kwargs = {} if teardown_trigger is None else {"trigger": teardown_trigger}

    @task(**kwargs)
    def tear_down_cluster(cluster):
        torn_down.append(cluster)

    with Flow("Spark") as flow:
        # define data dependencies
        cluster = create_cluster()
        submitted = run_spark_job(cluster)
        result = tear_down_cluster(cluster)

        # wait for the job to finish before tearing down the cluster
        result.set_upstream(submitted)

    return flow, submitted, result, torn_down


def test_spark_flow_succeeds_when_job_succeeds():
    flow, submitted, result, torn_down = _spark_flow(job_fails=False)
    state = flow.run()
    assert state.is_successful()
    assert torn_down == [{"cluster": "spark"}]


def test_teardown_with_default_trigger_is_trigger_failed_when_job_fails():
    flow, submitted, result, torn_down = _spark_flow(job_fails=True)
    state = flow.run()
    assert isinstance(state.result[submitted], Failed)
    assert isinstance(state.result[result], TriggerFailed)
    assert state.result[result].is_failed()
    assert torn_down == []


def test_always_run_trigger_tears_down_cluster_after_failed_job():
    assert flowctl.triggers.always_run is flowctl.triggers.all_finished
    flow, submitted, result, torn_down = _spark_flow(
        job_fails=True, teardown_trigger=flowctl.triggers.always_run
    )
    state = flow.run()
    assert state.result[submitted].is_failed()
    assert state.result[result].is_successful()
    assert torn_down == [{"cluster": "spark"}]
    # the terminal teardown succeeded, so by default the flow succeeds
    assert state.is_successful()


def test_reference_task_makes_flow_fail_even_after_cleanup_succeeds():
    flow, submitted, result, torn_down = _spark_flow(
        job_fails=True, teardown_trigger=flowctl.triggers.always_run
    )
    flow.set_reference_tasks([submitted])
    state = flow.run()
    assert state.result[result].is_successful()
    assert state.is_failed()


@task
def signal_task(message):
    if message == "go!":
        raise signals.SUCCESS(message="going!")
    elif message == "stop!":
        raise signals.FAIL(message="stopping!")
    elif message == "skip!":
        raise signals.SKIP(message="skipping!")


@pytest.mark.parametrize(
    "message, state_cls, state_message",
    [("go!", Success, "going!"), ("stop!", Failed, "stopping!"), ("skip!", Skipped, "skipping!")],
)
def test_signals_move_task_to_matching_state(message, state_cls, state_message):
    with Flow("signals") as flow:
        s = signal_task(message)
    state = flow.run()
    task_state = state.result[s]
    assert type(task_state) is state_cls
    assert task_state.message == state_message


def test_skip_signal_skips_downstream_unless_skip_on_upstream_skip_false():
    ran = []

    @task
    def downstream(x):
        ran.append("downstream")

    @task(skip_on_upstream_skip=False)
    def runs_anyway(x):
        ran.append("anyway")

    with Flow("skip") as flow:
        s = signal_task("skip!")
        d = downstream(s)
        a = runs_anyway(s)
    state = flow.run()
    assert state.result[d].is_skipped()
    assert state.result[a].is_successful() and not state.result[a].is_skipped()
    assert ran == ["anyway"]
    # SKIP is treated like SUCCESS
    assert state.is_successful()
