"""Functions shared by the CLI tests (fixtures live in conftest.py)."""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def flowctl_executable() -> str:
    beside_python = Path(sys.executable).parent / "flowctl"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("flowctl")
    if found is None:
        raise RuntimeError("the flowctl entry point is not installed: pip install -e .")
    return found


def cli_env(**extra: str) -> dict:
    # CI itself sets CI=true, which turns `auto` output plain: tests that want it pass CI explicitly.
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "CI")}
    env.update(TERM="xterm-256color", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def json_events(stdout: str) -> list[dict]:
    """Every stdout line parsed as JSON (fails the test on any other line)."""
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def logged(stdout: str, prefix: str) -> list[str]:
    """Messages of NDJSON log events that start with ``prefix``."""
    return [e["message"][len(prefix):] for e in json_events(stdout)
            if e["event"] == "log" and e["message"].startswith(prefix)]


SIMPLE_FLOW = '''
import flowctl
from flowctl import Flow, task

@task
def say(word):
    flowctl.context["logger"].info("said %s", word)
    return word

with Flow("simple") as flow:
    say("hello")
'''
