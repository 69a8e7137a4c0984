"""Every module in examples/ runs as a script and gives the seed's documented results."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.stem)
def test_example_runs_as_a_script(path):
    completed = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120,
                               cwd=EXAMPLES.parent)
    assert completed.returncode == 0, completed.stderr


def test_add_task_example_matches_seed():
    module = load("add_task")
    assert repr(module.add_task) == "<Task: Add>"
    assert repr(module.add_function) == "<Task: Add>"
    assert module.add_task.run(1, 2) == 3
    assert module.add_task.run(x=5, y=-10) == -5
    assert module.add_task.run(x=[1, 2], y=[3, 4]) == [1, 2, 3, 4]


def test_task_runner_example_gives_success_then_trigger_failed():
    ok, failed = load("task_runner").run_examples()
    assert ok.result == 42
    assert type(failed).__name__ == "TriggerFailed"


def test_adding_tasks_examples_hold_the_seed_task_sets():
    m = load("adding_tasks")
    assert {repr(t) for t in m.imperative.tasks} == {"<Task: number_task>"}
    assert {repr(t) for t in m.functional.tasks} == {"<Task: number_task>"}
    assert m.number_task not in m.functional.tasks and m.result in m.functional.tasks
    assert {repr(t) for t in m.renamed.tasks} == {"<Task: new-name>"}
    assert {repr(t) for t in m.add_example.tasks} == {"<Task: add_task>"}
    assert m.add_task not in m.add_example_v2.tasks and m.add_result in m.add_example_v2.tasks
    names = sorted(t.name for t in m.constants_flow.tasks)
    assert names == ["Dict", "List", "List", "List", "do_nothing"]
    assert {repr(t) for t in m.constant_flow.tasks} == {"<Task: Constant[dict]>", "<Task: do_nothing>"}
    assert {repr(t) for t in m.parameters_flow.tasks} == {"<Task: add_task>", "<Parameter: x>", "<Parameter: y>"}
    assert m.x in m.parameters_flow.tasks and m.y in m.parameters_flow.tasks
    assert m.parameters_flow.run().result[m.parameter_result].result == 3
    assert {t.name for t in m.dependency_flow.upstream_tasks(m.b_result)} == {"A"}


def test_map_reduce_example_logs_the_sum(caplog):
    module = load("map_reduce")
    with caplog.at_level("INFO"):
        state = module.flow.run()
    assert state.result[module.summed_result].result == 14
    assert "The sum is 14" in caplog.text


def test_mapping_examples():
    module = load("mapping")
    assert module.unmapped_flow.run().result[module.unmapped_result].result == [6, 7, 8]
    assert len(module.print_flow.run().result[module.hello].map_states) == 4


def test_templating_example_defaults_and_overrides():
    module = load("templating")
    state = module.flow.run()
    assert state.result[module.result_one].result == 1
    assert state.result[module.result_two].result == 10


def test_state_handler_example_notifies_on_failure():
    module = load("state_handlers")
    state = module.flow.run()
    assert state.is_failed()
    assert module.NOTIFICATIONS == [{"error_msg": "something broke"}]


def test_best_practices_example():
    module = load("best_practices")
    state = module.flow.run()
    assert state.result[module.truthy].result is True
    bad = module.Bad()
    assert bad.run() == 1 and bad.run() == 2  # the statefulness the seed warns about
