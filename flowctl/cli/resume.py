"""``flowctl run --resume``: which run to continue, with which parameters, from which states.

A checkpoint is reused only when it is still right: the task that would
recompute it has the same fingerprint (code, inputs, upstream structure,
map index) *and* every task run it reads was reused too. Anything
downstream of a task that runs again (changed, failed, or never
checkpointed because its value could not be pickled) runs again as well.
A stored value is unpickled only after its checksum verifies; a mismatch
warns and the task run is recomputed.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from flowctl.cli.records import RunRecordError
from flowctl.store import secrets as secret_rules
from flowctl.store import values as stored_values

LATEST = ""


@dataclass(slots=True)
class ResumePlan:
    """What a resumed run starts from."""

    run_id: str
    parameters: dict
    task_states: dict
    reused_ids: set = field(default_factory=set)
    payloads: dict = field(default_factory=dict)  # id(state) -> the stored checkpoint, copied into the new run
    recompute_keys: set = field(default_factory=set)  # (id(task), map_index) that had a checkpoint now stale
    secret_sources: dict = field(default_factory=dict)
    had_checkpoints: bool = True
    force: bool = False


def choose_run(root: Path, flow_name: str, run_id: str) -> dict:
    """The run to resume: ``run_id`` if given, else the latest unsuccessful, unresumed run of the flow."""
    from flowctl.store.query import get_run, list_runs

    if run_id == LATEST:
        runs = list_runs(root, flow=flow_name)
        live = {run["run_id"] for run in runs if run["state"] == "Running"}
        for run in runs:
            if run["state"] in ("Success", "Running"):
                continue
            if not run["claimed_by"]:
                return run
            if run["claimed_by"] in live:  # the latest one to resume is being resumed right now
                raise RunRecordError(f"Nothing to resume now: run {run['run_id']} is being resumed by run "
                                     f"{run['claimed_by']}; wait for it to finish "
                                     f"(see `flowctl runs show {run['claimed_by']}`).")
        raise RunRecordError(f"Nothing to resume: no unfinished or failed run of flow {flow_name!r} in "
                             f"{str(root)!r} (see `flowctl runs`). Run it without --resume.")
    matches = get_run(root, run_id)
    if not matches:
        from flowctl.utilities.suggest import did_you_mean

        recorded = [r["run_id"] for r in list_runs(root)]
        known = ", ".join(recorded[:5]) or "none yet"
        raise RunRecordError(f"No run {run_id!r} in {str(root)!r}.{did_you_mean(run_id, recorded)} "
                             f"Recent runs: {known} (see `flowctl runs`).")
    if len(matches) > 1:
        raise RunRecordError(f"Run id {run_id!r} is ambiguous: {', '.join(r['run_id'] for r in matches[:5])}. "
                             f"Give more of the id.")
    run = matches[0]
    if run["flow"] != flow_name:
        raise RunRecordError(f"Run {run['run_id']} is of flow {run['flow']!r}, not {flow_name!r}; "
                             f"resume it with the target it ran ({run['target']!r}).")
    return run


def recorded_parameters(root: Path, run: dict) -> dict:
    """The exact (non-secret) parameters of a recorded run, verified before they are unpickled."""
    from flowctl.store.query import parameter_blob

    data, digest = parameter_blob(root, run["id"])
    if data is not None and digest is not None and stored_values.checksum(data) == digest:
        value = stored_values.loads(data)
        if isinstance(value, dict):
            return value
    return {k: v for k, v in (run.get("parameters") or {}).items() if v != secret_rules.MASK}


def secret_parameters(run: dict, explicit: dict) -> dict:
    """Secret values of the resumed run, read again from their environment variables."""
    values = {}
    for name, source in (run.get("secret_sources") or {}).items():
        if name in explicit:
            continue
        variable = source.get("env") if isinstance(source, dict) else None
        if variable and variable in os.environ:
            values[name] = os.environ[variable]
            continue
        how = f"environment variable {variable} is not set" if variable else "its value was not recorded"
        raise RunRecordError(f"Parameter {name!r} of run {run['run_id']} is secret and {how}. Pass it again: "
                             f"-p {name}=@env:VAR (or -p {name}=VALUE).")
    return values


def collect_explicit(flow: Any, flags: Iterable[str], files: Iterable[str], recorded: dict) -> dict:
    """The parameters given on this command line, without demanding the recorded ones again."""
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


def merge_parameters(flow: Any, recorded: dict, explicit: dict, force: bool, run_id: str,
                     secret_names: set) -> dict:
    """The recorded parameters overlaid with ``explicit``; a difference needs ``force``."""
    defaults = {p.name: p.default for p in flow.parameters() if not p.required}
    changed = []
    for name, value in explicit.items():
        if name in secret_names:
            continue
        before = recorded.get(name, defaults.get(name))
        if not _same(before, value):
            changed.append(f"{name}: {before!r} -> {value!r}")
    if changed and not force:
        raise RunRecordError(
            f"Run {run_id} ran with different parameters ({'; '.join(changed)}). Its checkpoints were "
            f"computed from the old values, so mixing them could give a wrong result. Drop the changed "
            f"--param/--params-file values, pass --force to resume anyway (what the change affects is "
            f"recomputed), or start a new run without --resume.")
    return {**recorded, **explicit}


def plan_resume(root: Path, flow: Any, run_id: str, flags: Iterable[str], files: Iterable[str],
                force: bool) -> ResumePlan:
    """Everything ``run`` needs to continue a recorded run of ``flow`` (a store it cannot trust: exit 2)."""
    import sqlite3

    try:
        return _plan(root, flow, run_id, flags, files, force)
    except (OSError, sqlite3.Error) as exc:
        raise RunRecordError(f"Cannot resume from the run store in {str(root)!r}: {exc}") from None


def _plan(root: Path, flow: Any, run_id: str, flags: Iterable[str], files: Iterable[str],
          force: bool) -> ResumePlan:
    from flowctl.store.reuse import reusable_states

    flags = list(flags)
    run = choose_run(root, flow.name, run_id)
    recorded = recorded_parameters(root, run)
    explicit = collect_explicit(flow, flags, files, {**recorded, **(run.get("secret_sources") or {})})
    secrets = secret_parameters(run, explicit)
    sources = {name: s["env"] for name, s in (run.get("secret_sources") or {}).items()
               if isinstance(s, dict) and s.get("env") and name not in explicit}
    names = set(run.get("secret_sources") or {}) | secret_rules.secret_names(explicit, secret_rules.env_sources(flags))
    parameters = {**merge_parameters(flow, recorded, explicit, force, run["run_id"], names), **secrets}
    plan = ResumePlan(run["run_id"], parameters, {}, secret_sources=sources,
                      had_checkpoints=bool(run.get("checkpoint", True)), force=force)
    sources_now = {**sources, **secret_rules.env_sources(flags)}
    all_names = secret_rules.secret_names(parameters, sources_now) | set(sources_now)
    warnings = reusable_states(root, flow, run, parameters, all_names, plan)
    for warning in warnings[:5]:
        print(f"Warning: {warning}", file=sys.stderr)
    if len(warnings) > 5:
        print(f"Warning: ... and {len(warnings) - 5} more checkpoints could not be trusted.", file=sys.stderr)
    return plan


__all__ = ["ResumePlan", "plan_resume", "choose_run", "LATEST"]
