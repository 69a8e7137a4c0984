"""Helpers for error messages: the closest known name, a parameter listing."""
from __future__ import annotations

import difflib
from typing import Any, Iterable


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like ``name``, if any is reasonably close."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    return matches[0] if matches else None


def describe_parameters(parameters: Iterable[Any]) -> str:
    """``n (required), offset=0`` for a flow's parameters, sorted by name."""
    parts = []
    for p in sorted(parameters, key=lambda p: p.name):
        parts.append(f"{p.name} (required)" if p.required else f"{p.name}={p.default!r}")
    return ", ".join(parts) or "no parameters"
