"""`flowctl run` on a terminal: the live view as a person sees it (under a pseudo-terminal)."""
from __future__ import annotations

import pexpect

from cli_helpers import ANSI, cli_env, flowctl_executable

LIVE_FLOW = '''
import time
import flowctl
from flowctl import Flow, task

@task
def fetch():
    flowctl.context["logger"].info("fetched the batch list")
    return list(range(12))

@task
def process(x):
    time.sleep(0.1)
    if x == 7:
        raise ValueError("bad record 7")
    return x

@task(trigger=flowctl.triggers.always_run)
def publish(values):
    return len(values)

with Flow("live demo") as flow:
    publish(process.map(fetch()))
'''


def test_the_live_view_shows_tasks_states_child_progress_and_summary(write, tmp_path):
    write("live.py", LIVE_FLOW)
    child = pexpect.spawn(flowctl_executable(), ["run", "live.py"], cwd=str(tmp_path), env=cli_env(),
                          dimensions=(40, 120), encoding="utf-8", timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    raw = child.before
    screen = ANSI.sub("", raw)
    assert child.exitstatus == 0  # publish, the reference task, always runs and succeeds
    assert ANSI.search(raw), "the live view uses colour and cursor control on a terminal"
    for name in ("fetch", "process", "publish"):
        assert name in screen
    for word in ("Success", "Failed", "Running"):
        assert word in screen
    assert "12/12" in screen and "done 11" in screen and "failed 1" in screen and "of 12" in screen
    assert any(f"{k}/12" in screen for k in range(1, 12)), "progress was drawn while children ran"
    assert "fetched the batch list" in screen  # log lines stream above the live area
    assert "Flow 'live demo' finished: Success" in screen
    assert "Task runs by state:" in screen and "Success 13" in screen and "Failed 1" in screen
    assert "process[7]: Error during execution of task: ValueError('bad record 7')" in screen
    assert "Slowest:" in screen
