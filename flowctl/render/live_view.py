"""What the live view draws: a header with parameters and counts, one row per task, the summary.

Pure functions of a ``RunModel`` snapshot (or a ``Summary``) returning Rich
renderables, so the renderer in ``live.py`` only decides *when* to draw.
Parameters sit in the header, never as rows. Counts stay visible on any
width: ``57/200 ✘3 ●1`` on a narrow terminal, failures first.
"""
from __future__ import annotations

import time

from typing import Callable

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from flowctl.render.model import TaskRow
from flowctl.render.summary import Summary
from flowctl.render.text import format_seconds, record_lines, resume_command, reuse_line, verdict_line

NARROW = 80
MAX_FAILURES_SHOWN = 10

STYLES = {"done": "green", "failed": "bold red", "running": "cyan", "retrying": "yellow",
          "pending": "dim", "cancelled": "magenta", "skipped": "yellow"}
WORDS = {"done": "Success", "failed": "Failed", "running": "Running", "retrying": "Retrying",
         "pending": "Pending", "cancelled": "Cancelled", "skipped": "Skipped"}
UNICODE_ICONS = {"done": "✔", "failed": "✘", "running": "●", "retrying": "↻", "pending": "·",
                 "cancelled": "⊘", "skipped": "↷"}
ASCII_ICONS = {"done": "+", "failed": "x", "running": ">", "retrying": "r", "pending": ".",
               "cancelled": "-", "skipped": "s"}
STATE_STYLES = {"Success": "green", "Cached": "green", "Mapped": "green", "Skipped": "yellow",
                "Failed": "bold red", "TriggerFailed": "red", "TimedOut": "red", "ValidationFailed": "red",
                "Cancelled": "magenta", "Running": "cyan", "Retrying": "yellow", "Pending": "dim"}


def row_bucket(row: TaskRow, interrupted: bool) -> str:
    """The bucket a row is drawn in; after Ctrl-C what was running is Cancelled, as in the summary."""
    bucket = row.view_category()
    return "cancelled" if interrupted and bucket in ("running", "retrying") else bucket


def _row_word(row: TaskRow, bucket: str) -> str:
    if row.mapped:
        return "Mapped" if bucket == "pending" else WORDS[bucket]
    return "Cancelled" if bucket == "cancelled" else row.state


def unit_counts(rows: list[TaskRow], interrupted: bool = False) -> dict[str, int]:
    """Task runs (mapped children counted one by one) by bucket, plus ``total``."""
    counts = {"total": 0, "finished": 0, "failed": 0, "running": 0}
    for row in rows:
        if row.mapped:
            cats = row.child_categories
            counts["total"] += row.n
            counts["failed"] += cats["failed"]
            counts["running"] += cats["running"] + cats["retrying"]
            counts["finished"] += cats["done"] + cats["failed"] + cats["cancelled"]
        else:
            bucket = row.view_category()
            counts["total"] += 1
            counts["failed"] += bucket == "failed"
            counts["running"] += bucket in ("running", "retrying")
            counts["finished"] += bucket in ("done", "failed", "cancelled", "skipped")
    if interrupted:
        counts["running"] = 0
    return counts


def counts_text(counts: dict[str, int], narrow: bool, icons: dict[str, str]) -> Text:
    """``57/200 ✘3 ●1`` (narrow) or ``57/200 finished · 3 failed · 1 running``; failures first."""
    text = Text(no_wrap=True)
    if narrow:
        if counts["failed"]:
            text.append(f"{icons['failed']}{counts['failed']} ", style="bold red")
        text.append(f"{counts['finished']}/{counts['total']}", style="bold")
        if counts["running"]:
            text.append(f" {icons['running']}{counts['running']}", style="cyan")
        return text
    text.append(f"{counts['finished']}/{counts['total']} finished", style="bold")
    if counts["failed"]:
        text.append(f" · {counts['failed']} failed", style="bold red")
    if counts["running"]:
        text.append(f" · {counts['running']} running", style="cyan")
    return text


def header(info: dict, rows: list[TaskRow], parameters: dict | None, width: int, icons: dict[str, str],
           final_state: str | None = None) -> RenderableType:
    now = time.time()
    started = info["started"]
    elapsed = (info["ended"] or now) - started if started else 0.0
    state = final_state or info["state"]
    counts = counts_text(unit_counts(rows, final_state is not None), width < NARROW, icons)
    title = Text.assemble(("Flow ", "dim"), (repr(info["name"]), "bold"), " ", (state, STATE_STYLES.get(state, "")),
                          " ", (format_seconds(elapsed), "dim"), no_wrap=True, overflow="ellipsis")
    parts: list[RenderableType]
    if width < NARROW:
        parts = [counts, title]
    else:
        line = Table.grid(padding=(0, 2), expand=False)
        line.add_column(no_wrap=True, overflow="ellipsis")
        line.add_column(no_wrap=True)
        line.add_row(title, counts)
        parts = [line]
    if parameters:
        shown = " ".join(f"{name}={value}" for name, value in parameters.items())
        parts.append(Text.assemble(("Parameters ", "dim"), shown, no_wrap=True, overflow="ellipsis"))
    return Group(*parts)


