"""TaskRunner: retries, timeouts, skips, upstream readiness (handlers and errors: test_task_runner_handlers.py)."""
from __future__ import annotations

import datetime
import threading
import time

import flowctl
from flowctl import Flow, Task, task
from flowctl.core import Edge
from flowctl.engine import TaskRunner, signals
from flowctl.engine import state as st
from flowctl.exceptions import TaskTimeoutSignal


def upstream_of(t, state, key=None):
    return {Edge(Task(name="up"), t, key=key): state}


# -- retries ------------------------------------------------------------------------
def test_bare_task_runner_returns_retrying_state_on_failure():
    @task(max_retries=2, retry_delay=datetime.timedelta(seconds=5))
    def fails():
        raise ValueError("no")

    before = datetime.datetime.now(datetime.timezone.utc)
    state = TaskRunner(fails).run()
    assert isinstance(state, st.Retrying)
    assert state.run_count == 1
    assert state.start_time >= before + datetime.timedelta(seconds=5)


def test_retrying_state_passed_back_increments_run_count_until_failed():
    counts = []

    @task(max_retries=2, retry_delay=datetime.timedelta(0))
    def fails():
        counts.append(flowctl.context["task_run_count"])
        raise ValueError("no")

    runner = TaskRunner(fails)
    state = runner.run()
    assert isinstance(state, st.Retrying) and state.run_count == 1
    state = runner.run(state=state)
    assert isinstance(state, st.Retrying) and state.run_count == 2
    state = runner.run(state=state)
    assert isinstance(state, st.Failed)
    assert counts == [1, 2, 3]


def test_flow_honours_max_retries_and_retry_delay():
    attempts = []

    @task(max_retries=2, retry_delay=datetime.timedelta(seconds=0.3))
    def flaky():
        attempts.append((time.monotonic(), flowctl.context["task_run_count"]))
        if len(attempts) < 3:
            raise RuntimeError("flaky")
        return "ok"

    with Flow("retry") as flow:
        t = flaky()
    state = flow.run()
    assert state.is_successful()
    assert state.result[t].result == "ok"
    assert [count for _, count in attempts] == [1, 2, 3]
    gaps = [b[0] - a[0] for a, b in zip(attempts, attempts[1:])]
    assert all(gap >= 0.3 for gap in gaps)


def test_retries_exhausted_leave_task_failed_with_the_error():
    @task(max_retries=1, retry_delay=datetime.timedelta(0))
    def always():
        raise KeyError("k")

    with Flow("f") as flow:
        t = always()
    state = flow.run()
    assert state.is_failed()
    assert isinstance(state.result[t].result, KeyError)


def test_retry_on_only_retries_matching_exceptions():
    calls = {"match": 0, "other": 0}

    @task(max_retries=3, retry_delay=datetime.timedelta(0), retry_on=ConnectionError)
    def matching():
        calls["match"] += 1
        raise ConnectionError("net")

    @task(max_retries=3, retry_delay=datetime.timedelta(0), retry_on={ConnectionError, TimeoutError})
    def other():
        calls["other"] += 1
        raise ValueError("bad")

    with Flow("f") as flow:
        matching()
        other()
    flow.run()
    assert calls == {"match": 4, "other": 1}


def test_retry_delay_as_seconds_number_is_accepted():
    @task(max_retries=1, retry_delay=0)
    def fails():
        raise ValueError

    assert isinstance(TaskRunner(fails).run(), st.Retrying)


def test_downstream_waits_for_retried_upstream():
    attempts = []

    @task(max_retries=1, retry_delay=datetime.timedelta(0))
    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError
        return 5

    @task
    def double(x):
        return 2 * x

    with Flow("f") as flow:
        d = double(flaky())
    assert flow.run().result[d].result == 10


# -- timeouts -------------------------------------------------------------------------
def test_timeout_ends_task_timed_out():
    @task(timeout=0.2)
    def slow():
        time.sleep(5)

    state = TaskRunner(slow).run()
    assert isinstance(state, st.TimedOut)
    assert state.is_failed()
    assert isinstance(state.result, TaskTimeoutSignal)


def test_timeout_also_applies_in_a_worker_thread():
    @task(timeout=datetime.timedelta(seconds=0.2))
    def slow():
        time.sleep(3)

    out = {}
    worker = threading.Thread(target=lambda: out.setdefault("state", TaskRunner(slow).run()))
    worker.start()
    worker.join(10)
    assert isinstance(out["state"], st.TimedOut)


def test_fast_task_with_timeout_succeeds_in_thread_and_main():
    @task(timeout=5)
    def quick():
        return flowctl.context.get("task_name")

    assert TaskRunner(quick).run().result == "quick"
    out = {}
    worker = threading.Thread(target=lambda: out.setdefault("state", TaskRunner(quick).run()))
    worker.start()
    worker.join(10)
    assert out["state"].result == "quick"


def test_timed_out_task_is_retried():
    attempts = []

    @task(timeout=0.2, max_retries=1, retry_delay=datetime.timedelta(0))
    def slow_once():
        attempts.append(1)
        if len(attempts) == 1:
            time.sleep(3)
        return "second"

    with Flow("f") as flow:
        t = slow_once()
    assert flow.run().result[t].result == "second"


# -- skips ----------------------------------------------------------------------------
def test_upstream_skip_skips_downstream():
    t = Task(name="t")
    state = TaskRunner(t).run(upstream_states=upstream_of(t, st.Skipped()))
    assert state.is_skipped()


def test_skip_on_upstream_skip_false_runs_the_task():
    @task(skip_on_upstream_skip=False)
    def runs_anyway(x):
        return "ran"

    state = TaskRunner(runs_anyway).run(upstream_states=upstream_of(runs_anyway, st.Skipped(), key="x"))
    assert state.result == "ran"


def test_skip_propagates_through_a_chain_in_a_flow():
    @task
    def skipper():
        raise signals.SKIP("skip")

    @task
    def mid(x):
        return x

    @task(skip_on_upstream_skip=False)
    def last(x):
        return "last ran"

    with Flow("f") as flow:
        a = skipper()
        b = mid(a)
        c = last(b)
    state = flow.run()
    assert state.result[b].is_skipped()
    assert state.result[c].result == "last ran"


# -- upstream readiness -----------------------------------------------------------------
def test_unfinished_upstream_leaves_task_pending():
    t = Task(name="t")
    state = TaskRunner(t).run(upstream_states=upstream_of(t, st.Running()))
    assert state.is_pending()


def test_finished_initial_state_is_returned_unchanged():
    done = st.Success(result=9)
    assert TaskRunner(Task()).run(state=done) is done


def test_upstream_result_is_passed_by_key():
    @task
    def ident(x):
        return x

    state = TaskRunner(ident).run(upstream_states=upstream_of(ident, st.Success(result=11), key="x"))
    assert state.result == 11
