"""Prefect 1.x Core "Concepts: Results", "Caching and Persisting Data" and "Templating"
doc examples, ported to flowctl (imports only; directories moved to tmp_path)."""
from __future__ import annotations

import datetime
import os
import pickle
from typing import Any

import cloudpickle
import pytest

import flowctl
from flowctl import Flow, Parameter, Task, task
from flowctl.engine.result import NoResult, Result
from flowctl.engine.results import LocalResult, PrefectResult
from flowctl.engine.serializers import Serializer
from flowctl.engine.state import Cached
from flowctl.utilities.configuration import set_temporary_config


def test_unconfigured_state_has_plain_result_object():
    @task
    def make():
        return {"a": 1}

    with Flow("plain") as flow:
        m = make()
    st = flow.run().result[m]
    # API.md, as Prefect 1: `_result` is a Result object whose `.value` is what `.result` returns
    assert type(st._result) is Result
    assert type(st._result.value) is dict and st._result.location is None
    assert type(st.result) is dict


def test_flow_state_result_value_maps_tasks_to_states():
    @task
    def add(x, y):
        return x + y

    with Flow("adds") as flow:
        add(1, 0)
        add(0, 1)
    task_ref = flow.get_tasks()[0]
    state = flow.run()
    assert state._result.value == state.result
    assert state.result[task_ref].result == 1


def test_no_result_is_distinct_from_none():
    assert NoResult is not None
    assert Result(None).value is None


def test_checkpointed_local_result_writes_pickle_at_location(tmp_path):
    @task(result=LocalResult(dir=str(tmp_path)))
    def my_task():
        return 3

    with Flow("ckpt") as flow:
        first_result = my_task()

    with set_temporary_config({"flows.checkpointing": True}):
        state = flow.run()
    res = state.result[first_result]
    assert res.result == 3
    path = os.path.join(str(tmp_path), res.location)  # absolute stays absolute
    with open(path, "rb") as f:
        assert cloudpickle.loads(f.read()) == 3


def test_prefect_result_location_is_json_of_value():
    @task(result=PrefectResult())
    def my_task():
        return 3

    with Flow("pr") as flow:
        first_result = my_task()
    with set_temporary_config({"flows.checkpointing": True}):
        state = flow.run()
    res = state.result[first_result]
    assert res.result == 3
    assert res.location == "3"


def test_flow_level_result_used_when_task_has_none(tmp_path):
    @task
    def my_task():
        return 5

    with Flow("flow-result", result=LocalResult(dir=str(tmp_path), location="flow.out")) as flow:
        t = my_task()
    with set_temporary_config({"flows.checkpointing": True}):
        state = flow.run()
    assert (tmp_path / "flow.out").exists()
    assert os.path.join(str(tmp_path), state.result[t].location) == str(tmp_path / "flow.out")


def test_checkpoint_false_disables_writing(tmp_path):
    @task(checkpoint=False, result=LocalResult(dir=str(tmp_path), location="no.out"))
    def my_task():
        return 5

    with Flow("nockpt") as flow:
        my_task()
    with set_temporary_config({"flows.checkpointing": True}):
        assert flow.run().is_successful()
    assert not (tmp_path / "no.out").exists()


def test_user_created_result_reads_and_writes(tmp_path):
    (tmp_path / "model.pickle").write_bytes(cloudpickle.dumps({"w": 1}))

    @task
    def my_task():
        r = LocalResult(dir=str(tmp_path))
        my_saved_model_result = r.read(location="model.pickle")
        return my_saved_model_result.value

    with Flow("user result") as flow:
        t = my_task()
    assert flow.run().result[t].result == {"w": 1}


def test_custom_serializer_round_trips(tmp_path):
    class MySerializer(Serializer):
        def serialize(self, value: Any) -> bytes:
            return ("v:" + str(value)).encode()

        def deserialize(self, value: bytes) -> Any:
            return value.decode()[2:]

    r = LocalResult(dir=str(tmp_path), location="s.txt", serializer=MySerializer())
    written = r.write("hello")
    assert (tmp_path / "s.txt").read_bytes() == b"v:hello"
    assert r.read(written.location).value == "hello"
    assert Result(serializer=MySerializer()).serializer is not None


def test_templated_result_locations(tmp_path):
    @task(result=LocalResult(dir=str(tmp_path), location="initial_data.prefect"))
    def root_task():
        return [1, 2, 3]

    @task(result=LocalResult(dir=str(tmp_path), location="{date:%A}/{task_name}.prefect"))
    def downstream_task(x):
        return [i * 10 for i in x]

    with Flow("local-results") as flow:
        d = downstream_task(root_task)

    with set_temporary_config({"flows.checkpointing": True}):
        state = flow.run()
    assert state.result[d].result == [10, 20, 30]
    assert (tmp_path / "initial_data.prefect").exists()
    day = datetime.datetime.now().strftime("%A")
    assert (tmp_path / day / "downstream_task.prefect").exists()


# --- persistence.md -----------------------------------------------------------------------


def test_cache_for_and_all_parameters_validator_are_accepted():
    task_1 = flowctl.Task(cache_for=datetime.timedelta(hours=1))
    task_2 = flowctl.Task(
        cache_for=datetime.timedelta(hours=1),
        cache_validator=flowctl.engine.cache_validators.all_parameters,
    )
    assert task_1.cache_for == datetime.timedelta(hours=1)
    assert task_2.cache_validator is flowctl.engine.cache_validators.all_parameters


def test_cached_output_reused_on_next_run():
    calls = []

    @task(cache_for=datetime.timedelta(hours=1))
    def expensive():
        calls.append(1)
        return 42

    with Flow("cache") as flow:
        e = expensive()
    caches: dict = {}
    first = flow.run(context={"caches": caches})
    second = flow.run(context={"caches": caches})
    assert first.result[e].result == second.result[e].result == 42
    assert isinstance(second.result[e], Cached)
    assert len(calls) == 1


