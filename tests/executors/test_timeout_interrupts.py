"""A timed-out task on a worker thread stops: at its next line of Python, or when the call it is
blocked in returns. Prefect 1.4.1 stops it too (in a spawned process it terminates); the task's
file writes tell how far it got.
"""
from __future__ import annotations

import datetime
import io
import logging
import sys
import threading
import time
from pathlib import Path

import cloudpickle
import pytest

import flowctl
from flowctl import Flow, task
from flowctl.engine.events import LogEmitted
from flowctl.engine.state import TimedOut
from flowctl.engine.thread_interrupt import TaskInterrupted, ThreadStopper
from flowctl.exceptions import TaskTimeoutSignal
from flowctl.executors import DaskExecutor, LocalDaskExecutor

cloudpickle.register_pickle_by_value(sys.modules[__name__])


@task(timeout=1)
def naps(folder):
    """Naps in short steps for 3 s, swallowing every Exception on the way; then writes 'invalid'."""
    path = Path(folder, "naps.txt")
    path.write_text("called")
    try:
        for _ in range(60):
            try:
                time.sleep(0.05)
            except Exception:  # noqa: BLE001 - the interrupt is not an Exception
                pass
    finally:
        with path.open("a") as out:
            out.write(" cleaned")
    with path.open("a") as out:
        out.write(" invalid")


@task(timeout=1)
def sleeps(folder):
    """One 2 s sleep (not interruptible), then writes 'invalid'."""
    time.sleep(2)
    Path(folder, "sleeps.txt").write_text("invalid")


def _executors():
    return [pytest.param("threads", id="threads"), pytest.param("dask", id="dask")]


def _executor(kind, dask_cluster):
    if kind == "dask":
        return DaskExecutor(address=dask_cluster.scheduler_address)
    return LocalDaskExecutor("threads", num_workers=2)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", _executors())
def test_a_timed_out_task_on_a_thread_stops_where_it_is_and_cleans_up(kind, dask_cluster, tmp_path, events):
    with Flow("naps") as flow:
        napped = naps(str(tmp_path))
        slept = sleeps(str(tmp_path))

    state = flow.run(executor=_executor(kind, dask_cluster))
    time.sleep(2.5)  # past the end of both tasks, had they kept running
    for ended in (state.result[napped], state.result[slept]):
        assert isinstance(ended, TimedOut) and isinstance(ended.result, TaskTimeoutSignal)
    assert (tmp_path / "naps.txt").read_text() == "called cleaned"
    assert not (tmp_path / "sleeps.txt").exists()
    if kind == "threads":  # (a Dask worker's log lines reach the runner only with its states)
        warnings = [e.message for e in events if isinstance(e, LogEmitted) and e.level == "WARNING"]
        assert any("sleeps" in text and "blocked in a call" in text for text in warnings), warnings
        assert not any("naps" in text and "blocked in a call" in text for text in warnings), warnings


@task(timeout=0.5, max_retries=1, retry_delay=datetime.timedelta(0))
def waits_on_a_queue(folder):
    """Attempt 1 waits 1.5 s inside ``queue.get`` (never interrupted there), then naps in its own code."""
    import queue

    if flowctl.context["task_run_count"] == 1:
        inbox: queue.Queue = queue.Queue()
        threading.Timer(1.5, inbox.put, args=("item",)).start()
        inbox.get()
        Path(folder, "got.txt").write_text("got")
        for _ in range(60):
            time.sleep(0.05)
        Path(folder, "got.txt").write_text("invalid")
    return "retried"


@pytest.mark.timeout(120)
def test_a_timed_out_task_inside_a_queue_wait_is_stopped_once_back_in_its_code(tmp_path, events):
    with Flow("queue") as flow:
        waited = waits_on_a_queue(str(tmp_path))
    state = flow.run(executor=LocalDaskExecutor("threads", num_workers=2))
    assert state.result[waited].result == "retried"
    assert (tmp_path / "got.txt").read_text() == "got"  # interrupted in its naps, its retry waited for it
    warnings = [e.message for e in events if isinstance(e, LogEmitted) and e.level == "WARNING"]
    assert any("must not cut short" in text and "its retry waits until then" in text for text in warnings), warnings


@task(timeout=0.5)
def chatty():
    logger = logging.getLogger("tests_chatty")
    while True:
        logger.info("still here")


