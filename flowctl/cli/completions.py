"""Shell completion: TARGET completers and the generated bash/zsh/fish scripts.

The scripts use Typer's protocol: on TAB the shell runs ``flowctl`` with
``_FLOWCTL_COMPLETE=complete_<shell>`` and the Typer app answers from its
own commands and options, so they stay right as commands change. TARGET
completion offers ``.py`` files and, after ``file.py:``, the flows (or tasks)
that file defines, found by parsing it with ``ast``: pressing TAB must never
import a user's module, let alone run its flows.

``python -m flowctl.cli.completions completions`` (``make completions``)
rewrites ``completions/flowctl.{bash,zsh,fish}``; a test fails when the
checked-in copies are stale.
"""
from __future__ import annotations

import ast
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

PROG_NAME = "flowctl"
COMPLETE_VAR = "_FLOWCTL_COMPLETE"
SHELLS = ("bash", "zsh", "fish")
_INSTALL = {
    "bash": "flowctl completion bash > ~/.local/share/bash-completion/completions/flowctl",
    "zsh": "flowctl completion zsh > ~/.zfunc/_flowctl  (with fpath+=(~/.zfunc) before compinit), "
           "or source it after compinit",
    "fish": "flowctl completion fish > ~/.config/fish/completions/flowctl.fish",
}

# Typer's own bash script, plus what it lacks: bash splits `file.py:flow` at the
# colon (COMP_WORDBREAKS), so the words are rejoined before asking flowctl and
# the `file.py:` prefix is trimmed from the answers bash inserts after the colon.
_BASH_FUNCTION = r"""
%(complete_func)s() {
    local IFS=$'\n'
    local -a words=()
    local cword=0 i
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        if ((i > 0)) && [[ ${COMP_WORDS[i]} == ":" || ${COMP_WORDS[i-1]} == ":" ]] && ((${#words[@]})); then
            words[${#words[@]}-1]+=${COMP_WORDS[i]}
        else
            words+=("${COMP_WORDS[i]}")
        fi
        ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
    done
    local cur=${words[cword]}
    COMPREPLY=( $( env COMP_WORDS="${words[*]}" \
                   COMP_CWORD=$cword \
                   %(autocomplete_var)s=complete_bash $1 ) )
    if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
        local prefix=${cur%%"${cur##*:}"}
        for ((i = 0; i < ${#COMPREPLY[@]}; i++)); do
            COMPREPLY[i]=${COMPREPLY[i]#"$prefix"}
        done
    fi
    if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == */ || ${COMPREPLY[0]} == *[:=] ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}

complete -o default -F %(complete_func)s %(prog_name)s
"""


# zsh: the same protocol as bash (one candidate per line). Candidates that
# continue (a directory, `file.py:`, `name=`) get no suffix, so no space.
# Autoloaded from fpath, this file is the body of `_flowctl`: it defines the
# function and calls it, so the very first TAB completes; sourced, it
# registers the function with compdef.
_ZSH_SCRIPT = r"""#compdef %(prog_name)s

_%(prog_name)s() {
    local -a candidates continuing finished
    local candidate IFS=$'\n'
    candidates=( $(env COMP_WORDS="${(pj:\n:)words[1,CURRENT]}" COMP_CWORD=$((CURRENT - 1)) \
                   %(autocomplete_var)s=complete_bash %(prog_name)s 2>/dev/null) )
    for candidate in $candidates; do
        if [[ $candidate == */ || $candidate == *[:=] ]]; then
            continuing+=( $candidate )
        else
            finished+=( $candidate )
        fi
    done
    (( ${#finished} )) && compadd -Q -- $finished
    (( ${#continuing} )) && compadd -Q -S '' -- $continuing
    (( ${#candidates} )) || _files
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _%(prog_name)s "$@"
else
    compdef _%(prog_name)s %(prog_name)s
fi
"""

# fish: the same protocol; fish itself adds no space after a candidate ending in `/`, `:` or `=`.
_FISH_SCRIPT = r"""function __%(prog_name)s_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l IFS \n
    env COMP_WORDS="$words" COMP_CWORD=(math (count $words) - 1) \
        %(autocomplete_var)s=complete_bash %(prog_name)s 2>/dev/null
end

complete --command %(prog_name)s --no-files --arguments '(__%(prog_name)s_complete)'
"""


