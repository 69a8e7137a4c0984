"""``TaskRunner``: runs one task (or one mapped child) from a state to a final state.

A run is a straight pipeline, each step taking and returning a ``State`` or
ending early by raising ``ENDRUN``: check upstream -> check skip -> check
trigger -> check readiness -> resolve inputs -> check target and cache ->
run with timeout (handling signals) -> checkpoint -> cache -> retry check.
Every transition goes through ``_transition``, which calls the state handlers
in order and publishes the event when someone subscribes.

Only ``KeyboardInterrupt`` escapes a task run (it is the user stopping the
run). Anything else raised by the task, its state handlers or its trigger,
``SystemExit`` and other ``BaseException`` subclasses included, becomes the
task's ``Failed`` (or ``TriggerFailed``) state: user code cannot crash the runner.
"""
from __future__ import annotations

import datetime
import logging
import sys
import time
from typing import Any, Callable

from flowctl.engine import signals
from flowctl.engine.events import TaskStateChanged, bus
from flowctl.engine.state import (
    Cached, Failed, Finished, Looped, Mapped, Paused, Pending, Resume, Retrying, Running, Skipped, State, Success,
    TimedOut, TriggerFailed,
)
from flowctl.engine.results_support import template_kwargs
from flowctl.engine.task_execution import (  # noqa: F401 - describe_exception is used by executors
    call_with_timeout, describe_exception, flatten_once, is_future as _is_future, utc_now as _now,
)
from flowctl.triggers import all_successful
from flowctl.exceptions import TaskTimeoutSignal
from flowctl.utilities import debug
from flowctl.utilities.configuration import config
from flowctl.utilities.context import context as flowctl_context
from flowctl.utilities.logging import get_logger  # configures the flowctl logger tree on workers too

#: Prefect 1's per-task progress lines, at DEBUG so a run of many tasks pays nothing for them.
_RUNNER_LOG = get_logger("TaskRunner")

_SKIP_MESSAGE = (
    "Upstream task was skipped; if this was not the intended behavior, "
    "consider changing `skip_on_upstream_skip=False` for this task."
)


def _all_plain_successes(upstream_states: dict) -> bool:
    """True when every upstream is a plain success: nothing to skip, the default trigger passes."""
    for upstream_state in upstream_states.values():
        kind = type(upstream_state)
        if kind is not Success and kind is not Cached:
            return False
    return True


