"""``flowctl runs`` and ``flowctl runs show ID``: what earlier runs did, read from their records.

Everything comes from ``meta.json`` and ``events.ndjson``. A run that was
killed never wrote its final counts, so for such a record the counts and
failures are replayed from its event log instead.
"""
from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from flowctl.cli.errors import usage_errors

runs_app = typer.Typer(no_args_is_help=False)

StateDirOption = Annotated[Optional[Path], typer.Option(
    "--state-dir", metavar="DIR", help="Where run records are kept (default: $FLOWCTL_STATE_DIR, else ./.flowctl).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
PARAMETERS_WIDTH = 40


def _local_time(iso: Any) -> str:
    try:
        return datetime.datetime.fromisoformat(str(iso)).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return "-"


def _duration(meta: dict) -> str:
    from flowctl.render.plain import format_seconds

    seconds = meta.get("duration_s")
    return format_seconds(float(seconds)) if isinstance(seconds, (int, float)) else "-"


def _parameters_text(parameters: Any, width: int | None = None) -> str:
    if not isinstance(parameters, dict) or not parameters:
        return "-"
    text = " ".join(f"{name}={json.dumps(value, default=str)}" for name, value in parameters.items())
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def replay(events: list[dict]) -> tuple[dict[str, int], list[dict]]:
    """Counts by state and failures from an event log, for records that never got their summary.

    Each task run's last recorded state counts; a mapped parent speaks
    through its children, as in the end-of-run summary.
    """
    from flowctl.engine import state as state_module

    last: dict[tuple[Any, Any], dict] = {}
    for event in events:
        if event.get("event") == "task_state":
            last[(event.get("task"), event.get("map_index"))] = event
    counts: dict[str, int] = {}
    failures = []
    for (task, map_index), event in last.items():
        name = str(event.get("state"))
        kind = getattr(state_module, name, None)
        if isinstance(kind, type) and issubclass(kind, state_module.Mapped):
            continue
        counts[name] = counts.get(name, 0) + 1
        if isinstance(kind, type) and issubclass(kind, state_module.Failed):
            failures.append({"task": task, "map_index": map_index, "message": event.get("message")})
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))), failures


def _details(meta: dict) -> dict:
    """``meta`` plus what a reader wants: the effective state, checkpoints, counts and failures."""
    from flowctl.cli.records import checkpoint_files, read_events

    details = dict(meta)
    details["state"] = meta["effective_state"]
    details.pop("effective_state", None)
    path = Path(meta["path"])
    details["checkpoints"] = len(checkpoint_files(path))
    if meta.get("ended") is None:  # killed or still going: the log is all there is
        details["counts"], details["failed"] = replay(read_events(path))
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

    `flowctl runs show ID` shows one run. A run whose process died without
    closing its record (SIGKILL, a lost machine) shows as Crashed;
    `flowctl run TARGET --resume` continues it.
    """
    if ctx.invoked_subcommand is not None:
        return
    from flowctl.cli.records import list_runs, state_dir

    with usage_errors():
        root = state_dir(state_dir_option)
    runs = [m for m in list_runs(root) if flow is None or m.get("flow") == flow][:limit]
    if as_json:
        for meta in runs:
            meta["state"] = meta.pop("effective_state")
        typer.echo(json.dumps(runs, indent=2, default=str))
        return
    if not runs:
        typer.echo(f"No runs recorded under {str(root / 'runs')!r} yet.")
        return
    header = ("RUN ID", "FLOW", "STATE", "STARTED", "DURATION", "PARAMETERS")
    rows = [(str(m.get("run_id")), str(m.get("flow")), m["effective_state"], _local_time(m.get("started")),
             _duration(m), _parameters_text(m.get("parameters"), PARAMETERS_WIDTH)) for m in runs]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])


@runs_app.command("show")
def show_command(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="A run id from `flowctl runs` (or a unique prefix).")],
    state_dir_option: StateDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one run: its flow, parameters, state, counts, reuse and failures."""
    from flowctl.cli.records import find_run, state_dir

    with usage_errors():
        details = _details(find_run(state_dir(state_dir_option), run_id))
    if as_json:
        typer.echo(json.dumps(details, indent=2, default=str))
        return
    for line in show_lines(details):
        typer.echo(line)


def show_lines(details: dict) -> list[str]:
    """One run as text lines, in the wording of the end-of-run summary."""
    counts = details.get("counts") or {}
    lines = [
        f"Run {details.get('run_id')}",
        f"  Flow:        {details.get('flow')!r} (target {details.get('target')})",
        f"  State:       {details.get('state')}",
        f"  Started:     {_local_time(details.get('started'))}",
        f"  Ended:       {_local_time(details.get('ended')) if details.get('ended') else '-'}",
        f"  Duration:    {_duration(details)}",
        f"  Parameters:  {_parameters_text(details.get('parameters'))}",
        f"  Executor:    {details.get('executor', '-')} (pid {details.get('pid')})",
        f"  Checkpoints: {details.get('checkpoints', 0)}" + ("" if details.get("checkpoint", True) else " (off)"),
        f"  Directory:   {details.get('path')}",
    ]
    if details.get("resumed_from"):
        lines.append(f"  Resumed run {details['resumed_from']}: {details.get('reused', 0)} task runs reused "
                     f"from checkpoints, {details.get('ran', 0)} ran")
    lines.append("Task runs by state: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none"))
    failed = details.get("failed") or []
    if failed:
        lines.append(f"Failures ({len(failed)}):")
        for failure in failed:
            index = failure.get("map_index")
            label = failure.get("task") if index is None else f"{failure.get('task')}[{index}]"
            lines.append(f"  {label}: {failure.get('message')}")
    if details.get("state") not in ("Success", "Running"):
        lines.append(f"Resume with: flowctl run {details.get('target')} --resume {details.get('run_id')}")
    return lines


def register(app: typer.Typer) -> None:
    """Add the ``runs`` group to the flowctl app."""
    app.add_typer(runs_app, name="runs")


__all__ = ["register", "replay", "show_lines"]
