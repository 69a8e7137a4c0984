"""``flowctl visualize TARGET``: draw a flow's graph in the terminal, as DOT/Mermaid, or as an image.

The drawing itself lives in ``flowctl.render.graph`` (pure Python, shared
with ``Flow.visualize``); this module only picks the format, optionally runs
the flow to colour the nodes, and decides where the output goes. As in every
command, ``-o`` is ``--output``: here the FILE the graph goes to.
"""
from __future__ import annotations

import sys
import os
import shutil
from enum import Enum
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from flowctl.cli.completions import complete_flow_target, complete_param_name
from flowctl.cli.errors import fail, usage_errors
from flowctl.cli.options import check_output_paths, choice_parser, examples


class GraphFormat(str, Enum):
    text = "text"
    dot = "dot"
    mermaid = "mermaid"
    svg = "svg"
    png = "png"


VISUALIZE_EXAMPLES = examples(
    "flowctl visualize examples/etl.py",
    "flowctl visualize examples/etl.py --format svg -o etl.svg",
    "flowctl visualize examples/etl.py --format mermaid > etl.mmd",
    "flowctl visualize examples/etl.py --run -p batches=3 -o etl.png",
)


def visualize(
    target: Annotated[str, typer.Argument(metavar="TARGET", show_default=False,
                                          help="path/to/file.py[:NAME] or package.module[:NAME]",
                                          autocompletion=complete_flow_target)],
    format: Annotated[Optional[str], typer.Option(  # a GraphFormat (see choice_parser)
        "--format", "-f", metavar="FORMAT", parser=choice_parser(GraphFormat, "graph format"),
        rich_help_panel="Output",
        help="text (default), dot, mermaid, svg or png; inferred from -o's suffix.")] = None,
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", metavar="FILE", rich_help_panel="Output",
        help="Write the graph to FILE instead of stdout.")] = None,
    run: Annotated[bool, typer.Option(
        "--run", metavar="", rich_help_panel="Parameters",
        help="Run the flow first and colour nodes by final state.")] = False,
    param: Annotated[List[str], typer.Option(
        "--param", "-p", metavar="NAME=VALUE", rich_help_panel="Parameters", autocompletion=complete_param_name,
        help="A parameter for --run (repeatable; implies --run).")] = [],  # noqa: B006 - Typer's default
    params_file: Annotated[List[str], typer.Option(
        "--params-file", metavar="FILE", rich_help_panel="Parameters",
        help="A .toml, .json or .yaml file of parameters (implies --run).")] = [],  # noqa: B006
) -> None:
    """Draw the flow's graph: tasks, parameters, constants, mapped tasks and keyed edges."""
    from flowctl.cli.discover import resolve_flow
    from flowctl.cli.params import collect_parameters
    from flowctl.render import graph

    with usage_errors():
        if output is not None:
            _check_output_file(output)
        fmt = graph.format_for(output, format.value if format else None)
        _module, _variable, flow = resolve_flow(target)
        if fmt in graph.IMAGE_FORMATS and output is None and sys.stdout.isatty():
            fail(f"{fmt.upper()} is binary: write it to a file with -o flow.{fmt}.")
        flow_state = None
        if run or param or params_file:
            flow_state = _run_quietly(flow, collect_parameters(flow, param, params_file))
        model = graph.build_graph(flow, flow_state)
        if output is not None:
            _write_graph_file(model, output, fmt, flow.name)
            return
        rendered = graph.render(model, fmt, width=console_width())
    _print_graph(rendered, fmt, model)


def _write_graph_file(model: object, output: Path, fmt: str, flow_name: str) -> None:
    """Write ``-o FILE``; an unwritable path is a usage error (exit 2) that says what to check."""
    from flowctl.render import graph

    try:
        graph.write(model, output, fmt)
    except OSError as exc:
        fail(f"Cannot write the graph to {str(output)!r}: {exc.strerror or exc}. "
             f"Check that its directory exists and is writable.")
    typer.echo(f"Wrote the {fmt} graph of {flow_name!r} to {output}", err=True)


def _print_graph(rendered: str | bytes, fmt: str, model: object) -> None:
    """Send the drawing to stdout: images as raw bytes, text coloured by state on a terminal."""
    if isinstance(rendered, bytes):
        sys.stdout.buffer.write(rendered)
        sys.stdout.flush()
    elif fmt == "text" and sys.stdout.isatty():
        _print_coloured(rendered, model)
    else:
        sys.stdout.write(rendered)


def _check_output_file(output: Path) -> None:
    """``-o`` names a FILE in every command that writes one; catch ``-o svg`` meant as a format."""
    from flowctl.render.graph import FORMATS

    if not output.suffix and str(output).lower() in FORMATS + ("json", "plain", "rich", "auto"):
        fail(f"-o (--output) takes a FILE here, e.g. -o flow.svg; for the format use --format "
             f"({', '.join(GraphFormat.__members__)}).")
    check_output_paths(output=output)


def console_width() -> int | None:
    """Columns the text drawing must fit: ``$COLUMNS``, else the terminal's; None for a file or pipe."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def _run_quietly(flow: object, parameters: dict) -> object:
    """Run the flow with task logs kept off stderr; one line says how it ended."""
    from flowctl.utilities.logging import set_console_logging

    set_console_logging(False)
    try:
        flow_state = flow.run(parameters=parameters)  # type: ignore[attr-defined]
    finally:
        set_console_logging(True)
    failed = sorted(task.name for task, state in (flow_state.result or {}).items() if state.is_failed())
    outcome = "succeeded" if flow_state.is_successful() else f"ended {flow_state.name}"
    detail = f" (failed: {', '.join(failed)})" if failed else ""
    typer.echo(f"Flow {flow.name!r} {outcome}{detail}; nodes are coloured by final state.", err=True)
    return flow_state


def _print_coloured(text: str, model: object) -> None:
    """On a terminal, state names in the drawing take their state's colour."""
    from rich.console import Console
    from rich.text import Text

    colours: dict[str, str] = {}
    for node in model.nodes:  # type: ignore[attr-defined]
        if node.state and node.color:
            colours.setdefault(node.state, node.color)
        for child in node.children:
            if child.state and child.color:
                colours.setdefault(child.state, child.color)
    rendered = Text(text.rstrip("\n"))
    for state_name, colour in colours.items():
        rendered.highlight_regex(rf"\b{state_name}\b", style=f"bold {colour}")
    Console(highlight=False).print(rendered)


def register(app: typer.Typer) -> None:
    """Add ``visualize`` to the ``flowctl`` app."""
    app.command("visualize", epilog=VISUALIZE_EXAMPLES, no_args_is_help=True)(visualize)
