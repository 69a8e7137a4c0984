"""What tasks and handlers read during a run: context keys, cached inputs, result locations, checkpoints of mapped children."""

PRELUDE = '''
import os
from prefect.engine.results import LocalResult

@task
def numbers(n=2):
    return list(range(1, n + 1))

def final(flow, state, name):
    return state.result[flow.get_tasks(name=name)[0]]
'''

SCENARIOS = {
    "mapped_context_full_name_and_index": '''
@task
def where(x):
    c = prefect.context
    return [c.get("task_full_name"), c.get("map_index"), c.get("task_name"), c.get("task_run_count")]

def build():
    with Flow("ctx") as flow:
        where.map(numbers())
    return flow
''',
    "context_in_handler_of_mapped_child": '''
def note(task, old, new):
    LOG.append([prefect.context.get("task_full_name"), type(new).__name__])
    return new

@task(state_handlers=[note])
def child(x):
    return x

def build():
    with Flow("ctx") as flow:
        child.map(numbers())
    return flow
''',
    "context_parameters_in_handler": '''
def note(task, old, new):
    LOG.append(dict(prefect.context.get("parameters") or {}))
    return new

@task(state_handlers=[note])
def child(x):
    return x

def build():
    with Flow("ctx") as flow:
        child(Parameter("p", default=3))
    return flow
''',
    "context_flow_handler_keys": '''
def note(flow, old, new):
    LOG.append([prefect.context.get("flow_name"), prefect.context.get("task_name")])
    return new

@task
def one():
    return 1

def build():
    with Flow("ctx-flow", state_handlers=[note]) as flow:
        one()
    return flow
''',
    "cached_inputs_on_failed_state": '''
@task
def fails(x):
    raise ValueError("no")

def build():
    with Flow("inputs") as flow:
        fails(5)
    return flow

def observe(flow, state):
    s = final(flow, state, "fails")
    inputs = s.cached_inputs or {}
    return sorted((k, getattr(v, "value", v)) for k, v in inputs.items())
''',
    "mapped_child_results_checkpointed": '''
@task(result=LocalResult(dir=WORKDIR, location="child-{map_index}.out"))
def child(x):
    return x * 2

def build():
    with Flow("ckpt") as flow:
        child.map(numbers(3))
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    s = final(flow, state, "child")
    return [sorted(os.listdir(WORKDIR)), [os.path.basename(c._result.location or "") for c in s.map_states]]
''',
    "result_location_from_inputs_named_value_and_location": '''
@task(result=LocalResult(dir=WORKDIR, location="{value}-{location}.out"))
def keep(value, location):
    return value * 2

def build():
    with Flow("ckpt") as flow:
        keep(3, "here")
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    s = final(flow, state, "keep")
    return [sorted(os.listdir(WORKDIR)), os.path.basename(s._result.location or "")]
''',
    "flow_result_formats_inputs_and_skips_none_parameters_and_constants": '''
@task
def echo(x, param):
    return x

def build():
    with Flow("ckpt", result=LocalResult(dir=WORKDIR, location="{map_index}-{x}-{param}.txt")) as flow:
        p = Parameter("param", default="book")
        echo.map(x=[1, 42, None, "word"], param=unmapped(p))
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    return sorted(os.listdir(WORKDIR))
''',
    "target_and_result_locate_the_result": '''
import warnings

@task(target="t-{task_name}.out", result=LocalResult(dir=WORKDIR))
def targeted():
    return 1

@task
def plain():
    return 2

def build():
    with Flow("ckpt") as flow:
        targeted()
        plain(task_args={"target": "p.out", "result": LocalResult(dir=WORKDIR)})
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        relocated = targeted.copy(result=LocalResult(dir=WORKDIR, location="other.out"))
    return [targeted.result.location, [t.result.location for t in flow.tasks if t.name == "plain"],
            relocated.result.location, [str(w.message) for w in caught], sorted(os.listdir(WORKDIR))]
''',
    "success_state_result_location_without_checkpoint": '''
@task(result=LocalResult(dir=WORKDIR, location="x.out"))
def child():
    return 1

def build():
    with Flow("ckpt") as flow:
        child()
    return flow

def observe(flow, state):
    s = final(flow, state, "child")
    return [s._result.location, type(s._result).__name__]
''',
    "state_context_after_run": '''
@task
def one():
    return 1

def build():
    with Flow("ctx") as flow:
        one()
    return flow

def observe(flow, state):
    s = final(flow, state, "one")
    return type(s.context).__name__
''',
    "an_unset_context_key_fails_the_task_with_prefects_words": '''
@task
def read_unset():
    return prefect.context.never_set

def build():
    with Flow("ctx") as flow:
        read_unset()
    return flow

def observe(flow, state):
    seen = [final(flow, state, "read_unset").message]
    for ctx in (prefect.context, prefect.context.copy()):
        try:
            ctx.never_set
        except AttributeError as exc:
            seen.append(str(exc))
    return seen
''',
    "task_slug_in_context": '''
@task
def one():
    return prefect.context.get("task_slug") is not None

def build():
    with Flow("ctx") as flow:
        one()
    return flow
''',
    "flow_state_result_keys_are_tasks": '''
@task
def one():
    return 1

def build():
    with Flow("ctx") as flow:
        one()
        Parameter("p", default=2)
    return flow

def observe(flow, state):
    return sorted(t.name for t in state.result)
''',
    "parameter_value_is_result": '''
def build():
    with Flow("params") as flow:
        Parameter("p", default={"nested": [1]})
    return flow
''',
}
