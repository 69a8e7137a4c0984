"""Triggers: pure functions of a task's upstream states that decide whether it runs.

A trigger takes ``{Edge: State}`` and returns True to run the task. Returning
False, or raising ``TRIGGERFAIL``, puts the task in ``TriggerFailed``; the
messages are Prefect 1's own sentences, word for word, since flows compare them. A mapped upstream seen through a
non-mapped edge (a reduce) counts as its children's states.
"""
from __future__ import annotations

from typing import Callable

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


def all_successful(upstream_states: dict) -> bool:
    """Run when every upstream succeeded (the default)."""
    if not all(isinstance(s, Success) for s in _states(upstream_states)):
        raise signals.TRIGGERFAIL('Trigger was "all_successful" but some of the upstream tasks failed.')
    return True


def all_failed(upstream_states: dict) -> bool:
    """Run when every upstream failed."""
    if not all(s.is_failed() for s in _states(upstream_states)):
        raise signals.TRIGGERFAIL('Trigger was "all_failed" but some of the upstream tasks succeeded.')
    return True


def all_finished(upstream_states: dict) -> bool:
    """Run when every upstream finished, whatever its outcome."""
    if not all(s.is_finished() for s in _states(upstream_states)):
        raise signals.TRIGGERFAIL('Trigger was "all_finished" but some of the upstream tasks were not finished.')
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
        raise signals.TRIGGERFAIL('Trigger was "not_all_skipped" but some of the upstream tasks failed.')
    return True


def _bounds_check(kind: str, count: int, total: int, at_least: float | None, at_most: float | None) -> None:
    """Fractions below 1 are shares of ``total``; Prefect 1's message, whichever bound failed."""
    low = 0 if at_least is None else (at_least * total if at_least < 1 else at_least)
    high = total if at_most is None else (at_most * total if at_most < 1 else at_most)
    if not low <= count <= high:
        raise signals.TRIGGERFAIL(f'Trigger was "some_{kind}" but thresholds were not met.')


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
