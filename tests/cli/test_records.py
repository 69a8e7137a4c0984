"""The run store: every `flowctl run` is recorded; `flowctl runs` (list, show, prune) reads and tidies it."""
from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess

import pytest

from cli_helpers import cli_env, json_events
from records_helpers import (all_state_bytes, checkpoint_indexes, events, latest, output_of, runs, start_run,
                             task_runs, wait_for_successes)

MIXED = '''
import threading
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
CONTROL_FLOW = '''
import flowctl
from flowctl import Flow, Parameter, task
from flowctl.tasks.control_flow import case, merge

@task
def check(x):
    return x > 1

@task
def big(value):
    return f"big {value}"

@task
def small(value):
    return f"small {value}"

@task
def takes_reserved_names(value, location, map_index, task_slug):
    return [value, location, map_index, task_slug]

@task
def report(choice, names):
    flowctl.context["logger"].info("result=%s %s", choice, names)

with Flow("branches") as flow:
    x = Parameter("x", default=2)
    cond = check(x)
    with case(cond, True):
        a = big(x)
    with case(cond, False):
        b = small(x)
    names = takes_reserved_names.map(value=[1, 2], location=["../../x", "y"], map_index=[7, 8],
                                     task_slug=["a/b", "c"])
    report(merge(a, b), names)
