"""Signals: exceptions a task raises to move its run into a given state.

``raise FAIL("bad input")`` inside ``run`` ends the run ``Failed`` with that
message; a ``result=`` keyword becomes the state's result.
"""
from __future__ import annotations

from typing import Any

from flowctl.engine import state as _state
from flowctl.exceptions import PrefectSignal

_UNSET = object()


class PrefectStateSignal(PrefectSignal):
    """A signal that carries the state its task run ends in."""

    _state_cls: type = _state.State

    def __init__(self, message: str | None = None, *args: Any, **kwargs: Any) -> None:
        result = kwargs.pop("result", _UNSET)
        super().__init__(message, *args)
        self.message = message
        self.state = self._state_cls(  # (extra positional arguments go to the state, as in Prefect 1, which
            *args, message=message, result=self if result is _UNSET else result, **kwargs  # refuses them)
        )


FlowctlStateSignal = PrefectStateSignal


class FAIL(PrefectStateSignal):
    """The task run failed."""

    _state_cls = _state.Failed


class TRIGGERFAIL(FAIL):
    """The task's trigger did not pass."""

    _state_cls = _state.TriggerFailed


class VALIDATIONFAIL(FAIL):
    """The task's inputs or outputs did not validate."""

    _state_cls = _state.ValidationFailed


class SUCCESS(PrefectStateSignal):
    """End the run successfully, without returning from ``run``."""

    _state_cls = _state.Success


class RETRY(PrefectStateSignal):
    """Ask for another run (the runner decides on ``Retrying``)."""

    _state_cls = _state.Retrying


class SKIP(PrefectStateSignal):
    """Skip this task (and, by default, its downstream tasks)."""

    _state_cls = _state.Skipped


class PAUSE(PrefectStateSignal):
    """Pause the run until it is resumed."""

    _state_cls = _state.Paused


class LOOP(PrefectStateSignal):
    """Run the task again with ``task_loop_result`` in context.

    Without ``result=``, the looped result is the signal's repr (``"LOOP('why')"``), as in Prefect 1.
    """

    _state_cls = _state.Looped

    def __init__(self, message: str | None = None, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("result", repr(self))
        super().__init__(message, *args, **kwargs)


class ENDRUN(PrefectSignal):
    """Stop a runner's pipeline and return ``state`` as its final state."""

    def __init__(self, state: _state.State | None = None) -> None:
        self.state = state
        super().__init__("")  # no message of its own (``ENDRUN('')``, as in Prefect 1): it carries a state


def signal_from_state(state: _state.State) -> type:
    """The signal class that ends a run in ``state``'s class (``Failed()`` -> ``FAIL``).

    Raises ``ValueError`` when no signal leads to that class (``Running``, ``Mapped``...).
    """
    by_state_name: dict[str, type] = {}
    unvisited = list(PrefectStateSignal.__subclasses__())
    while unvisited:
        signal = unvisited.pop()
        by_state_name[signal._state_cls.__name__] = signal
        unvisited.extend(signal.__subclasses__())
    try:
        return by_state_name[type(state).__name__]
    except KeyError:
        raise ValueError(f"No signal matches the provided state: {state}") from None
