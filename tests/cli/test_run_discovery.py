"""`flowctl run TARGET`: finding the flow in files and dotted modules, and import errors."""
from __future__ import annotations

import pytest

from cli_helpers import SIMPLE_FLOW, json_events

TWO_FLOWS = '''
from flowctl import Flow, task

@task
def one():
    return 1

@task
def two():
    return 2

with Flow("First Flow") as first:
    one()

with Flow("Second Flow") as second:
    two()
    one()
'''


def final_state(stdout: str) -> dict:
    return [e for e in json_events(stdout) if e["event"] == "flow_state"][-1]


def test_a_module_with_one_flow_needs_no_name(run_cli, write):
    write("flow.py", SIMPLE_FLOW)
    result = run_cli("run", "flow.py", "--output", "json")
    assert result.returncode == 0, result.stderr
    assert final_state(result.stdout)["flow"] == "simple"


def test_name_selects_a_flow_by_variable(run_cli, write):
    write("flows.py", TWO_FLOWS)
    result = run_cli("run", "flows.py:second", "--output", "json")
    assert result.returncode == 0, result.stderr
    assert final_state(result.stdout)["flow"] == "Second Flow"


def test_name_selects_a_flow_by_its_flow_name(run_cli, write):
    write("flows.py", TWO_FLOWS)
    result = run_cli("run", "flows.py:First Flow", "--output", "json")
    assert result.returncode == 0, result.stderr
    assert final_state(result.stdout)["flow"] == "First Flow"


def test_several_flows_without_a_name_exit_2_and_list_them(run_cli, write):
    write("flows.py", TWO_FLOWS)
    result = run_cli("run", "flows.py")
    assert result.returncode == 2
    for fact in ("first", "'First Flow'", "(1 task)", "second", "'Second Flow'", "(2 tasks)", "flows.py:NAME"):
        assert fact in result.stderr
    assert "Traceback" not in result.stderr


def test_a_module_without_flows_exits_2(run_cli, write):
    write("empty.py", "x = 1\n")
    result = run_cli("run", "empty.py")
    assert result.returncode == 2
    assert "No flow found" in result.stderr and "empty.py" in result.stderr


def test_an_unknown_name_exits_2_and_lists_the_flows(run_cli, write):
    write("flows.py", TWO_FLOWS)
    result = run_cli("run", "flows.py:third")
    assert result.returncode == 2
    assert "'third'" in result.stderr and "First Flow" in result.stderr and "Second Flow" in result.stderr


def test_a_missing_file_exits_2(run_cli):
    result = run_cli("run", "nowhere/flow.py")
    assert result.returncode == 2
    assert "No such file" in result.stderr and "nowhere/flow.py" in result.stderr


def test_a_dotted_module_is_imported_from_the_current_directory(run_cli, write):
    write("pipelines/__init__.py", "")
    write("pipelines/daily.py", TWO_FLOWS)
    result = run_cli("run", "pipelines.daily:first", "--output", "json")
    assert result.returncode == 0, result.stderr
    assert final_state(result.stdout)["flow"] == "First Flow"


def test_an_unknown_dotted_module_exits_2(run_cli):
    result = run_cli("run", "no_such_package.flows")
    assert result.returncode == 2
    assert "No module named 'no_such_package.flows'" in result.stderr


def test_the_main_block_does_not_run_and_the_flow_runs_once(run_cli, write, tmp_path):
    write("flow.py", '''
        from pathlib import Path
        from flowctl import Flow, task

        @task
        def record():
            with open(Path(__file__).parent / "runs.txt", "a") as handle:
                handle.write("ran\\n")

        with Flow("once") as flow:
            record()

        if __name__ == "__main__":
            Path(__file__).with_name("main.txt").write_text("main block ran")
    ''')
    result = run_cli("run", "flow.py", "--output", "plain")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "main.txt").exists()
    assert (tmp_path / "runs.txt").read_text() == "ran\n"


