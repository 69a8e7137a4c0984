"""The graph model and its DOT, Mermaid, text and image renderings (flowctl.engine.graph)."""
from __future__ import annotations

import shutil

import pytest

from flowctl import Flow, Parameter, task, unmapped
from flowctl.engine import graph
from flowctl.engine.graph_text import TEXT_LIMIT


@task
def numbers(n):
    return list(range(n))


@task
def inc(x, by):
    if x == 2:
        raise ValueError("boom")
    return x + by


@task
def total(xs):
    return sum(xs)


@task
def a(n):
    return n


@task
def b(x):
    return x


@task
def c(x):
    return x


@task
def d(left, right):
    return left + right


def mapped_flow(n_default: int = 4) -> Flow:
    with Flow("mapped") as flow:
        n = Parameter("n", default=n_default)
        total(inc.map(numbers(n), by=unmapped(10)))
    return flow


def diamond_flow() -> Flow:
    with Flow("diamond") as flow:
        first = a(Parameter("n", default=3))
        d(b(first), c(first))
    return flow


def test_dot_of_mapped_flow_has_nodes_keys_and_dashed_mapped_edges():
    source = graph.visualize(mapped_flow())
    assert source.startswith('digraph "mapped" {')
    assert 't0 [label="n", shape="invhouse"];' in source
    assert 'label="inc\\n(mapped)", shape="box"' in source
    assert 't2_c0 [label="10", shape="plaintext"' in source
    assert 't1 -> t2 [label="x", style="dashed"];' in source
    assert 't2_c0 -> t2 [label="by"];' in source
    assert 't2 -> t3 [label="xs"];' in source
    assert "fillcolor" not in source


def test_dot_colours_tasks_and_mapped_children_by_final_state():
    flow = mapped_flow()
    state = flow.run()
    source = graph.visualize(flow, flow_state=state)
    assert 't2_m2 [label="inc[2]", shape="box", fontsize="10", style="filled", fillcolor="#eb0000"' in source
    assert 't2_m0 [label="inc[0]", shape="box", fontsize="10", style="filled", fillcolor="#28a745"' in source
    assert "t2 -> t2_m3" in source
    assert 'fillcolor="#c42800"' in source  # total: TriggerFailed


def test_mermaid_of_mapped_flow_has_shapes_keyed_edges_and_state_styles():
    flow = mapped_flow()
    text = graph.to_mermaid(graph.build_graph(flow, flow.run()))
    lines = text.splitlines()
    assert lines[0] == "flowchart TB"
    assert '    t0[/"n<br/>Success"/]' in lines
    assert '    t2[["inc (mapped)<br/>Mapped"]]' in lines
    assert '    t1 -.->|"x"| t2' in lines
    assert '    t2 -->|"xs"| t3' in lines
    assert '    t2_c0 -->|"by"| t2' in lines
    assert "    style t2_m2 fill:#eb0000" in lines


def test_many_mapped_children_collapse_into_one_node_with_counts_by_state():
    flow = mapped_flow(n_default=50)
    model = graph.build_graph(flow, flow.run())
    parent = next(node for node in model.nodes if node.label == "inc")
    assert parent.n_children == 50
    assert parent.child_counts == {"Success": 49, "Failed": 1}
    assert len(parent.children) == 1
    assert "49 Success, 1 Failed" in parent.children[0].label
    assert parent.children[0].color == "#eb0000"


def test_text_drawing_of_a_diamond_is_layered_top_to_bottom():
    drawing = graph.render(graph.build_graph(diamond_flow()), "text")
    expected = """\
╔═══════════╗
║     n     ║
║ parameter ║
╚═════╤═════╝
      │
     ┌┘
     ▼n
   ┌────┐
   │ a  │
   └──┬─┘
      │
     ┌┴──────┐
     ▼x      ▼x
   ┌────┐   ┌────┐
   │ b  │   │ c  │
   └──┬─┘   └──┬─┘
      │        │
     ┌┘        │
     │     ┌───┘
     ▼left ▼right
   ┌──────────────┐
   │      d       │
   └──────────────┘
"""
    assert drawing.startswith(expected)
    assert "legend:" in drawing


def test_text_drawing_shows_states_and_mapped_counts_after_a_run():
    flow = mapped_flow()
    drawing = graph.render(graph.build_graph(flow, flow.run()), "text")
    assert "mapped × 4" in drawing
    assert "3 Success, 1 Failed" in drawing
    assert "TriggerFailed" in drawing
    assert "▼x (mapped)" in drawing


def test_text_drawing_of_a_large_flow_says_how_to_get_an_image():
    with Flow("wide") as flow:
        for i in range(TEXT_LIMIT + 5):
            b(i)
    drawing = graph.render(graph.build_graph(flow), "text")
    assert "hard to read" in drawing.splitlines()[0]
    assert "flowctl visualize TARGET -o flow.svg" in drawing


def test_missing_dot_raises_an_install_hint(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(graph.GraphvizNotFound) as caught:
        graph.render(graph.build_graph(diamond_flow()), "svg")
    assert "apt-get install graphviz" in str(caught.value)
    assert "brew install graphviz" in str(caught.value)


def test_format_comes_from_the_suffix_and_unknown_ones_are_refused(tmp_path):
    assert graph.format_for(tmp_path / "g.mmd") == "mermaid"
    assert graph.format_for(tmp_path / "g.gv") == "dot"
    assert graph.format_for(tmp_path / "g.txt", "png") == "png"
    with pytest.raises(graph.GraphFormatError):
        graph.format_for(tmp_path / "g.jpeg")


def test_flow_visualize_writes_the_file_and_returns_dot(tmp_path):
    target = tmp_path / "graph.dot"
    source = diamond_flow().visualize(filename=str(target))
    assert target.read_text() == source
    assert "t0 -> t1" in source


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not installed (CI installs it)")
def test_svg_is_rendered_by_graphviz(tmp_path):
    flow = mapped_flow()
    flow.visualize(flow_state=flow.run(), filename=str(tmp_path / "graph.svg"))
    svg = (tmp_path / "graph.svg").read_text()
    assert "<svg" in svg
    assert "inc[2]" in svg and "#eb0000" in svg


def test_text_drawing_puts_bound_values_above_the_task_they_feed():
    with Flow("values") as flow:
        b(5)
    lines = graph.render(graph.build_graph(flow), "text").splitlines()
    value_row = next(i for i, line in enumerate(lines) if "│ 5 │" in line)
    task_row = next(i for i, line in enumerate(lines) if "│ b" in line)
    assert value_row < task_row
    assert any(line.strip() == "▼x" for line in lines[value_row:task_row])
