"""``resource_manager``: set a resource up before a block of tasks, clean it up after.

Decorate a class with ``setup()`` (optional) and ``cleanup(resource)``;
inside a flow, ``with MyResource(args) as resource:`` adds three tasks when
the resource is called: init (named after the resource), ``NAME.setup`` and
``NAME.cleanup``, as Prefect 1 does. Tasks of the block wait for setup;
cleanup waits for the block's last tasks and runs even when they fail (as
long as init and setup succeeded). Cleanup never decides the flow's state:
``Flow.reference_tasks`` leaves init and cleanup tasks out.
"""
from __future__ import annotations

from typing import Any, Callable

from flowctl.core.blocks import block_closed, block_opened
from flowctl.core.task import Task
from flowctl.engine import signals
from flowctl.exceptions import FlowDefinitionError
from flowctl.utilities.context import context

__all__ = ["resource_manager", "ResourceManager", "resource_cleanup_trigger"]


class ResourceInitTask(Task):
    """Builds the resource manager object: its ``run`` is the decorated class itself."""

    def __init__(self, resource_class: Callable, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.resource_class = resource_class
        self.run = resource_class  # type: ignore[method-assign] - bound by the class's signature


class ResourceSetupTask(Task):
    """Calls ``setup()`` on the resource manager object; its result is the resource."""

    def run(self, mgr: Any) -> Any:
        return mgr.setup()


class ResourceCleanupTask(Task):
    """Calls ``cleanup(resource)`` on the resource manager object."""

    def run(self, mgr: Any, resource: Any = None) -> None:
        mgr.cleanup(resource)


def resource_cleanup_trigger(upstream_states: dict) -> bool:
    """Run cleanup once everything upstream finished, if init and setup succeeded.

    A resource that was never created (init or setup skipped or failed) has
    nothing to clean up, so the cleanup task skips instead of failing.
    """
    for edge, state in upstream_states.items():
        if not state.is_finished():
            raise signals.TRIGGERFAIL(
                "Trigger was 'resource_cleanup_trigger' but some of the upstream tasks were not finished."
            )
        step = {"mgr": "init", "resource": "setup"}.get(edge.key)
        if step is not None and state.is_skipped():
            raise signals.SKIP(f"Resource manager {step} skipped")
        if step is not None and not state.is_successful():
            raise signals.SKIP(f"Resource manager {step} failed")
    return True


class ResourceContext:
    """The ``with`` block of one resource in one flow: wires the block's tasks on exit."""

    def __init__(self, init_task: Task, setup_task: Task | None, cleanup_task: Task, flow: Any) -> None:
        self.init_task = init_task
        self.setup_task = setup_task
        self.cleanup_task = cleanup_task
        self._flow = flow
        self._tasks: list[Task] = []
        self._stack: list = []

    def add_task(self, task: Task, flow: Any) -> None:
        """Record a task created inside the block (called by ``Flow.add_task``)."""
        if flow is not self._flow:
            raise FlowDefinitionError("Multiple flows cannot be used with the same resource block.")
        self._tasks.append(task)

    def __enter__(self) -> Task | None:
        manager = context(resource=self)
        manager.__enter__()
        self._stack.append(manager)
        block_opened()
        return self.setup_task

    def __exit__(self, *exc_info: Any) -> None:
        block_closed()
        self._stack.pop().__exit__(*exc_info)
        flow, members = self._flow, set(self._tasks)
        for child in self._tasks:
            # a task with no upstream in the block waits for setup; one with no
            # downstream in the block is waited for by cleanup
            upstream = flow.upstream_tasks(child)
            if self.setup_task is not None and not members & upstream and self.setup_task not in upstream:
                child.set_upstream(self.setup_task, flow=flow)
            downstream = flow.downstream_tasks(child)
            if not members & downstream and self.cleanup_task not in downstream:
                child.set_downstream(self.cleanup_task, flow=flow)


class ResourceManager:
    """What ``@resource_manager`` returns: call it with init arguments inside a flow."""

    def __init__(self, resource_class: Callable, name: str | None = None, init_task_kwargs: dict | None = None,
                 setup_task_kwargs: dict | None = None, cleanup_task_kwargs: dict | None = None) -> None:
        self.resource_class = resource_class
        self.name = name if name is not None else getattr(resource_class, "__name__", "resource")
        self.init_task_kwargs = {"name": self.name, **(init_task_kwargs or {})}
        self.setup_task_kwargs = {"name": f"{self.name}.setup", "checkpoint": False, **(setup_task_kwargs or {})}
        self.cleanup_task_kwargs = {"name": f"{self.name}.cleanup", "trigger": resource_cleanup_trigger,
                                    "skip_on_upstream_skip": False, "checkpoint": False,
                                    **(cleanup_task_kwargs or {})}

    def __call__(self, *args: Any, flow: Any = None, **kwargs: Any) -> ResourceContext:
        """Add the init, setup and cleanup tasks to ``flow`` (default: the active one)."""
        flow = flow if flow is not None else context.get("flow")
        if flow is None:
            raise FlowDefinitionError(f"Could not infer an active Flow context for resource {self.name!r}: "
                                      f"use it inside `with Flow(...)` or pass flow=.")
        init_task = ResourceInitTask(self.resource_class, **self.init_task_kwargs)(*args, flow=flow, **kwargs)
        setup_task = None
        if hasattr(self.resource_class, "setup"):
            setup_task = ResourceSetupTask(**self.setup_task_kwargs)(init_task, flow=flow)
            cleanup_task = ResourceCleanupTask(**self.cleanup_task_kwargs)(init_task, setup_task, flow=flow)
        else:
            cleanup_task = ResourceCleanupTask(**self.cleanup_task_kwargs)(init_task, flow=flow)
        return ResourceContext(init_task, setup_task, cleanup_task, flow)


def resource_manager(resource_class: Callable | None = None, *, name: str | None = None,
                     init_task_kwargs: dict | None = None, setup_task_kwargs: dict | None = None,
                     cleanup_task_kwargs: dict | None = None) -> Any:
    """Decorate a class with ``setup()``/``cleanup(resource)`` to use it as a resource.

    Bare ``@resource_manager`` or ``@resource_manager(name=..., *_task_kwargs=...)``;
    the ``*_task_kwargs`` dicts go to the constructors of the three tasks.
    """
    options = dict(name=name, init_task_kwargs=init_task_kwargs, setup_task_kwargs=setup_task_kwargs,
                   cleanup_task_kwargs=cleanup_task_kwargs)
    if resource_class is None:
        return lambda cls: ResourceManager(cls, **options)
    return ResourceManager(resource_class, **options)
