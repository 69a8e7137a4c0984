"""The record of deliberate differences is complete, documented, and checked for real.

The scenarios themselves run in ``test_corpus.py``; these tests keep the
record honest: every entry names a corpus scenario and a README point, no
scenario is both a bug and deliberate, the checker catches a changed outcome,
and what flowctl does instead of prompting (a paused task) can be resumed.
"""
from __future__ import annotations

from pathlib import Path

from deliberate_differences import DELIBERATE_DIFFERENCES
from deliberate_outcomes import Outcome, mismatches
from diff_corpus import load_corpus
from known_differences import KNOWN_DIFFERENCES

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_deliberate_difference_names_a_corpus_scenario():
    assert not set(DELIBERATE_DIFFERENCES) - set(load_corpus())


def test_no_scenario_is_both_a_known_bug_and_deliberate():
    assert not set(DELIBERATE_DIFFERENCES) & set(KNOWN_DIFFERENCES)


def test_every_deliberate_point_is_a_readme_bullet():
    text = README.read_text()
    section = " ".join(text[text.index("Deliberate differences from Prefect 1.4.1"):].split())
    missing = {entry.point for entry in DELIBERATE_DIFFERENCES.values() if entry.point not in section}
    assert not missing, f"README.md's deliberate differences do not list: {sorted(missing)}"


def test_every_record_has_a_reason_and_two_different_outcomes():
    for scenario_id, entry in DELIBERATE_DIFFERENCES.items():
        assert entry.reason.strip(), scenario_id
        assert entry.prefect != entry.flowctl, scenario_id


def test_checker_reports_a_changed_flow_state_and_error_class():
    ran = {"flow": {"state": "Success", "message": "All reference tasks succeeded."},
           "tasks": [{"name": "a", "kind": "FunctionTask", "state": "Success", "result": 1}]}
    assert mismatches(Outcome(flow="Success", tasks={"a": ["Success"]}, results={"a": [1]}), ran, "x") == []
    assert mismatches(Outcome(flow="Failed"), ran, "x")
    assert mismatches(Outcome(flow="Success", tasks={"a": ["Failed"]}), ran, "x")
    assert mismatches(Outcome(error="TypeError", phase="run"), ran, "x")
    raised = {"error": {"phase": "build", "type": "FlowDefinitionError",
                        "mro": ["FlowDefinitionError", "FlowctlError", "ValueError", "Exception"]}}
    assert mismatches(Outcome(error="ValueError", phase="build"), raised, "x") == []
    assert mismatches(Outcome(error="TypeError", phase="build"), raised, "x")


def test_a_paused_task_left_by_flow_run_resumes_with_a_resume_state():
    """What flowctl does instead of Prefect's stdin prompt must be something a user can resume from."""
    from flowctl import Flow, task, triggers
    from flowctl.engine.state import Paused, Resume

    @task
    def upstream():
        return 1

    @task(trigger=triggers.manual_only)
    def gate(x):
        return x + 1

    @task
    def downstream(x):
        return x * 10

    with Flow("approval") as flow:
        gated = gate(upstream())
        last = downstream(gated)
    first = flow.run()
    assert first.is_running() and isinstance(first.result[gated], Paused)
    resumed = flow.run(task_states={**first.result, gated: Resume()})
    assert resumed.is_successful()
    assert resumed.result[last].result == 20
