"""`flowctl run` options people reach for first: --resume[=ID] anywhere, --check, -x, -h/-V, paths, pipes."""
from __future__ import annotations

import json
import subprocess

import pytest
import typer

from cli_helpers import cli_env, flowctl_executable, json_events
from flowctl.cli.argv import prepare_arguments
from flowctl.cli.main import app

MARKED_FLOW = '''
from pathlib import Path
from flowctl import Flow, Parameter, task

@task
def touch(name):
    Path(name).write_text("ran")
    return name

with Flow("marked") as flow:
    touch(Parameter("name", default="RAN"))
'''

FAILING_FLOW = '''
from pathlib import Path
from flowctl import Flow, Parameter, task

@task
def boom(flag):
    if flag:
        raise ValueError("first failure here")
    return 1

@task
def later(i):
    Path(f"LATER_{i}").write_text("ran")
    return i

with Flow("failing") as flow:
    flag = Parameter("flag", default=True)
    boom(flag)
    for i in range(4):
        later(i)
'''

CHATTY_FLOW = '''
import time
from flowctl import Flow, task

@task
def step(i):
    time.sleep(0.02)
    return i

with Flow("chatty") as flow:
    for i in range(60):
        step(i)
'''

COMMANDS = [["run"], ["visualize"], ["test-task"], ["inspect"], ["runs"], ["runs", "show"], ["runs", "prune"],
            ["completion"]]


def run_group() -> object:
    return typer.main.get_command(app)


@pytest.mark.parametrize("args, expected", [
    (["run", "flow.py", "--resume"], ["run", "flow.py", "--resume="]),
    (["run", "--resume", "flow.py"], ["run", "--resume=", "flow.py"]),
    (["run", "--resume", "ID", "flow.py"], ["run", "--resume=ID", "flow.py"]),
    (["run", "flow.py", "--resume", "ID"], ["run", "flow.py", "--resume=ID"]),
    (["run", "--resume=ID", "flow.py"], ["run", "--resume=ID", "flow.py"]),
    (["run", "flow.py", "--resume", "-p", "n=1"], ["run", "flow.py", "--resume=", "-p", "n=1"]),
    (["run", "--resume", "-p", "n=1", "flow.py"], ["run", "--resume=", "-p", "n=1", "flow.py"]),
    (["run", "-p", "n=1", "--resume", "ID", "flow.py"], ["run", "-p", "n=1", "--resume=ID", "flow.py"]),
    (["run", "--resume", "flow.py", "-p", "n=1"], ["run", "--resume=", "flow.py", "-p", "n=1"]),
])
def test_resume_takes_an_optional_run_id_before_or_after_the_target(args, expected):
    assert prepare_arguments(run_group(), args) == expected


def test_the_arguments_of_other_commands_are_left_alone():
    args = ["visualize", "flow.py", "-o", "x.svg"]
    assert prepare_arguments(run_group(), args) == args


def record_failed_run(run_cli, write, tmp_path) -> str:
    write("flow.py", FAILING_FLOW)
    result = run_cli("run", "flow.py", "-o", "json", "--state-dir", str(tmp_path / "state"))
    assert result.returncode == 1, result.stderr
    (summary,) = [e for e in json_events(result.stdout) if e["event"] == "summary"]
    return summary["run_id"]


@pytest.mark.parametrize("placement", ["before", "after", "equals"])
def test_resume_with_a_run_id_works_before_and_after_target(run_cli, write, tmp_path, placement):
    run_id = record_failed_run(run_cli, write, tmp_path)
    state = ["--state-dir", str(tmp_path / "state"), "-o", "json", "-p", "flag=false", "--force"]
    args = {"before": ["run", "--resume", run_id, "flow.py"], "after": ["run", "flow.py", "--resume", run_id],
            "equals": ["run", f"--resume={run_id}", "flow.py"]}[placement]
    result = run_cli(*args, *state)
    assert result.returncode == 0, result.stderr
    (summary,) = [e for e in json_events(result.stdout) if e["event"] == "summary"]
    assert summary["state"] == "Success"
    assert summary["reused"] >= 4  # the `later` tasks succeeded the first time and are not run again


def test_bare_resume_before_the_target_takes_the_latest_run(run_cli, write, tmp_path):
    record_failed_run(run_cli, write, tmp_path)
    result = run_cli("run", "--resume", "flow.py", "--state-dir", str(tmp_path / "state"), "-o", "json",
                     "-p", "flag=false", "--force")
    assert result.returncode == 0, result.stderr


