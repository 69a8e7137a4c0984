"""``DaskExecutor`` under faults, on real clusters on 127.0.0.1: lost workers, crashing children, shared clusters."""
from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import cloudpickle
import pytest

from flowctl import Flow, task
from flowctl.engine.events import TaskStateChanged, bus
from flowctl.executors import DaskExecutor

from dask_clusters import Cluster

cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def nanny_cluster():
    """An external 2-worker cluster whose nannies restart a killed worker."""
    running = Cluster(2, nanny=True)
    yield running
    running.close()


@task
def slow_square(x):
    time.sleep(0.03)
    return x * x


@task
def total(values):
    return sum(values)


def _run_killing_one_worker(executor: DaskExecutor, victim: int | None = None) -> object:
    """Run a map and SIGKILL one worker process (``victim``, else any) once the first child runs."""
    with Flow("losing a worker") as flow:
        squares = slow_square.map(list(range(40)))
        summed = total(squares)
    running = threading.Event()

    def watch(event: object) -> None:
        if isinstance(event, TaskStateChanged) and event.task_name == "slow_square" and event.new.is_running():
            running.set()

    unsubscribe = bus.subscribe(watch)
    outcome: dict = {}
    runner = threading.Thread(target=lambda: outcome.update(state=flow.run(executor=executor)), daemon=True)
    try:
        runner.start()
        assert running.wait(60), "no child started"
        if victim is None:
            victim = min(executor.client.run(os.getpid).values())
        time.sleep(0.1)
        os.kill(victim, signal.SIGKILL)
        runner.join(timeout=90)
    finally:
        unsubscribe()
    assert not runner.is_alive(), "the flow run hung after a worker died"
    state = outcome["state"]
    assert state.is_successful(), [c.message for c in state.result[squares].map_states if c.is_failed()]
    assert state.result[squares].result == [x * x for x in range(40)]
    assert state.result[summed].result == sum(x * x for x in range(40))
    return state


def _live_worker_pids(address: str, count: int = 2) -> list[int]:
    """Pids of ``count`` live worker processes (a nanny may still be restarting the last victim)."""
    import psutil
    from distributed import Client

    deadline = time.monotonic() + 60
    with Client(address, set_as_default=False) as client:
        while time.monotonic() < deadline:
            answers = client.run(os.getpid, on_error="return").values()
            pids = sorted(pid for pid in answers if isinstance(pid, int) and psutil.pid_exists(pid))
            if len(pids) >= count:
                return pids
            time.sleep(0.5)
    raise AssertionError(f"the cluster at {address} did not get back to {count} live workers")


@pytest.mark.timeout(240)
def test_kill_9_of_an_external_worker_mid_map_five_times_every_run_succeeds(nanny_cluster):
    for _ in range(5):
        victim = _live_worker_pids(nanny_cluster.address)[0]
        _run_killing_one_worker(DaskExecutor(address=nanny_cluster.address), victim)


@pytest.mark.timeout(240)
def test_kill_9_of_a_local_cluster_worker_process_mid_map_five_times_every_run_succeeds():
    for _ in range(5):
        executor = DaskExecutor(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1})
        _run_killing_one_worker(executor)


@task
def crash_on_three(x):
    if x == 3:
        os._exit(1)
    return x + 1


@pytest.fixture(scope="module")
def forgiving_once_cluster():
    """A LocalCluster that gives up on a task after it killed two workers (Dask's default is four)."""
    import dask
    from distributed import LocalCluster

    # One task per worker thread at a time: a crash then takes no queued sibling down with it.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                          "distributed.scheduler.worker-saturation": 1.0}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    yield cluster
    cluster.close()


@pytest.mark.timeout(240)
def test_a_child_that_exits_its_worker_fails_alone_and_siblings_and_later_tasks_succeed(forgiving_once_cluster):
    with Flow("one-crashes") as flow:
        plus_one = crash_on_three.map(list(range(8)))
        after = total(list(range(5)))

    state = flow.run(executor=DaskExecutor(address=forgiving_once_cluster.scheduler_address))
    children = state.result[plus_one].map_states
    assert [c.is_successful() for c in children] == [True, True, True, False, True, True, True, True]
    assert [c.result for i, c in enumerate(children) if i != 3] == [1, 2, 3, 5, 6, 7, 8]
    assert "crash_on_three[3]" in children[3].message and "worker running it died" in children[3].message
    assert state.result[after].result == 10


@task(cache_for=datetime.timedelta(minutes=10))
def counted(x, calls_file):
    with open(calls_file, "a") as calls:
        calls.write("call\n")
    return x + 1


