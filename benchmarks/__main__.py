"""``python -m benchmarks``: run the workloads and print one comparison table.

Progress goes to stderr row by row (a full run takes minutes); the table, and
only the table, goes to stdout so it can be redirected into a file or the
README. Timings on a shared 2-core machine are noisy: compare rows from the
same run, not across runs.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from benchmarks.runner import Outcome, Planner, run_one
from benchmarks.table import FOOTNOTES, render
from benchmarks.workloads import catalogue, is_peer, select


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Compare flowctl with a plain loop, Dask and (with --peers) Prefect 1.4.1.")
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes, for a smoke run (seconds, not minutes)")
    parser.add_argument("--only", metavar="NAME",
                        help="comma-separated workloads or families, e.g. chain,mapreduce")
    parser.add_argument("--peers", action="store_true",
                        help="add Prefect 1.4.1 rows (needs build/peers-venv: make bench-peers)")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds each workload x system may take (default 120)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs per row when a run is short; the median is reported")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the raw results")
    return parser.parse_args(argv)


def run_all(args: argparse.Namespace) -> list[Outcome]:
    """Every selected row, the plain loop first in each workload (it is the baseline)."""
    planner = Planner(args.timeout)
    outcomes: list[Outcome] = []
    for workload in select(catalogue(quick=args.quick), args.only):
        systems = [s for s in workload.systems if args.peers or not is_peer(s)]
        for system in sorted(systems, key=lambda s: s != "python"):
            reason = planner.skip_reason(workload, system)
            if reason is not None:
                outcome = Outcome(workload, system, "skipped", note=reason)
            else:
                print(f"  {workload.label:<28} {system:<16}", end="", file=sys.stderr,
                      flush=True)
                started = time.perf_counter()
                outcome = run_one(workload, system, args.timeout, args.repeats)
                print(f" {outcome.status:<4} {time.perf_counter() - started:6.1f}s"
                      f"  {outcome.note[:70]}", file=sys.stderr, flush=True)
                planner.learn(outcome)
            outcomes.append(outcome)
    return outcomes


def write_json(path: Path, outcomes: list[Outcome]) -> None:
    records = [{"workload": o.workload.name, "label": o.workload.label, "size": o.workload.size,
                "tasks": o.workload.task_count, "system": o.system, "status": o.status,
                "wall_s": o.wall, "build_s": o.build, "runs_s": o.runs,
                "peak_rss_kb": o.rss_kb, "note": o.note} for o in outcomes]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"flowctl benchmarks on {platform.python_implementation()} {platform.python_version()},"
          f" {platform.machine()}; per-row limit {args.timeout:.0f}s", file=sys.stderr)
    outcomes = run_all(args)
    print(render(outcomes))
    print()
    print(FOOTNOTES)
    if args.json is not None:
        write_json(args.json, outcomes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
