"""The units of work every system runs, so only the engine around them differs.

They are module-level functions (not lambdas) so Dask's worker processes can
import them by reference, and deliberately trivial so a workload's wall time
minus a plain loop over the same calls is the engine's overhead.
"""
from __future__ import annotations

import time


def add_one(x: int) -> int:
    return x + 1


def double(x: int) -> int:
    return 2 * x


def total(values: list) -> int:
    return sum(values)


def nap(x: int) -> int:
    """Stand-in for I/O-bound work: 50 ms of waiting that threads can overlap."""
    time.sleep(0.05)
    return x


def expected_result(shape: str, size: int) -> int:
    """What a correct run returns, so a fast-but-wrong run is reported, not praised."""
    if shape == "chain":
        return size
    if shape in ("fanout", "mapreduce"):
        return size * (size + 1) // 2
    if shape == "pipeline":
        return size * (size + 1)
    if shape == "sleep":
        return size * (size - 1) // 2
    raise ValueError(f"no expected result for shape {shape!r}")
