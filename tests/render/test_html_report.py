"""The HTML run report: self-contained, small, and rendered by a real headless Chromium."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import flowctl
from flowctl import Flow, Parameter, task
from flowctl.render.report import render_report, run_data_from_model, run_data_from_record, write_report

from render_helpers import run_rendered

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FIVE_MB = 5 * 1024 * 1024


@task
def load(source):
    flowctl.context["logger"].info("loading %s", source)
    return [1, 2, 3]


@task
def clean(rows):
    flowctl.context["logger"].debug("cleaning %d rows", len(rows))
    return rows


@task
def explode(rows):
    raise KeyError("missing column 'id'")


@task
def combine(parts, extra):
    return len(parts)


@task
def check(x):
    if x == 77_777:
        raise ValueError(f"bad record {x}")
    return x


def twenty_task_flow() -> Flow:
    with Flow("twenty tasks") as flow:
        source = Parameter("source", default="db://warehouse")
        token = Parameter("api_token", default="hunter2")
        loaded = [load(source) for _ in range(6)]
        cleaned = [clean(rows) for rows in loaded]
        bad = explode(cleaned[0])
        extra = [clean(rows) for rows in cleaned[:4]]
        combine(extra, bad)
        combine(token, bad)
    return flow


def report_for(flow: Flow, path: Path, parameters: dict) -> str:
    model, _state, summary = run_rendered(flow, keep_units=True)
    write_report(path, run_data_from_model(model, summary, parameters))
    return path.read_text(encoding="utf-8")


def chromium_dom(page: Path, tmp_path: Path) -> tuple[str, str]:
    """``(dom after scripts ran, browser log)`` from headless Chromium."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium); the report was checked without it")
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, result.stderr


def assert_renders_cleanly(dom: str, log: str) -> None:
    console = [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line or "Refused to" in line]
    assert console == [], console
    assert 'data-ready="1"' in dom  # the page's script ran to its end
    assert '<svg id="graph"' in dom and '<svg id="timeline"' in dom


def test_the_report_of_a_twenty_task_flow_with_a_failure_renders_in_chromium(tmp_path):
    page = tmp_path / "run.html"
    flow = twenty_task_flow()
    html = report_for(flow, page, {"source": "db://warehouse", "api_token": "hunter2"})
    assert "hunter2" not in html and "***" in html  # secret parameters are redacted
    assert len(re.findall(r'<g class="node"', html)) == len(flow.tasks) >= 20
    assert "KeyError" in html and "missing column" in html  # the failure with its traceback
    assert "/flowctl/engine/" not in html  # tracebacks, in failures and logs, show only user frames
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from the network
    dom, log = chromium_dom(page, tmp_path)
    assert_renders_cleanly(dom, log)
    assert "Failures (3)" in dom and "loading db://warehouse" in dom


def test_the_report_of_a_hundred_thousand_children_aggregates_and_stays_small(tmp_path):
    with Flow("huge map") as flow:
        check.map(list(range(100_000)))
    page = tmp_path / "huge.html"
    html = report_for(flow, page, {})
    assert page.stat().st_size < FIVE_MB
    assert html.count('class="bar"') < 100  # children drawn as a histogram, not one bar each
    assert "check ×100000" in html and "Failed 1" in html
    dom, log = chromium_dom(page, tmp_path)
    assert_renders_cleanly(dom, log)


def test_a_recorded_run_gives_the_same_report_sections():
    events = [
        {"event": "graph", "flow": "f", "tasks": [{"id": "t0", "name": "a", "kind": "task"},
                                                  {"id": "t1", "name": "b", "kind": "task"}],
         "edges": [{"from": "t0", "to": "t1", "key": "x", "mapped": False}]},
        {"event": "task_state", "task": "a", "map_index": None, "state": "Running", "time": "2026-01-01T00:00:00+00:00"},
        {"event": "task_state", "task": "a", "map_index": None, "state": "Success", "time": "2026-01-01T00:00:01+00:00"},
        {"event": "task_state", "task": "b", "map_index": None, "state": "Running", "time": "2026-01-01T00:00:01+00:00"},
        {"event": "log", "task": "b", "map_index": None, "level": "ERROR", "message": "it broke",
         "time": "2026-01-01T00:00:01+00:00"},
        {"event": "task_state", "task": "b", "map_index": None, "state": "Failed", "time": "2026-01-01T00:00:02+00:00"},
        {"event": "summary", "flow": "f", "state": "Failed", "duration_s": 2.0, "counts": {"Success": 1, "Failed": 1},
         "failed": [{"task": "b", "map_index": None, "message": "it broke"}]},
    ]
    meta = {"flow": "f", "run_id": "r1", "started": "2026-01-01T00:00:00+00:00", "duration_s": 2.0,
            "parameters": {"password": "pw", "n": 3}}
    html = render_report(run_data_from_record(meta, events))
    assert html.count('<g class="node"') == 2 and html.count('class="bar"') == 2
    assert "it broke" in html and "pw" not in html and "Failures (1)" in html


def test_a_recorded_run_can_take_its_timeline_from_task_run_rows():
    events = [{"event": "summary", "flow": "f", "state": "Success", "duration_s": 1.0, "counts": {"Success": 3},
               "failed": []}]
    task_runs = [{"task": "m", "map_index": i, "state": "Success", "started": 10.0 + i, "ended": 10.5 + i}
                 for i in range(3)]
    html = render_report(run_data_from_record({"flow": "f", "started": "2026-01-01T00:00:00+00:00"}, events,
                                              task_runs))
    assert html.count('class="bar"') == 3 and "m ×3" in html and "Success 3" in html


def test_the_timeline_has_a_lane_per_worker_thread():
    import time

    from flowctl.executors import LocalDaskExecutor

    @task
    def nap(x):
        time.sleep(0.02)
        return x

    with Flow("threads") as flow:
        nap.map(list(range(12)))
    model, _state, summary = run_rendered(flow, keep_units=True,
                                          executor=LocalDaskExecutor(scheduler="threads", num_workers=3))
    data = run_data_from_model(model, summary, {})
    lanes = {run["lane"] for run in data["runs"] if run["map_index"] is not None}
    assert len(lanes) == 3
    html = render_report(data)
    assert all(f">{lane}</text>" in html for lane in lanes)
