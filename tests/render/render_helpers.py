"""Running a flow in-process with a RunModel and a renderer subscribed, as `flowctl run` does."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl.engine.events import bus
from flowctl.render.model import RunModel
from flowctl.render.summary import build_summary

JUNIT_XSD = Path(__file__).with_name("junit-10.xsd")


def run_rendered(flow: Any, renderer: Any = None, keep_units: bool = False, **run_kwargs: Any):
    """``(model, state, summary)`` of ``flow.run()`` watched by ``renderer`` (may be None)."""
    model = RunModel(flow, keep_units=keep_units)

    def on_event(event: Any) -> None:
        model.handle(event)
        if renderer is not None:
            renderer.handle(event)

    unsubscribe = bus.subscribe(on_event)
    if renderer is not None:
        renderer.start(model)
    try:
        state = flow.run(**run_kwargs)
    finally:
        unsubscribe()
    summary = build_summary(model, state)
    if renderer is not None:
        renderer.finish(summary)
    return model, state, summary


def junit_schema():
    import xmlschema

    return xmlschema.XMLSchema(str(JUNIT_XSD))
