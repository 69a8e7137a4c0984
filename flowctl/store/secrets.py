"""Which parameters are secret, and how they are shown (``***``) and kept (not at all).

A parameter is secret when it was passed as ``-p NAME=@env:VAR`` or when its
name looks like one (``password``, ``token``, ``secret``, ``api_key``,
``credential``). Its value never reaches the store: records show ``***``,
checkpoints that contain it are skipped, and a resume reads it again from
the environment variable it came from (or asks for ``-p``).
"""
from __future__ import annotations

import re
from typing import Any, Iterable

MASK = "***"
ENV_PREFIX = "@env:"
_SECRET_NAME = re.compile(r"passw(or)?d|token|secret|api[_-]?key|credential|private[_-]?key", re.IGNORECASE)


def looks_secret(name: str) -> bool:
    return bool(_SECRET_NAME.search(str(name)))


def env_sources(flags: Iterable[str]) -> dict[str, str]:
    """``{name: VAR}`` for every ``-p name=@env:VAR`` flag."""
    sources = {}
    for flag in flags:
        name, sep, value = str(flag).partition("=")
        if sep and value.startswith(ENV_PREFIX):
            sources[name.strip()] = value[len(ENV_PREFIX):]
    return sources


def secret_names(parameters: dict, sources: dict[str, str]) -> set[str]:
    return {name for name in parameters if name in sources or looks_secret(name)}


def redact(parameters: dict, names: set[str]) -> dict:
    """``parameters`` with every secret value replaced by ``***``."""
    return {name: (MASK if name in names else value) for name, value in parameters.items()}


def secret_values(parameters: dict, names: set[str]) -> list[str]:
    """The secret values as text, longest first, for scrubbing messages and checkpoints."""
    values = {str(parameters[name]) for name in names if name in parameters and parameters[name] not in (None, "")}
    return sorted(values, key=len, reverse=True)


def scrub(text: str, values: list[str]) -> str:
    """``text`` with every secret value replaced by ``***``."""
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return text


def contains_secret(data: bytes, values: list[str]) -> bool:
    return any(value.encode("utf-8", "surrogatepass") in data for value in values)


def scrub_any(value: Any, values: list[str]) -> Any:
    """A JSON-like record with every string scrubbed."""
    if isinstance(value, str):
        return scrub(value, values)
    if isinstance(value, dict):
        return {key: scrub_any(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub_any(item, values) for item in value]
    return value


__all__ = ["MASK", "ENV_PREFIX", "looks_secret", "env_sources", "secret_names", "redact", "secret_values",
           "scrub", "scrub_any", "contains_secret"]
