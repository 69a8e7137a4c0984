"""Helpers for defining tasks: ``@task``, ``tags``, ``as_task``, ``defaults_from_attrs``..."""
from __future__ import annotations

import functools
import inspect
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from flowctl.core.task import Task
from flowctl.utilities import edges as edge_annotations
from flowctl.utilities.edges import flatten, mapped, unmapped  # noqa: F401 - where Prefect 1 also offered them
from flowctl.utilities.context import context


def task(fn: Callable | None = None, **task_init_kwargs: Any) -> Any:
    """Turn a function into a ``FunctionTask``: bare ``@task`` or ``@task(name=..., ...)``."""
    from flowctl.tasks.core.function import FunctionTask

    if fn is None:
        return lambda fn: FunctionTask(fn=fn, **task_init_kwargs)
    return FunctionTask(fn=fn, **task_init_kwargs)


@contextmanager
def tags(*tags: str) -> Iterator[None]:
    """Add ``tags`` to every task created or called inside the block."""
    current = set(context.get("tags") or ())
    with context(tags=current | set(tags)):
        yield


def as_task(x: Any, flow: Any = None) -> Task:
    """``x`` as a task: tasks as they are, collections as collection tasks, values as Constants."""
    from flowctl.tasks.core.collections import Dict, List, Set, Tuple
    from flowctl.tasks.core.constants import Constant

    if isinstance(x, edge_annotations.EdgeAnnotation):
        x = x.value
    if isinstance(x, Task):
        return x
    if isinstance(x, list):
        made = List().bind(*x, flow=flow)
    elif isinstance(x, tuple):
        made = Tuple().bind(*x, flow=flow)
    elif isinstance(x, (set, frozenset)):
        made = Set().bind(*x, flow=flow)
    elif isinstance(x, dict):
        made = Dict().bind(keys=list(x.keys()), values=list(x.values()), flow=flow)
    else:
        made = Constant(x)
    made.auto_generated = True
    if _holds_only_constants(x):  # Prefect 1 makes such a value one Constant, which never writes a result
        made.checkpoint = False
    return made


_PLAIN_TYPES = frozenset({int, float, str, bool, bytes, complex, type(None)})


def _holds_only_constants(x: Any) -> bool:
    """Whether ``x`` holds no task (nor edge annotation) at any depth."""
    if isinstance(x, (Task, edge_annotations.EdgeAnnotation)):
        return False
    if isinstance(x, (list, tuple, set, frozenset)):  # (a list of plain values, a million long: told in C)
        return all(map(_PLAIN_TYPES.__contains__, map(type, x))) or all(map(_holds_only_constants, x))
    if isinstance(x, dict):
        return all(map(_holds_only_constants, x.values()))
    return True


def defaults_from_attrs(*attr_args: str) -> Callable:
    """Fill ``run`` keyword arguments not passed from the task's attributes of the same name.

    As Prefect 1: only an argument left out is filled; one passed, even as None, is kept.
    """

    def wrapper(run_method: Callable) -> Callable:
        @functools.wraps(run_method)
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            for attr in attr_args:
                if attr not in kwargs:
                    kwargs[attr] = getattr(self, attr)
            return run_method(self, *args, **kwargs)

        method.__signature__ = inspect.signature(run_method)  # type: ignore[attr-defined]
        return method

    return wrapper


def apply_map(func: Callable, *args: Any, flow: Any = None, **kwargs: Any) -> Any:
    """Call ``func`` (which builds tasks) so every task it builds runs mapped.

    Arguments wrapped in ``unmapped`` stay whole; tasks that ``func`` creates
    are mapped child-to-child over the mapped arguments.
    """
    from flowctl.core.flow import Flow

    flow = flow if flow is not None else context.get("flow")
    if flow is None:
        raise ValueError("apply_map needs an active flow: call it inside `with Flow(...)` or pass flow=.")
    scratch = Flow("apply_map")
    placeholders: dict[Task, Any] = {}

    def placeholder_for(value: Any) -> Any:
        if edge_annotations.annotations_of(value).get("mapped", True) is False:  # unmapped
            return value.value
        p = Task(name="apply_map_input")
        placeholders[p] = value
        return p

    new_args = [placeholder_for(a) for a in args]
    new_kwargs = {k: placeholder_for(v) for k, v in kwargs.items()}
    with context(flow=scratch):
        output = func(*new_args, **new_kwargs)
    # A built task is mapped when anything it depends on is a mapped input or
    # another mapped task; edges between two mapped tasks run child-to-child.
    tainted: set[Task] = set(placeholders)
    for task in scratch.sorted_tasks():
        if task in placeholders:
            continue
        flow.add_task(task)
        if any(e.upstream_task in tainted for e in scratch.edges_to(task)):
            tainted.add(task)
    for edge in scratch.edges:
        upstream = edge.upstream_task
        if upstream in placeholders:
            upstream = as_task(placeholders[upstream], flow=flow)
        flattened = edge.flattened or edge_annotations.annotations_of(
            placeholders.get(edge.upstream_task)).get("flattened", False)
        flow.add_edge(upstream, edge.downstream_task, key=edge.key,
                      mapped=edge.upstream_task in tainted, flattened=flattened)
    for t, values in scratch.constants.items():
        flow.constants[t].update(values)
    return output


def pause_task(message: str | None = None, duration: Any = None) -> None:
    """Pause the running task until the run is resumed (``resume`` in context).

    With ``duration`` (a ``timedelta``) the ``Paused`` state's ``start_time``
    is now plus ``duration``: the runner resumes the task by itself then, as
    Prefect 1 does. Without it the pause lasts until an explicit resume.
    """
    import datetime

    from flowctl.engine import signals

    if context.get("resume", False) is not False:  # Prefect 1 pauses only when resume is exactly False
        return
    start_time = None
    if duration is not None:
        start_time = datetime.datetime.now(datetime.timezone.utc) + duration
    raise signals.PAUSE(message or "Pause signal raised during task execution.", start_time=start_time)
