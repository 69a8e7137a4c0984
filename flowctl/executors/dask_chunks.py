"""How ``DaskExecutor`` sends mapped children to Dask: in chunks sized by measured child time.

One Dask task per child costs Dask's per-task overhead (about 1.5 ms on the
driver) for every child; a chunk runs many children of one task in a row on
a worker, each still with its own state, events, retries and timeout. The
first children of a task go alone (probes); their measured time sets the
chunk size (about ``CHUNK_SECONDS`` of work, one child per chunk for long
children). Full chunks go at once; a partial chunk goes when the flow runner
is about to wait (``flush``) and Dask is short of work.

A child of a map after a map is chained to its input: its chunk depends on
the Dask result holding the upstream child's state (kept while a consumer
still needs it), so Dask runs it where that data is, and the driver never
sends it back. The driver still receives every child's state and events.

Whatever a dying worker takes with it is sent again: a chunk that keeps
killing its workers is split so only the child at fault fails, and a result
lost before it was read is recomputed.
"""
from __future__ import annotations

import threading
import uuid
from typing import Any

from flowctl.executors.remote import RemoteUnit
from flowctl.executors.serialization import execute_chunk, identity

CHUNK_SECONDS = 0.1  # up to 100 ms of work per Dask task (at least 50 ms when children allow)
MAX_CHUNK = 1024
INLINE_BUNDLE_BYTES = 256 * 1024  # larger bundles travel once, as a recomputable Dask task
GATHER_TIMEOUT_S = 10.0  # a gather of a result lost with its worker can wait for good
MAX_RESENDS = 3


class _Chunk:
    """Units sent together as one Dask task (a plain ``submit`` call has ``bundle`` None)."""

    __slots__ = ("units", "bundle", "future", "probe")

    def __init__(self, units: list, bundle: Any, future: Any, probe: bool = False) -> None:
        self.units, self.bundle, self.future, self.probe = units, bundle, future, probe


def _killed_worker(error: Any) -> bool:
    return type(error).__name__ == "KilledWorker"


RESOURCE_TAG = "dask-resource:"


def dask_resources(task: Any) -> dict | None:
    """The Dask worker resources a task asks for, as Prefect 1 reads them from its tags:
    ``dask-resource:GPU=1`` -> ``{"GPU": 1.0}`` (Dask runs it only on workers that have them)."""
    found = {}
    for tag in getattr(task, "tags", None) or ():
        if isinstance(tag, str) and tag.startswith(RESOURCE_TAG):
            name, _, amount = tag[len(RESOURCE_TAG):].partition("=")
            try:
                found[name] = float(amount)
            except ValueError:
                raise ValueError(f"Task {task.name!r} has the tag {tag!r}: a Dask resource tag is "
                                 f"'dask-resource:NAME=AMOUNT', AMOUNT a number.") from None
    return found or None


