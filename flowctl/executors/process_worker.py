"""A worker process of ``LocalDaskExecutor(scheduler="processes")``: ``python -m flowctl.executors.process_worker``.

Started by ``process_pool.ProcessPool`` with one end of a socket pair. It
never imports the driver's ``__main__`` (a script whose ``flow.run()`` is
not under ``if __name__ == "__main__":`` is not run again here: tasks from
``__main__`` arrive pickled by value), dies with its driver (Linux
parent-death signal) and ignores Ctrl-C, which is the driver's to handle.

Messages are pickled tuples. In: ``("unit", id, token, bundle or None,
payload)``, ``("call", id, payload)``. Out: ``("event", message)``, then
``("done", id, encoded state, tainted)`` or ``("error", id, text)``.
A *tainted* worker still runs a thread its unit left behind (a task that
timed out but would not stop): the driver replaces it.
"""
from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from typing import Any


class _ChannelSender:
    """What ``forwarding`` calls ``put`` on: sends events down the pool's connection."""

    def __init__(self, send: Any) -> None:
        self.send = send

    def put(self, message: list) -> None:
        self.send(("event", message))


def _serve(connection: Any) -> None:
    from flowctl.executors import forwarding
    from flowctl.executors.remote import _call_pickled
    from flowctl.executors.serialization import execute

    lock = threading.Lock()

    def send(message: tuple) -> None:
        data = pickle.dumps(message, protocol=5)
        with lock:  # the task runner's timeout threads forward events too
            connection.send_bytes(data)

    forwarding.set_event_queue(_ChannelSender(send))
    bundles: dict[str, bytes] = {}
    baseline = threading.active_count()
    while True:
        try:
            message = pickle.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return
        unit_id = message[1]
        try:
            if message[0] == "call":
                raw = _call_pickled(message[2])
            else:
                token, bundle_data, payload = message[2:]
                if bundle_data is not None:
                    bundles[token] = bundle_data
                raw = execute(token, bundles[token], payload)
        except Exception as exc:  # noqa: BLE001 - execute encodes task errors; this is ours or a plain call's
            send(("error", unit_id, f"{type(exc).__name__}: {exc}"))
            continue
        send(("done", unit_id, raw, threading.active_count() > baseline))


def main(argv: list[str]) -> None:
    from multiprocessing.connection import Connection

    from flowctl.executors.worker_signals import die_with_parent
    from flowctl.utilities.logging import set_console_logging

    descriptor, parent, console_logging = int(argv[0]), int(argv[1]), argv[2] == "1"
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_console_logging(console_logging)
    _serve(Connection(descriptor))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # abandoned task threads must not keep the process alive


if __name__ == "__main__":
    main(sys.argv[1:])
