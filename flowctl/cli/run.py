"""``flowctl run TARGET``: run a flow once and show it live, as text, or as NDJSON.

The command is a thin layer: it finds the flow (``discover``), gathers its
parameters (``params``), builds the executor, subscribes a renderer and a
``RunModel`` to the engine's event bus, runs the flow, prints the summary
and turns the final state into an exit code (0 success, 1 failed, 2 usage,
130 interrupted).
"""
from __future__ import annotations

import os
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, List, Optional, TextIO

import typer

from flowctl.cli.errors import usage_errors
from flowctl.exceptions import FlowctlError

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130


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
            return executors.DaskExecutor(address=address)
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
                                          help="path/to/file.py[:NAME] or package.module[:NAME]")],
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
) -> None:
    """Run a flow once and show its progress.

    Exit codes: 0 success, 1 the flow failed, 2 bad usage, target or
    parameters, 130 interrupted (Ctrl-C).
    """
    from flowctl.cli.discover import resolve_flow
    from flowctl.cli.params import collect_parameters, parse_assignments

    mode = choose_output(output)
    json_stream = _claim_stdout_for_json() if mode is OutputMode.json else None
    with usage_errors():
        _module, _variable, flow = resolve_flow(target)
        parameters = collect_parameters(flow, param or (), [str(p) for p in params_file or ()])
        run_context = parse_assignments(context or (), "--context")
        flow_executor = build_executor(executor, address, workers)
    code = _run_flow(flow, parameters, run_context, flow_executor, mode, json_stream, log_level,
                     junit, visualize)
    if code == EXIT_INTERRUPTED:
        _exit_abandoning_task_threads()
    raise typer.Exit(code)


def _exit_abandoning_task_threads() -> None:
    """Exit 130 now, even if tasks still run in pool threads.

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
        os._exit(EXIT_INTERRUPTED)


def _run_flow(flow: Any, parameters: dict, run_context: dict, flow_executor: Any, mode: OutputMode,
              json_stream: TextIO | None, log_level: LogLevel | None, junit: Path | None,
              visualize: Path | None) -> int:
    from flowctl.engine.events import bus
    from flowctl.render.model import RunModel
    from flowctl.render.summary import build_summary
    from flowctl.utilities.logging import set_level, set_stderr_logging

    set_stderr_logging(False)  # logs arrive as events and are drawn by the renderer
    if log_level is not None:
        set_level(log_level.value)
    model = RunModel(flow, keep_units=junit is not None)
    renderer = make_renderer(mode, json_stream)

    def on_event(event: Any) -> None:
        model.handle(event)
        renderer.handle(event)

    # Ctrl-C must raise KeyboardInterrupt even when a parent shell ignored SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    unsubscribe = bus.subscribe(on_event)
    state, interrupted = None, False
    try:
        renderer.start(model)
        state = flow.run(parameters=parameters, executor=flow_executor, context=run_context)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        unsubscribe()
    # A second Ctrl-C must not cut the summary and reports short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    summary = build_summary(model, state, interrupted)
    renderer.finish(summary)
    reports_ok = _write_reports(flow, model, summary, state, junit, visualize)
    if interrupted:
        return EXIT_INTERRUPTED
    if state is None or not state.is_successful():
        return EXIT_FAILED
    return EXIT_OK if reports_ok else 2


def register(app: typer.Typer) -> None:
    """Add ``run`` to the flowctl app."""
    app.command("run", no_args_is_help=True)(run)


__all__ = ["register", "run", "build_executor", "choose_output"]
