"""Checks and defaults for ``Task`` options, applied once when a task is defined.

Kept out of ``Task.__init__`` so that reads as the list of what a task holds.
Each check raises the builtin class Prefect 1 raises for the same mistake
(``ValueError`` for inconsistent options, ``TypeError`` for a wrong type),
through flowctl's own error classes.
"""
from __future__ import annotations

import copy
import datetime
import functools
import inspect
import warnings
from typing import Any, Callable, Iterable

from flowctl.core.signature import nout_from_annotation
from flowctl.exceptions import FlowctlError, TaskArgumentError, TaskDefinitionError
from flowctl.utilities.configuration import config


class TaskOptionTypeError(TaskDefinitionError, TypeError):
    """A task option of the wrong type (``timeout="soon"``): a TypeError, as in Prefect 1."""


def _documented_call(self: Any, *args: Any, mapped: bool = False, task_args: dict | None = None,
                     upstream_tasks: Iterable[Any] | None = None, flow: Any = None, **kwargs: Any) -> Any:
    """The signature of ``Task.__call__`` as Prefect 1 documents it (``__call__`` reads these keywords from
    ``**kwargs``, so that the commonest call pays for none of them)."""


#: What ``inspect`` shows of ``Task.__call__``; its keyword-only names are the call's options.
CALL_SIGNATURE = inspect.signature(_documented_call)
CALL_KEYWORDS = frozenset(p.name for p in CALL_SIGNATURE.parameters.values() if p.kind is p.KEYWORD_ONLY)


def seconds(value: Any, what: str, owner: str) -> float | None:
    """``value`` (a number or ``timedelta``) in seconds; ``TaskOptionTypeError`` otherwise."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise TaskOptionTypeError(
        f"Task {owner!r}: {what} must be a number of seconds or a datetime.timedelta "
        f"(received {type(value).__name__})."
    )


def task_tags(tags: Iterable[str] | None, context_tags: Any, owner: str) -> set:
    """The task's tags plus those of the enclosing ``tags(...)`` blocks."""
    if isinstance(tags, str):  # avoid silently splitting "etl" into {"e", "t", "l"}
        raise TaskArgumentError(f"Task {owner!r}: tags should be a collection of tags, not a string.")
    return set(tags or ()) | set(context_tags or ())


def retry_options(max_retries: int | None, retry_delay: Any, retry_on: Any, owner: str) -> tuple:
    """``(max_retries, retry_delay, retry_on)`` with configured defaults, checked for consistency."""
    defaults = config.tasks.defaults
    given_delay = retry_delay
    if max_retries is None:
        max_retries = defaults.get("max_retries") or 0
    if retry_delay is None and max_retries:
        retry_delay = defaults.get("retry_delay")
    if max_retries and retry_delay is None:
        raise TaskDefinitionError(
            f"Task {owner!r}: max_retries={max_retries} needs a retry_delay "
            f"(a datetime.timedelta or seconds), e.g. retry_delay=timedelta(seconds=10)."
        )
    if given_delay is not None and not max_retries:
        raise TaskDefinitionError("A `max_retries` argument greater than 0 must be provided if specifying a "
                                  f"retry delay (task {owner!r}).")  # (Prefect 1's words, then whose)
    seconds(retry_delay, "retry_delay", owner)
    return int(max_retries), retry_delay, _retry_on(retry_on, max_retries, owner)


def _retry_on(retry_on: Any, max_retries: int, owner: str) -> set | None:
    if not retry_on:
        return None
    if not max_retries:
        raise TaskDefinitionError(f"A number of `max_retries` must be provided if `retry_on` is set (task {owner!r}).")
    classes = {retry_on} if isinstance(retry_on, type) else set(retry_on)
    for value in classes:
        if not isinstance(value, type):  # Prefect 1's words, then whose
            raise TaskArgumentError(f"Invalid `retry_on` value {value!r}. Expected an exception type but got an "
                                    f"instance of {type(value).__name__} (task {owner!r}).")
        if not issubclass(value, Exception):
            raise TaskArgumentError(f"Invalid `retry_on` value {value!r}. Expected an exception subclass (task {owner!r}).")
    return classes


def timeout_option(timeout: Any, owner: str) -> int | float | None:
    """The timeout in seconds (configured default when None); a ``timedelta`` becomes seconds, as Prefect 1."""
    if timeout is None:
        timeout = config.tasks.defaults.get("timeout")
    if isinstance(timeout, datetime.timedelta):
        total = timeout.total_seconds()
        timeout = int(total) if total.is_integer() else total
    seconds(timeout, "timeout", owner)
    return timeout