class TaskRunner:
    """Runs a task as flowctl sees it: triggers, retries, timeouts, handlers, results."""

    def __init__(self, task: Any, state_handlers: list[Callable] | None = None, flow_result: Any = None) -> None:
        self.task = task
        self.state_handlers = list(state_handlers or [])
        self.flow_result = flow_result
        self.logger = task.logger
        self.slug: str | None = None
        self._base: dict | None = None
        self._merged: dict = {}

    def __repr__(self) -> str:
        return f"<TaskRunner: {self.task.name}>"

    # -- public ---------------------------------------------------------------
    def run(self, state: State | None = None, upstream_states: dict | None = None,
            context: dict | None = None, is_mapped_parent: bool = False,
            constants: dict | None = None, executor: Any = None) -> State:
        """Run the task once and return its final state (``Mapped`` for a mapped parent)."""
        state = state if state is not None else Pending()
        upstream_states = upstream_states or {}
        if is_mapped_parent:
            from flowctl.engine.mapping import run_mapped_parent

            return run_mapped_parent(self, state, upstream_states, context or {}, constants or {})
        base = {**flowctl_context.to_dict(), **(context or {})}
        return self.run_unit(state, upstream_states, base, base.get("map_index"), constants or {})

    def run_unit(self, state: State, upstream_states: dict, base_context: dict,
                 map_index: int | None, constants: dict) -> State:
        """Run one unit (a task, or child ``map_index``) with ``base_context`` as context."""
        run_context = self._build_context(state, base_context, map_index)
        previous = flowctl_context._swap(run_context)
        try:
            if not _RUNNER_LOG.isEnabledFor(logging.DEBUG):
                return self._pipeline(state, upstream_states, constants, run_context)
            _RUNNER_LOG.debug("Task '%s': Starting task run...", run_context["task_full_name"])
            state = self._pipeline(state, upstream_states, constants, run_context)
            _RUNNER_LOG.debug("Task '%s': Finished task run for task with final state: '%s'",
                              run_context["task_full_name"], type(state).__name__)
            return state
        finally:
            flowctl_context._local.data = previous

    # -- context ----------------------------------------------------------------
    def _build_context(self, state: State, base: dict, map_index: int | None) -> dict:
        task = self.task
        if self._base is not base:  # the task's fixed keys, merged once per flow run
            slug = self.slug or task.slug or task.name
            self._merged = {**base, "task_name": task.name, "task_slug": slug, "task_id": slug,
                            "task_tags": task.tags, "logger": self.logger}
            self._merged.setdefault("checkpointing", config.flows.checkpointing)
            self._base = base
        run_context = dict(self._merged)  # each run gets its own: tasks and loops may write to it
        run_context["map_index"] = map_index
        run_context["task_run_count"] = (state.run_count or 0) + 1 if isinstance(state, Retrying) else 1
        if isinstance(state, Resume):  # as in Prefect 1: a resumed task passes `manual_only`
            run_context = {**run_context, "resume": True}
        slug = run_context["task_slug"]
        if map_index is None:
            run_context["task_full_name"] = task.name
            run_context["task_run_id"] = f"{base.get('flow_run_id', 'local')}:{slug}:"
        else:
            run_context["task_full_name"] = f"{task.name}[{map_index}]"
            run_context["task_run_id"] = f"{base.get('flow_run_id', 'local')}:{slug}:{map_index}"
        return run_context

    def _task_run_name(self, run_context: dict) -> str:
        name = self.task.task_run_name
        try:
            if callable(name):
                return str(name(**run_context))
            return str(name).format(**run_context)
        except Exception:  # noqa: BLE001 - a template naming a missing key keeps the default name
            return run_context["task_full_name"]

    # -- transitions --------------------------------------------------------------
    def _transition(self, old: State, new: State) -> State:
        """Call state handlers in order for ``old -> new``; publish the change."""
        if new is old:
            return new
        task = self.task
        handlers = self.state_handlers + task.state_handlers if self.state_handlers else task.state_handlers
        if handlers or task.on_failure is not None:
            try:
                for handler in handlers:
                    new = handler(task, old, new) or new
                if task.on_failure is not None and new.is_failed():
                    task.on_failure(task, new)
            except (signals.ENDRUN, KeyboardInterrupt):
                raise
            except BaseException as exc:  # noqa: BLE001 - a failing handler (even sys.exit) fails the task
                if debug.raising():
                    raise
                failed = Failed(f"Exception raised while calling state handlers: {describe_exception(exc)}", result=exc)
                self.logger.error("Task %r: %s", task.name, failed.message, exc_info=True)
                self._publish(old, failed)
                raise signals.ENDRUN(failed) from None
        if bus.active:
            self._publish(old, new)
        return new

    def _publish(self, old: State, new: State) -> None:
        if bus.active:
            ctx = flowctl_context._data
            bus.emit(TaskStateChanged(ctx.get("flow_name"), self.task, self.task.name, ctx.get("map_index"),
                                      old, new, time.time()))

    # -- the pipeline -----------------------------------------------------------------
    def _pipeline(self, state: State, upstream_states: dict, constants: dict, run_context: dict) -> State:
        task = self.task
        try:
            if upstream_states and not (task.trigger is all_successful and _all_plain_successes(upstream_states)):
                self._check_upstream_finished(state, upstream_states)
                state = self._check_upstream_skipped(state, upstream_states)
                state = self._check_trigger(state, upstream_states)
            if type(state) is not Pending:
                self._check_ready(state)
            inputs = self._resolve_inputs(state, upstream_states, constants)
            if task.task_run_name is not None:  # formatted with context and inputs, as in Prefect 1
                run_context["task_full_name"] = self._task_run_name(template_kwargs(run_context, inputs))
            if task.target is not None:
                state = self._check_target(state, inputs, run_context)
            if task.cache_for is not None or isinstance(state, Cached):
                state = self._check_cache(state, inputs, run_context)
            state = self._transition(state, Running(message="Starting task run."))
            state = self._run(state, inputs, run_context)
            if isinstance(state, Success):
                if task.target is not None or run_context["checkpointing"]:
                    state = self._checkpoint(state, inputs, run_context)
                if task.cache_for is not None:
                    state = self._store_cache(state, inputs, run_context)
            elif task.max_retries and isinstance(state, Failed):
                state = self._check_retry(state, inputs, run_context)
        except signals.ENDRUN as end:
            state = end.state
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - an engine error still ends the task
            if debug.raising():
                raise
            failed = Failed(f"Unexpected error while running task: {describe_exception(exc)}", result=exc)
            self.logger.error("Task %r: %s", self.task.name, failed.message, exc_info=True)
            state = self._transition(state, failed)
        return state

    def _check_upstream_finished(self, state: State, upstream_states: dict) -> None:
        for edge, upstream_state in upstream_states.items():
            if not isinstance(upstream_state, Finished):
                raise signals.ENDRUN(state)
            if isinstance(upstream_state, Mapped) and not edge.mapped:
                if not all(isinstance(s, Finished) for s in upstream_state.map_states):
                    raise signals.ENDRUN(state)

    def _check_upstream_skipped(self, state: State, upstream_states: dict) -> State:
        if not self.task.skip_on_upstream_skip:
            return state
        for edge, upstream_state in upstream_states.items():
            if isinstance(upstream_state, Skipped) or (
                isinstance(upstream_state, Mapped) and not edge.mapped
                and any(isinstance(s, Skipped) for s in upstream_state.map_states)
            ):
                raise signals.ENDRUN(self._transition(state, Skipped(message=_SKIP_MESSAGE, result=None)))
        return state

    def _check_trigger(self, state: State, upstream_states: dict) -> State:
        if isinstance(state, Finished) or not upstream_states:
            return state
        try:
            if not self.task.trigger(upstream_states):
                raise signals.TRIGGERFAIL(message='Trigger was "False"')
        except signals.PrefectStateSignal as signal:
            new = signal.state
            if isinstance(signal, signals.PAUSE) and not isinstance(new, Paused):
                new = Paused(signal.message)
            raise signals.ENDRUN(self._transition(state, new)) from None
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - only Ctrl-C may escape a task run
            if debug.raising():
                raise
            new = TriggerFailed(f"Unexpected error while checking task trigger: {describe_exception(exc)}", result=exc)
            raise signals.ENDRUN(self._transition(state, new)) from None
        return state

    def _check_ready(self, state: State) -> None:
        if state.is_finished() or state.is_running():
            raise signals.ENDRUN(state)
        if isinstance(state, Paused):
            if not flowctl_context._data.get("resume"):
                raise signals.ENDRUN(state)
        elif isinstance(state, Retrying) and _is_future(state.start_time):
            raise signals.ENDRUN(state)  # as in Prefect 1: a retry waits for its start time

    def _resolve_inputs(self, state: State, upstream_states: dict, constants: dict) -> dict:
        inputs = dict(state.cached_inputs) if state._cached_inputs else {}
        inputs.update(constants)
        for edge, upstream_state in upstream_states.items():
            key = edge.key
            if key is not None:
                value = upstream_state.result
                if edge.flattened and not edge.mapped:
                    value = flatten_once(value)
                inputs[key] = value
        return inputs

    def _check_target(self, state: State, inputs: dict, run_context: dict) -> State:
        task = self.task
        if task.target is None or task.checkpoint is False:
            return state
        from flowctl.engine.results_support import target_location, task_result

        result = task_result(task, self.flow_result)
        location = target_location(task, result, template_kwargs(run_context, inputs))
        if result.exists(location):
            value = result.read(location).value
            cached = Cached(message=f"Loaded from target {location}.", result=value, cached_inputs=inputs)
            cached.location = location
            raise signals.ENDRUN(self._transition(state, cached))
        return state

    def _check_cache(self, state: State, inputs: dict, run_context: dict) -> State:
        task = self.task
        if task.cache_for is None and not state.is_cached():
            return state
        parameters = run_context.get("parameters") or {}
        candidates = [state] if state.is_cached() else []
        candidates += run_context.get("caches", {}).get(self._cache_slot(run_context), [])
        for candidate in reversed(candidates):
            if candidate.is_cached() and task.cache_validator(candidate, inputs, parameters):
                raise signals.ENDRUN(self._transition(state, candidate))
        if state.is_cached():
            state = self._transition(state, Pending("Cache was invalid; ready to run again."))
        return state

    def _run(self, state: State, inputs: dict, run_context: dict) -> State:
        task = self.task
        plain_call = task.timeout is None and not task.log_stdout
        run_context.setdefault("task_loop_count", 1)
        while True:
            if not isinstance(state, Running):  # a state handler turned Running into something else
                raise signals.ENDRUN(state)
            try:
                value = task.run(**inputs) if plain_call else call_with_timeout(task, inputs, run_context)
                return self._transition(state, Success(message="Task run succeeded.", result=value))
            except signals.LOOP as loop:
                looped = loop.state
                looped.loop_count = run_context.get("task_loop_count", 1)
                run_context["task_loop_count"] = looped.loop_count + 1
                run_context["task_loop_result"] = looped.result
                state = self._transition(state, looped)
                state = self._transition(state, Running(message="Starting looped task run."))
            except signals.PrefectStateSignal as signal:
                if debug.raising() and isinstance(signal, signals.FAIL):
                    raise
                new = signal.state
                if isinstance(signal, signals.RETRY):
                    new = self._retrying(run_context, signal.message or "Retry signal raised.", inputs)
                return self._transition(state, new)
            except TaskTimeoutSignal as exc:
                if debug.raising():
                    raise
                self.logger.error("Task %r timed out after %ss.", task.name, task.timeout)
                return self._transition(state, TimedOut("Task timed out during execution.", result=exc))
            except signals.ENDRUN:
                raise
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001 - user code may raise anything but Ctrl-C
                if debug.raising():
                    raise
                message = f"Error during execution of task: {describe_exception(exc)}"
                self.logger.error("Task %r: %s", run_context["task_full_name"], message, exc_info=sys.exc_info())
                return self._transition(state, Failed(message, result=exc))

    def _checkpoint(self, state: State, inputs: dict, run_context: dict) -> State:
        """Persist a successful result: always to a target, else when checkpointing is on."""
        task = self.task
        if not state.is_successful() or task.checkpoint is False:
            return state
        configured = task.result if task.result is not None else self.flow_result
        if task.target is None and not (run_context.get("checkpointing") and configured is not None):
            return state
        from flowctl.engine.results_support import target_location, task_result

        result = task_result(task, self.flow_result)
        format_kwargs = template_kwargs(run_context, inputs)
        location = target_location(task, result, format_kwargs) if task.target is not None else None
        written = result.write(state.result, location=location, **format_kwargs)
        state.location = written.location
        return state

    def _cache_slot(self, run_context: dict) -> Any:
        """Caches are per task and, for mapped children, per map index: each child caches on its own."""
        key = self.task.cache_key or self.task.name
        map_index = run_context.get("map_index")
        return key if map_index is None else (key, map_index)

    def _store_cache(self, state: State, inputs: dict, run_context: dict) -> State:
        task = self.task
        if task.cache_for is None or not state.is_successful() or state.is_cached():
            return state
        caches = run_context.get("caches")
        if caches is None:
            return state
        cached = Cached(
            message="Result cached.", result=state.result, cached_inputs=inputs,
            cached_parameters=dict(run_context.get("parameters") or {}),
            cached_result_expiration=_now() + task.cache_for,
        )
        caches.setdefault(self._cache_slot(run_context), []).append(cached)
        return state

    def _retrying(self, run_context: dict, message: str, inputs: dict) -> Retrying:
        delay = self.task.retry_delay
        seconds = delay.total_seconds() if isinstance(delay, datetime.timedelta) else float(delay or 0)
        return Retrying(message=message, start_time=_now() + datetime.timedelta(seconds=seconds),
                        run_count=run_context["task_run_count"], cached_inputs=inputs)

    def _check_retry(self, state: State, inputs: dict, run_context: dict) -> State:
        task = self.task
        if not state.is_failed() or isinstance(state, TriggerFailed) or not task.max_retries:
            return state
        run_count = run_context["task_run_count"]
        if run_count > task.max_retries:
            return state
        if task.retry_on is not None and not isinstance(state.result, tuple(task.retry_on)):
            return state
        message = f"Retrying Task ({run_count}/{task.max_retries + 1} attempts)"
        return self._transition(state, self._retrying(run_context, message, inputs))


def run_unit(runner: TaskRunner, state: State, upstream_states: dict, context: dict,
             map_index: int | None, constants: dict) -> State:
    """Module-level entry point that executors submit (picklable by reference)."""
    return runner.run_unit(state, upstream_states, context, map_index, constants)
