"""The run store: one SQLite database per state directory (see ``db`` for the layout).

Used by the CLI only; nothing here imports typer or rich. ``runs`` records a
run in progress (writer thread, heartbeat), ``query`` reads runs back,
``fingerprint`` and ``reuse`` decide which checkpoints a resume may reuse,
``values`` stores and verifies checkpoint values, ``prune`` deletes old runs
and ``secrets`` keeps secret parameters out of everything.
"""
from flowctl.store.db import StoreError, connect
from flowctl.store.prune import DEFAULT_KEEP
from flowctl.store.runs import CRASHED, HEARTBEAT_S, STALE_S, ActiveRun, ResumeRefused

__all__ = ["ActiveRun", "ResumeRefused", "StoreError", "connect", "DEFAULT_KEEP", "CRASHED",
           "HEARTBEAT_S", "STALE_S"]