def cache_options(cache_for: Any, cache_validator: Callable | None, owner: str) -> tuple:
    """``(cache_for as a timedelta, validator)``: ``duration_only`` by default when caching, else ``never_use``."""
    if cache_for is not None and not isinstance(cache_for, datetime.timedelta):
        cache_for = datetime.timedelta(seconds=seconds(cache_for, "cache_for", owner))
    from flowctl.engine import cache_validators

    if cache_validator is None:
        cache_validator = cache_validators.duration_only if cache_for else cache_validators.never_use
    elif cache_for is None and cache_validator is not cache_validators.never_use:  # Prefect 1's words
        warnings.warn("cache_validator provided without specifying cache expiration (cache_for); this Task will "
                      "not be cached.", stacklevel=4)
    return cache_for, cache_validator


def nout_option(nout: int | None, run: Callable, owner: str) -> int | None:
    """``nout`` as given, or from a ``-> Tuple[...]`` annotation of ``run``."""
    if nout is None:
        nout = nout_from_annotation(run)
    if nout is not None and (not isinstance(nout, int) or nout < 0):
        raise TaskDefinitionError(f"Task {owner!r}: nout must be an int >= 0 (received {nout!r}).")
    return nout


def copies_plainly(cls: type) -> bool:
    """Whether ``copy.copy`` of a ``cls`` instance is a new object with a copy of its ``__dict__``.

    True unless the class customises copying or pickling, or has slots: then
    task copies can skip ``copy.copy``'s generic machinery.
    """
    return (
        cls.__new__ is object.__new__
        and getattr(cls, "__copy__", None) is None
        and cls.__reduce_ex__ is object.__reduce_ex__
        and cls.__reduce__ is object.__reduce__
        and cls.__getstate__ is object.__getstate__
        and getattr(cls, "__setstate__", None) is None
        and not any("__slots__" in vars(k) for k in cls.__mro__)
    )


def class_defaults() -> dict[str, Any]:
    """The options ``Task.__init__`` sets whose default lives on the ``Task`` class.

    A task holds such an option in its own ``__dict__`` only when it differs
    from the default, so each copy of a task (one per call in a flow) copies,
    and the garbage collector scans, a handful of entries rather than two dozen.
    """
    from flowctl import triggers
    from flowctl.engine import cache_validators

    return {"slug": None, "max_retries": 0, "retry_delay": None, "retry_on": None, "timeout": None,
            "trigger": triggers.all_successful, "skip_on_upstream_skip": True, "cache_for": None,
            "cache_validator": cache_validators.never_use, "cache_key": None, "checkpoint": None,
            "on_failure": None, "log_stdout": False, "result": None, "target": None, "task_run_name": None,
            "nout": None, "auto_generated": False}


#: Per Task class: the class defaults it inherits unchanged from ``Task`` (see ``store_options``).
_INHERITED_DEFAULTS: dict[type, dict[str, Any]] = {}


def store_options(task: Any, values: dict[str, Any], base: type, defaults: dict[str, Any]) -> None:
    """Set each of ``values`` on ``task``, as ``Task.__init__`` does, except an option left at the
    default its class reads from ``base`` (``Task``): the class attribute answers for that one, and an
    instance value a subclass set before ``super().__init__`` is removed so the default shows, as
    Prefect 1's ``__init__`` would overwrite it. A subclass that redefines an option keeps Prefect 1's
    behaviour: the value ``__init__`` received is set on the task."""
    cls = type(task)
    inherited = _INHERITED_DEFAULTS.get(cls)
    if inherited is None:
        inherited = _INHERITED_DEFAULTS[cls] = {
            name: default for name, default in defaults.items()
            if next(klass for klass in cls.__mro__ if name in vars(klass)) is base}
    attributes = task.__dict__
    for name, value in values.items():
        if name in inherited and _is_default(value, inherited[name]):
            if name in attributes:
                del attributes[name]
        else:
            setattr(task, name, value)
    track_creation(task)


def locate_result_at_target(task: Any) -> None:
    """With both a ``target`` and a ``result``, the task's result becomes a copy located at the target,
    as Prefect 1 does in ``__init__`` and ``copy`` (warning when the result had another location)."""
    target, result = task.target, task.result
    if not (target and result is not None):
        return
    location = getattr(result, "location", None)
    if location and location != target:
        warnings.warn("Both `result.location` and `target` were provided. The `target` value will be used.",
                      stacklevel=4)
    result = result.copy()
    result.location = target
    task.result = result


def track_creation(task: Any, copied_from: Any = None) -> Any:
    """Note ``task`` as made inside the open ``with Flow`` block, if any (it warns at the block's end
    of tasks that never joined it, as Prefect 1 does); returns ``task``. A copy (``copied_from``)
    stands for its original from then on, as in Prefect 1: the original was used."""
    from flowctl.utilities.context import thread_local

    tracker = getattr(thread_local, "data", {}).get("_unused_task_tracker")
    if tracker is not None:
        tracker.add(task)
        if copied_from is not None:
            tracker.discard(copied_from)
            binder = task.__dict__.get("_run_binder")
            if binder is not None:  # its own, so the block tells this copy unused from its original called
                task.__dict__["_run_binder"] = copy.copy(binder)
    return task


