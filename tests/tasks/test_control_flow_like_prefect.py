"""``case``/``switch``/``ifelse``/``merge``, resources and ``pause_task`` as Prefect 1.4.1 builds them.

Names, tags, slugs and final states here were read off the same flows run on Prefect 1.4.1.
"""
from __future__ import annotations

import datetime

import pytest

from flowctl import Flow, case, resource_manager, task, triggers
from flowctl.engine import signals
from flowctl.engine.state import Skipped
from flowctl.tasks.control_flow import ifelse, merge, switch
from flowctl.tasks.control_flow.conditional import Merge
from flowctl.tasks.core.resource_manager import resource_cleanup_trigger
from flowctl.utilities.tasks import pause_task


@task
def condition():
    return "a"


@task
def branch_a():
    return "A"


@task
def branch_b():
    return "B"


def names_and_slugs(flow):
    return sorted((t.name, flow.slugs[t], tuple(sorted(t.tags))) for t in flow.tasks)


def test_switch_builds_compare_value_tasks_named_and_tagged_like_prefect():
    with Flow("f") as flow:
        a, b = branch_a(), branch_b()
        switch(condition(), {"a": a, "b": b})
    compares = [n for n in names_and_slugs(flow) if n[0].startswith("CompareValue")]
    assert compares == [('CompareValue: "a"', 'CompareValue: "a"-switch-1', ("switch",)),
                        ('CompareValue: "b"', 'CompareValue: "b"-switch-1', ("switch",))]
    state = flow.run()
    assert state.result[b].message.startswith("Upstream task was skipped")
    skipped = next(t for t in flow.tasks if t.name == 'CompareValue: "b"')
    assert state.result[skipped].message == 'Provided value "a" did not match "b"'


def test_ifelse_adds_an_as_bool_task_and_compares_with_true_and_false():
    @task
    def zero():
        return 0

    with Flow("f") as flow:
        yes, no = branch_a(), branch_b()
        ifelse(zero(), yes, no)
        merged = merge(yes, no)
    assert {"as_bool", 'CompareValue: "True"', 'CompareValue: "False"'} <= {t.name for t in flow.tasks}
    state = flow.run()
    assert state.result[merged].result == "B"
    assert isinstance(state.result[yes], Skipped)


def test_case_block_condition_is_named_case_of_the_value():
    with Flow("f") as flow:
        with case(condition(), "b"):
            inside = branch_a()
    assert "case(b)" in {t.name for t in flow.tasks}
    assert isinstance(flow.run().result[inside], Skipped)


def test_merge_binds_task_n_keys_and_returns_the_first_result_in_key_order():
    with Flow("f") as flow:
        merged = merge(*[branch_a() for _ in range(3)])
    assert {e.key for e in flow.edges_to(merged)} == {"task_1", "task_2", "task_3"}
    assert Merge().run(task_2="second", task_10="tenth", task_1=None) == "tenth"  # sorted names, as Prefect


def test_merge_refuses_skip_on_upstream_skip():
    with pytest.raises(ValueError, match="skip_on_upstream_skip"):
        Merge(skip_on_upstream_skip=True)


def test_merge_of_nothing_and_a_lone_not_all_skipped_task_skip_with_result_none():
    @task(trigger=triggers.not_all_skipped)
    def alone():
        return 1

    with Flow("f") as flow:
        empty = merge()
        lone = alone()
    state = flow.run()
    for t in (empty, lone):
        assert isinstance(state.result[t], Skipped)
        assert state.result[t].message == "All upstreams were skipped"
        assert state.result[t].result is None


def test_pause_task_with_a_duration_pauses_until_now_plus_duration():
    before = datetime.datetime.now(datetime.timezone.utc)
    with pytest.raises(signals.PAUSE) as raised:
        pause_task(duration=datetime.timedelta(minutes=5))
    paused = raised.value.state
    assert paused.message == "Pause signal raised during task execution."
    assert before + datetime.timedelta(minutes=5) <= paused.start_time
    assert paused.start_time <= datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)


def make_resource(events, with_setup=True):
    class Connection:
        def __init__(self, host="db"):
            self.host = host

        def cleanup(self, resource):
            events.append(("cleanup", resource))

    if with_setup:
        Connection.setup = lambda self: events.append(("setup", self.host)) or f"handle-{self.host}"
    return resource_manager(Connection)


def test_resource_tasks_are_named_like_prefect_and_created_when_called():
    events = []
    Connection = make_resource(events)
    with Flow("f") as flow:
        block = Connection("db")
        assert {t.name for t in flow.tasks} == {"Connection", "Connection.setup", "Connection.cleanup"}
        with block as handle:
            used = branch_a(upstream_tasks=[handle])
    state = flow.run()
    assert state.is_successful() and state.result[used].result == "A"
    assert events == [("setup", "db"), ("cleanup", "handle-db")]


def test_resource_without_setup_yields_none_and_still_cleans_up():
    events = []
    Connection = make_resource(events, with_setup=False)
    with Flow("f") as flow:
        with Connection() as handle:
            branch_a()
    assert handle is None
    flow.run()
    assert events == [("cleanup", None)]


def test_cleanup_failure_does_not_decide_the_flow_state():
    @resource_manager
    class Fragile:
        def setup(self):
            return 1

        def cleanup(self, resource):
            raise RuntimeError("cleanup broke")

    with Flow("f") as flow:
        with Fragile():
            branch_a()
    cleanup = next(t for t in flow.tasks if t.name == "Fragile.cleanup")
    assert cleanup not in flow.reference_tasks()
    state = flow.run()
    assert state.result[cleanup].is_failed() and state.is_successful()


def test_resource_cleanup_trigger_skips_when_setup_failed():
    from flowctl.core.edge import Edge
    from flowctl.core.task import Task
    from flowctl.engine.state import Failed, Success

    init, setup, cleanup = Task(), Task(), Task()
    upstream = {Edge(init, cleanup, key="mgr"): Success(), Edge(setup, cleanup, key="resource"): Failed()}
    with pytest.raises(signals.SKIP, match="Resource manager setup failed"):
        resource_cleanup_trigger(upstream)
