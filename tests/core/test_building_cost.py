"""Building a flow stays linear and cheap, and its fast path keeps Prefect 1's building semantics.

Cost is counted, never timed: the Python function calls a build makes (a
``sys.setprofile`` hook sees each one) must grow in proportion to the
number of tasks, with a small constant per task. Wall-clock figures live in
``benchmarks/build.py``.
"""
from __future__ import annotations

import gc
import sys
import threading
import warnings

import pytest

from flowctl import Flow, Task, task, tags
from flowctl.core import build_gc
from flowctl.core.edge import Edge
from flowctl.exceptions import FlowDefinitionError
from flowctl.tasks.core.collections import List
from flowctl.utilities.configuration import set_temporary_config


@task
def add_one(x):
    return x + 1


@task
def total(values):
    return sum(values)


@task
def pair(x, y=0):
    return (x, y)


def python_calls(build, *args) -> int:
    """How many Python-level function calls ``build(*args)`` makes (the collector off: it would run
    finalizers of other tests' garbage in this thread, counting their calls as the build's)."""
    calls = 0

    def count(frame, event, arg):  # noqa: ANN001 - sys.setprofile's signature
        nonlocal calls
        if event == "call":
            calls += 1

    gc.collect()
    gc.disable()
    sys.setprofile(count)
    try:
        build(*args)
    finally:
        sys.setprofile(None)
        gc.enable()
    return calls


def build_fan_in(size: int) -> Flow:
    with Flow("fan-in") as flow:
        total([add_one(i) for i in range(size)])
    return flow


def build_chain(size: int) -> Flow:
    with Flow("chain") as flow:
        value = 0
        for _ in range(size):
            value = add_one(value)
    return flow


def build_keyed_fan_in(size: int) -> Flow:
    """N upstream tasks bound to one task by key, one add_edge at a time (each edge checks its key)."""
    flow = Flow("keyed")
    sink = List()
    for index in range(size):
        flow.add_edge(add_one.copy(), sink, key=f"arg_{index + 1}")
    return flow


# -- linear, with few calls per task ------------------------------------------------
@pytest.mark.parametrize("build", [build_fan_in, build_chain, build_keyed_fan_in])
def test_building_makes_the_same_number_of_calls_per_task_at_any_size(build):
    build(10)  # first-use caches (binders, per-class checks) are not part of the cost
    small, large = python_calls(build, 1000), python_calls(build, 4000)
    per_task = (large - small) / 3000
    assert large < 4.2 * small  # no quadratic term: 4x the tasks, about 4x the calls
    assert per_task == pytest.approx(round(per_task), abs=0.05)  # a constant number per task


@pytest.mark.parametrize("build, most", [(build_fan_in, 4), (build_chain, 4)])
def test_calling_a_task_inside_a_flow_costs_a_few_python_calls(build, most):
    build(10)
    per_task = (python_calls(build, 2000) - python_calls(build, 1000)) / 1000
    assert per_task <= most


def test_fan_in_records_one_keyed_edge_per_input():
    flow = build_fan_in(300)
    (sink,) = flow.get_tasks(name="List")
    keys = sorted(int(e.key[4:]) for e in flow.edges_to(sink))
    assert keys == list(range(1, 301))
    assert len(flow.tasks) == 302 and len(flow.edges) == 301


# -- the fast path keeps what copies and bindings mean -------------------------------
def test_each_call_is_a_new_copy_with_its_own_tags_and_a_numbered_slug():
    with Flow("f") as flow:
        first, second = add_one(1), add_one(2)
    assert first is not add_one and first is not second
    first.tags.add("mine")
    assert second.tags == set() and add_one.tags == set()
    assert (flow.slugs[first], flow.slugs[second]) == ("add_one-1", "add_one-2")
    assert flow.constants[first] == {"x": 1} and flow.constants[second] == {"x": 2}


def test_copies_of_a_task_without_tags_hold_no_set_until_one_is_read():
    @task
    def untagged(x):
        return x

    with Flow("f"):
        copies = [untagged(i) for i in range(3)]
    assert all("tags" not in vars(c) for c in copies) and "tags" not in vars(untagged)
    copies[0].tags.add("mine")  # the first read makes the copy's own set
    assert copies[0].tags == {"mine"} and copies[1].tags == set() and untagged.tags == set()
    assert copies[1].tags is not copies[2].tags is not untagged.tags
    with Flow("g"):
        later = untagged(1)  # the original's set, now made, is copied, never shared
    assert later.tags == set() and later.tags is not untagged.tags


def test_tags_a_subclass_set_before_init_are_replaced_as_in_prefect_1():
    class Early(Task):
        def __init__(self, **kwargs):
            self.tags = {"early"}
            super().__init__(**kwargs)

    assert Early().tags == set() and Early(tags=["given"]).tags == {"given"}


def test_a_subclass_that_skips_init_still_gets_a_clear_error():
    class Forgetful(Task):
        def __init__(self):
            pass

    with pytest.raises(AttributeError, match="super"):
        Forgetful().tags


