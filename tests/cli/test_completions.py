"""Shell completions: fresh scripts, no user code imported, and real bash, zsh and fish sessions.

The interactive tests drive each shell through a pseudo-terminal (pexpect):
type a command line, press TAB, then print the line the shell built. So they
check what a user sees: directories completed without a trailing space,
flows after ``file.py:``, parameter names after ``-p``, run ids after
``--resume``, and zsh completing on the very first TAB.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flowctl.cli.completions import SHELLS, flow_names_in, parameter_names_in, task_names_in

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

FLOWS = """
from pathlib import Path
from flowctl import Flow, Task, task

Path(__file__).with_name("IMPORTED").write_text("the module was imported")

@task
def extract():
    return 1

@task(name="renamed")
def transform(x):
    return x

class Load(Task):
    def run(self):
        return None

load = Load()

daily = Flow("daily")

with Flow("weekly report") as weekly:
    transform(extract())

weekly.run()
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "flows.py").write_text(textwrap.dedent(FLOWS))
    (tmp_path / "flows_extra.py").write_text("")
    (tmp_path / "notes.txt").write_text("")
    return tmp_path


def test_checked_in_scripts_match_freshly_generated_ones(tmp_path):
    subprocess.run([sys.executable, "-m", "flowctl.cli.completions", "completions", str(tmp_path)],
                   check=True, capture_output=True, cwd=ROOT)
    for shell in SHELLS:
        fresh = (tmp_path / f"flowctl.{shell}").read_text()
        checked_in = (ROOT / "completions" / f"flowctl.{shell}").read_text()
        assert checked_in == fresh, f"completions/flowctl.{shell} is stale: run `make completions`"


def bash_complete(project: Path, words: list[str], setup: str = "") -> list[str]:
    """Source the bash script, set COMP_WORDS/COMP_CWORD as bash would, and call the function."""
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    script = (f"{setup}\nsource {ROOT / 'completions' / 'flowctl.bash'}\n"
              f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}\n"
              "_flowctl_completion flowctl\n"
              "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], cwd=project, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"})
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def test_bash_completes_flow_names_after_file_colon_without_importing(project):
    # bash splits `flows.py:` at the colon (COMP_WORDBREAKS): the words are `flows.py` and `:`.
    assert bash_complete(project, ["flowctl", "visualize", "flows.py", ":"]) == ["daily", "weekly"]
    assert bash_complete(project, ["flowctl", "inspect", "flows.py", ":", "we"]) == ["weekly"]
    assert not (project / "IMPORTED").exists()


def test_bash_completes_flow_names_for_run(project):
    assert bash_complete(project, ["flowctl", "run", "flows.py", ":"]) == ["daily", "weekly"]
    assert not (project / "IMPORTED").exists()


def test_bash_completes_a_colon_word_kept_whole_when_colon_does_not_break_words(project):
    setup = "COMP_WORDBREAKS=${COMP_WORDBREAKS//:/}"
    assert bash_complete(project, ["flowctl", "inspect", "flows.py:d"], setup) == ["flows.py:daily"]


def test_bash_completes_task_names_for_test_task(project):
    assert bash_complete(project, ["flowctl", "test-task", "flows.py", ":"]) == ["extract", "transform", "load"]
    assert not (project / "IMPORTED").exists()


def test_bash_offers_python_files_and_commands(project):
    assert bash_complete(project, ["flowctl", "visualize", "flo"]) == ["flows.py", "flows_extra.py"]
    assert bash_complete(project, ["flowctl", "test-t"]) == ["test-task"]
    assert "--format" in bash_complete(project, ["flowctl", "visualize", "--f"])


def test_ast_scan_finds_flows_and_tasks(project):
    assert flow_names_in(str(project / "flows.py")) == ["daily", "weekly"]
    assert task_names_in(str(project / "flows.py")) == ["extract", "transform", "load"]
    assert flow_names_in(str(project / "missing.py")) == []


def test_completion_command_prints_the_checked_in_script():
    for shell in SHELLS:
        result = subprocess.run([str(BIN / "flowctl"), "completion", shell], capture_output=True, text=True,
                                timeout=60, check=True)
        assert result.stdout == (ROOT / "completions" / f"flowctl.{shell}").read_text()


def test_ast_scan_finds_parameter_names(tmp_path):
    (tmp_path / "p.py").write_text("from flowctl import Parameter\nn = Parameter('batches', default=1)\n"
                                   "m = Parameter(name='day')\n")
    assert parameter_names_in(str(tmp_path / "p.py")) == ["batches", "day"]


def test_bash_completes_parameter_names_after_dash_p(project):
    (project / "params.py").write_text(PARAMS)
    assert bash_complete(project, ["flowctl", "run", "params.py", "-p", "ba"]) == ["batch_size=", "batches="]
    assert bash_complete(project, ["flowctl", "run", "params.py", "--param", ""]) == ["batch_size=", "batches=",
                                                                                      "day="]


