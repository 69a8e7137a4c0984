"""Finding flows and tasks in a user's module: ``path/to/file.py[:NAME]`` or ``pkg.mod[:NAME]``.

Every command that takes a TARGET goes through here, so loading rules live in
one place: the module is imported under a name other than ``__main__`` (its
``if __name__ == "__main__"`` block stays quiet), a bare top-level
``flow.run()`` is skipped while it loads, import errors come back as the
user's own traceback, and the module is registered with cloudpickle so it
travels to worker processes by value.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import types
from typing import Any

from flowctl.core.flow import Flow
from flowctl.core.task import Task
from flowctl.exceptions import FlowctlError
from flowctl.utilities.context import context
from flowctl.utilities.suggest import did_you_mean


class TargetError(FlowctlError, ValueError):
    """A TARGET could not be loaded or does not name exactly one flow (or task)."""


def split_target(target: str) -> tuple[str, str | None]:
    """``"etl.py:flow"`` -> ``("etl.py", "flow")``; ``"pkg.mod"`` -> ``("pkg.mod", None)``."""
    spec, sep, name = target.rpartition(":")
    if not sep or not spec or os.sep in name or name.endswith(".py"):
        return target, None
    return spec, name or None


def _is_path(spec: str) -> bool:
    return spec.endswith(".py") or os.sep in spec or (os.altsep is not None and os.altsep in spec)


def _add_to_path(directory: str) -> None:
    """Make ``directory``'s modules importable without letting them shadow the standard library.

    ``python file.py`` puts the file's directory first on ``sys.path``, so a
    flow file named ``glob.py`` or ``queue.py`` would replace the stdlib
    module for everything imported later (Dask, multiprocessing's children
    inherit the path too). The directory goes after the stdlib entries and
    before site-packages, so sibling modules still win over installed ones.
    """
    if directory in sys.path:
        return
    stdlib = {os.path.dirname(os.__file__), os.path.join(os.path.dirname(os.__file__), "lib-dynload")}
    position = 0
    for index, entry in enumerate(sys.path):
        if entry in stdlib or entry.endswith(".zip"):
            position = index + 1
    sys.path.insert(position, directory)


def _module_name_for(path: str) -> str:
    """A unique, valid module name that is never ``__main__`` nor a stdlib name."""
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0]) or "module"
    name = f"flowctl_target_{stem}"
    candidate, count = name, 1
    while candidate in sys.modules:
        existing = getattr(sys.modules[candidate], "__file__", None)
        if existing and os.path.abspath(existing) == os.path.abspath(path):
            break
        count += 1
        candidate = f"{name}_{count}"
    return candidate


def _import_error(spec: str, exc: BaseException) -> TargetError:
    from flowctl.render.tracebacks import format_user_traceback

    summary = f"{type(exc).__name__}: {exc}"
    return TargetError(
        f"Could not import {spec!r}: {summary}\n\n{format_user_traceback(exc)}\n\n"
        f"Fix the error above in your module and run the command again."
    )


def _register_by_value(module: types.ModuleType) -> None:
    """Let cloudpickle ship the module's functions to workers without its files."""
    import cloudpickle

    try:
        cloudpickle.register_pickle_by_value(module)
    except (ValueError, TypeError):  # pragma: no cover - e.g. an unregistrable module
        pass


