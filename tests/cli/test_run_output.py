"""`flowctl run --output json|plain|rich|auto`: what each mode writes, and nothing more."""
from __future__ import annotations

import pytest

from cli_helpers import ANSI, cli_env, json_events

MIXED_FLOW = '''
import flowctl
from flowctl import Flow, task

@task
def numbers():
    print("this print must not reach stdout in json mode")
    return [1, 2, 0, 4]

@task
def invert(x):
    flowctl.context["logger"].info("inverting %s", x)
    return 1 / x

@task
def total(values):
    return sum(values)

with Flow("mixed") as flow:
    total(invert.map(numbers()))
'''

TASK_KEYS = {"event", "flow", "task", "map_index", "state", "previous", "message", "time"}
FLOW_KEYS = {"event", "flow", "state", "message", "time"}
LOG_KEYS = {"event", "task", "map_index", "level", "message", "time"}
SUMMARY_KEYS = {"event", "flow", "state", "duration_s", "counts", "failed", "run_id", "reused", "ran"}


@pytest.fixture
def mixed(write):
    return write("mixed.py", MIXED_FLOW)


def test_json_mode_writes_only_ndjson_with_the_documented_keys(run_cli, mixed):
    result = run_cli("run", "mixed.py", "--output", "json")
    assert result.returncode == 1
    events = json_events(result.stdout)  # every line parses
    keys = {"task_state": TASK_KEYS, "flow_state": FLOW_KEYS, "log": LOG_KEYS, "summary": SUMMARY_KEYS}
    for event in events:
        assert set(event) == keys[event["event"]], event
    assert events[-1]["event"] == "summary"
    assert [e["event"] for e in events].count("summary") == 1
    assert "this print must not reach stdout" in result.stderr
    assert not ANSI.search(result.stdout)


def test_json_mode_reports_children_logs_and_the_summary(run_cli, mixed):
    events = json_events(run_cli("run", "mixed.py", "--output", "json").stdout)
    mapped = [e for e in events if e["event"] == "task_state" and e["task"] == "invert" and e["map_index"] is None]
    assert [(e["previous"], e["state"]) for e in mapped] == [("Pending", "Mapped")]
    child_two = [(e["previous"], e["state"]) for e in events
                 if e["event"] == "task_state" and e["task"] == "invert" and e["map_index"] == 2]
    assert child_two == [("Pending", "Running"), ("Running", "Failed")]
    logs = [e for e in events if e["event"] == "log" and e["message"].startswith("inverting")]
    assert {(e["task"], e["map_index"]) for e in logs} == {("invert", i) for i in range(4)}
    flow_states = [e["state"] for e in events if e["event"] == "flow_state"]
    assert flow_states == ["Running", "Failed"]
    summary = events[-1]
    assert summary["flow"] == "mixed" and summary["state"] == "Failed"
    assert summary["counts"] == {"Success": 4, "Failed": 1, "TriggerFailed": 1}
    assert summary["failed"][0]["task"] == "invert" and summary["failed"][0]["map_index"] == 2
    assert "ZeroDivisionError" in summary["failed"][0]["message"]
    assert {f["task"] for f in summary["failed"]} == {"invert", "total"}
    assert isinstance(summary["duration_s"], float)


def test_plain_mode_prints_a_line_per_transition_and_log_without_escape_codes(run_cli, mixed):
    result = run_cli("run", "mixed.py", "--output", "plain")
    assert result.returncode == 1
    out = result.stdout
    assert not ANSI.search(out)
    assert "invert: Pending -> Mapped" in out
    assert "invert[1]: Running -> Success" in out
    assert "invert[2]: Running -> Failed" in out
    assert "INFO    invert[3] | inverting 4" in out
    assert "Flow 'mixed' finished: Failed" in out
    assert "Failures (2):" in out and "ZeroDivisionError" in out
    assert 'mixed.py", line 12, in invert' in out  # the failure's traceback, user frames


def test_auto_mode_is_plain_when_stdout_is_not_a_terminal(run_cli, mixed):
    result = run_cli("run", "mixed.py")
    assert "invert[1]: Running -> Success" in result.stdout
    assert not ANSI.search(result.stdout)


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_rich_mode_honours_no_color_and_dumb_terminals(run_cli, mixed, env):
    result = run_cli("run", "mixed.py", "--output", "rich", env=cli_env(**env))
    assert result.returncode == 1
    assert not ANSI.search(result.stdout)
    assert "invert" in result.stdout and "4/4" in result.stdout
    assert "Task runs by state:" in result.stdout and "ZeroDivisionError" in result.stdout


def test_log_level_filters_records(run_cli, write):
    write("levels.py", '''
        import flowctl
        from flowctl import Flow, task

        @task
        def chatty():
            logger = flowctl.context["logger"]
            logger.debug("a debug line")
            logger.warning("a warning line")

        with Flow("levels") as flow:
            chatty()
    ''')
    quiet = run_cli("run", "levels.py", "-o", "plain", "--log-level", "warning")
    assert "a warning line" in quiet.stdout and "a debug line" not in quiet.stdout
    loud = run_cli("run", "levels.py", "-o", "plain", "--log-level", "DEBUG")
    assert "a debug line" in loud.stdout


def test_an_invalid_output_mode_is_a_usage_error(run_cli, mixed):
    result = run_cli("run", "mixed.py", "--output", "fancy")
    assert result.returncode == 2
    assert "fancy" in result.stderr


def test_plain_local_runs_do_not_load_rich_live_or_dask(run_cli, write):
    write("modules.py", '''
        import sys
        import flowctl
        from flowctl import Flow, task

        @task
        def check():
            heavy = [m for m in ("rich.live", "dask", "distributed") if m in sys.modules]
            flowctl.context["logger"].info("HEAVY %s", ",".join(heavy) or "none")

        with Flow("light") as flow:
            check()
    ''')
    result = run_cli("run", "modules.py", "-o", "plain")
    assert result.returncode == 0
    assert "HEAVY none" in result.stdout


def test_the_etl_example_retries_its_load_and_succeeds(run_cli):
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "etl.py"
    result = run_cli("run", str(example), "-o", "json", "-p", "batches=4")
    assert result.returncode == 0, result.stderr
    events = json_events(result.stdout)
    load_states = [e["state"] for e in events if e["event"] == "task_state" and e["task"] == "load"]
    assert load_states == ["Running", "Failed", "Retrying", "Running", "Success"]
    assert events[-1]["counts"]["Success"] == 4 + 4 + 3  # 4 parameters, 4 children, extract/load/report
