"""Open ``case`` and resource blocks: tasks added to a flow while one is open may join it.

``Flow.add_task`` looks the blocks up in ``flowctl.context`` only while at
least one is open (in any thread), so building flows without them costs no
context lookups per task. Kept in a module of its own, free of imports,
because both ``core.flow`` and the block classes in ``tasks`` use it.
"""
from __future__ import annotations

_open = [0]


def block_opened() -> None:
    """Called by ``case`` and resource blocks on entry."""
    _open[0] += 1


def block_closed() -> None:
    """Called by ``case`` and resource blocks on exit."""
    _open[0] -= 1


def any_block_open() -> bool:
    """Whether tasks being added now may belong to a block."""
    return _open[0] > 0
