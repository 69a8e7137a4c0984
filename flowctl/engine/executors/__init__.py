"""Older import path for executors (``prefect.engine.executors`` in Prefect 1 docs).

The executors live in ``flowctl.executors``; this package only re-exports
them under the paths Prefect 1 code still imports (``.dask``, ``.local``).
"""
from flowctl.engine.executors.dask import DaskExecutor, LocalDaskExecutor
from flowctl.engine.executors.local import LocalExecutor
from flowctl.executors.base import Executor

__all__ = ["DaskExecutor", "Executor", "LocalDaskExecutor", "LocalExecutor"]