def test_cache_for_gives_cached_on_the_second_run_under_dask(dask_cluster, tmp_path):
    from flowctl.engine.flow_runner import PROCESS_CACHES

    PROCESS_CACHES.clear()
    calls = tmp_path / "calls"
    with Flow("cached") as flow:
        result = counted(1, str(calls))

    first = flow.run(executor=DaskExecutor(address=dask_cluster.scheduler_address))
    second = flow.run(executor=DaskExecutor(address=dask_cluster.scheduler_address))
    assert first.result[result].result == second.result[result].result == 2
    assert second.result[result].is_cached()
    assert calls.read_text().count("call") == 1
    assert len(PROCESS_CACHES["counted"]) == 2  # as Prefect 1: the second run's Cached state joins too
    PROCESS_CACHES.clear()


def test_a_task_bundle_does_not_carry_the_process_cache():
    from flowctl.engine.state import Cached
    from flowctl.engine.task_runner import TaskRunner
    from flowctl.executors.serialization import UnitCodec

    runner = TaskRunner(total)
    empty = UnitCodec().bundle(runner, {}, {"caches": {}, "flow_name": "f"}, {})
    big = {"other": [Cached(result=b"x" * 5_000_000,
                            cached_result_expiration=datetime.datetime.now(datetime.timezone.utc))]}
    loaded = UnitCodec().bundle(runner, {}, {"caches": big, "flow_name": "f"}, {})
    assert empty.error is None and loaded.error is None
    assert len(loaded.data) == len(empty.data) < 100_000


def test_expired_cache_entries_are_evicted():
    from flowctl.engine.state import Cached
    from flowctl.executors.serialization import valid_entries

    now = datetime.datetime.now(datetime.timezone.utc)
    fresh = Cached(result=1, cached_result_expiration=now + datetime.timedelta(minutes=1))
    stale = Cached(result=2, cached_result_expiration=now - datetime.timedelta(minutes=1))
    caches = {"slot": [stale, fresh]}
    assert valid_entries(caches, "slot") == [fresh]
    assert caches == {"slot": [fresh]}


CONCURRENT_SCRIPT = textwrap.dedent('''
    import collections, json, sys, time
    import flowctl
    from flowctl import Flow, task, unmapped
    from flowctl.engine.events import LogEmitted, TaskStateChanged, bus
    from flowctl.executors import DaskExecutor

    address, tag = sys.argv[1], sys.argv[2]

    @task
    def echo(x, tag):
        time.sleep(0.02)
        flowctl.context["logger"].info("run %s item %s", tag, x)
        return x

    with Flow("shared") as flow:
        echo.map(list(range(30)), tag=unmapped(tag))

    logs, states = [], collections.defaultdict(list)
    def on_event(event):
        if isinstance(event, LogEmitted) and event.task_name == "echo":
            logs.append(event.message)
        elif isinstance(event, TaskStateChanged) and event.task_name == "echo" and event.map_index is not None:
            states[event.map_index].append(type(event.new).__name__)
    bus.subscribe(on_event)
    state = flow.run(executor=DaskExecutor(address=address))
    print(json.dumps({"ok": state.is_successful(), "logs": logs, "states": states}))
''')


@pytest.mark.timeout(120)
def test_two_concurrent_runs_on_one_cluster_each_receive_exactly_their_own_events(nanny_cluster, tmp_path):
    script = tmp_path / "shared_cluster_run.py"
    script.write_text(CONCURRENT_SCRIPT)
    nanny_cluster.wait_for_workers(2)
    runs = {tag: subprocess.Popen([sys.executable, str(script), nanny_cluster.address, tag], cwd=tmp_path,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for tag in ("A", "B")}
    for tag, process in runs.items():
        out, err = process.communicate(timeout=100)
        assert process.returncode == 0, err[-3000:]
        report = json.loads(out.strip().splitlines()[-1])
        assert report["ok"]
        assert sorted(report["logs"]) == sorted(f"run {tag} item {x}" for x in range(30))
        assert report["states"] == {str(x): ["Running", "Success"] for x in range(30)}


@task(timeout=1)
def overstays():
    time.sleep(3)
    return "late"


def test_a_timed_out_task_on_dask_says_its_worker_could_not_interrupt_it(dask_cluster):
    with Flow("overstaying") as flow:
        late = overstays()

    state = flow.run(executor=DaskExecutor(address=dask_cluster.scheduler_address)).result[late]
    assert type(state).__name__ == "TimedOut"
    assert "cannot interrupt" in state.message
