"""`flowctl run --junit FILE`: one testcase per task run, failures with message and traceback."""
from __future__ import annotations

import xml.etree.ElementTree as ET

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
    result = run_cli("run", "flow.py", "-o", "plain", "--junit", "reports/junit.xml")
    assert result.returncode == 1
    root = ET.parse(tmp_path / "reports" / "junit.xml").getroot()
    suite = root.find("testsuite")
    assert suite.get("name") == "reported"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"numbers", "invert[0]", "invert[1]", "invert[2]", "total", "maybe"}
    assert suite.get("tests") == "6" and suite.get("failures") == "2" and suite.get("skipped") == "1"
    assert root.get("tests") == "6"
    failure = cases["invert[1]"].find("failure")
    assert "ZeroDivisionError" in failure.get("message")
    assert 'flow.py", line 10, in invert' in failure.text and "/flowctl/engine/" not in failure.text
    assert cases["total"].find("failure").get("type") == "TriggerFailed"
    assert cases["maybe"].find("skipped") is not None
    assert cases["invert[0]"].find("failure") is None and cases["invert[0]"].find("skipped") is None
    for case in cases.values():
        assert float(case.get("time")) >= 0.0
        assert case.get("classname") == "reported"


def test_junit_report_of_a_successful_run_has_no_failures(run_cli, write, tmp_path):
    write("ok.py", '''
        from flowctl import Flow, task

        @task
        def double(x):
            return 2 * x

        with Flow("ok") as flow:
            double.map([1, 2, 3, 4, 5])
    ''')
    result = run_cli("run", "ok.py", "-o", "json", "--junit", "junit.xml")
    assert result.returncode == 0
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite.get("tests") == "6" and suite.get("failures") == "0"
    assert [c.get("name") for c in suite.iter("testcase")][-5:] == [f"double[{i}]" for i in range(5)]
