"""``--junit FILE``: a JUnit XML report with one testcase per task run.

CI systems read JUnit to show what failed, so each task run, mapped
children included, becomes a ``testcase`` named like the task
(``transform[3]``). The document follows the Jenkins xUnit plugin's
``junit-10.xsd`` (the suite validates every report against it): failures
carry the exception's class as ``type``, its message and the user's
traceback; the run's log lines go to ``system-out``; a run that passed
after failed attempts keeps them as ``flakyFailure``; skipped runs and, in
an interrupted run, tasks that never started are ``skipped``. A target
that cannot be loaded is one testcase with an ``error``, so CI still shows
why nothing ran.
"""
from __future__ import annotations

import datetime
import os
import re
import socket
import xml.etree.ElementTree as ET
from typing import Callable, Iterable

from flowctl.render.model import unit_label
from flowctl.render.summary import Summary, UnitResult

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot hold most control characters (ANSI escapes in messages, say) or lone surrogates."""
    return _NOT_XML.sub("", text)


def _timestamp(at: float | None) -> str:
    moment = datetime.datetime.fromtimestamp(at) if at else datetime.datetime.now()
    return moment.replace(microsecond=0).isoformat()


def _suite(root: ET.Element, name: str, started_at: float | None) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=_xml_safe(name), timestamp=_timestamp(started_at),
                         hostname=socket.gethostname())


def _same(text: str) -> str:
    return text


def _add_case(suite: ET.Element, flow: str, unit: UnitResult, clean: Callable[[str], str] = _same) -> str:
    """Append one testcase; returns its outcome. ``clean`` scrubs secret values from texts."""
    case = ET.SubElement(suite, "testcase", classname=_xml_safe(flow),
                         name=_xml_safe(unit_label(unit.task, unit.map_index)), time=f"{unit.duration:.6f}")
    if unit.outcome == "failed":
        failure = ET.SubElement(case, "failure", message=_xml_safe(clean(unit.message)),
                                type=unit.error_type or unit.state)
        failure.text = _xml_safe(clean(unit.traceback or unit.message))
    elif unit.outcome == "skipped":
        message = f"{unit.state}: {unit.message}".rstrip(": ") if unit.state != "Pending" else unit.message
        ET.SubElement(case, "skipped", message=_xml_safe(clean(message)))
    for error_type, message, trace in unit.flaky:
        flaky = ET.SubElement(case, "flakyFailure", message=_xml_safe(clean(message)), type=error_type)
        if trace:
            ET.SubElement(flaky, "stackTrace").text = _xml_safe(clean(trace))
    if unit.logs:
        ET.SubElement(case, "system-out").text = _xml_safe(clean("\n".join(unit.logs)))
    return unit.outcome


def build_junit(summary: Summary, units: Iterable[UnitResult], started_at: float | None = None,
                clean: Callable[[str], str] | None = None) -> ET.ElementTree:
    suites = ET.Element("testsuites", name="flowctl")
    suite = _suite(suites, summary.flow, started_at)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for unit in units:
        counts[_add_case(suite, summary.flow, unit, clean or _same)] += 1
    tests = sum(counts.values())
    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(counts["failed"]))
        element.set("errors", "0")
        element.set("time", f"{summary.duration_s:.6f}")
    suite.set("skipped", str(counts["skipped"]))  # junit-10.xsd allows it on testsuite only
    return ET.ElementTree(suites)


def build_load_error_junit(target: str, message: str, detail: str = "") -> ET.ElementTree:
    """The report of a run that never started because its target could not be loaded."""
    suites = ET.Element("testsuites", name="flowctl", tests="1", failures="0", errors="1", time="0")
    suite = _suite(suites, target, None)
    for key, value in (("tests", "1"), ("failures", "0"), ("errors", "1"), ("skipped", "0"), ("time", "0")):
        suite.set(key, value)
    case = ET.SubElement(suite, "testcase", classname=_xml_safe(target), name="load flow", time="0")
    error = ET.SubElement(case, "error", message=_xml_safe(message.splitlines()[0] if message else "load failed"),
                          type="TargetError")
    error.text = _xml_safe("\n".join(part for part in (message, detail) if part))
    return ET.ElementTree(suites)


def _write(tree: ET.ElementTree, path: str) -> None:
    ET.indent(tree)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def write_junit(path: str, summary: Summary, units: Iterable[UnitResult], started_at: float | None = None,
                clean: Callable[[str], str] | None = None) -> None:
    _write(build_junit(summary, units, started_at, clean), path)


def write_load_error_junit(path: str, target: str, message: str, detail: str = "") -> None:
    _write(build_load_error_junit(target, message, detail), path)
