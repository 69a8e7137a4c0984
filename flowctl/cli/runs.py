"""``flowctl runs``, ``flowctl runs show ID`` and ``flowctl runs prune``: the run store, read and tidied.

Everything comes from the store (``flowctl.store``). A run that says
``Running`` but whose heartbeat stopped more than 10 s ago is shown as
``Crashed``; its counts come from its task runs, which are written as they
finish. Secret parameters are stored as ``***`` and shown that way.
"""
from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from flowctl.cli.completions import complete_run_id
from flowctl.cli.errors import usage_errors

runs_app = typer.Typer(no_args_is_help=False, epilog="Examples:\n  flowctl runs\n  flowctl runs --flow ETL --json\n"
                                                     "  flowctl runs show 20261124T0712\n  flowctl runs prune --keep 10")

StateDirOption = Annotated[Optional[Path], typer.Option(
    "--state-dir", metavar="DIR", help="Where runs are recorded (default: $FLOWCTL_STATE_DIR, else ./.flowctl).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
PARAMETERS_WIDTH = 40
_PUBLIC = ("run_id", "flow", "target", "state", "started", "ended", "duration_s", "parameters", "executor",
           "checkpoint", "resumed_from", "resumed_by", "counts", "failed", "reused", "ran", "recomputed",
           "checkpoints", "warning")


def _local_time(stamp: Any) -> str:
    if not isinstance(stamp, (int, float)):
        return "-"
    return datetime.datetime.fromtimestamp(stamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _iso(stamp: Any) -> str | None:
    if not isinstance(stamp, (int, float)):
        return None
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc).isoformat()


def _duration(run: dict) -> str:
    from flowctl.render.plain import format_seconds

    seconds = run.get("duration")
    return format_seconds(float(seconds)) if isinstance(seconds, (int, float)) else "-"


def _parameters_text(parameters: Any, width: int | None = None) -> str:
    if not isinstance(parameters, dict) or not parameters:
        return "-"
    text = " ".join(f"{name}={json.dumps(value, default=str)}" for name, value in parameters.items())
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def public(run: dict) -> dict:
    """A run as ``--json`` prints it (times as ISO 8601, no internal columns)."""
    shown = dict(run)
    shown["started"], shown["ended"] = _iso(run.get("started")), _iso(run.get("ended"))
    shown["duration_s"] = run.get("duration")
    shown["resumed_by"] = run.get("claimed_by")
    return {key: shown.get(key) for key in _PUBLIC if key in shown}


def _details(root: Path, run: dict) -> dict:
    """``run`` plus counts, failures and checkpoints from its task runs (a killed run never wrote its own)."""
    from flowctl.store.query import task_run_summary

    counts, failed, stored = task_run_summary(root, run["id"])
    details = dict(run)
    details["checkpoints"] = stored
    if run.get("ended") is None or not run.get("counts"):
        details["counts"], details["failed"] = counts, failed
    return details


@runs_app.callback(invoke_without_command=True)
def list_command(
    ctx: typer.Context,
    state_dir_option: StateDirOption = None,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many recent runs to list.")] = 20,
    flow: Annotated[Optional[str], typer.Option("--flow", metavar="NAME", help="Only runs of this flow.")] = None,
) -> None:
    """List recent runs, newest first: id, flow, state, start, duration and parameters.

    `flowctl runs show ID` shows one run; `flowctl runs prune` deletes old
    ones. A run whose heartbeat stopped (SIGKILL, a lost machine) shows as
    Crashed; `flowctl run TARGET --resume` continues it.
    """
    if ctx.invoked_subcommand is not None:
        return
    from flowctl.cli.records import state_dir
    from flowctl.store.query import list_runs

    with usage_errors():
        root = state_dir(state_dir_option)
        runs = _guarded(list_runs, root, flow, limit)
    if as_json:
        typer.echo(json.dumps([public(run) for run in runs], indent=2, default=str))
        return
    if not runs:
        typer.echo(_no_runs(root, flow))
        return
    header = ("RUN ID", "FLOW", "STATE", "STARTED", "DURATION", "PARAMETERS")
    rows = [(str(r["run_id"]), str(r["flow"]), str(r["state"]), _local_time(r.get("started")), _duration(r),
             _parameters_text(r.get("parameters"), PARAMETERS_WIDTH)) for r in runs]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])


def _no_runs(root: Path, flow: str | None) -> str:
    """Why the listing is empty: no run at all yet, or none of that flow (naming the closest flow that has)."""
    from flowctl.store.query import list_runs
    from flowctl.utilities.suggest import did_you_mean

    flows = sorted({str(run["flow"]) for run in _guarded(list_runs, root, None, None)}) if flow is not None else []
    if not flows:
        return f"No runs recorded in {str(root)!r} yet."
    return f"No runs of flow {flow!r} in {str(root)!r}.{did_you_mean(str(flow), flows)} Flows with runs: " \
           f"{', '.join(flows[:12])}{', …' if len(flows) > 12 else ''}."


def _guarded(function: Any, *args: Any) -> Any:
    """Store errors (a planted or foreign database, a locked file) as usage errors."""
    import sqlite3

    from flowctl.cli.records import RunRecordError

    try:
        return function(*args)
    except (OSError, sqlite3.Error) as exc:
        raise RunRecordError(f"Cannot read the run store: {exc}") from None


@runs_app.command("show", epilog="Examples:\n  flowctl runs show 20261124T0712\n"
                                  "  flowctl runs show 20261124T0712 --json\n"
                                  "  flowctl runs show 20261124T0712 --html run.html")
