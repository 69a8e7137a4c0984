"""``FlowRunner``: one pass through a flow, as Prefect 1's pipeline of steps.

``run`` reads top to bottom: ``initialize_run`` (context: flow name, run id,
parameters, dates, the process-wide cache), ``check_flow_is_pending_or_running``,
``check_flow_reached_start_time``, ``set_flow_to_running``, then
``get_flow_run_state``, which hands the graph to the scheduler loop on the
chosen executor and asks ``determine_final_state``: ``Failed`` when a
reference task (mapped children included) failed, ``Success`` when all
succeeded, still ``Running`` while a terminal task has not finished.
"""
from __future__ import annotations

import datetime
import functools
import gc
import operator
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from flowctl.core.build_gc import deferred_full_collections
from flowctl.engine.events import FlowStateChanged, bus
from flowctl.engine.runner import ENDRUN, Runner
from flowctl.engine.state import Cached, Cancelled, Failed, Pending, Running, Scheduled, State, Success
from flowctl.engine.task_execution import describe_exception, is_future
from flowctl.utilities import debug
from flowctl.utilities.configuration import config
from flowctl.utilities.context import context as flowctl_context
from flowctl.utilities.logging import get_logger

__all__ = ["ENDRUN", "FlowRunner", "FlowRunnerInitializeResult", "ReferenceStates", "default_executor"]

#: Cached states (``cache_for``) live for the process, as in Prefect 1's context,
#: so a second run of a flow reuses what the first cached while it is valid.
PROCESS_CACHES: dict = {}