def test_a_bare_top_level_flow_run_is_skipped_with_a_warning(run_cli, write, tmp_path):
    write("flow.py", '''
        from pathlib import Path
        from flowctl import Flow, task

        @task
        def record():
            with open(Path(__file__).parent / "runs.txt", "a") as handle:
                handle.write("ran\\n")

        with Flow("bare") as flow:
            record()

        state = flow.run()
        Path(__file__).with_name("returned.txt").write_text(repr(state))
    ''')
    result = run_cli("run", "flow.py", "--output", "plain")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "runs.txt").read_text() == "ran\n"
    assert (tmp_path / "returned.txt").read_text() == "None"
    assert "skipping" in result.stderr


def test_sibling_modules_of_the_target_file_can_be_imported(run_cli, write, tmp_path):
    write("sub/helpers.py", "GREETING = 'bonjour'\n")
    write("sub/flow.py", '''
        from flowctl import Flow, task
        from helpers import GREETING

        @task
        def greet():
            return GREETING

        with Flow("greeter") as flow:
            greet()
    ''')
    result = run_cli("run", "sub/flow.py", "--output", "json")
    assert result.returncode == 0, result.stderr


def assert_user_traceback_only(stderr: str) -> None:
    assert "/flowctl/cli/" not in stderr and "/flowctl/core/" not in stderr
    assert "importlib" not in stderr


def test_a_syntax_error_shows_the_users_file_and_line(run_cli, write):
    write("broken.py", "from flowctl import Flow\n\nwith Flow('x') as flow:\n    pass\nx = (1,\n")
    result = run_cli("run", "broken.py")
    assert result.returncode == 2
    assert "SyntaxError" in result.stderr and "broken.py" in result.stderr and "line 5" in result.stderr
    assert_user_traceback_only(result.stderr)


def test_an_import_error_in_the_module_shows_the_users_traceback(run_cli, write):
    write("needs.py", "import flowctl\nimport definitely_not_installed_pkg\n")
    result = run_cli("run", "needs.py")
    assert result.returncode == 2
    assert "definitely_not_installed_pkg" in result.stderr
    assert 'needs.py", line 2' in result.stderr
    assert_user_traceback_only(result.stderr)


def test_an_exception_at_import_shows_the_users_traceback(run_cli, write):
    write("boom.py", '''
        def load_config():
            raise RuntimeError("config missing")

        CONFIG = load_config()
    ''')
    result = run_cli("run", "boom.py")
    assert result.returncode == 2
    assert "RuntimeError: config missing" in result.stderr
    assert 'boom.py", line 4' in result.stderr and 'boom.py", line 2, in load_config' in result.stderr
    assert_user_traceback_only(result.stderr)


STDLIB_NAMED_FLOW = '''
import json
import queue
from flowctl import Flow, task

@task
def encode(value):
    # `json` and `queue` must be the standard library's, not this file or its sibling
    return json.dumps({"value": value, "queue": hasattr(queue, "SimpleQueue")})

with Flow("shadow") as flow:
    encode(1)
'''


@pytest.mark.parametrize("executor", ["local", "processes"])
def test_a_flow_file_named_like_a_stdlib_module_does_not_shadow_it(run_cli, write, executor):
    write("json.py", STDLIB_NAMED_FLOW)
    write("queue.py", "raise RuntimeError('the flow directory shadowed the stdlib queue module')\n")
    result = run_cli("run", "json.py", "-e", executor, "-o", "json")
    assert result.returncode == 0, result.stderr
    assert "shadowed" not in result.stderr


def test_an_unknown_flow_name_suggests_the_closest(run_cli, write):
    write("two.py", """
        from flowctl import Flow, task

        @task
        def one():
            return 1

        with Flow("first") as nightly:
            one()
        with Flow("second") as weekly:
            one()
    """)
    result = run_cli("run", "two.py:nightyl")
    assert result.returncode == 2
    assert "Did you mean 'nightly'?" in result.stderr
