"""``LocalDaskExecutor``: task runs on a local thread or process pool (or inline).

Named after Prefect 1's executor of the same name, which ran on dask's local
schedulers; here a standard library thread pool, or flowctl's own process
pool (``process_pool``), does the same job without importing dask. Process
workers receive cloudpickle bytes (so tasks from modules registered
pickle-by-value work) and answer with cloudpickle bytes; their events travel
back on the same connection, ahead of the unit's result. A worker that dies
fails only the unit it was running, and is replaced.
"""
from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from flowctl.engine.task_execution import run_holding_retries
from flowctl.engine.task_runner import run_unit
from flowctl.executors.base import Executor, holds_future, substitute_futures
from flowctl.executors.forwarding import EventRelay, _console_logging_enabled
from flowctl.executors.process_pool import ProcessPool
from flowctl.executors.remote import RemoteUnit, UnitSender

SCHEDULERS = ("threads", "processes", "synchronous")
#: Dask's other names for them, accepted as Prefect 1 accepts them (in any case).
_SCHEDULER_NAMES = {"threading": "threads", "multiprocessing": "processes", "sync": "synchronous",
                    "single-threaded": "synchronous"}
POOL_NAME = "LocalDaskExecutor(processes)"


class LocalDaskExecutor(Executor):
    """Runs task runs on ``num_workers`` threads or processes, or inline ("synchronous")."""

    def __init__(self, scheduler: str = "threads", num_workers: int | None = None, **dask_config: Any) -> None:
        """``dask_config``: the Dask settings Prefect 1 sets for the run (``nthreads=``, ``pool=``...). Kept
        (as ``dask_config``) so scripts written for it run; flowctl's own pools read none but ``num_workers``."""
        if isinstance(scheduler, str):
            scheduler = _SCHEDULER_NAMES.get(scheduler.lower(), scheduler.lower())
        if scheduler not in SCHEDULERS:
            raise ValueError(f"LocalDaskExecutor scheduler must be one of {', '.join(SCHEDULERS)}; "
                             f"got {scheduler!r}")
        if num_workers is not None and num_workers < 1:
            raise ValueError(f"num_workers must be at least 1; got {num_workers!r}")
        self.scheduler = scheduler
        self.num_workers = num_workers
        self.dask_config = dask_config
        self.runs_inline = scheduler == "synchronous"
        self._pool: Any = None
        self._processes: ProcessPool | None = None
        self._sender: UnitSender | None = None
        self._outstanding: set = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Executor: LocalDaskExecutor ({self.scheduler})>"

    def __getstate__(self) -> dict:
        """Its settings only: a copy or a pickle (a flow holding the executor) is a fresh, unstarted one."""
        return {"scheduler": self.scheduler, "num_workers": self.num_workers, **self.dask_config}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def describe(self) -> dict:
        """What a run record says about where the run ran."""
        return {"executor": self.scheduler}

    # -- lifecycle -------------------------------------------------------------------------
    @contextmanager
    def start(self) -> Iterator[None]:
        """Create the pool for one flow run; always stop it (at once when interrupted)."""
        if self.runs_inline:
            yield
            return
        # One worker per core unless told (Dask's local schedulers, so Prefect 1's executor, do the same)
        workers = self.num_workers or os.cpu_count() or 1
        if self.scheduler == "threads":
            self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="flowctl-worker")
        else:
            relay = EventRelay("queue", "")
            self._sender = UnitSender(relay)
            self._processes = ProcessPool(workers, relay, _console_logging_enabled()).start()
        try:
            yield
        except BaseException:
            self._shutdown(interrupted=True)
            raise
        else:
            self._shutdown(interrupted=False)
        finally:
            self._pool = None
            self._processes = None
            self._sender = None

    def _shutdown(self, interrupted: bool) -> None:
        if self._processes is not None:
            self._processes.close(interrupted)
            return
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
        pool.shutdown(wait=False, cancel_futures=True)  # running threads finish on their own

    # -- units -----------------------------------------------------------------------------
    def concurrency(self) -> int:
        return 1 if self.runs_inline else self.num_workers or os.cpu_count() or 1

    def submit(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        if self.runs_inline:
            return fn(*args, **kwargs)
        if fn is not run_unit and holds_future((args, kwargs), _is_future):  # submit(inc, submit(inc, 0))
            if self._processes is None:  # a worker thread waits (for futures submitted before it: no deadlock)
                fn, args, kwargs = _call_resolved, (fn, args, kwargs), {}
            else:
                args, kwargs = self.wait(args), self.wait(kwargs)
        if self._processes is not None:
            unit, bundle, payload = self._sender.prepare(fn, args, kwargs)
            if unit.state is None:
                unit.payload, unit.bundle = payload, bundle
                self._processes.put(unit)
            return unit
        if self._pool is None:
            raise RuntimeError("LocalDaskExecutor.submit() called outside `with executor.start():`")
        if fn is run_unit and not kwargs and args[0].task.timeout is not None:
            # a timed-out attempt's thread runs on: its retry must wait for it (task_execution)
            future = self._pool.submit(run_holding_retries, functools.partial(fn, *args))
        else:
            future = self._pool.submit(fn, *args, **kwargs)
        with self._lock:
            self._outstanding.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Any) -> None:
        with self._lock:
            self._outstanding.discard(future)

    def on_done(self, future: Any, callback: Callable[[Any], None]) -> None:
        if self.runs_inline:
            callback(future)
        elif isinstance(future, RemoteUnit):
            with self._processes._lock:  # the pool may finish the unit right now
                ready = future.state is not None or future.outcome is not None
                if not ready:
                    future.callback = callback
            if ready:
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
        status, value = future.outcome
        if status == "finished":
            return self._sender.finish(future, value)
        if future.generic:
            raise value if isinstance(value, BaseException) else RuntimeError(value)
        if status == "died":
            return self._sender.failed(future, POOL_NAME, RuntimeError(value), detail=value)
        return self._sender.failed(future, POOL_NAME, value)

    def wait(self, futures: Any) -> Any:
        """Results of ``submit`` calls: ``futures`` with each future in it replaced by its result."""
        if self.runs_inline:
            return futures
        return substitute_futures(futures, _is_future, self._result)

    def _result(self, future: Any) -> Any:
        if isinstance(future, RemoteUnit):
            arrived = threading.Event()
            self.on_done(future, lambda _unit: arrived.set())
            arrived.wait()
            return self.result_of(future, future.task, future.map_index)
        return future.result()


def _is_future(value: Any) -> bool:
    return isinstance(value, (Future, RemoteUnit))


def _call_resolved(fn: Callable, args: tuple, kwargs: dict) -> Any:
    """``fn`` called with the results of the thread pool's futures among its arguments."""
    resolve = Future.result
    return fn(*substitute_futures(args, _is_future, resolve), **substitute_futures(kwargs, _is_future, resolve))