def test_check_validates_and_prints_the_plan_without_running(run_cli, write, tmp_path):
    write("flow.py", MARKED_FLOW)
    result = run_cli("run", "flow.py", "--check", "-p", "name=OTHER", "-e", "threads", "-w", "2")
    assert result.returncode == 0, result.stderr
    for fact in ("nothing was run", "name = 'OTHER'", "touch", "threads", "2 workers"):
        assert fact in result.stdout
    assert not (tmp_path / "OTHER").exists() and not (tmp_path / "RAN").exists()
    assert not (tmp_path / ".flowctl").exists()


@pytest.mark.parametrize("mode", ["plain", "json"])
def test_check_shows_a_parameter_read_from_the_environment_as_stars(run_cli, write, mode):
    write("flow.py", MARKED_FLOW)
    result = run_cli("run", "flow.py", "--check", "-p", "name=@env:FLOWCTL_TEST_SECRET", "-o", mode,
                     env={**cli_env(), "FLOWCTL_TEST_SECRET": "hunter2-value"})
    assert result.returncode == 0, result.stderr
    assert "hunter2-value" not in result.stdout + result.stderr
    if mode == "plain":
        assert "name = ***" in result.stdout
    else:
        assert json.loads(result.stdout)["parameters"]["name"] == "***"


def test_a_visualize_path_of_unknown_format_is_refused_before_the_run(run_cli, write, tmp_path):
    write("flow.py", MARKED_FLOW)
    result = run_cli("run", "flow.py", "--visualize", "graph.xyz", "-o", "plain")
    assert result.returncode == 2
    assert "Cannot tell the graph format" in result.stderr and "Nothing was run" in result.stderr
    assert not (tmp_path / "RAN").exists() and not (tmp_path / ".flowctl").exists()


def test_an_image_without_graphviz_is_refused_before_the_run(run_cli, write, tmp_path):
    write("flow.py", MARKED_FLOW)
    no_dot = {**cli_env(), "PATH": str(tmp_path / "empty-bin")}
    result = run_cli("run", "flow.py", "--visualize", "graph.svg", "-o", "plain", env=no_dot)
    assert result.returncode == 2
    assert "Graphviz" in result.stderr and "Nothing was run" in result.stderr
    assert not (tmp_path / "RAN").exists()


def test_check_exits_2_on_bad_parameters_and_runs_nothing(run_cli, write, tmp_path):
    write("flow.py", MARKED_FLOW)
    result = run_cli("run", "flow.py", "--check", "-p", "nmae=x")
    assert result.returncode == 2
    assert "Did you mean 'name'?" in result.stderr
    assert not (tmp_path / "RAN").exists()


def test_fail_fast_starts_no_task_after_the_first_failure(run_cli, write, tmp_path):
    write("flow.py", FAILING_FLOW)
    result = run_cli("run", "flow.py", "-x", "-o", "json")
    assert result.returncode == 1, result.stderr
    assert not list(tmp_path.glob("LATER_*")), "tasks started after the first failure"
    events = json_events(result.stdout)
    (summary,) = [e for e in events if e["event"] == "summary"]
    assert [f["task"] for f in summary["failed"]][:1] == ["boom"]
    assert "first failure here" in summary["failed"][0]["message"]


PARALLEL_FAILING_FLOW = '''
import time
from pathlib import Path
from flowctl import Flow, task

@task
def boom():
    Path("BOOM").write_text("failing")
    raise ValueError("first failure here")

@task
def later(i):
    Path(f"LATER_{i}").write_text("started")
    deadline = time.monotonic() + 20
    while not Path("BOOM").exists() and time.monotonic() < deadline:  # runs alongside boom, ends after it
        time.sleep(0.01)
    time.sleep(0.5)
    return i

with Flow("failing") as flow:
    boom()
    for i in range(4):
        later(i)
'''


