"""Operator tasks: what ``a + b``, ``a[k]`` or ``a.is_equal(b)`` build inside a flow."""
from __future__ import annotations

import operator
from typing import Any, Callable

from flowctl.core.task import Task


class GetItem(Task):
    """``task_result[key]`` (what ``task[key]`` and ``nout`` unpacking build)."""

    def run(self, task_result: Any, key: Any) -> Any:
        return task_result[key]


class GetAttr(Task):
    """``getattr(task_result, attr)``; dotted paths follow attributes in turn."""

    def __init__(self, default: Any = None, **kwargs: Any) -> None:
        self.default = default
        super().__init__(**kwargs)

    def run(self, task_result: Any, attr: str) -> Any:
        value = task_result
        for part in attr.split("."):
            value = getattr(value, part, self.default)
        return value


def _binary(name: str, fn: Callable[[Any, Any], Any], doc: str) -> type:
    def run(self: Task, x: Any, y: Any) -> Any:
        return fn(x, y)

    return type(name, (Task,), {"run": run, "__doc__": doc, "__module__": __name__})


Add = _binary("Add", operator.add, "x + y")
Sub = _binary("Sub", operator.sub, "x - y")
Mul = _binary("Mul", operator.mul, "x * y")
Div = _binary("Div", operator.truediv, "x / y")
FloorDiv = _binary("FloorDiv", operator.floordiv, "x // y")
Pow = _binary("Pow", operator.pow, "x ** y")
Mod = _binary("Mod", operator.mod, "x % y")
And = _binary("And", lambda x, y: bool(x and y), "x and y")
Or = _binary("Or", lambda x, y: bool(x or y), "x or y")
Xor = _binary("Xor", operator.xor, "x ^ y")
Equal = _binary("Equal", operator.eq, "x == y")
NotEqual = _binary("NotEqual", operator.ne, "x != y")
GreaterThan = _binary("GreaterThan", operator.gt, "x > y")
GreaterThanOrEqual = _binary("GreaterThanOrEqual", operator.ge, "x >= y")
LessThan = _binary("LessThan", operator.lt, "x < y")
LessThanOrEqual = _binary("LessThanOrEqual", operator.le, "x <= y")


class Not(Task):
    """``not x``."""

    def run(self, x: Any) -> bool:
        return not x
