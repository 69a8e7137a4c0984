"""Helpers for error messages: the closest known name, "unknown X" sentences, a parameter listing."""
from __future__ import annotations

import difflib
from typing import Any, Iterable

#: Up to this many choices are listed in full after an "unknown X" message.
FEW = 12


def closest(name: str, candidates: Iterable[str], cutoff: float = 0.5) -> str | None:
    """The candidate most like ``name``, if any is reasonably close."""
    candidates = [str(c) for c in candidates]
    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=cutoff)
    if not matches:  # a different case is still a good guess
        lowered = {c.lower(): c for c in candidates}
        matches = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=cutoff)
        matches = [lowered[m] for m in matches]
    return matches[0] if matches else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` (with its leading space), or an empty string."""
    hint = closest(name, candidates)
    return f" Did you mean {hint!r}?" if hint else ""


def unknown_choice(what: str, name: str, choices: Iterable[str]) -> str:
    """``unknown executor 'daks'. Did you mean 'dask'? Choose one of: local, threads, …``."""
    choices = list(choices)
    listing = f" Choose one of: {', '.join(choices)}." if 0 < len(choices) <= FEW else ""
    return f"unknown {what} {name!r}.{did_you_mean(name, choices)}{listing}"


def describe_parameters(parameters: Iterable[Any]) -> str:
    """``n (required), offset=0`` for a flow's parameters, sorted by name."""
    parts = []
    for p in sorted(parameters, key=lambda p: p.name):
        parts.append(f"{p.name} (required)" if p.required else f"{p.name}={p.default!r}")
    return ", ".join(parts) or "no parameters"
