"""flowctl's error hierarchy and the base class of engine signals.

Definition and usage errors subclass both ``FlowctlError`` and the builtin a
Prefect 1 user would catch (``ValueError``, ``TypeError``), so existing
``except ValueError`` blocks keep working while the CLI can recognise our own
errors and turn them into exit code 2 without a traceback.
"""
from __future__ import annotations


class FlowctlError(Exception):
    """Base of every error flowctl raises on purpose."""


#: Prefect 1's name for the base of its own errors (``except PrefectException`` keeps working).
PrefectException = FlowctlError


class TaskDefinitionError(FlowctlError, ValueError):
    """A task was defined in a way the engine cannot run (bad signature...)."""


class FlowDefinitionError(FlowctlError, ValueError):
    """A flow's graph is invalid (cycle, bad edge key, unknown task...)."""


class ParameterError(FlowctlError, ValueError):
    """Unknown, missing or malformed flow parameters."""


class TaskArgumentError(FlowctlError, TypeError):
    """A task was called with arguments of the wrong kind."""


class NotCallableError(TaskDefinitionError, TypeError):
    """A function task was given something that is not callable (a ``TypeError``, as in Prefect 1)."""


class SerializationError(FlowctlError, TypeError):
    """A task, input or result could not cross a process boundary."""


class PrefectSignal(Exception):
    """Base class of the signals that move a task run to a given state.

    The seed document wins over Prefect 1.4 here: signals are ``Exception``
    subclasses, so a ``TriggerFailed`` state's result is an ``Exception``.
    """


#: flowctl's own name for the signal base class.
FlowctlSignal = PrefectSignal


class TaskTimeoutSignal(PrefectSignal):
    """Raised inside a task run whose ``timeout`` has elapsed."""