class ChunkFeeder:
    """The chunking half of ``DaskExecutor`` (a mixin: it uses the executor's client and lock)."""

    client: Any
    _lock: threading.Lock
    _buffers: dict
    _child_seconds: dict
    _probing: dict
    _chunks: dict
    _bundle_refs: dict
    _in_flight: int
    _threads: int
    _stopping: bool
    _lost: str | None
    _completed: Any
    _arrivals: threading.Semaphore

    _origins: dict

    def concurrency(self) -> int:
        """The cluster's threads (counted when the run started)."""
        return self._threads

    # -- a map after a map: children read their inputs where Dask holds them ------------------
    def feeds_children(self, unit: RemoteUnit, consumers: int) -> None:
        """The scheduler's word that this child's state will be read ``consumers`` times (once per mapped edge)."""
        unit.feeds = consumers

    def _remember_output(self, unit: RemoteUnit, state: Any) -> None:
        """Note where Dask holds ``state`` (the decoded result of a child that feeds others)."""
        future, position = unit.origin
        unit.origin = None
        if state.is_finished():  # a Retrying state is no child's input: the retry's final state will be
            self._origins[id(state)] = [state, future, future.key, position, unit.feeds]

    def _chain_inputs(self, args: tuple) -> tuple[tuple, dict | None]:
        """``run_unit`` args whose upstream states Dask holds, as ``(chunk key, position)`` references.

        Returns the args and the futures the unit's chunk must depend on (None
        when no upstream state is held): Dask then runs the chunk where those
        results are, and recomputes them if their worker was lost. A held
        state is forgotten once read by every consumer, so Dask can free it.
        """
        upstream_states = args[2]
        origins = self._origins
        states = inputs = None
        for edge, state in upstream_states.items():
            origin = origins.get(id(state))
            if origin is None or origin[0] is not state:
                continue
            if states is None:
                states, inputs = dict(upstream_states), {}
            _state, future, key, position, left = origin
            states[edge] = (key, position)
            inputs[key] = future
            if left <= 1:
                del origins[id(state)]
            else:
                origin[4] = left - 1
        if states is None:
            return args, None
        return (args[0], args[1], states, *args[3:]), inputs

    def _settle(self, chunk: _Chunk, outcome: tuple[str, Any]) -> None:
        status, value = outcome
        units = chunk.units
        if status == "finished" and chunk.bundle is not None:
            results, seconds = value
            self._measure(chunk.bundle.token, seconds / len(units))
            outcomes = [("finished", raw) for raw in results]
            for position, unit in enumerate(units):
                if unit.feeds:  # its downstream children will read its state from this Dask result
                    unit.origin = (chunk.future, position)
        elif self._resend(units, status, value):
            return
        else:
            outcomes = [outcome] * len(units)
        for unit, unit_outcome in zip(units, outcomes):
            self._report(unit, unit_outcome)

    def _report(self, unit: RemoteUnit, outcome: tuple[str, Any]) -> None:
        """Hand a unit's outcome to the flow runner, exactly once (threads may race to fail it)."""
        with self._lock:
            if unit.outcome is not None:
                return
            unit.outcome = outcome
        unit.payload = unit.inputs = None
        unit.callback(unit)

    def _resend(self, units: list, status: str, error: Any) -> bool:
        """Send again what a dying worker took with it; True when nothing is left to report now.

        A chunk that kept killing its workers is rerun child by child, so only
        the one at fault fails (a single child gets one more try); a result
        lost before it was read is recomputed (at most ``MAX_RESENDS`` times).
        """
        if self._stopping or self._lost is not None:
            return False
        if status == "lost-result":
            if any(unit.resent >= MAX_RESENDS for unit in units):
                return False
            for unit in units:
                unit.resent += 1
            self._send(units)
            return True
        if not _killed_worker(error):
            return False
        if len(units) > 1:
            for unit in units:
                self._send([unit])
            return True
        # Dask also blames the tasks merely queued on a dying worker: one more
        # try spares an innocent child, at the cost of one more crash for a guilty one.
        unit = units[0]
        if unit.killed_once:
            return False
        unit.killed_once = True
        self._send(units)
        return True

    def _measure(self, token: str, per_child: float) -> None:
        previous = self._child_seconds.get(token)
        self._child_seconds[token] = per_child if previous is None else (previous + per_child) / 2

    def _buffer(self, unit: RemoteUnit) -> None:
        token = unit.bundle.token
        # Chained children are grouped by the upstream result they read, so a chunk reads one.
        key = token if unit.inputs is None else (token, next(iter(unit.inputs)))
        buffer = self._buffers.setdefault(key, [])
        buffer.append(unit)
        size = self._chunk_size(token)
        if size == 0:
            if self._probing.get(token, 0) < self._threads:  # measure a child before sizing chunks
                buffer.pop()
                self._send([unit], probe=True)
        elif len(buffer) >= size:
            self._send(buffer[:size])
            del buffer[:size]
        if not buffer:
            self._buffers.pop(key, None)
        if self._lost is not None:  # the scheduler was lost while this unit was being buffered
            self._report(unit, ("lost", self._lost))

    def _chunk_size(self, token: str) -> int:
        """Children per chunk for this task: 0 while no child of it was measured yet."""
        seconds = self._child_seconds.get(token)
        if seconds is None:
            return 0
        return max(1, min(MAX_CHUNK, round(CHUNK_SECONDS / max(seconds, 1e-6))))

    def flush(self, force: bool = False) -> None:
        """Send buffered children: full chunks, and partial ones while Dask is short of work.

        The flow runner calls this before it waits for completions, so a
        buffered child is never left waiting for siblings that will not come.
        """
        for key, buffer in list(self._buffers.items()):
            if not buffer:
                self._buffers.pop(key, None)
                continue
            token = buffer[0].bundle.token
            size = self._chunk_size(token)
            if size == 0:
                if self._probing.get(token, 0) == 0 or force:
                    probes = buffer if force else buffer[:self._threads]
                    del buffer[:len(probes)]
                    for unit in probes:
                        self._send([unit], probe=True)
                continue
            while len(buffer) >= size:
                self._send(buffer[:size])
                del buffer[:size]
            if buffer and (force or self._in_flight < 2 * self._threads):
                self._send(buffer[:])
                buffer.clear()

    def _send(self, units: list, probe: bool = False) -> None:
        bundle = units[0].bundle
        if self._lost is not None:
            for unit in units:
                self._report(unit, ("lost", self._lost))
            return
        inputs: dict = {}
        for unit in units:
            if unit.inputs:
                inputs.update(unit.inputs)
        try:
            future = self.client.submit(execute_chunk, bundle.token, self._bundle_ref(bundle),
                                        [unit.payload for unit in units], inputs or None, pure=False,
                                        key=f"{units[0].task.name}-{uuid.uuid4().hex}",
                                        resources=dask_resources(units[0].task))
        except Exception as exc:  # noqa: BLE001 - e.g. the scheduler went away
            for unit in units:
                self._report(unit, ("error", exc))
            return
        self._track(_Chunk(units, bundle, future, probe))

    def _track(self, chunk: _Chunk) -> None:
        with self._lock:
            self._chunks[chunk.future.key] = chunk
            self._in_flight += 1
            if chunk.probe:
                self._probing[chunk.bundle.token] = self._probing.get(chunk.bundle.token, 0) + 1
        self._completed.add(chunk.future)
        self._arrivals.release()

    def _bundle_ref(self, bundle: Any) -> Any:
        """The bundle itself when small; else a Dask task returning it, which Dask can recompute."""
        if len(bundle.data) <= INLINE_BUNDLE_BYTES:
            return bundle.data
        found = self._bundle_refs.get(bundle.token)
        if found is None:
            found = self.client.submit(identity, bundle.data, pure=False, key=f"flowctl-bundle-{bundle.token}")
            self._bundle_refs[bundle.token] = found
        return found

