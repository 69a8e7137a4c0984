"""``ShellTask`` (Prefect 1's ``prefect.tasks.shell``): what a command returns, logs and fails with.

The differential corpus (``diff_corpus/shell.py``) checks the same cases against Prefect 1.4.1;
these tests add what it cannot see: log lines, file modes and a timeout that kills the command.
"""
from __future__ import annotations

import logging
import os
import stat

import pytest

from flowctl import Flow
from flowctl.engine import signals
from flowctl.engine.events import LogEmitted, bus
from flowctl.engine.state import TimedOut
from flowctl.tasks.shell import ShellTask


def test_the_last_line_is_the_result_and_env_adds_to_the_environment(monkeypatch):
    monkeypatch.setenv("KEPT", "kept")
    task = ShellTask(env={"ADDED": "added"})
    assert task.run(command="echo one; echo $KEPT-$ADDED") == "kept-added"
    assert ShellTask(return_all=True).run(command="printf 'a\\nb\\n'") == ["a", "b"]
    assert ShellTask().run(command="true") is None


def test_the_helper_script_runs_first_in_the_same_shell(tmp_path):
    task = ShellTask(helper_script=f"cd {tmp_path}\nshout() {{ echo \"$1!\"; }}")
    assert task.run(command="shout here; pwd") == str(tmp_path)


def test_a_failing_command_fails_with_its_exit_code_and_output():
    with pytest.raises(signals.FAIL, match="Command failed with exit code 3") as failed:
        ShellTask(return_all=True).run(command="echo out; echo err >&2; exit 3")
    assert failed.value.state.result == ["out", "err"]


def test_stream_output_logs_each_line_at_its_level_and_log_stderr_logs_a_failure():
    received: list = []
    unsubscribe = bus.subscribe(received.append)
    try:
        with Flow("shell") as flow:
            ShellTask(name="streamed", stream_output="WARNING")(command="echo one; echo two")
            ShellTask(name="quiet", log_stderr=True)(command="echo why >&2; exit 1")
        flow.run()
    finally:
        unsubscribe()
    logs = [(e.level, e.message) for e in received if isinstance(e, LogEmitted)]
    assert ("WARNING", "one") in logs and ("WARNING", "two") in logs
    assert ("ERROR", "Command failed with exit code 1") in logs and ("ERROR", "why") in logs


def test_bad_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="not a valid log level"):
        ShellTask(stream_output="LOUD")
    with pytest.raises(TypeError, match="missing required argument: 'command'"):
        ShellTask().run()


def test_the_script_file_is_private_to_its_owner():
    mode = ShellTask().run(command='stat -c %a "$0"')
    assert stat.S_IMODE(int(mode, 8)) & 0o077 == 0


@pytest.mark.timeout(60)
def test_a_timed_out_command_is_killed_not_waited_for(tmp_path):
    marker = tmp_path / "late"
    flow = Flow("shell", tasks=[ShellTask(name="slow", timeout=1, command=f"sleep 20; touch {marker}")])
    state = flow.run()
    assert isinstance(list(state.result.values())[0], TimedOut)
    assert not marker.exists()  # waited for, the command would have touched it before the run returned


def test_shell_task_is_importable_where_prefect_1_has_it():
    import flowctl.tasks.shell as shell

    assert shell.ShellTask is ShellTask and issubclass(ShellTask, __import__("flowctl").Task)
    assert os.path.basename(shell.__file__) == "shell.py"
    assert logging.getLevelName("DEBUG") == ShellTask(stream_output="DEBUG").stream_output
