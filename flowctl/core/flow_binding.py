"""Binding tasks into a flow: the arguments of each call become edges or constants.

This is the hot path of building a flow (it runs once per task call inside
``with Flow``), so the commonest case, a fresh copy with plain constants and
task results for arguments, is made inline in ``add_bound_task`` with no
per-argument method calls; anything else (collections, annotations, mapped
constants) goes through ``add_edge`` and its checks.
"""
from __future__ import annotations

from itertools import repeat
from typing import Any, Iterable, Sequence

from flowctl.core import blocks
from flowctl.core.edge import Edge
from flowctl.core.flow_queries import NO_EDGES, index_edge
from flowctl.core.parameter import Parameter
from flowctl.core import task_options
from flowctl.core.task import Task
from flowctl.exceptions import FlowDefinitionError, TaskArgumentError
from flowctl.utilities import edges as edge_annotations
from flowctl.utilities.configuration import config
from flowctl.utilities import tasks as task_utilities  # as_task; a module reference: tasks imports core

_COLLECTIONS = (list, tuple, set, dict)
_PLAIN_COLLECTIONS = frozenset({list, tuple, set, frozenset, dict})
_WIRED = (list, tuple, set, frozenset, dict, edge_annotations.EdgeAnnotation)  # values that need more than a constant
_new_edge = tuple.__new__  # an Edge whose key needs no check: Edge is a named tuple
#: Classes whose values are always plain constants: a set lookup rather than an isinstance of six classes.
_SCALARS = frozenset({int, float, str, bytes, bool, complex, type(None)})
_NO_SETTINGS: dict = {}  # flows settings when the configuration has none (never mutated)
#: ``dict.get`` called on the settings: the settings are DotDicts, whose ``__getattr__`` makes every
#: ``config.get`` a slow attribute lookup; the check runs once per edge of every flow built.
_setting = dict.get


def _kept_whole(value: Any) -> bool:
    """Whether a collection argument is bound as one constant: an instance of a subclass (a namedtuple,
    an OrderedDict, a Counter) holding no task, as Prefect 1 binds it, so the task receives that very
    object; the plain list, tuple, set and dict become collection tasks (API.md, point 1)."""
    return (type(value) not in _PLAIN_COLLECTIONS and not isinstance(value, edge_annotations.EdgeAnnotation)
            and task_utilities.holds_only_constants(value))


def _eager_validation() -> bool:
    return bool(_setting(_setting(config, "flows") or _NO_SETTINGS, "eager_edge_validation", False))


