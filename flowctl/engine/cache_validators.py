"""Cache validators: decide whether a ``Cached`` state may stand in for a new run.

Each takes ``(state, inputs, parameters)`` and returns True to reuse the cache.
"""
from __future__ import annotations

import datetime
from typing import Any, Callable, Iterable

from flowctl.engine.result import Result


def _unexpired(state: Any) -> bool:
    expiration = getattr(state, "cached_result_expiration", None)
    return expiration is None or expiration > datetime.datetime.now(datetime.timezone.utc)


def _cached_values(state: Any) -> dict:
    """The state's cached inputs as plain values (Prefect 1 keeps them as ``Result`` objects)."""
    return {key: getattr(value, "value", value) if isinstance(value, Result) else value
            for key, value in (state.cached_inputs or {}).items()}


def _hashes_match(state: Any, inputs: dict, names: Iterable[str] | None = None) -> bool | None:
    """Whether ``inputs`` hash as the state's ``hashed_inputs`` (only the ``names`` ones, when given);
    None when the state has none. Prefect 1's caches keep Dask tokens of their inputs: a state made
    there (or by hand) is checked as Prefect checks it, with ``dask.base.tokenize``, imported only then."""
    hashed = getattr(state, "hashed_inputs", None)
    if hashed is None:
        return None
    from dask.base import tokenize

    wanted = (lambda key: True) if names is None else set(names).__contains__
    return ({key: tokenize(value) for key, value in (inputs or {}).items() if wanted(key)}
            == {key: value for key, value in hashed.items() if wanted(key)})


def never_use(state: Any, inputs: dict, parameters: dict) -> bool:
    """Never reuse a cache."""
    return False


def duration_only(state: Any, inputs: dict, parameters: dict) -> bool:
    """Reuse while the cache has not expired."""
    return _unexpired(state)


def all_inputs(state: Any, inputs: dict, parameters: dict) -> bool:
    """Reuse while unexpired and every input equals the cached one."""
    if not _unexpired(state):
        return False
    hashes = _hashes_match(state, inputs)
    return hashes if hashes is not None else _cached_values(state) == (inputs or {})


def all_parameters(state: Any, inputs: dict, parameters: dict) -> bool:
    """Reuse while unexpired and every flow parameter equals the cached one."""
    return _unexpired(state) and (state.cached_parameters or {}) == (parameters or {})


def partial_parameters_only(validate_on: Iterable[str] | None = None) -> Callable:
    """Reuse while unexpired and the named parameters are unchanged."""
    names = list(validate_on or [])

    def validator(state: Any, inputs: dict, parameters: dict) -> bool:
        cached = state.cached_parameters or {}
        return _unexpired(state) and all(cached.get(n) == (parameters or {}).get(n) for n in names)

    return validator


def partial_inputs_only(validate_on: Iterable[str] | None = None) -> Callable:
    """Reuse while unexpired and the named inputs are unchanged."""
    names = list(validate_on or [])

    def validator(state: Any, inputs: dict, parameters: dict) -> bool:
        if not _unexpired(state):
            return False
        if validate_on is None:  # as Prefect 1: nothing to validate on, so the cache is valid
            return True
        hashes = _hashes_match(state, inputs, names)
        if hashes is not None:
            return hashes
        cached, inputs = _cached_values(state), inputs or {}
        return ({k: v for k, v in inputs.items() if k in names}
                == {k: v for k, v in cached.items() if k in names})

    return validator
