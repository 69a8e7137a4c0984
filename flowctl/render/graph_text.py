"""A flow's graph drawn for a terminal: one node per line, edges as lanes on the left.

The layout is the one ``git log --graph`` made familiar, so it stays compact:
its width is two columns per edge still open plus the longest label, never
the width of the widest layer. Nodes come in topological order, except that a
root (a parameter, a constant source) is held back until just before its
first consumer, so it sits next to the task it feeds. A node takes over the
lane of an input it consumes last, so chains run straight down and the
drawing starts at column 0. Each line also names the node's inputs
(``key=source``), so nothing depends on following a line by eye.

When the drawing is wider than the console, ``to_text`` prints an edge list
instead and says how to get an image. Plain text: colour is the CLI's job.
"""
from __future__ import annotations

from collections import defaultdict

from flowctl.render.graph import Graph, GraphEdge, Node

_LINES = {
    frozenset("ud"): "│", frozenset("lr"): "─", frozenset("dr"): "┌", frozenset("dl"): "┐",
    frozenset("ur"): "└", frozenset("ul"): "┘", frozenset("udr"): "├", frozenset("udl"): "┤",
    frozenset("lrd"): "┬", frozenset("lru"): "┴", frozenset("udlr"): "┼",
    frozenset("u"): "│", frozenset("d"): "│", frozenset("l"): "─", frozenset("r"): "─", frozenset(): " ",
}
_SYMBOLS = {"task": "●", "mapped": "▣", "parameter": "○", "constant": "◌", "case": "◆", "merge": "▼",
            "collection": "•"}
_NAMES = {"task": "task", "mapped": "mapped task", "parameter": "parameter", "constant": "constant",
          "case": "case", "merge": "merge", "collection": "collection"}
_MAX_LABEL = 40
SUGGESTION = "For a drawing that fits, write an image: flowctl visualize TARGET --format svg -o flow.svg"


