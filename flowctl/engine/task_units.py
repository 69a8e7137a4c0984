"""What every run of a task starts from: its context, and whether the run is the call alone.

A *unit* is one run of a task or of one mapped child. ``TaskRunner`` builds a
unit's context with ``task_context``; a plain task (see ``TaskRunner._is_plain``)
whose run also has nothing to time out, capture or write, and nobody to tell
about ``Running``, is *the call alone*: ``Success(task.run(**inputs))`` in
that context. ``TaskRunner.run_short`` makes that call for its runner; the
scheduler makes it with ``call_alone`` for a task whose runner would add
nothing (``RunFacts.call_alone``), so that a long chain of such tasks needs
no runner at all until one of them raises, and for a mapped child once its
runner has found, on the first child, that it adds nothing
(``TaskRunner.fast_base``). When somebody listens (``flowctl run``), such a
child is ``call_told``: the same call, between the two events its runner
would have published.

The call alone installs the unit's context deferred
(``utilities.context.Deferred``): the dict is made, from the run's
``RunFacts.template``, only if the task or something it calls reads it.
"""
from __future__ import annotations

import logging
import operator
import time
from typing import Any, NamedTuple

from flowctl.core.task import _LOGGERS
from flowctl.engine.events import TaskStateChanged, bus
from flowctl.engine.result import NoResult, Result
from flowctl.engine.state import Pending, Running, Success
from flowctl.engine.state_results import TagsOnly
from flowctl.triggers import all_successful
from flowctl.utilities.configuration import config
from flowctl.utilities.context import Deferred, thread_local as _CONTEXT_LOCAL
from flowctl.utilities.logging import get_logger

#: Prefect 1's per-task progress lines, at DEBUG so a run of many tasks pays nothing for them.
RUNNER_LOG = get_logger("TaskRunner")
SUCCEEDED = "Task run succeeded."
_new_state = object.__new__
_NO_TAGS = TagsOnly(((),))  # the context of a state made in a run of a task without tags: {"tags": []}

#: The task fields a plain run (see ``TaskRunner._is_plain``) leaves alone, read in one call,
#: and their values on a task that sets none of them.
_PLAIN_NAMES = ("trigger", "task_run_name", "target", "cache_for", "max_retries", "state_handlers", "on_failure")
PLAIN_FIELDS = operator.attrgetter(*_PLAIN_NAMES)
PLAIN_DEFAULTS = (all_successful, None, None, None, 0, [], None)
#: What else a plain run must not have to be the call alone: a timeout, captured stdout, a result.
_RUN_NAMES = ("timeout", "log_stdout", "result")
RUN_FIELDS = operator.attrgetter(*_RUN_NAMES)
RUN_DEFAULTS = (None, False, None)
_CALL_ALONE_FIELDS = operator.attrgetter(*_PLAIN_NAMES, *_RUN_NAMES)
_CALL_ALONE_DEFAULTS = PLAIN_DEFAULTS + RUN_DEFAULTS
#: Those of them that ``Task`` keeps as class attributes while at their default: a task that leaves
#: them alone has none in its ``__dict__`` (``task_options.store_options``), which one C call checks.
_CLASS_OPTIONS = tuple(name for name in _PLAIN_NAMES + _RUN_NAMES if name != "state_handlers")
_CLASS_OPTION_NAMES = frozenset(_CLASS_OPTIONS)
_CLASS_FIELDS = operator.attrgetter(*_CLASS_OPTIONS)
_CLASS_DEFAULTS = tuple(default for name, default in zip(_PLAIN_NAMES + _RUN_NAMES, _CALL_ALONE_DEFAULTS)
                        if name != "state_handlers")


class RunFacts(NamedTuple):
    """What the runs of a flow read from its base context, worked out once per base."""

    base: dict | None
    checkpointing: Any
    debug_log: bool  # DEBUG progress lines wanted
    run_id_prefix: str  # "<flow run id>:"
    #: ``base`` with every key a unit's context adds (see ``task_context``): copying it is one
    #: C copy of a table already the right size, where merging grew a new table per unit
    template: dict
    #: per task class, whether its class attributes leave the call-alone options at their
    #: defaults (see ``leaves_defaults``): asked once a run, as a class may change between runs
    default_classes: dict

    @property
    def call_alone(self) -> bool:
        """Whether a plain task's fresh run may be the call alone as far as the base goes."""
        return not self.debug_log and self.checkpointing is not True


def run_facts(base: dict) -> RunFacts:
    checkpointing = base["checkpointing"] if "checkpointing" in base else config.flows.checkpointing
    template = {**base, "task_name": None, "task_slug": None, "task_id": None, "task_tags": None, "logger": None,
                "task_run_count": 1, "checkpointing": checkpointing, "map_index": None,
                "task_full_name": None, "task_run_id": None}
    return RunFacts(base, checkpointing, RUNNER_LOG.isEnabledFor(logging.DEBUG),
                    f"{base.get('flow_run_id', 'local')}:", template, {})


_LAST_FACTS: list = [RunFacts(None, None, False, "", {}, {})]


def facts_for(base: dict) -> RunFacts:
    """``run_facts(base)``, worked out once per base in a row (once per flow run, not per unit)."""
    facts = _LAST_FACTS[0]
    if facts.base is not base:
        facts = _LAST_FACTS[0] = run_facts(base)
    return facts


