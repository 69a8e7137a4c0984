"""``flowctl inspect TARGET``: what a module's flows contain, without running them.

With a module holding several flows (and no ``:NAME``) it lists them; with
one flow it shows that flow's tasks, parameters, edges, reference tasks and
executor. ``--json`` prints the same facts as one JSON document for scripts.
"""
from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from flowctl.cli.completions import complete_flow_target
from flowctl.cli.errors import usage_errors
from flowctl.cli.options import examples
from flowctl.render.jsonable import jsonable as _jsonable


def _seconds(value: Any) -> float | None:
    return value.total_seconds() if hasattr(value, "total_seconds") else value


def describe_flow(flow: Any, variable: str | None = None) -> dict:
    """A flow's structure as plain data (the ``--json`` document)."""
    from flowctl.core.parameter import Parameter
    from flowctl.render.graph import node_kind
    from flowctl.store.secrets import looks_secret

    tasks = list(flow.sorted_tasks())
    slug = {task: flow.slugs.get(task, task.name) for task in tasks}
    mapped = {edge.downstream_task for edge in flow.edges if edge.mapped}
    order = {task: i for i, task in enumerate(tasks)}
    executor = flow.executor
    return {
        "flow": flow.name,
        "variable": variable,
        "tasks": [{
            "name": task.name, "slug": slug[task], "type": type(task).__name__, "kind": node_kind(task),
            "mapped": task in mapped, "tags": sorted(task.tags or ()),
            "upstream": [slug[t] for t in sorted(flow.upstream_tasks(task), key=order.get)],
            "constants": {k: _jsonable(v) for k, v in sorted(flow.constants.get(task, {}).items())},
            "trigger": getattr(task.trigger, "__name__", repr(task.trigger)),
            "max_retries": task.max_retries, "retry_delay_s": _seconds(task.retry_delay),
            "timeout": _seconds(task.timeout),
        } for task in tasks],
        "parameters": [{"name": p.name, "default": "***" if looks_secret(p.name) else _jsonable(p.default),
                        "required": bool(p.required)}
                       for p in sorted(flow.parameters(), key=lambda p: p.name) if isinstance(p, Parameter)],
        "edges": [{"upstream": slug[e.upstream_task], "downstream": slug[e.downstream_task], "key": e.key,
                   "mapped": e.mapped, "flattened": e.flattened}
                  for e in sorted(flow.edges, key=lambda e: (order[e.downstream_task], order[e.upstream_task],
                                                            e.key or ""))],
        "reference_tasks": sorted(slug[t] for t in flow.reference_tasks()),
        # a flow that sets none runs on the local executor unless --executor says otherwise
        "executor": "LocalExecutor" if executor is None else type(executor).__name__,
        "executor_is_default": executor is None,
    }


def describe_module(spec: str, flows: list) -> dict:
    """The flows a module defines (the ``--json`` document for a module TARGET)."""
    return {"module": spec, "flows": [
        {"variable": variable, "name": flow.name, "tasks": len(flow.tasks),
         "parameters": sorted(p.name for p in flow.parameters())} for variable, flow in flows]}


INSPECT_EXAMPLES = examples(
    "flowctl inspect examples/etl.py",
    "flowctl inspect examples/etl.py:flow --json",
)


def inspect(
    target: Annotated[str, typer.Argument(metavar="TARGET", show_default=False,
                                          help="path/to/file.py[:NAME] or package.module[:NAME]",
                                          autocompletion=complete_flow_target)],
    as_json: Annotated[bool, typer.Option(
        "--json", metavar="", rich_help_panel="Output", help="Print one JSON document instead of tables.")] = False,
) -> None:
    """List a module's flows, or show a flow's tasks, parameters, edges and executor."""
    from flowctl.cli.discover import check_target, find_flows, load_module, resolve_flow, split_target

    with usage_errors():
        check_target(target)
        spec, name = split_target(target)
        if name is None:
            flows = find_flows(load_module(spec))
            if len(flows) > 1:
                _show(describe_module(spec, flows), as_json, _module_tables)
                return
        _module, variable, flow = resolve_flow(target)
    _show(describe_flow(flow, variable), as_json, _flow_tables)


def _show(document: dict, as_json: bool, tables) -> None:  # noqa: ANN001 - a table builder
    if as_json:
        sys.stdout.write(json.dumps(document, indent=2, default=repr) + "\n")
        return
    from rich.console import Console

    console = Console(highlight=False)
    for renderable in tables(document):
        console.print(renderable)


def _module_tables(document: dict) -> list:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Flows in {document['module']}", title_justify="left")
    for column in ("variable", "name", "tasks", "parameters"):
        table.add_column(column, justify="right" if column == "tasks" else "left")
    for flow in document["flows"]:
        table.add_row(escape(flow["variable"]), escape(flow["name"]), str(flow["tasks"]),
                      escape(", ".join(flow["parameters"])))
    return [table, escape(f"Name one as {document['module']}:VARIABLE to see its tasks.")]


def _flow_tables(document: dict) -> list:
    from rich.markup import escape
    from rich.table import Table

    executor = document["executor"] + (" (default; --executor chooses at run time)"
                                       if document["executor_is_default"] else "")
    heading = f"[bold]Flow {escape(repr(document['flow']))}[/bold]" + escape(
        (f" (variable {document['variable']})" if document["variable"] else "") + f"  executor: {executor}")
    tasks = Table(title="Tasks (* reference task)", title_justify="left")
    for column in ("task", "kind", "upstream", "constants", "options"):
        tasks.add_column(column, overflow="fold")
    references = set(document["reference_tasks"])
    for task in document["tasks"]:
        marks = (" [dim](mapped)[/dim]" if task["mapped"] else "") + (" *" if task["slug"] in references else "")
        options = [f"trigger={task['trigger']}"] if task["trigger"] != "all_successful" else []
        if task["max_retries"]:
            options.append(f"retries={task['max_retries']} every {task['retry_delay_s']}s")
        if task["timeout"] is not None:
            options.append(f"timeout={task['timeout']}s")
        if task["tags"]:
            options.append(f"tags={','.join(task['tags'])}")
        tasks.add_row(escape(task["slug"]) + marks, task["kind"], escape(", ".join(task["upstream"])),
                      escape(", ".join(f"{k}={v!r}" for k, v in task["constants"].items())),
                      escape(" ".join(options)))
    parameters = Table(title="Parameters", title_justify="left")
    for column in ("name", "default", "required"):
        parameters.add_column(column)
    for p in document["parameters"]:
        default = p["default"] if p["default"] == "***" else repr(p["default"])  # (a secret's, hidden)
        parameters.add_row(escape(p["name"]), "" if p["required"] else escape(default),
                           "yes" if p["required"] else "no")
    edges = Table(title="Edges", title_justify="left")
    for column in ("upstream", "downstream", "key", "mapped", "flattened"):
        edges.add_column(column)
    for e in document["edges"]:
        edges.add_row(escape(e["upstream"]), escape(e["downstream"]), e["key"] or "", "yes" if e["mapped"] else "",
                      "yes" if e["flattened"] else "")
    parts: list = [heading, tasks]
    if document["parameters"]:
        parts.append(parameters)
    if document["edges"]:
        parts.append(edges)
    parts.append(escape(f"Reference tasks (*): {', '.join(document['reference_tasks']) or 'none'}"))
    return parts


def register(app: typer.Typer) -> None:
    """Add ``inspect`` to the ``flowctl`` app."""
    app.command("inspect", epilog=INSPECT_EXAMPLES, no_args_is_help=True)(inspect)
