"""``flowctl run TARGET``: run a flow once and show it live, as text, or as NDJSON.

The command is a thin layer: it finds the flow (``discover``), gathers its
parameters (``params``), builds the executor, subscribes a renderer and a
``RunModel`` to the engine's event bus, runs the flow, prints the summary
and turns the final state into an exit code (0 success, 1 failed, 2 usage,
130 interrupted, 143 terminated). Each run is recorded (``records``) and can
continue an earlier one (``resume``).
"""
from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, List, Optional, TextIO

import typer

from flowctl.cli.completions import complete_flow_target
from flowctl.cli.errors import usage_errors
from flowctl.exceptions import FlowctlError

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 130, 143


class OutputMode(str, Enum):
    auto = "auto"
    rich = "rich"
    plain = "plain"
    json = "json"


class ExecutorName(str, Enum):
    local = "local"
    threads = "threads"
    processes = "processes"
    dask = "dask"


class LogLevel(str, Enum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


def choose_output(mode: OutputMode) -> OutputMode:
    """``auto`` means the live view on a capable terminal and plain text anywhere else."""
    if mode is not OutputMode.auto:
        return mode
    if sys.stdout.isatty() and os.environ.get("TERM", "") != "dumb":
        return OutputMode.rich
    return OutputMode.plain


def build_executor(name: ExecutorName | None, address: str | None, workers: int | None) -> Any:
    """The executor the flags ask for; ``--address`` implies Dask."""
    if address and name not in (None, ExecutorName.dask):
        raise FlowctlError(f"--address connects to a Dask scheduler, so it needs --executor dask "
                           f"(got --executor {name.value}). Drop one of the two options.")
    if address:
        name = ExecutorName.dask
    name = name or ExecutorName.local
    if workers is not None and name is ExecutorName.local:
        raise FlowctlError("--workers needs a parallel executor: add --executor threads, processes or dask.")
    if address and workers is not None:
        raise FlowctlError("--workers sizes a new local Dask cluster; with --address the existing "
                           "cluster decides its workers. Drop --workers.")
    import flowctl.executors as executors

    try:
        if name is ExecutorName.local:
            return executors.LocalExecutor()
        if name in (ExecutorName.threads, ExecutorName.processes):
            kwargs = {} if workers is None else {"num_workers": workers}
            return executors.LocalDaskExecutor(scheduler=name.value, **kwargs)
        if address:
            dask_executor = executors.DaskExecutor(address=address)
            dask_executor.check_connection()  # an unreachable scheduler is a usage error (exit 2)
            return dask_executor
        kwargs = {} if workers is None else {"cluster_kwargs": {"n_workers": workers}}
        return executors.DaskExecutor(**kwargs)
    except (ImportError, AttributeError) as exc:
        raise FlowctlError(f"The {name.value!r} executor is not available here: {exc}. "
                           f"Use --executor local, or install the missing package.") from None


def _claim_stdout_for_json() -> TextIO:
    """The real stdout for NDJSON; fd 1 (and so user prints, even in child processes) goes to stderr."""
    sys.stdout.flush()
    json_fd = os.dup(1)
    os.dup2(2, 1)
    return os.fdopen(json_fd, "w", encoding="utf-8")


def make_renderer(mode: OutputMode, json_stream: TextIO | None) -> Any:
    if mode is OutputMode.json:
        from flowctl.render.ndjson import JsonRenderer

        return JsonRenderer(json_stream)
    if mode is OutputMode.plain:
        from flowctl.render.plain import PlainRenderer

        return PlainRenderer()
    from flowctl.render.live import LiveRenderer

    return LiveRenderer()


def _write_reports(flow: Any, model: Any, summary: Any, state: Any, junit: Path | None,
                   visualize: Path | None) -> bool:
    """Write the JUnit and graph files; False when one could not be written."""
    ok = True
    if junit is not None:
        from flowctl.render.junit import write_junit
        from flowctl.render.summary import iter_units

        try:
            write_junit(str(junit), summary, iter_units(model, state))
        except OSError as exc:
            typer.echo(f"Error: could not write the JUnit report {str(junit)!r}: {exc}", err=True)
            ok = False
    if visualize is not None:
        try:
            flow.visualize(flow_state=state, filename=str(visualize))
        except Exception as exc:  # noqa: BLE001 - drawing is optional; the run already happened
            typer.echo(f"Error: could not draw the flow to {str(visualize)!r}: {exc}", err=True)
            ok = False
    return ok


def run(
    target: Annotated[str, typer.Argument(metavar="TARGET",
                                          help="path/to/file.py[:NAME] or package.module[:NAME]",
                                          autocompletion=complete_flow_target)],
    run_id: Annotated[Optional[str], typer.Argument(
        metavar="RUN_ID", show_default=False,
        help="With --resume: the run to resume (an id from `flowctl runs`, or a unique prefix).")] = None,
    param: Annotated[Optional[List[str]], typer.Option(
        "--param", "-p", metavar="NAME=VALUE",
        help="A flow parameter; VALUE is JSON when it parses, else a string. Repeatable.")] = None,
    params_file: Annotated[Optional[List[Path]], typer.Option(
        "--params-file", metavar="FILE.toml",
        help="A TOML table of parameter values. Repeatable; later files and --param win.")] = None,
    executor: Annotated[Optional[ExecutorName], typer.Option(
        "--executor", "-e", help="Where tasks run (default: local).", case_sensitive=False)] = None,
    address: Annotated[Optional[str], typer.Option(
        "--address", metavar="tcp://HOST:PORT", help="An existing Dask scheduler (implies --executor dask).")] = None,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", "-w", min=1, help="Number of workers for threads, processes or dask.")] = None,
    output: Annotated[OutputMode, typer.Option(
        "--output", "-o", case_sensitive=False,
        help="auto: rich on a terminal, plain otherwise; json: NDJSON events.")] = OutputMode.auto,
    log_level: Annotated[Optional[LogLevel], typer.Option(
        "--log-level", case_sensitive=False, help="Lowest level of log records shown.")] = None,
    context: Annotated[Optional[List[str]], typer.Option(
        "--context", metavar="KEY=VALUE", help="A value put into flowctl.context. Repeatable.")] = None,
    junit: Annotated[Optional[Path], typer.Option(
        "--junit", metavar="FILE", help="Write a JUnit XML report: one testcase per task run.")] = None,
    visualize: Annotated[Optional[Path], typer.Option(
        "--visualize", metavar="FILE", help="Draw the graph coloured by final states.")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue a recorded run: reuse its checkpointed results and run only the rest. "
                         "`--resume RUN_ID` picks the run; by default the latest run of this flow that "
                         "did not succeed. Parameters default to that run's.")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="With --resume: accept parameters that differ from the resumed run's.")] = False,
    checkpoint: Annotated[bool, typer.Option(
        "--checkpoint/--no-checkpoint",
        help="Save every successful task run's result in the run record, so --resume can reuse it.")] = True,
    state_dir_option: Annotated[Optional[Path], typer.Option(
        "--state-dir", metavar="DIR",
        help="Where run records are kept (default: $FLOWCTL_STATE_DIR, else ./.flowctl).")] = None,
) -> None:
    """Run a flow once and show its progress.

    Every run is recorded under the state directory (see `flowctl runs`);
    `flowctl run TARGET --resume [RUN_ID]` continues a failed, interrupted
    or killed run from its checkpoints.

    Exit codes: 0 success, 1 the flow failed, 2 bad usage, target or
    parameters, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
    """
    from flowctl.cli.discover import resolve_flow
    from flowctl.cli.params import collect_parameters, parse_assignments
    from flowctl.cli.records import STATE_DIR_ENV, state_dir

    mode = choose_output(output)
    json_stream = _claim_stdout_for_json() if mode is OutputMode.json else None
    with usage_errors():
        if run_id is not None and not resume:
            raise FlowctlError(f"Unexpected argument {run_id!r}: a RUN_ID goes with --resume "
                               f"(flowctl run TARGET --resume {run_id}).")
        if force and not resume:
            raise FlowctlError("--force only relaxes --resume's parameter check; add --resume or drop --force.")
        _module, _variable, flow = resolve_flow(target)
        root = state_dir(state_dir_option)
        plan = None
        if resume:
            from flowctl.cli.resume import LATEST, plan_resume

            plan = plan_resume(root, flow, run_id or LATEST, param or (),
                               [str(p) for p in params_file or ()], force)
            parameters = plan.parameters
        else:
            parameters = collect_parameters(flow, param or (), [str(p) for p in params_file or ()])
        run_context = parse_assignments(context or (), "--context")
        flow_executor = build_executor(executor, address, workers)
        explicit_dir = state_dir_option is not None or bool(os.environ.get(STATE_DIR_ENV))
        record = _open_record(root, flow, target, parameters, checkpoint, plan, executor, explicit_dir)
    code = _run_flow(flow, parameters, run_context, flow_executor, mode, json_stream, log_level,
                     junit, visualize, Recording(record, plan, target, checkpoint))
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        _exit_abandoning_task_threads(code)
    raise typer.Exit(code)


