"""``flowctl visualize TARGET``: draw a flow's graph in the terminal, as DOT/Mermaid, or as an image.

The drawing itself lives in ``flowctl.engine.graph`` (pure Python, shared
with ``Flow.visualize``); this module only picks the format, optionally runs
the flow to colour the nodes, and decides where the output goes.
"""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from flowctl.cli.completions import complete_flow_target
from flowctl.cli.errors import fail, usage_errors


class GraphFormat(str, Enum):
    text = "text"
    dot = "dot"
    mermaid = "mermaid"
    svg = "svg"
    png = "png"


def visualize(
    target: str = typer.Argument(..., help="file.py[:FLOW] or package.module[:FLOW].",
                                 autocompletion=complete_flow_target),
    format: Optional[GraphFormat] = typer.Option(
        None, "--format", "-f", help="text (default), dot, mermaid, svg or png; inferred from -o's suffix."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout.",
                                          dir_okay=False),
    run: bool = typer.Option(False, "--run", help="Run the flow first and colour nodes by final state."),
    param: List[str] = typer.Option([], "--param", "-p", help="NAME=VALUE for --run (repeatable; implies --run)."),
    params_file: List[str] = typer.Option([], "--params-file", help="TOML file of parameters (implies --run)."),
) -> None:
    """Draw the flow's graph: tasks, parameters, constants, mapped tasks and keyed edges."""
    from flowctl.cli.discover import resolve_flow
    from flowctl.cli.params import collect_parameters
    from flowctl.engine import graph

    with usage_errors():
        _module, _variable, flow = resolve_flow(target)
        fmt = graph.format_for(output, format.value if format else None)
        if fmt in graph.IMAGE_FORMATS and output is None and sys.stdout.isatty():
            fail(f"{fmt.upper()} is binary: write it to a file with -o flow.{fmt}.")
        flow_state = None
        if run or param or params_file:
            parameters = collect_parameters(flow, param, params_file)
            flow_state = _run_quietly(flow, parameters)
        model = graph.build_graph(flow, flow_state)
        if output is not None:
            try:
                graph.write(model, output, fmt)
            except OSError as exc:
                fail(f"Cannot write the graph to {str(output)!r}: {exc.strerror or exc}. "
                     f"Check that its directory exists and is writable.")
            typer.echo(f"Wrote the {fmt} graph of {flow.name!r} to {output}", err=True)
            return
        rendered = graph.render(model, fmt)
    if isinstance(rendered, bytes):
        sys.stdout.buffer.write(rendered)
        sys.stdout.flush()
    elif fmt == "text" and sys.stdout.isatty():
        _print_coloured(rendered, model)
    else:
        sys.stdout.write(rendered)


def _run_quietly(flow: object, parameters: dict) -> object:
    """Run the flow with task logs kept off stderr; one line says how it ended."""
    from flowctl.utilities.logging import set_stderr_logging

    set_stderr_logging(False)
    try:
        flow_state = flow.run(parameters=parameters)  # type: ignore[attr-defined]
    finally:
        set_stderr_logging(True)
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
    app.command("visualize")(visualize)
