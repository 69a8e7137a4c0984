"""``--params-file FILE``: a table of parameter values in TOML, JSON or YAML, chosen by suffix.

Every parse error names ``file:line:col`` (TOML's "at end of document"
included), and nesting deeper than ``MAX_DEPTH`` levels is refused before
the parser can hit Python's recursion limit. YAML needs PyYAML, which
flowctl does not depend on: without it, a clear message says so.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any

from flowctl.exceptions import ParameterError

MAX_DEPTH = 100
SUFFIXES = {".toml": "toml", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}
_OPEN, _CLOSE = "[{", "]}"


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based ``(line, column)`` of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _skip_string(text: str, index: int) -> int:
    """The index after the string literal that starts at ``index``."""
    quote = text[index]
    index += 1
    while index < len(text) and text[index] != quote:
        if text[index] == "\\" and quote == '"':
            index += 1
        elif text[index] == "\n":
            break
        index += 1
    return index + 1


def check_depth(text: str, source: str, kind: str) -> None:
    """ParameterError naming ``source:line:col`` when brackets nest deeper than ``MAX_DEPTH``."""
    depth, index = 0, 0
    comments = kind in ("toml", "yaml")
    while index < len(text):
        char = text[index]
        if char in "\"'" and (char == '"' or kind != "json"):
            index = _skip_string(text, index)
            continue
        if char == "#" and comments:
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            continue
        if char in _OPEN:
            depth += 1
            if depth > MAX_DEPTH:
                line, column = _position(text, index)
                raise ParameterError(f"{source}:{line}:{column}: nesting deeper than {MAX_DEPTH} levels; "
                                     f"flatten the value.")
        elif char in _CLOSE:
            depth -= 1
        index += 1


def _depth_of(value: Any) -> int:
    """How deeply ``value``'s lists and dicts nest (iteratively: it may be deep)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth + 1)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _parse_toml(path: str, text: str) -> Any:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)", message)
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message).strip()
        line, column = map(int, where.groups()) if where else _position(text, len(text))
        raise ParameterError(f"{path}:{line}:{column}: invalid TOML: {reason}. "
                             f"Write one `name = value` per line, e.g. n = 3 or city = \"Paris\".") from None


def _parse_json(path: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParameterError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}.") from None


def _parse_yaml(path: str, text: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise ParameterError(f"{path}: reading YAML needs PyYAML, which is not installed here: "
                             f"pip install pyyaml, or use a .toml or .json file.") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        reason = exc.problem or exc.context or "invalid YAML"
        raise ParameterError(f"{path}:{where}: invalid YAML: {reason}.") from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path}:1:1: invalid YAML: {exc}.") from None


_PARSERS = {"toml": _parse_toml, "json": _parse_json, "yaml": _parse_yaml}


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise ParameterError(f"--params-file {path!r}: no such file.") from None
    except IsADirectoryError:
        raise ParameterError(f"--params-file {path!r} is a directory; give a .toml, .json or .yaml file.") from None
    except OSError as exc:
        raise ParameterError(f"--params-file {path!r} cannot be read: {exc.strerror or exc}.") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data[:exc.start].decode("utf-8", "replace"), exc.start)
        raise ParameterError(f"{path}:{line}:{column}: not UTF-8 text ({exc.reason}); "
                             f"save parameter files as UTF-8.") from None


def read_params_file(path: str) -> dict[str, Any]:
    """The file's top-level table, format chosen by suffix; errors carry ``file:line:col``."""
    text = _read_text(path)
    suffix = os.path.splitext(path)[1].lower()
    kind = SUFFIXES.get(suffix)
    if kind is None:
        raise ParameterError(f"--params-file {path!r}: unknown format {suffix or '(no suffix)'!r}; "
                             f"name it .toml, .json, .yaml or .yml.")
    check_depth(text, path, kind)
    try:
        table = _PARSERS[kind](path, text)
    except RecursionError:
        raise ParameterError(f"{path}: nesting deeper than {MAX_DEPTH} levels; flatten the value.") from None
    if table is None and kind == "yaml":
        table = {}
    if not isinstance(table, dict):
        raise ParameterError(f"{path}:1:1: a parameters file holds a table of name: value pairs, "
                             f"not a {type(table).__name__}.")
    if _depth_of(table) > MAX_DEPTH + 1:
        raise ParameterError(f"{path}: nesting deeper than {MAX_DEPTH} levels; flatten the value.")
    return table
