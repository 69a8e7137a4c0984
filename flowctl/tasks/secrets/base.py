"""Secret tasks: tasks whose value is sensitive, so it is never checkpointed nor stored.

``SecretBase`` is what every secret task derives from: its result is a
``SecretResult`` (which refuses to be written) and its ``checkpoint`` is off,
whatever the configuration says. ``flowctl run`` keeps secret tasks' values
out of its run store too, and scrubs them from what it records.
"""
from __future__ import annotations

from typing import Any

from flowctl.client.secrets import Secret
from flowctl.core.task import Task
from flowctl.engine.results.secret_result import SecretResult


class SecretBase(Task):
    """Base class of secret tasks; subclasses fetch the value in ``run``."""

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("result"):
            raise ValueError("Result types for Secrets are not configurable.")
        kwargs["checkpoint"] = False
        super().__init__(**kwargs)
        self.result = SecretResult(secret_task=self)


class PrefectSecret(SecretBase):
    """The secret called ``name`` from the context's secrets (``flowctl.client.Secret``).

    The task is named after the secret. ``run`` may be given another name.
    """

    def __init__(self, name: str | None = None, **kwargs: Any) -> None:
        self.secret_name = name
        super().__init__(name=name, **kwargs)

    def run(self, name: str | None = None) -> Any:
        return Secret(self.name_to_fetch(name)).get()

    def name_to_fetch(self, name: str | None) -> str:
        """``name`` given to ``run``, else the one given at init; one of them is needed."""
        name = self.secret_name if name is None else name
        if name is None:
            raise ValueError("A secret name must be provided.")
        return name
