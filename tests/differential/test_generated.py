"""Random flows (Hypothesis) behave on flowctl as on Prefect 1.4.1.

Examples are derandomized, so CI sees the same flows on every run;
``FLOWCTL_DIFF_EXAMPLES`` raises the count (default 200). A failure is shrunk
to a minimal flow whose source the failure message prints: add it to
``diff_corpus/generated_regressions.py`` so it stays in the corpus.

Differences already known and shown by a strictly-xfailed corpus scenario are
masked (``KNOWN_DIFFERENCE_PATTERNS``, ``GENERATOR_AVOIDS``) so that a
generated flow fails only for something new.
"""
from __future__ import annotations

import hashlib
import os

import pytest
from hypothesis import HealthCheck, given, settings

from diff_compare import differences
from diff_generated import flow_descriptions, render
from diff_harness import as_json
from known_differences import KNOWN_DIFFERENCES
from known_patterns import GENERATOR_AVOIDS, KNOWN_DIFFERENCE_PATTERNS

EXAMPLES = int(os.environ.get("FLOWCTL_DIFF_EXAMPLES", "200"))


def test_every_masked_pattern_is_shown_by_an_xfailed_corpus_scenario():
    for description, scenario_id, _, _ in KNOWN_DIFFERENCE_PATTERNS:
        assert scenario_id in KNOWN_DIFFERENCES, f"{description!r}: {scenario_id} is not a known difference"


def test_every_avoided_difference_is_shown_by_an_xfailed_corpus_scenario():
    for description, scenario_id in GENERATOR_AVOIDS.items():
        assert scenario_id in KNOWN_DIFFERENCES, f"{description!r}: {scenario_id} is not a known difference"


@pytest.mark.timeout(1200)  # one test item runs all the examples
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck), print_blob=False)
@given(nodes=flow_descriptions())
def test_random_flow_matches_prefect(pair, nodes):
    source = render(nodes)
    scenario_id = "generated-" + hashlib.sha1(source.encode()).hexdigest()[:12]
    prefect_outcome, flowctl_outcome = pair.run(scenario_id, source)
    found = differences(prefect_outcome, flowctl_outcome)
    if found:
        pytest.fail(
            "a generated flow differs from Prefect 1.4.1:\n" + "\n".join(found)
            + f"\n\n--- source:\n{source}\n--- prefect:\n{as_json(prefect_outcome)[:3000]}"
            + f"\n--- flowctl:\n{as_json(flowctl_outcome)[:3000]}",
            pytrace=False,
        )
