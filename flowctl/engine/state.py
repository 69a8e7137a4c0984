"""Task and flow run states: small classes that answer questions about themselves.

The hierarchy follows Prefect 1 (``Cached``, ``Mapped`` and ``Skipped`` are
kinds of ``Success``; ``TimedOut`` and ``TriggerFailed`` kinds of ``Failed``).
States compare equal by type and result; message and context are ignored.

As in Prefect 1, ``state._result`` is a ``Result`` (``NoResult`` when there is
none) whose ``.value`` is ``state.result`` and whose ``.location`` says where
it was written. A million mapped children should not mean a million Result
objects, so a state keeps a plain value until someone asks for ``_result``.
"""
from __future__ import annotations

import datetime
from typing import Any

from flowctl.engine.result import NoResult, Result
from flowctl.engine.state_results import ResultHolder, TagsOnly, same_details
from flowctl.utilities.context import thread_local


class State(ResultHolder):
    """A run's state. ``result`` is the value (or the exception on failure)."""

    # ``__dict__`` keeps instances open to new attributes (handlers set
    # ``new_state.timestamp = ...``); the slots keep the common ones cheap.
    __slots__ = ("message", "_value", "_result_object", "_context", "_cached_inputs", "__dict__", "__weakref__")
    color = "#696969"

    def __init__(self, message: str | None = None, result: Any = None, context: dict | None = None,
                 cached_inputs: dict | None = None) -> None:
        self.message = message
        if result is None:  # no result: Prefect 1's NoResult (a run's None is a plain value: Result(None))
            self._value, self._result_object = None, NoResult
        elif isinstance(result, Result):
            self._value, self._result_object = result.value, result
        else:
            self._value, self._result_object = result, None
        self._context = context
        self._cached_inputs = cached_inputs
        data = getattr(thread_local, "data", None)
        if data:  # made in a task run: its context carries the task's tags, as Prefect 1's states do
            tags = data.get("task_tags")
            if tags is not None:
                if context is None:
                    self._context = TagsOnly((tags,))  # the dict is made if someone reads it
                else:
                    context.setdefault("tags", list(tags))

    @classmethod
    def with_value(cls, value: Any) -> "State":
        """A bare state holding ``value``: the scheduler builds one per mapped item, so no ``__init__``."""
        state = cls.__new__(cls)
        state.message = None
        state._value = value
        state._result_object = None
        state._context = None
        state._cached_inputs = None
        return state

    # context and cached_inputs are allocated on first use: a million mapped
    # children should not mean two million empty dicts.
    @property
    def context(self) -> dict:
        found = self._context
        if found is None or found.__class__ is TagsOnly:
            found = self._context = {} if found is None else {"tags": list(found[0])}
        return found

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

    def __repr__(self) -> str:
        if self.message is not None:
            return f'<{type(self).__name__}: "{self.message}">'
        return f"<{type(self).__name__}>"

    def __eq__(self, other: object) -> bool:
        """As Prefect 1: same class, result and public attributes (cached inputs, start time, map states,
        what a handler set...); message and context do not count."""
        if type(self) is not type(other):
            return False
        try:
            same = bool(self.result == other.result)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - e.g. arrays with ambiguous truth
            same = self.result is other.result  # type: ignore[attr-defined]
        return same and same_details(self, other)

    __hash__ = object.__hash__  # by identity, as Prefect 1's id(self), without a Python call per state

    @property
    def name(self) -> str:
        return type(self).__name__

    @classmethod
    def children(cls, include_self: bool = False, names_only: bool = False) -> list:
        """Every state class below this one (private ``_Meta`` classes hidden, their children kept)."""
        found: list = []
        for subclass in cls.__subclasses__():
            for klass in ([subclass] if not subclass.__name__.startswith("_") else []) + subclass.children():
                if klass not in found:  # a class with two parents is listed once
                    found.append(klass)
        if include_self:
            found.append(cls)
        return [s.__name__ for s in found] if names_only else found

    @classmethod
    def parents(cls, include_self: bool = False, names_only: bool = False) -> list:
        """Every state class above this one, nearest first."""
        found = [s for s in cls.__mro__[1:] if issubclass(s, State) and not s.__name__.startswith("_")]
        if include_self:
            found.append(cls)
        return [s.__name__ for s in found] if names_only else found

    # -- predicates: ask the state, never compare names --------------------
    def is_pending(self) -> bool: return isinstance(self, Pending)  # noqa: E704
    def is_scheduled(self) -> bool: return isinstance(self, (Scheduled, Queued))  # noqa: E704
    def is_paused(self) -> bool: return isinstance(self, Paused)  # noqa: E704
    def is_retrying(self) -> bool: return isinstance(self, Retrying)  # noqa: E704
    def is_submitted(self) -> bool: return isinstance(self, Submitted)  # noqa: E704
    def is_queued(self) -> bool: return isinstance(self, Queued)  # noqa: E704
    def is_running(self) -> bool: return isinstance(self, Running)  # noqa: E704
    def is_cancelling(self) -> bool: return isinstance(self, Cancelling)  # noqa: E704
    def is_finished(self) -> bool: return isinstance(self, Finished)  # noqa: E704
    def is_successful(self) -> bool: return isinstance(self, Success)  # noqa: E704
    def is_cached(self) -> bool: return isinstance(self, Cached)  # noqa: E704
    def is_mapped(self) -> bool: return isinstance(self, Mapped)  # noqa: E704
    def is_skipped(self) -> bool: return isinstance(self, Skipped)  # noqa: E704
    def is_looped(self) -> bool: return isinstance(self, Looped)  # noqa: E704
    def is_cancelled(self) -> bool: return isinstance(self, Cancelled)  # noqa: E704
    def is_failed(self) -> bool: return isinstance(self, Failed)  # noqa: E704
    def is_meta_state(self) -> bool: return isinstance(self, _MetaState)  # noqa: E704


