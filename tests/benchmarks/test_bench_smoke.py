"""The benchmark harness runs end to end and prints its table.

Only the shape of the output is checked: timings on a shared machine are
noise, so no test ever asserts a figure.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_quick_chain_prints_a_table_with_flowctl_and_baseline_rows() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "chain", "--timeout", "60"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=110,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["workload", "system", "wall"]
    rows = {line.split()[2]: line for line in lines if line.startswith("chain ")}
    assert {"python", "flowctl", "dask-sync", "dask-threads"} <= set(rows)
    assert "n/a" not in rows["flowctl"], rows["flowctl"]
    assert "0 (baseline)" in rows["python"]
