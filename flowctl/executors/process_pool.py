"""A process pool that survives its workers: one dead worker fails one unit, and is replaced.

``concurrent.futures.ProcessPoolExecutor`` breaks for good when a worker
dies (every later task fails with ``BrokenProcessPool``), cannot stop a unit
that overran its timeout, and its processes can outlive a SIGKILLed driver.
Here one manager thread owns every worker (a ``process_worker`` each, on a
socket pair of its own): it hands a unit to an idle worker, publishes the
events the worker forwards, and when a worker dies fails only the unit it
was running, naming how it died, then starts a fresh one. A unit still
running past its task's timeout (plus a grace period) gets its worker
killed. Workers are started by the manager thread, which outlives them, so
the parent-death signal they set fires only when the driver dies.
"""
from __future__ import annotations

import collections
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any

from flowctl.executors.forwarding import EventRelay

TIMEOUT_GRACE_S = 2.0


def _timeout_seconds(task: Any) -> float | None:
    timeout = getattr(task, "timeout", None) if task is not None else None
    if timeout is None:
        return None
    seconds = timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout)
    return seconds if seconds > 0 else None


def how_it_died(returncode: int | None) -> str:
    """``killed by SIGKILL`` / ``exit code 1``: how a worker process ended."""
    if returncode is None:
        return "stopped answering"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


class _Worker:
    __slots__ = ("process", "connection", "unit", "deadline", "bundles")

    def __init__(self, process: subprocess.Popen, connection: Connection) -> None:
        self.process, self.connection = process, connection
        self.unit: Any = None
        self.deadline: float | None = None
        self.bundles: set[str] = set()


class ProcessPool:
    """``size`` worker processes fed by one manager thread; units are ``RemoteUnit`` objects."""

    def __init__(self, size: int, relay: EventRelay, console_logging: bool) -> None:
        self.size, self.relay, self.console_logging = size, relay, console_logging
        self._queue: collections.deque = collections.deque()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._wake_read, self._wake_write = socket.socketpair()
        self._closing = False
        self._abort = False
        self._manager = threading.Thread(target=self._manage, name="flowctl-process-pool", daemon=True)

    def start(self) -> "ProcessPool":
        self._manager.start()
        return self

    # -- called by the executor --------------------------------------------------------------
    def put(self, unit: Any) -> None:
        """Queue a unit (its ``payload`` and ``bundle`` set, or ``generic`` with a payload)."""
        self._queue.append(unit)
        self._wake()

    def finish(self, unit: Any, outcome: tuple) -> None:
        """Record a unit's outcome and call its callback (now, or once one is registered)."""
        with self._lock:
            unit.outcome = outcome
            callback = unit.callback
        unit.payload = None
        if callback is not None:
            callback(unit)

    def close(self, interrupted: bool) -> None:
        """Stop the workers: at once when interrupted, else after their current units."""
        self._closing, self._abort = True, interrupted
        self._wake()
        self._manager.join()
        for worker in self._workers:
            worker.connection.close()  # idle workers exit on end-of-file
        for worker in list(self._workers):
            self._end(worker, kill=interrupted)
        for unit in list(self._queue):
            self.finish(unit, ("error", RuntimeError("the process pool was shut down")))
        self._wake_read.close()
        self._wake_write.close()

    def _wake(self) -> None:
        try:
            self._wake_write.send(b"x")
        except OSError:
            pass

    # -- the manager thread --------------------------------------------------------------------
    def _spawn(self) -> _Worker:
        driver_end, worker_end = socket.socketpair()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if isinstance(p, str) and p))
        # -P: `-m` would put the cwd first on sys.path, where a flow file named `json.py` shadows the stdlib
        argv = [sys.executable, "-P", "-m", "flowctl.executors.process_worker", str(worker_end.fileno()),
                str(os.getpid()), "1" if self.console_logging else "0"]
        process = subprocess.Popen(argv, pass_fds=(worker_end.fileno(),), stdin=subprocess.DEVNULL, env=env,
                                   process_group=0)
        worker_end.close()
        worker = _Worker(process, Connection(driver_end.detach()))
        self._workers.append(worker)
        return worker

    def _manage(self) -> None:
        for _ in range(self.size):
            self._spawn()
        while not (self._abort or (self._closing and all(w.unit is None for w in self._workers))):
            self._dispatch()
            timeout = self._next_deadline()
            ready = wait([self._wake_read, *(w.connection for w in self._workers)], timeout)
            for source in ready:
                if source is self._wake_read:
                    self._wake_read.recv(4096)
                else:
                    self._receive(self._by_connection(source))
            self._enforce_deadlines()

    def _by_connection(self, connection: Any) -> _Worker:
        return next(w for w in self._workers if w.connection is connection)

    def _dispatch(self) -> None:
        while self._queue and not self._closing:
            idle = next((w for w in self._workers if w.unit is None), None)
            if idle is None:
                return
            unit = self._queue.popleft()
            try:
                idle.connection.send_bytes(self._message(idle, unit))
            except OSError:  # died since its last message: replaced when its EOF is read
                self._queue.appendleft(unit)
                self._replace(idle, None)
                continue
            idle.unit = unit
            seconds = _timeout_seconds(unit.task)
            idle.deadline = None if seconds is None else time.monotonic() + seconds + TIMEOUT_GRACE_S

    def _message(self, worker: _Worker, unit: Any) -> bytes:
        if unit.generic:
            return pickle.dumps(("call", 0, unit.payload), protocol=5)
        token = unit.bundle.token
        data = None if token in worker.bundles else unit.bundle.data
        worker.bundles.add(token)
        return pickle.dumps(("unit", 0, token, data, unit.payload), protocol=5)

    def _receive(self, worker: _Worker) -> None:
        try:
            message = pickle.loads(worker.connection.recv_bytes())
        except (EOFError, OSError):
            self._replace(worker, "died")
            return
        kind = message[0]
        if kind == "event":
            self.relay.deliver(message[1])
            return
        unit, worker.unit, worker.deadline = worker.unit, None, None
        if kind == "done":
            if message[3]:  # a thread of the unit is still running: never reuse this process
                self._replace(worker, None)
            self.finish(unit, ("finished", message[2]))
        else:
            self.finish(unit, ("error", RuntimeError(message[2])))

    def _replace(self, worker: _Worker, reason: str | None) -> None:
        """End ``worker``; fail its unit (if ``reason``) with how it died; start a fresh one."""
        unit, worker.unit = worker.unit, None
        returncode = self._end(worker, kill=reason != "died")
        if unit is not None and reason is not None:
            detail = how_it_died(returncode) if reason == "died" else reason
            self.finish(unit, ("died", f"its worker process died while running it ({detail})"))
        if not self._closing:
            self._spawn()

    def _end(self, worker: _Worker, kill: bool) -> int | None:
        if worker in self._workers:
            self._workers.remove(worker)
        if not worker.connection.closed:
            worker.connection.close()
        if kill and worker.process.poll() is None:
            worker.process.kill()
        try:
            return worker.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            return worker.process.wait()

    def _next_deadline(self) -> float | None:
        deadlines = [w.deadline for w in self._workers if w.deadline is not None]
        return max(0.0, min(deadlines) - time.monotonic()) if deadlines else None

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        for worker in [w for w in self._workers if w.deadline is not None and w.deadline <= now]:
            seconds = _timeout_seconds(worker.unit.task)
            self._replace(worker, f"timed out after {seconds:g}s and would not stop, so its worker process "
                                  f"was killed")
