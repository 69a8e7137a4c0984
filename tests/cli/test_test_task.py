"""``flowctl test-task``: one task through a TaskRunner, from the real entry point in a subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FLOWCTL = str(Path(sys.executable).parent / "flowctl")

TASKS = """
import flowctl
from flowctl import Flow, task
from flowctl.triggers import all_failed

@task
def add(x, y=1):
    flowctl.context.logger.info("adding %s and %s", x, y)
    return x + y

@task
def explode(x):
    helper(x)

def helper(x):
    raise ValueError(f"cannot handle {x}")

@task
def greet(name):
    print("printed, not returned")
    return f"hello {name} from {flowctl.context.get('region', 'nowhere')}"

@task(trigger=all_failed)
def cleanup():
    return "cleaned"

@task
def scaled(x, factor):
    return x * factor

with Flow("tools") as flow:
    scaled.map([1, 2], factor=flowctl.unmapped(100))
"""


def flowctl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([FLOWCTL, "test-task", *args], cwd=cwd, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "tools.py").write_text(textwrap.dedent(TASKS))
    return tmp_path


def as_json(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout)


def test_success_with_args_shows_result_and_logs(project):
    result = flowctl("tools.py:add", "--arg", "x=2", "--arg", "y=40", "--output", "json", cwd=project)
    assert result.returncode == 0, result.stderr
    report = as_json(result)
    assert report["state"] == "Success" and report["result"] == 42
    assert [log["message"] for log in report["logs"]] == ["adding 2 and 40"]


def test_plain_output_names_state_result_and_log(project):
    result = flowctl("tools.py:add", "--arg", "x=2", "--output", "plain", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "add: Success, result 3" in result.stdout
    assert "INFO    add | adding 2 and 1" in result.stdout


def test_string_args_context_and_prints_are_reported(project):
    result = flowctl("tools.py:greet", "--arg", "name=ada", "--context", "region=eu", "--output", "json",
                     cwd=project)
    assert result.returncode == 0, result.stderr
    report = as_json(result)
    assert report["result"] == "hello ada from eu"
    assert report["stdout"] == "printed, not returned\n"


def test_failure_shows_the_users_traceback_and_exits_1(project):
    result = flowctl("tools.py:explode", "--arg", "x=7", "--output", "plain", cwd=project)
    assert result.returncode == 1
    assert "explode: Failed" in result.stdout
    assert "tools.py\", line 16, in helper" in result.stdout
    assert "ValueError: cannot handle 7" in result.stdout
    assert "flowctl/engine" not in result.stdout


def test_failure_in_json_carries_exception_type_and_traceback(project):
    report = as_json(flowctl("tools.py:explode", "--arg", "x=7", "--output", "json", cwd=project))
    assert report["state"] == "Failed"
    assert report["exception"]["type"] == "ValueError"
    assert "in helper" in report["exception"]["traceback"]
    logged = "\n".join(log["message"] for log in report["logs"])
    assert "in helper" in logged and "flowctl/engine" not in logged  # the user's frames only


def test_mapped_run_gives_one_child_per_item(project):
    result = flowctl("tools.py:add", "--map", "x=[1,2,3]", "--arg", "y=10", "--output", "json", cwd=project)
    assert result.returncode == 0, result.stderr
    report = as_json(result)
    assert report["state"] == "Mapped"
    assert [(c["map_index"], c["state"], c["result"]) for c in report["map_states"]] == [
        (0, "Success", 11), (1, "Success", 12), (2, "Success", 13)]


def test_mapped_run_with_a_failing_child_exits_1(project):
    report = flowctl("tools.py:explode", "--map", "x=[1,2]", "--output", "json", cwd=project)
    assert report.returncode == 1
    assert [c["state"] for c in as_json(report)["map_states"]] == ["Failed", "Failed"]


def test_constants_bound_in_the_flow_are_used_unless_overridden(project):
    result = flowctl("tools.py:scaled", "--arg", "x=3", "--output", "json", cwd=project)
    assert as_json(result)["result"] == 300
    result = flowctl("tools.py:scaled", "--arg", "x=3", "--arg", "factor=2", "--output", "json", cwd=project)
    assert as_json(result)["result"] == 6


@pytest.mark.parametrize(("upstream", "state", "code"), [
    (["success"], "Success", 0),
    (["failed"], "TriggerFailed", 1),
    (["success", "failed"], "TriggerFailed", 1),
    (["timed-out"], "TriggerFailed", 1),
    (["trigger_failed"], "TriggerFailed", 1),
    (["skipped"], "Skipped", 0),
    (["cached"], "Success", 0),
    (["pending"], "Pending", 1),
])
def test_upstream_states_exercise_the_default_trigger(project, upstream, state, code):
    flags = [part for name in upstream for part in ("--upstream", name)]
    result = flowctl("tools.py:add", "--arg", "x=1", *flags, "--output", "json", cwd=project)
    assert result.returncode == code, result.stdout + result.stderr
    assert as_json(result)["state"] == state


@pytest.mark.parametrize(("upstream", "state", "code"), [
    (["failed"], "Success", 0),
    (["failed", "failed"], "Success", 0),
    (["success"], "TriggerFailed", 1),
])
def test_upstream_states_exercise_a_custom_trigger(project, upstream, state, code):
    flags = [part for name in upstream for part in ("--upstream", name)]
    result = flowctl("tools.py:cleanup", *flags, "--output", "json", cwd=project)
    assert result.returncode == code
    assert as_json(result)["state"] == state


@pytest.mark.parametrize("args", [
    ["tools.py:add", "--arg", "z=1"],
    ["tools.py:add"],
    ["tools.py:add", "--arg", "x"],
    ["tools.py:add", "--map", "x=3"],
    ["tools.py:add", "--arg", "x=1", "--map", "x=[1]"],
    ["tools.py:add", "--arg", "x=1", "--upstream", "sucess"],
    ["tools.py:nothing"],
    ["missing.py:add"],
])
def test_bad_input_exits_2_with_a_message_and_no_traceback(project, args):
    result = flowctl(*args, cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("Error:") or "Usage:" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_upstream_state_suggests_the_closest(project):
    result = flowctl("tools.py:add", "--arg", "x=1", "--upstream", "sucess", cwd=project)
    assert "Did you mean 'success'?" in result.stderr


def test_rich_output_shows_the_state_and_result(project):
    result = flowctl("tools.py:add", "--arg", "x=1", "--output", "rich", cwd=project)
    assert result.returncode == 0
    assert "add: Success" in result.stdout and "2" in result.stdout


def test_the_task_listing_leaves_out_parameters_and_suggests_the_closest_task(tmp_path):
    (tmp_path / "flows.py").write_text(textwrap.dedent("""
        from flowctl import Flow, Parameter, task

        @task
        def extract(n):
            return n

        size = Parameter("size", default=2)

        with Flow("etl") as flow:
            extract(Parameter("batches", default=1))
            extract(size)
    """))
    result = subprocess.run([str(Path(sys.executable).parent / "flowctl"), "test-task", "flows.py:extrct"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Did you mean 'extract'?" in result.stderr
    listing = result.stderr.split("Tasks found:")[1]
    assert "extract" in listing and "batches" not in listing and "size" not in listing
    assert listing.count("extract") == 2  # once as a module-level task, once for the flow: no bound copies
