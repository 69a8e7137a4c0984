"""Small collection helpers: ``DotDict`` (a dict with attribute access) and the
nested-dict utilities Prefect 1 code imports from ``prefect.utilities.collections``."""
from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any, Iterator


class DotDict(dict):
    """A dict whose keys can also be read and written as attributes.

    Nested dicts passed in are converted so ``config.flows.checkpointing``
    works all the way down.
    """

    def __init__(self, init: dict | None = None, **kwargs: Any) -> None:
        super().__init__()
        for key, value in {**(init or {}), **kwargs}.items():
            self[key] = value

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, dict) and not isinstance(value, DotDict):
            value = DotDict(value)
        super().__setitem__(key, value)

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def __delattr__(self, key: str) -> None:
        try:
            del self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __repr__(self) -> str:
        """Its class and sorted keys, never its values (settings may hold secrets), as Prefect 1's."""
        if not self:
            return f"<{type(self).__name__}>"
        return f"<{type(self).__name__}: {', '.join(sorted(repr(key) for key in self))}>"

    def to_dict(self) -> dict:
        """A plain nested dict copy."""
        return {k: v.to_dict() if isinstance(v, DotDict) else v for k, v in self.items()}

    def copy(self) -> "DotDict":
        return DotDict(self.to_dict())


def flatten_keys(d: dict, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield ``("a.b.c", value)`` for every leaf of a nested dict."""
    for key, value in d.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from flatten_keys(value, full + ".")
        else:
            yield full, value


def flatten_seq(seq: Iterable) -> Iterator[Any]:
    """Every leaf of arbitrarily nested iterables, depth first (strings and bytes are leaves)."""
    for item in seq:
        if isinstance(item, Iterable) and not isinstance(item, (str, bytes)):
            yield from flatten_seq(item)
        else:
            yield item


def merge_dicts(first: MutableMapping, second: MutableMapping) -> MutableMapping:
    """A copy of ``first`` updated with ``second``, merging nested mappings key by key."""
    merged = first.copy()
    for key, value in second.items():
        if isinstance(merged.get(key), MutableMapping) and isinstance(value, MutableMapping):
            merged[key] = merge_dicts(merged[key], value)
        else:
            merged[key] = value
    return merged


def as_nested_dict(obj: Any, dct_class: type = DotDict) -> Any:
    """``obj`` with every dict in it (also inside lists, tuples and sets) turned into ``dct_class``."""
    if isinstance(obj, (list, tuple, set)):
        return type(obj)([as_nested_dict(item, dct_class) for item in obj])
    if isinstance(obj, dict):
        return dct_class({key: as_nested_dict(value, dct_class) for key, value in obj.items()})
    return obj


class CompoundKey(tuple):
    """The path of a leaf in a flattened nested dict (``dict_to_flatdict``)."""


def dict_to_flatdict(dct: MutableMapping, parent: CompoundKey | None = None) -> dict:
    """``{"a": {"b": 1}}`` -> ``{CompoundKey(("a", "b")): 1}``."""
    flat: dict = {}
    for key, value in dct.items():
        path = CompoundKey((*(parent or ()), key))
        if isinstance(value, dict):
            flat.update(dict_to_flatdict(value, parent=path))
        else:
            flat[path] = value
    return flat


def flatdict_to_dict(dct: dict, dct_class: type | None = None) -> Any:
    """The inverse of ``dict_to_flatdict`` (keys that are not ``CompoundKey`` stay top-level)."""
    make = dct_class or dict
    nested = make()
    for key, value in dct.items():
        if isinstance(key, CompoundKey):
            node = nested
            for part in key[:-1]:
                node = node.setdefault(part, make())
            node[key[-1]] = value
        else:
            nested[key] = value
    return nested
