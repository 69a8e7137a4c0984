"""Calling a task's ``run``: timeouts, captured stdout, and input helpers.

Timeouts interrupt the task with ``TaskTimeoutSignal``: on the main thread a
``SIGALRM`` timer raises it inside the running code; elsewhere (thread pools,
Dask workers) the call moves to a helper thread, which is interrupted once
the time is up (``thread_interrupt``): it stops at its next line of Python,
or, blocked in a call, when that call returns.
A retry must not start while such a thread still runs, so a unit that runs
away from the scheduler's thread (on a Dask worker or a thread pool) runs
through ``run_holding_retries``, which holds back its ``Retrying`` until the
threads it left behind (recorded through ``note_abandoned``) have returned.
"""
from __future__ import annotations

import datetime
import signal
import threading
from contextlib import redirect_stdout
from typing import Any, Callable

from flowctl.engine.thread_interrupt import ThreadStopper
from flowctl.exceptions import TaskTimeoutSignal
from flowctl.utilities.context import context as flowctl_context
from flowctl.utilities.logging import RedirectToLog, get_logger

#: Prefect 1's warning (from its FlowRunner logger) for a mapped child ``flatten`` cannot expand.
NOT_FLATTENABLE = ("`flatten` was used on upstream task that did not return an iterable. "
                   "The value will be passed downstream unmodified.")


def sliceable(value: Any) -> bool:
    """Whether ``value`` has a length and items by position: what mapping and ``flatten`` expand."""
    return hasattr(value, "__len__") and hasattr(value, "__getitem__")


def flatten_once(value: Any) -> Any:
    """``[[1, 2], [3]] -> [1, 2, 3]``: ``flatten`` over one upstream's result, as Prefect 1 does it.

    Every item must be iterable (a string gives its characters); when one is
    not (``[[1, 2], 3]``, or the value itself, such as ``None``), the value is
    passed on unchanged, and mapping over it then fails as unmappable.
    """
    try:
        return [item for inner in value for item in inner]
    except TypeError:
        return value


def flatten_upstream(state: Any) -> Any:
    """The value an unmapped ``flatten`` edge passes on: a mapped upstream's children results are
    flattened child by child (``flatten_results``), any other result whole (``flatten_once``)."""
    return flatten_results(state.result) if state.is_mapped() else flatten_once(state.result)


def flatten_results(results: list) -> list:
    """``flatten`` over a mapped upstream's children results: each one that has a length and items
    gives its items, any other stays one item (Prefect 1's rule for mapped children)."""
    flat: list = []
    for value in results:
        if sliceable(value):
            flat.extend(value[index] for index in range(len(value)))
        else:
            get_logger("FlowRunner").warning(NOT_FLATTENABLE)
            flat.append(value)
    return flat


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def is_future(when: Any) -> bool:
    """Whether ``when`` (a datetime, naive meaning local time) is still to come."""
    if not isinstance(when, datetime.datetime):
        return False
    if when.tzinfo is None:
        when = when.astimezone()
    return when > utc_now()


def describe_exception(exc: BaseException) -> str:
    """``repr(exc)``, even for exceptions whose ``__repr__``/``__str__`` fail."""
    try:
        return repr(exc)
    except Exception:  # noqa: BLE001
        return f"<{type(exc).__name__} (unprintable)>"


_abandoned = threading.local()  # .threads: the list ``_call_in_thread`` records into, or None

ABANDONED = ("the timed-out attempt could not be stopped yet: it is blocked in a call Python cannot interrupt "
             "(a sleep, a read), and it stops when that call returns")
UNSAFE = ("the timed-out attempt could not be stopped yet: it is inside code an interrupt must not cut short "
          "(a lock, an import, a queue), and it is stopped once it is back in the task's own code")
_INTERRUPT_GRACE = 0.05  # seconds to interrupt an attempt, then for it to stop, before it counts as still running


