"""Signals between a driver and the worker processes it starts.

Worker processes must neither outlive their driver (a SIGKILLed runner must
leave no orphans) nor react to the terminal's Ctrl-C themselves (the driver
handles it, cancels their work and stops them, so the user sees one clean
summary and no worker tracebacks).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import threading
from contextlib import contextmanager
from typing import Iterator

_PR_SET_PDEATHSIG = 1


def die_with_parent(expected_parent: int | None = None) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (a no-op elsewhere).

    The parent may already have died before the request was made: then exit now.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if expected_parent is not None and os.getppid() != expected_parent:
        os._exit(1)


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while worker processes are started, so they inherit "ignore".

    Only the main thread may change signal handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
