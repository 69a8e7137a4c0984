"""A scheduler node: the bookkeeping of one task of a flow run (see ``scheduler.py``).

A node counts the upstream events its task still waits for and who waits
for it; a mapped node also holds its children's states and where each
child's inputs come from.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowctl.engine.state import Cached, State, Success

if TYPE_CHECKING:
    from flowctl.engine.task_runner import TaskRunner


def child_raw(node: "Node", index: int) -> dict | None:
    """Child ``index``'s plain input values, or None unless every input is a plain success
    (then the child takes the full pipeline, which decides what a failed or skipped input means)."""
    raw = node.fixed_raw
    if raw is None:
        return None
    raw = dict(raw)
    for key, source in node.mapped_keys:
        children = source.children
        if children is not None:
            state = children[index]
            kind = type(state)
            if kind is not Success and kind is not Cached:
                return None
            if key is not None:
                raw[key] = state.result
        else:
            items = source.items
            if items is None:  # every child sees an upstream that did not succeed
                return None
            if key is not None:
                raw[key] = items[index]
    return raw


NO_CONSTANTS: dict = {}  # a task's constants, or upstream states, when it has none (shared: never written)


def edge_order(edge: Any) -> tuple:
    """The order a task's edges are read in: by argument, then by upstream task (stable per run)."""
    return (edge.key or "", id(edge.upstream_task))


class Node:
    """Scheduling bookkeeping for one task of the flow.

    One is made per task and flow run, so ``__init__`` stores only what every
    node uses; what only a mapped node (or a mapped node's upstream) needs
    starts as a class-level default (a shared empty tuple, never mutated) and
    becomes the node's own when first set.
    """

    __slots__ = ("task", "runner", "edges", "constants", "mapped", "state", "initial", "context",
                 "deps_left", "expanded", "final_listeners", "__dict__")

    expand_listeners: list[Node] | tuple = ()
    child_listeners: list[Node] | tuple = ()
    child_edges: list[tuple[Any, Node]] | tuple = ()
    n = 0  # children, once expanded
    children: list | tuple = ()
    children_left = 0
    child_waiting: list[int] | tuple = ()
    sources: list | tuple = ()
    upstream_states: dict = NO_CONSTANTS
    fixed_raw: dict | None = None  # a plain mapped node's inputs every child shares
    mapped_keys: list | tuple = ()  # (argument, MapSource) of each mapped edge

    def __init__(self, task: Any, initial: State | None, context: dict) -> None:
        self.task = task
        self.runner: TaskRunner | None = None  # made when first needed (see ``Scheduler.runner``)
        self.edges: list | tuple = ()
        self.constants: dict = NO_CONSTANTS
        self.mapped = False
        self.initial = initial
        self.state: State | None = initial  # None until it runs (final_states reports Pending)
        self.context = context
        self.deps_left = 0
        self.expanded = False
        self.final_listeners: list[Node] = []
