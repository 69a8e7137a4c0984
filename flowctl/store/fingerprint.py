"""Task fingerprints: what a checkpoint was computed from.

A checkpoint is reused only when the task that would recompute it has the
same fingerprint: its name and class, a hash of its ``run`` code (bytecode,
constants, names, defaults, nested functions), its non-task inputs and
configuration, and the fingerprints of its upstream tasks with their edge
keys and ``mapped``/``flatten`` flags. A parameter's fingerprint is its
value (a secret's value is hashed with a key private to the store, so the
hash says nothing about it). A mapped child's fingerprint is its parent's
plus the map index, so one hash per task covers a million children.

Each task is hashed once per run, in topological order: the cost does not
grow with the number of children.
"""
from __future__ import annotations

import hashlib
import pickle
import re
import types
from typing import Any

DIGEST_SIZE = 16
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
# Attributes that say how a task runs, not what it computes: changing them must not invalidate checkpoints.
_OPERATIONAL = frozenset({
    "slug", "auto_generated", "log_stdout", "checkpoint", "max_retries", "retry_delay", "timeout", "tags",
    "cache_for", "cache_key", "cache_validator", "task_run_name", "target", "result", "state_handlers",
    "on_failure", "retry_on", "run", "name", "nout", "required", "default",
})


#: Attributes never part of a task's settings: the operational ones, and those of a function task's
#: ``run`` (private: ``_configuration`` would skip them one by one).
_NOT_CONFIGURATION = _OPERATIONAL | {"__module__", "__name__", "__qualname__", "__doc__", "__annotations__",
                                     "__wrapped__", "_run_binder"}


def stable_bytes(value: Any) -> bytes:
    """Bytes that stand for ``value`` across processes (pickle; else its repr without addresses)."""
    try:
        return pickle.dumps(value, protocol=4)
    except Exception:  # noqa: BLE001 - unpicklable constants still need a stand-in
        return _ADDRESS.sub("", repr(value)).encode("utf-8", "replace")


_NO_CONFIGURATION = _NO_EDGES = _NO_CONSTANTS = stable_bytes([])


def _code_parts(code: types.CodeType, out: list, depth: int = 0) -> None:
    out.append(code.co_code)
    out.append(repr(code.co_names).encode())
    out.append(repr(code.co_varnames).encode())
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            if depth < 20:
                _code_parts(constant, out, depth + 1)
        else:
            out.append(_ADDRESS.sub("", repr(constant)).encode("utf-8", "replace"))


def code_hash(function: Any) -> bytes:
    """A hash of a function's code object (with its constants and nested code) and its defaults."""
    function = getattr(function, "__func__", function)
    while hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    code = getattr(function, "__code__", None)
    parts: list[bytes] = []
    if code is None:
        parts.append(f"{type(function).__module__}.{type(function).__qualname__}".encode())
    else:
        _code_parts(code, parts)
        parts.append(stable_bytes(getattr(function, "__defaults__", None)))
        parts.append(stable_bytes(getattr(function, "__kwdefaults__", None)))
    digest = hashlib.blake2b(digest_size=DIGEST_SIZE)
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.digest()


def _run_hash(run: Any, known: dict) -> bytes:
    """``code_hash(run)``, worked out once per function object in ``known`` (a method: once per
    function of its class). Keyed by identity, the object kept alive so its id is not reused."""
    function = getattr(run, "__func__", run)
    found = known.get(id(function))
    if found is None:
        found = known[id(function)] = (function, code_hash(run))
    return found[1]


def _configuration(task: Any) -> bytes:
    """The task's own settings that shape its result (``CompareValue.value``, operator arguments)."""
    names = vars(task).keys() - _NOT_CONFIGURATION  # (a set difference in C: most tasks have no settings left)
    if not names:
        return _NO_CONFIGURATION
    attributes = vars(task)
    items = sorted((key, attributes[key]) for key in names
                   if not key.startswith("_") and not callable(attributes[key]))
    return stable_bytes([(key, stable_bytes(value)) for key, value in items])


def _prefixed(parts: tuple) -> bytes:
    """``parts``, each preceded by its length: the bytes a fingerprint's digest is taken over."""
    return b"".join([len(part).to_bytes(8, "little") + part for part in parts])


def _digest(*parts: bytes) -> bytes:
    return hashlib.blake2b(_prefixed(parts), digest_size=DIGEST_SIZE).digest()


def _head(task: Any, run_hashes: dict, heads: dict) -> bytes:
    """The first four parts of ``task``'s digest (name, class, run code, settings), prefixed; worked out
    once for the copies of one task, which share them all."""
    cls, run, configuration = type(task), task.run, _configuration(task)
    key = (str(task.name), cls, id(getattr(run, "__func__", run)), configuration)
    head = heads.get(key)
    if head is None:
        head = heads[key] = _prefixed((key[0].encode("utf-8", "replace"),
                                       f"{cls.__module__}.{cls.__qualname__}".encode(),
                                       _run_hash(run, run_hashes), configuration))
    return head


def parameter_fingerprint(task: Any, value: Any, secret: bool, salt: bytes) -> bytes:
    value_part = stable_bytes(value)
    if secret:
        value_part = hashlib.blake2b(value_part, key=salt[:64], digest_size=DIGEST_SIZE).digest()
    return _digest(b"parameter", task.name.encode(), value_part)


def flow_fingerprints(flow: Any, parameters: dict, secret_names: set[str], salt: bytes) -> dict[Any, bytes]:
    """``{task: fingerprint}`` for every task of ``flow`` run with ``parameters``."""
    from flowctl.core.parameter import Parameter

    fingerprints: dict[Any, bytes] = {}
    run_hashes: dict[Any, bytes] = {}  # per run function: the copies of one task share it
    heads: dict[tuple, bytes] = {}  # and the rest of their digest's first parts
    upstream_edges, constants_of, blake2b = flow.upstream_edges, flow.constants, hashlib.blake2b
    for task in flow.sorted_tasks():
        if isinstance(task, Parameter):
            value = parameters.get(task.name, getattr(task, "default", None))
            fingerprints[task] = parameter_fingerprint(task, value, task.name in secret_names, salt)
            continue
        edges = upstream_edges(task)
        edges = stable_bytes(sorted([(e.key or "", fingerprints[e.upstream_task], bool(e.mapped), bool(e.flattened))
                                     for e in edges])) if edges else _NO_EDGES
        constants = constants_of.get(task)
        constants = stable_bytes(sorted([(key, stable_bytes(value)) for key, value in constants.items()])) \
            if constants else _NO_CONSTANTS
        fingerprints[task] = blake2b(_head(task, run_hashes, heads) + _prefixed((constants, edges)),
                                     digest_size=DIGEST_SIZE).digest()
    return fingerprints


__all__ = ["flow_fingerprints", "code_hash", "stable_bytes", "DIGEST_SIZE"]
