"""A chain link runs as the call alone only when it leaves every option a runner acts on at its default.

``task_units.call_alone`` decides that cheaply first (no such option in the
task's ``__dict__``, no state handler, a class whose attributes are the
defaults) and reads every option otherwise. These tests set an option in each
way a user can and check that its effect is there: ``log_stdout`` turns a
print into a log line instead of output, and a state handler sees the run.
"""
from __future__ import annotations

import logging

import pytest

from flowctl import Flow, Task
from flowctl.engine.executors import LocalExecutor


def printed(capsys) -> list[str]:
    """What the tasks printed to standard output, without the log lines (which go there too, as Prefect 1's)."""
    return [line for line in capsys.readouterr().out.splitlines() if not line.startswith("[")]


class Shout(Task):
    def run(self, x):
        print(f"shout {x}")
        return x + 1


class LoudByClass(Shout):
    """Prefect 1: ``__init__`` sets every option, so a class-body value is overwritten by the default."""

    log_stdout = True


def chain_of(*links: Task) -> Flow:
    with Flow("options") as flow:
        value = 0
        for link in links:
            value = link(value)
    return flow


def logged_shouts(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("shout")]


def run(flow: Flow):
    state = flow.run(executor=LocalExecutor())
    assert state.is_successful(), state
    return state


@pytest.fixture(autouse=True)
def _info_logs(caplog):
    caplog.set_level(logging.INFO, logger="flowctl")


def test_an_option_given_to_init_is_acted_on(capsys, caplog):
    run(chain_of(Shout(name="plain"), Shout(name="loud", log_stdout=True)))
    assert printed(capsys) == ["shout 0"]
    assert logged_shouts(caplog) == ["shout 1"]


def test_an_option_set_on_the_task_after_init_is_acted_on(capsys, caplog):
    loud = Shout(name="loud")
    loud.log_stdout = True
    run(chain_of(Shout(name="plain"), loud))
    assert printed(capsys) == ["shout 0"]
    assert logged_shouts(caplog) == ["shout 1"]


def test_a_state_handler_added_after_init_sees_the_link_run():
    seen = []
    watched = Shout(name="watched")
    watched.state_handlers.append(lambda t, old, new: seen.append(type(new).__name__))
    run(chain_of(Shout(name="plain"), watched))
    assert seen == ["Running", "Success"]


def test_a_class_body_option_is_overwritten_by_init_as_in_prefect(capsys, caplog):
    run(chain_of(LoudByClass(name="by-class")))
    assert printed(capsys) == ["shout 0"]
    assert logged_shouts(caplog) == []


def test_a_class_attribute_changed_between_runs_is_read_again(capsys, caplog, monkeypatch):
    class Quiet(Shout):
        pass

    flow = chain_of(Quiet(name="quiet"))
    run(flow)
    assert printed(capsys) == ["shout 0"]
    monkeypatch.setattr(Quiet, "log_stdout", True)  # the task reads its class's value now
    run(flow)
    assert printed(capsys) == []
    assert logged_shouts(caplog) == ["shout 0"]


def test_a_task_class_with_its_own_attribute_lookup_is_asked_for_every_option(capsys, caplog):
    class Dynamic(Shout):
        def __getattribute__(self, name):
            if name == "log_stdout":
                return True
            return super().__getattribute__(name)

    run(chain_of(Dynamic(name="dynamic")))
    assert printed(capsys) == []
    assert logged_shouts(caplog) == ["shout 0"]
