"""``FlowRunner``: one pass through a flow, from ``Pending`` to a final state.

The runner builds the run's context once (flow name, run id, parameters,
dates, a shared cache), hands the graph to the scheduler loop on the chosen
executor, and decides the flow's state from its reference tasks: ``Success``
when every one of them (mapped children included) succeeded.
"""
from __future__ import annotations

import datetime
import gc
import time
from contextlib import contextmanager
import uuid
from typing import Any, Callable, Iterable, Iterator

from flowctl.engine.events import FlowStateChanged, bus
from flowctl.engine.state import Cancelled, Failed, Pending, Running, State, Success
from flowctl.utilities import debug
from flowctl.utilities.configuration import config
from flowctl.utilities.context import context as flowctl_context
from flowctl.utilities.logging import get_logger


#: Cached states (``cache_for``) live for the process, as in Prefect 1's context,
#: so a second run of a flow reuses what the first cached while it is valid.
PROCESS_CACHES: dict = {}


def default_executor() -> Any:
    """The executor named by ``engine.executor.default_class`` (LocalExecutor by default)."""
    import importlib

    path = str(config.engine.executor.default_class)
    module_name, _, class_name = path.rpartition(".")
    return getattr(importlib.import_module(module_name), class_name)()


@contextmanager
def _graph_frozen_for_gc() -> Iterator[None]:
    """Keep the garbage collector from rescanning the flow's graph on every collection.

    A run allocates many short-lived objects, which triggers collections; the
    flow's tasks, edges and the runner's bookkeeping live through the whole
    run, so they move to the permanent generation until it ends (objects
    created during the run are still collected as usual).
    """
    if gc.get_freeze_count():  # a run inside a run: the outer one manages it
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class FlowRunner:
    """Runs a flow once and returns its final state."""

    def __init__(self, flow: Any, state_handlers: list[Callable] | None = None,
                 task_runner_state_handlers: list[Callable] | None = None) -> None:
        self.flow = flow
        self.state_handlers = list(state_handlers or [])
        self.task_runner_state_handlers = list(task_runner_state_handlers or [])
        self.logger = get_logger("FlowRunner")

    def __repr__(self) -> str:
        return f"<FlowRunner: {self.flow.name}>"

    def _transition(self, old: State, new: State) -> State:
        """Call the flow's state handlers in order for ``old -> new``; publish the change."""
        flow = self.flow
        try:
            for handler in self.state_handlers + flow.state_handlers:
                new = handler(flow, old, new) or new
            if flow.on_failure is not None and new.is_failed():
                flow.on_failure(flow, new)
        except Exception as exc:  # noqa: BLE001 - a failing handler fails the run
            if debug.raising():
                raise
            new = Failed(f"Exception raised while calling state handlers: {exc!r}", result=exc)
        if bus.active:
            bus.emit(FlowStateChanged(flow.name, old, new, time.time()))
        return new

    def build_context(self, parameters: dict, context: dict | None) -> dict:
        now = datetime.datetime.now(datetime.timezone.utc)
        day = datetime.timedelta(days=1)
        run_context = {k: v for k, v in flowctl_context.to_dict().items() if k != "flow"}
        run_context.update(config.get("context") or {})
        run_context.update(
            flow_name=self.flow.name,
            flow_run_id=str(uuid.uuid4()),
            flow_run_name=self.flow.name,
            parameters=dict(parameters),
            date=now,
            scheduled_start_time=now,
            today=now.strftime("%Y-%m-%d"),
            yesterday=(now - day).strftime("%Y-%m-%d"),
            tomorrow=(now + day).strftime("%Y-%m-%d"),
            today_nodash=now.strftime("%Y%m%d"),
            yesterday_nodash=(now - day).strftime("%Y%m%d"),
            tomorrow_nodash=(now + day).strftime("%Y%m%d"),
            caches=run_context.get("caches", PROCESS_CACHES),
            logger=get_logger(self.flow.name),
        )
        run_context.update(context or {})
        run_context.setdefault("checkpointing", config.flows.checkpointing)
        return run_context

    def run(self, state: State | None = None, task_states: dict | None = None,
            return_tasks: Iterable[Any] | None = None, parameters: dict | None = None,
            executor: Any = None, context: dict | None = None,
            task_contexts: dict | None = None) -> State:
        """Run every task once (retrying as configured) and return the flow's final state."""
        from flowctl.engine.scheduler import Scheduler

        flow = self.flow
        state = state if state is not None else Pending()
        if state.is_finished():
            return state
        parameters = {**(flowctl_context.get("parameters") or {}), **(parameters or {})}
        run_context = self.build_context(parameters, context)
        executor = executor or flow.executor or default_executor()
        previous = flowctl_context._swap(run_context)
        try:
            self.logger.info("Beginning Flow run for '%s'", flow.name)
            state = self._transition(state, Running(message="Running flow."))
            flow.validate()
            scheduler = Scheduler(flow, run_context, dict(task_states or {}), dict(task_contexts or {}),
                                  executor, state_handlers=self.task_runner_state_handlers)
            with executor.start(), _graph_frozen_for_gc():
                task_states_out = scheduler.run()
            final = self._final_state(task_states_out)
        except KeyboardInterrupt:
            self._transition(state, Cancelled("Flow run was interrupted."))
            raise
        except Exception as exc:  # noqa: BLE001 - report, don't crash the caller
            if debug.raising():
                raise
            from flowctl.exceptions import FlowctlError

            # our own errors already say what happened; a traceback only for the unexpected
            self.logger.error("Error while running flow %r: %s", flow.name, exc,
                              exc_info=not isinstance(exc, FlowctlError))
            final = Failed(f"Unexpected error while running flow: {exc!r}", result=exc)
            task_states_out = {}
        finally:
            flowctl_context._local.data = previous
        wanted = set(return_tasks) if return_tasks is not None else set(flow.tasks)
        final.result = {t: s for t, s in task_states_out.items() if t in wanted}
        previous = flowctl_context._swap(run_context)
        try:
            if final.is_successful():
                self.logger.info("Flow run SUCCESS: all reference tasks succeeded")
            elif final.is_failed():
                self.logger.info("Flow run FAILED: some reference tasks failed.")
            return self._transition(state, final)
        finally:
            flowctl_context._local.data = previous

    def _final_state(self, task_states: dict) -> State:
        flow = self.flow
        reference = {t: task_states[t] for t in flow.reference_tasks() if t in task_states}
        expanded: list[State] = []
        for task_state in reference.values():
            if task_state.is_mapped():
                expanded.extend(task_state.map_states)
            else:
                expanded.append(task_state)
        if not all(s.is_finished() for s in expanded):
            final: State = Running("Some reference tasks did not finish (paused or waiting).")
        elif any(s.is_failed() for s in expanded):
            final = Failed("Some reference tasks failed.")
        else:
            final = Success("All reference tasks succeeded.")
        if flow.terminal_state_handler is not None:
            final = flow.terminal_state_handler(flow, final, ReferenceStates(reference)) or final
        return final


class ReferenceStates(set):
    """The reference tasks' states handed to a terminal state handler.

    A set of states (Prefect 1's code passes ``Set[State]``) that also answers the
    ``Dict[Task, State]`` reading of its docs: ``items()``, ``keys()``, ``[task]``.
    """

    def __init__(self, by_task: dict) -> None:
        super().__init__(by_task.values())
        self._by_task = dict(by_task)

    def items(self):
        return self._by_task.items()

    def keys(self):
        return self._by_task.keys()

    def values(self):
        return self._by_task.values()

    def __getitem__(self, task):
        return self._by_task[task]
