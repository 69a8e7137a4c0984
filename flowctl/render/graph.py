"""A flow's graph as a small model, drawn as DOT, Mermaid, terminal text or an image.

``build_graph`` turns a flow (and optionally its final state) into plain
records, so each renderer (``graph_dot.py``, ``graph_text.py``) is a short
function over lists rather than a walk over engine objects. Drawing is a
rendering concern, so it lives here and not in the engine; ``Flow.visualize``
imports it lazily. Parameters and constants get their own node kinds;
mapped tasks carry their children's states, collapsed to counts past
``MAX_CHILDREN`` so a map over a million items still draws in a blink.
Images come from Graphviz's ``dot`` program; it is optional, so a missing
``dot`` is a ``GraphvizNotFound`` error with an install hint, never a crash.
"""
from __future__ import annotations

import collections
import os
from dataclasses import dataclass, field
from typing import Any

from flowctl.exceptions import FlowctlError

#: Mapped children drawn one by one up to this many; beyond, one summary node.
MAX_CHILDREN = 10
#: Formats written as text; the others are images rendered by ``dot``.
TEXT_FORMATS = ("text", "dot", "mermaid")
IMAGE_FORMATS = ("svg", "png", "pdf")
FORMATS = TEXT_FORMATS + IMAGE_FORMATS
_SUFFIXES = {".txt": "text", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".mermaid": "mermaid",
             ".svg": "svg", ".png": "png", ".pdf": "pdf"}
INSTALL_HINT = ("Graphviz's `dot` program is needed to render {fmt} but was not found on PATH; "
                "install it (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`, "
                "conda: `conda install graphviz`) or use --format dot / mermaid / text, which need nothing.")


class GraphvizNotFound(FlowctlError, RuntimeError):
    """Rendering an image needs Graphviz's ``dot`` program, and it is not installed."""


class GraphFormatError(FlowctlError, ValueError):
    """An unknown output format (or file suffix) was asked for."""


@dataclass(slots=True)
class Child:
    """One mapped child (or, with ``count`` > 1, a summary of many)."""

    node_id: str
    label: str
    state: str | None
    color: str | None


@dataclass(slots=True)
class Node:
    """A task (``kind``: task, parameter, constant, collection, case, merge) or a bound value."""

    node_id: str
    label: str
    kind: str
    mapped: bool = False
    state: str | None = None
    color: str | None = None
    message: str | None = None
    children: list[Child] = field(default_factory=list)
    child_counts: dict[str, int] = field(default_factory=dict)
    n_children: int = 0


@dataclass(slots=True)
class GraphEdge:
    """``source`` feeds ``target`` (as keyword ``key``; no key: ordering only); ``child`` links a parent
    to a mapped child."""

    source: str
    target: str
    key: str | None = None
    mapped: bool = False
    flattened: bool = False
    child: bool = False


@dataclass(slots=True)
class Graph:
    """Everything a renderer needs: nodes in topological order, and edges."""

    name: str
    nodes: list[Node]
    edges: list[GraphEdge]
    has_states: bool = False


def _short(value: Any, limit: int = 24) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not stop a drawing
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def node_kind(task: Any) -> str:
    """parameter, constant, case, merge, collection (auto-generated) or task: each is drawn differently."""
    from flowctl.core.parameter import Parameter
    from flowctl.tasks.control_flow.conditional import CompareValue, Merge
    from flowctl.tasks.core.constants import Constant

    if isinstance(task, Parameter):
        return "parameter"
    if isinstance(task, Constant):
        return "constant"
    if isinstance(task, CompareValue):
        return "case"
    if isinstance(task, Merge):
        return "merge"
    if getattr(task, "auto_generated", False):
        return "collection"
    return "task"


def build_graph(flow: Any, flow_state: Any = None) -> Graph:
    """The graph model of ``flow``; with a final ``flow_state``, nodes carry task states."""
    task_states = {}
    if flow_state is not None and isinstance(getattr(flow_state, "result", None), dict):
        task_states = flow_state.result
    tasks = list(flow.sorted_tasks())
    ids = {task: f"t{i}" for i, task in enumerate(tasks)}
    mapped_tasks = {e.downstream_task for e in flow.edges if e.mapped}
    nodes: list[Node] = []
    edges: list[GraphEdge] = []
    for task in tasks:
        node = Node(ids[task], task.name, node_kind(task), mapped=task in mapped_tasks)
        state = task_states.get(task)
        if state is not None:
            node.state, node.color, node.message = state.name, state.color, state.message
            if state.is_mapped():
                _add_children(node, state.map_states, edges)
        nodes.append(node)
        for i, (key, value) in enumerate(sorted(flow.constants.get(task, {}).items())):
            value_id = f"{ids[task]}_c{i}"
            nodes.append(Node(value_id, _short(value), "value"))
            edges.append(GraphEdge(value_id, ids[task], key=key))
    order = {task: i for i, task in enumerate(tasks)}
    for edge in sorted(flow.edges, key=lambda e: (order[e.downstream_task], order[e.upstream_task], e.key or "")):
        edges.append(GraphEdge(ids[edge.upstream_task], ids[edge.downstream_task], key=edge.key,
                               mapped=edge.mapped, flattened=edge.flattened))
    return Graph(flow.name, nodes, edges, has_states=bool(task_states))


