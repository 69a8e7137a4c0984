"""Prefect 1.x Core "Concepts: States" and "Notifications and State Handlers" doc examples,
ported to flowctl (imports only)."""
from __future__ import annotations

import datetime

import pytest

from flowctl import Flow, Task, task
from flowctl.engine import signals, state
from flowctl.engine.state import (
    Cached, Failed, Finished, Mapped, Paused, Pending, Resume, Retrying, Running, Scheduled,
    Skipped, Submitted, Success, TriggerFailed,
)
from flowctl.triggers import manual_only
from printed_output import printed


def test_state_messages_are_kept():
    assert Success(message="The task succeeded!").message == "The task succeeded!"
    assert Pending(message="This task is waiting to start").message == "This task is waiting to start"


def test_failed_state_result_is_the_exception():
    @task
    def boom():
        raise ValueError("bad")

    with Flow("f") as flow:
        b = boom()
    st = flow.run().result[b]
    assert isinstance(st, Failed)
    assert isinstance(st.result, ValueError)


def test_downstream_can_read_failed_upstream_result_when_opted_in():
    from flowctl.triggers import all_failed

    @task
    def boom():
        raise ValueError("why it failed")

    @task(trigger=all_failed)
    def inspect(x):
        return str(x)

    with Flow("f") as flow:
        i = inspect(boom())
    assert flow.run().result[i].result == "why it failed"


def test_state_hierarchy_described_by_docs():
    assert issubclass(Scheduled, Pending) and issubclass(Retrying, Pending)
    assert issubclass(Success, Finished) and issubclass(Failed, Finished)
    assert issubclass(Paused, Pending) and issubclass(Resume, Pending)
    assert issubclass(Mapped, Success) and issubclass(Mapped, Finished)
    assert issubclass(TriggerFailed, Failed)
    assert Submitted().is_meta_state()


def test_notify_on_retry_state_handler_fires_on_retrying():
    notified = []

    def send_notification():
        notified.append(True)

    def notify_on_retry(task, old_state, new_state):
        if isinstance(new_state, state.Retrying):
            send_notification()
        return new_state

    calls = []

    class Flaky(Task):
        def run(self):
            calls.append(1)
            if len(calls) < 2:
                raise ValueError("first try fails")
            return "ok"

    task_that_notifies = Flaky(state_handlers=[notify_on_retry], max_retries=1,
                               retry_delay=datetime.timedelta(0))
    st = Flow("retry", tasks=[task_that_notifies]).run()
    assert st.is_successful()
    assert notified == [True]


def test_task_transitions_pending_running_success():
    seen = []

    def h(t, old, new):
        seen.append(type(new))
        return new

    Flow("f", tasks=[Task(state_handlers=[h])]).run()
    assert seen == [Running, Success]


def test_task_transitions_running_failed():
    seen = []

    def h(t, old, new):
        seen.append(type(new))
        return new

    @task(state_handlers=[h])
    def boom():
        raise ValueError()

    with Flow("f") as flow:
        boom()
    flow.run()
    assert seen == [Running, Failed]


def test_trigger_failure_happens_before_running():
    seen = []

    def h(t, old, new):
        seen.append(type(new))
        return new

    @task
    def boom():
        raise ValueError()

    @task(state_handlers=[h])
    def after(x):
        return x

    with Flow("f") as flow:
        a = after(boom())
    assert isinstance(flow.run().result[a], TriggerFailed)
    assert Running not in seen
    assert seen[-1] is TriggerFailed


def test_skip_signal_while_running_and_skip_propagates():
    @task
    def skipper():
        raise signals.SKIP("not today")

    @task
    def downstream(x):
        return x

    @task(skip_on_upstream_skip=False)
    def runs_anyway(x):
        return "ran"

    with Flow("skip") as flow:
        s = skipper()
        d = downstream(s)
        r = runs_anyway(s)

    st = flow.run()
    assert isinstance(st.result[s], Skipped)
    assert st.result[s].message == "not today"
    assert st.result[d].is_skipped()
    assert st.result[r].result == "ran"
    assert st.is_successful()  # skips count as success


def test_pause_signal_pauses_and_resume_runs():
    @task
    def pauser():
        raise signals.PAUSE("wait for me")

    with Flow("pause") as flow:
        p = pauser()
    st = flow.run()
    assert isinstance(st.result[p], Paused)
    assert not st.is_finished()


def test_manual_only_trigger_pauses_before_running():
    ran = []

    @task
    def first():
        return 1

    @task(trigger=manual_only)
    def gated(x):
        ran.append(x)
        return x

    with Flow("manual") as flow:
        g = gated(first())
    st = flow.run()
    assert isinstance(st.result[g], Paused)
    assert ran == []
    resumed = flow.run(task_states={g: Resume()})
    assert resumed.result[g].result == 1


def test_mapped_transition_exposes_map_states():
    @task
    def inc(x):
        return x + 1

    with Flow("m") as flow:
        m = inc.map([1, 2])
    st = flow.run().result[m]
    assert isinstance(st, Mapped)
    assert [s.result for s in st.map_states] == [2, 3]


