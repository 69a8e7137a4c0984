"""``flowctl visualize``: the real entry point, run in a subprocess against modules in tmp_path."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FLOWCTL = str(Path(sys.executable).parent / "flowctl")

MAPPED = """
from flowctl import Flow, Parameter, task, unmapped

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

with Flow("mapped") as flow:
    n = Parameter("n", default=3)
    total(inc.map(numbers(n), by=unmapped(10)))
"""

DIAMOND = """
from flowctl import Flow, task

@task
def a():
    return 1

@task
def b(x):
    return x

@task
def c(x):
    return x

@task
def d(left, right):
    return left + right

with Flow("diamond") as flow:
    first = a()
    d(b(first), c(first))
"""


def flowctl(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([FLOWCTL, *args], cwd=cwd, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "mapped.py").write_text(textwrap.dedent(MAPPED))
    (tmp_path / "diamond.py").write_text(textwrap.dedent(DIAMOND))
    return tmp_path


def test_text_is_the_default_and_draws_the_diamond(project):
    result = flowctl("visualize", "diamond.py", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("  ┌───┐\n  │ a │\n  └─┬─┘\n")
    lines = result.stdout.splitlines()
    assert any(line.strip() == "▼left ▼right" for line in lines)
    assert any(line.strip() == "│ b  │   │ c  │" for line in lines)


def test_dot_after_run_colours_the_mapped_children_with_their_states(project):
    result = flowctl("visualize", "mapped.py", "--format", "dot", "--run", "--param", "n=4", cwd=project)
    assert result.returncode == 0, result.stderr
    dot = result.stdout
    assert 't1 -> t2 [label="x", style="dashed"];' in dot
    assert 't2_c0 -> t2 [label="by"];' in dot
    assert 't2_m2 [label="inc[2]", shape="box", fontsize="10", style="filled", fillcolor="#eb0000"' in dot
    assert 't2_m3 [label="inc[3]", shape="box", fontsize="10", style="filled", fillcolor="#28a745"' in dot
    assert "ended Failed" in result.stderr and "Traceback" not in result.stderr


def test_mermaid_goes_to_the_file_named_by_output(project):
    result = flowctl("visualize", "mapped.py", "-o", "graph.mmd", cwd=project)
    assert result.returncode == 0, result.stderr
    text = (project / "graph.mmd").read_text()
    assert text.startswith("flowchart TB")
    assert '    t1 -.->|"x"| t2' in text and '[["inc (mapped)"]]' in text
    assert result.stdout == ""


def test_params_without_run_still_run_the_flow_and_colour_it(project):
    result = flowctl("visualize", "mapped.py", "-f", "mermaid", "-p", "n=2", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "style t3 fill:#28a745" in result.stdout  # two children, none fails


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not installed (CI installs it)")
def test_svg_is_rendered_with_graphviz(project):
    result = flowctl("visualize", "mapped.py", "--run", "-o", "graph.svg", cwd=project)
    assert result.returncode == 0, result.stderr
    svg = (project / "graph.svg").read_text()
    assert "<svg" in svg and "inc[2]" in svg


def test_missing_dot_gives_a_one_line_install_hint(project, tmp_path):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    result = flowctl("visualize", "mapped.py", "-o", "graph.png", cwd=project, env={"PATH": str(empty_bin)})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "apt-get install graphviz" in result.stderr and "brew install graphviz" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (project / "graph.png").exists()


def test_unknown_suffix_and_bad_target_exit_2(project):
    assert flowctl("visualize", "mapped.py", "-o", "graph.jpeg", cwd=project).returncode == 2
    missing = flowctl("visualize", "nope.py", cwd=project)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_run_with_visualize_writes_the_graph_coloured_by_final_states(tmp_path):
    (tmp_path / "mapped.py").write_text(textwrap.dedent(MAPPED))
    result = subprocess.run([FLOWCTL, "run", "mapped.py", "--output", "plain", "--no-checkpoint",
                             "--visualize", "after.dot"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1, result.stderr  # inc[2] fails, so the flow fails
    dot = (tmp_path / "after.dot").read_text()
    assert dot.lstrip().startswith("digraph")
    assert "#eb0000" in dot  # the failed child is drawn in Failed's colour
    assert "#28a745" in dot  # the successful ones in Success's
