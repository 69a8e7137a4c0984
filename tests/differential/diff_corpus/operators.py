"""Operators, GetItem, nout, and collections of tasks and constants."""

PRELUDE = '''
from prefect.tasks.core.operators import GetItem
from prefect.tasks.core.constants import Constant

@task
def num(v):
    return v

@task
def show(x=None):
    return x

@task
def pair():
    return (1, 2)

@task
def record():
    return {"a": 1, "b": [2, 3]}
'''

OPERATORS = {
    "add": "num(6) + num(3)", "sub": "num(6) - num(3)", "mul": "num(6) * num(3)",
    "truediv": "num(6) / num(3)", "floordiv": "num(7) // num(3)", "pow": "num(2) ** num(3)",
    "mod": "num(7) % num(3)", "and": "num(True) & num(False)", "or": "num(True) | num(False)",
    "xor": "num(True) ^ num(True)", "radd": "1 + num(2)", "rsub": "10 - num(2)",
    "rmul": "3 * num(2)", "with_constant": "num(5) + 1", "neg_compare_gt": "num(5) > num(3)",
    "lt": "num(5) < num(3)", "ge": "num(3) >= num(3)", "le": "num(4) <= num(3)",
    "is_equal": "num(3).is_equal(3)", "is_not_equal": "num(3).is_not_equal(3)",
    "not": "num(True).not_()", "and_method": "num(True).and_(num(True))",
    "or_method": "num(False).or_(False)", "div_by_zero": "num(1) / num(0)",
    "add_type_error": "num(1) + num('a')",
}

SCENARIOS = {}
for _name, _expr in OPERATORS.items():
    SCENARIOS[f"operator_{_name}"] = f'''
def build():
    with Flow("operators") as flow:
        show({_expr})
    return flow
'''