# --- notifications.md ---------------------------------------------------------------------


def my_state_handler(obj, old_state, new_state):
    msg = "\nCalling my custom state handler on {0}:\n{1} to {2}\n"
    print(msg.format(obj, old_state, new_state))
    return new_state


def test_flow_state_handler_prints_transitions(capsys):
    my_flow = Flow(name="state-handler-demo", tasks=[Task()], state_handlers=[my_state_handler])
    my_flow.run()
    out = printed(capsys)
    assert "Calling my custom state handler on <Flow: name=\"state-handler-demo\">" in out
    # Prefect 1.x state reprs: <Running: "Running flow.">
    assert '<Scheduled> to <Running: "Running flow.">' in out  # as Prefect 1: flow.run() starts Scheduled
    assert '<Running: "Running flow."> to <Success: "All reference tasks succeeded.">' in out


def test_task_state_handler_prints_transitions(capsys):
    t = Task(state_handlers=[my_state_handler])
    flow = Flow(name="state-handler-demo", tasks=[t])
    flow.run()
    out = printed(capsys)
    assert "Calling my custom state handler on <Task: Task>" in out
    assert '<Pending> to <Running: "Starting task run.">' in out
    assert '<Running: "Starting task run."> to <Success: "Task run succeeded.">' in out


def test_finished_notifier_posts_only_for_finished_states():
    posted = []

    def post_to_slack(task, old_state, new_state):
        if new_state.is_finished():
            posted.append("Task {0} finished in state {1}".format(task, new_state))
        return new_state

    t = Task(state_handlers=[post_to_slack])
    Flow(name="state-handler-demo", tasks=[t]).run()
    assert posted == ['Task <Task: Task> finished in state <Success: "Task run succeeded.">']


def test_retry_notifier_is_never_run_for_a_successful_task():
    posted = []

    def post_to_slack(task, old_state, new_state):
        if new_state.is_retrying():
            posted.append("Task {0} failed and is retrying at {1}".format(task, new_state.start_time))
        return new_state

    t = Task(state_handlers=[post_to_slack])
    Flow(name="state-handler-demo", tasks=[t]).run()
    assert posted == []


def test_retry_notifier_sees_start_time_of_retrying_state():
    posted = []

    def post_to_slack(task, old_state, new_state):
        if new_state.is_retrying():
            posted.append(new_state.start_time)
        return new_state

    @task(state_handlers=[post_to_slack], max_retries=1, retry_delay=datetime.timedelta(0))
    def boom():
        raise ValueError()

    with Flow("f") as flow:
        boom()
    flow.run()
    assert len(posted) == 1 and posted[0] is not None


def test_special_failure_mode_handler_reads_attributes_of_fail_signal(capsys):
    def alert_on_special_failure(task, old_state, new_state):
        if new_state.is_failed():
            if getattr(new_state.result, "flag", False) is True:
                print("Special failure mode!  Send all the alerts!")
                print("a == b == {}".format(new_state.result.value))
        return new_state

    @task(state_handlers=[alert_on_special_failure])
    def mission_critical_task(a, b):
        if a == b:
            fail_signal = signals.FAIL("a equaled b!")
            fail_signal.flag = True
            fail_signal.value = a
            raise fail_signal
        else:
            return 1 / (b - a)

    with Flow(name="state-inspection-handler") as flow:
        result = mission_critical_task(1, 1)

    st = flow.run()
    out = printed(capsys)
    assert "Special failure mode!  Send all the alerts!" in out
    assert "a == b == 1" in out
    assert st.result[result].message == "a equaled b!"


def test_failing_state_handler_fails_the_task():
    def bad_handler(task, old_state, new_state):
        if new_state.is_finished():
            raise RuntimeError("notification failed")
        return new_state

    t = Task(state_handlers=[bad_handler])
    st = Flow("f", tasks=[t]).run()
    assert st.result[t].is_failed()


def test_callback_factory_builds_a_filtered_state_handler():
    from flowctl.utilities.notifications import callback_factory

    sent = []

    def send_post(task, state):
        sent.append("Task {0} failed and is retrying at {1}".format(task, state.start_time))

    post_to_slack = callback_factory(send_post, lambda s: s.is_retrying())

    @task(state_handlers=[post_to_slack], max_retries=1, retry_delay=datetime.timedelta(0))
    def boom():
        raise ValueError()

    with Flow("f") as flow:
        boom()
    flow.run()
    assert len(sent) == 1 and sent[0].startswith("Task <Task: boom> failed and is retrying at ")


def test_on_failure_callback_for_tasks_and_flows():
    calls = []

    def f(obj, state):
        calls.append((obj, type(state)))

    @task(on_failure=f)
    def boom():
        raise ValueError()

    with Flow("f", on_failure=f) as flow:
        b = boom()
    flow.run()
    assert (b, Failed) in calls
    assert (flow, Failed) in calls
