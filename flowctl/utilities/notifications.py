"""State-handler helpers (Prefect 1's ``prefect.utilities.notifications``, core part only).

Network notifiers (Slack, email, Gmail) belong to the backend/task library and are not
provided; ``callback_factory`` builds a state handler from an action and a check.
"""
from __future__ import annotations

from typing import Any, Callable


def callback_factory(fn: Callable[[Any, Any], None], check: Callable[[Any], bool]) -> Callable:
    """A state handler that calls ``fn(obj, new_state)`` whenever ``check(new_state)`` is True.

    The handler returns ``new_state`` unchanged, so it can sit in any ``state_handlers`` list.
    """

    def state_handler(obj: Any, old_state: Any, new_state: Any) -> Any:
        if check(new_state) is True:
            fn(obj, new_state)
        return new_state

    state_handler.__name__ = getattr(fn, "__name__", "state_handler")
    return state_handler


__all__ = ["callback_factory"]
