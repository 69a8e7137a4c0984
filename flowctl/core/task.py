"""``Task``: a unit of work whose ``run`` method does the work.

A task is defined once (subclass or ``@task``) and bound into flows as copies: calling a
task inside ``with Flow(...)`` copies it, binds the copy's arguments as edges or constants,
and returns the copy. The run signature is checked when the class (or function task) is
created, so mistakes surface at definition time with a message that says what to do instead.
"""
from __future__ import annotations

import copy as _copy
import datetime
import inspect
import warnings
from typing import Any, Callable, Iterable

from flowctl import triggers as _triggers
from flowctl.core import task_options as options
from flowctl.core.signature import RESERVED_KEYWORDS, Binder, CallSignature, validate_run_signature
from flowctl.core.task_options import FlowctlErrorNoFlow, TaskOptionTypeError  # noqa: F401 - importable here too
from flowctl.core.task_operators import TaskOperators
from flowctl.exceptions import FlowctlError, TaskArgumentError
from flowctl.utilities.context import context, thread_local as _CONTEXT_LOCAL  # its .data: this thread's context
from flowctl.utilities import logging as _logging  # noqa: F401 - the loggers set up now, as by `import prefect`

__all__ = ["Task", "validate_run_signature", "RESERVED_KEYWORDS", "TaskNotInitializedError"]

_LOGGERS: dict = {}  # task loggers by task name: copies share one, with no trip through logging's lock

#: Attributes set by ``Task.__init__`` (read on a task whose subclass forgot ``super().__init__``: a clear error).
_INIT_ATTRIBUTES = frozenset(
    "name slug tags max_retries retry_delay retry_on timeout trigger skip_on_upstream_skip cache_for cache_validator "
    "cache_key checkpoint state_handlers on_failure log_stdout result target task_run_name nout auto_generated".split())


class TaskNotInitializedError(FlowctlError, AttributeError):
    """A Task subclass did not call ``super().__init__``."""


class TaskAttributeError(FlowctlError, AttributeError):
    """``task.copy(**task_args)`` named an attribute the task does not have (as in Prefect 1)."""


#: Binders of class-defined ``run`` methods, shared by every instance of the class.
_CLASS_BINDERS: dict[type, Binder] = {}
#: Whether a Task class copies as a plain ``__dict__`` copy (no custom copy or pickle hooks).
_PLAIN_COPY: dict[type, bool] = {}
#: The binder read for a task that has none yet (no ``inline_class``: ``__call__`` takes the general path).
_NO_BINDER = Binder(inspect.Signature())
#: The context of a thread that never entered one (never mutated).
_NO_CONTEXT: dict = {}
_new_object = object.__new__


