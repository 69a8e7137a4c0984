"""Small collection helpers: ``DotDict`` (a dict with attribute access)."""
from __future__ import annotations

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
