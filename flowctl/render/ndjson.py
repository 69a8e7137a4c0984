"""``--output json``: one JSON object per line with the stable keys of CLI.md.

The keys are a public contract (documented in the README): ``flow_state``,
``task_state``, ``log`` events and a final ``summary``. Nothing else may
reach stdout, so the CLI points stdout at stderr while the user's code runs
and hands this renderer the real stdout.
"""
from __future__ import annotations

import datetime
import json
import sys
from typing import Any, TextIO

from flowctl.engine.events import FlowStateChanged, LogEmitted, TaskStateChanged
from flowctl.render.attempts import Attempts
from flowctl.render.stream import LineWriter, printable
from flowctl.render.summary import Summary
from flowctl.render.tracebacks import trim_traceback_text


#: ``json.dumps(record, default=str, ensure_ascii=False)`` with one encoder for every line (dumps with
#: arguments builds a new encoder each call: a large part of a line's cost when a map writes 200,000)
_to_json = json.JSONEncoder(default=str, ensure_ascii=False).encode


def json_line(record: dict) -> str:
    """``record`` as one line of JSON that is valid UTF-8: a string holding undecodable bytes (a name
    read from a file or the environment) has them written ``\\xNN`` inside the JSON string, never raw."""
    text = _to_json(record)
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _to_json(_printable(record))


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        return utf8(value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(v) for v in value]
    return value


def iso_time(at: float) -> str:
    return datetime.datetime.fromtimestamp(at, datetime.timezone.utc).isoformat()


def utf8(text: str) -> str:
    """Text that encodes to valid UTF-8 (undecodable bytes become ``\\xNN``)."""
    return text if text.isascii() else printable(text, "utf-8")


def _message(state: Any) -> str | None:
    message = state.message
    return None if message is None else utf8(str(message))


def event_record(event: Any, attempts: Attempts | None = None) -> dict | None:
    """The NDJSON object for an engine event, or None for events we do not publish.

    ``attempts`` numbers retried runs' attempts; without it every run is on
    attempt 1 and only the retry rule decides ``final``.
    """
    if isinstance(event, TaskStateChanged):
        attempt, final = (attempts or Attempts()).observe(event)
        return {"event": "task_state", "flow": event.flow_name, "task": event.task_name,
                "map_index": event.map_index, "state": type(event.new).__name__,
                "previous": type(event.old).__name__, "message": _message(event.new),
                "time": iso_time(event.at), "attempt": attempt, "final": final}
    if isinstance(event, FlowStateChanged):
        return {"event": "flow_state", "flow": event.flow_name, "state": type(event.new).__name__,
                "message": _message(event.new), "time": iso_time(event.at)}
    if isinstance(event, LogEmitted):
        return {"event": "log", "task": event.task_name, "map_index": event.map_index,
                "level": event.level, "message": utf8(trim_traceback_text(event.message)),
                "time": iso_time(event.at)}
    return None


def summary_record(summary: Summary) -> dict:
    return {"event": "summary", "flow": summary.flow, "state": summary.state,
            "duration_s": summary.duration_s, "counts": dict(summary.counts),
            "failed": [{"task": f.task, "map_index": f.map_index, "message": utf8(f.message)}
                       for f in summary.failures],
            "run_id": summary.run_id, "reused": summary.reused, "ran": summary.ran,
            "recomputed": summary.recomputed, "store_warning": summary.store_warning}


class JsonRenderer:
    """Writes NDJSON records to ``stream``."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.out = LineWriter(stream or sys.stdout)
        self.attempts = Attempts()
        self.clean: Any = None  # scrubs secret parameter values from messages, when set

    def start(self, model: Any) -> None:
        pass

    def handle(self, event: Any) -> None:
        record = event_record(event, self.attempts)
        if record is not None:
            if self.clean is not None and isinstance(record.get("message"), str):
                record["message"] = self.clean(record["message"])
            self.out.write_line(json_line(record))

    def finish(self, summary: Summary) -> None:
        record = summary_record(summary)
        if self.clean is not None:
            for failure in record["failed"]:
                failure["message"] = self.clean(failure["message"])
        self.out.write_line(json_line(record))
        self.out.close()

    def close(self) -> None:
        self.out.close()
