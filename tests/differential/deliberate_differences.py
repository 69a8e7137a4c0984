"""Corpus scenarios in which flowctl differs from Prefect 1.4.1 on purpose.

Each entry records why (``reason``), the README "Deliberate differences from
Prefect 1.4.1" point it comes from (``point``: the opening words of that
bullet, which ``test_corpus.py`` finds in README.md), and the outcome on each
side. The scenario's test asserts both recorded outcomes, so when either
library changes the test fails and the difference must be decided again.
Genuine, unfixed bugs go to ``known_differences.py`` instead (strict xfails).
"""
from __future__ import annotations

from deliberate_outcomes import Deliberate, Outcome

# The README points (opening words of each bullet of its "Deliberate differences" list).
SEED_3 = "Seed point 3: signals are `Exception` subclasses"
NESTED = "Nested `with Flow(...)` blocks are an error"
DUPLICATE_KEYS = "Two edges with the same key into one task are an error"
CYCLE = "A cycle error names the tasks on the cycle"
RETURN_TASKS = "`flow.run(return_tasks=...)` is accepted"
OPERATORS = "`a ^ b` and `.and_()` build operator tasks"
NOUT = "`-> Tuple[int, str]` gives `nout=2`"
ON_FAILURE = "`task_args={\"on_failure\": f}` is honoured"
MAP_DICT = "Mapping over a dict fails the mapped task with a clear message"
NO_PROMPT = "A paused task never prompts"
FLOW_HANDLER_SIGNAL = "A flow state handler that raises a signal moves the flow to that signal's state"
DATETIME = "`DateTimeParameter` gives a timezone-aware standard `datetime`"
SQLITE_COMMIT = "`SQLiteQuery` commits what its statement changed"
JINJA_SANDBOX = "`JinjaTemplate` renders in Jinja's sandbox"
EMPTY_CONTEXT = "Outside a run, `flowctl.context` holds only what the user set"
TERMINAL_NO_RESULT = "A `terminal_state_handler` that returns a state without a result"

_PAUSE_REASON = ("Prefect 1.4.1's flow.run asks on stdin whether to resume a paused task (EOFError without "
                 "a terminal); flowctl never prompts inside a library call: the flow stays Running with the "
                 "task Paused, and flow.run(task_states={**state.result, task: Resume()}) resumes it")
_HANDLER_REASON = ("Prefect 1.4.1 moves the flow to the signal's state, then flow.run crashes with TypeError "
                   "(it looks tasks up in the signal); flowctl returns that state, as API.md's state-handler "
                   "rule says, and no task runs when it is raised on Running")
_FILTER_TASKS = {"FilterTask": ["Success"], "numbers": ["Success"], "picky": ["Mapped"], "total": ["Success"]}
_DATETIME_TASKS = {"when": ["Success"], "year": ["Success"]}
_SQLITE_TASKS = {"count": ["Success"], "insert": ["Success"], "setup": ["Success"], "show": ["Success"]}
_FLOW_HANDLER_STATES = {"fail": "Failed", "skip": "Skipped", "success": "Success", "retry": "Retrying",
                        "endrun": "Failed"}
_FLOW_HANDLER_MESSAGES = {"fail": "handler fails", "skip": "handler skips", "success": "handler succeeds",
                          "retry": "flow handler retries", "endrun": "ended by handler"}


def _paused(paused: str, downstream: dict, message: str = "Running flow.") -> Outcome:
    """flowctl's outcome for a flow whose task ``paused`` paused: Running, downstream not run."""
    return Outcome(flow="Running", message=message, tasks={paused: ["Paused"], **downstream})


def _crashed(error: str, phase: str = "run") -> Outcome:
    return Outcome(error=error, phase=phase)


#: The three DateTimeParameter values of flow_run.datetime_parameter_offsets_and_dates, as each side gives them.
_DATETIME_VALUES = {
    "DateTime": {"offset": "DateTime(2024, 2, 3, 4, 5, 6, tzinfo=FixedTimezone(7200, name=\"+02:00\"))",
                 "date_only": "DateTime(2024, 2, 3, 0, 0, 0, tzinfo=Timezone('UTC'))",
                 "zulu": "DateTime(2024, 2, 3, 4, 5, 6, tzinfo=Timezone('UTC'))"},
    "datetime": {"offset": "datetime.datetime(2024, 2, 3, 4, 5, 6, "
                           "tzinfo=datetime.timezone(datetime.timedelta(seconds=7200)))",
                 "date_only": "datetime.datetime(2024, 2, 3, 0, 0, tzinfo=datetime.timezone.utc)",
                 "zulu": "datetime.datetime(2024, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)"},
}


def _datetime_outcome(value_class: str) -> Outcome:
    """Three DateTimeParameters (an offset, a bare date, Z): same parts on both sides, one value class."""
    parts = {"parts_offset": [[2024, 4, 7200.0, "2024-02-03T04:05:06+02:00"]],
             "parts_date_only": [[2024, 0, 0.0, "2024-02-03T00:00:00+00:00"]],
             "parts_zulu": [[2024, 4, 0.0, "2024-02-03T04:05:06+00:00"]]}
    values = {name: [{"type": value_class, "repr": text}] for name, text in _DATETIME_VALUES[value_class].items()}
    return Outcome(flow="Success", tasks={name: ["Success"] for name in sorted([*parts, *values])},
                   results={**parts, **values})


