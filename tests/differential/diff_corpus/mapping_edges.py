"""Mapping corner cases: flatten and reduce over failed or skipped children, nested maps,
handlers and on_failure on mapped tasks, mapped targets, switch and merge around maps."""

PRELUDE = '''
import os
from prefect.tasks.control_flow import switch, merge
from prefect.engine.results import LocalResult

@task
def numbers(n=3):
    return list(range(1, n + 1))

@task
def show(x=None):
    return x

@task
def picky(x):
    if x == 2:
        raise ValueError("two")
    return x

@task
def skippy(x):
    if x == 2:
        raise signals.SKIP("two")
    return [x]
'''

SCENARIOS = {
    "flatten_with_skipped_child": '''
def build():
    with Flow("flatten") as flow:
        show.map(flatten(skippy.map(numbers())))
    return flow
''',
    "flatten_of_unmappable_child": '''
@task
def odd(x):
    return x if x == 2 else [x]

def build():
    with Flow("flatten") as flow:
        show.map(flatten(odd.map(numbers())))
    return flow
''',
    "reduce_failed_child_all_finished": '''
def build():
    with Flow("reduce") as flow:
        show(picky.map(numbers()), task_args={"trigger": triggers.all_finished})
    return flow
''',
    "reduce_skipped_child_no_skip_propagation": '''
def build():
    with Flow("reduce") as flow:
        show(skippy.map(numbers()), task_args={"skip_on_upstream_skip": False})
    return flow
''',
    "mapped_after_failed_child_any_failed": '''
def build():
    with Flow("map") as flow:
        show.map(picky.map(numbers()), task_args={"trigger": triggers.any_failed})
    return flow
''',
    "mapped_after_failed_child_all_failed": '''
def build():
    with Flow("map") as flow:
        show.map(picky.map(numbers()), task_args={"trigger": triggers.all_failed})
    return flow
''',
    "mapped_handler_on_parent_and_children": '''
def note(task, old, new):
    LOG.append([prefect.context.get("map_index"), type(old).__name__, type(new).__name__])
    return new

def build():
    with Flow("map") as flow:
        picky.map(numbers(), task_args={"state_handlers": [note]})
    return flow
''',
    "mapped_on_failure_per_child": '''
def notify(task, state):
    LOG.append(["on_failure", prefect.context.get("map_index"), type(state).__name__])

@task(on_failure=notify)
def failing_child(x):
    if x != 2:
        raise ValueError(f"child {x}")
    return x

def build():
    with Flow("map") as flow:
        failing_child.map(numbers())
    return flow
''',
    "mapped_target_per_child": '''
@task(target="{task_name}-{map_index}.out", checkpoint=True, result=LocalResult(dir=WORKDIR))
def produce(x):
    return x * 3

def build():
    with Flow("map-target") as flow:
        produce.map(numbers(2))
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    second = flow.run(context={"checkpointing": True})
    s = second.result[flow.get_tasks(name="produce")[0]]
    return [sorted(os.listdir(WORKDIR)), type(s).__name__, [type(c).__name__ for c in s.map_states]]
''',
    "switch_with_unmatched_value": '''
def build():
    with Flow("switch") as flow:
        a = show("a", task_args={"name": "a"})
        b = show("b", task_args={"name": "b"})
        switch(show("zzz", task_args={"name": "cond"}), {"a": a, "b": b})
        merge(a, b)
    return flow
''',
    "merge_of_mapped_branches": '''
@task
def is_big(xs):
    return len(xs) > 2

def build():
    with Flow("merge-map") as flow:
        xs = numbers()
        with case(is_big(xs), True):
            big = show.map(xs, task_args={"name": "big"})
        with case(is_big(xs), False):
            small = show(xs, task_args={"name": "small"})
        show(merge(big, small), task_args={"name": "final"})
    return flow
''',
    "nested_map_of_map_with_unmapped": '''
@task
def add(x, y):
    return x + y

def build():
    with Flow("map") as flow:
        xs = numbers()
        add.map(add.map(xs, unmapped(10)), xs)
    return flow
''',
    "map_over_result_of_failed_reduce": '''
def build():
    with Flow("map") as flow:
        show.map(show(picky.map(numbers())))
    return flow
''',
    "map_with_two_mapped_one_failed": '''
@task
def add(x, y):
    return x + y

def build():
    with Flow("map") as flow:
        add.map(picky.map(numbers()), numbers())
    return flow
''',
    "map_mapped_false_keyword": '''
def build():
    with Flow("map") as flow:
        xs = numbers()
        show(xs, mapped=True)
    return flow
''',
    "mapped_retry_handler_sequence": '''
@task(max_retries=1, retry_delay=timedelta(0))
def flaky_child(x):
    if x == 2 and prefect.context.get("task_run_count") == 1:
        raise ValueError("retry me")
    return x

def build():
    with Flow("map") as flow:
        flaky_child.map(numbers())
    return flow
''',
    "mapped_loop_handler_sequence": '''
@task
def looping_child(x):
    loop = prefect.context.get("task_loop_count", 1)
    if x == 2 and loop < 2:
        raise signals.LOOP(result=loop)
    return [x, loop]

def build():
    with Flow("map") as flow:
        looping_child.map(numbers())
    return flow
''',
    "filter_after_flatten": '''
from prefect.tasks.control_flow.filter import FilterTask

@task
def repeat(x):
    return [x] * x

def build():
    with Flow("filter") as flow:
        show(FilterTask(filter_func=lambda v: v > 1)(flatten(repeat.map(numbers()))))
    return flow
''',
    "flatten_of_mixed_result_passes_it_whole": '''
@task
def mixed():
    return [[1, 2], 3]

def build():
    with Flow("flatten") as flow:
        show.map(flatten(mixed()))
        show(flatten(mixed()))
        show(flatten(show.map(mixed())))
    return flow
''',
    "flatten_of_strings_gives_characters": '''
@task
def words():
    return ["ab", "c"]

def build():
    with Flow("flatten") as flow:
        show.map(flatten(words()))
        show.map(flatten(show.map(words())))
        show(flatten(words()))
        show.map(flatten(["ab", "c"]))
    return flow
''',
    "flatten_of_none_or_scalar_is_unmappable": '''
@task
def nothing():
    return None

def build():
    with Flow("flatten") as flow:
        show.map(flatten(nothing()))
        show.map(flatten(show(5)))
        show(flatten(5))
    return flow
''',
    "combined_edge_annotations": '''
from prefect.utilities.edges import mapped, unmapped

@task
def nested():
    return [[1, 2], [3]]

@task
def add(x, y):
    return x + y

def build():
    with Flow("annotations") as flow:
        add.map(flatten(nested()), unmapped(100))
        add(mapped(flatten(nested())), 1000)
        add.map(unmapped(mapped(numbers())), numbers())
    return flow

def observe(flow, state):
    return [sorted(mapped(flatten(1)).annotations.items()), unmapped(2).annotations,
            flatten(unmapped(3)).annotations, mapped(4).value]
''',
    "mapping_over_a_failed_map_with_no_result_makes_no_children": '''
from prefect.triggers import any_failed

@task
def nothing():
    return None

@task(trigger=any_failed)
def clean_up(x):
    return x

def build():
    with Flow("failed-map-upstream") as flow:
        failed_map = show.map(nothing())
        clean_up.map(numbers(), upstream_tasks=[failed_map])
    return flow
''',
    "mapping_over_a_trigger_failed_task_gives_each_child_its_state": '''
from prefect.triggers import any_failed

@task(trigger=any_failed)
def only_on_failure():
    return [1, 2]

def build():
    with Flow("trigger-failed-upstream") as flow:
        gate = only_on_failure(upstream_tasks=[show(1)])
        no_map = show.map(gate)
        show.map(no_map, upstream_tasks=[numbers(1)])
        show.map(numbers(2), upstream_tasks=[gate])
    return flow
''',
    "a_map_given_nout_in_task_args_unpacks_the_childrens_list": '''
@task
def pair(x):
    return x, x + 10

def build():
    with Flow("map-nout") as flow:
        first, second = pair.map(numbers(3), task_args={"nout": 2})
        show(first)
        show(second)
    return flow
''',
}