def task_context(facts: RunFacts, task: Any, slug: str, logger: Any) -> dict:
    """The base context with the task's fixed keys (name, slug, tags, logger, run count,
    checkpointing); the unit's own keys (``map_index``, ``task_full_name``, ``task_run_id``) are
    there too, for the caller to set."""
    run_context = facts.template.copy()
    run_context["task_name"] = task.name
    run_context["task_slug"] = run_context["task_id"] = slug
    tags = task.__dict__.get("tags")  # a task without tags gets a set of its own on first read: not made here
    run_context["task_tags"] = tags if tags is not None else set()
    run_context["logger"] = logger
    return run_context


def unit_context(facts: RunFacts, task: Any, slugs: dict) -> dict:
    """The context of a task's fresh run (not a mapped child's), as ``TaskRunner`` makes it;
    ``slugs``: the flow's (``Flow.slugs``)."""
    slug = slugs.get(task) or task.slug or task.name
    name = task.name
    run_context = task_context(facts, task, slug, _LOGGERS.get(name) or task.logger)
    run_context["task_full_name"] = name
    run_context["task_run_id"] = f"{facts.run_id_prefix}{slug}:"
    return run_context


def class_leaves_defaults(cls: type, facts: RunFacts) -> bool:
    """Whether the class attributes of task class ``cls`` are the defaults of the options
    ``call_alone`` checks (asked once per class and run: a class may change between runs)."""
    plain = facts.default_classes.get(cls)
    if plain is None:
        plain = facts.default_classes[cls] = (cls.__getattribute__ is object.__getattribute__
                                              and _CLASS_FIELDS(cls) == _CLASS_DEFAULTS)
    return plain


def call_alone(task: Any, raw: dict, context: Deferred, facts: RunFacts | None = None) -> Any:
    """Run ``task`` on the plain inputs ``raw`` with ``context`` (its unit's, deferred) as the
    thread's context, as ``TaskRunner.run_short`` does when its runner is fast. The outcome is
    its ``Success``, or what it raised (the runner then ends the run from there: see
    ``TaskRunner.run_unit``'s ``raised``). With ``facts`` (a task's fresh run, no runner asked)
    the task is first checked to set nothing a plain run skips and nothing a call alone leaves
    out; else the outcome is None and its runner runs it. A mapped child's runner has checked
    that already (``TaskRunner.fast_base``)."""
    if facts is not None:
        # Cheaply first: a task that sets none of those options has none in its ``__dict__``
        # (``task_options.store_options``) and no state handler; else read them all in one C call.
        attributes = task.__dict__
        handlers = attributes.get("state_handlers")
        surely_defaults = (handlers is not None and not handlers and _CLASS_OPTION_NAMES.isdisjoint(attributes)
                           and (facts.default_classes.get(type(task)) or class_leaves_defaults(type(task), facts)))
        if not surely_defaults and _CALL_ALONE_FIELDS(task) != _CALL_ALONE_DEFAULTS:
            return None
    local = _CONTEXT_LOCAL  # flowctl_context.swap, inlined as in TaskRunner.run_unit
    try:
        previous = local.data
    except AttributeError:
        previous = {}
    local.data = context
    try:
        value = task.run(**raw)
    except BaseException as exc:  # noqa: BLE001 - the runner ends the run from here
        return exc
    finally:
        local.data = previous
    if isinstance(value, Result):
        return success_of(value)
    state = _new_state(Success)  # _bare(Success, SUCCEEDED, value), inline: once per task
    state.message, state._value = SUCCEEDED, value
    state._result_object = state._cached_inputs = None
    tags = task.__dict__.get("tags")  # in its context, as every state made in a task run (State.__init__)
    state._context = TagsOnly((tags,)) if tags else _NO_TAGS
    return state


def success_of(value: Any) -> Success:
    """The ``Success`` of a task that returned ``value`` (a ``Result`` too: held as the value, as in Prefect 1)."""
    return Success(SUCCEEDED, Result(value) if isinstance(value, Result) else value)


def _bare_success(task: Any, value: Any) -> Success:
    """``call_alone``'s ``Success`` of ``task`` (a plain value), its context holding the task's tags."""
    state = _bare(Success, SUCCEEDED, value)
    tags = task.__dict__.get("tags")
    state._context = TagsOnly((tags,)) if tags else _NO_TAGS
    return state


def _bare(kind: type, message: str | None, value: Any, result_object: Any = None) -> Any:
    """``kind(message, value)`` for a plain value (or none: ``result_object`` NoResult), without
    ``State.__init__``'s checks."""
    state = _new_state(kind)
    state.message, state._value, state._result_object = message, value, result_object
    state._context = state._cached_inputs = None
    return state


def call_told(runner: Any, raw: dict, base: dict, index: int) -> Any:
    """A fast runner's later mapped child (see ``call_alone``) when subscribers listen, as under
    ``flowctl run``: the call alone between the two events its runner would publish, Pending to
    Running and Running to Success, both in the child's context (deferred). If the call raised,
    the runner ends the run from there, from the Running already published."""
    task = runner.task
    flow_name, name, emit = base.get("flow_name"), task.name, bus.emit
    local = _CONTEXT_LOCAL
    try:
        previous = local.data
    except AttributeError:
        previous = {}
    local.data = Deferred((runner.unit_context, base, index))
    try:
        running = _bare(Running, "Starting task run.", None, NoResult)
        emit(TaskStateChanged(flow_name, task, name, index, _bare(Pending, None, None, NoResult), running,
                              time.time()))
        try:
            value = task.run(**raw)
        except BaseException as exc:  # noqa: BLE001 - the runner ends the run from here
            raised = exc
        else:
            state = success_of(value) if isinstance(value, Result) else _bare_success(task, value)
            emit(TaskStateChanged(flow_name, task, name, index, running, state, time.time()))
            return state
    finally:
        local.data = previous
    return runner.run_unit(None, None, base, index, None, False, raw, raised, running)