def _context_count(key: str) -> int:
    from flowctl.utilities.context import context

    return context.get(key, 1)


class Pending(State):
    __slots__ = ()
    color = "#7ebdff"


class Scheduled(Pending):
    """Waiting until ``start_time``; ``run_count`` carries retries across runs."""

    __slots__ = ("start_time", "run_count")
    color = "#ffab00"

    def __init__(self, message: str | None = None, result: Any = None, start_time: datetime.datetime | None = None,
                 context: dict | None = None, cached_inputs: dict | None = None, run_count: int | None = None) -> None:
        super().__init__(message, result, context, cached_inputs)
        if start_time is None:
            start_time = datetime.datetime.now(datetime.timezone.utc)
        elif start_time.tzinfo is None:  # a naive time is UTC, as Prefect 1 reads it
            start_time = start_time.replace(tzinfo=datetime.timezone.utc)
        self.start_time = start_time
        self.run_count = run_count
        data = getattr(thread_local, "data", None)
        count = data.get("task_run_count") if data else None
        if count is not None:  # as Prefect 1: a scheduled state made in a task run records its run count
            self.context["task_run_count"] = count


class Paused(Scheduled):
    """Waiting to be resumed: by hand (no ``start_time``) or once ``start_time`` has passed."""

    __slots__ = ()
    color = "#99a8e8"

    def __init__(self, message: str | None = None, result: Any = None, start_time: Any = None,
                 context: dict | None = None, cached_inputs: dict | None = None) -> None:
        super().__init__(message, result, start_time, context, cached_inputs)
        if start_time is None:  # as in Prefect 1: no start time means "until resumed"
            self.start_time = None


class Resume(Scheduled):
    __slots__ = ()
    color = "#f58c0c"


class Retrying(Scheduled):
    __slots__ = ()
    color = "#f66a0a"

    def __init__(self, message: str | None = None, result: Any = None, start_time: Any = None,
                 context: dict | None = None, cached_inputs: dict | None = None, run_count: int | None = None) -> None:
        super().__init__(message, result, start_time, context, cached_inputs,
                         run_count if run_count is not None else _context_count("task_run_count"))


class _MetaState(State):
    """A state about another state (``state``), e.g. ``Submitted(state=Retrying())``."""

    __slots__ = ("_state",)

    def __init__(self, message: str | None = None, result: Any = None, state: State | None = None,
                 context: dict | None = None, cached_inputs: dict | None = None) -> None:
        super().__init__(message, result, context, cached_inputs)
        self.state = state

    @property
    def state(self) -> State | None:
        return self._state

    @state.setter
    def state(self, value: State | None) -> None:
        while isinstance(value, _MetaState):  # meta states never nest
            value = value.state
        self._state = value


class Submitted(_MetaState):
    __slots__ = ()
    color = "#ffdf5d"


class Queued(_MetaState):
    __slots__ = ("start_time",)
    color = "#ffea7f"

    def __init__(self, message: str | None = None, result: Any = None, state: State | None = None,
                 start_time: Any = None, context: dict | None = None, cached_inputs: dict | None = None) -> None:
        super().__init__(message, result, state, context, cached_inputs)
        self.start_time = start_time if start_time is not None else datetime.datetime.now(datetime.timezone.utc)


