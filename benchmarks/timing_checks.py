"""Promptness checks: how long the engine takes to stop when it should stop early.

These used to be upper-bound timing assertions inside tests; tests now check
only the behaviour (``TimedOut``, ``KeyboardInterrupt``, cancelled futures)
and this row reports the elapsed times against the limits the tests used:

- a task with ``timeout=0.3`` that sleeps 2 s ends ``TimedOut`` (limit 1.9 s),
  on the local executor and on ``LocalDaskExecutor("threads")``;
- Ctrl-C (``KeyboardInterrupt``) inside ``LocalDaskExecutor.start()`` with
  queued sleeps returns promptly (limit 2 s), threads and processes;
- SIGINT during a mapped flow run on ``LocalDaskExecutor("processes")``
  whose children sleep 3 s returns promptly (limit 3 s).
"""
from __future__ import annotations

import os
import resource
import signal
import threading
import time
from typing import Callable

SHAPES = ("checks-timing",)


def _sleep_two_seconds() -> str:
    time.sleep(2)
    return "too late"


def _sleep_three_seconds(x: int) -> int:
    time.sleep(3)
    return x


def _timeout_check(executor_kind: str) -> float:
    from flowctl import Flow, task
    from flowctl.engine.state import TimedOut
    from flowctl.executors import LocalDaskExecutor, LocalExecutor

    slow = task(_sleep_two_seconds, timeout=0.3)
    with Flow("timeout") as flow:
        result = slow()
    executor = LocalExecutor() if executor_kind == "local" else LocalDaskExecutor("threads")
    started = time.monotonic()
    state = flow.run(executor=executor)
    elapsed = time.monotonic() - started
    if not isinstance(state.result[result], TimedOut):
        raise RuntimeError(f"timeout check ended {state.result[result]!r}")
    return elapsed


def _interrupt_start_check(scheduler: str) -> float:
    from flowctl.executors import LocalDaskExecutor

    executor = LocalDaskExecutor(scheduler, num_workers=1)
    started = time.monotonic()
    try:
        with executor.start():
            for _ in range(4):
                executor.submit(time.sleep, 0.5 if scheduler == "threads" else 5)
            time.sleep(0.2)
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    return time.monotonic() - started


def _ctrl_c_check() -> float:
    from flowctl import Flow, task
    from flowctl.executors import LocalDaskExecutor

    sleepy = task(_sleep_three_seconds)
    with Flow("interrupted") as flow:
        sleepy.map(list(range(6)))
    timer = threading.Timer(0.8, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        flow.run(executor=LocalDaskExecutor("processes", num_workers=2))
    except KeyboardInterrupt:
        return time.monotonic() - started
    raise RuntimeError("the flow run was not interrupted")


CHECKS: list[tuple[str, float, Callable[[], float]]] = [
    ("timeout local", 1.9, lambda: _timeout_check("local")),
    ("timeout threads", 1.9, lambda: _timeout_check("threads")),
    ("Ctrl-C in start threads", 2.0, lambda: _interrupt_start_check("threads")),
    ("Ctrl-C in start processes", 2.0, lambda: _interrupt_start_check("processes")),
    ("SIGINT flow run processes", 3.0, _ctrl_c_check),
]


def measure(shape: str, size: int) -> dict:
    """Run every check once; the note lists each elapsed time against its limit."""
    results = [(name, limit, check()) for name, limit, check in CHECKS]
    over = [name for name, limit, elapsed in results if elapsed >= limit]
    note = ", ".join(f"{name} {elapsed:.2f}s/{limit:g}s" for name, limit, elapsed in results)
    note += "; OVER: " + ", ".join(over) if over else "; all within their limits"
    runs = [elapsed for _, _, elapsed in results]
    return {"wall": sum(runs), "build": None, "runs": runs,
            "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "note": note}


__all__ = ["SHAPES", "CHECKS", "measure"]
