"""SIGINT and SIGTERM stop a run cleanly: exit 130/143, record closed as Cancelled, checkpoints kept."""
from __future__ import annotations

import signal

import pytest

from cli_helpers import json_events, logged
from records_helpers import (assert_checkpoints_whole, checkpoint_indexes, meta, output_of, run_dirs,
                             start_run, units_in_state, wait_for_successes)

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
    run_dir = wait_for_successes(process, tmp_path / ".flowctl", "slow_double", 5)
    process.send_signal(signum)
    assert process.wait(timeout=120) == code
    stdout, stderr = output_of(process)
    assert "Traceback" not in stderr
    summary = json_events(stdout)[-1]
    assert summary["event"] == "summary" and summary["state"] == "Cancelled"

    record = meta(run_dir)
    assert record["state"] == "Cancelled" and record["ended"] is not None
    assert record["ran"] == summary["ran"] and record["counts"] == summary["counts"]
    assert assert_checkpoints_whole(run_dir) >= 5
    assert len(checkpoint_indexes(run_dir, "slow_double")) >= 5
    assert events_end_with_summary(run_dir)


def events_end_with_summary(run_dir) -> bool:
    from records_helpers import events

    return events(run_dir)[-1]["event"] == "summary"


def test_resume_after_sigterm_finishes_the_run_from_its_checkpoints(tmp_path, write, run_cli):
    write("slow.py", SLOW_MAP)
    process = start_run(tmp_path, "slow.py", "--output", "plain")
    stopped_dir = wait_for_successes(process, tmp_path / ".flowctl", "slow_double", 10)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) == 143
    stdout, _ = output_of(process)
    assert "Flow 'slow' interrupted: Cancelled" in stdout
    assert f"Resume with: flowctl run slow.py --resume {stopped_dir.name}" in stdout
    kept = checkpoint_indexes(stopped_dir, "slow_double")

    resumed = run_cli("run", "slow.py", "--resume", "--output", "json")
    assert resumed.returncode == 0, resumed.stderr
    assert logged(resumed.stdout, "total=") == [str(SLOW_TOTAL)]
    new_dir = run_dirs(tmp_path / ".flowctl")[-1]
    ran = sorted(index for _task, index in units_in_state(new_dir, "Running", "slow_double"))
    assert ran == sorted(set(range(120)) - kept)
