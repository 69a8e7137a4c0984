"""Secret tasks and ``flowctl.client.Secret`` (Prefect 1's local secrets): where a secret comes
from, what a secret task refuses, and that its value is never written. The differential corpus
(``diff_corpus/secrets.py``) compares the same flows' states with Prefect 1.4.1's."""
from __future__ import annotations

import subprocess
import sys

import pytest

import flowctl
from flowctl import Flow, task
from flowctl.client import Secret
from flowctl.engine.results import LocalResult, SecretResult
from flowctl.tasks.secrets import EnvVarSecret, PrefectSecret, SecretBase
from flowctl.utilities.configuration import load_configuration


@task
def show(value):
    return value


def test_a_secret_from_the_run_s_context_is_parsed_as_json_when_it_is_json():
    with Flow("secrets") as flow:
        numbers, text = PrefectSecret("NUMBERS")(), PrefectSecret("TEXT")()
        shown = show(numbers)
    state = flow.run(context={"secrets": {"NUMBERS": "[1, 2]", "TEXT": "plain words"}})
    assert state.result[shown].result == [1, 2]
    assert state.result[text].result == "plain words"


def test_a_missing_secret_fails_its_task_with_its_name():
    with Flow("secrets") as flow:
        missing = PrefectSecret("NOWHERE")()
    state = flow.run(context={"secrets": {}})
    assert state.is_failed()
    assert 'Local Secret "NOWHERE" was not found.' in str(state.result[missing].result)


def test_reading_a_secret_while_building_a_flow_is_refused():
    with pytest.raises(ValueError, match="only be retrieved during a Flow run"):
        with Flow("building"):
            Secret("ANY").get()


def test_a_secret_task_never_checkpoints_and_takes_no_result(tmp_path):
    secret = PrefectSecret("KEY", checkpoint=True)
    assert secret.checkpoint is False and isinstance(secret.result, SecretResult)
    assert secret.result.location == "KEY"
    with pytest.raises(ValueError, match="not configurable"):
        PrefectSecret("KEY", result=LocalResult(dir=str(tmp_path)))
    with pytest.raises(ValueError, match="cannot be written"):
        secret.result.write("value")
    with flowctl.context(secrets={"KEY": "42", "OTHER": "x"}):
        assert secret.result.read("OTHER").value == "x"
    with Flow("checkpointed") as flow:
        secret()
    state = flow.run(context={"secrets": {"KEY": "v"}, "checkpointing": True})
    assert state.is_successful() and list(tmp_path.iterdir()) == []


def test_an_environment_secret_is_cast_and_a_missing_one_is_none_or_an_error(monkeypatch):
    monkeypatch.setenv("FLOWCTL_TEST_PORT", "5432")
    monkeypatch.delenv("FLOWCTL_TEST_ABSENT", raising=False)
    assert EnvVarSecret("FLOWCTL_TEST_PORT", cast=int).run() == 5432
    assert EnvVarSecret("FLOWCTL_TEST_ABSENT", cast=int).run() is None
    with pytest.raises(ValueError, match="Environment variable not set: FLOWCTL_TEST_ABSENT"):
        EnvVarSecret("FLOWCTL_TEST_ABSENT", raise_if_missing=True).run()
    with pytest.raises(ValueError, match="A secret name must be provided."):
        EnvVarSecret().run()
    assert isinstance(EnvVarSecret("X"), SecretBase) and EnvVarSecret("X").name == "X"


def test_secrets_from_settings_variables_keep_their_case_and_reach_the_context():
    settings = load_configuration({"FLOWCTL__CONTEXT__SECRETS__Api_Key": "abc", "FLOWCTL__FLOWS__CHECKPOINTING": "true"})
    assert settings.context.secrets == {"Api_Key": "abc"} and settings.flows.checkpointing is True
    code = ("import flowctl\nfrom flowctl.client import Secret\nfrom flowctl.tasks.secrets import PrefectSecret\n"
            "with flowctl.Flow('f') as flow:\n    s = PrefectSecret('Api_Key')()\n"
            "print(Secret('Api_Key').exists(), flow.run().result[s].result)\n")
    env = {"FLOWCTL__CONTEXT__SECRETS__Api_Key": "abc", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "True abc", done.stderr


def test_the_caller_s_context_wins_over_the_settings_context(monkeypatch):
    from flowctl.utilities.configuration import config

    monkeypatch.setitem(config, "context", {"secrets": {"K": "from the settings"}})
    with Flow("layers") as flow:
        value = PrefectSecret("K")()
    assert flow.run().result[value].result == "from the settings"
    with flowctl.context(secrets={"K": "from the caller"}):
        assert flow.run().result[value].result == "from the caller"
    assert flow.run(context={"secrets": {"K": "from the run"}}).result[value].result == "from the run"


def test_a_restarted_run_fetches_a_secret_again():
    from flowctl.engine.flow_runner import FlowRunner
    from flowctl.engine.state import Success

    secret = PrefectSecret("KEY")
    with Flow("restart") as flow:
        shown = show(secret)
    with flowctl.context(secrets={"KEY": "new"}):
        state = FlowRunner(flow=flow).run(task_states={secret: Success(result="stale")}, return_tasks=[shown])
    assert state.result[shown].result == "new"
