"""``flowctl run TARGET``: run a flow once and show it live, as text, or as NDJSON.

The command is a thin layer: it finds the flow (``discover``), gathers its
parameters (``params``), builds the executor and opens the run record
(``records``), or continues an earlier run (``resume``). ``run_session``
then runs the flow with a renderer and a ``RunModel`` subscribed to the
engine's event bus, prints the summary and turns the final state into an
exit code (0 success, 1 failed, 2 usage, 130 interrupted, 143 terminated).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn, TextIO

import typer

from flowctl.cli.errors import usage_errors
from flowctl.cli.options import RUN_EXAMPLES, check_output_paths, print_plan
from flowctl.cli.run_options import (AddressArg, CheckArg, CheckpointArg, ContextArg, ExecutorArg, ExecutorName,
                                     FailFastArg, ForceArg, JunitArg, LogLevelArg, OutputArg, OutputMode,
                                     ParamArg, ParamsFileArg, QuietArg, ReportArg, ResumeArg, StateDirOptionArg,
                                     TargetArg, VerboseArg, VisualizeArg, WorkersArg)
from flowctl.cli.run_session import (EXIT_INTERRUPTED, EXIT_TERMINATED, Recording, exit_abandoning_task_threads,
                                     run_flow)
from flowctl.exceptions import FlowctlError


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
    from flowctl.executors.base import ExecutorError

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
        try:
            dask_executor = executors.DaskExecutor(**kwargs)
        except ExecutorError:
            raise
        except ValueError:  # the settings name an existing cluster (engine.executor.dask.address)
            raise FlowctlError("--workers sizes a new local Dask cluster, but the settings name an existing "
                               "one (engine.executor.dask.address). Drop --workers.") from None
        if connect:
            dask_executor.check_connection()  # (with an address from the settings: a usage error too)
        return dask_executor
    except (ImportError, AttributeError) as exc:
        raise FlowctlError(f"The {name.value!r} executor is not available here: {exc}. "
                           f"Use --executor local, or install the missing package.") from None


def _claim_stdout_for_json() -> TextIO:
    """The real stdout for NDJSON; fd 1 (and so user prints, even in child processes) goes to stderr."""
    sys.stdout.flush()
    json_fd = os.dup(1)
    os.dup2(2, 1)
    return os.fdopen(json_fd, "w", encoding="utf-8")


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
    from flowctl.cli.records import state_dir

    mode = choose_output(output)
    json_stream = _claim_stdout_for_json() if mode is OutputMode.json and not check else None
    with usage_errors():
        flow = _validated_flow(target, force, resume, junit, visualize, report)
        if check:
            _print_check_plan_and_exit(flow, mode, param, params_file, executor, address, workers)
    with usage_errors():
        root = state_dir(state_dir_option)
        parameters, plan = _parameters_or_resume_plan(root, flow, resume, param, params_file, force)
        run_context = _run_context(context, fail_fast)
        flow_executor = build_executor(executor, address, workers)
        record = _open_record(root, flow, target, parameters, checkpoint, plan, executor, param or (), address)
    _exit_with(run_flow(flow, parameters, run_context, flow_executor, mode, json_stream, log_level,
                        junit, visualize, Recording(record, plan, target, checkpoint),
                        verbosity=1 if verbose else (-1 if quiet else 0), report=report))


def _validated_flow(target: str, force: bool, resume: str | None, junit: Path | None,
                    visualize: Path | None, report: Path | None) -> Any:
    """Check the option combinations and output paths, then load the flow: mistakes cost nothing yet."""
    if force and resume is None:
        raise FlowctlError("--force only relaxes --resume's parameter check; add --resume or drop --force.")
    check_output_paths(junit=junit, visualize=visualize, report=report)
    if visualize is not None:
        _check_graph_output(visualize)
    _module, _variable, flow = _load_flow(target, junit)
    return flow


def _check_graph_output(path: Path) -> None:
    """``--visualize``'s format (from the suffix) and, for an image, Graphviz: checked before the run, so a
    finished run never ends on a usage error."""
    import shutil

    from flowctl.render.graph import IMAGE_FORMATS, GraphFormatError, format_for
    from flowctl.render.graph_dot import INSTALL_HINT, GraphvizNotFound

    try:
        fmt = format_for(path)
    except GraphFormatError as exc:
        raise GraphFormatError(f"--visualize {path}: {exc} Nothing was run.") from None
    if fmt in IMAGE_FORMATS and shutil.which("dot") is None:
        raise GraphvizNotFound(f"--visualize {path}: {INSTALL_HINT.format(fmt=fmt.upper())} Nothing was run.")


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


def _print_check_plan_and_exit(flow: Any, mode: OutputMode, param: Any, params_file: Any,
                               executor: ExecutorName | None, address: str | None, workers: int | None) -> NoReturn:
    """``--check``: validate the parameters and executor flags and show what would run, without running it.

    The Dask scheduler is not dialled: a plan must not depend on the cluster being up.
    """
    from flowctl.cli.params import collect_parameters
    from flowctl.store.secrets import env_sources

    parameters = collect_parameters(flow, param or (), [str(p) for p in params_file or ()])
    build_executor(executor, address, workers, connect=False)
    print_plan(flow, parameters, executor, address, workers, as_json=mode is OutputMode.json,
               secret=set(env_sources(param or ())))
    raise typer.Exit(0)


def _parameters_or_resume_plan(root: Path, flow: Any, resume: str | None, param: Any, params_file: Any,
                               force: bool) -> tuple[dict, Any]:
    """``(parameters, None)`` for a fresh run; with ``--resume``, the earlier run's parameters and its plan."""
    from flowctl.cli.params import collect_parameters

    if resume is None:
        return collect_parameters(flow, param or (), [str(p) for p in params_file or ()]), None
    from flowctl.cli.resume import plan_resume

    plan = plan_resume(root, flow, resume, param or (), [str(p) for p in params_file or ()], force)
    return plan.parameters, plan


def _run_context(context: Any, fail_fast: bool) -> dict:
    """The ``--context NAME=VALUE`` values for the run; ``--fail-fast`` travels in the context too."""
    from flowctl.cli.params import parse_assignments

    run_context = parse_assignments(context or (), "--context")
    if fail_fast:
        run_context["fail_fast"] = True
    return run_context


def _open_record(root: Path, flow: Any, target: str, parameters: dict, checkpoint: bool, plan: Any,
                 executor: ExecutorName | None, flags: Any = (), address: str | None = None) -> Any:
    """Record the run in the store; a store that cannot be written only warns (the run goes on).

    A resume that the store refuses (being resumed elsewhere, resumed
    already without --force) is a usage error: exit 2.
    """
    from flowctl.cli.records import RunRecord

    executor_name = executor or (ExecutorName.dask if address else ExecutorName.local)
    record = RunRecord(root, flow, target, parameters, flags, checkpoint, plan,
                       executor=executor_name.value, address=address)
    record.start(force=bool(plan is not None and plan.force))
    if plan is not None and not plan.had_checkpoints:
        typer.echo(f"Note: run {plan.run_id} kept no checkpoints (--no-checkpoint); every task runs again.",
                   err=True)
    return record


def _exit_with(code: int) -> NoReturn:
    """Exit with the run's code; after Ctrl-C or SIGTERM, without waiting for task threads still running."""
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        exit_abandoning_task_threads(code)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add ``run`` to the flowctl app."""
    app.command("run", no_args_is_help=True, epilog=RUN_EXAMPLES)(run)


__all__ = ["register", "run", "build_executor", "choose_output"]
