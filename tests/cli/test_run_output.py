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

TASK_KEYS = {"event", "flow", "task", "map_index", "state", "previous", "message", "time", "attempt", "final"}
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
    for event in events:  # keys may be added to the summary, never removed
        assert set(event) == keys[event["event"]] or (event["event"] == "summary" and SUMMARY_KEYS <= set(event)), \
            event
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
    assert "invert[1]: Running -> Success" not in out  # routine child transitions are counted, not printed
    assert "invert: all 4 children finished" in out and "(Failed 1, Success 3)" in out
    assert "invert[2]: Running -> Failed" in out
    assert "total: Pending -> TriggerFailed" in out
    assert "INFO    invert[3] | inverting 4" in out
    assert "Flow 'mixed' finished: Failed" in out
    assert "Failures (2):" in out and "ZeroDivisionError" in out
    assert 'mixed.py", line 12, in invert' in out  # the failure's traceback, user frames


def test_auto_mode_is_plain_when_stdout_is_not_a_terminal(run_cli, mixed):
    result = run_cli("run", "mixed.py")
    assert "invert[2]: Running -> Failed" in result.stdout
    assert not ANSI.search(result.stdout)


def test_verbose_plain_mode_prints_every_child_transition(run_cli, mixed):
    out = run_cli("run", "mixed.py", "-o", "plain", "-v").stdout
    for index in range(4):
        assert f"invert[{index}]: Pending -> Running" in out
    assert "invert[1]: Running -> Success" in out


def test_quiet_plain_mode_prints_only_failures_and_the_summary(run_cli, mixed):
    lines = [line for line in run_cli("run", "mixed.py", "-o", "plain", "-q").stdout.splitlines()
             if not line.startswith("this print")]  # the task's own print still reaches stdout
    assert "inverting" not in "\n".join(lines) and "Mapped" not in "\n".join(lines)
    assert lines[0].endswith("invert[2]: Running -> Failed: Error during execution of task: "
                             "ZeroDivisionError('division by zero')")
    assert "total: Pending -> TriggerFailed" in lines[1]
    assert any(line.startswith("Flow 'mixed' finished: Failed") for line in lines)
    assert lines[-1].startswith("  total: Trigger was")


BIG_MAP_FLOW = '''
from flowctl import Flow, Parameter, task

@task
def numbers(n):
    return list(range(n))

@task
def check(x):
    if x == 1234:
        raise ValueError(f"bad record {x}")
    return x

with Flow("big map") as flow:
    check.map(numbers(Parameter("n", default=3000)))
'''


def test_a_three_thousand_child_map_with_one_failure_prints_at_most_sixty_lines(run_cli, write):
    write("big.py", BIG_MAP_FLOW)
    result = run_cli("run", "big.py", "-o", "plain", "--no-checkpoint", env=cli_env(CI="true"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) <= 60, result.stdout
    assert "check[1234]: Running -> Failed: Error during execution of task: ValueError('bad record 1234')" \
        in result.stdout
    assert "check: all 3000 children finished" in result.stdout
    assert lines[-1].strip() == "ValueError: bad record 1234"  # the failure summary comes last
    verbose = run_cli("run", "big.py", "-o", "plain", "-v", "--no-checkpoint").stdout
    assert sum(1 for line in verbose.splitlines() if "check[" in line and " -> " in line) == 2 * 3000


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


def test_extra_loggers_from_the_settings_show_in_the_run_once_each(run_cli, write):
    """``FLOWCTL__LOGGING__EXTRA_LOGGERS`` (Prefect 1's ``extra_loggers``, Python list syntax too) gives a
    library's logger flowctl's handlers: its records show with the task's, at the run's log level."""
    write("lib.py", '''
        import logging
        from flowctl import Flow, task

        @task
        def uses_a_library():
            logging.getLogger("vendorlib").info("from the library")
            logging.getLogger("vendorlib").debug("library detail")
            logging.getLogger("otherlib").warning("not an extra logger")

        with Flow("lib") as flow:
            uses_a_library()
    ''')
    env = cli_env(FLOWCTL__LOGGING__EXTRA_LOGGERS="['vendorlib']")
    plain = run_cli("run", "lib.py", "-o", "plain", env=env)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.count("from the library") == 1 and "library detail" not in plain.stdout
    assert "not an extra logger" not in plain.stdout
    events = json_events(run_cli("run", "lib.py", "-o", "json", "--log-level", "debug", env=env).stdout)
    logs = [e for e in events if e.get("event") == "log" and e["message"] in ("from the library", "library detail")]
    assert [e["message"] for e in logs] == ["from the library", "library detail"]
    assert {e.get("task") for e in logs} == {"uses_a_library"}


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


def test_report_writes_one_self_contained_html_file(run_cli, mixed, tmp_path):
    result = run_cli("run", "mixed.py", "-o", "plain", "--report", "run.html")
    assert result.returncode == 1
    html = (tmp_path / "run.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert '<svg id="graph"' in html and '<svg id="timeline"' in html
    assert "ZeroDivisionError" in html and "inverting 4" in html
    assert "<script src" not in html and "<link" not in html


def test_secret_parameters_are_redacted_in_the_header_and_scrubbed_from_logs(run_cli, write, tmp_path):
    write("secret.py", '''
        import flowctl
        from flowctl import Flow, Parameter, task

        @task
        def connect(dsn, api_token):
            flowctl.context["logger"].info("connecting to %s with %s", dsn, api_token)

        with Flow("secret") as flow:
            connect(Parameter("dsn", default="db://local"), Parameter("api_token", default="tok-123"))
    ''')
    env = cli_env(DSN_SECRET="db://user:pw@prod")
    plain = run_cli("run", "secret.py", "-o", "plain", "-p", "dsn=@env:DSN_SECRET", env=env).stdout
    assert "Parameters: api_token=***, dsn=***" in plain
    assert "connecting to *** with ***" in plain
    as_json = run_cli("run", "secret.py", "-o", "json", "-p", "dsn=@env:DSN_SECRET", "--junit", "j.xml",
                      "--report", "r.html", env=env).stdout
    assert "db://user:pw@prod" not in as_json and "tok-123" not in as_json
    for report in ("j.xml", "r.html"):
        text = (tmp_path / report).read_text(encoding="utf-8")
        assert "connecting to *** with ***" in text
        assert "db://user:pw@prod" not in text and "tok-123" not in text
