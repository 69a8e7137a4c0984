"""Helpers: context, logging, configuration, task and edge utilities."""
from flowctl.utilities import collections, configuration, debug, edges

__all__ = ["collections", "configuration", "context", "debug", "edges", "logging", "tasks"]


def __getattr__(name: str):  # noqa: ANN202 - submodules that import the engine load lazily
    import importlib

    try:
        return importlib.import_module(f"flowctl.utilities.{name}")
    except ModuleNotFoundError:
        raise AttributeError(f"module 'flowctl.utilities' has no attribute {name!r}") from None
