"""Every hand-written corpus scenario behaves on flowctl as on Prefect 1.4.1."""
from __future__ import annotations

import pytest

from conftest import check_deliberate, check_scenario
from deliberate_differences import DELIBERATE_DIFFERENCES
from diff_corpus import load_corpus
from diff_scripts import load_script_scenarios
from known_differences import KNOWN_DIFFERENCES

CORPUS = {**load_corpus(), **load_script_scenarios()}


def _param(scenario_id: str):
    reason = KNOWN_DIFFERENCES.get(scenario_id)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(scenario_id, marks=marks, id=scenario_id)


@pytest.fixture(scope="module", autouse=True)
def queue_whole_corpus(request):
    """Queues every scenario up front so the Prefect workers never wait for the next test."""
    selected = _selected(request.session.items)
    if selected:
        request.getfixturevalue("pair").prefetch(selected)


def _selected(items) -> dict:
    chosen = {item.callspec.params["scenario_id"] for item in items
              if hasattr(item, "callspec") and "scenario_id" in item.callspec.params}
    return {scenario_id: CORPUS[scenario_id] for scenario_id in CORPUS if scenario_id in chosen}


def test_corpus_is_large_enough():
    assert len(load_corpus()) >= 200, f"the corpus holds only {len(CORPUS)} scenarios"


def test_every_known_difference_names_a_scenario():
    script_sides = {k for k in KNOWN_DIFFERENCES if "::" in k}
    assert not set(KNOWN_DIFFERENCES) - set(CORPUS) - script_sides


@pytest.mark.parametrize("scenario_id", [_param(s) for s in CORPUS])
def test_scenario_matches_prefect(pair, scenario_id):
    """Matches Prefect 1.4.1, or, for a deliberate difference, both sides still do what is recorded."""
    if scenario_id in DELIBERATE_DIFFERENCES:
        check_deliberate(pair, scenario_id, CORPUS[scenario_id])
    else:
        check_scenario(pair, scenario_id, CORPUS[scenario_id])
