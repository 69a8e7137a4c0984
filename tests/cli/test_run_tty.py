"""`flowctl run` on a terminal: the live view as a person sees it (under a pseudo-terminal)."""
from __future__ import annotations

import re
import time

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


RICH_FLOW = '''
import datetime
import time
from pathlib import Path
import flowctl
from flowctl import Flow, Parameter, task
from flowctl.engine import signals

attempts = {"n": 0}

@task(max_retries=2, retry_delay=datetime.timedelta(seconds=0))
def connect(url):
    attempts["n"] += 1
    if attempts["n"] == 1:
        raise ConnectionError("refused")
    print("connected to", url)
    return url

@task
def rows(conn):
    return list(range(12))

@task
def check(x):
    if x == 5:
        raise ValueError("bad row 5")
    return x

@task
def optional():
    raise signals.SKIP("nothing to do today")

@task(trigger=flowctl.triggers.always_run)
def wait_here(values, seconds):
    Path("waiting").write_text("yes")
    time.sleep(seconds)

with Flow("rich demo") as flow:
    url = Parameter("url", default="db://warehouse")
    token = Parameter("api_token", default="hunter2")
    checked = check.map(rows(connect(url)))
    optional()
    wait_here(checked, seconds=Parameter("wait", default=0), upstream_tasks=[token])
'''


def spawn(args, tmp_path, columns=120, rows=40, **env):
    child = pexpect.spawn(flowctl_executable(), args, cwd=str(tmp_path), env=cli_env(**env),
                          dimensions=(rows, columns), encoding="utf-8", timeout=60)
    return child


def finished(child) -> str:
    child.expect(pexpect.EOF)
    child.close()
    return child.before


def test_the_live_view_puts_parameters_in_the_header_and_gives_skipped_its_own_icon(write, tmp_path):
    write("demo.py", RICH_FLOW)
    raw = finished(spawn(["run", "demo.py", "--no-checkpoint", "-p", "wait=0"], tmp_path))
    screen = ANSI.sub("", raw)
    assert 'Parameters api_token=*** url="db://warehouse" wait=0' in screen
    assert "hunter2" not in screen
    frame_lines = [line for line in screen.splitlines() if " url " in f" {line} " and "Success" in line]
    assert frame_lines == [], "parameters are not task rows"
    assert "↷ optional Skipped" in " ".join(screen.split())
    assert "✔ optional" not in screen
    assert "connect | attempt 1/3 failed: ConnectionError('refused'); retrying now" in screen
    assert "Traceback" in screen and screen.count("ConnectionError: refused") == 0  # only check[5]'s trace
    assert "connected to db://warehouse" in screen  # a print from a task, shown above the view
    assert "\x1b[?2026h" in raw and "\x1b[?2026l" in raw  # frames are synchronized updates


def test_a_narrow_terminal_shows_compact_counts_with_failures_first(write, tmp_path):
    write("demo.py", RICH_FLOW)
    raw = finished(spawn(["run", "demo.py", "--no-checkpoint"], tmp_path, columns=60))
    screen = ANSI.sub("", raw)
    assert any(re.match(r"✘1 \d+/16$", line.strip()) for line in screen.splitlines()), screen[-3000:]
    assert "✘ check" in screen and "↷ optional" in screen


def test_the_final_frame_after_ctrl_c_matches_the_summary(write, tmp_path):
    write("demo.py", RICH_FLOW)
    child = spawn(["run", "demo.py", "-p", "wait=30"], tmp_path, columns=90)
    deadline = time.monotonic() + 30
    while not (tmp_path / "waiting").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    child.sendintr()
    raw = finished(child)
    assert child.exitstatus == 130
    last_frame = ANSI.sub("", raw.split("\x1b[?2026h")[-1].split("interrupted:")[0])
    assert "wait_here" in last_frame and "Cancelled" in last_frame
    assert "Running" not in last_frame
    screen = ANSI.sub("", raw)
    assert "Flow 'rich demo' interrupted: Cancelled" in screen
    resume = next(line for line in screen.splitlines() if "--resume" in line)
    assert resume.strip().startswith("flowctl run demo.py --resume ") and len(resume.strip()) > 40
    assert re.search(r"flowctl run demo\.py --resume \d{8}T\d{6}-[0-9a-f]+", screen)


def test_ci_gets_plain_output_even_on_a_terminal(write, tmp_path):
    write("demo.py", RICH_FLOW)
    raw = finished(spawn(["run", "demo.py", "--no-checkpoint"], tmp_path, CI="true"))
    assert not ANSI.search(raw)
    assert "check[5]: Running -> Failed" in raw
