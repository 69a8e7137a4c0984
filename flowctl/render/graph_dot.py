"""The graph model as Graphviz DOT (and, through ``dot``, SVG/PNG/PDF) and as a Mermaid flowchart.

Both drawings follow one visual vocabulary: tasks are ellipses, mapped tasks
boxes, parameters houses, ``case`` checks diamonds; data edges carry their
key, mapped edges are bold, and control-only edges (ordering with no data)
are dashed. After a run, nodes are filled with their state's colour, the
label gets the state name and a text colour that stays readable on that
fill, and a legend lists the states drawn.
"""
from __future__ import annotations

import shutil
import subprocess

from flowctl.exceptions import FlowctlError
from flowctl.render.graph import INSTALL_HINT, Graph, GraphvizNotFound, Node

_DOT_SHAPES = {"task": "ellipse", "parameter": "invhouse", "constant": "note", "collection": "ellipse",
               "value": "plaintext", "case": "diamond", "merge": "invtriangle"}
_MERMAID_SHAPES = {"task": ('(["', '"])'), "parameter": ('[/"', '"/]'), "constant": ('[("', '")]'),
                   "collection": ('("', '")'), "value": ('>"', '"]'), "mapped": ('[["', '"]]'),
                   "case": ('{"', '"}'), "merge": ('[\\"', '"/]')}


def readable_text_colour(fill: str | None) -> str:
    """Black or white, whichever contrasts more with ``fill`` (``#rrggbb``; anything else: black)."""
    if not fill or not fill.startswith("#") or len(fill) != 7:
        return "#000000"
    try:
        red, green, blue = (int(fill[i:i + 2], 16) / 255 for i in (1, 3, 5))
    except ValueError:
        return "#000000"

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    # contrast with black (L+0.05)/0.05 against contrast with white 1.05/(L+0.05)
    return "#000000" if (luminance + 0.05) ** 2 > 0.0525 else "#ffffff"


def _state_colours(graph: Graph) -> dict[str, str]:
    """State name -> colour for every state drawn, in first-seen order (the legend)."""
    colours: dict[str, str] = {}
    for node in graph.nodes:
        if node.state and node.color:
            colours.setdefault(node.state, node.color)
        for child in node.children:
            if child.state and child.color:
                colours.setdefault(child.state, child.color)
    return colours


def _label(node: Node) -> str:
    label = node.label + ("\\n(mapped)" if node.mapped else "")
    if node.child_counts:
        counts = sorted(node.child_counts.items(), key=lambda kv: -kv[1])
        return label + "\\n" + ", ".join(f"{n} {name}" for name, n in counts)
    return label + (f"\\n{node.state}" if node.state else "")


# -- DOT ------------------------------------------------------------------------------
def _dot_quote(text: str) -> str:
    # Keep ``\n`` line breaks (our own), escape everything else Graphviz would misread.
    return '"' + text.replace("\\", "\\\\").replace("\\\\n", "\\n").replace('"', '\\"') + '"'


def _dot_attrs(attrs: dict[str, str]) -> str:
    return ", ".join(f"{name}={_dot_quote(str(value))}" for name, value in attrs.items())


def _dot_node(node: Node) -> dict[str, str]:
    attrs = {"label": _label(node), "shape": "box" if node.mapped else _DOT_SHAPES.get(node.kind, "ellipse")}
    styles = ["dashed"] if node.kind == "collection" else []
    if node.kind == "value":
        attrs["fontcolor"] = "#555555"
    if node.color:
        styles.append("filled")
        attrs.update(fillcolor=node.color, fontcolor=readable_text_colour(node.color))
        attrs["tooltip"] = node.state + (f": {node.message}" if node.message else "")
    if styles:
        attrs["style"] = ",".join(styles)
    return attrs


def _dot_legend(colours: dict[str, str]) -> list[str]:
    lines = ["    subgraph cluster_legend {", '        label="States"; fontname="Helvetica"; color="#999999";']
    previous = None
    for i, (state, colour) in enumerate(colours.items()):
        attrs = {"label": state, "shape": "box", "style": "filled", "fillcolor": colour,
                 "fontcolor": readable_text_colour(colour), "fontsize": "10"}
        lines.append(f"        legend_{i} [{_dot_attrs(attrs)}];")
        if previous is not None:
            lines.append(f'        {previous} -> legend_{i} [style="invis"];')
        previous = f"legend_{i}"
    return lines + ["    }"]


