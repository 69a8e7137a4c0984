"""Which parameter values the outputs must not show.

A parameter whose name says it holds a secret (``password``, ``token``,
``secret``, ``api_key``, ``credential``, in any case and with ``-`` or no
separator) is shown as ``***`` in every header, summary and report.
Values the CLI marked secret itself (``-p NAME=@env:VAR``) are redacted by
passing their names as ``also``.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable

REDACTED = "***"
_SECRET_NAME = re.compile(r"password|passwd|token|secret|api[_-]?key|credential", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def redact_parameters(parameters: dict | None, also: Iterable[str] = ()) -> dict[str, str]:
    """``{name: shown value}``: JSON text of each value, or ``***`` for a secret."""
    marked = set(also)
    shown: dict[str, str] = {}
    for name, value in (parameters or {}).items():
        if name in marked or is_secret_name(str(name)) or _looks_marked(value):
            shown[str(name)] = REDACTED
        else:
            shown[str(name)] = _short_json(value)
    return shown


def _looks_marked(value: Any) -> bool:
    """Values the CLI already replaced by its redaction marker stay redacted."""
    return isinstance(value, str) and value == REDACTED


def _short_json(value: Any, limit: int = 200) -> str:
    try:
        text = json.dumps(value, default=repr, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
