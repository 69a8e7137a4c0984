"""Fewer full garbage collections while ``with Flow(...)`` blocks are open, and while flows run.

Building a flow allocates long-lived objects only: every task copy, its
attribute dict and tags, every edge and edge set stays alive as long as the
flow. CPython's collector nevertheless rescans the whole heap each time its
oldest generation is due (every 10 middle-generation collections, once the
heap has grown by a quarter), so a 100,000-task build paid for about six
full scans of everything built so far: most of its cost, for no garbage.
Running a flow is alike: each task run's state (each mapped child's too)
lives until the run ends, and a 1,000,000-child map spent 0.7 µs per child
in eight full collections (0.05 µs deferred). ``FlowRunner.run`` so defers
them for the run (``deferred_full_collections``).

While at least one flow is being built or run (in any thread), two thresholds change:

- the oldest generation's threshold is multiplied by ``DEFERRAL`` (times
  the middle threshold plus one, for the reason that follows), so full
  collections are rarer;
- on CPython 3.11 to 3.13, whose collector is generational, the middle
  threshold is set below zero, so every young collection also collects the
  middle generation. A built object is then scanned once on its way to the
  oldest generation, where it would end anyway, instead of twice (once
  young, once in the middle). That is less work, not work moved: a 100,000
  task build scanned a fifth less. Middle collections now come as often as
  young ones, hence the larger deferral of full collections.

What does not change:

- young garbage is collected as usual, so cyclic garbage made by user code
  inside the block is still freed as it dies young;
- full collections are postponed, not disabled: one still happens after
  ``DEFERRAL`` times as many allocations, so even a block that is never
  exited (``flow.__enter__()`` without ``__exit__``) keeps collecting;
- the thresholds are restored when the last open block exits, on an
  exception too (``Flow.__exit__`` runs its exit stack), and only if nobody
  changed them meanwhile (a user's own ``gc.set_threshold`` wins);
- blocks nest across threads through one counter under a lock.

The heap is not frozen (``gc.freeze()`` stays the CLI's choice for runs):
the next full collection after the block scans the new flow once.
"""
from __future__ import annotations

import gc
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

#: How many times rarer full collections are while a flow is built.
DEFERRAL = 100

#: Whether the collector is generational with "count > threshold" triggers (see the module doc).
SWEEPS_MIDDLE = sys.implementation.name == "cpython" and sys.version_info < (3, 14)

_lock = threading.Lock()
_open_blocks = 0
_restore: tuple[tuple, tuple] | None = None  # (thresholds we set, thresholds to restore)


def building_thresholds(young: int, middle: int, oldest: int) -> tuple[int, int, int]:
    """The thresholds while flows are built, given the ones in force before."""
    if SWEEPS_MIDDLE:
        return young, -1, max(oldest, 1) * DEFERRAL * (max(middle, 0) + 1)
    return young, middle, max(oldest, 1) * DEFERRAL


def building_started() -> None:
    """A ``with Flow`` block was entered: set the building thresholds (once, for the first block)."""
    global _open_blocks, _restore
    with _lock:
        _open_blocks += 1
        if _open_blocks == 1:
            before = gc.get_threshold()
            building = building_thresholds(*before)
            gc.set_threshold(*building)
            _restore = (building, before)


def building_ended() -> None:
    """A ``with Flow`` block exited: restore the thresholds when it was the last one open."""
    global _open_blocks, _restore
    with _lock:
        _open_blocks -= 1
        if _open_blocks == 0 and _restore is not None:
            building, before = _restore
            if gc.get_threshold() == building:
                gc.set_threshold(*before)
            _restore = None


def deferring() -> bool:
    """Whether full collections are deferred now (some flow is being built)."""
    return _open_blocks > 0


@contextmanager
def deferred_full_collections() -> Iterator[None]:
    """Full collections deferred inside the block, as in an open ``with Flow`` block (a flow run)."""
    building_started()
    try:
        yield
    finally:
        building_ended()
