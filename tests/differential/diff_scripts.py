"""The acceptance scripts in ``scripts/`` also run as ordinary corpus scenarios.

Each script defines ``build()`` (so the scenario harness can run it) and runs
its flow under ``if __name__ == "__main__":`` like any user script.
"""
from __future__ import annotations

from pathlib import Path

SCRIPTS = Path(__file__).with_name("scripts")


def script_paths() -> list[Path]:
    return sorted(SCRIPTS.glob("*.py"))


def load_script_scenarios() -> dict[str, str]:
    """``{"scripts.NAME": source}`` for every script."""
    return {f"scripts.{path.stem}": path.read_text() for path in script_paths()}
