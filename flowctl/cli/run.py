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
from pathlib import Path
from typing import Any, TextIO

import typer

from flowctl.cli.errors import usage_errors
from flowctl.cli.options import RUN_EXAMPLES, check_output_paths, print_plan
from flowctl.cli.run_options import (AddressArg, CheckArg, CheckpointArg, ContextArg, ExecutorArg, ExecutorName,
                                     FailFastArg, ForceArg, JunitArg, LogLevel, LogLevelArg, OutputArg, OutputMode,
                                     ParamArg, ParamsFileArg, QuietArg, ReportArg, ResumeArg, StateDirOptionArg,
                                     TargetArg, VerboseArg, VisualizeArg, WorkersArg)
from flowctl.exceptions import FlowctlError

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 130, 143


def choose_output(mode: OutputMode) -> OutputMode:
    """``auto`` means the live view on a capable terminal and plain text anywhere else."""
    if mode is not OutputMode.auto:
        return mode
    if sys.stdout.isatty() and os.environ.get("TERM", "") != "dumb" and not os.environ.get("CI"):
        return OutputMode.rich
    return OutputMode.plain


def build_executor(name: ExecutorName | None, address: str | None, workers: int | None,
                   connect: bool = True) -> Any:
    """The executor the flags ask for; ``--address`` implies Dask (``connect=False``: do not dial it)."""
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
            if connect:
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


def make_renderer(mode: OutputMode, json_stream: TextIO | None, verbosity: int = 0) -> Any:
    """``verbosity``: 1 with -v (every transition), -1 with -q (failures and the summary)."""
    if mode is OutputMode.json:
        from flowctl.render.ndjson import JsonRenderer

        return JsonRenderer(json_stream)
    if mode is OutputMode.plain:
        from flowctl.render.plain import PlainRenderer

        return PlainRenderer(verbosity=verbosity)
    from flowctl.render.live import LiveRenderer

    return LiveRenderer(verbosity=verbosity)


def _write_reports(flow: Any, model: Any, summary: Any, state: Any, junit: Path | None,
                   visualize: Path | None, clean: Any = None) -> bool:
    """Write the JUnit and graph files; False when one could not be written."""
    ok = True
    if junit is not None:
        from flowctl.render.junit import write_junit
        from flowctl.render.summary import iter_units

        try:
            write_junit(str(junit), summary, iter_units(model, state), model.flow_started or model.created, clean)
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
    target: TargetArg,
    param: ParamArg = None,
    params_file: ParamsFileArg = None,
    check: CheckArg = False,
    executor: ExecutorArg = None,
    address: AddressArg = None,
    workers: WorkersArg = None,
    fail_fast: FailFastArg = False,
    context: ContextArg = None,
    output: OutputArg = OutputMode.auto,
    log_level: LogLevelArg = None,
    verbose: VerboseArg = False,
    quiet: QuietArg = False,
    junit: JunitArg = None,
    visualize: VisualizeArg = None,
    report: ReportArg = None,
    resume: ResumeArg = None,
    force: ForceArg = False,
    checkpoint: CheckpointArg = True,
    state_dir_option: StateDirOptionArg = None,
) -> None:
    """Run a flow once and show its progress.

    Every run is recorded under the state directory (see `flowctl runs`);
    `--resume [RUN_ID]` continues a failed, interrupted or killed run from
    its checkpoints.

    Exit codes: 0 success, 1 the flow failed, 2 bad usage, target or
    parameters, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
    """
    from flowctl.cli.params import collect_parameters, parse_assignments
    from flowctl.cli.records import STATE_DIR_ENV, state_dir

    mode = choose_output(output)
    json_stream = _claim_stdout_for_json() if mode is OutputMode.json and not check else None
    with usage_errors():
        if force and resume is None:
            raise FlowctlError("--force only relaxes --resume's parameter check; add --resume or drop --force.")
        check_output_paths(junit=junit, visualize=visualize, report=report)
        _module, _variable, flow = _load_flow(target, junit)
        if check:
            parameters = collect_parameters(flow, param or (), [str(p) for p in params_file or ()])
            build_executor(executor, address, workers, connect=False)
            print_plan(flow, parameters, executor, address, workers, as_json=mode is OutputMode.json)
            raise typer.Exit(0)
    with usage_errors():
        root = state_dir(state_dir_option)
        plan = None
        if resume is not None:
            from flowctl.cli.resume import plan_resume

            plan = plan_resume(root, flow, resume, param or (),
                               [str(p) for p in params_file or ()], force)
            parameters = plan.parameters
        else:
            parameters = collect_parameters(flow, param or (), [str(p) for p in params_file or ()])
        run_context = parse_assignments(context or (), "--context")
        if fail_fast:
            run_context["fail_fast"] = True
        flow_executor = build_executor(executor, address, workers)
        explicit_dir = state_dir_option is not None or bool(os.environ.get(STATE_DIR_ENV))
        record = _open_record(root, flow, target, parameters, checkpoint, plan,
                              executor or (ExecutorName.dask if address else None), explicit_dir, param or (),
                              address=address)
    code = _run_flow(flow, parameters, run_context, flow_executor, mode, json_stream, log_level,
                     junit, visualize, Recording(record, plan, target, checkpoint),
                     verbosity=1 if verbose else (-1 if quiet else 0), report=report)
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
                 executor: ExecutorName | None, explicit_dir: bool, flags: Any = (),
                 address: str | None = None) -> Any:
    """Record the run in the store; a store that cannot be written only warns (the run goes on).

    A resume that the store refuses (being resumed elsewhere, resumed
    already without --force) is a usage error: exit 2.
    """
    from flowctl.cli.records import RunRecord

    record = RunRecord(root, flow, target, parameters, flags, checkpoint, plan,
                       executor=(executor or ExecutorName.local).value, address=address)
    record.start(force=bool(plan is not None and plan.force))
    if plan is not None and not plan.had_checkpoints:
        typer.echo(f"Note: run {plan.run_id} kept no checkpoints (--no-checkpoint); every task runs again.",
                   err=True)
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
              visualize: Path | None, recording: Recording, verbosity: int = 0,
              report: Path | None = None) -> int:
    from flowctl.engine.events import bus
    from flowctl.render.model import RunModel
    from flowctl.render.summary import RunTally, build_summary
    from flowctl.utilities.logging import set_level, set_stderr_logging

    set_stderr_logging(False)  # logs arrive as events and are drawn by the renderer
    if log_level is not None:
        set_level(log_level.value)
    model = RunModel(flow, keep_units=junit is not None or report is not None)
    renderer = make_renderer(mode, json_stream, verbosity)
    record, plan = recording.record, recording.plan
    secret = getattr(record, "secret_names", None) or set()  # -p NAME=@env:VAR, and names like "token"
    shown_values = _parameter_values(flow, parameters)
    renderer.parameters, renderer.clean = _shown_parameters(shown_values, secret)
    tally = RunTally(plan.reused_ids if plan else None, plan.recompute_keys if plan else None)
    task_states = plan.task_states if plan else None
    run_context = {**run_context, "checkpointing": recording.checkpoint and _writes_results(flow)}
    if record is not None and record.run_id is not None:
        run_context["flow_run_id"] = record.run_id

    def on_event(event: Any) -> None:
        tally.handle(event)
        model.handle(event)
        renderer.handle(event)
        if record is not None:
            record.handle(event)  # never raises: a store that fails costs no output

    # Ctrl-C must raise KeyboardInterrupt even when a parent shell ignored SIGINT;
    # SIGTERM takes the same path so a stopped run is closed just as cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_terminated)
    unsubscribe = bus.subscribe(on_event)
    state, stopped = None, None
    try:
        renderer.start(model)
        # a process that runs one flow and exits: freezing its heap spares the GC rescans
        state = flow.run(parameters=parameters, executor=flow_executor, context=run_context,
                         task_states=task_states, freeze_gc=True)
    except KeyboardInterrupt as exc:
        stopped = exc
    except BaseException:
        if record is not None:  # a bug of ours: close the record rather than leave it "Running"
            record.finish(build_summary(model, None, True), None, state_name="Crashed")
        raise
    finally:
        unsubscribe()
    # A second Ctrl-C or SIGTERM must not cut the summary, record and reports short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    summary = build_summary(model, state, stopped is not None)
    summary.reused, summary.ran, summary.recomputed = tally.reused, tally.ran, tally.recomputed
    summary.resumed_from = plan.run_id if plan else None
    if record is not None:
        summary.run_id, summary.target = record.run_id, recording.target
        _close_record(record, summary, state)
    renderer.finish(summary)
    reports_ok = _write_reports(flow, model, summary, state, junit, visualize, renderer.clean)
    reports_ok = _write_html_report(report, model, summary, shown_values, secret) and reports_ok
    if stopped is not None:
        return EXIT_TERMINATED if isinstance(stopped, Terminated) else EXIT_INTERRUPTED
    if state is None or not state.is_successful():
        return EXIT_FAILED
    return EXIT_OK if reports_ok else 2


