"""``Task``: a unit of work whose ``run`` method does the work.

A task is defined once (subclass or ``@task``) and bound into flows as
copies: calling a task inside ``with Flow(...)`` copies it, binds the copy's
arguments as edges or constants, and returns the copy. The run signature is
checked when the class (or function task) is created, so mistakes surface at
definition time with a message that says what to do instead.
"""
from __future__ import annotations

import copy as _copy
import datetime
import inspect
import warnings
from typing import Any, Callable, Iterable

from flowctl import triggers as _triggers
from flowctl.core.task_operators import TaskOperators
from flowctl.exceptions import FlowctlError, TaskArgumentError, TaskDefinitionError
from flowctl.utilities.configuration import config
from flowctl.utilities.context import context

RESERVED_KEYWORDS = ("upstream_tasks", "mapped", "task_args", "flow")

#: Task loggers by task name: copies of a task share one, without a trip through logging's lock.
_LOGGERS: dict = {}

#: Attributes set by ``Task.__init__``; reading one on a task whose subclass
#: forgot ``super().__init__`` gives a clear error instead of an AttributeError.
_INIT_ATTRIBUTES = frozenset(
    "name slug tags max_retries retry_delay retry_on timeout trigger skip_on_upstream_skip "
    "cache_for cache_validator cache_key checkpoint state_handlers on_failure log_stdout "
    "result target task_run_name nout auto_generated".split()
)


class TaskNotInitializedError(FlowctlError, AttributeError):
    """A Task subclass did not call ``super().__init__``."""


def validate_run_signature(run: Callable, owner: str) -> inspect.Signature:
    """Check a run callable: inspectable, no ``*args``, no reserved keywords."""
    try:
        signature = inspect.signature(run)
    except (TypeError, ValueError):
        name = getattr(run, "__name__", repr(run))
        raise TaskDefinitionError(
            f"Cannot inspect the signature of {name!r} for task {owner!r}: builtins and some "
            f"C functions hide their arguments. Wrap it in a plain Python function, e.g.\n"
            f"    @task\n    def my_{name}(x):\n        return {name}(x)"
        ) from None
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            raise TaskDefinitionError(
                f"Task {owner!r}: run() takes *{parameter.name}, but task arguments are always "
                f"passed by keyword. Replace *{parameter.name} with named arguments "
                f"(or a single list argument)."
            )
    reserved = [p for p in signature.parameters if p in RESERVED_KEYWORDS]
    if reserved:
        raise TaskDefinitionError(
            f"Task {owner!r}: run() uses the reserved keyword(s) {', '.join(map(repr, reserved))}; "
            f"{', '.join(RESERVED_KEYWORDS)} are reserved by flowctl. Rename the argument(s)."
        )
    return signature


