"""Live events from task runs in other processes, replayed on the driver's event bus.

Worker side: while a unit runs with a *forward target* in its context, a
subscriber on the worker's own bus turns each ``TaskStateChanged`` and
``LogEmitted`` into a small msgpack-friendly list and sends it down a
channel: a multiprocessing queue for process pools, or distributed's worker
events (``Worker.log_event``, received with ``Client.subscribe_topic``) for
Dask. The target lives in ``flowctl.context`` rather than in a thread-local
of ours because the task runner copies the context into its timeout helper
threads, so their log records are forwarded too.

Driver side: ``EventRelay`` rebuilds the events (``task`` resolved to the
driver's Task object, states rebuilt as State objects) and emits them on the
bus. Each unit's result says how many events it sent; the executor waits
for that many (briefly) before handing the result to the scheduler, so a
task's events are published in order and before its completion is seen.
"""
from __future__ import annotations

import datetime
import itertools
import os
import queue
import threading
import time
from typing import Any, Callable

from flowctl.engine import state as state_module
from flowctl.engine.events import LogEmitted, TaskStateChanged, bus
from flowctl.utilities.context import context as flowctl_context

FORWARD_KEY = "_flowctl_forward"

# -- worker side ---------------------------------------------------------------------------
_senders: dict[str, Callable[[str], Callable[[list], None]]] = {}
# Keyed by (channel, unit id): every run numbers its units from 0, and runs
# sharing a cluster share its worker processes.
_sent: dict[tuple, int] = {}
_sent_lock = threading.Lock()
_unsubscribe: Callable[[], None] | None = None
_active_units = 0
_event_queue: Any = None


def _queue_sender(channel: str) -> Callable[[list], None]:
    return _event_queue.put


def _dask_sender(channel: str) -> Callable[[list], None]:
    # Resolved in the worker's task thread: get_worker() fails in the task
    # runner's timeout helper threads, which forward events too.
    from distributed import get_worker

    log_event = get_worker().log_event
    return lambda message: log_event(channel, message)


_senders["queue"] = _queue_sender
_senders["dask"] = _dask_sender


def set_event_queue(event_queue: Any) -> None:
    """Process-pool initializer: where this worker process sends its events."""
    global _event_queue
    _event_queue = event_queue


def _describe_state(state: Any) -> list:
    start = getattr(state, "start_time", None)
    timestamp = start.timestamp() if isinstance(start, datetime.datetime) and start.year < 9999 else None
    message = state.message if state.message is None or isinstance(state.message, str) else str(state.message)
    return [type(state).__name__, message, timestamp, getattr(state, "run_count", None)]


def encode_event(unit_id: int, event: Any) -> list | None:
    if isinstance(event, TaskStateChanged):
        return ["state", unit_id, event.flow_name, event.task_name, event.map_index,
                _describe_state(event.old), _describe_state(event.new), event.at]
    if isinstance(event, LogEmitted):
        return ["log", unit_id, event.task_name, event.map_index, event.level, event.levelno,
                str(event.message), event.logger, event.at, event.flow_name]
    return None


def _forward(event: Any) -> None:
    target = flowctl_context.get(FORWARD_KEY)
    if target is None:
        return
    message = encode_event(target[2], event)
    if message is None:
        return
    target[4](message)
    key = (target[1], target[2])
    with _sent_lock:
        _sent[key] = _sent.get(key, 0) + 1


_quieted = False


def _quiet_worker() -> None:
    """A worker's records reach the driver as events only: never print them here too."""
    global _quieted
    if not _quieted:
        from flowctl.utilities.logging import set_console_logging

        set_console_logging(False)
        _quieted = True


