"""Shell completions: checked-in scripts are fresh, and TARGET completion never imports user code."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowctl.cli.completions import SHELLS, flow_names_in, task_names_in

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
