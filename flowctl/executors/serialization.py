"""Sending task runs to other processes with cloudpickle, and failing clearly when that is impossible.

A unit of work (``run_unit(runner, state, upstream_states, context,
map_index, constants)``) is split in two so that a mapped task with
thousands of children does not ship its task thousands of times:

* a *bundle* per task (the runner with its task, the run context, the
  constants and the task's edges), encoded once and cached on the workers
  under a token;
* a small *payload* per unit: the state, the upstream states (edges sent as
  indexes into the bundle's edge list) and the map index.

Whatever cannot be pickled fails that task, on the driver for the task and
its inputs and on the worker for its result, with a message naming the task,
the argument (or "result") and the offending type, as the seed advises.
"""
from __future__ import annotations

import threading
import uuid
from typing import Any, Iterable

import cloudpickle

from flowctl.engine import signals
from flowctl.engine.state import Failed, State
from flowctl.engine.task_runner import describe_exception, run_unit
from flowctl.exceptions import SerializationError
from flowctl.utilities.context import context as flowctl_context

ADVICE = (
    "Everything that crosses a process boundary is serialised with cloudpickle, which cannot "
    "handle generators, open files, thread locks or live clients/connections. Create such "
    "objects inside the task's `run` method (not in `__init__`, and do not pass them between "
    "tasks), and return plain data."
)


def dumps(value: Any) -> bytes:
    return cloudpickle.dumps(value, protocol=5)


def loads(data: bytes) -> Any:
    return cloudpickle.loads(data)


def type_name(value: Any) -> str:
    kind = type(value)
    module = kind.__module__
    return kind.__qualname__ if module in ("builtins", None) else f"{module}.{kind.__qualname__}"


def _pickle_error(value: Any) -> BaseException | None:
    try:
        dumps(value)
    except Exception as exc:  # noqa: BLE001 - any failure means "cannot cross"
        return exc
    return None