def begin(target: tuple | None) -> tuple | None:
    """Start forwarding for one unit; None when there is nothing to forward to.

    The forwarder is subscribed only while forwarding units run, so a worker
    that serves runs nobody watches builds no event objects at all.
    """
    global _unsubscribe, _active_units
    if target is None or target[3] == os.getpid():  # the "worker" is the driver itself
        return None
    kind, channel, quiet = target[0], target[1], target[4]
    target = (*target[:4], _senders[kind](channel))
    if quiet:
        _quiet_worker()
    with _sent_lock:
        _active_units += 1
        if _unsubscribe is None:
            _unsubscribe = bus.subscribe(_forward)
    return target


def sent_count(target: tuple | None) -> int:
    if target is None:
        return 0
    return _sent.get((target[1], target[2]), 0)


def end(target: tuple | None) -> None:
    global _unsubscribe, _active_units
    if target is None:
        return
    with _sent_lock:
        _sent.pop((target[1], target[2]), None)
        _active_units -= 1
        if _active_units == 0 and _unsubscribe is not None:
            _unsubscribe()
            _unsubscribe = None


# -- driver side ---------------------------------------------------------------------------
def _rebuild_state(description: list) -> Any:
    name, message, timestamp, run_count = description
    kind = getattr(state_module, name, None)
    if not (isinstance(kind, type) and issubclass(kind, state_module.State)):
        kind = state_module.State
    try:
        state = kind(message)
    except Exception:  # noqa: BLE001 - a state class with unusual arguments
        state = state_module.State(message)
    if timestamp is not None and hasattr(state, "start_time"):
        state.start_time = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    if run_count is not None and hasattr(state, "run_count"):
        state.run_count = run_count
    return state


def _console_logging_enabled() -> bool:
    from flowctl.utilities.logging import get_logger

    return any(handler.get_name() == "flowctl-console" for handler in get_logger().handlers)


class EventRelay:
    """Driver-side end of the event channels: decode, publish, and count per unit."""

    def __init__(self, kind: str, channel: str) -> None:
        self.kind = kind
        self.channel = channel
        self._ids = itertools.count()
        self._tasks: dict[int, Any] = {}
        self._received: dict[int, int] = {}
        self._condition = threading.Condition()
        # When the driver prints no records itself (the CLI renders events), neither do workers.
        self.quiet = not _console_logging_enabled()

    def target(self, task: Any) -> tuple | None:
        """A forward target for one unit of ``task``, or None when nobody listens."""
        if not bus.active:
            return None
        unit_id = next(self._ids)
        with self._condition:
            self._tasks[unit_id] = task
            self._received[unit_id] = 0
        return (self.kind, self.channel, unit_id, os.getpid(), self.quiet)

    def deliver_queued(self, messages: queue.SimpleQueue) -> None:
        """Deliver ``messages`` on this (a flowctl) thread, in arrival order, until the None sentinel."""
        while True:
            message = messages.get()
            if message is None:
                return
            self.deliver(message)

    def deliver(self, message: list) -> None:
        """Publish one forwarded event (called from the channel's reader thread)."""
        unit_id = message[1]
        task = self._tasks.get(unit_id)
        if message[0] == "state":
            _, _, flow_name, task_name, map_index, old, new, at = message
            event: Any = TaskStateChanged(flow_name, task, task_name, map_index,
                                          _rebuild_state(old), _rebuild_state(new), at)
        else:
            _, _, task_name, map_index, level, levelno, text, logger, at, flow_name = message
            event = LogEmitted(task_name, map_index, level, levelno, text, logger, at, flow_name=flow_name)
        bus.emit(event)
        with self._condition:
            if unit_id in self._received:
                self._received[unit_id] += 1
                self._condition.notify_all()

    def settle(self, target: tuple | None, sent: int, timeout: float = 5.0) -> None:
        """Wait (bounded) until the ``sent`` events of a unit were published, then forget it."""
        if target is None:
            return
        unit_id = target[2]
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._received.get(unit_id, 0) < sent:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._condition.wait(remaining)
            self._received.pop(unit_id, None)
            self._tasks.pop(unit_id, None)