def _flow_handler_entries() -> dict[str, Deliberate]:
    entries = {}
    for signal, state in _FLOW_HANDLER_STATES.items():
        for when in ("running", "success"):
            entries[f"signals.flow_handler_raises_{signal}_on_{when}"] = Deliberate(
                _HANDLER_REASON, FLOW_HANDLER_SIGNAL, _crashed("TypeError"),
                Outcome(flow=state, message=_FLOW_HANDLER_MESSAGES[signal],
                        # flow.run gives a state to every task when the flow's result is no error, as
                        # Prefect's would ("Task not run."), had it not crashed on the signal's result
                        tasks={"after": ["Pending", "Pending"] if signal in ("success", "endrun") else [None, None]}))
    for when in ("running", "success"):
        entries[f"signals.flow_handler_raises_pause_on_{when}"] = Deliberate(
            "Prefect 1.4.1 lets a PAUSE raised by a flow state handler escape from flow.run; flowctl's "
            "flow.run reports every outcome as a state, and a flow has no Paused state to resume from, "
            "so the flow fails naming the PAUSE",
            FLOW_HANDLER_SIGNAL, _crashed("PAUSE"),
            Outcome(flow="Failed", message="Unexpected error while running flow: PAUSE('flow handler pauses')",
                    tasks={"after": [None, None]}))
    return entries


