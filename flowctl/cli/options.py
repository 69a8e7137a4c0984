"""Option helpers shared by the commands: choice parsers that suggest, path checks, ``--check``'s plan.

Typer's ``Choice`` errors list the choices but never say which one was
meant, and its help shows type noise (``<int range> [x>=1]``); these small
parsers give clean metavars and ``unknown executor 'daks'; did you mean
'dask'?`` messages in flowctl's error style.
"""
from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Any, Callable

import typer

from flowctl.exceptions import FlowctlError
from flowctl.utilities.suggest import unknown_choice

def examples(*lines: str) -> str:
    """A command's help epilog: an "Examples:" block, one command per line."""
    return "Examples:\n" + "\n".join(f"  {line}" for line in lines)


RUN_EXAMPLES = examples(
    "flowctl run examples/etl.py -p batches=3",
    "flowctl run examples/etl.py --params-file params.toml --executor threads -w 4",
    "flowctl run examples/etl.py -o json -x --junit report.xml",
    "flowctl run examples/etl.py --resume",
)


def choice_parser(choices: type[Enum], what: str) -> Callable[[str], Enum]:
    """A Typer ``parser=`` for an Enum option: case-insensitive, suggesting the closest choice.

    The option is annotated ``str`` and receives the Enum member this returns: typer 0.28
    drops a parser's value for an Enum-annotated option (it passes None), and typer 0.29
    passes it on either way.
    """

    def parse(value: Any) -> Enum:
        if isinstance(value, choices):
            return value
        for member in choices:
            if member.value.lower() == str(value).lower():
                return member
        raise typer.BadParameter(unknown_choice(what, str(value), [m.value for m in choices]))

    return parse


def choice_completer(choices: type[Enum]) -> Callable[[str], list[str]]:
    """A Typer ``autocompletion=`` offering an Enum option's values."""

    def complete(incomplete: str) -> list[str]:
        return [m.value for m in choices if m.value.lower().startswith(incomplete.lower())]

    return complete


def positive_int(option: str) -> Callable[[str], int]:
    """A Typer ``parser=`` for a count ``N`` of at least 1."""

    def parse(value: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise typer.BadParameter(f"expects a whole number N >= 1, e.g. {option} 4; got {value!r}.") from None
        if number < 1:
            raise typer.BadParameter(f"expects N >= 1; got {number}.")
        return number

    return parse


def _path_problem(path: Path) -> str | None:
    """Why ``path`` cannot be written, or None; checked before any task runs."""
    if path.is_dir():
        return f"{str(path)!r} is a directory; give a file name inside it"
    parent = path.parent if str(path.parent) else Path(".")
    for ancestor in [parent, *parent.parents]:
        if ancestor.exists():
            if not ancestor.is_dir():
                return f"{str(ancestor)!r} is not a directory"
            break
    if not parent.exists():
        return f"{str(parent)!r} does not exist; create it first (mkdir -p {parent})"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{str(parent)!r} is not writable"
    if path.exists() and not os.access(path, os.W_OK):
        return f"{str(path)!r} exists and is not writable"
    return None


def check_output_paths(**paths: Path | None) -> None:
    """FlowctlError for the first output path (``junit=…``) that cannot be written."""
    for option, path in paths.items():
        if path is None:
            continue
        problem = _path_problem(Path(path))
        if problem:
            raise FlowctlError(f"--{option.replace('_', '-')} {path}: {problem}. Nothing was run.")


def _shown(name: str, value: Any, secret: set) -> str:
    from flowctl.store.secrets import looks_secret

    return "***" if name in secret or looks_secret(name) else repr(value)


def print_plan(flow: Any, parameters: dict, executor: Any, address: str | None, workers: int | None,
               as_json: bool = False, secret: set | frozenset = frozenset()) -> None:
    """``--check``: what a run would do (tasks, resolved parameters, executor), without running it.

    ``secret``: the parameters given as ``-p NAME=@env:VAR``, shown as ``***`` as a run's header shows them."""
    from flowctl.core.parameter import Parameter

    tasks = [t for t in flow.sorted_tasks() if not isinstance(t, Parameter)]
    mapped = {edge.downstream_task for edge in flow.edges if edge.mapped}
    resolved = {p.name: (parameters[p.name] if p.name in parameters else p.default)
                for p in sorted(flow.parameters(), key=lambda p: p.name)}
    name = getattr(executor, "value", None) or ("dask" if address else "local")
    if as_json:
        import json

        from flowctl.render.jsonable import jsonable

        plan = {"flow": flow.name, "valid": True, "executor": name, "address": address, "workers": workers,
                "parameters": {k: "***" if _shown(k, v, secret) == "***" else jsonable(v)
                               for k, v in resolved.items()},
                "tasks": [{"name": flow.slugs.get(t, t.name), "mapped": t in mapped} for t in tasks]}
        typer.echo(json.dumps(plan))
        return
    where = f" at {address}" if address else ""
    sized = f", {workers} workers" if workers else ""
    lines = [f"Flow {flow.name!r}: parameters are valid; nothing was run (--check).",
             f"Executor: {name}{where}{sized}", "Parameters:"]
    for key, value in resolved.items():
        lines.append(f"  {key} = {_shown(key, value, secret)}{'' if key in parameters else '  (default)'}")
    if not resolved:
        lines.append("  (none)")
    lines.append(f"Tasks ({len(tasks)}, in run order):")
    lines += [f"  {flow.slugs.get(t, t.name)}{' (mapped)' if t in mapped else ''}" for t in tasks]
    typer.echo("\n".join(lines))