@pytest.mark.parametrize("executor", ["threads", "processes", "dask"])
def test_fail_fast_on_parallel_executors_queues_nothing_to_start_after_the_failure(run_cli, write, tmp_path,
                                                                                  executor):
    write("flow.py", PARALLEL_FAILING_FLOW)
    result = run_cli("run", "flow.py", "-x", "-e", executor, "-w", "2", "-o", "json")
    assert result.returncode == 1, result.stderr
    # two workers: boom and one later ran together; no other later started once boom had failed
    assert len(list(tmp_path.glob("LATER_*"))) == 1
    (summary,) = [e for e in json_events(result.stdout) if e["event"] == "summary"]
    assert [f["task"] for f in summary["failed"]] == ["boom"]


def test_without_fail_fast_every_independent_task_runs(run_cli, write, tmp_path):
    write("flow.py", FAILING_FLOW)
    result = run_cli("run", "flow.py", "-o", "plain")
    assert result.returncode == 1
    assert len(list(tmp_path.glob("LATER_*"))) == 4


def test_fail_fast_names_the_first_failure_in_the_plain_summary(run_cli, write):
    write("flow.py", FAILING_FLOW)
    result = run_cli("run", "flow.py", "--fail-fast", "-o", "plain")
    assert result.returncode == 1
    assert "boom" in result.stdout and "first failure here" in result.stdout


@pytest.mark.parametrize("option, path, problem", [
    ("--junit", "missing_dir/report.xml", "does not exist"),
    ("--junit", "afile/report.xml", "is not a directory"),
    ("--visualize", "adir", "is a directory"),
    ("--visualize", "missing_dir/graph.svg", "does not exist"),
])
def test_a_bad_output_path_exits_2_before_any_task_runs(run_cli, write, tmp_path, option, path, problem):
    write("flow.py", MARKED_FLOW)
    write("afile", "x")
    (tmp_path / "adir").mkdir()
    result = run_cli("run", "flow.py", option, path)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ") and option in result.stderr and problem in result.stderr
    assert not (tmp_path / "RAN").exists()


def test_report_path_is_checked_before_the_run(run_cli, write, tmp_path):
    write("flow.py", MARKED_FLOW)
    result = run_cli("run", "flow.py", "--report", "missing_dir/report.html")
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert not (tmp_path / "RAN").exists()


@pytest.mark.parametrize("succeeds", [True, False])
def test_a_closed_stdout_pipe_keeps_the_flows_exit_code(write, tmp_path, succeeds):
    source = CHATTY_FLOW if succeeds else CHATTY_FLOW.replace("return i", "raise ValueError(i)")
    write("flow.py", source)
    process = subprocess.Popen([flowctl_executable(), "run", "flow.py", "-o", "plain"], cwd=tmp_path,
                               env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = process.stdout.readline()  # like `| head -1`: read one line, then close the pipe
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=90) == (0 if succeeds else 1), stderr
    assert first.strip()
    assert "BrokenPipe" not in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_dash_h_shows_help_with_examples_in_every_command(run_cli, command):
    result = run_cli(*command, "-h")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert "--help" in result.stdout and "-h" in result.stdout


@pytest.mark.parametrize("command", [["run"], ["visualize"], ["test-task"], ["inspect"], ["completion"]],
                         ids=lambda c: " ".join(c))
def test_help_ends_with_examples_and_clean_metavars(run_cli, command):
    text = run_cli(*command, "-h", env=cli_env(COLUMNS="200")).stdout
    assert "Examples:" in text and f"flowctl {command[0]}" in text.split("Examples:")[1]
    assert "<list[str]>" not in text and "range]" not in text and "{target}" not in text


@pytest.mark.parametrize("args", [["-V"], ["--version"], ["run", "-V"], ["visualize", "x.py", "-V"],
                                  ["runs", "-V"]])
def test_dash_capital_v_prints_the_version_anywhere(run_cli, args):
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("flowctl ")


def test_dash_o_is_output_in_every_command_that_has_one(run_cli):
    for command in (["run"], ["visualize"], ["test-task"]):
        text = run_cli(*command, "-h", env=cli_env(COLUMNS="200")).stdout
        line = next(line for line in text.splitlines() if "--output" in line)
        assert "-o" in line, f"{command}: -o is not --output"


def test_check_with_json_output_prints_the_plan_as_one_json_document(run_cli, write):
    write("flow.py", MARKED_FLOW)
    result = run_cli("run", "flow.py", "--check", "-o", "json", "-p", "name=X")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["valid"] and plan["parameters"] == {"name": "X"} and plan["executor"] == "local"
    assert [t["name"] for t in plan["tasks"]] == ["touch-1"]  # a called task is a copy with a slug
