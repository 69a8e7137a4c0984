"""The recorded outcome of one side of a deliberate difference, and how to check it.

A deliberate difference (``deliberate_differences.py``) records what each
library does with the scenario. ``summarize`` reduces a run's outcome
(``diff_runner.py``) to the facts worth recording: what was raised, the final
flow state class and the start of its message, every task's final state
class, and the results of chosen tasks. ``mismatches`` lists how an outcome
strays from its record, so a change on either side fails the test and the
difference is decided again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from diff_compare import is_constant_or_collection


@dataclass(frozen=True)
class Outcome:
    """One side's recorded outcome.

    ``error``, ``phase``, ``flow`` and ``tasks`` are always checked (``None``:
    nothing raised / no flow state / no tasks described); ``message`` and
    ``results`` only when given. ``error`` is the class of what building or
    running raised (``phase`` says which); any class of the raised error's MRO
    matches, so an error recorded as ``ValueError`` stays a ``ValueError``.
    ``tasks`` maps each task name (but constants and collections: API.md seed
    points 1, 2) to the sorted final state classes of the tasks of that name,
    ``None`` for a task missing from the flow state's result. ``message`` is a
    prefix of the flow state's message; ``results`` maps chosen task names to
    their described results.
    """

    error: str | None = None
    phase: str | None = None
    flow: str | None = None
    message: str | None = None
    tasks: dict[str, list] | None = None
    results: dict[str, list] = field(default_factory=dict)


@dataclass(frozen=True)
class Deliberate:
    """A scenario in which flowctl differs from Prefect 1.4.1 on purpose."""

    reason: str
    #: The README "Deliberate differences from Prefect 1.4.1" bullet (its opening words) or API.md point.
    point: str
    prefect: Outcome
    flowctl: Outcome


def summarize(outcome: dict) -> dict[str, Any]:
    """The recordable facts of one run's outcome."""
    error = outcome.get("error") or {}
    tasks: dict[str, list] = {}
    results: dict[str, list] = {}
    for entry in outcome.get("tasks", []):
        if is_constant_or_collection(entry):
            continue
        tasks.setdefault(entry["name"], []).append(entry.get("state"))
        results.setdefault(entry["name"], []).append(entry.get("result"))
    flow = outcome.get("flow") or {}
    return {
        "error": error.get("type"),
        "error_mro": error.get("mro") or ([error["type"]] if error.get("type") else []),
        "phase": error.get("phase"),
        "flow": flow.get("state"),
        "message": flow.get("message"),
        "tasks": {name: sorted(states, key=str) for name, states in sorted(tasks.items())} or None,
        "results": results,
    }


def mismatches(expected: Outcome, outcome: dict, side: str) -> list[str]:
    """How ``outcome`` differs from the recorded ``expected`` (empty when it holds)."""
    seen = summarize(outcome)
    found = []
    if expected.error != seen["error"] and expected.error not in seen["error_mro"]:
        found.append(f"{side}: raised {seen['error']!r}, recorded {expected.error!r}")
    for key in ("phase", "flow", "tasks"):
        if getattr(expected, key) != seen[key]:
            found.append(f"{side}: {key} is {seen[key]!r}, recorded {getattr(expected, key)!r}")
    if expected.message is not None and not str(seen["message"]).startswith(expected.message):
        found.append(f"{side}: flow message is {seen['message']!r}, recorded to start {expected.message!r}")
    for name, results in expected.results.items():
        if seen["results"].get(name) != results:
            found.append(f"{side}: results of {name!r} are {seen['results'].get(name)!r}, recorded {results!r}")
    return found
