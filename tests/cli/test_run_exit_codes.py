"""`flowctl run` exit codes: 0 success, 1 failed, 2 usage errors, 130 interrupted by Ctrl-C."""
from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from cli_helpers import SIMPLE_FLOW, cli_env, flowctl_executable

FAILING_FLOW = '''
from flowctl import Flow, task

@task
def explode():
    raise ValueError("no good")

with Flow("failing") as flow:
    explode()
'''

SLEEPY_FLOW = '''
import time
from flowctl import Flow, task

@task
def quick():
    return 1

@task
def sleepy(x):
    time.sleep(60)

@task
def after(y):
    return y

with Flow("sleepy") as flow:
    after(sleepy(quick()))
'''


def test_a_successful_flow_exits_0(run_cli, write):
    write("flow.py", SIMPLE_FLOW)
    assert run_cli("run", "flow.py").returncode == 0


def test_a_failed_flow_exits_1(run_cli, write):
    write("flow.py", FAILING_FLOW)
    result = run_cli("run", "flow.py", "-o", "plain")
    assert result.returncode == 1
    assert "ValueError: no good" in result.stdout


@pytest.mark.parametrize("args, fact", [
    (["run"], "TARGET"),
    (["run", "flow.py", "--executor", "gpu"], "gpu"),
    (["run", "flow.py", "--workers", "0"], "--workers"),
    (["run", "flow.py", "--workers", "2"], "--workers needs a parallel executor"),
    (["run", "flow.py", "--executor", "threads", "--address", "tcp://127.0.0.1:1"], "--address"),
    (["run", "flow.py", "--no-such-option"], "--no-such-option"),
])
def test_usage_errors_exit_2(run_cli, write, args, fact):
    write("flow.py", SIMPLE_FLOW)
    result = run_cli(*args)
    assert result.returncode == 2
    assert fact in result.stderr + result.stdout  # bare `run` prints its help
    assert "Traceback" not in result.stderr


def finish(process: subprocess.Popen) -> tuple[str, str]:
    try:
        return process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"flowctl did not exit after SIGINT:\n{out}\n{err}") from None


def start_and_wait_for(args: list[str], cwd, marker: str) -> tuple[subprocess.Popen, list[str]]:
    """Start flowctl and read stdout until a line containing ``marker`` appears."""
    process = subprocess.Popen([flowctl_executable(), *args], cwd=cwd, env=cli_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    deadline = time.time() + 30
    while time.time() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return process, lines
    process.kill()
    raise AssertionError(f"never saw {marker!r}: {''.join(lines)}{process.stderr.read()}")


def test_ctrl_c_cancels_the_run_prints_the_summary_and_exits_130(write, tmp_path):
    write("sleepy.py", SLEEPY_FLOW)
    process, _ = start_and_wait_for(["run", "sleepy.py", "-o", "plain"], tmp_path, "sleepy: Pending -> Running")
    process.send_signal(signal.SIGINT)
    out, err = finish(process)  # within 30 s while the task sleeps 60: interrupted, not awaited
    assert process.returncode == 130, err
    assert "Flow 'sleepy' Cancelled" in out or "Flow 'sleepy': Cancelled" in out
    assert "Flow 'sleepy' interrupted: Cancelled" in out
    assert "Task runs by state:" in out and "Cancelled 1" in out and "Success 1" in out
    assert "Traceback" not in err


@pytest.mark.parametrize("executor", ["local", "threads", "processes"])
def test_ctrl_c_in_json_mode_ends_with_a_cancelled_summary(write, tmp_path, executor):
    write("sleepy.py", SLEEPY_FLOW)
    process, lines = start_and_wait_for(["run", "sleepy.py", "-o", "json", "-e", executor], tmp_path,
                                        '"task": "sleepy"')
    process.send_signal(signal.SIGINT)
    out, _err = finish(process)  # within 30 s while the task sleeps 60: the worker does not hold the exit
    assert process.returncode == 130
    events = [json.loads(line) for line in lines + out.splitlines() if line.strip()]
    assert events[-1]["event"] == "summary" and events[-1]["state"] == "Cancelled"
    assert events[-1]["counts"].get("Cancelled") == 1


RETRY_LATER_FLOW = '''
from datetime import timedelta
from flowctl import Flow, task

@task
def quick():
    return 1

@task(max_retries=1, retry_delay=timedelta(seconds=60))
def later(x):
    raise ValueError("retry in a minute")

with Flow("waiting") as flow:
    later(quick())
'''


def test_ctrl_c_while_waiting_for_a_retry_cancels_the_run_and_exits_130(write, tmp_path):
    write("waiting.py", RETRY_LATER_FLOW)
    process, _ = start_and_wait_for(["run", "waiting.py", "-o", "plain"], tmp_path,
                                    "Waiting for next available Task run at")
    process.send_signal(signal.SIGINT)
    out, err = finish(process)  # within 30 s while the retry is a minute away
    assert process.returncode == 130, err
    assert "Flow 'waiting' interrupted: Cancelled" in out
    assert "Cancelled 1" in out and "Success 1" in out  # quick's success is kept
    assert "Traceback" not in err