def _add_children(node: Node, map_states: list, edges: list[GraphEdge]) -> None:
    counts = collections.Counter(s.name if s is not None else "Pending" for s in map_states)
    node.child_counts = dict(counts)
    node.n_children = len(map_states)
    if len(map_states) <= MAX_CHILDREN:
        for index, state in enumerate(map_states):
            child = Child(f"{node.node_id}_m{index}", f"{node.label}[{index}]",
                          state.name if state is not None else None, state.color if state is not None else None)
            node.children.append(child)
    else:
        worst = next((s for s in map_states if s is not None and s.is_failed()), None)
        sample = worst or next((s for s in map_states if s is not None), None)
        summary = ", ".join(f"{n} {name}" for name, n in counts.most_common())
        node.children.append(Child(f"{node.node_id}_mall", f"{node.label}[0..{len(map_states) - 1}]\\n{summary}",
                                   None, sample.color if sample is not None else None))
    for child in node.children:
        edges.append(GraphEdge(node.node_id, child.node_id, child=True))


# -- images -----------------------------------------------------------------------------
def format_for(filename: str | os.PathLike | None, format: str | None = None) -> str:
    """The output format: ``format`` when given, else the file's suffix, else text."""
    if format:
        fmt = format.lower().lstrip(".")
        if fmt == "gv":
            fmt = "dot"
        if fmt not in FORMATS:
            raise GraphFormatError(f"Unknown graph format {format!r}; choose one of: {', '.join(FORMATS)}.")
        return fmt
    if filename is None:
        return "text"
    suffix = os.path.splitext(os.fspath(filename))[1].lower()
    if suffix not in _SUFFIXES:
        raise GraphFormatError(
            f"Cannot tell the graph format from {os.fspath(filename)!r}; use a suffix among "
            f"{', '.join(sorted(_SUFFIXES))} or pass the format explicitly."
        )
    return _SUFFIXES[suffix]


def render(graph: Graph, fmt: str, width: int | None = None) -> str | bytes:
    """``graph`` in ``fmt``: a str for text formats, bytes for images; text fits ``width`` columns."""
    from flowctl.render.graph_dot import render_image, to_dot, to_mermaid

    if fmt == "dot":
        return to_dot(graph)
    if fmt == "mermaid":
        return to_mermaid(graph)
    if fmt == "text":
        from flowctl.render.graph_text import to_text

        return to_text(graph, width)
    if fmt in IMAGE_FORMATS:
        return render_image(to_dot(graph), fmt)
    raise GraphFormatError(f"Unknown graph format {fmt!r}; choose one of: {', '.join(FORMATS)}.")


def write(graph: Graph, filename: str | os.PathLike, format: str | None = None) -> str:
    """Write ``graph`` to ``filename`` (format from ``format`` or the suffix); returns the format."""
    fmt = format_for(filename, format)
    output = render(graph, fmt)
    if isinstance(output, bytes):
        with open(filename, "wb") as handle:
            handle.write(output)
    else:
        with open(filename, "w", encoding="utf-8") as handle:
            handle.write(output)
    return fmt


def visualize(flow: Any, flow_state: Any = None, filename: str | os.PathLike | None = None,
              format: str | None = None) -> str:
    """``Flow.visualize``: the DOT source; with ``filename``, also writes the graph there.

    As with Prefect 1's graphviz-based version, a ``filename`` without a
    suffix gets one from ``format`` (default ``pdf``).
    """
    from flowctl.render.graph_dot import to_dot

    graph = build_graph(flow, flow_state)
    if filename is not None:
        name = os.fspath(filename)
        if not os.path.splitext(name)[1]:
            fmt = format_for(None, format or "pdf")
            name = f"{name}.{'txt' if fmt == 'text' else 'mmd' if fmt == 'mermaid' else fmt}"
        write(graph, name, format)
    return to_dot(graph)
