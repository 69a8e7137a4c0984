"""The graph model and its DOT, Mermaid, text and image renderings (flowctl.render.graph*)."""
from __future__ import annotations

import shutil

import pytest

from flowctl import Flow, Parameter, task, unmapped
from flowctl.render import graph
from flowctl.render.graph_dot import readable_text_colour, to_dot, to_mermaid
from flowctl.render.graph_text import edge_list, to_text


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


def test_dot_of_mapped_flow_has_nodes_keys_and_bold_mapped_edges():
    source = graph.visualize(mapped_flow())
    assert source.startswith('digraph "mapped" {')
    assert 't0 [label="n", shape="invhouse"];' in source
    assert 'label="inc\\n(mapped)", shape="box"' in source
    assert 't2_c0 [label="10", shape="plaintext"' in source
    assert 't1 -> t2 [label="x", style="bold"];' in source
    assert 't2_c0 -> t2 [label="by"];' in source
    assert 't2 -> t3 [label="xs"];' in source
    assert "fillcolor" not in source and "cluster_legend" not in source


def test_dot_colours_tasks_and_children_by_state_with_the_state_name_and_a_legend():
    flow = mapped_flow()
    source = to_dot(graph.build_graph(flow, flow.run()))
    assert ('t2_m2 [label="inc[2]\\nFailed", shape="box", fontsize="10", style="filled", fillcolor="#eb0000", '
            'fontcolor="#ffffff"];') in source
    assert 't2_m0 [label="inc[0]\\nSuccess", shape="box", fontsize="10", style="filled", fillcolor="#28a745"' in source
    assert "t2 -> t2_m3" in source
    assert 'fillcolor="#ff5131"' in source  # total: TriggerFailed
    legend = source[source.index("subgraph cluster_legend"):]
    assert 'label="Success"' in legend and 'label="Failed"' in legend and 'label="TriggerFailed"' in legend


@pytest.mark.parametrize("fill, text", [("#eb0000", "#ffffff"), ("#28a745", "#000000"), ("#ffffff", "#000000"),
                                        ("#000000", "#ffffff"), ("#c42800", "#ffffff"), ("#ffb347", "#000000"),
                                        ("not a colour", "#000000")])
def test_label_colour_contrasts_with_the_fill(fill, text):
    assert readable_text_colour(fill) == text


def test_every_state_colour_gets_a_label_colour_with_readable_contrast():
    from flowctl.engine import state as states

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    colours = {cls.color for cls in vars(states).values()
               if isinstance(cls, type) and str(getattr(cls, "color", "")).startswith("#")}
    assert len(colours) >= 5
    for colour in colours:
        fill, text = luminance(colour), luminance(readable_text_colour(colour))
        contrast = (max(fill, text) + 0.05) / (min(fill, text) + 0.05)
        assert contrast >= 4.5, colour  # WCAG AA for normal text


def test_control_only_edges_are_dashed_and_case_is_a_diamond():
    from flowctl.tasks.control_flow import case

    with Flow("branches") as flow:
        first = a(1)
        with case(first, 1):
            second = b(2)
        c(3, upstream_tasks=[second])
    source = to_dot(graph.build_graph(flow))
    assert 'shape="diamond"' in source
    dashed = [line for line in source.splitlines() if "->" in line and 'style="dashed"' in line]
    assert len(dashed) == 2 and not any("label=" in line for line in dashed)
    mermaid = to_mermaid(graph.build_graph(flow))
    assert mermaid.count("-.->") == 2 and '{"case(1)"}' in mermaid


def test_mermaid_of_mapped_flow_has_shapes_keyed_edges_and_readable_state_styles():
    flow = mapped_flow()
    lines = to_mermaid(graph.build_graph(flow, flow.run())).splitlines()
    assert lines[0] == "flowchart TB"
    assert '    t0[/"n<br/>Success"/]' in lines
    assert '    t2[["inc<br/>(mapped)<br/>3 Success, 1 Failed"]]' in lines
    assert '    t1 ==>|"x"| t2' in lines
    assert '    t2 -->|"xs"| t3' in lines
    assert '    t2_c0 -->|"by"| t2' in lines
    assert "    style t2_m2 fill:#eb0000,color:#ffffff" in lines
    assert '    subgraph legend["States"]' in lines


def test_many_mapped_children_collapse_into_one_node_with_counts_by_state():
    flow = mapped_flow(n_default=50)
    model = graph.build_graph(flow, flow.run())
    parent = next(node for node in model.nodes if node.label == "inc")
    assert parent.n_children == 50
    assert parent.child_counts == {"Success": 49, "Failed": 1}
    assert len(parent.children) == 1
    assert "49 Success, 1 Failed" in parent.children[0].label
    assert parent.children[0].color == "#eb0000"


def test_text_drawing_of_a_diamond_runs_lanes_from_column_zero():
    drawing = graph.render(graph.build_graph(diamond_flow()), "text")
    assert drawing.splitlines()[:8] == [
        "○  n (parameter)",
        "●  a ← n",
        "├─┐",
        "│ ●  b ← x=a",
        "● │  c ← x=a",
        "├─┘",
        "●  d ← left=b, right=c",
        "",
    ]
    assert "○ parameter" in drawing and "← inputs" in drawing


def test_text_drawing_shows_states_and_mapped_counts_after_a_run():
    flow = mapped_flow()
    drawing = graph.render(graph.build_graph(flow, flow.run()), "text")
    assert "inc [mapped ×4] — 3 Success, 1 Failed ← by=10, x=numbers*" in drawing
    assert "total — TriggerFailed ← xs=inc" in drawing


def test_text_drawing_wider_than_the_width_becomes_an_edge_list():
    with Flow("wide") as flow:
        d.map(left=[b(i) for i in range(30)], right=[c(i) for i in range(30)])
    model = graph.build_graph(flow)
    assert "wider than" not in to_text(model, width=None)
    narrow = to_text(model, width=60)
    assert narrow.startswith(edge_list(model))
    assert "wider than 60 columns" in narrow and "--format svg -o flow.svg" in narrow


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


def test_drawing_code_lives_in_render_not_in_the_engine():
    import importlib.util

    assert importlib.util.find_spec("flowctl.engine.graph") is None
    assert importlib.util.find_spec("flowctl.engine.graph_text") is None


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not installed (CI installs it)")
def test_svg_is_rendered_by_graphviz(tmp_path):
    flow = mapped_flow()
    flow.visualize(flow_state=flow.run(), filename=str(tmp_path / "graph.svg"))
    svg = (tmp_path / "graph.svg").read_text()
    assert "<svg" in svg
    assert "inc[2]" in svg and "#eb0000" in svg and "States" in svg


def test_text_drawing_folds_bound_values_into_the_line_of_the_task_they_feed():
    with Flow("values") as flow:
        b(5)
    assert graph.render(graph.build_graph(flow), "text").splitlines()[0] == "●  b ← x=5"
