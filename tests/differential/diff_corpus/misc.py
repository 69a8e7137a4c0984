"""Less common corners: task_run_name, log_stdout, raise_on_exception, config defaults,
mapped skips, loops with results, apply_map over failures, Parameters as references."""

PRELUDE = '''
from prefect.utilities.configuration import set_temporary_config
from prefect.utilities.debug import raise_on_exception

@task
def numbers(n=3):
    return list(range(1, n + 1))

@task
def show(x=None):
    return x

@task
def boom():
    raise ValueError("boom")
'''

SCENARIOS = {
    "task_run_name_template": '''
@task(task_run_name="run-{x}")
def named(x):
    return prefect.context.get("task_run_name")

def build():
    with Flow("names") as flow:
        named.map(numbers(2))
    return flow
''',
    "log_stdout_task_runs": '''
@task(log_stdout=True)
def chatty():
    print("hello from print")
    return "printed"

def build():
    with Flow("stdout") as flow:
        chatty()
    return flow
''',
    "raise_on_exception_propagates": '''
def build():
    with Flow("raise") as flow:
        boom()
    return flow

def observe(flow, state):
    try:
        with raise_on_exception():
            flow.run()
    except ValueError as exc:
        return ["raised", str(exc)]
    return ["not raised"]
''',
    "raise_on_exception_signals_become_states": '''
@task
def fails():
    raise signals.FAIL("told to fail")

@task
def skips():
    raise signals.SKIP("told to skip")

def build():
    with Flow("raise-signals") as flow:
        fails()
        skips()
    return flow

def observe(flow, state):
    seen = []
    for task in sorted(flow.tasks, key=lambda t: t.name):
        try:
            with raise_on_exception():
                seen.append(repr(flow.run(task_states={}).result[task]))
        except Exception as exc:
            seen.append("raised " + type(exc).__name__)
    return seen
''',
    "config_default_max_retries": '''
def build():
    with set_temporary_config({"tasks.defaults.max_retries": 2, "tasks.defaults.retry_delay": timedelta(0)}):
        @task
        def flaky():
            if prefect.context.get("task_run_count") < 2:
                raise ValueError("again")
            return prefect.context.get("task_run_count")
    with Flow("defaults") as flow:
        flaky()
    return flow
''',
    "mapped_children_skip_propagates_per_child": '''
@task
def maybe(x):
    if x == 2:
        raise signals.SKIP("two")
    return x

@task
def after(x):
    return x * 10

def build():
    with Flow("map-skip") as flow:
        after.map(after.map(maybe.map(numbers())))
    return flow
''',
    "mapped_children_no_skip_propagation": '''
@task
def maybe(x):
    if x == 2:
        raise signals.SKIP("two")
    return x

@task(skip_on_upstream_skip=False)
def after(x):
    return [x]

def build():
    with Flow("map-skip") as flow:
        after.map(maybe.map(numbers()))
    return flow
''',
    "loop_result_in_context": '''
@task
def fib():
    a, b = prefect.context.get("task_loop_result", (0, 1))
    if b > 20:
        return b
    raise signals.LOOP(result=(b, a + b))

def build():
    with Flow("loop") as flow:
        show(fib())
    return flow
''',
    "loop_with_retry_after_loops": '''
@task(max_retries=1, retry_delay=timedelta(0))
def looper():
    loop = prefect.context.get("task_loop_count", 1)
    run = prefect.context.get("task_run_count")
    LOG.append([loop, run])
    if loop < 2:
        raise signals.LOOP(result=loop)
    if run < 2:
        raise ValueError("fail after looping")
    return [loop, run]

def build():
    with Flow("loop") as flow:
        looper()
    return flow
''',
    "apply_map_over_failed_upstream": '''
def pipeline(x):
    return show(show(x))

def build():
    with Flow("apply-map") as flow:
        apply_map(pipeline, boom())
    return flow
''',
    "parameter_as_reference_task": '''
def build():
    with Flow("params") as flow:
        p = Parameter("p", default=1)
        boom()
    flow.set_reference_tasks([p])
    return flow
''',
    "validation_fail_signal_state": '''
@task
def checked():
    raise signals.VALIDATIONFAIL("output invalid", result={"bad": True})

def build():
    with Flow("validation") as flow:
        show(checked(), task_args={"trigger": triggers.all_finished})
    return flow
''',
    "reduce_over_all_skipped_children": '''
@task
def skip_all(x):
    raise signals.SKIP(f"skip {x}")

def build():
    with Flow("reduce") as flow:
        show(skip_all.map(numbers()))
    return flow
''',
    "reduce_over_all_skipped_children_all_finished": '''
@task
def skip_all(x):
    raise signals.SKIP(f"skip {x}")

def build():
    with Flow("reduce") as flow:
        show(skip_all.map(numbers()), task_args={"trigger": triggers.all_finished, "skip_on_upstream_skip": False})
    return flow
''',
    "map_over_mapped_result_lists": '''
@task
def repeat(x):
    return [x] * x

@task
def length(xs):
    return len(xs)

def build():
    with Flow("map-lists") as flow:
        length.map(repeat.map(numbers()))
    return flow
''',
    "flatten_with_failed_child": '''
@task
def repeat(x):
    if x == 2:
        raise ValueError("two")
    return [x] * x

def build():
    with Flow("flatten") as flow:
        show.map(flatten(repeat.map(numbers())))
    return flow
''',
    "unmapped_list_argument": '''
@task
def pair(x, ys):
    return [x, len(ys)]

def build():
    with Flow("unmapped") as flow:
        pair.map(numbers(2), unmapped([1, 2, 3]))
    return flow
''',
    "map_over_parameter_default_empty": '''
def build():
    with Flow("map") as flow:
        show.map(Parameter("xs", default=[]))
    return flow
''',
    "task_copy_keeps_settings": '''
@task(max_retries=1, retry_delay=timedelta(0), name="orig")
def flaky():
    if prefect.context.get("task_run_count") < 2:
        raise ValueError("first")
    return "second"

def build():
    with Flow("copy") as flow:
        flaky.copy(name="copied")()
    return flow
''',
    "context_task_tags_and_slug": '''
@task(tags=["a", "b"])
def tagged():
    return sorted(prefect.context.get("task_tags") or [])

def build():
    with Flow("tags") as flow:
        tagged()
    return flow
''',
    "skip_signal_result_passed_when_not_skipping": '''
@task
def skipper():
    raise signals.SKIP("with result", result=5)

@task(skip_on_upstream_skip=False)
def reader(x):
    return x

def build():
    with Flow("skip-result") as flow:
        reader(skipper())
    return flow
''',
    "success_signal_result_downstream": '''
@task
def early():
    raise signals.SUCCESS("early", result=11)

def build():
    with Flow("success-result") as flow:
        show(early())
    return flow
''',
    "fail_signal_result_all_failed_downstream": '''
@task
def failer():
    raise signals.FAIL("failed with data", result=12)

def build():
    with Flow("fail-result") as flow:
        show(failer(), task_args={"trigger": triggers.all_failed})
    return flow
''',
}
