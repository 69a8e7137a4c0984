"""Reaching a Dask scheduler without ever hanging: address checks, a bounded handshake, a heartbeat.

``distributed`` retries a malformed or unreachable address until its own
timeout, and waits forever on a peer that accepts TCP but never speaks
Dask, or on a scheduler that stopped answering (SIGSTOP, a partition). Each
check here runs on a private asyncio loop with its own deadline, so it can
always give up and say why.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from flowctl.executors.base import ExecutorError

CONNECT_TIMEOUT_ENV = "FLOWCTL_DASK_CONNECT_TIMEOUT"
HEARTBEAT_TIMEOUT_ENV = "FLOWCTL_DASK_HEARTBEAT_TIMEOUT"
_SOCKET_SCHEMES = ("tcp", "tls", "ws", "wss")


def seconds_from_env(name: str, default: float) -> float:
    """A positive number of seconds from the environment, else ``default``."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ExecutorError(f"{name}={text!r} is not a number of seconds (e.g. {name}={default:g}).") from None
    if value <= 0:
        raise ExecutorError(f"{name} must be a positive number of seconds; got {text!r}.")
    return value


def parse_address(address: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of a scheduler address; ExecutorError when it cannot name one."""
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


async def _identity(address: str, timeout: float) -> Any:
    from distributed.comm import connect

    comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
    try:
        await asyncio.wait_for(comm.write({"op": "identity", "reply": True}), timeout)
        return await asyncio.wait_for(comm.read(), timeout)
    finally:
        comm.abort()


def identify(address: str, timeout: float) -> dict | None:
    """The scheduler's identity, or None when nothing at ``address`` answered as Dask in time."""
    try:
        reply = asyncio.run(asyncio.wait_for(_identity(address, timeout), timeout + 1))
    except Exception:  # noqa: BLE001 - refused, timed out, or not speaking Dask's protocol
        return None
    return reply if isinstance(reply, dict) else None


def check_scheduler(address: str, timeout: float) -> None:
    """ExecutorError unless a Dask *scheduler* answers at ``address`` within ``timeout`` seconds."""
    check_connection(address, timeout)
    reply = identify(address, timeout)
    if reply is None:
        raise ExecutorError(f"{address!r} accepts connections but did not answer as a Dask scheduler within "
                            f"{timeout:g}s. Check the port (`dask scheduler` prints its address), or allow "
                            f"a slow scheduler more time with {CONNECT_TIMEOUT_ENV}=SECONDS.")
    if reply.get("type") != "Scheduler":
        raise ExecutorError(f"{address!r} is a Dask {reply.get('type', 'peer')}, not a scheduler: give the "
                            f"scheduler's address (`dask scheduler` prints it).")


class Heartbeat:
    """A thread that asks the scheduler who it is every few seconds, on a connection of its own.

    A scheduler that has not answered for ``timeout`` seconds is declared
    lost: ``on_lost(message)`` is called once. The client's own connection
    cannot tell a frozen scheduler from a busy one, so it is not used.
    """

    def __init__(self, address: str, timeout: float, on_lost: Callable[[str], None], every: float = 2.0) -> None:
        self.address, self.timeout, self.on_lost, self.every = address, timeout, on_lost, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="flowctl-dask-heartbeat", daemon=True)

    def start(self) -> "Heartbeat":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _beat(self) -> None:
        last_answer = time.monotonic()
        while not self._stop.wait(self.every):
            remaining = self.timeout - (time.monotonic() - last_answer)
            if identify(self.address, max(1.0, min(5.0, remaining))) is not None:
                last_answer = time.monotonic()
            elif time.monotonic() - last_answer >= self.timeout and not self._stop.is_set():
                self.on_lost(f"the Dask scheduler at {self.address} stopped answering for {self.timeout:g}s "
                             f"(frozen, overloaded or cut off), so the task's result is unknown. Rerun the flow "
                             f"once the scheduler answers again ({HEARTBEAT_TIMEOUT_ENV} sets the limit)")
                return


def resolve_class(cluster_class: Any) -> Any:
    import importlib

    if cluster_class is None:
        from distributed import LocalCluster

        return LocalCluster
    if isinstance(cluster_class, str):
        module_name, _, name = cluster_class.rpartition(".")
        return getattr(importlib.import_module(module_name), name)
    return cluster_class


@contextmanager
def quiet_distributed(debug: bool) -> Iterator[None]:
    """Keep distributed's own log records off the terminal unless debugging.

    Records of the run reach the user through flowctl's event stream;
    distributed's warnings about reconnections and closing comms are noise there.
    """
    if debug:
        yield
        return
    # distributed configures levels on its child loggers, so each is quietened on its own.
    names = ["distributed", *(name for name in list(logging.root.manager.loggerDict)
                              if name.startswith("distributed."))]
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def bounded(action: Callable[[], Any], seconds: float, name: str = "flowctl-dask-stop") -> None:
    """Run ``action`` in a daemon thread for at most ``seconds``: it may talk to a frozen scheduler,
    which would hold the caller for distributed's own timeouts; the thread is abandoned at the deadline."""
    def guarded() -> None:
        try:
            action()
        except Exception:  # noqa: BLE001 - best effort while stopping
            pass

    worker = threading.Thread(target=guarded, name=name, daemon=True)
    worker.start()
    worker.join(seconds)


def close_quietly(client: Any, timeout: float = 3.0) -> None:
    """Close ``client`` within ``timeout`` seconds whatever state its scheduler is in."""
    bounded(lambda: client.close(timeout=timeout), timeout + 0.5, "flowctl-dask-close")


@contextmanager
def performance_report(client: Any, path: str | os.PathLike | None) -> Iterator[None]:
    """With a ``path``: Dask's HTML report of what runs inside, written there (owner-only).
    Dask draws it with bokeh, which flowctl does not require: without it the run goes on, warned."""
    if not path:
        yield
        return
    from importlib.util import find_spec

    if find_spec("bokeh") is None:
        from flowctl.utilities.logging import get_logger

        get_logger("DaskExecutor").warning(
            "No performance report will be written to %s: Dask needs bokeh for it (pip install bokeh).", path)
        yield
        return
    from distributed import performance_report as dask_report

    with client.as_current(), dask_report(filename=os.fspath(path)):
        yield
    os.chmod(path, 0o600)
