"""`flowctl run --junit FILE`: one testcase per task run, failures with message and traceback."""
from __future__ import annotations

import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from cli_helpers import cli_env, flowctl_executable

SCHEMA = xmlschema.XMLSchema(str(Path(__file__).resolve().parents[1] / "render" / "junit-10.xsd"))


def parse_valid(path: Path) -> ET.Element:
    """The report's root, after checking it against the Jenkins xUnit plugin's junit-10.xsd."""
    SCHEMA.validate(str(path))
    return ET.parse(path).getroot()

JUNIT_FLOW = '''
from flowctl import Flow, task
from flowctl.engine import signals

@task
def numbers():
    return [1, 0, 2]

@task
def invert(x):
    return 1 / x

@task
def maybe(x):
    raise signals.SKIP("nothing to do")

@task
def total(values):
    return sum(values)

with Flow("reported") as flow:
    inverted = invert.map(numbers())
    total(inverted)
    maybe(1)
'''


def test_junit_report_has_a_testcase_per_task_run(run_cli, write, tmp_path):
    write("flow.py", JUNIT_FLOW)
    (tmp_path / "reports").mkdir()
    result = run_cli("run", "flow.py", "-o", "plain", "--junit", "reports/junit.xml")
    assert result.returncode == 1
    root = parse_valid(tmp_path / "reports" / "junit.xml")
    suite = root.find("testsuite")
    assert suite.get("name") == "reported"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"numbers", "invert[0]", "invert[1]", "invert[2]", "total", "maybe"}
    assert suite.get("tests") == "6" and suite.get("failures") == "2" and suite.get("skipped") == "1"
    assert root.get("tests") == "6"
    failure = cases["invert[1]"].find("failure")
    assert "ZeroDivisionError" in failure.get("message")
    assert 'flow.py", line 10, in invert' in failure.text and "/flowctl/engine/" not in failure.text
    assert failure.get("type") == "ZeroDivisionError"
    assert cases["total"].find("failure").get("type") == "TriggerFailed"
    assert cases["maybe"].find("skipped") is not None
    assert cases["invert[0]"].find("failure") is None and cases["invert[0]"].find("skipped") is None
    for case in cases.values():
        assert float(case.get("time")) >= 0.0
        assert case.get("classname") == "reported"


def test_junit_report_of_a_successful_run_has_no_failures(run_cli, write, tmp_path):
    write("ok.py", '''
        import flowctl
        from flowctl import Flow, task

        @task
        def double(x):
            flowctl.context["logger"].info("doubling %s", x)
            return 2 * x

        with Flow("ok") as flow:
            double.map([1, 2, 3, 4, 5])
    ''')
    result = run_cli("run", "ok.py", "-o", "json", "--junit", "junit.xml")
    assert result.returncode == 0
    suite = parse_valid(tmp_path / "junit.xml").find("testsuite")
    assert suite.get("tests") == "6" and suite.get("failures") == "0"
    assert [c.get("name") for c in suite.iter("testcase")][-5:] == [f"double[{i}]" for i in range(5)]
    assert "doubling 4" in suite.find("testcase[@name='double[3]']/system-out").text
    assert suite.get("hostname") and suite.get("timestamp")


def test_a_target_that_fails_to_load_still_gets_a_report_with_an_error_testcase(run_cli, write, tmp_path):
    write("broken.py", "import a_module_that_does_not_exist\n")
    result = run_cli("run", "broken.py", "--junit", "junit.xml")
    assert result.returncode == 2
    root = parse_valid(tmp_path / "junit.xml")
    error = root.find("testsuite/testcase/error")
    assert "a_module_that_does_not_exist" in error.get("message")
    assert root.get("errors") == "1"


INTERRUPTED_FLOW = '''
import time
from pathlib import Path
from flowctl import Flow, task

@task
def first():
    return 1

@task
def slow(x):
    Path("started").write_text("yes")
    time.sleep(60)

@task
def after(x):
    return x

with Flow("interrupted") as flow:
    after(slow(first()))
'''


@pytest.mark.timeout(90)
def test_an_interrupted_run_reports_tasks_that_never_started_as_skipped(write, tmp_path):
    write("slow.py", INTERRUPTED_FLOW)
    process = subprocess.Popen([flowctl_executable(), "run", "slow.py", "-o", "plain", "--junit", "junit.xml"],
                               cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert process.returncode == 130
    cases = {c.get("name"): c for c in parse_valid(tmp_path / "junit.xml").iter("testcase")}
    assert cases["first"].find("skipped") is None and cases["first"].find("failure") is None
    assert cases["slow"].find("skipped") is not None
    assert cases["after"].find("skipped").get("message") == "not run: interrupted"