def _seconds(value: Any, what: str, owner: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise TaskDefinitionError(
        f"Task {owner!r}: {what} must be a number of seconds or a datetime.timedelta "
        f"(received {type(value).__name__})."
    )


def _nout_from_annotation(run: Callable) -> int | None:
    """``-> Tuple[int, str]`` (or ``tuple[int, str]``) means two outputs to unpack, as in Prefect 1."""
    import typing

    try:
        returned = typing.get_type_hints(run).get("return")
    except Exception:  # noqa: BLE001 - unresolvable annotations simply give no hint
        return None
    arguments = typing.get_args(returned)
    if typing.get_origin(returned) is tuple and arguments and Ellipsis not in arguments and arguments != ((),):
        return len(arguments)
    return None


class Task(TaskOperators):
    """A unit of work. Subclasses implement ``run(self, **inputs)``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None and not isinstance(run, property):
            validate_run_signature(run, cls.__name__)

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
        self.name = name if name is not None else type(self).__name__
        self.slug = slug
        self.tags = set(tags or ()) | set(context.get("tags") or ())
        defaults = config.tasks.defaults
        if max_retries is None:
            max_retries = defaults.get("max_retries") or 0
        if retry_delay is None and max_retries:
            retry_delay = defaults.get("retry_delay")
        if max_retries and retry_delay is None:
            raise TaskDefinitionError(
                f"Task {self.name!r}: max_retries={max_retries} needs a retry_delay "
                f"(a datetime.timedelta or seconds), e.g. retry_delay=timedelta(seconds=10)."
            )
        self.max_retries = int(max_retries)
        self.retry_delay = retry_delay
        if retry_on is not None and isinstance(retry_on, type):
            retry_on = {retry_on}
        self.retry_on = set(retry_on) if retry_on is not None else None
        if timeout is None:
            timeout = defaults.get("timeout")
        self.timeout = timeout
        _seconds(timeout, "timeout", self.name)
        _seconds(retry_delay, "retry_delay", self.name)
        self.trigger = trigger if trigger is not None else _triggers.all_successful
        self.skip_on_upstream_skip = skip_on_upstream_skip
        if cache_for is not None and not isinstance(cache_for, datetime.timedelta):
            cache_for = datetime.timedelta(seconds=_seconds(cache_for, "cache_for", self.name))
        self.cache_for = cache_for
        self.cache_key = cache_key
        if cache_validator is None:
            from flowctl.engine import cache_validators

            cache_validator = cache_validators.duration_only if cache_for else cache_validators.never_use
        self.cache_validator = cache_validator
        if target is not None and checkpoint is False:
            raise TaskDefinitionError(
                f"Task {self.name!r}: a target is a checkpoint location, so checkpoint=False "
                f"contradicts target={target!r}. Remove one of them."
            )
        self.checkpoint = checkpoint
        self.state_handlers = list(state_handlers or [])
        self.on_failure = on_failure
        self.log_stdout = log_stdout
        self.result = result
        self.target = target
        self.task_run_name = task_run_name
        if nout is None:
            nout = _nout_from_annotation(self.run)
        if nout is not None and (not isinstance(nout, int) or nout < 1):
            raise TaskDefinitionError(f"Task {self.name!r}: nout must be a positive int (received {nout!r}).")
        self.nout = nout
        self.auto_generated = False

    # -- identity and introspection --------------------------------------
    def __getattr__(self, name: str) -> Any:
        # A property of Task (``logger``...) that failed on an uninitialized task lands here too.
        uninitialized_property = "name" not in self.__dict__ and isinstance(getattr(type(self), name, None), property)
        if name in _INIT_ATTRIBUTES or uninitialized_property:
            raise TaskNotInitializedError(
                f"{type(self).__name__} has no attribute {name!r}: its __init__ did not call "
                f"super().__init__(**kwargs). Add that call so flowctl can set up the task."
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        return f"<Task: {self.__dict__.get('name', type(self).__name__)}>"

    __hash__ = object.__hash__

    @property
    def logger(self):  # noqa: ANN201 - a logging.Logger
        """This task's logger (a child of the ``flowctl`` logger)."""
        cached = self.__dict__.get("_logger")
        if cached is None or self.__dict__.get("_logger_for") != self.name:
            cached = _LOGGERS.get(self.name)
            if cached is None:
                from flowctl.utilities.logging import get_logger

                cached = _LOGGERS[self.name] = get_logger(self.name)
            self.__dict__["_logger"] = cached
            self.__dict__["_logger_for"] = self.name
        return cached

    @property
    def run_signature(self) -> inspect.Signature:
        signature = self.__dict__.get("_run_signature")
        if signature is None:
            signature = inspect.signature(self.run)
            self.__dict__["_run_signature"] = signature
        return signature

    def accepts_key(self, key: str) -> bool:
        """Whether ``run`` can receive keyword ``key``."""
        parameters = self.run_signature.parameters
        if key in parameters and parameters[key].kind is not inspect.Parameter.VAR_KEYWORD:
            return True
        return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())

    def inputs(self) -> dict[str, dict]:
        """``{name: {"type": annotation, "required": bool}}`` for ``run``'s arguments."""
        result = {}
        for name, parameter in self.run_signature.parameters.items():
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                continue
            annotation = parameter.annotation
            result[name] = {
                "type": Any if annotation is inspect.Parameter.empty else annotation,
                "required": parameter.default is inspect.Parameter.empty,
            }
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
        """A copy of this task with ``task_args`` overriding its attributes."""
        flow = context.get("flow")
        if flow is not None and self in flow.tasks and (flow.edges_to(self) or flow.edges_from(self)):
            warnings.warn(
                f"You are making a copy of {self!r}, which has dependencies in the active flow; "
                "the copy will not keep those dependencies.",
                stacklevel=2,
            )
        new = _copy.copy(self)
        if new.slug and "slug" not in task_args:
            task_args["slug"] = None
        for attribute, value in task_args.items():
            if attribute not in _INIT_ATTRIBUTES and not hasattr(new, attribute):
                raise TaskArgumentError(f"{self!r} has no attribute {attribute!r} to set in task_args.")
            setattr(new, attribute, value)
        if "cache_validator" not in task_args and "cache_for" in task_args and task_args["cache_for"]:
            from flowctl.engine import cache_validators

            if new.cache_validator is cache_validators.never_use:
                new.cache_validator = cache_validators.duration_only
        new.tags = set(new.tags) | set(context.get("tags") or ())
        new.state_handlers = list(new.state_handlers)
        new.__dict__.pop("_logger", None)
        new.__dict__.pop("_logger_for", None)
        return new

    def __call__(
        self,
        *args: Any,
        mapped: bool = False,
        task_args: dict | None = None,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Any = None,
        **kwargs: Any,
    ) -> "Task":
        """Bind a copy of this task into the active (or given) flow and return it."""
        new = self.copy(**(task_args or {}))
        return new.bind(*args, mapped=mapped, upstream_tasks=upstream_tasks, flow=flow, **kwargs)

    def map(
        self,
        *args: Any,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Any = None,
        task_args: dict | None = None,
        **kwargs: Any,
    ) -> "Task":
        """Like calling the task, but run one child per element of the mapped inputs."""
        new = self.copy(**(task_args or {}))
        return new.bind(*args, mapped=True, upstream_tasks=upstream_tasks, flow=flow, **kwargs)

    def _bind_arguments(self, args: tuple, kwargs: dict) -> dict:
        """Match call arguments to ``run``'s signature, by name."""
        signature = self.run_signature
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            expected = ", ".join(str(p) for p in signature.parameters.values())
            raise TaskArgumentError(f"{self!r}: {exc}; its run() takes ({expected}).") from None
        callargs = dict(bound.arguments)
        for name, parameter in signature.parameters.items():
            if parameter.kind is inspect.Parameter.VAR_KEYWORD and name in callargs:
                callargs.update(callargs.pop(name))
        return callargs

    def bind(
        self,
        *args: Any,
        mapped: bool = False,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Any = None,
        **kwargs: Any,
    ) -> "Task":
        """Bind arguments to this task itself (no copy) in the active or given flow."""
        callargs = self._bind_arguments(args, kwargs)
        flow = flow if flow is not None else context.get("flow")
        if flow is None:
            raise FlowctlErrorNoFlow(
                f"Could not infer an active Flow while binding {self!r}: call it inside a "
                f"`with Flow(...)` block or pass flow=. To run the task on its own, call "
                f"{self.name}.run(...) or use a TaskRunner."
            )
        flow.set_dependencies(task=self, upstream_tasks=upstream_tasks, keyword_tasks=callargs, mapped=mapped)
        self.tags.update(context.get("tags") or ())
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
            raise FlowctlErrorNoFlow(
                f"No flow to add {self!r} to: use it inside a `with Flow(...)` block or pass flow=."
            )
        return flow



class FlowctlErrorNoFlow(FlowctlError, ValueError):
    """A task was bound with no active flow."""
