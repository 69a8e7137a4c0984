"""The package keeps the code shape STYLE.md asks for: small modules, short functions.

Issue #11 makes it an acceptance point: no module under ``flowctl/`` over 400
lines, no function or method (sync or async, nested ones included) over 50.
A function's length is ``end_lineno - lineno + 1`` from ``ast``: signature
and docstring count, decorators do not. Each test lists every offender, so
one run shows all there is to split.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "flowctl"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50


def package_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def module_length(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def function_lengths(path: Path) -> list[tuple[str, int, int]]:
    """``(qualified name, first line, length)`` of every function in the module, nested ones too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                found.append((name, child.lineno, child.end_lineno - child.lineno + 1))
                visit(child, f"{name}.<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def relative(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def test_the_package_has_modules_to_measure() -> None:
    names = {relative(path) for path in package_modules()}
    assert "flowctl/__init__.py" in names and "flowctl/cli/run.py" in names


def test_function_lengths_count_signature_docstring_and_nested_functions(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "class Box:\n"
        "    async def open(self):\n"
        "        '''Why.'''\n"
        "        def inner():\n"
        "            return 1\n"
        "        return inner()\n",
        encoding="utf-8",
    )
    assert function_lengths(source) == [("Box.open", 2, 5), ("Box.open.<locals>.inner", 4, 2)]


def test_no_module_is_over_400_lines() -> None:
    too_long = [f"{relative(path)}: {lines} lines"
                for path in package_modules() if (lines := module_length(path)) > MAX_MODULE_LINES]
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(too_long)


def test_no_function_is_over_50_lines() -> None:
    too_long = [f"{relative(path)}:{line} {name}: {length} lines"
                for path in package_modules()
                for name, line, length in function_lengths(path) if length > MAX_FUNCTION_LINES]
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(too_long)
