"""Operator tasks: what ``a + b``, ``a[k]`` or ``a.is_equal(b)`` build inside a flow."""
from __future__ import annotations

import operator
from typing import Any, Callable

from flowctl.core.parameter import NoDefault
from flowctl.core.task import Task


class GetItem(Task):
    """``task_result[key]`` (what ``task[key]`` and ``nout`` unpacking build); with a ``default``
    (given here or when called), a missing key gives it instead of a KeyError, as in Prefect 1."""

    def __init__(self, default: Any = NoDefault.value, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default

    def run(self, task_result: Any, key: Any, default: Any = NoDefault.value) -> Any:
        if default is NoDefault.value:  # not given to the call: the task's own (defaults_from_attrs)
            default = self.default
        try:
            return task_result[key]
        except KeyError:
            if default is NoDefault.value:
                raise
            return default


class GetAttr(Task):
    """``task_result.attr``; a dotted path follows attributes in turn. With a ``default`` (given here
    or when called), a missing attribute gives it; without one, the task fails with AttributeError."""

    def __init__(self, default: Any = NoDefault.value, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default

    def run(self, task_result: Any, attr: str, default: Any = NoDefault.value) -> Any:
        if default is NoDefault.value:  # not given to the call: the task's own (defaults_from_attrs)
            default = self.default
        try:
            return operator.attrgetter(attr)(task_result)
        except AttributeError:
            if default is NoDefault.value:
                raise
            return default


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
And = _binary("And", lambda x, y: x and y, "x and y")  # the operand itself, as Python and Prefect 1 give
Or = _binary("Or", lambda x, y: x or y, "x or y")
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
