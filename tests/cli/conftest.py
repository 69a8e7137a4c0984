"""Fixtures for CLI tests: the installed ``flowctl`` run in a subprocess on modules in tmp_path."""
from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from cli_helpers import cli_env, flowctl_executable


@pytest.fixture
def flowctl_bin() -> str:
    return flowctl_executable()


@pytest.fixture
def run_cli(tmp_path: Path):
    """``run_cli("run", "flow.py", ...)`` -> CompletedProcess (text), run in ``tmp_path``."""

    def run(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 90):
        return subprocess.run([flowctl_executable(), *args], cwd=cwd or tmp_path, env=env or cli_env(),
                              capture_output=True, text=True, timeout=timeout)

    return run


@pytest.fixture
def write(tmp_path: Path):
    """``write("flow.py", source)`` writes dedented source into tmp_path and returns its path."""

    def write_file(name: str, source: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip())
        return path

    return write_file
