"""``DaskExecutor``: task runs on a Dask distributed cluster (temporary or existing).

Mapped children go to Dask in *chunks*: one Dask task runs many children of
one task in a row on a worker, each with its own state, events, retries and
timeout. The chunk size adapts to the measured time of a child (50-100 ms
of work per chunk, one child per Dask task for long children), so Dask's
per-task cost is paid once per chunk rather than once per child.

Nothing lives only on one worker: a task's bundle (runner, context,
constants) travels inside the chunk, or for a large bundle as the result of
a Dask task that Dask can recompute. A lost worker costs only the chunks it
was running: Dask reruns them, and a chunk that keeps killing its workers is
split so only the child at fault fails.

A timed-out child cannot be stopped (a worker runs it in a thread), so its
retry must not start before it ends: the worker holds back the ``Retrying``
answer until the abandoned attempt has returned (see
``task_execution.run_holding_retries``), and the driver submits retries only
on that answer. A worker that dies meanwhile takes the attempt with it.

Worker events arrive through ``Worker.log_event`` on a topic of this run,
and are published to the bus from a flowctl thread (never on distributed's
event loop). ``dask`` and ``distributed`` are imported only inside ``start()``.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from flowctl.engine.task_runner import run_unit
from flowctl.executors.base import Executor, ExecutorError, holds_future, substitute_futures
from flowctl.executors.dask_connection import (
    CONNECT_TIMEOUT_ENV, HEARTBEAT_TIMEOUT_ENV, Heartbeat, bounded, check_connection, check_scheduler, close_quietly,
    parse_address, performance_report, quiet_distributed, resolve_class, seconds_from_env,
)
from flowctl.executors.forwarding import EventRelay
from flowctl.utilities.configuration import config
from flowctl.utilities.logging import get_logger
from flowctl.executors.pools import LocalDaskExecutor  # noqa: F401 - Prefect 1 path: prefect.executors.dask
from flowctl.executors.remote import RemoteUnit, UnitSender, _call_pickled, is_unit
from flowctl.executors.dask_chunks import GATHER_TIMEOUT_S, ChunkFeeder, _Chunk, _killed_worker

__all__ = ["DaskExecutor", "parse_address", "check_connection"]

#: What a DaskExecutor is made from (``__init__``'s arguments): all a copy or a pickle keeps.
_SETTINGS = ("address", "cluster_class", "cluster_kwargs", "adapt_kwargs", "client_kwargs", "debug",
             "performance_report_path", "connect_timeout", "heartbeat_timeout")


class DaskExecutor(ChunkFeeder, Executor):
    """Runs task runs on Dask: a temporary ``LocalCluster`` or the cluster at ``address``.

    ``connect_timeout`` (default 10 s, or ``$FLOWCTL_DASK_CONNECT_TIMEOUT``)
    bounds reaching the scheduler; ``heartbeat_timeout`` (default 30 s, or
    ``$FLOWCTL_DASK_HEARTBEAT_TIMEOUT``) is how long a scheduler may stop
    answering before the run's outstanding tasks fail.
    """

    max_in_flight = 16384

    def __init__(self, address: str | None = None, cluster_class: Any = None, cluster_kwargs: dict | None = None,
                 adapt_kwargs: dict | None = None, client_kwargs: dict | None = None, debug: bool = False,
                 performance_report_path: str | os.PathLike | None = None,
                 connect_timeout: float | None = None, heartbeat_timeout: float | None = None) -> None:
        settings = (((config.get("engine") or {}).get("executor") or {}).get("dask") or {})  # as Prefect 1's
        address = address if address is not None else (settings.get("address") or None)
        if address is None and cluster_class is None:
            cluster_class = settings.get("cluster_class") or None
        if address is not None:
            if cluster_class is not None or cluster_kwargs:
                raise ValueError("Cannot specify `address` and `cluster_class`/`cluster_kwargs`")
            parse_address(address)
        self.address = address
        self.cluster_class = cluster_class
        self.cluster_kwargs = dict(cluster_kwargs or {})
        self.adapt_kwargs = dict(adapt_kwargs or {})
        self.client_kwargs = dict(client_kwargs or {})
        self.debug = debug
        self.performance_report_path = performance_report_path
        self.connect_timeout = connect_timeout or seconds_from_env(CONNECT_TIMEOUT_ENV, 10.0)
        self.heartbeat_timeout = heartbeat_timeout or seconds_from_env(HEARTBEAT_TIMEOUT_ENV, 30.0)
        self.client: Any = None
        self._scheduler_address: str | None = None
        self._checked = False
        self._reset()

    def _reset(self) -> None:
        self._cluster: Any = None
        self._sender: UnitSender | None = None
        self._bundle_refs: dict[str, Any] = {}
        self._buffers: dict[Any, list] = {}  # task token (and upstream result, when chained) -> units
        self._child_seconds: dict[str, float] = {}
        self._probing: dict[str, int] = {}
        self._chunks: dict[str, _Chunk] = {}
        self._origins: dict[int, list] = {}  # id(state) -> [state, future, position, consumers left]
        self._in_flight = 0
        self._lock = threading.Lock()
        self._completed: Any = None
        self._arrivals = threading.Semaphore(0)
        self._stopping = False
        self._lost: str | None = None
        self._threads = 1

    def __repr__(self) -> str:
        where = self.address or "temporary LocalCluster"
        return f"<Executor: DaskExecutor ({where})>"

    def __getstate__(self) -> dict:
        """Its settings only: a copy or a pickle (a flow holding the executor) is a fresh, unstarted one."""
        return {name: getattr(self, name) for name in _SETTINGS}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)  # type: ignore[misc]

    @property
    def performance_report(self) -> str:
        """The HTML of the report written at ``performance_report_path`` ('' when there is none), as Prefect 1's."""
        try:
            with open(os.fspath(self.performance_report_path), encoding="utf-8") as report:
                return report.read()
        except (OSError, TypeError, ValueError):  # no path, none written yet, not text
            return ""

    def describe(self) -> dict:
        """What a run record says about where the run ran."""
        return {"executor": "dask", "address": self.address or self._scheduler_address}

    def check_connection(self, timeout: float | None = None) -> None:
        """With an ``address``: ExecutorError, within the connect timeout, unless a Dask scheduler answers."""
        if self.address is not None:
            check_scheduler(self.address, timeout or self.connect_timeout)
            self._checked = True

    def _debugging(self) -> bool:
        return self.debug or get_logger().getEffectiveLevel() <= logging.DEBUG

    # -- lifecycle -------------------------------------------------------------------------
    def _connect(self) -> Any:
        from distributed import Client

        client_kwargs = {"set_as_default": False, "timeout": self.connect_timeout, **self.client_kwargs}
        log = get_logger("DaskExecutor")  # (Prefect 1's lines, its logger's name)
        if self.address is not None:
            if not self._checked:
                self.check_connection()
            self._checked = False
            log.info("Connecting to an existing Dask cluster at %s", self.address)
            return Client(self.address, **client_kwargs)
        cluster_kwargs = dict(self.cluster_kwargs)
        cluster_class = resolve_class(self.cluster_class)
        log.info("Creating a new Dask cluster with `%s.%s`...", cluster_class.__module__, cluster_class.__qualname__)
        if self.cluster_class is None:
            cluster_kwargs.setdefault("processes", True)
            if cluster_kwargs["processes"]:  # threads-only clusters talk in-process (no host)
                cluster_kwargs.setdefault("host", "127.0.0.1")
            cluster_kwargs.setdefault("dashboard_address", None)
            cluster_kwargs.setdefault("silence_logs", logging.WARNING if self._debugging() else logging.CRITICAL)
            if cluster_kwargs["dashboard_address"] is None:
                # Even without a dashboard the scheduler serves health routes,
                # by default on port 8787; a random local port avoids clashes.
                scheduler_kwargs = dict(cluster_kwargs.get("scheduler_kwargs") or {})
                scheduler_kwargs.setdefault("dashboard_address", "127.0.0.1:0")
                cluster_kwargs["scheduler_kwargs"] = scheduler_kwargs
        from flowctl.executors.worker_signals import sigint_ignored

        with sigint_ignored():  # workers started now inherit it: Ctrl-C is the driver's to handle
            self._cluster = cluster_class(**cluster_kwargs)
        if self.adapt_kwargs:
            self._cluster.adapt(**self.adapt_kwargs)
        return Client(self._cluster, **client_kwargs)

    @contextmanager
    def start(self) -> Iterator[None]:
        """Connect (starting a temporary cluster without an address); always clean up."""
        with quiet_distributed(self._debugging()):
            yield from self._run_connected()

    def _run_connected(self) -> Iterator[None]:
        from distributed import as_completed

        self._reset()
        self.client = self._connect()
        self._scheduler_address = self.client.scheduler.address
        self._threads = max(1, sum(self.client.nthreads().values()))
        topic = f"flowctl-events-{uuid.uuid4().hex}"
        relay = EventRelay("dask", topic)
        events: queue.SimpleQueue = queue.SimpleQueue()
        self.client.subscribe_topic(topic, lambda event: events.put(event[1]))
        deliverer = threading.Thread(target=relay.deliver_queued, args=(events,), name="flowctl-dask-events",
                                     daemon=True)
        deliverer.start()
        self._sender = UnitSender(relay)
        self._completed = as_completed(loop=self.client.loop)
        collector = threading.Thread(target=self._collect, name="flowctl-dask-results", daemon=True)
        collector.start()
        watching = threading.Event()
        threading.Thread(target=self._watch_connection, args=(self.client, watching),
                         name="flowctl-dask-watch", daemon=True).start()
        heartbeat = Heartbeat(self._scheduler_address, self.heartbeat_timeout, self._declare_lost).start()
        interrupted = False
        try:
            with performance_report(self.client, self.performance_report_path):
                yield
        except BaseException:
            interrupted = True
            raise
        finally:
            watching.set()
            heartbeat.stop()
            self._stop(collector, topic, interrupted)
            events.put(None)
            deliverer.join(timeout=2)

    def _stop(self, collector: threading.Thread, topic: str, interrupted: bool) -> None:
        self._stopping = True
        self._arrivals.release()
        client, cluster = self.client, self._cluster
        healthy = client.status == "running" and self._lost is None
        try:
            if interrupted and healthy:
                with self._lock:
                    futures = [chunk.future for chunk in self._chunks.values()]
                if futures:  # cancelled through Dask; a worker cannot interrupt a running thread
                    bounded(lambda: client.cancel(futures, force=True), 2.0)
            collector.join(timeout=10 if healthy and not interrupted else 2)
            if healthy:
                bounded(lambda: client.unsubscribe_topic(topic), 2.0)
        finally:
            self._chunks.clear()
            self._origins.clear()
            self._buffers.clear()
            self._bundle_refs.clear()
            self._sender = None
            self.client = None
            self._cluster = None
            close_quietly(client, timeout=3.0 if interrupted or not healthy else 5.0)
            if cluster is not None:
                bounded(lambda: cluster.close(timeout=5), 6.0)

    def _collect(self) -> None:
        """Collector thread: fetch finished chunks' results in batches, then call back per unit."""
        while True:
            self._arrivals.acquire()
            if self._stopping:
                return
            try:
                batch = self._completed.next_batch(block=True)
            except StopIteration:
                continue
            for _ in range(len(batch) - 1):
                self._arrivals.acquire()  # one permit per future, already released by _track
            finished = [f for f in batch if f.status == "finished"]
            values: dict = {}
            try:
                if finished:  # bounded: a result lost with its worker can leave a gather waiting for good
                    gathered = self.client.sync(self.client._gather, finished, callback_timeout=GATHER_TIMEOUT_S)
                    values = dict(zip([f.key for f in finished], gathered))
            except Exception:  # noqa: BLE001 - e.g. the data was lost with its worker; per future below
                pass
            for future in batch:
                with self._lock:
                    chunk = self._chunks.pop(future.key, None)
                    if chunk is not None:
                        self._in_flight -= 1
                        if chunk.probe:
                            self._probing[chunk.bundle.token] -= 1
                if chunk is None:
                    continue
                if future.key in values:
                    self._settle(chunk, ("finished", values[future.key]))
                elif future.status == "finished":  # computed, then lost with its worker before we read it
                    self._settle(chunk, ("lost-result", None))
                else:
                    self._settle(chunk, _outcome_of(future))

    def _watch_connection(self, client: Any, stop: threading.Event, every: float = 1.0) -> None:
        """Once the client has lost its scheduler, fail every unit still waiting (Dask would wait forever)."""
        while not stop.wait(every):
            if client.status != "running":
                self._declare_lost(self._lost_connection())
                return

    def _declare_lost(self, message: str) -> None:
        if self._stopping:
            return
        with self._lock:
            if self._lost is None:
                self._lost = message
            chunks = list(self._chunks.values())
            self._chunks.clear()
            buffers, self._buffers = self._buffers, {}  # held children would never be sent now
        units = [unit for chunk in chunks for unit in chunk.units]
        units += [unit for buffer in list(buffers.values()) for unit in list(buffer)]
        for unit in units:
            self._report(unit, ("lost", self._lost))

    def _lost_connection(self) -> str:
        where = self.address or self._scheduler_address or "?"
        return (f"the connection to the Dask scheduler at {where} was lost (the scheduler stopped or the "
                f"network failed), so the task's result is unknown. Rerun the flow once the scheduler is back")

    def _transport_failure(self, unit: RemoteUnit, error: BaseException | None) -> Any:
        lost = error is None or getattr(error, "reason", None) == "scheduler-connection-lost" or (
            self.client is not None and self.client.status != "running")
        if lost or self._lost is not None:
            message = self._lost or self._lost_connection()
            return self._sender.failed(unit, "DaskExecutor", ExecutorError(message), detail=message)
        if _killed_worker(error):
            detail = (f"the Dask worker running it died each time it was tried ({error!r}); the task may "
                      f"crash its process (os._exit, a segfault) or exceed the worker's memory limit")
            return self._sender.failed(unit, "DaskExecutor", error, detail=detail)
        return self._sender.failed(unit, "DaskExecutor", error)

    # -- units -----------------------------------------------------------------------------
    def submit(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        if self.client is None:
            raise RuntimeError("DaskExecutor.submit() called outside `with executor.start():`")
        inputs = None
        if fn is not run_unit and holds_future((args, kwargs), is_unit):  # submit(inc, submit(inc, 0))
            args, kwargs = self.wait(args), self.wait(kwargs)
        if self._origins and fn is run_unit and len(args) == 6:
            args, inputs = self._chain_inputs(args)
        unit, bundle, payload = self._sender.prepare(fn, args, kwargs)
        unit.inputs = inputs
        if unit.state is not None:
            return unit
        if self._lost is not None or self.client.status != "running":
            if unit.generic:  # submitting would wait for a reconnection that may never come
                raise ExecutorError(self._lost or self._lost_connection())
            unit.state = self._transport_failure(unit, None)
            return unit
        if unit.generic:
            unit.future = self.client.submit(_call_pickled, payload, pure=False)
        unit.payload, unit.bundle = payload, bundle
        return unit

    def on_done(self, future: Any, callback: Callable[[Any], None]) -> None:
        unit = future
        if unit.state is not None:
            callback(unit)
            return
        unit.callback = callback
        if unit.generic:
            self._track(_Chunk([unit], None, unit.future))
        elif not unit.chunkable:
            self._send([unit])
        else:
            self._buffer(unit)

    def result_of(self, future: Any, task: Any, map_index: int | None) -> Any:
        unit = future
        if unit.state is not None:
            return unit.state
        status, result = unit.outcome
        if status == "lost":
            if unit.generic:
                raise ExecutorError(result)
            return self._sender.failed(unit, "DaskExecutor", ExecutorError(result), detail=result)
        if status == "lost-result":
            detail = f"its result was lost with its Dask worker {unit.resent + 1} times before it could be read"
            return self._sender.failed(unit, "DaskExecutor", ExecutorError(detail), detail=detail)
        if status != "finished":
            if unit.generic:
                raise result
            return self._transport_failure(unit, result)
        state = self._sender.finish(unit, result)
        if unit.origin is not None:
            self._remember_output(unit, state)
        return state

    def wait(self, futures: Any) -> Any:
        """Results of ``submit`` calls: ``futures`` with each unit in it replaced by its result."""
        arrived = []

        def watch(unit: RemoteUnit) -> None:
            event = threading.Event()
            if unit.state is None and unit.outcome is None and unit.callback is None:
                self.on_done(unit, lambda _unit, event=event: event.set())
            else:
                event.set()
            arrived.append(event)

        substitute_futures(futures, is_unit, watch)
        self.flush(force=True)
        for event in arrived:
            event.wait()
        return substitute_futures(futures, is_unit, lambda unit: self.result_of(unit, unit.task, unit.map_index))


def _outcome_of(future: Any) -> tuple[str, Any]:
    try:
        return "finished", future.result(timeout=GATHER_TIMEOUT_S)
    except BaseException as exc:  # noqa: BLE001 - cancelled, erred or lost
        return "error", exc
