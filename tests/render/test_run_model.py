"""RunModel: aggregates engine events per task, mapped children as counters, from any thread."""
from __future__ import annotations

import threading
import time

import flowctl
from flowctl import Flow, task
from flowctl.engine.events import TaskStateChanged, bus
from flowctl.engine.state import Failed, Mapped, Pending, Running, Success
from flowctl.render.model import RunModel
from flowctl.render.summary import build_summary, iter_units


@task
def double(x):
    if x == 3:
        raise ValueError("three")
    return 2 * x


def mapped_flow(n: int) -> tuple[Flow, object]:
    with Flow("model") as flow:
        doubled = double.map(list(range(n)))
    return flow, doubled


def run_with_model(flow: Flow, **kwargs) -> tuple[RunModel, object]:
    model = RunModel(flow, **kwargs)
    unsubscribe = bus.subscribe(model.handle)
    try:
        state = flow.run()
    finally:
        unsubscribe()
    return model, state


def test_mapped_children_are_counted_not_listed():
    flow, doubled = mapped_flow(10)
    model, _state = run_with_model(flow)
    _version, rows, info = model.snapshot()
    (row,) = [r for r in rows if r.task is doubled]
    assert row.mapped and row.n == 10
    assert row.child_categories["done"] == 9 and row.child_categories["failed"] == 1
    assert row.child_states["Success"] == 9 and row.child_states["Failed"] == 1
    assert row.child_categories["running"] == 0 and row.child_categories["pending"] == 0
    assert row.view_category() == "failed"
    assert info["state"] == "Failed"


def test_summary_counts_runs_and_keeps_failures_with_user_tracebacks():
    flow, _doubled = mapped_flow(5)
    model, state = run_with_model(flow)
    summary = build_summary(model, state)
    assert summary.counts == {"Success": 5, "Failed": 1}  # 4 children + the List task, 1 child
    assert summary.state == "Failed" and not summary.successful
    (failure,) = summary.failures
    assert failure.label == "double[3]" and "ValueError" in failure.message
    assert "in double" in failure.traceback and "flowctl/engine" not in failure.traceback
    assert len(summary.slowest) == 5


def test_units_list_every_child_for_reports():
    flow, _doubled = mapped_flow(4)
    model, state = run_with_model(flow, keep_units=True)
    units = list(iter_units(model, state))
    assert [(u.task, u.map_index, u.outcome) for u in units if u.task == "double"] == [
        ("double", 0, "passed"), ("double", 1, "passed"), ("double", 2, "passed"), ("double", 3, "failed")]


def test_events_from_many_threads_keep_the_counters_exact():
    flow, doubled = mapped_flow(1)
    model = RunModel(flow)
    n, threads = 20_000, 8
    model.handle(TaskStateChanged("model", doubled, "double", None, Pending(), Mapped(map_states=[None] * n),
                                  time.time()))

    def worker(start: int) -> None:
        for index in range(start, n, threads):
            running = Running()
            model.handle(TaskStateChanged("model", doubled, "double", index, Pending(), running, time.time()))
            final = Failed("x") if index % 100 == 0 else Success()
            model.handle(TaskStateChanged("model", doubled, "double", index, running, final, time.time()))

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    (row,) = [r for r in model.snapshot()[1] if r.task is doubled]
    assert row.child_categories["done"] == n - n // 100
    assert row.child_categories["failed"] == n // 100
    assert row.child_categories["running"] == 0 and row.child_categories["pending"] == 0


def test_an_interrupted_run_reports_running_tasks_as_cancelled():
    flow, doubled = mapped_flow(1)
    model = RunModel(flow)
    model.handle(TaskStateChanged("model", doubled, "double", None, Pending(), Mapped(map_states=[None] * 3),
                                  time.time()))
    model.handle(TaskStateChanged("model", doubled, "double", 0, Pending(), Running(), time.time()))
    summary = build_summary(model, None, interrupted=True)
    assert summary.state == "Cancelled" and summary.interrupted
    assert summary.counts["Cancelled"] == 1 and summary.counts["Pending"] == 3  # 2 children + List


def test_rendering_one_hundred_thousand_children_is_one_row():
    from rich.console import Console

    from flowctl.render.live import LiveRenderer

    flow, doubled = mapped_flow(1)
    model = RunModel(flow)
    n = 100_000
    model.handle(TaskStateChanged("model", doubled, "double", None, Pending(), Mapped(map_states=[None] * n),
                                  time.time()))
    for index in range(n):
        running = Running()
        model.handle(TaskStateChanged("model", doubled, "double", index, Pending(), running, 0.0))
        model.handle(TaskStateChanged("model", doubled, "double", index, running, Success(), 0.0))
    console = Console(width=100, record=True, file=open("/dev/null", "w"), color_system=None)
    renderer = LiveRenderer(console)
    renderer.model = model
    console.print(renderer._frame())
    text = console.export_text()
    assert "100000/100000" in text and "done 100000" in text
    assert len(text.splitlines()) < 10
    assert flowctl.context.get("loading_flow") is None