@pytest.mark.timeout(120)
def test_a_task_logging_in_a_loop_is_stopped_and_logging_still_works():
    handler = logging.StreamHandler(io.StringIO())
    logger = logging.getLogger("tests_chatty")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # (thousands of lines: only this handler sees them)
    try:
        flow = Flow("chatty", tasks=[chatty])
        for _ in range(5):
            state = flow.run(executor=LocalDaskExecutor("threads", num_workers=2))
            assert isinstance(state.result[chatty], TimedOut)
        deadline = time.monotonic() + 30  # each is stopped once it is outside logging's code
        while [t for t in threading.enumerate() if t.name.startswith("flowctl-timeout-chatty")]:
            assert time.monotonic() < deadline, "a timed-out chatty task still runs"
            time.sleep(0.05)
        assert handler.lock.acquire(timeout=1), "the handler's lock was left taken"
        handler.lock.release()
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def _spin(stopper_flags):
    while not stopper_flags.get("stop"):
        sum(range(50))


def _running(call, boundary=None):
    """A stopper whose thread runs ``call`` (frames from ``boundary``, else ``call``, up are the task's)."""
    stopper = ThreadStopper(boundary=(boundary or call).__code__)
    thread = threading.Thread(target=stopper.run, args=(call,))
    thread.start()
    return stopper, thread


def test_the_stopper_never_interrupts_a_call_that_finished_or_one_that_never_began():
    ran = []
    early = ThreadStopper(boundary=_spin.__code__)
    assert early.interrupt(within=0.01)  # before its thread begins: the call never runs
    thread = threading.Thread(target=early.run, args=(lambda: ran.append(1),))
    thread.start()
    thread.join(5)
    assert ran == []

    flags: dict = {}
    late, thread = _running(lambda: _spin(flags), boundary=_spin)
    flags["stop"] = True
    thread.join(5)
    assert not late.interrupt(within=0.01) and not thread.is_alive()


def _spin_until_interrupted(caught: list, value) -> None:
    """Spin in the caller's own code; record ``value`` in ``caught`` when the interrupt lands."""
    try:
        _spin({})
    except TaskInterrupted:
        caught.append(value)
        raise


def test_the_stopper_interrupts_the_call_inside_its_own_code():
    caught: list = []

    def spin():
        _spin_until_interrupted(caught, True)

    stopper, thread = _running(spin)
    time.sleep(0.05)
    assert stopper.interrupt(within=10)
    thread.join(5)
    assert caught == [True] and not thread.is_alive()


def test_a_thread_waiting_inside_a_queue_is_interrupted_once_back_in_its_own_code():
    import queue

    inbox: queue.Queue = queue.Queue()
    got = []

    def waits():
        item = inbox.get()  # inside queue's and threading's code: never interrupted there
        _spin_until_interrupted(got, item)

    stopper, thread = _running(waits)
    time.sleep(0.05)
    assert not stopper.interrupt(within=0.05)  # not sent yet: it keeps trying in the background
    inbox.put("item")
    thread.join(10)
    assert got == ["item"] and not thread.is_alive()


_TRACED_AFTER_INTERRUPTS = """
import sys, threading, time
from flowctl.engine.thread_interrupt import ThreadStopper

def spin():
    while True:
        sum(range(50))

def nap():
    time.sleep(0.3)  # the interrupt is sent during the sleep and raised when it returns
    sum(range(50))

for call in (spin, nap):
    stopper = ThreadStopper(boundary=call.__code__)
    thread = threading.Thread(target=stopper.run, args=(call,))
    thread.start()
    time.sleep(0.05)
    assert stopper.interrupt(within=10)  # (sent as soon as the thread is in its call: 10 s only under load)
    thread.join(10)
    assert not thread.is_alive()

calls = []
sys.setprofile(lambda frame, event, arg: calls.append(event))
(lambda: None)()
sys.setprofile(None)
print("traced calls ran:", "call" in calls)
"""


def test_code_under_a_profiler_runs_on_after_threads_were_interrupted(tmp_path):
    """CPython 3.11 keeps an interpreter-wide "exception pending" flag: left set after a thread
    finished, any profiled or traced thread (coverage, a debugger) spins at its next call."""
    import subprocess

    script = tmp_path / "traced.py"
    script.write_text(_TRACED_AFTER_INTERRUPTS)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "traced calls ran: True"
