"""Warnings Prefect 1 gives when a task is defined in a way that will not do what it seems to."""
from __future__ import annotations

import datetime

import pytest

from flowctl import Task
from flowctl.engine import cache_validators


def test_a_cache_validator_without_cache_for_is_warned_about():
    with pytest.warns(UserWarning, match=r"cache_validator provided without specifying cache expiration"):
        Task(cache_validator=cache_validators.all_inputs)


def test_a_validator_with_cache_for_or_never_use_alone_is_not_warned_about(recwarn):
    Task(cache_for=datetime.timedelta(minutes=1), cache_validator=cache_validators.all_inputs)
    Task(cache_validator=cache_validators.never_use)
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_a_task_given_to_a_task_constructor_is_warned_about():
    class Scaled(Task):
        def __init__(self, factor, **kwargs):
            self.factor = factor
            super().__init__(**kwargs)

        def run(self, x):
            return self.factor * x

    with pytest.warns(UserWarning, match=r"A Task was passed as an argument to Scaled"):
        Scaled(Task())
    assert Scaled(2).factor == 2


def test_a_subclass_setting_an_option_in_its_class_body_is_warned_about():
    with pytest.warns(UserWarning, match=r"`Targeted` sets a `target` attribute"):
        class Targeted(Task):
            target = "out.txt"

            def run(self):
                return 1

        Targeted()
