"""``EnvVarSecret``: a secret read from an environment variable of the process running the task."""
from __future__ import annotations

import os
from typing import Any, Callable

from flowctl.tasks.secrets.base import PrefectSecret


class EnvVarSecret(PrefectSecret):
    """The value of environment variable ``name``, passed through ``cast`` when set.

    A variable that is not set gives None, or fails the task with
    ``raise_if_missing``.
    """

    def __init__(self, name: str | None = None, cast: Callable[[Any], Any] | None = None,
                 raise_if_missing: bool = False, **kwargs: Any) -> None:
        self.cast = cast
        self.raise_if_missing = raise_if_missing
        super().__init__(name=name, **kwargs)

    def run(self, name: str | None = None) -> Any:
        name = self.name_to_fetch(name)
        if self.raise_if_missing and name not in os.environ:
            raise ValueError(f"Environment variable not set: {name}")
        value = os.environ.get(name)
        if value is not None and self.cast is not None:
            value = self.cast(value)
        return value