@dataclass(slots=True)
class Recording:
    """The run record side of one ``run``: where events and checkpoints go, and what is resumed."""

    record: Any  # RunRecord, or None when the default state directory is not writable
    plan: Any  # ResumePlan, or None for a fresh run
    target: str
    checkpoint: bool


def _open_record(root: Path, flow: Any, target: str, parameters: dict, checkpoint: bool, plan: Any,
                 executor: ExecutorName | None, explicit_dir: bool) -> Any:
    """Create the run's directory; without an explicit state dir, an unwritable default only warns.

    Running from a read-only checkout must still work, just without a
    record; a state directory the user asked for must be usable.
    """
    from flowctl.cli.records import RunRecord, RunRecordError, carry_over_checkpoints

    record = RunRecord(root, flow.name, target, parameters, checkpoint,
                       resumed_from=plan.run_id if plan else None,
                       executor=(executor or ExecutorName.local).value)
    try:
        record.start()
    except RunRecordError as exc:
        if explicit_dir:
            raise
        typer.echo(f"Warning: {exc} Running without a run record.", err=True)
        return None
    if plan is not None:
        if not plan.had_checkpoints:
            typer.echo(f"Note: run {plan.run_id} kept no checkpoints (--no-checkpoint); "
                       f"every task runs again.", err=True)
        if checkpoint:
            carry_over_checkpoints(plan.run_path, record.path)
    return record


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the run stops the same way, but exits 143."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