def _clip(text: str, limit: int = _MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Layout:
    """The flow's real nodes (bound values folded into their consumer's line) and their edges."""

    def __init__(self, graph: Graph) -> None:
        values = {n.node_id: n for n in graph.nodes if n.kind == "value"}
        self.nodes = {n.node_id: n for n in graph.nodes if n.kind != "value"}
        self.inputs: dict[str, list[str]] = defaultdict(list)
        self.parents: dict[str, list[str]] = defaultdict(list)
        self.children: dict[str, list[str]] = defaultdict(list)
        self.edges: list[GraphEdge] = []
        for edge in graph.edges:
            if edge.child:
                continue
            if edge.source in values:
                self.inputs[edge.target].append(f"{edge.key}={values[edge.source].label}")
                continue
            self.edges.append(edge)
            self.inputs[edge.target].append(self._input(edge))
            if edge.source not in self.parents[edge.target]:
                self.parents[edge.target].append(edge.source)
                self.children[edge.source].append(edge.target)
        self.order = self._order(graph)

    def _input(self, edge: GraphEdge) -> str:
        source = self.nodes[edge.source].label
        if edge.key is None:
            return f"after {source}"
        text = source if edge.key == source else f"{edge.key}={source}"
        return text + ("*" if edge.mapped else "") + (" (flattened)" if edge.flattened else "")

    def _order(self, graph: Graph) -> list[str]:
        """Topological order, each root held back until just before its first consumer."""
        order: list[str] = []
        placed: set[str] = set()
        for node in graph.nodes:
            node_id = node.node_id
            if node_id not in self.nodes or node_id in placed:
                continue
            if not self.parents[node_id] and self.children[node_id]:
                continue  # a root: placed with its first consumer
            for parent in self.parents[node_id]:
                if parent not in placed and not self.parents[parent]:
                    order.append(parent)
                    placed.add(parent)
            order.append(node_id)
            placed.add(node_id)
        return order + [n for n in self.nodes if n not in placed]


def _kind(node: Node) -> str:
    return "mapped" if node.mapped else node.kind


def _label(node: Node, inputs: list[str]) -> str:
    parts = [_clip(node.label)]
    if node.kind in ("parameter", "constant"):
        parts.append(f"({node.kind})")
    if node.mapped:
        parts.append(f"[mapped ×{node.n_children}]" if node.child_counts else "[mapped]")
    if node.child_counts:
        counts = sorted(node.child_counts.items(), key=lambda kv: -kv[1])
        parts.append("— " + ", ".join(f"{n} {name}" for name, n in counts))
    elif node.state:
        parts.append(f"— {node.state}")
    if inputs:
        parts.append("← " + ", ".join(inputs))
    return " ".join(parts)


def _connector(lanes: list, inputs: list[int], continuing: set[int], column: int) -> str:
    """The line joining the input lanes into ``column``, crossing the lanes that pass by."""
    left, right = min(inputs + [column]), max(inputs + [column])
    cells = []
    for lane in range(max(len(lanes), column + 1)):
        active = lane < len(lanes) and lanes[lane] is not None
        directions = set()
        if lane == column:
            directions.add("d")
            if lane in inputs:
                directions.add("u")
        elif lane in inputs:
            directions.update("ud" if lane in continuing else "u")
        elif active:
            directions.update("ud")
        if left <= lane <= right:
            directions.update(("l" if lane > left else "") + ("r" if lane < right else ""))
        cells.append(_LINES[frozenset(directions)])
        cells.append("─" if left <= lane < right else " ")
    return "".join(cells).rstrip()


def _draw(layout: _Layout) -> list[str]:
    remaining = {node_id: len(layout.children[node_id]) for node_id in layout.nodes}
    lanes: list[str | None] = []
    lines: list[str] = []
    for node_id in layout.order:
        node = layout.nodes[node_id]
        inputs = sorted(lanes.index(p) for p in layout.parents[node_id] if p in lanes)
        freed = [lane for lane in inputs if remaining[lanes[lane]] == 1]
        continuing = set(inputs) - set(freed)
        column = freed[0] if freed else (lanes.index(None) if None in lanes else len(lanes))
        if inputs and inputs != [column]:
            lines.append(_connector(lanes, inputs, continuing, column))
        for parent in layout.parents[node_id]:
            remaining[parent] -= 1
        for lane in freed:
            lanes[lane] = None
        while len(lanes) <= column:
            lanes.append(None)
        lanes[column] = node_id if layout.children[node_id] else None
        drawn = max(column + 1, max((i + 1 for i, lane in enumerate(lanes) if lane), default=0))
        cells = [_SYMBOLS[_kind(node)] if lane == column else ("│" if lanes[lane] else " ")
                 for lane in range(drawn)]
        lines.append(" ".join(cells) + "  " + _label(node, layout.inputs[node_id]))
        while lanes and lanes[-1] is None:
            lanes.pop()
    return [line.rstrip() for line in lines]


def _legend(layout: _Layout) -> str:
    kinds = dict.fromkeys(_kind(n) for n in layout.nodes.values())
    symbols = "  ".join(f"{_SYMBOLS[k]} {_NAMES[k]}" for k in _SYMBOLS if k in kinds)
    return f"{symbols}\n← inputs: key=source, * mapped over, after: order only"


def edge_list(graph: Graph) -> str:
    """One line per edge: the fallback when the drawing does not fit."""
    layout = _Layout(graph)
    lines = [f"Flow {graph.name!r}: {len(layout.nodes)} tasks, {len(layout.edges)} edges"]
    for node_id in layout.order:
        node = layout.nodes[node_id]
        lines.append(f"  {_SYMBOLS[_kind(node)]} {_label(node, layout.inputs[node_id])}")
    return "\n".join(lines) + "\n"


def to_text(graph: Graph, width: int | None = None) -> str:
    """The drawing with a legend; an edge list with a hint when it is wider than ``width``."""
    if not graph.nodes:
        return f"Flow {graph.name!r} has no tasks.\n"
    layout = _Layout(graph)
    lines = _draw(layout)
    legend = _legend(layout)
    if width is not None and max(len(line) for line in lines + legend.splitlines()) > width:
        return (edge_list(graph) + f"\nThe drawing is wider than {width} columns.\n{SUGGESTION}\n")
    return "\n".join(lines) + "\n\n" + legend + "\n"