SCENARIOS.update({
    "getitem_index": '''
def build():
    with Flow("getitem") as flow:
        show(pair()[0])
    return flow
''',
    "getitem_key": '''
def build():
    with Flow("getitem") as flow:
        show(record()["b"])
    return flow
''',
    "getitem_missing_key_fails": '''
def build():
    with Flow("getitem") as flow:
        show(record()["missing"])
    return flow
''',
    "getitem_nested": '''
def build():
    with Flow("getitem") as flow:
        show(record()["b"][1])
    return flow
''',
    "getitem_on_failed_upstream": '''
@task
def boom():
    raise ValueError("boom")

def build():
    with Flow("getitem") as flow:
        show(boom()["x"])
    return flow
''',
    "getitem_and_getattr_defaults": '''
from types import SimpleNamespace
from prefect.tasks.core.operators import GetAttr

@task
def thing():
    return SimpleNamespace(a=SimpleNamespace(b=2))

def build():
    with Flow("defaults") as flow:
        show(GetItem(default="d")(record(), "missing"), task_args={"name": "item_default"})
        show(GetItem()(record(), "missing", default="late"), task_args={"name": "item_late"})
        show(GetAttr()(thing(), "a.b"), task_args={"name": "attr_path"})
        show(GetAttr(default=0)(thing(), "a.zz"), task_args={"name": "attr_default"})
        show(GetAttr()(thing(), "missing", "pos"), task_args={"name": "attr_positional"})
        GetAttr(name="attr_missing")(thing(), "missing")
    return flow
''',
    "getitem_task_explicit": '''
def build():
    with Flow("getitem") as flow:
        show(GetItem()(record(), "a"))
    return flow
''',
    "nout_unpacks": '''
@task(nout=2)
def two():
    return 10, 20

def build():
    with Flow("nout") as flow:
        a, b = two()
        show(a, task_args={"name": "first"})
        show(b, task_args={"name": "second"})
    return flow
''',
    "nout_wrong_length_result": '''
@task(nout=3)
def three():
    return 1, 2

def build():
    with Flow("nout") as flow:
        a, b, c = three()
        show(c)
    return flow
''',
    "nout_from_tuple_annotation": '''
from typing import Tuple

@task
def two() -> Tuple[int, int]:
    return 1, 2

def build():
    with Flow("nout") as flow:
        a, b = two()
        show(b)
    return flow
''',
    "list_of_tasks_argument": '''
def build():
    with Flow("collections") as flow:
        show([num(1), num(2), 3])
    return flow
''',
    "dict_of_tasks_argument": '''
def build():
    with Flow("collections") as flow:
        show({"a": num(1), "b": [num(2)]})
    return flow
''',
    "tuple_of_tasks_argument": '''
def build():
    with Flow("collections") as flow:
        show((num(1), 2))
    return flow
''',
    "set_of_tasks_argument": '''
def build():
    with Flow("collections") as flow:
        show({num(1), num(2)})
    return flow
''',
    "constant_collection_argument": '''
def build():
    with Flow("collections") as flow:
        show({"x": 1, "y": [9, 10]})
    return flow
''',
    "collection_with_failed_member": '''
@task
def boom():
    raise ValueError("boom")

def build():
    with Flow("collections") as flow:
        show([num(1), boom()])
    return flow
''',
    "constant_task_explicit": '''
def build():
    with Flow("constants") as flow:
        show(Constant({"k": 1}))
    return flow
''',
    "scalar_constants_bound_without_task": '''
def observe(flow, state):
    return len(flow.tasks)

def build():
    with Flow("constants") as flow:
        show(5)
    return flow
''',
    "task_used_twice_copies": '''
def observe(flow, state):
    return sorted(t.name for t in flow.tasks)

def build():
    with Flow("copies") as flow:
        show(num(1))
        show(num(2))
    return flow
''',
    "bind_in_place": '''
def build():
    t = show.copy()
    with Flow("bind") as flow:
        t.bind(x=num(4))
    return flow
''',
    "set_upstream_and_downstream": '''
@task
def first():
    LOG.append("first")
    return 1

@task
def second():
    LOG.append("second")
    return 2

def build():
    with Flow("deps") as flow:
        a = first()
        b = second()
        b.set_upstream(a)
    return flow
''',
    "set_dependencies_keyword": '''
def build():
    flow = Flow("deps")
    n = num.copy()
    s = show.copy()
    flow.set_dependencies(n, keyword_tasks={"v": 7})
    flow.set_dependencies(s, keyword_tasks={"x": n})
    return flow
''',
    "add_edge_imperative": '''
def build():
    flow = Flow("edges")
    n = num.copy()
    s = show.copy()
    flow.add_edge(n, s, key="x")
    flow.set_dependencies(n, keyword_tasks={"v": 8})
    return flow
''',
    "chain_runs_in_order": '''
@task
def step(label=""):
    LOG.append(label)

def build():
    flow = Flow("chain")
    a, b, c = step.copy(), step.copy(), step.copy()
    for t, label in ((a, "a"), (b, "b"), (c, "c")):
        flow.set_dependencies(t, keyword_tasks={"label": label})
    flow.chain(a, b, c)
    return flow
''',
    "task_class_subclass_run": '''
class Doubler(Task):
    def __init__(self, factor=2, **kwargs):
        self.factor = factor
        super().__init__(**kwargs)

    def run(self, x):
        return x * self.factor

def build():
    with Flow("class") as flow:
        show(Doubler(factor=3)(num(2)))
    return flow
''',
    "task_run_positional_binding": '''
@task
def three(a, b, c=0):
    return [a, b, c]

def build():
    with Flow("positional") as flow:
        three(1, num(2), c=3)
    return flow
''',
    "function_task_explicit": '''
from prefect.tasks.core.function import FunctionTask

def build():
    with Flow("function") as flow:
        show(FunctionTask(lambda: 9, name="lam")())
    return flow
''',
    "tags_context_manager": '''
from prefect.utilities.tasks import tags

def observe(flow, state):
    return sorted(sorted(t.tags) for t in flow.tasks)

def build():
    with Flow("tags") as flow:
        with tags("red", "blue"):
            show(1)
    return flow
''',
    "sorted_tasks_order": '''
def observe(flow, state):
    return [t.name for t in flow.sorted_tasks()]

def build():
    with Flow("sorted") as flow:
        a = num(1, task_args={"name": "a"})
        b = show(a, task_args={"name": "b"})
        c = show(b, task_args={"name": "c"})
    return flow
''',
    "flow_introspection": '''
def observe(flow, state):
    return [sorted(t.name for t in flow.root_tasks()), sorted(t.name for t in flow.terminal_tasks()),
            sorted(t.name for t in flow.reference_tasks()), len(flow.edges)]

def build():
    with Flow("introspect") as flow:
        a = num(1, task_args={"name": "a"})
        show(a, task_args={"name": "b"})
        show(a, task_args={"name": "c"})
    return flow
''',
})