class Task(TaskOperators):
    """A unit of work. Subclasses implement ``run(self, **inputs)``."""
    __signature__ = CallSignature()  # inspect.signature(task): run's arguments and the call's keywords

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None and not isinstance(run, property):
            validate_run_signature(run, cls.__name__, bound=False)
        options.warn_task_arguments(cls)  # as Prefect 1: a Task given to the constructor is warned about

    def __init__(
        self,
        name: str | None = None,
        slug: str | None = None,
        tags: Iterable[str] | None = None,
        max_retries: int | None = None,
        retry_delay: datetime.timedelta | float | None = None,
        retry_on: type | Iterable[type] | None = None,
        timeout: int | float | datetime.timedelta | None = None,
        trigger: Callable[[dict], bool] | None = None,
        skip_on_upstream_skip: bool = True,
        cache_for: datetime.timedelta | None = None,
        cache_validator: Callable | None = None,
        cache_key: str | None = None,
        checkpoint: bool | None = None,
        state_handlers: list[Callable] | None = None,
        on_failure: Callable | None = None,
        log_stdout: bool = False,
        result: Any = None,
        target: str | Callable | None = None,
        task_run_name: str | Callable | None = None,
        nout: int | None = None,
    ) -> None:
        if type(self) is not Task:  # as Prefect 1: a subclass setting what Task.__init__ sets is warned
            options.warn_reserved(self, Task, _INIT_ATTRIBUTES)
        self.name = name if name is not None else type(self).__name__
        tags = options.task_tags(tags, context.get("tags"), self.name)
        if tags:
            self.tags = tags
        else:  # none: the first read makes the task's own empty set (_SetByInit), so copies need no set each
            self.__dict__.pop("tags", None)
        max_retries, retry_delay, retry_on = options.retry_options(max_retries, retry_delay, retry_on, self.name)
        cache_for, cache_validator = options.cache_options(cache_for, cache_validator, self.name)
        self.state_handlers = list(state_handlers or []) + ([options.call_on_failure] if on_failure else [])
        options.store_options(self, {  # each option at its default is left to the class (_CLASS_DEFAULTS)
            "slug": slug, "max_retries": max_retries, "retry_delay": retry_delay, "retry_on": retry_on,
            "timeout": options.timeout_option(timeout, self.name),
            "trigger": trigger if trigger is not None else _triggers.all_successful,
            "skip_on_upstream_skip": skip_on_upstream_skip, "cache_for": cache_for, "cache_validator": cache_validator,
            "cache_key": cache_key, "checkpoint": checkpoint, "on_failure": on_failure, "log_stdout": log_stdout,
            "result": result, "target": target, "task_run_name": task_run_name,
            "nout": options.nout_option(nout, self.run, self.name), "auto_generated": False,
        }, Task, _CLASS_DEFAULTS)
        if target and result is not None:
            options.locate_result_at_target(self)

    # -- identity and introspection --------------------------------------
    def __repr__(self) -> str:
        return f"<Task: {self.__dict__.get('name', type(self).__name__)}>"

    __hash__ = object.__hash__

    @property
    def logger(self):  # noqa: ANN201 - a logging.Logger
        """This task's logger (a child of the ``flowctl`` logger), shared by every task of its name and
        never stored on the task, so a run adds no attribute to the tasks it runs."""
        cached = _LOGGERS.get(self.name)
        if cached is None:
            from flowctl.utilities.logging import get_logger

            cached = _LOGGERS[self.name] = get_logger(self.name)
        return cached

    @property
    def run_signature(self) -> inspect.Signature:
        return self._binder().signature

    def _binder(self) -> Binder:
        """The binder of ``run``: computed once per class (or per function task), shared by copies."""
        binder = self.__dict__.get("_run_binder")
        if binder is None:
            if "run" in self.__dict__:  # a function task, or a run set on the instance
                binder = Binder(inspect.signature(self.run))
            else:
                binder = _CLASS_BINDERS.get(type(self))
                if binder is None:
                    binder = _CLASS_BINDERS[type(self)] = Binder(inspect.signature(self.run))
            self.__dict__["_run_binder"] = binder
        return binder

    def accepts_key(self, key: str) -> bool:
        """Whether ``run`` can receive keyword ``key``."""
        return self._binder().accepts(key)

    def accepts_any_key(self) -> bool:
        """Whether ``run`` takes ``**kwargs`` (so a bound name may be any string, not only its own)."""
        return self._binder().var_keyword is not None

    def inputs(self) -> dict[str, dict]:
        """``{name: {"type", "default", "required"}}`` for every argument of ``run`` (as Prefect 1)."""
        empty, result = inspect.Parameter.empty, {}
        for name, parameter in self.run_signature.parameters.items():
            annotation, default = parameter.annotation, parameter.default
            result[name] = {"type": Any if annotation is empty else annotation,
                            "default": None if default is empty else default, "required": default is empty}
        return result

    def outputs(self) -> Any:
        """The return annotation of ``run`` (``Any`` when there is none)."""
        annotation = self.run_signature.return_annotation
        return Any if annotation is inspect.Signature.empty else annotation

    def run(self) -> Any:
        """The work. Subclasses override this; the base task does nothing."""
        return None

    # -- building flows ----------------------------------------------------
    def copy(self, **task_args: Any) -> "Task":
        """A copy of this task with ``task_args`` overriding its attributes.

        As in Prefect 1, a copy's slug is the original's plus ``-copy`` and its
        tags are the original's, those in ``task_args`` and those of the
        enclosing ``tags(...)`` blocks.
        """
        return options.track_creation(self._copy(task_args, context.get("flow"), context.get("tags")), self)

    def _copy(self, task_args: dict, active_flow: Any, context_tags: Any) -> "Task":
        """``copy`` given the context's flow and tags (read once per call by ``__call__``)."""
        if active_flow is not None and self in active_flow.tasks and active_flow.has_edges(self):
            warnings.warn(
                f"You are making a copy of {self!r}, which has dependencies in the active flow; "
                "the copy will not keep those dependencies.",
                stacklevel=3,
            )
        attributes = self.__dict__
        if "_run_binder" not in attributes:
            self._binder()  # computed on the original, so every copy shares it
        cls = type(self)
        plain = _PLAIN_COPY.get(cls)
        if plain is None:
            plain = _PLAIN_COPY[cls] = options.copies_plainly(cls)
        if plain and cls.bind is Task.bind:  # __call__ may copy and bind it inline (told by its binder)
            attributes["_run_binder"].inline_class = cls
        if plain:  # copy.copy without its generic machinery: this runs once per task of every flow
            new = object.__new__(cls)
            new.__dict__ = attributes.copy()
        else:
            new = _copy.copy(self)
        if task_args or new.slug:
            new._apply_task_args(task_args)
        tags, new_tags = attributes.get("tags"), new.__dict__.get("tags")  # (read so as not to make empty sets)
        if tags is not None or new_tags is not None or context_tags:  # each copy its own set, as in Prefect 1
            new.tags = {*(tags or ()), *(new_tags or ()), *(context_tags or ())}  # (state_handlers: shared)
        return new

    def _apply_task_args(self, task_args: dict) -> None:
        if self.slug and "slug" not in task_args:
            task_args["slug"] = self.slug + "-copy"
        for attribute, value in task_args.items():
            if attribute not in _INIT_ATTRIBUTES and not hasattr(self, attribute):
                raise TaskAttributeError(f"{self!r} does not have {attribute!r} as an attribute to set in task_args.")
            setattr(self, attribute, value)
        if "run" in task_args:
            self.__dict__.pop("_run_binder", None)
        if "target" in task_args or "result" in task_args:
            options.locate_result_at_target(self)
        if "cache_validator" not in task_args and task_args.get("cache_for"):
            from flowctl.engine import cache_validators

            if self.cache_validator is cache_validators.never_use:
                self.cache_validator = cache_validators.duration_only

    def __call__(self, *args: Any, **kwargs: Any) -> "Task":
        """Bind a copy of this task into the active (or given) flow and return it.

        Takes ``run``'s arguments and the keywords of ``options.CALL_SIGNATURE`` (its ``__signature__``). The
        commonest call (no such keyword, context tags, slug or edges to warn of) is made inline as ``_copy`` would.
        """
        try:  # the context, read once for flow and tags
            scope = _CONTEXT_LOCAL.data
        except AttributeError:  # a thread that never entered one
            scope = _NO_CONTEXT
        active_flow = scope.get("flow")
        if active_flow is None or (kwargs and not options.CALL_KEYWORDS.isdisjoint(kwargs)) or scope.get("tags"):
            return self._call_with_options(active_flow, scope.get("tags"), args, kwargs)
        attributes = self.__dict__
        binder = attributes.get("_run_binder", _NO_BINDER)
        cls = type(self)
        if binder.inline_class is not cls or "slug" in attributes or self in active_flow.tasks:
            return self._call_with_options(active_flow, None, args, kwargs)
        new = _new_object(cls)
        new.__dict__ = attributes.copy()
        tags = attributes.get("tags")
        if tags is not None:  # each copy its own set, as Prefect 1's copies (none: see _SetByInit)
            new.tags = set(tags)
        if not kwargs and len(args) in binder.zip_arities:
            if tags:  # (its slug names its tags)
                active_flow.add_bound_task(new, binder.positional, args, False, True)
            else:
                active_flow.add_call(new, binder.positional, args)
        else:  # keywords: names of run's, or any name when run takes **kwargs
            arguments = new._bind_arguments(args, kwargs)
            active_flow.add_bound_task(new, arguments, arguments.values(), False, binder.var_keyword is None,
                                       not tags)
        return new

    def _call_with_options(self, active_flow: Any, context_tags: Any, args: tuple, kwargs: dict) -> "Task":
        """``__call__`` in general: the call keywords, context tags, slugs, subclasses' own copies and binds."""
        mapped, flow = kwargs.pop("mapped", False), kwargs.pop("flow", None)
        task_args, upstream_tasks = kwargs.pop("task_args", None), kwargs.pop("upstream_tasks", None)
        new = self._copy(dict(task_args) if task_args else {}, active_flow, context_tags)
        if type(new).bind is not Task.bind:  # a subclass's own bind (e.g. positional collection items)
            return new.bind(*args, mapped=mapped, upstream_tasks=upstream_tasks, flow=flow, **kwargs)
        return new._bind(args, kwargs, mapped, upstream_tasks, flow if flow is not None else active_flow,
                         context_tags)

    def map(
        self,
        *args: Any,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Any = None,
        task_args: dict | None = None,
        **kwargs: Any,
    ) -> "Task":
        """Like calling the task, but run one child per element of the mapped inputs."""
        options.check_map_call(args)
        active_flow, context_tags = context.get("flow"), context.get("tags")
        new = self._copy(dict(task_args) if task_args else {}, active_flow, context_tags)
        if new.nout is not None and not (task_args and "nout" in task_args):  # as Prefect 1: a map is not
            new.nout = None  # unpacked by the task's nout (its result is the children's list) unless given here
        if type(new).bind is not Task.bind:  # a subclass's own bind (e.g. positional collection items)
            return new.bind(*args, mapped=True, upstream_tasks=upstream_tasks, flow=flow, **kwargs)
        return new._bind(args, kwargs, True, upstream_tasks, flow if flow is not None else active_flow,
                         context_tags)

    def _bind_arguments(self, args: tuple, kwargs: dict) -> dict:
        """Match call arguments to ``run``'s signature, by name."""
        binder = self.__dict__.get("_run_binder") or self._binder()
        if not kwargs and len(args) in binder.zip_arities:
            return dict(zip(binder.positional, args))  # the commonest call, without two more calls
        try:
            return binder.bind(args, kwargs)
        except TypeError as exc:
            expected = ", ".join(str(p) for p in binder.signature.parameters.values())
            raise TaskArgumentError(f"{exc} ({self!r}: its run() takes ({expected})).") from None  # Prefect's words first

    def bind(
        self,
        *args: Any,
        mapped: bool = False,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Any = None,
        **kwargs: Any,
    ) -> "Task":
        """Bind arguments to this task itself (no copy) in the active or given flow."""
        return self._bind(args, kwargs, mapped, upstream_tasks, flow if flow is not None else context.get("flow"),
                          context.get("tags"))

    def _bind(self, args: tuple, kwargs: dict, mapped: bool, upstream_tasks: Any, flow: Any,
              context_tags: Any) -> "Task":
        return self._bind_matched(self._bind_arguments(args, kwargs), mapped, upstream_tasks, flow, context_tags)

    def _bind_matched(self, callargs: dict, mapped: bool, upstream_tasks: Any, flow: Any,
                      context_tags: Any, identifiers: bool | None = None) -> "Task":
        """``bind`` given arguments already matched to ``run`` (``{name: value}``; see ``Flow.bind_task``)."""
        if flow is None:
            raise options.outside_flow_error(self)
        flow.bind_task(self, callargs, upstream_tasks, mapped, identifiers)
        if context_tags:
            self.tags.update(context_tags)
        return self

    def set_dependencies(self, flow: Any = None, upstream_tasks: Iterable | None = None,
                         downstream_tasks: Iterable | None = None, keyword_tasks: dict | None = None,
                         mapped: bool = False, validate: bool | None = None) -> "Task":
        flow = self._require_flow(flow)
        flow.set_dependencies(task=self, upstream_tasks=upstream_tasks, downstream_tasks=downstream_tasks,
                              keyword_tasks=keyword_tasks, mapped=mapped, validate=validate)
        return self

    def set_upstream(self, task: Any, flow: Any = None, key: str | None = None, mapped: bool = False) -> "Task":
        """Make ``task`` an upstream of this one (passing its result as ``key`` when given)."""
        if key is not None:
            return self.set_dependencies(flow=flow, keyword_tasks={key: task}, mapped=mapped)
        return self.set_dependencies(flow=flow, upstream_tasks=[task], mapped=mapped)

    def set_downstream(self, task: "Task", flow: Any = None, key: str | None = None, mapped: bool = False) -> "Task":
        """Make ``task`` a downstream of this one."""
        task.set_upstream(self, flow=flow, key=key, mapped=mapped)
        return self

    def _require_flow(self, flow: Any) -> Any:
        flow = flow if flow is not None else context.get("flow")
        if flow is None:
            raise FlowctlErrorNoFlow(f"No Flow was passed, and could not infer an active Flow context: use {self!r} "
                                     "inside a `with Flow(...)` block or pass flow=.")
        return flow



