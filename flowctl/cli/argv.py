"""Argument shapes Click cannot express, rewritten before Typer parses the command line.

- ``--resume[=RUN_ID]`` is one option whose value is optional, before or after
  TARGET: ``--resume ID flow.py``, ``flow.py --resume ID``, ``--resume=ID`` and
  a bare ``--resume`` (the latest resumable run). Click options take a value
  or none, so a bare ``--resume`` becomes ``--resume=`` (empty: the latest)
  and ``--resume X`` keeps ``X`` as the run id unless ``X`` is the only
  positional argument left, which makes it the TARGET.
- ``-V``/``--version`` works after any command, as ``-h`` does.
- Prefect 1's ``prefect run -p flow.py`` habit (``-p`` was a path there) gets
  a message instead of a confusing "missing TARGET".
"""
from __future__ import annotations

import os
from typing import Any

from flowctl.cli.errors import fail

RESUME = "--resume"
PARAM_OPTIONS = ("-p", "--param")


def _value_options(command: Any) -> set[str]:
    """Names of ``command``'s options that take a value (so the next word is not positional)."""
    names: set[str] = set()
    for param in getattr(command, "params", ()):
        if param.param_type_name == "option" and not param.is_flag and not getattr(param, "count", False):
            names.update(param.opts)
    return names - {RESUME}


def _positionals(args: list[str], value_options: set[str]) -> list[int]:
    """Indexes of the positional words in ``args`` (option values skipped, ``--`` honoured)."""
    found, index = [], 0
    while index < len(args):
        word = args[index]
        if word == "--":
            return found + list(range(index + 1, len(args)))
        if word in value_options:
            index += 2
            continue
        if not word.startswith("-") or word == "-":
            found.append(index)
        index += 1
    return found


def _rewrite_resume(args: list[str], value_options: set[str]) -> list[str]:
    out: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            return out + args[index:]
        if word in value_options:
            out += args[index:index + 2]
            index += 2
            continue
        if word != RESUME:
            out.append(word)
            index += 1
            continue
        following = args[index + 1] if index + 1 < len(args) else None
        target_seen = bool(_positionals(out, value_options))
        later = _positionals(args[index + 2:], value_options)
        if following is None or following.startswith("-") or not (target_seen or later):
            out.append(RESUME + "=")
            index += 1
        else:
            out.append(f"{RESUME}={following}")
            index += 2
    return out


def _check_param_habit(args: list[str], command_name: str) -> None:
    for word, value in zip(args, args[1:]):
        if word in PARAM_OPTIONS and "=" not in value and (value.endswith(".py") or os.path.isfile(value)):
            fail(f"-p is --param here (NAME=VALUE); TARGET is positional: flowctl {command_name} {value}\n"
                 f"(In Prefect 1, `prefect run -p` took a path; flowctl takes the path as its first argument.)")


def prepare_arguments(group: Any, args: list[str]) -> list[str]:
    """``args`` rewritten for Click: ``--resume`` values, ``-V`` after a command, Prefect 1 habits."""
    head = args[:args.index("--")] if "--" in args else args
    if any(word in ("-V", "--version") for word in head):
        return ["--version"]
    commands = getattr(group, "commands", {}) or {}
    for position, word in enumerate(args):
        if word.startswith("-"):
            continue
        command = commands.get(word)
        if command is None:
            return args
        rest = args[position + 1:]
        if any(p.opts == [RESUME] or RESUME in getattr(p, "opts", ()) for p in command.params):
            rest = _rewrite_resume(rest, _value_options(command))
        _check_param_habit(rest, word)
        return args[:position + 1] + rest
    return args
