"""Parameters: root tasks whose values are supplied when a flow runs."""
from __future__ import annotations

import datetime
import enum
from typing import Any, Iterable

from flowctl.core.task import Task
from flowctl.engine import signals
from flowctl.exceptions import FlowDefinitionError
from flowctl.utilities.context import context


class NoDefault(enum.Enum):
    """The "no default given" marker of ``Parameter`` (Prefect 1's ``NoDefault.value``)."""

    value = "no_default"

    def __repr__(self) -> str:
        return "<no default>"


no_default = NoDefault.value


class Parameter(Task):
    """A named input of a flow run. Added to flows as itself, never copied on call."""

    def __init__(self, name: str, default: Any = no_default, required: bool | None = None,
                 tags: Iterable[str] | None = None) -> None:
        if required is None:
            required = default is no_default
        if default is no_default:
            default = None
        self.required = required
        self.default = default
        # its value comes from the run: never written by checkpointing, not even to the flow's Result
        super().__init__(name=name, slug=name, tags=tags, checkpoint=False)

    def __repr__(self) -> str:
        return f"<Parameter: {self.name}>"

    def __call__(self, flow: Any = None) -> "Parameter":  # type: ignore[override]
        """Add this parameter to the active (or given) flow and return it."""
        return self.bind(flow=flow)

    def bind(self, flow: Any = None, **kwargs: Any) -> "Parameter":  # type: ignore[override]
        flow = flow if flow is not None else context.get("flow")
        if flow is None:
            raise FlowDefinitionError(f"No Flow was passed, and could not infer an active Flow context: use {self!r} "
                                      "inside `with Flow(...)`.")
        flow.add_task(self)
        return self

    def copy(self, name: str, **task_args: Any) -> "Parameter":  # type: ignore[override]
        """A copy named ``name`` (its slug too): parameters are identified by name in a flow."""
        return super().copy(name=name, slug=name, **task_args)

    def run(self) -> Any:
        parameters = context.get("parameters") or {}
        if self.name in parameters:
            return parameters[self.name]
        if self.required:
            raise signals.FAIL(f'Parameter "{self.name}" was required but not provided.')
        return self.default


class DateTimeParameter(Parameter):
    """A parameter given as an ISO-8601 string, passed on as a ``datetime``."""

    def __init__(self, name: str, default: Any = None, required: bool = True,
                 tags: Iterable[str] | None = None) -> None:
        """As Prefect 1's: required unless told otherwise, even with a default (which a flow run without
        the parameter therefore never uses: pass ``required=False`` to use it)."""
        super().__init__(name=name, default=default, required=required, tags=tags)

    def run(self) -> Any:
        """The value as a timezone-aware ``datetime``: UTC unless it names its own offset (as Prefect 1)."""
        value = super().run()
        if value is None:
            return value
        if isinstance(value, datetime.datetime):
            moment = value
        elif isinstance(value, datetime.date):  # a date stays a date, as Prefect 1's (pendulum.instance)
            return value
        else:
            moment = _parse_iso(str(value))
            if moment is None:
                raise signals.FAIL(
                    f'Parameter "{self.name}" expects an ISO-8601 datetime (e.g. 2024-01-31T12:00:00); '
                    f'got {value!r}.'
                ) from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.timezone.utc)


def _parse_iso(text: str) -> datetime.datetime | None:
    """``text`` as ISO 8601 reads it, reduced forms too, as pendulum's parser (Prefect 1's) reads them:
    ``2024`` and ``2024-03`` (their first day), ordinal ``2024-065``, and a time alone (today, UTC)."""
    text = text.strip().replace("Z", "+00:00")
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern, length in (("%Y", 4), ("%Y-%m", 7), ("%Y-%j", 8), ("%Y%j", 7)):  # (strptime takes fewer digits)
        if len(text) == length:
            try:
                return datetime.datetime.strptime(text, pattern)
            except ValueError:
                continue
    try:
        time = datetime.time.fromisoformat(text) if ":" in text[:3] else None
    except ValueError:
        return None
    if time is None:
        return None
    today = datetime.datetime.now(datetime.timezone.utc).date()
    return datetime.datetime.combine(today, time, tzinfo=time.tzinfo or datetime.timezone.utc)


def resolve_parameters(flow: Any, parameters: dict[str, Any] | None) -> dict[str, Any]:
    """Reject unknown names and missing required parameters before anything runs.

    Returns the values a run uses: the given ones, and defaults for the rest.
    """
    parameters = dict(parameters or {})
    known = {p.name: p for p in flow.parameters()}
    unknown = [name for name in parameters if name not in known]
    missing = [name for name, p in known.items() if p.required and name not in parameters]
    if unknown or missing:  # the error's helpers (difflib) are imported only for an error
        _reject(flow, known, unknown, missing)
    defaults = {name: p.default for name, p in known.items() if not p.required}
    return {**defaults, **parameters}


def _reject(flow: Any, known: dict, unknown: list, missing: list) -> None:
    from flowctl.exceptions import ParameterError
    from flowctl.utilities.suggest import closest, describe_parameters

    takes = f"Flow {flow.name!r} takes: {describe_parameters(known.values())}."
    if unknown:  # (each message starts with Prefect 1's words, which code may match)
        hints = "".join(f" (did you mean {hint!r}?)" for hint in [closest(unknown[0], known)] if hint)
        raise ParameterError(f"Flow.run received the following unexpected parameters: {', '.join(unknown)}{hints}. "
                             f"{takes}")
    raise ParameterError(f"Flow.run did not receive the following required parameters: {', '.join(missing)}. {takes}")