'''


def test_a_run_is_recorded_with_its_task_runs_events_and_checkpoints(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    result = run_cli("run", "mixed.py", "-p", "n=4", "--output", "json")
    assert result.returncode == 1  # 1 / 0
    root = tmp_path / ".flowctl"
    [run] = runs(root)
    summary = json_events(result.stdout)[-1]
    assert run["run_id"] == summary["run_id"]
    assert {k: run[k] for k in ("flow", "target", "parameters", "state", "checkpoint", "resumed_from")} == {
        "flow": "mixed", "target": "mixed.py", "parameters": {"n": 4}, "state": "Failed",
        "checkpoint": 1, "resumed_from": None}
    assert run["started"] <= run["ended"] and run["counts"] == summary["counts"]
    assert [(f["task"], f["map_index"]) for f in run["failed"]] == [("invert", 0), ("total", None)]
    stored = events(root, run)
    assert stored[0]["event"] == "graph" and stored[-1]["event"] == "summary"
    assert [e["state"] for e in stored if e["event"] == "flow_state"] == ["Running", "Failed"]
    assert [e for e in stored if e["event"] == "task_state" and e["map_index"] is not None] == [
        e for e in json_events(result.stdout) if e["event"] == "task_state" and e["map_index"] is not None
        and e["state"] not in ("Running", "Success")]  # mapped children: only what is not routine
    assert checkpoint_indexes(root, run, "invert") == {1, 2, 3}
    states = {(r["task"], r["map_index"]): (r["state"], r["checkpointed"]) for r in task_runs(root, run)}
    assert states[("lock", None)] == ("Success", False)  # unpicklable: succeeded, not checkpointed
    assert states[("numbers", None)] == ("Success", True) and states[("n", None)] == ("Success", False)
    assert states[("invert", 0)][0] == "Failed" and states[("total", None)][0] == "TriggerFailed"


def test_the_state_directory_is_private_and_ignored_by_git(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    run_cli("run", "mixed.py")
    root = tmp_path / ".flowctl"
    assert (root / ".gitignore").read_text() == "*\n"
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_case_merge_and_tasks_with_inputs_named_like_result_arguments_run_with_checkpoints(tmp_path, write,
                                                                                          run_cli):
    write("branches.py", CONTROL_FLOW)
    result = run_cli("run", "branches.py", "--output", "json")
    assert result.returncode == 0, result.stderr[-3000:]
    logs = [e["message"] for e in json_events(result.stdout) if e["event"] == "log"]
    assert "result=big 2 [[1, '../../x', 7, 'a/b'], [2, 'y', 8, 'c']]" in logs
    root = tmp_path / ".flowctl"
    assert checkpoint_indexes(root, latest(root), "takes_reserved_names") == {0, 1}
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(("stdout", "stderr"))) == [
        ".flowctl", "branches.py"]


def test_no_checkpoint_records_the_run_but_stores_no_values(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    assert run_cli("run", "mixed.py", "--no-checkpoint").returncode == 1
    root = tmp_path / ".flowctl"
    run = latest(root)
    assert run["checkpoint"] == 0 and run["state"] == "Failed"
    assert task_runs(root, run) and not any(r["checkpointed"] for r in task_runs(root, run))
    resumed = run_cli("run", "mixed.py", "--resume")
    assert "kept no checkpoints" in resumed.stderr


def test_state_dir_option_and_environment_variable_move_the_store(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    run_cli("run", "mixed.py", "--state-dir", "by-option")
    run_cli("run", "mixed.py", env=cli_env(FLOWCTL_STATE_DIR=str(tmp_path / "by-env")))
    assert len(runs(tmp_path / "by-option")) == 1 and len(runs(tmp_path / "by-env")) == 1
    assert not (tmp_path / ".flowctl").exists()
    listed = run_cli("runs", "--json", env=cli_env(FLOWCTL_STATE_DIR=str(tmp_path / "by-env")))
    assert [r["flow"] for r in json.loads(listed.stdout)] == ["mixed"]


def test_a_state_dir_that_is_a_file_exits_2_with_a_message(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    write("a-file", "not a directory")
    for args in (("run", "mixed.py", "--state-dir", "a-file"), ("runs", "--state-dir", "a-file")):
        result = run_cli(*args)
        assert result.returncode == 2, args
        assert "Error:" in result.stderr and "--state-dir" in result.stderr and "Traceback" not in result.stderr


def test_a_planted_database_is_refused_with_a_message(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    run_cli("run", "mixed.py")
    os.chmod(tmp_path / ".flowctl" / "store.db", 0o644)
    listed = run_cli("runs")
    assert listed.returncode == 2 and "Refusing to read" in listed.stderr and "0644" in listed.stderr
    resumed = run_cli("run", "mixed.py", "--resume")
    assert resumed.returncode == 2 and "Refusing to read" in resumed.stderr
    assert "Traceback" not in listed.stderr + resumed.stderr


def test_two_concurrent_runs_of_one_flow_keep_separate_records(tmp_path, write):
    write("steady.py", STEADY)
    processes = [start_run(tmp_path, "steady.py", "--output", "json") for _ in range(2)]
    assert [p.wait(timeout=120) for p in processes] == [0, 0]
    root = tmp_path / ".flowctl"
    recorded = runs(root)
    assert len(recorded) == 2 and {r["state"] for r in recorded} == {"Success"}
    for run in recorded:
        assert [e["state"] for e in events(root, run) if e["event"] == "flow_state"] == ["Running", "Success"]
        assert checkpoint_indexes(root, run, "wait") == set(range(5))
    assert {json_events(output_of(p)[0])[-1]["run_id"] for p in processes} == {r["run_id"] for r in recorded}


def test_runs_lists_recent_runs_as_a_table_and_as_json(tmp_path, write, run_cli):
    assert "No runs recorded" in run_cli("runs").stdout
    write("mixed.py", MIXED)
    write("steady.py", STEADY)
    run_cli("run", "mixed.py", "-p", "n=2")
    run_cli("run", "steady.py")
    failed, ok = runs(tmp_path / ".flowctl")
    table = run_cli("runs").stdout.splitlines()
    assert table[0].split() == ["RUN", "ID", "FLOW", "STATE", "STARTED", "DURATION", "PARAMETERS"]
    assert table[1].startswith(ok["run_id"]) and "steady" in table[1] and "Success" in table[1]
    assert table[2].startswith(failed["run_id"]) and "Failed" in table[2] and table[2].endswith("n=2")
    listed = json.loads(run_cli("runs", "--json").stdout)
    assert [(r["run_id"], r["state"], r["parameters"]) for r in listed] == [
        (ok["run_id"], "Success", {}), (failed["run_id"], "Failed", {"n": 2})]
    assert [r["run_id"] for r in json.loads(run_cli("runs", "--json", "--flow", "mixed").stdout)] == [
        failed["run_id"]]
    assert len(run_cli("runs", "-n", "1").stdout.splitlines()) == 2


def test_runs_show_gives_the_summary_and_failures_of_one_run(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    run_cli("run", "mixed.py")
    run_id = latest(tmp_path / ".flowctl")["run_id"]
    shown = run_cli("runs", "show", run_id[:-2])  # a unique prefix is enough
    assert shown.returncode == 0
    text = shown.stdout
    assert f"Run {run_id}" in text and "State:       Failed" in text and "Parameters:  -" in text
    assert "Task runs by state: Success 5, Failed 1, TriggerFailed 1" in text
    assert "invert[0]: Error during execution of task: ZeroDivisionError" in text
    assert f"Resume with: flowctl run mixed.py --resume {run_id}" in text
    details = json.loads(run_cli("runs", "show", run_id, "--json").stdout)
    assert details["state"] == "Failed" and details["checkpoints"] == 3 and details["flow"] == "mixed"
    missing = run_cli("runs", "show", "nope")
    assert missing.returncode == 2 and "No run 'nope'" in missing.stderr
    typo = run_id[:-1] + ("x" if run_id[-1] != "x" else "y")  # one character off: the run is suggested
    for args in (("runs", "show", typo), ("run", "mixed.py", "--resume", typo)):
        mistaken = run_cli(*args)
        assert mistaken.returncode == 2 and f"Did you mean '{run_id}'?" in mistaken.stderr
    other_flow = run_cli("runs", "--flow", "mixd")
    assert other_flow.returncode == 0
    assert "No runs of flow 'mixd'" in other_flow.stdout and "Did you mean 'mixed'?" in other_flow.stdout


def test_runs_show_counts_the_task_runs_of_a_killed_run(tmp_path, write, run_cli):
    write("steady.py", STEADY.replace("time.sleep(0.2)", "time.sleep(0.2 if x < 2 else 60)"))
    process = start_run(tmp_path, "steady.py", "--output", "json")
    run = wait_for_successes(process, tmp_path / ".flowctl", "wait", 2)
    process.kill()
    process.wait(timeout=60)
    details = json.loads(run_cli("runs", "show", run["run_id"], "--json").stdout)
    assert details["state"] == "Running" and details["ended"] is None  # its heartbeat is still fresh
    assert details["counts"]["Success"] >= 2


def _fake_runs(root, flow: str, count: int) -> None:
    from flowctl.store.runs import ActiveRun

    for _ in range(count):
        ActiveRun(root, {"flow": flow, "target": "x.py"}).finish("Success", 0.0, {}, [], 0, 0, 0, None)


def test_runs_prune_keeps_the_latest_runs_and_deletes_old_ones(tmp_path, write, run_cli):
    root = tmp_path / ".flowctl"
    _fake_runs(root, "a", 5)
    _fake_runs(root, "b", 2)
    pruned = run_cli("runs", "prune", "--keep", "3")
    assert pruned.returncode == 0 and "Deleted 2 runs" in pruned.stdout
    assert sorted(r["flow"] for r in runs(root)) == ["a", "a", "a", "b", "b"]
    assert "Deleted 0 runs" in run_cli("runs", "prune", "--older-than", "7d").stdout
    assert "Deleted 5 runs" in run_cli("runs", "prune", "--older-than", "0s").stdout
    bad = run_cli("runs", "prune", "--older-than", "soon")
    assert bad.returncode == 2 and "7d" in bad.stderr


def test_every_run_keeps_only_the_latest_50_runs_of_its_flow(tmp_path, write, run_cli):
    write("steady.py", STEADY.replace("time.sleep(0.2)", "pass"))
    root = tmp_path / ".flowctl"
    _fake_runs(root, "steady", 55)
    _fake_runs(root, "other", 3)
    assert run_cli("run", "steady.py").returncode == 0
    flows = [r["flow"] for r in runs(root)]
    assert flows.count("steady") <= 51 and flows.count("other") == 3


SECRET_FLOW = '''
import flowctl
from flowctl import Flow, Parameter, task

