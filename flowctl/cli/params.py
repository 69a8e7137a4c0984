"""Flow parameters from ``--param NAME=VALUE`` flags and ``--params-file FILE.toml`` files.

Values are JSON when they parse as JSON and raw strings otherwise, except
that a parameter whose default is a ``str`` always keeps the raw text (so
``--param day=2024-01-01`` or ``--param code=007`` stay strings). Files are
merged in order and flags win over files. Every error names the parameter,
lists what the flow takes and suggests the closest name.
"""
from __future__ import annotations

import json
import re
import tomllib
from typing import Any, Iterable

from flowctl.core.flow import Flow
from flowctl.exceptions import ParameterError
from flowctl.utilities.suggest import closest, describe_parameters


def split_assignment(text: str, option: str) -> tuple[str, str]:
    """``"x=1"`` -> ``("x", "1")``; ParameterError naming ``option`` when malformed."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ParameterError(f"{option} expects NAME=VALUE (e.g. {option} n=3); got {text!r}.")
    return name, value


def parse_value(raw: str, default: Any = None) -> Any:
    """JSON when ``raw`` is valid JSON, else the raw string; a ``str`` default keeps it raw."""
    if isinstance(default, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def parse_assignments(items: Iterable[str], option: str) -> dict[str, Any]:
    """``--context``-style KEY=VALUE items as a dict of JSON-or-string values."""
    return {name: parse_value(raw) for name, raw in (split_assignment(i, option) for i in items)}


def read_params_file(path: str) -> dict[str, Any]:
    """A TOML file's top-level table; errors carry the file, line and column."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ParameterError(f"--params-file {path!r}: no such file.") from None
    except IsADirectoryError:
        raise ParameterError(f"--params-file {path!r} is a directory; give a .toml file.") from None
    except UnicodeDecodeError as exc:
        raise ParameterError(f"--params-file {path!r} is not UTF-8 text (byte {exc.start}: {exc.reason}); "
                             f"TOML files must be saved as UTF-8.") from None
    except OSError as exc:
        raise ParameterError(f"--params-file {path!r} cannot be read: {exc.strerror or exc}.") from None
    except tomllib.TOMLDecodeError as exc:
        text = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)", text)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", text).strip()
        if where:
            line, column = where.groups()
            raise ParameterError(
                f"{path}:{line}:{column}: invalid TOML in --params-file (line {line}, column {column}): "
                f"{reason}. Write one `name = value` per line, e.g. n = 3 or city = \"Paris\"."
            ) from None
        raise ParameterError(f"{path}: invalid TOML in --params-file: {reason}.") from None


def _unknown(flow: Flow, name: str, source: str) -> ParameterError:
    known = {p.name: p for p in flow.parameters()}
    hint = closest(name, known)
    suggestion = f" Did you mean {hint!r}?" if hint else ""
    return ParameterError(
        f"Unknown parameter {name!r} (from {source}) for flow {flow.name!r}.{suggestion} "
        f"The flow takes: {describe_parameters(known.values())}."
    )


def collect_parameters(flow: Flow, param_flags: Iterable[str] = (), params_files: Iterable[str] = ()) -> dict:
    """The flow's parameter values from files (in order) then flags; validated against the flow."""
    known = {p.name: p for p in flow.parameters()}
    values: dict[str, Any] = {}
    for path in params_files:
        for name, value in read_params_file(path).items():
            if name not in known:
                raise _unknown(flow, name, f"--params-file {path}")
            values[name] = value
    for item in param_flags:
        name, raw = split_assignment(item, "--param")
        if name not in known:
            raise _unknown(flow, name, f"--param {item}")
        values[name] = parse_value(raw, known[name].default)
    missing = sorted(name for name, p in known.items() if p.required and name not in values)
    if missing:
        example = " ".join(f"--param {name}=VALUE" for name in missing)
        raise ParameterError(
            f"Missing required parameter{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))} for flow {flow.name!r}: pass {example} or put it in a "
            f"--params-file. The flow takes: {describe_parameters(known.values())}."
        )
    return values
