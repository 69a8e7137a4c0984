"""Mapping: how wide a mapped task is, and where each child's inputs come from.

The one place a mapped parent is expanded, for the flow runner's scheduler
and for a ``TaskRunner`` used on its own alike:

1. the parent runs the task pipeline with ``is_mapped_parent`` and ends in
   ``check_task_ready_to_map``, which asks ``map_width``: ``Mapped`` (ready,
   with its width) or ``Failed`` saying why it cannot map, as Prefect 1 does;
2. ``map_sources`` then says, for each mapped edge, where child ``i`` gets
   its upstream state: the ``i``-th item of a plain upstream result or the
   ``i``-th child of a mapped upstream (that wires pipelines child to child).
"""
from __future__ import annotations

import copy
from typing import Any

from flowctl.engine.state import Failed, Mapped, Pending, State, Success
from flowctl.engine.task_execution import NOT_FLATTENABLE, flatten_once, sliceable
from flowctl.utilities.logging import get_logger

NOTHING_TO_MAP = "No upstream states can be mapped over."
UNMAPPABLE = "At least one upstream state has an unmappable result."
READY = "Ready to proceed with mapping."


class MapSource:
    """Where child ``i`` of a mapped edge gets its upstream state from."""

    __slots__ = ("edge", "items", "children", "template")

    def __init__(self, edge: Any, items: Any = None, children: list | None = None,
                 template: State | None = None) -> None:
        self.edge = edge
        self.items = items            # a sequence of values (plain upstream)
        self.children = children      # a list of child states (mapped upstream)
        self.template = template      # an upstream that did not succeed: every child sees it

    def length(self) -> int | None:
        """How many children this edge can feed (None: any number)."""
        if self.children is not None:
            return len(self.children)
        return None if self.items is None else len(self.items)

    def state_for(self, index: int) -> State:
        if self.children is not None:
            return self.children[index]
        if self.items is None:  # as in Prefect 1: a copy of the upstream's state, holding no value
            state = copy.copy(self.template)
            state._result = None
            return state
        return Success.with_value(self.items[index])


def _items(edge: Any, value: Any) -> Any:
    """The sequence a mapped edge iterates over, or None when it cannot be mapped over (nor flattened)."""
    if isinstance(value, dict) or not sliceable(value):
        return None
    return flatten_once(value) if edge.flattened else value


def _dict_message(task: Any, edge: Any) -> str:
    return (f"{task.name!r} cannot map over a dict from {edge.upstream_task.name!r}: mapping gives each "
            f"child a position (map_index), so the input must be ordered. Return a list instead "
            f"(e.g. list(d.items())).")


def map_width(task: Any, upstream_states: dict) -> State:
    """``Mapped`` with ``n_map_states`` when ``task`` can map over ``upstream_states``, else ``Failed``."""
    mapped = [(edge, state) for edge, state in upstream_states.items() if edge.mapped]
    if upstream_states and not any(state.is_successful() for _, state in mapped):
        return Failed(NOTHING_TO_MAP)
    widths = []
    for edge, state in mapped:
        if state.is_mapped():
            widths.append(state.n_map_states)
        elif state.is_successful():
            items = _items(edge, state.result)
            if items is None:
                return Failed(_dict_message(task, edge) if isinstance(state.result, dict) else UNMAPPABLE)
            widths.append(len(items))
    return Mapped(READY, n_map_states=min(widths, default=0))