class Running(State):
    __slots__ = ()
    color = "#3d67ff"


class Cancelling(Running):
    __slots__ = ()
    color = "#E8E8E8"


class Finished(State):
    __slots__ = ()
    color = "#003ccb"


class Success(Finished):
    __slots__ = ()
    color = "#28a745"


class Cached(Success):
    """A success whose value came from a cache or an existing target."""

    __slots__ = ("cached_parameters", "cached_result_expiration", "hashed_inputs")
    color = "#34d058"

    def __init__(self, message: str | None = None, result: Any = None, context: dict | None = None,
                 cached_inputs: dict | None = None, cached_parameters: dict | None = None,
                 cached_result_expiration: datetime.datetime | None = None,
                 hashed_inputs: dict | None = None) -> None:
        super().__init__(message, result, context, cached_inputs)
        self.cached_parameters = cached_parameters
        self.cached_result_expiration = cached_result_expiration
        self.hashed_inputs = hashed_inputs


class Mapped(Success):
    """A mapped parent: ``map_states`` holds its children's states in map order.

    Its result is None until its children have all run; from then on it is their results in map order,
    read from ``map_states`` when asked (Prefect 1's flow runner sets the same list then)."""

    __slots__ = ("map_states", "_n_map_states", "_children_done")
    color = "#003ccb"

    def __init__(self, message: str | None = None, result: Any = None, map_states: list | None = None,
                 context: dict | None = None, cached_inputs: dict | None = None,
                 n_map_states: int | None = None) -> None:
        super().__init__(message, result, context, cached_inputs)
        self.map_states = map_states if map_states is not None else []
        self._n_map_states = n_map_states
        self._children_done = False

    def children_finished(self) -> None:
        """The runner's word that every child has run: ``result`` now reads their results."""
        self._children_done = True

    @property
    def n_map_states(self) -> int:
        return self._n_map_states or len(self.map_states)

    @n_map_states.setter
    def n_map_states(self, value: int | None) -> None:
        self._n_map_states = value

    @property
    def result(self) -> Any:
        if self._value is None and (self._result_object is None or self._result_object is NoResult):  # none set
            if not self._children_done:
                return None
            # State.result inlined: a reduce reads a million children here
            return [None if s is None else s._value if s._result_object is None else s.result
                    for s in self.map_states]
        return State.result.fget(self)  # type: ignore[attr-defined]

    @result.setter
    def result(self, value: Any) -> None:
        self._result = value

    @property
    def _result(self) -> Result:
        if self._value is None and (self._result_object is None or self._result_object is NoResult):
            return Result(value=self.result) if self._children_done else NoResult
        return State._result.fget(self)  # type: ignore[attr-defined]

    @_result.setter
    def _result(self, value: Any) -> None:
        State._result.fset(self, value)  # type: ignore[attr-defined]


class Skipped(Success):
    __slots__ = ()
    color = "#62757f"


class Looped(Finished):
    __slots__ = ("loop_count",)
    color = "#003ccb"

    def __init__(self, message: str | None = None, result: Any = None, loop_count: int | None = None,
                 context: dict | None = None, cached_inputs: dict | None = None) -> None:
        super().__init__(message, result, context, cached_inputs)
        self.loop_count = loop_count if loop_count is not None else _context_count("task_loop_count")


class Cancelled(Finished):
    __slots__ = ()
    color = "#bdbdbd"


class Failed(Finished):
    __slots__ = ()
    color = "#eb0000"


class ClientFailed(_MetaState):
    """A backend could not record ``state`` (a meta state, as in Prefect 1.4.1); flowctl has no backend."""

    __slots__ = ()
    color = "#eb0000"


class TimedOut(Failed):
    __slots__ = ()
    color = "#ff4e33"


class TriggerFailed(Failed):
    __slots__ = ()
    color = "#ff5131"


class ValidationFailed(Failed):
    __slots__ = ()
    color = "#ff5131"


__all__ = [
    "State", "Pending", "Scheduled", "Paused", "Resume", "Retrying", "Submitted", "Queued", "ClientFailed",
    "Running", "Cancelling", "Finished", "Success", "Cached", "Mapped", "Skipped", "Looped",
    "Cancelled", "Failed", "TimedOut", "TriggerFailed", "ValidationFailed",
]
