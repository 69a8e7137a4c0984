"""Random flows as source text, for the Hypothesis half of the differential tier.

A flow is a list of nodes; node ``i`` may read up to two earlier nodes (as
data or as bare upstream dependencies), may be mapped, may sit inside a
``case`` block, and behaves as its kind says: return a value or a list, fail,
skip, signal FAIL, fail once then succeed on retry, loop, or merge branches.
Triggers, ``skip_on_upstream_skip`` and state handlers vary too. ``render``
turns a description into scenario source that runs on both libraries.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from known_patterns import GENERATOR_AVOIDS

#: While the corpus shows this known difference, generated flows steer around it.
AVOID_LONE_NOT_ALL_SKIPPED = "not_all_skipped on a task without upstreams" in GENERATOR_AVOIDS

KINDS = ("value", "list", "fail", "skip", "signal_fail", "flaky", "loop", "merge")
TRIGGERS = (
    "all_successful", "all_failed", "all_finished", "any_successful", "any_failed",
    "not_all_skipped", "some_successful(at_least=1)",
)
PRELUDE = '''
import prefect
from datetime import timedelta
from prefect import Flow, task, unmapped, case, triggers
from prefect.engine import signals
from prefect.tasks.control_flow import merge

LOG = {}  # per task: the order independent tasks run in is not part of the contract

def total(*values):
    """Sum of the ints in the inputs, lists flattened; anything else counts zero."""
    out = 0
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            out += item if isinstance(item, int) and not isinstance(item, bool) else 0
    return out

def note(task, old, new):
    LOG.setdefault(task.name, []).append([prefect.context.get("map_index"), type(old).__name__, type(new).__name__])
    return new
'''

BODIES = {
    "value": "return total(a, b) + {k}",
    "list": "return [total(a, b) + {k}, {k}, 2 * {k}]",
    "fail": 'raise ValueError("n{i} fails")',
    "skip": 'raise signals.SKIP("n{i} skips")',
    "signal_fail": 'raise signals.FAIL("n{i} signals failure")',
    "flaky": (
        'if prefect.context.get("task_run_count") == 1:\n'
        '        raise ValueError("n{i} first attempt")\n'
        "    return total(a, b) + {k}"
    ),
    "loop": (
        'count = prefect.context.get("task_loop_count", 1)\n'
        "    if count < 2:\n"
        "        raise signals.LOOP(result=count)\n"
        "    return total(a, b) + count"
    ),
}


@dataclass
class Node:
    kind: str
    inputs: list = field(default_factory=list)  # (source index, "a"|"b"|None, unmapped?)
    mapped: bool = False
    trigger: str = "all_successful"
    skip_on_upstream_skip: bool = True
    handler: bool = False
    case_on: tuple | None = None  # (condition node index, value compared)


@st.composite
def flow_descriptions(draw, max_nodes: int = 6) -> list[Node]:
    """Small random DAGs; merges need two earlier nodes, everything else any."""
    count = draw(st.integers(1, max_nodes))
    nodes: list[Node] = []
    for index in range(count):
        kinds = KINDS if index >= 2 else KINDS[:-1]
        node = Node(kind=draw(st.sampled_from(kinds)))
        if index and node.kind != "merge":
            sources = draw(st.lists(st.integers(0, index - 1), max_size=2, unique=True))
            slots = draw(st.lists(st.sampled_from(["a", "b", None]), min_size=len(sources), max_size=len(sources)))
            node.mapped = bool(sources) and draw(st.booleans())
            unmapped_flags = draw(st.lists(st.booleans(), min_size=len(sources), max_size=len(sources)))
            used, node.inputs = set(), []
            for source, slot, unmap in zip(sources, slots, unmapped_flags):
                slot = None if slot in used else slot
                used.add(slot)
                node.inputs.append((source, slot, unmap and node.mapped))
            if node.mapped and all(unmap or slot is None for _, slot, unmap in node.inputs):
                node.mapped = False
        elif node.kind == "merge":
            node.inputs = [(s, None, False) for s in draw(st.lists(st.integers(0, index - 1), min_size=2, max_size=2, unique=True))]
        node.trigger = draw(st.sampled_from(TRIGGERS))
        if node.trigger == "not_all_skipped" and not node.inputs and AVOID_LONE_NOT_ALL_SKIPPED:
            node.trigger = "all_successful"
        node.skip_on_upstream_skip = draw(st.booleans())
        node.handler = draw(st.booleans())
        if index and node.kind != "merge" and draw(st.integers(0, 4)) == 0:
            node.case_on = (draw(st.integers(0, index - 1)), draw(st.sampled_from([0, 1, 2])))
        nodes.append(node)
    return nodes


def _task_source(index: int, node: Node) -> str:
    options = [f'name="n{index}"', f"trigger=triggers.{node.trigger}",
               f"skip_on_upstream_skip={node.skip_on_upstream_skip}"]
    if node.kind == "flaky":
        options += ["max_retries=1", "retry_delay=timedelta(0)"]
    if node.handler:
        options.append("state_handlers=[note]")
    body = BODIES[node.kind].format(i=index, k=index + 1)
    return f"@task({', '.join(options)})\ndef n{index}(a=None, b=None):\n    {body}\n"


def _call_source(index: int, node: Node) -> str:
    if node.kind == "merge":
        return f"t{index} = merge({', '.join(f't{s}' for s, _, _ in node.inputs)})"
    args, upstream = [], []
    for source, slot, unmap in node.inputs:
        ref = f"unmapped(t{source})" if unmap else f"t{source}"
        (upstream.append(ref) if slot is None else args.append(f"{slot}={ref}"))
    if upstream:
        args.append(f"upstream_tasks=[{', '.join(upstream)}]")
    call = f"n{index}.map" if node.mapped else f"n{index}"
    return f"t{index} = {call}({', '.join(args)})"


def render(nodes: list[Node]) -> str:
    """The scenario source of a description (``build()`` returns the flow)."""
    parts = [PRELUDE]
    parts += [_task_source(i, node) for i, node in enumerate(nodes) if node.kind != "merge"]
    lines = ["def build():", '    with Flow("generated") as flow:']
    for index, node in enumerate(nodes):
        call = _call_source(index, node)
        if node.case_on is not None:
            lines.append(f"        with case(t{node.case_on[0]}, {node.case_on[1]}):")
            lines.append(f"            {call}")
        else:
            lines.append(f"        {call}")
    lines.append("    return flow")
    parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)
