"""Helpers for defining tasks: ``@task``, ``tags``, ``as_task``, ``defaults_from_attrs``..."""
from __future__ import annotations

import functools
import inspect
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from flowctl.core import blocks
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
    """``x`` as a task: tasks as they are, collections as collection tasks (a collection of constants
    outside any flow: a Constant), values as Constants."""
    from flowctl.tasks.core.constants import Constant

    if isinstance(x, edge_annotations.EdgeAnnotation):
        x = x.value
    if isinstance(x, Task):
        return x
    only_constants = holds_only_constants(x)
    if not isinstance(x, _COLLECTION_TYPES):
        made = Constant(x)
    elif only_constants and flow is None and context.get("flow") is None:
        made = Constant(x)  # no flow to add collection tasks to: one Constant, as Prefect 1 makes
    elif only_constants and blocks.any_block_open():  # it stands for Prefect 1's Constant, a root task:
        with context(case=None, resource=None):  # it joins no case or resource block around the call
            made = _collection_task(x, flow)
    else:
        made = _collection_task(x, flow)
    made.auto_generated = True
    if only_constants:  # Prefect 1 makes such a value one Constant, which never writes a result
        made.checkpoint = False
    return made


def _collection_task(x: Any, flow: Any) -> Task:
    """The collection task (``List``, ``Tuple``, ``Set``, ``Dict``) gathering ``x``'s items, bound."""
    from flowctl.tasks.core.collections import Dict, List, Set, Tuple

    if isinstance(x, list):
        return List().bind(*x, flow=flow)
    if isinstance(x, tuple):
        return Tuple().bind(*x, flow=flow)
    if isinstance(x, (set, frozenset)):
        return Set().bind(*x, flow=flow)
    return Dict().bind(keys=list(x.keys()), values=list(x.values()), flow=flow)


_COLLECTION_TYPES = (list, tuple, set, frozenset, dict)
_PLAIN_TYPES = frozenset({int, float, str, bool, bytes, complex, type(None)})


def holds_only_constants(x: Any) -> bool:
    """Whether ``x`` holds no task (nor edge annotation) at any depth."""
    if isinstance(x, (Task, edge_annotations.EdgeAnnotation)):
        return False
    if isinstance(x, (list, tuple, set, frozenset)):  # (a list of plain values, a million long: told in C)
        return all(map(_PLAIN_TYPES.__contains__, map(type, x))) or all(map(holds_only_constants, x))
    if isinstance(x, dict):
        return all(map(holds_only_constants, x.values()))
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
    """Call ``func`` (which builds tasks) so that what it builds runs once per element of its inputs.

    As Prefect 1 does it: ``func`` receives the input tasks themselves (with ``flow=`` when a flow
    was passed here); every edge it builds is mapped, but those from ``unmapped`` inputs; each task
    it builds with no upstream among its own waits on every input (``_wait_on_inputs``). ``case``
    and resource blocks around the call are set aside while ``func`` builds; ``.map`` in it is an error.
    """
    from flowctl.core.flow import Flow
    from flowctl.tasks.core.constants import Constant

    given = flow is not None
    flow = _apply_map_flow(flow, (*args, *kwargs.values()))
    before = set(flow.tasks)
    sub = Flow("apply_map")
    inputs: dict[Task, tuple[bool, bool, bool]] = {}  # input task -> (mapped, a constant, flattened)

    def as_input(value: Any) -> Any:
        annotations = edge_annotations.annotations_of(value)
        raw = value.value if annotations else value
        if annotations.get("mapped") is False and not isinstance(raw, (Task, *_COLLECTION_TYPES)):
            return raw  # an unmapped plain value: bound as a constant where func uses it, as in Prefect 1
        with context(case=None, resource=None):
            made = as_task(value, flow=sub)
            constant = isinstance(made, Constant)
            if not constant:
                sub.add_task(made)
                flow.add_task(made)
        inputs[made] = (annotations.get("mapped", True), constant, annotations.get("flattened", False))
        return made

    call_args = [as_input(value) for value in args]
    call_kwargs = {key: as_input(value) for key, value in kwargs.items()}
    prepared_tasks, prepared_edges = set(sub.tasks) | set(inputs), set(sub.edges)  # the inputs, as made
    with context(flow=sub, mapped=True, case=None, resource=None):
        output = func(*call_args, flow=sub, **call_kwargs) if given else func(*call_args, **call_kwargs)
    for task in sub.sorted_tasks():
        if task not in flow.slugs:
            flow.add_task(task)
    for edge in sub.edges:  # edges become mapped (but from unmapped inputs), as in Prefect 1, except
        is_mapped, _, flattened = inputs.get(edge.upstream_task, (True, False, False))
        if edge in prepared_edges and edge.upstream_task not in before:  # inside a collection of constants
            is_mapped, flattened = edge.mapped, False
        flow.add_edge(edge.upstream_task, edge.downstream_task, key=edge.key, mapped=is_mapped,
                      flattened=edge.flattened or flattened)
    for task, values in sub.constants.items():
        flow.constants[task].update(values)
    _wait_on_inputs(flow, [t for t in sub.sorted_tasks() if t not in before and t not in prepared_tasks], inputs)
    return output


def _apply_map_flow(flow: Any, values: tuple) -> Any:
    """The flow ``apply_map`` adds to (given, or the active one), once its inputs are known mappable."""
    flow = flow if flow is not None else context.get("flow")
    if flow is None:
        raise ValueError("Couldn't infer a flow in the current context: call apply_map inside "
                         "`with Flow(...)` or pass flow=.")
    for value in values:
        if not isinstance(value, (Task, edge_annotations.EdgeAnnotation, Sequence)):
            raise TypeError(f"Cannot map over non-sequence object of type `{type(value).__name__}`")
    return flow


def _wait_on_inputs(flow: Any, built: list, inputs: dict) -> None:
    """Each task ``apply_map``'s function built with no upstream among them waits on every input
    (but unmapped constants), mapped over the mapped ones: all map over the same length."""
    built_set = set(built)
    for task in built:
        upstream = flow.upstream_tasks(task)
        if upstream & built_set:
            continue  # it waits on the inputs through its upstreams
        for input_task, (is_mapped, constant, flattened) in inputs.items():
            if input_task not in upstream and (is_mapped or not constant):
                flow.add_edge(input_task, task, mapped=is_mapped, flattened=flattened)


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