def _children_text(row: TaskRow, narrow: bool, bucket: str) -> Text:
    cats = row.child_categories
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{cats['done'] + cats['failed']}/{row.n}", style="bold")
    if narrow:
        if cats["failed"]:
            text.append(f" ✘{cats['failed']}", style="red")
        return text
    text.append(f"  done {cats['done']}", style="green")
    text.append(f" · failed {cats['failed']}", style="red" if cats["failed"] else "dim")
    active = cats["running"] + cats["retrying"]
    if bucket == "cancelled":  # after Ctrl-C: what was running is cancelled, as the summary says
        text.append(f" · cancelled {active + cats['cancelled']}", style="magenta")
    else:
        text.append(f" · running {active}", style="cyan")
    text.append(f" of {row.n}", style="dim")
    return text


def _detail(row: TaskRow, bucket: str, detail_width: int, narrow: bool) -> RenderableType:
    if row.mapped and row.n:
        cats = row.child_categories
        if narrow:
            return _children_text(row, narrow, bucket)
        bar = ProgressBar(total=row.n, completed=cats["done"] + cats["failed"],
                          width=min(24, max(6, detail_width // 3)),
                          complete_style="red" if cats["failed"] else "green")
        progress = Table.grid(padding=(0, 1))
        progress.add_column(no_wrap=True)
        progress.add_column(no_wrap=True, overflow="ellipsis")
        progress.add_row(bar, _children_text(row, narrow, bucket))
        return progress
    if bucket in ("failed", "retrying", "skipped") and row.message:
        return Text(str(row.message), style="dim", no_wrap=True, overflow="ellipsis")
    return Text("")


def task_table(rows: list[TaskRow], hidden: list[TaskRow], width: int, icons: dict[str, str],
               interrupted: bool = False) -> Table:
    """One line per task: icon, name, state word, progress or message, duration."""
    now = time.time()
    narrow = width < NARROW
    name_width = min(20 if narrow else 32, max((len(r.name) for r in rows), default=4))
    state_width = 9 if narrow else 13
    # Icon, name, state and duration keep their widths; the detail column takes what is left.
    detail_width = max(4, width - 1 - name_width - state_width - 7 - 4)
    table = Table.grid(padding=(0, 1))
    table.add_column(width=1, no_wrap=True)
    table.add_column(no_wrap=True, width=name_width, overflow="ellipsis")
    table.add_column(no_wrap=True, width=state_width, overflow="ellipsis")
    table.add_column(no_wrap=True, overflow="ellipsis", width=detail_width)
    table.add_column(justify="right", no_wrap=True, width=7)
    for row in rows:
        bucket = row_bucket(row, interrupted)
        style = STYLES[bucket]
        duration = row.duration(now)
        table.add_row(Text(icons[bucket], style=style), Text(row.name, style="bold"),
                      Text(_row_word(row, bucket), style=style), _detail(row, bucket, detail_width, narrow),
                      Text(format_seconds(duration) if duration is not None else "", style="dim"))
    if hidden:
        done = sum(1 for r in hidden if r.view_category() in ("done", "skipped"))
        table.add_row("", Text(f"… and {len(hidden)} more tasks ({done} done)", style="dim"), "", "", "")
    return table


def choose_rows(rows: list[TaskRow], height: int) -> tuple[list[TaskRow], list[TaskRow]]:
    """Every row when they fit; otherwise the failed and active ones first."""
    limit = max(3, height - 7)
    if len(rows) <= limit:
        return rows, []
    urgent = [r for r in rows if r.view_category() in ("failed", "running", "retrying")][:limit]
    chosen = {id(r) for r in urgent}
    for row in rows:
        if len(chosen) >= limit:
            break
        if row.view_category() == "pending":
            chosen.add(id(row))
    return [r for r in rows if id(r) in chosen], [r for r in rows if id(r) not in chosen]


def command_text(text: str, style: str = "") -> Text:
    """A line meant for copying: never wrapped, never cut (the terminal may fold it, a copy stays whole)."""
    return Text(text, style=style, no_wrap=True, overflow="ignore")


def _same(text: str) -> str:
    return text


def summary_view(summary: Summary, clean: Callable[[str], str] = _same) -> list[RenderableType]:
    """The end-of-run summary; commands meant for copying are printed whole, never wrapped.

    ``clean`` scrubs secret parameter values from failure messages and tracebacks.
    """
    parts: list[RenderableType] = [Text(""), Text(verdict_line(summary), style="bold")]
    counts = Text("Task runs by state: ")
    for position, (name, number) in enumerate(summary.counts.items()):
        counts.append(", " if position else "")
        counts.append(f"{name} {number}", style=STATE_STYLES.get(name, ""))
    parts.append(counts)
    reuse = reuse_line(summary)
    if reuse:
        parts.append(Text(reuse, style="cyan"))
    if summary.slowest:
        parts.append(Text("Slowest: " + ", ".join(f"{label} {format_seconds(s)}" for label, s in summary.slowest),
                          style="dim"))
    for line in record_lines(summary):
        if line.startswith("Resume with: "):
            parts.append(Text("Resume with:"))
            parts.append(command_text("  " + resume_command(summary)))
        else:
            parts.append(command_text(line, style="dim"))
    if summary.failures:
        parts.append(Text(f"Failures ({len(summary.failures)}):", style="bold red"))
        for failure in summary.failures[:MAX_FAILURES_SHOWN]:
            parts.append(Text.assemble("  ", (failure.label, "bold red"), ": ", clean(failure.message)))
            if failure.traceback:
                trace = clean(failure.traceback)
                parts.append(Text("\n".join("    " + line for line in trace.splitlines()), style="dim"))
        if len(summary.failures) > MAX_FAILURES_SHOWN:
            parts.append(Text(f"  … and {len(summary.failures) - MAX_FAILURES_SHOWN} more failures "
                              f"(all of them: --output json, --junit or --report)", style="dim"))
    return parts

