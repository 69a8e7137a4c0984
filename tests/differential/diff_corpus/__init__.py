"""The hand-written scenario corpus: one module per area of the public API.

Each module defines ``SCENARIOS`` (name -> source) and may define
``PRELUDE``, source prepended to each of its scenarios. Sources import from
``prefect``; the harness rewrites that one word to ``flowctl`` for our side.
"""
from __future__ import annotations

import importlib
import pkgutil
import textwrap

#: Imports and helpers every scenario may use (prepended before the module's PRELUDE).
COMMON_PRELUDE = '''
import prefect
from datetime import timedelta
from prefect import Flow, Task, Parameter, task, unmapped, flatten, apply_map, case
from prefect import triggers
from prefect.engine import signals
LOG = []
'''


def load_corpus() -> dict[str, str]:
    """Every corpus scenario as ``{"module.name": full source}``, in a stable order."""
    scenarios: dict[str, str] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        prelude = textwrap.dedent(getattr(module, "PRELUDE", ""))
        for name, body in module.SCENARIOS.items():
            source = textwrap.dedent(COMMON_PRELUDE) + prelude + textwrap.dedent(body)
            scenarios[f"{info.name}.{name}"] = source
    return scenarios
