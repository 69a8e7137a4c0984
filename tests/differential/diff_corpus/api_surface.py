"""Introspection and helpers a flow author calls: inputs/outputs, defaults_from_attrs, as_task,
edges, validate, copies and flow-level result/reference bookkeeping."""

PRELUDE = '''
from prefect.utilities.tasks import defaults_from_attrs, as_task
from prefect.core.edge import Edge

@task
def show(x=None):
    return x

@task
def add(x, y=1):
    return x + y
'''

SCENARIOS = {
    "task_inputs_and_outputs": '''
def build():
    with Flow("intro") as flow:
        show(1)
    return flow

def observe(flow, state):
    return [sorted(add.inputs()), add.inputs()["x"]["required"], add.inputs()["y"]["required"],
            add.inputs()["y"]["default"]]
''',
    "defaults_from_attrs_used": '''
class Greeter(Task):
    def __init__(self, greeting="hello", **kwargs):
        self.greeting = greeting
        super().__init__(**kwargs)

    @defaults_from_attrs("greeting")
    def run(self, greeting=None, name="you"):
        return f"{greeting} {name}"

def build():
    with Flow("defaults") as flow:
        Greeter(greeting="hi")(name="ann")
        Greeter()(greeting="yo", task_args={"name": "g2"})
        Greeter(greeting="hi", name="g3")(greeting=None)
    return flow
''',
    "as_task_wraps_values": '''
def build():
    with Flow("as-task") as flow:
        show(as_task([1, 2]))
    return flow

def observe(flow, state):
    return [type(as_task(3)).__name__, type(as_task(show)).__name__]
''',
    "edges_to_and_from": '''
def build():
    with Flow("edges") as flow:
        a = show(1, task_args={"name": "a"})
        b = add(a, task_args={"name": "b"})
    return flow

def observe(flow, state):
    b = flow.get_tasks(name="b")[0]
    a = flow.get_tasks(name="a")[0]
    return [sorted(str(e.key) for e in flow.edges_to(b)), sorted(str(e.key) for e in flow.edges_from(a)),
            sorted(t.name for t in flow.upstream_tasks(b)), sorted(t.name for t in flow.downstream_tasks(a))]
''',
    "edge_equality_and_repr": '''
def build():
    return Flow("edges", tasks=[show])

def observe(flow, state):
    a, b = show.copy(), add.copy()
    return [Edge(a, b, key="x") == Edge(a, b, key="x"), Edge(a, b, key="x") == Edge(a, b, key="y"),
            len({Edge(a, b, key="x"), Edge(a, b, key="x")})]
''',
    "validate_ok_flow": '''
def build():
    with Flow("valid") as flow:
        add(show(1))
    flow.validate()
    return flow
''',
    "call_with_mapped_true": '''
def build():
    with Flow("mapped-call") as flow:
        add([1, 2, 3], mapped=True)
    return flow
''',
    "set_dependencies_mapped": '''
def build():
    flow = Flow("deps")
    src, dst = show.copy(), add.copy()
    flow.set_dependencies(src, keyword_tasks={"x": [4, 5]})
    flow.set_dependencies(dst, keyword_tasks={"x": src}, mapped=True)
    return flow
''',
    "set_downstream_with_key": '''
def build():
    with Flow("deps") as flow:
        a = show(7, task_args={"name": "a"})
        b = add.copy()
        a.set_downstream(b, key="x")
    return flow
''',
    "task_is_equal_task": '''
def build():
    with Flow("eq") as flow:
        show(add(1).is_equal(2))
    return flow
''',
    "flow_chain_then_run": '''
@task
def step():
    LOG.append(prefect.context.get("task_name"))

def build():
    flow = Flow("chain")
    a, b = step.copy(name="s1"), step.copy(name="s2")
    flow.chain(a, b)
    return flow
''',
    "parameter_copy_keeps_name": '''
def build():
    with Flow("params") as flow:
        p = Parameter("p", default=1)
        show(p)
    return flow

def observe(flow, state):
    p = flow.get_tasks(name="p")[0]
    return [p.copy().name, p.default, p.required, type(p).__name__]
''',
    "flow_copy_is_independent": '''
def build():
    with Flow("orig") as flow:
        show(1)
    copy = flow.copy()
    with copy:
        show(2, task_args={"name": "extra"})
    return flow

def observe(flow, state):
    return sorted(t.name for t in flow.tasks)
''',
    "task_repr_and_name": '''
def build():
    return Flow("repr", tasks=[show])

def observe(flow, state):
    return [repr(show), show.name, repr(add.copy(name="renamed")), repr(Parameter("p"))]
''',
    "set_dependencies_given_a_value": '''
def build():
    flow = Flow("values")
    flow.set_dependencies("a string", upstream_tasks=[show])
    return flow

def observe(flow, state):
    return sorted(t.name for t in flow.tasks)
''',
    "get_tasks_by_slug_finds_given_slugs_only": '''
def build():
    with Flow("slugs") as flow:
        show(1)
        show(2)
        show(3, task_args={"slug": "mine"})
    return flow

def observe(flow, state):
    return [len(flow.get_tasks(slug="show-2")), [t.name for t in flow.get_tasks(slug="mine")]]
''',
    "endrun_and_context_reprs": '''
import prefect
from prefect.engine.signals import ENDRUN
from prefect.engine.state import Success

def build():
    return Flow("reprs", tasks=[show])

def observe(flow, state):
    signal = ENDRUN(Success(message="m"))
    return [repr(signal), str(signal), repr(prefect.context), type(signal.state).__name__]
''',
    "error_messages_begin_with_prefects_words": '''
def build():
    return Flow("errors", tasks=[show])

def observe(flow, state):
    seen = []
    duplicate = Flow("dup")
    duplicate.add_task(Task(slug="same"))
    try:
        duplicate.add_task(Task(slug="same"))
    except ValueError as exc:
        seen.append(str(exc).startswith('A task with the slug "same" already exists in this flow.'))
    with Flow("unpack"):
        try:
            first, second = show(1)
        except TypeError as exc:
            seen.append(str(exc).startswith("Task is not iterable") and "`Tuple` return-type annotation" in str(exc))
    return seen
''',
}
