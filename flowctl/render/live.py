"""``--output rich``: a live table of the run, log lines streamed above it, and a summary.

The table is drawn by Rich's own refresh thread from ``RunModel`` snapshots
(``Live(get_renderable=...)``), at a fixed rate, so the cost of the view does
not grow with the number of events: 100,000 mapped children are one row and
one progress bar. Rich is imported only when this mode is chosen.
"""
from __future__ import annotations

import time
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from flowctl.engine.events import LogEmitted
from flowctl.render.model import RunModel, TaskRow, unit_label
from flowctl.render.plain import clock, format_seconds, record_lines, reuse_line
from flowctl.render.summary import Summary
from flowctl.render.tracebacks import trim_traceback_text

REFRESH_PER_SECOND = 8
MAX_FAILURES_SHOWN = 10

STYLES = {"done": "green", "failed": "bold red", "running": "cyan", "retrying": "yellow",
          "pending": "dim", "cancelled": "magenta"}
WORDS = {"done": "Success", "failed": "Failed", "running": "Running", "retrying": "Retrying",
         "pending": "Pending", "cancelled": "Cancelled"}
UNICODE_ICONS = {"done": "✔", "failed": "✘", "running": "●", "retrying": "↻", "pending": "·",
                 "cancelled": "⊘"}
ASCII_ICONS = {"done": "+", "failed": "x", "running": ">", "retrying": "r", "pending": ".",
               "cancelled": "-"}
STATE_STYLES = {"Success": "green", "Cached": "green", "Mapped": "green", "Skipped": "yellow",
                "Failed": "bold red", "TriggerFailed": "red", "TimedOut": "red", "ValidationFailed": "red",
                "Cancelled": "magenta", "Running": "cyan", "Retrying": "yellow", "Pending": "dim"}
LEVEL_STYLES = {"DEBUG": "dim", "INFO": "blue", "WARNING": "yellow", "ERROR": "bold red", "CRITICAL": "bold red"}


def _row_word(row: TaskRow) -> tuple[str, str]:
    """The state word and bucket shown for a row (a mapped row speaks for its children)."""
    bucket = row.view_category()
    if not row.mapped:
        return row.state, bucket
    return ("Mapped" if bucket == "pending" else WORDS[bucket]), bucket


def _children_text(row: TaskRow) -> Text:
    cats = row.child_categories
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{cats['done'] + cats['failed']}/{row.n}", style="bold")
    text.append(f"  done {cats['done']}", style="green")
    text.append(f" · failed {cats['failed']}", style="red" if cats["failed"] else "dim")
    text.append(f" · running {cats['running'] + cats['retrying']}", style="cyan")
    text.append(f" of {row.n}", style="dim")
    return text