DELIBERATE_DIFFERENCES: dict[str, Deliberate] = {
    "construction.nested_flow_contexts": Deliberate(
        "API.md: nested flows are an error; Prefect 1.4.1 silently makes the inner flow the context's "
        "flow until it exits, so tasks land in a flow the reader did not expect",
        NESTED, Outcome(flow="Success"), _crashed("FlowDefinitionError", "build")),
    "construction.duplicate_edge_key": Deliberate(
        "API.md validate(): duplicate keys are clear errors; Prefect 1.4.1 accepts both edges and one "
        "value silently wins",
        DUPLICATE_KEYS, Outcome(flow="Success", tasks={"one": ["Success"] * 3}),
        _crashed("ValueError", "build")),
    "construction.cycle_detected": Deliberate(
        "issue 11: cycle errors name the tasks on one cycle, like graphlib.CycleError; the error is still "
        "a ValueError and its message starts with Prefect's sentence",
        CYCLE,
        Outcome(flow="Failed", message="Unexpected error: ValueError('Cycle found; flows must be acyclic!')",
                tasks={"one": [None, None]}),
        Outcome(flow="Failed", tasks={"one": [None, None]},
                message="Unexpected error: FlowCycleError(\"Cycle found; flows must be acyclic! "
                        "Flow 'cycle' has a cycle: one -> one -> one.")),
    "flow_run.return_tasks_limits_result": Deliberate(
        "API.md lists return_tasks for flow.run (it limits state.result); Prefect 1.4.1 refuses the keyword",
        RETURN_TASKS, _crashed("ValueError"), Outcome(flow="Success", tasks={"a": ["Success"], "b": [None]})),
    "operators.operator_xor": Deliberate(
        "API.md's operator list includes ^ (an Xor task); Prefect 1.4.1 has no __xor__ (TypeError)",
        OPERATORS, _crashed("TypeError", "build"),
        Outcome(flow="Success", tasks={"Xor": ["Success"], "num": ["Success"] * 2, "show": ["Success"]},
                results={"show": [False]})),
    "operators.operator_and_method": Deliberate(
        "flowctl names every boolean operator as a method too (not_, or_, and_); Prefect 1.4.1 has no "
        "and_ (AttributeError)",
        OPERATORS, _crashed("AttributeError", "build"),
        Outcome(flow="Success", tasks={"And": ["Success"], "num": ["Success"] * 2, "show": ["Success"]},
                results={"show": [True]})),
    "operators.nout_from_tuple_annotation": Deliberate(
        "a Tuple[...] return annotation says how many values a task returns; Prefect 1.4.1 on Python 3.11 "
        "infers no nout, so unpacking the task raises TypeError",
        NOUT, _crashed("TypeError", "build"),
        Outcome(flow="Success", tasks={"show": ["Success"], "two": ["Success"], "two[0]": ["Success"],
                                       "two[1]": ["Success"]}, results={"show": [2]})),
    "handlers.on_failure_for_trigger_failed_task": Deliberate(
        "on_failure is a task attribute in flowctl and task_args overrides attributes (API.md), so it works "
        "as in @task(on_failure=...); Prefect 1.4.1 keeps no on_failure attribute (AttributeError)",
        ON_FAILURE, _crashed("AttributeError", "build"),
        Outcome(flow="Failed", tasks={"after": ["TriggerFailed"], "boom": ["Failed"]})),
    "mapping.map_over_dict_keys": Deliberate(
        "mapped children need positions, so a dict cannot be mapped over; Prefect 1.4.1 crashes the flow "
        "run with KeyError(0) and the mapped task gets no state; flowctl fails that task saying so",
        MAP_DICT,
        Outcome(flow="Failed", message="Unexpected error: KeyError(0)", tasks={"double": [None], "mapping": [None]}),
        Outcome(flow="Failed", message="Some reference tasks failed.",
                tasks={"double": ["Failed"], "mapping": ["Success"]})),
    "mapping.filter_task_default_drops_failures_and_skips": Deliberate(
        "API.md seed point 3: signals are Exceptions, so FilterTask's default filter (drop Exception "
        "results) drops SKIP results too; Prefect 1.4.1's signals are BaseExceptions and are kept",
        SEED_3,
        Outcome(flow="Success", tasks=_FILTER_TASKS,
                results={"FilterTask": [[1, {"exception": "SKIP", "message": "three"}, 4]]}),
        Outcome(flow="Success", tasks=_FILTER_TASKS, results={"FilterTask": [[1, 4]]})),
    "flow_run.datetime_parameter_parses": Deliberate(
        "flowctl does not depend on pendulum: the value is the same UTC instant as Prefect's pendulum "
        "DateTime (a datetime subclass), so comparisons and arithmetic agree",
        DATETIME,
        Outcome(flow="Success", tasks=_DATETIME_TASKS, results={"year": [[2024, 2, 3]], "when": [
            {"type": "DateTime", "repr": "DateTime(2024, 2, 3, 4, 5, 6, tzinfo=Timezone('UTC'))"}]}),
        Outcome(flow="Success", tasks=_DATETIME_TASKS, results={"year": [[2024, 2, 3]], "when": [
            {"type": "datetime", "repr": "datetime.datetime(2024, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)"}]})),
    "flow_run.datetime_parameter_offsets_and_dates": Deliberate(
        "as flow_run.datetime_parameter_parses: only the value's class differs; the instant, its offset "
        "(UTC when the string names none) and its ISO form are Prefect's",
        DATETIME, _datetime_outcome("DateTime"), _datetime_outcome("datetime")),
    "retries.pause_signal_downstream_not_run": Deliberate(
        _PAUSE_REASON, NO_PROMPT, _crashed("EOFError"), _paused("pauser", {"after": ["Pending"]})),
    "migration.a_module_level_context_logger_logs_from_tasks": Deliberate(
        "the seed and API.md: context is only populated within a flow run, so a logger taken from it at "
        "module level is None and the tasks using it fail; Prefect 1.4.1's context holds its root logger "
        "from import", EMPTY_CONTEXT, Outcome(flow="Success", tasks={"work": ["Mapped", "Success"]}),
        Outcome(flow="Failed", tasks={"work": ["Failed", "Mapped"]})),
    "passes.a_terminal_handler_state_without_result_keeps_the_task_states": Deliberate(
        "Prefect 1.4.1's flow.run crashes with TypeError on a flow state whose result is None; flowctl "
        "gives the handler's state the task states as its result", TERMINAL_NO_RESULT, _crashed("TypeError"),
        Outcome(flow="Success", message="forgiven", tasks={"bad": ["Failed"]})),
    "retries.pause_task_with_duration": Deliberate(
        _PAUSE_REASON + "; a pause with a duration ends when it has passed, as in Prefect after a 'no': "
        "flow.run's next pass resumes the task", NO_PROMPT, _crashed("EOFError"),
        Outcome(flow="Success", tasks={"pauser": ["Success"], "after": ["Success"]})),
    "retries.resume_state_passed_in_runs_task": Deliberate(
        _PAUSE_REASON, NO_PROMPT, _crashed("EOFError"), _paused("pauser", {"after": ["Pending"]})),
    "signals.run_raises_pause": Deliberate(
        _PAUSE_REASON, NO_PROMPT, _crashed("EOFError"), _paused("raiser", {"after": ["Pending"]})),
    "triggers.manual_only_pauses": Deliberate(
        _PAUSE_REASON, NO_PROMPT, _crashed("EOFError"),
        _paused("down", {"up_a": ["Success"], "up_b": ["Success"]})),
    "library.sqlite_query_insert_is_committed": Deliberate(
        "a statement's changes are kept; Prefect 1.4.1's SQLiteQuery closes its connection without "
        "committing, so an INSERT it runs is silently rolled back",
        SQLITE_COMMIT,
        Outcome(flow="Success", tasks=_SQLITE_TASKS, results={"count": [[{"tuple": [0]}]]}),
        Outcome(flow="Success", tasks=_SQLITE_TASKS, results={"count": [[{"tuple": [1]}]]})),
    "library.jinja_template_reaching_into_python": Deliberate(
        "a template may come from a parameter given on the command line, so it renders in Jinja's sandbox; "
        "Prefect 1.4.1 renders it unsandboxed and shows the class",
        JINJA_SANDBOX,
        Outcome(flow="Success", tasks={"reach": ["Success"]}, results={"reach": ["str"]}),
        Outcome(flow="Failed", tasks={"reach": ["Failed"]})),
    **_flow_handler_entries(),
}