class FlowBinding:
    """The binding half of ``Flow``: it relies on the flow's ``slugs``, ``tasks``, ``edges``,
    ``constants`` and edge indexes, and on ``add_task``/``add_edge``/``validate``."""

    def bind_task(self, task: Task, arguments: dict[str, Any], upstream_tasks: Iterable[Any] | None = None,
                  mapped: bool = False, identifiers: bool | None = None) -> None:
        """Add ``task`` with the arguments of one call (what ``Task.bind`` does, already matched to ``run``).

        Same result as ``set_dependencies(task, upstream_tasks, keyword_tasks=arguments)``.
        A task new to this flow (a fresh copy, the usual case) has no bound
        argument yet, so ``add_bound_task`` skips the duplicate checks.
        ``identifiers`` as in ``add_bound_task`` (by default: unless ``run`` takes ``**kwargs``).
        """
        if task in self.slugs or upstream_tasks or isinstance(task, Parameter):
            self.set_dependencies(task, upstream_tasks=upstream_tasks, keyword_tasks=arguments, mapped=mapped)
        else:
            if identifiers is None:
                identifiers = not task.accepts_any_key()
            self.add_bound_task(task, arguments, arguments.values(), mapped, identifiers)

    def add_bound_task(self, task: Task, keys: Iterable[str], values: Iterable[Any], mapped: bool = False,
                       identifiers: bool = False, unnamed: bool = False) -> None:
        """Add ``task``, not yet in this flow, with arguments ``zip(keys, values)`` already matched to its ``run``.

        The path of every task call in ``with Flow``, with no checks on the names (distinct names ``run``
        accepts; with ``identifiers``, valid edge keys too) and constants and edges made inline; the
        commonest case (unmapped, neither slug nor tags) is ``add_call``'s. Keys and values come apart so
        a call passes its own tuple, with no dict between. ``unnamed``: the caller knows ``task`` has
        neither slug nor tags.
        """
        if not mapped and identifiers and (unnamed or not (task.slug or task.__dict__.get("tags"))):
            self.add_call(task, keys, values)  # (tags read without making a set)
        else:
            self.add_task(task)
            self._bind_new(task, keys, values, mapped, identifiers)

    def add_call(self, task: Task, keys: Iterable[str], values: Iterable[Any]) -> None:
        """``add_bound_task`` for a fresh copy with neither slug nor tags, not mapped, whose ``keys`` are
        valid edge keys: the call of nearly every task of a functional flow (``t(x)`` passes its tuple)."""
        if self._slugs_taken is not None or blocks._open[0]:
            self.add_task(task)
            self._bind_new(task, keys, values, False, True)
            return
        # add_task for a new untagged task outside any block, when no slug was chosen by a user: NAME-N
        # is free (_numbered_slug, inline)
        name = task.name
        counts = self._slug_counts
        counts[name] = count = counts.get(name, 0) + 1
        self.slugs[task] = f"{name}-{count}"
        self.tasks.add(task)
        self._sorted_cache = None
        if type(values) is tuple and len(values) == 1:  # one argument (a call's tuple): the loop's cases inline
            value = values[0]
            if type(value) in _SCALARS:
                self.constants[task] = {keys[0]: value}
                return
            if isinstance(value, Task) and value in self.slugs and self._downstream is None:
                edge = _new_edge(Edge, (value, task, keys[0], False, False))
                self.edges.add(edge)
                self._upstream[task] = [edge]
                if _setting(_setting(config, "flows") or _NO_SETTINGS, "eager_edge_validation"):
                    self.validate()
                return
        self._bind_new(task, keys, values, False, True)

    def _bind_new(self, task: Task, keys: Iterable[str], values: Iterable[Any], mapped: bool,
                  identifiers: bool) -> None:
        """Bind the arguments of ``task``, just added and with none bound yet (see ``add_bound_task``)."""
        edges_in = task_constants = None
        for key, value in zip(keys, values):
            if type(value) in _SCALARS and not mapped:  # the commonest constant, told by a set lookup
                if task_constants is None:  # (a new task: made whole, not through the defaultdict's factory)
                    task_constants = self.constants[task] = {key: value}
                else:
                    task_constants[key] = value
            elif isinstance(value, Task):
                if value not in self.slugs:
                    self.add_task(value)
                edge = _new_edge(Edge, (value, task, key, mapped, False)) if identifiers else Edge(value, task, key, mapped)
                self.edges.add(edge)
                if edges_in is None:
                    edges_in = self._upstream[task] = [edge]
                else:
                    edges_in.append(edge)
                if self._downstream is not None:
                    index_edge(self._downstream, value, edge)
            elif not mapped and (not isinstance(value, _WIRED) or _kept_whole(value)):  # any other constant
                task_constants = self.constants[task]
                task_constants[key] = value
            else:
                self._bind_keyword(task, key, value, mapped, False)
                self._edge_keys.pop(task, None)  # keys it cached would miss this loop's later edges
                edges_in = self._upstream.get(task)  # it may have made the task's edge list
                task_constants = self.constants.get(task)  # or its constants
        if edges_in is not None and _setting(_setting(config, "flows") or _NO_SETTINGS, "eager_edge_validation"):
            self.validate()  # (_eager_validation, inline)

    def add_gathering_task(self, task: Task, keys: Sequence[str], values: Sequence[Any], mapped: bool = False) -> None:
        """``add_bound_task`` for a List, Tuple or Set task gathering ``values`` as ``keys`` (valid edge keys).

        When every value is a task already in this flow (a fan-in, such as
        ``total([t(i) for i in range(n)])``), its edges are made in C loops
        (``map``/``zip`` over the values), a fraction of the general loop's cost
        per input; otherwise the general loop binds them.
        """
        slugs = self.slugs
        if not (values and all(map(isinstance, values, repeat(Task))) and all(map(slugs.__contains__, values))):
            self.add_bound_task(task, keys, values, mapped, True)
            return
        self.add_task(task)
        edges = list(map(_new_edge, repeat(Edge), zip(values, repeat(task), keys, repeat(mapped), repeat(False))))
        self.edges.update(edges)
        self._upstream[task] = edges
        downstream = self._downstream
        if downstream is not None:
            for value, edge in zip(values, edges):
                index_edge(downstream, value, edge)
        if _eager_validation():
            self.validate()

    def _check_key(self, task: Task, key: str, validate: bool | None = None) -> None:
        """Refuse a second value for ``key`` of ``task``; with validation on (``validate``, or eager edge
        validation configured), also a key ``run`` does not take. Prefect 1 checks a key's name only then:
        otherwise the task fails when it runs, as it does there."""
        keys = self._edge_keys.get(task)
        if keys is None:  # built on first use: most tasks are bound once and never checked
            keys = self._edge_keys[task] = {e.key for e in self._upstream.get(task, NO_EDGES) if e.key is not None}
        if key in keys or key in self.constants.get(task, ()):
            raise FlowDefinitionError(
                f'Argument "{key}" for task {task!r} has already been assigned in this flow. If you are trying to '
                f"call the task again with new arguments, call Task.copy() before adding the result to this flow. "
                f"(Flow: {self.name!r}.)"
            )
        if (validate if validate is not None else _eager_validation()) and not task.accepts_key(key):
            raise TaskArgumentError(
                f"got an unexpected keyword argument {key!r} ({task!r}: its run() takes "
                f"({', '.join(task.run_signature.parameters)}))."
            )

    def set_dependencies(self, task: Task, upstream_tasks: Iterable[Any] | None = None,
                         downstream_tasks: Iterable[Any] | None = None,
                         keyword_tasks: dict[str, Any] | None = None, mapped: bool = False,
                         validate: bool | None = None) -> None:
        """Wire ``task`` to its upstream, downstream and keyword tasks (or constants)."""
        if mapped:
            task_options.refuse_mapping_in_mapped_context()
        if not isinstance(task, Task):  # a value: its task, as in Prefect 1 (``"text"`` is a Constant)
            task = task_utilities.as_task(task, flow=self)
        self.add_task(task)
        if validate is None:  # read once here rather than once per edge
            validate = _eager_validation()
        for upstream in upstream_tasks or ():
            is_mapped = edge_annotations.annotations_of(upstream).get("mapped", mapped)
            self.add_edge(task_utilities.as_task(upstream, flow=self), task, mapped=is_mapped, validate=validate)
        for downstream in downstream_tasks or ():
            self.add_edge(task, task_utilities.as_task(downstream, flow=self), validate=validate)
        if keyword_tasks:
            for key, value in keyword_tasks.items():
                if isinstance(value, Task):  # the common case first: one edge, nothing to unwrap
                    self.add_edge(value, task, key=key, mapped=mapped, validate=validate)
                elif not mapped and (not isinstance(value, _WIRED) or _kept_whole(value)):  # a constant
                    self._check_key(task, key, validate)
                    self.constants[task][key] = value
                else:
                    self._bind_keyword(task, key, value, mapped, validate)

    def _bind_keyword(self, task: Task, key: str, value: Any, mapped: bool, validate: bool | None) -> None:
        """Bind an annotated (``unmapped``/``mapped``/``flatten``), collection or mapped argument."""
        annotations = edge_annotations.annotations_of(value)
        is_mapped = annotations.get("mapped", mapped)
        flattened = annotations.get("flattened", False)
        raw = value.value if annotations else value
        if is_mapped and isinstance(raw, (dict, set, frozenset)):
            raise FlowDefinitionError(
                f"{task!r} cannot map over a {type(raw).__name__} (argument {key!r}): mapping "
                f"gives each child its position (map_index), so the input must be ordered. "
                f"Pass a list, e.g. sorted(...) or list(d.items())."
            )
        if isinstance(raw, Task) or isinstance(raw, _COLLECTIONS) or is_mapped or flattened:
            upstream = task_utilities.as_task(raw, flow=self)
            self.add_edge(upstream, task, key=key, mapped=is_mapped, validate=validate, flattened=flattened)
        else:
            self._check_key(task, key, validate)
            self.constants[task][key] = raw
