"""Task and flow run states: small classes that answer questions about themselves.

The hierarchy follows Prefect 1 (``Cached``, ``Mapped`` and ``Skipped`` are
kinds of ``Success``; ``TimedOut`` and ``TriggerFailed`` kinds of ``Failed``).
States compare equal by type and result; message and context are ignored.
"""
from __future__ import annotations

import datetime
from typing import Any

_NOTHING = object()


class State:
    """A run's state. ``result`` is the value (or the exception on failure)."""

    __slots__ = ("message", "_result", "_context", "_cached_inputs", "location", "__weakref__")
    color = "#996633"

    def __init__(
        self,
        message: str | None = None,
        result: Any = None,
        context: dict | None = None,
        cached_inputs: dict | None = None,
    ) -> None:
        self.message = message
        self._result = result
        self._context = context
        self._cached_inputs = cached_inputs
        self.location = None

    # context and cached_inputs are allocated on first use: a million mapped
    # children should not mean two million empty dicts.
    @property
    def context(self) -> dict:
        if self._context is None:
            self._context = {}
        return self._context

    @context.setter
    def context(self, value: dict) -> None:
        self._context = value

    @property
    def cached_inputs(self) -> dict:
        if self._cached_inputs is None:
            self._cached_inputs = {}
        return self._cached_inputs

    @cached_inputs.setter
    def cached_inputs(self, value: dict) -> None:
        self._cached_inputs = value

    @property
    def result(self) -> Any:
        return self._result

    @result.setter
    def result(self, value: Any) -> None:
        self._result = value

    def __repr__(self) -> str:
        if self.message:
            return f'<{type(self).__name__}: "{self.message}">'
        return f"<{type(self).__name__}>"

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return False
        try:
            return bool(self.result == other.result)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - e.g. arrays with ambiguous truth
            return self.result is other.result  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return id(self)

    def __getstate__(self) -> dict:
        data = {}
        for name in _all_slots(type(self)):
            try:
                data[name] = object.__getattribute__(self, name)
            except AttributeError:
                pass
        return data

    def __setstate__(self, data: dict) -> None:
        for name, value in data.items():
            object.__setattr__(self, name, value)

    @property
    def name(self) -> str:
        return type(self).__name__

    # -- predicates: ask the state, never compare names --------------------
    def is_pending(self) -> bool:
        return isinstance(self, Pending)

    def is_scheduled(self) -> bool:
        return isinstance(self, Scheduled)

    def is_paused(self) -> bool:
        return isinstance(self, Paused)

    def is_retrying(self) -> bool:
        return isinstance(self, Retrying)

    def is_submitted(self) -> bool:
        return isinstance(self, Submitted)

    def is_queued(self) -> bool:
        return isinstance(self, Queued)

    def is_running(self) -> bool:
        return isinstance(self, Running)

    def is_cancelling(self) -> bool:
        return isinstance(self, Cancelling)

    def is_finished(self) -> bool:
        return isinstance(self, Finished)

    def is_successful(self) -> bool:
        return isinstance(self, Success)

    def is_cached(self) -> bool:
        return isinstance(self, Cached)

    def is_mapped(self) -> bool:
        return isinstance(self, Mapped)

    def is_skipped(self) -> bool:
        return isinstance(self, Skipped)

    def is_looped(self) -> bool:
        return isinstance(self, Looped)

    def is_cancelled(self) -> bool:
        return isinstance(self, Cancelled)

    def is_failed(self) -> bool:
        return isinstance(self, Failed)

    def is_meta_state(self) -> bool:
        return False

    @staticmethod
    def children(include_self: bool = False) -> list[type]:  # pragma: no cover - helper
        return []


def _all_slots(cls: type) -> list[str]:
    names: list[str] = []
    for klass in cls.__mro__:
        for name in getattr(klass, "__slots__", ()):
            if name != "__weakref__" and name not in names:
                names.append(name)
    return names


class Pending(State):
    __slots__ = ()
    color = "#d3d3d3"


class Scheduled(Pending):
    """Waiting until ``start_time``; ``run_count`` carries retries across runs."""

    __slots__ = ("start_time", "run_count")
    color = "#ffab00"

    def __init__(
        self,
        message: str | None = None,
        result: Any = None,
        start_time: datetime.datetime | None = None,
        context: dict | None = None,
        cached_inputs: dict | None = None,
        run_count: int | None = None,
    ) -> None:
        super().__init__(message, result, context, cached_inputs)
        self.start_time = start_time if start_time is not None else datetime.datetime.now(datetime.timezone.utc)
        self.run_count = run_count


