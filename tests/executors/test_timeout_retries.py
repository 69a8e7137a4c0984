"""A timed-out attempt and its retry never overlap, on Dask, threads and the processes executor.

Attempt 1 overstays its 1 s timeout by sleeping 3 s; each attempt writes
its start and end times (``time.time()``, one host) to files. The retry must
start only after attempt 1 really ended: on Dask and on the threads
executor the thread running it is blocked in that sleep, where no interrupt
reaches it, so the retry waits for it; on the processes executor the attempt
is interrupted (or its worker process killed).
"""
from __future__ import annotations

import datetime
import sys
import time
from pathlib import Path

import cloudpickle
import pytest

import flowctl
from flowctl import Flow, task
from flowctl.engine.events import LogEmitted
from flowctl.executors import DaskExecutor, LocalDaskExecutor

cloudpickle.register_pickle_by_value(sys.modules[__name__])


@task(timeout=1, max_retries=1, retry_delay=datetime.timedelta(0))
def overstays_once(folder, x=0):
    """Attempt 1 of child 0 sleeps 3 s; every attempt records when it started and ended."""
    attempt = flowctl.context["task_run_count"]
    Path(folder, f"{x}-attempt-{attempt}.start").write_text(repr(time.time()))
    try:
        if attempt == 1 and x == 0:
            time.sleep(3)
    finally:
        Path(folder, f"{x}-attempt-{attempt}.end").write_text(repr(time.time()))
    return (x, attempt)


def _recorded(folder: Path, name: str) -> float:
    return float((folder / name).read_text())


def _assert_retry_started_after_attempt_1_ended(folder: Path) -> None:
    assert _recorded(folder, "0-attempt-2.start") >= _recorded(folder, "0-attempt-1.end")


def _dask(dask_cluster) -> DaskExecutor:
    return DaskExecutor(address=dask_cluster.scheduler_address)


def _processes(dask_cluster) -> LocalDaskExecutor:
    return LocalDaskExecutor("processes", num_workers=2)


def _threads(dask_cluster) -> LocalDaskExecutor:
    return LocalDaskExecutor("threads", num_workers=2)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("make_executor", [_dask, _processes, _threads], ids=["dask", "processes", "threads"])
def test_the_retry_of_a_timed_out_task_starts_after_its_first_attempt_ended(make_executor, dask_cluster,
                                                                             tmp_path):
    with Flow("overstaying once") as flow:
        result = overstays_once(str(tmp_path))

    state = flow.run(executor=make_executor(dask_cluster))
    assert state.is_successful()
    assert state.result[result].result == (0, 2)
    _assert_retry_started_after_attempt_1_ended(tmp_path)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("make_executor", [_dask, _processes, _threads], ids=["dask", "processes", "threads"])
def test_the_retry_of_a_timed_out_mapped_child_starts_after_its_first_attempt_ended(make_executor, dask_cluster,
                                                                                     tmp_path):
    with Flow("overstaying child") as flow:
        children = overstays_once.map(folder=flowctl.unmapped(str(tmp_path)), x=[0, 1, 2])

    state = flow.run(executor=make_executor(dask_cluster))
    assert state.is_successful()
    assert state.result[children].result == [(0, 2), (1, 1), (2, 1)]
    _assert_retry_started_after_attempt_1_ended(tmp_path)


@pytest.mark.parametrize("make_executor", [_dask, _threads], ids=["dask", "threads"])
def test_a_waiting_retry_says_the_timed_out_attempt_could_not_be_stopped(make_executor, dask_cluster, tmp_path,
                                                                         events):
    with Flow("overstaying once") as flow:
        overstays_once(str(tmp_path))

    assert flow.run(executor=make_executor(dask_cluster)).is_successful()
    warnings = [e.message for e in events if isinstance(e, LogEmitted) and e.level == "WARNING"]
    assert any("could not be stopped" in text and "its retry waits until then" in text for text in warnings), warnings
