"""``flowctl.context``: thread-local, layered runtime information.

Each thread sees its own dict. Entering ``flowctl.context(key=value)`` swaps
in a new dict built from the current one plus the given keys, and leaving it
restores the previous dict by reference: one C-level dict copy per layer and
no copy on exit, which keeps the per-task cost of the task runner small.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator


def initial_data() -> dict:
    """A thread's first context: the settings' ``context`` section (``FLOWCTL__CONTEXT__KEY``
    variables, secrets among them), as Prefect 1's context starts from its configuration's.
    Nothing else: outside a run the context holds only what the user set (API.md); a run adds
    ``config`` and the rest."""
    from flowctl.utilities.configuration import config

    return dict(config.get("context") or ())


class Deferred(tuple):
    """A thread's context dict not made yet: ``Deferred((build, *args))`` is made by
    ``build(*args)`` when first read.

    A task run's context has two dozen keys, and making and freeing that dict
    was a sixth of what a plain task's run cost in a long chain, whose tasks
    mostly never look at it. The call-alone path (``engine.task_units``) so
    installs one of these instead; every reader of this thread's context
    (``Context``, and the engine's direct ``.get`` calls on the thread's
    data) builds it on first use and installs the dict in its place, so
    writes land in the one dict the rest of the run reads. A tuple, so that
    making one is a single C call.
    """

    __slots__ = ()

    def resolve(self) -> dict:
        data = self[0](*self[1:])
        if getattr(thread_local, "data", None) is self:
            thread_local.data = data
        return data

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return self.resolve().get(key, default)

    @staticmethod
    def made(data: Any) -> dict:
        """``data`` as a dict: itself, or a Deferred's made dict."""
        return data.resolve() if data.__class__ is Deferred else data


class Context:
    """A dict-like object with attribute access, local to each thread."""

    __slots__ = ("_local",)

    def __init__(self) -> None:
        object.__setattr__(self, "_local", threading.local())

    # -- storage ---------------------------------------------------------
    @property
    def _data(self) -> dict:
        local = self._local
        try:
            data = local.data
        except AttributeError:
            data = local.data = initial_data()
        return data if data.__class__ is not Deferred else data.resolve()

    def swap(self, data: dict) -> dict:
        """Install ``data`` (by reference) as this thread's context; return the previous one.

        The runners' way in and out of a task run: ``previous = context.swap(run_context)``,
        then ``context.swap(previous)`` in a ``finally``. No copy either way.
        """
        local = self._local
        try:
            previous = local.data
        except AttributeError:
            previous = initial_data()
        local.data = data
        return previous

    # -- layering --------------------------------------------------------
    @contextmanager
    def __call__(self, *args: dict, **kwargs: Any) -> Iterator["Context"]:
        """Layer values for a ``with`` block: ``with flowctl.context(a=1): ...``."""
        layered = dict(self._data)
        for mapping in args:
            layered.update(mapping)
        layered.update(kwargs)
        previous = self.swap(layered)
        try:
            yield self
        finally:
            self._local.data = previous

    # -- dict-like access -----------------------------------------------
    def __getattr__(self, key: str) -> Any:
        try:
            return self._data[key]
        except KeyError:
            # Prefect 1's words (its Context is a DotDict): a task failing on an unset key says the same
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'") from None

    def __setattr__(self, key: str, value: Any) -> None:
        self._data[key] = value

    def __delattr__(self, key: str) -> None:
        self._data.pop(key, None)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._data))

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return "<Context>"  # (as Prefect 1's: the keys hold run state, printed by whoever needs them)

    def __reduce__(self) -> Any:
        raise TypeError("Pickling context objects is explicitly not supported. You should always access "
                        "context as an attribute of the `flowctl` module, as in `flowctl.context`")

    def get(self, key: str, default: Any = None) -> Any:
        try:  # the runners ask this many times per task: no property call in between
            return self._local.data.get(key, default)  # a Deferred answers get() too
        except AttributeError:  # this thread's first read: its context starts from the settings
            return self._data.get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        return self._data.setdefault(key, default)

    def keys(self):  # noqa: ANN201 - mirrors dict
        return self._data.keys()

    def values(self):  # noqa: ANN201
        return self._data.values()

    def items(self):  # noqa: ANN201
        return self._data.items()

    def update(self, *args: dict, **kwargs: Any) -> None:
        self._data.update(*args, **kwargs)

    def pop(self, key: str, *default: Any) -> Any:
        return self._data.pop(key, *default)

    def clear(self) -> None:
        self._data.clear()

    def copy(self) -> "ContextCopy":
        """This thread's values, shallow-copied, readable as attributes as the context is (Prefect 1's
        copy is a ``Context``)."""
        return ContextCopy(self._data)

    def to_dict(self) -> dict:
        """A shallow copy of this thread's context as a plain dict."""
        return dict(self._data)


class ContextCopy(dict):
    """``context.copy()``: a plain dict of the values whose keys also read and write as attributes."""

    __slots__ = ()

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"'Context' object has no attribute '{key}'") from None  # (Prefect 1's words)

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value


context = Context()
#: ``context``'s thread-local store (each thread's dict is its ``.data``): the task runner
#: swaps its run's dict in and out here directly, once per task and per mapped child.
thread_local = context._local
