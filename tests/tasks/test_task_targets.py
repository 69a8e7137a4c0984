"""Task targets: a task whose target exists is not run; it ends Cached with the stored value."""
from __future__ import annotations

import pytest

from flowctl import Flow, Parameter, task
from flowctl.engine.results import LocalResult
from flowctl.engine.serializers import JSONSerializer
from flowctl.engine.state import Cached
from flowctl.utilities.configuration import set_temporary_config
from tests_support_results import located


@pytest.fixture(autouse=True)
def checkpointing_on():
    """As in Prefect 1, a target is written only when checkpointing is on; these tests turn it on."""
    with set_temporary_config({"flows.checkpointing": True}):
        yield


def test_target_skips_work_on_the_second_run(tmp_path):
    calls = []

    @task(target="answer.pkl", result=LocalResult(dir=tmp_path))
    def answer():
        calls.append(1)
        return 42

    with Flow("f") as flow:
        t = answer()
    first = flow.run()
    second = flow.run()
    assert calls == [1]
    assert first.result[t].result == 42 and not first.result[t].is_cached()
    assert isinstance(second.result[t], Cached)
    assert second.result[t].result == 42
    assert second.is_successful()


def test_target_is_not_written_without_checkpointing_as_in_prefect_1(tmp_path):
    @task(target="out.pkl", result=LocalResult(dir=tmp_path))
    def value():
        return "v"

    with Flow("f") as flow:
        value()
    flow.run(context={"checkpointing": False})
    assert not (tmp_path / "out.pkl").exists()
    flow.run(context={"checkpointing": True})
    assert (tmp_path / "out.pkl").is_file()


def test_cached_target_value_flows_downstream(tmp_path):
    @task(target="base.pkl", result=LocalResult(dir=tmp_path))
    def base():
        return 10

    @task
    def plus_one(x):
        return x + 1

    with Flow("f") as flow:
        out = plus_one(base())
    flow.run()
    assert flow.run().result[out].result == 11


def test_target_file_written_by_someone_else_is_loaded(tmp_path):
    located(LocalResult(dir=tmp_path, serializer=JSONSerializer()), "given.json").write({"pre": "made"})
    calls = []

    @task(target="given.json", result=LocalResult(dir=tmp_path, serializer=JSONSerializer()))
    def produce():
        calls.append(1)
        return {"fresh": True}

    with Flow("f") as flow:
        t = produce()
    state = flow.run()
    assert calls == []
    assert state.result[t].result == {"pre": "made"}


def test_templated_target_per_mapped_child(tmp_path):
    calls = []

    @task(target="{task_name}-{map_index}.pkl", result=LocalResult(dir=tmp_path))
    def square(x):
        calls.append(x)
        return x * x

    with Flow("f") as flow:
        t = square.map(x=[1, 2, 3])
    flow.run()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["square-0.pkl", "square-1.pkl", "square-2.pkl"]
    state = flow.run()
    assert sorted(calls) == [1, 2, 3]
    assert all(isinstance(s, Cached) for s in state.result[t].map_states)
    assert [s.result for s in state.result[t].map_states] == [1, 4, 9]


def test_only_missing_children_targets_are_recomputed(tmp_path):
    calls = []

    @task(target="sq-{map_index}.pkl", result=LocalResult(dir=tmp_path))
    def square(x):
        calls.append(x)
        return x * x

    with Flow("f") as flow:
        t = square.map(x=[1, 2, 3])
    flow.run()
    (tmp_path / "sq-1.pkl").unlink()
    calls.clear()
    state = flow.run()
    assert calls == [2]
    assert [type(s) for s in state.result[t].map_states] == [Cached, type(state.result[t].map_states[1]), Cached]
    assert not state.result[t].map_states[1].is_cached()


def test_target_templated_with_parameters(tmp_path):
    calls = []

    @task(target="{parameters[day]}/report.pkl", result=LocalResult(dir=tmp_path))
    def report(day):
        calls.append(day)
        return f"report for {day}"

    with Flow("f") as flow:
        day = Parameter("day")
        t = report(day)
    flow.run(parameters={"day": "mon"})
    flow.run(parameters={"day": "tue"})
    state = flow.run(parameters={"day": "mon"})
    assert calls == ["mon", "tue"]
    assert state.result[t].result == "report for mon"
    assert (tmp_path / "mon" / "report.pkl").is_file()
    assert (tmp_path / "tue" / "report.pkl").is_file()


def test_target_templated_with_inputs(tmp_path):
    calls = []

    @task(target="value-{x}.pkl", result=LocalResult(dir=tmp_path))
    def identity(x):
        calls.append(x)
        return x

    with Flow("f") as flow:
        identity.map(x=[1, 2, 1])
    flow.run()
    assert (tmp_path / "value-1.pkl").is_file() and (tmp_path / "value-2.pkl").is_file()


def test_callable_target(tmp_path):
    calls = []

    def target(**context):
        return f"{context['task_name']}-{context['flow_name']}.pkl"

    @task(target=target, result=LocalResult(dir=tmp_path))
    def answer():
        calls.append(1)
        return "A"

    with Flow("myflow") as flow:
        t = answer()
    flow.run()
    state = flow.run()
    assert (tmp_path / "answer-myflow.pkl").is_file()
    assert calls == [1]
    assert isinstance(state.result[t], Cached)


def test_target_with_flow_level_result(tmp_path):
    calls = []

    @task(target="t.pkl")
    def answer():
        calls.append(1)
        return 1

    with Flow("f", result=LocalResult(dir=tmp_path)) as flow:
        answer()
    flow.run()
    flow.run()
    assert calls == [1]
    assert (tmp_path / "t.pkl").is_file()


def test_target_with_checkpoint_false_is_accepted_at_definition_as_in_prefect(tmp_path):
    @task(target="t.pkl", checkpoint=False, result=LocalResult(dir=tmp_path))
    def answer():
        return 1

    assert answer.target == "t.pkl" and answer.checkpoint is False


def test_failed_task_does_not_create_its_target(tmp_path):
    attempts = []

    @task(target="t.pkl", result=LocalResult(dir=tmp_path))
    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first run fails")
        return "ok"

    with Flow("f") as flow:
        t = flaky()
    assert flow.run().result[t].is_failed()
    assert not (tmp_path / "t.pkl").exists()
    assert flow.run().result[t].result == "ok"
    assert len(attempts) == 2


def test_target_writes_leave_no_temporary_files(tmp_path):
    @task(target="{task_name}-{map_index}.pkl", result=LocalResult(dir=tmp_path))
    def echo(x):
        return x

    with Flow("f") as flow:
        echo.map(x=list(range(20)))
    flow.run()
    names = [p.name for p in tmp_path.iterdir()]
    assert len(names) == 20
    assert all(name.startswith("echo-") and name.endswith(".pkl") for name in names)
