"""A table of malformed command lines: each exits 2, names the problem, and shows no traceback of ours.

Every row runs the installed ``flowctl`` in a subprocess inside one shared
workspace of small modules and files (built once for the module). A row
gives the arguments, the words stderr must contain (case-insensitive, line
wrapping flattened) and, rarely, extra environment. Every message has one
style: it starts with ``Error:``, draws no box, and (user tracebacks aside)
takes a few lines. User tracebacks are welcome for import errors; frames
from flowctl's own package never are.
"""
from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path
from typing import NamedTuple

import pytest

from cli_helpers import ANSI, cli_env, flowctl_executable

FILES = {
    "flow.py": '''
        from flowctl import Flow, Parameter, task

        @task
        def add(x, y=1):
            return x + y

        with Flow("adder") as flow:
            n = Parameter("n", default=3)
            need = Parameter("need")
            add(n, need)
    ''',
    "one.py": '''
        from flowctl import Flow, Parameter, task

        @task
        def inc(x, by=1):
            return x + by

        with Flow("single") as flow:
            xs = Parameter("xs", default=[1, 2])
            inc.map(xs)
    ''',
    "two.py": '''
        from flowctl import Flow, task

        @task
        def one():
            return 1

        with Flow("first") as a:
            one()
        with Flow("second") as b:
            one()
    ''',
    "noflow.py": "x = 1\n",
    "syntax_error.py": "def broken(:\n    pass\n",
    "import_error.py": "import not_a_real_module_xyz\n",
    "raises.py": "raise RuntimeError('boom at import')\n",
    "exits.py": "import sys\nsys.exit(3)\n",
    "pkgbad/__init__.py": "",
    "pkgbad/mod.py": "import nowhere_xyz\n",
    "params.toml": "n = 3\n",
    "bad_value.toml": "n = 1\nneed = \n",
    "array.toml": "[1, 2]\n",
    "duplicate.toml": "n = 1\nn = 2\n",
    "unterminated.toml": 'need = "open\n',
    "unknown.toml": "need = 1\nbogus = 2\n",
    "afile": "not a directory\n",
    "params.json": '{"need": 1,\n "n": }\n',
    "params.yaml": "need: 1\nn: [1, 2\n",
    "good.yaml": "need: 1\n",
    "typed.toml": 'need = 1\nn = "abc"\n',
    "deep.json": '{"need": ' + "[" * 150 + "]" * 150 + "}\n",
    "deep.toml": "need = " + "[" * 150 + "]" * 150 + "\n",
    "list.json": "[1, 2]\n",
    "noyaml/yaml/__init__.py": "raise ImportError('PyYAML is hidden for this test')\n",
}
BINARY_FILES = {"latin1.toml": b'need = "caf\xe9"\n'}
DIRECTORIES = ["adir", "empty_state"]


class Row(NamedTuple):
    args: tuple[str, ...]
    words: tuple[str, ...]
    env: dict | None = None


def row(*args: str, words: tuple[str, ...] | list[str], env: dict | None = None, marks=(), id: str) -> object:
    return pytest.param(Row(args, tuple(words), env), marks=marks, id=id)


NEED = ("-p", "need=1")

