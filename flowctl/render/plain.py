"""``--output plain``: one line per state transition and per log record, nothing else.

Made for CI logs and pipes: no colour, no cursor movement, stable wording
(``task[3]: Running -> Failed: message``) that greps well.
"""
from __future__ import annotations

import datetime
import sys
from typing import Any, TextIO

from flowctl.engine.events import FlowStateChanged, LogEmitted, TaskStateChanged
from flowctl.render.model import unit_label
from flowctl.render.stream import LineWriter
from flowctl.render.summary import Summary
from flowctl.render.tracebacks import trim_traceback_text

# Transitions whose message adds nothing ("Starting task run.") are printed without it.
_QUIET_STATES = {"Running", "Success", "Pending"}
MAX_FAILURES_SHOWN = 20


def clock(at: float) -> str:
    return datetime.datetime.fromtimestamp(at).strftime("%H:%M:%S")


def format_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:04.1f}s"


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def summary_lines(summary: Summary) -> list[str]:
    """The summary as plain text lines (also used by the Rich view when colour is off)."""
    verdict = "interrupted" if summary.interrupted else "finished"
    lines = [f"Flow {summary.flow!r} {verdict}: {summary.state} in {format_seconds(summary.duration_s)}"]
    counts = ", ".join(f"{name} {number}" for name, number in summary.counts.items())
    lines.append(f"Task runs by state: {counts or 'none'}")
    reuse = reuse_line(summary)
    if reuse:
        lines.append(reuse)
    if summary.slowest:
        lines.append("Slowest: " + ", ".join(f"{label} {format_seconds(s)}" for label, s in summary.slowest))
    if summary.failures:
        lines.append(f"Failures ({len(summary.failures)}):")
        for failure in summary.failures[:MAX_FAILURES_SHOWN]:
            lines.append(f"  {failure.label}: {failure.message}")
            if failure.traceback:
                lines.append(indent(failure.traceback))
        hidden = len(summary.failures) - MAX_FAILURES_SHOWN
        if hidden > 0:
            lines.append(f"  ... and {hidden} more failures (use --output json or --junit for all)")
    lines.extend(record_lines(summary))
    return lines


def reuse_line(summary: Summary) -> str | None:
    """How much a resumed run took from its checkpoints; nothing to say for a fresh run."""
    if summary.resumed_from is None:
        return None
    return (f"Resumed run {summary.resumed_from}: {summary.reused} task runs reused from checkpoints, "
            f"{summary.ran} ran")


def record_lines(summary: Summary) -> list[str]:
    """Where the run is recorded and, when it did not succeed, how to continue it."""
    if summary.run_id is None:
        return []
    lines = [f"Run record: {summary.run_id} (flowctl runs show {summary.run_id})"]
    if not summary.successful and summary.target is not None:
        lines.append(f"Resume with: flowctl run {summary.target} --resume {summary.run_id}")
    return lines


class PlainRenderer:
    """Writes events as lines of text to ``stream`` (stdout by default)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.out = LineWriter(stream or sys.stdout)

    def start(self, model: Any) -> None:
        self.out.write_line(f"Running flow {model.flow_name!r} ({len(model.rows)} tasks)")

    def handle(self, event: Any) -> None:
        if isinstance(event, TaskStateChanged):
            new = event.new
            name = type(new).__name__
            line = f"[{clock(event.at)}] {unit_label(event.task_name, event.map_index)}: " \
                   f"{type(event.old).__name__} -> {name}"
            if new.message and name not in _QUIET_STATES:
                line += f": {new.message}"
        elif isinstance(event, LogEmitted):
            where = unit_label(event.task_name, event.map_index) if event.task_name else "flow"
            message = trim_traceback_text(event.message).replace("\n", "\n    ")
            line = f"[{clock(event.at)}] {event.level:<7} {where} | {message}"
        elif isinstance(event, FlowStateChanged):
            line = f"[{clock(event.at)}] Flow {event.flow_name!r}: {type(event.new).__name__}"
            if event.new.message:
                line += f" ({event.new.message})"
        else:
            return
        self.out.write_line(line)

    def finish(self, summary: Summary) -> None:
        self.out.write_line("")
        for line in summary_lines(summary):
            self.out.write_line(line)
        self.out.close()

    def close(self) -> None:
        self.out.close()
