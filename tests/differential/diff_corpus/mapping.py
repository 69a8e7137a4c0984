"""Mapping over failed, skipped, empty and unmappable upstreams; flatten, apply_map, FilterTask."""

PRELUDE = '''
from prefect.tasks.control_flow.filter import FilterTask

@task
def numbers(n=3):
    return list(range(1, n + 1))

@task
def double(x):
    return 2 * x

@task
def total(xs):
    return sum(x for x in xs if isinstance(x, int))

@task
def describe(xs):
    return [type(x).__name__ for x in xs]

@task
def boom():
    raise ValueError("upstream failed")

@task
def skipper():
    raise signals.SKIP("upstream skipped")

@task
def nested():
    return [[1, 2], [], [3]]

@task
def pair_up(x, y):
    return [x, y]
'''

SCENARIOS = {
    "map_over_list_then_reduce": '''
def build():
    with Flow("map") as flow:
        total(double.map(numbers()))
    return flow
''',
    "map_over_constant_list": '''
def build():
    with Flow("map") as flow:
        total(double.map([1, 2, 3]))
    return flow
''',
    "map_over_empty_list": '''
def build():
    with Flow("map") as flow:
        total(double.map(numbers(0)))
    return flow
''',
    "map_over_empty_then_map_again": '''
def build():
    with Flow("map") as flow:
        total(double.map(double.map(numbers(0))))
    return flow
''',
    "map_over_failed_upstream": '''
def build():
    with Flow("map") as flow:
        total(double.map(boom()))
    return flow
''',
    "map_over_skipped_upstream": '''
def build():
    with Flow("map") as flow:
        total(double.map(skipper()))
    return flow
''',
    "map_over_skipped_upstream_no_skip_propagation": '''
def build():
    with Flow("map") as flow:
        double.map(skipper(), task_args={"skip_on_upstream_skip": False})
    return flow
''',
    "map_over_integer_unmappable": '''
@task
def seven():
    return 7

def build():
    with Flow("map") as flow:
        total(double.map(seven()))
    return flow
''',
    "map_over_none_unmappable": '''
@task
def nothing():
    return None

def build():
    with Flow("map") as flow:
        double.map(nothing())
    return flow
''',
    "map_over_string": '''
@task
def word():
    return "abc"

def build():
    with Flow("map") as flow:
        double.map(word())
    return flow
''',
    "map_over_dict_keys": '''
@task
def mapping():
    return {"a": 1, "b": 2}

def build():
    with Flow("map") as flow:
        double.map(mapping())
    return flow
''',
    "map_over_tuple": '''
@task
def tup():
    return (1, 2)

def build():
    with Flow("map") as flow:
        double.map(tup())
    return flow
''',
    "map_with_unmapped_argument": '''
def build():
    with Flow("map") as flow:
        pair_up.map(numbers(), unmapped(numbers(2)))
    return flow
''',
    "map_two_lists_of_different_lengths": '''
def build():
    with Flow("map") as flow:
        pair_up.map(numbers(2), numbers(4))
    return flow
''',
    "map_two_lists_zip": '''
def build():
    with Flow("map") as flow:
        pair_up.map(numbers(3), [10, 20, 30])
    return flow
''',
    "map_child_failure_reduce_trigger_failed": '''
@task
def picky(x):
    if x == 2:
        raise ValueError("two")
    return x

def build():
    with Flow("map") as flow:
        total(picky.map(numbers()))
    return flow
''',
    "map_child_failure_reduce_all_finished": '''
@task
def picky(x):
    if x == 2:
        raise ValueError("two")
    return x

def build():
    with Flow("map") as flow:
        describe(picky.map(numbers()), task_args={"trigger": triggers.all_finished})
    return flow
''',
    "map_child_skip_then_map": '''
@task
def picky(x):
    if x == 2:
        raise signals.SKIP("skip two")
    return x

def build():
    with Flow("map") as flow:
        describe(double.map(picky.map(numbers())), task_args={"trigger": triggers.all_finished})
    return flow
''',
    "map_child_skip_reduce_default": '''
@task
def picky(x):
    if x == 2:
        raise signals.SKIP("skip two")
    return x

def build():
    with Flow("map") as flow:
        total(picky.map(numbers()))
    return flow
''',
    "map_of_map_chain": '''
def build():
    with Flow("map") as flow:
        total(double.map(double.map(double.map(numbers()))))
    return flow
''',
    "map_with_upstream_tasks_mapped_false": '''
@task
def first():
    LOG.append("first")
    return 0

def build():
    with Flow("map") as flow:
        f = first()
        double.map(numbers(), upstream_tasks=[f])
    return flow
''',
    "map_context_map_index": '''
@task
def where(x):
    return [x, prefect.context.get("map_index")]

def build():
    with Flow("map") as flow:
        where.map(numbers())
    return flow
''',
    "map_task_run_name_index": '''
@task
def named(x):
    return prefect.context.get("task_full_name")

def build():
    with Flow("map") as flow:
        named.map(numbers(2))
    return flow
''',
    "flatten_nested_lists": '''
def build():
    with Flow("flatten") as flow:
        total(double.map(flatten(nested())))
    return flow
''',
    "flatten_non_nested_fails": '''
def build():
    with Flow("flatten") as flow:
        double.map(flatten(numbers()))
    return flow
''',
    "flatten_map_output": '''
@task
def repeat(x):
    return [x] * x

def build():
    with Flow("flatten") as flow:
        total(double.map(flatten(repeat.map(numbers()))))
    return flow
''',
    "flatten_empty": '''
@task
def empties():
    return [[], []]

def build():
    with Flow("flatten") as flow:
        double.map(flatten(empties()))
    return flow
''',
    "apply_map_roots_lengths_and_chaining": '''
from prefect import apply_map, unmapped

@task
def ten():
    return 10

@task
def add(x, y):
    return x + y

@task
def pair_sum(p):
    return p[0] + p[1]

def with_root(x):
    return add(x, ten())

def two_ways(x, y):
    return add(x, 1), add(y, 100)

def combine(p):
    return pair_sum(p)

def build():
    with Flow("apply-map") as flow:
        apply_map(with_root, [1, 2, 3])
        apply_map(two_ways, [1, 2, 3, 4, 5], numbers())
        pair = apply_map(two_ways, numbers(), numbers())
        apply_map(combine, pair)
        apply_map(lambda x, y: add(x, y), numbers(), unmapped(7))
    return flow
''',
    "apply_map_inside_case_and_errors": '''
from prefect import apply_map, unmapped
from prefect.tasks.control_flow import case

@task
def add(x, y):
    return x + y

def pipeline(x, a):
    return add(x, 1), add(x, a)

def build():
    with Flow("apply-map-case") as flow:
        branch = Parameter("branch", default=False)
        with case(branch, True):
            a = add(1, 1)
            b, c = apply_map(pipeline, range(3), unmapped(a))
            add.map(b, c)
    return flow

def observe(flow, state):
    seen = [sorted(type(s).__name__ for s in flow.run(branch=True).result.values())]
    for attempt in (lambda: apply_map(lambda x: add(x, 1), 1, flow=Flow("f")),
                    lambda: apply_map(lambda x, flow: add.map(x, 1), [1], flow=Flow("f")),
                    lambda: apply_map(lambda x: add(x, 1), [1])):
        try:
            attempt()
            seen.append("no error")
        except (TypeError, ValueError) as exc:
            seen.append(type(exc).__name__)
    return seen
''',
    "apply_map_simple": '''
def pipeline(x):
    return double(double(x))

def build():
    with Flow("apply-map") as flow:
        total(apply_map(pipeline, numbers()))
    return flow
''',
    "apply_map_with_case": '''
@task
def is_even(x):
    return x % 2 == 0

@task
def label(x, kind):
    return f"{x}:{kind}"

def classify(x):
    with case(is_even(x), True):
        even = label(x, "even")
    with case(is_even(x), False):
        odd = label(x, "odd")
    return prefect.tasks.control_flow.merge(even, odd)

def build():
    with Flow("apply-map") as flow:
        describe(apply_map(classify, numbers(4)))
    return flow
''',
    "apply_map_unmapped_arg": '''
def pipeline(x, y):
    return pair_up(x, y)

def build():
    with Flow("apply-map") as flow:
        apply_map(pipeline, numbers(2), unmapped(5))
    return flow
''',
    "filter_task_default_drops_failures_and_skips": '''
@task
def picky(x):
    if x == 2:
        raise ValueError("two")
    if x == 3:
        raise signals.SKIP("three")
    return x

def build():
    with Flow("filter") as flow:
        total(FilterTask()(picky.map(numbers(4))))
    return flow
''',
    "filter_task_custom_filter": '''
def build():
    with Flow("filter") as flow:
        kept = FilterTask(filter_func=lambda x: x > 2)(numbers(5))
        total(kept)
    return flow
''',
    "filter_task_drops_none": '''
@task
def maybe_none(x):
    return None if x == 1 else x

def build():
    with Flow("filter") as flow:
        total(FilterTask()(maybe_none.map(numbers())))
    return flow
''',
    "filter_task_log_func": '''
def build():
    with Flow("filter") as flow:
        kept = FilterTask(filter_func=lambda x: x % 2 == 0, log_func=lambda xs: f"kept {xs}")(numbers(4))
        total(kept)
    return flow
''',
    "mapped_reference_task_failure_fails_flow": '''
@task
def picky(x):
    if x == 3:
        raise ValueError("three")
    return x

def build():
    with Flow("map") as flow:
        picky.map(numbers())
    return flow
''',
    "map_over_parameter": '''
def build():
    with Flow("map") as flow:
        xs = Parameter("xs", default=[4, 5])
        total(double.map(xs))
    return flow, {"parameters": {"xs": [1, 2, 3]}}
''',
    "map_large_fanout_ten": '''
def build():
    with Flow("map") as flow:
        total(double.map(numbers(10)))
    return flow
''',
    "mapped_task_bind_keyword": '''
def build():
    with Flow("map") as flow:
        pair_up.map(x=numbers(2), y=unmapped("k"))
    return flow
''',
    "map_children_state_handlers": '''
def note(task, old, new):
    LOG.append([prefect.context.get("map_index"), type(new).__name__])
    return new

@task(state_handlers=[note])
def noted(x):
    return x

def build():
    with Flow("map") as flow:
        noted.map(numbers(2))
    return flow
''',
}