def _exit_abandoning_task_threads(code: int) -> None:
    """Exit with ``code`` now, even if tasks still run in pool threads.

    Python cannot stop a thread, and the interpreter joins pool threads at
    exit, so a task sleeping in a thread pool would hold Ctrl-C hostage. The
    summary and reports are written already; leave without waiting.
    """
    import threading

    busy = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if busy:
        typer.echo(f"Interrupted: abandoning {len(busy)} task thread(s) still running.", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _run_flow(flow: Any, parameters: dict, run_context: dict, flow_executor: Any, mode: OutputMode,
              json_stream: TextIO | None, log_level: LogLevel | None, junit: Path | None,
              visualize: Path | None, recording: Recording) -> int:
    from flowctl.engine.events import bus
    from flowctl.render.model import RunModel
    from flowctl.render.ndjson import event_record
    from flowctl.render.summary import RunTally, build_summary
    from flowctl.utilities.logging import set_level, set_stderr_logging

    set_stderr_logging(False)  # logs arrive as events and are drawn by the renderer
    if log_level is not None:
        set_level(log_level.value)
    model = RunModel(flow, keep_units=junit is not None)
    renderer = make_renderer(mode, json_stream)
    record, plan = recording.record, recording.plan
    tally = RunTally(plan.reused_ids if plan else None)
    task_states = plan.task_states if plan else None
    checkpointing = recording.checkpoint and record is not None
    run_context = {**run_context, "checkpointing": checkpointing}
    if record is not None:
        run_context["flow_run_id"] = record.run_id

    def on_event(event: Any) -> None:
        tally.handle(event)
        if record is not None:
            record.write_event(event_record(event))
        model.handle(event)
        renderer.handle(event)

    # Ctrl-C must raise KeyboardInterrupt even when a parent shell ignored SIGINT;
    # SIGTERM takes the same path so a stopped run is closed just as cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_terminated)
    previous_result = flow.result
    if checkpointing:
        flow.result = record.checkpoint_result()
    unsubscribe = bus.subscribe(on_event)
    state, stopped = None, None
    try:
        renderer.start(model)
        state = flow.run(parameters=parameters, executor=flow_executor, context=run_context,
                         task_states=task_states)
    except KeyboardInterrupt as exc:
        stopped = exc
    except BaseException:
        if record is not None:  # a bug of ours: close the record rather than leave it "Running"
            record.finish("Crashed", model.duration(), {}, [], tally.reused, tally.ran)
        raise
    finally:
        unsubscribe()
        flow.result = previous_result
    # A second Ctrl-C or SIGTERM must not cut the summary, record and reports short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    summary = build_summary(model, state, stopped is not None)
    summary.reused, summary.ran = tally.reused, tally.ran
    summary.resumed_from = plan.run_id if plan else None
    if record is not None:
        summary.run_id, summary.target = record.run_id, recording.target
        _close_record(record, summary)
    renderer.finish(summary)
    reports_ok = _write_reports(flow, model, summary, state, junit, visualize)
    if stopped is not None:
        return EXIT_TERMINATED if isinstance(stopped, Terminated) else EXIT_INTERRUPTED
    if state is None or not state.is_successful():
        return EXIT_FAILED
    return EXIT_OK if reports_ok else 2


def _close_record(record: Any, summary: Any) -> None:
    """Write the summary into the event log and the final state into meta.json."""
    from flowctl.render.ndjson import summary_record

    failed = [{"task": f.task, "map_index": f.map_index, "message": f.message} for f in summary.failures]
    try:
        record.write_event(summary_record(summary))
        record.finish(summary.state, summary.duration_s, dict(summary.counts), failed,
                      summary.reused, summary.ran)
    except OSError as exc:
        typer.echo(f"Warning: could not complete the run record {str(record.path)!r}: {exc}", err=True)


def register(app: typer.Typer) -> None:
    """Add ``run`` to the flowctl app."""
    app.command("run", no_args_is_help=True)(run)


__all__ = ["register", "run", "build_executor", "choose_output"]
