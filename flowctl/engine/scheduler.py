"""The flow runner's ready -> submit -> done loop, mapped children included.

Each task is a node counting the upstream events it still waits for. A plain
node becomes one unit of work when its upstreams are final. A mapped node is
*expanded* once its inputs are known (its mapped upstreams need only be
expanded, not finished), which fixes its number of children; child ``i`` is
ready as soon as child ``i`` of every mapped upstream is done. So mapped
pipelines run child to child, depth first (the ready list is a stack), and
a failure stays inside its own pipeline.
"""
from __future__ import annotations

import heapq
import itertools
import queue
import time
from typing import Any

from flowctl.engine.events import TaskStateChanged, bus
from flowctl.engine.mapping import child_upstream_states, expand, map_sources
from flowctl.engine.state import Cached, Mapped, Pending, Retrying, State, Success
from flowctl.engine.task_inputs import plain_inputs
from flowctl.engine.task_runner import TaskRunner, run_unit


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


def _edge_order(edge: Any) -> tuple:
    return (edge.key or "", id(edge.upstream_task))


class Node:
    """Scheduling bookkeeping for one task of the flow.

    One is made per task and flow run, so ``__init__`` stores only what every
    node uses; what only a mapped node (or a mapped node's upstream) needs
    starts as a class-level default (a shared empty tuple, never mutated) and
    becomes the node's own when first set.
    """

    __slots__ = ("task", "runner", "edges", "constants", "mapped", "state", "initial", "context",
                 "deps_left", "expanded", "final", "final_listeners", "__dict__")

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

    def __init__(self, task: Any, runner: TaskRunner, initial: State | None, context: dict) -> None:
        self.task = task
        self.runner = runner
        self.edges: list | tuple = ()
        self.constants: dict = NO_CONSTANTS
        self.mapped = False
        self.initial = initial
        self.state: State | None = initial  # None until it runs (final_states reports Pending)
        self.context = context
        self.deps_left = 0
        self.expanded = False
        self.final = False
        self.final_listeners: list[Node] = []


