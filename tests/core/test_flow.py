"""Flow graph building and queries, validation, parameters at run time."""
from __future__ import annotations

import pytest

from flowctl import Flow, Parameter, Task, task
from flowctl.core import Edge
from flowctl.exceptions import FlowctlError, ParameterError


@task
def inc(x):
    return x + 1


def diamond():
    a, b, c, d = (Task(name=n) for n in "abcd")
    flow = Flow("diamond")
    flow.add_edge(a, b)
    flow.add_edge(a, c)
    flow.add_edge(b, d)
    flow.add_edge(c, d)
    return flow, (a, b, c, d)


# -- edges -----------------------------------------------------------------------
def test_edge_key_must_be_an_identifier():
    with pytest.raises(ValueError, match="identifier"):
        Edge(Task(), Task(), key="not valid")


def test_edges_compare_and_hash_by_endpoints_and_key():
    a, b = Task(), Task()
    assert Edge(a, b, key="x") == Edge(a, b, key="x")
    assert hash(Edge(a, b, key="x")) == hash(Edge(a, b, key="x"))
    assert Edge(a, b, key="x") != Edge(a, b, key="y")
    assert len({Edge(a, b), Edge(a, b)}) == 1


def test_flow_requires_a_name():
    with pytest.raises(ValueError):
        Flow("")


# -- graph queries ----------------------------------------------------------------
def test_root_and_terminal_tasks():
    flow, (a, b, c, d) = diamond()
    assert flow.root_tasks() == {a}
    assert flow.terminal_tasks() == {d}


def test_edges_to_and_edges_from():
    flow, (a, b, c, d) = diamond()
    assert flow.edges_to(d) == {Edge(b, d), Edge(c, d)}
    assert flow.edges_from(a) == {Edge(a, b), Edge(a, c)}
    assert flow.edges_to(a) == set()


def test_edges_of_an_unknown_task_is_an_error():
    flow, _ = diamond()
    with pytest.raises(ValueError, match="not a task"):
        flow.edges_to(Task(name="stranger"))


def test_upstream_and_downstream_tasks():
    flow, (a, b, c, d) = diamond()
    assert flow.upstream_tasks(d) == {b, c}
    assert flow.downstream_tasks(a) == {b, c}
    assert flow.upstream_tasks(a) == set()


def test_all_upstream_and_downstream_edges():
    flow, (a, b, c, d) = diamond()
    up = flow.all_upstream_edges()
    down = flow.all_downstream_edges()
    assert set(up) == set(down) == {a, b, c, d}
    assert up[d] == {Edge(b, d), Edge(c, d)}
    assert up[a] == set()
    assert down[a] == {Edge(a, b), Edge(a, c)}
    assert down[d] == set()


def test_get_tasks_filters_by_name_slug_tags_and_type():
    a = Task(name="a", tags=["x"])
    b = Task(name="b", tags=["x", "y"], slug="bee")
    p = Parameter("p", default=1)
    flow = Flow("f", tasks=[a, b, p])
    assert flow.get_tasks(name="a") == [a]
    assert flow.get_tasks(slug="bee") == [b]
    assert flow.get_tasks(tags=["x"]) == [a, b]
    assert flow.get_tasks(tags=["x", "y"]) == [b]
    assert flow.get_tasks(task_type=Parameter) == [p]
    assert flow.get_tasks(name="a", tags=["y"]) == []


def test_parameters_returns_parameter_tasks():
    p, q = Parameter("p"), Parameter("q", default=2)
    with Flow("f") as flow:
        inc(p)
        inc(q)
    assert flow.parameters() == {p, q}


def test_duplicate_slug_is_an_error():
    flow = Flow("f", tasks=[Task(slug="s")])
    with pytest.raises(ValueError, match="slug"):
        flow.add_task(Task(slug="s"))


def test_add_task_rejects_non_tasks():
    with pytest.raises(TypeError):
        Flow("f").add_task("not a task")


# -- sorting and validation --------------------------------------------------------
def test_sorted_tasks_is_topological_and_stable():
    flow, (a, b, c, d) = diamond()
    assert flow.sorted_tasks() == (a, b, c, d)
    assert flow.sorted_tasks() == flow.sorted_tasks()
    independent = [Task(name=str(i)) for i in range(10)]
    f2 = Flow("ind", tasks=independent)
    assert list(f2.sorted_tasks()) == independent


def test_sorted_tasks_follows_edges_not_insertion_order():
    a, b = Task(name="a"), Task(name="b")
    flow = Flow("f", tasks=[b, a])
    flow.add_edge(a, b)
    assert flow.sorted_tasks() == (a, b)


def test_sorted_tasks_from_root_tasks_keeps_only_descendants():
    flow, (a, b, c, d) = diamond()
    assert flow.sorted_tasks(root_tasks=[b]) == (b, d)


