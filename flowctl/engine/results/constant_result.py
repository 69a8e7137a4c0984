"""``ConstantResult``: the result of a value bound to a task as a constant.

The flow runner shows each constant argument to triggers as a successful
upstream whose result is one of these (as Prefect 1 does). It is stored
nowhere: reading gives the result itself back, and nothing can be written.
"""
from __future__ import annotations

from typing import Any

from flowctl.engine.result import Result


class ConstantResult(Result):
    """A constant's value, held in memory only."""

    def __init__(self, **kwargs: Any) -> None:
        if "serializer" in kwargs:
            raise ValueError("Can't pass a serializer to a ConstantResult.")
        super().__init__(**kwargs)

    def read(self, location: str) -> "ConstantResult":
        return self

    def write(self, value_: Any, **kwargs: Any) -> "ConstantResult":
        raise ValueError("Cannot write values to `ConstantResult` types.")

    def exists(self, location: str, **kwargs: Any) -> bool:
        return True
