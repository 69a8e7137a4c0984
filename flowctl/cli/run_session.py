"""One ``flowctl run`` once its inputs are settled: run the flow with its outputs attached.

``flowctl.cli.run`` resolves the target, parameters, executor and run
record; this module does the rest. It subscribes the tally, the ``RunModel``,
the renderer and the record to the engine's event bus, runs the flow so that
Ctrl-C and SIGTERM stop it cleanly, then closes the record, prints the
summary, writes the JUnit, graph and HTML reports and turns the outcome into
an exit code (0 success, 1 failed, 2 a report could not be written,
130 interrupted, 143 terminated).
"""
from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TextIO

import typer

from flowctl.cli.run_options import LogLevel, OutputMode

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 130, 143
EXIT_REPORT_UNWRITTEN = 2


@dataclass(slots=True)
class Recording:
    """The run record side of one ``run``: where events and checkpoints go, and what is resumed."""

    record: Any  # RunRecord, or None when the default state directory is not writable
    plan: Any  # ResumePlan, or None for a fresh run
    target: str
    checkpoint: bool


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the run stops the same way, but exits 143."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


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


def run_flow(flow: Any, parameters: dict, run_context: dict, flow_executor: Any, mode: OutputMode,
             json_stream: TextIO | None, log_level: LogLevel | None, junit: Path | None,
             visualize: Path | None, recording: Recording, verbosity: int = 0,
             report: Path | None = None) -> int:
    """Run the flow with its outputs subscribed, then close the record and write the reports.

    Returns the exit code; a run stopped by Ctrl-C or SIGTERM still gets its
    summary, record and reports first.
    """
    from flowctl.render.model import RunModel
    from flowctl.render.summary import RunTally

    _send_logs_to_renderer(log_level)
    model = RunModel(flow, keep_units=junit is not None or report is not None)
    renderer = make_renderer(mode, json_stream, verbosity)
    record, plan = recording.record, recording.plan
    secret = getattr(record, "secret_names", None) or set()  # -p NAME=@env:VAR, and names like "token"
    shown_values = _parameter_values(flow, parameters)
    renderer.parameters, renderer.clean = _shown_parameters(shown_values, secret)
    tally = RunTally(plan.reused_ids if plan else None, plan.recompute_keys if plan else None)
    on_event = _event_handler(tally, model, renderer, record)
    engine_context = _engine_context(run_context, flow, recording)
    state, stopped = _run_until_stopped(flow, parameters, flow_executor, engine_context, on_event, renderer, model,
                                        recording)
    summary = _close_run(model, state, stopped, tally, recording)
    renderer.finish(summary)
    reports_ok = _write_reports(flow, model, summary, state, junit, visualize, renderer.clean)
    reports_ok = _write_html_report(report, model, summary, shown_values, secret) and reports_ok
    return _exit_code(state, stopped, reports_ok)


def _send_logs_to_renderer(log_level: LogLevel | None) -> None:
    """Logs arrive as events and are drawn by the renderer, so they stay off stderr."""
    from flowctl.utilities.logging import set_level, set_console_logging

    set_console_logging(False)
    if log_level is not None:
        set_level(log_level.value)


def _engine_context(run_context: dict, flow: Any, recording: Recording) -> dict:
    """The ``--context`` values plus what the engine must know of this run: checkpointing and the run id."""
    run_context = {**run_context, "checkpointing": recording.checkpoint and _writes_results(flow)}
    record = recording.record
    if record is not None and record.run_id is not None:
        run_context["flow_run_id"] = record.run_id
    return run_context


def _event_handler(tally: Any, model: Any, renderer: Any, record: Any) -> Callable[[Any], None]:
    """The one bus subscriber that feeds every consumer of the run's events, in a fixed order."""

    def on_event(event: Any) -> None:
        tally.handle(event)
        model.handle(event)
        renderer.handle(event)
        if record is not None:
            record.handle(event)  # never raises: a store that fails costs no output

    return on_event


def _run_until_stopped(flow: Any, parameters: dict, flow_executor: Any, run_context: dict,
                       on_event: Callable[[Any], None], renderer: Any, model: Any,
                       recording: Recording) -> tuple[Any, KeyboardInterrupt | None]:
    """Run the flow to its final state, or until Ctrl-C/SIGTERM: ``(state, the interrupt or None)``.

    On return further Ctrl-C and SIGTERM are ignored, so they cannot cut the
    summary, record and reports short.
    """
    from flowctl.engine.events import bus
    from flowctl.render.summary import build_summary

    # Ctrl-C must raise KeyboardInterrupt even when a parent shell ignored SIGINT;
    # SIGTERM takes the same path so a stopped run is closed just as cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_terminated)
    unsubscribe = bus.subscribe(on_event)
    state, stopped = None, None
    task_states = recording.plan.task_states if recording.plan else None
    try:
        renderer.start(model)
        # a process that runs one flow and exits: freezing its heap spares the GC rescans
        state = flow.run(parameters=parameters, executor=flow_executor, context=run_context,
                         task_states=task_states, freeze_gc=True)
    except KeyboardInterrupt as exc:
        stopped = exc
        _cancel_running_units(model, on_event)
    except BaseException:
        if recording.record is not None:  # a bug of ours: close the record rather than leave it "Running"
            recording.record.finish(build_summary(model, None, True), None, state_name="Crashed")
        raise
    finally:
        unsubscribe()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    return state, stopped


def _cancel_running_units(model: Any, on_event: Callable[[Any], None]) -> None:
    """Each unit still running when the run was stopped ends ``Cancelled`` for every subscriber (the
    output, the record), as the summary counts it: its last transition is shown, not left Running."""
    import time

    from flowctl.engine.events import TaskStateChanged
    from flowctl.engine.state import Cancelled, Running

    for task, map_index in model.running_units():
        row = model.rows.get(task)
        name = row.name if row is not None else getattr(task, "name", str(task))
        on_event(TaskStateChanged(model.flow_name, task, name, map_index, Running(),
                                  Cancelled("Interrupted while running."), time.time()))


def _close_run(model: Any, state: Any, stopped: KeyboardInterrupt | None, tally: Any, recording: Recording) -> Any:
    """The run's summary (with what a resume reused and reran), stored in the record when there is one."""
    from flowctl.render.summary import build_summary

    summary = build_summary(model, state, stopped is not None)
    summary.reused, summary.ran, summary.recomputed = tally.reused, tally.ran, tally.recomputed
    summary.resumed_from = recording.plan.run_id if recording.plan else None
    record = recording.record
    if record is not None:
        summary.run_id, summary.target = record.run_id, recording.target
        _close_record(record, summary, state)
    return summary


def _exit_code(state: Any, stopped: KeyboardInterrupt | None, reports_ok: bool) -> int:
    """How the run ended, as the process exit code; a report that failed only matters after a success."""
    if stopped is not None:
        return EXIT_TERMINATED if isinstance(stopped, Terminated) else EXIT_INTERRUPTED
    if state is None or not state.is_successful():
        return EXIT_FAILED
    return EXIT_OK if reports_ok else EXIT_REPORT_UNWRITTEN


def exit_abandoning_task_threads(code: int) -> None:
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


__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_TERMINATED", "Recording", "Terminated",
           "exit_abandoning_task_threads", "make_renderer", "run_flow"]
