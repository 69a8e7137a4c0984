"""Run records: every ``flowctl run`` leaves a directory to inspect and resume from.

``<state-dir>/runs/<run-id>/`` holds ``meta.json`` (flow, target, parameters,
start/end, final state, counts), ``parameters.pkl`` (the exact parameter
values, which JSON may not round-trip), ``events.ndjson`` (the run's events,
written as they happen) and ``results/<task-slug>/<map-index>.pkl``
(checkpoints, written atomically through the engine's ``LocalResult``). A
resumed run loads those checkpoints as ``Cached`` states and runs only the rest.

A record is plain files on purpose: a run killed with SIGKILL cannot close
anything, so every file must already be whole (atomic renames for meta and
checkpoints, one ``write`` per event line) and readers must accept a record
whose state still says ``Running``.
"""
from __future__ import annotations

import datetime
import json
import os
import pickle
import secrets
import socket
import threading
from pathlib import Path
from typing import Any

from flowctl.engine.results.local_result import LocalResult, atomic_write
from flowctl.engine.state import Cached, Mapped, State
from flowctl.exceptions import FlowctlError

STATE_DIR_ENV = "FLOWCTL_STATE_DIR"
CHECKPOINT_LOCATION = "{task_slug}/{map_index}.pkl"
CHECKPOINT_MESSAGE = "Loaded from checkpoint."
CRASHED = "Crashed"


class RunRecordError(FlowctlError, ValueError):
    """A run id or state directory that cannot be used."""


def state_dir(option: Path | None) -> Path:
    """``--state-dir``, else ``$FLOWCTL_STATE_DIR``, else ``./.flowctl``."""
    raw = option if option is not None else os.environ.get(STATE_DIR_ENV) or ".flowctl"
    path = Path(raw).expanduser()
    if path.exists() and not path.is_dir():
        raise RunRecordError(f"State directory {str(path)!r} exists and is not a directory. "
                             f"Pass --state-dir (or set {STATE_DIR_ENV}) to a directory.")
    return path


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def new_run_id() -> str:
    """Sortable by start time, unique across concurrent runs."""
    return f"{_now().strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


def _jsonable(value: Any) -> Any:
    """``value`` as JSON would store it (tuples become lists, odd objects strings)."""
    return json.loads(json.dumps(value, default=str))


class CheckpointResult(LocalResult):
    """A ``LocalResult`` that skips values it cannot pickle instead of failing the task.

    Checkpoints are on by default for every CLI run, so a task returning a
    lock or a generator must still succeed; it simply runs again on resume.
    """

    def write(self, value: Any, location: str | None = None, **kwargs: Any) -> LocalResult:
        try:
            return super().write(value, location=location, **kwargs)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
            logger = kwargs.get("logger")
            if logger is not None:
                logger.warning("Result not checkpointed (it cannot be pickled: %s); "
                               "this task run will run again on resume.", exc)
            skipped = self.copy()
            skipped.value, skipped.location = value, None
            return skipped


