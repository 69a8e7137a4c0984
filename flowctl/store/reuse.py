"""Which checkpoints of a recorded run a resumed run may reuse.

Two conditions, checked task by task in topological order:

1. the stored task run has the fingerprint the task has *now* (same code,
   inputs, upstream structure, map index);
2. every task run it reads is itself reused. A mapped child ``i`` reading
   child ``i`` of a mapped upstream needs only that child; anything else
   needs the whole upstream (every child, for a mapped one).

Reused task runs start ``Success`` ("Loaded from checkpoint."): a finished
state the scheduler keeps as it is (a ``Cached`` one would be validated
again, as Prefect 1 does with caches). So whatever is downstream of a task
that runs again, because it changed,
failed, or its value could not be pickled, runs again too. The stored
task runs that are not reused are remembered as *recomputed* for the
summary.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flowctl.store import values as stored_values
from flowctl.store.db import NO_INDEX, connect, store_salt
from flowctl.store.fingerprint import flow_fingerprints

CHECKPOINT_MESSAGE = "Loaded from checkpoint."


class _Reuse:
    """Walks the flow once, deciding task by task (see the module docstring)."""

    def __init__(self, root: Path, flow: Any, plan: Any, prints: dict, stored: tuple) -> None:
        self.root, self.flow, self.plan, self.prints = root, flow, plan, prints
        self.stored, self.succeeded, self.sizes = stored
        self.whole: dict[Any, bool] = {}
        self.children: dict[Any, set] = {}
        self.warnings: list[str] = []

    def cached(self, row: tuple) -> Any:
        """The reused state of one stored task run, or None when its value cannot be trusted."""
        from flowctl.engine.state import Success

        index, inline, digest, blob = row
        try:
            value = stored_values.loads(stored_values.read_bytes(self.root, inline, digest, blob))
        except stored_values.CorruptCheckpoint as exc:
            self.warnings.append(f"checkpoint not reused ({exc}); that task run is recomputed.")
            return None
        except Exception as exc:  # noqa: BLE001 - a value that no longer unpickles is recomputed
            self.warnings.append(f"checkpoint could not be loaded ({type(exc).__name__}: {exc}); it is recomputed.")
            return None
        state = Success(message=CHECKPOINT_MESSAGE, result=value)
        self.plan.reused_ids.add(id(state))
        self.plan.payloads[id(state)] = (inline, digest, blob)
        return state

    def upstreams_whole(self, task: Any, mapped_edges: bool = True) -> bool:
        return all(self.whole.get(e.upstream_task) for e in self.flow.edges_to(task)
                   if mapped_edges or not e.mapped)

    def child_ok(self, task: Any, index: int) -> bool:
        """Child ``index`` reads only reused task runs: whole upstreams, or child ``index`` of a mapped one."""
        for edge in self.flow.edges_to(task):
            upstream = edge.upstream_task
            if self.whole.get(upstream):
                continue
            if edge.mapped and not edge.flattened and index in self.children.get(upstream, ()):
                continue
            return False
        return True

    def plain(self, task: Any, rows: list, done_before: set) -> None:
        row = next((r for r in rows if r[0] == NO_INDEX), None)
        state = self.cached(row) if row is not None and self.upstreams_whole(task) else None
        self.whole[task] = state is not None
        if state is not None:
            self.plan.task_states[task] = state
        elif NO_INDEX in done_before:
            self.plan.recompute_keys.add((id(task), None))

    def mapped(self, task: Any, rows: list, done_before: set) -> None:
        from flowctl.engine.state import Mapped

        reused: dict[int, Any] = {}
        for row in rows:
            if row[0] >= 0 and self.child_ok(task, row[0]):
                state = self.cached(row)
                if state is not None:
                    reused[row[0]] = state
        self.children[task] = set(reused)
        size = self.sizes.get(self.prints[task])
        self.whole[task] = size is not None and len(reused) == size and self.upstreams_whole(task, False)
        self.plan.recompute_keys.update((id(task), i) for i in done_before if i >= 0 and i not in reused)
        if reused:
            map_states: list = [None] * (max(reused) + 1)
            for index, state in reused.items():
                map_states[index] = state
            self.plan.task_states[task] = Mapped(message="Resumed from checkpoints.", map_states=map_states)


def reusable_states(root: Path, flow: Any, run: dict, parameters: dict, secret_names: set, plan: Any) -> list[str]:
    """Fill ``plan`` (task states, reused ids, payloads, recompute keys); return warnings."""
    from flowctl.core.parameter import Parameter
    from flowctl.store.query import checkpoints

    connection = connect(root, create=False)
    try:
        salt = store_salt(connection)
    finally:
        connection.close()
    prints = flow_fingerprints(flow, parameters, secret_names, salt)
    walk = _Reuse(root, flow, plan, prints, checkpoints(root, run["id"]))
    for task in flow.sorted_tasks():
        if isinstance(task, Parameter):
            walk.whole[task] = True
            continue
        rows = walk.stored.get(prints[task], [])
        done_before = walk.succeeded.get(flow.slugs.get(task, task.name), set())
        if any(edge.mapped for edge in flow.edges_to(task)):
            walk.mapped(task, rows, done_before)
        else:
            walk.plain(task, rows, done_before)
    return walk.warnings


__all__ = ["reusable_states", "CHECKPOINT_MESSAGE"]
