"""flow.run parameters, context, return_tasks, task_states and executors."""

PRELUDE = '''
from prefect.engine.state import Success, Failed, Skipped

@task
def show(x=None):
    return x

@task
def add(x, y):
    return x + y
'''

SCENARIOS = {
    "parameter_default_used": '''
def build():
    with Flow("params") as flow:
        show(Parameter("x", default=3))
    return flow
''',
    "parameter_value_given": '''
def build():
    with Flow("params") as flow:
        show(Parameter("x", default=3))
    return flow, {"parameters": {"x": 10}}
''',
    "parameter_required_missing": '''
def build():
    with Flow("params") as flow:
        show(Parameter("x"))
    return flow
''',
    "parameter_required_given": '''
def build():
    with Flow("params") as flow:
        show(Parameter("x"))
    return flow, {"parameters": {"x": "given"}}
''',
    "parameter_unknown_name": '''
def build():
    with Flow("params") as flow:
        show(Parameter("x", default=1))
    return flow, {"parameters": {"y": 2}}
''',
    "parameter_kwargs_style": '''
def build():
    with Flow("params") as flow:
        show(Parameter("x", default=1))
    return flow, {"x": 5}
''',
    "parameter_none_default_not_required": '''
def build():
    with Flow("params") as flow:
        show(Parameter("x", default=None, required=False))
    return flow
''',
    "parameters_in_context": '''
@task
def from_context():
    return dict(prefect.context.get("parameters", {}))

def build():
    with Flow("params") as flow:
        Parameter("a", default=1)
        Parameter("b", default="two")
        from_context()
    return flow, {"parameters": {"a": 5}}
''',
    "two_parameters_added": '''
def build():
    with Flow("params") as flow:
        add(Parameter("a", default=1), Parameter("b", default=2))
    return flow, {"parameters": {"b": 40}}
''',
    "flow_parameters_listing": '''
def observe(flow, state):
    return sorted([p.name, p.default, p.required] for p in flow.parameters())

def build():
    with Flow("params") as flow:
        add(Parameter("a", default=1), Parameter("b"))
    return flow, {"parameters": {"b": 1}}
''',
    "datetime_parameter_parses": '''
from prefect.core.parameter import DateTimeParameter

@task
def year(d):
    return [d.year, d.month, d.day]

def build():
    with Flow("params") as flow:
        year(DateTimeParameter("when"))
    return flow, {"parameters": {"when": "2024-02-03T04:05:06"}}
''',
    "datetime_parameter_offsets_and_dates": '''
from prefect.core.parameter import DateTimeParameter

@task
def parts(d):
    return [d.year, d.hour, d.utcoffset().total_seconds(), d.isoformat()]

def build():
    with Flow("params") as flow:
        for name in ("offset", "date_only", "zulu"):
            parts(DateTimeParameter(name), task_args={"name": "parts_" + name})
    values = {"offset": "2024-02-03T04:05:06+02:00", "date_only": "2024-02-03", "zulu": "2024-02-03T04:05:06Z"}
    return flow, {"parameters": values}
''',
    "context_values_in_task": '''
@task
def ctx():
    c = prefect.context
    return [c.get("flow_name"), c.get("task_name"), c.get("map_index"), c.get("task_run_count"),
            c.get("task_full_name"), c.get("custom")]

def build():
    with Flow("ctx-flow") as flow:
        ctx()
    return flow, {"context": {"custom": "mine"}}
''',
    "context_dates_are_strings": '''
@task
def dates():
    c = prefect.context
    return [type(c.get(k)).__name__ for k in ("today", "yesterday", "tomorrow")]

def build():
    with Flow("ctx") as flow:
        dates()
    return flow
''',
    "context_date_string_sets_the_dates": '''
@task
def dates():
    c = prefect.context
    return [str(c.get("date"))[:19], c.get("today"), c.get("yesterday"), c.get("tomorrow"),
            c.get("today_nodash"), c.get("yesterday_nodash"), c.get("tomorrow_nodash")]

def build():
    with Flow("backfill") as flow:
        dates()
    return flow, {"context": {"date": "2024-02-29T10:00:00"}}

def observe(flow, state):
    seen = [state.result]
    with prefect.context(date="2023-12-31T23:30:00", today="kept"):
        seen.append(flow.run().result)
        seen.append(flow.run(context={"date": "2024-01-15"}).result)
    with prefect.context(date="not a date"):
        unread = flow.run().result
    seen = [list(s.values())[0].result for s in seen]
    unread = list(unread.values())[0].result
    return seen + [unread[0], len(unread[1])]
''',
    "context_manager_values_reach_tasks": '''
@task
def ctx():
    return prefect.context.get("outer")

def build():
    with Flow("ctx") as flow:
        ctx()
    return flow

def observe(flow, state):
    with prefect.context(outer="from with"):
        second = flow.run()
    return [s.result for s in second.result.values()]
''',
    "context_outside_run_is_clean": '''
def build():
    with Flow("ctx") as flow:
        show(1)
    return flow

def observe(flow, state):
    return [prefect.context.get("task_name"), prefect.context.get("flow_name")]
''',
    "return_tasks_limits_result": '''
def build():
    with Flow("return") as flow:
        a = show(1, task_args={"name": "a"})
        b = show(a, task_args={"name": "b"})
    return flow, {"return_tasks": [a]}

def observe(flow, state):
    return sorted(t.name for t in state.result)
''',
    "task_states_success_injected": '''
def build():
    with Flow("inject") as flow:
        a = show(1, task_args={"name": "a"})
        show(a, task_args={"name": "b"})
    return flow, {"task_states": {a: Success("injected", result=42)}}
''',
    "task_states_failed_injected": '''
def build():
    with Flow("inject") as flow:
        a = show(1, task_args={"name": "a"})
        show(a, task_args={"name": "b"})
    return flow, {"task_states": {a: Failed("injected failure")}}
''',
    "task_states_resume_a_map_whose_upstream_kept_no_result": '''
from prefect.engine.state import Mapped, Pending

@task
def numbers():
    return [1, 2, 3]

def build():
    with Flow("resume-map") as flow:
        n = numbers()
        x = show.map(n, task_args={"name": "x"})
        show.map(x, task_args={"name": "y"})
    return flow, {"task_states": {n: Success("kept no result"), x: Mapped(map_states=[Pending()] * 3)}}
''',
    "task_states_skipped_injected": '''
def build():
    with Flow("inject") as flow:
        a = show(1, task_args={"name": "a"})
        show(a, task_args={"name": "b"})
    return flow, {"task_states": {a: Skipped("injected skip")}}
''',
    "local_dask_executor_threads": '''
from prefect.executors import LocalDaskExecutor

def build():
    with Flow("executor") as flow:
        add.map([1, 2, 3], [10, 20, 30])
    return flow, {"executor": LocalDaskExecutor(scheduler="threads", num_workers=2)}
''',
    "local_executor_explicit": '''
from prefect.executors import LocalExecutor

def build():
    with Flow("executor") as flow:
        add(add(1, 2), 3)
    return flow, {"executor": LocalExecutor()}
''',
    "flow_with_executor_attribute": '''
from prefect.executors import LocalDaskExecutor

def build():
    with Flow("executor", executor=LocalDaskExecutor(scheduler="synchronous")) as flow:
        add(add(1, 2), 3)
    return flow
''',
    "flow_run_twice_same_result": '''
def build():
    with Flow("twice") as flow:
        add(1, 2)
    return flow

def observe(flow, state):
    second = flow.run()
    return [type(second).__name__, [s.result for s in second.result.values()]]
''',
    "empty_flow_runs": '''
def build():
    return Flow("empty")
''',
    "flow_run_id_in_context": '''
@task
def ids():
    return [prefect.context.get("flow_run_id") is not None, prefect.context.get("task_run_id") is not None]

def build():
    with Flow("ids") as flow:
        ids()
    return flow
''',
    "logger_in_context": '''
@task
def logs():
    logger = prefect.context.get("logger")
    logger.info("hello from the task")
    return logger is not None

def build():
    with Flow("logs") as flow:
        logs()
    return flow
''',
}
