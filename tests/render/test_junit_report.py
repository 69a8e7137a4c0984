"""JUnit reports: every one is valid against the Jenkins xUnit plugin's junit-10.xsd."""
from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest

import flowctl
from flowctl import Flow, task
from flowctl.engine import signals
from flowctl.engine.events import bus
from flowctl.render.junit import build_junit, build_load_error_junit
from flowctl.render.model import RunModel
from flowctl.render.summary import build_summary, iter_units

from render_helpers import junit_schema, run_rendered


@pytest.fixture(scope="module")
def schema():
    return junit_schema()


def report_of(flow: Flow, schema) -> ET.Element:
    model, state, summary = run_rendered(flow, keep_units=True)
    return validated(build_junit(summary, iter_units(model, state), model.flow_started), schema)


def validated(tree: ET.ElementTree, schema) -> ET.Element:
    root = tree.getroot()
    schema.validate(ET.tostring(root, encoding="unicode"))
    return root


def cases_of(root: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name"): case for case in root.iter("testcase")}


@task
def say(word):
    flowctl.context["logger"].info("saying %s", word)
    return word


@task
def invert(x):
    return 1 / x


@task
def nothing_to_do():
    raise signals.SKIP("nothing to do")


def test_a_successful_run_validates_and_carries_timestamp_hostname_and_logs(schema):
    with Flow("ok") as flow:
        say.map(["a", "b\x1b[31m"])
    root = report_of(flow, schema)
    suite = root.find("testsuite")
    assert datetime.datetime.fromisoformat(suite.get("timestamp"))
    assert suite.get("hostname")
    assert root.get("skipped") is None  # junit-10.xsd has no such attribute on <testsuites>
    cases = cases_of(root)
    assert "saying a" in cases["say[0]"].find("system-out").text
    assert cases["say[0]"].find("failure") is None


def test_a_failure_names_the_exception_class_and_keeps_the_user_traceback(schema):
    with Flow("failing") as flow:
        total = invert.map([1, 0])
        say(total)
        nothing_to_do()
    cases = cases_of(report_of(flow, schema))
    failure = cases["invert[1]"].find("failure")
    assert failure.get("type") == "ZeroDivisionError"
    assert "test_junit_report.py" in failure.text and "/flowctl/engine/" not in failure.text
    assert cases["say"].find("failure").get("type") == "TriggerFailed"
    assert cases["nothing_to_do"].find("skipped").get("message") == "Skipped: nothing to do"


def test_a_task_that_passed_on_retry_is_marked_flaky(schema):
    calls = {"n": 0}

    @task(max_retries=1, retry_delay=datetime.timedelta(0))
    def fetch():
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("refused")

    with Flow("flaky") as flow:
        fetch()
    case = cases_of(report_of(flow, schema))["fetch"]
    assert case.find("failure") is None
    flaky = case.find("flakyFailure")
    assert flaky.get("type") == "ConnectionError" and "refused" in flaky.get("message")


def test_an_interrupted_run_lists_tasks_that_never_started_as_skipped(schema):
    @task
    def interrupt(x):
        if x == 1:
            raise KeyboardInterrupt
        return x

    with Flow("interrupted") as flow:
        say(interrupt.map([0, 1, 2]))
    model = RunModel(flow, keep_units=True)
    unsubscribe = bus.subscribe(model.handle)
    try:
        with pytest.raises(KeyboardInterrupt):
            flow.run()
    finally:
        unsubscribe()
    summary = build_summary(model, None, interrupted=True)
    root = validated(build_junit(summary, iter_units(model, None)), schema)
    cases = cases_of(root)
    assert cases["say"].find("skipped").get("message") == "not run: interrupted"
    assert cases["interrupt[0]"].find("skipped") is None
    assert cases["interrupt[2]"].find("skipped").get("message") == "not run: interrupted"


def test_a_target_that_cannot_load_is_one_error_testcase(schema):
    tree = build_load_error_junit("broken.py", "Cannot import 'broken.py': No module named 'nope'")
    root = validated(tree, schema)
    case = root.find("testsuite/testcase")
    assert case.find("error").get("message").startswith("Cannot import 'broken.py'")
    assert root.get("errors") == "1" and root.find("testsuite").get("errors") == "1"
