"""``flowctl run --resume``: which run to continue, with which parameters, from which states.

Resuming is only safe when the new run computes the same thing as the old
one, so the plan refuses a run of another flow, a run still going, and
(without ``--force``) parameters that differ from the recorded ones.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from flowctl.cli.records import (RunRecordError, effective_state, find_run, latest_unsuccessful,
                                 load_checkpoints, recorded_parameters, reused_state_ids)

LATEST = ""


@dataclass(slots=True)
class ResumePlan:
    """What a resumed run starts from."""

    run_id: str
    run_path: Path
    parameters: dict
    task_states: dict
    reused_ids: set = field(default_factory=set)
    had_checkpoints: bool = True


def choose_run(root: Path, flow_name: str, run_id: str) -> dict:
    """The record to resume: ``run_id`` if given, else the latest unsuccessful run of the flow."""
    if run_id == LATEST:
        meta = latest_unsuccessful(root, flow_name)
        if meta is None:
            raise RunRecordError(f"Nothing to resume: no unfinished or failed run of flow {flow_name!r} "
                                 f"under {str(root / 'runs')!r} (see `flowctl runs`). Run it without --resume.")
        return meta
    meta = find_run(root, run_id)
    if meta.get("flow") != flow_name:
        raise RunRecordError(f"Run {meta['run_id']} is of flow {meta.get('flow')!r}, not {flow_name!r}; "
                             f"resume it with the target it ran ({meta.get('target')!r}).")
    if effective_state(meta) == "Running":
        raise RunRecordError(f"Run {meta['run_id']} is still running (pid {meta.get('pid')}); "
                             f"wait for it or stop it before resuming.")
    return meta


def collect_explicit(flow: Any, flags: Iterable[str], files: Iterable[str], recorded: dict) -> dict:
    """The parameters given on this command line, without demanding the recorded ones again.

    ``collect_parameters`` insists on every required parameter; on resume
    those come from the record, so they are marked optional for the call.
    """
    from flowctl.cli.params import collect_parameters

    relaxed = [p for p in flow.parameters() if p.required and p.name in recorded]
    for parameter in relaxed:
        parameter.required = False
    try:
        return collect_parameters(flow, flags, files)
    finally:
        for parameter in relaxed:
            parameter.required = True


def _same(left: Any, right: Any) -> bool:
    """Equal values, or equal once stored as JSON (a tuple parameter recorded as a list)."""
    try:
        if left == right:
            return True
    except Exception:  # noqa: BLE001 - odd __eq__; compare the stored forms
        pass
    dump = lambda value: json.dumps(value, default=str, sort_keys=True)  # noqa: E731
    return dump(left) == dump(right)


def merge_parameters(flow: Any, recorded: dict, explicit: dict, force: bool, run_id: str) -> dict:
    """The recorded parameters overlaid with ``explicit``; a difference needs ``force``."""
    defaults = {p.name: p.default for p in flow.parameters() if not p.required}
    changed = []
    for name, value in explicit.items():
        before = recorded.get(name, defaults.get(name))
        if not _same(before, value):
            changed.append(f"{name}: {before!r} -> {value!r}")
    if changed and not force:
        raise RunRecordError(
            f"Run {run_id} ran with different parameters ({'; '.join(changed)}). Its checkpoints were "
            f"computed from the old values, so mixing them could give a wrong result. Drop the changed "
            f"--param/--params-file values, pass --force to resume anyway, or start a new run without --resume.")
    return {**recorded, **explicit}


def plan_resume(root: Path, flow: Any, run_id: str, flags: Iterable[str], files: Iterable[str],
                force: bool) -> ResumePlan:
    """Everything ``run`` needs to continue a recorded run of ``flow``."""
    meta = choose_run(root, flow.name, run_id)
    recorded = recorded_parameters(meta)
    explicit = collect_explicit(flow, flags, files, recorded)
    parameters = merge_parameters(flow, recorded, explicit, force, meta["run_id"])
    run_path = Path(meta["path"])
    task_states = load_checkpoints(flow, run_path)
    return ResumePlan(meta["run_id"], run_path, parameters, task_states, reused_state_ids(task_states),
                      had_checkpoints=bool(meta.get("checkpoint", True)))