def test_a_chosen_slug_never_collides_with_a_numbered_one():
    with Flow("f") as flow:
        first = add_one(1)  # add_one-1
        with pytest.raises(FlowDefinitionError, match="already exists"):
            flow.add_task(Task(name="other", slug="add_one-1"))
        flow.add_task(Task(name="other", slug="add_one-2"))
        third = add_one(2)  # add_one-2 is taken by the chosen slug: the next free number
    assert flow.slugs[first] == "add_one-1" and flow.slugs[third] == "add_one-3"


def test_queries_after_a_functional_build_see_every_edge_both_ways():
    with Flow("f") as flow:
        a = add_one(1)
        b, c = add_one(a), add_one(a)
        d = total([b, c])
    assert flow.terminal_tasks() == {d} and flow.root_tasks() == {a}
    assert flow.downstream_tasks(a) == {b, c} and flow.upstream_tasks(b) == {a}
    with flow:
        e = add_one(d)  # edges added after the first query keep the queries right
    assert flow.terminal_tasks() == {e} and flow.downstream_tasks(d) == {e}
    flow.replace(b, add_one.copy())
    assert len(flow.downstream_tasks(a)) == 2 and b not in flow.tasks and b not in flow.slugs


def test_calls_inside_a_tags_block_get_its_tags_and_tagged_slugs():
    with Flow("f") as flow:
        with tags("etl"):
            tagged = add_one(1)
        plain = add_one(tagged)
    assert tagged.tags == {"etl"} and plain.tags == set()
    assert flow.slugs[tagged] == "add_one-etl-1" and flow.slugs[plain] == "add_one-1"


def test_a_task_slug_is_suffixed_on_each_copy():
    slugged = Task(name="t", slug="given")
    with Flow("f") as flow:
        copy = slugged()
    assert copy.slug == "given-copy" and flow.slugs[copy] == "given-copy"


def test_binding_an_argument_again_is_still_an_error_after_a_call():
    with Flow("f"):
        bound = pair(1, y=2)
        with pytest.raises(FlowDefinitionError, match="has already been assigned"):
            bound.bind(x=3)
        other = add_one(0)
        with pytest.raises(FlowDefinitionError, match="has already been assigned"):
            bound.set_upstream(other, key="y")


def test_calling_a_task_that_has_edges_in_the_active_flow_warns():
    with Flow("f"):
        upstream = add_one(1)
        add_one(upstream)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            upstream(2)
    assert any("has dependencies in the active flow" in str(w.message) for w in caught)


def test_keyword_arguments_to_a_var_keyword_run_are_checked_as_edge_keys():
    class Collect(Task):
        def run(self, **values):
            return values

    with Flow("f"):
        source = add_one(1)
        with pytest.raises(FlowDefinitionError, match="valid Python identifier"):
            Collect()(**{"not valid": source})


def test_eager_validation_checks_each_call_when_configured():
    with set_temporary_config({"flows.eager_edge_validation": True}):
        with Flow("f") as flow:
            first = add_one(1)
            second = add_one(first)
            with pytest.raises(FlowDefinitionError):
                flow.add_edge(second, first)


def test_eager_validation_runs_once_for_each_call_that_binds_a_task_result(monkeypatch):
    with set_temporary_config({"flows.eager_edge_validation": True}):
        with Flow("f") as flow:
            validated = []
            monkeypatch.setattr(flow, "validate", lambda: validated.append(len(flow.edges)))
            first = add_one(1)  # a constant: no edge to validate
            add_one(first)  # one task result (the one-argument call, inline)
            pair(first, first)  # two, validated once the call is bound
            pair(2, y=3)
    assert validated == [1, 3]


def test_edges_built_by_calls_equal_edges_built_by_hand():
    with Flow("f") as flow:
        first = add_one(1)
        second = pair(first, y=first)
    assert flow.edges == {Edge(first, second, key="x"), Edge(first, second, key="y")}
    assert flow.edges_to(second) == flow.edges_from(first)


# -- full collections are deferred while a flow is built -------------------------------
def test_full_collections_are_deferred_inside_the_block_and_restored_after():
    before = gc.get_threshold()
    with Flow("f"):
        inside = gc.get_threshold()
        assert build_gc.deferring()
    assert inside == build_gc.building_thresholds(*before)
    assert inside[0] == before[0] and inside[2] >= before[2] * build_gc.DEFERRAL
    assert gc.get_threshold() == before and not build_gc.deferring()


@pytest.mark.skipif(not build_gc.SWEEPS_MIDDLE, reason="CPython's generational collector (3.11-3.13)")
def test_objects_built_in_the_block_reach_the_oldest_generation_in_one_young_collection():
    gc.collect()
    with Flow("f"):
        built = add_one(1)
        # Enough new tracked objects to trigger automatic young collections (no gc.collect call).
        filler = [[] for _ in range(gc.get_threshold()[0] * 3)]
        assert any(o is built for o in gc.get_objects(generation=2))
        assert not any(o is built for o in gc.get_objects(generation=1))
    del filler


