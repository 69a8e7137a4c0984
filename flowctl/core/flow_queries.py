"""Graph queries on a flow: which tasks, in which order, connected how.

A mixin of ``Flow`` (kept apart from building and running, as ``Task``'s
operators are): every query reads the flow's per-task edge indexes
(``_upstream``/``_downstream``: a list for each task that has edges) and
insertion order (``slugs``), so none of them scans all edges more than once:
the downstream index is made from the edges by the first query that needs
it (``_downstream_index``), and the terminal tasks of a flow that never
asked are the tasks no edge starts from. ``sorted_tasks`` is Kahn's algorithm with ties broken
by insertion order; on a cycle it names only the tasks on one cycle, as
``graphlib.CycleError`` does.
"""
from __future__ import annotations

import collections
import itertools
import operator
from typing import Any, Iterable

from flowctl.core.edge import Edge
from flowctl.core.ordering import find_cycle, reachable_from, topological_order
from flowctl.core.parameter import Parameter
from flowctl.core.task import Task
from flowctl.exceptions import FlowDefinitionError

NO_EDGES: tuple = ()  # the edges of a task that has none
# an Edge's fields by position (a tuple index in C; a named field is a descriptor looked up on the type)
_UPSTREAM_TASK = operator.itemgetter(0)  # Edge.upstream_task
_DOWNSTREAM_TASK = operator.itemgetter(1)  # Edge.downstream_task


def index_edge(index: dict, task: Task, edge: Edge) -> None:
    """Add ``edge`` to ``task``'s list in an edge index (an entry only for a task that has edges).

    ``Flow.add_bound_task`` does the same inline: it runs once per argument of every task call."""
    edges = index.get(task)
    if edges is None:
        index[task] = [edge]
    else:
        edges.append(edge)


class FlowCycleError(FlowDefinitionError):
    """The flow's edges form a cycle; ``cycle`` lists it as ``[a, b, ..., a]`` (like graphlib)."""

    def __init__(self, flow_name: str, cycle: list) -> None:
        self.cycle = cycle
        path = " -> ".join(t.name for t in cycle)
        super().__init__(f"Cycle found; flows must be acyclic! Flow {flow_name!r} has a cycle: {path}. "
                         "Remove one of the edges between them.")


