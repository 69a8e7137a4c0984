"""Re-records known_differences.py from a fresh run of every corpus scenario.

Usage: ``.venv/bin/python tests/differential/record_differences.py [--write] [ID_PREFIX...]``.
Prints each differing scenario with its differences; ``--write`` rewrites
``known_differences.py`` (whole corpus only) so the xfail list matches today's engine.
Deliberate differences (``deliberate_differences.py``) are checked against
their records instead and never written to the xfail list.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from deliberate_differences import DELIBERATE_DIFFERENCES  # noqa: E402
from deliberate_outcomes import mismatches  # noqa: E402
from diff_compare import differences  # noqa: E402
from diff_corpus import load_corpus  # noqa: E402
from diff_harness import Pair  # noqa: E402
from diff_scripts import load_script_scenarios  # noqa: E402

HEADER = '''"""Scenarios that differ from Prefect 1.4.1 today: scenario id -> one-line description.

Each is an ``xfail(strict=True)`` test: when the engine is fixed the test
XPASSes, fails the run, and its entry here must be removed (or re-record with
``.venv/bin/python tests/differential/record_differences.py --write``).
Only genuine, unfixed bugs belong here; a difference kept on purpose is
recorded, with its reason and both outcomes, in ``deliberate_differences.py``.
"""

KNOWN_DIFFERENCES: dict[str, str] = {
'''


def describe(found: list[str]) -> str:
    text = "; ".join(found[:2])
    return text if len(text) <= 220 else text[:217] + "..."


def generated_sources(count: int) -> list[str]:
    """The first ``count`` derandomized generated flows (the ones CI runs), as source."""
    from hypothesis import HealthCheck, Phase, given, settings

    from diff_generated import flow_descriptions, render

    sources: list[str] = []

    @settings(max_examples=count, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(nodes=flow_descriptions())
    def collect(nodes):
        sources.append(render(nodes))

    collect()
    return sources


def explore_generated(count: int) -> int:
    """Prints the masked differences of the first ``count`` generated flows, shortest first."""
    pair = Pair()
    found_any = []
    try:
        for index, source in enumerate(generated_sources(count)):
            prefect_outcome, flowctl_outcome = pair.run(f"generated-{index}", source)
            found = differences(prefect_outcome, flowctl_outcome)
            if found:
                found_any.append((len(source), index, source, found))
    finally:
        pair.stop()
    for _, index, source, found in sorted(found_any)[:8]:
        print(f"=== generated-{index}\n" + "\n".join(found) + "\n" + source.split("return new\n")[-1])
    print(f"{len(found_any)} of {count} generated flows differ")
    return 0


def main(argv: list[str]) -> int:
    if "--generated" in argv:
        return explore_generated(int(argv[argv.index("--generated") + 1]))
    write = "--write" in argv
    prefixes = [a for a in argv if not a.startswith("--")]
    scenarios = {**load_corpus(), **load_script_scenarios()}
    pair = Pair()
    known: dict[str, str] = {}
    if prefixes:
        scenarios = {k: v for k, v in scenarios.items() if k.startswith(tuple(prefixes))}
    pair.prefetch(scenarios)
    try:
        for scenario_id, source in scenarios.items():
            prefect_outcome, flowctl_outcome = pair.run(scenario_id, source)
            recorded = DELIBERATE_DIFFERENCES.get(scenario_id)
            if recorded is not None:
                drift = mismatches(recorded.prefect, prefect_outcome, "prefect") + mismatches(
                    recorded.flowctl, flowctl_outcome, "flowctl")
                if drift:
                    print(f"DELIBERATE CHANGED {scenario_id}\n    " + "\n    ".join(drift), flush=True)
                continue
            found = differences(prefect_outcome, flowctl_outcome, scenario_id)
            if found:
                known[scenario_id] = describe(found)
                print(f"DIFF {scenario_id}\n    " + "\n    ".join(found), flush=True)
    finally:
        pair.stop()
    print(f"{len(known)} differing scenarios")
    if write and not prefixes:
        # Hand-written descriptions of differences that persist are kept.
        from known_differences import KNOWN_DIFFERENCES

        known = {k: KNOWN_DIFFERENCES.get(k, v) for k, v in known.items()}
        body = "".join(f"    {json.dumps(k)}: {json.dumps(v)},\n" for k, v in sorted(known.items()))
        Path(__file__).with_name("known_differences.py").write_text(HEADER + body + "}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
