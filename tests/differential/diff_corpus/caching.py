"""Caching (cache_for and the validators), results, targets and checkpointing config.

Scenarios that need a second run do it in ``observe`` and report that run's states.
"""

PRELUDE = '''
import os
from prefect.engine import cache_validators
from prefect.engine.results import LocalResult, PrefectResult
from prefect.engine.serializers import JSONSerializer
from prefect.utilities.configuration import set_temporary_config

CALLS = []

def summary(state):
    """Each task's final state class and result, by name."""
    return sorted([t.name, type(s).__name__, s.result] for t, s in state.result.items()
                  if not t.name.startswith(("Constant", "List", "Dict", "Tuple", "Set")))

@task
def after(x=None):
    return ["after", x]
'''

CACHE_FLOW = '''
@task(name="costly-{validator_name}-{second_p}", cache_for=timedelta(hours=1), cache_validator={validator})
def costly(x=1):
    CALLS.append(x)
    return x * 10

def build():
    with Flow("cache") as flow:
        p = Parameter("p", default=1)
        after(costly(p))
    return flow, {{"parameters": {{"p": 1}}}}

def observe(flow, state):
    second = flow.run(parameters={{"p": {second_p}}})
    return [summary(second), CALLS]
'''

SCENARIOS = {}
VALIDATORS = {
    "duration_only": "cache_validators.duration_only",
    "all_inputs": "cache_validators.all_inputs",
    "all_parameters": "cache_validators.all_parameters",
    "never_use": "cache_validators.never_use",
    "partial_parameters_only": 'cache_validators.partial_parameters_only(["p"])',
    "partial_inputs_only": 'cache_validators.partial_inputs_only(["x"])',
}
for _name, _expr in VALIDATORS.items():
    for _second in (1, 2):
        SCENARIOS[f"cache_{_name}_second_run_p{_second}"] = CACHE_FLOW.format(
            validator=_expr, second_p=_second, validator_name=_name)