class FlowQueries:
    """The read side of ``Flow``: tasks, edges, reference tasks, order and validation."""

    _upstream: dict
    _downstream: dict | None
    _reference_tasks: set
    _sorted_cache: Any
    _derived_cache: Any
    #: whether ``_sorted_cache`` (when set) is the insertion order, checked edge by edge
    _sorted_by_insertion = False
    name: str
    slugs: dict
    edges: set

    def get_tasks(self, name: str | None = None, slug: str | None = None,
                  tags: Iterable[str] | None = None, task_type: type | None = None) -> list[Task]:
        """Tasks matching every given filter, in insertion order. As in Prefect 1, ``slug`` matches the slug a
        task was given (``task.slug``), not one the flow numbered it with (``flow.slugs``: ``add-2``)."""
        wanted_tags = set(tags or ())
        return [
            t for t in self.slugs
            if (name is None or t.name == name)
            and (slug is None or t.slug == slug)
            and wanted_tags <= t.tags
            and (task_type is None or isinstance(t, task_type))
        ]

    def root_tasks(self) -> set[Task]:
        upstream = self._upstream
        return {t for t in self.slugs if not upstream.get(t)}

    def _derived(self, key: str, compute: Any) -> Any:
        """``compute()``, kept until the flow next changes: every change drops ``_sorted_cache``,
        so the sorted order's list object stamps what was derived from the same graph. The flow is
        sorted first (a run sorts it anyway), so even the first run asks each question once; a flow
        that cannot be sorted (a cycle: ``validate`` reports it) computes it afresh each time."""
        stamp = self._sorted_cache
        if stamp is None:
            try:
                self.sorted_tasks()
            except FlowDefinitionError:
                return compute()
            stamp = self._sorted_cache
        cache = self._derived_cache
        if cache is None or cache[0] is not stamp:
            cache = self._derived_cache = (stamp, {})
        found = cache[1].get(key)
        if found is None:
            found = cache[1][key] = compute()
        return found

    def terminal_tasks(self) -> set[Task]:
        return set(self._derived("terminal", self._terminal_tasks))

    def _terminal_tasks(self) -> set[Task]:
        if self._downstream is None:  # no index made (a run never needs one): one pass over the edges
            return self.slugs.keys() - set(map(_UPSTREAM_TASK, self.edges))  # set operations: C loops
        downstream = self._downstream
        return {t for t in self.slugs if not downstream.get(t)}

    def _downstream_index(self) -> dict:
        """The edges out of each task that has some, made from ``edges`` on first use, kept up to date after."""
        index = self._downstream
        if index is None:
            index = {}
            for edge in self.edges:
                index_edge(index, edge.upstream_task, edge)
            self._downstream = index
        return index

    def reference_tasks(self) -> set[Task]:
        """The tasks whose states decide the flow's state (default: the terminal tasks)."""
        if self._reference_tasks:
            return set(self._reference_tasks)
        from flowctl.tasks.core.resource_manager import ResourceCleanupTask, ResourceInitTask

        # As in Prefect 1: the terminal tasks, where a resource's cleanup does not
        # count as a downstream task and init/cleanup tasks never count themselves.
        resource_tasks = (ResourceInitTask, ResourceCleanupTask)
        if not any(map(isinstance, self.slugs, itertools.repeat(resource_tasks))):  # most flows: the terminal tasks
            return self.terminal_tasks()
        downstream = self._downstream_index()
        return {
            t for t in self.slugs
            if not isinstance(t, resource_tasks)
            and all(isinstance(e.downstream_task, ResourceCleanupTask) for e in downstream.get(t, ()))
        }

    def set_reference_tasks(self, tasks: Iterable[Task]) -> None:
        tasks = set(tasks)
        missing = [t for t in tasks if t not in self.slugs]
        if missing:
            raise FlowDefinitionError(f"Reference tasks must be part of the flow: {missing} are not tasks of flow {self.name!r}.")
        self._reference_tasks = tasks

    def parameters(self) -> set[Parameter]:
        return set(self._derived("parameters", self._parameters))

    def _parameters(self) -> set[Parameter]:
        slugs = self.slugs
        return set(itertools.compress(slugs, map(isinstance, slugs, itertools.repeat(Parameter))))

    def upstream_tasks(self, task: Task) -> set[Task]:
        return {e.upstream_task for e in self.edges_to(task)}

    def downstream_tasks(self, task: Task) -> set[Task]:
        return {e.downstream_task for e in self.edges_from(task)}

    def edges_to(self, task: Task) -> set[Edge]:
        if task not in self.slugs:
            raise FlowDefinitionError(f"Task {task!r} was not found in Flow {self!r}: it is not a task of flow {self.name!r}.")
        return set(self._upstream.get(task, NO_EDGES))

    def edges_from(self, task: Task) -> set[Edge]:
        if task not in self.slugs:
            raise FlowDefinitionError(f"Task {task!r} was not found in Flow {self!r}: it is not a task of flow {self.name!r}.")
        return set(self._downstream_index().get(task, NO_EDGES))

    def all_upstream_edges(self) -> dict[Task, set[Edge]]:
        upstream = self._upstream
        return {t: set(upstream.get(t, NO_EDGES)) for t in self.slugs}

    def all_downstream_edges(self) -> dict[Task, set[Edge]]:
        downstream = self._downstream_index()
        return {t: set(downstream.get(t, NO_EDGES)) for t in self.slugs}

    def _downstream_of(self, task: Task) -> Iterable[Task]:
        return (e.downstream_task for e in self._downstream_index().get(task, ()))

    def _upstream_of(self, task: Task) -> Iterable[Task]:
        return (e.upstream_task for e in self._upstream.get(task, ()))

    def sorted_tasks(self, root_tasks: Iterable[Task] | None = None) -> tuple[Task, ...]:
        """Tasks in a stable topological order (Kahn's algorithm over insertion order)."""
        if root_tasks is None and self._sorted_cache is not None:
            return tuple(self._sorted_cache)
        order = list(self.slugs)
        if root_tasks is not None and not root_tasks:  # as Prefect 1: no roots given means every task
            root_tasks = None
            if self._sorted_cache is not None:
                return tuple(self._sorted_cache)
        if root_tasks is not None:
            root_tasks = list(root_tasks)
            for task in root_tasks:
                if task not in self.slugs:
                    raise FlowDefinitionError(f"Task {task!r} was not found in Flow {self!r}")
            keep = reachable_from(root_tasks, self._downstream_of)
            order = [t for t in order if t in keep]
        elif self._insertion_order_is_sorted(order):  # the usual case: what Kahn's algorithm would give
            self._sorted_cache, self._sorted_by_insertion = order, True
            return tuple(order)
        result, stuck = topological_order(order, self._upstream_of, self._downstream_of)
        if stuck:
            raise FlowCycleError(self.name, find_cycle(stuck, self._upstream_of))
        if root_tasks is None:
            self._sorted_cache, self._sorted_by_insertion = result, False
        return tuple(result)

    def _insertion_order_is_sorted(self, order: list) -> bool:
        """Whether every edge goes from an earlier-added task to a later one (the functional API
        adds a task's upstreams first). Kahn's algorithm with ties broken by insertion order
        then gives ``order`` itself, so one pass over the edges replaces it. True also means
        that every edge joins two tasks of the flow (``_validate_graph`` relies on it)."""
        position = dict(zip(order, itertools.count())).__getitem__
        edges = self.edges
        try:  # in C loops: a set iterates in the same order twice when unchanged in between
            before = list(map(position, map(_UPSTREAM_TASK, edges)))
            after = list(map(position, map(_DOWNSTREAM_TASK, edges)))
        except KeyError:  # an edge to a task outside the flow: validate's to report, the long way's to skip
            return False
        return all(map(operator.lt, before, after))  # a self-loop is not sorted either

    def validate(self) -> None:
        """Raise a FlowDefinitionError for cycles, foreign tasks, or bad reference tasks."""
        tasks = self.tasks  # the public set (a user may have edited it), as Prefect 1 checks it
        if any(t not in tasks for t in self._reference_tasks):
            raise FlowDefinitionError(f"Some reference tasks are not contained in this flow ({self.name!r}).")
        if len(tasks) != len(self.slugs):  # the set was edited by hand: nothing cached can be trusted
            self._sorted_cache = None
            self._validate_graph()
        else:
            self._derived("valid", self._validate_graph)

    def _validate_graph(self) -> bool:
        if self._sorted_cache is None or not self._sorted_by_insertion:  # else every edge is known to be in the flow
            tasks = self.tasks
            for edge in self.edges:
                if edge.upstream_task not in tasks or edge.downstream_task not in tasks:
                    raise FlowDefinitionError(f"Some edges refer to tasks not contained in this flow: {edge!r} "
                                              f"refers to a task that is not in flow {self.name!r}.")
        lists = list(self._upstream.values())
        for edges in itertools.compress(lists, map((1).__lt__, map(len, lists))):  # one edge cannot repeat a key
            keys = [e.key for e in edges if e.key is not None]
            if len(keys) != len(set(keys)):
                duplicates = {k for k, count in collections.Counter(keys).items() if count > 1}
                task = next(iter(edges)).downstream_task
                raise FlowDefinitionError(f"{task!r} receives argument(s) {sorted(duplicates)} more than once.")
        self.sorted_tasks()
        return True

    def has_edges(self, task: Task) -> bool:
        """Whether ``task`` is in this flow with at least one edge (a cheap check, no copies)."""
        return bool(self._upstream.get(task) or self._downstream_index().get(task))

    def upstream_edges(self, task: Task) -> tuple[Edge, ...] | list[Edge]:
        """The edges into ``task``, read-only and uncopied (for the engine; users: ``edges_to``)."""
        return self._upstream.get(task, NO_EDGES)
