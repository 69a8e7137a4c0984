"""``prefect.engine.executors.local`` path: the in-process executor."""
from flowctl.executors.local import LocalExecutor

__all__ = ["LocalExecutor"]
