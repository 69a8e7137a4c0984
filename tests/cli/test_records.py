"""Run records: every `flowctl run` leaves meta, an event log and checkpoints; `flowctl runs` reads them."""
from __future__ import annotations

import json

from cli_helpers import cli_env, json_events
from records_helpers import (assert_checkpoints_whole, checkpoint_indexes, events, meta, output_of, run_dirs,
                             start_run)

MIXED = '''
import threading
import flowctl
from flowctl import Flow, Parameter, task

@task
def numbers(n):
    return list(range(n))

@task
def invert(x):
    return 1 / x

@task
def lock():
    return threading.Lock()  # cannot be pickled, so it cannot be checkpointed

@task
def total(values):
    return sum(values)

with Flow("mixed") as flow:
    n = Parameter("n", default=3)
    total(invert.map(numbers(n)))
    lock()
'''
STEADY = '''
import time
from flowctl import Flow, task

@task
def wait(x):
    time.sleep(0.2)
    return x

with Flow("steady") as flow:
    wait.map(list(range(5)))
'''


def test_a_run_records_meta_events_and_checkpoints(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    result = run_cli("run", "mixed.py", "-p", "n=4", "--output", "json")
    assert result.returncode == 1  # 1 / 0
    [run_dir] = run_dirs(tmp_path / ".flowctl")
    record = meta(run_dir)
    assert record["run_id"] == run_dir.name == json_events(result.stdout)[-1]["run_id"]
    assert {k: record[k] for k in ("flow", "target", "parameters", "state", "checkpoint", "resumed_from")} == {
        "flow": "mixed", "target": "mixed.py", "parameters": {"n": 4}, "state": "Failed",
        "checkpoint": True, "resumed_from": None}
    assert record["started"] <= record["ended"] and record["duration_s"] >= 0
    assert record["counts"] == json_events(result.stdout)[-1]["counts"]
    assert [(f["task"], f["map_index"]) for f in record["failed"]] == [("invert", 0), ("total", None)]
    # The log holds what --output json printed, in the same order.
    assert events(run_dir) == json_events(result.stdout)
    assert assert_checkpoints_whole(run_dir) == 1 + 1 + 3  # n, numbers, invert[1..3]
    assert checkpoint_indexes(run_dir, "invert") == {1, 2, 3}


def test_an_unpicklable_result_is_not_checkpointed_and_the_task_still_succeeds(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    result = run_cli("run", "mixed.py", "--output", "json")
    lock_states = [e["state"] for e in json_events(result.stdout) if e.get("task") == "lock"
                   and e["event"] == "task_state"]
    assert lock_states == ["Running", "Success"]
    warnings = [e["message"] for e in json_events(result.stdout) if e["event"] == "log" and e["task"] == "lock"]
    assert any("not checkpointed" in message for message in warnings)
    assert not list((run_dirs(tmp_path / ".flowctl")[0] / "results").glob("lock*/*.pkl"))


def test_no_checkpoint_keeps_the_record_but_no_results(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    assert run_cli("run", "mixed.py", "--no-checkpoint").returncode == 1
    [run_dir] = run_dirs(tmp_path / ".flowctl")
    assert meta(run_dir)["checkpoint"] is False and meta(run_dir)["state"] == "Failed"
    assert not (run_dir / "results").exists()
    resumed = run_cli("run", "mixed.py", "--resume")
    assert "kept no checkpoints" in resumed.stderr


def test_state_dir_option_and_environment_variable_move_the_records(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    run_cli("run", "mixed.py", "--state-dir", "by-option")
    run_cli("run", "mixed.py", env=cli_env(FLOWCTL_STATE_DIR=str(tmp_path / "by-env")))
    assert len(run_dirs(tmp_path / "by-option")) == 1 and len(run_dirs(tmp_path / "by-env")) == 1
    assert not (tmp_path / ".flowctl").exists()
    listed = run_cli("runs", "--json", env=cli_env(FLOWCTL_STATE_DIR=str(tmp_path / "by-env")))
    assert [r["flow"] for r in json.loads(listed.stdout)] == ["mixed"]


def test_unusable_state_dirs_exit_2_with_a_message(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    write("a-file", "not a directory")
    for args in (("run", "mixed.py", "--state-dir", "a-file"), ("runs", "--state-dir", "a-file"),
                 ("run", "mixed.py", "--state-dir", "/proc/flowctl-cannot-be-here")):
        result = run_cli(*args)
        assert result.returncode == 2, args
        assert "Error:" in result.stderr and "--state-dir" in result.stderr and "Traceback" not in result.stderr


def test_two_concurrent_runs_of_one_flow_keep_separate_records(tmp_path, write):
    write("steady.py", STEADY)
    processes = [start_run(tmp_path, "steady.py", "--output", "json") for _ in range(2)]
    assert [p.wait(timeout=120) for p in processes] == [0, 0]
    dirs = run_dirs(tmp_path / ".flowctl")
    assert len(dirs) == 2 and dirs[0].name != dirs[1].name
    assert {meta(d)["pid"] for d in dirs} == {p.pid for p in processes}
    for run_dir in dirs:
        assert meta(run_dir)["state"] == "Success"
        flow_states = [e["state"] for e in events(run_dir) if e["event"] == "flow_state"]
        assert flow_states == ["Running", "Success"]
        assert checkpoint_indexes(run_dir, "wait") == set(range(5))
    summaries = {json_events(output_of(p)[0])[-1]["run_id"] for p in processes}
    assert summaries == {d.name for d in dirs}


def test_runs_lists_recent_runs_as_a_table_and_as_json(tmp_path, write, run_cli):
    assert "No runs recorded" in run_cli("runs").stdout
    write("mixed.py", MIXED)
    write("steady.py", STEADY)
    run_cli("run", "mixed.py", "-p", "n=2")
    run_cli("run", "steady.py")
    failed_dir, ok_dir = run_dirs(tmp_path / ".flowctl")
    table = run_cli("runs").stdout.splitlines()
    assert table[0].split() == ["RUN", "ID", "FLOW", "STATE", "STARTED", "DURATION", "PARAMETERS"]
    assert table[1].startswith(ok_dir.name) and "steady" in table[1] and "Success" in table[1]
    assert table[2].startswith(failed_dir.name) and "Failed" in table[2] and table[2].endswith("n=2")
    listed = json.loads(run_cli("runs", "--json").stdout)
    assert [(r["run_id"], r["state"], r["parameters"]) for r in listed] == [
        (ok_dir.name, "Success", {}), (failed_dir.name, "Failed", {"n": 2})]
    assert [r["run_id"] for r in json.loads(run_cli("runs", "--json", "--flow", "mixed").stdout)] == [
        failed_dir.name]
    assert len(run_cli("runs", "-n", "1").stdout.splitlines()) == 2


def test_runs_show_gives_the_summary_and_failures_of_one_run(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    run_cli("run", "mixed.py")
    [run_dir] = run_dirs(tmp_path / ".flowctl")
    shown = run_cli("runs", "show", run_dir.name[:-2])  # a unique prefix is enough
    assert shown.returncode == 0
    text = shown.stdout
    assert f"Run {run_dir.name}" in text and "State:       Failed" in text and "Parameters:  -" in text
    assert "Task runs by state: Success 5, Failed 1, TriggerFailed 1" in text
    assert "invert[0]: Error during execution of task: ZeroDivisionError" in text
    assert f"Resume with: flowctl run mixed.py --resume {run_dir.name}" in text
    details = json.loads(run_cli("runs", "show", run_dir.name, "--json").stdout)
    assert details["state"] == "Failed" and details["checkpoints"] == 4 and details["flow"] == "mixed"
    missing = run_cli("runs", "show", "nope")
    assert missing.returncode == 2 and "No run 'nope'" in missing.stderr


def test_runs_show_replays_the_event_log_of_a_killed_run(tmp_path, write, run_cli):
    write("steady.py", STEADY.replace("time.sleep(0.2)", "time.sleep(0.2 if x < 2 else 60)"))
    from records_helpers import wait_for_successes

    process = start_run(tmp_path, "steady.py", "--output", "json")
    run_dir = wait_for_successes(process, tmp_path / ".flowctl", "wait", 2)
    process.kill()
    process.wait(timeout=60)
    details = json.loads(run_cli("runs", "show", run_dir.name, "--json").stdout)
    assert details["state"] == "Crashed" and details["ended"] is None
    assert details["counts"] == {"Success": 3, "Running": 1}  # the List of inputs and wait[0], wait[1]
    assert "Resume with:" in run_cli("runs", "show", run_dir.name).stdout
