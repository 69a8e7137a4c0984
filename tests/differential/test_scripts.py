"""The acceptance scripts give Prefect 1.4.1's final states under `python FILE.py` and `flowctl run`.

Each script in ``scripts/`` imports ``prefect``; our side runs a copy with only
that import changed. Under ``python FILE.py`` a script prints its final states
(``FINAL-STATES {json}``); ``flowctl run -o json`` reports them as events.
Prefect's final states come from the session's warm Prefect worker running
the same script (its ``build()``), which spares a Prefect import per script.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from diff_compare import COLLECTION_TASK_NAMES
from diff_harness import to_flowctl
from diff_scripts import script_paths
from known_differences import KNOWN_DIFFERENCES

FLOWCTL = Path(sys.executable).with_name("flowctl")
ENV = {**os.environ, "PREFECT__LOGGING__LEVEL": "WARNING", "FLOWCTL__LOGGING__LEVEL": "WARNING", "CI": "1"}
_RUNS: dict = {}


def _seed_difference(name: str) -> bool:
    """API.md seed points 1 and 2: constant and collection tasks are not compared."""
    return name in COLLECTION_TASK_NAMES or name.startswith("Constant[")


def _final_states_from_stdout(stdout: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith("FINAL-STATES "):
            return json.loads(line[len("FINAL-STATES "):])
    raise AssertionError(f"the script printed no FINAL-STATES line:\n{stdout[-2000:]}")


def _final_states_from_events(stdout: str) -> dict:
    """The last state of every task and child in ``flowctl run -o json`` output, and the flow's."""
    out: dict = {}
    for line in stdout.splitlines():
        event = json.loads(line)
        if event["event"] == "task_state":
            index = event["map_index"]
            out[event["task"] if index is None else f"{event['task']}[{index}]"] = event["state"]
        elif event["event"] == "summary":
            out["<flow>"] = event["state"]
    return out


def _comparable(states: dict) -> dict:
    return {name: cls for name, cls in states.items() if not _seed_difference(name.split("[")[0])}


def _final_states_from_outcome(outcome: dict) -> dict:
    """The same mapping, from a scenario outcome of the Prefect worker."""
    assert "flow" in outcome, f"the script did not run on Prefect 1.4.1: {outcome.get('error')}"
    out = {"<flow>": outcome["flow"]["state"]}
    for entry in outcome["tasks"]:
        out[entry["name"]] = entry["state"]
        for index, child in enumerate(entry.get("children", [])):
            out[f"{entry['name']}[{index}]"] = child["state"]
    return out


def _launch_all(pair, tmp_dir: Path) -> dict:
    """Starts both flowctl commands of every script at once, runs them on Prefect meanwhile."""
    started = {}
    for path in script_paths():
        copy = tmp_dir / path.name
        copy.write_text(to_flowctl(path.read_text()))
        commands = {
            "python": [sys.executable, str(copy)],
            "flowctl run": [str(FLOWCTL), "run", str(copy), "-o", "json"],
        }
        for side, command in commands.items():
            started[(path.stem, side)] = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=tmp_dir)
    results = {}
    for path in script_paths():
        prefect_outcome = pair.run(f"scripts.{path.stem}", path.read_text())[0]
        results[(path.stem, "prefect")] = _final_states_from_outcome(prefect_outcome)
    for key, process in started.items():
        stdout, stderr = process.communicate(timeout=120)
        results[key] = (process.returncode, stdout, stderr)
    return results


@pytest.fixture(scope="module")
def script_runs(pair, tmp_path_factory):
    if not _RUNS:
        _RUNS.update(_launch_all(pair, tmp_path_factory.mktemp("scripts")))
    return _RUNS


def _params(side: str):
    for path in script_paths():
        scenario_id = f"scripts.{path.stem}::{side}"
        reason = KNOWN_DIFFERENCES.get(scenario_id)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(path.stem, marks=marks, id=path.stem)


def test_there_are_four_acceptance_scripts():
    assert len(script_paths()) >= 4


@pytest.mark.timeout(600)  # the first one starts every script at once
@pytest.mark.parametrize("stem", list(_params("python")))
def test_python_file_gives_prefect_final_states(script_runs, stem):
    prefect = script_runs[(stem, "prefect")]
    code, stdout, stderr = script_runs[(stem, "python")]
    assert _comparable(_final_states_from_stdout(stdout)) == _comparable(prefect), stderr[-2000:]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("stem", list(_params("flowctl run")))
def test_flowctl_run_gives_prefect_final_states(script_runs, stem):
    prefect = script_runs[(stem, "prefect")]
    code, stdout, stderr = script_runs[(stem, "flowctl run")]
    ours = _final_states_from_events(stdout)
    assert _comparable(ours) == _comparable(prefect), stderr[-2000:]
    assert code == (0 if prefect["<flow>"] == "Success" else 1)
