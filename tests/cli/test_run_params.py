"""`flowctl run --param / --params-file / --context`: sources, precedence and errors."""
from __future__ import annotations

import json

import pytest

from cli_helpers import logged

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


@pytest.fixture
def param_flow(write):
    return write("flow.py", PARAM_FLOW)


def values_of(result) -> dict:
    assert result.returncode == 0, result.stderr
    (line,) = logged(result.stdout, "VALUES ")
    return json.loads(line)


def test_param_values_are_json_when_they_parse(run_cli, param_flow):
    result = run_cli("run", "flow.py", "-o", "json", "-p", "n=3", "--param", "offset=2.5",
                     "-p", 'options={"a": [1, 2], "flag": true}')
    assert values_of(result) == {"n": 3, "offset": 2.5, "label": "none", "code": "000",
                                 "options": {"a": [1, 2], "flag": True}}


def test_param_values_that_are_not_json_are_strings(run_cli, param_flow):
    result = run_cli("run", "flow.py", "-o", "json", "-p", "n=three", "-p", "options=[unclosed")
    values = values_of(result)
    assert values["n"] == "three" and values["options"] == "[unclosed"


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
    assert "bad.toml:2:" in result.stderr and "line 2, column" in result.stderr
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