class LiveRenderer:
    """Draws the run on a terminal; ``handle`` only prints log lines (the model holds the rest)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)
        self.icons = UNICODE_ICONS if self.console.encoding.lower().startswith("utf") else ASCII_ICONS
        self.model: RunModel | None = None
        self.live: Live | None = None
        self._cached: RenderableType = Text("")
        self._cached_at = 0.0

    # -- renderer protocol ------------------------------------------------------
    def start(self, model: RunModel) -> None:
        self.model = model
        self.live = Live(get_renderable=self._renderable, console=self.console,
                         refresh_per_second=REFRESH_PER_SECOND, transient=False,
                         redirect_stdout=True, redirect_stderr=True)
        self.live.start(refresh=True)

    def handle(self, event: Any) -> None:
        if isinstance(event, LogEmitted):
            self.console.print(self._log_text(event), soft_wrap=True)

    def finish(self, summary: Summary) -> None:
        self._cached_at = 0.0  # draw the final states, not a cached frame
        self.close()
        self.console.print(self._summary(summary))

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    # -- drawing --------------------------------------------------------------------
    def _log_text(self, event: LogEmitted) -> Text:
        where = unit_label(event.task_name, event.map_index) if event.task_name else "flow"
        return Text.assemble((clock(event.at), "dim"), " ", (f"{event.level:<7}", LEVEL_STYLES.get(event.level, "")),
                             " ", (where, "bold"), " | ", trim_traceback_text(event.message))

    def _renderable(self) -> RenderableType:
        # Rich also asks for the renderable on every printed log line; rebuilding
        # at most once per refresh period keeps a chatty flow cheap.
        now = time.monotonic()
        if now - self._cached_at >= 1.0 / REFRESH_PER_SECOND:
            self._cached = self._build()
            self._cached_at = now
        return self._cached

    def _build(self) -> RenderableType:
        assert self.model is not None
        _version, rows, info = self.model.snapshot()
        now = time.time()
        shown, hidden = self._choose_rows(rows)
        # Names and state words keep their width; the progress/message column gives way.
        name_width = min(32, max((len(r.name) for r in shown), default=4))
        table = Table.grid(padding=(0, 1))
        table.add_column(width=1)
        table.add_column(no_wrap=True, min_width=name_width, max_width=32, overflow="ellipsis")
        table.add_column(no_wrap=True, min_width=13)
        detail_width = max(10, self.console.size.width - name_width - 13 - 7 - 1 - 4)
        table.add_column(no_wrap=True, overflow="ellipsis", max_width=detail_width)
        table.add_column(justify="right", no_wrap=True, min_width=7)
        for row in shown:
            word, bucket = _row_word(row)
            style = STYLES[bucket]
            duration = row.duration(now)
            progress: RenderableType = Text("")
            if row.mapped and row.n:
                cats = row.child_categories
                bar = ProgressBar(total=row.n, completed=cats["done"] + cats["failed"],
                                  width=min(24, max(6, detail_width // 3)),
                                  complete_style="red" if cats["failed"] else "green")
                progress = Table.grid(padding=(0, 1))
                progress.add_column(no_wrap=True)
                progress.add_column(no_wrap=True, overflow="ellipsis")
                progress.add_row(bar, _children_text(row))
            elif row.category in ("failed", "retrying") and row.message:
                progress = Text(str(row.message), style="dim", no_wrap=True, overflow="ellipsis")
            table.add_row(Text(self.icons[bucket], style=style), Text(row.name, style="bold"),
                          Text(word, style=style), progress,
                          Text(format_seconds(duration) if duration is not None else "", style="dim"))
        if hidden:
            done = sum(1 for r in hidden if r.view_category() == "done")
            table.add_row("", Text(f"… and {len(hidden)} more tasks ({done} done)", style="dim"), "", "", "")
        started = info["started"]
        elapsed = (info["ended"] or now) - started if started else 0.0
        header = Text.assemble(("Flow ", "dim"), (repr(info["name"]), "bold"), "  ",
                               (info["state"], STATE_STYLES.get(info["state"], "")), "  ",
                               (format_seconds(elapsed), "dim"))
        return Group(header, table)

    def _choose_rows(self, rows: list[TaskRow]) -> tuple[list[TaskRow], list[TaskRow]]:
        """Every row when they fit; otherwise the active and failed ones first."""
        limit = max(5, self.console.size.height - 6)
        if len(rows) <= limit:
            return rows, []
        urgent = [r for r in rows if r.view_category() in ("running", "retrying", "failed")][:limit]
        chosen = {id(r) for r in urgent}
        for row in rows:
            if len(chosen) >= limit:
                break
            if row.view_category() == "pending":
                chosen.add(id(row))
        shown = [r for r in rows if id(r) in chosen]
        return shown, [r for r in rows if id(r) not in chosen]

    def _summary(self, summary: Summary) -> RenderableType:
        parts: list[RenderableType] = [Text("")]
        verdict = "interrupted" if summary.interrupted else "finished"
        parts.append(Text.assemble(("Flow ", ""), (repr(summary.flow), "bold"), f" {verdict}: ",
                                   (summary.state, STATE_STYLES.get(summary.state, "bold")),
                                   f" in {format_seconds(summary.duration_s)}"))
        counts = Text("Task runs by state: ")
        for position, (name, number) in enumerate(summary.counts.items()):
            counts.append(", " if position else "")
            counts.append(f"{name} {number}", style=STATE_STYLES.get(name, ""))
        parts.append(counts)
        reuse = reuse_line(summary)
        if reuse:
            parts.append(Text(reuse, style="cyan"))
        if summary.slowest:
            parts.append(Text("Slowest: " + ", ".join(f"{label} {format_seconds(s)}"
                                                      for label, s in summary.slowest), style="dim"))
        if summary.failures:
            parts.append(Text(f"Failures ({len(summary.failures)}):", style="bold red"))
            for failure in summary.failures[:MAX_FAILURES_SHOWN]:
                parts.append(Text.assemble("  ", (failure.label, "bold red"), ": ", failure.message))
                if failure.traceback:
                    parts.append(Text("\n".join("    " + line for line in failure.traceback.splitlines()),
                                      style="dim"))
            if len(summary.failures) > MAX_FAILURES_SHOWN:
                parts.append(Text(f"  … and {len(summary.failures) - MAX_FAILURES_SHOWN} more failures "
                                  f"(use --output json or --junit for all)", style="dim"))
        parts.extend(Text(line, style="dim") for line in record_lines(summary))
        return Group(*parts)
