"""Wording shared by the text outputs: times, durations, the end-of-run summary.

The summary is ordered for CI logs that get cut: counts and the run record
first, the failures last and bounded (at most ``MAX_FAILURES_SHOWN`` in full,
then a count), so the end of a log always says what failed.
"""
from __future__ import annotations

import datetime

from flowctl.render.summary import Summary

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


def verdict_line(summary: Summary) -> str:
    verdict = "interrupted" if summary.interrupted else "finished"
    return f"Flow {summary.flow!r} {verdict}: {summary.state} in {format_seconds(summary.duration_s)}"


def counts_text(summary: Summary) -> str:
    return ", ".join(f"{name} {number}" for name, number in summary.counts.items()) or "none"


def summary_lines(summary: Summary, max_failures: int = MAX_FAILURES_SHOWN) -> list[str]:
    """The summary as plain text lines, failures last."""
    lines = [verdict_line(summary), f"Task runs by state: {counts_text(summary)}"]
    reuse = reuse_line(summary)
    if reuse:
        lines.append(reuse)
    if summary.slowest:
        lines.append("Slowest: " + ", ".join(f"{label} {format_seconds(s)}" for label, s in summary.slowest))
    lines.extend(record_lines(summary))
    lines.extend(failure_lines(summary, max_failures))
    return lines


def failure_lines(summary: Summary, max_failures: int = MAX_FAILURES_SHOWN) -> list[str]:
    """The first ``max_failures`` failures with tracebacks, then how many more there were."""
    if not summary.failures:
        return []
    lines = [f"Failures ({len(summary.failures)}):"]
    for failure in summary.failures[:max_failures]:
        lines.append(f"  {failure.label}: {failure.message}")
        if failure.traceback:
            lines.append(indent(failure.traceback))
    hidden = len(summary.failures) - max_failures
    if hidden > 0:
        lines.append(f"  ... and {hidden} more failures (all of them: --output json, --junit or --report)")
    return lines


def reuse_line(summary: Summary) -> str | None:
    """How much a resumed run took from its checkpoints; nothing to say for a fresh run."""
    if summary.resumed_from is None:
        return None
    return (f"Resumed run {summary.resumed_from}: {summary.reused} task runs reused from checkpoints, "
            f"{summary.ran} ran ({summary.recomputed} recomputed because code or inputs changed)")


def record_lines(summary: Summary) -> list[str]:
    """Where the run is recorded and, when it did not succeed, how to continue it."""
    warning = [f"Warning: {summary.store_warning}."] if summary.store_warning else []
    if summary.run_id is None:
        return warning
    lines = [f"Run record: {summary.run_id} (flowctl runs show {summary.run_id})", *warning]
    if not summary.successful and summary.target is not None:
        lines.append(f"Resume with: {resume_command(summary)}")
    return lines


def resume_command(summary: Summary) -> str:
    return f"flowctl run {summary.target} --resume {summary.run_id}"
