"""flowctl.context inside and outside runs; configuration and debugging helpers."""
from __future__ import annotations

import datetime
import json
import logging
import subprocess
import sys
import threading

import pytest

import flowctl
from flowctl import Flow, Parameter, task
from flowctl.engine import TaskRunner
from flowctl.utilities.configuration import set_temporary_config

KEYS = ("logger", "flow_name", "task_name", "task_full_name", "task_slug", "task_tags", "map_index",
        "task_run_count", "parameters", "today", "yesterday", "tomorrow", "date", "flow_run_id",
        "task_run_id")


@task(tags=["ctx"])
def snapshot():
    return {key: flowctl.context.get(key, "<missing>") for key in KEYS}


def test_context_holds_run_information_inside_a_flow_run():
    with Flow("ctx-flow") as flow:
        flow.add_task(Parameter("p", default=1))
        s = snapshot()
    state = flow.run(parameters={"p": 2})
    ctx = state.result[s].result
    assert "<missing>" not in ctx.values()
    assert isinstance(ctx["logger"], logging.Logger)
    assert ctx["flow_name"] == "ctx-flow"
    assert ctx["task_name"] == "snapshot"
    assert ctx["task_full_name"] == "snapshot"
    assert ctx["task_slug"] == flow.slugs[s]
    assert ctx["task_tags"] == {"ctx"}
    assert ctx["map_index"] is None
    assert ctx["task_run_count"] == 1
    assert ctx["parameters"] == {"p": 2}
    assert isinstance(ctx["date"], datetime.datetime)
    today = ctx["date"].date()
    assert ctx["today"] == today.isoformat()
    assert ctx["yesterday"] == (today - datetime.timedelta(days=1)).isoformat()
    assert ctx["tomorrow"] == (today + datetime.timedelta(days=1)).isoformat()
    assert ctx["flow_run_id"] and ctx["task_run_id"]


