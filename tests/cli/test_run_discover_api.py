"""The discovery API other commands build on: split_target, resolve_flow, resolve_task."""
from __future__ import annotations

import textwrap

import pytest

from flowctl.cli.discover import TargetError, find_flows, load_module, resolve_flow, resolve_task, split_target
from flowctl.exceptions import FlowctlError

MODULE = '''
from flowctl import Flow, task

@task
def extract():
    return [1, 2]

@task(name="clean-up")
def tidy(x):
    return x

with Flow("ETL") as etl:
    tidy(extract())

with Flow("Other") as other:
    extract()
'''


@pytest.fixture
def module_path(tmp_path):
    path = tmp_path / "pipes.py"
    path.write_text(textwrap.dedent(MODULE))
    return str(path)


@pytest.mark.parametrize("target, expected", [
    ("flow.py", ("flow.py", None)),
    ("dir/flow.py:etl", ("dir/flow.py", "etl")),
    ("pkg.mod:Flow Name", ("pkg.mod", "Flow Name")),
    ("pkg.mod", ("pkg.mod", None)),
    ("flow.py:etl.extract", ("flow.py", "etl.extract")),
])
def test_split_target(target, expected):
    assert split_target(target) == expected


def test_target_error_is_a_flowctl_error_and_a_value_error():
    assert issubclass(TargetError, FlowctlError) and issubclass(TargetError, ValueError)


def test_modules_are_not_loaded_as_main(module_path):
    module = load_module(module_path)
    assert module.__name__ != "__main__"
    assert [variable for variable, _flow in find_flows(module)] == ["etl", "other"]


def test_resolve_flow_by_variable_and_by_name(module_path):
    assert resolve_flow(f"{module_path}:etl")[2].name == "ETL"
    assert resolve_flow(f"{module_path}:Other")[1] == "other"
    with pytest.raises(TargetError, match="defines 2 flows"):
        resolve_flow(module_path)


def test_resolve_task_by_variable_task_name_and_flow_dot_task(module_path):
    flow, found = resolve_task(f"{module_path}:tidy")
    assert found.name == "clean-up" and flow.name == "ETL"
    flow, found = resolve_task(f"{module_path}:clean-up")
    assert found.name == "clean-up" and flow.name == "ETL"
    flow, found = resolve_task(f"{module_path}:other.extract")
    assert found.name == "extract" and flow.name == "Other"


def test_resolve_task_reports_absence_with_a_listing(module_path):
    with pytest.raises(TargetError, match="No task named 'nothing'") as info:
        resolve_task(f"{module_path}:nothing")
    assert "clean-up" in str(info.value) and "Other" in str(info.value)


def test_a_module_level_flow_run_returns_none_while_loading(tmp_path):
    path = tmp_path / "runs.py"
    path.write_text(MODULE + "\nRESULT = etl.run()\n")
    assert load_module(str(path)).RESULT is None
