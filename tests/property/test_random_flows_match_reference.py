"""Random flows end in exactly the states a small reference evaluator predicts, on every executor.

Set ``FLOWCTL_FUZZ_EXAMPLES`` (default 200) to run more flows per local
executor; the Dask sample is a tenth of it. Examples are derandomized, so a
failure reproduces on the next run and hypothesis prints the minimal flow.
"""
from __future__ import annotations

import logging
import os

import pytest
from hypothesis import HealthCheck, example, given, settings

from flow_builder import build_flow, observed
from flow_model import (
    FlowDescription, Input, Node, Rule, evaluate, expected_flow_class, flow_descriptions,
)

from flowctl.executors import DaskExecutor, LocalDaskExecutor, LocalExecutor

EXAMPLES = int(os.environ.get("FLOWCTL_FUZZ_EXAMPLES", "200"))
DASK_EXAMPLES = max(20, EXAMPLES // 10)
# pytest-timeout's default (two minutes) is per test; a large fuzz run needs longer, and so
# does a run on worker processes when the machine is busy (200 flows on processes took over
# two minutes on this 2-core VM with three other busy processes): a time-out is for a hang.
TIMEOUT = max(120, EXAMPLES // 2)
POOL_TIMEOUT = max(480, EXAMPLES * 2)


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


def assert_run_matches_reference(description: FlowDescription, executor: object) -> None:
    flow, tasks = build_flow(description)
    expected = evaluate(description)
    flow_state = flow.run(executor=executor)
    assert len(flow.tasks) == len(tasks), "the builder must add no task of its own"
    actual = [observed(flow_state.result[task]) for task in tasks]
    for index, (want, got) in enumerate(zip(expected, actual)):
        assert got == want, f"node n{index}: expected {want}, got {got}"
    assert type(flow_state).__name__ == expected_flow_class(description, expected)


def plain(salt: int = 0, fail_mod: int = 0, skip_mod: int = 0, returns_list: bool = False,
          inputs: tuple = (), trigger: str = "all_successful") -> Node:
    rule = Rule(salt=salt, fail_mod=fail_mod, skip_mod=skip_mod, returns_list=returns_list)
    return Node(False, tuple(Input(source, "plain") for source in inputs), rule, trigger, True)


def mapped(*inputs: Input, salt: int = 0, fail_mod: int = 0, trigger: str = "all_successful") -> Node:
    rule = Rule(salt=salt, fail_mod=fail_mod, skip_mod=0, returns_list=False)
    return Node(True, inputs, rule, trigger, True)


# Flows that once disagreed with the reference, kept as fixed examples.
REGRESSIONS: list[FlowDescription] = [
    # A mapped task over a failed list and a mapped task whose children had not
    # run yet checked its trigger on unfinished children (TriggerFailed with an
    # AttributeError) instead of waiting for them.
    FlowDescription((
        plain(fail_mod=1, returns_list=True),
        plain(salt=2, returns_list=True),
        mapped(Input(1, "mapped")),
        mapped(Input(2, "mapped"), Input(0, "mapped"), trigger="all_finished"),
    )),
    # The reference passed an any_failed trigger whose only upstream was a map over an empty
    # list (no child states at all); flowctl and Prefect 1.4.1 both end it TriggerFailed.
    FlowDescription((
        plain(returns_list=True),
        mapped(Input(0, "mapped")),
        Node(False, (Input(1, "after"),), Rule(0, 0, 0, False), "any_failed", True),
        Node(False, (Input(1, "after"),), Rule(0, 0, 0, False), "any_successful", True),
    )),
]


def with_regressions(test):
    for description in REGRESSIONS:
        test = example(description=description)(test)
    return test


@pytest.fixture(scope="module")
def threads_executor():
    return LocalDaskExecutor(scheduler="threads", num_workers=2)


@pytest.fixture(scope="module")
def processes_executor():
    return LocalDaskExecutor(scheduler="processes", num_workers=2)


@pytest.fixture(scope="module")
def dask_executor():
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=logging.ERROR)
    yield DaskExecutor(address=cluster.scheduler_address)
    cluster.close()


@pytest.fixture(autouse=True)
def quiet_task_errors(caplog):
    """Random flows fail on purpose; their error logs are noise here."""
    caplog.set_level(logging.CRITICAL, logger="flowctl")


@pytest.mark.timeout(TIMEOUT)
@fuzz_settings(EXAMPLES)
@with_regressions
@given(description=flow_descriptions())
def test_random_flows_match_reference_on_local_executor(description):
    assert_run_matches_reference(description, LocalExecutor())


@pytest.mark.timeout(TIMEOUT)
@fuzz_settings(EXAMPLES)
@with_regressions
@given(description=flow_descriptions())
def test_random_flows_match_reference_on_threads(description, threads_executor):
    assert_run_matches_reference(description, threads_executor)


@pytest.mark.timeout(POOL_TIMEOUT)
@fuzz_settings(EXAMPLES)
@with_regressions
@given(description=flow_descriptions(max_nodes=6))
def test_random_flows_match_reference_on_processes(description, processes_executor):
    assert_run_matches_reference(description, processes_executor)


@pytest.mark.timeout(POOL_TIMEOUT)
@fuzz_settings(DASK_EXAMPLES)
@with_regressions
@given(description=flow_descriptions(max_nodes=6))
def test_random_flows_match_reference_on_dask(description, dask_executor):
    assert_run_matches_reference(description, dask_executor)


def test_reference_predicts_a_failure_isolated_to_its_mapped_pipeline():
    """The evaluator itself: a failing child TriggerFails only its own downstream child."""
    description = FlowDescription((
        Node(False, (), Rule(salt=2, fail_mod=0, skip_mod=0, returns_list=True), "all_successful", True),
        Node(True, (Input(0, "mapped"),), Rule(salt=0, fail_mod=3, skip_mod=0, returns_list=False),
             "all_successful", True),
        Node(True, (Input(1, "mapped"),), Rule(salt=0, fail_mod=0, skip_mod=0, returns_list=False),
             "all_successful", True),
    ))
    outcomes = evaluate(description)
    assert outcomes[0].result == [2, 3]
    assert [child.cls for child in outcomes[1].children] == ["Success", "Failed"]
    assert [child.cls for child in outcomes[2].children] == ["Success", "TriggerFailed"]
    assert expected_flow_class(description, outcomes) == "Failed"


def test_reference_reduce_trigger_fails_on_a_failed_child_and_skips_on_a_skipped_child():
    """The evaluator itself: a reduce sees its upstream's children, not the mapped parent."""
    description = FlowDescription((
        plain(salt=4, returns_list=True),  # [4, 5, 6, 7]
        mapped(Input(0, "mapped"), fail_mod=7),  # child 3 (7) fails
        plain(inputs=(1,)),
        plain(inputs=(1,), trigger="all_finished"),
        Node(True, (Input(0, "mapped"),), Rule(salt=0, fail_mod=0, skip_mod=4, returns_list=False),
             "all_successful", True),  # child 1 (5 % 4 == 1) skips
        plain(inputs=(4,)),
    ))
    outcomes = evaluate(description)
    assert outcomes[0].result == [4, 5, 6, 7]
    assert [child.cls for child in outcomes[1].children] == ["Success"] * 3 + ["Failed"]
    assert outcomes[2].cls == "TriggerFailed"
    assert outcomes[3].cls == "Success"
    assert [child.cls for child in outcomes[4].children] == ["Success", "Skipped", "Success", "Success"]
    assert outcomes[5].cls == "Skipped"
