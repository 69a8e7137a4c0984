"""The default retention: a ``flowctl run`` leaves the latest 50 runs of its flow, itself included."""
from __future__ import annotations

from flowctl.store import query
from flowctl.store.prune import DEFAULT_KEEP
from flowctl.store.runs import ActiveRun

FLOW = '''
from flowctl import Flow, task

@task
def one():
    return 1

with Flow("kept") as flow:
    one()
'''


def _recorded(root, flow, count):
    for _ in range(count):
        run = ActiveRun(root, {"flow": flow, "target": "flow.py", "parameters": {}, "checkpoint": True})
        run.finish("Success", 0.1, {"Success": 1}, [], 0, 1, 0, None)


def test_a_run_leaves_the_latest_50_of_its_flow_counting_itself(run_cli, write, tmp_path):
    root = tmp_path / ".flowctl"
    _recorded(root, "kept", DEFAULT_KEEP)
    _recorded(root, "other", DEFAULT_KEEP + 3)  # another flow's runs are pruned on their own count
    write("flow.py", FLOW)
    result = run_cli("run", "flow.py", "-o", "json")
    assert result.returncode == 0, result.stderr
    runs = query.list_runs(root, limit=1000)
    kept = [r for r in runs if r["flow"] == "kept"]
    assert len(kept) == DEFAULT_KEEP
    assert sum(r["run_id"] in result.stdout for r in kept) == 1  # the new run is among those kept
    assert len([r for r in runs if r["flow"] == "other"]) == DEFAULT_KEEP
