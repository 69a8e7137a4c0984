"""Task and Flow construction errors: compared by exception class (API.md "Errors")."""

SCENARIOS = {
    "flow_equality_iteration_logger_and_on_failure": '''
def notify(flow, state):
    LOG.append(["on_failure", type(state).__name__])

@task
def one():
    return 1

@task
def two(x):
    return x + 1

def build():
    with Flow("equal", on_failure=notify) as flow:
        two(one())
    return flow

def observe(flow, state):
    other = flow.copy()
    changed = flow.copy()
    changed.add_task(Task(name="extra"))
    return [flow == other, flow == changed, flow == "equal", [t.name for t in flow],
            flow.logger.name.split(".")[-1], len(flow.state_handlers)]
''',
    "sorted_tasks_from_roots_and_validate_edited_tasks": '''
def build():
    flow = Flow("roots")
    a, b, c, d = Task(name="a"), Task(name="b"), Task(name="c"), Task(name="d")
    flow.add_edge(a, b)
    flow.add_edge(b, c)
    flow.add_edge(b, d)
    return flow

def observe(flow, state):
    seen = [sorted(t.name for t in flow.sorted_tasks(root_tasks=[])),
            sorted(t.name for t in flow.sorted_tasks(root_tasks=flow.get_tasks(name="b")))]
    for attempt in (lambda: flow.sorted_tasks(root_tasks=[Task(name="stranger")]),):
        try:
            attempt()
            seen.append("no error")
        except ValueError as exc:
            seen.append(["ValueError", "was not found in Flow" in str(exc)])
    flow.tasks.remove(flow.get_tasks(name="d")[0])
    try:
        flow.validate()
        seen.append("valid")
    except ValueError as exc:
        seen.append(["ValueError", str(exc).startswith("Some edges refer to tasks not contained in this flow")])
    return seen
''',
    "unused_tasks_made_in_a_flow_block_warn": '''
import warnings

def build():
    with Flow("used") as flow:
        @task
        def ten():
            return 10
        ten()
    return flow

def observe(flow, state):
    seen = []
    for body in ("plain", "copy", "decorated", "parameter", "called"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with Flow(body) as other:
                if body == "plain":
                    Task(name="stray")
                elif body == "copy":
                    Parameter("x").copy("x2")
                elif body == "decorated":
                    task(lambda: 1)
                elif body == "parameter":
                    Parameter("p")
                else:
                    task(lambda: 1)()
        seen.append([body, [str(w.message).split(":")[0] for w in caught]])
    return seen
''',
    "task_run_with_varargs": '''
class Bad(Task):
    def run(self, *args):
        return args

def build():
    return Flow("bad", tasks=[Bad()])
''',
    "task_run_reserved_upstream_tasks": '''
class Bad(Task):
    def run(self, upstream_tasks):
        return 1

def build():
    return Flow("bad", tasks=[Bad()])
''',
    "task_run_reserved_mapped": '''
@task
def bad(mapped):
    return 1

def build():
    return Flow("bad", tasks=[bad])
''',
    "task_run_reserved_flow": '''
@task
def bad(flow):
    return 1

def build():
    return Flow("bad", tasks=[bad])
''',
    "task_run_reserved_task_args": '''
@task
def bad(task_args):
    return 1

def build():
    return Flow("bad", tasks=[bad])
''',
    "max_retries_without_retry_delay": '''
@task(max_retries=2)
def bad():
    return 1

def build():
    return Flow("bad", tasks=[bad])
''',
    "retry_delay_without_max_retries": '''
@task(retry_delay=timedelta(0))
def odd():
    return 1

def build():
    return Flow("odd", tasks=[odd])
''',
    "timeout_not_int": '''
@task(timeout="soon")
def bad():
    return 1

def build():
    return Flow("bad", tasks=[bad])
''',
    "cache_validator_without_cache_for": '''
from prefect.engine import cache_validators

@task(cache_validator=cache_validators.all_inputs)
def odd():
    return 1

def build():
    return Flow("odd", tasks=[odd])
''',
    "unknown_keyword_argument": '''
@task
def one(x):
    return x

def build():
    with Flow("bad") as flow:
        one(y=1)
    return flow
''',
    "too_many_positional_arguments": '''
@task
def one(x):
    return x

def build():
    with Flow("bad") as flow:
        one(1, 2)
    return flow
''',
    "missing_argument_at_run": '''
@task
def one(x):
    return x

def build():
    with Flow("bad") as flow:
        one()
    return flow
''',
    "task_outside_flow_call": '''
@task
def one(x):
    return x

def build():
    one(1)
    return Flow("never")
''',
    "nested_flow_contexts": '''
def build():
    with Flow("outer") as outer:
        with Flow("inner") as inner:
            pass
    return outer
''',
    "cycle_detected": '''
@task
def one(x=None):
    return x

def build():
    flow = Flow("cycle")
    a, b = one.copy(), one.copy()
    flow.add_edge(a, b)
    flow.add_edge(b, a)
    return flow
''',
    "duplicate_edge_key": '''
@task
def one(x=None):
    return x

def build():
    flow = Flow("dupes")
    a, b, c = one.copy(), one.copy(), one.copy()
    flow.add_edge(a, c, key="x")
    flow.add_edge(b, c, key="x")
    return flow
''',
    "edge_key_not_identifier": '''
from prefect.core.edge import Edge

@task
def one(x=None):
    return x

def build():
    Edge(one, one.copy(), key="not valid")
    return Flow("never")
''',
    "duplicate_parameter_names": '''
def build():
    with Flow("dupes") as flow:
        Parameter("x")
        Parameter("x")
    return flow
''',
    "parameter_with_upstream_fails": '''
@task
def one():
    return 1

def build():
    with Flow("bad") as flow:
        p = Parameter("p", default=1)
        p.set_upstream(one())
    return flow
''',
    "reference_task_not_in_flow": '''
@task
def one():
    return 1

def build():
    flow = Flow("bad", tasks=[one])
    flow.set_reference_tasks([one.copy()])
    return flow
''',
    "forgot_super_init": '''
class Forgetful(Task):
    def __init__(self):
        self.x = 1

    def run(self):
        return self.x

def build():
    with Flow("bad") as flow:
        Forgetful()()
    return flow
''',
    "task_called_with_flow_kwarg": '''
@task
def one():
    return 1

def build():
    flow = Flow("explicit")
    one(flow=flow)
    return flow
''',
    "get_tasks_by_name_and_type": '''
from prefect.tasks.core.function import FunctionTask

@task
def one():
    return 1

def observe(flow, state):
    return [len(flow.get_tasks(name="one")), len(flow.get_tasks(task_type=FunctionTask))]

def build():
    with Flow("get") as flow:
        one()
        one()
    return flow
''',
    "flow_copy_runs_independently": '''
@task
def one():
    return 1

def build():
    with Flow("orig") as flow:
        one()
    return flow.copy()
''',
    "replace_task": '''
@task
def one():
    return 1

@task
def two():
    return 2

@task
def show(x):
    return x

def build():
    with Flow("replace") as flow:
        o = one()
        show(o)
    flow.replace(o, two)
    return flow
''',
    "update_merges_flows": '''
@task
def one():
    return 1

def build():
    with Flow("a") as a:
        one()
    with Flow("b") as b:
        one()
    a.update(b)
    return a
''',
    "map_with_no_mappable_args": '''
@task
def one(x=1):
    return x

def build():
    with Flow("bad") as flow:
        one.map()
    return flow
''',
}