def _load_file(path: str) -> types.ModuleType:
    if os.path.isdir(path):
        raise TargetError(f"{path!r} is a directory; name the .py file inside it (e.g. {path.rstrip('/')}/flow.py).")
    if not os.path.isfile(path):
        raise TargetError(f"No such file: {path!r}. Give a path to a .py file or a dotted module name.")
    if not path.endswith(".py"):
        raise TargetError(f"{path!r} is not a Python file: give a .py file (or a dotted module name).")
    given, path = path, os.path.abspath(path)
    _add_to_path(os.path.dirname(path))  # sibling imports work as with `python file.py`
    name = _module_name_for(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"Cannot import {path!r} as a Python module.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        sys.modules.pop(name, None)
        raise _import_error(given, exc) from None
    return module


_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def _load_dotted(spec: str) -> types.ModuleType:
    if not _DOTTED.fullmatch(spec):
        raise TargetError(f"{spec!r} is neither a path to a .py file nor a dotted module name "
                          f"(like package.module); give one of the two, optionally followed by :NAME.")
    if "" not in sys.path:
        _add_to_path(os.getcwd())  # console scripts do not put the cwd on sys.path
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as exc:
        if exc.name and (spec == exc.name or spec.startswith(exc.name + ".")):
            raise TargetError(
                f"No module named {spec!r} (looked in the current directory and sys.path). "
                f"Give a path to a .py file, or run from the directory that holds the package."
            ) from None
        raise _import_error(spec, exc) from None
    except (Exception, SystemExit) as exc:
        raise _import_error(spec, exc) from None


def load_module(spec: str) -> types.ModuleType:
    """Import ``spec`` (a ``.py`` path or a dotted module) without running its flows."""
    is_file = _is_path(spec) or os.path.isfile(spec) or os.path.isdir(spec)
    with context(loading_flow=True):
        module = _load_file(spec) if is_file else _load_dotted(spec)
    _register_by_value(module)
    return module


def find_flows(module: types.ModuleType) -> list[tuple[str, Flow]]:
    """Module-level ``(variable, flow)`` pairs in definition order, each flow once."""
    found: list[tuple[str, Flow]] = []
    seen: set[int] = set()
    for variable, value in vars(module).items():
        if isinstance(value, Flow) and id(value) not in seen:
            seen.add(id(value))
            found.append((variable, value))
    return found


def describe_flows(flows: list[tuple[str, Flow]]) -> str:
    """One indented line per flow: variable, flow name and task count."""
    width = max((len(v) for v, _ in flows), default=0)
    return "\n".join(
        f"  {variable:<{width}}  {flow.name!r}  ({len(flow.tasks)} task{'s' if len(flow.tasks) != 1 else ''})"
        for variable, flow in flows
    )


def _pick_flow(spec: str, flows: list[tuple[str, Flow]], name: str | None) -> tuple[str, Flow]:
    if name is not None:
        for variable, flow in flows:
            if variable == name:
                return variable, flow
        by_name = [(v, f) for v, f in flows if f.name == name]
        if len(by_name) == 1:
            return by_name[0]
        if not flows:
            raise TargetError(f"No flow named {name!r} in {spec!r}: the module defines no Flow at top level.")
        problem = "several flows are" if by_name else "no flow is"
        hint = "" if by_name else did_you_mean(name, [v for v, _ in flows] + [f.name for _, f in flows])
        raise TargetError(
            f"In {spec!r}, {problem} named {name!r}.{hint} Flows found (variable, name, tasks):\n"
            f"{describe_flows(by_name or flows)}\nName one as {spec}:VARIABLE."
        )
    if len(flows) == 1:
        return flows[0]
    if not flows:
        raise TargetError(
            f"No flow found in {spec!r}: define one at module level, e.g. `with Flow(\"name\") as flow: ...`."
        )
    raise TargetError(
        f"{spec!r} defines {len(flows)} flows; choose one with {spec}:NAME. "
        f"Flows found (variable, name, tasks):\n{describe_flows(flows)}"
    )


def check_target(target: str) -> None:
    """TargetError for an empty TARGET or an empty NAME after the colon (``file.py:``)."""
    if not target.strip():
        raise TargetError("TARGET is empty: give path/to/file.py[:NAME] or package.module[:NAME].")
    spec, name = split_target(target)
    if name is None and target.endswith(":"):
        raise TargetError(f"{target!r} ends with ':' but names nothing after it: write {target}NAME, "
                          f"or drop the ':' when the module holds one flow.")


def resolve_flow(target: str) -> tuple[types.ModuleType, str, Flow]:
    """``(module, variable, flow)`` for ``target``; TargetError when it is ambiguous or absent."""
    check_target(target)
    spec, name = split_target(target)
    module = load_module(spec)
    variable, flow = _pick_flow(spec, find_flows(module), name)
    return module, variable, flow


def _tasks_named(flow: Flow, name: str) -> list[Task]:
    return [t for t in flow.sorted_tasks() if t.name == name or flow.slugs.get(t) == name]


def _flow_of(flows: list[tuple[str, Flow]], task: Task) -> Flow | None:
    for _variable, flow in flows:
        if task in flow.tasks:
            return flow
    for _variable, flow in flows:  # calling a task in a flow adds a copy with the same name
        if _tasks_named(flow, task.name):
            return flow
    return None


def task_names(flow: Flow) -> list[str]:
    """The flow's task names a user can test: no Parameters, each bound copy's name once."""
    from flowctl.core.parameter import Parameter

    return sorted({t.name for t in flow.tasks if not isinstance(t, Parameter)})


def _module_tasks(module: types.ModuleType) -> list[str]:
    from flowctl.core.parameter import Parameter

    return [v for v, value in vars(module).items() if isinstance(value, Task) and not isinstance(value, Parameter)]


def _describe_tasks(flows: list[tuple[str, Flow]], module: types.ModuleType) -> str:
    lines = []
    variables = _module_tasks(module)
    if variables:
        lines.append(f"  module-level tasks: {', '.join(variables)}")
    for variable, flow in flows:
        names = task_names(flow)
        lines.append(f"  {variable} ({flow.name!r}): {', '.join(names) or 'no tasks'}")
    return "\n".join(lines) or "  (no tasks or flows found)"


def resolve_task(target: str) -> tuple[Flow | None, Task]:
    """``file.py:TASK`` or ``file.py:FLOW.TASK`` -> ``(flow holding it or None, task)``."""
    check_target(target)
    spec, name = split_target(target)
    if name is None:
        raise TargetError(f"Name a task: {spec}:TASK or {spec}:FLOW.TASK.")
    module = load_module(spec)
    flows = find_flows(module)
    value: Any = getattr(module, name, None)
    if isinstance(value, Task):
        return _flow_of(flows, value), value
    matches = [(flow, t) for _v, flow in flows for t in _tasks_named(flow, name)]
    if not matches and "." in name:
        flow_part, task_part = name.split(".", 1)
        _variable, flow = _pick_flow(spec, flows, flow_part)
        matches = [(flow, t) for t in _tasks_named(flow, task_part)]
    if len(matches) == 1:
        return matches[0]
    listing = _describe_tasks(flows, module)
    if not matches:
        known = _module_tasks(module)
        known += [n for _v, flow in flows for n in task_names(flow)]
        raise TargetError(f"No task named {name!r} in {spec!r}.{did_you_mean(name, known)} Tasks found:\n{listing}")
    raise TargetError(
        f"{len(matches)} tasks are named {name!r} in {spec!r}; use {spec}:FLOW.TASK or a task's slug. "
        f"Tasks found:\n{listing}"
    )
