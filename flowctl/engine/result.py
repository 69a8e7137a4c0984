"""``Result``: where a task's value is persisted (its location) and how (serializer)."""
from __future__ import annotations

import copy
from typing import Any

from flowctl.engine.serializers import PickleSerializer, Serializer


_DEFAULT_SERIALIZER = PickleSerializer()


class ResultNotImplementedError(NotImplementedError):
    """The base ``Result`` stores nothing: reading, writing or probing it needs a subclass."""


_NOT_IMPLEMENTED = ("Not implemented on the base Result class - if you are seeing this error you might be "
                    "trying to use features that require choosing a Result subclass; "
                    "see https://docs.prefect.io/core/concepts/results.html")


class Result:
    """Base class. Subclasses implement ``read``, ``write`` and ``exists``."""

    #: A callable location given at init (Prefect 1 keeps it here; ``location`` stays None until formatted).
    _formatter: Any = None

    def __init__(self, value: Any = None, location: Any = None, serializer: Serializer | None = None) -> None:
        self.value = value
        if callable(location):  # a function of the run's values: what ``format`` calls
            self._formatter = location
            self.location = None
        else:
            self.location = location
        # serializers hold no state: one shared default keeps a Result per task cheap
        self.serializer = serializer if serializer is not None else _DEFAULT_SERIALIZER

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.value!r}>"

    def __eq__(self, other: object) -> bool:
        """As Prefect 1: same class and same public attributes (value, location, serializer...)."""
        if type(self) is not type(other):
            return False
        theirs = vars(other)
        try:
            return all(value == theirs.get(name, other) for name, value in vars(self).items()
                       if not name.startswith("_"))
        except Exception:  # noqa: BLE001 - values with no plain truth (arrays)
            return False

    __hash__ = object.__hash__  # by identity (Prefect 1's are unhashable; sets of them still work here)

    def copy(self) -> "Result":
        return copy.copy(self)

    def from_value(self, value: Any) -> "Result":
        """A copy holding ``value`` and no location (not written anywhere yet)."""
        new = self.copy()
        new.location = None
        new.value = value
        return new

    def format(self, **kwargs: Any) -> "Result":
        """A copy whose location template is filled in from ``kwargs`` (context, inputs)."""
        new = self.copy()
        template = self.location if self.location is not None else self._formatter  # (a callable given at init)
        if isinstance(template, str):
            new.location = template.format(**kwargs)
        elif callable(template):  # Prefect 1: callable(**kwargs) -> location
            new.location = str(template(**kwargs))
        return new

    def read(self, location: str) -> "Result":
        raise ResultNotImplementedError(_NOT_IMPLEMENTED)

    def write(self, value_: Any, **kwargs: Any) -> "Result":
        raise ResultNotImplementedError(_NOT_IMPLEMENTED)

    def exists(self, location: str, **kwargs: Any) -> bool:
        raise ResultNotImplementedError(_NOT_IMPLEMENTED)


class NoResultType(Result):
    """A result that persists nothing; ``NoResult`` (its one instance) marks "no result yet"."""

    def read(self, location: str) -> "Result":
        return self.copy()

    def write(self, value_: Any, **kwargs: Any) -> "Result":
        new = self.copy()
        new.value = value_
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        return False

    def __reduce__(self) -> Any:
        """``NoResult`` unpickles as ``NoResult`` itself (a state shipped to a worker and back keeps
        ``state._result is NoResult``); a copy (``copy()``, made to be changed) is a new instance."""
        return "NoResult" if self is NoResult else super().__reduce__()

    def __copy__(self) -> "NoResultType":
        new = object.__new__(NoResultType)
        new.__dict__.update(self.__dict__)
        return new


#: As in Prefect 1, an instance: ``state._result is NoResult`` for a state without a result.
NoResult = NoResultType()
