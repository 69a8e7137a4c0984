"""``Flow``: a graph of tasks joined by edges, built functionally or imperatively.

The flow keeps its tasks in insertion order (``slugs``, a dict, is that
order) next to the public ``tasks`` set, so ``sorted_tasks()`` is a stable
topological order, and indexes edges by task so graph queries never scan
every edge. Plain values passed to tasks live in ``constants`` rather than
becoming tasks.

Building is kept linear and lean, since a flow may hold a million tasks:
the edge indexes hold a list per task that has edges (no entry for one
without, no set per edge end). Two indexes are made only when first asked
for, then kept up to date: the edges out of each task (a run never needs
them: its terminal tasks are the tasks no edge starts from), and the set of
slugs in use, needed only to check a slug the user chose (generated
``PREFIX-N`` slugs cannot collide with each other: N follows the last dash).
"""
from __future__ import annotations

import collections
import datetime
import logging
import uuid
import warnings
from contextlib import ExitStack
from typing import Any, Callable, Iterable, Iterator

from flowctl.core import blocks, build_gc
from flowctl.core.edge import Edge
from flowctl.core.flow_binding import FlowBinding, _eager_validation
from flowctl.core.flow_edits import FlowEdits
from flowctl.core.flow_queries import NO_EDGES, FlowCycleError, FlowQueries, index_edge  # noqa: F401 - NO_EDGES and FlowCycleError are public here too
from flowctl.core.parameter import Parameter
from flowctl.core.task import Task
from flowctl.core.task_options import call_on_failure, refuse_mapping_in_mapped_context
from flowctl.tasks.core.constants import Constant
from flowctl.exceptions import FlowDefinitionError
from flowctl.utilities.context import context

_ROOT_ONLY = (Parameter, Constant)


def _every_task_state(state: Any, return_tasks: Any) -> Any:
    """As Prefect 1's ``flow.run``: a state for every task asked for, ``Pending("Task not run.")`` for
    those the run never reached (a flow run given a finished state runs none)."""
    result = state.result if isinstance(state.result, dict) else None
    if result is None:
        if isinstance(state.result, Exception):
            return state
        state.result = result = {}
    if len(result) < len(return_tasks):
        from flowctl.engine.state import Pending

        for task in return_tasks:
            if task not in result:
                result[task] = Pending(message="Task not run.")
    return state


def _refuse_deployment_options(**options: Any) -> None:
    """Prefect 1 scripts pass ``schedule=None`` (and storage, run_config) to run locally: accepted.
    A real one has no meaning here (API.md: no schedules, storage or backend), so it is an error."""
    given = sorted(key for key, value in options.items() if value is not None)
    if given:
        raise FlowDefinitionError(
            f"Flow({', '.join(f'{key}=...' for key in given)}): schedules, storage and run configs are out of "
            f"scope in flowctl, which runs a flow once (flow.run() or `flowctl run`). Leave them out, or None.")


def _loading_flows() -> bool:
    """True while flowctl's CLI imports a user module (``flowctl.context.loading_flow``)."""
    return bool(context.get("loading_flow"))


