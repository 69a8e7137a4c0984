"""What a task run is called with: its inputs, from the upstream states and constants.

``get_task_inputs`` (the Prefect 1 step) gives ``{argument: Result}``; the
short pipeline of a plain task (see ``TaskRunner.run_pipeline``) takes plain
values straight from the upstream states, and only when every upstream is a
plain success, which it checks in the same pass.
"""
from __future__ import annotations

from typing import Any

from flowctl.engine.result import Result
from flowctl.engine.state import Cached, Mapped, Pending, State, Success
from flowctl.engine.task_execution import flatten_upstream


def all_plain_successes(upstream_states: dict) -> bool:
    """True when every upstream is a plain success: nothing to skip, the default trigger passes.

    A mapped upstream seen whole (a reduce) counts when every child is one; checked
    in one loop, since a reduce over a million children does it once per child.
    """
    for edge, upstream_state in upstream_states.items():
        kind = type(upstream_state)
        if kind is Success or kind is Cached:
            continue
        if kind is not Mapped or edge.mapped:
            return False
        for child in upstream_state.map_states:
            kind = type(child)
            if kind is not Success and kind is not Cached:
                return False
    return True


def upstream_states_seen(upstream_states: dict) -> list:
    """The states a task looks at: a mapped upstream seen whole (not mapped over) means its children."""
    seen: list = []
    for edge, upstream_state in upstream_states.items():
        if isinstance(upstream_state, Mapped) and not edge.mapped:
            seen.extend(upstream_state.map_states)
        else:
            seen.append(upstream_state)
    return seen


def unwrap(state: State | None) -> State:
    """Meta states give way to the state they wrap (``Submitted(Retrying())`` -> ``Retrying()``)."""
    while isinstance(state, State) and state.is_meta_state():
        state = state.state  # type: ignore[attr-defined]
    return state if state is not None else Pending()


def plain_inputs(upstream_states: dict, constants: dict) -> dict | None:
    """``get_task_inputs`` as plain values (no ``Result`` objects): what ``task.run`` is called with.

    None unless every upstream is a plain success (``all_plain_successes``, in the same pass).
    """
    raw = dict(constants) if constants else {}
    for edge, upstream_state in upstream_states.items():
        kind = type(upstream_state)
        if kind is not Success and kind is not Cached and not all_plain_successes({edge: upstream_state}):
            return None
        key = edge.key
        if key is not None:
            if edge.flattened and not edge.mapped:
                raw[key] = flatten_upstream(upstream_state)
            else:
                raw[key] = upstream_state.result
    return raw


def as_result(value: Any) -> Any:
    return value if isinstance(value, Result) else Result(value=value)
