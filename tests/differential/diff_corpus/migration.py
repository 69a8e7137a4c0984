"""What migrating users' scripts found (2026-12-01, three differential sweeps of hand-written
flows): each scenario is one difference found and fixed, kept so it stays fixed."""

PRELUDE = '''
from collections import OrderedDict
from typing import NamedTuple

class Cfg(NamedTuple):
    host: str
    port: int

@task
def get(x):
    return x
'''

SCENARIOS = {
    "task_run_name_naming_a_missing_key_fails_the_run": '''
@task(task_run_name="run-{missing_key}")
def named(x):
    return x * 10

def build():
    with Flow("names") as flow:
        named(1)
        named.map([5])
    return flow
''',
    "task_run_name_leaves_task_full_name_alone": '''
@task(task_run_name="item-{x}")
def named(x):
    return prefect.context.get("task_run_name"), prefect.context.get("task_full_name")

def build():
    with Flow("names") as flow:
        named(1)
        named.map([5, 6])
    return flow
''',
    "a_constant_namedtuple_or_ordered_dict_keeps_its_type": '''
@task
def connect(cfg):
    return f"{cfg.host}:{cfg.port}"

@task
def kinds(rows):
    return [type(r).__name__ for r in rows]

def build():
    with Flow("types") as flow:
        connect(Cfg("db", 5432))
        kinds([Cfg("a", 1), OrderedDict(x=1)])
        connect.map([Cfg("m", 1), Cfg("n", 2)])
    return flow
''',
    "or_and_give_the_deciding_operand": '''
def build():
    with Flow("operands") as flow:
        get(None).or_("default-name")
        get("").or_("backup")
        get([1]) & get("last")
        get(0) & get("never")
    return flow
''',
    "a_copy_of_the_context_reads_as_attributes": '''
@task
def snap():
    copied = prefect.context.copy()
    return copied.task_name, copied["flow_name"]

def build():
    with Flow("copy") as flow:
        snap()
    return flow
''',
    "states_made_in_a_run_carry_the_tasks_tags": '''
@task(tags=["etl"])
def tagged():
    return 1

@task
def plain():
    return 2

@task(tags=["m"])
def each(x):
    return x

def build():
    with Flow("tags") as flow:
        tagged()
        plain()
        each.map([1, 2])
    return flow

def observe(flow, state):
    seen = {}
    for task, task_state in state.result.items():
        if task.name not in ("tagged", "plain", "each"):  # (not the seed's List task: API.md point 1)
            continue
        seen[task.name] = task_state.context.get("tags")
        if task_state.is_mapped():
            seen[task.name + "[]"] = [child.context.get("tags") for child in task_state.map_states]
    return sorted(seen.items())
''',
    "add_edge_binds_a_plain_value_as_a_constant": '''
@task
def add(x, y):
    return x + y

def build():
    flow = Flow("values")
    flow.add_edge(1, add, key="x")
    flow.add_edge(2, add, key="y")
    return flow

def observe(flow, state):
    return sorted((t.name, sorted(v.items())) for t, v in flow.constants.items() if v)
''',
    "a_task_returning_a_result_object_passes_it_whole": '''
from prefect.engine.results import PrefectResult

@task
def wrapped():
    return PrefectResult(value=7)

@task
def unwrap(r):
    return type(r).__name__, r.value

def build():
    with Flow("results") as flow:
        unwrap(wrapped())
    return flow
''',
    "a_datetime_parameter_with_a_default_is_still_required": '''
from prefect.core.parameter import DateTimeParameter

def build():
    with Flow("dates") as flow:
        get(DateTimeParameter("d", default="2021-06-01"))
    return flow
''',
    "a_datetime_parameter_reads_reduced_iso_forms_and_dates": '''
import datetime
from prefect.core.parameter import DateTimeParameter

def build():
    with Flow("dates") as flow:
        get(1)
    return flow

def observe(flow, state):
    # (the parameter's own value class is pendulum's on Prefect: README, DateTimeParameter)
    seen = []
    for given in ["2024-065", "2024-03", "2024", datetime.date(2024, 1, 2)]:
        with prefect.context(parameters={"d": given}):
            value = DateTimeParameter("d").run()
        seen.append((isinstance(value, datetime.datetime), value.isoformat()))
    return seen
''',
    "the_context_flow_name_is_the_flows_own": '''
@task
def name():
    return prefect.context.flow_name

def build():
    with Flow("real") as flow:
        name()
    return flow, {"context": {"flow_name": "other"}}
''',
    "flow_run_inside_its_with_block_is_refused": '''
def build():
    with Flow("inside") as flow:
        get(1)
        flow.run()
    return flow
''',
    "a_missing_parameter_is_named_in_prefects_words": '''
def build():
    with Flow("params") as flow:
        get(Parameter("needed"))
    return flow
''',
    "same_named_cached_tasks_of_one_run_each_compute": '''
@task(cache_for=timedelta(hours=1))
def inc(x):
    LOG.append(x)
    return x + 1

def build():
    with Flow("cache") as flow:
        inc(1)
        inc(10)
    return flow
''',
    "mapped_children_find_cache_entries_by_task_not_by_index": '''
from prefect.engine import cache_validators

@task(cache_for=timedelta(hours=1), cache_validator=cache_validators.all_inputs)
def square(x):
    LOG.append(x)
    return x * x

def build():
    with Flow("first") as first:
        square.map([1, 2, 3])
    first.run()
    LOG.clear()
    with Flow("second") as second:
        square.map([3, 2, 1, 4])
    return second
''',
    "a_module_level_context_logger_logs_from_tasks": '''
logger = prefect.context.get("logger")

@task
def work(x):
    logger.info("working on %s", x)
    return x * 2

def build():
    with Flow("module-logger") as flow:
        work(1)
        work.map([2, 3])
    return flow
''',
}
