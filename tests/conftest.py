"""Shared fixtures: each test starts with a fresh flowctl context."""
from __future__ import annotations

import pytest

import flowctl


@pytest.fixture(autouse=True)
def clean_context():
    """Each test starts with a fresh context (a new thread's: the settings only) and no states
    cached by earlier tests."""
    from flowctl.engine.flow_runner import PROCESS_CACHES
    from flowctl.utilities.context import initial_data

    PROCESS_CACHES.clear()
    saved = flowctl.context.swap(initial_data())
    yield
    flowctl.context.swap(saved)


#: The engine's suites run twice: on the default LocalExecutor and with every
#: flow.run() on a thread pool. Process and Dask executors run the cross-executor
#: matrix in tests/executors and the property suite (their tasks cannot share the
#: in-process side effects many engine tests observe).
ENGINE_SUITES = {"engine", "mapping", "tasks", "core"}


def pytest_generate_tests(metafunc):
    if metafunc.definition.path.parent.name in ENGINE_SUITES:
        metafunc.fixturenames.append("default_executor")
        metafunc.parametrize("default_executor", ["local", "threads"])


@pytest.fixture
def default_executor(request):
    """Makes ``request.param`` the executor of every flow.run() that names none."""
    if request.param == "local":
        yield request.param
        return
    from flowctl.utilities.configuration import set_temporary_config

    with set_temporary_config({"engine.executor.default_class": f"tests_support_executors.{request.param}"}):
        yield request.param


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Captured output with lone surrogates (tests of undecodable bytes) must stay shippable.

    pytest-xdist sends each report between processes as UTF-8; a surrogate left
    in a captured log section would crash the whole session instead of one test.
    """
    outcome = yield
    report = outcome.get_result()
    report.sections = [(title, text.encode("utf-8", "backslashreplace").decode("utf-8"))
                       for title, text in report.sections]
