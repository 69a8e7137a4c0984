"""The task pipeline's steps about values: running the task, results, targets, caches, retries.

Mixed into ``TaskRunner`` (see ``task_runner.py`` for the order of the steps).
Each step takes and returns a ``State`` and calls the state handlers through
``change_state`` when it changes it, as Prefect 1's steps do.
"""
from __future__ import annotations

import datetime
from typing import Any

from flowctl.engine import signals
from flowctl.engine.events import bus
from flowctl.engine.result import Result, ResultNotImplementedError
from flowctl.engine.signals import ENDRUN
from flowctl.engine.state import Cached, Failed, Looped, Pending, Retrying, Running, State, Success, TimedOut
from flowctl.engine.task_execution import call_with_timeout, describe_exception, utc_now
from flowctl.exceptions import TaskTimeoutSignal
from flowctl.utilities import debug
from flowctl.utilities.context import context as flowctl_context
from flowctl.utilities.context import thread_local as _CONTEXT_LOCAL  # the run's dict is its ``.data``

_NO_CONTEXT: dict = {}  # read only: a thread that never entered a run has no context dict

#: Keys a ``Result.write`` call takes itself; never passed on as template values.
def _raw(inputs: dict) -> dict:
    return {key: result.value for key, result in inputs.items()}


class TaskSteps:
    """Steps of ``TaskRunner`` that produce, store and reuse task results."""

    task: Any
    flow_result: Any
    _result: Any
    _plain: bool

    @property
    def result(self) -> Result:
        """The task's Result (else the flow's, else a base ``Result``), located at the task's target."""
        if self._result is None:
            task = self.task
            configured = task.result if task.result is not None else self.flow_result
            result = configured.copy() if configured is not None else Result()
            if task.target:
                result.location = task.target
            self._result = result
        return self._result

    def format_kwargs(self, inputs: dict) -> dict:
        """What templates see, later names winning (Prefect 1): parameters, context, task inputs."""
        return self.format_kwargs_raw(_raw(inputs))

    def format_kwargs_raw(self, raw_inputs: dict) -> dict:
        """``format_kwargs`` from plain input values (``self`` left out: it would clash with methods)."""
        ctx = flowctl_context
        kwargs = {**(ctx.get("parameters") or {}), **ctx.to_dict(), **raw_inputs}
        kwargs.pop("self", None)
        return kwargs

    def load_results(self, state: State, upstream_states: dict) -> tuple[State, dict]:
        """Results arrive hydrated in a local run: nothing to load (kept for Prefect 1's pipeline)."""
        return state, upstream_states

    def set_task_run_name(self, task_inputs: dict) -> None:
        """Name this run (the context's ``task_run_name``) from the task's template or callable, as Prefect 1
        does: a template naming a missing key fails the run, and ``task_full_name`` stays ``name[i]``."""
        name = self.task.task_run_name
        if name:
            kwargs = self.format_kwargs(task_inputs)
            flowctl_context.update(task_run_name=name(**kwargs) if callable(name) else name.format(**kwargs))

    def name_run(self, inputs: dict) -> Failed | None:
        """``set_task_run_name``; what it raises fails the run (``run_failed``), as in Prefect 1, where
        it is not a step that calls the state handlers."""
        try:
            self.set_task_run_name(inputs)
        except Exception as exc:  # noqa: BLE001 - the template's error is the run's
            return self.run_failed(exc)
        return None

    def check_target(self, state: State, inputs: dict) -> State:
        """A target that exists ends the run ``Cached`` with the value read from it."""
        result, target = self.result, self.task.target
        if not (result and target):
            return state
        kwargs = self.format_kwargs(inputs)
        location = target(**kwargs) if callable(target) else target
        if not result.exists(location, **kwargs):
            return state
        location = location.format(**kwargs)
        cached = Cached(result=result.read(location), cached_inputs=_raw(inputs), cached_result_expiration=None,
                        cached_parameters=kwargs.get("parameters"), message=f"Result found at task target {location}")
        return self.change_state(state, cached)

    def check_task_is_cached(self, state: State, inputs: dict) -> State:
        """Reuse a valid cached state (the given one, then this task's cache); else run."""
        task = self.task
        raw, parameters = _raw(inputs), flowctl_context.get("parameters") or {}
        new_state = state
        if state.is_cached():
            if task.cache_validator(state, raw, parameters):
                return state
            new_state = Pending("Cache was invalid; ready to run.")
        if task.cache_for is not None:
            for candidate in flowctl_context.get("caches", {}).get(self.cache_slot(), []):  # the first that is valid
                if task.cache_validator(candidate, raw, parameters):
                    return self.change_state(state, candidate)
            self.logger.warning("Task '%s': Can't use cache because it is now invalid",  # type: ignore[attr-defined]
                                flowctl_context.get("task_full_name", task.name))  # (Prefect 1's words, first run too)
        return self.change_state(state, new_state)

    def cache_slot(self) -> Any:
        """A task's cached states are kept under its ``cache_key`` (else its name), a mapped task's
        children's too: any child may reuse a state another cached, as in Prefect 1."""
        return self.task.cache_key or self.task.name

    def get_task_run_state(self, state: State, inputs: dict) -> State:
        """Call ``task.run``; the result is written (when checkpointing) before ``Success`` is published."""
        if not isinstance(state, Running):
            raise ENDRUN(state)
        return self._run_task(state, {key: result.value for key, result in inputs.items()})

    def _run_task(self, state: State, raw: dict, raised: BaseException | None = None) -> State:
        """``get_task_run_state`` from plain input values (the short pipeline starts here).

        ``raised``: what ``task.run(**raw)`` already raised when the caller made the call
        itself (``TaskRunner.run_short``); it then ends here as if raised in ``_call_task``.
        """
        try:
            new_state = self._call_task(raw) if raised is None else self.call_outcome(raised)
        except signals.PrefectStateSignal as signal:  # FAIL, SKIP, RETRY, PAUSE... end as their state
            self.logger.info("%s signal raised: %r", type(signal).__name__, signal)  # type: ignore[attr-defined]
            return self.handle_state_change(state, signal.state)
        except ENDRUN as end:  # raised by the task itself: the handlers still see where it ends
            raise ENDRUN(self.change_state(state, end.state or state)) from None
        task = self.task
        if isinstance(new_state, Failed) or (
                task.result is None and self.flow_result is None
                and getattr(_CONTEXT_LOCAL, "data", _NO_CONTEXT).get("checkpointing") is not True):
            if self._plain:  # no handlers anywhere (see ``_is_plain``): only subscribers hear of it
                if bus.active:
                    self.publish(state, new_state)  # type: ignore[attr-defined]
                return new_state
            return self.handle_state_change(state, new_state)  # nothing to write: the plain value stays
        try:
            new_state._result = self.store_value(new_state.result, raw)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - a failed write fails the run, never Success then Failed
            if debug.raising():
                raise
            self.logger.error("Unexpected error: %s", describe_exception(exc), exc_info=True)  # type: ignore[attr-defined]
            return self.change_state(state, Failed(f"Unexpected error: {describe_exception(exc)}", result=exc))
        return self.handle_state_change(state, new_state)

    def _call_task(self, raw: dict) -> State:
        """The state ``task.run(**raw)`` ends in, before its value is stored."""
        task = self.task
        try:
            if task.timeout is None and not task.log_stdout:
                value = task.run(**raw)
            else:
                value = call_with_timeout(task, raw, flowctl_context.to_dict(), self.logger)  # type: ignore[attr-defined]
        except BaseException as exc:  # noqa: BLE001 - call_outcome says which ones go on up
            return self.call_outcome(exc)
        if value is None or isinstance(value, Result):  # held by a Result, as in Prefect 1 (None too: a
            value = Result(value)  # run's None is Result(None), a state made without a result has NoResult)
        return Success("Task run succeeded.", value)  # positional: a keyword call costs 3x

    def call_outcome(self, exc: BaseException) -> State:
        """The state a task run ends in when ``task.run`` raised ``exc``; signals that end the
        run elsewhere (state signals, ``ENDRUN``, Ctrl-C) go on up."""
        if isinstance(exc, signals.LOOP):
            looped: Looped = exc.state  # type: ignore[assignment]
            looped.message = looped.message or f"Task is looping ({looped.loop_count})"
            return looped
        if isinstance(exc, signals.SUCCESS):
            return exc.state
        if isinstance(exc, TaskTimeoutSignal):
            if debug.raising():
                raise exc
            return TimedOut("Task timed out during execution.", result=exc)
        if isinstance(exc, (signals.PrefectStateSignal, ENDRUN, KeyboardInterrupt)) or debug.raising():
            raise exc
        task = self.task
        name = flowctl_context.get("task_full_name", task.name)
        self.logger.error("Task %r: Exception encountered during task execution!", name,  # type: ignore[attr-defined]
                          exc_info=(type(exc), exc, exc.__traceback__))
        return Failed(f"Error during execution of task: {describe_exception(exc)}", result=exc)

    def not_a_state(self, value: Any, name: str) -> State:
        """The run's end when a state handler returned ``value``, neither a State nor None: Prefect 1
        takes it as the new state, and the run fails when its last step asks it ``is_looped()``."""
        try:
            value.is_looped()
            raise TypeError(f"a state handler returned {value!r}, not a State")
        except Exception as exc:  # noqa: BLE001 - what that step raises ends the run, as there
            return self.run_failed(exc, name)

    def logged_before_raising(self, exc: BaseException) -> BaseException:
        """``exc``, which leaves the run (Ctrl-C; any error under ``raise_on_exception``), logged first
        unless it is Ctrl-C: a debugging user sees it as Prefect 1 logs it before re-raising."""
        if not isinstance(exc, KeyboardInterrupt):  # (the step's record, then the run's, as there)
            name = flowctl_context.get("task_full_name", self.task.name)
            self.logger.error("Unexpected error: %r", exc, exc_info=exc)  # type: ignore[attr-defined]
            self.logger.error("Task '%s': Unexpected error while running task: %r", name, exc,  # type: ignore[attr-defined]
                              exc_info=exc)
        return exc

    def run_failed(self, exc: Exception, name: str | None = None) -> Failed:
        """The run's end when something outside Prefect 1's handler-calling steps raised (the run
        name's template, a handler's non-state): ``Failed`` with no handlers called, as there."""
        if debug.raising():
            raise exc
        message = (f"Task '{name or flowctl_context.get('task_full_name', self.task.name)}': "
                   f"Unexpected error while running task: {exc!r}")
        self.logger.exception(message)  # type: ignore[attr-defined]
        return Failed(message, result=exc)

    def store_value(self, value: Any, raw_inputs: dict) -> Any:
        """Checkpoint ``value`` when checkpointing is on and the task allows it; the state's result."""
        task = self.task
        if flowctl_context.get("checkpointing") is True and task.checkpoint is not False and value is not None:
            # (as Prefect 1: a None value is never written)
            result = self.result
            try:
                return result.write(value, **self.format_kwargs_raw(raw_inputs))
            except ResultNotImplementedError:
                return result.from_value(value)
        if task.result is None and self.flow_result is None:
            return value  # a plain value: its Result object is made only if someone asks
        return self.result.from_value(value)

    def check_task_is_looping(self, state: State, inputs: dict | None = None, upstream_states: dict | None = None,
                              context: dict | None = None) -> State:
        """``Looped`` -> a fresh ``Pending``, with the loop's result and next count in ``context``.

        (Prefect 1 re-enters ``run`` from here; flowctl's ``run_loop`` runs the pipeline again.)
        """
        if not isinstance(state, Looped):
            return state
        if context is not None:  # each iteration is a first run again (a retry counted one iteration only)
            context["task_loop_result"] = state.result
            context["task_loop_count"] = (state.loop_count or 1) + 1
            context["task_run_count"] = 1
        return Pending(message=f"Looping task (on loop index {state.loop_count})")

    def cache_result(self, state: State, inputs: dict) -> State:
        """A successful run of a ``cache_for`` task ends ``Cached``, and the cache keeps it."""
        task = self.task
        if not state.is_successful() or state.is_skipped() or task.cache_for is None:
            return state
        parameters = flowctl_context.get("parameters")
        cached = Cached(result=state._result, cached_inputs=_raw(inputs), message=state.message,
                        cached_result_expiration=utc_now() + task.cache_for,
                        cached_parameters=dict(parameters) if parameters is not None else None)
        return self.change_state(state, cached)  # (the caches learn of it when flow.run ends: remember_cached)

    def check_for_retry(self, state: State, inputs: dict) -> State:
        """A failed run with retries left becomes ``Retrying`` at now + ``retry_delay``."""
        task = self.task
        if not state.is_failed():
            return state
        if task.retry_on and state.result is not None and not isinstance(state.result, tuple(task.retry_on)):
            return state
        run_count = flowctl_context.get("task_run_count", 1)
        if run_count > (task.max_retries or 0):
            return state
        loop_count = flowctl_context.get("task_loop_count")
        context = {"_loop_count": loop_count} if loop_count is not None else None
        loop_result = flowctl_context.get("task_loop_result") if loop_count is not None else None
        delay = task.retry_delay
        if not isinstance(delay, datetime.timedelta):
            delay = datetime.timedelta(seconds=float(delay or 0))
        retrying = Retrying(message=f"Retrying Task (after attempt {run_count} of {task.max_retries + 1})",
                            start_time=utc_now() + delay, run_count=run_count, context=context,
                            result=loop_result)
        return self.change_state(state, retrying)