ROWS = [
    # -- targets and module errors (run) --------------------------------------------------------
    row("run", "missing.py", words=["No such file", "missing.py"], id="run-missing-file"),
    row("run", "adir", words=["directory", "adir"], id="run-directory"),
    row("run", "adir/", words=["directory", "adir"], id="run-directory-with-slash"),
    row("run", "params.toml", words=["not a Python file", "params.toml"], id="run-non-py-file"),
    row("run", "syntax_error.py", words=["SyntaxError", "syntax_error.py", "line 1"], id="run-syntax-error"),
    row("run", "import_error.py", words=["ModuleNotFoundError", "not_a_real_module_xyz"], id="run-import-error"),
    row("run", "raises.py", words=["RuntimeError", "boom at import"], id="run-exception-at-import"),
    row("run", "exits.py", words=["SystemExit", "exits.py"], id="run-sys-exit-at-import"),
    row("run", "noflow.py", words=["No flow found", "noflow.py"], id="run-no-flows"),
    row("run", "two.py", words=["2 flows", "first", "second", "two.py:NAME"], id="run-several-flows-no-name"),
    row("run", "two.py:nope", words=["nope", "first", "second"], id="run-unknown-name"),
    row("run", "two.py:", words=["names nothing", "two.py:"], id="run-empty-name-several-flows"),
    row("run", "flow.py:", words=["names nothing", "flow.py:"], id="run-empty-name-one-flow"),
    row("run", "", words=["TARGET is empty"], id="run-empty-target"),
    row("run", "no.such.mod", words=["No module named", "no.such.mod"], id="run-unknown-dotted-module"),
    row("run", "no.such.mod:flow", words=["No module named", "no.such.mod"], id="run-unknown-dotted-module-name"),
    row("run", ".hidden", words=["neither", ".hidden"], id="run-malformed-dotted-module"),
    row("run", "two.py:a:b", words=["neither", "two.py:a"], id="run-two-colons"),
    row("run", "json", words=["No flow found", "json"], id="run-dotted-module-without-flows"),
    row("run", "pkgbad.mod", words=["ModuleNotFoundError", "nowhere_xyz", "pkgbad.mod"],
        id="run-dotted-module-import-error"),
    # -- parameters ------------------------------------------------------------------------
    row("run", "flow.py", *NEED, "-p", "nope=2", words=["Unknown parameter", "nope", "need"], id="param-unknown"),
    row("run", "flow.py", "-p", "nedd=1", words=["Unknown parameter", "did you mean", "need"],
        id="param-unknown-suggests-closest"),
    row("run", "flow.py", words=["Missing required parameter", "need", "--param need=VALUE"],
        id="param-missing-required"),
    row("run", "flow.py", "-p", "n=1", words=["Missing required parameter", "need", "n=3"],
        id="param-missing-required-lists-defaults"),
    row("run", "flow.py", "-p", "need", words=["NAME=VALUE", "need"], id="param-without-equals"),
    row("run", "flow.py", *NEED, "-p", "=3", words=["NAME=VALUE", "=3"], id="param-empty-name"),
    row("run", "flow.py", *NEED, "-p", " =3", words=["NAME=VALUE"], id="param-blank-name"),
    row("run", "flow.py", "-p", "need=[1,2", words=["invalid JSON", "column 5", "need=[1,2"],
        id="param-malformed-json-list"),
    row("run", "flow.py", "-p", "need={'a': 1}", words=["invalid JSON", "column 2"], id="param-malformed-json-object"),
    row("run", "flow.py", "-p", 'need="open', words=["invalid JSON"], id="param-malformed-json-string"),
    row("run", "flow.py", *NEED, "-p", "n=abc", words=["'n'", "an int", "default is 3", "'abc'"],
        id="param-wrong-type-int"),
    row("run", "flow.py", *NEED, "-p", "n=true", words=["'n'", "an int", "True"], id="param-bool-is-not-an-int"),
    row("run", "one.py", "-p", "xs=3", words=["'xs'", "JSON list", "[1, 2]"], id="param-wrong-type-list"),
    row("run", "flow.py", "-p", "need=" + "[" * 150 + "]" * 150, words=["deeper than 100"], id="param-too-deep"),
    row("run", "flow.py", "-p", "need=@env:FLOWCTL_TEST_UNSET_VAR", words=["FLOWCTL_TEST_UNSET_VAR", "not set"],
        id="param-env-variable-unset"),
    row("run", "-p", "flow.py", words=["-p is --param here", "TARGET is positional"], id="param-prefect1-path-habit"),
    row("run", "flow.py", "--check", "-p", "n=x", words=["'n'", "an int"], id="check-validates-types"),
    row("run", "flow.py", "--params-file", "unknown.toml", words=["Unknown parameter", "bogus", "unknown.toml"],
        id="param-unknown-from-file"),
    # -- TOML parameter files --------------------------------------------------------------
    row("run", "flow.py", "--params-file", "bad_value.toml",
        words=["invalid TOML", "bad_value.toml:2:8"], id="toml-syntax-error-line-col"),
    row("run", "flow.py", "--params-file", "array.toml", words=["invalid TOML", "array.toml:1:"],
        id="toml-not-a-table"),
    row("run", "flow.py", "--params-file", "duplicate.toml", words=["invalid TOML", "duplicate.toml:2:"],
        id="toml-duplicate-key"),
    row("run", "flow.py", "--params-file", "unterminated.toml", words=["invalid TOML", "unterminated.toml:1:"],
        id="toml-unterminated-string"),
    row("run", "flow.py", "--params-file", "typed.toml", words=["'n'", "an int", "'abc'", "typed.toml"],
        id="toml-wrong-type"),
    row("run", "flow.py", "--params-file", "deep.toml", words=["deep.toml:1:", "deeper than 100"], id="toml-too-deep"),
    row("run", "flow.py", "--params-file", "params.json", words=["invalid JSON", "params.json:2:7"],
        id="json-file-syntax-error-line-col"),
    row("run", "flow.py", "--params-file", "deep.json", words=["deep.json:1:", "deeper than 100"], id="json-too-deep"),
    row("run", "flow.py", "--params-file", "list.json", words=["list.json", "table"], id="json-not-a-table"),
    row("run", "flow.py", "--params-file", "params.yaml", words=["invalid YAML", "params.yaml:3:1"],
        id="yaml-file-syntax-error-line-col"),
    row("run", "flow.py", "--params-file", "good.yaml", words=["PyYAML", "pip install pyyaml", "good.yaml"],
        env={"PYTHONPATH": "noyaml"}, id="yaml-without-pyyaml"),
    row("run", "flow.py", "--params-file", "afile", words=["afile", ".toml, .json, .yaml"], id="params-file-no-suffix"),
    row("run", "flow.py", "--params-file", "missing.toml", words=["no such file", "missing.toml"],
        id="toml-missing-file"),
    row("run", "flow.py", "--params-file", "adir", words=["directory", "adir"], id="toml-directory"),
    row("run", "flow.py", "--params-file", "latin1.toml", words=["UTF-8", "latin1.toml"], id="toml-not-utf8"),
    # -- context ---------------------------------------------------------------------------
    row("run", "flow.py", *NEED, "--context", "region", words=["--context", "NAME=VALUE", "region"],
        id="context-without-equals"),
    row("run", "flow.py", *NEED, "--context", "=eu", words=["--context", "NAME=VALUE"], id="context-empty-name"),
    # -- executors and addresses -------------------------------------------------------------
    row("run", "flow.py", *NEED, "--executor", "bogus", words=["--executor", "bogus", "local, threads"],
        id="executor-unknown"),
    row("run", "flow.py", *NEED, "--executor", "daks", words=["Did you mean 'dask'?"], id="executor-suggests-closest"),
    row("run", "flow.py", *NEED, "-e", "threads", "--workers", "0", words=["--workers"], id="workers-zero"),
    row("run", "flow.py", *NEED, "-e", "threads", "--workers", "-3", words=["--workers"], id="workers-negative"),
    row("run", "flow.py", *NEED, "-e", "threads", "--workers", "many", words=["--workers", "whole number"],
        id="workers-not-a-number"),
    row("run", "flow.py", *NEED, "--workers", "2", words=["--workers", "parallel executor"],
        id="workers-with-default-local"),
    row("run", "flow.py", *NEED, "-e", "local", "--workers", "2", words=["--workers", "parallel executor"],
        id="workers-with-local"),
    row("run", "flow.py", *NEED, "-e", "threads", "--address", "tcp://127.0.0.1:8786",
        words=["--address", "--executor dask"], id="address-with-threads"),
    row("run", "flow.py", *NEED, "--address", "tcp://127.0.0.1:8786", "--workers", "2",
        words=["--workers", "--address"], id="address-with-workers"),
    row("run", "flow.py", *NEED, "--address", "tcp://", words=["tcp://", "host and a port"], id="address-empty"),
    row("run", "flow.py", *NEED, "--address", "http://x", words=["http://x", "scheduler"], id="address-http-url"),
    row("run", "flow.py", *NEED, "--address", "bogus://127.0.0.1:8786", words=["unknown protocol", "bogus"],
        id="address-unknown-protocol"),
    row("run", "flow.py", *NEED, "--address", "tcp://127.0.0.1:99999", words=["host and a port", "99999"],
        id="address-port-out-of-range"),
    row("run", "flow.py", *NEED, "--address", "127.0.0.1", words=["host and a port", "127.0.0.1"],
        id="address-without-port"),
    row("run", "flow.py", *NEED, "--address", "REFUSED", words=["connection refused"],
        id="address-refused-port"),
    # -- output, logging, reports, options -------------------------------------------------------
    row("run", "flow.py", *NEED, "--output", "bogus", words=["--output", "bogus"], id="output-unknown"),
    row("run", "flow.py", *NEED, "-o", "jsno", words=["Did you mean 'json'?", "auto, rich, plain, json"],
        id="output-suggests-closest"),
    row("run", "flow.py", *NEED, "--log-level", "LOUD", words=["--log-level", "LOUD"], id="log-level-unknown"),
    row("run", "flow.py", *NEED, "--junit", "adir", words=["--junit", "adir", "is a directory"],
        id="junit-into-directory"),
    row("run", "flow.py", *NEED, "--junit", "afile/report.xml", words=["--junit", "'afile' is not a directory"],
        id="junit-under-a-file"),
    row("run", "flow.py", *NEED, "--visualize", "nodir/graph.svg", words=["--visualize", "does not exist"],
        id="visualize-path-in-missing-directory"),
    row("run", "flow.py", *NEED, "--no-such-option", words=["unknown option", "--no-such-option"],
        id="unknown-option"),
    row("run", "flow.py", *NEED, "--junti", "x.xml", words=["unknown option", "Did you mean '--junit'?"],
        id="unknown-option-suggests-closest"),
    row("run", "--executor", "threads", words=["missing argument TARGET"], id="run-missing-target"),
    row("run", "flow.py", *NEED, "--executor", words=["--executor", "requires an argument"],
        id="option-without-value"),
    row("rn", "flow.py", words=["unknown command 'rn'", "Did you mean 'run'?"], id="unknown-command"),
    row("completion", "tcsh", words=["unknown shell 'tcsh'", "bash, zsh, fish"], id="completion-unknown-shell"),
    # -- run records ---------------------------------------------------------------------
    row("run", "flow.py", *NEED, "--state-dir", "afile", words=["afile", "state"],
        id="state-dir-is-a-file"),
    row("run", "flow.py", *NEED, words=["afile", "FLOWCTL_STATE_DIR"], env={"FLOWCTL_STATE_DIR": "afile"},
        id="state-dir-env-is-a-file"),
    row("run", "flow.py", "--resume", "nonexistent-id", words=["nonexistent-id"],
        id="resume-unknown-run-id"),
    row("run", "flow.py", *NEED, "--resume", "--state-dir", "empty_state", words=["adder", "resume"],
        id="resume-without-earlier-run"),
    row("runs", "show", "nonexistent-id", words=["nonexistent-id"],
        id="runs-show-unknown-run-id"),
    # -- visualize ---------------------------------------------------------------------------
    row("visualize", "missing.py", words=["No such file", "missing.py"], id="visualize-missing-file"),
    row("visualize", "adir", words=["directory", "adir"], id="visualize-directory"),
    row("visualize", "syntax_error.py", words=["SyntaxError"], id="visualize-syntax-error"),
    row("visualize", "two.py", words=["2 flows", "first", "second"], id="visualize-several-flows"),
    row("visualize", "one.py:", words=["names nothing"], id="visualize-empty-name"),
    row("visualize", "one.py", "--format", "bogus", words=["--format", "bogus"], id="visualize-unknown-format"),
    row("visualize", "one.py", "-o", "graph.bogus", words=["graph format", "graph.bogus"],
        id="visualize-unknown-suffix"),
    row("visualize", "one.py", "-o", "nodir/graph.dot", words=["does not exist", "nodir/graph.dot"],
        id="visualize-output-in-missing-directory"),
    row("visualize", "one.py", "-o", "svg", words=["-o (--output) takes a FILE", "--format"],
        id="visualize-output-given-a-format"),
    row("visualize", "one.py", "--format", "svgg", words=["Did you mean 'svg'?"], id="visualize-format-suggests"),
    row("visualize", "two.py:frist", words=["Did you mean 'first'?"], id="visualize-flow-suggests-closest"),
    row("visualize", "one.py", "-o", "adir", words=["adir", "directory"], id="visualize-output-is-directory"),
    row("visualize", "one.py", "-p", "nope=1", words=["Unknown parameter", "nope", "xs"],
        id="visualize-unknown-param"),
    row("visualize", "one.py", "-p", "xs", words=["NAME=VALUE"], id="visualize-param-without-equals"),
    row("visualize", "one.py", "--params-file", "bad_value.toml", words=["invalid TOML", "bad_value.toml:2:8"],
        id="visualize-toml-syntax-error"),
    row("visualize", "one.py", "--params-file", "latin1.toml", words=["UTF-8"], id="visualize-toml-not-utf8"),
    # -- test-task --------------------------------------------------------------------------
    row("test-task", "missing.py:inc", words=["No such file", "missing.py"], id="test-task-missing-file"),
    row("test-task", "one.py", words=["Name a task", "one.py:TASK"], id="test-task-no-task-name"),
    row("test-task", "one.py:", words=["names nothing"], id="test-task-empty-name"),
    row("test-task", "one.py:nope", words=["No task named", "nope", "inc"], id="test-task-unknown-task"),
    row("test-task", "syntax_error.py:inc", words=["SyntaxError"], id="test-task-syntax-error"),
    row("test-task", "raises.py:inc", words=["RuntimeError", "boom at import"], id="test-task-exception-at-import"),
    row("test-task", "one.py:inc", words=["needs", "'x'", "--arg x=VALUE"], id="test-task-missing-argument"),
    row("test-task", "one.py:inc", "--arg", "nope=1", words=["takes no argument", "nope"],
        id="test-task-unknown-argument"),
    row("test-task", "one.py:inc", "--arg", "x", words=["--arg", "NAME=VALUE"], id="test-task-arg-without-equals"),
    row("test-task", "one.py:inc", "--map", "x=3", words=["JSON list", "x"], id="test-task-map-not-a-list"),
    row("test-task", "one.py:inc", "--map", "x=[1,2", words=["invalid JSON", "x=[1,2"],
        id="test-task-map-malformed-json"),
    row("test-task", "one.py:inc", "--arg", "x={1", words=["invalid JSON", "column 2"],
        id="test-task-arg-malformed-json"),
    row("test-task", "one.py:inc", "--arg", "x=1", "--arg", "by=abc", words=["'by'", "an int", "'abc'"],
        id="test-task-arg-wrong-type"),
    row("test-task", "one.py:ic", words=["Did you mean 'inc'?"], id="test-task-suggests-closest-task"),
    row("test-task", "one.py:inc", "--arg", "x=1", "--map", "x=[1]", words=["given twice", "x"],
        id="test-task-argument-twice"),
    row("test-task", "one.py:inc", "--arg", "x=1", "--upstream", "bogus", words=["--upstream", "bogus", "success"],
        id="test-task-unknown-upstream-state"),
    row("test-task", "one.py:inc", "--arg", "x=1", "--context", "k", words=["--context", "NAME=VALUE"],
        id="test-task-context-without-equals"),
    row("test-task", "one.py:inc", "--arg", "x=1", "--output", "bogus", words=["--output", "bogus"],
        id="test-task-unknown-output"),
    # -- inspect ------------------------------------------------------------------------------
    row("inspect", "missing.py", words=["No such file", "missing.py"], id="inspect-missing-file"),
    row("inspect", "adir", words=["directory", "adir"], id="inspect-directory"),
    row("inspect", "params.toml", words=["not a Python file"], id="inspect-non-py-file"),
    row("inspect", "syntax_error.py", words=["SyntaxError"], id="inspect-syntax-error"),
    row("inspect", "import_error.py", words=["ModuleNotFoundError", "not_a_real_module_xyz"],
        id="inspect-import-error"),
    row("inspect", "noflow.py", words=["No flow found"], id="inspect-no-flows"),
    row("inspect", "two.py:nope", words=["nope", "first", "second"], id="inspect-unknown-name"),
    row("inspect", "one.py:", words=["names nothing"], id="inspect-empty-name"),
    row("inspect", "no.such.mod", words=["No module named"], id="inspect-unknown-dotted-module"),
]

