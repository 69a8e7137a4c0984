"""Editing a built flow: merge another into it, copy it, replace a task.

A mixin of ``Flow`` (as ``FlowQueries`` holds its read side). Every edit
keeps the per-task indexes (``_upstream``, ``_downstream``, ``_edge_keys``,
slugs) in step with ``tasks`` and ``edges``, as ``add_task``/``add_edge`` do.
"""
from __future__ import annotations

import collections
import copy as _copy
from typing import Any

from flowctl.core.task import Task
from flowctl.exceptions import FlowDefinitionError
from flowctl.utilities import tasks as task_utilities  # as_task; a module reference: tasks imports core


class FlowEdits:
    """``update``, ``copy``, ``replace``: edits of a whole flow, as Prefect 1 makes them."""

    _upstream: dict
    _downstream: dict | None
    _edge_keys: dict
    _reference_tasks: set
    _slug_counts: dict
    _slugs_taken: set | None
    name: str

    def update(self, flow: "Flow", validate: bool | None = None, merge_parameters: bool = False,
               merge_reference_tasks: bool = False) -> None:
        """Add every task, edge and constant of ``flow`` to this flow.

        As in Prefect 1: with ``merge_parameters`` this flow's parameters that
        share a name with one of ``flow``'s are replaced by ``flow``'s (and the
        result is validated); edges already here are not added twice.
        """
        if merge_parameters:
            validate = True
            incoming = {p.name: p for p in flow.parameters()}
            for parameter in self.parameters():
                if parameter.name in incoming and incoming[parameter.name] is not parameter:
                    self.replace(parameter, incoming[parameter.name])
        for task in flow.slugs:
            self.add_task(task)
        for edge in flow.edges:
            if edge not in self.edges:
                self.add_edge(edge.upstream_task, edge.downstream_task, key=edge.key, mapped=edge.mapped,
                              flattened=edge.flattened, validate=validate)
        if merge_reference_tasks:
            self.set_reference_tasks(self.reference_tasks() | flow.reference_tasks())
        for task, values in flow.constants.items():
            self.constants[task] = dict(values)
        self._changed()

    def copy(self) -> "Flow":
        """A new flow with the same tasks, edges, slugs and constants (tasks are shared)."""
        new = _copy.copy(self)
        new.tasks, new.edges, new.slugs = set(self.tasks), set(self.edges), dict(self.slugs)
        new.constants = collections.defaultdict(dict, {t: dict(v) for t, v in self.constants.items()})
        new.state_handlers = list(self.state_handlers)
        new._upstream = {t: list(edges) for t, edges in self._upstream.items()}
        new._downstream = None if self._downstream is None else {
            t: list(edges) for t, edges in self._downstream.items()}
        new._edge_keys = {t: set(keys) for t, keys in self._edge_keys.items()}
        new._reference_tasks = set(self._reference_tasks)
        new._slug_counts = dict(self._slug_counts)
        new._slugs_taken = None if self._slugs_taken is None else set(self._slugs_taken)
        new._sorted_cache, new._derived_cache, new._contexts = None, None, []
        return new

    def replace(self, old: Task, new: Any, validate: bool = True) -> None:
        """Swap ``old`` for ``new`` in every edge and in the reference tasks (validated, as in Prefect 1).

        ``old``'s constants are not carried over: they were arguments of
        ``old.run``, which ``new`` need not take.
        """
        if old not in self.slugs:
            raise FlowDefinitionError(f"{old!r} is not a task of flow {self.name!r}.")
        new = task_utilities.as_task(new, flow=self)
        affected = {*self._upstream.get(old, ()), *self._downstream_index().get(old, ())}
        self._remove_task(old)
        self.add_task(new)
        for edge in affected:
            up = new if edge.upstream_task is old else edge.upstream_task
            down = new if edge.downstream_task is old else edge.downstream_task
            self.add_edge(up, down, key=edge.key, mapped=edge.mapped, flattened=edge.flattened, validate=False)
        if old in self._reference_tasks:
            self._reference_tasks.discard(old)
            self._reference_tasks.add(new)
        if validate:
            self.validate()

    def _remove_task(self, task: Task) -> None:
        downstream_index = self._downstream_index()
        for edge in {*self._upstream.pop(task, ()), *downstream_index.pop(task, ())}:
            self.edges.discard(edge)
            _unlist(self._upstream, edge.downstream_task, edge)
            _unlist(downstream_index, edge.upstream_task, edge)
            if edge.key is not None:
                self._edge_keys.get(edge.downstream_task, set()).discard(edge.key)
        self._edge_keys.pop(task, None)
        self.tasks.discard(task)
        slug = self.slugs.pop(task, None)
        if self._slugs_taken is not None:
            self._slugs_taken.discard(slug)
        self._changed()


def _unlist(index: dict, task: Task, edge: Any) -> None:
    """Drop ``edge`` from ``task``'s list in an edge index (and the entry, once empty)."""
    edges = index.get(task)
    if edges is not None and edge in edges:
        edges.remove(edge)
        if not edges:
            del index[task]
