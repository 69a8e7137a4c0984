"""Results: LocalResult and PrefectResult, serializers, checkpointing, atomic writes."""
from __future__ import annotations

import json
import os
import pickle

import pytest

from flowctl import Flow, task
from flowctl.engine.result import NoResult, Result
from flowctl.engine.results import LocalResult, PrefectResult
from flowctl.engine.serializers import JSONSerializer, PickleSerializer
from flowctl.utilities.configuration import set_temporary_config
from tests_support_results import located


def files_in(path):
    return sorted(p.name for p in path.iterdir())


def test_local_result_write_then_read_round_trips(tmp_path):
    result = LocalResult(dir=tmp_path)
    written = located(result, "out.pkl").write({"a": [1, 2]})
    assert written.location == str(tmp_path / "out.pkl")  # the full path, as in Prefect 1
    assert written.value == {"a": [1, 2]}
    assert result.exists("out.pkl")
    assert result.read("out.pkl").value == {"a": [1, 2]}
    assert not result.exists("missing.pkl")


def test_local_result_location_template_is_formatted(tmp_path):
    result = LocalResult(dir=tmp_path, location="{task_name}-{map_index}.pkl")
    written = result.write(5, task_name="t", map_index=3)
    assert written.location == str(tmp_path / "t-3.pkl")
    assert result.exists("{task_name}-{map_index}.pkl", task_name="t", map_index=3)
    assert result.read("t-3.pkl").value == 5


def test_local_result_without_location_gets_a_unique_name(tmp_path):
    result = LocalResult(dir=tmp_path)
    first = result.write(1)
    second = result.write(2)
    assert first.location != second.location
    assert result.read(first.location).value == 1