def show_command(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="A run id from `flowctl runs` (or a unique prefix).",
                                          autocompletion=complete_run_id)],
    state_dir_option: StateDirOption = None,
    as_json: JsonOption = False,
    html: Annotated[Optional[Path], typer.Option("--html", metavar="FILE", help="Write the HTML run report.")] = None,
) -> None:
    """Show one run: its flow, parameters, state, counts, reuse and failures."""
    from flowctl.cli.records import state_dir
    from flowctl.cli.resume import choose_run

    with usage_errors():
        root = state_dir(state_dir_option)
        details = _guarded(_show, root, run_id, choose_run)
    if html is not None:
        _write_html(root, details, html)
    if as_json:
        typer.echo(json.dumps(public(details), indent=2, default=str))
        return
    for line in show_lines(details):
        typer.echo(line)


def _show(root: Path, run_id: str, choose_run: Any) -> dict:
    from flowctl.store.query import get_run

    matches = get_run(root, run_id)
    if len(matches) != 1:
        choose_run(root, "", run_id)  # raises the not-found / ambiguous message
    return _details(root, matches[0])


def _write_html(root: Path, details: dict, html: Path) -> None:
    """The HTML run report of a recorded run: the same page ``run --report`` draws."""
    from flowctl.store.query import events, task_run_rows

    try:
        from flowctl.render.report import write_report
        from flowctl.render.report_data import run_data_from_record
    except ImportError:
        typer.echo("Error: HTML run reports are not available in this flowctl.", err=True)
        raise typer.Exit(2) from None
    meta = {**public(details), "effective_state": details.get("state")}
    try:
        # the task runs give the timeline: routine mapped children are not in the event log
        rows = [{key: row[key] for key in ("task", "map_index", "state", "started", "ended")}
                for row in task_run_rows(root, details["id"])]
        write_report(str(html), run_data_from_record(meta, events(root, details["id"]), task_runs=rows))
    except OSError as exc:
        typer.echo(f"Error: could not write {str(html)!r}: {exc}", err=True)
        raise typer.Exit(2) from None


@runs_app.command("prune", epilog="Examples:\n  flowctl runs prune\n  flowctl runs prune --keep 10\n"
                                   "  flowctl runs prune --older-than 7d")
def prune_command(
    state_dir_option: StateDirOption = None,
    keep: Annotated[Optional[int], typer.Option(
        "--keep", metavar="N", min=0, help="Keep the latest N runs of each flow (default 50).")] = None,
    older_than: Annotated[Optional[str], typer.Option(
        "--older-than", metavar="AGE", help="Delete runs started more than AGE ago: 7d, 12h, 30m, 2w.")] = None,
) -> None:
    """Delete old runs and the checkpoints only they used.

    Without options, keeps the latest 50 runs of each flow (the retention
    every `flowctl run` applies). Runs still going are never deleted.
    """
    from flowctl.cli.records import RunRecordError, state_dir
    from flowctl.store.prune import DEFAULT_KEEP, parse_age, prune

    with usage_errors():
        root = state_dir(state_dir_option)
        try:
            age = parse_age(older_than) if older_than is not None else None
        except ValueError as exc:
            raise RunRecordError(str(exc)) from None
        limit = keep if keep is not None else (DEFAULT_KEEP if age is None else None)
        removed = _guarded(prune, root, limit, age)
    typer.echo(f"Deleted {removed} run{'s' if removed != 1 else ''} from {str(root)!r}.")


def show_lines(details: dict) -> list[str]:
    """One run as text lines, in the wording of the end-of-run summary."""
    counts = details.get("counts") or {}
    lines = [
        f"Run {details.get('run_id')}",
        f"  Flow:        {details.get('flow')!r} (target {details.get('target')})",
        f"  State:       {details.get('state')}",
        f"  Started:     {_local_time(details.get('started'))}",
        f"  Ended:       {_local_time(details.get('ended'))}",
        f"  Duration:    {_duration(details)}",
        f"  Parameters:  {_parameters_text(details.get('parameters'))}",
        f"  Executor:    {details.get('executor') or '-'}",
        f"  Checkpoints: {details.get('checkpoints', 0)}" + ("" if details.get("checkpoint", True) else " (off)"),
    ]
    if details.get("resumed_from"):
        lines.append(f"  Resumed run {details['resumed_from']}: {details.get('reused', 0)} task runs reused "
                     f"from checkpoints, {details.get('ran', 0)} ran ({details.get('recomputed', 0)} recomputed "
                     f"because code or inputs changed)")
    if details.get("claimed_by"):
        lines.append(f"  Resumed by:  {details['claimed_by']}")
    if details.get("warning"):
        lines.append(f"  Warning:     {details['warning']}")
    lines.append("Task runs by state: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none"))
    failed = details.get("failed") or []
    if failed:
        lines.append(f"Failures ({len(failed)}):")
        for failure in failed:
            index = failure.get("map_index")
            label = failure.get("task") if index is None else f"{failure.get('task')}[{index}]"
            lines.append(f"  {label}: {failure.get('message')}")
    if details.get("state") not in ("Success", "Running") and not details.get("claimed_by"):
        lines.append(f"Resume with: flowctl run {details.get('target')} --resume {details.get('run_id')}")
    return lines


def register(app: typer.Typer) -> None:
    """Add the ``runs`` group to the flowctl app."""
    app.add_typer(runs_app, name="runs")


__all__ = ["register", "show_lines", "public"]
