"""Run records: every ``flowctl run`` leaves a directory to inspect and resume from.

``<state-dir>/runs/<run-id>/`` holds ``meta.json`` (flow, target, parameters,
start/end, final state, counts), ``events.ndjson`` (the run's events, written
as they happen) and ``results/<task-slug>/<map-index>.pkl`` (checkpoints,
written atomically through the engine's ``LocalResult``). A resumed run loads
those checkpoints as ``Cached`` states and runs only the rest.
"""
from __future__ import annotations

import datetime
import json
import os
import secrets
from pathlib import Path
from typing import Any

from flowctl.engine.results.local_result import LocalResult, atomic_write
from flowctl.engine.state import Cached, Mapped, State
from flowctl.exceptions import FlowctlError

STATE_DIR_ENV = "FLOWCTL_STATE_DIR"
CHECKPOINT_LOCATION = "{task_slug}/{map_index}.pkl"
CHECKPOINT_MESSAGE = "Loaded from checkpoint."


class RunRecordError(FlowctlError, ValueError):
    """A run id or state directory that cannot be used."""


def state_dir(option: Path | None) -> Path:
    """``--state-dir``, else ``$FLOWCTL_STATE_DIR``, else ``./.flowctl``."""
    raw = option if option is not None else os.environ.get(STATE_DIR_ENV) or ".flowctl"
    path = Path(raw).expanduser()
    if path.exists() and not path.is_dir():
        raise RunRecordError(f"State directory {str(path)!r} exists and is not a directory.")
    return path


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def new_run_id() -> str:
    """Sortable by start time, unique across concurrent runs."""
    return f"{_now().strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


class RunRecord:
    """The directory of one run, kept up to date while the run goes."""

    def __init__(self, root: Path, flow_name: str, target: str, parameters: dict,
                 checkpoint: bool, resumed_from: str | None = None) -> None:
        self.run_id = new_run_id()
        self.path = root / "runs" / self.run_id
        self.meta: dict[str, Any] = {
            "run_id": self.run_id, "flow": flow_name, "target": target, "parameters": parameters,
            "started": _now().isoformat(), "ended": None, "duration_s": None, "state": "Running",
            "pid": os.getpid(), "checkpoint": checkpoint, "resumed_from": resumed_from,
            "counts": {}, "reused": 0, "ran": 0, "failed": [],
        }
        self._events: Any = None

    def start(self) -> "RunRecord":
        try:
            self.path.mkdir(parents=True, exist_ok=False)
        except OSError as exc:
            raise RunRecordError(f"Cannot create the run directory {str(self.path)!r}: {exc.strerror}.") from None
        self._write_meta()
        self._events = open(self.path / "events.ndjson", "a", encoding="utf-8", buffering=1)
        return self

    def _write_meta(self) -> None:
        atomic_write(str(self.path / "meta.json"), json.dumps(self.meta, indent=2, default=str).encode())

    def write_event(self, record: dict | None) -> None:
        """Append one NDJSON record (already in the ``--output json`` shape)."""
        if record is not None and self._events is not None:
            self._events.write(json.dumps(record, default=str) + "\n")

    def checkpoint_result(self) -> LocalResult:
        """Where this run's task results are checkpointed."""
        return LocalResult(dir=self.path / "results", location=CHECKPOINT_LOCATION)

    def finish(self, state_name: str, duration_s: float, counts: dict, failed: list,
               reused: int, ran: int) -> None:
        self.meta.update(ended=_now().isoformat(), duration_s=round(duration_s, 3), state=state_name,
                         counts=counts, failed=failed, reused=reused, ran=ran)
        self._write_meta()
        self.close()

    def close(self) -> None:
        if self._events is not None:
            self._events.close()
            self._events = None


def list_runs(root: Path) -> list[dict]:
    """Every readable run record, newest first."""
    runs_dir = root / "runs"
    if not runs_dir.is_dir():
        return []
    records = []
    for path in runs_dir.iterdir():
        try:
            meta = json.loads((path / "meta.json").read_text())
        except (OSError, ValueError):
            continue
        meta["path"] = str(path)
        records.append(meta)
    return sorted(records, key=lambda m: m.get("run_id", ""), reverse=True)


def find_run(root: Path, run_id: str) -> dict:
    """The record of ``run_id`` (a unique prefix is enough)."""
    runs = list_runs(root)
    matches = [m for m in runs if m.get("run_id") == run_id] or [
        m for m in runs if str(m.get("run_id", "")).startswith(run_id)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        known = ", ".join(m["run_id"] for m in runs[:5]) or "none yet"
        raise RunRecordError(f"No run {run_id!r} under {str(root / 'runs')!r}. Recent runs: {known}.")
    raise RunRecordError(f"Run id {run_id!r} is ambiguous: {', '.join(m['run_id'] for m in matches[:5])}.")


def latest_unsuccessful(root: Path, flow_name: str) -> dict | None:
    """The newest run of ``flow_name`` that did not succeed."""
    for meta in list_runs(root):
        if meta.get("flow") == flow_name and meta.get("state") != "Success":
            return meta
    return None


def _load(path: Path) -> tuple[bool, Any]:
    """Read one checkpoint; a missing or unreadable file counts as absent."""
    import pickle

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
