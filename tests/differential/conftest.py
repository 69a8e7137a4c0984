"""Session fixtures of the differential tier: the two scenario workers.

The tier never skips: without a working Prefect 1.4.1 peer environment every
test fails with a message saying how to build it.
"""
from __future__ import annotations

import pytest

from diff_harness import Pair, PeerUnavailable, peer_problem

_PAIR: list = []
_PROBLEM: list = []


@pytest.fixture(scope="session")
def pair():
    """Both workers, started once; a missing peer environment fails every test that uses them."""
    if not _PROBLEM:
        _PROBLEM.append(peer_problem())
    if _PROBLEM[0]:
        pytest.fail(f"the differential tier needs Prefect 1.4.1: {_PROBLEM[0]}", pytrace=False)
    if not _PAIR:
        _PAIR.append(Pair())
    yield _PAIR[0]


def pytest_sessionfinish(session, exitstatus):
    for pair in _PAIR:
        pair.stop()


def check_scenario(pair: Pair, scenario_id: str, source: str) -> None:
    """Runs one scenario on both libraries and fails with the differences, if any."""
    from diff_compare import differences
    from diff_harness import as_json

    try:
        prefect_outcome, flowctl_outcome = pair.run(scenario_id, source)
    except PeerUnavailable as exc:
        pytest.fail(f"the differential tier needs Prefect 1.4.1: {exc}", pytrace=False)
    found = differences(prefect_outcome, flowctl_outcome, scenario_id)
    if found:
        detail = "\n".join(found)
        pytest.fail(
            f"{scenario_id} differs from Prefect 1.4.1:\n{detail}\n\n--- prefect:\n{as_json(prefect_outcome)[:4000]}"
            f"\n--- flowctl:\n{as_json(flowctl_outcome)[:4000]}",
            pytrace=False,
        )


def check_deliberate(pair: Pair, scenario_id: str, source: str) -> None:
    """Runs a deliberate difference on both libraries: each must still do what its record says."""
    from deliberate_differences import DELIBERATE_DIFFERENCES
    from deliberate_outcomes import mismatches
    from diff_harness import as_json

    recorded = DELIBERATE_DIFFERENCES[scenario_id]
    try:
        prefect_outcome, flowctl_outcome = pair.run(scenario_id, source)
    except PeerUnavailable as exc:
        pytest.fail(f"the differential tier needs Prefect 1.4.1: {exc}", pytrace=False)
    found = mismatches(recorded.prefect, prefect_outcome, "prefect") + mismatches(
        recorded.flowctl, flowctl_outcome, "flowctl")
    if found:
        pytest.fail(
            f"{scenario_id} no longer differs as recorded ({recorded.point}: {recorded.reason}); decide it again "
            f"in deliberate_differences.py:\n" + "\n".join(found)
            + f"\n\n--- prefect:\n{as_json(prefect_outcome)[:3000]}\n--- flowctl:\n{as_json(flowctl_outcome)[:3000]}",
            pytrace=False,
        )