class RunRecord:
    """The directory of one run, kept up to date while the run goes.

    ``write_event`` is called from worker threads, so writes share a lock: one
    event is always one whole line.
    """

    def __init__(self, root: Path, flow_name: str, target: str, parameters: dict,
                 checkpoint: bool, resumed_from: str | None = None, executor: str = "local") -> None:
        self.run_id = new_run_id()
        self.path = root / "runs" / self.run_id
        self.parameters = parameters
        self.meta: dict[str, Any] = {
            "run_id": self.run_id, "flow": flow_name, "target": target,
            "parameters": _jsonable(parameters), "executor": executor,
            "started": _now().isoformat(), "ended": None, "duration_s": None, "state": "Running",
            "pid": os.getpid(), "host": socket.gethostname(), "checkpoint": checkpoint,
            "resumed_from": resumed_from, "counts": {}, "reused": 0, "ran": 0, "failed": [],
        }
        self._events: Any = None
        self._lock = threading.Lock()
        self.writer: Any = None

    def start(self) -> "RunRecord":
        try:
            self.path.mkdir(parents=True, exist_ok=False)
            self._write_meta()
            try:
                data = pickle.dumps(self.parameters)
            except Exception:  # noqa: BLE001 - meta.json still has the JSON form
                data = None
            if data is not None:
                atomic_write(str(self.path / "parameters.pkl"), data)
            self._events = open(self.path / "events.ndjson", "a", encoding="utf-8", buffering=1)
        except OSError as exc:
            raise RunRecordError(f"Cannot write the run record {str(self.path)!r}: "
                                 f"{exc.strerror or exc}. Pass --state-dir (or set {STATE_DIR_ENV}) "
                                 f"to a writable directory.") from None
        return self

    def _write_meta(self) -> None:
        atomic_write(str(self.path / "meta.json"), json.dumps(self.meta, indent=2, default=str).encode())

    def write_event(self, record: dict | None) -> None:
        """Append one NDJSON record (already in the ``--output json`` shape)."""
        if record is None:
            return
        line = json.dumps(record, default=str) + "\n"
        with self._lock:
            if self._events is not None:
                self._events.write(line)

    def checkpoint_result(self) -> LocalResult:
        """Where this run's task results are checkpointed."""
        from flowctl.engine.results.background import BackgroundWriter

        if self.writer is None:
            self.writer = BackgroundWriter()
        return CheckpointResult(dir=self.path / "results", location=CHECKPOINT_LOCATION, writer=self.writer)

    def flush_checkpoints(self) -> None:
        """Wait until every queued checkpoint is on disk (before the record says the run ended)."""
        if self.writer is not None:
            writer, self.writer = self.writer, None
            for error in writer.close():
                import logging

                logging.getLogger("flowctl").warning("A checkpoint could not be written: %s", error)

    def finish(self, state_name: str, duration_s: float, counts: dict, failed: list,
               reused: int, ran: int) -> None:
        self.flush_checkpoints()
        self.meta.update(ended=_now().isoformat(), duration_s=round(duration_s, 3), state=state_name,
                         counts=counts, failed=failed, reused=reused, ran=ran)
        self._write_meta()
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._events is not None:
                self._events.close()
                self._events = None


# -- reading records -------------------------------------------------------------------
def _pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def effective_state(meta: dict) -> str:
    """The recorded state, except that a ``Running`` run whose process is gone is ``Crashed``.

    A run killed with SIGKILL (or a lost machine) never closes its record.
    On another host the pid means nothing, so such a run stays ``Running``.
    """
    state = str(meta.get("state") or "Unknown")
    if state != "Running" or meta.get("host", socket.gethostname()) != socket.gethostname():
        return state
    return state if _pid_alive(meta.get("pid")) else CRASHED


