"""``prefect.engine.executors.dask`` path: the Dask-backed executors (dask itself loads lazily)."""
from flowctl.executors.dask import DaskExecutor
from flowctl.executors.pools import LocalDaskExecutor

__all__ = ["DaskExecutor", "LocalDaskExecutor"]
