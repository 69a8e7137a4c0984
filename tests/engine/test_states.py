"""State classes: hierarchy, predicates, equality."""
from __future__ import annotations

import pytest

from flowctl.engine import state as st

HIERARCHY = {
    "Pending": "State", "Scheduled": "Pending", "Paused": "Scheduled", "Resume": "Scheduled",
    "Retrying": "Scheduled", "Submitted": "_MetaState", "Queued": "_MetaState", "Running": "State",
    "Cancelling": "Running", "Finished": "State", "Success": "Finished", "Cached": "Success",
    "Mapped": "Success", "Skipped": "Success", "Looped": "Finished", "Cancelled": "Finished",
    "Failed": "Finished", "TimedOut": "Failed", "TriggerFailed": "Failed",
    "ValidationFailed": "Failed", "_MetaState": "State", "ClientFailed": "_MetaState",
}


@pytest.mark.parametrize("name,parent", sorted(HIERARCHY.items()))
def test_state_inherits_from_its_documented_parent(name, parent):
    assert getattr(st, parent) in getattr(st, name).__mro__[1:2]


def test_every_state_has_message_result_context_cached_inputs_and_color():
    for name in HIERARCHY:
        s = getattr(st, name)(message="m", result=1)
        assert s.message == "m"
        assert s.result == 1
        assert s._result.value == 1
        assert s.context == {}
        assert s.cached_inputs == {}
        assert isinstance(s.color, str)


@pytest.mark.parametrize(
    "cls,true_predicates",
    [
        (st.Pending, {"is_pending"}),
        (st.Scheduled, {"is_pending", "is_scheduled"}),
        (st.Paused, {"is_pending", "is_scheduled", "is_paused"}),
        (st.Retrying, {"is_pending", "is_scheduled", "is_retrying"}),
        (st.Running, {"is_running"}),
        (st.Success, {"is_finished", "is_successful"}),
        (st.Cached, {"is_finished", "is_successful", "is_cached"}),
        (st.Mapped, {"is_finished", "is_successful", "is_mapped"}),
        (st.Skipped, {"is_finished", "is_successful", "is_skipped"}),
        (st.Looped, {"is_finished", "is_looped"}),
        (st.Cancelled, {"is_finished", "is_cancelled"}),
        (st.Failed, {"is_finished", "is_failed"}),
        (st.TimedOut, {"is_finished", "is_failed"}),
        (st.TriggerFailed, {"is_finished", "is_failed"}),
        (st.Queued, {"is_queued", "is_scheduled", "is_meta_state"}),
        (st.Submitted, {"is_submitted", "is_meta_state"}),
    ],
)
def test_predicates_answer_for_each_state(cls, true_predicates):
    predicates = ["is_pending", "is_scheduled", "is_paused", "is_retrying", "is_running", "is_finished",
                  "is_successful", "is_cached", "is_mapped", "is_skipped", "is_looped", "is_cancelled",
                  "is_failed", "is_queued", "is_submitted", "is_meta_state"]
    s = cls()
    assert {p for p in predicates if getattr(s, p)()} == true_predicates


def test_states_compare_by_type_and_result_only():
    assert st.Success(message="a", result=1) == st.Success(message="b", result=1)
    assert st.Success(result=1) != st.Success(result=2)
    assert st.Success(result=1) != st.Cached(result=1)
    assert st.Failed() != st.Success()


def test_mapped_state_carries_children_in_order():
    children = [st.Success(result=i) for i in range(3)]
    mapped = st.Mapped(map_states=children)
    assert mapped.map_states == children
    assert mapped.n_map_states == 3
    assert mapped.result is None  # as Prefect 1's: a Mapped state made by hand has no result
    assert mapped.load_result().result == [0, 1, 2]  # until its children's results are loaded


def test_a_mapped_parent_has_no_result_until_its_children_ran():
    from flowctl import Flow, task
    from flowctl.engine.result import NoResult

    seen = []

    def handler(task_, old, new):
        if isinstance(new, st.Mapped):
            seen.append((new.message, new.result, new._result))
        return new

    @task(state_handlers=[handler])
    def inc(x):
        return x + 1

    with Flow("mapped-result") as flow:
        result = inc.map([1, 2, 3])
    state = flow.run()
    assert seen == [("Ready to proceed with mapping.", None, NoResult)]
    assert state.result[result].result == [2, 3, 4]
    assert state.result[result]._result.value == [2, 3, 4]


def test_retrying_and_scheduled_carry_start_time_and_run_count():
    import datetime

    when = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    r = st.Retrying(start_time=when, run_count=2)
    assert r.start_time == when and r.run_count == 2
    s = st.Scheduled(start_time=when)
    assert s.start_time == when


def test_a_naive_start_time_is_read_as_utc_as_prefect_1():
    import datetime

    naive = datetime.datetime(2030, 1, 1, 12, 0)
    for state in (st.Scheduled(start_time=naive), st.Retrying(start_time=naive), st.Paused(start_time=naive)):
        assert state.start_time == naive.replace(tzinfo=datetime.timezone.utc)
        assert state.start_time.tzinfo is not None


def test_a_loop_signal_without_result_carries_its_repr():
    from flowctl.engine import signals

    assert signals.LOOP("again").state.result == "LOOP('again')"
    assert signals.LOOP(message="again").state.result == "LOOP()"  # a keyword message is not in args
    assert signals.LOOP("again", result=3).state.result == 3


def test_state_result_is_settable():
    s = st.Success(result=1)
    s.result = 2
    assert s.result == 2 and s._result.value == 2


def test_states_pickle_round_trip():
    import cloudpickle

    s = st.Failed(message="boom", result=ValueError("x"))
    back = cloudpickle.loads(cloudpickle.dumps(s))
    assert isinstance(back, st.Failed)
    assert back.message == "boom"
    assert isinstance(back.result, ValueError)
