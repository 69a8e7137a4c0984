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


BIG = """
from flowctl import Flow, Parameter, task, unmapped
from flowctl.tasks.control_flow import case, merge

@task
def extract(source):
    return [1, 2, 3]

@task
def clean(x):
    return x

@task
def enrich(x, factor):
    return x * factor

@task
def validate(xs):
    return all(xs)

@task
def summarize(xs):
    return sum(xs)

@task
def is_big(total):
    return total > 5

@task
def report_big(total):
    return f"big {total}"

@task
def report_small(total):
    return f"small {total}"

@task
def publish(message, channel):
    return message

@task
def archive(xs, bucket):
    return len(xs)

@task
def notify(message, done):
    return message

@task
def audit(a, b):
    return a

@task
def cleanup():
    return None

with Flow("nightly etl") as flow:
    raw = extract(Parameter("source", default="db"))
    enriched = enrich.map(clean.map(raw), factor=unmapped(Parameter("factor", default=2)))
    ok = validate(enriched)
    total = summarize(enriched)
    big = is_big(total)
    with case(big, True):
        loud = report_big(total)
    with case(big, False):
        quiet = report_small(total)
    published = publish(merge(loud, quiet), Parameter("channel", default="#data"))
    done = notify(published, archive(enriched, Parameter("bucket", default="s3://x")))
    cleanup(upstream_tasks=[audit(ok, done)])
"""

WIDE = """
from flowctl import Flow, task

@task
def part(i):
    return i

@task
def gather(parts):
    return sum(parts)

with Flow("wide") as flow:
    gather([part(i) for i in range(70)])  # 70 lanes open at once: too wide for 100 columns
"""


def flowctl(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([FLOWCTL, *args], cwd=cwd, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, source in (("mapped.py", MAPPED), ("diamond.py", DIAMOND), ("big.py", BIG), ("wide.py", WIDE)):
        (tmp_path / name).write_text(textwrap.dedent(source))
    return tmp_path


def test_text_is_the_default_and_draws_the_diamond_from_column_zero(project):
    result = flowctl("visualize", "diamond.py", cwd=project)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "●  a"
    assert lines[1] == "├─┐"
    assert "b ← x=a" in lines[2] and "c ← x=a" in result.stdout
    assert any(line.startswith("●") and "d ← left=b, right=c" in line for line in lines)


def test_a_20_task_flow_with_a_map_and_case_merge_fits_in_100_columns(project):
    result = flowctl("visualize", "big.py", cwd=project, env={"COLUMNS": "100"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    drawing = lines[:lines.index("")]
    assert len(drawing) >= 20 and "edges" not in result.stdout  # the drawing, not the fallback
    assert max(len(line) for line in lines) <= 100
    assert min(len(line) - len(line.lstrip()) for line in drawing) == 0  # no empty left margin
    assert "▣" in result.stdout and "◆" in result.stdout and "▼" in result.stdout  # map, case, merge
    assert "after audit" in result.stdout  # a control-only edge


def test_late_parameters_sit_just_above_their_first_consumer(project):
    lines = flowctl("visualize", "big.py", cwd=project, env={"COLUMNS": "100"}).stdout.splitlines()
    index = {line.split()[-1] if "(parameter)" in line else None: i for i, line in enumerate(lines)}
    channel = next(i for i, line in enumerate(lines) if "channel (parameter)" in line)
    publish = next(i for i, line in enumerate(lines) if "publish ←" in line)
    assert 0 < publish - channel <= 2, index


def test_a_graph_wider_than_the_console_falls_back_to_an_edge_list(project):
    result = flowctl("visualize", "wide.py", cwd=project, env={"COLUMNS": "100"})
    assert result.returncode == 0, result.stderr
    assert "Flow 'wide': " in result.stdout and "gather ←" in result.stdout
    assert "wider than 100 columns" in result.stdout and "--format svg -o flow.svg" in result.stdout
    assert not any(line.startswith("│ │ │") for line in result.stdout.splitlines())


def test_dot_after_run_colours_nodes_with_readable_labels_and_a_legend(project):
    result = flowctl("visualize", "mapped.py", "--format", "dot", "--run", "--param", "n=4", cwd=project)
    assert result.returncode == 0, result.stderr
    dot = result.stdout
    assert 't1 -> t2 [label="x", style="bold"];' in dot  # a mapped edge
    assert 't2_c0 -> t2 [label="by"];' in dot
    assert ('t2_m2 [label="inc[2]\\nFailed", shape="box", fontsize="10", style="filled", fillcolor="#eb0000", '
            'fontcolor="#ffffff"]') in dot
    assert 'fillcolor="#28a745", fontcolor="#000000"' in dot
    assert "subgraph cluster_legend" in dot and 'label="Failed"' in dot
    assert "ended Failed" in result.stderr and "Traceback" not in result.stderr


def test_dot_draws_case_as_a_diamond_and_control_only_edges_dashed(project):
    dot = flowctl("visualize", "big.py", "-f", "dot", cwd=project).stdout
    assert 'label="case(True)", shape="diamond"' in dot
    assert 'style="dashed"' in dot
    dashed = [line for line in dot.splitlines() if 'style="dashed"' in line and "->" in line]
    assert dashed and all("label=" not in line for line in dashed)  # dashed = ordering only, no key


def test_mermaid_goes_to_the_file_named_by_output(project):
    result = flowctl("visualize", "mapped.py", "-o", "graph.mmd", cwd=project)
    assert result.returncode == 0, result.stderr
    text = (project / "graph.mmd").read_text()
    assert text.startswith("flowchart TB")
    assert '    t1 ==>|"x"| t2' in text and '[["inc<br/>(mapped)"]]' in text
    assert result.stdout == ""


def test_mermaid_after_a_run_has_readable_styles_and_a_legend(project):
    result = flowctl("visualize", "mapped.py", "-f", "mermaid", "-p", "n=2", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "style t3 fill:#28a745,color:#000000" in result.stdout  # two children, none fails
    assert 'subgraph legend["States"]' in result.stdout


def test_mermaid_draws_case_as_a_diamond(project):
    text = flowctl("visualize", "big.py", "-f", "mermaid", cwd=project).stdout
    assert '{"case(True)"}' in text and "-.->" in text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` is not installed (CI installs it)")
def test_svg_is_rendered_with_graphviz(project):
    result = flowctl("visualize", "mapped.py", "--run", "-o", "graph.svg", cwd=project)
    assert result.returncode == 0, result.stderr
    svg = (project / "graph.svg").read_text()
    assert "<svg" in svg and "inc[2]" in svg and "States" in svg


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
