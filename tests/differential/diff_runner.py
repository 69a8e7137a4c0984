"""Runs differential scenarios in one interpreter and describes their outcomes as JSON.

The same file runs under Prefect 1.4.1's interpreter (the peer virtual
environment) and under flowctl's, so it imports nothing but the standard
library and the library under test, named on the command line. It serves
requests on stdin, one JSON object per line (``{"id": ..., "source": ...}``),
and answers each on the original stdout with one JSON line; everything the
scenarios print or log goes to stderr, so it can never corrupt the protocol.

A scenario is Python source defining ``build()``, which returns a flow or
``(flow, run_kwargs)``. It may define ``LOG`` (a list its tasks and handlers
append to) and ``observe(flow, state)`` (extra JSON-able facts to compare).
"""
from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import sys
import tempfile
import traceback
import types

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_WORKDIR = "<WORKDIR>"
#: What a build or run may raise and still be an outcome. Prefect 1's signals
#: derive from BaseException (flowctl's from Exception: API.md seed point 3),
#: so both are caught alike and compared by class name.
USER_ERRORS = BaseException


class Describer:
    """Turns values, exceptions and states into JSON-able descriptions."""

    def __init__(self, workdir: str) -> None:
        self.workdir = workdir

    def text(self, value: object) -> object:
        if value is None:
            return None
        text = _ADDRESS.sub("", str(value))
        return text.replace(self.workdir, _WORKDIR) if self.workdir else text

    def value(self, value: object, depth: int = 0) -> object:
        if depth > 6:
            return {"repr": "<deep>"}
        if value is None or isinstance(value, (bool, int, str)):
            return self.text(value) if isinstance(value, str) else value
        if isinstance(value, float):
            return value if value == value else "nan"
        if isinstance(value, BaseException):
            return {"exception": type(value).__name__, "message": self.text(value)}
        if isinstance(value, (list, tuple)):
            items = [self.value(item, depth + 1) for item in value]
            return items if isinstance(value, list) else {"tuple": items}
        if isinstance(value, (set, frozenset)):
            return {"set": sorted(json.dumps(self.value(i, depth + 1), sort_keys=True) for i in value)}
        if isinstance(value, dict):
            pairs = [[self.value(k, depth + 1), self.value(v, depth + 1)] for k, v in value.items()]
            return {"dict": sorted(pairs, key=lambda pair: json.dumps(pair, sort_keys=True))}
        if hasattr(value, "is_finished") and hasattr(value, "message"):
            return {"state": type(value).__name__}
        if hasattr(value, "slug") and hasattr(value, "run"):
            return {"task": getattr(value, "name", None)}
        return {"type": type(value).__name__, "repr": self.text(repr(value))}

    def state(self, state: object, with_children: bool = True) -> dict:
        out = {
            "state": type(state).__name__,
            "message": self.text(getattr(state, "message", None)),
            "result": self.value(getattr(state, "result", None)),
        }
        children = getattr(state, "map_states", None)
        if with_children and children is not None and type(state).__name__ == "Mapped":
            out["children"] = [self.state(child, with_children=False) for child in children]
        return out


class Recorder:
    """State handlers appended to every task and to the flow: they log (old, new) classes."""

    def __init__(self, context: object) -> None:
        self.context = context
        self.seen: dict[int, list] = {}

    def handler_for(self, key: int):
        seen = self.seen.setdefault(key, [])
        context = self.context

        def record(obj, old, new):
            seen.append([context.get("map_index"), type(old).__name__, type(new).__name__])
            return new

        return record


def error_description(exc: BaseException, phase: str) -> dict:
    """An exception raised while building or running, named with its whole MRO.

    The traceback is kept for people reading a difference; it is never compared.
    """
    mro = [cls.__name__ for cls in type(exc).__mro__]
    tail = traceback.format_exc()[-1500:]
    return {"phase": phase, "type": type(exc).__name__, "mro": mro, "traceback": tail}