def list_runs(root: Path) -> list[dict]:
    """Every readable run record, newest first, with ``path`` and ``effective_state`` added."""
    runs_dir = root / "runs"
    if not runs_dir.is_dir():
        return []
    records = []
    for path in runs_dir.iterdir():
        try:
            meta = json.loads((path / "meta.json").read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(meta, dict):
            continue
        meta["path"] = str(path)
        meta["effective_state"] = effective_state(meta)
        records.append(meta)
    # Ids sort by second only; the start time orders runs begun within the same second.
    return sorted(records, key=lambda m: (str(m.get("started", "")), str(m.get("run_id", ""))), reverse=True)


def find_run(root: Path, run_id: str) -> dict:
    """The record of ``run_id`` (a unique prefix is enough)."""
    runs = list_runs(root)
    matches = [m for m in runs if m.get("run_id") == run_id] or [
        m for m in runs if run_id and str(m.get("run_id", "")).startswith(run_id)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        known = ", ".join(m["run_id"] for m in runs[:5]) or "none yet"
        raise RunRecordError(f"No run {run_id!r} under {str(root / 'runs')!r}. Recent runs: {known} "
                             f"(see `flowctl runs`).")
    raise RunRecordError(f"Run id {run_id!r} is ambiguous: {', '.join(m['run_id'] for m in matches[:5])}. "
                         f"Give more of the id.")


def latest_unsuccessful(root: Path, flow_name: str) -> dict | None:
    """The newest run of ``flow_name`` that did not succeed and is worth resuming.

    Runs still going are skipped, and so are runs a later run already
    resumed: their checkpoints were carried into that later run.
    """
    runs = list_runs(root)
    superseded = {m.get("resumed_from") for m in runs if m.get("resumed_from")}
    for meta in runs:
        if meta.get("flow") != flow_name or meta["run_id"] in superseded:
            continue
        if meta["effective_state"] not in ("Success", "Running"):
            return meta
    return None


def recorded_parameters(meta: dict) -> dict:
    """The exact parameters of a recorded run (the pickle), else their JSON form."""
    try:
        value = pickle.loads((Path(meta["path"]) / "parameters.pkl").read_bytes())
        if isinstance(value, dict):
            return value
    except Exception:  # noqa: BLE001 - fall back to meta.json
        pass
    return dict(meta.get("parameters") or {})


def read_events(run_path: Path) -> list[dict]:
    """The event log; a torn last line (a run killed mid-write) is skipped."""
    events = []
    try:
        with open(Path(run_path) / "events.ndjson", encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    events.append(record)
    except OSError:
        pass
    return events


# -- checkpoints -------------------------------------------------------------------------
def checkpoint_files(run_path: Path) -> list[Path]:
    """Every whole checkpoint of a run (temporary files of an interrupted write are not ``.pkl``)."""
    results = Path(run_path) / "results"
    return sorted(results.glob("*/*.pkl")) if results.is_dir() else []


def carry_over_checkpoints(old_run: Path, new_run: Path) -> int:
    """Link the resumed run's checkpoints into the new run, so each run dir stands alone.

    A resumed run that fails again can then be resumed itself without
    going back to the first run. Hard links cost nothing; a copy (atomic)
    is the fallback where links are not allowed.
    """
    carried = 0
    for source in checkpoint_files(old_run):
        target = Path(new_run) / "results" / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except FileExistsError:
            pass
        except OSError:
            try:
                atomic_write(str(target), source.read_bytes())
            except OSError:
                continue
        carried += 1
    return carried


def _load(path: Path) -> tuple[bool, Any]:
    """Read one checkpoint; a missing or unreadable file counts as absent."""
    try:
        return True, pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - a damaged checkpoint is simply re-run
        return False, None


def load_checkpoints(flow: Any, run_path: Path) -> dict[Any, State]:
    """Task states for a resumed run: ``Cached`` for every checkpointed task and child."""
    from flowctl.core.parameter import Parameter

    results = Path(run_path) / "results"
    states: dict[Any, State] = {}
    if not results.is_dir():
        return states
    for task, slug in flow.slugs.items():
        folder = results / slug
        if isinstance(task, Parameter) or not folder.is_dir():
            continue
        children: dict[int, State] = {}
        for file in folder.glob("*.pkl"):
            ok, value = _load(file)
            if not ok:
                continue
            cached = Cached(message=CHECKPOINT_MESSAGE, result=value)
            cached.location = str(file)
            if file.stem == "None":
                states[task] = cached
            elif file.stem.isdigit():
                children[int(file.stem)] = cached
        if children and task not in states:
            map_states: list = [None] * (max(children) + 1)
            for index, cached in children.items():
                map_states[index] = cached
            states[task] = Mapped(message="Resumed from checkpoints.", map_states=map_states)
    return states


def reused_state_ids(task_states: dict[Any, State]) -> set[int]:
    """Identities of the loaded states, to tell a reused task run's event from one that ran."""
    ids = set()
    for state in task_states.values():
        if isinstance(state, Mapped):
            ids.update(id(child) for child in state.map_states if child is not None)
        else:
            ids.add(id(state))
    return ids
