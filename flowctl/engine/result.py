"""``Result``: where a task's value is persisted (its location) and how (serializer)."""
from __future__ import annotations

import copy
from typing import Any

from flowctl.engine.serializers import PickleSerializer, Serializer


class Result:
    """Base class. Subclasses implement ``read``, ``write`` and ``exists``."""

    def __init__(self, value: Any = None, location: Any = None, serializer: Serializer | None = None) -> None:
        self.value = value
        self.location = location
        self.serializer = serializer if serializer is not None else PickleSerializer()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.location!r}>"

    def copy(self) -> "Result":
        return copy.copy(self)

    def format(self, **kwargs: Any) -> "Result":
        """A copy whose location template is filled in from ``kwargs`` (context, inputs)."""
        new = self.copy()
        if isinstance(new.location, str):
            new.location = new.location.format(**kwargs)
        elif callable(new.location):  # Prefect 1: callable(**kwargs) -> location
            new.location = str(new.location(**kwargs))
        return new

    def read(self, location: str) -> "Result":
        raise NotImplementedError

    def write(self, value: Any, **kwargs: Any) -> "Result":
        raise NotImplementedError

    def exists(self, location: str, **kwargs: Any) -> bool:
        raise NotImplementedError


class NoResult(Result):
    """A result that persists nothing."""

    def read(self, location: str) -> "Result":
        return self.copy()

    def write(self, value: Any, **kwargs: Any) -> "Result":
        new = self.copy()
        new.value = value
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        return False
