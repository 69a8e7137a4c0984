"""Debugging helpers: let the first exception inside a task run propagate."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

_state = threading.local()
_global_depth = 0


def raising() -> bool:
    """True inside ``raise_on_exception()`` (on any thread of the process)."""
    return _global_depth > 0


@contextmanager
def raise_on_exception() -> Iterator[None]:
    """Under this block, exceptions in task runs propagate instead of becoming ``Failed``.

    The context says so too (``context.raise_on_exception`` is True), as in Prefect 1; the engine
    reads a process-wide count instead, so task runs on worker threads raise as well.
    """
    from flowctl.utilities.context import context

    global _global_depth
    _global_depth += 1
    try:
        with context(raise_on_exception=True):
            yield
    finally:
        _global_depth -= 1


def is_serializable(obj: object, raise_on_error: bool = False) -> bool:
    """Whether ``obj`` survives a cloudpickle round trip (what process and Dask executors need)."""
    import cloudpickle

    try:
        cloudpickle.loads(cloudpickle.dumps(obj))
        return True
    except Exception:
        if raise_on_error:
            raise
        return False
