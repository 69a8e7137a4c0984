"""`flowctl run --resume`: continue a killed or failed run from its checkpoints, running only the rest."""
from __future__ import annotations

import signal

from cli_helpers import json_events, logged
from records_helpers import (assert_checkpoints_whole, checkpoint_indexes, meta, run_dirs, start_run,
                             units_in_state, wait_for_successes)

THOUSAND_CHILDREN = '''
import time
import flowctl
from flowctl import Flow, task

@task
def items():
    return list(range(1000))

@task
def slow_square(x):
    time.sleep(0.005)
    return x * x

@task
def total(values):
    flowctl.context["logger"].info("total=%s", sum(values))
    return sum(values)

with Flow("thousand") as flow:
    total(slow_square.map(items()))
'''
THOUSAND_TOTAL = sum(x * x for x in range(1000))


def summary_of(stdout: str) -> dict:
    return json_events(stdout)[-1]


def test_sigkill_mid_map_then_resume_runs_only_the_unfinished_children(tmp_path, write, run_cli):
    write("thousand.py", THOUSAND_CHILDREN)
    root = tmp_path / ".flowctl"
    process = start_run(tmp_path, "thousand.py", "--output", "json")
    killed_dir = wait_for_successes(process, root, "slow_square", 300)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)

    record = meta(killed_dir)
    assert record["state"] == "Running" and record["pid"] == process.pid and record["ended"] is None
    assert_checkpoints_whole(killed_dir)
    finished = checkpoint_indexes(killed_dir, "slow_square")
    assert 300 <= len(finished) < 1000

    listing = run_cli("runs")
    assert listing.returncode == 0 and "Crashed" in listing.stdout and killed_dir.name in listing.stdout

    resumed = run_cli("run", "thousand.py", "--resume", "--output", "json", timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert logged(resumed.stdout, "total=") == [str(THOUSAND_TOTAL)]
    new_dir = run_dirs(root)[-1]
    assert new_dir != killed_dir and meta(new_dir)["resumed_from"] == killed_dir.name
    ran_children = [index for _task, index in units_in_state(new_dir, "Running", "slow_square")]
    assert sorted(ran_children) == sorted(set(range(1000)) - finished)
    summary = summary_of(resumed.stdout)
    # items is reused too; total runs because its upstream did not finish before.
    assert summary["reused"] == len(finished) + 1
    assert summary["ran"] == 1000 - len(finished) + 1
    assert meta(new_dir)["state"] == "Success" and meta(new_dir)["ran"] == summary["ran"]
    assert_checkpoints_whole(new_dir)
    assert checkpoint_indexes(new_dir, "slow_square") == set(range(1000))


FLAKY_V1 = '''
import flowctl
from flowctl import Flow, task

@task
def numbers():
    return [1, 2, 3, 4]

@task
def invert(x):
    return 12 // (x - 3)

@task
def total(values):
    flowctl.context["logger"].info("total=%s", sum(values))
    return sum(values)

with Flow("flaky") as flow:
    total(invert.map(numbers()))
'''
# The fix: a different length too, so no stale bytecode can be picked up.
FLAKY_V2 = FLAKY_V1.replace("return 12 // (x - 3)", "return 12 // (x - 3) if x != 3 else 100")


def test_resume_after_fixing_a_failed_task_reruns_only_the_failed_part(tmp_path, write, run_cli):
    write("flaky.py", FLAKY_V1)
    first = run_cli("run", "flaky.py", "--output", "json")
    assert first.returncode == 1
    failed_dir = run_dirs(tmp_path / ".flowctl")[-1]
    assert meta(failed_dir)["state"] == "Failed"
    assert {f["task"] for f in meta(failed_dir)["failed"]} == {"invert", "total"}

    write("flaky.py", FLAKY_V2)
    second = run_cli("run", "flaky.py", "--resume", "--output", "json")
    assert second.returncode == 0, second.stderr
    assert logged(second.stdout, "total=") == [str(-6 - 12 + 100 + 12)]
    new_dir = run_dirs(tmp_path / ".flowctl")[-1]
    assert sorted(units_in_state(new_dir, "Running"), key=str) == [("invert", 2), ("total", None)]
    summary = summary_of(second.stdout)
    assert (summary["reused"], summary["ran"]) == (4, 2)
    assert summary["counts"] == {"Cached": 4, "Success": 2}


def test_a_resumed_run_that_succeeded_is_not_resumed_again(tmp_path, write, run_cli):
    write("flaky.py", FLAKY_V1)
    assert run_cli("run", "flaky.py").returncode == 1
    write("flaky.py", FLAKY_V2)
    assert run_cli("run", "flaky.py", "--resume").returncode == 0
    again = run_cli("run", "flaky.py", "--resume")
    assert again.returncode == 2
    assert "Nothing to resume" in again.stderr and "Traceback" not in again.stderr


def test_resume_of_a_resumed_run_that_failed_again_keeps_all_earlier_checkpoints(tmp_path, write, run_cli):
    write("flaky.py", FLAKY_V1)
    assert run_cli("run", "flaky.py").returncode == 1
    assert run_cli("run", "flaky.py", "--resume").returncode == 1  # still broken
    write("flaky.py", FLAKY_V2)
    third = run_cli("run", "flaky.py", "--resume", "--output", "json")
    assert third.returncode == 0
    assert sorted(units_in_state(run_dirs(tmp_path / ".flowctl")[-1], "Running"), key=str) == [
        ("invert", 2), ("total", None)]


PARAMETRISED = '''
import os
import flowctl
from flowctl import Flow, Parameter, task

@task
def numbers(n):
    return list(range(n))

@task
def square(x):
    if x == int(os.environ.get("FAIL_AT", "-1")):
        raise ValueError(f"refusing {x}")
    return x * x

@task
def scaled_total(values, scale):
    flowctl.context["logger"].info("total=%s", scale * sum(values))
    return scale * sum(values)

with Flow("squares") as flow:
    n = Parameter("n")
    scale = Parameter("scale", default=1)
    scaled_total(square.map(numbers(n)), scale)
'''


def test_resume_refuses_changed_parameters_without_force(tmp_path, write, run_cli):
    from cli_helpers import cli_env

    write("squares.py", PARAMETRISED)
    first = run_cli("run", "squares.py", "-p", "n=5", env=cli_env(FAIL_AT="3"))
    assert first.returncode == 1
    first_id = run_dirs(tmp_path / ".flowctl")[-1].name

    refused = run_cli("run", "squares.py", "--resume", "-p", "n=6", "-p", "scale=1")
    assert refused.returncode == 2
    assert "n: 5 -> 6" in refused.stderr and "scale" not in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    changed_default = run_cli("run", "squares.py", "--resume", "-p", "scale=2")
    assert changed_default.returncode == 2 and "scale: 1 -> 2" in changed_default.stderr
    assert len(run_dirs(tmp_path / ".flowctl")) == 1  # refusals leave no run behind

    # The required parameter comes from the record; passing the same value is no change.
    resumed = run_cli("run", "squares.py", "--resume", first_id, "-p", "n=5", "--output", "json")
    assert resumed.returncode == 0, resumed.stderr
    assert logged(resumed.stdout, "total=") == ["30"]
    assert meta(run_dirs(tmp_path / ".flowctl")[-1])["parameters"] == {"n": 5}


def test_resume_with_force_accepts_changed_parameters(tmp_path, write, run_cli):
    from cli_helpers import cli_env

    write("squares.py", PARAMETRISED)
    assert run_cli("run", "squares.py", "-p", "n=5", env=cli_env(FAIL_AT="3")).returncode == 1
    forced = run_cli("run", "squares.py", "--resume", "-p", "scale=3", "--force", "--output", "json")
    assert forced.returncode == 0, forced.stderr
    new_dir = run_dirs(tmp_path / ".flowctl")[-1]
    assert meta(new_dir)["parameters"] == {"n": 5, "scale": 3}
    assert logged(forced.stdout, "total=") == ["90"]
    assert summary_of(forced.stdout)["reused"] == 5  # numbers and four squares


def test_resume_option_errors_exit_2_with_a_message(tmp_path, write, run_cli):
    write("flaky.py", FLAKY_V1)
    write("squares.py", PARAMETRISED)
    nothing = run_cli("run", "flaky.py", "--resume")
    assert nothing.returncode == 2 and "Nothing to resume" in nothing.stderr
    unknown = run_cli("run", "flaky.py", "--resume", "20990101T000000-abcdef")
    assert unknown.returncode == 2 and "No run '20990101T000000-abcdef'" in unknown.stderr
    assert run_cli("run", "flaky.py").returncode == 1
    other_flow = run_cli("run", "squares.py", "--resume", run_dirs(tmp_path / ".flowctl")[-1].name, "-p", "n=1")
    assert other_flow.returncode == 2 and "is of flow 'flaky'" in other_flow.stderr
    stray_id = run_cli("run", "flaky.py", "some-id")
    assert stray_id.returncode == 2 and "goes with --resume" in stray_id.stderr
    stray_force = run_cli("run", "flaky.py", "--force")
    assert stray_force.returncode == 2 and "--force" in stray_force.stderr
    for result in (nothing, unknown, other_flow, stray_id, stray_force):
        assert "Traceback" not in result.stderr


def test_plain_summary_says_how_many_task_runs_were_reused_and_ran(tmp_path, write, run_cli):
    write("flaky.py", FLAKY_V1)
    first = run_cli("run", "flaky.py", "--output", "plain")
    failed_id = run_dirs(tmp_path / ".flowctl")[-1].name
    assert f"Resume with: flowctl run flaky.py --resume {failed_id}" in first.stdout
    write("flaky.py", FLAKY_V2)
    second = run_cli("run", "flaky.py", "--resume", "--output", "plain")
    assert f"Resumed run {failed_id}: 4 task runs reused from checkpoints, 2 ran" in second.stdout
