"""``TaskRunner``: runs one task (or one mapped child) from a state to a final state.

A run is Prefect 1's pipeline, read top to bottom in ``run_pipeline``: each
step is a public method taking and returning a ``State`` (or ending the run
by raising ``ENDRUN``), and a step that changes the state calls the state
handlers through ``change_state``. The steps about values (calling the
task, results, targets, caches, retries, the run's name) live in
``task_steps.py``; timeouts and captured stdout in ``task_execution.py``. ``run_unit``
is the scheduler's entry: ``initialize_run`` and ``run_pipeline`` without the tuple between.

Only ``KeyboardInterrupt`` escapes a task run (it is the user stopping the
run). Anything else raised by the task, its state handlers or its trigger
becomes the task's ``Failed`` (or ``TriggerFailed``) state.
"""
from __future__ import annotations

import time
from typing import Any, Callable, NamedTuple

from flowctl.engine import signals
from flowctl.engine.events import TaskStateChanged, bus
from flowctl.engine.runner import ENDRUN, Runner
from flowctl.engine.state import (
    Cached, Failed, Looped, Paused, Pending, Resume, Retrying, Running, State,
)
from flowctl.core.task_options import call_on_failure
from flowctl.engine.task_checks import TaskChecks
from flowctl.engine.task_execution import describe_exception, is_future  # noqa: F401 - executors import it here
from flowctl.engine.task_inputs import all_plain_successes, plain_inputs, unwrap
from flowctl.engine.task_steps import TaskSteps
from flowctl.engine.task_units import (
    PLAIN_DEFAULTS, PLAIN_FIELDS, RUN_DEFAULTS, RUN_FIELDS, RUNNER_LOG, RunFacts, facts_for, success_of, task_context,
)
from flowctl.triggers import all_successful
from flowctl.utilities import debug
from flowctl.utilities.context import Deferred, context as flowctl_context, thread_local as _CONTEXT_LOCAL
from flowctl.utilities.configuration import config
from flowctl.utilities.logging import get_logger  # (also configures the flowctl logger tree on workers)

__all__ = ["ENDRUN", "TaskRunner", "TaskRunnerInitializeResult", "run_unit"]

_FROM_CONTEXT: Any = object()

class TaskRunnerInitializeResult(NamedTuple):
    state: State
    context: dict


_RUNNER_LOGGERS: dict[type, Any] = {}  # a runner class's logger, looked up once (a flow run makes a runner per task)


def _runner_logger(cls: type) -> Any:
    logger = _RUNNER_LOGGERS[cls] = get_logger(cls.__name__)
    return logger


#: The steps the short pipeline stands in for: a runner class overriding one takes the full pipeline.
_SKIPPED_STEPS = ("run_pipeline", "check_upstream_finished", "check_upstream_skipped", "check_task_trigger",
                  "get_task_inputs", "set_task_to_running", "get_task_run_state", "handle_state_change",
                  "call_runner_target_handlers", "target_handlers", "change_state", "check_task_is_cached",
                  "check_target", "cache_result", "check_for_retry", "set_task_run_name", "check_task_is_ready",
                  "check_task_reached_start_time")


