"""A flow run defers full garbage collections as a ``with Flow`` block does (``core/build_gc.py``):
its task runs' states live until it ends. Thresholds are checked, never times."""
from __future__ import annotations

import gc

import pytest

from flowctl import Flow, task
from flowctl.core import build_gc
from flowctl.engine.flow_runner import FlowRunner

SEEN: list = []


@task
def look():
    SEEN.append((gc.get_threshold(), build_gc.deferring()))


@task
def fail():
    raise ValueError("boom")


@pytest.mark.parametrize("run", [lambda flow: flow.run(), lambda flow: FlowRunner(flow=flow).run()])
def test_full_collections_are_deferred_while_a_flow_runs_and_restored_after(run):
    SEEN.clear()
    with Flow("collections") as flow:
        look()
        fail()
    before = gc.get_threshold()
    state = run(flow)
    assert state.is_failed()  # a failing task ends the run as usual, thresholds restored all the same
    assert SEEN == [(build_gc.building_thresholds(*before), True)]
    assert gc.get_threshold() == before and not build_gc.deferring()