@task
def length(token):
    flowctl.context["logger"].info("token has %s characters", len(token))
    return len(token)

@task
def echo(token):
    return {"copy": token}

@task
def fail_once(n):
    import os
    if not os.path.exists("fixed"):
        raise ValueError("not yet")
    return n

with Flow("secretive") as flow:
    token = Parameter("token")
    fail_once(length(token))
    echo(token)
'''
SECRET = "s3cr3t-VALUE-never-shown"


def test_a_secret_from_the_environment_reaches_no_file_and_no_output(tmp_path, write, run_cli):
    write("secretive.py", SECRET_FLOW)
    env = cli_env(T=SECRET)
    outputs = []
    for mode in ("json", "plain"):
        result = run_cli("run", "secretive.py", "-p", "token=@env:T", "-o", mode, "--junit", f"{mode}.xml", env=env)
        assert result.returncode == 1
        outputs += [result.stdout, result.stderr, (tmp_path / f"{mode}.xml").read_text()]
    run_id = latest(tmp_path / ".flowctl")["run_id"]
    outputs += [run_cli(*args).stdout for args in (("runs",), ("runs", "--json"), ("runs", "show", run_id),
                                                    ("runs", "show", run_id, "--json"))]
    (tmp_path / "fixed").write_text("")
    resumed = run_cli("run", "secretive.py", "--resume", "-o", "json", env=env)
    assert resumed.returncode == 0, resumed.stderr
    outputs += [resumed.stdout, resumed.stderr]
    for text in outputs:
        assert SECRET not in text
    assert "***" in run_cli("runs", "show", run_id).stdout
    assert SECRET.encode() not in all_state_bytes(tmp_path / ".flowctl")
    root = tmp_path / ".flowctl"
    first = runs(root)[0]
    assert {r["task"]: r["checkpointed"] for r in task_runs(root, first) if r["map_index"] is None}["echo"] is False


def test_a_resume_without_the_secret_variable_asks_for_it(tmp_path, write, run_cli):
    write("secretive.py", SECRET_FLOW)
    assert run_cli("run", "secretive.py", "-p", "token=@env:T", env=cli_env(T=SECRET)).returncode == 1
    (tmp_path / "fixed").write_text("")
    missing = run_cli("run", "secretive.py", "--resume", env={k: v for k, v in cli_env().items() if k != "T"})
    assert missing.returncode == 2
    assert "'token'" in missing.stderr and "T is not set" in missing.stderr and "-p token=" in missing.stderr
    given = run_cli("run", "secretive.py", "--resume", "-p", "token=other", "-o", "json")
    assert given.returncode == 0, given.stderr


def _mount_tmpfs(path, options: str) -> None:
    path.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True,
                       capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"mounting a tmpfs is not permitted here ({getattr(exc, 'stderr', exc)!s}".strip() + ")")


@pytest.fixture
def full_tmpfs(tmp_path):
    """A 1 MiB tmpfs whose store exists and whose remaining space is filled up; always unmounted."""
    mount = tmp_path / "full"
    _mount_tmpfs(mount, "size=1m,mode=0700")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


MANY_EVENTS = '''
import flowctl
from flowctl import Flow, task

