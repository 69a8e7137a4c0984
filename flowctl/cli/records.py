"""Run records: every ``flowctl run`` is recorded in the run store (``flowctl.store``).

``RunRecord`` is the CLI's side of it. It subscribes to the run's events and
turns them into rows for the store's writer thread: the run's events (for
mapped children only the non-routine ones, so a million children do not
mean millions of rows), one row per finished task run, and for each
success its checkpoint, pickled on the task's thread and keyed by the task
*fingerprint* (see ``flowctl.store.fingerprint``). A mapped child that
succeeded costs a dict entry on Running and, on Success, one pickle, one
checksum and one tuple; the writer packs those into batch rows
(``flowctl.store.children``).

Nothing here may cost the run its output: ``handle`` never raises, a write
that fails is reported once ("checkpoints could not be written: …; resume
will recompute") and the summary repeats it.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

from flowctl.engine.events import TaskStateChanged
from flowctl.engine.state import Running, Success
from flowctl.exceptions import FlowctlError
from flowctl.render.ndjson import event_record
from flowctl.store import fingerprint as fingerprints
from flowctl.store import secrets as secret_rules
from flowctl.store import values as stored_values
from flowctl.store.children import CHILD_SUCCESS

#: ``json.dumps(record, default=str)`` with one encoder for every event (see ``render.ndjson._to_json``)
_EVENT_JSON = json.JSONEncoder(default=str).encode

_pickle_dumps, _PROTOCOL, _blake2b = pickle.dumps, pickle.HIGHEST_PROTOCOL, hashlib.blake2b
_INLINE_MAX, _CHECKSUM_SIZE = stored_values.BLOB_THRESHOLD, stored_values.CHECKSUM_SIZE
STATE_DIR_ENV = "FLOWCTL_STATE_DIR"
CHECKPOINT_MESSAGE = "Loaded from checkpoint."
# Routine transitions of mapped children are not stored as events (their task_runs row says it all).
_ROUTINE_CHILD = frozenset({"Pending", "Running", "Success", "Cached", "Mapped"})
_NOT_CHECKPOINTED = frozenset({"Mapped", "Skipped"})


class RunRecordError(FlowctlError, ValueError):
    """A run id, state directory or resume that cannot be used."""


def state_dir(option: Path | None) -> Path:
    """``--state-dir``, else ``$FLOWCTL_STATE_DIR``, else ``./.flowctl``."""
    raw = option if option is not None else os.environ.get(STATE_DIR_ENV) or ".flowctl"
    path = Path(raw).expanduser()
    if path.exists() and not path.is_dir():
        raise RunRecordError(f"State directory {str(path)!r} exists and is not a directory. "
                             f"Pass --state-dir (or set {STATE_DIR_ENV}) to a directory.")
    return path


def write_failure_text(exc: BaseException) -> str:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"checkpoints could not be written: {reason}; resume will recompute"


class RunRecord:
    """One run's record: redacted parameters, task fingerprints, events, task runs and checkpoints."""

    def __init__(self, root: Path, flow: Any, target: str, parameters: dict, flags: Any, checkpoint: bool,
                 plan: Any = None, executor: str = "local", address: str | None = None) -> None:
        self.root, self.flow, self.target = Path(root), flow, target
        self.checkpoint = checkpoint
        self.plan = plan
        self.in_process = executor in ("local", "threads")
        # The record names where the run ran: the executor, and the scheduler for an existing cluster.
        self.executor_label = f"{executor} {address}" if address else executor
        sources = dict(plan.secret_sources) if plan is not None else {}
        sources.update(secret_rules.env_sources(flags or ()))
        self.secret_names = secret_rules.secret_names(parameters, sources) | set(sources)
        self.secret_values = secret_rules.secret_values(parameters, self.secret_names)
        self.parameters = parameters
        self._sources = sources
        self.active: Any = None
        self.run_id: str | None = None
        self.warning: str | None = None
        self._warn_lock = threading.Lock()
        self._task_ids: dict[Any, int] = {}
        self._unstored_ids: set[int] = set()  # parameters (kept with the run) and secret tasks (never)
        self._secret_tasks: set = set()  # secret tasks: their values are never stored, and scrubbed
        self._mapped: dict[Any, Any] = {}
        self._started: dict[tuple, float] = {}
        self._attempts: dict[tuple, int] = {}
        self._payloads = plan.payloads if plan is not None else {}
        self._checkpoints_here = checkpoint and self.in_process
        # Children that succeeded go to packed batches, unless ``sweep`` must add their values
        # (checkpoints of task runs that ran in other processes) to their rows later.
        self._packed_children = self._checkpoints_here or not checkpoint

    # -- start -------------------------------------------------------------------------------
    def _recorded_sources(self) -> dict:
        """How a resume gets each secret back: from its environment variable, or from ``-p``."""
        return {name: ({"env": self._sources[name]} if name in self._sources else {"given": True})
                for name in self.secret_names if name in self.parameters}

    def start(self, force: bool = False) -> "RunRecord":
        """Open the store and insert the run (claiming the resumed run); a write failure only warns."""
        from flowctl.store.db import connect, store_salt
        from flowctl.store.prune import DEFAULT_KEEP, needs_retention, prune
        from flowctl.store.runs import ActiveRun, ResumeRefused

        plain = {k: v for k, v in self.parameters.items() if k not in self.secret_names}
        try:
            data = stored_values.dumps(plain)
        except Exception:  # noqa: BLE001 - the JSON form still shows them; resume needs -p
            data = None
        info = {"flow": self.flow.name, "target": self.target, "checkpoint": self.checkpoint,
                "parameters": json.loads(json.dumps(secret_rules.redact(self.parameters, self.secret_names),
                                                    default=str)),
                "parameter_values": data, "parameter_checksum": stored_values.checksum(data) if data else None,
                "secret_sources": self._recorded_sources(), "executor": self.executor_label}
        try:
            connection = connect(self.root)
            try:
                salt = store_salt(connection)
            finally:
                connection.close()
            self.active = ActiveRun(self.root, info, resumed_from=self.plan.run_id if self.plan else None,
                                    force=force, on_error=self._write_failed)
        except ResumeRefused as exc:
            raise RunRecordError(f"Cannot resume: {exc}") from None
        except (OSError, sqlite3.Error, UnicodeError) as exc:  # (a flow name SQLite cannot store, too)
            self._write_failed(exc)
            self.active = None
            return self
        self.run_id = self.active.run_id
        try:  # the default retention, counting this run (alive, so never deleted); a store that cannot
            if needs_retention(self.root, self.flow.name, DEFAULT_KEEP):  # be pruned now is by a later run
                prune(self.root, keep=DEFAULT_KEEP)
        except (OSError, sqlite3.Error):
            pass
        self._register_tasks(salt)
        return self

    def _register_tasks(self, salt: bytes) -> None:
        from flowctl.core.parameter import Parameter
        from flowctl.tasks.secrets import SecretBase

        prints = fingerprints.flow_fingerprints(self.flow, self.parameters, self.secret_names, salt)
        rows = []
        for task_id, task in enumerate(self.flow.sorted_tasks()):
            self._task_ids[task] = task_id
            if isinstance(task, Parameter):  # parameters are recorded with the run, never as checkpoints
                self._unstored_ids.add(task_id)
            elif isinstance(task, SecretBase):
                self._unstored_ids.add(task_id)
                self._secret_tasks.add(task)
            rows.append((task_id, task.name, self.flow.slugs.get(task, task.name), prints[task]))
        self.active.register_tasks(rows)
        try:  # the graph, so `flowctl runs show ID --html` can draw it later
            from flowctl.render.report_data import graph_record
        except ImportError:
            return
        self.handle_record(graph_record(self.flow))

    def _write_failed(self, exc: BaseException) -> None:
        with self._warn_lock:
            if self.warning is not None:
                return
            self.warning = write_failure_text(exc)
        try:
            print(f"Warning: {self.warning}.", file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass

    # -- events --------------------------------------------------------------------------------
    def handle(self, event: Any) -> None:
        """Store one engine event; never raises. A mapped child's Running and Success take the
        short path (this runs twice per child, on the task's thread): a dict entry, then one
        pickle, one checksum and one tuple handed to the writer."""
        active = self.active
        if active is None or active.writer.error is not None:
            return
        try:
            if type(event) is TaskStateChanged and event.map_index is not None:
                cls = type(event.new)
                if cls is Running:
                    key = (event.task, event.map_index)
                    if key in self._started:
                        self._attempts[key] = self._attempts.get(key, 1) + 1
                    else:
                        self._started[key] = event.at
                    return
                if cls is Success and self._packed_children and not (
                        self._secret_tasks and event.task in self._secret_tasks):
                    self._child_success(event, active)
                    return
            self._other_event(event)
        except Exception as exc:  # noqa: BLE001 - the record must never cost the run its output
            self._write_failed(exc)

    def _child_success(self, event: TaskStateChanged, active: Any) -> None:
        """A mapped child that succeeded here: its row and checkpoint, with no intermediate objects.
        A value that plain pickle refuses, a blob-sized one or one holding a secret takes ``_finished``."""
        value = digest = None
        reused = self._payloads.get(id(event.new)) if self._payloads else None
        if reused is not None:  # loaded from the resumed run's checkpoint: copied as it is
            if reused[2] is not None:  # a blob: its row names the file
                self._finished(event, "Success", None)
                return
            value, digest = reused[0], reused[1]
        elif self._checkpoints_here:
            try:
                value = _pickle_dumps(event.new.result, _PROTOCOL)
            except Exception:  # noqa: BLE001 - cloudpickle may still manage: the general path
                value = None
            if value is None or len(value) > _INLINE_MAX or (
                    self.secret_values and secret_rules.contains_secret(value, self.secret_values)):
                self._finished(event, "Success", None)
                return
            digest = _blake2b(value, digest_size=_CHECKSUM_SIZE).digest()
        task_id = self._task_ids.get(event.task)
        if task_id is None:
            return
        key = (event.task, event.map_index)
        started = self._started.pop(key, None)
        attempts = (self._attempts.pop(key, 1) if self._attempts else 1) if started is not None else 0
        active.put(CHILD_SUCCESS, (active.rowid, task_id, event.map_index, attempts, started, event.at, value, digest))

    def _other_event(self, event: Any) -> None:
        if not isinstance(event, TaskStateChanged):
            record = event_record(event)
            if record is not None:
                self.active.event(self._scrubbed_json(record))
            return
        new, name = event.new, type(event.new).__name__
        if event.map_index is None or name not in _ROUTINE_CHILD:
            self.active.event(self._scrubbed_json(event_record(event)))
        if new.is_running():
            key = (event.task, event.map_index)
            if key in self._started:
                self._attempts[key] = self._attempts.get(key, 1) + 1
            else:
                self._started[key] = event.at
            return
        if not new.is_finished() or name == "Retrying":
            return
        if name == "Mapped":  # its number of children is known once expanded: see _record_sizes
            self._mapped[event.task] = new
        message = None if name == "Mapped" else secret_rules.scrub(str(new.message or ""), self.secret_values)
        self._finished(event, name, message)

    def _finished(self, event: TaskStateChanged, name: str, message: str | None) -> None:
        """The task run's row, with its checkpoint when it succeeded here (or was reused)."""
        task, index, new = event.task, event.map_index, event.new
        task_id = self._task_ids.get(task)
        if task_id is None:
            return
        key = (task, index)
        started = self._started.pop(key, None)
        attempts = (self._attempts.pop(key, 1) if self._attempts else 1) if started is not None else 0
        if task in self._secret_tasks and new.is_successful():
            self._learn_secret(new.result)
        payload = self._payloads.get(id(new)) if self._payloads else None
        if payload is None and self._checkpoints_here and name not in _NOT_CHECKPOINTED \
                and task_id not in self._unstored_ids and new.is_successful():
            payload = self._payload(new.result)
        self.active.task_run(task_id, index, name, attempts, started, event.at, message, payload)

    def handle_record(self, record: dict) -> None:
        """Store an NDJSON record that is not an engine event (the summary)."""
        if self.active is not None and self.active.writer.error is None:
            try:
                self.active.event(self._scrubbed_json(record))
            except Exception as exc:  # noqa: BLE001
                self._write_failed(exc)

    def _scrubbed_json(self, record: dict) -> str:
        text = _EVENT_JSON(record)
        return secret_rules.scrub(text, self.secret_values) if self.secret_values else text

    def _learn_secret(self, value: Any) -> None:
        """A secret task's value: scrubbed from every later record, and no checkpoint holding it is kept."""
        text = "" if value is None else str(value)
        if text and text not in self.secret_values:
            self.secret_values = sorted([*self.secret_values, text], key=len, reverse=True)

    def _payload(self, value: Any) -> tuple | None:
        """The checkpoint of one value, or None when it cannot (or must not) be stored."""
        try:
            data = _pickle_dumps(value, _PROTOCOL)
        except Exception:  # noqa: BLE001 - plain pickle refuses it; cloudpickle may not
            try:
                data = stored_values.dumps(value)
            except Exception:  # noqa: BLE001 - unpicklable: this task run is recomputed on resume
                return None
        if self.secret_values and secret_rules.contains_secret(data, self.secret_values):
            return None
        if len(data) <= stored_values.BLOB_THRESHOLD:
            return data, _blake2b(data, digest_size=stored_values.CHECKSUM_SIZE).digest(), None
        inline, digest, blob = stored_values.encode(data)
        self.active.blob(blob, data)
        return inline, digest, blob

    # -- the end ----------------------------------------------------------------------------------
    def sweep(self, final_state: Any) -> None:
        """Checkpoint successes of task runs that ran in other processes (their events carry no value)."""
        if self.in_process or not self.checkpoint or self.active is None or final_state is None:
            return
        states = final_state.result if isinstance(final_state.result, dict) else {}
        for task in self._secret_tasks.intersection(states):  # first: what follows must not hold them
            for child in (states[task].map_states if states[task].is_mapped() else [states[task]]):
                if child is not None and child.is_successful():
                    self._learn_secret(child.result)
        for task, state in states.items():
            task_id = self._task_ids.get(task)
            if task_id is None or task_id in self._unstored_ids:
                continue
            units = enumerate(state.map_states) if state.is_mapped() else [(None, state)]
            for index, child in units:
                if child is None or not child.is_successful() or type(child).__name__ in _NOT_CHECKPOINTED:
                    continue
                payload = self._payloads.get(id(child)) or self._payload(child.result)
                if payload is not None:
                    self.active.checkpoint(task_id, index, type(child).__name__, payload)

    def _record_sizes(self, final_state: Any) -> None:
        """Each mapped parent's row keeps its number of children in ``attempts``: a resume reuses a
        downstream reduce only when every child of the map was reused."""
        parents = dict(self._mapped)
        if final_state is not None and isinstance(final_state.result, dict):
            parents.update((task, state) for task, state in final_state.result.items() if state.is_mapped())
        for task, state in parents.items():
            count = len(getattr(state, "map_states", None) or ())
            if count and task in self._task_ids:
                self.active.mapped_size(self._task_ids[task], count)

    def finish(self, summary: Any, final_state: Any = None, state_name: str | None = None) -> None:
        """Commit everything and the final row; put any write failure into the summary."""
        if self.active is not None:
            try:
                self.sweep(final_state)
                self._record_sizes(final_state)
            except Exception as exc:  # noqa: BLE001
                self._write_failed(exc)
            failed = [{"task": f.task, "map_index": f.map_index,
                       "message": secret_rules.scrub(str(f.message), self.secret_values)}
                      for f in summary.failures]
            error = self.active.finish(state_name or summary.state, summary.duration_s, dict(summary.counts),
                                       failed, summary.reused, summary.ran, getattr(summary, "recomputed", 0),
                                       self.warning)
            if error is not None:
                self._write_failed(error)
        if self.warning is not None and hasattr(summary, "store_warning"):
            summary.store_warning = self.warning


__all__ = ["RunRecord", "RunRecordError", "state_dir", "STATE_DIR_ENV", "CHECKPOINT_MESSAGE", "write_failure_text"]
