"""Faults on process-based executors: odd exceptions come back as Failed states, a lost scheduler ends the run.

An exception raised in a worker process must cross back to the flow runner.
When it cannot (it holds a lock, or its ``__init__`` cannot be replayed by
unpickling), the task still fails with the original type and message. When
the Dask scheduler dies mid-run, the flow ends within seconds, every
unfinished task saying that the connection was lost, instead of hanging.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import cloudpickle
import pytest

from flowctl import Flow, task
from flowctl.executors import DaskExecutor, LocalDaskExecutor

# Worker processes cannot import this file: ship its tasks and exception classes by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

DASK = str(Path(sys.executable).with_name("dask"))


class HoldsALock(Exception):
    """Cannot be pickled at all: it carries a thread lock."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


class NeedsTwoArguments(Exception):
    """Pickles, but unpickling calls ``__init__`` with one argument and fails."""

    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"{left} and {right} disagree")


class Abort(BaseException):
    pass


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no str")

    __repr__ = __str__


def recurse(n: int) -> int:
    return recurse(n + 1) + 1


@task
def raise_locked():
    raise HoldsALock("the database lock is held")


@task
def raise_two_arguments():
    raise NeedsTwoArguments("left", "right")


@task
def raise_system_exit():
    sys.exit("worker task quits")


@task
def raise_base_exception():
    raise Abort("aborted by user code")


@task
def raise_recursion():
    return recurse(0)


@task
def raise_unprintable():
    raise Unprintable()


@task
def fine():
    return "still fine"


EXPECTED = {
    "raise_locked": ["HoldsALock", "the database lock is held"],
    "raise_two_arguments": ["NeedsTwoArguments", "left and right disagree"],
    "raise_system_exit": ["SystemExit", "worker task quits"],
    "raise_base_exception": ["Abort", "aborted by user code"],
    "raise_recursion": ["RecursionError"],
    "raise_unprintable": ["Unprintable"],
}


@pytest.fixture(params=["processes", "dask"])
def process_executor(request):
    if request.param == "dask":
        return DaskExecutor(address=request.getfixturevalue("dask_cluster").scheduler_address)
    return LocalDaskExecutor("processes", num_workers=2)


def test_exceptions_that_cannot_travel_still_fail_their_task_with_type_and_message(process_executor):
    with Flow("odd-exceptions") as flow:
        raisers = [raise_locked(), raise_two_arguments(), raise_system_exit(), raise_base_exception(),
                   raise_recursion(), raise_unprintable()]
        survivor = fine()

    flow_state = flow.run(executor=process_executor)
    states = flow_state.result
    assert flow_state.is_failed()
    assert states[survivor].is_successful() and states[survivor].result == "still fine"
    for raiser in raisers:
        state = states[raiser]
        assert state.is_failed(), (raiser.name, state)
        for word in EXPECTED[raiser.name]:
            assert word in state.message, (raiser.name, state.message)


def test_a_mapped_child_with_an_unpicklable_exception_fails_alone(process_executor):
    @task
    def child(x):
        if x == 1:
            raise HoldsALock(f"child {x} is locked")
        return x * 10

    with Flow("mapped-odd-exception") as flow:
        mapped = child.map([0, 1, 2])

    children = flow.run(executor=process_executor).result[mapped].map_states
    assert [c.is_successful() for c in children] == [True, False, True]
    assert [children[0].result, children[2].result] == [0, 20]
    assert "HoldsALock" in children[1].message and "child 1 is locked" in children[1].message


# -- a lost scheduler -------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def doomed_cluster():
    """A real ``dask scheduler`` and one ``dask worker`` subprocess on 127.0.0.1."""
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], **quiet)
    worker = subprocess.Popen([DASK, "worker", address, "--host", "127.0.0.1", "--nthreads", "2",
                               "--no-nanny", "--no-dashboard"], **quiet)
    try:
        with Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(1, timeout=60)
        yield address, scheduler
    finally:
        for process in (worker, scheduler):
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)


@task
def nap(x):
    time.sleep(0.5)
    return x


@task
def add_up(values):
    return sum(values)


def test_stopping_the_scheduler_mid_run_fails_the_flow_clearly_and_never_hangs(doomed_cluster):
    address, scheduler = doomed_cluster
    with Flow("lost-scheduler") as flow:
        first = nap.map(list(range(40)))
        second = nap.map(first)
        total = add_up(second)

    started = threading.Event()
    outcome: dict = {}

    def run() -> None:
        started.set()
        outcome["state"] = flow.run(executor=DaskExecutor(address=address))

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    started.wait()
    time.sleep(2)  # some children are done, some running, many queued
    scheduler.kill()
    runner.join(timeout=60)
    assert not runner.is_alive(), "the flow run hung after its scheduler was killed"

    flow_state = outcome["state"]
    assert flow_state.is_failed()
    states = flow_state.result
    children = states[first].map_states + states[second].map_states
    lost = [c for c in children if c.is_failed()]
    assert lost, "no child noticed the lost scheduler"
    assert all(c.is_successful() or c.is_failed() for c in children)
    assert any(address in c.message and "connection to the Dask scheduler" in c.message and "lost" in c.message
               for c in lost)
    assert states[total].is_failed()


def test_a_flow_on_a_scheduler_that_is_gone_fails_at_once_with_its_address():
    address = f"tcp://127.0.0.1:{free_port()}"

    @task
    def never():
        return 1

    with Flow("no-scheduler") as flow:
        never()

    flow_state = flow.run(executor=DaskExecutor(address=address))
    assert flow_state.is_failed()
    assert "connection refused" in flow_state.message and address in flow_state.message


@pytest.mark.parametrize("address, words", [
    ("tcp://", "host and a port"),
    ("http://127.0.0.1:8787", "web URL"),
    ("udp://127.0.0.1:8786", "unknown protocol"),
    ("tcp://127.0.0.1:0", "host and a port"),
])
def test_a_malformed_scheduler_address_is_refused_when_the_executor_is_built(address, words):
    from flowctl.exceptions import FlowctlError

    with pytest.raises(FlowctlError, match=words):
        DaskExecutor(address=address)


def test_local_dask_executor_process_pool_survives_system_exit_in_every_child():
    @task
    def quit_child(x):
        raise SystemExit(f"child {x}")

    with Flow("all-exit") as flow:
        mapped = quit_child.map([0, 1, 2, 3])

    children = flow.run(executor=LocalDaskExecutor("processes", num_workers=2)).result[mapped].map_states
    assert [c.is_failed() for c in children] == [True] * 4
    assert [f"child {i}" in c.message for i, c in enumerate(children)] == [True] * 4
