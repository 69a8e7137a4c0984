"""``LocalDaskExecutor``: task runs on a local thread or process pool (or inline).

Named after Prefect 1's executor of the same name, which ran on dask's local
schedulers; here the standard library's ``concurrent.futures`` pools do the
same job without importing dask. Process workers receive cloudpickle bytes
(so tasks from modules registered pickle-by-value work) and answer with
cloudpickle bytes; their events travel back on a multiprocessing queue read
by a driver thread.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import Executor as PoolExecutor
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from flowctl.executors.base import Executor
from flowctl.executors.forwarding import EventRelay, set_event_queue
from flowctl.executors.remote import RemoteUnit, UnitSender, _call_pickled, done_future
from flowctl.executors.serialization import execute

SCHEDULERS = ("threads", "processes", "synchronous")

# Worker processes start from a fork server (a fresh interpreter with flowctl's
# worker side preloaded), because forking the driver itself is unsafe once it
# runs threads (the live view, the event reader, a Dask client). As with
# "spawn" and with Dask, a script that starts worker processes must keep
# `flow.run(...)` under `if __name__ == "__main__":`.
_PRELOAD = ["flowctl.executors.serialization", "flowctl.executors.forwarding"]


def _process_context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


class LocalDaskExecutor(Executor):
    """Runs task runs on ``num_workers`` threads or processes, or inline ("synchronous")."""

    def __init__(self, scheduler: str = "threads", num_workers: int | None = None) -> None:
        if scheduler == "sync":
            scheduler = "synchronous"
        if scheduler not in SCHEDULERS:
            raise ValueError(f"LocalDaskExecutor scheduler must be one of {', '.join(SCHEDULERS)}; "
                             f"got {scheduler!r}")
        if num_workers is not None and num_workers < 1:
            raise ValueError(f"num_workers must be at least 1; got {num_workers!r}")
        self.scheduler = scheduler
        self.num_workers = num_workers
        self.runs_inline = scheduler == "synchronous"
        self._pool: PoolExecutor | None = None
        self._sender: UnitSender | None = None
        self._outstanding: set = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Executor: LocalDaskExecutor ({self.scheduler})>"

    # -- lifecycle -------------------------------------------------------------------------
    @contextmanager
    def start(self) -> Iterator[None]:
        """Create the pool (and, for processes, the event channel) for one flow run."""
        if self.runs_inline:
            yield
            return
        cores = os.cpu_count() or 1
        # Workflow tasks mostly wait on I/O, so threads default to the standard
        # library's choice for that (cores + 4, at most 32); processes to one per core.
        workers = self.num_workers or (min(32, cores + 4) if self.scheduler == "threads" else cores)
        reader = None
        if self.scheduler == "threads":
            self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="flowctl-worker")
        else:
            context = _process_context()
            events = context.Queue()
            relay = EventRelay("queue", "")
            reader = threading.Thread(target=_read_events, args=(events, relay), name="flowctl-events", daemon=True)
            reader.start()
            self._sender = UnitSender(relay)
            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                                             initargs=(events, _stderr_logging_enabled()))
        try:
            yield
        except BaseException:
            self._shutdown(interrupted=True)
            raise
        else:
            self._shutdown(interrupted=False)
        finally:
            if reader is not None:
                events.put(None)
                reader.join(timeout=5)
                events.close()
            self._pool = None
            self._sender = None

    def _shutdown(self, interrupted: bool) -> None:
        pool = self._pool
        if pool is None:
            return
        if not interrupted:
            pool.shutdown(wait=True)
            return
        with self._lock:
            outstanding, self._outstanding = list(self._outstanding), set()
        for future in outstanding:
            future.cancel()
        # Running units cannot be interrupted politely; worker processes are
        # terminated so Ctrl-C returns at once (threads finish on their own).
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()

    # -- units -----------------------------------------------------------------------------
    def submit(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        if self.runs_inline:
            return fn(*args, **kwargs)
        if self._pool is None:
            raise RuntimeError("LocalDaskExecutor.submit() called outside `with executor.start():`")
        if self._sender is None:
            future = self._pool.submit(fn, *args, **kwargs)
        else:
            unit, bundle, payload = self._sender.prepare(fn, args, kwargs)
            if unit.state is not None:
                unit.future = done_future(None)
                return unit
            try:
                if unit.generic:
                    unit.future = self._pool.submit(_call_pickled, payload)
                else:
                    unit.future = self._pool.submit(execute, bundle.token, bundle.data, payload)
            except BrokenProcessPool as exc:
                if unit.generic:
                    raise
                unit.future = done_future(None)
                unit.state = self._sender.failed(unit, "LocalDaskExecutor(processes)", exc)
                return unit
            future = unit.future
        with self._lock:
            self._outstanding.add(future)
        future.add_done_callback(self._forget)
        return unit if self._sender is not None else future

    def _forget(self, future: Any) -> None:
        with self._lock:
            self._outstanding.discard(future)

    def on_done(self, future: Any, callback: Callable[[Any], None]) -> None:
        if self.runs_inline:
            callback(future)
        else:
            future.add_done_callback(callback)

    def result_of(self, future: Any, task: Any, map_index: int | None) -> Any:
        if self.runs_inline:
            return future
        if not isinstance(future, RemoteUnit):
            return super().result_of(future, task, map_index)
        if future.state is not None:
            return future.state
        try:
            raw = future.future.result()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - e.g. a worker process died
            if future.generic:
                raise
            return self._sender.failed(future, "LocalDaskExecutor(processes)", exc)
        return self._sender.finish(future, raw)

    def wait(self, futures: Any) -> Any:
        """Results of ``submit`` calls (a single future, or a list of them)."""
        if self.runs_inline:
            return futures
        if isinstance(futures, (list, tuple)):
            return [self.wait(future) for future in futures]
        if isinstance(futures, RemoteUnit):
            return self.result_of(futures, futures.task, futures.map_index)
        return futures.result()


def _stderr_logging_enabled() -> bool:
    from flowctl.utilities.logging import get_logger

    return any(handler.get_name() == "flowctl-stderr" for handler in get_logger().handlers)


def _init_worker(events: Any, stderr_logging: bool) -> None:
    """Process-pool initializer: the event channel, and the driver's choice of stderr logging
    (the CLI turns it off and renders forwarded records itself)."""
    from flowctl.utilities.logging import set_stderr_logging

    set_event_queue(events)
    set_stderr_logging(stderr_logging)


def _read_events(events: Any, relay: EventRelay) -> None:
    """Driver thread: publish what worker processes forward, until the None sentinel."""
    while True:
        try:
            message = events.get()
        except (EOFError, OSError):
            return
        if message is None:
            return
        relay.deliver(message)
