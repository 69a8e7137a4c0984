"""Executors that tests can name as the default (``engine.executor.default_class``)."""
from flowctl.executors.pools import LocalDaskExecutor


class threads(LocalDaskExecutor):  # noqa: N801 - named as the default_executor parameter
    """Every flow run on a thread pool."""

    def __init__(self) -> None:
        super().__init__(scheduler="threads")

