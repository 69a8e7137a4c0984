"""`flowctl run --resume`: reuse exactly the checkpoints that are still right, and nothing else."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from cli_helpers import cli_env, json_events, logged
from records_helpers import (checkpoint_indexes, latest, output_of, ran, runs, start_run, wait_for_successes,
                             wait_until_crashed)

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


def _resume_after_kill(tmp_path, run_cli, killed: dict) -> None:
    root = tmp_path / ".flowctl"
    finished = checkpoint_indexes(root, killed, "slow_square")
    assert 300 <= len(finished) < 1000
    wait_until_crashed(run_cli, killed["run_id"])
    assert "Crashed" in run_cli("runs").stdout
    resumed = run_cli("run", "thousand.py", "--resume", "--output", "json", timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert logged(resumed.stdout, "total=") == [str(THOUSAND_TOTAL)]
    new = latest(root)
    assert new["resumed_from"] == killed["run_id"] and new["state"] == "Success"
    assert [i for _t, i in ran(root, new, "slow_square")] == sorted(set(range(1000)) - finished)
    summary = summary_of(resumed.stdout)
    assert summary["reused"] == len(finished) + 1  # items too; total runs (its upstream never finished)
    assert summary["recomputed"] == 0
    assert checkpoint_indexes(root, new, "slow_square") == set(range(1000))


def test_sigkill_mid_map_then_resume_after_the_heartbeat_stops(tmp_path, write, run_cli):
    write("thousand.py", THOUSAND_CHILDREN)
    process = start_run(tmp_path, "thousand.py", "--output", "json")
    killed = wait_for_successes(process, tmp_path / ".flowctl", "slow_square", 300)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    too_soon = run_cli("run", "thousand.py", "--resume=" + killed["run_id"])
    assert too_soon.returncode == 2 and "still running" in too_soon.stderr
    _resume_after_kill(tmp_path, run_cli, runs(tmp_path / ".flowctl")[-1])


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(p) for p in handle.read().split()]
        except OSError:
            continue
    return found


def test_a_run_killed_as_pid_1_in_a_pid_namespace_can_be_resumed(tmp_path, write, run_cli):
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare is not installed")
    probe = subprocess.run([unshare, "-fp", "--mount-proc", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -fp --mount-proc is not permitted here: {probe.stderr.strip()}")
    write("thousand.py", THOUSAND_CHILDREN)
    process = start_run(tmp_path, "thousand.py", "--output", "json", prefix=(unshare, "-fp", "--mount-proc"))
    killed = wait_for_successes(process, tmp_path / ".flowctl", "slow_square", 300)
    [pid_one] = _children(process.pid)  # flowctl, PID 1 inside the namespace
    os.kill(pid_one, signal.SIGKILL)
    process.wait(timeout=60)
    time.sleep(10)  # "resumed 10 s later"
    _resume_after_kill(tmp_path, run_cli, [r for r in runs(tmp_path / ".flowctl")
                                           if r["run_id"] == killed["run_id"]][0])


SLOW_RESUME = '''
import os, time
from flowctl import Flow, task

@task
def items():
    return list(range(30))

@task
def step(x):
    if not os.path.exists("fixed"):
        raise ValueError("not yet")
    time.sleep(0.1)
    return x

with Flow("slowresume") as flow:
    step.map(items())
'''


def test_two_concurrent_resumes_of_one_run_only_one_proceeds(tmp_path, write, run_cli):
    write("slow.py", SLOW_RESUME)
    assert run_cli("run", "slow.py").returncode == 1
    failed = latest(tmp_path / ".flowctl")
    (tmp_path / "fixed").write_text("")
    first = start_run(tmp_path, "slow.py", "--resume=" + failed["run_id"], "-o", "json")
    deadline = time.monotonic() + 120
    while len(runs(tmp_path / ".flowctl")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    second = run_cli("run", "slow.py", "--resume=" + failed["run_id"])
    assert second.returncode == 2
    claimant = runs(tmp_path / ".flowctl")[-1]["run_id"]
    assert f"run {failed['run_id']} is being resumed by run {claimant}" in second.stderr
    implicit = run_cli("run", "slow.py", "--resume")  # the latest failed run: the same answer
    assert implicit.returncode == 2
    assert f"run {failed['run_id']} is being resumed by run {claimant}" in implicit.stderr
    assert first.wait(timeout=120) == 0, output_of(first)[1][-2000:]
    assert len(runs(tmp_path / ".flowctl")) == 2  # the refused resume left no run behind
    again = run_cli("run", "slow.py", "--resume=" + failed["run_id"])
    assert again.returncode == 2 and "already resumed" in again.stderr and "--force" in again.stderr
    forced = run_cli("run", "slow.py", "--resume=" + failed["run_id"], "--force", "-o", "json")
    assert forced.returncode == 0 and summary_of(forced.stdout)["reused"] == 1  # items only


def _staged(write, run_cli, tmp_path, before: str, after: str) -> dict:
    """Run ``before`` (it fails at its last task), switch to ``after`` with the failure fixed, resume."""
    write("flow.py", before)
    assert run_cli("run", "flow.py").returncode == 1
    write("flow.py", after)
    (tmp_path / "fixed").write_text("")
    resumed = run_cli("run", "flow.py", "--resume", "-o", "json")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    return {"summary": summary_of(resumed.stdout), "result": logged(resumed.stdout, "result=")}


STAGED = '''
import os
import flowctl
from flowctl import Flow, task

@task
def load(x):
    return x * 10

@task
def minus(a, b):
    return a - b

@task
def finish(value):
    if not os.path.exists("fixed"):
        raise ValueError("not yet")
    flowctl.context["logger"].info("result=%s", value)

with Flow("staged") as flow:
    finish(minus(load(A), load(B)))
'''


def test_swapping_two_same_named_task_calls_gives_the_right_result(tmp_path, write, run_cli):
    before = STAGED.replace("load(A), load(B)", "load(1), load(2)")
    after = STAGED.replace("load(A), load(B)", "load(2), load(1)")
    outcome = _staged(write, run_cli, tmp_path, before, after)
    assert outcome["result"] == ["10"]  # not the stale -10
    # Each load still computes what one of the old loads computed (fingerprints, not slugs), so both
    # are reused; minus now takes them the other way round and is recomputed.
    assert outcome["summary"]["reused"] == 2 and outcome["summary"]["recomputed"] == 1


def test_changing_a_constant_argument_recomputes_it_and_what_follows(tmp_path, write, run_cli):
    before = STAGED.replace("load(A), load(B)", "load(1), load(2)")
    after = STAGED.replace("load(A), load(B)", "load(1), load(5)")
    outcome = _staged(write, run_cli, tmp_path, before, after)
    assert outcome["result"] == ["-40"]
    assert outcome["summary"]["reused"] == 1 and outcome["summary"]["recomputed"] == 2


def test_changing_a_tasks_code_recomputes_it_and_what_follows(tmp_path, write, run_cli):
    before = STAGED.replace("load(A), load(B)", "load(1), load(2)")
    after = before.replace("return a - b", "return b - a")
    outcome = _staged(write, run_cli, tmp_path, before, after)
    assert outcome["result"] == ["10"]
    assert outcome["summary"]["reused"] == 2 and outcome["summary"]["recomputed"] == 1


UNPICKLABLE_UPSTREAM = '''
import os, threading
import flowctl
from flowctl import Flow, task

@task
def reading():
    with open("value.txt") as handle:
        return (threading.Lock(), int(handle.read()))  # cannot be checkpointed

@task
def double(pair):
    return 2 * pair[1]

@task
def finish(value):
    if not os.path.exists("fixed"):
        raise ValueError("not yet")
    flowctl.context["logger"].info("result=%s", value)

with Flow("unpicklable") as flow:
    finish(double(reading()))
'''


def test_an_upstream_that_cannot_be_checkpointed_makes_its_dependants_recompute(tmp_path, write, run_cli):
    (tmp_path / "value.txt").write_text("1")
    write("flow.py", UNPICKLABLE_UPSTREAM)
    assert run_cli("run", "flow.py").returncode == 1
    (tmp_path / "value.txt").write_text("21")
    outcome = _staged(write, run_cli, tmp_path, UNPICKLABLE_UPSTREAM, UNPICKLABLE_UPSTREAM)
    assert outcome["result"] == ["42"]
    assert outcome["summary"]["recomputed"] == 1 and outcome["summary"]["reused"] == 0


BIG_VALUE = '''
import os
import flowctl
from flowctl import Flow, task

@task
def big():
    flowctl.context["logger"].info("computing big")
    return list(range(400_000))  # over 1 MiB pickled: a blob file

@task
def finish(values):
    if not os.path.exists("fixed"):
        raise ValueError("not yet")
    flowctl.context["logger"].info("result=%s", sum(values))

with Flow("bigvalue") as flow:
    finish(big())
'''


@pytest.mark.parametrize("planting", ["different bytes", "world-readable"])
def test_a_planted_checkpoint_file_is_refused_and_recomputed(tmp_path, write, run_cli, planting):
    write("flow.py", BIG_VALUE)
    assert run_cli("run", "flow.py").returncode == 1
    [blob] = [p for p in (tmp_path / ".flowctl" / "blobs").rglob("*") if p.is_file()]
    if planting == "different bytes":
        blob.unlink()
        blob.write_bytes(__import__("pickle").dumps("planted"))
        os.chmod(blob, 0o600)
    else:
        os.chmod(blob, 0o644)
    (tmp_path / "fixed").write_text("")
    resumed = run_cli("run", "flow.py", "--resume", "-o", "json")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "checkpoint not reused" in resumed.stderr and str(blob.name) in resumed.stderr
    assert logged(resumed.stdout, "result=") == [str(sum(range(400_000)))]
    assert logged(resumed.stdout, "computing ") == ["big"]


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
    write("squares.py", PARAMETRISED)
    assert run_cli("run", "squares.py", "-p", "n=5", env=cli_env(FAIL_AT="3")).returncode == 1
    first_id = latest(tmp_path / ".flowctl")["run_id"]
    refused = run_cli("run", "squares.py", "--resume", "-p", "n=6", "-p", "scale=1")
    assert refused.returncode == 2
    assert "n: 5 -> 6" in refused.stderr and "scale" not in refused.stderr and "--force" in refused.stderr
    assert len(runs(tmp_path / ".flowctl")) == 1  # refusals leave no run behind
    resumed = run_cli("run", "squares.py", "--resume=" + first_id, "-p", "n=5", "--output", "json")
    assert resumed.returncode == 0, resumed.stderr
    assert logged(resumed.stdout, "total=") == ["30"]
    assert latest(tmp_path / ".flowctl")["parameters"] == {"n": 5}


def test_resume_with_force_and_a_changed_parameter_recomputes_only_what_it_feeds(tmp_path, write, run_cli):
    write("squares.py", PARAMETRISED)
    assert run_cli("run", "squares.py", "-p", "n=5", env=cli_env(FAIL_AT="3")).returncode == 1
    forced = run_cli("run", "squares.py", "--resume", "-p", "scale=3", "--force", "--output", "json")
    assert forced.returncode == 0, forced.stderr
    assert latest(tmp_path / ".flowctl")["parameters"] == {"n": 5, "scale": 3}
    assert logged(forced.stdout, "total=") == ["90"]
    assert summary_of(forced.stdout)["reused"] == 5  # numbers and four squares


def test_the_plain_summary_counts_reused_ran_and_recomputed(tmp_path, write, run_cli):
    before = STAGED.replace("load(A), load(B)", "load(1), load(2)")
    write("flow.py", before)
    first = run_cli("run", "flow.py", "--output", "plain")
    failed_id = latest(tmp_path / ".flowctl")["run_id"]
    assert f"Resume with: flowctl run flow.py --resume {failed_id}" in first.stdout
    write("flow.py", before.replace("load(1), load(2)", "load(1), load(3)"))
    (tmp_path / "fixed").write_text("")
    second = run_cli("run", "flow.py", "--resume", "--output", "plain")
    assert (f"Resumed run {failed_id}: 1 task runs reused from checkpoints, 3 ran "
            f"(2 recomputed because code or inputs changed)") in second.stdout
    shown = run_cli("runs", "show", latest(tmp_path / ".flowctl")["run_id"]).stdout
    assert "1 task runs reused" in shown and "2 recomputed" in shown


def test_nothing_to_resume_and_unknown_runs_exit_2(tmp_path, write, run_cli):
    write("squares.py", PARAMETRISED)
    nothing = run_cli("run", "squares.py", "--resume", "-p", "n=1")
    assert nothing.returncode == 2 and "Nothing to resume" in nothing.stderr
    unknown = run_cli("run", "squares.py", "--resume=20990101T000000-abcdef", "-p", "n=1")
    assert unknown.returncode == 2 and "No run '20990101T000000-abcdef'" in unknown.stderr
    write("other.py", STAGED.replace("load(A), load(B)", "load(1), load(2)"))
    assert run_cli("run", "other.py").returncode == 1
    other_id = json.loads(run_cli("runs", "--json").stdout)[0]["run_id"]
    other_flow = run_cli("run", "squares.py", "--resume=" + other_id, "-p", "n=1")
    assert other_flow.returncode == 2 and "is of flow 'staged'" in other_flow.stderr
    for result in (nothing, unknown, other_flow):
        assert "Traceback" not in result.stderr


def test_resuming_a_finished_run_reuses_every_task_run_including_the_reduce(tmp_path, write, run_cli):
    write("thousand.py", THOUSAND_CHILDREN.replace("range(1000)", "range(20)"))
    assert run_cli("run", "thousand.py").returncode == 0
    finished = latest(tmp_path / ".flowctl")["run_id"]
    again = run_cli("run", "thousand.py", "--resume=" + finished, "-o", "json")
    assert again.returncode == 0, again.stderr
    summary = summary_of(again.stdout)
    assert (summary["reused"], summary["ran"], summary["recomputed"]) == (22, 0, 0)
    assert logged(again.stdout, "total=") == []  # total was reused, not run