# -- real interactive shells ------------------------------------------------------------------
PARAMS = """
from flowctl import Flow, Parameter, task

@task
def extract(n, size):
    return n

with Flow("etl") as flow:
    extract(Parameter("batches", default=2), Parameter("batch_size", default=1))

with Flow("other") as nightly:
    extract(Parameter("day", default=1), 1)
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/etl.py with two flows and a recorded run, and an fpath directory holding `_flowctl`."""
    root = tmp_path_factory.mktemp("shells")
    (root / "examples").mkdir()
    (root / "examples" / "etl.py").write_text(PARAMS)
    (root / "zfunc").mkdir()
    shutil.copy(ROOT / "completions" / "flowctl.zsh", root / "zfunc" / "_flowctl")
    subprocess.run([str(BIN / "flowctl"), "run", "examples/etl.py:flow", "-o", "plain"], cwd=root, check=True,
                   capture_output=True, timeout=120)
    return root


def recorded_run_id(workspace: Path) -> str:
    from flowctl.cli.run_ids import recorded_run_ids

    (run_id,) = recorded_run_ids(workspace / ".flowctl")
    return run_id


SETUP = {
    "bash": ("bash", ["--norc", "--noprofile", "-i"],
             "PS1='$ '; source {script}"),
    "zsh": ("zsh", ["-f", "-i"],
            "PS1='$ '; bindkey -e; fpath=({fpath} $fpath); autoload -U compinit; compinit -u -D"),
    "zsh-sourced": ("zsh", ["-f", "-i"],
                    "PS1='$ '; bindkey -e; autoload -U compinit; compinit -u -D; source {script}"),
    "fish": ("fish", ["--no-config", "-i"],
             "function fish_prompt; echo -n '$ '; end; source {script}"),
}


def complete_line(workspace: Path, setup: str, typed: str) -> str:
    """Type ``typed`` in a real shell, press TAB, and return the command line the shell then holds."""
    pexpect = pytest.importorskip("pexpect")
    program, args, commands = SETUP[setup]
    shell = setup.split("-")[0]
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed (.ci/run installs it)")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "TERM": "dumb",
           "HOME": str(workspace), "FLOWCTL_STATE_DIR": str(workspace / ".flowctl")}
    child = pexpect.spawn(program, args, env=env, cwd=str(workspace), encoding="utf-8", timeout=30)
    try:
        child.sendline(commands.format(script=ROOT / "completions" / f"flowctl.{shell}", fpath=workspace / "zfunc"))
        child.sendline("echo READY-$((1+1))" if shell != "fish" else "echo READY-(math 1+1)")
        child.expect("READY-2")
        time.sleep(0.5)
        child.send(typed + "\t")
        time.sleep(4)  # flowctl answers the TAB in a subprocess
        child.send("@\x01echo ::\r")  # mark the end, go to the start, print the line instead of running it
        child.expect(r"\n::(.*)@\r?\n")
        return child.match.group(1).lstrip()
    finally:
        child.close(force=True)


SHELL_SETUPS = ["bash", "zsh", "zsh-sourced", "fish"]


@pytest.mark.parametrize("setup", SHELL_SETUPS)
def test_a_directory_completes_without_a_trailing_space(workspace, setup):
    assert complete_line(workspace, setup, "flowctl run exa") == "flowctl run examples/"


@pytest.mark.parametrize("setup", SHELL_SETUPS)
def test_flow_names_complete_after_file_colon(workspace, setup):
    assert complete_line(workspace, setup, "flowctl run examples/etl.py:ni") == "flowctl run examples/etl.py:nightly "


@pytest.mark.parametrize("setup", SHELL_SETUPS)
def test_task_names_complete_after_file_colon_for_test_task(workspace, setup):
    line = complete_line(workspace, setup, "flowctl test-task examples/etl.py:ext")
    assert line == "flowctl test-task examples/etl.py:extract "


@pytest.mark.parametrize("setup", SHELL_SETUPS)
def test_parameter_names_complete_after_dash_p_without_a_space(workspace, setup):
    line = complete_line(workspace, setup, "flowctl run examples/etl.py:flow -p batche")
    assert line == "flowctl run examples/etl.py:flow -p batches="


@pytest.mark.parametrize("setup", SHELL_SETUPS)
def test_run_ids_complete_after_resume_and_runs_show(workspace, setup):
    run_id = recorded_run_id(workspace)
    assert complete_line(workspace, setup, "flowctl run examples/etl.py:flow --resume 2") == (
        f"flowctl run examples/etl.py:flow --resume {run_id} ")
    assert complete_line(workspace, setup, "flowctl runs show 2") == f"flowctl runs show {run_id} "


def test_zsh_autoloaded_from_fpath_completes_on_the_first_tab(workspace):
    """The first TAB loads `_flowctl` from fpath; it must complete then, not only from the second TAB."""
    assert complete_line(workspace, "zsh", "flowctl visu") == "flowctl visualize "
