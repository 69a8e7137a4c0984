"""``--junit FILE``: a JUnit XML report with one testcase per task run.

CI systems read JUnit to show what failed, so each task run, mapped
children included, becomes a ``testcase`` named like the task
(``transform[3]``); failures carry the state's message and the user's
traceback, skipped and never-finished runs are marked ``skipped``.
"""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from typing import Iterable

from flowctl.render.model import unit_label
from flowctl.render.summary import Summary, UnitResult


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot hold most control characters (ANSI escapes in messages, say)."""
    return _NOT_XML.sub("", text)


def build_junit(summary: Summary, units: Iterable[UnitResult]) -> ET.ElementTree:
    suites = ET.Element("testsuites", name="flowctl")
    suite = ET.SubElement(suites, "testsuite", name=summary.flow)
    tests = failures = skipped = 0
    for unit in units:
        tests += 1
        case = ET.SubElement(suite, "testcase", classname=summary.flow,
                             name=unit_label(unit.task, unit.map_index), time=f"{unit.duration:.6f}")
        if unit.outcome == "failed":
            failures += 1
            failure = ET.SubElement(case, "failure", message=_xml_safe(unit.message), type=unit.state)
            failure.text = _xml_safe(unit.traceback or unit.message)
        elif unit.outcome == "skipped":
            skipped += 1
            ET.SubElement(case, "skipped", message=_xml_safe(f"{unit.state}: {unit.message}".rstrip(": ")))
    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", "0")
        element.set("skipped", str(skipped))
        element.set("time", f"{summary.duration_s:.6f}")
    return ET.ElementTree(suites)


def write_junit(path: str, summary: Summary, units: Iterable[UnitResult]) -> None:
    tree = build_junit(summary, units)
    ET.indent(tree)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)
