"""State details Prefect 1 code relies on: equality, cached inputs read back, tags in context."""
from __future__ import annotations

import flowctl
from flowctl.engine import cache_validators
from flowctl.engine import state as st
from flowctl.engine.result import Result
from flowctl.engine.results import PrefectResult


def test_states_are_equal_by_class_result_and_public_attributes_not_message_or_context():
    assert st.Success(message="a", result=1, context={"x": 1}) == st.Success(message="b", result=1)
    assert st.Pending(cached_inputs={"x": Result(1)}) != st.Pending(cached_inputs={"x": Result(2)})
    assert st.Pending(cached_inputs={"x": Result(1)}) == st.Pending(cached_inputs={"x": Result(1)})
    stamped = st.Success(result=1)
    stamped.timestamp = 3  # set by a handler: part of what the state says
    assert stamped != st.Success(result=1)
    assert st.Mapped(map_states=[st.Success()]) != st.Mapped(map_states=[st.Failed()])


def test_results_are_equal_by_class_and_public_attributes():
    assert Result(1) == Result(1) and Result(1) != Result(2)
    assert Result(1, location="a") != Result(1)
    assert PrefectResult(1) != Result(1)
    assert len({Result(1), Result(1)}) == 2  # still hashable, by identity


def test_load_cached_results_reads_each_input_back_from_its_location():
    state = st.Pending(cached_inputs={"x": PrefectResult(location="42"), "y": Result(value=3)})
    state.load_cached_results()
    assert state.cached_inputs["x"].value == 42 and state.cached_inputs["y"].value == 3
    other = st.Pending(cached_inputs={"x": Result(location="7")})
    assert other.load_cached_results({"x": PrefectResult()}).cached_inputs["x"].value == 7


def test_a_state_made_in_a_task_run_carries_its_tags_and_a_scheduled_one_its_run_count():
    with flowctl.context(task_tags={"etl"}, task_run_count=2):
        success, retrying = st.Success(), st.Retrying()
        given = st.Failed(context={"mine": True})
    assert success.context == {"tags": ["etl"]}
    assert retrying.context == {"tags": ["etl"], "task_run_count": 2}
    assert given.context == {"mine": True, "tags": ["etl"]}
    assert st.Success().context == {}


def test_input_validators_read_cached_inputs_held_as_results():
    cached = st.Cached(cached_inputs={"x": Result(1), "y": Result(2)})
    assert cache_validators.all_inputs(cached, {"x": 1, "y": 2}, {})
    assert not cache_validators.all_inputs(cached, {"x": 1, "y": 3}, {})
    assert cache_validators.partial_inputs_only(["x"])(cached, {"x": 1, "y": 9}, {})
    assert cache_validators.partial_inputs_only()(cached, {"x": 5}, {})  # nothing named: valid


def test_validators_check_a_cached_state_holding_dask_tokens_of_its_inputs():
    """Prefect 1's caches keep ``hashed_inputs`` (``dask.base.tokenize`` of each input), not values."""
    from dask.base import tokenize

    cached = st.Cached(hashed_inputs={"x": tokenize(1), "s": tokenize("str")})
    assert cache_validators.all_inputs(cached, {"x": 1, "s": "str"}, {})
    assert not cache_validators.all_inputs(cached, {"x": 2, "s": "str"}, {})
    assert not cache_validators.all_inputs(cached, {"x": 1, "s": "str", "extra": 0}, {})
    assert cache_validators.partial_inputs_only(["x"])(cached, {"x": 1, "s": "other"}, {})
    assert not cache_validators.partial_inputs_only(["s"])(cached, {"x": 1, "s": "other"}, {})


def test_a_runner_keeps_the_context_it_was_made_in():
    from flowctl.engine import TaskRunner

    with flowctl.context(who="me"):
        runner = TaskRunner(flowctl.Task())
    assert runner.context["who"] == "me" and "who" not in flowctl.context
    assert TaskRunner(flowctl.Task()).context == {}  # outside a run the context is empty (API.md)


def test_a_state_pickles_with_an_unpicklable_exception_named_in_a_message():
    import copy
    import pickle
    import threading

    class Locked(Exception):
        def __init__(self, *args):
            self.lock = threading.RLock()
            super().__init__(*args)

    state = st.Failed("broke", result=Locked("held"))
    state.seen_by = "handler"
    loaded = pickle.loads(pickle.dumps(state))
    assert loaded.result.startswith("The following exception could not be pickled due to TypeError(")
    assert loaded.result.endswith(": Locked('held')")
    assert loaded.message == "broke" and loaded.seen_by == "handler"
    assert isinstance(state.result, Locked)  # the state itself keeps its exception
    copied = copy.copy(state)  # a copy is no pickle: the exception stays
    assert copied.result is state.result and copied.seen_by == "handler"
    assert pickle.loads(pickle.dumps(st.Failed(result=ValueError("fine")))).result.args == ("fine",)
