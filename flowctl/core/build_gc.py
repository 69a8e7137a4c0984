"""Fewer full garbage collections while ``with Flow(...)`` blocks are open.

Building a flow allocates long-lived objects only: every task copy, its
attribute dict and tags, every edge and edge set stays alive as long as the
flow. CPython's collector nevertheless rescans the whole heap each time its
oldest generation is due (every 10 middle-generation collections, once the
heap has grown by a quarter), so a 100,000-task build paid for about six
full scans of everything built so far: most of its cost, for no garbage.

While at least one flow is being built (in any thread), the oldest
generation's threshold is multiplied by ``DEFERRAL``. Nothing else changes:

- the young generations are collected as usual, so cyclic garbage made by
  user code inside the block is still freed as it dies young;
- full collections are postponed, not disabled: one still happens every
  ``DEFERRAL`` times as many allocations, so even a block that is never
  exited (``flow.__enter__()`` without ``__exit__``) keeps collecting;
- the threshold is restored when the last open block exits, on an exception
  too (``Flow.__exit__`` runs its exit stack), and only if nobody changed it
  meanwhile (a user's own ``gc.set_threshold`` wins);
- blocks nest across threads through one counter under a lock.

The heap is not frozen (``gc.freeze()`` stays the CLI's choice for runs):
the next full collection after the block scans the new flow once.
"""
from __future__ import annotations

import gc
import threading

#: How many times rarer full collections are while a flow is built.
DEFERRAL = 100

_lock = threading.Lock()
_open_blocks = 0
_restore: tuple[int, int] | None = None  # (threshold we set, threshold to restore)


def building_started() -> None:
    """A ``with Flow`` block was entered: defer full collections (once, for the first block)."""
    global _open_blocks, _restore
    with _lock:
        _open_blocks += 1
        if _open_blocks == 1:
            young, middle, oldest = gc.get_threshold()
            deferred = max(oldest, 1) * DEFERRAL
            gc.set_threshold(young, middle, deferred)
            _restore = (deferred, oldest)


def building_ended() -> None:
    """A ``with Flow`` block exited: restore the threshold when it was the last one open."""
    global _open_blocks, _restore
    with _lock:
        _open_blocks -= 1
        if _open_blocks == 0 and _restore is not None:
            young, middle, oldest = gc.get_threshold()
            deferred, original = _restore
            if oldest == deferred:
                gc.set_threshold(young, middle, original)
            _restore = None


def deferring() -> bool:
    """Whether full collections are deferred now (some flow is being built)."""
    return _open_blocks > 0
