"""``cache_for`` + ``cache_validator``: reuse a Cached state within a run and across runs."""
from __future__ import annotations

import datetime

import pytest

from flowctl import Flow, Parameter, task
from flowctl.engine import cache_validators
from flowctl.engine.state import Cached

HOUR = datetime.timedelta(hours=1)


def counting_task(calls, **task_kwargs):
    @task(name="work", cache_for=HOUR, **task_kwargs)
    def work(x=0, y=0):
        calls.append((x, y))
        return ("result", x, y)

    return work


def test_cache_for_defaults_to_the_duration_only_validator():
    work = counting_task([])
    assert work.cache_validator is cache_validators.duration_only


def test_without_cache_for_the_validator_is_never_use():
    @task
    def plain():
        return 1

    assert plain.cache_validator is cache_validators.never_use


def test_same_task_twice_in_one_run_computes_twice_then_both_reuse_the_cache():
    """As Prefect 1.4.1 (checked side by side): the caches learn of a run's Cached states when
    ``flow.run`` ends, so within one run each copy computes; the next run reuses."""
    calls = []
    work = counting_task(calls, cache_validator=cache_validators.all_inputs)
    with Flow("f") as flow:
        first = work(1)
        second = work(1, upstream_tasks=[first])
    caches: dict = {}
    state = flow.run(context={"caches": caches})
    assert calls == [(1, 0), (1, 0)]
    assert isinstance(state.result[second], Cached)  # (a run that computes ends Cached too)
    again = flow.run(context={"caches": caches})
    assert calls == [(1, 0), (1, 0)]
    assert again.result[second].result == ("result", 1, 0)


def test_cache_is_reused_across_runs_when_the_same_caches_are_passed():
    calls = []
    work = counting_task(calls)
    with Flow("f") as flow:
        t = work(1)
    caches: dict = {}
    flow.run(context={"caches": caches})
    state = flow.run(context={"caches": caches})
    assert calls == [(1, 0)]
    assert isinstance(state.result[t], Cached)
    assert state.result[t].result == ("result", 1, 0)


def test_cache_lives_for_the_process_so_a_second_run_reuses_it():
    calls = []
    work = counting_task(calls)
    with Flow("f") as flow:
        t = work(1)
    flow.run()
    state = flow.run()
    assert len(calls) == 1
    assert state.result[t].is_cached()


def test_never_use_always_runs():
    calls = []
    work = counting_task(calls, cache_validator=cache_validators.never_use)
    with Flow("f") as flow:
        t = work(1)
    caches: dict = {}
    flow.run(context={"caches": caches})
    state = flow.run(context={"caches": caches})
    assert len(calls) == 2
    assert state.result[t].is_cached()  # as Prefect 1: a run that computes ends Cached too


def test_duration_only_ignores_inputs_from_the_next_run_on():
    calls = []
    work = counting_task(calls, cache_validator=cache_validators.duration_only)
    with Flow("f") as flow:
        first = work(1)
        second = work(2, upstream_tasks=[first])
    caches: dict = {}
    state = flow.run(context={"caches": caches})
    # as Prefect 1.4.1: the caches learn of a run's Cached states when flow.run ends, so two
    # same-named tasks of one run each compute (never one reading what the other just cached)
    assert calls == [(1, 0), (2, 0)] and state.result[second].result == ("result", 2, 0)
    again = flow.run(context={"caches": caches})
    assert len(calls) == 2  # the next run takes the first valid entry for both, whatever its inputs
    assert again.result[first].result == again.result[second].result


def test_duration_only_reruns_after_the_cache_expires():
    calls = []
    work = counting_task(calls, cache_validator=cache_validators.duration_only)
    with Flow("f") as flow:
        t = work(1)
    caches: dict = {}
    flow.run(context={"caches": caches})
    for cached in caches["work"]:
        cached.cached_result_expiration = datetime.datetime.now(datetime.timezone.utc) - HOUR
    state = flow.run(context={"caches": caches})
    assert len(calls) == 2
    assert state.result[t].is_cached()  # as Prefect 1: a run that computes ends Cached too


def test_all_inputs_reruns_when_an_input_changes():
    calls = []
    work = counting_task(calls, cache_validator=cache_validators.all_inputs)
    with Flow("f") as flow:
        x = Parameter("x")
        t = work(x)
    caches: dict = {}
    flow.run(parameters={"x": 1}, context={"caches": caches})
    same = flow.run(parameters={"x": 1}, context={"caches": caches})
    changed = flow.run(parameters={"x": 2}, context={"caches": caches})
    assert calls == [(1, 0), (2, 0)]
    assert same.result[t].is_cached()
    assert changed.result[t].is_cached()  # as Prefect 1: a run that computes ends Cached too
    assert changed.result[t].result == ("result", 2, 0)


