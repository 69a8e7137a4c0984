"""The flow runner's ready -> submit -> done loop, mapped children included.

Each task is a node counting the upstream events it still waits for. A plain
node becomes one unit of work when its upstreams are final. A mapped node is
*expanded* once its inputs are known (its mapped upstreams need only be
expanded, not finished), which fixes its number of children; child ``i`` is
ready as soon as child ``i`` of every mapped upstream is done. So mapped
pipelines run child to child, depth first (the ready list is a stack), and
a failure stays inside its own pipeline. A unit that ends unfinished
(``Retrying``, say) keeps that state: the pass ends without it, and
flow.run's next pass (``flow_passes``) runs it again.
"""
from __future__ import annotations

import itertools
import operator
import queue
import time
from typing import Any

from flowctl.engine.events import TaskStateChanged, bus
from flowctl.engine.mapping import child_upstream_states, expand, map_sources, resumed_children
from flowctl.engine.nodes import Node, build_nodes, child_raw
from flowctl.engine.state import Mapped, Pending, State, Success
from flowctl.engine.task_inputs import plain_inputs
from flowctl.engine.task_runner import TaskRunner, run_unit
from flowctl.engine.task_units import call_alone, call_told, facts_for, unit_context
from flowctl.utilities.context import Deferred

_STATE_OF = operator.attrgetter("state")


def _has_none(values: Any) -> bool:
    """Whether ``None`` is among ``values``, by identity: ``None in`` would call ``State.__eq__``
    (Python code) once per state, a million times for a million mapped children."""
    return any(map(operator.is_, values, itertools.repeat(None)))