def _is_default(value: Any, default: Any) -> bool:
    """``value`` is the default (defaults are None, bools, 0 and functions: compared by type, then value)."""
    return value is default or (type(value) is type(default) and value == default)


_RESERVED_IN_CLASSES: dict = {}  # per Task subclass: the options its class bodies set


def warn_reserved(task: Any, base: type, reserved: frozenset) -> None:
    """Warn, as Prefect 1 does, when a Task subclass sets an attribute ``Task.__init__`` will overwrite
    (in its class body, or in ``__init__`` before calling ``super().__init__``)."""
    cls = type(task)
    in_classes = _RESERVED_IN_CLASSES.get(cls)
    if in_classes is None:
        in_classes = _RESERVED_IN_CLASSES[cls] = frozenset(
            name for klass in cls.__mro__ if klass is not base and issubclass(klass, base)
            for name in vars(klass) if name in reserved)
    for attribute in sorted(in_classes | reserved.intersection(task.__dict__)):
        warnings.warn(f"`{cls.__name__}` sets a `{attribute}` attribute, which will be overwritten by "
                      "`flowctl.Task`. Please rename this attribute to avoid this issue.", stacklevel=3)


def warn_task_arguments(cls: type) -> None:
    """Make ``cls.__init__`` (when the class defines one) warn when given a task: tasks are arguments of
    the call that binds them, not of the constructor (Prefect 1's warning)."""
    init = cls.__dict__.get("__init__")
    if init is None or getattr(init, "_warns_task_arguments", False):
        return
    @functools.wraps(init)
    def checked_init(self: Any, *args: Any, **kwargs: Any) -> None:
        from flowctl.core.task import Task

        if any(isinstance(a, Task) for a in (*args, *kwargs.values())):
            name = type(self).__name__
            warnings.warn(f"A Task was passed as an argument to {name}, you likely want to first initialize "
                          f"{name} with any static (non-Task) arguments, then call the initialized task with "
                          f"any dynamic (Task) arguments instead. For example:\n\n  my_task = {name}(...)  "
                          f"# static (non-Task) args go here\n  res = my_task(...)  # dynamic (Task) args go here",
                          stacklevel=2)
        init(self, *args, **kwargs)

    checked_init._warns_task_arguments = True  # type: ignore[attr-defined]
    cls.__init__ = checked_init  # type: ignore[misc]


def call_on_failure(task: Any, old_state: Any, new_state: Any) -> Any:
    """The state handler ``on_failure`` becomes, as in Prefect 1 (the last of the handlers given to
    ``Task``): calls the running task's ``on_failure(task, state)`` when the state is a failure."""
    if new_state.is_failed() and task.on_failure is not None:
        task.on_failure(task, new_state)
    return new_state


class FlowctlErrorNoFlow(FlowctlError, ValueError):
    """A task was bound with no active flow."""


def outside_flow_error(task: Any) -> FlowctlErrorNoFlow:
    """The error for a task called outside ``with Flow(...)``, in Prefect 1's words: they name how to run
    it alone (``fn.run(...)`` for a function task, ``Cls(...).run(...)`` for a class)."""
    from flowctl.tasks.core.function import FunctionTask

    name = task.name if isinstance(task, FunctionTask) else f"{type(task).__name__}(...)"
    return FlowctlErrorNoFlow(
        f"Could not infer an active Flow context while creating edge to {task!r}. This often means you called "
        f"a task outside a `with Flow(...)` block (or pass flow=). If you're trying to run this task outside of "
        f"a Flow context, you need to call `{name}.run(...)`")


def check_map_call(args: tuple) -> None:
    """``task.map(*args)``'s checks, in Prefect 1's order: each positional argument must be
    subscriptable (or an edge annotation); no map inside ``apply_map``'s function."""
    from flowctl.utilities.edges import EdgeAnnotation

    for arg in args:
        if not hasattr(arg, "__getitem__") and not isinstance(arg, EdgeAnnotation):
            raise TypeError(f"Cannot map over unsubscriptable object of type {type(arg)}: {repr(arg)[:10]}...")
    refuse_mapping_in_mapped_context()


def refuse_mapping_in_mapped_context() -> None:
    """Inside ``apply_map``'s function every edge is mapped already: an explicit map there is an error,
    as in Prefect 1."""
    from flowctl.utilities.context import context

    if context.get("mapped"):
        raise ValueError("Cannot set `mapped=True` when running from inside a mapped context "
                         "(apply_map maps what its function builds: call the task, not .map).")
