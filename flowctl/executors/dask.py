"""``DaskExecutor``: task runs on a Dask distributed cluster (temporary or existing).

Each unit becomes one distributed task (``pure=False``). A task's runner,
context and constants are encoded once, scattered to the workers and passed
to every child as a dependency, so a child ships only its own state and
inputs. Results are collected by one ``as_completed`` stream and fetched with one
``gather`` per batch of finished futures, not one round trip per child. Worker events come back through ``Worker.log_event`` on a topic this
executor subscribes to for the length of the run.

``dask`` and ``distributed`` are imported only inside ``start()``.
"""
from __future__ import annotations

import importlib
import logging
import socket
import threading
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from flowctl.executors.base import Executor, ExecutorError
from flowctl.executors.forwarding import EventRelay
from flowctl.executors.remote import RemoteUnit, UnitSender, _call_pickled
from flowctl.executors.serialization import execute


def _resolve_class(cluster_class: Any) -> Any:
    if cluster_class is None:
        from distributed import LocalCluster

        return LocalCluster
    if isinstance(cluster_class, str):
        module_name, _, name = cluster_class.rpartition(".")
        return getattr(importlib.import_module(module_name), name)
    return cluster_class


_SOCKET_SCHEMES = ("tcp", "tls", "ws", "wss")


