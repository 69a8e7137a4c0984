"""``Secret``: a named secret read from the context, as Prefect 1's local secrets are.

Secrets live in ``context.secrets``, which a run gets from the settings
(``FLOWCTL__CONTEXT__SECRETS__NAME=value``, the name's case kept), from
``flow.run(context={"secrets": {...}})``, or from code that fills
``flowctl.context.secrets`` itself. A backend holding secrets (Prefect
Cloud or Server) is out of scope: a name that is not in the context is an
error, never a network call.
"""
from __future__ import annotations

import json
from typing import Any

from flowctl.utilities.context import context


def _context_secrets() -> Any:
    return context.get("secrets") or {}


class Secret:
    """The secret called ``name``; its value is read only by ``get()``, at run time."""

    def __init__(self, name: str) -> None:
        self.name = name

    def exists(self) -> bool:
        """Whether the context holds this secret."""
        return self.name in _context_secrets()

    def get(self) -> Any:
        """The secret's value, parsed as JSON when it is JSON text (``"42"`` gives ``42``).

        Raises ValueError while a flow is being built (a secret read then would
        end up inside the flow's definition) and when the secret is not set.
        """
        from flowctl.core.flow import Flow

        if isinstance(context.get("flow"), Flow):
            raise ValueError("Secrets should only be retrieved during a Flow run, not while building a Flow.")
        try:
            value = _context_secrets()[self.name]
        except KeyError:
            raise ValueError(f'Local Secret "{self.name}" was not found.') from None
        try:
            return json.loads(value)
        except (TypeError, ValueError):  # not text, or text that is not JSON: the value as it is
            return value