class Paused(Scheduled):
    __slots__ = ()
    color = "#cfd8dc"

    def __init__(self, message: str | None = None, result: Any = None, start_time: Any = None,
                 context: dict | None = None, cached_inputs: dict | None = None) -> None:
        super().__init__(message, result, start_time, context, cached_inputs)
        if start_time is None:
            self.start_time = datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)


class Resume(Scheduled):
    __slots__ = ()
    color = "#20b2aa"


class Retrying(Scheduled):
    __slots__ = ()
    color = "#ffa500"


class Submitted(State):
    __slots__ = ("state",)
    color = "#fdd835"

    def __init__(self, message: str | None = None, result: Any = None, state: State | None = None,
                 context: dict | None = None, cached_inputs: dict | None = None) -> None:
        super().__init__(message, result, context, cached_inputs)
        self.state = state

    def is_meta_state(self) -> bool:
        return True


class Queued(State):
    __slots__ = ("state", "start_time")
    color = "#ffd54f"

    def __init__(self, message: str | None = None, result: Any = None, state: State | None = None,
                 start_time: Any = None, context: dict | None = None, cached_inputs: dict | None = None) -> None:
        super().__init__(message, result, context, cached_inputs)
        self.state = state
        self.start_time = start_time

    def is_meta_state(self) -> bool:
        return True


class Running(State):
    __slots__ = ()
    color = "#00a2ff"


class Cancelling(Running):
    __slots__ = ()
    color = "#d08c00"


class Finished(State):
    __slots__ = ()
    color = "#bababa"


class Success(Finished):
    __slots__ = ()
    color = "#28a745"


class Cached(Success):
    """A success whose value came from a cache or an existing target."""

    __slots__ = ("cached_parameters", "cached_result_expiration")
    color = "#88cc88"

    def __init__(
        self,
        message: str | None = None,
        result: Any = None,
        context: dict | None = None,
        cached_inputs: dict | None = None,
        cached_parameters: dict | None = None,
        cached_result_expiration: datetime.datetime | None = None,
    ) -> None:
        super().__init__(message, result, context, cached_inputs)
        self.cached_parameters = cached_parameters
        self.cached_result_expiration = cached_result_expiration


class Mapped(Success):
    """A mapped parent: ``map_states`` holds its children's states in map order."""

    __slots__ = ("map_states",)
    color = "#97d08a"

    def __init__(self, message: str | None = None, result: Any = None, map_states: list | None = None,
                 context: dict | None = None, cached_inputs: dict | None = None) -> None:
        super().__init__(message, result, context, cached_inputs)
        self.map_states = map_states if map_states is not None else []

    @property
    def n_map_states(self) -> int:
        return len(self.map_states)

    @property
    def result(self) -> Any:
        # An empty map reduces to an empty list, as a downstream reduce expects.
        if self._result is None:
            return [s.result if s is not None else None for s in self.map_states]
        return self._result

    @result.setter
    def result(self, value: Any) -> None:
        self._result = value


class Skipped(Success):
    __slots__ = ()
    color = "#62757f"


class Looped(Finished):
    __slots__ = ("loop_count",)
    color = "#f4f4f4"

    def __init__(self, message: str | None = None, result: Any = None, loop_count: int | None = None,
                 context: dict | None = None, cached_inputs: dict | None = None) -> None:
        super().__init__(message, result, context, cached_inputs)
        self.loop_count = loop_count


class Cancelled(Finished):
    __slots__ = ()
    color = "#bdbdbd"


class Failed(Finished):
    __slots__ = ()
    color = "#eb0000"


class TimedOut(Failed):
    __slots__ = ()
    color = "#ff8c00"


class TriggerFailed(Failed):
    __slots__ = ()
    color = "#c42800"


class ValidationFailed(Failed):
    __slots__ = ()
    color = "#b00000"


__all__ = [
    "State", "Pending", "Scheduled", "Paused", "Resume", "Retrying", "Submitted", "Queued",
    "Running", "Cancelling", "Finished", "Success", "Cached", "Mapped", "Skipped", "Looped",
    "Cancelled", "Failed", "TimedOut", "TriggerFailed", "ValidationFailed",
]
