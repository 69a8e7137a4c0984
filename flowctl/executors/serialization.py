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

import copy
import pickle
import threading
import time
import uuid
from typing import Any, Iterable

import cloudpickle

from flowctl.engine.state import Failed, State
from flowctl.engine.task_execution import run_holding_retries
from flowctl.engine.task_runner import describe_exception, run_unit
from flowctl.exceptions import SerializationError

ADVICE = (
    "Everything that crosses a process boundary is serialised with cloudpickle, which cannot "
    "handle generators, open files, thread locks or live clients/connections. Create such "
    "objects inside the task's `run` method (not in `__init__`, and do not pass them between "
    "tasks), and return plain data."
)


# cloudpickle's registry of modules to pickle by value (a set it updates in place).
_BY_VALUE_MODULES: Any = getattr(cloudpickle.cloudpickle, "_PICKLE_BY_VALUE_MODULES", ())


def _names_unimportable_module(data: bytes) -> bool:
    if b"__main__" in data:
        return True
    return bool(_BY_VALUE_MODULES) and any(name.encode() in data for name in list(_BY_VALUE_MODULES))


UNINTERRUPTIBLE = ("The worker runs tasks in threads, which Python cannot interrupt: the timed-out attempt "
                   "keeps running on its worker until it returns.")


def dumps(value: Any) -> bytes:
    """Pickle ``value`` for another process: the C pickler when it can, else cloudpickle.

    cloudpickle costs several times more per object, which a map of many
    children pays on every unit. The plain pickler refers to functions and
    classes by module and name, so its output is used only when it names no
    module that workers cannot import (``__main__``, modules registered
    pickle-by-value).
    """
    try:
        data = pickle.dumps(value, protocol=5)
    except Exception:  # noqa: BLE001 - lambdas, local classes...: cloudpickle handles them
        return cloudpickle.dumps(value, protocol=5)
    if _names_unimportable_module(data):
        return cloudpickle.dumps(value, protocol=5)
    return data


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
    return runner.end_unit(state, context, map_index, Failed(message, result=SerializationError(message)))


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
        # The process-wide cache stays on the driver: a unit carries only its own slot's entries.
        context = {key: value for key, value in context.items() if key != "caches"}
        try:
            data = dumps((runner, context, constants, edges))
        except Exception:  # noqa: BLE001 - diagnosed below
            data = None
            error = _bundle_failure(runner, context, constants)
        with self._lock:
            return self._bundles.setdefault(id(runner), Bundle(runner, data, edges, error))

    def payload(self, bundle: Bundle, state: State, upstream_states: dict, map_index: int | None,
                forward: Any, cached: list | None = None) -> tuple[bytes | None, str | None]:
        """(payload bytes, None), or (None, message) when an input cannot be pickled.

        ``cached``: the unit's valid cache entries (for ``cache_for`` tasks), else None.
        """
        index = bundle.edge_index
        refs = [(index.get(edge, edge), upstream) for edge, upstream in upstream_states.items()]
        try:
            return dumps((state, refs, map_index, forward, cached)), None
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


def _unchained(error: BaseException) -> BaseException | None:
    """A copy of ``error`` without its cause, context and traceback, if that travels (else None)."""
    try:
        bare = copy.copy(error)
        bare.__cause__ = bare.__context__ = bare.__traceback__ = None
    except Exception:  # noqa: BLE001 - an exception that cannot even be copied stays a SerializationError
        return None
    return bare if _round_trips(bare) else None


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
        # rebuilt on the driver, which would hide the original message behind a TypeError; or
        # one whose cause cannot travel (Dask's workers pickle causes and tracebacks too): the
        # error itself, without them, when it can
        state.result = _unchained(error) or SerializationError(
            f"{describe_exception(error)} (could not be serialised back to the flow runner)")
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


def execute(token: str, bundle_data: bytes, payload: bytes, inputs: dict | None = None) -> bytes:
    """Worker entry point: decode a unit, run it, and return its encoded final state.

    An upstream state given as a ``(chunk key, position)`` tuple (a map
    after a map on Dask) is read here from ``inputs``, the results of the
    chunks it refers to: the encoded states the driver also received.
    """
    from flowctl.executors import forwarding

    runner, context, constants, edges = _load_bundle(token, bundle_data)
    state, refs, map_index, forward, cached = loads(payload)
    upstream_states = {edges[ref] if isinstance(ref, int) else ref: upstream for ref, upstream in refs}
    if inputs:
        for edge, upstream in upstream_states.items():
            if type(upstream) is tuple:
                upstream_states[edge] = loads(inputs[upstream[0]][0][upstream[1]])[0]
    forward = forwarding.begin(forward)
    if forward is not None:
        context = {**context, forwarding.FORWARD_KEY: forward}
    if cached is not None:  # this unit's share of the driver's cache (read only: flow.run adds to it)
        context = {**context, "caches": {cache_slot(runner.task): list(cached)}}
    try:
        if runner.task.timeout is None:
            final = run_unit(runner, state, upstream_states, context, map_index, constants)
        else:
            final = run_holding_retries(lambda: run_unit(runner, state, upstream_states, context, map_index, constants))
        if type(final).__name__ == "TimedOut" and threading.current_thread() is not threading.main_thread():
            final.message = f"{final.message} {UNINTERRUPTIBLE}"
        raw = encode_result(runner, final, context, map_index, forward)
    finally:
        forwarding.end(forward)
    return raw


def cache_slot(task: Any) -> Any:
    """The key of a task's entries in the process cache, its mapped children's too (as the task
    runner computes it)."""
    return task.cache_key or task.name


def valid_entries(caches: dict, slot: Any) -> list:
    """The slot's entries that have not expired; expired ones are evicted on the way."""
    from flowctl.engine.task_execution import utc_now

    entries = caches.get(slot)
    if not entries:
        return []
    now = utc_now()
    entries[:] = [entry for entry in entries if getattr(entry, "cached_result_expiration", None) is None
                  or entry.cached_result_expiration > now]
    return list(entries)


def execute_chunk(token: str, bundle_data: bytes, payloads: list, inputs: dict | None = None) -> tuple[list, float]:
    """Worker entry point for a chunk of units of one task: each runs and reports on its own.

    Returns the encoded final states in order and the seconds the chunk
    took, from which the driver sizes the next chunks. ``inputs``: the
    results of upstream chunks (Dask dependencies) its units read.
    """
    started = time.perf_counter()
    results = [execute(token, bundle_data, payload, inputs) for payload in payloads]
    return results, time.perf_counter() - started


def identity(value: Any) -> Any:
    """A task that returns its argument: data held on a worker that Dask can always recompute."""
    return value