def parse_address(address: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of a scheduler address; ExecutorError when it cannot name one.

    Checked up front because ``distributed`` retries a malformed or
    unreachable address until its connect timeout instead of saying why.
    """
    text = str(address).strip()
    scheme, sep, rest = text.rpartition("://")
    scheme = scheme.lower() if sep else "tcp"
    if scheme in ("inproc", "ucx"):
        return scheme, rest, None
    example = "tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786"
    if scheme in ("http", "https"):
        raise ExecutorError(f"Dask scheduler address {address!r} is a web URL (the dashboard's?); give the "
                            f"scheduler's own address, {example} (`dask scheduler` prints it).")
    if scheme not in _SOCKET_SCHEMES:
        raise ExecutorError(f"Dask scheduler address {address!r} has an unknown protocol {scheme!r}; "
                            f"use {example}.")
    host, colon, port = rest.rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ExecutorError(f"Dask scheduler address {address!r} needs a host and a port: {example} "
                            f"(8786 is the scheduler's default port).")
    return scheme, host, int(port)


def check_connection(address: str, timeout: float = 10.0) -> None:
    """ExecutorError unless something accepts connections at ``address`` within ``timeout`` seconds."""
    scheme, host, port = parse_address(address)
    if port is None:
        return
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = "connection refused" if isinstance(exc, ConnectionRefusedError) else (
            "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or repr(exc)))
        raise ExecutorError(f"Cannot reach the Dask scheduler at {address!r}: {reason}. Start one with "
                            f"`dask scheduler` (it prints its address) or check the host and port.") from None


def _close_quietly(client: Any) -> None:
    """Close ``client``; after a lost scheduler, without Dask logging the aborted reconnection."""
    if client.status == "running":
        client.close(timeout=5)
        return
    client_logger = logging.getLogger("distributed.client")
    level = client_logger.level
    client_logger.setLevel(logging.CRITICAL)
    try:
        client.close(timeout=5)
    except Exception:  # noqa: BLE001 - nothing left to close cleanly
        pass
    finally:
        client_logger.setLevel(level)


class DaskExecutor(Executor):
    """Runs task runs on Dask: a temporary ``LocalCluster`` or the cluster at ``address``."""

    max_in_flight = 1024

    def __init__(self, address: str | None = None, cluster_class: Any = None, cluster_kwargs: dict | None = None,
                 adapt_kwargs: dict | None = None, client_kwargs: dict | None = None, debug: bool = False) -> None:
        if address is not None:
            parse_address(address)
        self.address = address
        self.cluster_class = cluster_class
        self.cluster_kwargs = dict(cluster_kwargs or {})
        self.adapt_kwargs = dict(adapt_kwargs or {})
        self.client_kwargs = dict(client_kwargs or {})
        self.debug = debug
        self.client: Any = None
        self._cluster: Any = None
        self._sender: UnitSender | None = None
        self._scattered: dict[str, Any] = {}
        self._waiting: dict[Any, tuple[RemoteUnit, Callable]] = {}
        self._lock = threading.Lock()
        self._completed: Any = None
        self._arrivals = threading.Semaphore(0)
        self._stopping = False

    def __repr__(self) -> str:
        where = self.address or "temporary LocalCluster"
        return f"<Executor: DaskExecutor ({where})>"

    def check_connection(self, timeout: float = 10.0) -> None:
        """With an ``address``: ExecutorError, quickly, when no scheduler listens there."""
        if self.address is not None:
            check_connection(self.address, timeout)

    # -- lifecycle -------------------------------------------------------------------------
    def _connect(self) -> Any:
        from distributed import Client

        client_kwargs = {"set_as_default": False, **self.client_kwargs}
        if self.address is not None:
            self.check_connection()
            return Client(self.address, **client_kwargs)
        cluster_kwargs = dict(self.cluster_kwargs)
        cluster_class = _resolve_class(self.cluster_class)
        if self.cluster_class is None:
            cluster_kwargs.setdefault("processes", True)
            if cluster_kwargs["processes"]:  # threads-only clusters talk in-process (no host)
                cluster_kwargs.setdefault("host", "127.0.0.1")
            cluster_kwargs.setdefault("dashboard_address", None)
            cluster_kwargs.setdefault("silence_logs", logging.WARNING if self.debug else logging.ERROR)
            if cluster_kwargs["dashboard_address"] is None:
                # Even without a dashboard the scheduler serves health routes,
                # by default on port 8787; a random local port avoids clashes.
                scheduler_kwargs = dict(cluster_kwargs.get("scheduler_kwargs") or {})
                scheduler_kwargs.setdefault("dashboard_address", "127.0.0.1:0")
                cluster_kwargs["scheduler_kwargs"] = scheduler_kwargs
        self._cluster = cluster_class(**cluster_kwargs)
        if self.adapt_kwargs:
            self._cluster.adapt(**self.adapt_kwargs)
        return Client(self._cluster, **client_kwargs)

    @contextmanager
    def start(self) -> Iterator[None]:
        """Connect (starting a temporary cluster without an address); always clean up."""
        from distributed import as_completed

        self.client = self._connect()
        topic = f"flowctl-events-{uuid.uuid4().hex}"
        relay = EventRelay("dask", topic)
        self.client.subscribe_topic(topic, lambda event: relay.deliver(event[1]))
        self._sender = UnitSender(relay)
        self._completed = as_completed(loop=self.client.loop)
        self._stopping = False
        self._arrivals = threading.Semaphore(0)
        collector = threading.Thread(target=self._collect, name="flowctl-dask-results", daemon=True)
        collector.start()
        watching = threading.Event()
        threading.Thread(target=self._watch_connection, args=(self.client, watching),
                         name="flowctl-dask-heartbeat", daemon=True).start()
        interrupted = False
        try:
            yield
        except BaseException:
            interrupted = True
            raise
        finally:
            watching.set()
            self._stop(collector, topic, interrupted)

    def _stop(self, collector: threading.Thread, topic: str, interrupted: bool) -> None:
        self._stopping = True
        self._arrivals.release()
        client, cluster = self.client, self._cluster
        try:
            if interrupted:
                with self._lock:
                    futures = [unit.future for unit, _ in self._waiting.values()]
                if futures:
                    client.cancel(futures, force=True)
            collector.join(timeout=2 if interrupted else 10)
            if client.status == "running":  # a lost scheduler would make this wait for its timeout
                try:
                    client.unsubscribe_topic(topic)
                except Exception:  # noqa: BLE001 - the scheduler may already be gone
                    pass
        finally:
            self._waiting.clear()
            self._scattered.clear()
            self._sender = None
            self.client = None
            self._cluster = None
            _close_quietly(client)
            if cluster is not None:
                cluster.close(timeout=10)

    def _collect(self) -> None:
        """Collector thread: fetch finished units' results in batches, then call back.

        One ``gather`` per batch of finished futures costs one round trip
        instead of one per child, which is most of the per-child overhead.
        """
        while True:
            self._arrivals.acquire()
            if self._stopping:
                return
            try:
                batch = self._completed.next_batch(block=True)
            except StopIteration:
                continue
            for _ in range(len(batch) - 1):
                self._arrivals.acquire()  # one permit per future, already released by on_done
            finished = [f for f in batch if f.status == "finished"]
            outcomes: dict = {}
            try:
                values = self.client.gather(finished) if finished else []
                outcomes.update({f.key: ("finished", value) for f, value in zip(finished, values)})
            except Exception:  # noqa: BLE001 - e.g. the data was lost with its worker; per future below
                pass
            for future in batch:
                if future.key not in outcomes:
                    outcomes[future.key] = self._outcome_of(future)
                with self._lock:
                    unit, callback = self._waiting.pop(future.key, (None, None))
                if unit is not None:
                    unit.outcome = outcomes[future.key]
                    callback(unit)

    def _watch_connection(self, client: Any, stop: threading.Event, every: float = 1.0) -> None:
        """Heartbeat: once the client has lost its scheduler, fail every unit still waiting.

        Dask cancels the futures of a lost connection itself; this covers any
        completion that would never arrive, so a run on a dead cluster ends
        within seconds instead of waiting forever.
        """
        while not stop.wait(every):
            if client.status == "running":
                continue
            with self._lock:
                lost = list(self._waiting.values())
                self._waiting.clear()
            for unit, callback in lost:
                unit.outcome = ("lost", None)
                callback(unit)

    def _lost_connection(self) -> str:
        where = self.address or (self.client.scheduler.address if self.client is not None else "?")
        return (f"the connection to the Dask scheduler at {where} was lost (the scheduler stopped or the "
                f"network failed), so the task's result is unknown. Rerun the flow once the scheduler is back")

    def _transport_failure(self, unit: RemoteUnit, error: BaseException | None) -> Any:
        lost = error is None or getattr(error, "reason", None) == "scheduler-connection-lost" or (
            self.client is not None and self.client.status != "running")
        if lost:
            message = self._lost_connection()
            return self._sender.failed(unit, "DaskExecutor", ExecutorError(message), detail=message)
        return self._sender.failed(unit, "DaskExecutor", error)

    @staticmethod
    def _outcome_of(future: Any) -> tuple[str, Any]:
        try:
            return "finished", future.result()
        except BaseException as exc:  # noqa: BLE001 - cancelled, erred or lost
            return "error", exc

    # -- units -----------------------------------------------------------------------------
    def _bundle_future(self, bundle: Any) -> Any:
        # Scattered to every worker (broadcast), so losing one worker loses no copy.
        found = self._scattered.get(bundle.token)
        if found is None:
            found = self.client.scatter(bundle.data, broadcast=True, hash=False)
            self._scattered[bundle.token] = found
        return found

    def submit(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        if self.client is None:
            raise RuntimeError("DaskExecutor.submit() called outside `with executor.start():`")
        unit, bundle, payload = self._sender.prepare(fn, args, kwargs)
        if unit.state is not None:
            return unit
        if self.client.status != "running":  # submitting would wait for a reconnection that may never come
            if unit.generic:
                raise ExecutorError(self._lost_connection())
            unit.state = self._transport_failure(unit, None)
            return unit
        if unit.generic:
            unit.future = self.client.submit(_call_pickled, payload, pure=False)
        else:
            key = f"{unit.task.name}-{uuid.uuid4().hex}"
            try:
                unit.future = self.client.submit(execute, bundle.token, self._bundle_future(bundle), payload,
                                                 pure=False, key=key)
            except Exception as exc:  # noqa: BLE001 - e.g. the scheduler went away during the scatter
                unit.state = self._transport_failure(unit, exc)
        return unit

    def on_done(self, future: Any, callback: Callable[[Any], None]) -> None:
        if future.future is None:
            callback(future)
            return
        with self._lock:
            self._waiting[future.future.key] = (future, callback)
        self._completed.add(future.future)
        self._arrivals.release()

    def result_of(self, future: Any, task: Any, map_index: int | None) -> Any:
        if future.state is not None:
            return future.state
        if future.outcome is None:  # used without on_done (e.g. via wait())
            try:
                future.outcome = ("finished", future.future.result())
            except Exception as exc:  # noqa: BLE001 - reported below
                future.outcome = ("error", exc)
        status, result = future.outcome
        if status == "lost" and future.generic:
            raise ExecutorError(self._lost_connection())
        if status != "finished":
            error = result
            if future.generic:
                raise error
            return self._transport_failure(future, error)
        return self._sender.finish(future, result)

    def wait(self, futures: Any) -> Any:
        """Results of ``submit`` calls (a single future, or a list of them)."""
        if isinstance(futures, (list, tuple)):
            return [self.wait(future) for future in futures]
        return self.result_of(futures, futures.task, futures.map_index)