def test_all_parameters_reruns_when_any_parameter_changes():
    calls = []
    work = counting_task(calls, cache_validator=cache_validators.all_parameters)
    with Flow("f") as flow:
        a = Parameter("a")
        b = Parameter("b")
        t = work(1, upstream_tasks=[a, b])
    caches: dict = {}
    flow.run(parameters={"a": 1, "b": 1}, context={"caches": caches})
    same = flow.run(parameters={"a": 1, "b": 1}, context={"caches": caches})
    changed = flow.run(parameters={"a": 1, "b": 2}, context={"caches": caches})
    assert len(calls) == 2
    assert same.result[t].is_cached()
    assert changed.result[t].is_cached()  # as Prefect 1: a run that computes ends Cached too


def test_partial_parameters_only_ignores_other_parameters():
    calls = []
    work = counting_task(calls, cache_validator=cache_validators.partial_parameters_only(validate_on=["a"]))
    with Flow("f") as flow:
        a = Parameter("a")
        b = Parameter("b")
        t = work(1, upstream_tasks=[a, b])
    caches: dict = {}
    flow.run(parameters={"a": 1, "b": 1}, context={"caches": caches})
    other_b = flow.run(parameters={"a": 1, "b": 99}, context={"caches": caches})
    other_a = flow.run(parameters={"a": 2, "b": 99}, context={"caches": caches})
    assert len(calls) == 2
    assert other_b.result[t].is_cached()
    assert other_a.result[t].is_cached()  # as Prefect 1: a run that computes ends Cached too


def test_partial_inputs_only_ignores_other_inputs():
    calls = []
    work = counting_task(calls, cache_validator=cache_validators.partial_inputs_only(validate_on=["x"]))
    with Flow("f") as flow:
        first = work(1, 1)
    caches: dict = {}
    flow.run(context={"caches": caches})
    with Flow("g") as other:
        other_y = work(1, 2)
        other_x = work(2, 2, upstream_tasks=[other_y])
    state = other.run(context={"caches": caches})
    assert calls == [(1, 1), (2, 2)]
    assert state.result[other_y].is_cached()
    assert state.result[other_y].result == ("result", 1, 1)
    assert state.result[other_x].is_cached()  # as Prefect 1: a run that computes ends Cached too


@pytest.mark.parametrize(
    "validator",
    [
        cache_validators.duration_only,
        cache_validators.all_inputs,
        cache_validators.all_parameters,
        cache_validators.partial_parameters_only(validate_on=["p"]),
        cache_validators.partial_inputs_only(validate_on=["x"]),
    ],
)
def test_every_reusing_validator_rejects_an_expired_cache(validator):
    expired = Cached(
        result=1, cached_inputs={"x": 1}, cached_parameters={"p": 1},
        cached_result_expiration=datetime.datetime.now(datetime.timezone.utc) - HOUR,
    )
    fresh = Cached(
        result=1, cached_inputs={"x": 1}, cached_parameters={"p": 1},
        cached_result_expiration=datetime.datetime.now(datetime.timezone.utc) + HOUR,
    )
    assert validator(fresh, {"x": 1}, {"p": 1}) is True
    assert validator(expired, {"x": 1}, {"p": 1}) is False


def test_cache_key_shares_a_cache_between_differently_named_tasks():
    calls = []

    @task(cache_for=HOUR, cache_key="shared")
    def one():
        calls.append("one")
        return "value"

    @task(cache_for=HOUR, cache_key="shared")
    def two():
        calls.append("two")
        return "other"

    with Flow("f") as flow:
        first = one()
    caches: dict = {}
    flow.run(context={"caches": caches})
    with Flow("g") as other:
        second = two()
    state = other.run(context={"caches": caches})
    assert calls == ["one"]
    assert state.result[second].result == "value"


def test_failed_runs_are_not_cached():
    calls = []

    @task(cache_for=HOUR)
    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first fails")
        return "ok"

    with Flow("f") as flow:
        t = flaky()
    caches: dict = {}
    assert flow.run(context={"caches": caches}).result[t].is_failed()
    second = flow.run(context={"caches": caches})
    assert second.result[t].result == "ok"
    assert len(calls) == 2
