"""Flow parameters from ``--param NAME=VALUE`` flags and ``--params-file`` files, validated before a run.

Values are JSON when they parse as JSON and raw strings otherwise, except
that a parameter whose default is a ``str`` always keeps the raw text (so
``--param day=2024-01-01`` or ``--param code=007`` stay strings). A value
that starts like JSON (``[``, ``{``, ``"``) but does not parse is an error,
not a string, and a parameter whose default is a ``bool``, ``int``,
``float``, ``list`` or ``dict`` only takes a value of that type: a typo
must stop the run before it starts, not fail a task with a ``TypeError``.
Files (``params_files.py``) are merged in order and flags win over files.
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterable

from flowctl.cli.params_files import MAX_DEPTH, check_depth, read_params_file
from flowctl.core.flow import Flow
from flowctl.exceptions import ParameterError
from flowctl.utilities.suggest import closest, describe_parameters

ENV_PREFIX = "@env:"
_JSON_STARTS = ("[", "{", '"')
#: default type -> (accepted value types, the name used in messages)
_TYPED: dict[type, tuple[tuple[type, ...], str]] = {
    bool: ((bool,), "a bool (true or false)"),
    int: ((int,), "an int"),
    float: ((int, float), "a number"),
    list: ((list,), "a JSON list"),
    dict: ((dict,), "a JSON object"),
}


def split_assignment(text: str, option: str) -> tuple[str, str]:
    """``"x=1"`` -> ``("x", "1")``; ParameterError naming ``option`` when malformed."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ParameterError(f"{option} expects NAME=VALUE (e.g. {option} n=3); got {text!r}.")
    return name, value


def _env_value(raw: str, source: str) -> str:
    variable = raw[len(ENV_PREFIX):]
    if variable not in os.environ:
        raise ParameterError(f"{source}: environment variable {variable!r} is not set.")
    return os.environ[variable]


def parse_value(raw: str, default: Any = None, source: str = "value") -> Any:
    """JSON when ``raw`` is valid JSON, else the raw string; a ``str`` default keeps it raw.

    ``@env:VAR`` reads the raw text from the environment. Text that starts
    like JSON but is not valid JSON is a ParameterError with its position.
    """
    if raw.startswith(ENV_PREFIX):
        raw = _env_value(raw, source)
    if isinstance(default, str):
        return raw
    text = raw.strip()
    if text.startswith(_JSON_STARTS):
        check_depth(text, source, kind="json")
    try:
        return json.loads(raw)
    except RecursionError:
        raise ParameterError(f"{source}: nesting deeper than {MAX_DEPTH} levels.") from None
    except json.JSONDecodeError as exc:
        if text.startswith(_JSON_STARTS):
            raise ParameterError(
                f"{source}: invalid JSON at column {exc.colno} (char {exc.pos}): {exc.msg}.\n"
                f"{raw}\n{' ' * exc.pos}^\n"
                f"Fix the JSON, or quote the whole value for the shell (e.g. -p 'xs=[1, 2]')."
            ) from None
        return raw


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def check_type(name: str, value: Any, default: Any, source: str, what: str = "Parameter") -> Any:
    """``value`` when it has the type of ``default`` (an int passes for a float); else ParameterError."""
    expected = _TYPED.get(type(default))
    if expected is None:
        return value
    accepted, label = expected
    if isinstance(value, accepted) and not (isinstance(value, bool) and bool not in accepted):
        return value
    raise ParameterError(
        f"{what} {name!r} expects {label} (its default is {default!r}); got {value!r} "
        f"({_type_name(value)}) from {source}."
    )


def parse_assignments(items: Iterable[str], option: str) -> dict[str, Any]:
    """``--context``-style KEY=VALUE items as a dict of JSON-or-string values."""
    values = {}
    for item in items:
        name, raw = split_assignment(item, option)
        values[name] = parse_value(raw, source=f"{option} {item}")
    return values


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
            values[name] = check_type(name, value, known[name].default, f"--params-file {path}")
    for item in param_flags:
        name, raw = split_assignment(item, "--param")
        if name not in known:
            raise _unknown(flow, name, f"--param {item}")
        source = f"--param {item}"
        value = parse_value(raw, known[name].default, source)
        values[name] = check_type(name, value, known[name].default, source)
    missing = sorted(name for name, p in known.items() if p.required and name not in values)
    if missing:
        example = " ".join(f"--param {name}=VALUE" for name in missing)
        raise ParameterError(
            f"Missing required parameter{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))} for flow {flow.name!r}: pass {example} or put it in a "
            f"--params-file. The flow takes: {describe_parameters(known.values())}."
        )
    return values
