"""Loggers for flows and tasks, and the bridge from log records to engine events.

Every task gets a child of the ``flowctl`` logger. A handler on that logger
turns records into ``LogEmitted`` events (tagged with the task and map index
from ``flowctl.context``) while someone subscribes to the event bus; the
console handler (standard output, as Prefect 1's) can be switched off by
the CLI, which renders logs from those events instead.
"""
from __future__ import annotations

import io
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
    """Writes to the standard output found when it was made (``import flowctl``'s engine), as Prefect 1's
    handler does: a notebook's or a host's replacement of ``sys.stdout`` made before takes the lines, a
    ``redirect_stdout`` made later (a task's ``log_stdout`` capture) does not. Once that stream is
    closed, to the process's own. Under the CLI, to whatever ``sys.stderr`` is (see ``log_to_stderr``)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)
        self.home = sys.stdout
        self.set_name("flowctl-console")
        self.setFormatter(logging.Formatter(config.logging.format, config.logging.datefmt))

    def emit(self, record: logging.LogRecord) -> None:
        home = self.home
        if home is None or getattr(home, "closed", False):
            home = sys.__stdout__ or sys.stdout
        self.stream = sys.stderr if _to_stderr else home
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


#: Loggers set up as flowctl's (its own and the settings' ``logging.extra_loggers``): the console
#: switch of the CLI applies to all of them.
_configured: dict[str, logging.Logger] = {}


def _create_logger(name: str) -> logging.Logger:
    """``name``'s logger with flowctl's handlers (console and event bridge, once each) and the
    settings' level and format, as Prefect 1 sets up its loggers (again on each call: new settings)."""
    logger = logging.getLogger(name)
    settings = config.get("logging") or {}
    logger.setLevel(str(settings.get("level") or "INFO").upper())
    if name.startswith(ROOT_NAME + "."):  # flowctl's own child: its records reach flowctl's handlers
        return logger
    if not any(isinstance(h, EventBridgeHandler) for h in logger.handlers):
        logger.addHandler(EventBridgeHandler())
    consoles = [h for h in logger.handlers if h.get_name() == "flowctl-console"]
    for handler in consoles:  # a new formatter, not a second handler
        handler.setFormatter(logging.Formatter(settings.get("format"), settings.get("datefmt")))
    if not consoles and settings.get("log_to_stderr", True) and _console_on:  # (off under the CLI)
        logger.addHandler(CurrentStdoutHandler())
    _configured[name] = logger
    return logger


def configure_logging(testing: bool = False) -> logging.Logger:
    """The ``flowctl`` logger set up from the settings (``testing``: a separate ``flowctl-test-logger``,
    so a test leaves the real one alone), as Prefect 1's ``configure_logging``."""
    return _create_logger("flowctl-test-logger" if testing else ROOT_NAME)


def configure_extra_loggers() -> None:
    """Give each logger named in ``logging.extra_loggers`` flowctl's handlers, level and format, so
    a library's records show with the flow's (and in ``flowctl run``'s live view). Run at import, as
    Prefect 1 does; call it again after changing the setting."""
    names = (config.get("logging") or {}).get("extra_loggers") or []
    for name in [names] if isinstance(names, str) else names:
        _create_logger(str(name))


_console_on = True
_root = configure_logging()
configure_extra_loggers()
_install_record_factory()


def get_logger(name: str | None = None) -> logging.Logger:
    """The ``flowctl`` logger, or its child ``flowctl.<name>``."""
    return _root if name is None else _root.getChild(name)


class RedirectToLog(io.TextIOBase):
    """A stand-in for stdout (``contextlib.redirect_stdout``) that logs each write at INFO, as a
    ``log_stdout`` task's prints are logged: one record per non-blank write, as in Prefect 1
    (``print("a", "b")`` makes two, ``print()`` none). ``logger``: the ``stdout`` child by default."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.stdout_logger = logger or get_logger("stdout")

    def write(self, s: str) -> int:
        if not isinstance(s, str):  # (what a text file says)
            raise TypeError(f"string argument expected, got {type(s)}")
        if s.strip():
            self.stdout_logger.info(s)
        return len(s)

    def flush(self) -> None:
        for handler in self.stdout_logger.handlers:
            handler.flush()


def set_console_logging(enabled: bool) -> None:
    """Turn the console handlers of flowctl's loggers on or off (the CLI renders logs itself)."""
    global _console_on
    _console_on = enabled
    for logger in _configured.values():
        for handler in list(logger.handlers):
            if handler.get_name() == "flowctl-console":
                logger.removeHandler(handler)
        if enabled:
            logger.addHandler(CurrentStdoutHandler())


def set_level(level: str | int) -> None:
    """Set the level of the whole ``flowctl`` logger tree (and of the extra loggers set up as flowctl's)."""
    for logger in _configured.values():
        logger.setLevel(level.upper() if isinstance(level, str) else level)
