"""Plain and NDJSON writers, checked in-process on real runs."""
from __future__ import annotations

import datetime
import io
import json
import re

import flowctl
from flowctl import Flow, task
from flowctl.render.ndjson import JsonRenderer
from flowctl.render.plain import PlainRenderer

from render_helpers import run_rendered


@task
def shout(word):
    return word.upper()


@task
def check(x):
    if x == 7:
        raise ValueError("bad record 7")
    return x


def words_flow() -> Flow:
    with Flow("words") as flow:
        shout.map(["a", "b\x1b[31m"])
    return flow


def checked_flow(n: int) -> Flow:
    with Flow("checked") as flow:
        check.map(list(range(n)))
    return flow


def flaky_flow(failures_before_success: int, max_retries: int = 2) -> Flow:
    calls = {"n": 0}

    @task(max_retries=max_retries, retry_delay=datetime.timedelta(seconds=0))
    def fetch():
        calls["n"] += 1
        if calls["n"] <= failures_before_success:
            raise ConnectionError("refused")
        return 1

    with Flow("flaky") as flow:
        fetch()
    return flow


def plain_lines(flow: Flow, verbosity: int = 0) -> list[str]:
    stream = io.StringIO()
    run_rendered(flow, PlainRenderer(stream, verbosity=verbosity))
    return stream.getvalue().splitlines()


def test_plain_output_hides_routine_child_transitions_but_not_failures():
    lines = plain_lines(checked_flow(50))
    text = "\n".join(lines)
    assert "check[3]: Running -> Success" not in text
    assert "check[7]: Running -> Failed: Error during execution of task: ValueError('bad record 7')" in text
    assert "check: Pending -> Mapped" in text
    assert "check: all 50 children finished" in text and "(Failed 1, Success 49)" in text
    assert len(lines) < 40


def test_plain_verbose_output_prints_every_child_transition():
    text = "\n".join(plain_lines(checked_flow(50), verbosity=1))
    for index in range(50):
        assert f"check[{index}]: Pending -> Running" in text


def test_plain_quiet_output_is_failures_then_the_summary():
    lines = plain_lines(checked_flow(50), verbosity=-1)
    assert lines[0].endswith("check[7]: Running -> Failed: Error during execution of task: ValueError('bad record 7')")
    assert not any("INFO" in line or "Mapped" in line for line in lines)
    assert "Failures (1):" in lines and lines[-1].strip() == "ValueError: bad record 7"


def test_the_failure_summary_comes_last_and_lists_at_most_twenty_failures():
    @task
    def always_fails(x):
        raise RuntimeError(f"boom {x}")

    with Flow("many failures") as flow:
        always_fails.map(list(range(25)))
    lines = plain_lines(flow)
    start = lines.index("Failures (25):")
    shown = [line for line in lines[start:] if line.startswith("  always_fails[")]
    assert len(shown) == 20
    assert lines[-1].startswith("  ... and 5 more failures")


def test_a_failed_attempt_that_is_retried_is_one_warning_line_without_traceback():
    lines = plain_lines(flaky_flow(failures_before_success=1))
    text = "\n".join(lines)
    assert "fetch: attempt 1/3 failed: ConnectionError('refused'); retrying now" in text
    assert "Traceback" not in text and "ERROR" not in text
    assert "fetch: Running -> Failed" not in text
    assert "fetch: Running -> Success" in text


def test_a_final_failure_after_retries_keeps_its_traceback():
    lines = plain_lines(flaky_flow(failures_before_success=5, max_retries=1))
    text = "\n".join(lines)
    assert "fetch: attempt 1/2 failed: ConnectionError('refused')" in text
    assert text.count("Traceback (most recent call last)") == 2  # the final ERROR record, and the summary
    assert "fetch: Running -> Failed: Error during execution of task: ConnectionError('refused')" in text


def test_plain_output_survives_undecodable_bytes_on_a_strict_stream():
    @task
    def odd():
        flowctl.context["logger"].info("name: %s", b"caf\xe9".decode("utf-8", "surrogateescape"))

    with Flow("odd bytes") as flow:
        odd()
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
    run_rendered(flow, PlainRenderer(stream))
    stream.flush()
    assert "name: caf\\xe9" in raw.getvalue().decode("utf-8")


def json_records(flow: Flow) -> list[dict]:
    stream = io.StringIO()
    run_rendered(flow, JsonRenderer(stream))
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_ndjson_output_has_stable_keys_and_a_final_summary():
    records = json_records(words_flow())
    assert records[-1] == {**records[-1], "event": "summary", "flow": "words", "state": "Success",
                           "failed": []}
    assert all(re.match(r"\d{4}-\d\d-\d\dT", r["time"]) for r in records[:-1])


def test_ndjson_marks_a_retried_failure_not_final_and_numbers_attempts():
    records = json_records(flaky_flow(failures_before_success=1))
    fetch = [(r["state"], r["attempt"], r["final"]) for r in records if r.get("task") == "fetch"
             and r["event"] == "task_state"]
    assert fetch == [("Running", 1, False), ("Failed", 1, False), ("Retrying", 1, False),
                     ("Running", 2, False), ("Success", 2, True)]


def test_ndjson_marks_a_failure_without_retries_final():
    records = json_records(checked_flow(10))
    failed = [r for r in records if r["event"] == "task_state" and r["state"] == "Failed"]
    assert [(r["map_index"], r["attempt"], r["final"]) for r in failed] == [(7, 1, True)]


def test_ndjson_log_messages_are_valid_utf8_and_hold_only_user_frames():
    @task
    def odd():
        flowctl.context["logger"].info("name: %s", b"caf\xe9".decode("utf-8", "surrogateescape"))
        raise KeyError("no id")

    with Flow("odd bytes") as flow:
        odd()
    stream = io.StringIO()
    run_rendered(flow, JsonRenderer(stream))
    stream.getvalue().encode("utf-8")  # no lone surrogates: strict UTF-8 holds every line
    logs = [json.loads(line) for line in stream.getvalue().splitlines() if '"event": "log"' in line]
    assert any(r["message"] == "name: caf\\xe9" for r in logs)
    error = next(r["message"] for r in logs if r["level"] == "ERROR")
    assert "test_run_outputs.py" in error and "KeyError: 'no id'" in error
    assert "/flowctl/engine/" not in error


def test_plain_output_reports_a_running_maps_progress_periodically(monkeypatch):
    import time

    import flowctl.render.plain as plain

    monkeypatch.setattr(plain, "PROGRESS_EVERY", 0.05)

    @task
    def slow(x):
        time.sleep(0.01)
        return x

    with Flow("slow map") as flow:
        slow.map(list(range(40)))
    lines = plain_lines(flow)
    progress = [line for line in lines if re.search(r"slow: \d+/40 children finished \(.*\), \d+ running", line)]
    assert 2 <= len(progress) < 40
    finished = [line for line in lines if "slow: all 40 children finished" in line]
    assert len(finished) == 1 and lines.index(finished[0]) > lines.index(progress[-1])


def test_a_retried_task_is_listed_once_among_the_slowest():
    _model, _state, summary = run_rendered(flaky_flow(failures_before_success=2))
    labels = [label for label, _seconds in summary.slowest]
    assert labels.count("fetch") == 1