def load_scenario(scenario_id: str, source: str, workdir: str) -> types.ModuleType:
    """Executes the scenario's source as a fresh module registered in sys.modules."""
    name = "scenario_" + re.sub(r"\W", "_", scenario_id)
    module = types.ModuleType(name)
    module.__file__ = os.path.join(workdir, name + ".py")
    module.WORKDIR = workdir
    sys.modules[name] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def describe_run(lib: types.ModuleType, module: types.ModuleType, describe: Describer) -> dict:
    """Builds the flow, runs it with recording handlers and describes the outcome."""
    try:
        built = module.build()
    except USER_ERRORS as exc:  # noqa: BLE001 - construction errors are outcomes
        return {"error": error_description(exc, "build")}
    flow, run_kwargs = built if isinstance(built, tuple) else (built, {})
    recorder = Recorder(lib.context)
    tasks = sorted(flow.tasks, key=lambda t: str(t.name))
    for index, task in enumerate(tasks):
        task.state_handlers = list(task.state_handlers) + [recorder.handler_for(index)]
    flow.state_handlers = list(flow.state_handlers) + [recorder.handler_for(-1)]
    try:
        state = flow.run(**run_kwargs)
    except USER_ERRORS as exc:  # noqa: BLE001 - run-time usage errors are outcomes
        return {"error": error_description(exc, "run"), "flow_handlers": [s[1:] for s in recorder.seen.get(-1, [])]}
    results = state.result if isinstance(state.result, dict) else {}
    described = []
    for index, task in enumerate(tasks):
        entry = {"name": str(task.name), "kind": type(task).__name__}
        entry.update(describe.state(results[task]) if task in results else {"state": None})
        # Children may interleave differently; each child's own order is what counts.
        entry["handlers"] = sorted(recorder.seen.get(index, []), key=lambda seen: -1 if seen[0] is None else seen[0])
        described.append(entry)
    outcome = {
        "flow": {"state": type(state).__name__, "message": describe.text(state.message)},
        "flow_handlers": [seen[1:] for seen in recorder.seen.get(-1, [])],
        "tasks": described,
    }
    if hasattr(module, "LOG"):
        outcome["log"] = describe.value(module.LOG)
    if hasattr(module, "observe"):
        try:
            outcome["observed"] = describe.value(module.observe(flow, state))
        except USER_ERRORS as exc:  # noqa: BLE001 - what observe trips over is an outcome too
            outcome["observed"] = {"error": {"phase": "observe", "type": type(exc).__name__}}
    return outcome


def forget_caches(lib: types.ModuleType) -> None:
    """Output caches live for the whole process in both libraries: scenarios must not share them."""
    caches = lib.context.get("caches")
    if isinstance(caches, dict):
        caches.clear()
    process_caches = getattr(sys.modules.get(f"{lib.__name__}.engine.flow_runner"), "PROCESS_CACHES", None)
    if isinstance(process_caches, dict):
        process_caches.clear()


def run_scenario(lib: types.ModuleType, scenario_id: str, source: str) -> dict:
    """One scenario in its own working directory; any escape becomes an outcome."""
    forget_caches(lib)
    workdir = tempfile.mkdtemp(prefix="diff-")
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        try:
            module = load_scenario(scenario_id, source, workdir)
        except USER_ERRORS as exc:  # noqa: BLE001 - e.g. a task class that fails at definition
            return {"error": error_description(exc, "define")}
        return describe_run(lib, module, Describer(workdir))
    except BaseException as exc:  # noqa: BLE001 - must answer whatever happens
        return {"error": error_description(exc, "crash"), "traceback": traceback.format_exc()[-2000:]}
    finally:
        os.chdir(cwd)
        shutil.rmtree(workdir, ignore_errors=True)


def serve(lib_name: str) -> None:
    """Answers one JSON line per request line until stdin closes."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    requests = os.fdopen(os.dup(0), "r")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # Prefect 1 prompts with input() for paused tasks: it must read nothing of ours.
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    sys.stdin = open(os.devnull)
    lib = importlib.import_module(lib_name)
    protocol.write(json.dumps({"ready": getattr(lib, "__version__", "?")}) + "\n")
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        outcome = run_scenario(lib, request["id"], request["source"])
        protocol.write(json.dumps({"id": request["id"], "outcome": outcome}, sort_keys=True) + "\n")


if __name__ == "__main__":
    serve(sys.argv[1])
