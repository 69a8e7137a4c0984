"""How a state holds its result, and what besides it makes two states equal.

A mixin of ``State`` (``state.py``): ``state.result`` is the value, and
``state._result`` the ``Result`` holding it, made on first use (a million
mapped children should not mean a million Result objects). ``load_result``
and ``load_cached_results`` read values back from where they were written.
"""
from __future__ import annotations

from typing import Any, Mapping

from flowctl.engine.result import NoResult, Result
from flowctl.exceptions import PrefectSignal

_MISSING = object()


class TagsOnly(tuple):
    """A state's context that holds only its task's tags, ``(tags,)``: the dict ``{"tags": [...]}``
    is made when the context is first read (most states' never is)."""

    __slots__ = ()


class ResultHolder:
    """The result half of ``State`` (which declares the slots used here)."""

    __slots__ = ()
    _value: Any
    _result_object: Result | None

    def __getstate__(self) -> Any:
        """What pickling keeps: an exception result that cannot be pickled (it holds a lock, a
        socket...) becomes a message naming it, as Prefect 1 does, so the state can still leave a
        worker process or a Dask worker. The state itself keeps its exception."""
        data = object.__getstate__(self)
        value = self.result
        if isinstance(value, Exception) and not isinstance(value, PrefectSignal):
            import cloudpickle

            try:
                cloudpickle.dumps(value)
            except Exception as exc:  # noqa: BLE001 - whatever pickling raised is named in the message
                attributes, slots = data
                slots = dict(slots)
                slots["_value"] = f"The following exception could not be pickled due to {exc!r}: {value!r}"
                if slots.get("_result_object") is not None:
                    slots["_result_object"] = slots["_result_object"].copy()
                    slots["_result_object"].value = slots["_value"]
                data = (attributes, slots)
        return data

    def __copy__(self) -> Any:
        """A shallow copy, exception results included (only pickling replaces them)."""
        new = object.__new__(type(self))
        attributes, slots = object.__getstate__(self)
        for name, value in slots.items():
            object.__setattr__(new, name, value)
        if attributes:
            new.__dict__.update(attributes)
        return new

    @property
    def result(self) -> Any:
        result_object = self._result_object
        return self._value if result_object is None else result_object.value

    @result.setter
    def result(self, value: Any) -> None:
        self._result = value

    @property
    def _result(self) -> Result:
        """The ``Result`` holding this state's value (created on first use)."""
        result_object = self._result_object
        if result_object is None:
            result_object = Result(value=self._value)  # (a run's None too: a state made without one has NoResult)
            self._result_object = result_object
        return result_object

    @_result.setter
    def _result(self, value: Any) -> None:
        if isinstance(value, Result):
            self._value, self._result_object = value.value, value
        else:
            self._value, self._result_object = value, None

    @property
    def location(self) -> Any:
        """Where the result was written (``_result.location``), None when it was not."""
        result_object = self._result_object
        return None if result_object is None else result_object.location

    @location.setter
    def location(self, value: Any) -> None:
        result_object = self._result
        if result_object is NoResult:
            result_object = Result(value=None)
        result_object = result_object.copy()
        result_object.location = value
        self._result_object = result_object

    def load_result(self, result: Result | None = None) -> "State":
        """Read the value back from ``_result.location`` (with ``result``'s logic when given)."""
        if self.is_mapped():
            self.map_states = [s.load_result(result) if s is not None else None for s in self.map_states]
            self.children_finished()  # (Prefect 1 sets the result to the children's then)
            return self
        known = self._result
        if known.value is None and known.location is not None:
            self._result = (result or known).read(known.location)
        return self

    def load_cached_results(self, results: Mapping[str, Result | None] | None = None) -> Any:
        """Read back each cached input that has a location but no value, with the matching reader in
        ``results`` (by argument name; else the input's own ``Result``)."""
        results = results or {}
        loaded = {}
        for key, known in self.cached_inputs.items():  # type: ignore[attr-defined]
            reader = results.get(key) or known
            location = known.location or getattr(reader, "location", None)
            loaded[key] = reader.read(location) if known.value is None and location is not None else known
        self.cached_inputs = loaded  # type: ignore[attr-defined]
        return self


def _details(state: Any) -> dict:
    """A state's public attributes other than message, context and result: its slots'
    (``start_time``, ``map_states``...) and those set on it; cached inputs always (empty when none)."""
    found = {"cached_inputs": state._cached_inputs or {}}
    for cls in type(state).__mro__:
        for name in cls.__dict__.get("__slots__", ()):
            if name == "_state":  # a meta state's wrapped state (a property over its slot)
                found["state"] = state.state
            elif not name.startswith("_") and name not in found:
                found[name] = getattr(state, name, _MISSING)
    for name, value in getattr(state, "__dict__", {}).items():
        if not name.startswith("_") and name not in ("context", "message", "result"):
            found[name] = value
    return found


def same_details(state: Any, other: Any) -> bool:
    """Whether ``other`` has every public attribute of ``state`` with an equal value (as Prefect 1's
    ``State.__eq__`` compares them)."""
    theirs = _details(other)
    try:
        return all(value == theirs.get(name, _MISSING) for name, value in _details(state).items()
                   if name != "message")
    except Exception:  # noqa: BLE001 - values with no plain truth (arrays)
        return False
