"""The engine's event stream: state changes and log records, for subscribers.

The engine never calls into a UI. Runners publish small event records on the
process-wide ``bus``; renderers, the JUnit writer and the JSON stream
subscribe. When nobody subscribes, ``bus.active`` is False and the runners
build no event objects at all.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

Subscriber = Callable[[Any], None]


@dataclass(slots=True)
class TaskStateChanged:
    """A task run (``map_index`` None) or mapped child moved from ``old`` to ``new``."""

    flow_name: str | None
    task: Any
    task_name: str
    map_index: int | None
    old: Any
    new: Any
    at: float


@dataclass(slots=True)
class FlowStateChanged:
    """The flow run moved from ``old`` to ``new``."""

    flow_name: str
    old: Any
    new: Any
    at: float


@dataclass(slots=True)
class LogEmitted:
    """A log record emitted inside a task run (or by the flow runner)."""

    task_name: str | None
    map_index: int | None
    level: str
    levelno: int
    message: str
    logger: str
    at: float
    flow_name: str | None = None
    extra: dict = field(default_factory=dict)


class EventBus:
    """A list of subscribers called in order for every event."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self.active = False

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add ``subscriber``; the returned function removes it again."""
        with self._lock:
            self._subscribers = [*self._subscribers, subscriber]
            self.active = True

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = [s for s in self._subscribers if s is not subscriber]
                self.active = bool(self._subscribers)

        return unsubscribe

    def emit(self, event: Any) -> None:
        """Deliver ``event`` to every subscriber; a failing subscriber is dropped
        from this delivery only, so a broken renderer never fails a task."""
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:  # noqa: BLE001 - subscribers must not break runs
                pass


bus = EventBus()
