"""``SecretResult``: the result of a secret task, which is never written anywhere.

A secret's value must not reach a disk through checkpointing, so this result
refuses ``write``; its ``location`` is the secret's name, and ``read`` asks
the secret task for the value again, as Prefect 1's does.
"""
from __future__ import annotations

from typing import Any

from flowctl.engine.result import Result


class SecretResult(Result):
    """Stands for the value of ``secret_task`` (a ``SecretBase`` task) without storing it."""

    def __init__(self, secret_task: Any, **kwargs: Any) -> None:
        if "serializer" in kwargs:
            raise ValueError("Can't pass a serializer to a SecretResult.")
        self.secret_task = secret_task
        kwargs.setdefault("location", secret_task.name)
        super().__init__(**kwargs)

    def read(self, location: str) -> "SecretResult":
        """A copy holding the secret named ``location``, fetched again by the secret task."""
        new = self.copy()
        new.value = self.secret_task.run(name=location)
        new.location = location
        return new

    def write(self, value_: Any, **kwargs: Any) -> "SecretResult":
        raise ValueError("SecretResults cannot be written to.")
