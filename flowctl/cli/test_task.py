"""``flowctl test-task TARGET:TASK``: run one task alone through a ``TaskRunner``.

The seed's way of testing a task, from the command line: arguments become
constants, ``--map`` arguments mapped upstream edges, and each ``--upstream
STATE`` one more upstream edge in that state, so the task's trigger (and
skip-on-upstream-skip) can be exercised without building a flow. The task's
logs are collected from the event bus and its prints captured, so ``--output
json`` stays one clean JSON document.
"""
from __future__ import annotations

import contextlib
import io
import time
from typing import Annotated, Any, List

import typer

from flowctl.cli.completions import complete_task_target
from flowctl.cli.errors import fail, usage_errors
from flowctl.cli.options import choice_parser, examples
from flowctl.cli.run import OutputMode
from flowctl.exceptions import FlowctlError


class TaskInputError(FlowctlError, ValueError):
    """``--arg``, ``--map`` or ``--upstream`` do not fit the task."""


def _upstream_states() -> dict[str, type]:
    from flowctl.engine import state

    kinds = [state.Success, state.Failed, state.Skipped, state.Cached, state.Pending, state.Running,
             state.Retrying, state.TimedOut, state.TriggerFailed, state.Cancelled, state.Looped]
    return {kind.__name__.lower(): kind for kind in kinds}


def upstream_state(name: str, index: int) -> Any:
    """The state named by ``--upstream NAME`` (``success``, ``failed``, ``timed-out``...)."""
    from flowctl.utilities.suggest import closest

    kinds = _upstream_states()
    key = name.lower().replace("-", "").replace("_", "")
    if key not in kinds:
        hint = closest(key, kinds)
        raise TaskInputError(
            f"Unknown --upstream state {name!r}.{f' Did you mean {hint!r}?' if hint else ''} "
            f"Choose among: {', '.join(kinds)}."
        )
    kind = kinds[key]
    message = f"upstream #{index + 1} is {kind.__name__} (--upstream {name})"
    result = RuntimeError(message) if kind.__name__ in ("Failed", "TimedOut", "TriggerFailed") else None
    return kind(message=message, result=result)


def build_inputs(task: Any, flow: Any, args: list[str], maps: list[str], upstream: list[str]) -> tuple[dict, dict]:
    """``(upstream_states, constants)`` for ``TaskRunner.run`` from the command-line flags."""
    from flowctl.cli.params import check_type, parse_value, split_assignment
    from flowctl.core.edge import Edge
    from flowctl.core.task import Task
    from flowctl.engine.state import Success

    constants = _bound_constants(task, flow)
    upstream_states: dict = {}
    given: set[str] = set()
    for option, items in (("--arg", args), ("--map", maps)):
        for item in items:
            name, raw = split_assignment(item, option)
            if not task.accepts_key(name):
                raise TaskInputError(f"Task {task.name!r} takes no argument {name!r} ({option} {item}). "
                                     f"It takes: {_describe_inputs(task)}.")
            if name in given:
                raise TaskInputError(f"Argument {name!r} is given twice; pass it once, with --arg or --map.")
            given.add(name)
            value = parse_value(raw, source=f"{option} {item}")
            constants.pop(name, None)
            if option == "--arg":
                constants[name] = check_type(name, value, _default_of(task, name), f"--arg {item}", "Argument")
                continue
            if not isinstance(value, list):
                raise TaskInputError(f"--map {name}= expects a JSON list, e.g. --map {name}=[1,2,3]; got {raw!r}.")
            upstream_states[Edge(Task(name=f"--map {name}"), task, key=name, mapped=True)] = Success(result=value)
    for index, name in enumerate(upstream):
        upstream_states[Edge(Task(name=f"upstream_{index + 1}"), task)] = upstream_state(name, index)
    missing = [name for name, p in task.run_signature.parameters.items()
               if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
               and name not in given and name not in constants]
    if missing:
        example = " ".join(f"--arg {name}=VALUE" for name in missing)
        raise TaskInputError(f"Task {task.name!r} needs {', '.join(map(repr, missing))}: pass {example} "
                             f"(or --map NAME=[...] to map over it). It takes: {_describe_inputs(task)}.")
    return upstream_states, constants


def _default_of(task: Any, name: str) -> Any:
    """The task's own default for argument ``name`` (typed --arg values must match it), or None."""
    parameter = task.run_signature.parameters.get(name)
    return None if parameter is None or parameter.default is parameter.empty else parameter.default


def _bound_constants(task: Any, flow: Any) -> dict:
    """Plain values the flow binds to this task (``inc(x, by=10)``): defaults that --arg overrides.

    ``file.py:inc`` names the module-level task, while the flow holds a bound
    copy of it; when exactly one copy has the same name, its values are used.
    """
    if flow is None:
        return {}
    if task in flow.tasks:
        return dict(flow.constants.get(task, {}))
    copies = [t for t in flow.tasks if t.name == task.name]
    return dict(flow.constants.get(copies[0], {})) if len(copies) == 1 else {}


