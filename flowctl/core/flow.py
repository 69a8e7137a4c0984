"""``Flow``: a graph of tasks joined by edges, built functionally or imperatively.

The flow keeps its tasks in insertion order next to the public ``tasks`` set,
so ``sorted_tasks()`` is a stable topological order, and indexes edges by
task so graph queries never scan every edge. Plain values passed to tasks
live in ``constants`` rather than becoming tasks.
"""
from __future__ import annotations

import collections
from contextlib import ExitStack
from typing import Any, Callable, Iterable

from flowctl.core.edge import Edge
from flowctl.core.ordering import reachable_from, topological_order
from flowctl.core.parameter import Parameter
from flowctl.core.task import Task
from flowctl.exceptions import FlowDefinitionError
from flowctl.utilities import edges as edge_annotations
from flowctl.utilities.configuration import config
from flowctl.utilities.context import context

_COLLECTIONS = (list, tuple, set, dict)


def _loading_flows() -> bool:
    """True while flowctl's CLI imports a user module (``flowctl.context.loading_flow``)."""
    return bool(context.get("loading_flow"))


class Flow:
    """A named graph of tasks. ``with Flow("name") as flow:`` builds it functionally."""

    def __init__(
        self,
        name: str,
        tasks: Iterable[Task] | None = None,
        edges: Iterable[Edge] | None = None,
        reference_tasks: Iterable[Task] | None = None,
        state_handlers: list[Callable] | None = None,
        on_failure: Callable | None = None,
        validate: bool | None = None,
        result: Any = None,
        executor: Any = None,
        terminal_state_handler: Callable | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise FlowDefinitionError(f"A flow needs a non-empty string name (received {name!r}).")
        self.name = name
        self.tasks: set[Task] = set()
        self.edges: set[Edge] = set()
        self.constants: dict[Task, dict[str, Any]] = collections.defaultdict(dict)
        self.slugs: dict[Task, str] = {}
        self.state_handlers = list(state_handlers or [])
        self.on_failure = on_failure
        self.result = result
        self.executor = executor
        self.terminal_state_handler = terminal_state_handler
        self._order: dict[Task, None] = {}
        self._upstream: dict[Task, set[Edge]] = {}
        self._downstream: dict[Task, set[Edge]] = {}
        self._reference_tasks: set[Task] = set()
        self._slug_counts: dict[str, int] = {}
        self._slugs_taken: set[str] = set()
        self._sorted_cache: list[Task] | None = None
        self._contexts: list[ExitStack] = []
        for task in tasks or ():
            self.add_task(task)
        for edge in edges or ():
            self.add_edge(edge.upstream_task, edge.downstream_task, key=edge.key, mapped=edge.mapped,
                          flattened=edge.flattened, validate=validate)
        self.set_reference_tasks(reference_tasks or ())

    def __repr__(self) -> str:
        return f'<Flow: name="{self.name}">'

    # -- functional API ------------------------------------------------------
    def __enter__(self) -> "Flow":
        active = context.get("flow")
        if active is not None and active is not self:
            raise FlowDefinitionError(
                f"Flows cannot be nested: {self!r} was opened inside {active!r}. Build them one "
                f"after the other, or combine them with flow.update(other)."
            )
        stack = ExitStack()
        stack.enter_context(context(flow=self))
        self._contexts.append(stack)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._contexts.pop().close()

    # -- building --------------------------------------------------------------
    def _changed(self) -> None:
        self._sorted_cache = None

    def add_task(self, task: Task) -> Task:
        """Add ``task`` (once) and return it."""
        if not isinstance(task, Task):
            raise TypeError(f"Flows hold Task objects; {task!r} ({type(task).__name__}) is not a Task.")
        if task in self._order:
            return task
        slug = task.slug
        if slug is not None:
            if slug in self._slugs_taken:
                raise FlowDefinitionError(f'A task with the slug "{slug}" already exists in flow {self.name!r}.')
        else:
            count = self._slug_counts.get(task.name, 0)
            while slug is None or slug in self._slugs_taken:
                count += 1
                slug = f"{task.name}-{count}"
            self._slug_counts[task.name] = count
        self._slugs_taken.add(slug)
        self.slugs[task] = slug
        self.tasks.add(task)
        self._order[task] = None
        self._upstream[task] = set()
        self._downstream[task] = set()
        self._changed()
        for hook_key in ("case", "resource"):
            hook = context.get(hook_key)
            if hook is not None:
                hook.add_task(task, self)
        return task

    def add_edge(self, upstream_task: Task, downstream_task: Task, key: str | None = None,
                 mapped: bool = False, validate: bool | None = None, flattened: bool = False) -> Edge:
        """Make ``upstream_task`` run before ``downstream_task`` (passing its result as ``key``)."""
        if isinstance(downstream_task, Parameter):
            raise FlowDefinitionError(
                f"{downstream_task!r} cannot have upstream tasks: parameters are the roots of a flow."
            )
        edge = Edge(upstream_task, downstream_task, key=key, mapped=mapped, flattened=flattened)
        self.add_task(upstream_task)
        self.add_task(downstream_task)
        if key is not None:
            self._check_key(downstream_task, key)
        if edge in self.edges:
            return edge
        self.edges.add(edge)
        self._upstream[downstream_task].add(edge)
        self._downstream[upstream_task].add(edge)
        self._changed()
        if validate if validate is not None else config.flows.get("eager_edge_validation", False):
            self.validate()
        return edge

    def _check_key(self, task: Task, key: str) -> None:
        if any(e.key == key for e in self._upstream.get(task, ())) or key in self.constants.get(task, {}):
            raise FlowDefinitionError(
                f'Argument "{key}" of {task!r} is already bound in flow {self.name!r}. To call the '
                f"task again with new arguments, call it as a copy: task(...) or task.copy()."
            )
        if not task.accepts_key(key):
            raise FlowDefinitionError(
                f"{task!r} has no argument {key!r}: its run() takes "
                f"({', '.join(task.run_signature.parameters)})."
            )

    def set_dependencies(self, task: Task, upstream_tasks: Iterable[Any] | None = None,
                         downstream_tasks: Iterable[Any] | None = None,
                         keyword_tasks: dict[str, Any] | None = None, mapped: bool = False,
                         validate: bool | None = None) -> None:
        """Wire ``task`` to its upstream, downstream and keyword tasks (or constants)."""
        from flowctl.utilities.tasks import as_task

        self.add_task(task)
        for upstream in upstream_tasks or ():
            is_mapped = (mapped and not isinstance(upstream, edge_annotations.unmapped)) or isinstance(
                upstream, edge_annotations.mapped)
            self.add_edge(as_task(upstream, flow=self), task, mapped=is_mapped, validate=validate)
        for downstream in downstream_tasks or ():
            self.add_edge(task, as_task(downstream, flow=self), validate=validate)
        for key, value in (keyword_tasks or {}).items():
            is_mapped = (mapped and not isinstance(value, edge_annotations.unmapped)) or isinstance(
                value, edge_annotations.mapped)
            flattened = isinstance(value, edge_annotations.flatten)
            raw = value
            while isinstance(raw, edge_annotations.EdgeAnnotation):
                raw = raw.task
            if is_mapped and isinstance(raw, (dict, set, frozenset)):
                raise FlowDefinitionError(
                    f"{task!r} cannot map over a {type(raw).__name__} (argument {key!r}): mapping "
                    f"gives each child its position (map_index), so the input must be ordered. "
                    f"Pass a list, e.g. sorted(...) or list(d.items())."
                )
            if isinstance(raw, Task) or isinstance(raw, _COLLECTIONS) or is_mapped or flattened:
                upstream = as_task(raw, flow=self)
                self.add_edge(upstream, task, key=key, mapped=is_mapped, validate=validate, flattened=flattened)
            else:
                self._check_key(task, key)
                self.constants[task][key] = raw
                self._changed()

    def chain(self, *tasks: Task, validate: bool | None = None) -> list[Edge]:
        """Add edges so that each task runs after the one before it."""
        return [self.add_edge(a, b, validate=validate) for a, b in zip(tasks, tasks[1:])]

    def update(self, flow: "Flow", validate: bool | None = None, merge_parameters: bool = False) -> None:
        """Add every task, edge and constant of ``flow`` to this flow."""
        for task in flow._order:
            if merge_parameters and isinstance(task, Parameter):
                existing = [p for p in self.parameters() if p.name == task.name]
                if existing:
                    continue
            self.add_task(task)
        for edge in flow.edges:
            self.add_edge(edge.upstream_task, edge.downstream_task, key=edge.key, mapped=edge.mapped,
                          flattened=edge.flattened, validate=validate)
        for task, values in flow.constants.items():
            self.constants[task].update(values)
        self._changed()

    def copy(self) -> "Flow":
        """A new flow with the same tasks, edges and constants (tasks are shared)."""
        new = Flow(self.name, state_handlers=self.state_handlers, on_failure=self.on_failure,
                   result=self.result, executor=self.executor,
                   terminal_state_handler=self.terminal_state_handler)
        new.update(self)
        new.set_reference_tasks(self._reference_tasks)
        return new

    def replace(self, old: Task, new: Any, validate: bool | None = None) -> None:
        """Swap ``old`` for ``new`` everywhere: edges, constants and reference tasks."""
        from flowctl.utilities.tasks import as_task

        if old not in self._order:
            raise FlowDefinitionError(f"{old!r} is not a task of flow {self.name!r}.")
        new = as_task(new, flow=self)
        affected = self._upstream[old] | self._downstream[old]
        self._remove_task(old)
        self.add_task(new)
        for edge in affected:
            up = new if edge.upstream_task is old else edge.upstream_task
            down = new if edge.downstream_task is old else edge.downstream_task
            self.add_edge(up, down, key=edge.key, mapped=edge.mapped, flattened=edge.flattened, validate=validate)
        if old in self.constants:
            self.constants[new].update(self.constants.pop(old))
        if old in self._reference_tasks:
            self._reference_tasks.discard(old)
            self._reference_tasks.add(new)

    def _remove_task(self, task: Task) -> None:
        for edge in self._upstream.pop(task) | self._downstream.pop(task):
            self.edges.discard(edge)
            self._upstream.get(edge.downstream_task, set()).discard(edge)
            self._downstream.get(edge.upstream_task, set()).discard(edge)
        self.tasks.discard(task)
        self._order.pop(task, None)
        self._slugs_taken.discard(self.slugs.pop(task, None))
        self._changed()

    # -- queries ------------------------------------------------------------------
    def get_tasks(self, name: str | None = None, slug: str | None = None,
                  tags: Iterable[str] | None = None, task_type: type | None = None) -> list[Task]:
        """Tasks matching every given filter, in insertion order."""
        wanted_tags = set(tags or ())
        return [
            t for t in self._order
            if (name is None or t.name == name)
            and (slug is None or self.slugs.get(t) == slug or t.slug == slug)
            and wanted_tags <= t.tags
            and (task_type is None or isinstance(t, task_type))
        ]

    def root_tasks(self) -> set[Task]:
        return {t for t in self._order if not self._upstream[t]}

    def terminal_tasks(self) -> set[Task]:
        return {t for t in self._order if not self._downstream[t]}

    def reference_tasks(self) -> set[Task]:
        """The tasks whose states decide the flow's state (default: the terminal tasks)."""
        if self._reference_tasks:
            return set(self._reference_tasks)
        reference: set[Task] = set()
        for task in self.terminal_tasks():
            block = task.__dict__.get("block_tasks")  # a resource manager's cleanup task
            if block is None:
                reference.add(task)
            else:  # the cleanup counts, and so do the block's own last tasks
                reference.add(task)
                reference |= {b for b in block if {e.downstream_task for e in self._downstream[b]} <= {task}}
        return reference

    def set_reference_tasks(self, tasks: Iterable[Task]) -> None:
        tasks = set(tasks)
        missing = [t for t in tasks if t not in self._order]
        if missing:
            raise FlowDefinitionError(f"Reference tasks {missing} are not tasks of flow {self.name!r}.")
        self._reference_tasks = tasks

    def parameters(self) -> set[Parameter]:
        return {t for t in self._order if isinstance(t, Parameter)}

    def upstream_tasks(self, task: Task) -> set[Task]:
        return {e.upstream_task for e in self.edges_to(task)}

    def downstream_tasks(self, task: Task) -> set[Task]:
        return {e.downstream_task for e in self.edges_from(task)}

    def edges_to(self, task: Task) -> set[Edge]:
        if task not in self._order:
            raise FlowDefinitionError(f"{task!r} is not a task of flow {self.name!r}.")
        return set(self._upstream[task])

    def edges_from(self, task: Task) -> set[Edge]:
        if task not in self._order:
            raise FlowDefinitionError(f"{task!r} is not a task of flow {self.name!r}.")
        return set(self._downstream[task])

    def all_upstream_edges(self) -> dict[Task, set[Edge]]:
        return {t: set(edges) for t, edges in self._upstream.items()}

    def all_downstream_edges(self) -> dict[Task, set[Edge]]:
        return {t: set(edges) for t, edges in self._downstream.items()}

    def _downstream_of(self, task: Task) -> Iterable[Task]:
        return (e.downstream_task for e in self._downstream.get(task, ()))

    def sorted_tasks(self, root_tasks: Iterable[Task] | None = None) -> tuple[Task, ...]:
        """Tasks in a stable topological order (Kahn's algorithm over insertion order)."""
        if root_tasks is None and self._sorted_cache is not None:
            return tuple(self._sorted_cache)
        order = list(self._order)
        if root_tasks is not None:
            keep = reachable_from(root_tasks, self._downstream_of)
            order = [t for t in order if t in keep]
        result, stuck = topological_order(order, lambda t: (e.upstream_task for e in self._upstream[t]),
                                          self._downstream_of)
        if stuck:
            raise FlowDefinitionError(
                f"Flow {self.name!r} has a cycle: these tasks wait on each other: "
                f"{', '.join(t.name for t in stuck)}. Remove one of the edges between them."
            )
        if root_tasks is None:
            self._sorted_cache = result
        return tuple(result)

    def validate(self) -> None:
        """Raise a FlowDefinitionError for cycles, foreign tasks, or bad reference tasks."""
        for edge in self.edges:
            if edge.upstream_task not in self._order or edge.downstream_task not in self._order:
                raise FlowDefinitionError(f"{edge!r} refers to a task that is not in flow {self.name!r}.")
        for task in self._order:
            keys = [e.key for e in self._upstream[task] if e.key is not None]
            if len(keys) != len(set(keys)):
                duplicates = {k for k, count in collections.Counter(keys).items() if count > 1}
                raise FlowDefinitionError(f"{task!r} receives argument(s) {sorted(duplicates)} more than once.")
        if any(t not in self._order for t in self._reference_tasks):
            raise FlowDefinitionError(f"Some reference tasks are not tasks of flow {self.name!r}.")
        self.sorted_tasks()

    # -- running ------------------------------------------------------------------
    def check_parameters(self, parameters: dict[str, Any] | None) -> dict[str, Any]:
        """The run's parameter values (defaults filled in), or a ParameterError naming the problem."""
        from flowctl.core.parameter import resolve_parameters

        return resolve_parameters(self, parameters)

    def run(self, parameters: dict[str, Any] | None = None, executor: Any = None,
            task_states: dict | None = None, return_tasks: Iterable[Task] | None = None,
            context: dict | None = None, run_on_schedule: bool | None = None, **kwargs: Any) -> Any:
        """Run the flow once and return its final state (``state.result`` maps tasks to states)."""
        from flowctl.engine.flow_runner import FlowRunner

        if _loading_flows():
            # flowctl is importing the user's module: the CLI runs the flow itself, once.
            from flowctl.utilities.logging import get_logger

            get_logger("Flow").warning(
                "flow.run() called while flowctl loads the module; skipping it (flowctl runs %r itself).",
                self.name)
            return None
        # as in Prefect 1, keyword arguments named after a parameter are its value
        names = {p.name for p in self.parameters()}
        parameters = {**(parameters or {}), **{k: kwargs.pop(k) for k in list(kwargs) if k in names}}
        parameters = self.check_parameters(parameters)
        runner = FlowRunner(flow=self)
        return runner.run(parameters=parameters, executor=executor, task_states=task_states,
                          return_tasks=return_tasks, context=context, **kwargs)

    def visualize(self, flow_state: Any = None, filename: str | None = None, format: str | None = None) -> str:
        """The flow's Graphviz (DOT) source; writes ``filename`` when given."""
        from flowctl.engine.graph import visualize

        return visualize(self, flow_state=flow_state, filename=filename, format=format)