def test_validate_detects_cycles_naming_the_tasks():
    a, b = Task(name="alpha"), Task(name="beta")
    flow = Flow("cyclic")
    flow.add_edge(a, b)
    flow.add_edge(b, a)
    with pytest.raises(ValueError, match=r"(?s)cycle.*alpha.*beta") as info:
        flow.validate()
    assert isinstance(info.value, FlowctlError)


def test_eager_validation_rejects_a_cycle_when_adding_the_edge():
    a, b = Task(name="a"), Task(name="b")
    flow = Flow("f")
    flow.add_edge(a, b)
    with pytest.raises(ValueError, match="cycle"):
        flow.add_edge(b, a, validate=True)


def test_running_a_cyclic_flow_fails():
    a, b = Task(name="a"), Task(name="b")
    flow = Flow("cyclic")
    flow.add_edge(a, b)
    flow.add_edge(b, a)
    state = flow.run()
    assert state.is_failed()


def test_unknown_reference_task_is_an_error():
    flow, _ = diamond()
    with pytest.raises(ValueError):
        flow.set_reference_tasks([Task(name="stranger")])


def test_a_key_run_does_not_take_is_checked_only_with_validation_as_prefect_1():
    with pytest.raises(TypeError, match="unexpected keyword argument 'y'"):
        Flow("f").add_edge(Task(), inc, key="y", validate=True)
    flow = Flow("f")
    source = Task(name="source")
    flow.add_edge(source, inc, key="y")  # accepted: the run fails instead, naming the argument
    state = flow.run()
    assert state.is_failed()
    assert state.result[source].is_successful()
    assert "unexpected keyword argument 'y'" in state.result[inc].message


# -- building helpers --------------------------------------------------------------
def test_chain_links_tasks_in_order():
    a, b, c = Task(name="a"), Task(name="b"), Task(name="c")
    flow = Flow("f")
    edges = flow.chain(a, b, c)
    assert edges == [Edge(a, b), Edge(b, c)]
    assert flow.sorted_tasks() == (a, b, c)


def test_set_dependencies_with_downstream_tasks():
    a, b = Task(name="a"), Task(name="b")
    flow = Flow("f")
    flow.set_dependencies(a, downstream_tasks=[b])
    assert flow.edges == {Edge(a, b)}


def test_update_merges_tasks_edges_and_constants():
    f1 = Flow("one")
    f1.set_dependencies(inc, keyword_tasks={"x": 1})
    a, b = Task(name="a"), Task(name="b")
    f2 = Flow("two")
    f2.add_edge(a, b)
    f2.update(f1)
    assert f2.tasks == {a, b, inc}
    assert Edge(a, b) in f2.edges
    assert f2.run().result[inc].result == 2


def test_copy_is_independent_but_shares_tasks():
    flow, (a, b, c, d) = diamond()
    flow.set_reference_tasks([b])
    copy = flow.copy()
    assert copy.tasks == flow.tasks and copy.edges == flow.edges
    assert copy.reference_tasks() == {b}
    copy.add_task(Task(name="extra"))
    assert len(copy.tasks) == len(flow.tasks) + 1


def test_replace_swaps_a_task_in_edges_but_not_its_constants_as_in_prefect():
    @task
    def double(x=5):
        return 2 * x

    with Flow("f") as flow:
        first = inc(1)
        last = inc(first)
    flow.replace(first, double.copy())
    new = next(t for t in flow.tasks if t.name == "double")
    assert first not in flow.tasks
    assert flow.upstream_tasks(last) == {new}
    state = flow.run()
    assert state.result[new].result == 10  # inc's x=1 was an argument of inc, not of double
    assert state.result[last].result == 11


def test_replace_validates_the_flow_by_default():
    a, b = Task(name="a"), Task(name="b")
    flow = Flow("f")
    flow.add_edge(a, b)
    c = Task(name="c")
    flow.add_edge(b, c)
    with pytest.raises(ValueError, match="cycle"):
        flow.replace(c, a)


def test_replace_unknown_task_is_an_error():
    with pytest.raises(ValueError):
        Flow("f").replace(Task(), Task())


# -- reference tasks and flow state ---------------------------------------------------
def test_reference_tasks_default_to_terminal_tasks():
    flow, (a, b, c, d) = diamond()
    assert flow.reference_tasks() == {d}


def test_set_reference_tasks_decides_flow_state():
    @task
    def ok():
        return 1

    @task
    def boom():
        raise ValueError("no")

    with Flow("f") as flow:
        good = ok()
        bad = boom()
    assert flow.run().is_failed()
    flow.set_reference_tasks([good])
    assert flow.reference_tasks() == {good}
    state = flow.run()
    assert state.is_successful()
    assert state.result[bad].is_failed()