Task.__call__.__signature__ = options.CALL_SIGNATURE  # type: ignore[attr-defined]


class _SetByInit:
    """Stands in for an attribute ``Task.__init__`` sets, until it does.

    A non-data descriptor: the instance's own value hides it, so reads of an
    initialized task cost nothing extra. On a task whose subclass forgot
    ``super().__init__`` it explains the fix. (A ``__getattr__`` on Task would
    do the same but slow down every attribute read of every task.) A task
    initialized without tags holds none until ``tags`` is first read, which
    makes its own empty set: a million copies in a flow need no million sets.
    """

    __slots__ = ("attribute",)

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        if self.attribute == "tags" and "name" in instance.__dict__:  # initialized, with no tags
            tags = instance.__dict__["tags"] = set()
            return tags
        raise TaskNotInitializedError(
            f"{type(instance).__name__} has no attribute {self.attribute!r}: its __init__ did not call "
            f"super().__init__(**kwargs). Add that call so flowctl can set up the task."
        )


#: Options whose default is a class attribute (``options.class_defaults``): shown by any task not setting them.
_CLASS_DEFAULTS = options.class_defaults()
for _attribute, _default in _CLASS_DEFAULTS.items():
    setattr(Task, _attribute, staticmethod(_default) if callable(_default) else _default)
for _attribute in _INIT_ATTRIBUTES - _CLASS_DEFAULTS.keys():  # the rest: name, tags, state_handlers
    setattr(Task, _attribute, _SetByInit(_attribute))


def __getattr__(name: str) -> Any:
    """``NoDefault`` is importable from here too, as from ``prefect.core.task`` (it lives with Parameter)."""
    if name == "NoDefault":
        from flowctl.core.parameter import NoDefault

        return NoDefault
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
