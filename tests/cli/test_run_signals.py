"""SIGINT and SIGTERM stop a run cleanly: exit 130/143, the stored run closed as Cancelled, checkpoints kept."""
from __future__ import annotations

import signal

import pytest

from cli_helpers import json_events, logged
from records_helpers import checkpoint_indexes, events, latest, output_of, ran, start_run, wait_for_successes

SLOW_MAP = '''
import time
import flowctl
from flowctl import Flow, task

@task
def items():
    return list(range(120))

@task
def slow_double(x):
    time.sleep(0.03)
    return 2 * x

@task
def total(values):
    flowctl.context["logger"].info("total=%s", sum(values))
    return sum(values)

with Flow("slow") as flow:
    total(slow_double.map(items()))
'''
SLOW_TOTAL = sum(2 * x for x in range(120))


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("executor", ["local", "threads"])
def test_signal_mid_run_closes_the_record_as_cancelled_and_keeps_checkpoints(tmp_path, write, signum, code,
                                                                              executor):
    write("slow.py", SLOW_MAP)
    process = start_run(tmp_path, "slow.py", "--output", "json", "--executor", executor)
    root = tmp_path / ".flowctl"
    wait_for_successes(process, root, "slow_double", 5)
    process.send_signal(signum)
    assert process.wait(timeout=120) == code
    stdout, stderr = output_of(process)
    assert "Traceback" not in stderr
    summary = json_events(stdout)[-1]
    assert summary["event"] == "summary" and summary["state"] == "Cancelled"
    last = {}
    for event in json_events(stdout):
        if event["event"] == "task_state":
            last[(event["task"], event["map_index"])] = event
    # a unit that was running when the run stopped ends with its own Cancelled transition
    assert not [unit for unit, event in last.items() if event["state"] == "Running"]
    assert all(e["final"] for e in last.values() if e["state"] == "Cancelled")

    run = latest(root)
    assert run["state"] == "Cancelled" and run["ended"] is not None
    assert run["ran"] == summary["ran"] and run["counts"] == summary["counts"]
    assert len(checkpoint_indexes(root, run, "slow_double")) >= 5
    assert events(root, run)[-1]["event"] == "summary"


def test_resume_after_sigterm_finishes_the_run_from_its_checkpoints(tmp_path, write, run_cli):
    write("slow.py", SLOW_MAP)
    root = tmp_path / ".flowctl"
    process = start_run(tmp_path, "slow.py", "--output", "plain")
    stopped = wait_for_successes(process, root, "slow_double", 10)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) == 143
    stdout, _ = output_of(process)
    assert "Flow 'slow' interrupted: Cancelled" in stdout
    assert f"Resume with: flowctl run slow.py --resume {stopped['run_id']}" in stdout
    kept = checkpoint_indexes(root, stopped, "slow_double")

    resumed = run_cli("run", "slow.py", "--resume", "--output", "json")
    assert resumed.returncode == 0, resumed.stderr
    assert logged(resumed.stdout, "total=") == [str(SLOW_TOTAL)]
    assert [i for _t, i in ran(root, latest(root), "slow_double")] == sorted(set(range(120)) - kept)
