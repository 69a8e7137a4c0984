"""The names API.md promises are importable from the documented paths."""
from __future__ import annotations

import importlib

import pytest

import flowctl

TOP_LEVEL = ["Task", "Flow", "Parameter", "task", "tags", "unmapped", "mapped", "flatten", "apply_map",
             "case", "resource_manager", "context", "config", "__version__"]

PATHS = {
    "flowctl.core.task": ["Task"],
    "flowctl.core": ["Task", "Flow", "Edge", "Parameter"],
    "flowctl.core.flow": ["Flow"],
    "flowctl.core.edge": ["Edge"],
    "flowctl.core.parameter": ["Parameter", "DateTimeParameter"],
    "flowctl.engine": ["TaskRunner", "FlowRunner"],
    "flowctl.engine.state": ["State", "Pending", "Scheduled", "Paused", "Resume", "Retrying", "Submitted",
                             "Queued", "Running", "Cancelling", "Finished", "Success", "Cached", "Mapped",
                             "Skipped", "Looped", "Cancelled", "Failed", "TimedOut", "TriggerFailed",
                             "ValidationFailed"],
    "flowctl.engine.signals": ["FAIL", "TRIGGERFAIL", "VALIDATIONFAIL", "SUCCESS", "RETRY", "SKIP", "PAUSE",
                               "LOOP", "ENDRUN"],
    "flowctl.engine.task_runner": ["TaskRunner"],
    "flowctl.engine.flow_runner": ["FlowRunner"],
    "flowctl.triggers": ["all_successful", "all_failed", "all_finished", "always_run", "manual_only",
                         "any_successful", "any_failed", "not_all_skipped", "some_successful", "some_failed"],
    "flowctl.tasks.core.function": ["FunctionTask"],
    "flowctl.tasks.core.constants": ["Constant"],
    "flowctl.tasks.core.collections": ["List", "Tuple", "Set", "Dict"],
    "flowctl.utilities.tasks": ["task", "tags", "as_task", "defaults_from_attrs", "apply_map", "pause_task"],
    "flowctl.utilities.configuration": ["set_temporary_config"],
    "flowctl.utilities.debug": ["raise_on_exception"],
    "flowctl.utilities.logging": ["get_logger"],
    "flowctl.utilities.collections": ["DotDict"],
    "flowctl.exceptions": ["PrefectSignal", "TaskTimeoutSignal", "FlowctlError", "PrefectException"],
    "flowctl.engine.events": ["bus", "TaskStateChanged", "FlowStateChanged", "LogEmitted"],
    "flowctl.tasks.secrets": ["SecretBase", "PrefectSecret", "EnvVarSecret"],
    "flowctl.client": ["Secret"],
    "flowctl.engine.results": ["Result", "LocalResult", "PrefectResult", "ConstantResult", "SecretResult"],
    "flowctl.utilities.notifications": ["callback_factory", "slack_notifier", "slack_message_formatter"],
    "flowctl.tasks.templates": ["StringFormatter", "JinjaTemplate"],
    "flowctl.tasks.templates.jinja2": ["JinjaTemplate"],
    "flowctl.engine.serializers": ["Serializer", "PickleSerializer", "JSONSerializer", "DateTimeSerializer",
                                   "CompressedSerializer"],
}


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_name_is_exported(name):
    assert hasattr(flowctl, name)


def test_subpackages_are_attributes():
    for sub in ("triggers", "executors", "engine", "tasks", "utilities"):
        assert hasattr(flowctl, sub)


@pytest.mark.parametrize("module,names", sorted(PATHS.items()))
def test_documented_names_import_from_their_paths(module, names):
    loaded = importlib.import_module(module)
    missing = [n for n in names if not hasattr(loaded, n)]
    assert missing == []


def test_flowctl_context_module_does_not_exist():
    import os

    assert not os.path.exists(os.path.join(os.path.dirname(flowctl.__file__), "context.py"))


def test_get_logger_returns_flowctl_loggers():
    from flowctl.utilities.logging import get_logger

    assert get_logger().name == "flowctl"
    assert get_logger("x").name == "flowctl.x"


def test_task_decorator_and_tags_are_the_same_objects_everywhere():
    from flowctl.utilities import tasks

    assert flowctl.task is tasks.task
    assert flowctl.tags is tasks.tags
    assert flowctl.case is importlib.import_module("flowctl.tasks.control_flow").case


def test_every_documented_path_imports_first_in_a_fresh_interpreter():
    """A user's first import may be any documented path: none may hit an import cycle (one did, when
    ``flowctl.utilities.tasks`` was imported before ``flowctl.core``). One process forks a fresh child
    per path, before anything of flowctl is imported."""
    import subprocess
    import sys

    statements = [f"import {module}" for module in PATHS] + [f"from flowctl import {name}" for name in TOP_LEVEL]
    script = (
        "import os, sys\n"
        "failed = []\n"
        f"for statement in {statements!r}:\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        try:\n"
        "            exec(statement)\n"
        "        except BaseException as exc:\n"
        "            print(statement, '->', repr(exc), flush=True)\n"
        "            os._exit(1)\n"
        "        os._exit(0)\n"
        "    if os.waitpid(pid, 0)[1] != 0:\n"
        "        failed.append(statement)\n"
        "sys.exit(1 if failed else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
