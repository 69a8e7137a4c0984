"""How the task runner picks a task's Result and fills in its target."""
from __future__ import annotations

from typing import Any


def task_result(task: Any, flow_result: Any) -> Any:
    """The task's own result, else the flow's, else a ``LocalResult`` in the default directory."""
    if task.result is not None:
        return task.result
    if flow_result is not None:
        return flow_result
    from flowctl.engine.results import LocalResult

    return LocalResult()


def target_location(task: Any, result: Any, format_kwargs: dict) -> str:
    """The target for this run: a template formatted with context and inputs, or a callable's answer."""
    target = task.target
    if callable(target):
        return str(target(**format_kwargs))
    return str(target).format(**format_kwargs)


def template_kwargs(run_context: dict, inputs: dict) -> dict:
    """What templates see, later names winning (Prefect 1): flow parameters, context, task inputs."""
    return {**(run_context.get("parameters") or {}), **run_context, **inputs}
