"""Turning a random flow description into a real flowctl Flow, and its states back into outcomes.

Every node is a ``RuleTask`` whose behaviour lives in an attribute (a
``Rule``), never in a closure, so the tasks pickle for process and Dask
workers. Both helper modules are registered with cloudpickle by value: the
workers need not import them from the tests folder.
"""
from __future__ import annotations

import sys
from typing import Any

import cloudpickle

import flow_model
from flow_model import FlowDescription, Outcome, Raised, Rule, decide, keyed

from flowctl import Flow, Task, triggers, unmapped
from flowctl.engine import signals

cloudpickle.register_pickle_by_value(flow_model)
cloudpickle.register_pickle_by_value(sys.modules[__name__])


class RuleTask(Task):
    """Returns, raises ValueError or raises SKIP as ``flow_model.decide`` says."""

    def __init__(self, rule: Rule | None = None, **kwargs: Any) -> None:
        self.rule = rule
        super().__init__(**kwargs)

    def run(self, a: Any = None, b: Any = None, c: Any = None) -> Any:
        verdict, result = decide(self.rule, {"a": a, "b": b, "c": c})
        if verdict == "fail":
            raise ValueError(f"rule rejects {result}")
        if verdict == "skip":
            raise signals.SKIP(f"rule skips {result}")
        return result


def build_flow(description: FlowDescription) -> tuple[Flow, list[Task]]:
    """The flow and, in node order, the task bound for each node."""
    bound: list[Task] = []
    with Flow("random-flow") as flow:
        for index, node in enumerate(description.nodes):
            task = RuleTask(
                rule=node.rule,
                name=f"n{index}",
                trigger=getattr(triggers, node.trigger),
                skip_on_upstream_skip=node.skip_on_upstream_skip,
            )
            kwargs, upstream_tasks = {}, []
            for key, inp in keyed(node.inputs):
                upstream = bound[inp.source]
                if inp.how in ("unmapped", "unmapped_after"):
                    upstream = unmapped(upstream)
                if key is None:
                    upstream_tasks.append(upstream)
                else:
                    kwargs[key] = upstream
            call = task.map if node.mapped else task
            bound.append(call(**kwargs, upstream_tasks=upstream_tasks or None))
    return flow, bound


def normalise(value: Any) -> Any:
    """A state's result as the evaluator writes it (exceptions become ``Raised``)."""
    if isinstance(value, BaseException):
        return Raised(type(value).__name__)
    if isinstance(value, list):
        return [normalise(item) for item in value]
    return value


def observed(state: Any) -> Outcome:
    """A real final state as an ``Outcome`` (children included for a mapped parent)."""
    cls = type(state).__name__
    if cls == "Mapped":
        return Outcome(cls, normalise(state.result), [observed(child) for child in state.map_states])
    return Outcome(cls, normalise(state.result))
