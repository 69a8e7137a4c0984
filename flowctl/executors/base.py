"""The executor interface: where the flow runner's units of work run.

Public surface (as in Prefect 1): ``start()`` context manager, ``submit(fn,
*args, **kwargs)`` and ``wait(futures)``. The scheduler also uses
``on_done(future, callback)`` and ``result_of(future, task, map_index)`` so
every executor plugs into the same completion loop.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

from flowctl.exceptions import FlowctlError


class ExecutorError(FlowctlError, ValueError):
    """An executor is misconfigured or cannot reach the workers it needs (e.g. a bad Dask address)."""


class Executor:
    """Base class. ``runs_inline`` executors call ``fn`` at submit time."""

    runs_inline = False
    max_in_flight = 256

    def __repr__(self) -> str:
        return f"<Executor: {type(self).__name__}>"

    def describe(self) -> dict:
        """What a run record says about where the run ran (``executor``, and ``address`` for Dask)."""
        return {"executor": type(self).__name__}

    @contextmanager
    def start(self) -> Iterator[None]:
        """Set up (and finally tear down) whatever the executor needs."""
        yield

    def concurrency(self) -> int | None:
        """How many submitted units run at once (once started); None when the executor cannot tell.

        Fail-fast (``flowctl run -x``) submits no more than this, so no unit waits in a queue to start
        after another has failed."""
        return None

    def submit(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def wait(self, futures: Any) -> Any:
        raise NotImplementedError

    def on_done(self, future: Any, callback: Callable[[Any], None]) -> None:
        """Call ``callback(future)`` once ``future`` is done (from any thread).

        What ``submit`` returned need not be a future: an executor written for Prefect 1 may return
        a value (delegating to ``LocalExecutor``) or an object only its ``wait`` resolves. Such a
        one is handed on at once, and ``result_of`` resolves it through ``wait``."""
        if callable(getattr(type(future), "add_done_callback", None)):
            future.add_done_callback(callback)
        else:
            callback(future)

    def result_of(self, future: Any, task: Any, map_index: int | None) -> Any:
        """The value of a finished future, turning transport errors into a Failed state."""
        from flowctl.engine.state import Failed

        from flowctl.utilities import debug

        try:
            if not callable(getattr(type(future), "result", None)):  # no future's result() (see ``on_done``)
                return self.wait(future)
            return future.result()
        except BaseException as exc:  # noqa: BLE001 - the run must not crash
            if isinstance(exc, KeyboardInterrupt) or debug.raising():
                raise
            name = task.name if map_index is None else f"{task.name}[{map_index}]"
            return Failed(f"Task {name!r} could not be run by {type(self).__name__}: {exc!r}", result=exc)


_CONTAINERS = (list, tuple, set, frozenset)


def substitute_futures(value: Any, is_future: Callable[[Any], bool], resolve: Callable[[Any], Any]) -> Any:
    """``value`` with each future in it replaced by ``resolve(future)``, at any depth of lists, tuples,
    sets and dicts; anything else is returned as it is.

    Prefect 1's executors resolve such structures in ``wait`` (``dask.compute``, ``Client.gather``) and
    in the arguments of ``submit`` (so ``submit(inc, submit(inc, 0))`` chains), and scripts rely on it.
    """
    if is_future(value):
        return resolve(value)
    kind = type(value)
    if kind in _CONTAINERS:
        return kind([substitute_futures(item, is_future, resolve) for item in value])
    if kind is dict:
        return {key: substitute_futures(item, is_future, resolve) for key, item in value.items()}
    return value


def holds_future(value: Any, is_future: Callable[[Any], bool]) -> bool:
    """Whether ``value`` is, or holds (as ``substitute_futures`` looks), a future."""
    if is_future(value):
        return True
    kind = type(value)
    if kind in _CONTAINERS:
        return any(holds_future(item, is_future) for item in value)
    if kind is dict:
        return any(holds_future(item, is_future) for item in value.values())
    return False
