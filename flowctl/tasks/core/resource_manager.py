"""``resource_manager``: set a resource up before a block of tasks, clean it up after.

Decorate a class with ``setup()`` and ``cleanup(resource)``; inside a flow,
``with MyResource(args) as resource:`` adds init, setup and cleanup tasks.
Tasks of the block wait for setup; cleanup waits for all of them and runs
even when they fail (as long as setup succeeded). Cleanup never decides the
flow's state: the block's own last tasks do.
"""
from __future__ import annotations

from typing import Any, Callable

from flowctl import triggers
from flowctl.core.task import Task
from flowctl.engine import signals
from flowctl.exceptions import FlowDefinitionError
from flowctl.utilities.context import context


class ResourceInitTask(Task):
    def __init__(self, resource_class: type, **kwargs: Any) -> None:
        self.resource_class = resource_class
        super().__init__(**kwargs)

    def run(self, **init_kwargs: Any) -> Any:
        return self.resource_class(**init_kwargs)


class ResourceSetupTask(Task):
    def run(self, mgr: Any) -> Any:
        return mgr.setup()


def _setup_succeeded(upstream_states: dict) -> bool:
    for edge, upstream_state in upstream_states.items():
        if edge.key == "resource" and not upstream_state.is_successful():
            raise signals.SKIP("Resource setup did not succeed; nothing to clean up.")
    return True


class ResourceCleanupTask(Task):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("trigger", _setup_succeeded)
        kwargs.setdefault("skip_on_upstream_skip", False)
        super().__init__(**kwargs)
        self.block_tasks: set = set()

    def run(self, mgr: Any, resource: Any) -> None:
        mgr.cleanup(resource)


class ResourceContext:
    """The ``with`` block of one resource in one flow."""

    def __init__(self, manager: "ResourceManager", init_kwargs: dict, flow: Any = None) -> None:
        self.manager = manager
        self.init_kwargs = init_kwargs
        self._tasks: list[Task] = []
        self._flow: Any = flow  # given explicitly with the imperative API
        self._stack: list = []

    def add_task(self, task: Task, flow: Any) -> None:
        if flow is self._flow:
            self._tasks.append(task)

    def __enter__(self) -> Task:
        self._flow = self._flow if self._flow is not None else context.get("flow")
        if self._flow is None:
            raise FlowDefinitionError(f"{self.manager.name} must be used inside a `with Flow(...)` block (or given flow=...).")
        name = self.manager.name
        self.init_task = ResourceInitTask(self.manager.resource_class, name=f"{name}.init")
        self.init_task.bind(flow=self._flow, **self.init_kwargs)
        self.setup_task = ResourceSetupTask(name=f"{name}.setup").bind(mgr=self.init_task, flow=self._flow)
        manager = context(resource=self)
        manager.__enter__()
        self._stack.append(manager)
        return self.setup_task

    def __exit__(self, *exc_info: Any) -> None:
        self._stack.pop().__exit__(*exc_info)
        if exc_info[0] is not None:
            return
        flow = self._flow
        members = set(self._tasks)
        cleanup = ResourceCleanupTask(name=f"{self.manager.name}.cleanup")
        cleanup.bind(mgr=self.init_task, resource=self.setup_task, flow=flow)
        for task in self._tasks:
            if not members.intersection(flow.upstream_tasks(task)) and task is not self.setup_task:
                task.set_upstream(self.setup_task, flow=flow)
            cleanup.set_upstream(task, flow=flow)
        cleanup.block_tasks = members


class ResourceManager:
    """What ``@resource_manager`` returns: call it with init arguments inside a flow."""

    def __init__(self, resource_class: type, name: str | None = None) -> None:
        self.resource_class = resource_class
        self.name = name or resource_class.__name__

    def __call__(self, *args: Any, flow: Any = None, **kwargs: Any) -> ResourceContext:
        if args:
            import inspect

            bound = inspect.signature(self.resource_class).bind(*args, **kwargs)
            kwargs = dict(bound.arguments)
        return ResourceContext(self, kwargs, flow=flow)


def resource_manager(resource_class: type | None = None, name: str | None = None, **_: Any) -> Any:
    """Decorate a class with ``setup()``/``cleanup(resource)`` to use it as a resource."""
    if resource_class is None:
        return lambda cls: ResourceManager(cls, name=name)
    return ResourceManager(resource_class, name=name)