def map_sources(upstream_states: dict, mapped_children: dict, previous: State | None = None,
                ) -> tuple[list[MapSource], int]:
    """Each mapped edge's source, and how many children they feed together (the shortest).

    ``mapped_children`` gives, for edges from mapped upstreams, that upstream's
    list of child states (filled in as the children finish). ``previous``: the
    parent's given state; when it is ``Mapped`` (a run resumed from earlier
    states) and an upstream's result cannot be sliced (not kept), its children
    are rerun as many as there were, each with that upstream's state holding no
    value, as Prefect 1 reruns them.
    """
    sources: list[MapSource] = []
    for edge, upstream_state in upstream_states.items():
        if not edge.mapped:
            continue
        if edge in mapped_children and not edge.flattened:
            sources.append(MapSource(edge, children=mapped_children[edge]))
        elif edge.flattened and upstream_state.is_mapped():  # its children are all final by now
            sources.append(MapSource(edge, children=flattened_children(upstream_state.map_states)))
        elif not upstream_state.is_successful():
            # each child gets this state; one holding no result at all (a failure the engine made,
            # such as "unmappable result") gives no children, unless resumed: Prefect 1's rule
            empty = upstream_state.result is None and not isinstance(previous, Mapped)
            sources.append(MapSource(edge, items=()) if empty else MapSource(edge, template=upstream_state))
        else:
            value = upstream_state.result
            if edge in mapped_children:
                value = [s.result for s in mapped_children[edge]]
            items = _items(edge, value)
            if items is None and isinstance(previous, Mapped):
                sources.append(MapSource(edge, template=upstream_state))
            else:
                sources.append(MapSource(edge, items=items or ()))
    lengths = [n for n in (s.length() for s in sources) if n is not None]
    return sources, min(lengths, default=previous.n_map_states if isinstance(previous, Mapped) else 0)


def flattened_children(children: list) -> list:
    """``flatten`` over mapped children, as Prefect 1 does it: each successful child's list
    becomes one state per item; a child that failed or skipped stays one state (its
    downstream child then fails its trigger or skips, instead of taking the error as data)."""
    flat: list = []
    for child in children:
        value = child.result
        flattenable = sliceable(value)
        if not child.is_successful() or child.is_skipped():
            flat.extend([child] * (len(value) if flattenable else 1))
        elif flattenable:
            flat.extend(Success.with_value(item) for item in value)
        else:
            get_logger("FlowRunner").warning(NOT_FLATTENABLE)
            flat.append(child)
    return flat


def child_upstream_states(upstream_states: dict, sources: list[MapSource], index: int) -> dict:
    """Upstream states of child ``index``: mapped edges sliced, the rest whole."""
    child = dict(upstream_states)
    for source in sources:
        child[source.edge] = source.state_for(index)
    return child


def expand(parent: Mapped, previous: State | None, width: int) -> list:
    """The parent's ``map_states`` for ``width`` children, keeping what a previous run finished
    (None marks a child still to run; a ``Cached`` child runs again, to validate its cache)."""
    reused = previous.map_states if isinstance(previous, Mapped) else []
    if not reused:  # the usual case: every child still to run
        parent.map_states = [None] * width
    else:
        parent.map_states = [reused[i] if i < len(reused) and _kept(reused[i]) else None for i in range(width)]
    parent.n_map_states = None  # the children themselves count now (a flattened input may add some)
    return parent.map_states


def _kept(state: State | None) -> bool:
    """A previous run's child kept as it is: finished, and not ``Cached`` (a cache is validated again)."""
    return state is not None and state.is_finished() and not state.is_cached()


def resumed_children(previous: State | None, width: int) -> dict | None:
    """A previous pass's children that run again from their states, by index: those not finished
    (``Retrying``, say: run count and start time hold) and the ``Cached`` ones (validated again,
    as Prefect 1's next pass does)."""
    if not isinstance(previous, Mapped) or not previous.map_states:
        return None
    states = previous.map_states[:width]
    return {i: s for i, s in enumerate(states) if s is not None and not _kept(s)} or None


def run_mapped_parent(runner: Any, state: State | None, upstream_states: dict, context: dict,
                      constants: dict) -> State:
    """Run a mapped task and every child in turn (a ``TaskRunner`` used on its own)."""
    parent = runner.run_unit(state, upstream_states, context, None, constants, is_mapped_parent=True)
    if not isinstance(parent, Mapped):
        return parent
    mapped_children = {e: s.map_states for e, s in upstream_states.items() if e.mapped and s.is_mapped()}
    sources, width = map_sources(upstream_states, mapped_children, state)
    children = expand(parent, state, width)
    for index in range(width):
        child_state = children[index] if children[index] is not None else Pending()
        if child_state.is_finished():
            continue
        children[index] = runner.run_unit(child_state, child_upstream_states(upstream_states, sources, index),
                                          context, index, constants)
    return parent
