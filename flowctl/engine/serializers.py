"""Serializers turn result values into bytes and back."""
from __future__ import annotations

import base64
import datetime
import importlib
import json
from typing import Any, Callable


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
        """The value; bytes that are not a pickle are tried as base64 text of one (as Prefect 1 wrote
        them once), and when that fails too the first error is the one raised."""
        import pickle

        try:
            return pickle.loads(value)
        except Exception as exc:
            try:
                return pickle.loads(base64.b64decode(value))
            except Exception as fallback:  # noqa: BLE001 - the first error says what was wrong
                raise exc from fallback


class JSONSerializer(Serializer):
    """JSON, for results people want to read or share with other tools."""

    def serialize(self, value: Any) -> bytes:
        return json.dumps(value).encode()

    def deserialize(self, value: bytes) -> Any:
        return json.loads(value.decode() if isinstance(value, bytes) else value)


class DateTimeSerializer(Serializer):
    """A datetime as its ISO 8601 text, readable by people and other tools.

    Written as Prefect 1 writes it: a naive datetime is taken as UTC, and UTC
    is written ``Z``. Reads back a ``datetime.datetime`` (Prefect 1: a
    pendulum ``DateTime``).
    """

    def serialize(self, value: Any) -> bytes:
        if not isinstance(value, datetime.datetime):
            raise TypeError(f"DateTimeSerializer serializes datetimes, not {type(value).__name__}.")
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        text = value.isoformat()
        return (text[:-6] + "Z" if value.utcoffset() == datetime.timedelta(0) else text).encode()

    def deserialize(self, value: bytes) -> Any:
        return datetime.datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)


class CompressedSerializer(Serializer):
    """Another serializer's bytes, compressed: by a module's ``compress``/``decompress``
    (``format="gzip"``; also ``bz2``, ``lzma``, ``zlib``) or by the two functions given."""

    def __init__(self, serializer: Serializer, format: str | None = None,  # noqa: A002 - Prefect 1's name
                 compress: Callable[..., bytes] | None = None, decompress: Callable[..., bytes] | None = None,
                 compress_kwargs: dict[str, Any] | None = None,
                 decompress_kwargs: dict[str, Any] | None = None) -> None:
        if format and (compress or decompress):
            raise ValueError("You must specify either `format` or `compress`/`decompress`, but not both.")
        if format:
            compress, decompress = self.compression_from_lib(format)
        elif not (compress and decompress):
            raise ValueError("You must specify either `format` or `compress`/`decompress`.")
        self._serializer = serializer
        self._compress, self._decompress = compress, decompress
        self._compress_kwargs = dict(compress_kwargs or {})
        self._decompress_kwargs = dict(decompress_kwargs or {})

    def _parts(self) -> tuple:
        return (self._serializer, self._compress, self._decompress, self._compress_kwargs, self._decompress_kwargs)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._parts() == other._parts()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self._serializer, self._compress, self._decompress))

    def serialize(self, value: Any) -> bytes:
        return self._compress(self._serializer.serialize(value), **self._compress_kwargs)

    def deserialize(self, value: bytes) -> Any:
        return self._serializer.deserialize(self._decompress(value, **self._decompress_kwargs))

    @staticmethod
    def compression_from_lib(compression_format: str) -> tuple[Callable[..., bytes], Callable[..., bytes]]:
        """``compress`` and ``decompress`` of the module named ``compression_format``."""
        others = sorted({"bz2", "gzip", "lzma", "zlib"} - {compression_format})
        try:
            module = importlib.import_module(compression_format)
        except ImportError as exc:
            raise ImportError(f"Compression module for {compression_format!r} is not installed. "
                              f"Did you mean to use one of {others}?") from exc
        try:
            return module.compress, module.decompress
        except AttributeError as exc:
            raise ValueError(f"Given compression format {compression_format!r} module does not have 'compress' "
                             f"and 'decompress' attributes. Pass these functions manually instead if you intend "
                             f"to use a non-standard library. Otherwise, use one of the common compression "
                             f"libraries: {others}") from exc


__all__ = ["Serializer", "PickleSerializer", "JSONSerializer", "DateTimeSerializer", "CompressedSerializer"]