SCENARIOS.update({
    "cache_for_first_run_state": '''
@task(name="costly-first-run", cache_for=timedelta(hours=1))
def costly():
    return 5

def build():
    with Flow("cache") as flow:
        after(costly())
    return flow
''',
    "cache_key_shared_between_tasks": '''
@task(cache_for=timedelta(hours=1), cache_key="shared-key-of-this-scenario")
def first():
    CALLS.append("first")
    return 1

@task(cache_for=timedelta(hours=1), cache_key="shared-key-of-this-scenario")
def second():
    CALLS.append("second")
    return 2

def build():
    with Flow("cache") as flow:
        first()
    return flow

def observe(flow, state):
    with Flow("cache") as other:
        second()
    return [summary(other.run()), CALLS]
''',
    "cache_expired_reruns": '''
@task(name="costly-expired", cache_for=timedelta(seconds=0))
def costly():
    CALLS.append(1)
    return 5

def build():
    with Flow("cache") as flow:
        costly()
    return flow

def observe(flow, state):
    return [summary(flow.run()), CALLS]
''',
    "checkpoint_off_writes_nothing": '''
@task(result=LocalResult(dir=WORKDIR, location="out.txt"))
def produce():
    return 3

def build():
    with Flow("results") as flow:
        produce()
    return flow

def observe(flow, state):
    return sorted(os.listdir(WORKDIR))
''',
    "checkpoint_on_via_context_writes": '''
@task(result=LocalResult(dir=WORKDIR, location="out.txt"))
def produce():
    return 3

def build():
    with Flow("results") as flow:
        produce()
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    return sorted(os.listdir(WORKDIR))
''',
    "checkpoint_on_via_config_writes": '''
@task(result=LocalResult(dir=WORKDIR, location="out.txt"))
def produce():
    return 3

def build():
    with Flow("results") as flow:
        produce()
    return flow

def observe(flow, state):
    with set_temporary_config({"flows.checkpointing": True}):
        flow.run()
    return sorted(os.listdir(WORKDIR))
''',
    "checkpoint_false_on_task_skips_write": '''
@task(result=LocalResult(dir=WORKDIR, location="out.txt"), checkpoint=False)
def produce():
    return 3

def build():
    with Flow("results") as flow:
        produce()
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    return sorted(os.listdir(WORKDIR))
''',
    "flow_result_used_when_task_has_none": '''
@task
def produce():
    return 4

def build():
    with Flow("results", result=LocalResult(dir=WORKDIR, location="{task_name}.res")) as flow:
        produce()
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    return sorted(os.listdir(WORKDIR))
''',
    "result_location_templated": '''
@task(result=LocalResult(dir=WORKDIR, location="{task_name}-{map_index}.txt"))
def produce(x):
    return x

def build():
    with Flow("results") as flow:
        produce.map([1, 2])
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    return sorted(os.listdir(WORKDIR))
''',
    "result_object_value_and_location": '''
@task(result=LocalResult(dir=WORKDIR, location="v.txt"))
def produce():
    return {"v": 1}

def build():
    with Flow("results") as flow:
        produce()
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    s = state.result[flow.get_tasks(name="produce")[0]]
    return [s._result.value, os.path.basename(s._result.location or "")]
''',
    "result_write_fails": '''
class BrokenResult(LocalResult):
    def write(self, value, **kwargs):
        raise IOError("disk full")

@task(result=BrokenResult(dir=WORKDIR))
def produce():
    return 1

def build():
    with Flow("results") as flow:
        after(produce())
    return flow, {"context": {"checkpointing": True}}
''',
    "json_serializer_round_trip": '''
@task(result=LocalResult(dir=WORKDIR, location="j.json", serializer=JSONSerializer()))
def produce():
    return {"a": [1, 2]}

def build():
    with Flow("results") as flow:
        produce()
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    with open(os.path.join(WORKDIR, "j.json")) as handle:
        return handle.read()
''',
    "prefect_result_location_is_value": '''
@task(result=PrefectResult())
def produce():
    return 41

def build():
    with Flow("results") as flow:
        produce()
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    s = state.result[flow.get_tasks(name="produce")[0]]
    return [s._result.value, s._result.location]
''',
    "target_written_and_reused": '''
@task(target="tgt.txt", checkpoint=True, result=LocalResult(dir=WORKDIR))
def produce():
    CALLS.append(1)
    return "computed"

def build():
    with Flow("targets") as flow:
        after(produce())
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    second = flow.run(context={"checkpointing": True})
    return [summary(second), CALLS, sorted(os.listdir(WORKDIR))]
''',
    "target_without_checkpointing_not_written": '''
@task(target="tgt.txt", result=LocalResult(dir=WORKDIR))
def produce():
    CALLS.append(1)
    return "computed"

def build():
    with Flow("targets") as flow:
        produce()
    return flow

def observe(flow, state):
    second = flow.run()
    return [summary(second), CALLS, sorted(os.listdir(WORKDIR))]
''',
    "target_exists_before_run": '''
@task(target="pre.txt", checkpoint=True, result=LocalResult(dir=WORKDIR))
def produce():
    CALLS.append(1)
    return "computed"

def build():
    import pickle
    with open(os.path.join(WORKDIR, "pre.txt"), "wb") as handle:
        handle.write(pickle.dumps("precomputed"))
    with Flow("targets") as flow:
        after(produce())
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    return CALLS
''',
    "target_templated_with_task_name": '''
@task(target="{task_name}-{flow_name}.txt", checkpoint=True, result=LocalResult(dir=WORKDIR))
def produce():
    return 1

def build():
    with Flow("targets") as flow:
        produce()
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    return sorted(os.listdir(WORKDIR))
''',
    "target_callable": '''
def where(**kwargs):
    return f"called-{kwargs['task_name']}.txt"

@task(target=where, checkpoint=True, result=LocalResult(dir=WORKDIR))
def produce():
    return 1

def build():
    with Flow("targets") as flow:
        produce()
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    return sorted(os.listdir(WORKDIR))
''',
})
