"""`flowctl run --param / --params-file / --context`: sources, precedence and errors."""
from __future__ import annotations

import json

import pytest

from cli_helpers import cli_env, logged

PARAM_FLOW = '''
import json
import flowctl
from flowctl import Flow, Parameter, task

@task
def show(n, offset, label, code, options):
    values = {"n": n, "offset": offset, "label": label, "code": code, "options": options}
    flowctl.context["logger"].info("VALUES %s", json.dumps(values))

with Flow("params") as flow:
    show(Parameter("n"), Parameter("offset", default=0), Parameter("label", default="none"),
         Parameter("code", default="000"), Parameter("options", default=None))
'''


TYPED_FLOW = '''
import json
import flowctl
from flowctl import Flow, Parameter, task

@task
def show(offset, ratio, flag, items, config, label):
    values = dict(offset=offset, ratio=ratio, flag=flag, items=items, config=config, label=label)
    flowctl.context["logger"].info("TYPED %s", json.dumps(values))

with Flow("typed") as flow:
    show(Parameter("offset", default=0), Parameter("ratio", default=0.5), Parameter("flag", default=False),
         Parameter("items", default=[]), Parameter("config", default={}), Parameter("label", default="x"))
'''


@pytest.fixture
def param_flow(write):
    return write("flow.py", PARAM_FLOW)


def values_of(result) -> dict:
    assert result.returncode == 0, result.stderr
    (line,) = logged(result.stdout, "VALUES ")
    return json.loads(line)


def test_param_values_are_json_when_they_parse(run_cli, param_flow):
    result = run_cli("run", "flow.py", "-o", "json", "-p", "n=3", "--param", "offset=2",
                     "-p", 'options={"a": [1, 2], "flag": true}')
    assert values_of(result) == {"n": 3, "offset": 2, "label": "none", "code": "000",
                                 "options": {"a": [1, 2], "flag": True}}


def test_param_values_that_are_not_json_are_strings(run_cli, param_flow):
    result = run_cli("run", "flow.py", "-o", "json", "-p", "n=three", "-p", "options=plain words")
    values = values_of(result)
    assert values["n"] == "three" and values["options"] == "plain words"


@pytest.mark.parametrize("value, column", [("[1,2", 5), ('{"a": 1', 8), ('"open', 1), ("[1,,2]", 4)])
def test_a_value_that_starts_like_json_but_is_not_json_exits_2_with_the_position(run_cli, param_flow, value,
                                                                                  column):
    result = run_cli("run", "flow.py", "-p", "n=1", "-p", f"options={value}")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: --param options=")
    assert f"invalid JSON at column {column}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("flag, expected", [
    ("offset=abc", "expects an int (its default is 0); got 'abc'"),
    ("offset=1.5", "expects an int (its default is 0); got 1.5"),
    ("offset=true", "expects an int (its default is 0); got True"),
    ("ratio=fast", "expects a number (its default is 0.5); got 'fast'"),
    ("flag=1", "expects a bool (true or false) (its default is False); got 1"),
    ("items=3", "expects a JSON list (its default is []); got 3"),
    ("config=[1]", "expects a JSON object (its default is {}); got [1]"),
])
def test_a_value_of_the_wrong_type_for_a_typed_default_exits_2(run_cli, write, flag, expected):
    write("typed.py", TYPED_FLOW)
    result = run_cli("run", "typed.py", "-p", flag)
    assert result.returncode == 2
    name = flag.split("=")[0]
    assert f"Parameter {name!r} {expected}" in result.stderr


def test_an_int_is_accepted_for_a_float_and_a_str_default_keeps_raw_text(run_cli, write):
    write("typed.py", TYPED_FLOW)
    result = run_cli("run", "typed.py", "-o", "json", "-p", "ratio=2", "-p", "label=[not json",
                     "-p", "flag=false", "-p", "items=[1]", "-p", 'config={"k": 1}')
    assert result.returncode == 0, result.stderr
    (line,) = logged(result.stdout, "TYPED ")
    assert json.loads(line) == {"offset": 0, "ratio": 2, "flag": False, "items": [1], "config": {"k": 1},
                                "label": "[not json"}


def test_a_wrong_type_in_a_params_file_exits_2_naming_the_file(run_cli, write):
    write("typed.py", TYPED_FLOW)
    write("p.toml", 'offset = "abc"\n')
    result = run_cli("run", "typed.py", "--params-file", "p.toml")
    assert result.returncode == 2
    assert "Parameter 'offset' expects an int" in result.stderr and "p.toml" in result.stderr


def test_a_json_params_file_supplies_values(run_cli, param_flow, write):
    write("p.json", '{"n": 5, "options": {"depth": [1, 2]}}')
    values = values_of(run_cli("run", "flow.py", "-o", "json", "--params-file", "p.json"))
    assert values["n"] == 5 and values["options"] == {"depth": [1, 2]}


@pytest.mark.parametrize("suffix", ["yaml", "yml"])
def test_a_yaml_params_file_supplies_values_when_pyyaml_is_installed(run_cli, param_flow, write, suffix):
    pytest.importorskip("yaml")
    write(f"p.{suffix}", "n: 7\noptions:\n  depth: 2\n")
    values = values_of(run_cli("run", "flow.py", "-o", "json", "--params-file", f"p.{suffix}"))
    assert values["n"] == 7 and values["options"] == {"depth": 2}


