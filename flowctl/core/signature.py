"""A task's ``run`` signature: checked once when the task is defined, bound fast on every call.

Binding a call's arguments to ``run`` happens once per task copy, so a flow of
a million tasks binds a million times. ``inspect.Signature.bind`` costs a few
microseconds each; ``Binder`` precomputes what it needs from the signature and
binds an ordinary call with a couple of dict operations. Any call it cannot
bind cleanly (too many arguments, a missing one...) falls back to
``inspect.Signature.bind``, whose error message then describes the mistake.
"""
from __future__ import annotations

import inspect
import typing
from typing import Callable

from flowctl.exceptions import TaskDefinitionError

RESERVED_KEYWORDS = ("upstream_tasks", "mapped", "task_args", "flow")

_POSITIONAL_ONLY = inspect.Parameter.POSITIONAL_ONLY
_POSITIONAL_OR_KEYWORD = inspect.Parameter.POSITIONAL_OR_KEYWORD
_KEYWORD_ONLY = inspect.Parameter.KEYWORD_ONLY
_VAR_KEYWORD = inspect.Parameter.VAR_KEYWORD
_EMPTY = inspect.Parameter.empty


class TaskSignatureError(TaskDefinitionError, TypeError):
    """``run`` takes positional-only arguments (a TypeError, as in Prefect 1)."""


def validate_run_signature(run: Callable, owner: str, bound: bool = True) -> inspect.Signature:
    """Check a run callable: inspectable, no ``*args``, no reserved keywords, no positional-only.

    ``bound=False`` for a class's plain ``run`` function, whose first
    parameter (``self``) is never passed by the caller.
    """
    try:
        signature = inspect.signature(run)
    except (TypeError, ValueError):
        name = getattr(run, "__name__", repr(run))
        raise TaskDefinitionError(
            f"This function can not be inspected: {name!r}, for task {owner!r} (builtins and some "
            f"C functions hide their arguments). Wrap it in a plain Python function, e.g.\n"
            f"    @task\n    def my_{name}(x):\n        return {name}(x)"
        ) from None
    parameters = list(signature.parameters.values())[0 if bound else 1:]
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            raise TaskDefinitionError(
                f"Task {owner!r}: run() takes *{parameter.name}, but task arguments are always "
                f"passed by keyword. Replace *{parameter.name} with named arguments "
                f"(or a single list argument)."
            )
    reserved = [p.name for p in parameters if p.name in RESERVED_KEYWORDS]
    if reserved:
        raise TaskDefinitionError(
            f"Task {owner!r}: run() uses the reserved keyword(s) {', '.join(map(repr, reserved))}; "
            f"{', '.join(RESERVED_KEYWORDS)} are reserved by flowctl. Rename the argument(s)."
        )
    positional_only = [p.name for p in parameters if p.kind is _POSITIONAL_ONLY]
    if positional_only:
        raise TaskSignatureError(
            f"Found positional-only parameters in the function signature for task {owner}: "
            f"{positional_only}. Task arguments are passed by keyword: remove the '/' from run()."
        )
    return signature


def nout_from_annotation(run: Callable) -> int | None:
    """``-> Tuple[int, str]`` means two outputs to unpack, ``-> Tuple[()]`` none, as in Prefect 1."""
    try:
        returned = typing.get_type_hints(run).get("return")
    except Exception:  # noqa: BLE001 - unresolvable annotations simply give no hint
        return None
    if typing.get_origin(returned) is not tuple or returned in (typing.Tuple, tuple):
        return None  # not a tuple, or a tuple of unknown length
    arguments = typing.get_args(returned)
    if arguments == ((),):  # Tuple[()] before Python 3.11
        return 0
    if Ellipsis in arguments:
        return None
    return len(arguments)


