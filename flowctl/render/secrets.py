"""Which parameter values the outputs must not show, by the run store's one rule.

A parameter passed as ``-p NAME=@env:VAR``, or whose name says it holds a
secret (``password``, ``token``, ``secret``, ``api_key``, ``credential``),
is shown as ``***`` in every header, summary and report, and its value is
scrubbed from the messages and logs a report shows.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from flowctl.store.secrets import MASK, looks_secret, scrub, secret_values

REDACTED = MASK


def secret_names(parameters: dict | None, also: Iterable[str] = ()) -> set[str]:
    marked = set(also)
    return {str(name) for name in (parameters or {}) if name in marked or looks_secret(str(name))}


def redact_parameters(parameters: dict | None, also: Iterable[str] = ()) -> dict[str, str]:
    """``{name: shown value}``: JSON text of each value, or ``***`` for a secret."""
    names = secret_names(parameters, also)
    return {str(name): REDACTED if str(name) in names or value == REDACTED else _short_json(value)
            for name, value in (parameters or {}).items()}


def scrubber(parameters: dict | None, also: Iterable[str] = ()) -> Any:
    """A function that replaces the secret parameters' values in a text by ``***``."""
    values = secret_values(parameters or {}, secret_names(parameters, also))
    if not values:
        return lambda text: text
    return lambda text: scrub(text, values) if isinstance(text, str) else text


def _short_json(value: Any, limit: int = 200) -> str:
    try:
        text = json.dumps(value, default=repr, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
