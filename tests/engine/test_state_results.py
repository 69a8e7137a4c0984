"""States hold Result objects, as in Prefect 1.4.1: ``_result``, ``NoResult``, ``load_result``."""
from __future__ import annotations

import pickle

import pytest

from flowctl import Flow, task
from flowctl.engine import signals
from flowctl.engine import state as st
from flowctl.engine.result import NoResult, Result
from flowctl.engine.results import LocalResult


def test_a_state_without_a_result_holds_no_result():
    state = st.Success()
    assert state._result is NoResult
    assert state.result is None


def test_result_is_the_value_of_the_result_object():
    state = st.Success(result=[1, 2])
    assert isinstance(state._result, Result)
    assert state._result.value == [1, 2] and state.result == [1, 2]
    assert state._result.location is None


def test_a_result_object_given_to_a_state_is_kept_with_its_location():
    written = Result(value=3, location="somewhere")
    state = st.Success(result=written)
    assert state._result is written
    assert state.result == 3 and state._result.location == "somewhere"


def test_setting_the_result_object_changes_the_value():
    state = st.Success(result=1)
    state._result = Result(value=2, location="x")
    assert state.result == 2
    state.result = 5
    assert state._result.value == 5 and state._result.location is None


def test_load_result_reads_the_value_back_from_its_location(tmp_path):
    written = LocalResult(dir=tmp_path).write({"k": 1}, location="v.pkl")
    state = st.Success(result=Result(location=written.location))
    assert state.result is None
    assert state.load_result(LocalResult(dir=tmp_path)) is state
    assert state.result == {"k": 1}


def test_states_accept_new_attributes_and_keep_them_through_pickle():
    state = st.Failed("boom", result=ValueError("x"))
    state.timestamp = 123.0
    back = pickle.loads(pickle.dumps(state))
    assert back.timestamp == 123.0 and back.message == "boom" and isinstance(back.result, ValueError)


def test_a_state_handler_can_stamp_states_during_a_run():
    def stamp(task, old, new):
        new.timestamp = "now"
        return new

    @task(state_handlers=[stamp])
    def work():
        return 1

    with Flow("stamped") as flow:
        t = work()
    assert flow.run().result[t].timestamp == "now"


def test_meta_states_unwrap_what_they_wrap():
    wrapped = st.Submitted(state=st.Queued(state=st.Retrying()))
    assert isinstance(wrapped.state, st.Retrying)
    assert wrapped.is_meta_state() and isinstance(wrapped, st._MetaState)
    assert st.ClientFailed(state=st.Running()).is_meta_state()


def test_children_lists_every_state_class_below_once_and_hides_private_ones():
    names = st.State.children(names_only=True)
    assert "_MetaState" not in names
    assert names.count("ClientFailed") == 1
    assert set(st.Failed.children(names_only=True)) >= {"TimedOut", "TriggerFailed", "ValidationFailed"}
    assert st.Success.children(include_self=True)[-1] is st.Success
    assert st.TimedOut.parents(names_only=True) == ["Failed", "Finished", "State"]


@pytest.mark.parametrize("state,signal", [
    (st.Failed(), signals.FAIL), (st.TriggerFailed(), signals.TRIGGERFAIL), (st.Success(), signals.SUCCESS),
    (st.Skipped(), signals.SKIP), (st.Paused(), signals.PAUSE), (st.Looped(), signals.LOOP),
    (st.Retrying(), signals.RETRY), (st.ValidationFailed(), signals.VALIDATIONFAIL),
])
def test_signal_from_state_names_the_signal_that_ends_in_that_state(state, signal):
    assert signals.signal_from_state(state) is signal


def test_signal_from_state_rejects_states_no_signal_leads_to():
    with pytest.raises(ValueError, match="No signal matches"):
        signals.signal_from_state(st.Running())


def test_paused_without_start_time_waits_to_be_resumed():
    assert st.Paused().start_time is None


def test_a_local_result_makes_its_missing_directory_private_when_made(tmp_path):
    import os
    import stat

    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    LocalResult(dir=str(tmp_path / "made" / "here"))  # as Prefect 1: made at once, ours 0700
    assert stat.S_IMODE(os.stat(tmp_path / "made" / "here").st_mode) == 0o700
    LocalResult(dir=str(existing))  # a directory the user already has is left as it is
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o755
    LocalResult(dir=str(tmp_path / "unchecked"), validate_dir=False)
    assert not (tmp_path / "unchecked").exists()