class Binder:
    """Binds call arguments to ``run``'s parameters by name, as ``Signature.bind`` would."""

    __slots__ = ("signature", "positional", "order", "var_keyword", "required", "needs_positional",
                 "needs_keyword", "zip_arities", "inline_class")

    def __init__(self, signature: inspect.Signature) -> None:
        self.signature = signature
        parameters = signature.parameters.values()
        self.positional = tuple(p.name for p in parameters if p.kind is _POSITIONAL_OR_KEYWORD)
        #: named parameters in declaration order, to order bound arguments like Signature.bind
        self.order = {p.name: i for i, p in enumerate(parameters) if p.kind in (_POSITIONAL_OR_KEYWORD, _KEYWORD_ONLY)}
        self.var_keyword = next((p.name for p in parameters if p.kind is _VAR_KEYWORD), None)
        self.required = tuple(p.name for p in parameters
                              if p.kind in (_POSITIONAL_OR_KEYWORD, _KEYWORD_ONLY) and p.default is _EMPTY)
        # Required positional parameters are a prefix of the positional ones (Python's own rule),
        # so a call with positional arguments only is complete when it covers that prefix.
        self.needs_positional = sum(1 for p in parameters if p.kind is _POSITIONAL_OR_KEYWORD and p.default is _EMPTY)
        self.needs_keyword = any(p.kind is _KEYWORD_ONLY and p.default is _EMPTY for p in parameters)
        #: how many positional arguments (and no keywords) bind as ``zip(positional, args)``: one test per call
        self.zip_arities = frozenset(() if self.needs_keyword else range(self.needs_positional,
                                                                          len(self.positional) + 1))
        #: the task class whose instances sharing this binder ``Task.__call__`` may copy and bind inline
        #: (set by ``Task._copy`` once it knows the class copies plainly and keeps ``Task.bind``)
        self.inline_class: type | None = None

    def accepts(self, key: str) -> bool:
        """Whether ``run`` can receive keyword ``key``."""
        return key in self.order or self.var_keyword is not None

    def bind(self, args: tuple, kwargs: dict) -> dict:
        """``{name: value}`` for the call, named parameters first in declaration order.

        Raises ``TypeError`` (from ``Signature.bind``) for a call ``run`` cannot take.
        """
        if not kwargs:  # the commonest call: positional arguments only
            if len(args) in self.zip_arities:
                return dict(zip(self.positional, args))
            return self._bind_slowly(args, kwargs)
        bound = self._bind_keywords(args, kwargs)
        return bound if bound is not None else self._bind_slowly(args, kwargs)

    def _bind_slowly(self, args: tuple, kwargs: dict) -> dict:
        bound = dict(self.signature.bind(*args, **kwargs).arguments)  # raises with the reason
        if self.var_keyword is not None and self.var_keyword in bound:
            bound.update(bound.pop(self.var_keyword))
        return bound

    def _bind_keywords(self, args: tuple, kwargs: dict) -> dict | None:
        """The bound call, or None when only ``Signature.bind`` can say what is wrong with it."""
        positional = self.positional
        if len(args) > len(positional):
            return None
        bound = dict(zip(positional, args)) if args else {}
        order, extras, last = self.order, None, -1
        in_order = True
        for key, value in kwargs.items():
            if key in bound:
                return None
            position = order.get(key)
            if position is None:
                if self.var_keyword is None:
                    return None
                if extras is None:
                    extras = {}
                extras[key] = value
                continue
            in_order = in_order and position > last
            last = position
            bound[key] = value
        for name in self.required:
            if name not in bound:
                return None
        if not in_order:
            bound = {name: bound[name] for name in sorted(bound, key=order.__getitem__)}
        if extras:
            bound.update(extras)
        return bound


class CallSignature:
    """``inspect.signature(task)``: ``run``'s parameters plus ``__call__``'s keyword-only
    ones (``mapped``, ``task_args``, ``upstream_tasks``, ``flow``), as in Prefect 1.

    Editors, docs tools and wrappers read it to show what calling a task takes;
    on the class itself it is absent, so ``inspect.signature(Task)`` stays the
    constructor's.
    """

    def __get__(self, task: object, owner: type | None = None) -> inspect.Signature:
        if task is None:
            raise AttributeError("__signature__")
        extras = [p for p in inspect.signature(type(task).__call__).parameters.values() if p.kind is _KEYWORD_ONLY]
        by_kind: dict = {}
        for parameter in [*inspect.signature(task.run).parameters.values(), *extras]:
            by_kind.setdefault(parameter.kind, []).append(parameter)
        ordered = [p for kind in sorted(by_kind) for p in by_kind[kind]]
        return inspect.Signature(parameters=ordered, return_annotation="Task")
