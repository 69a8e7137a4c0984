"""Building flows: the cost of the functional API per task, before anything runs.

Building must stay linear: a task bound with N inputs, a chain of N tasks or a
map over a list of N elements each cost the same per task (or element) at
any N. Each row builds its flow a few times in this process and reports the
best per-task cost; the flow's size is checked so a fast but wrong build is
reported, not praised.

Shapes:
- ``build-fanin``: ``total([add_one(i) for i in range(N)])``: N bound copies,
  and one List task with N keyed edges (the case that was quadratic).
- ``build-chain``: ``x = add_one(x)`` N times.
- ``build-maplist``: ``add_one.map(x=list(range(N)))``: one List task holding N constants.

The note also gives the Python function calls per task (counted on a
smaller build, a load-independent figure). While a ``with Flow`` block is
open, flowctl defers the collector's full collections (``flowctl.core.build_gc``);
the one full collection that follows a build happens after the timed block,
as it would in a program that goes on to run the flow.
"""
from __future__ import annotations

import gc
import resource
import sys
import time
from typing import Any, Callable

from benchmarks import work

SHAPES = ("build-fanin", "build-chain", "build-maplist")
BUDGET_US = 5.0  # per task (per element for the map's list)


def _builder(shape: str, size: int) -> tuple[Callable[[], Any], int]:
    """A function building the flow once, and the number of tasks it must hold."""
    import flowctl

    add_one, total = flowctl.task(work.add_one), flowctl.task(work.total)

    def build() -> Any:
        with flowctl.Flow(shape) as flow:
            if shape == "build-fanin":
                total([add_one(i) for i in range(size)])
            elif shape == "build-chain":
                value = 0
                for _ in range(size):
                    value = add_one(value)
            elif shape == "build-maplist":
                add_one.map(x=list(range(size)))
            else:
                raise ValueError(f"unknown build shape {shape!r}")
        return flow

    expected = {"build-fanin": size + 2, "build-chain": size, "build-maplist": 2}[shape]
    return build, expected


def measure(shape: str, size: int, repeats: int = 3) -> dict:
    """Best of ``repeats`` builds (each timed alone, its garbage collected before the next)."""
    build, expected = _builder(shape, size)
    build()  # warm: imports and first-use caches are not part of building a flow
    runs: list[float] = []
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        flow = build()
        runs.append(time.perf_counter() - started)
        if len(flow.tasks) != expected:
            raise RuntimeError(f"{shape} built {len(flow.tasks)} tasks, expected {expected}")
        del flow
    best = min(runs)
    per_task_us = best / size * 1e6
    verdict = "within" if per_task_us <= BUDGET_US else "OVER"
    note = (f"{per_task_us:.2f} µs/task to build (budget {BUDGET_US:g}: {verdict}), best of {len(runs)}; "
            f"{_python_calls_per_task(shape, min(size, 2000)):.1f} Python calls/task")
    return {"wall": best, "build": best, "runs": runs,
            "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "note": note}


def _python_calls_per_task(shape: str, size: int) -> float:
    """Python function calls per task of one build (the difference between ``size`` and ``2 * size``)."""
    counts = []
    for tasks in (size, 2 * size):
        build, _ = _builder(shape, tasks)
        calls = 0

        def count(frame: Any, event: str, arg: Any) -> None:
            nonlocal calls
            calls += event == "call"

        sys.setprofile(count)
        try:
            build()
        finally:
            sys.setprofile(None)
        counts.append(calls)
    return (counts[1] - counts[0]) / size


__all__ = ["SHAPES", "measure"]