def _children(value: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(value, dict):
        return ((f"[{key!r}]", item) for key, item in list(value.items())[:100])
    if isinstance(value, (list, tuple, set, frozenset)):
        return ((f"[{i}]", item) for i, item in enumerate(list(value)[:100]))
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        return ((f".{name}", item) for name, item in attributes.items())
    return ()


def find_culprit(value: Any, path: str = "", depth: int = 4) -> tuple[str, Any, BaseException] | None:
    """The innermost part of ``value`` that cloudpickle refuses, as (path, part, error)."""
    error = _pickle_error(value)
    if error is None:
        return None
    if depth > 0:
        for suffix, item in _children(value):
            inner = find_culprit(item, path + suffix, depth - 1)
            if inner is not None:
                return inner
    return path, value, error


def unit_name(task: Any, map_index: int | None) -> str:
    return task.name if map_index is None else f"{task.name}[{map_index}]"


def describe_failure(task: Any, map_index: int | None, label: str, value: Any, name: str | None = None) -> str:
    """The message for ``label`` ``name`` (e.g. argument 'x') of ``task`` that cannot be pickled."""
    culprit = find_culprit(value)
    path, part, error = culprit if culprit is not None else ("", value, None)
    if name is not None:
        where = f"{label} '{name}{path}'"
    else:
        where = f"{label} (at {path.lstrip('.')})" if path else label
    detail = f" ({describe_exception(error)})" if error is not None else ""
    return (f"Task {unit_name(task, map_index)!r} cannot run in another process: its {where} "
            f"is a {type_name(part)!r}, which cannot be serialised with cloudpickle{detail}. {ADVICE}")


def fail_unit(runner: Any, state: State, context: dict, map_index: int | None, message: str) -> State:
    """Move a unit to Failed through its runner, so state handlers and events see it."""
    run_context = runner._build_context(state, context, map_index)
    previous = flowctl_context._swap(run_context)
    try:
        runner.logger.error("%s", message)
        try:
            return runner._transition(state, Failed(message, result=SerializationError(message)))
        except signals.ENDRUN as end:
            return end.state
    finally:
        flowctl_context._local.data = previous


# -- driver side -----------------------------------------------------------------------------
class Bundle:
    """One task's share of its units, encoded once (``data`` None when it cannot be)."""

    __slots__ = ("token", "data", "edge_index", "runner", "error")

    def __init__(self, runner: Any, data: bytes | None, edges: list, error: str | None) -> None:
        self.token = uuid.uuid4().hex
        self.runner = runner
        self.data = data
        self.edge_index = {edge: i for i, edge in enumerate(edges)}
        self.error = error


def _bundle_failure(runner: Any, context: dict, constants: dict) -> str:
    task = runner.task
    for name, value in constants.items():
        if _pickle_error(value) is not None:
            return describe_failure(task, None, "argument", value, name)
    for name, value in (context.get("parameters") or {}).items():
        if _pickle_error(value) is not None:
            return describe_failure(task, None, "parameter", value, name)
    for name, value in context.items():
        if _pickle_error(value) is not None:
            return describe_failure(task, None, "context value", value, name)
    for name, value in vars(task).items():
        if _pickle_error(value) is not None:
            return describe_failure(task, None, "task attribute", value, name)
    return describe_failure(task, None, "task", runner)


class UnitCodec:
    """Driver-side encoder: bundles cached per runner, payloads per unit."""

    def __init__(self) -> None:
        self._bundles: dict[int, Bundle] = {}
        self._lock = threading.Lock()

    def bundle(self, runner: Any, upstream_states: dict, context: dict, constants: dict) -> Bundle:
        found = self._bundles.get(id(runner))
        if found is not None:
            return found
        edges = list(upstream_states)
        error = None
        try:
            data = dumps((runner, context, constants, edges))
        except Exception:  # noqa: BLE001 - diagnosed below
            data = None
            error = _bundle_failure(runner, context, constants)
        with self._lock:
            return self._bundles.setdefault(id(runner), Bundle(runner, data, edges, error))

    def payload(self, bundle: Bundle, state: State, upstream_states: dict, map_index: int | None,
                forward: Any) -> tuple[bytes | None, str | None]:
        """(payload bytes, None), or (None, message) when an input cannot be pickled."""
        index = bundle.edge_index
        refs = [(index.get(edge, edge), upstream) for edge, upstream in upstream_states.items()]
        try:
            return dumps((state, refs, map_index, forward)), None
        except Exception:  # noqa: BLE001 - diagnosed below
            pass
        task = bundle.runner.task
        for edge, upstream in upstream_states.items():
            if _pickle_error(upstream) is not None:
                label, name = ("argument", edge.key) if edge.key else ("upstream result of", edge.upstream_task.name)
                value = upstream.result if _pickle_error(upstream.result) is not None else upstream
                return None, describe_failure(task, map_index, label, value, name)
        if state._cached_inputs:
            for name, value in state.cached_inputs.items():
                if _pickle_error(value) is not None:
                    return None, describe_failure(task, map_index, "argument", value, name)
        return None, describe_failure(task, map_index, "state", state)


# -- worker side ------------------------------------------------------------------------------
_BUNDLE_CACHE: dict[str, tuple] = {}
_BUNDLE_CACHE_SIZE = 512
_cache_lock = threading.Lock()


def _load_bundle(token: str, data: bytes) -> tuple:
    found = _BUNDLE_CACHE.get(token)
    if found is None:
        found = loads(data)
        with _cache_lock:
            if len(_BUNDLE_CACHE) >= _BUNDLE_CACHE_SIZE:
                _BUNDLE_CACHE.pop(next(iter(_BUNDLE_CACHE)))
            _BUNDLE_CACHE[token] = found
    return found


def _round_trips(value: Any) -> bool:
    try:
        loads(dumps(value))
    except Exception:  # noqa: BLE001 - any failure means the driver could not read it either
        return False
    return True


def encode_result(runner: Any, state: State, context: dict, map_index: int | None, forward: Any) -> bytes:
    """Pickle ``(state, events sent)``; an unpicklable result fails the unit with a clear message."""
    from flowctl.executors.forwarding import sent_count

    error = state.result
    if isinstance(error, BaseException) and not state.is_successful() and not _round_trips(error):
        # e.g. an exception whose __init__ takes two arguments pickles fine but cannot be
        # rebuilt on the driver, which would hide the original message behind a TypeError.
        state.result = SerializationError(f"{describe_exception(error)} (could not be serialised back "
                                          f"to the flow runner)")
    try:
        return dumps((state, sent_count(forward)))
    except Exception:  # noqa: BLE001 - diagnosed below
        pass
    if state.is_successful() and _pickle_error(state.result) is not None:
        message = describe_failure(runner.task, map_index, "result", state.result).replace(
            "cannot run in another process", "ran, but cannot return its value to the flow runner")
        state = fail_unit(runner, state, context, map_index, message)
    else:
        detail = describe_exception(state.result) if isinstance(state.result, BaseException) else type_name(state.result)
        state.result = SerializationError(f"{detail} (could not be serialised back to the flow runner)")
        state._cached_inputs = None
    sent = sent_count(forward)
    try:
        return dumps((state, sent))
    except Exception as exc:  # noqa: BLE001 - last resort: a plain Failed state always pickles
        message = f"Task {unit_name(runner.task, map_index)!r} ended {state!r} but it could not be serialised: {exc!r}"
        return dumps((Failed(message, result=SerializationError(message)), sent))


def execute(token: str, bundle_data: bytes, payload: bytes) -> bytes:
    """Worker entry point: decode a unit, run it, and return its encoded final state."""
    from flowctl.executors import forwarding

    runner, context, constants, edges = _load_bundle(token, bundle_data)
    state, refs, map_index, forward = loads(payload)
    upstream_states = {edges[ref] if isinstance(ref, int) else ref: upstream for ref, upstream in refs}
    forward = forwarding.begin(forward)
    if forward is not None:
        context = {**context, forwarding.FORWARD_KEY: forward}
    try:
        final = run_unit(runner, state, upstream_states, context, map_index, constants)
        return encode_result(runner, final, context, map_index, forward)
    finally:
        forwarding.end(forward)
