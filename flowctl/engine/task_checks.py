"""The task pipeline's checks: may this run go on, and with which inputs?

Mixed into ``TaskRunner`` (see ``task_runner.py`` for the order of the
steps). Each check takes a ``State`` and returns it when the run may go on,
or ends the run by raising ``ENDRUN`` with the state it ends in (through the
state handlers when that state is new), as Prefect 1's checks do.
"""
from __future__ import annotations

from typing import Any

from flowctl.engine import signals
from flowctl.engine.runner import ENDRUN
from flowctl.engine.state import Pending, Running, Scheduled, Skipped, State, Success, TriggerFailed
from flowctl.engine.task_execution import describe_exception, flatten_upstream, is_future
from flowctl.engine.task_inputs import as_result, upstream_states_seen
from flowctl.utilities import debug
from flowctl.utilities.context import context as flowctl_context

SKIP_MESSAGE = (
    "Upstream task was skipped; if this was not the intended behavior, "
    "consider changing `skip_on_upstream_skip=False` for this task."
)


class TaskChecks:
    """The checks of ``TaskRunner`` that decide whether (and with what) a task runs."""

    task: Any
    change_state: Any  # Runner's
    handle_state_change: Any  # TaskRunner's

    _constant_states: tuple | None = None  # (the constants dict, its states): one per runner, shared by children

    def with_constants(self, upstream_states: dict, constants: dict | None) -> dict:
        """``upstream_states`` and, as Prefect 1's flow runner adds them for the checks, each constant
        argument as a successful upstream (``Edge(Constant(value), task, key)`` holding a
        ``ConstantResult``): ``all_failed`` fails and ``any_successful``, ``not_all_skipped`` pass on them."""
        if not constants:
            return upstream_states
        made = self._constant_states
        if made is None or made[0] is not constants:  # once per runner: a map's children share the dict
            from flowctl.core.edge import Edge
            from flowctl.engine.results.constant_result import ConstantResult
            from flowctl.tasks.core.constants import Constant

            task = self.task
            made = self._constant_states = (constants, {
                Edge(Constant(value), task, key): Success("Auto-generated constant value",
                                                          result=ConstantResult(value=value))
                for key, value in constants.items()})
        return {**upstream_states, **made[1]}

    def end_run(self, state: State, new_state: State) -> None:
        """End the run in ``new_state`` (handlers called when it differs from ``state``)."""
        raise ENDRUN(self.change_state(state, new_state))

    def check_task_is_ready(self, state: State) -> State:
        """Pending (or Mapped, or Cached to be validated) goes on; anything else ends the run."""
        if state.is_pending() or state.is_mapped() or state.is_cached():
            return state
        raise ENDRUN(state)

    def check_task_reached_start_time(self, state: State) -> State:
        """A scheduled state waits for its ``start_time``; without one it waits to be resumed."""
        if isinstance(state, Scheduled):
            if state.start_time is None or is_future(state.start_time):
                raise ENDRUN(state)
        return state

    def check_upstream_finished(self, state: State, upstream_states: dict) -> State:
        """Never run before every upstream (every child of a reduced map) has finished."""
        if not all(s is not None and s.is_finished() for s in upstream_states_seen(upstream_states)):
            raise ENDRUN(state)
        return state

    def check_upstream_skipped(self, state: State, upstream_states: dict) -> State:
        """Skip when an upstream skipped, unless ``skip_on_upstream_skip=False``."""
        if self.task.skip_on_upstream_skip and any(s.is_skipped() for s in upstream_states_seen(upstream_states)):
            self.end_run(state, Skipped(message=SKIP_MESSAGE))
        return state

    def check_task_trigger(self, state: State, upstream_states: dict) -> State:
        """The trigger decides; ``False`` or a ``TRIGGERFAIL`` ends the run ``TriggerFailed``."""
        try:
            if not self.task.trigger(upstream_states):
                raise signals.TRIGGERFAIL(message="Trigger failed")
        except signals.PrefectStateSignal as signal:
            if debug.raising():
                raise
            self.end_run(state, signal.state)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - only Ctrl-C may escape a task run
            name = flowctl_context.get("task_full_name", self.task.name)  # (logged as Prefect 1 logs it)
            self.logger.exception(  # type: ignore[attr-defined]
                "Task '%s': Unexpected error while evaluating task trigger: %r", name, exc)
            if debug.raising():
                raise
            message = f"Unexpected error while checking task trigger: {describe_exception(exc)}"
            self.end_run(state, TriggerFailed(message, result=exc))
        return state

    def get_task_inputs(self, state: State, upstream_states: dict, constants: dict | None = None) -> dict:
        """``{argument: Result}`` from upstream results, bound constants and cached inputs."""
        inputs: dict = {}
        if state._cached_inputs:
            inputs.update({k: as_result(v) for k, v in state._cached_inputs.items()})
        if constants:
            inputs.update({k: as_result(v) for k, v in constants.items()})
        for edge, upstream_state in upstream_states.items():
            key = edge.key
            if key is not None:
                if edge.flattened and not edge.mapped:
                    inputs[key] = as_result(flatten_upstream(upstream_state))
                else:
                    inputs[key] = upstream_state._result
        return inputs

    def check_task_ready_to_map(self, state: State, upstream_states: dict) -> State:
        """A mapped parent ends here: ``Mapped`` when it can map, ``Failed`` saying why not."""
        from flowctl.engine.mapping import map_width

        if state.is_mapped():  # a rerun (given states): as Prefect 1, keep what regenerates the children
            if not state.map_states and state.n_map_states > 0:
                state.map_states = [None] * state.n_map_states
            state.cached_inputs = {edge.key: upstream._result for edge, upstream in upstream_states.items() if edge.key}
            raise ENDRUN(state)
        self.end_run(state, map_width(self.task, upstream_states))
        return state  # pragma: no cover - end_run always raises

    def set_task_to_running(self, state: State, inputs: dict) -> State:
        """Pending -> Running; a state that is not pending ends the run as it is."""
        if not isinstance(state, Pending):
            raise ENDRUN(state)
        return self.handle_state_change(state, Running(message="Starting task run."))
