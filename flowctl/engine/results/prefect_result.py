"""``PrefectResult``: the value travels inside its location as a JSON string."""
from __future__ import annotations

from typing import Any

from flowctl.engine.result import Result
from flowctl.engine.serializers import DateTimeSerializer, JSONSerializer, Serializer


class PrefectResult(Result):
    """For small JSON-able values: the location *is* the serialized value."""

    def __init__(self, value: Any = None, location: str | None = None, serializer: Serializer | None = None) -> None:
        super().__init__(value=value, location=location, serializer=serializer or JSONSerializer())

    @property
    def serializer(self) -> Serializer:
        return self._serializer

    @serializer.setter
    def serializer(self, value: Serializer) -> None:
        """Only a serializer that writes text can make the location: refused at once, as Prefect 1 does,
        rather than when a write first fails to decode the bytes."""
        if not isinstance(value, (JSONSerializer, DateTimeSerializer)):
            raise TypeError("PrefectResult only supports JSONSerializer or DateTimeSerializer")
        self._serializer = value

    def read(self, location: str) -> "PrefectResult":
        new = self.copy()
        new.location = location
        new.value = self.serializer.deserialize(location.encode())
        return new

    def write(self, value_: Any, **kwargs: Any) -> "PrefectResult":
        new = self.copy()
        new.value = value_
        new.location = self.serializer.serialize(value_).decode()
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        """Whether ``location`` holds a value: a string this result's serializer can read back."""
        if not isinstance(location, str):
            return False
        try:
            self.serializer.deserialize(location.encode())
        except Exception:  # noqa: BLE001 - not a serialized value (e.g. a file name as a target)
            return False
        return True
