"""Stopping a timed-out task's thread the next time it runs Python code.

Python cannot kill a thread, but CPython can raise an exception in another
thread (``PyThreadState_SetAsyncExc``): it is raised there at the thread's
next Python instruction. A timed-out task on a worker thread (thread pools,
Dask workers) is stopped that way, so its code goes no further than the
line it was on, its ``finally`` blocks and context managers still run, and
the process keeps what it did (Prefect 1 runs such a task in a spawned
process instead and terminates it, losing its side effects). A call blocked
in C (a long ``time.sleep``, a socket read) cannot be interrupted: the
thread stops as soon as that call returns.

The exception must never land after the task's code has finished (in
flowctl's bookkeeping or in ``threading``'s own): ``ThreadStopper`` makes
interrupting and finishing exclusive under one lock, and a thread that
finishes after an interrupt was sent withdraws it if it has not been raised.

Withdrawing never passes NULL to ``PyThreadState_SetAsyncExc``: on CPython
3.11 that leaves the interpreter's "an exception is pending" flag set for
good, and any thread running under a profiler or tracer (coverage, a
debugger) then spins forever at its next function call. The finishing thread
instead replaces the pending interrupt with one of its own and catches it at
once, which clears the flag. While an interrupted thread is still blocked in
C, a traced thread waits for it (CPython raises the exception only when that
call returns); untraced threads run on.
"""
from __future__ import annotations

import ctypes
import sys
import threading
import time
from typing import Any, Callable

# (a PyDLL function: the GIL stays held across the call, so no other thread runs in between)
_set_async_exc = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.py_object)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi))


class TaskInterrupted(BaseException):
    """Raised inside a timed-out task's thread. A ``BaseException``, as ``KeyboardInterrupt`` is,
    so a task's ``except Exception`` does not swallow it."""


class _Withdrawn(BaseException):
    """What a finishing thread raises in itself to drop an interrupt that was not raised yet."""


def _check_point() -> None:
    """A Python call: its first instruction raises whatever exception is pending for the thread."""


#: Modules whose code an exception must not cut through: thread and import machinery, context
#: managers being entered or left, flowctl's own bookkeeping and the live view.
_CRITICAL = ("threading", "queue", "concurrent.", "importlib", "contextlib", "weakref", "_weakrefset", "rich",
             "flowctl.engine", "flowctl.utilities", "flowctl.executors", "flowctl.render", "flowctl.store")
#: Functions, in any module, that take or give back a lock (logging's ``Handler.acquire`` takes
#: its lock before the ``try`` that releases it): an exception raised in them would leave it taken.
_LOCKING = ("acquire", "release", "lock", "__enter__", "__exit__")
_POLL = 0.002  # seconds between attempts while the thread is inside such code


class ThreadStopper:
    """Runs one call on its own thread, which ``interrupt`` can stop at its next Python line.

    ``boundary``: the code object of the function that calls the task (frames
    from there down are flowctl's entry); an interrupt is sent only while every
    frame above it is outside ``_CRITICAL`` modules, so it is raised in the
    task's own code. It is sent while holding the GIL just after a wait, so the
    thread cannot move on between the look at its frames and the sending.
    """

    def __init__(self, boundary: Any) -> None:
        self._boundary = boundary
        self._guard = threading.Lock()
        self._finished = False
        self._sent = False
        self._ident: int | None = None

    def run(self, call: Callable[[], Any]) -> None:
        """The thread's target: ``call()`` (unless interrupted before it began), then never an
        interrupt past this point."""
        try:
            with self._guard:
                self._ident = threading.get_ident()
                too_late = self._sent
            if not too_late:
                call()
        except TaskInterrupted:
            pass  # the call was interrupted outside its own error handling
        finally:
            while True:  # (inline: a call would let the interrupt land before its ``try``)
                try:
                    with self._guard:
                        self._finished = True
                        withdraw = self._sent
                    if withdraw:  # replaces a pending interrupt; raised at the call's return or the next
                        _set_async_exc(self._ident, _Withdrawn)
                        _check_point()
                    break
                except TaskInterrupted:
                    continue  # raised while finishing: finish again
                except _Withdrawn:
                    break

    def interrupt(self, within: float) -> bool:
        """Stop the thread at its next line of the task's code: try for ``within`` seconds, then
        keep trying in the background until it is sent or the thread finishes. True when sent."""
        deadline = time.monotonic() + within
        while not self._try_interrupt():
            if self._finished:
                return False
            if time.monotonic() >= deadline:
                threading.Thread(target=self._keep_trying, name="flowctl-interrupt", daemon=True).start()
                return False
            time.sleep(_POLL)
        return True

    def _keep_trying(self) -> None:
        """Until sent or finished, more and more rarely (up to once a second): a thread waiting
        inside such code (a ``queue.get()`` that never returns) may stay there for good."""
        pause = _POLL
        while not self._finished and not self._try_interrupt():
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

    def _try_interrupt(self) -> bool:
        with self._guard:
            if self._finished or self._sent:
                return self._sent
            if self._ident is not None:
                if not self._at_safe_point():
                    return False
                _set_async_exc(self._ident, TaskInterrupted)
            self._sent = True  # (not begun: it stops before it begins)
            return True

    def _at_safe_point(self) -> bool:
        frame = sys._current_frames().get(self._ident)
        while frame is not None and frame.f_code is not self._boundary:
            name = frame.f_code.co_name.lower()
            if (frame.f_globals.get("__name__") or "").startswith(_CRITICAL) or any(w in name for w in _LOCKING):
                return False
            frame = frame.f_back
        return frame is not None
