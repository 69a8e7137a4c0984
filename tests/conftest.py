"""Shared fixtures: each test starts with a clean flowctl context."""
from __future__ import annotations

import pytest

import flowctl


@pytest.fixture(autouse=True)
def clean_context():
    saved = flowctl.context._swap({})
    yield
    flowctl.context._local.data = saved