def test_all_parameters_validator_reruns_for_new_parameters():
    calls = []

    @task(cache_for=datetime.timedelta(hours=1),
          cache_validator=flowctl.engine.cache_validators.all_parameters)
    def expensive(x):
        calls.append(x)
        return x * 2

    with Flow("cache params") as flow:
        p = Parameter("p", default=1)
        e = expensive(p)
    ctx = {"caches": {}}
    assert flow.run(parameters={"p": 1}, context=ctx).result[e].result == 2
    assert isinstance(flow.run(parameters={"p": 1}, context=ctx).result[e], Cached)
    assert flow.run(parameters={"p": 2}, context=ctx).result[e].result == 4
    assert calls == [1, 2]


def test_cache_key_shares_cache_between_tasks():
    calls = []

    def make(name):
        @task(name=name, cache_for=datetime.timedelta(hours=1), cache_key="shared")
        def t():
            calls.append(name)
            return name
        return t

    a, b = make("a"), make("b")
    with Flow("f1") as f1:
        ta = a()
    with Flow("f2") as f2:
        tb = b()
    ctx = {"caches": {}}
    assert f1.run(context=ctx).result[ta].result == "a"
    st = f2.run(context=ctx).result[tb]
    assert isinstance(st, Cached) and st.result == "a"
    assert calls == ["a"]


def test_checkpointing_class_and_decorated_tasks(tmp_path):
    class MyTask(Task):
        def run(self):
            return 42

    class_task = MyTask(checkpoint=True, result=LocalResult(dir=str(tmp_path), location="c.out"))

    @task(checkpoint=True, result=LocalResult(dir=str(tmp_path), location="f.out"))
    def func_task():
        return 99

    flow = Flow("ckpt", tasks=[class_task, func_task])
    with set_temporary_config({"flows.checkpointing": True}):
        assert flow.run().is_successful()
    assert cloudpickle.loads((tmp_path / "c.out").read_bytes()) == 42
    assert cloudpickle.loads((tmp_path / "f.out").read_bytes()) == 99


def test_target_skips_task_when_result_exists(tmp_path):
    calls = []

    @task(target="func_task_target.txt", checkpoint=True, result=LocalResult(dir=str(tmp_path)))
    def func_task():
        calls.append(1)
        return 99

    with Flow("target") as flow:
        t = func_task()
    first = flow.run(context={"checkpointing": True})  # Prefect 1 writes targets only when checkpointing
    assert first.result[t].result == 99
    assert (tmp_path / "func_task_target.txt").exists()
    second = flow.run(context={"checkpointing": True})
    assert isinstance(second.result[t], Cached)
    assert second.result[t].result == 99
    assert calls == [1]


def test_templated_target_uses_context(tmp_path):
    @task(target="{date:%A}/{task_name}.txt", checkpoint=True, result=LocalResult(dir=str(tmp_path)))
    def func_task():
        return 99

    with Flow("target tmpl") as flow:
        func_task()
    assert flow.run(context={"checkpointing": True}).is_successful()
    day = datetime.datetime.now().strftime("%A")
    assert (tmp_path / day / "func_task.txt").exists()


# --- templating.md ------------------------------------------------------------------------


def test_task_run_name_templated_from_inputs():
    @task(task_run_name="{val}")
    def compute(val):
        return flowctl.context.task_run_name

    with Flow("template-example") as flow:
        c = compute(val="hello")
    assert flow.run().result[c].result == "hello"


def test_task_run_name_callable_generator():
    def generate_task_run_name(val: str, **kwargs):
        val = val.replace(" ", "-")
        if len(val) > 10:
            val = val[:10]
        return val

    @task(task_run_name=generate_task_run_name)
    def compute(val: str):
        return flowctl.context.task_run_name

    with Flow("template-example") as flow:
        c = compute(val="hello this is a kind of long sentence")
    assert flow.run().result[c].result == "hello-this"


def test_result_location_callable_receives_unused_flow_parameters(tmp_path):
    result_basepath = Parameter("result_basepath", default=str(tmp_path))

    def format_location(result_basepath, task_name, **kwargs):
        return f"{os.path.expanduser(result_basepath)}/{task_name}.prefect"

    @task(result=LocalResult(location=format_location))
    def my_task():
        return [1, 2, 3, 4]

    with Flow("local-result-parametrized") as flow:
        my_task()
    flow.add_task(result_basepath)

    with set_temporary_config({"flows.checkpointing": True}):
        assert flow.run().is_successful()
    assert cloudpickle.loads((tmp_path / "my_task.prefect").read_bytes()) == [1, 2, 3, 4]


def test_result_location_callable_formats_date(tmp_path):
    def format_location(date, task_name, **kwargs):
        return os.path.join(str(tmp_path), f"{date.year}-{date.month}_{task_name}.prefect")

    @task(result=LocalResult(location=format_location))
    def my_task():
        return [1, 2, 3, 4]

    with Flow("local-result-with-date-parsing") as flow:
        my_task()
    with set_temporary_config({"flows.checkpointing": True}):
        assert flow.run().is_successful()
    now = datetime.datetime.now()
    assert (tmp_path / f"{now.year}-{now.month}_my_task.prefect").exists()


def test_task_run_name_formats_dates():
    @task(task_run_name="{date:%A}-{date:%b}-{date:%d}")
    def compute():
        return flowctl.context.task_run_name

    with Flow("template-example") as flow:
        c = compute()
    assert flow.run().result[c].result == datetime.datetime.now().strftime("%A-%b-%d")