def remember_cached(caches: dict, task_states: dict) -> None:
    """After a ``flow.run``, as Prefect 1's: each task's ``Cached`` states (a mapped task's cached
    children) join its entries under ``cache_key or name``, and expired entries leave. Only then: a
    run never reads what it cached itself (two same-named tasks of one run each compute)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    for task, state in task_states.items():
        cached = isinstance(state, Cached)  # (state.is_cached(), without a Python call per task)
        if task.cache_for is None and not cached:  # most tasks: nothing to add, no entries to keep
            continue
        if cached:
            new = [state]
        elif state.is_mapped():
            new = [child for child in state.map_states if child.is_cached()]
        else:
            new = []
        key = task.cache_key or task.name
        caches[key] = [s for s in caches.get(key, []) + new
                       if s.cached_result_expiration and s.cached_result_expiration > now]


class FlowRunnerInitializeResult(NamedTuple):
    state: State
    task_states: dict
    context: dict
    task_contexts: dict


def default_executor() -> Any:
    """The executor named by ``engine.executor.default_class`` (LocalExecutor by default)."""
    import importlib

    path = str(config.engine.executor.default_class)
    module_name, _, class_name = path.rpartition(".")
    return getattr(importlib.import_module(module_name), class_name)()


@contextmanager
def frozen_heap(enabled: bool) -> Iterator[None]:
    """With ``enabled``, move every object alive now out of the garbage collector's scans.

    ``gc.freeze()`` freezes the whole process heap, not only the flow: right
    for a process that exists to run one flow (the ``flowctl run`` command
    asks for it), wrong for a library call inside someone's application, so
    ``FlowRunner.run`` only does it when told (``freeze_gc=True``).
    """
    if not enabled or gc.get_freeze_count():  # a run inside a run: the outer one manages it
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class FlowRunner(Runner):
    """Makes one pass through a flow and returns its state (``Running`` while a task waits to retry).

    As Prefect 1's: a task left ``Retrying`` keeps that state, and the caller runs again with
    ``task_states=state.result`` once it is due; ``flow.run()`` does so (``flow_passes``).
    """

    #: False on flow.run's later passes: event watchers already saw the states given to them.
    announces_given = True
    #: flow.run's ``ExecutorSession``: keeps the executor started from one pass to the next.
    executor_session: Any = None

    def __init__(self, flow: Any, task_runner_cls: type | None = None,
                 state_handlers: Iterable[Callable] | None = None) -> None:
        super().__init__(state_handlers=state_handlers)
        from flowctl.engine.task_runner import TaskRunner

        self.flow = flow
        self.task_runner_cls = task_runner_cls or TaskRunner
        self.logger = get_logger("FlowRunner")

    def __repr__(self) -> str:
        return f"<FlowRunner: {self.flow.name}>"

    # -- handlers and events --------------------------------------------------------
    def handler_target(self) -> Any:
        return self.flow

    def target_handlers(self) -> list[Callable]:
        return self.flow.state_handlers  # (on_failure among them, made a handler by Flow)

    def publish(self, old_state: State, new_state: State) -> None:
        if bus.active:
            import time

            bus.emit(FlowStateChanged(self.flow.name, old_state, new_state, time.time()))

    # -- the run ---------------------------------------------------------------------
    def run(self, state: State | None = None, task_states: dict | None = None,
            return_tasks: Iterable[Any] | None = None, parameters: dict | None = None,
            task_runner_state_handlers: Iterable[Callable] | None = None, executor: Any = None,
            context: dict | None = None, task_contexts: dict | None = None, freeze_gc: bool = False) -> State:
        """Run every task once (retrying as configured) and return the flow's final state.

        ``freeze_gc`` freezes the process heap for the run (see ``frozen_heap``): for
        processes that run one flow and exit, such as ``flowctl run``.
        """
        flow = self.flow
        parameters = {**(flowctl_context.get("parameters") or {}), **(parameters or {})}
        executor = executor or flow.executor or default_executor()
        run_context: dict = {}
        try:
            state, task_states, run_context, task_contexts = self.initialize_run(
                state, dict(task_states or {}), dict(context or {}), dict(task_contexts or {}), parameters)
            previous = flowctl_context.swap(run_context)
            try:
                self.logger.info("Beginning Flow run for '%s'", flow.name)
                state = self.check_flow_is_pending_or_running(state)
                state = self.check_flow_reached_start_time(state)
                state = self.set_flow_to_running(state)
                with frozen_heap(freeze_gc), deferred_full_collections():  # (see build_gc)
                    state = self.get_flow_run_state(state, task_states, task_contexts, return_tasks,
                                                    list(task_runner_state_handlers or []), executor)
            finally:
                flowctl_context.swap(previous)
        except ENDRUN as end:
            state = end.state
        except KeyboardInterrupt:
            try:  # subscribers see the run end; nothing a handler does stops the interrupt
                self.handle_state_change(state or Pending(), Cancelled("Flow run was interrupted."))
            except (ENDRUN, Exception):  # noqa: BLE001
                pass
            raise
        except Exception as exc:  # noqa: BLE001 - report, don't crash the caller
            state = self._unexpected(state or Pending(), exc, "Unexpected error while running flow")
        return state

    def _unexpected(self, state: State, exc: BaseException, what: str) -> State:
        """An error outside the tasks fails the run with a message saying what happened."""
        if debug.raising():  # (raise_on_exception) logged first, as in Prefect 1, then raised to the caller
            self.logger.error("%s: %s", what, describe_exception(exc), exc_info=exc)
            raise exc
        from flowctl.exceptions import FlowctlError

        # our own errors already say what happened; a traceback only for the unexpected
        self.logger.error("%s: %s", what, describe_exception(exc), exc_info=not isinstance(exc, FlowctlError))
        try:
            return self.change_state(state, Failed(f"{what}: {describe_exception(exc)}", result=exc))
        except ENDRUN as end:
            return end.state

    def initialize_run(self, state: State | None, task_states: dict, context: dict, task_contexts: dict,
                       parameters: dict) -> FlowRunnerInitializeResult:  # type: ignore[override]
        """The run's context (flow name, run id, parameters with defaults, dates) and starting state."""
        flow = self.flow
        run_context = dict(config.get("context") or {})  # the settings' context, under the caller's
        run_context.update((k, v) for k, v in flowctl_context.to_dict().items() if k != "flow")
        given = {**run_context, **context}.get("date")
        date = self._run_date(given)
        now = datetime.datetime.now(datetime.timezone.utc)
        # the dates derive from a `date` set in the context (a backfill), and like it yield to any set there
        dates = {key: value for key, value in _dates(date or now).items() if key not in run_context}
        run_context.update(flow_name=flow.name, flow_run_id=str(uuid.uuid4()), flow_run_name=flow.name,
                           scheduled_start_time=now, caches=run_context.get("caches", {}),  # (flow.run passes the process's)
                           logger=get_logger(flow.name), config=config, **dates)
        run_context.update(context)
        run_context["flow_name"] = flow.name  # the flow's own, whatever the caller's context says (Prefect 1)
        if date is not None and isinstance(given, str):  # parsed: the same type whatever the source
            run_context["date"] = date
        defaults = {p.name: p.default for p in flow.parameters() if not p.required}
        run_context["parameters"] = {**defaults, **(context.get("parameters") or {}), **parameters}
        run_context.setdefault("checkpointing", config.flows.checkpointing)
        state, run_context = super().initialize_run(state, run_context)
        return FlowRunnerInitializeResult(state, task_states, run_context, task_contexts)

    def _run_date(self, date: Any) -> datetime.datetime | None:
        """The ``date`` set in the context, as a datetime (an ISO string is read); None when there is
        none, or (with a warning, as Prefect 1 gives) when it cannot be read: the dates are then now's."""
        if isinstance(date, str):
            try:
                date = datetime.datetime.fromisoformat(date)
            except ValueError:
                pass
        if date is None or isinstance(date, datetime.datetime):
            return date
        self.logger.warning(
            "`date` was set in the context manually but could not be parsed into a `datetime`. "
            "Additional context variables that rely on the current date i.e `today` and `tomorrow` "
            "will be based on the current time instead of the `date` context variable.")
        return None

    # -- the steps -------------------------------------------------------------------
    @contextmanager
    def check_for_cancellation(self) -> Iterator[None]:
        """Prefect 1's hook for a backend that cancels runs; a local run has none to watch."""
        yield

    def check_flow_is_pending_or_running(self, state: State) -> State:
        """A finished flow run, or one neither pending nor running, ends here as it is."""
        if state.is_finished():
            self.logger.info("Flow run has already finished.")
            raise ENDRUN(state)
        if not (state.is_pending() or state.is_running()):
            self.logger.info("Flow is not ready to run.")
            raise ENDRUN(state)
        return state

    def check_flow_reached_start_time(self, state: State) -> State:
        """A scheduled flow run whose ``start_time`` is still to come ends here."""
        if isinstance(state, Scheduled) and state.start_time and is_future(state.start_time):
            raise ENDRUN(state)
        return state

    def set_flow_to_running(self, state: State) -> State:
        """Pending -> Running (handlers called); a handler failing here fails the run before any task."""
        if state.is_pending():
            return self.change_state(state, Running(message="Running flow."))
        if state.is_running():
            return state
        raise ENDRUN(state)

    def get_flow_run_state(self, state: State, task_states: dict, task_contexts: dict,
                           return_tasks: Iterable[Any] | None, task_runner_state_handlers: Iterable[Callable],
                           executor: Any) -> State:
        """Run the tasks on ``executor`` and decide the flow's state from theirs."""
        from flowctl.engine.scheduler import Scheduler

        if not state.is_running():
            self.logger.info("Flow is not in a Running state.")
            raise ENDRUN(state)
        flow = self.flow
        if return_tasks is not None and return_tasks is not flow.tasks:  # (flow.run asks for flow.tasks)
            return_tasks = list(dict.fromkeys(return_tasks))  # in the order given: the states come in it
            if not flow.tasks.issuperset(return_tasks):
                raise ValueError("Some tasks in return_tasks were not found in the flow.")
        try:
            flow.validate()
            scheduler = Scheduler(flow, flowctl_context.to_dict(), task_states, task_contexts, executor,
                                  state_handlers=list(task_runner_state_handlers), task_runner_cls=self.task_runner_cls,
                                  announces_given=self.announces_given)
            with executor.start() if self.executor_session is None else self.executor_session.using(executor):
                final_states = scheduler.run()
            new_state = self.determine_final_state(state, *self._outcome(final_states, return_tasks))
            if scheduler.first_failure is not None:  # fail-fast (`flowctl run -x`) stopped the run early
                failed_task, index, _failed = scheduler.first_failure
                where = "" if index is None else f"[{index}]"
                new_state = Failed(message=f"Stopped after the first failure (fail-fast): {failed_task.name}{where} "
                                           f"failed.", result=new_state.result)
        except (ENDRUN, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - as Prefect 1's steps: the run fails, handlers see it
            return self._unexpected(state, exc, "Unexpected error")
        return self.change_state(state, new_state)

    def _outcome(self, final_states: dict, return_tasks: Any) -> tuple:
        """(reference states, returned states, terminal states), mapped parents counted as their children."""
        flow = self.flow
        reference = {t: final_states[t] for t in flow.reference_tasks() if t in final_states}
        terminal = [final_states[t] for t in flow.terminal_tasks() if t in final_states]
        if return_tasks is None:  # as Prefect 1: a runner returns only the states asked for (flow.run asks for all)
            returned = {}
        elif return_tasks is flow.tasks:  # all of them (flow.run): no filtering, in the order they ran
            returned = dict(final_states)
        else:  # as Prefect 1, in the order asked for
            returned = {t: final_states[t] for t in return_tasks if t in final_states}
        return ReferenceStates(reference), returned, set(_expanded(terminal))

    def determine_final_state(self, state: State, key_states: Any, return_states: dict,
                              terminal_states: set) -> State:
        """``Running`` while a terminal task is unfinished; else ``Failed`` or ``Success`` from the key states."""
        if not all(s.is_finished() for s in _one_per_class(terminal_states)):
            self.logger.info("Flow run RUNNING: terminal tasks are incomplete.")
            state.result = return_states
        elif any(s.is_failed() for s in _one_per_class(key_states)):
            self.logger.info("Flow run FAILED: some reference tasks failed.")
            state = Failed(message="Some reference tasks failed.", result=return_states)
        elif all(s.is_successful() for s in _one_per_class(key_states)):
            self.logger.info("Flow run SUCCESS: all reference tasks succeeded")
            state = Success(message="All reference tasks succeeded.", result=return_states)
        else:
            self.logger.info("Flow run SUCCESS: no reference tasks failed")
            state = Success(message="No reference tasks failed.", result=return_states)
        handler = getattr(self.flow, "terminal_state_handler", None)
        if handler is not None:
            new_state = handler(self.flow, state, key_states)
            if new_state is not None:
                if new_state.result is None:  # e.g. Success("forgiven"): it still tells the task states
                    new_state.result = return_states  # (Prefect 1.4.1's flow.run crashes on it)
                return new_state
        return state


def _dates(now: datetime.datetime) -> dict:
    day = datetime.timedelta(days=1)
    return {"date": now, "today": now.strftime("%Y-%m-%d"), "yesterday": (now - day).strftime("%Y-%m-%d"),
            "tomorrow": (now + day).strftime("%Y-%m-%d"), "today_nodash": now.strftime("%Y%m%d"),
            "yesterday_nodash": (now - day).strftime("%Y%m%d"), "tomorrow_nodash": (now + day).strftime("%Y%m%d")}


_IS_A_STATE = functools.partial(operator.is_not, None)  # a child that ran (None: never ran), told in C


def _one_per_class(states: Iterable[State]) -> Iterable[State]:
    """One state of each class among ``states``: the ``is_*`` queries answer by class (a map's
    100,000 children ask once, not 100,000 times), unless a class overrides them."""
    states = list(states)
    by_class = dict(zip(map(type, states), states))  # (C loops)
    if all(_asks_by_class(kind) for kind in by_class):
        return by_class.values()
    return states


def _asks_by_class(kind: type) -> bool:
    return (kind.is_finished is State.is_finished and kind.is_failed is State.is_failed
            and kind.is_successful is State.is_successful)


def _expanded(states: Iterable[State]) -> list:
    """States with every mapped parent replaced by its children."""
    flat: list = []
    for task_state in states:
        if task_state.is_mapped():
            flat.extend(filter(_IS_A_STATE, task_state.map_states))  # type: ignore[attr-defined]
        else:
            flat.append(task_state)
    return flat


class ReferenceStates(set):
    """The reference tasks' states handed to a terminal state handler.

    A set of states, mapped parents counted as their children (Prefect 1's
    ``key_states``), that also answers the ``Dict[Task, State]`` reading of its
    docs: ``items()``, ``keys()``, ``values()``, ``[task]``.
    """

    def __init__(self, by_task: dict) -> None:
        super().__init__(_expanded(by_task.values()))
        self._by_task = dict(by_task)

    def items(self):  # noqa: ANN201 - mirrors dict
        return self._by_task.items()

    def keys(self):  # noqa: ANN201
        return self._by_task.keys()

    def values(self):  # noqa: ANN201
        return self._by_task.values()

    def __getitem__(self, task: Any) -> State:
        return self._by_task[task]
