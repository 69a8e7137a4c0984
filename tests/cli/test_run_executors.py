"""`flowctl run --executor ... --workers N`: the same flow and summary on every executor."""
from __future__ import annotations

import pytest

from cli_helpers import json_events

MAPPED_FLOW = '''
import flowctl
from flowctl import Flow, task

OFFSET = 100  # module state: workers get it because the module travels by value

@task
def shift(x):
    flowctl.context["logger"].info("shifting %s", x)
    return x + OFFSET

@task
def total(values):
    return sum(values)

with Flow("spread") as flow:
    total(shift.map(list(range(6))))
'''


@pytest.mark.parametrize("args", [
    ["--executor", "local"],
    ["--executor", "threads", "--workers", "3"],
    ["--executor", "processes", "--workers", "2"],
    ["--executor", "dask", "--workers", "1"],
])
def test_every_executor_runs_the_flow_and_reports_its_children(run_cli, write, args):
    write("spread.py", MAPPED_FLOW)
    result = run_cli("run", "spread.py", "-o", "json", *args, timeout=120)
    assert result.returncode == 0, result.stderr
    events = json_events(result.stdout)
    assert events[-1]["state"] == "Success"
    assert events[-1]["counts"] == {"Success": 8}
    children = {e["map_index"] for e in events
                if e["event"] == "task_state" and e["task"] == "shift" and e["state"] == "Success"}
    assert children == set(range(6))
    logs = {e["map_index"] for e in events if e["event"] == "log" and e["message"].startswith("shifting")}
    assert logs == set(range(6))


# -- Dask hang-proofing, logs and Ctrl-C ----------------------------------------------------------
import json  # noqa: E402 - grouped with the tests that need them
import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from cli_helpers import cli_env, flowctl_executable  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "executors"))
from dask_clusters import Cluster  # noqa: E402

NAPPING_FLOW = '''
import time
from flowctl import Flow, task

@task
def nap(x):
    time.sleep(1)
    return x

with Flow("napping") as flow:
    nap.map(list(range(8)))
'''


@pytest.fixture
def silent_listener():
    """A TCP port that accepts connections and never says a word (not a Dask scheduler)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for connection in accepted:
        connection.close()


@pytest.mark.timeout(60)
def test_an_address_that_is_not_a_dask_scheduler_exits_2_with_a_message(run_cli, write, silent_listener):
    write("napping.py", NAPPING_FLOW)
    result = run_cli("run", "napping.py", "--address", silent_listener, timeout=30)
    assert result.returncode == 2
    assert "did not answer as a Dask scheduler" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def freezable_cluster():
    running = Cluster(1)
    yield running
    os.kill(running.scheduler.pid, signal.SIGCONT)
    running.close()


def _start_run(tmp_path: Path, address: str, **env: str) -> subprocess.Popen:
    (tmp_path / "napping.py").write_text(NAPPING_FLOW)
    return subprocess.Popen([flowctl_executable(), "run", "napping.py", "--address", address, "-o", "json",
                             "--state-dir", str(tmp_path / "state")], cwd=tmp_path, env=cli_env(**env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_a_running_child(runner: subprocess.Popen) -> list[str]:
    lines = []
    for line in runner.stdout:
        lines.append(line)
        if '"Running"' in line and '"nap"' in line:
            return lines
    raise AssertionError("no child started")


@pytest.mark.timeout(90)
def test_a_frozen_scheduler_fails_the_run_with_a_message_and_exit_1(tmp_path, freezable_cluster):
    runner = _start_run(tmp_path, freezable_cluster.address, FLOWCTL_DASK_HEARTBEAT_TIMEOUT="4")
    lines = _wait_for_a_running_child(runner)
    os.kill(freezable_cluster.scheduler.pid, signal.SIGSTOP)
    out, err = runner.communicate(timeout=60)
    assert runner.returncode == 1, err
    summary = json.loads((lines + out.splitlines())[-1])
    assert summary["state"] == "Failed"
    assert "stopped answering" in out
    assert "Traceback" not in err
    listed = subprocess.run([flowctl_executable(), "runs", "--state-dir", str(tmp_path / "state"), "--json"],
                            capture_output=True, text=True, env=cli_env(), timeout=60)
    assert json.loads(listed.stdout)[0]["state"] == "Failed"


@pytest.mark.timeout(90)
def test_sigterm_during_a_run_on_a_frozen_scheduler_exits_143_promptly(tmp_path, freezable_cluster):
    runner = _start_run(tmp_path, freezable_cluster.address)
    _wait_for_a_running_child(runner)
    os.kill(freezable_cluster.scheduler.pid, signal.SIGSTOP)
    time.sleep(0.5)
    runner.send_signal(signal.SIGTERM)
    _out, err = runner.communicate(timeout=15)  # the bound is 5 s; a hang would take minutes
    assert runner.returncode == 143
    assert "Traceback" not in err


LOGGING_FLOW = '''
import flowctl
from flowctl import Flow, task

@task
def shout(x):
    flowctl.context["logger"].info("line-%s-once", x)
    return x

with Flow("logging") as flow:
    shout.map(list(range(4)))
'''


@pytest.mark.timeout(120)
def test_a_dask_run_prints_each_log_line_exactly_once(run_cli, write):
    write("logging_flow.py", LOGGING_FLOW)
    result = run_cli("run", "logging_flow.py", "--executor", "dask", "--workers", "1", "-o", "plain", timeout=110)
    assert result.returncode == 0, result.stderr
    printed = result.stdout + result.stderr
    assert [printed.count(f"line-{x}-once") for x in range(4)] == [1, 1, 1, 1]


@pytest.mark.timeout(120)
def test_ctrl_c_of_a_dask_run_exits_130_without_a_traceback(tmp_path):
    (tmp_path / "napping.py").write_text(NAPPING_FLOW)
    runner = subprocess.Popen([flowctl_executable(), "run", "napping.py", "--executor", "dask", "--workers", "2",
                               "-o", "json"], cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    _wait_for_a_running_child(runner)
    os.killpg(runner.pid, signal.SIGINT)  # as a terminal does: the whole foreground group
    out, err = runner.communicate(timeout=60)
    assert runner.returncode == 130, err
    assert "Traceback" not in out + err
    assert "KeyboardInterrupt" not in out + err


@pytest.mark.timeout(60)
def test_a_dask_address_from_the_settings_is_checked_like_the_flag(run_cli, write):
    """``FLOWCTL__ENGINE__EXECUTOR__DASK__ADDRESS`` (Prefect 1's setting) names the cluster of
    ``--executor dask``: unreachable, it is the same usage error as ``--address``; with ``--workers``
    (which sizes a new cluster) it is refused, saying which setting is in the way."""
    write("napping.py", NAPPING_FLOW)
    env = cli_env(FLOWCTL__ENGINE__EXECUTOR__DASK__ADDRESS="tcp://127.0.0.1:1")
    unreachable = run_cli("run", "napping.py", "--executor", "dask", env=env, timeout=30)
    assert unreachable.returncode == 2
    assert "Cannot reach the Dask scheduler at 'tcp://127.0.0.1:1'" in unreachable.stderr
    sized = run_cli("run", "napping.py", "--executor", "dask", "--workers", "2", env=env, timeout=30)
    assert sized.returncode == 2
    assert "the settings name an existing one (engine.executor.dask.address)" in sized.stderr
    for result in (unreachable, sized):
        assert "Traceback" not in result.stderr