OUR_FRAMES = re.compile(r'File "[^"]*[/\\]flowctl[/\\][^"]*"')
BOX_CORNERS = re.compile(r"[╭╮╰╯┏┓┗┛]")


def refused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flatten(text: str) -> str:
    """Stderr without colours or line wrapping."""
    return " ".join(ANSI.sub("", text).split())


def assert_one_error_style(stderr: str) -> None:
    """``Error: <sentence>`` first, no box, no Typer "Value error," prefix, a few lines unless a user traceback."""
    plain = ANSI.sub("", stderr)
    lines = [line for line in plain.splitlines() if line.strip()]
    assert lines and lines[0].startswith("Error: "), f"not our error style:\n{stderr}"
    assert not BOX_CORNERS.search(plain), f"a box-drawn error:\n{stderr}"
    assert "Value error," not in plain
    if "Traceback" not in plain:
        assert len(lines) <= 8, f"more than a few lines:\n{stderr}"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad_input")
    for name, source in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip())
    for name, data in BINARY_FILES.items():
        (root / name).write_bytes(data)
    for name in DIRECTORIES:
        (root / name).mkdir()
    return root


def test_the_matrix_has_at_least_fifty_rows():
    assert len(ROWS) >= 50


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_exits_2_naming_the_problem_without_our_traceback(case: Row, workspace: Path):
    args = [f"tcp://127.0.0.1:{refused_port()}" if arg == "REFUSED" else arg for arg in case.args]
    result = subprocess.run([flowctl_executable(), *args], cwd=workspace, capture_output=True, text=True,
                            env=cli_env(COLUMNS="200", **(case.env or {})), timeout=60)
    stderr = flatten(result.stderr)
    assert result.returncode == 2, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    missing = [word for word in case.words if word.lower() not in stderr.lower()]
    assert not missing, f"stderr does not mention {missing}:\n{result.stderr}"
    assert not OUR_FRAMES.search(result.stderr + result.stdout), f"flowctl traceback:\n{result.stderr}"
    assert_one_error_style(result.stderr)


def test_a_refused_scheduler_port_fails_quickly_and_clearly(workspace: Path):
    """Whatever the exit code, an unreachable --address must say so at once, not retry for 30 s."""
    address = f"tcp://127.0.0.1:{refused_port()}"
    result = subprocess.run([flowctl_executable(), "run", "flow.py", *NEED, "--address", address],
                            cwd=workspace, capture_output=True, text=True, env=cli_env(COLUMNS="200"), timeout=25)
    assert result.returncode != 0
    assert "connection refused" in (result.stdout + result.stderr).lower()
    assert address in result.stdout + result.stderr