def _dot_edge(edge) -> str:  # noqa: ANN001 - a GraphEdge
    attrs: dict[str, str] = {}
    if edge.key:
        attrs["label"] = edge.key + (" (flattened)" if edge.flattened else "")
    if edge.child:
        attrs.update(style="dotted", arrowhead="none")
    elif edge.key is None:
        attrs["style"] = "dashed"  # control only: an ordering, no data
    elif edge.mapped:
        attrs["style"] = "bold"
    return f"    {edge.source} -> {edge.target}" + (f" [{_dot_attrs(attrs)}]" if attrs else "") + ";"


def to_dot(graph: Graph) -> str:
    """Graphviz source: shapes by kind, keys on edges, states as fills with a legend."""
    lines = [f"digraph {_dot_quote(graph.name)} {{", "    rankdir=TB;",
             '    node [fontname="Helvetica"]; edge [fontname="Helvetica", fontsize=10];']
    for node in graph.nodes:
        lines.append(f"    {node.node_id} [{_dot_attrs(_dot_node(node))}];")
        for child in node.children:
            child_attrs = {"label": child.label + (f"\\n{child.state}" if child.state else ""),
                           "shape": "box", "fontsize": "10"}
            if child.color:
                child_attrs.update(style="filled", fillcolor=child.color,
                                   fontcolor=readable_text_colour(child.color))
            lines.append(f"    {child.node_id} [{_dot_attrs(child_attrs)}];")
    lines += [_dot_edge(edge) for edge in graph.edges]
    colours = _state_colours(graph)
    if colours:
        lines += _dot_legend(colours)
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- Mermaid ----------------------------------------------------------------------------
def _mermaid_text(text: str) -> str:
    return text.replace("\\n", "<br/>").replace('"', "#quot;")


def _mermaid_style(node_id: str, colour: str) -> str:
    return f"    style {node_id} fill:{colour},color:{readable_text_colour(colour)}"


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart (renders on GitHub and in most Markdown viewers)."""
    lines = ["flowchart TB"]
    styles = []
    for node in graph.nodes:
        opening, closing = _MERMAID_SHAPES["mapped" if node.mapped else node.kind]
        lines.append(f"    {node.node_id}{opening}{_mermaid_text(_label(node))}{closing}")
        if node.color:
            styles.append(_mermaid_style(node.node_id, node.color))
        for child in node.children:
            child_label = child.label + (f"<br/>{child.state}" if child.state else "")
            lines.append(f'    {child.node_id}["{_mermaid_text(child_label)}"]')
            if child.color:
                styles.append(_mermaid_style(child.node_id, child.color))
    for edge in graph.edges:
        arrow = "-.-" if edge.child else ("-.->" if edge.key is None else ("==>" if edge.mapped else "-->"))
        label = (edge.key or "") + (" (flattened)" if edge.flattened else "")
        lines.append(f"    {edge.source} {arrow}" + (f'|"{_mermaid_text(label.strip())}"|' if label else "")
                     + f" {edge.target}")
    colours = _state_colours(graph)
    if colours:
        lines.append('    subgraph legend["States"]')
        for i, (state, colour) in enumerate(colours.items()):
            lines.append(f'        legend_{i}["{_mermaid_text(state)}"]')
            styles.append(_mermaid_style(f"legend_{i}", colour))
        lines.append("    end")
    return "\n".join(lines + styles) + "\n"


# -- images -----------------------------------------------------------------------------
def render_image(dot_source: str, fmt: str) -> bytes:
    """Run Graphviz's ``dot`` on ``dot_source``; ``GraphvizNotFound`` when it is missing."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFound(INSTALL_HINT.format(fmt=fmt.upper()))
    completed = subprocess.run([program, f"-T{fmt}"], input=dot_source.encode(), capture_output=True, check=False)
    if completed.returncode != 0:
        raise FlowctlError(f"Graphviz `dot` failed ({completed.returncode}): "
                           f"{completed.stderr.decode(errors='replace').strip()}")
    return completed.stdout
