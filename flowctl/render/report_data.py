"""The plain-data picture of a finished run that the HTML report draws.

Two sources give the same dict, so ``flowctl run --report`` and
``flowctl runs show ID --html`` draw identical pages:
``run_data_from_model`` (a run that just ended in this process) and
``run_data_from_record`` (a recorded run's meta and NDJSON events).

Shape (every value JSON-friendly)::

    {"flow", "run_id", "state", "started" (epoch s), "duration_s", "parameters": {name: shown},
     "counts": {state: n}, "tasks": [{"name", "kind", "state", "mapped", "n", "children": {state: n}}],
     "edges": [{"from", "to", "key", "mapped"}], "runs": [{"task", "map_index", "start", "end", "lane", "state"}],
     "failures": [{"task", "map_index", "message", "traceback"}],
     "logs": [{"time", "level", "task", "map_index", "message"}]}
"""
from __future__ import annotations

import datetime
from collections import Counter
from typing import Any, Iterable

from flowctl.render.secrets import redact_parameters, scrubber
from flowctl.render.tracebacks import trim_traceback_text


def graph_data(flow: Any) -> tuple[list[dict], list[dict]]:
    """Tasks (id, name and kind) and edges (between ids) of ``flow``, in topological order.

    Ids, not names, tie edges to tasks: a flow may call one task several times.
    """
    from flowctl.core.parameter import Parameter

    ordered = list(flow.sorted_tasks())
    ids = {task: f"t{i}" for i, task in enumerate(ordered)}
    tasks = [{"id": ids[task], "name": task.name, "kind": "parameter" if isinstance(task, Parameter) else "task"}
             for task in ordered]
    edges = [{"from": ids[edge.upstream_task], "to": ids[edge.downstream_task], "key": edge.key,
              "mapped": bool(edge.mapped)} for edge in flow.edges
             if edge.upstream_task in ids and edge.downstream_task in ids]
    return tasks, edges


def graph_record(flow: Any) -> dict:
    """An event for a run record, so ``runs show --html`` can draw the graph later."""
    tasks, edges = graph_data(flow)
    return {"event": "graph", "flow": flow.name, "tasks": tasks, "edges": edges}


def run_data_from_model(model: Any, summary: Any, parameters: dict | None, secret: Iterable[str] = ()) -> dict:
    """The report data of a run this process just watched (``RunModel`` with ``keep_units``).

    ``secret`` names parameters marked secret besides those named like one;
    their values are redacted, and scrubbed from messages and logs.
    """
    clean = scrubber(parameters, secret)
    tasks, edges = graph_data(model.flow)
    _version, rows, _info = model.snapshot()
    by_task = {row.task: row for row in rows}
    for task, flow_task in zip(tasks, model.flow.sorted_tasks()):
        row = by_task.get(flow_task)
        if row is not None:
            task.update(state=row.state, mapped=row.mapped, n=row.n,
                        children={k: v for k, v in row.child_states.items() if v > 0})
            if summary.interrupted and row.category in ("running", "retrying"):
                task["state"] = "Cancelled"
    runs = [{"task": name, "map_index": index, "start": start, "end": end, "lane": lane,
             "state": type(state).__name__}
            for name, index, start, end, lane, state in list(model.timeline)]
    logs = [{"time": at, "level": level, "task": task_name, "map_index": index,
             "message": clean(trim_traceback_text(message))}
            for at, level, task_name, index, message in list(model.logs)]
    failures = [{"task": f.task, "map_index": f.map_index, "message": clean(f.message),
                 "traceback": clean(f.traceback)} for f in summary.failures]
    started = model.flow_started or model.created
    return {"flow": summary.flow, "run_id": summary.run_id, "state": summary.state, "started": started,
            "duration_s": summary.duration_s, "parameters": redact_parameters(parameters or {}, secret),
            "counts": dict(summary.counts), "tasks": tasks, "edges": edges, "runs": runs,
            "failures": failures, "logs": logs}


def _epoch(iso: Any) -> float | None:
    try:
        return datetime.datetime.fromisoformat(str(iso)).timestamp()
    except ValueError:
        return None


