"""A scheduler node: the bookkeeping of one task of a flow run (see ``scheduler.py``),
and the graph of them a run starts from (``build_nodes``).

A node counts the upstream events its task still waits for and who waits
for it; a mapped node also holds its children's states and where each
child's inputs come from.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowctl.engine.state import Cached, Pending, State, Success
from flowctl.tasks.core.constants import Constant
from flowctl.tasks.core.resource_manager import ResourceCleanupTask, ResourceSetupTask
from flowctl.tasks.secrets.base import SecretBase

#: Tasks a restarted run runs again though given finished: resources do not outlive the run that
#: set them up, and a secret's value is never stored.
_RERUN_ON_RESTART = (ResourceSetupTask, ResourceCleanupTask, SecretBase)

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
    given_children: dict | None = None  # unfinished children of a previous pass, by index

    def child_initial(self, index: int) -> State:
        """The state child ``index`` starts from: a previous pass's when it had not finished."""
        given = self.given_children
        if given is not None and index in given:
            return given[index]
        return Pending()

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


def _given_state(task: Any, task_states: dict | None) -> State | None:
    """The state a run starts ``task`` from: the one given, except that a finished (not cached)
    resource setup or cleanup, or secret task, runs again, as Prefect 1 restarts them."""
    state = task_states.get(task) if task_states else None
    if (state is not None and isinstance(task, _RERUN_ON_RESTART) and state.is_finished()
            and not state.is_cached()):
        return Pending()
    return state


def build_nodes(flow: Any, context: dict, task_states: dict, task_contexts: dict) -> tuple[dict, list, bool]:
    """One node per task, in topological order, so each edge's upstream node already exists:
    ``(nodes by task, the nodes with no upstream in the flow's order, whether any is mapped or
    a state was given)``."""
    nodes: dict = {}
    roots: list = []
    has_mapped = bool(task_states)
    constants, upstream_edges = flow.constants.get, flow._upstream.get  # flow.upstream_edges, inlined
    given = task_states or task_contexts
    for task in flow.sorted_tasks():
        if given:  # a state or a context of its own for some tasks
            node = nodes[task] = Node(task, _given_state(task, task_states),
                                      {**context, **task_contexts[task]} if task_contexts and task in task_contexts
                                      else context)
        else:
            node = nodes[task] = Node(task, None, context)
        if isinstance(task, Constant) and node.initial is None:  # as Prefect 1: its value, never run
            node.initial = node.state = Success(result=task.value)
        task_constants = constants(task)
        if task_constants:
            node.constants = task_constants
        edges = upstream_edges(task)
        if not edges:
            roots.append(node)
            continue
        if len(edges) == 1:  # a chain's link: no sort, no generator
            (edge,) = edges
            node.edges, node.deps_left = (edge,), 1
            if not edge.mapped:
                nodes[edge.upstream_task].final_listeners.append(node)
                continue
            node.mapped, edges = True, node.edges
        else:
            node.edges = edges = sorted(edges, key=edge_order)
            node.deps_left = len(edges)
            if not any(e.mapped for e in edges):
                for edge in edges:
                    nodes[edge.upstream_task].final_listeners.append(node)
                continue
            node.mapped = True
        has_mapped = True
        for edge in edges:
            _listen(node, edge, nodes[edge.upstream_task])
    return nodes, roots, has_mapped


def _listen(node: Node, edge: Any, upstream: Node) -> None:
    """A mapped node waits for each upstream: per child when both are mapped over, else whole."""
    if edge.mapped and upstream.mapped and not edge.flattened:
        if not upstream.expand_listeners:
            upstream.expand_listeners, upstream.child_listeners = [], []
        if not node.child_edges:
            node.child_edges = []
        upstream.expand_listeners.append(node)
        upstream.child_listeners.append(node)
        node.child_edges.append((edge, upstream))
    else:
        upstream.final_listeners.append(node)
