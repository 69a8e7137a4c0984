"""``flowctl run`` with secret tasks (``EnvVarSecret``, ``PrefectSecret``): their values reach
neither the run store nor any output, a checkpoint holding one is skipped, and a resume fetches
them again. Both record paths are covered: values checkpointed as tasks finish (local) and
swept from the final state (processes)."""
from __future__ import annotations

import pytest

from cli_helpers import cli_env
from records_helpers import all_state_bytes, runs, task_runs

SECRET_TASK_FLOW = '''
import os
from flowctl import Flow, task
from flowctl.tasks.secrets import EnvVarSecret, PrefectSecret

@task
def header(token):
    return {"Authorization": "Bearer " + token}

@task
def length(password):
    return len(password)

@task
def fail_once(n):
    if not os.path.exists("fixed"):
        raise ValueError("not yet")
    return n

with Flow("secret-tasks") as flow:
    token = EnvVarSecret("API_TOKEN", raise_if_missing=True)
    password = PrefectSecret("DB_PASSWORD")
    header(token)
    fail_once(length(password))
'''
TOKEN, PASSWORD = "tok-3f9a-NEVER-STORED", "pw-77c1-NEVER-STORED"


@pytest.mark.parametrize("executor", ["local", "processes"])
def test_secret_task_values_reach_no_file_and_no_output(tmp_path, write, run_cli, executor):
    write("secret_tasks.py", SECRET_TASK_FLOW)
    env = cli_env(API_TOKEN=TOKEN, FLOWCTL__CONTEXT__SECRETS__DB_PASSWORD=PASSWORD)
    first = run_cli("run", "secret_tasks.py", "--executor", executor, "-o", "json", env=env, timeout=180)
    assert first.returncode == 1, first.stderr
    root = tmp_path / ".flowctl"
    checkpointed = {r["task"]: r["checkpointed"] for r in task_runs(root, runs(root)[0]) if r["map_index"] is None}
    assert checkpointed["API_TOKEN"] is False and checkpointed["DB_PASSWORD"] is False
    assert checkpointed["header"] is False  # its value holds the token
    assert checkpointed["length"] is True  # its value holds no secret
    (tmp_path / "fixed").write_text("")
    resumed = run_cli("run", "secret_tasks.py", "--executor", executor, "--resume", "-o", "json", env=env,
                      timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    second = runs(root)[-1]
    ran = {r["task"] for r in task_runs(root, second) if r["attempts"]}
    # the secrets are fetched again, so what was computed from them is too (a secret may have changed)
    assert {"API_TOKEN", "DB_PASSWORD", "header", "length", "fail_once"} <= ran
    stored = all_state_bytes(root)
    for secret in (TOKEN, PASSWORD):
        assert secret.encode() not in stored
        for output in (first.stdout, first.stderr, resumed.stdout, resumed.stderr):
            assert secret not in output
