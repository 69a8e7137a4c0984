"""Task options left at their default are class attributes, not entries of each task's ``__dict__``.

Reading them must give exactly what Prefect 1's ``Task.__init__`` would have
set on the instance, for plain tasks, copies, subclasses that redefine an
option, and subclasses that set one before calling ``super().__init__``.
"""
from __future__ import annotations

import datetime

import pytest
import pickle

import cloudpickle

from flowctl import Flow, Task, task
from flowctl.core import task_options
from flowctl.engine import cache_validators
from flowctl.triggers import all_successful, any_failed

DEFAULTS = {
    "slug": None, "max_retries": 0, "retry_delay": None, "retry_on": None, "timeout": None,
    "trigger": all_successful, "skip_on_upstream_skip": True, "cache_for": None,
    "cache_validator": cache_validators.never_use, "cache_key": None, "checkpoint": None,
    "on_failure": None, "log_stdout": False, "result": None, "target": None, "task_run_name": None,
    "nout": None, "auto_generated": False,
}


@task
def double(x):
    return 2 * x


def test_every_option_reads_as_prefects_default_without_being_stored():
    plain = Task(name="plain")
    for name, default in DEFAULTS.items():
        assert getattr(plain, name) == default, name
        assert name not in vars(plain), name
    assert task_options.class_defaults() == DEFAULTS


def test_options_given_are_stored_on_the_task_and_do_not_leak_to_others():
    configured = Task(name="c", max_retries=2, retry_delay=datetime.timedelta(0), timeout=3,
                      trigger=any_failed, skip_on_upstream_skip=False, log_stdout=True, checkpoint=False)
    assert vars(configured)["max_retries"] == 2 and configured.trigger is any_failed
    assert configured.skip_on_upstream_skip is False and configured.log_stdout is True
    assert configured.checkpoint is False  # False is not the default None
    other = Task(name="o")
    assert other.max_retries == 0 and other.trigger is all_successful and other.checkpoint is None


def test_setting_an_option_after_init_changes_that_task_only():
    first, second = Task(name="a"), Task(name="b")
    first.max_retries = 4
    first.trigger = any_failed
    assert (first.max_retries, second.max_retries) == (4, 0)
    assert second.trigger is all_successful


def test_a_default_value_passed_explicitly_reads_the_same():
    explicit = Task(name="e", max_retries=0, checkpoint=None, log_stdout=False)
    assert (explicit.max_retries, explicit.checkpoint, explicit.log_stdout) == (0, None, False)


def test_a_subclass_redefining_an_option_gets_the_value_init_received_as_in_prefect():
    class Insistent(Task):
        max_retries = 3
        trigger = staticmethod(any_failed)

        def run(self):
            return 1

    with pytest.warns(UserWarning, match="`Insistent` sets a `max_retries` attribute"):  # as Prefect 1 warns
        made = Insistent()
    assert made.max_retries == 0  # Prefect 1's __init__ sets self.max_retries = 0 over the class value
    assert made.trigger is all_successful
    with pytest.warns(UserWarning):
        assert Insistent(max_retries=2, retry_delay=datetime.timedelta(0)).max_retries == 2


def test_a_subclass_setting_an_option_before_super_init_sees_the_default_after():
    class Early(Task):
        def __init__(self, **kwargs):
            self.timeout = 9
            self.max_retries = 5
            super().__init__(**kwargs)

        def run(self):
            return 1

    with pytest.warns(UserWarning, match="`Early` sets a `timeout` attribute"):
        early = Early()
    assert early.timeout is None and early.max_retries == 0
    assert "timeout" not in vars(early)
    with pytest.warns(UserWarning):
        assert Early(timeout=2).timeout == 2


def test_copies_share_the_defaults_and_task_args_override_them():
    with Flow("f"):
        bound = double(1)
        retried = double.copy(max_retries=1, retry_delay=datetime.timedelta(0))
    assert bound.max_retries == 0 and "max_retries" not in vars(bound)
    assert retried.max_retries == 1 and double.max_retries == 0


def test_tasks_with_defaults_survive_pickling_with_their_values():
    original = Task(name="p", max_retries=1, retry_delay=datetime.timedelta(0))
    for dumps, loads in ((pickle.dumps, pickle.loads), (cloudpickle.dumps, cloudpickle.loads)):
        restored = loads(dumps(original))
        assert restored.max_retries == 1 and restored.timeout is None and restored.trigger is all_successful


def test_tasks_with_default_options_run_and_retry_as_configured():
    calls = []

    @task(max_retries=1, retry_delay=datetime.timedelta(0))
    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("first call fails")
        return "ok"

    with Flow("f") as flow:
        doubled = double(2)
        retried = flaky()
    state = flow.run()
    assert state.is_successful()
    assert state.result[doubled].result == 4 and state.result[retried].result == "ok" and len(calls) == 2


@pytest.mark.parametrize("raw, expected", [("5", datetime.timedelta(seconds=5)), ("false", None),
                                           ("2.5", 2.5)])
def test_a_retry_delay_default_from_the_environment_is_read_as_prefect_1_reads_it(raw, expected):
    from flowctl.utilities.configuration import load_configuration

    settings = load_configuration({"FLOWCTL__TASKS__DEFAULTS__RETRY_DELAY": raw,
                                   "FLOWCTL__TASKS__DEFAULTS__TIMEOUT": "false"})
    assert settings.tasks.defaults.retry_delay == expected
    assert type(settings.tasks.defaults.retry_delay) is type(expected)
    assert settings.tasks.defaults.timeout is None and settings.tasks.defaults.max_retries == 0
