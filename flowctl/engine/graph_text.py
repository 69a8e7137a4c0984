"""A flow's graph drawn with box characters, top to bottom, for a terminal.

A small Sugiyama-style layout: nodes go into layers by longest path (roots
pulled down next to their first user, so a parameter sits above the task it
feeds), long edges pass through one-column dummy nodes, a few barycentre
sweeps order each layer, and the channel between two layers gives each
source its own horizontal track. Lines are drawn as sets of directions per
cell and turned into box characters at the end, so crossings and junctions
come out right without special cases. Plain text: colour is the CLI's job.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flowctl.engine.graph import Graph, Node

#: Past this many nodes a terminal drawing stops being readable: say how to get an image.
TEXT_LIMIT = 40
_GAP = 3
_MAX_LABEL = 40
_BOXES = {  # top-left, top, top-right, side, bottom-left, bottom, bottom-right, exit
    "task": "┌─┐│└─┘┬", "mapped": "┏━┓┃┗━┛┳", "parameter": "╔═╗║╚═╝╤",
    "constant": "╭─╮│╰─╯┬", "value": "╭─╮│╰─╯┬", "collection": "┌┄┐┆└┄┘┬",
}
_KIND_NOTE = {"parameter": "parameter", "constant": "constant", "collection": "collection"}
_LINES = {
    frozenset("ud"): "│", frozenset("lr"): "─", frozenset("dr"): "┌", frozenset("dl"): "┐",
    frozenset("ur"): "└", frozenset("ul"): "┘", frozenset("udr"): "├", frozenset("udl"): "┤",
    frozenset("lrd"): "┬", frozenset("lru"): "┴", frozenset("udlr"): "┼",
    frozenset("u"): "│", frozenset("d"): "│", frozenset("l"): "─", frozenset("r"): "─",
}


@dataclass
class _Item:
    """A node or a dummy (``node`` None) in the layout."""

    key: str
    node: Node | None
    lines: list[str] = field(default_factory=list)
    width: int = 1
    x: float = 0.0
    slots: list[tuple[int, str, bool]] = field(default_factory=list)  # (offset, label, mapped)

    @property
    def center(self) -> float:
        return self.x + self.width // 2


@dataclass
class _Link:
    """One segment between adjacent layers; ``label`` is set on the last segment only."""

    source: str
    target: str
    label: str | None
    mapped: bool
    slot: int = -1


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "…"


def _node_lines(node: Node) -> list[str]:
    lines = [_clip(node.label)]
    if node.mapped:
        lines.append(f"mapped × {node.n_children}" if node.child_counts else "mapped")
    elif node.kind in _KIND_NOTE:
        lines.append(_KIND_NOTE[node.kind])
    if node.child_counts:
        counts = sorted(node.child_counts.items(), key=lambda kv: -kv[1])
        lines.append(_clip(", ".join(f"{n} {name}" for name, n in counts)))
    elif node.state:
        lines.append(node.state)
    return lines


def _layers(graph: Graph) -> dict[str, int]:
    nodes = [n.node_id for n in graph.nodes]
    parents: dict[str, list[str]] = defaultdict(list)
    children: dict[str, list[str]] = defaultdict(list)
    for edge in graph.edges:
        if not edge.child:
            parents[edge.target].append(edge.source)
            children[edge.source].append(edge.target)
    layer: dict[str, int] = {}
    for node_id in nodes:  # graph.nodes is topological: parents come first
        layer[node_id] = max((layer[p] + 1 for p in parents[node_id] if p in layer), default=0)
    for node_id in reversed(nodes):
        if not parents[node_id] and children[node_id]:
            layer[node_id] = min(layer[c] for c in children[node_id]) - 1
    lowest = min(layer.values())  # a value feeding a root task lands at -1
    return {node_id: depth - lowest for node_id, depth in layer.items()}


def to_text(graph: Graph) -> str:
    """The drawing, with a legend; a note on images for flows past ``TEXT_LIMIT`` nodes."""
    if not graph.nodes:
        return f"Flow {graph.name!r} has no tasks.\n"
    layer_of = _layers(graph)
    items = {n.node_id: _Item(n.node_id, n, _node_lines(n)) for n in graph.nodes}
    rows: list[list[str]] = [[] for _ in range(max(layer_of.values()) + 1)]
    for node in graph.nodes:
        rows[layer_of[node.node_id]].append(node.node_id)
    links: list[_Link] = []
    for i, edge in enumerate(e for e in graph.edges if not e.child):
        label = " ".join(filter(None, [edge.key, "(mapped)" if edge.mapped else None,
                                       "(flattened)" if edge.flattened else None]))
        previous = edge.source
        for depth in range(layer_of[edge.source] + 1, layer_of[edge.target]):
            dummy = f"d{i}_{depth}"
            items[dummy] = _Item(dummy, None)
            rows[depth].append(dummy)
            links.append(_Link(previous, dummy, None, edge.mapped))
            previous = dummy
        links.append(_Link(previous, edge.target, label, edge.mapped))
    _size_boxes(items, links)
    _order(rows, links)
    _place(rows, items, links)
    text = _draw(rows, items, links)
    real = sum(1 for n in graph.nodes if n.kind != "value")
    legend = ("legend: ┌┐ task  ┏┓ mapped task  ╔╗ parameter  ╭╮ constant  ┌┄┐ collection;"
              "  ▼ key = the argument an edge feeds")
    note = ""
    if real > TEXT_LIMIT:
        note = (f"Flow {graph.name!r} has {real} tasks: past {TEXT_LIMIT} a terminal drawing is hard to "
                f"read. For an image run `flowctl visualize TARGET -o flow.svg` (needs Graphviz's `dot`), "
                f"or `--format mermaid` / `--format dot`.\n\n")
    return note + text + "\n" + legend + "\n"


def _size_boxes(items: dict[str, _Item], links: list[_Link]) -> None:
    incoming: dict[str, list[_Link]] = defaultdict(list)
    for link in links:
        incoming[link.target].append(link)
    for item in items.values():
        if item.node is None:
            continue
        slot_width = sum(len(link.label or "") + 2 for link in incoming[item.key])
        item.width = max(max(len(line) for line in item.lines) + 4, slot_width + 3)


def _order(rows: list[list[str]], links: list[_Link]) -> None:
    """Barycentre sweeps, down then up, to cut crossings between adjacent layers."""
    parents: dict[str, list[str]] = defaultdict(list)
    children: dict[str, list[str]] = defaultdict(list)
    for link in links:
        parents[link.target].append(link.source)
        children[link.source].append(link.target)
    for sweep in range(4):
        down = sweep % 2 == 0
        sequence = range(1, len(rows)) if down else range(len(rows) - 2, -1, -1)
        for depth in sequence:
            neighbour_row = rows[depth - 1] if down else rows[depth + 1]
            position = {key: i for i, key in enumerate(neighbour_row)}
            related = parents if down else children
            current = {key: i for i, key in enumerate(rows[depth])}

            def barycentre(key: str) -> float:
                found = [position[k] for k in related[key] if k in position]
                return sum(found) / len(found) if found else current[key]

            rows[depth].sort(key=lambda k: (barycentre(k), current[k]))


def _place(rows: list[list[str]], items: dict[str, _Item], links: list[_Link]) -> None:
    """Put each item under (or over) the middle of its neighbours, never overlapping."""
    parents: dict[str, list[str]] = defaultdict(list)
    children: dict[str, list[str]] = defaultdict(list)
    for link in links:
        parents[link.target].append(link.source)
        children[link.source].append(link.target)
    for row in rows:
        x = 0
        for key in row:
            items[key].x = x
            x += items[key].width + _GAP
    passes = [(range(1, len(rows)), parents), (range(len(rows) - 2, -1, -1), children),
              (range(1, len(rows)), parents)]
    for depths, related in passes:
        for depth in depths:
            right = None
            for key in rows[depth]:
                item = items[key]
                centres = [items[k].center for k in related[key]]
                wanted = (sum(centres) / len(centres) - item.width // 2) if centres else item.x
                item.x = round(wanted if right is None else max(wanted, right + _GAP))
                right = item.x + item.width
    shift = min(items[key].x for row in rows for key in row)
    for item in items.values():
        item.x = int(item.x - shift)
    incoming: dict[str, list[_Link]] = defaultdict(list)
    for link in links:
        incoming[link.target].append(link)
    for key, item in items.items():
        if item.node is None:
            for link in incoming[key]:
                link.slot = item.x
            continue
        # Each arrow lands under its source when there is room, so lines run straight.
        ordered = sorted(incoming[key], key=lambda link: _exit(items[link.source]))
        widths = [len(link.label or "") + 2 for link in ordered]
        column = item.x + 1
        for i, link in enumerate(ordered):
            latest = item.x + item.width - 1 - sum(widths[i:])
            link.slot = max(column, min(_exit(items[link.source]), latest))
            column = link.slot + widths[i]


class _Canvas:
    """Characters by (row, column); lines are direction sets merged into box characters."""

    def __init__(self) -> None:
        self.chars: dict[tuple[int, int], str] = {}
        self.dirs: dict[tuple[int, int], set[str]] = defaultdict(set)

    def put(self, row: int, col: int, text: str) -> None:
        for offset, char in enumerate(text):
            self.chars[(row, col + offset)] = char

    def line(self, row: int, col: int, directions: str) -> None:
        self.dirs[(row, col)].update(directions)

    def vertical(self, col: int, top: int, bottom: int) -> None:
        for row in range(top, bottom + 1):
            self.line(row, col, "ud")

    def render(self) -> str:
        cells = dict(self.chars)
        for position, directions in self.dirs.items():
            cells.setdefault(position, _LINES.get(frozenset(directions), "┼"))
        height = max(row for row, _ in cells) + 1
        lines = [[" "] * (max(col for _, col in cells) + 1) for _ in range(height)]
        for (row, col), char in cells.items():
            lines[row][col] = char
        return "\n".join("".join(line).rstrip() for line in lines)


def _draw(rows: list[list[str]], items: dict[str, _Item], links: list[_Link]) -> str:
    canvas = _Canvas()
    outgoing: dict[str, list[_Link]] = defaultdict(list)
    for link in links:
        outgoing[link.source].append(link)
    top = 0
    for row in rows:
        height = max((len(items[k].lines) + 2 for k in row if items[k].node is not None), default=1)
        for key in row:
            item = items[key]
            if item.node is None:
                canvas.vertical(item.x, top, top + height - 1)
                continue
            bottom = _box(canvas, item, top, bool(outgoing[key]))
            if outgoing[key] and bottom < top + height - 1:
                canvas.vertical(item.center, bottom + 1, top + height - 1)
        top += height
        sources = [k for k in row if outgoing[k]]
        if not sources:
            continue
        tracked = [k for k in sources if any(link.slot != _exit(items[k]) for link in outgoing[k])]
        label_row = top + 1 + len(tracked)
        for key in sources:
            exit_col = _exit(items[key])
            if key not in tracked:
                canvas.vertical(exit_col, top, label_row - 1)
                _arrive(canvas, outgoing[key][0], label_row, items)
                for link in outgoing[key][1:]:
                    _arrive(canvas, link, label_row, items)
                continue
            track = top + 1 + tracked.index(key)
            canvas.vertical(exit_col, top, track - 1)
            canvas.line(track, exit_col, "u")
            columns = [exit_col] + [link.slot for link in outgoing[key]]
            for col in range(min(columns), max(columns) + 1):
                canvas.line(track, col, ("l" if col > min(columns) else "") + ("r" if col < max(columns) else ""))
            for link in outgoing[key]:
                canvas.line(track, link.slot, "d")
                canvas.vertical(link.slot, track + 1, label_row - 1)
                _arrive(canvas, link, label_row, items)
        top = label_row + 1
    return canvas.render()


def _exit(item: _Item) -> int:
    return int(item.center) if item.node is not None else int(item.x)


def _arrive(canvas: _Canvas, link: _Link, row: int, items: dict[str, _Item]) -> None:
    if items[link.target].node is None:
        canvas.line(row, link.slot, "ud")
        return
    canvas.put(row, link.slot, "▼" + (link.label or ""))


def _box(canvas: _Canvas, item: _Item, top: int, has_exit: bool) -> int:
    """Draw ``item``'s box from row ``top``; returns the bottom row."""
    corner_tl, edge_top, corner_tr, side, corner_bl, edge_bottom, corner_br, exit_char = _BOXES[
        "mapped" if item.node.mapped else item.node.kind]
    inner = item.width - 2
    canvas.put(top, item.x, corner_tl + edge_top * inner + corner_tr)
    for i, line in enumerate(item.lines):
        canvas.put(top + 1 + i, item.x, side + line.center(inner) + side)
    bottom = top + len(item.lines) + 1
    canvas.put(bottom, item.x, corner_bl + edge_bottom * inner + corner_br)
    if has_exit:
        canvas.put(bottom, int(item.center), exit_char)
    return bottom
