"""How ``flowctl test-task`` shows a task run: plain lines, a Rich report, or one JSON document.

All three show the same facts in the same order: the task's logs and
prints, the final state (and each mapped child's), then the result or the
failure with the user's own traceback (flowctl's frames trimmed).
"""
from __future__ import annotations

import datetime
import json
import sys
from typing import Any

from flowctl.render.tracebacks import failure_details, trim_traceback_text
from flowctl.render.jsonable import jsonable as _jsonable


def _first_part(message: str) -> str:
    """A log message without the engine's traceback: the outcome shows the user's own, trimmed."""
    return message.split("\nTraceback (most recent call last):", 1)[0]


def _time(at: float) -> str:
    return datetime.datetime.fromtimestamp(at).strftime("%H:%M:%S")


def _label(task: Any, map_index: int | None) -> str:
    return task.name if map_index is None else f"{task.name}[{map_index}]"


def _children(state: Any) -> list[Any]:
    return list(getattr(state, "map_states", None) or []) if state.is_mapped() else []


def _outcome(state: Any) -> dict:
    """State name, message, and the result or the failure (message and trimmed traceback)."""
    entry: dict[str, Any] = {"state": state.name, "message": state.message}
    if state.is_failed():
        message, trace = failure_details(state)
        exc = state.result
        entry["exception"] = {"type": type(exc).__name__ if isinstance(exc, BaseException) else None,
                              "message": message, "traceback": trace or None}
    elif not state.is_mapped():
        entry["result"] = state.result
    return entry


# -- json --------------------------------------------------------------------------------
def show_json(task: Any, report: dict) -> None:
    """One JSON object on stdout (stable keys: task, state, message, result, exception, map_states...)."""
    state = report["state"]
    document = {"task": task.name, **_outcome(state)}
    if "result" in document:
        document["result"] = _jsonable(document["result"])
    document["map_states"] = None
    if state.is_mapped():
        document["map_states"] = []
        for index, child in enumerate(_children(state)):
            entry = {"map_index": index, **_outcome(child)}
            if "result" in entry:
                entry["result"] = _jsonable(entry["result"])
            document["map_states"].append(entry)
    document["logs"] = [{"map_index": log.map_index, "level": log.level,
                         "message": trim_traceback_text(log.message),  # (the user's frames only)
                         "time": datetime.datetime.fromtimestamp(log.at, datetime.timezone.utc).isoformat()}
                        for log in report["logs"]]
    document["stdout"] = report["stdout"]
    document["duration_s"] = round(report["duration_s"], 6)
    sys.stdout.write(json.dumps(document, default=repr) + "\n")


# -- plain -------------------------------------------------------------------------------
def show_plain(task: Any, report: dict) -> None:
    """Lines without colour: transitions, logs, prints, then the outcome."""
    out = sys.stdout.write
    for change in report["transitions"]:
        out(f"{_label(task, change.map_index)}: {change.old.name} -> {change.new.name}\n")
    for log in report["logs"]:
        out(f"{_time(log.at)} {log.level:<7} {_label(task, log.map_index)} | {_first_part(log.message)}\n")
    if report["stdout"]:
        out("--- printed by the task ---\n" + report["stdout"].rstrip("\n") + "\n---\n")
    state = report["state"]
    for index, child in enumerate(_children(state)):
        out(f"{_label(task, index)}: {_one_line(child)}\n")
    out(f"{task.name}: {_one_line(state)}\n")
    for index, child in [(None, state)] + list(enumerate(_children(state))):
        if child is not None and child.is_failed():
            _message, trace = failure_details(child)
            if trace:
                out(f"\n{_label(task, index)} failed:\n{trace}\n")


def _one_line(state: Any) -> str:
    if state is None:
        return "not run"
    if state.is_failed():
        return f"{state.name}: {state.message or failure_details(state)[0]}"
    if state.is_mapped():
        return f"{state.name} ({len(state.map_states)} children)"
    text = f"{state.name}, result {state.result!r}"
    return text + (f" ({state.message})" if state.message and state.is_skipped() else "")


# -- rich --------------------------------------------------------------------------------
def show_rich(task: Any, report: dict) -> None:
    """A short report: logs, prints, a children table for mapped runs, the outcome in a panel."""
    from rich.console import Console, Group
    from rich.panel import Panel
    from rich.pretty import Pretty
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    for log in report["logs"]:
        style = {"WARNING": "yellow", "ERROR": "red", "CRITICAL": "bold red"}.get(log.level, "dim")
        line = Text(f"{_time(log.at)} ", style="dim")
        line.append(f"{log.level:<7} ", style=style)
        line.append(f"{_label(task, log.map_index)} ", style="cyan")
        line.append(_first_part(log.message))
        console.print(line)
    if report["stdout"]:
        console.print(Panel(report["stdout"].rstrip("\n"), title="printed by the task", title_align="left",
                            border_style="dim"))
    state = report["state"]
    if state.is_mapped():
        table = Table(title=f"{task.name}: {len(state.map_states)} children", title_justify="left")
        table.add_column("map_index", justify="right")
        table.add_column("state")
        table.add_column("result / message")
        for index, child in enumerate(_children(state)):
            if child is None:
                table.add_row(str(index), "not run", "")
                continue
            detail = child.message if child.is_failed() else repr(child.result)
            table.add_row(str(index), Text(child.name, style=child.color), detail or "")
        console.print(table)
    parts: list[Any] = [Text(state.message or "", style="dim")] if state.message else []
    if state.is_failed():
        parts.append(Text(failure_details(state)[1] or "", style="red"))
    elif not state.is_mapped():
        parts.append(Pretty(state.result))
    for index, child in enumerate(_children(state)):
        if child is not None and child.is_failed():
            parts.append(Text(f"\n{_label(task, index)}: {failure_details(child)[1]}", style="red"))
    title = Text(f"{task.name}: ")
    title.append(state.name, style=f"bold {state.color}")
    border = "red" if state.is_failed() or any(c is not None and c.is_failed() for c in _children(state)) \
        else "green"
    console.print(Panel(Group(*parts) if parts else Text(""), title=title, title_align="left",
                        border_style=border))