# -- parameters at run time -------------------------------------------------------------
def test_missing_required_parameter_raises_before_running_naming_it():
    ran = []

    @task
    def record(x):
        ran.append(x)

    with Flow("f") as flow:
        record(Parameter("needed"))
    with pytest.raises(ValueError, match="needed") as info:
        flow.run()
    assert isinstance(info.value, ParameterError)
    assert isinstance(info.value, FlowctlError)
    assert ran == []


def test_unknown_parameter_suggests_the_closest_name():
    with Flow("f") as flow:
        inc(Parameter("offset", default=0))
    with pytest.raises(ValueError, match=r"(?s)unexpected parameters: offst.*did you mean 'offset'.*offset=0"):
        flow.run(parameters={"offst": 1})


def test_parameter_defaults_and_overrides():
    p = Parameter("p", default=4)
    with Flow("f") as flow:
        r = inc(p)
    assert flow.run().result[r].result == 5
    assert flow.run(parameters={"p": 10}).result[r].result == 11


def test_parameter_required_flag_follows_default():
    assert Parameter("a").required is True
    assert Parameter("b", default=None).required is False
    assert Parameter("c", default=1, required=True).required is True


def test_parameter_copy_takes_a_name_which_is_also_its_slug():
    p = Parameter("p", default=1)
    q = p.copy("q")
    assert (q.name, q.slug, q.default, q.required) == ("q", "q", 1, False)
    assert p.copy("p") is not p  # allowed, as in Prefect 1; adding both to one flow is the error
    with pytest.raises(TypeError):
        p.copy()


def test_calling_a_parameter_does_not_copy_it():
    p = Parameter("p", default=1)
    with Flow("f") as flow:
        assert p() is p
    assert flow.tasks == {p}


def test_date_time_parameter_parses_iso_strings():
    import datetime

    from flowctl.core import DateTimeParameter

    when = DateTimeParameter("when")
    flow = Flow("f", tasks=[when])
    state = flow.run(parameters={"when": "2024-01-31T12:00:00"})
    utc = datetime.timezone.utc
    assert state.result[when].result == datetime.datetime(2024, 1, 31, 12, 0, tzinfo=utc)  # UTC, as Prefect
    state = flow.run(parameters={"when": "2024-01-31T12:00:00+02:00"})
    assert state.result[when].result.utcoffset() == datetime.timedelta(hours=2)


def test_flow_constructor_accepts_tasks_edges_and_reference_tasks():
    a, b, c = Task(name="a"), Task(name="b"), Task(name="c")
    flow = Flow("f", tasks=[c], edges=[Edge(a, b)], reference_tasks=[a])
    assert flow.tasks == {a, b, c}
    assert flow.edges == {Edge(a, b)}
    assert flow.reference_tasks() == {a}


def test_validate_rejects_edges_to_tasks_outside_the_flow():
    a = Task(name="a")
    flow = Flow("f", tasks=[a])
    flow.edges.add(Edge(a, Task(name="stranger")))
    with pytest.raises(ValueError, match="not in flow"):
        flow.validate()


def test_reentering_the_same_flow_is_allowed():
    with Flow("f") as flow:
        a = inc(1)
    with flow:
        b = inc(a)
    assert flow.upstream_tasks(b) == {a}


def test_flow_context_is_cleared_after_the_with_block():
    import flowctl

    with Flow("f"):
        assert flowctl.context.get("flow") is not None
    assert flowctl.context.get("flow") is None


def test_a_flow_accepts_schedule_storage_and_run_config_left_at_none_and_refuses_real_ones():
    from flowctl.exceptions import FlowDefinitionError

    assert Flow("local", schedule=None, storage=None, run_config=None).name == "local"  # Prefect 1 scripts' way
    with pytest.raises(FlowDefinitionError, match=r"Flow\(schedule=\.\.\.\): schedules, storage and run configs"):
        Flow("scheduled", schedule=object())


def _unused_warned(body) -> list[str]:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Flow("block"):
            body()
    return [str(w.message) for w in caught if "were created but not added to the flow" in str(w.message)]


class _Two(Task):
    def run(self):
        return 2


def test_a_flow_block_warns_of_tasks_made_in_it_that_never_joined_it_as_prefect_does():
    @task
    def inc(x):
        return x + 1

    assert _unused_warned(lambda: _Two()) and _unused_warned(lambda: Parameter("p"))
    assert not _unused_warned(lambda: _Two()())  # called: a copy joined, the original was used
    assert not _unused_warned(lambda: _Two().copy()())  # a copy stands for its original, and was called

    def copy_unused_original_called():
        inc.copy()  # never called, though inc is: it is its own task
        inc(1)

    warned = _unused_warned(copy_unused_original_called)
    assert len(warned) == 1 and "<Task: inc>" in warned[0]

    def two_copies_one_called():
        first, _second = inc.copy(name="first"), inc.copy(name="second")
        first(1)

    warned = _unused_warned(two_copies_one_called)
    assert len(warned) == 1 and "second" in warned[0] and "first" not in warned[0]
