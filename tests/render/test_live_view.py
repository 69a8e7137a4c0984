"""The live view: drawn only by its own refresh thread, never by the threads that run tasks."""
from __future__ import annotations

import io
import threading
import time

from rich.console import Console

import flowctl
from flowctl import Flow, task
from flowctl.render.live import LiveRenderer

from render_helpers import run_rendered


class ThreadRecordingTerminal(io.StringIO):
    """A terminal that remembers which thread wrote, and whether the flow was running then."""

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.writers: set[str] = set()

    def write(self, text: str) -> int:
        if self.running:
            self.writers.add(threading.current_thread().name)
        return super().write(text)

    def isatty(self) -> bool:
        return True


def test_task_threads_never_write_to_the_terminal():
    terminal = ThreadRecordingTerminal()

    @task
    def chatty(x):
        flowctl.context["logger"].info("child %s says hello", x)
        print("printed by", x)
        time.sleep(0.005)
        return x

    with Flow("chatty") as flow:
        chatty.map(list(range(60)))

    console = Console(file=terminal, force_terminal=True, width=100, height=30)
    renderer = LiveRenderer(console)
    original_start = renderer.start

    def start(model):
        original_start(model)
        terminal.running = True

    renderer.start = start
    original_finish = renderer.finish

    def finish(summary):
        terminal.running = False
        original_finish(summary)

    renderer.finish = finish
    run_rendered(flow, renderer)
    assert terminal.writers == {"flowctl-live"}  # the flow ran on MainThread, which wrote nothing
    output = terminal.getvalue()
    assert "child 59 says hello" in output and "printed by 59" in output
    assert "\x1b[?2026h" in output  # each frame is a synchronized update


def test_a_frame_on_a_narrow_terminal_keeps_the_failure_count_visible():
    @task
    def check(x):
        if x == 3:
            raise ValueError("three")
        return x

    with Flow("a flow with a rather long name that would not fit") as flow:
        check.map(list(range(10)))
    console = Console(file=io.StringIO(), width=40, height=20, color_system=None, record=True)
    renderer = LiveRenderer(console)
    model, _state, _summary = run_rendered(flow)
    renderer.model = model
    console.print(renderer._frame())
    first_line = console.export_text().splitlines()[0]
    assert first_line == "✘1 11/11"


def test_commands_printed_for_copying_never_wrap_on_a_narrow_terminal():
    from rich.console import Group

    from flowctl.render.live_view import summary_view
    from flowctl.render.summary import Summary

    summary = Summary("nightly", "Failed", 1.5, False, False, {"Failed": 1},
                      run_id="20261129T215734-a218c5", target="pipelines/warehouse/nightly_rebuild.py:flow",
                      slowest=[(f"a_task_with_a_long_name[{i}]", 0.5) for i in range(5)])
    console = Console(file=io.StringIO(), width=40, color_system=None, record=True)
    console.print(Group(*summary_view(summary)), crop=False)
    lines = console.export_text().splitlines()
    assert not any(line.startswith("Slowest:") and len(line) > 40 for line in lines)  # prose wraps
    command = "flowctl run pipelines/warehouse/nightly_rebuild.py:flow --resume 20261129T215734-a218c5"
    assert "  " + command in lines
    assert "Run record: 20261129T215734-a218c5 (flowctl runs show 20261129T215734-a218c5)" in lines
