"""Formats outcomes as one plain-text table (aligned columns, no colour).

Plain text because the table is pasted into the README and into issue notes,
and read in CI logs where Rich's box drawing would be noise.
"""
from __future__ import annotations

from benchmarks.runner import Outcome

HEADERS = ("workload", "system", "wall", "build", "overhead/task", "peak RSS", "note")


def seconds(value: float | None) -> str:
    """Wall times from microseconds to minutes, each with a readable unit."""
    if value is None:
        return "-"
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def overhead_cell(outcome: Outcome, baseline: Outcome | None) -> str:
    """(wall - plain loop wall) / tasks, in µs; '-' where it does not apply."""
    workload = outcome.workload
    if outcome.status != "ok" or not workload.overhead_applies(outcome.system):
        return "-"
    if outcome.system == "python":
        return "0 (baseline)"
    if baseline is None or baseline.status != "ok" or baseline.wall is None:
        return "? (no baseline)"
    per_task_us = (outcome.wall - baseline.wall) / workload.task_count * 1e6
    if per_task_us >= 1000:
        return f"{per_task_us / 1000:,.1f} ms"
    return f"{per_task_us:,.1f} µs"


def row(outcome: Outcome, baseline: Outcome | None) -> tuple[str, ...]:
    label = outcome.workload.label
    if outcome.status != "ok":
        cell = outcome.note if outcome.status == "skipped" else f"n/a ({outcome.note})"
        return (label, outcome.system, cell, "", "", "", "")
    rss = f"{outcome.rss_kb / 1024:,.0f} MB" if outcome.rss_kb is not None else "-"
    return (label, outcome.system, seconds(outcome.wall), seconds(outcome.build),
            overhead_cell(outcome, baseline), rss, outcome.note)


def render(outcomes: list[Outcome]) -> str:
    """The whole table; a wide ``n/a (...)`` cell spills over the empty cells after it."""
    baselines = {o.workload.name: o for o in outcomes if o.system == "python"}
    rows = [row(o, baselines.get(o.workload.name)) for o in outcomes]
    spill = [r[3] == "" for r in rows]  # failed rows: the reason is not a column value
    widths = [len(h) for h in HEADERS]
    for cells, spills in zip(rows, spill):
        for index, cell in enumerate(cells):
            if not (spills and index == 2):
                widths[index] = max(widths[index], len(cell))
    lines = [_join(HEADERS, widths), _join(tuple("-" * w for w in widths), widths)]
    previous = None
    for cells, spills, outcome in zip(rows, spill, outcomes):
        if previous is not None and outcome.workload.name != previous:
            lines.append("")
        previous = outcome.workload.name
        if spills:
            lines.append(_join(cells[:2], widths[:2]) + "  " + cells[2])
        else:
            lines.append(_join(cells, widths))
    return "\n".join(line.rstrip() for line in lines)


def _join(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths))


FOOTNOTES = """\
overhead/task = (wall - the same work in a plain Python loop) / tasks, per mapped child for
maps (the reduce is amortised; a 2-level pipeline counts 2 children per element). wall is the
run alone (median of up to 3 runs when they are short); build is constructing the flow or
graph. peak RSS is ru_maxrss of the row's own process (for Dask rows that is the client
process, not the worker processes). Rows with parallel executors on the sleep workload show no
overhead: their waits overlap, so a sequential baseline does not apply."""
