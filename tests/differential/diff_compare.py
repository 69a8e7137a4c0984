"""Comparing a scenario's outcome on Prefect 1.4.1 with its outcome on flowctl.

Both outcomes come from ``diff_runner.py``. Before comparing, each is put in a
canonical form in which the deliberate differences listed in
``/work/shared/API.md`` are encoded explicitly, each naming its API.md point:

- *Seed point 1* (collections of constants become ``List``/``Tuple``/``Set``/
  ``Dict`` tasks) and *seed point 2* (``Constant`` is a real task): flowctl
  has collection and constant tasks that Prefect 1.4.1 folds into constants,
  so tasks of those kinds are left out on both sides; their values still reach
  the tasks that consume them, whose results are compared.
- *Errors* ("definition and usage errors subclass both flowctl's own base
  error and the builtin a Prefect 1 user would catch"): an exception matches
  when Prefect's class name is among the classes flowctl's exception is an
  instance of.
- The *DEBUG log lines* difference needs no encoding: logs are not compared.

Differences kept on purpose in single scenarios are not masked here: they are
recorded with both outcomes in ``deliberate_differences.py`` and asserted.
"""
from __future__ import annotations

import json
import re
from typing import Any

from known_patterns import KNOWN_DIFFERENCE_PATTERNS

#: API.md seed points 1 and 2: classes of the tasks flowctl adds for constants and collections.
COLLECTION_TASK_NAMES = frozenset({"List", "Tuple", "Set", "Dict"})


def is_constant_or_collection(entry: dict) -> bool:
    """True for tasks left out under API.md seed points 1 and 2."""
    kind = entry.get("kind")
    return kind in COLLECTION_TASK_NAMES or kind == "Constant"


def canonical(outcome: dict, reference_error: dict | None = None) -> dict:
    """The outcome with tasks grouped by name and deliberate differences removed."""
    out: dict[str, Any] = {}
    error = outcome.get("error")
    if error is not None:
        out["error"] = {"phase": error.get("phase"), "type": error.get("type")}
        # API.md "Errors": flowctl's error also subclasses the builtin Prefect raises.
        if reference_error and reference_error.get("type") in (error.get("mro") or []):
            out["error"]["type"] = reference_error["type"]
    if "flow" in outcome:
        out["flow"] = outcome["flow"]
    if "flow_handlers" in outcome:
        out["flow_handlers"] = outcome["flow_handlers"]
    tasks: dict[str, list] = {}
    for entry in outcome.get("tasks", []):
        if is_constant_or_collection(entry):
            continue
        description = {key: value for key, value in entry.items() if key != "name"}
        tasks.setdefault(entry["name"], []).append(json.dumps(description, sort_keys=True))
    if tasks:
        out["tasks"] = {name: [json.loads(d) for d in sorted(ds)] for name, ds in sorted(tasks.items())}
    for key in ("log", "observed"):
        if key in outcome:
            out[key] = outcome[key]
    return out


def mask_known(value: Any) -> Any:
    """Every string with the known difference patterns replaced, so both sides read alike."""
    if isinstance(value, str):
        for _, _, pattern, replacement in KNOWN_DIFFERENCE_PATTERNS:
            value = re.sub(pattern, replacement, value)
        return value
    if isinstance(value, list):
        return [mask_known(item) for item in value]
    if isinstance(value, dict):
        return {key: mask_known(item) for key, item in value.items()}
    return value


def pattern_witnesses() -> set[str]:
    """The corpus scenarios that show a known pattern unmasked (each strictly xfailed)."""
    return {witness for _, witness, _, _ in KNOWN_DIFFERENCE_PATTERNS}


def differences(prefect: dict, flowctl: dict, scenario_id: str | None = None, limit: int = 8) -> list[str]:
    """Readable differences between the two outcomes (empty when they match).

    Known difference patterns (``known_differences.KNOWN_DIFFERENCE_PATTERNS``)
    are masked everywhere except in their witness scenario, so one known
    wording difference does not hide every other difference of a scenario.
    """
    if scenario_id not in pattern_witnesses():
        prefect, flowctl = mask_known(prefect), mask_known(flowctl)
    left = canonical(prefect)
    right = canonical(flowctl, reference_error=prefect.get("error"))
    found: list[str] = []
    _diff(left, right, "", found, limit)
    return found


def _diff(left: Any, right: Any, path: str, found: list[str], limit: int) -> None:
    if len(found) >= limit or left == right:
        return
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right), key=str):
            if key not in right:
                found.append(f"{path}/{key}: only on prefect: {_short(left[key])}")
            elif key not in left:
                found.append(f"{path}/{key}: only on flowctl: {_short(right[key])}")
            else:
                _diff(left[key], right[key], f"{path}/{key}", found, limit)
            if len(found) >= limit:
                return
        return
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for index, (a, b) in enumerate(zip(left, right)):
            _diff(a, b, f"{path}[{index}]", found, limit)
        return
    found.append(f"{path}: prefect {_short(left)} != flowctl {_short(right)}")


def _short(value: Any, width: int = 200) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= width else text[: width - 3] + "..."
