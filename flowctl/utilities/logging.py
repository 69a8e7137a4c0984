"""Loggers for flows and tasks, and the bridge from log records to engine events.

Every task gets a child of the ``flowctl`` logger. A handler on that logger
turns records into ``LogEmitted`` events (tagged with the task and map index
from ``flowctl.context``) while someone subscribes to the event bus; the
console handler (standard output, as Prefect 1's) can be switched off by
the CLI, which renders logs from those events instead.
"""
from __future__ import annotations

import logging
import sys
from typing import Any

from flowctl.engine.events import LogEmitted, bus
from flowctl.utilities.configuration import config
from flowctl.utilities.context import context

ROOT_NAME = "flowctl"


class EventBridgeHandler(logging.Handler):
    """Publishes log records of the ``flowctl`` tree on the event bus."""

    def emit(self, record: logging.LogRecord) -> None:
        if not bus.active:
            return
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not fail a task
            message = str(record.msg)
        if record.exc_info and record.exc_info[0] is not None:
            message = message + "\n" + logging.Formatter().formatException(record.exc_info)
        bus.emit(
            LogEmitted(
                task_name=context.get("task_name"),
                map_index=context.get("map_index"),
                level=record.levelname,
                levelno=record.levelno,
                message=message,
                logger=record.name,
                at=record.created,
                flow_name=context.get("flow_name"),
            )
        )


#: Where the console handler writes: standard output, as Prefect 1's logger (scripts that pipe or capture
#: it see the same lines), or standard error under the CLI, whose standard output carries its results.
_to_stderr = False


def log_to_stderr() -> None:
    """Send the console handler's lines to standard error from now on (the CLI's choice)."""
    global _to_stderr
    _to_stderr = True


class CurrentStdoutHandler(logging.StreamHandler):
    """Writes to the process's standard output (``sys.__stdout__``), as Prefect 1's handler writes to the
    stdout it found at import: a ``redirect_stdout`` (a task's ``log_stdout`` capture, a test's capsys)
    does not take the log lines. Under the CLI, to whatever ``sys.stderr`` is (see ``log_to_stderr``)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)
        self.set_name("flowctl-console")
        self.setFormatter(logging.Formatter(config.logging.format, config.logging.datefmt))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr if _to_stderr else (sys.__stdout__ or sys.stdout)
        super().emit(record)


#: Context values every log record carries as attributes while they are set (so a format may use
#: ``%(task_name)s``), as Prefect 1's records do; ``logging.log_attributes`` in the settings adds more
#: (those are set to None when the context has no value).
RECORD_ATTRIBUTES = ("flow_name", "flow_run_id", "task_name", "task_slug", "task_run_id")
PREFECT_LOG_RECORD_ATTRIBUTES = RECORD_ATTRIBUTES  # Prefect 1's name for them


def _context_record_factory(make_record: Any) -> Any:
    """A log record factory that adds the context's values to every record ``make_record`` makes."""

    def make_record_with_context(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        settings = config.get("logging") or {}
        extra = tuple(settings.get("log_attributes") or ())
        for attribute in RECORD_ATTRIBUTES + extra:
            value = context.get(attribute)
            if value or attribute in extra:
                setattr(record, attribute, value)
        return record

    make_record_with_context.flowctl_context = True  # type: ignore[attr-defined]
    return make_record_with_context


def _install_record_factory() -> None:
    """Wrap the process's log record factory once (Prefect 1 does it for every record of the process)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "flowctl_context", False):
        logging.setLogRecordFactory(_context_record_factory(current))


def _configure_root() -> logging.Logger:
    root = logging.getLogger(ROOT_NAME)
    root.setLevel(str(config.logging.level).upper())
    if not any(isinstance(h, EventBridgeHandler) for h in root.handlers):
        root.addHandler(EventBridgeHandler())
    if config.logging.get("log_to_stderr", True):
        root.addHandler(CurrentStdoutHandler())
    return root


_root = _configure_root()
_install_record_factory()


def get_logger(name: str | None = None) -> logging.Logger:
    """The ``flowctl`` logger, or its child ``flowctl.<name>``."""
    return _root if name is None else _root.getChild(name)


def set_console_logging(enabled: bool) -> None:
    """Turn the default console handler on or off (the CLI renders logs itself)."""
    for handler in list(_root.handlers):
        if handler.get_name() == "flowctl-console":
            _root.removeHandler(handler)
    if enabled:
        _root.addHandler(CurrentStdoutHandler())


def set_level(level: str | int) -> None:
    """Set the level of the whole ``flowctl`` logger tree."""
    _root.setLevel(level.upper() if isinstance(level, str) else level)
