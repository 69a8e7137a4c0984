"""An executor a user writes against the base class, as Prefect 1 users do to count, tag or log
submissions: it delegates to a built-in executor, whose ``submit`` may return a plain value
(``LocalExecutor``), a future (threads) or a handle only its ``wait`` resolves (processes)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest

from flowctl import Flow, task
from flowctl.executors import Executor, LocalDaskExecutor, LocalExecutor


class Counting(Executor):
    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self.submitted = 0
        super().__init__()

    @contextmanager
    def start(self):
        with self.inner.start():
            yield

    def submit(self, fn, *args, **kwargs):
        self.submitted += 1
        return self.inner.submit(fn, *args, **kwargs)

    def wait(self, futures):
        return self.inner.wait(futures)


@task
def inc(x):
    return x + 1


@task
def total(xs):
    return sum(xs)


@task
def boom(x):
    raise ValueError(f"boom {x}")


@pytest.mark.parametrize("inner", [
    pytest.param(lambda: LocalExecutor(), id="local"),
    pytest.param(lambda: LocalDaskExecutor(scheduler="threads", num_workers=2), id="threads"),
    pytest.param(lambda: LocalDaskExecutor(scheduler="processes", num_workers=2), id="processes"),
])
def test_a_delegating_user_executor_runs_every_unit_through_its_submit(inner):
    with Flow("wrapped") as flow:
        one = inc(1)
        summed = total(inc.map([1, 2, 3]))
        failed = boom(one)
    executor = Counting(inner())
    state = flow.run(executor=executor)
    assert state.is_failed()
    assert state.result[summed].result == 9
    assert state.result[failed].message == "Error during execution of task: ValueError('boom 2')"
    assert executor.submitted >= 7  # inc, three children, the map's parent or reduce, boom...