@task
def items():
    return list(range(200))

@task
def double(x):
    flowctl.context["logger"].info("double %s", x)
    return [x] * 2000

@task
def fail_at_end(values):
    raise ValueError("the flow fails on purpose")

with Flow("noisy") as flow:
    fail_at_end(double.map(items()))
'''


def test_a_full_disk_loses_no_output_warns_once_and_keeps_the_exit_code(tmp_path, write, run_cli, full_tmpfs):
    write("noisy.py", MANY_EVENTS)
    state = full_tmpfs / "state"
    first = run_cli("run", "noisy.py", "--state-dir", str(state), "-o", "json")  # fills the 1 MiB
    fd = os.open(full_tmpfs / "filler", os.O_WRONLY | os.O_CREAT)  # whatever space is left
    try:
        while os.write(fd, b"\0" * 512):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    result = run_cli("run", "noisy.py", "--state-dir", str(state), "-o", "json")
    assert result.returncode == 1  # the flow's own verdict
    stdout_events = json_events(result.stdout)
    assert len([e for e in stdout_events if e["event"] == "log" and e["message"].startswith("double ")]) == 200
    children = [e for e in stdout_events if e["event"] == "task_state" and e["task"] == "double"]
    assert len([e for e in children if e["state"] == "Success"]) == 200
    assert stdout_events[-1]["event"] == "summary"
    assert "resume will recompute" in (stdout_events[-1].get("store_warning") or "")
    assert result.stderr.count("checkpoints could not be written") == 1
    plain = run_cli("run", "noisy.py", "--state-dir", str(state), "-o", "plain")
    assert plain.returncode == 1 and "resume will recompute" in plain.stdout + plain.stderr
    assert first.returncode == 1


def test_a_read_only_state_directory_warns_and_the_run_goes_on(tmp_path, write, run_cli):
    write("steady.py", STEADY.replace("time.sleep(0.2)", "pass"))
    mount = tmp_path / "ro"
    _mount_tmpfs(mount, "size=1m,ro")
    try:
        result = run_cli("run", "steady.py", "--state-dir", str(mount / "state"), "-o", "json")
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
    assert result.returncode == 0
    assert "checkpoints could not be written" in result.stderr and "resume will recompute" in result.stderr
    states = [e["state"] for e in json_events(result.stdout) if e["event"] == "task_state" and e["task"] == "wait"]
    assert states.count("Success") == 5


def test_runs_show_html_writes_the_report_of_a_recorded_run(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    run_cli("run", "mixed.py")
    run_id = latest(tmp_path / ".flowctl")["run_id"]
    shown = run_cli("runs", "show", run_id, "--html", "report.html")
    assert shown.returncode == 0, shown.stderr
    page = (tmp_path / "report.html").read_text()
    assert run_id in page and "invert" in page and "ZeroDivisionError" in page


MAP_FOUR = '''
from flowctl import Flow, task

