"""Mapping: splitting a mapped task into children and wiring their inputs.

A mapped task's parent decides, once its inputs are known, how many children
it has (the shortest mapped input, as in Prefect 1) or why it cannot map.
Child ``i`` then sees, for each mapped edge, either the ``i``-th item of a
plain upstream result or the ``i``-th child of a mapped upstream: that is
what wires mapped pipelines child to child.
"""
from __future__ import annotations

from collections.abc import Sized
from typing import Any

from flowctl.engine import signals
from flowctl.engine.state import Failed, Mapped, Pending, Skipped, State, Success
from flowctl.engine.task_execution import flatten_once

_SKIP_MESSAGE = "Upstream task was skipped; if this was not the intended behavior, consider changing `skip_on_upstream_skip=False` for this task."


class MapSource:
    """Where child ``i`` of a mapped edge gets its upstream state from."""

    __slots__ = ("edge", "items", "children", "template")

    def __init__(self, edge: Any, items: Any = None, children: list | None = None, template: State | None = None) -> None:
        self.edge = edge
        self.items = items            # a sequence of values (plain upstream)
        self.children = children      # a list of child states (mapped upstream)
        self.template = template

    def length(self) -> int:
        return len(self.children) if self.children is not None else len(self.items)

    def state_for(self, index: int) -> State:
        if self.children is not None:
            return self.children[index]
        return item_state(self.items[index])


def item_state(value: Any) -> State:
    """A successful upstream state holding one mapped item (cheaper than a copy)."""
    state = Success.__new__(Success)
    state.message = None
    state._result = value
    state._context = None
    state._cached_inputs = None
    state.location = None
    return state


def mappable_items(task: Any, edge: Any, value: Any) -> Any:
    """The sequence a mapped edge iterates over, or raise FAIL explaining why not."""
    if edge.flattened:
        value = flatten_once(value)
    if isinstance(value, (dict, set, frozenset)):
        raise signals.FAIL(
            f"{task.name!r} cannot map over a {type(value).__name__} from {edge.upstream_task.name!r}: "
            f"mapping gives each child a position (map_index), so the input must be ordered. "
            f"Return a list instead (e.g. sorted(...) or list(d.items()))."
        )
    if isinstance(value, (str, bytes)) or not (isinstance(value, Sized) and hasattr(value, "__getitem__")):
        if hasattr(value, "__iter__") and not isinstance(value, (str, bytes)):
            return list(value)
        raise signals.FAIL(
            f"{task.name!r} cannot map over the result of {edge.upstream_task.name!r}: "
            f"a {type(value).__name__} is not a sequence. Map over a list, tuple or range."
        )
    return value


def prepare_parent(runner: Any, state: State, upstream_states: dict,
                   mapped_children: dict | None = None) -> tuple[State, list[MapSource], int]:
    """Decide a mapped parent's fate: ``(Mapped, sources, n)`` or ``(final state, [], 0)``.

    ``upstream_states`` holds parent-level states; ``mapped_children`` gives,
    for edges from mapped upstreams, the list of that upstream's child states.
    """
    task = runner.task
    mapped_children = mapped_children or {}
    try:
        if task.skip_on_upstream_skip and any(
            s.is_skipped() for e, s in upstream_states.items() if not s.is_mapped()
        ):
            raise signals.ENDRUN(runner._transition(state, Skipped(_SKIP_MESSAGE)))
        sources: list[MapSource] = []
        unavailable = [e for e, s in upstream_states.items()
                       if e.mapped and not s.is_mapped() and not s.is_successful()]
        if unavailable:
            runner._check_trigger(state, upstream_states)
            names = ", ".join(e.upstream_task.name for e in unavailable)
            raise signals.ENDRUN(runner._transition(
                state, Failed(f"No result to map over: upstream {names} did not succeed.")))
        for edge, upstream_state in upstream_states.items():
            if not edge.mapped:
                continue
            if edge in mapped_children and not edge.flattened:
                sources.append(MapSource(edge, children=mapped_children[edge]))
            else:
                value = upstream_state.result
                if edge in mapped_children:
                    value = [s.result for s in mapped_children[edge]]
                try:
                    items = mappable_items(task, edge, value)
                except signals.FAIL as fail:
                    raise signals.ENDRUN(runner._transition(state, fail.state)) from None
                sources.append(MapSource(edge, items=items, template=upstream_state))
        n = min((s.length() for s in sources), default=0)
        parent = Mapped(message=f"Mapped {n} children.", map_states=[None] * n)
        return runner._transition(state, parent), sources, n
    except signals.ENDRUN as end:
        return end.state, [], 0


def child_upstream_states(upstream_states: dict, sources: list[MapSource], index: int) -> dict:
    """Upstream states of child ``index``: mapped edges sliced, the rest whole."""
    child = dict(upstream_states)
    for source in sources:
        child[source.edge] = source.state_for(index)
    return child


def run_mapped_parent(runner: Any, state: State, upstream_states: dict, context: dict, constants: dict) -> State:
    """Run every child of a mapped task in turn (a TaskRunner used on its own)."""
    from flowctl.utilities.context import context as flowctl_context

    run_context = {**flowctl_context.to_dict(), **context}
    mapped_children = {e: s.map_states for e, s in upstream_states.items() if e.mapped and s.is_mapped()}
    previous = flowctl_context._swap({**run_context, "task_name": runner.task.name, "map_index": None})
    try:
        runner._check_upstream_finished(state, upstream_states)
        parent, sources, n = prepare_parent(runner, state, upstream_states, mapped_children)
    except signals.ENDRUN as end:
        return end.state
    finally:
        flowctl_context._local.data = previous
    if not isinstance(parent, Mapped):
        return parent
    initial = state.map_states if isinstance(state, Mapped) else []
    for index in range(n):
        child_state = initial[index] if index < len(initial) and initial[index] is not None else Pending()
        if child_state.is_finished():
            parent.map_states[index] = child_state
            continue
        parent.map_states[index] = runner.run(
            state=child_state,
            upstream_states=child_upstream_states(upstream_states, sources, index),
            context={**run_context, "map_index": index},
            constants=constants,
        )
    return parent
