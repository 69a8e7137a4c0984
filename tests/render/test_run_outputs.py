"""Plain, NDJSON and JUnit writers, checked in-process on real runs."""
from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

from flowctl import Flow, task
from flowctl.engine.events import bus
from flowctl.render.junit import build_junit
from flowctl.render.model import RunModel
from flowctl.render.ndjson import JsonRenderer
from flowctl.render.plain import PlainRenderer
from flowctl.render.summary import build_summary, iter_units


@task
def shout(word):
    return word.upper()


def run_rendered(renderer, keep_units: bool = False):
    with Flow("words") as flow:
        shout.map(["a", "b\x1b[31m"])
    model = RunModel(flow, keep_units=keep_units)

    def on_event(event):
        model.handle(event)
        renderer.handle(event)

    unsubscribe = bus.subscribe(on_event)
    renderer.start(model)
    try:
        state = flow.run()
    finally:
        unsubscribe()
    summary = build_summary(model, state)
    renderer.finish(summary)
    return model, state, summary


def test_plain_output_is_one_line_per_transition():
    stream = io.StringIO()
    run_rendered(PlainRenderer(stream))
    lines = stream.getvalue().splitlines()
    assert "shout[1]: Running -> Success" in "\n".join(lines)
    assert sum(1 for line in lines if line.startswith("[") and "shout[" in line) == 4


def test_ndjson_output_has_stable_keys_and_a_final_summary():
    stream = io.StringIO()
    run_rendered(JsonRenderer(stream))
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert records[-1] == {**records[-1], "event": "summary", "flow": "words", "state": "Success",
                           "failed": []}
    assert all(re.match(r"\d{4}-\d\d-\d\dT", r["time"]) for r in records[:-1])


def test_junit_xml_is_valid_even_with_control_characters():
    model, state, summary = run_rendered(PlainRenderer(io.StringIO()), keep_units=True)
    tree = build_junit(summary, iter_units(model, state))
    parsed = ET.fromstring(ET.tostring(tree.getroot()))
    assert [c.get("name") for c in parsed.iter("testcase")] == ["List", "shout[0]", "shout[1]"]
