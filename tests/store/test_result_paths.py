"""Template values never lead out of the template's directory; planted links are never written through."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from flowctl import Flow, Parameter, task
from flowctl.engine.results import LocalResult


def _run(flow, **parameters):
    return flow.run(parameters=parameters, context={"checkpointing": True})


def test_a_mapped_value_like_dot_dot_feeding_a_target_fails_that_child_clearly(tmp_path):
    results = tmp_path / "results"

    @task(target="{x}/out.pkl", result=LocalResult(dir=results))
    def save(x):
        return x

    with Flow("escape") as flow:
        saved = save.map(["ok", "../../x", "/etc/x"])
    children = _run(flow).result[saved].map_states
    assert children[0].is_successful()
    for child in children[1:]:
        assert child.is_failed() and "outside" in child.message and "may not lead out of its directory" in child.message
    assert not (tmp_path.parent / "x").exists()
    assert sorted(p.name for p in results.iterdir()) == ["ok"]


def test_a_parameter_value_cannot_move_a_target_out_of_its_directory(tmp_path):
    @task(target="by-region/{region}.pkl", result=LocalResult(dir=tmp_path))
    def load(region):
        return region

    with Flow("regions") as flow:
        loaded = load(Parameter("region"))
    state = _run(flow, region="../../../tmp/owned")
    assert state.result[loaded].is_failed() and "by-region" in state.result[loaded].message
    assert _run(flow, region="eu").result[loaded].is_successful()
    assert (tmp_path / "by-region" / "eu.pkl").is_file()


def test_a_template_is_formatted_once_so_braces_in_values_stay_literal(tmp_path):
    @task(target="{name}.pkl", result=LocalResult(dir=tmp_path))
    def keep(name):
        return name

    with Flow("braces") as flow:
        keep(Parameter("name"))
    assert _run(flow, name="{flow_name}").is_successful()
    assert [p.name for p in tmp_path.iterdir()] == ["{flow_name}.pkl"]


def test_a_symlink_planted_at_a_target_path_is_refused_and_its_victim_untouched(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    results = tmp_path / "results"
    results.mkdir()

    @task(target="out-{x}.pkl", result=LocalResult(dir=results))
    def produce(x):
        return x

    with Flow("links") as flow:
        produced = produce(Parameter("x"))
    (results / "out-2.pkl").symlink_to(tmp_path / "missing-file")  # a dangling link: "no target yet"
    state = _run(flow, x=2)
    assert state.result[produced].is_failed() and "symbolic link" in state.result[produced].message
    (results / "out-3.pkl").symlink_to(victim)
    _run(flow, x=3)
    assert victim.read_text() == "precious"


def test_flowctl_run_refuses_a_map_over_dot_dot_values_feeding_a_target(tmp_path):
    source = textwrap.dedent('''
        from flowctl import Flow, task
        from flowctl.engine.results import LocalResult

        @task(target="{x}.pkl", result=LocalResult(dir="results"))
        def save(x):
            return x

        with Flow("escape") as flow:
            save.map(["fine", "../../outside"])
    ''')
    (tmp_path / "escape.py").write_text(source)
    flowctl = str(Path(sys.executable).parent / "flowctl")
    result = subprocess.run([flowctl, "run", "escape.py", "-o", "plain"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "CI": "1"})
    assert result.returncode == 1
    assert "may not lead out of its directory" in result.stdout + result.stderr
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["fine.pkl"]
    assert not (tmp_path.parent / "outside.pkl").exists()