class Scheduler:
    """Runs every node of a flow on an executor and records final states."""

    def __init__(self, flow: Any, flow_context: dict, task_states: dict, task_contexts: dict,
                 executor: Any, state_handlers: list | None = None, task_runner_cls: type = TaskRunner) -> None:
        self.flow = flow
        self.flow_context = flow_context
        self.executor = executor
        self.ready: list[tuple[Node, int | None]] = []
        self.retries: list[tuple[float, int, Node, int | None, State]] = []
        self._sequence = itertools.count()
        self.nodes: dict[Any, Node] = {}
        # fail-fast (``flowctl run -x``): after the first failure nothing new starts
        self.fail_fast = bool(flow_context.get("fail_fast"))
        self.first_failure: tuple[Any, int | None, State] | None = None
        self._build(task_states, task_contexts, state_handlers, task_runner_cls)

    # -- graph --------------------------------------------------------------
    def _build(self, task_states: dict, task_contexts: dict, state_handlers: list | None,
               task_runner_cls: type) -> None:
        flow, nodes, context = self.flow, self.nodes, self.flow_context
        slugs, constants, upstream_edges, flow_result = flow.slugs, flow.constants, flow.upstream_edges, flow.result
        for task in flow.sorted_tasks():
            runner = task_runner_cls(task, state_handlers=state_handlers, flow_result=flow_result)
            runner.slug = slugs.get(task)
            node = Node(task, runner, task_states.get(task),
                        {**context, **task_contexts[task]} if task in task_contexts else context)
            node.constants = constants.get(task) or NO_CONSTANTS
            edges = upstream_edges(task)
            if edges:
                if len(edges) == 1:
                    node.edges = list(edges)
                    node.mapped = node.edges[0].mapped
                else:
                    node.edges = sorted(edges, key=_edge_order)
                    node.mapped = any(e.mapped for e in node.edges)
            nodes[task] = node
        for node in nodes.values():
            for edge in node.edges:
                upstream = nodes[edge.upstream_task]
                node.deps_left += 1
                if node.mapped and edge.mapped and upstream.mapped and not edge.flattened:
                    if not upstream.expand_listeners:
                        upstream.expand_listeners, upstream.child_listeners = [], []
                    if not node.child_edges:
                        node.child_edges = []
                    upstream.expand_listeners.append(node)
                    upstream.child_listeners.append(node)
                    node.child_edges.append((edge, upstream))
                else:
                    upstream.final_listeners.append(node)

    # -- events of the graph ---------------------------------------------------
    def _dependency_met(self, node: Node) -> None:
        node.deps_left -= 1
        if node.deps_left == 0:
            self._schedule(node)

    def _schedule(self, node: Node) -> None:
        initial = node.initial
        # as in Prefect 1, a finished state given up front is kept, but a cache is validated
        # again and a mapped parent rebuilt (its unfinished children run)
        if initial is not None and initial.is_finished() and not initial.is_cached() and not initial.is_mapped():
            self._announce_reused(node, None, initial)
            self._node_final(node, initial)
        elif node.mapped:
            self._expand(node)
        else:
            self.ready.append((node, None))

    def _expand(self, node: Node) -> None:
        """Run the parent's pipeline; a ``Mapped`` parent then makes its children ready."""
        node.upstream_states = {e: self.nodes[e.upstream_task].state for e in node.edges}
        parent = node.runner.run_unit(node.initial or Pending(), node.upstream_states, node.context, None,
                                      node.constants, is_mapped_parent=True)
        if not isinstance(parent, Mapped):
            self._node_final(node, parent)
            return
        mapped_children = {e: up.children for e, up in node.child_edges if up.state.is_mapped()}
        node.sources, n = map_sources(node.upstream_states, mapped_children)
        if node.runner.is_plain():  # children whose mapped inputs are plain successes take the short way
            fixed = {e: s for e, s in node.upstream_states.items() if not e.mapped}
            node.fixed_raw = plain_inputs(fixed, node.constants)
            node.mapped_keys = [(source.edge.key, source) for source in node.sources]
        node.state, node.n, node.expanded = parent, n, True
        node.children = expand(parent, node.initial, n)
        node.children_left = n
        waiting = [0] * n
        for _edge, upstream in node.child_edges:
            if upstream.state.is_mapped():
                upstream_children = upstream.children
                for index in range(min(n, len(upstream_children))):
                    if upstream_children[index] is None:
                        waiting[index] += 1
        node.child_waiting = waiting
        for listener in node.expand_listeners:
            self._dependency_met(listener)
        if n == 0:
            self._node_final(node, parent)
            return
        children = node.children
        if not node.child_edges and children.count(None) == n:  # nothing reused, nothing to wait for
            self.ready.extend(zip(itertools.repeat(node, n), range(n - 1, -1, -1)))
            return
        for index in range(n - 1, -1, -1):
            if children[index] is not None:
                waiting[index] = -1
                self._announce_reused(node, index, children[index])
                self._child_done(node, index, children[index])
            elif waiting[index] == 0:
                self.ready.append((node, index))

    def _announce_reused(self, node: Node, index: int | None, state: State) -> None:
        """A state given up front (``task_states``, a resumed run) is still an event to watchers."""
        if bus.active:
            bus.emit(TaskStateChanged(self.flow.name, node.task, node.task.name, index, Pending(), state,
                                      time.time()))

    def _child_done(self, node: Node, index: int, state: State) -> None:
        node.children[index] = state
        node.children_left -= 1
        for listener in node.child_listeners:
            if listener.expanded and index < listener.n:
                waiting = listener.child_waiting
                waiting[index] -= 1
                if waiting[index] == 0:
                    self.ready.append((listener, index))
        if node.children_left == 0:
            self._node_final(node, node.state)

    def _node_final(self, node: Node, state: State) -> None:
        node.state = state
        node.final = True
        if not node.expanded:
            node.expanded = True
            for listener in node.expand_listeners:
                self._dependency_met(listener)
        for listener in node.final_listeners:  # _dependency_met, inlined: once per edge
            listener.deps_left -= 1
            if listener.deps_left == 0:
                self._schedule(listener)

    # -- units of work -------------------------------------------------------------
    def _unit_args(self, node: Node, index: int | None, state: State | None) -> tuple:
        if index is None:
            upstream_states = {e: self.nodes[e.upstream_task].state for e in node.edges}
            initial = state if state is not None else (node.initial or Pending())
        else:
            upstream_states = child_upstream_states(node.upstream_states, node.sources, index)
            initial = state if state is not None else Pending()
        return (node.runner, initial, upstream_states, node.context, index, node.constants)

    def _complete(self, node: Node, index: int | None, state: State) -> None:
        if isinstance(state, Retrying):
            start = state.start_time.timestamp()
            heapq.heappush(self.retries, (start, next(self._sequence), node, index, state))
            if index is None:
                node.state = state
            return
        if not state.is_finished():
            if index is None:
                node.state = state
            else:
                node.children[index] = state
            return
        if index is None:
            self._node_final(node, state)
        else:
            self._child_done(node, index, state)
        if self.fail_fast:
            self._stop_after_failure(node, index, state)

    def _stop_after_failure(self, node: Node, index: int | None, state: State) -> None:
        """Fail-fast: once a unit has failed, drop every unit not yet started (running ones finish)."""
        if self.first_failure is None and state.is_failed():
            self.first_failure = (node.task, index, state)
        if self.first_failure is not None:
            self.ready.clear()
            self.retries.clear()

    def _due_retries(self, now: float) -> list[tuple[Node, int | None, State]]:
        due = []
        while self.retries and self.retries[0][0] <= now:
            _, _, node, index, state = heapq.heappop(self.retries)
            due.append((node, index, state))
        return due

    # -- the loop ------------------------------------------------------------------
    def run(self) -> dict[Any, State]:
        # Roots are chosen before any is scheduled: a reused root finishes at once
        # and brings its dependants to zero, which must not schedule them twice.
        roots = [node for node in self.nodes.values() if node.deps_left == 0]
        for node in roots:
            self._schedule(node)
        self.ready.reverse()
        if getattr(self.executor, "runs_inline", False):
            self._run_inline()
        else:
            self._run_async()
        return self.final_states()

    def _run_inline(self) -> None:
        ready, complete, nodes = self.ready, self._complete, self.nodes
        fail_fast = self.fail_fast
        while True:
            while ready:
                node, index = ready.pop()
                if index is None:  # the common case, inlined: a plain task
                    edges = node.edges
                    if len(edges) == 1:  # a chain's link: no comprehension frame for one entry
                        edge = edges[0]
                        upstream_states = {edge: nodes[edge.upstream_task].state}
                    else:
                        upstream_states = {e: nodes[e.upstream_task].state for e in edges}
                    initial = node.initial
                    if initial is None:  # a fresh run: its plain inputs, if every upstream is a plain success
                        state = node.runner.run_unit(None, upstream_states, node.context, None, node.constants,
                                                     False, plain_inputs(upstream_states, node.constants))
                    else:
                        state = node.runner.run_unit(initial, upstream_states, node.context, None, node.constants)
                    if type(state) is Success and not fail_fast:  # _complete's common case
                        self._node_final(node, state)
                        continue
                else:  # a mapped child: the parent's upstreams, with mapped edges sliced
                    raw = child_raw(node, index)
                    if raw is not None:
                        state = node.runner.run_unit(None, None, node.context, index, None, False, raw)
                    else:
                        upstream_states = dict(node.upstream_states)
                        for source in node.sources:
                            upstream_states[source.edge] = source.state_for(index)
                        state = node.runner.run_unit(Pending(), upstream_states, node.context, index,
                                                     node.constants)
                    if type(state) is Success and not fail_fast:
                        self._child_done(node, index, state)
                        continue
                complete(node, index, state)
            if not self.retries:
                return
            delay = self.retries[0][0] - time.time()
            if delay > 0:
                time.sleep(delay)
            for node, index, state in self._due_retries(time.time()):
                complete(node, index, run_unit(*self._unit_args(node, index, state)))

    def _run_async(self) -> None:
        executor = self.executor
        done: queue.SimpleQueue = queue.SimpleQueue()
        in_flight = 0
        limit = max(1, int(getattr(executor, "max_in_flight", 0) or 256))
        pending_retry: list[tuple[Node, int | None, State]] = []
        flush = getattr(executor, "flush", None)
        feeds_children = getattr(executor, "feeds_children", None)  # executors that chain map after map

        def submit(node: Node, index: int | None, state: State | None) -> None:
            future = executor.submit(run_unit, *self._unit_args(node, index, state))
            if feeds_children is not None and node.child_listeners and index is not None:
                feeds_children(future, len(node.child_listeners))  # one per mapped edge reading it
            executor.on_done(future, lambda f, n=node, i=index: done.put((n, i, f)))

        while True:
            pending_retry.extend(self._due_retries(time.time()))
            if self.first_failure is not None:
                pending_retry.clear()
            while in_flight < limit and (pending_retry or self.ready):
                if pending_retry:
                    submit(*pending_retry.pop())
                else:
                    node, index = self.ready.pop()
                    submit(node, index, None)
                in_flight += 1
            if in_flight == 0:
                if not self.retries:
                    return
                time.sleep(max(0.0, self.retries[0][0] - time.time()))
                continue
            timeout = None if not self.retries else max(0.0, self.retries[0][0] - time.time())
            if flush is not None and done.empty():  # batching executors send what they hold before we wait
                flush()
            try:
                node, index, future = done.get(timeout=timeout) if timeout is not None else done.get()
            except queue.Empty:
                continue
            in_flight -= 1
            self._complete(node, index, executor.result_of(future, node.task, index))

    # -- results -------------------------------------------------------------------
    def final_states(self) -> dict[Any, State]:
        states = {}
        for task, node in self.nodes.items():
            state = node.state
            if state is None:  # never ran (fail-fast, or an interrupted run)
                state = node.state = Pending()
            if isinstance(state, Mapped) and None in state.map_states:  # children that never ran
                children = state.map_states
                for index, child in enumerate(children):
                    if child is None:
                        children[index] = Pending()
            states[task] = state
        return states
