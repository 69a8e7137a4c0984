"""flowctl's errors are both its own FlowctlError and the builtin a Prefect 1 user catches."""
from __future__ import annotations

import pytest

from flowctl import Flow, Parameter, Task, exceptions, task
from flowctl.core import Edge
from flowctl.exceptions import FlowctlError


@pytest.mark.parametrize(
    "name,builtin",
    [
        ("TaskDefinitionError", ValueError),
        ("FlowDefinitionError", ValueError),
        ("ParameterError", ValueError),
        ("TaskArgumentError", TypeError),
        ("SerializationError", TypeError),
    ],
)
def test_error_classes_subclass_flowctl_error_and_builtin(name, builtin):
    cls = getattr(exceptions, name)
    assert issubclass(cls, FlowctlError)
    assert issubclass(cls, builtin)
    assert cls.__module__ == "flowctl.exceptions"


def _bad_signature():
    @task
    def bad(*args):
        pass


def _bad_binding():
    Task()()


def _cycle():
    a, b = Task(), Task()
    flow = Flow("f")
    flow.chain(a, b, a)
    flow.validate()


def _unknown_parameter():
    flow = Flow("f", tasks=[Parameter("alpha", default=1)])
    flow.run(parameters={"alpah": 2})


def _bad_edge_key():
    Edge(Task(), Task(), key="1abc")


@pytest.mark.parametrize(
    "trigger,builtin",
    [
        (_bad_signature, ValueError),
        (_bad_binding, ValueError),
        (_cycle, ValueError),
        (_unknown_parameter, ValueError),
        (_bad_edge_key, ValueError),
    ],
)
def test_usage_errors_are_catchable_both_ways(trigger, builtin):
    with pytest.raises(FlowctlError):
        trigger()
    with pytest.raises(builtin):
        trigger()


def test_wrong_argument_kind_is_type_error_and_flowctl_error():
    @task
    def one(x):
        return x

    with Flow("f"):
        with pytest.raises(TypeError) as info:
            one(1, 2, 3)
    assert isinstance(info.value, FlowctlError)


def test_unknown_parameter_error_lists_what_the_flow_takes():
    with pytest.raises(ValueError, match=r"(?s)unexpected parameters: alpah.*did you mean 'alpha'.*alpha=1"):
        _unknown_parameter()


def test_unknown_parameter_without_close_match_has_no_suggestion():
    flow = Flow("f", tasks=[Parameter("alpha", default=1)])
    with pytest.raises(ValueError) as info:
        flow.run(parameters={"zzzzzz": 2})
    assert "did you mean" not in str(info.value)
