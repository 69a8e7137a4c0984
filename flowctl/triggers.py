"""Triggers: pure functions of a task's upstream states that decide whether it runs.

A trigger takes ``{Edge: State}`` and returns True to run the task. Returning
False, or raising ``TRIGGERFAIL`` (with a message naming what went wrong),
puts the task in ``TriggerFailed``. A mapped upstream seen through a
non-mapped edge (a reduce) counts as its children's states.
"""
from __future__ import annotations

from typing import Any, Callable

from flowctl.engine import signals
from flowctl.engine.state import Mapped, Success
from flowctl.utilities.context import context

Trigger = Callable[[dict], bool]


def _states(upstream_states: dict) -> list:
    """All upstream states, with mapped parents expanded into their children."""
    states: list = []
    for upstream_state in upstream_states.values():
        if isinstance(upstream_state, Mapped):
            states.extend(upstream_state.map_states)
        else:
            states.append(upstream_state)
    return states


def _names(upstream_states: dict, predicate: Callable[[Any], bool]) -> str:
    names = []
    for edge, upstream_state in upstream_states.items():
        children = getattr(upstream_state, "map_states", None)
        upstream = getattr(edge, "upstream_task", None)
        label = getattr(upstream, "name", "upstream")
        if children is not None and upstream_state.is_mapped():
            bad = [i for i, s in enumerate(children) if predicate(s)]
            if bad:
                names.append(f"{label}{bad[:5]}" + ("..." if len(bad) > 5 else ""))
        elif predicate(upstream_state):
            names.append(label)
    return ", ".join(names)


def all_successful(upstream_states: dict) -> bool:
    """Run when every upstream succeeded (the default)."""
    if not all(isinstance(s, Success) for s in _states(upstream_states)):
        raise signals.TRIGGERFAIL(
            'Trigger was "all_successful" but some of the upstream tasks failed: '
            + _names(upstream_states, lambda s: not s.is_successful())
        )
    return True


def all_failed(upstream_states: dict) -> bool:
    """Run when every upstream failed."""
    if not all(s.is_failed() for s in _states(upstream_states)):
        raise signals.TRIGGERFAIL(
            'Trigger was "all_failed" but some of the upstream tasks succeeded: '
            + _names(upstream_states, lambda s: not s.is_failed())
        )
    return True


def all_finished(upstream_states: dict) -> bool:
    """Run when every upstream finished, whatever its outcome."""
    if not all(s.is_finished() for s in _states(upstream_states)):
        raise signals.TRIGGERFAIL(
            'Trigger was "all_finished" but some of the upstream tasks were not finished: '
            + _names(upstream_states, lambda s: not s.is_finished())
        )
    return True


always_run = all_finished


def manual_only(upstream_states: dict) -> bool:
    """Never run on its own: pause until the run is resumed (``resume`` in context)."""
    if context.get("resume", False):
        return True
    raise signals.PAUSE('Trigger function is "manual_only"')


def any_successful(upstream_states: dict) -> bool:
    """Run when at least one upstream succeeded (or there are no upstream edges at all).

    As in Prefect 1, a mapped upstream with no children counts as an upstream
    with nothing successful.
    """
    if upstream_states and not any(s.is_successful() for s in _states(upstream_states)):
        raise signals.TRIGGERFAIL('Trigger was "any_successful" but none of the upstream tasks succeeded.')
    return True


def any_failed(upstream_states: dict) -> bool:
    """Run when at least one upstream failed (or there are no upstream edges at all)."""
    if upstream_states and not any(s.is_failed() for s in _states(upstream_states)):
        raise signals.TRIGGERFAIL('Trigger was "any_failed" but none of the upstream tasks failed.')
    return True


def not_all_skipped(upstream_states: dict) -> bool:
    """Run unless every upstream was skipped (used by ``merge``).

    As in Prefect 1, no upstream at all counts as "all skipped", and the skip's
    result is None (so a merge of skipped branches returns None).
    """
    states = _states(upstream_states)
    if all(s.is_skipped() for s in states):
        raise signals.SKIP("All upstreams were skipped", result=None)
    if not all(s.is_successful() for s in states):
        raise signals.TRIGGERFAIL(
            'Trigger was "not_all_skipped" but some of the upstream tasks failed: '
            + _names(upstream_states, lambda s: not s.is_successful())
        )
    return True


def _bounds_check(kind: str, count: int, total: int, at_least: float | None, at_most: float | None) -> None:
    def resolve(bound: float | None) -> float | None:
        if bound is None:
            return None
        return bound * total if 0 < bound < 1 else bound

    low, high = resolve(at_least), resolve(at_most)
    if low is not None and count < low:
        raise signals.TRIGGERFAIL(
            f'Trigger requires at least {at_least} {kind} upstream tasks; {count} of {total} were {kind}.'
        )
    if high is not None and count > high:
        raise signals.TRIGGERFAIL(
            f'Trigger allows at most {at_most} {kind} upstream tasks; {count} of {total} were {kind}.'
        )


def some_successful(at_least: float | None = None, at_most: float | None = None) -> Trigger:
    """A trigger that runs when the number (or fraction, below 1) of successes is in bounds."""

    def trigger(upstream_states: dict) -> bool:
        if not upstream_states:  # as in Prefect 1: nothing upstream always passes
            return True
        states = _states(upstream_states)
        _bounds_check("successful", sum(1 for s in states if s.is_successful()), len(states), at_least, at_most)
        return True

    trigger.__name__ = "some_successful"
    return trigger


def some_failed(at_least: float | None = None, at_most: float | None = None) -> Trigger:
    """A trigger that runs when the number (or fraction, below 1) of failures is in bounds."""

    def trigger(upstream_states: dict) -> bool:
        if not upstream_states:
            return True
        states = _states(upstream_states)
        _bounds_check("failed", sum(1 for s in states if s.is_failed()), len(states), at_least, at_most)
        return True

    trigger.__name__ = "some_failed"
    return trigger