class Flow(FlowBinding, FlowEdits, FlowQueries):
    """A named graph of tasks. ``with Flow("name") as flow:`` builds it functionally."""

    #: Always None: a flow here has no schedule, storage or run config (tests assert ``flow.schedule is None``)
    schedule = storage = run_config = None

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
        *,
        schedule: Any = None,
        storage: Any = None,
        run_config: Any = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise FlowDefinitionError(f"A flow needs a non-empty string name (received {name!r}).")
        _refuse_deployment_options(schedule=schedule, storage=storage, run_config=run_config)
        self.name = name
        self.tasks: set[Task] = set()
        self.edges: set[Edge] = set()
        self.constants: dict[Task, dict[str, Any]] = collections.defaultdict(dict)
        self.slugs: dict[Task, str] = {}
        # as Prefect 1: on_failure is a state handler, the last of the flow's
        self.state_handlers = list(state_handlers or []) + ([call_on_failure] if on_failure is not None else [])
        self.on_failure = on_failure
        self.result = result
        self.executor = executor
        self.terminal_state_handler = terminal_state_handler
        # edges into / out of each task that has some (lists: an edge is recorded once, in ``edges``)
        self._upstream: dict[Task, list[Edge]] = {}
        self._downstream: dict[Task, list[Edge]] | None = None  # made by _downstream_index() when first needed
        self._reference_tasks: set[Task] = set()
        self._slug_counts: dict[str, int] = {}
        self._edge_keys: dict[Task, set[str]] = {}  # keys of the edges into each task: O(1) duplicate checks
        self._slugs_taken: set[str] | None = None  # made by _taken_slugs() when first needed
        self._sorted_cache: list[Task] | None = None
        self._derived_cache: tuple | None = None  # (the sorted order it was derived with, {what: value})
        self._contexts: list[ExitStack] = []
        for task in tasks or ():
            self.add_task(task)
        for edge in edges or ():
            self.add_edge(edge.upstream_task, edge.downstream_task, key=edge.key, mapped=edge.mapped,
                          flattened=edge.flattened, validate=validate)
        self.set_reference_tasks(reference_tasks or ())

    def __repr__(self) -> str:
        return f'<Flow: name="{self.name}">'

    def __eq__(self, other: Any) -> bool:
        """As Prefect 1: flows of one class are equal with the same name, tasks, edges and reference
        tasks (``flow.copy() == flow``). Hashing stays by identity, so flows can still key dicts."""
        if type(self) is not type(other):
            return False
        return (self.name, self.tasks, self.edges, self.reference_tasks()) == (
            other.name, other.tasks, other.edges, other.reference_tasks())

    __hash__ = object.__hash__

    def __iter__(self) -> Iterator[Task]:
        """The tasks in topological order (``sorted_tasks()``)."""
        yield from self.sorted_tasks()

    @property
    def logger(self) -> logging.Logger:
        """The flow's logger, ``flowctl.<flow name>`` (Prefect 1's ``flow.logger``)."""
        from flowctl.utilities.logging import get_logger

        return get_logger(self.name)

    # -- functional API ------------------------------------------------------
    def __enter__(self) -> "Flow":
        active = context.get("flow")
        if active is not None and active is not self:
            raise FlowDefinitionError(
                f"Flows cannot be nested: {self!r} was opened inside {active!r}. Build them one "
                f"after the other, or combine them with flow.update(other)."
            )
        stack = ExitStack()
        stack.enter_context(context(flow=self, _unused_task_tracker=set()))  # (see __exit__)
        build_gc.building_started()  # see build_gc: building allocates no garbage worth full collections
        stack.callback(build_gc.building_ended)
        self._contexts.append(stack)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        """Close the block; as Prefect 1, warn of tasks made in it (``Task(...)``, ``@task``,
        ``copy()``) that never joined the flow: usually a task defined but never called."""
        unused = context.get("_unused_task_tracker")
        self._contexts.pop().close()
        unused = unused.difference(self.tasks) if unused and exc_info[0] is None else None
        if unused:  # a task called or mapped joined as its copies, which share its run binder (copy()
            # gives a copy a binder of its own)
            called = {id(binder) for binder in (t.__dict__.get("_run_binder") for t in self.tasks) if binder}
            unused = {t for t in unused if id(t.__dict__.get("_run_binder") or t) not in called
                      and not isinstance(t, Constant)}
        if unused:
            warnings.warn(
                f"Tasks were created but not added to the flow: {unused}. This can occur when `Task` "
                "classes, including `Parameters`, are instantiated inside a `with flow:` block but not "
                "added to the flow either explicitly or as the input to another task.", stacklevel=2)

    # -- building --------------------------------------------------------------
    def _changed(self) -> None:
        self._sorted_cache = None

    def add_task(self, task: Task) -> Task:
        """Add ``task`` (once) and return it."""
        if not isinstance(task, Task):
            raise TypeError(f"Flows hold Task objects; {task!r} ({type(task).__name__}) is not a Task.")
        if task in self.slugs:
            return task
        slug = task.slug
        if slug:
            taken = self._taken_slugs()
            if slug in taken:
                raise FlowDefinitionError(f'A task with the slug "{slug}" already exists in this flow. (Flow: {self.name!r}.)')
            taken.add(slug)
        elif not task.__dict__.get("tags"):  # the usual case: NAME-N (tags read without making an empty set)
            slug = self._numbered_slug(task.name)
        else:
            slug = self._new_slug(task)
        self.slugs[task] = slug
        self.tasks.add(task)
        self._sorted_cache = None
        if blocks._open[0] and not isinstance(task, _ROOT_ONLY):  # parameters and constants join no block
            for hook_key in ("case", "resource"):
                hook = context.get(hook_key)
                if hook is not None:
                    hook.add_task(task, self)
        return task

    def _numbered_slug(self, prefix: str) -> str:
        """The next free ``PREFIX-N`` slug (N counts up per prefix, skipping slugs already taken)."""
        taken = self._slugs_taken
        count = self._slug_counts.get(prefix, 0) + 1
        slug = f"{prefix}-{count}"
        if taken is not None:  # some slug was chosen by a user: it may be this one
            while slug in taken:
                count += 1
                slug = f"{prefix}-{count}"
            taken.add(slug)
        self._slug_counts[prefix] = count
        return slug

    def _taken_slugs(self) -> set[str]:
        """The slugs in use, kept from the first time a task brings its own slug (see the module doc)."""
        taken = self._slugs_taken
        if taken is None:
            taken = self._slugs_taken = set(self.slugs.values())
        return taken

    def _new_slug(self, task: Task) -> str:
        """``NAME-TAG1-TAG2-N`` (tags sorted), numbered per prefix from 1, as Prefect 1 does."""
        tags = task.tags
        return self._numbered_slug("-".join([task.name, *sorted(tags)]) if tags else task.name)

    def add_edge(self, upstream_task: Task, downstream_task: Task, key: str | None = None,
                 mapped: bool = False, validate: bool | None = None, flattened: bool = False) -> Edge:
        """Make ``upstream_task`` run before ``downstream_task`` (passing its result as ``key``). Either may
        be a value (as in Prefect 1): a plain one with a ``key`` is bound as a constant, as a call binds it."""
        if not (isinstance(upstream_task, Task) and isinstance(downstream_task, Task)):
            edge = Edge(upstream_task, downstream_task, key=key, mapped=mapped, flattened=flattened)
            upstream_task, downstream_task, mapped, flattened = edge[0], edge[1], edge.mapped, edge.flattened
            if isinstance(upstream_task, Constant) and upstream_task.auto_generated and key and not (
                    mapped or flattened):
                self.add_task(downstream_task)
                self._check_key(downstream_task, key, validate)
                self.constants[downstream_task][key] = upstream_task.value
                return edge
        if mapped:
            refuse_mapping_in_mapped_context()
        if isinstance(downstream_task, Parameter):
            raise FlowDefinitionError(
                f"Parameters must be root tasks and can not have upstream dependencies: {downstream_task!r} is a parameter."
            )
        edge = Edge(upstream_task, downstream_task, key=key, mapped=mapped, flattened=flattened)
        order = self.slugs
        if upstream_task not in order:
            self.add_task(upstream_task)
        if downstream_task not in order:
            self.add_task(downstream_task)
        if key is not None:
            self._check_key(downstream_task, key, validate)
        self._link(edge)
        if validate if validate is not None else _eager_validation():
            self.validate()
        return edge

    def _link(self, edge: Edge) -> None:
        """Record ``edge`` (both tasks already in the flow) in the edge set and the indexes."""
        if edge not in self.edges:
            self._link_new(edge)

    def _link_new(self, edge: Edge) -> None:
        """``_link`` for an edge known not to be in the flow yet (a new key of its downstream task)."""
        self.edges.add(edge)
        downstream = edge.downstream_task
        index_edge(self._upstream, downstream, edge)
        if self._downstream is not None:
            index_edge(self._downstream, edge.upstream_task, edge)
        if edge.key is not None:
            keys = self._edge_keys.get(downstream)
            if keys is not None:  # only kept once a duplicate check has asked for them
                keys.add(edge.key)
        self._sorted_cache = None

    def chain(self, *tasks: Task, validate: bool | None = None) -> list[Edge]:
        """Add edges so that each task runs after the one before it."""
        return [self.add_edge(a, b, validate=validate) for a, b in zip(tasks, tasks[1:])]

    # -- running ------------------------------------------------------------------
    def check_parameters(self, parameters: dict[str, Any] | None) -> dict[str, Any]:
        """The run's parameter values (defaults filled in), or a ParameterError naming the problem."""
        from flowctl.core.parameter import resolve_parameters

        return resolve_parameters(self, parameters)

    def run(self, parameters: dict[str, Any] | None = None, executor: Any = None,
            task_states: dict | None = None, return_tasks: Iterable[Task] | None = None,
            context: dict | None = None, run_on_schedule: bool | None = None, **kwargs: Any) -> Any:
        """Run the flow once and return its final state (``state.result`` maps tasks to states)."""
        from flowctl.engine.flow_passes import run_passes
        from flowctl.engine.flow_runner import PROCESS_CACHES, FlowRunner, default_executor, remember_cached
        from flowctl.utilities.context import context as flowctl_context

        if self._contexts:  # (Prefect 1's words)
            raise RuntimeError("Don't call `flow.run()` from within a `Flow` context manager.\n\nDo:\n\n"
                               "  with Flow(...) as flow:\n      ...\n  flow.run(...)\n\nDon't:\n\n"
                               "  with Flow(...) as flow:\n      ...\n      flow.run(...)")
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
        # as Prefect 1's flow.run: the flow's id is its name, the run's name (like its id) a uuid, and
        # it is scheduled now, whatever the context says (a FlowRunner alone keeps a given time)
        context = {**(context or {}), "flow_id": self.name,
                   "scheduled_start_time": datetime.datetime.now(datetime.timezone.utc)}
        for key in ("flow_run_id", "flow_run_name"):
            context.setdefault(key, kwargs.pop(key, None) or str(uuid.uuid4()))
        context.setdefault("caches", flowctl_context.get("caches", PROCESS_CACHES))  # as Prefect 1: kept between runs
        runner_cls = kwargs.pop("runner_cls", None) or FlowRunner  # (a FlowRunner subclass, as in Prefect 1)
        from flowctl.engine.state import Scheduled

        state = kwargs.pop("state", None) or Scheduled(result={})  # as in Prefect 1, a flow run starts Scheduled
        # passes until the flow's state is final, as Prefect 1's flow.run (see flow_passes)
        state = run_passes(self, runner_cls, executor or self.executor or default_executor(), state, task_states,
                           parameters=parameters, return_tasks=self.tasks, context=context, **kwargs)
        if return_tasks is None:  # as Prefect 1's flow.run: every task's state
            return_tasks = self.tasks
        elif isinstance(state.result, dict):
            asked = set(return_tasks)
            state.result = {t: s for t, s in state.result.items() if t in asked}
        if isinstance(state.result, dict):
            remember_cached(context["caches"], state.result)
        return _every_task_state(state, return_tasks)

    def visualize(self, flow_state: Any = None, filename: str | None = None, format: str | None = None) -> str:
        """The flow's Graphviz (DOT) source; writes ``filename`` when given."""
        from flowctl.render.graph import visualize

        return visualize(self, flow_state=flow_state, filename=filename, format=format)