class TaskRunner(TaskSteps, TaskChecks, Runner):
    """Runs a task as Prefect 1 does: triggers, retries, timeouts, handlers, results."""

    def __init__(self, task: Any, state_handlers: list[Callable] | None = None, flow_result: Any = None) -> None:
        # ``Runner.__init__``, inlined: a flow run makes one runner per task
        if state_handlers is not None and not isinstance(state_handlers, (list, tuple)):
            raise TypeError("state_handlers should be iterable.")
        self.state_handlers = list(state_handlers) if state_handlers else []
        logger = _RUNNER_LOGGERS.get(type(self))  # as Prefect 1: flowctl.TaskRunner (the class's name)
        self.logger = logger if logger is not None else _runner_logger(type(self))
        task.name  # noqa: B018 - read at once: a task whose __init__ forgot super().__init__ is reported here
        self.task = task
        self.flow_result = flow_result
        self._made_in = getattr(_CONTEXT_LOCAL, "data", None)  # the context (by reference) for ``context``

    # Per-run attributes start as these class-level defaults (a flow run makes one runner
    # per task, so each store saved in ``__init__`` counts); the instance sets its own.
    slug: str | None = None
    _result: Any = None
    _base: dict | None = None  # the base context the template below was made for
    _merged: dict | None = None  # the context template of a task run more than once over ``_base``
    _plain = False  # set with the context template: see ``_is_plain``
    _fast = False  # set with the context template: see ``run_short``
    #: ``_base`` when ``_fast``: the scheduler calls a later child over it alone (``task_units.call_alone``)
    fast_base: dict | None = None
    _debug_log = False  # set with the context template: DEBUG progress lines wanted
    _run_id = ""  # "<flow run id>:<slug>:", set with the context template

    @property
    def context(self) -> dict:
        """The context this runner was made in, as a dict (Prefect 1's ``TaskRunner.context``)."""
        made_in = self._made_in  # (a Deferred dict is made on reading, as any reader makes it)
        return flowctl_context.to_dict() if made_in is None else dict(Deferred.made(made_in))

    def _is_plain(self) -> bool:
        """Whether a fresh run may take the short pipeline: nothing a skipped step would do
        (default trigger; no handlers, run name, target, cache, retries, overridden step)."""
        task = self.task
        return self._plain_steps and not self.state_handlers and (
            PLAIN_FIELDS(task) == PLAIN_DEFAULTS  # the usual task: one C call, not eight reads
            or (task.trigger is all_successful and task.task_run_name is None and not task.target
                and task.cache_for is None and not task.max_retries and not task.state_handlers
                and task.on_failure is None))

    _plain_steps = True  # this class runs every step the short pipeline skips as TaskRunner does

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._plain_steps = all(getattr(cls, name) is getattr(TaskRunner, name) for name in _SKIPPED_STEPS)

    def __repr__(self) -> str:
        return f"<TaskRunner: {self.task.name}>"

    # -- handlers and events ------------------------------------------------------
    def handler_target(self) -> Any:
        return self.task

    def target_handlers(self) -> list[Callable]:
        """The task's handlers: ``Task(on_failure=)`` made one of them, as Prefect 1 does; one set later
        (``task_args``) is called after them."""
        task = self.task
        if task.on_failure is None or call_on_failure in task.state_handlers:
            return task.state_handlers
        return [*task.state_handlers, call_on_failure]

    def handle_state_change(self, old_state: State, new_state: State) -> State:
        """As ``Runner.handle_state_change``; a task with no handlers (most) only publishes."""
        task = self.task
        if task.state_handlers or self.state_handlers or task.on_failure is not None:
            return Runner.handle_state_change(self, old_state, new_state)
        if bus.active:
            self.publish(old_state, new_state)
        return new_state

    def publish(self, old_state: State, new_state: State) -> None:
        if bus.active:  # twice per mapped child under `flowctl run`: the run's dict read directly
            data = getattr(_CONTEXT_LOCAL, "data", None) or {}
            task = self.task
            bus.emit(TaskStateChanged(data.get("flow_name"), task, task.name, data.get("map_index"),
                                      old_state, new_state, time.time()))

    # -- running ---------------------------------------------------------------
    def run(self, state: State | None = None, upstream_states: dict | None = None,
            context: dict | None = None, is_mapped_parent: bool = False,
            constants: dict | None = None, executor: Any = None) -> State:
        """Run the task once and return its final state.

        A mapped parent (``is_mapped_parent``) ends ``Mapped`` with every child run in turn
        (the flow runner runs the children itself), or in the state that stopped the map.
        """
        upstream_states = upstream_states or {}
        base = {"config": config, **flowctl_context.to_dict(), **(context or {})}  # config: as a flow run's
        if is_mapped_parent:
            from flowctl.engine.mapping import run_mapped_parent

            return run_mapped_parent(self, state, upstream_states, base, constants or {})
        return self.run_unit(state, upstream_states, base, base.get("map_index"), constants or {})

    def run_unit(self, state: State | None, upstream_states: dict | None, base_context: dict,
                 map_index: int | None, constants: dict | None, is_mapped_parent: bool = False,
                 raw: dict | None = None, raised: BaseException | None = None,
                 running: Running | None = None) -> State:
        """Run one unit (a task, or child ``map_index``) with ``base_context`` as context.

        What ``initialize_run`` then ``run_pipeline`` do, with no tuple in between: this is
        the call the scheduler makes for every task and every mapped child. The scheduler
        passes ``raw`` (the plain input values) for a fresh unit whose upstreams are all plain
        successes, and ``state`` None (a fresh ``Pending``): when this runner is plain
        (``_is_plain``) the short pipeline runs with no upstream states to read. ``raised``:
        what the call already raised when the scheduler made it (``task_units.call_alone``);
        ``running``: the Running state subscribers were already told of (``task_units.call_told``).
        """
        if raw is not None:
            run_context = self.unit_context(base_context, map_index)
            if not self._plain and raised is None:  # not plain after all: the full pipeline, from Pending
                raw, state = None, state or Pending()
        else:
            if type(state) is not Pending:
                state = unwrap(state)
            run_context = self._build_context(state, base_context, map_index)
        local = _CONTEXT_LOCAL  # flowctl_context.swap, inlined: this runs once per task and per child
        try:
            previous = local.data
        except AttributeError:
            previous = {}
        local.data = run_context
        try:
            debug_log = self._debug_log
            if debug_log:
                RUNNER_LOG.debug("Task '%s': Starting task run...", run_context["task_full_name"])
            if raw is not None:
                state = self.run_short(state, raw, raised, running)
            else:
                state = self.run_pipeline(state, upstream_states, constants, is_mapped_parent)
            if isinstance(state, Looped):
                state = self.run_loop(state, upstream_states, constants, run_context, raw)
            elif not isinstance(state, State):  # a state handler returned something else
                state = self.not_a_state(state, run_context["task_full_name"])
            if debug_log:
                RUNNER_LOG.debug("Task '%s': Finished task run for task with final state: '%s'",
                                  run_context["task_full_name"], type(state).__name__)
            return state
        finally:
            local.data = previous

    def end_unit(self, state: State | None, base_context: dict, map_index: int | None, new_state: State) -> State:
        """Move a unit straight to ``new_state`` without running it (an executor could not ship it).

        Handlers and subscribers see the change, in the unit's context; a failure is logged.
        """
        state = unwrap(state)
        run_context = self._build_context(state, base_context, map_index)
        previous = flowctl_context.swap(run_context)
        try:
            if new_state.is_failed():
                self.logger.error("%s", new_state.message)
            return self.change_state(state, new_state)
        except (ENDRUN, signals.PAUSE) as end:
            return end.state
        finally:
            flowctl_context.swap(previous)

    def initialize_run(self, state: State | None, context: dict,
                       map_index: Any = _FROM_CONTEXT) -> TaskRunnerInitializeResult:
        """The run's starting state (meta states unwrapped) and its context: as Prefect 1's, ``context``
        itself, updated with the run's keys (``task_run_count``, ``resume``, the task's name and tags...)."""
        state = unwrap(state)
        if map_index is _FROM_CONTEXT:
            map_index = context.get("map_index")
        context.update(self._build_context(state, context, map_index))
        return TaskRunnerInitializeResult(state, context)

    def _build_context(self, state: State, base: dict, map_index: int | None) -> dict:
        run_context = self.unit_context(base, map_index)
        if type(state) is not Pending:
            self._restart_context(state, run_context)
        return run_context

    def unit_context(self, base: dict, map_index: int | None) -> dict:
        """The context of a fresh run of child ``map_index`` (or of the task) over ``base``."""
        if self._base is not base:  # this runner's first unit over ``base``: a chain's only one
            run_context = self._start(base)
        else:  # the task's fixed keys, merged once per flow run: one copy per child
            merged = self._merged
            if merged is None:
                merged = self._merged = self._task_context(facts_for(base))
            run_context = dict(merged)  # each run gets its own: tasks and loops may write to it
        if map_index is None:
            run_context["map_index"] = None
            run_context["task_full_name"] = self.task.name
            run_context["task_run_id"] = self._run_id
        else:
            run_context["map_index"] = map_index
            run_context["task_full_name"] = f"{self.task.name}[{map_index}]"
            run_context["task_run_id"] = f"{self._run_id}{map_index}"
        return run_context

    def _start(self, base: dict) -> dict:
        """Before this runner's first unit over ``base``: its modes (``_plain``, ``_fast``,
        ``_debug_log``) and run id, and that unit's context with the task's fixed keys."""
        facts = facts_for(base)  # once per flow run, not per task and child
        task = self.task
        self._base, self._merged, self._debug_log = base, None, facts.debug_log
        self._plain = plain = self._is_plain()
        # a plain run that also has no timeout, captured stdout, result to write or DEBUG lines
        # is the call alone when no subscriber listens (see ``run_short``)
        self._fast = fast = (plain and facts.call_alone and self.flow_result is None
                             and RUN_FIELDS(task) == RUN_DEFAULTS)
        self.fast_base = base if fast else None
        run_context = self._task_context(facts)
        self._run_id = f"{facts.run_id_prefix}{run_context['task_slug']}:"
        return run_context

    def _task_context(self, facts: RunFacts) -> dict:
        """The base context with this runner's task's fixed keys (``task_units.task_context``)."""
        task = self.task
        return task_context(facts, task, self.slug or task.slug or task.name, task.logger)  # (the task's, not ours)

    @staticmethod
    def _restart_context(state: State, run_context: dict) -> None:
        """Run count, resume flag and loop position carried by a state that is not a fresh Pending."""
        if isinstance(state, Retrying):
            run_context["task_run_count"] = (state.run_count or 0) + 1
        else:
            run_context["task_run_count"] = state.context.get("task_run_count", 1) if state._context else 1
        if isinstance(state, Resume) or (isinstance(state, Paused) and state.start_time is not None
                                         and not is_future(state.start_time)):
            run_context["resume"] = True  # as in Prefect 1: a resumed task passes `manual_only`
        if state._context and "_loop_count" in state.context:
            run_context["task_loop_count"] = state.context.pop("_loop_count")
            run_context["task_loop_result"] = state.result

    def run_loop(self, state: Looped, upstream_states: dict | None, constants: dict | None, run_context: dict,
                 raw: dict | None = None) -> State:
        """A ``Looped`` run goes through the pipeline again from ``Pending`` until it ends otherwise
        (the short pipeline again, with the same ``raw`` inputs, when it took that one)."""
        while isinstance(state, Looped):
            state = self.check_task_is_looping(state, upstream_states=upstream_states, context=run_context)
            if raw is None:
                state = self.run_pipeline(state, upstream_states or {}, constants or {})
            else:
                state = self.run_short(state, raw)
        return state

    def run_pipeline(self, state: State, upstream_states: dict, constants: dict,
                     is_mapped_parent: bool = False) -> State:
        """Prefect 1's steps in order, each able to end the run early (``ENDRUN``)."""
        task = self.task
        raw = (plain_inputs(upstream_states, constants) if self._plain and type(state) is Pending
               and not is_mapped_parent and not state._cached_inputs else None)
        if raw is not None:  # every check would pass and there is no handler to call
            return self.run_short(state, raw)
        try:
            if type(state) is not Pending or not self._plain_steps:  # a fresh Pending passes both (ours)
                state = self.check_task_is_ready(state)
                state = self.check_task_reached_start_time(state)
            plain = task.trigger is all_successful and self._plain_steps and (  # (others run with no upstreams)
                not upstream_states or all_plain_successes(upstream_states))
            if not plain:
                checked = self.with_constants(upstream_states, constants)  # constants: successful upstreams
                state = self.check_upstream_finished(state, checked)
                state = self.check_upstream_skipped(state, checked)
            if is_mapped_parent:  # ends the run: its inputs are the children's business
                state = self.check_task_ready_to_map(state, upstream_states)
            inputs = self.get_task_inputs(state, upstream_states, constants)
            if task.task_run_name is not None and (failed := self.name_run(inputs)) is not None:
                return failed
            if task.target:
                state = self.check_target(state, inputs)
            elif task.cache_for is not None or isinstance(state, Cached):
                state = self.check_task_is_cached(state, inputs)
            state = state if plain else self.check_task_trigger(state, checked)
            state = self.set_task_to_running(state, inputs)
            state = self.get_task_run_state(state, inputs)
            if task.cache_for is not None:
                state = self.cache_result(state, inputs)
            if task.max_retries and state.is_failed():
                state = self.check_for_retry(state, inputs)
        except BaseException as exc:  # noqa: BLE001 - an error in a step still ends the task
            state = self.ending(state, exc)
        return state

    def run_short(self, state: State | None, raw: dict, raised: BaseException | None = None,
                  running: Running | None = None) -> State:
        """The short pipeline of a plain runner's fresh unit, whose inputs are the plain values
        ``raw``: Running, then the task. Every check would pass and no handler is there to
        call, so only subscribers hear of the start (from ``state``, a fresh Pending).
        ``raised``: what the call already raised (the call was made, it is not made again);
        ``running``: the Running state subscribers were already told of, if they were."""
        if raised is None and self._fast and not bus.active:  # nobody to see Running, nothing to write
            try:
                return success_of(self.task.run(**raw))
            except BaseException as exc:  # noqa: BLE001 - ends as it would in _run_task
                raised = exc
        told = running is not None
        if not told:
            running = Running("Starting task run.")
        try:
            if bus.active and not told:
                self.publish(state or Pending(), running)
            return self._run_task(running, raw, raised)
        except BaseException as exc:  # noqa: BLE001 - as in run_pipeline
            return self.ending(running, exc)

    def ending(self, state: State, exc: BaseException) -> State:
        """The state a run ends in when a step raised ``exc`` while in ``state``: ``ENDRUN``'s or
        ``PAUSE``'s own state, else ``Failed`` through the handlers. Only Ctrl-C goes on up."""
        if isinstance(exc, ENDRUN):
            return exc.state
        if isinstance(exc, signals.PAUSE):  # raised by a state handler
            return exc.state
        if isinstance(exc, KeyboardInterrupt) or debug.raising():
            raise self.logged_before_raising(exc)
        return self.fail_step(state, exc)

    def is_plain(self) -> bool:
        """Whether fresh units may take the short pipeline (see ``_is_plain``)."""
        return self._is_plain()

    def fail_step(self, state: State, exc: BaseException) -> State:
        """A step raised: the run ends ``Failed`` (through the handlers), as Prefect 1's steps do."""
        message = f"Unexpected error: {describe_exception(exc)}"
        self.logger.error("Task %r: %s", flowctl_context.get("task_full_name", self.task.name), message,
                          exc_info=True)
        try:
            return self.change_state(state, Failed(message, result=exc))
        except ENDRUN as end:
            return end.state
        except signals.PAUSE as pause:
            return pause.state


def run_unit(runner: TaskRunner, state: State, upstream_states: dict, context: dict,
             map_index: int | None, constants: dict) -> State:
    """Module-level entry point that executors submit (picklable by reference)."""
    return runner.run_unit(state, upstream_states, context, map_index, constants)