def test_a_yaml_params_file_without_pyyaml_says_what_to_install(run_cli, param_flow, write, tmp_path):
    write("hidden/yaml/__init__.py", "raise ImportError('hidden for this test')\n")
    write("p.yaml", "n: 7\n")
    result = run_cli("run", "flow.py", "--params-file", "p.yaml",
                     env=cli_env(PYTHONPATH=str(tmp_path / "hidden")))
    assert result.returncode == 2
    assert "p.yaml" in result.stderr and "PyYAML" in result.stderr and "pip install pyyaml" in result.stderr


@pytest.mark.parametrize("name, text, where", [
    ("bad.json", '{"n": 1,\n  "options": [1, }\n', "bad.json:2:18"),
    ("bad.yaml", "n: 1\noptions: {a: 1\n", "bad.yaml:3:1"),
    ("end.toml", 'n = 1\noptions = [1,\n', "end.toml:3:1"),
])
def test_every_parse_error_names_file_line_and_column(run_cli, param_flow, write, name, text, where):
    write(name, text)
    result = run_cli("run", "flow.py", "--params-file", name)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: {where}")


@pytest.mark.parametrize("source", ["flag", "json", "toml", "yaml"])
def test_nesting_deeper_than_100_levels_exits_2(run_cli, param_flow, write, source):
    deep = "[" * 101 + "]" * 101
    args = {"flag": ["-p", f"options={deep}"]}.get(source)
    if args is None:
        text = {"json": '{"options": %s}', "toml": "options = %s", "yaml": "options: %s"}[source] % deep
        write(f"p.{source}", text + "\n")
        args = ["--params-file", f"p.{source}"]
    result = run_cli("run", "flow.py", "-p", "n=1", *args)
    assert result.returncode == 2
    assert "nesting deeper than 100 levels" in result.stderr and "Traceback" not in result.stderr


def test_nesting_of_100_levels_is_accepted(run_cli, param_flow):
    deep = "[" * 100 + "]" * 100
    values = values_of(run_cli("run", "flow.py", "-o", "json", "-p", "n=1", "-p", f"options={deep}"))
    assert isinstance(values["options"], list)


def test_a_str_default_keeps_the_raw_string(run_cli, param_flow):
    result = run_cli("run", "flow.py", "-o", "json", "-p", "n=1", "-p", "code=007", "-p", "label=true")
    values = values_of(result)
    assert values["code"] == "007" and values["label"] == "true"


def test_params_file_supplies_values(run_cli, param_flow, write):
    write("p.toml", 'n = 10\nlabel = "from file"\n[options]\ndepth = 2\n')
    values = values_of(run_cli("run", "flow.py", "-o", "json", "--params-file", "p.toml"))
    assert values["n"] == 10 and values["label"] == "from file" and values["options"] == {"depth": 2}


def test_later_params_files_override_earlier_ones(run_cli, param_flow, write):
    write("a.toml", "n = 1\noffset = 1\n")
    write("b.toml", "n = 2\n")
    values = values_of(run_cli("run", "flow.py", "-o", "json", "--params-file", "a.toml",
                               "--params-file", "b.toml"))
    assert values["n"] == 2 and values["offset"] == 1


def test_flags_override_params_files(run_cli, param_flow, write):
    write("a.toml", "n = 1\noffset = 1\n")
    values = values_of(run_cli("run", "flow.py", "-o", "json", "-p", "n=99", "--params-file", "a.toml"))
    assert values["n"] == 99 and values["offset"] == 1


def test_an_unknown_parameter_exits_2_with_a_suggestion_and_the_listing(run_cli, param_flow):
    result = run_cli("run", "flow.py", "-p", "n=1", "-p", "ofset=3")
    assert result.returncode == 2
    for fact in ("'ofset'", "Did you mean 'offset'?", "n (required)", "offset=0", "label='none'"):
        assert fact in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_parameter_in_a_file_names_the_file(run_cli, param_flow, write):
    write("p.toml", "n = 1\nlabl = 'x'\n")
    result = run_cli("run", "flow.py", "--params-file", "p.toml")
    assert result.returncode == 2
    assert "'labl'" in result.stderr and "p.toml" in result.stderr and "'label'" in result.stderr


def test_a_missing_required_parameter_exits_2(run_cli, param_flow):
    result = run_cli("run", "flow.py")
    assert result.returncode == 2
    assert "Missing required parameter 'n'" in result.stderr and "--param n=VALUE" in result.stderr
    assert "offset=0" in result.stderr


def test_a_param_without_equals_sign_exits_2(run_cli, param_flow):
    result = run_cli("run", "flow.py", "-p", "n")
    assert result.returncode == 2
    assert "NAME=VALUE" in result.stderr and "'n'" in result.stderr


def test_invalid_toml_reports_file_line_and_column(run_cli, param_flow, write):
    write("bad.toml", 'n = 1\nlabel = "unterminated\n')
    result = run_cli("run", "flow.py", "--params-file", "bad.toml")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: bad.toml:2:22: invalid TOML")
    assert "Traceback" not in result.stderr


def test_a_missing_params_file_exits_2(run_cli, param_flow):
    result = run_cli("run", "flow.py", "--params-file", "nope.toml")
    assert result.returncode == 2
    assert "nope.toml" in result.stderr


def test_context_values_reach_flowctl_context(run_cli, write):
    write("ctx.py", '''
        import json
        import flowctl
        from flowctl import Flow, task

        @task
        def show():
            ctx = flowctl.context
            flowctl.context["logger"].info("CTX %s", json.dumps([ctx.get("region"), ctx.get("limit")]))

        with Flow("ctx") as flow:
            show()
    ''')
    result = run_cli("run", "ctx.py", "-o", "json", "--context", "region=eu-west", "--context", "limit=5")
    assert result.returncode == 0, result.stderr
    assert logged(result.stdout, "CTX ") == ['["eu-west", 5]']