def test_a_date_in_the_context_sets_the_run_dates_a_standard_datetime_too():
    @task
    def dates():
        return [flowctl.context.get(k) for k in ("date", "today", "yesterday", "tomorrow_nodash")]

    flow = Flow("backfill", tasks=[dates])
    given = datetime.datetime(2024, 3, 1, 23, 0)  # Prefect 1.4.1 reads only pendulum's (README)
    assert flow.run(context={"date": given}).result[dates].result == [given, "2024-03-01", "2024-02-29", "20240302"]
    parsed = flow.run(context={"date": "2024-02-29T10:00:00+02:00"}).result[dates].result
    assert parsed[0] == datetime.datetime(2024, 2, 29, 10, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert parsed[1:] == ["2024-02-29", "2024-02-28", "20240301"]


def test_task_run_ids_differ_between_tasks_and_flow_run_ids_between_runs():
    with Flow("ids") as flow:
        a = snapshot()
        b = snapshot()
    first = flow.run()
    second = flow.run()
    ids = [first.result[t].result["task_run_id"] for t in (a, b)]
    assert ids[0] != ids[1]
    assert first.result[a].result["flow_run_id"] != second.result[a].result["flow_run_id"]
    assert first.result[a].result["flow_run_id"] == first.result[b].result["flow_run_id"]


def test_mapped_children_see_their_map_index_and_full_name():
    @task
    def where(x):
        return flowctl.context["map_index"], flowctl.context["task_full_name"]

    with Flow("m") as flow:
        r = where.map([10, 20, 30])
    state = flow.run()
    assert [c.result for c in state.result[r].map_states] == [
        (0, "where[0]"), (1, "where[1]"), (2, "where[2]")]


def test_context_is_empty_outside_a_run_and_restored_after():
    assert flowctl.context.to_dict() == {}
    with Flow("f") as flow:
        snapshot()
    flow.run()
    assert flowctl.context.to_dict() == {}
    TaskRunner(snapshot).run()
    assert flowctl.context.to_dict() == {}


def test_context_call_layers_values_and_restores_them():
    with flowctl.context(a=1, b=2):
        assert flowctl.context.a == 1 and flowctl.context["b"] == 2
        with flowctl.context({"a": 10}, c=3):
            assert (flowctl.context.a, flowctl.context.b, flowctl.context.c) == (10, 2, 3)
        assert flowctl.context.a == 1 and "c" not in flowctl.context
    assert "a" not in flowctl.context
    assert flowctl.context.get("a", "default") == "default"


def test_context_attribute_access_for_missing_key_raises_attribute_error():
    with pytest.raises(AttributeError):
        flowctl.context.not_there
    with pytest.raises(KeyError):
        flowctl.context["not_there"]


def test_user_context_values_reach_tasks_in_a_run():
    @task
    def read():
        return flowctl.context.get("user_key")

    with Flow("f") as flow:
        r = read()
    with flowctl.context(user_key="hello"):
        state = flow.run()
    assert state.result[r].result == "hello"


def test_context_is_local_to_each_thread():
    seen = {}
    with flowctl.context(mine="main"):
        worker = threading.Thread(target=lambda: seen.setdefault("other", flowctl.context.get("mine")))
        worker.start()
        worker.join()
    assert seen == {"other": None}


def test_context_is_an_object_not_a_module():
    import types

    assert not isinstance(flowctl.context, types.ModuleType)
    assert hasattr(flowctl.context, "get") and hasattr(flowctl.context, "to_dict")


def test_task_run_count_increases_across_retries():
    counts = []

    @task(max_retries=2, retry_delay=datetime.timedelta(0))
    def flaky():
        counts.append(flowctl.context["task_run_count"])
        raise RuntimeError

    with Flow("f") as flow:
        flaky()
    flow.run()
    assert counts == [1, 2, 3]


# -- configuration ---------------------------------------------------------------------
def test_config_has_documented_defaults():
    config = flowctl.config
    assert config.flows.checkpointing is False
    assert config.tasks.defaults.max_retries == 0
    assert "retry_delay" in config.tasks.defaults and "timeout" in config.tasks.defaults
    assert config.logging.level
    assert config.logging.format
    assert config.engine.executor.default_class


def test_set_temporary_config_overrides_inside_block_only():
    with set_temporary_config({"flows.checkpointing": True, "new.section.key": 5}):
        assert flowctl.config.flows.checkpointing is True
        assert flowctl.config.new.section.key == 5
    assert flowctl.config.flows.checkpointing is False
    assert "new" not in flowctl.config


def test_temporary_task_default_timeout_applies_to_new_tasks():
    with set_temporary_config({"tasks.defaults.timeout": 7}):
        assert flowctl.Task().timeout == 7
    assert flowctl.Task().timeout is None


def test_config_environment_override_via_subprocess():
    code = (
        "import json, flowctl; c = flowctl.config; "
        "print(json.dumps([c.flows.checkpointing, c.logging.level, c.tasks.defaults.max_retries, "
        "c.mysection.mykey]))"
    )
    env = {
        "FLOWCTL__FLOWS__CHECKPOINTING": "true",
        "FLOWCTL__LOGGING__LEVEL": "DEBUG",
        "FLOWCTL__TASKS__DEFAULTS__MAX_RETRIES": "3",
        "FLOWCTL__MYSECTION__MYKEY": "hello",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [True, "DEBUG", 3, "hello"]


def test_configured_default_retries_apply_to_new_tasks():
    with set_temporary_config({"tasks.defaults.max_retries": 2, "tasks.defaults.retry_delay": 0}):
        t = flowctl.Task()
    assert t.max_retries == 2
    assert flowctl.Task().max_retries == 0


def test_task_run_name_is_formatted_with_the_task_inputs():
    import flowctl
    from flowctl import Flow, task

    seen = []

    @task(task_run_name="greet-{name}")
    def greet(name):
        seen.append((flowctl.context.task_run_name, flowctl.context.task_full_name))

    @task(task_run_name="{no_such_input}")
    def misnamed():
        return 1

    with Flow("names") as flow:
        greet("ada")
        greet.map(["bo", "cy"])
        wrong = misnamed()
    state = flow.run()
    # as in Prefect 1.4.1: the full name (logs, result locations) stays the task's, [i] for a child
    assert sorted(seen) == [("greet-ada", "greet"), ("greet-bo", "greet[0]"), ("greet-cy", "greet[1]")]
    # and a template naming a missing key fails the run with Prefect's message, no handlers called
    assert state.result[wrong].is_failed() and isinstance(state.result[wrong].result, KeyError)
    assert state.result[wrong].message == ("Task 'misnamed': Unexpected error while running task: "
                                           "KeyError('no_such_input')")


def test_is_serializable_tells_what_can_cross_processes():
    import threading

    from flowctl.utilities.debug import is_serializable

    assert is_serializable({"a": [1, 2]})
    assert is_serializable(lambda x: x + 1)
    assert not is_serializable(threading.Lock())
    assert not is_serializable(x for x in range(3))
