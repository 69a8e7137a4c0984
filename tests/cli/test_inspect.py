"""``flowctl inspect``: a flow's structure (or a module's flows), from the real entry point."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FLOWCTL = str(Path(sys.executable).parent / "flowctl")

MODULE = """
from flowctl import Flow, Parameter, task

@task
def load(url, limit):
    return [url] * limit

@task
def count(rows, offset):
    return len(rows) + offset

with Flow("etl") as etl:
    url = Parameter("url")
    limit = Parameter("limit", default=10)
    count(load(url, limit), offset=5)

other = Flow("other")
"""


def flowctl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([FLOWCTL, "inspect", *args], cwd=cwd, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1", "COLUMNS": "120"})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pipeline.py").write_text(textwrap.dedent(MODULE))
    return tmp_path


def test_json_describes_parameters_tasks_edges_and_reference_tasks(project):
    result = flowctl("pipeline.py:etl", "--json", cwd=project)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["flow"] == "etl" and document["variable"] == "etl"
    assert document["parameters"] == [
        {"name": "limit", "default": 10, "required": False},
        {"name": "url", "default": None, "required": True},
    ]
    tasks = {t["slug"]: t for t in document["tasks"]}
    assert tasks["url"]["kind"] == "parameter"
    assert tasks["count-1"]["constants"] == {"offset": 5}
    assert tasks["load-1"]["upstream"] == ["url", "limit"]
    assert {"upstream": "load-1", "downstream": "count-1", "key": "rows", "mapped": False,
            "flattened": False} in document["edges"]
    assert document["reference_tasks"] == ["count-1"]
    assert document["executor"] == "LocalExecutor" and document["executor_is_default"] is True


SECRET_MODULE = """
from flowctl import Flow, Parameter, task
from flowctl.executors import LocalDaskExecutor

@task
def login(password, user):
    return user

with Flow("login", executor=LocalDaskExecutor("threads")) as flow:
    login(Parameter("password", default="defaultpw"), Parameter("user", default="ann"))
"""


def test_a_secret_parameters_default_is_hidden_and_a_set_executor_named(tmp_path):
    (tmp_path / "login.py").write_text(textwrap.dedent(SECRET_MODULE))
    as_json = flowctl("login.py", "--json", cwd=tmp_path)
    table = flowctl("login.py", cwd=tmp_path)
    assert as_json.returncode == 0 and table.returncode == 0, as_json.stderr + table.stderr
    document = json.loads(as_json.stdout)
    assert {p["name"]: p["default"] for p in document["parameters"]} == {"password": "***", "user": "ann"}
    assert document["executor"] == "LocalDaskExecutor" and document["executor_is_default"] is False
    assert "defaultpw" not in as_json.stdout + table.stdout
    assert "***" in table.stdout and "'ann'" in table.stdout and "LocalDaskExecutor" in table.stdout


def test_a_module_with_several_flows_lists_them(project):
    result = flowctl("pipeline.py", "--json", cwd=project)
    assert result.returncode == 0, result.stderr
    flows = json.loads(result.stdout)["flows"]
    assert [(f["variable"], f["name"], f["tasks"], f["parameters"]) for f in flows] == [
        ("etl", "etl", 4, ["limit", "url"]), ("other", "other", 0, [])]


def test_tables_name_tasks_parameters_and_edges(project):
    result = flowctl("pipeline.py:etl", cwd=project)
    assert result.returncode == 0, result.stderr
    for text in ("Flow 'etl'", "load-1", "count-1 *", "offset=5", "Parameters", "url", "yes", "Edges", "rows"):
        assert text in result.stdout


def test_unknown_flow_exits_2(project):
    result = flowctl("pipeline.py:nope", cwd=project)
    assert result.returncode == 2
    assert "etl" in result.stderr and "Traceback" not in result.stderr
