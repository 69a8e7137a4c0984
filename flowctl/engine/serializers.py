"""Serializers turn result values into bytes and back."""
from __future__ import annotations

import json
from typing import Any


class Serializer:
    """Base class: ``serialize(value) -> bytes`` and ``deserialize(bytes) -> value``."""

    def serialize(self, value: Any) -> bytes:
        raise NotImplementedError

    def deserialize(self, value: bytes) -> Any:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))


class PickleSerializer(Serializer):
    """cloudpickle, so lambdas and locally defined classes survive the trip."""

    def serialize(self, value: Any) -> bytes:
        import cloudpickle

        return cloudpickle.dumps(value)

    def deserialize(self, value: bytes) -> Any:
        import pickle

        return pickle.loads(value)


class JSONSerializer(Serializer):
    """JSON, for results people want to read or share with other tools."""

    def serialize(self, value: Any) -> bytes:
        return json.dumps(value).encode()

    def deserialize(self, value: bytes) -> Any:
        return json.loads(value.decode() if isinstance(value, bytes) else value)
