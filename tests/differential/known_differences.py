"""Scenarios that differ from Prefect 1.4.1 today: scenario id -> one-line description.

Each is an ``xfail(strict=True)`` test: when the engine is fixed the test
XPASSes, fails the run, and its entry here must be removed (or re-record with
``.venv/bin/python tests/differential/record_differences.py --write``).
Descriptions and reproducers are in /tmp/helpers/diff-findings.md.
"""

KNOWN_DIFFERENCES: dict[str, str] = {
    "construction.cycle_detected": "cycle error: Prefect fails the run with ValueError('Cycle found; flows must be acyclic!'), flowctl with FlowCycleError naming the cycle",
    "construction.duplicate_edge_key": "two edges with the same key into one task: Prefect accepts it and runs, flowctl raises FlowDefinitionError at add_edge",
    "construction.nested_flow_contexts": "nested `with Flow(...)` blocks: Prefect allows them, flowctl raises FlowDefinitionError",
    "flow_run.datetime_parameter_parses": "DateTimeParameter: Prefect gives a UTC-aware pendulum DateTime, flowctl a naive datetime",
    "flow_run.return_tasks_limits_result": "flow.run(return_tasks=...): Prefect raises ValueError (flow.run takes no return_tasks), flowctl accepts it",
    "handlers.on_failure_for_trigger_failed_task": "task_args={'on_failure': f}: Prefect raises AttributeError (on_failure is not a task attribute), flowctl accepts it",
    "mapping.filter_task_default_drops_failures_and_skips": "FilterTask default filter: Prefect keeps SKIP results (its signals are BaseExceptions), flowctl drops them (API.md seed point 3 consequence)",
    "mapping.map_over_dict_keys": "mapping over a dict: Prefect's flow run errors with KeyError(0), flowctl fails the mapped task with a clear message",
    "operators.nout_from_tuple_annotation": "-> Tuple[int, int] annotation: Prefect raises TypeError when unpacking (no nout inferred), flowctl infers nout=2",
    "operators.operator_and_method": "Task.and_(): does not exist on Prefect (AttributeError), flowctl builds an And task",
    "operators.operator_xor": "a ^ b: Prefect has no __xor__ (TypeError), flowctl builds an Xor task",
    "retries.pause_signal_downstream_not_run": "a Paused task in flow.run: Prefect prompts on stdin (EOFError without a terminal), flowctl returns a Running flow state",
    "retries.pause_task_with_duration": "pause_task(duration=1s): Prefect prompts on stdin (EOFError without a terminal), flowctl returns a Running flow state",
    "retries.resume_state_passed_in_runs_task": "task_states={t: Resume()} then PAUSE again: Prefect prompts on stdin (EOFError), flowctl returns a Running flow state",
    "signals.flow_handler_raises_endrun_on_running": "flow handler raising ENDRUN: Prefect's flow.run crashes with TypeError (state.result is not a dict), flowctl returns the signal's state",
    "signals.flow_handler_raises_endrun_on_success": "flow handler raising ENDRUN: Prefect's flow.run crashes with TypeError (state.result is not a dict), flowctl returns the signal's state",
    "signals.flow_handler_raises_fail_on_running": "flow handler raising FAIL: Prefect's flow.run crashes with TypeError (state.result is the signal), flowctl returns Failed",
    "signals.flow_handler_raises_fail_on_success": "flow handler raising FAIL: Prefect's flow.run crashes with TypeError (state.result is the signal), flowctl returns Failed",
    "signals.flow_handler_raises_pause_on_running": "flow handler raising PAUSE: Prefect propagates PAUSE out of flow.run, flowctl returns Failed",
    "signals.flow_handler_raises_pause_on_success": "flow handler raising PAUSE: Prefect propagates PAUSE out of flow.run, flowctl returns Failed",
    "signals.flow_handler_raises_retry_on_running": "flow handler raising RETRY: Prefect's flow.run crashes with TypeError, flowctl returns Retrying",
    "signals.flow_handler_raises_retry_on_success": "flow handler raising RETRY: Prefect's flow.run crashes with TypeError, flowctl returns Retrying",
    "signals.flow_handler_raises_skip_on_running": "flow handler raising SKIP: Prefect's flow.run crashes with TypeError, flowctl returns Skipped",
    "signals.flow_handler_raises_skip_on_success": "flow handler raising SKIP: Prefect's flow.run crashes with TypeError, flowctl returns Skipped",
    "signals.flow_handler_raises_success_on_running": "flow handler raising SUCCESS: Prefect's flow.run crashes with TypeError, flowctl returns Success",
    "signals.flow_handler_raises_success_on_success": "flow handler raising SUCCESS: Prefect's flow.run crashes with TypeError, flowctl returns Success",
    "signals.run_raises_pause": "PAUSE raised in run: Prefect's flow.run prompts on stdin (EOFError without a terminal), flowctl returns a Running flow state",
    "triggers.manual_only_pauses": "manual_only trigger: Prefect's flow.run prompts on stdin (EOFError without a terminal), flowctl returns a Running flow state",
}