def run_data_from_record(meta: dict, events: Iterable[dict], task_runs: Iterable[dict] | None = None) -> dict:
    """The report data of a recorded run: its meta data and its event records.

    A store that logs routine child transitions only as task-run rows passes
    them as ``task_runs`` (``{"task", "map_index", "state", "started",
    "ended"}``, times in epoch seconds): they then give the timeline and each
    task's final state instead of the events.
    """
    tasks: list[dict] = []
    edges: list[dict] = []
    known: dict[str, dict] = {}
    runs: list[dict] = []
    logs: list[dict] = []
    started_at: dict[tuple[Any, Any], float] = {}
    last: dict[tuple[Any, Any], str] = {}
    summary: dict = {}
    for event in events:
        kind = event.get("event")
        if kind == "graph":
            tasks, edges = list(event.get("tasks") or []), list(event.get("edges") or [])
            known = {task["name"]: task for task in tasks}
        elif kind == "task_state":
            _task_state(event, started_at, last, runs)
        elif kind == "log":
            logs.append({"time": _epoch(event.get("time")) or 0.0, "level": event.get("level"),
                         "task": event.get("task"), "map_index": event.get("map_index"),
                         "message": trim_traceback_text(str(event.get("message")))})
        elif kind == "summary":
            summary = event
    if task_runs is not None:
        runs, last = _from_task_runs(task_runs)
    _fill_tasks(tasks, known, last)
    counts = summary.get("counts") or meta.get("counts") or dict(Counter(
        state for (task, index), state in last.items() if state != "Mapped"))
    failures = [{"task": f.get("task"), "map_index": f.get("map_index"), "message": f.get("message"),
                 "traceback": ""} for f in (summary.get("failed") or meta.get("failed") or [])]
    return {"flow": meta.get("flow"), "run_id": meta.get("run_id"),
            "state": summary.get("state") or meta.get("effective_state") or meta.get("state"),
            "started": _epoch(meta.get("started")) or (runs[0]["start"] if runs else 0.0),
            "duration_s": float(meta.get("duration_s") or summary.get("duration_s") or 0.0),
            "parameters": redact_parameters(meta.get("parameters") or {}), "counts": counts, "tasks": tasks,
            "edges": edges, "runs": runs, "failures": failures, "logs": logs}


def _task_state(event: dict, started_at: dict, last: dict, runs: list) -> None:
    key = (event.get("task"), event.get("map_index"))
    state, at = str(event.get("state")), _epoch(event.get("time")) or 0.0
    last[key] = state
    if state == "Running":
        started_at.setdefault(key, at)
    elif state not in ("Pending", "Retrying", "Mapped", "Scheduled", "Submitted", "Queued"):
        start = started_at.pop(key, None)
        if start is not None:
            runs.append({"task": key[0], "map_index": key[1], "start": start, "end": at, "lane": "record",
                         "state": state})


def _from_task_runs(task_runs: Iterable[dict]) -> tuple[list[dict], dict]:
    runs: list[dict] = []
    last: dict[tuple[Any, Any], str] = {}
    for row in task_runs:
        key = (row.get("task"), row.get("map_index"))
        state = str(row.get("state"))
        last[key] = state
        if row.get("started") is not None and row.get("ended") is not None:
            runs.append({"task": key[0], "map_index": key[1], "start": float(row["started"]),
                         "end": float(row["ended"]), "lane": "record", "state": state})
    return runs, last


def _fill_tasks(tasks: list[dict], known: dict[str, dict], last: dict) -> None:
    """Final states per task (mapped tasks: their children's counts); tasks seen only in events are added."""
    for (name, index), state in last.items():
        task = known.get(name)
        if task is None:
            task = known[name] = {"id": name, "name": name, "kind": "task"}
            tasks.append(task)
        if index is None:
            task["state"] = state
            if state == "Mapped":
                task["mapped"] = True
        else:
            task["mapped"] = True
            children = task.setdefault("children", {})
            children[state] = children.get(state, 0) + 1
            task["n"] = task.get("n", 0) + 1