def _describe_inputs(task: Any) -> str:
    parts = []
    for name, p in task.run_signature.parameters.items():
        if p.kind is p.VAR_KEYWORD:
            parts.append(f"**{name}")
        else:
            parts.append(name if p.default is p.empty else f"{name}={p.default!r}")
    return ", ".join(parts) or "no arguments"


def run_task(task: Any, upstream_states: dict, constants: dict, context: dict) -> dict:
    """Run ``task`` once; returns the final state with the logs, transitions and prints it produced."""
    from flowctl.engine import TaskRunner
    from flowctl.engine.events import LogEmitted, TaskStateChanged, bus
    from flowctl.utilities.logging import set_console_logging

    logs: list[LogEmitted] = []
    transitions: list[TaskStateChanged] = []

    def collect(event: Any) -> None:
        if isinstance(event, LogEmitted):
            logs.append(event)
        elif isinstance(event, TaskStateChanged):
            transitions.append(event)

    unsubscribe = bus.subscribe(collect)
    set_console_logging(False)
    printed = io.StringIO()
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(printed):
            state = TaskRunner(task).run(upstream_states=upstream_states, context=context, constants=constants,
                                         is_mapped_parent=any(edge.mapped for edge in upstream_states))
    finally:
        unsubscribe()
        set_console_logging(True)
    return {"state": state, "logs": logs, "transitions": transitions, "stdout": printed.getvalue(),
            "duration_s": time.perf_counter() - started}


def succeeded(state: Any) -> bool:
    """Successful, and for a mapped run every child successful too."""
    if not state.is_successful():
        return False
    return all(child is not None and child.is_successful() for child in getattr(state, "map_states", None) or [])


TEST_TASK_EXAMPLES = examples(
    "flowctl test-task examples/etl.py:transform --arg orders=[] --arg currency=EUR",
    "flowctl test-task examples/etl.py:extract --arg batches=2 --arg batch_size=3 -o json",
    "flowctl test-task examples/etl.py:report --arg batch_totals=[] --arg loaded=0 --upstream failed",
)


def test_task(
    target: Annotated[str, typer.Argument(metavar="TARGET", show_default=False,
                                          help="path/to/file.py:TASK, file.py:FLOW.TASK or package.module:TASK",
                                          autocompletion=complete_task_target)],
    arg: Annotated[List[str], typer.Option(
        "--arg", "-a", metavar="NAME=VALUE", rich_help_panel="Parameters",
        help="An argument; VALUE is JSON when it parses, else a string. Repeatable.")] = [],  # noqa: B006
    map_: Annotated[List[str], typer.Option(
        "--map", "-m", metavar="NAME=[...]", rich_help_panel="Parameters",
        help="Map the task over this JSON list. Repeatable.")] = [],  # noqa: B006
    upstream: Annotated[List[str], typer.Option(
        "--upstream", "-u", metavar="STATE", rich_help_panel="Execution",
        help="An upstream state (success, failed, skipped...) to exercise the trigger. Repeatable.")] = [],  # noqa: B006
    context: Annotated[List[str], typer.Option(
        "--context", "-c", metavar="KEY=VALUE", rich_help_panel="Execution",
        help="A value put into flowctl.context. Repeatable.")] = [],  # noqa: B006
    output: Annotated[str, typer.Option(  # an OutputMode (see choice_parser)
        "--output", "-o", metavar="MODE", rich_help_panel="Output", parser=choice_parser(OutputMode, "output mode"),
        help="auto (rich on a terminal, plain otherwise), rich, plain or json.")] = OutputMode.auto,
) -> None:
    """Run one task alone and show its final state, result or traceback, and logs."""
    import sys

    from flowctl.cli.discover import resolve_task
    from flowctl.cli.params import parse_assignments

    with usage_errors():
        flow, task = resolve_task(target)
        upstream_states, constants = build_inputs(task, flow, arg, map_, upstream)
        run_context = parse_assignments(context, "--context")
        if flow is not None:
            run_context.setdefault("flow_name", flow.name)
    try:
        report = run_task(task, upstream_states, constants, run_context)
    except KeyboardInterrupt:
        fail("interrupted", code=130)
    mode = output.value
    if mode == "auto":
        mode = "rich" if sys.stdout.isatty() else "plain"
    from flowctl.cli import test_task_output

    getattr(test_task_output, f"show_{mode}")(task, report)
    raise typer.Exit(0 if succeeded(report["state"]) else 1)


# pytest collects module-level names starting with "test": this command is not a test.
test_task.__test__ = False  # type: ignore[attr-defined]


def register(app: typer.Typer) -> None:
    """Add ``test-task`` to the ``flowctl`` app."""
    app.command("test-task", epilog=TEST_TASK_EXAMPLES, no_args_is_help=True)(test_task)