# -- TARGET completers (called by Typer's `autocompletion=`) ----------------------------
def _python_files(incomplete: str) -> list[str]:
    directory, prefix = os.path.split(incomplete)
    try:
        entries = sorted(os.scandir(directory or "."), key=lambda e: e.name)
    except OSError:
        return []
    found = []
    for entry in entries:
        if not entry.name.startswith(prefix) or (entry.name.startswith(".") and not prefix.startswith(".")):
            continue
        path = os.path.join(directory, entry.name)
        if entry.is_dir():
            if entry.name not in ("__pycache__",):
                found.append(path + "/")
        elif entry.name.endswith(".py"):
            found.append(path)
    return found


def _is_flow_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "Flow") or (
        isinstance(func, ast.Attribute) and func.attr == "Flow")


def _callee_name(node: ast.AST) -> str | None:
    func = node.func if isinstance(node, ast.Call) else node
    if isinstance(func, ast.Call):  # @task(name=...) is a call of a call
        return _callee_name(func)
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def flow_names_in(path: str) -> list[str]:
    """Variables bound to ``Flow(...)`` at module level (``x = Flow(..)``, ``with Flow(..) as x``)."""
    tree = _parse(path)
    names: list[str] = []
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and _is_flow_call(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if _is_flow_call(item.context_expr) and isinstance(item.optional_vars, ast.Name):
                    names.append(item.optional_vars.id)
    return list(dict.fromkeys(names))


def task_names_in(path: str) -> list[str]:
    """Module-level tasks: ``@task`` functions, ``x = task(fn)`` and instances of Task subclasses."""
    tree = _parse(path)
    if tree is None:
        return []
    task_classes = {"Task", "FunctionTask"}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(_callee_name(base) in task_classes for base in node.bases):
            task_classes.add(node.name)
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if any(_callee_name(d) == "task" for d in node.decorator_list):
                names.append(node.name)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if _callee_name(node.value) in task_classes | {"task"}:
                names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return list(dict.fromkeys(names))


def _parse(path: str) -> ast.Module | None:
    try:
        with open(path, "rb") as handle:
            return ast.parse(handle.read(), filename=path)
    except (OSError, SyntaxError, ValueError):
        return None


def _complete(incomplete: str, names_in) -> list[str]:  # noqa: ANN001 - one of the *_names_in
    spec, colon, prefix = incomplete.rpartition(":")
    if colon and spec.endswith(".py"):
        return [f"{spec}:{name}" for name in names_in(spec) if name.startswith(prefix)]
    return _python_files(incomplete)


def complete_flow_target(incomplete: str) -> list[str]:
    """``.py`` files, then ``file.py:FLOW`` for the flows the file defines."""
    return _complete(incomplete, flow_names_in)


def complete_task_target(incomplete: str) -> list[str]:
    """``.py`` files, then ``file.py:TASK`` for the tasks the file defines."""
    return _complete(incomplete, task_names_in)


def parameter_names_in(path: str) -> list[str]:
    """Names given to ``Parameter("name", ...)`` (or ``name=``) anywhere in the module's source."""
    tree = _parse(path)
    names: list[str] = []
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Call) and _callee_name(node) in ("Parameter", "DateTimeParameter"):
            values = [node.args[0]] if node.args else [k.value for k in node.keywords if k.arg == "name"]
            names += [v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    return list(dict.fromkeys(names))


def _target_file(ctx: typer.Context) -> str | None:
    """The ``.py`` file of the TARGET on the command line being completed.

    Click stops parsing at an option still waiting for its value (``-p``
    then TAB), leaving ``target`` unset, so the words the shell sent (all
    three scripts use the ``COMP_WORDS`` protocol) are the fallback.
    """
    import shlex

    candidates = [(ctx.params or {}).get("target") or ""]
    try:
        candidates += shlex.split(os.environ.get("COMP_WORDS", ""))[2:]
    except ValueError:  # an unfinished quote
        pass
    for target in candidates:
        spec = target.rpartition(":")[0] if ":" in target else target
        if spec.endswith(".py") and os.path.isfile(spec):
            return spec
    return None


def complete_param_name(ctx: typer.Context, incomplete: str) -> list[str]:
    """``NAME=`` for the parameters of the TARGET file given earlier on the line."""
    path = _target_file(ctx)
    if path is None or "=" in incomplete:
        return []
    return [f"{name}=" for name in sorted(parameter_names_in(path)) if name.startswith(incomplete)]


def complete_run_id(ctx: typer.Context, incomplete: str) -> list[str]:
    """Recorded run ids (newest first) from the state directory."""
    from flowctl.cli.run_ids import recorded_run_ids

    params = ctx.params or {}
    directory = params.get("state_dir_option") or params.get("state_dir")
    return [run_id for run_id in recorded_run_ids(directory) if run_id.startswith(incomplete)]


# -- generated scripts --------------------------------------------------------------------
def _header(shell: str, app: typer.Typer) -> str:
    command = typer.main.get_command(app)
    names = sorted(getattr(command, "commands", {}))
    return (
        f"# {shell} completion for flowctl, generated from its Typer app by `make completions`\n"
        f"# (python -m flowctl.cli.completions completions). Do not edit: regenerate instead.\n"
        f"# Commands: {', '.join(names)}\n"
        f"# Install: {_INSTALL[shell]}\n"
    )


def completion_script(shell: str, app: typer.Typer | None = None) -> str:
    """The completion script for ``shell`` (bash, zsh or fish)."""
    if app is None:
        from flowctl.cli.main import app
    names = {"complete_func": "_" + PROG_NAME.replace("-", "_") + "_completion", "autocomplete_var": COMPLETE_VAR,
             "prog_name": PROG_NAME}
    template = {"bash": _BASH_FUNCTION, "zsh": _ZSH_SCRIPT, "fish": _FISH_SCRIPT}[shell]
    body = (template % names).strip()
    if body.startswith("#compdef"):  # zsh only honours #compdef on the very first line
        first, _, rest = body.partition("\n")
        return first + "\n" + _header(shell, app) + rest.rstrip() + "\n"
    return _header(shell, app) + "\n" + body + "\n"


def write_scripts(directory: str | os.PathLike = "completions") -> list[Path]:
    """(Re)write ``flowctl.<shell>`` for each shell under ``directory``."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for shell in SHELLS:
        path = target / f"{PROG_NAME}.{shell}"
        path.write_text(completion_script(shell), encoding="utf-8")
        written.append(path)
    return written


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def _parse_shell(value: str) -> Shell:
    from flowctl.utilities.suggest import unknown_choice

    if value in SHELLS:
        return Shell(value)
    raise typer.BadParameter(unknown_choice("shell", value, SHELLS))


def completion(
    shell: Annotated[str, typer.Argument(metavar="SHELL", parser=_parse_shell,  # a Shell help="bash, zsh or fish.",
                                           show_default=False)],
) -> None:
    """Print the shell completion script for SHELL; install it as the examples show."""
    typer.echo(completion_script(shell.value), nl=False)


COMPLETION_EXAMPLES = ("Examples:\n"
                       "  flowctl completion bash > ~/.local/share/bash-completion/completions/flowctl\n"
                       "  flowctl completion zsh > ~/.zfunc/_flowctl\n"
                       "  flowctl completion fish > ~/.config/fish/completions/flowctl.fish")


def register(app: typer.Typer) -> None:
    """Add ``completion``; answer completion requests (Typer's ``--install-completion`` is off)."""
    app.command("completion", epilog=COMPLETION_EXAMPLES)(completion)
    if os.environ.get(COMPLETE_VAR):
        from typer.completion import completion_init

        completion_init()


def _main(argv: list[str]) -> int:
    if not argv or argv[0] != "completions":
        print("usage: python -m flowctl.cli.completions completions [DIRECTORY]", file=sys.stderr)
        return 2
    for path in write_scripts(argv[1] if len(argv) > 1 else "completions"):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
