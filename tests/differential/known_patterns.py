"""Known differences that show up in many scenarios, masked everywhere but in one witness.

A pattern rewrites matching strings on both sides alike, so one wording
difference does not hide everything else a scenario compares. Its witness
scenario is compared unmasked and is listed in ``known_differences.py``
(strict xfail): when the engine is fixed the witness XPASSes, and the entry
here must go too. Tests check every witness is still a known difference.
"""

#: (description, witness corpus scenario, regex, replacement) for every string of both outcomes.
KNOWN_DIFFERENCE_PATTERNS: list[tuple[str, str, str, str]] = [
    (
        "TriggerFailed messages name the failed upstream tasks (Prefect: a fixed sentence)",
        "triggers.all_successful__ok_boom",
        r'^(Trigger was "\w+" but (?:some|all) of the upstream tasks (?:failed|succeeded|were skipped))(?:\.|: .*)$',
        r"\1.",
    ),
    (
        "some_successful/some_failed threshold messages differ in wording",
        "triggers.some_successful_half__boom_boom",
        r"^Trigger (?:requires at least|allows at most) .* upstream tasks; .*$",
        "Trigger thresholds were not met.",
    ),
    (
        "some_successful/some_failed threshold messages differ in wording (Prefect side)",
        "triggers.some_successful_half__boom_boom",
        r'^Trigger was "some_\w+" but thresholds were not met\.$',
        "Trigger thresholds were not met.",
    ),
]

#: Known differences the random-flow generator steers around while the named
#: corpus scenario still shows them: description -> witness corpus scenario.
GENERATOR_AVOIDS: dict[str, str] = {
    "not_all_skipped on a task without upstreams": "triggers.not_all_skipped_without_upstreams",
}