@task
def numbers():
    return list(range(4))

@task
def inc(x):
    return x + 1

with Flow("four") as flow:
    inc.map(numbers())
'''


def test_runs_show_html_draws_routine_mapped_children_from_their_task_runs(tmp_path, write, run_cli):
    write("four.py", MAP_FOUR)
    assert run_cli("run", "four.py").returncode == 0
    run_id = latest(tmp_path / ".flowctl")["run_id"]
    shown = run_cli("runs", "show", run_id, "--html", "report.html")
    assert shown.returncode == 0, shown.stderr
    page = (tmp_path / "report.html").read_text()
    assert page.count('class="bar"') == 5  # numbers and its four children, none of them in the event log
    assert all(f"inc[{index}]" in page for index in range(4))


def test_the_children_of_a_big_map_are_stored_as_batches_with_checkpoints(tmp_path, write, run_cli):
    write("many.py", MAP_FOUR.replace("range(4)", "range(3000)"))
    assert run_cli("run", "many.py", "-o", "json").returncode == 0
    root = tmp_path / ".flowctl"
    run = latest(root)
    assert checkpoint_indexes(root, run, "inc") == set(range(3000))
    assert sqlite3.connect(str(root / "store.db")).execute(
        "SELECT COUNT(*) FROM task_runs WHERE map_index >= 0").fetchone()[0] == 0
    shown = run_cli("runs", "show", run["run_id"])
    assert "Task runs by state: Success 3001" in shown.stdout and "Checkpoints: 3001" in shown.stdout


def test_the_record_names_the_executor_the_run_used(tmp_path, write, run_cli):
    write("mixed.py", MIXED)
    run_cli("run", "mixed.py", "-p", "n=2", "--output", "json", "--executor", "threads")
    [run] = runs(tmp_path / ".flowctl")
    details = json.loads(run_cli("runs", "show", run["run_id"], "--json").stdout)
    assert details["executor"] == "threads"


def test_a_flow_name_sqlite_cannot_store_is_a_store_warning_not_a_crash(run_cli, write):
    write("flow.py", 'from flowctl import Flow, task\n\n@task\ndef one():\n    return 1\n\n'
                     'with Flow("utf-\\udcff") as flow:\n    one()\n')
    result = run_cli("run", "flow.py", "-o", "json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["event"] == "summary" and "surrogates not allowed" in summary["store_warning"]
