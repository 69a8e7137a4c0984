"""``LocalDaskExecutor("processes")`` under faults: dead workers, stubborn timeouts, a killed runner."""
from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cloudpickle
import psutil
import pytest

from flowctl import Flow, task
from flowctl.executors import LocalDaskExecutor

cloudpickle.register_pickle_by_value(sys.modules[__name__])

REPO = Path(__file__).resolve().parents[2]


@task
def crash_on_three(x):
    if x == 3:
        os._exit(1)
    return x * 2


@task
def total(values):
    return sum(values)


@task
def halve(x):
    return x // 2


def test_a_child_that_exits_its_process_fails_alone_and_later_tasks_still_run():
    with Flow("one-dies") as flow:
        doubled = crash_on_three.map(list(range(8)))
        halved = halve.map(doubled)
        after = total(list(range(4)))

    state = flow.run(executor=LocalDaskExecutor("processes", num_workers=2))
    children = state.result[doubled].map_states
    assert [c.is_successful() for c in children] == [True, True, True, False, True, True, True, True]
    assert [c.result for i, c in enumerate(children) if i != 3] == [0, 2, 4, 8, 10, 12, 14]
    message = children[3].message
    assert "crash_on_three[3]" in message and "worker process died" in message and "exit code 1" in message
    halves = state.result[halved].map_states
    assert [h.is_successful() for h in halves] == [True, True, True, False, True, True, True, True]
    assert state.result[after].result == 6


@task
def killed_by_signal(x):
    if x == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_a_worker_killed_by_a_signal_is_named_and_replaced():
    with Flow("signal") as flow:
        mapped = killed_by_signal.map([0, 1, 2, 3, 4])

    children = flow.run(executor=LocalDaskExecutor("processes", num_workers=1)).result[mapped].map_states
    assert [c.is_successful() for c in children] == [True, False, True, True, True]
    assert "killed by SIGKILL" in children[1].message


@task(timeout=1)
def stubborn(pid_file):
    Path(pid_file).write_text(str(os.getpid()))
    while True:
        try:
            time.sleep(30)
        except BaseException:  # noqa: BLE001 - swallows the timeout on purpose
            pass


@task
def whose_pid():
    return os.getpid()


def test_a_unit_that_ignores_its_timeout_has_its_worker_process_killed(tmp_path):
    pid_file = tmp_path / "stubborn.pid"
    with Flow("stubborn") as flow:
        stuck = stubborn(str(pid_file))
        later = whose_pid(upstream_tasks=[stuck])
        later.trigger = lambda upstream_states: True

    state = flow.run(executor=LocalDaskExecutor("processes", num_workers=1))
    assert state.result[stuck].is_failed()
    assert "timed out after 1s" in state.result[stuck].message
    assert "worker process was killed" in state.result[stuck].message
    stuck_pid = int(pid_file.read_text())
    assert not psutil.pid_exists(stuck_pid) or psutil.Process(stuck_pid).status() == psutil.STATUS_ZOMBIE
    assert state.result[later].is_successful() and state.result[later].result != stuck_pid


SLEEPY_FLOW = '''
import os, time
from pathlib import Path
from flowctl import Flow, task

@task
def sleep_long(x):
    Path(os.environ["PID_DIR"], str(os.getpid())).write_text("")
    time.sleep(60)
    return x

with Flow("sleepy") as flow:
    sleep_long.map([1, 2])
'''


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.timeout(60)
def test_sigkill_of_a_processes_runner_leaves_no_child_processes(tmp_path):
    (tmp_path / "sleepy.py").write_text(SLEEPY_FLOW)
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    flowctl = str(Path(sys.executable).with_name("flowctl"))
    runner = subprocess.Popen([flowctl, "run", "sleepy.py", "--executor", "processes", "--workers", "2",
                               "--output", "plain"], cwd=tmp_path, env=dict(os.environ, PID_DIR=str(pid_dir)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 40
    while len(list(pid_dir.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(list(pid_dir.iterdir())) == 2, "the workers never started their tasks"
    descendants = [p.pid for p in psutil.Process(runner.pid).children(recursive=True)]
    assert descendants
    runner.kill()
    runner.wait()
    time.sleep(5)
    assert [pid for pid in descendants if _alive(pid)] == []


def test_a_script_without_a_main_guard_is_not_run_again_in_the_workers(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent('''
        from flowctl import Flow, task
        from flowctl.executors import LocalDaskExecutor

        print("SCRIPT BODY RAN", flush=True)

        @task
        def double(x):
            return 2 * x

        with Flow("unguarded") as flow:
            doubled = double.map([1, 2, 3])
        state = flow.run(executor=LocalDaskExecutor("processes", num_workers=2))
        print("RESULT", state.result[doubled].result, flush=True)
    '''))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("SCRIPT BODY RAN") == 1
    assert "RESULT [2, 4, 6]" in done.stdout


@task(cache_for=datetime.timedelta(minutes=10))
def counted(x, calls_file):
    with open(calls_file, "a") as calls:
        calls.write("call\n")
    return x + 1


def test_cache_for_gives_cached_on_the_second_run_under_processes(tmp_path):
    from flowctl.engine.flow_runner import PROCESS_CACHES

    PROCESS_CACHES.clear()
    calls = tmp_path / "calls"
    with Flow("cached") as flow:
        result = counted(41, str(calls))

    first = flow.run(executor=LocalDaskExecutor("processes", num_workers=1))
    second = flow.run(executor=LocalDaskExecutor("processes", num_workers=1))
    assert first.result[result].result == second.result[result].result == 42
    assert second.result[result].is_cached()
    assert calls.read_text().count("call") == 1
    PROCESS_CACHES.clear()
