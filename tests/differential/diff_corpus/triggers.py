"""Triggers and skips: every trigger over mixes of successful, failed and skipped upstreams."""

PRELUDE = '''
@task
def ok():
    return 1

@task
def boom():
    raise ValueError("boom")

@task
def skipper():
    raise signals.SKIP("skipping on purpose")

@task
def down(a=None, b=None):
    return [a, b]

MAKERS = {"ok": ok, "boom": boom, "skip": skipper}

def pair(first, second, **task_args):
    """Two upstreams of the given kinds feeding ``down`` with ``task_args``."""
    with Flow("triggers") as flow:
        a = MAKERS[first](task_args={"name": "up_a"})
        b = MAKERS[second](task_args={"name": "up_b"})
        down(a, b, task_args=dict(name="down", **task_args))
    return flow
'''

TRIGGERS = {
    "all_successful": "triggers.all_successful",
    "all_failed": "triggers.all_failed",
    "all_finished": "triggers.all_finished",
    "always_run": "triggers.always_run",
    "any_successful": "triggers.any_successful",
    "any_failed": "triggers.any_failed",
    "not_all_skipped": "triggers.not_all_skipped",
    "some_successful_1": "triggers.some_successful(at_least=1)",
    "some_failed_max1": "triggers.some_failed(at_most=1)",
    "some_successful_half": "triggers.some_successful(at_least=0.5)",
}
COMBOS = [("ok", "ok"), ("ok", "boom"), ("boom", "boom"), ("skip", "ok"), ("skip", "skip"), ("boom", "skip")]

SCENARIOS = {}
for _trigger, _expr in TRIGGERS.items():
    for _first, _second in COMBOS:
        SCENARIOS[f"{_trigger}__{_first}_{_second}"] = f'''
def build():
    return pair("{_first}", "{_second}", trigger={_expr})
'''
for _first, _second in [("skip", "ok"), ("skip", "skip"), ("boom", "skip")]:
    SCENARIOS[f"no_skip_on_upstream_skip__{_first}_{_second}"] = f'''
def build():
    return pair("{_first}", "{_second}", skip_on_upstream_skip=False)
'''
    SCENARIOS[f"all_finished_no_skip_propagation__{_first}_{_second}"] = f'''
def build():
    return pair("{_first}", "{_second}", trigger=triggers.all_finished, skip_on_upstream_skip=False)
'''

# A constant argument is a successful upstream to every trigger (Prefect 1's flow runner adds an
# edge from a Constant for each): all_failed fails, any_successful and not_all_skipped pass on it.
for _trigger, _expr in TRIGGERS.items():
    for _first in ("ok", "boom", "skip"):
        SCENARIOS[f"{_trigger}__{_first}_and_constant"] = f'''
def build():
    with Flow("constant") as flow:
        a = MAKERS["{_first}"](task_args={{"name": "up_a"}})
        down(a, "fixed", task_args=dict(name="down", trigger={_expr}))
    return flow
'''
    SCENARIOS[f"{_trigger}__constants_only"] = f'''
def build():
    with Flow("constant") as flow:
        down(1, "two", task_args=dict(name="down", trigger={_expr}))
    return flow
'''

SCENARIOS.update({
    "manual_only_pauses": '''
def build():
    return pair("ok", "ok", trigger=triggers.manual_only)
''',
    "some_failed_fraction_bounds": '''
def build():
    return pair("ok", "boom", trigger=triggers.some_failed(at_least=0.5, at_most=0.5))
''',
    "custom_trigger_raises_triggerfail": '''
def picky(upstream_states):
    raise signals.TRIGGERFAIL("not today")

def build():
    return pair("ok", "ok", trigger=picky)
''',
    "custom_trigger_returns_false": '''
def never(upstream_states):
    return False

def build():
    return pair("ok", "ok", trigger=never)
''',
    "custom_trigger_raises_value_error": '''
def broken(upstream_states):
    raise ValueError("broken trigger")

def build():
    return pair("ok", "ok", trigger=broken)
''',
    "custom_trigger_raises_skip": '''
def skipping(upstream_states):
    raise signals.SKIP("trigger says skip")

def build():
    return pair("ok", "ok", trigger=skipping)
''',
    "trigger_sees_edge_keys": '''
def keyed(upstream_states):
    LOG.append(sorted(str(edge.key) for edge in upstream_states))
    return True

def build():
    return pair("ok", "boom", trigger=keyed)
''',
    "trigger_sees_constants_as_successful_upstreams": '''
def seen(upstream_states):
    LOG.append(sorted((str(edge.key), type(edge.upstream_task).__name__, type(state).__name__,
                       type(state._result).__name__, repr(state.result)) for edge, state in upstream_states.items()))
    return True

def build():
    with Flow("constants") as flow:
        a = ok(task_args={"name": "up_a"})
        down(a, 3, task_args={"name": "down", "trigger": seen})
    return flow
''',
    "skip_chain_three_deep": '''
def build():
    with Flow("chain") as flow:
        a = skipper()
        b = down(a, task_args={"name": "b"})
        down(b, task_args={"name": "c"})
    return flow
''',
    "trigger_failed_chain_three_deep": '''
def build():
    with Flow("chain") as flow:
        a = boom()
        b = down(a, task_args={"name": "b"})
        down(b, task_args={"name": "c"})
    return flow
''',
    "all_failed_downstream_of_trigger_failed": '''
def build():
    with Flow("chain") as flow:
        a = boom()
        b = down(a, task_args={"name": "b"})
        down(b, task_args={"name": "c", "trigger": triggers.all_failed})
    return flow
''',
    "upstream_tasks_only_dependency": '''
def build():
    with Flow("deps") as flow:
        a = boom()
        down(upstream_tasks=[a], task_args={"name": "after", "trigger": triggers.any_failed})
    return flow
''',
    "no_upstreams_with_all_failed": '''
def build():
    with Flow("lonely") as flow:
        down(task_args={"name": "alone", "trigger": triggers.all_failed})
    return flow
''',
    "not_all_skipped_without_upstreams": '''
def build():
    with Flow("lonely") as flow:
        down(task_args={"name": "alone", "trigger": triggers.not_all_skipped})
    return flow
''',
    "all_successful_without_upstreams": '''
def build():
    with Flow("lonely") as flow:
        down(task_args={"name": "alone", "trigger": triggers.all_successful})
    return flow
''',
    "any_successful_without_upstreams": '''
def build():
    with Flow("lonely") as flow:
        down(task_args={"name": "alone", "trigger": triggers.any_successful})
    return flow
''',
    "reference_tasks_ignore_failure": '''
def build():
    with Flow("refs") as flow:
        a = ok()
        boom()
    flow.set_reference_tasks([a])
    return flow
''',
    "terminal_skip_flow_success": '''
def build():
    with Flow("skips") as flow:
        down(skipper(), task_args={"name": "after"})
    return flow
''',

})

# Every trigger after a map over an empty list: the map's children (none) are what the trigger sees.
for _trigger, _expr in TRIGGERS.items():
    SCENARIOS[f"{_trigger}__after_a_map_of_nothing"] = f'''
@task
def nothing():
    return []

def build():
    with Flow("empty-map") as flow:
        mapped = down.map(nothing())
        down(task_args={{"name": "after", "trigger": {_expr}}}, upstream_tasks=[mapped])
    return flow
'''
