"""Test helper: a result copy placed at a fixed location.

As in Prefect 1, ``write`` takes template values only; a test that needs a
file at a known name sets the copy's location first.
"""
from __future__ import annotations

from typing import Any


def located(result: Any, location: str) -> Any:
    """A copy of ``result`` whose location is ``location`` (a plain name: no template)."""
    copy = result.copy()
    copy.location = location
    return copy