def _load_flow(target: str, junit: Path | None) -> Any:
    """``resolve_flow``; a target that fails to load still gets its JUnit report (one error testcase)."""
    from flowctl.cli.discover import resolve_flow

    try:
        return resolve_flow(target)
    except FlowctlError as exc:
        if junit is not None:
            from flowctl.render.junit import write_load_error_junit

            try:
                write_load_error_junit(str(junit), target, str(exc))
            except OSError:
                pass  # the load error itself is what the user needs to see
        raise


def _write_html_report(report: Path | None, model: Any, summary: Any, parameters: dict, secret: Any) -> bool:
    """Write ``--report``; False (exit 2 after a successful run) when it could not be written."""
    if report is None:
        return True
    from flowctl.render.report import run_data_from_model, write_report

    try:
        write_report(report, run_data_from_model(model, summary, parameters, secret))
    except OSError as exc:
        typer.echo(f"Error: could not write the HTML report {str(report)!r}: {exc}", err=True)
        return False
    return True


def _parameter_values(flow: Any, parameters: dict) -> dict:
    """Every parameter's value for this run: the given ones, and the defaults of the rest."""
    values = {p.name: p.default for p in sorted(flow.parameters(), key=lambda p: p.name) if not p.required}
    values.update(parameters)
    return values


def _shown_parameters(values: dict, secret: Any) -> tuple[dict, Any]:
    """The values as the outputs show them (secrets as ``***``), and a function that scrubs
    the secret values out of printed messages."""
    from flowctl.render.secrets import redact_parameters, scrubber

    return redact_parameters(values, secret), scrubber(values, secret)


def _writes_results(flow: Any) -> bool:
    """Whether any task has a Result or target to write (checkpointing then matters to the engine).

    The CLI's own checkpoints go to the run store from events; the engine's
    checkpointing only writes the Results users configured, as in Prefect 1.
    """
    return flow.result is not None or any(t.result is not None or t.target for t in flow.tasks)


def _close_record(record: Any, summary: Any, state: Any) -> None:
    """Put the summary in the event log and the final state in the store (a failure only warns)."""
    from flowctl.render.ndjson import summary_record

    record.handle_record(summary_record(summary))
    record.finish(summary, state)


def register(app: typer.Typer) -> None:
    """Add ``run`` to the flowctl app."""
    app.command("run", no_args_is_help=True, epilog=RUN_EXAMPLES)(run)


__all__ = ["register", "run", "build_executor", "choose_output"]
