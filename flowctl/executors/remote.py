"""What the process-based executors share: turning a submitted unit into bytes and back.

``UnitSender.prepare`` encodes a ``run_unit`` call (bundle + payload, see
``serialization``) or, when its task or inputs cannot be pickled, fails it
right there on the driver. ``UnitSender.finish`` decodes a worker's answer
and waits for the unit's forwarded events, so the scheduler sees a unit's
completion only after its events were published.
"""
from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Callable

from flowctl.engine.state import Failed, Pending, State
from flowctl.engine.task_runner import run_unit
from flowctl.executors.forwarding import EventRelay
from flowctl.executors.serialization import (
    Bundle, UnitCodec, cache_slot, dumps, fail_unit, loads, unit_name, valid_entries,
)


class RemoteUnit:
    """The scheduler's handle on one submitted unit (a "future" as far as it knows)."""

    __slots__ = ("future", "task", "map_index", "target", "state", "outcome", "generic", "payload", "bundle",
                 "callback", "chunkable", "cache", "resent", "killed_once", "feeds", "origin", "inputs")

    def __init__(self, task: Any, map_index: int | None) -> None:
        self.future: Any = None
        self.task = task
        self.map_index = map_index
        self.target: tuple | None = None
        self.state: State | None = None  # set when the unit failed before it was sent
        self.outcome: Any = None  # set by executors that collect results themselves
        self.generic = False
        self.payload: bytes | None = None  # kept by executors that send units later, in chunks
        self.bundle: Any = None
        self.callback: Callable[[Any], None] | None = None
        self.chunkable = False  # a first attempt of a mapped child: may share a chunk with its siblings
        self.resent = 0  # times an executor sent it again after its result was lost with a worker
        self.killed_once = False  # Dask gave up on it once already (KilledWorker)
        self.feeds = 0  # how many mapped tasks will take this child's state as input (executors that chain)
        self.origin: tuple | None = None  # (Dask future, position) of its encoded state, while it feeds others
        self.inputs: dict | None = None  # Dask futures holding upstream states this unit reads on its worker

    def add_done_callback(self, callback: Callable[[Any], None]) -> None:
        if self.future is None:
            callback(self)
        else:
            self.future.add_done_callback(lambda _f: callback(self))


def _call_pickled(payload: bytes) -> bytes:
    """Worker entry point for plain ``submit(fn, *args)`` calls (not task runs)."""
    fn, args, kwargs = loads(payload)
    return dumps(fn(*args, **kwargs))


def done_future(value: Any) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def is_unit(value: Any) -> bool:
    """Whether ``value`` is a unit's handle (what the process pool's and Dask's ``submit`` return)."""
    return isinstance(value, RemoteUnit)


class UnitSender:
    """Encodes units for another process and decodes their final states."""

    def __init__(self, relay: EventRelay | None) -> None:
        self.codec = UnitCodec()
        self.relay = relay

    def prepare(self, fn: Callable, args: tuple, kwargs: dict) -> tuple[RemoteUnit, Bundle | None, bytes | None]:
        """(unit, bundle, payload); ``unit.state`` is already final when it cannot be sent."""
        if fn is not run_unit or kwargs or len(args) != 6:
            unit = RemoteUnit(None, None)
            unit.generic = True
            return unit, None, dumps((fn, args, kwargs))
        runner, state, upstream_states, context, map_index, constants = args
        unit = RemoteUnit(runner.task, map_index)
        unit.chunkable = map_index is not None and type(state) is Pending
        bundle = self.codec.bundle(runner, upstream_states, context, constants)
        if bundle.error is not None:
            unit.state = fail_unit(runner, state, context, map_index, bundle.error)
            return unit, bundle, None
        unit.target = self.relay.target(runner.task) if self.relay is not None else None
        cached = None
        caches = context.get("caches")
        if runner.task.cache_for is not None and caches is not None:
            cached = valid_entries(caches, cache_slot(runner.task))
        payload, error = self.codec.payload(bundle, state, upstream_states, map_index, unit.target, cached)
        if error is not None:
            if self.relay is not None:
                self.relay.settle(unit.target, 0)
            unit.target = None
            unit.state = fail_unit(runner, state, context, map_index, error)
        return unit, bundle, payload

    def finish(self, unit: RemoteUnit, raw: Any) -> Any:
        """The final State in a worker's answer (or the value, for plain calls)."""
        if unit.generic:
            return loads(raw)
        try:
            decoded = loads(raw)
            state, sent = decoded[0], decoded[1]
        except Exception as exc:  # noqa: BLE001 - e.g. a result class the driver cannot import
            name = unit_name(unit.task, unit.map_index)
            return Failed(f"Task {name!r} finished, but its final state could not be read back: {exc!r}", result=exc)
        if self.relay is not None:
            self.relay.settle(unit.target, sent)
        return state

    def failed(self, unit: RemoteUnit, executor_name: str, exc: BaseException, detail: str | None = None) -> State:
        """A transport error (lost worker, cancelled future) as the unit's Failed state.

        ``detail`` replaces the exception's repr when the executor knows better what happened.
        """
        if self.relay is not None:
            self.relay.settle(unit.target, 0, timeout=0)
        name = unit_name(unit.task, unit.map_index) if unit.task is not None else "<call>"
        hint = ""
        if type(exc).__name__ == "BrokenProcessPool":
            hint = (" A worker process died or could not start; when a script starts worker processes, "
                    "put `flow.run(...)` under `if __name__ == \"__main__\":` so workers can import it safely.")
        return Failed(f"Task {name!r} could not be run by {executor_name}: {detail or repr(exc)}.{hint}", result=exc)
