"""Where the engine's time goes per task and per child: ``python -m benchmarks.profile_hot_path``.

Profiles the two workloads the overhead targets are set on (a 1,000-task chain
and a 100,000-child map-reduce, both on LocalExecutor) and prints the top
functions by own time (tottime), which is where cutting pays. cProfile adds
its own cost per call, so read the ranking, not the absolute seconds; the
table from ``python -m benchmarks`` is the measurement. The first line, Python
function calls per task (or per child), does not depend on the machine's load:
on a busy machine compare that before and after a change.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats

from benchmarks import taskapi, work


def profile(shape: str, size: int, top: int) -> str:
    """Build the flow outside the profiler, run it once under it, return the report."""
    run = taskapi.make("flowctl", shape, size, notes=[])
    run()  # warm: first-run imports and caches are not the per-task cost
    run = taskapi.make("flowctl", shape, size, notes=[])
    profiler = cProfile.Profile()
    result = profiler.runcall(run)
    if result != work.expected_result(shape, size):
        raise SystemExit(f"{shape} {size}: wrong result {result!r}")
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    buffer.write(f"{stats.total_calls / size:.1f} function calls per {'child' if shape != 'chain' else 'task'}\n")
    stats.sort_stats("tottime").print_stats(top)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_hot_path",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=25, help="functions to show (default 25)")
    parser.add_argument("--chain", type=int, default=1000, help="chain length")
    parser.add_argument("--children", type=int, default=100_000, help="map-reduce children")
    args = parser.parse_args(argv)
    taskapi.preload("flowctl")
    for title, shape, size in (("chain", "chain", args.chain),
                               ("map-reduce", "mapreduce", args.children)):
        print(f"=== {title} of {size:,} on LocalExecutor, top {args.top} by tottime ===")
        print(profile(shape, size, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