class Scheduler:
    """Runs every node of a flow on an executor and records final states."""

    def __init__(self, flow: Any, flow_context: dict, task_states: dict, task_contexts: dict,
                 executor: Any, state_handlers: list | None = None, task_runner_cls: type = TaskRunner,
                 announces_given: bool = True) -> None:
        self.flow = flow
        self.flow_context = flow_context
        self.executor = executor
        # False on flow.run's later passes: watchers saw those states when they were reached
        self.announces_given = announces_given
        self.ready: list[tuple[Node, int | None]] = []
        # fail-fast (``flowctl run -x``): after the first failure nothing new starts
        self.fail_fast = bool(flow_context.get("fail_fast"))
        self.first_failure: tuple[Any, int | None, State] | None = None
        self.task_runner_cls, self.state_handlers = task_runner_cls, state_handlers
        self.slugs, self.flow_result = flow.slugs, flow.result
        # a call-alone task (``task_units``) runs with no runner when a runner would add nothing:
        # the plain TaskRunner class, no runner handlers, no flow result, nothing in the base context,
        # and no task with a context of its own (task_contexts)
        self.facts = facts = facts_for(flow_context)
        self.call_alone = (facts.call_alone and task_runner_cls is TaskRunner and not state_handlers
                           and flow.result is None and not task_contexts)
        # roots: the nodes with no upstream, in the flow's order; has_mapped: a mapped node, or
        # given states (maybe Mapped): see final_states
        self.nodes, self.roots, self.has_mapped = build_nodes(flow, flow_context, task_states, task_contexts)

    def runner(self, node: Node) -> TaskRunner:
        """The node's task runner, made on first use: a task whose runs are the call alone
        (``task_units``) never needs one."""
        runner = node.runner
        if runner is None:
            task = node.task
            runner = node.runner = self.task_runner_cls(task, state_handlers=self.state_handlers,
                                                        flow_result=self.flow_result)
            runner.slug = self.slugs.get(task)
        return runner

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
        node.upstream_states = self._upstream_states(node)
        parent = self.runner(node).run_unit(node.initial or Pending(), node.upstream_states, node.context, None,
                                      node.constants, is_mapped_parent=True)
        if not isinstance(parent, Mapped):
            self._node_final(node, parent)
            return
        mapped_children = {e: up.children for e, up in node.child_edges if up.state.is_mapped()}
        node.sources, n = map_sources(node.upstream_states, mapped_children, node.initial)
        if self.runner(node).is_plain():  # children whose mapped inputs are plain successes take the short way
            fixed = {e: s for e, s in node.upstream_states.items() if not e.mapped}
            node.fixed_raw = plain_inputs(fixed, node.constants)
            node.mapped_keys = [(source.edge.key, source) for source in node.sources]
        node.state, node.n, node.expanded = parent, n, True
        node.given_children = resumed_children(node.initial, n)  # (before expand rewrites map_states)
        node.children = expand(parent, node.initial, n)
        if node.given_children:  # they go on from their states, through the full pipeline
            node.fixed_raw = None
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
        if bus.active and self.announces_given:
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
        if node.mapped:
            if isinstance(state, Mapped):
                state.children_finished()
            if not node.expanded:  # only a mapped node has expand listeners
                node.expanded = True
                for listener in node.expand_listeners:
                    self._dependency_met(listener)
        listeners = node.final_listeners
        if len(listeners) > 1:  # pushed last first, so siblings pop (run) in the order they were made
            listeners = reversed(listeners)
        for listener in listeners:  # _dependency_met, inlined: once per edge
            listener.deps_left -= 1
            if listener.deps_left == 0:
                if listener.initial is None and not listener.mapped:  # _schedule's common case
                    self.ready.append((listener, None))
                else:
                    self._schedule(listener)

    # -- units of work -------------------------------------------------------------
    def _unit_args(self, node: Node, index: int | None) -> tuple:
        if index is None:
            upstream_states = self._upstream_states(node)
            initial = node.initial or Pending()
        else:
            upstream_states = child_upstream_states(node.upstream_states, node.sources, index)
            initial = node.child_initial(index)
        return (self.runner(node), initial, upstream_states, node.context, index, node.constants)

    def _complete(self, node: Node, index: int | None, state: State) -> None:
        if not state.is_finished():  # e.g. Retrying: this pass ends with it (flow.run's next one runs it)
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

    # -- the loop ------------------------------------------------------------------
    def run(self) -> dict[Any, State]:
        # Roots were chosen while building, before any is scheduled: a reused root finishes at once
        # and brings its dependants to zero, which must not schedule them twice. Scheduled last to
        # first, so the ready stack pops them in the flow's order (and a map a reused root expands
        # keeps its children's order).
        for node in reversed(self.roots):
            self._schedule(node)
        if getattr(self.executor, "runs_inline", False):
            self._run_inline()
        else:
            self._run_async()
        return self.final_states()

    def _run_inline(self) -> None:
        ready, complete = self.ready, self._complete
        fail_fast = self.fail_fast
        while ready:
            node, index = ready.pop()
            if index is None:
                state = self._run_task(node)
                if type(state) is Success and not fail_fast:  # _complete's common case
                    self._node_final(node, state)
                    continue
            else:  # a mapped child: the parent's upstreams, with mapped edges sliced
                raw = child_raw(node, index)
                runner = node.runner or self.runner(node)  # made when the parent expanded
                if raw is not None and self.call_alone and runner.fast_base is node.context:
                    # its runner would add nothing: the call alone (between its two events when
                    # somebody listens), the runner only if it raised
                    if bus.active:
                        state = call_told(runner, raw, node.context, index)
                    else:
                        state = call_alone(runner.task, raw, Deferred((runner.unit_context, node.context, index)))
                        if type(state) is not Success:
                            state = runner.run_unit(None, None, node.context, index, None, False, raw, state)
                elif raw is not None:
                    state = runner.run_unit(None, None, node.context, index, None, False, raw)
                else:
                    upstream_states = dict(node.upstream_states)
                    for source in node.sources:
                        upstream_states[source.edge] = source.state_for(index)
                    state = runner.run_unit(node.child_initial(index), upstream_states, node.context, index,
                                            node.constants)
                if type(state) is Success and not fail_fast:
                    self._child_done(node, index, state)
                    continue
            complete(node, index, state)

    def _run_task(self, node: Node) -> State:
        """Run a plain (not mapped) node in this thread: a fresh run whose upstreams all succeeded
        plainly gets its plain inputs, and is the call alone when nothing would add to it."""
        edges = node.edges
        upstream_states = None  # made when a runner needs them
        if node.initial is not None:
            return self.runner(node).run_unit(node.initial, self._upstream_states(node), node.context, None,
                                              node.constants)
        if len(edges) == 1:  # a chain's link: plain_inputs inlined for one plainly successful upstream
            edge = edges[0]
            upstream = self.nodes[edge.upstream_task].state
            key = edge.key
            if type(upstream) is Success and key is not None and not edge.flattened:
                value = upstream._value if upstream._result_object is None else upstream.result
                raw = {**node.constants, key: value} if node.constants else {key: value}
            else:
                upstream_states = {edge: upstream}
                raw = plain_inputs(upstream_states, node.constants)
        else:
            upstream_states = self._upstream_states(node)
            raw = plain_inputs(upstream_states, node.constants)
        if raw is not None and self.call_alone and not bus.active:
            task, facts = node.task, self.facts
            outcome = call_alone(task, raw, Deferred((unit_context, facts, task, self.slugs)), facts)
            if type(outcome) is Success:
                return outcome
            if outcome is not None:  # the call raised: the runner ends the run from there
                return self.runner(node).run_unit(None, upstream_states or self._upstream_states(node),
                                                  node.context, None, node.constants, False, raw, outcome)
        return self.runner(node).run_unit(None, upstream_states or self._upstream_states(node), node.context,
                                          None, node.constants, False, raw)

    def _upstream_states(self, node: Node) -> dict:
        nodes = self.nodes
        return {e: nodes[e.upstream_task].state for e in node.edges}

    def _run_async(self) -> None:
        executor, ready = self.executor, self.ready
        done: queue.SimpleQueue = queue.SimpleQueue()
        in_flight = 0
        limit = max(1, int(getattr(executor, "max_in_flight", 0) or 256))
        if self.fail_fast:  # only what can start at once: nothing queued starts after a failure
            concurrency = getattr(executor, "concurrency", None)
            limit = min(limit, max(1, (concurrency() if concurrency is not None else None) or 1))
        flush = getattr(executor, "flush", None)
        feeds_children = getattr(executor, "feeds_children", None)  # executors that chain map after map
        while True:
            while in_flight < limit and ready:
                node, index = ready.pop()
                future = executor.submit(run_unit, *self._unit_args(node, index))
                if feeds_children is not None and node.child_listeners and index is not None:
                    feeds_children(future, len(node.child_listeners))  # one per mapped edge reading it
                executor.on_done(future, lambda f, n=node, i=index: done.put((n, i, f)))
                in_flight += 1
            if in_flight == 0:
                return
            if flush is not None and done.empty():  # batching executors send what they hold before we wait
                flush()
            node, index, future = done.get()
            in_flight -= 1
            self._complete(node, index, executor.result_of(future, node.task, index))

    # -- results -------------------------------------------------------------------
    def final_states(self) -> dict[Any, State]:
        nodes = self.nodes
        if not self.has_mapped:  # only a node that never ran needs filling in
            states = dict(zip(nodes, map(_STATE_OF, nodes.values())))  # C loops: once per task
            if _has_none(states.values()):
                for task, node in nodes.items():
                    if node.state is None:
                        states[task] = self._never_ran(node)
            return states
        states = {}
        for task, node in self.nodes.items():
            state = node.state
            if state is None:
                state = self._never_ran(node)
            if isinstance(state, Mapped):
                if _has_none(state.map_states):  # children that never ran
                    children = state.map_states
                    for index, child in enumerate(children):
                        if child is None:
                            children[index] = Pending()
                state.children_finished()  # (as Prefect 1 sets the result of every Mapped state it returns)
            states[task] = state
        return states

    @staticmethod
    def _never_ran(node: Node) -> State:
        """A node that never ran (fail-fast, or an interrupted run) ends ``Pending``."""
        node.state = Pending()
        return node.state
