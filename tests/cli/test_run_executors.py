"""`flowctl run --executor ... --workers N`: the same flow and summary on every executor."""
from __future__ import annotations

import pytest

from cli_helpers import json_events

MAPPED_FLOW = '''
import flowctl
from flowctl import Flow, task

OFFSET = 100  # module state: workers get it because the module travels by value

@task
def shift(x):
    flowctl.context["logger"].info("shifting %s", x)
    return x + OFFSET

@task
def total(values):
    return sum(values)

with Flow("spread") as flow:
    total(shift.map(list(range(6))))
'''


@pytest.mark.parametrize("args", [
    ["--executor", "local"],
    ["--executor", "threads", "--workers", "3"],
    ["--executor", "processes", "--workers", "2"],
    ["--executor", "dask", "--workers", "1"],
])
def test_every_executor_runs_the_flow_and_reports_its_children(run_cli, write, args):
    write("spread.py", MAPPED_FLOW)
    result = run_cli("run", "spread.py", "-o", "json", *args, timeout=120)
    assert result.returncode == 0, result.stderr
    events = json_events(result.stdout)
    assert events[-1]["state"] == "Success"
    assert events[-1]["counts"] == {"Success": 8}
    children = {e["map_index"] for e in events
                if e["event"] == "task_state" and e["task"] == "shift" and e["state"] == "Success"}
    assert children == set(range(6))
    logs = {e["map_index"] for e in events if e["event"] == "log" and e["message"].startswith("shifting")}
    assert logs == set(range(6))