def test_thresholds_are_restored_when_the_block_raises():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError):
        with Flow("f"):
            raise RuntimeError("boom")
    assert gc.get_threshold() == before


def test_a_threshold_the_user_sets_inside_the_block_is_kept():
    before = gc.get_threshold()
    try:
        with Flow("f"):
            gc.set_threshold(before[0], before[1], 3)
        assert gc.get_threshold()[2] == 3
    finally:
        gc.set_threshold(*before)


def test_blocks_open_in_two_threads_restore_once_the_last_exits():
    before = gc.get_threshold()
    entered, release = threading.Event(), threading.Event()

    def build_in_thread():
        with Flow("other"):
            entered.set()
            release.wait(10)

    worker = threading.Thread(target=build_in_thread)
    worker.start()
    entered.wait(10)
    with Flow("mine"):
        pass
    still_open = gc.get_threshold()
    release.set()
    worker.join(10)
    assert still_open == build_gc.building_thresholds(*before)
    assert gc.get_threshold() == before


# -- edges are small immutable records ------------------------------------------------
def test_edges_survive_pickling_and_copying_as_equal_edges():
    import copy
    import pickle

    edge = Edge(Task(name="a"), Task(name="b"), key="x", mapped=True)
    assert copy.copy(edge) == edge and copy.deepcopy(edge).key == "x"
    restored = pickle.loads(pickle.dumps(edge))
    assert (restored.key, restored.mapped, restored.flattened) == ("x", True, False)
    assert restored.upstream_task.name == "a" and type(restored) is Edge


def test_edges_neither_order_nor_concatenate_like_sequences():
    first, second = Task(name="a"), Task(name="b")
    edge = Edge(first, second, key="x")
    with Flow("f"):  # ordering tasks inside a flow would build operator tasks: edges must refuse first
        with pytest.raises(TypeError):
            sorted([edge, Edge(second, first)])
        with pytest.raises(TypeError):
            edge + edge  # noqa: B018 - the expression is the test
    assert repr(edge) == "<Edge(key=x, mapped=False, flattened=False): a to b>"  # Prefect 1's


def test_collection_tasks_bind_positional_items_with_keyword_items():
    with Flow("f") as flow:
        source = add_one(1)
        items = List().bind(source, 2, flow=flow)
        keyed = List().bind(source, arg_2=3, flow=flow)
    assert flow.constants[items] == {"arg_2": 2} and flow.constants[keyed] == {"arg_2": 3}
    assert {e.key for e in flow.edges_to(items)} == {"arg_1"} == {e.key for e in flow.edges_to(keyed)}


# -- a collection of task results is gathered in bulk, with the general loop's edges ---------
def _gathered(flow: Flow) -> tuple[Task, list[Edge]]:
    gatherer = next(t for t in flow.tasks if isinstance(t, List))
    return gatherer, flow.upstream_edges(gatherer)


def test_a_fan_in_of_task_results_gets_one_keyed_edge_per_element_in_order():
    with Flow("f") as flow:
        items = [add_one(i) for i in range(5)]
        result = total([*items, items[0]])  # a repeated element is a second edge
    gatherer, edges = _gathered(flow)
    assert edges == [Edge(item, gatherer, key=f"arg_{n}") for n, item in enumerate([*items, items[0]], 1)]
    assert flow.edges >= set(edges) and len(flow.edges) == 7
    assert flow.upstream_tasks(result) == {gatherer}
    assert all(flow.downstream_tasks(item) == {gatherer} for item in items)
    state = flow.run()
    assert state.result[result].result == sum(i + 1 for i in range(5)) + 1


def test_a_fan_in_after_a_downstream_query_keeps_the_downstream_index():
    with Flow("f") as flow:
        items = [add_one(i) for i in range(3)]
        assert flow.downstream_tasks(items[0]) == set()  # makes the downstream index
        total(items)
    gatherer, _ = _gathered(flow)
    assert all(flow.edges_from(item) == {Edge(item, gatherer, key=f"arg_{n}")} for n, item in enumerate(items, 1))


def test_a_collection_mixing_constants_or_new_tasks_is_bound_by_the_general_loop():
    outside = add_one.copy()
    with Flow("f") as flow:
        first = add_one(1)
        total([first, 5, outside])
    gatherer, edges = _gathered(flow)
    assert outside in flow.tasks
    assert [(e.upstream_task, e.key) for e in edges] == [(first, "arg_1"), (outside, "arg_3")]
    assert flow.constants[gatherer] == {"arg_2": 5}


def test_a_fan_in_is_validated_eagerly_when_configured(monkeypatch):
    validated = []
    real_validate = Flow.validate
    monkeypatch.setattr(Flow, "validate", lambda self: (validated.append(self), real_validate(self))[1])
    with Flow("f") as flow:
        items = [add_one(i) for i in range(3)]
        total(items)
    assert validated == []
    with set_temporary_config({"flows.eager_edge_validation": True}):
        with Flow("g") as flow:
            items = [add_one(i) for i in range(3)]
            total(items)
    assert len(validated) == 2 and len(flow.edges) == 4  # the List's edges, then total's