def test_local_result_dir_that_is_a_file_is_rejected(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(ValueError):
        LocalResult(dir=path)


def test_local_result_with_json_serializer_writes_readable_json(tmp_path):
    result = LocalResult(dir=tmp_path, serializer=JSONSerializer())
    located(result, "data.json").write({"k": [1, 2]})
    assert json.loads((tmp_path / "data.json").read_text()) == {"k": [1, 2]}
    assert result.read("data.json").value == {"k": [1, 2]}


def test_local_result_with_pickle_serializer_writes_pickle(tmp_path):
    result = LocalResult(dir=tmp_path, serializer=PickleSerializer())
    located(result, "data.pkl").write((1, "two"))
    assert pickle.loads((tmp_path / "data.pkl").read_bytes()) == (1, "two")


def test_pickle_serializer_round_trips_lambdas():
    serializer = PickleSerializer()
    fn = serializer.deserialize(serializer.serialize(lambda x: x + 1))
    assert fn(1) == 2


def test_json_serializer_round_trips_and_rejects_non_json():
    serializer = JSONSerializer()
    assert serializer.deserialize(serializer.serialize([1, "a", None])) == [1, "a", None]
    with pytest.raises(TypeError):
        serializer.serialize(object())


def test_prefect_result_stores_the_value_in_its_location():
    result = PrefectResult()
    written = result.write({"x": 1})
    assert json.loads(written.location) == {"x": 1}
    assert result.read(written.location).value == {"x": 1}
    assert result.exists(written.location)


def test_no_result_persists_nothing():
    result = NoResult
    assert result.write(3).value == 3
    assert not result.exists("anything")
    assert isinstance(result, Result)


def test_checkpointing_via_config_writes_each_mapped_child(tmp_path):
    @task(result=LocalResult(dir=tmp_path, location="{task_name}-{map_index}.pkl"))
    def square(x):
        return x * x

    with Flow("f") as flow:
        result = square.map(x=[1, 2, 3])
    with set_temporary_config({"flows.checkpointing": True}):
        state = flow.run()
    assert state.is_successful()
    assert files_in(tmp_path) == ["square-0.pkl", "square-1.pkl", "square-2.pkl"]
    reader = LocalResult(dir=tmp_path)
    assert [reader.read(f"square-{i}.pkl").value for i in range(3)] == [1, 4, 9]
    assert [s.location for s in state.result[result].map_states] == [
        str(tmp_path / f"square-{i}.pkl") for i in range(3)]


def test_checkpointing_via_run_context(tmp_path):
    @task(result=LocalResult(dir=tmp_path, location="{task_name}.pkl"))
    def answer():
        return 42

    with Flow("f") as flow:
        answer()
    flow.run(context={"checkpointing": True})
    assert LocalResult(dir=tmp_path).read("answer.pkl").value == 42


def test_no_checkpoint_is_written_when_checkpointing_is_off(tmp_path):
    @task(result=LocalResult(dir=tmp_path, location="{task_name}.pkl"))
    def answer():
        return 42

    with Flow("f") as flow:
        answer()
    with set_temporary_config({"flows.checkpointing": False}):
        state = flow.run()
    assert state.is_successful()
    assert files_in(tmp_path) == []


def test_checkpoint_false_is_never_written(tmp_path):
    @task(checkpoint=False, result=LocalResult(dir=tmp_path, location="{task_name}.pkl"))
    def secret():
        return "do not store"

    with Flow("f") as flow:
        secret()
    flow.run(context={"checkpointing": True})
    assert files_in(tmp_path) == []


def test_flow_result_is_used_for_tasks_without_their_own(tmp_path):
    @task
    def value():
        return "v"

    with Flow("f", result=LocalResult(dir=tmp_path, location="{task_name}.out")) as flow:
        value()
    flow.run(context={"checkpointing": True})
    assert files_in(tmp_path) == ["value.out"]


def test_location_template_can_use_inputs_and_parameters(tmp_path):
    from flowctl import Parameter

    @task(result=LocalResult(dir=tmp_path, location="{x}-{parameters[tag]}.pkl"))
    def echo(x):
        return x

    with Flow("f") as flow:
        tag = Parameter("tag", default="t1")
        echo(7, upstream_tasks=[tag])
    flow.run(parameters={"tag": "t1"}, context={"checkpointing": True})
    assert files_in(tmp_path) == ["7-t1.pkl"]


def test_prefect_result_checkpoint_keeps_value_in_state_location():
    @task(result=PrefectResult())
    def answer():
        return [1, 2]

    with Flow("f") as flow:
        t = answer()
    state = flow.run(context={"checkpointing": True})
    assert json.loads(state.result[t].location) == [1, 2]


def test_failed_tasks_are_not_checkpointed(tmp_path):
    @task(result=LocalResult(dir=tmp_path, location="{task_name}.pkl"))
    def broken():
        raise ValueError("x")

    with Flow("f") as flow:
        broken()
    flow.run(context={"checkpointing": True})
    assert files_in(tmp_path) == []


def test_writes_leave_no_temporary_files(tmp_path):
    result = LocalResult(dir=tmp_path)
    for index in range(5):
        located(result, f"r{index}.pkl").write(index)
    located(result, "r0.pkl").write("overwrite")
    assert files_in(tmp_path) == [f"r{i}.pkl" for i in range(5)]
    assert result.read("r0.pkl").value == "overwrite"


def test_a_write_that_fails_midway_leaves_no_partial_file(tmp_path):
    class BrokenSerializer(PickleSerializer):
        def serialize(self, value):
            raise RuntimeError("serializer crashed")

    result = LocalResult(dir=tmp_path, serializer=BrokenSerializer())
    with pytest.raises(RuntimeError):
        located(result, "bad.pkl").write("x")
    assert files_in(tmp_path) == []


def test_a_crash_during_the_file_write_leaves_no_partial_or_temporary_file(tmp_path, monkeypatch):
    result = LocalResult(dir=tmp_path)
    located(result, "value.pkl").write("old")
    real_fsync = os.fsync

    def crash(fd):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError):
        located(result, "value.pkl").write("new value")
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert files_in(tmp_path) == ["value.pkl"]
    assert result.read("value.pkl").value == "old"


def test_a_task_whose_checkpoint_write_fails_is_failed_and_leaves_no_file(tmp_path, monkeypatch):
    serializer = PickleSerializer()

    def explode(value):
        raise RuntimeError("serializer crashed")

    monkeypatch.setattr(serializer, "serialize", explode)

    @task(result=LocalResult(dir=tmp_path, location="{task_name}.pkl", serializer=serializer))
    def answer():
        return 42

    with Flow("f") as flow:
        t = answer()
    state = flow.run(context={"checkpointing": True})
    assert state.result[t].is_failed()
    assert files_in(tmp_path) == []