def note_abandoned(threads: list | None) -> None:
    """Record in ``threads`` the helper threads this thread's timed-out calls leave running (None: stop)."""
    _abandoned.threads = threads


def run_holding_retries(run: Callable[[], Any]) -> Any:
    """``run()`` (one unit's run), but a ``Retrying`` whose timed-out attempt still runs is returned
    only once that attempt has ended.

    Python cannot stop the helper thread of a timed-out attempt, and flow.run's
    next pass (which runs the retry) starts as soon as every unit of this one
    has answered: holding the ``Retrying`` here until the thread has returned
    keeps the two attempts from overlapping (the attempt's warning already said
    that its retry waits).
    """
    abandoned: list = []
    note_abandoned(abandoned)
    try:
        final = run()
    finally:
        note_abandoned(None)
    if abandoned and type(final).__name__ == "Retrying":
        for thread in abandoned:
            thread.join()
    return final


def _timeout_seconds(timeout: Any) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


def _call(task: Any, inputs: dict, run_context: dict, stdout_logger: Any = None) -> Any:
    if task.log_stdout:  # printed lines go to the runner's logger, as Prefect 1's (filters on it see them)
        with redirect_stdout(RedirectToLog(stdout_logger or run_context["logger"])):
            return task.run(**inputs)
    return task.run(**inputs)


def call_with_timeout(task: Any, inputs: dict, run_context: dict, stdout_logger: Any = None) -> Any:
    """Call ``task.run(**inputs)``, raising ``TaskTimeoutSignal`` past ``task.timeout``
    (with ``log_stdout``, printed lines go to ``stdout_logger``, else the context's logger)."""
    seconds = _timeout_seconds(task.timeout)
    if seconds is None:
        return _call(task, inputs, run_context, stdout_logger)
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _call_with_alarm(task, inputs, run_context, seconds, stdout_logger)
    return _call_in_thread(task, inputs, run_context, seconds, stdout_logger)


def _call_with_alarm(task: Any, inputs: dict, run_context: dict, seconds: float, stdout_logger: Any) -> Any:
    def on_alarm(signum: int, frame: Any) -> None:
        raise TaskTimeoutSignal("Execution timed out.")  # Prefect 1.4.1's words

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-6))
    try:
        return _call(task, inputs, run_context, stdout_logger)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _call_in_thread(task: Any, inputs: dict, run_context: dict, seconds: float, stdout_logger: Any) -> Any:
    outcome: dict[str, Any] = {}
    stopper = ThreadStopper(boundary=_call.__code__)

    def call() -> None:
        flowctl_context.swap(run_context)
        try:
            outcome["value"] = _call(task, inputs, run_context, stdout_logger)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            outcome["error"] = exc

    worker = threading.Thread(target=stopper.run, args=(call,), name=f"flowctl-timeout-{task.name}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        sent = stopper.interrupt(within=_INTERRUPT_GRACE)  # stops it at its next line of the task's code
        if sent:
            worker.join(_INTERRUPT_GRACE)
        abandoned = getattr(_abandoned, "threads", None)
        if worker.is_alive() and abandoned is not None:  # still running: its retry waits for it
            abandoned.append(worker)
            _say_abandoned(task, run_context, ABANDONED if sent else UNSAFE)
        # Prefect 1.4.1's words off the main thread (its process-based timeout names the task)
        raise TaskTimeoutSignal(f"Execution timed out for Task '{run_context.get('task_full_name') or task.name}'.")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _say_abandoned(task: Any, run_context: dict, why: str) -> None:
    """Log, as the task, that its timed-out attempt still runs, ``why`` (and that its retry, if any, waits)."""
    retried = run_context.get("task_run_count", 1) <= (task.max_retries or 0) and (
        not task.retry_on or issubclass(TaskTimeoutSignal, tuple(task.retry_on)))
    run_context["logger"].warning("Task %r: %s%s.", run_context.get("task_full_name", task.name), why,
                                  ", and its retry waits until then" if retried else "")
