"""flow.run's passes: a retry waits until every other task has had its turn, and the next pass
runs resource setups and cleanups (and secret tasks) again, validates caches again, and carries
mapped children on from their states."""

PRELUDE = '''
from prefect import resource_manager

COUNTS = {}

def count(key):
    COUNTS[key] = COUNTS.get(key, 0) + 1
    return COUNTS[key]

@resource_manager
class Conn:
    def __init__(self, label="conn"):
        self.label = label

    def setup(self):
        handle = f"{self.label}-{count('setup')}"
        LOG.append(f"setup {handle}")
        return handle

    def cleanup(self, handle):
        LOG.append(f"cleanup {handle}")

@task
def use(handle):
    return f"used {handle}"

@task(max_retries=1, retry_delay=timedelta(0))
def flaky_once(x=0):
    if count(("flaky", x)) == 1:
        raise ValueError(f"first attempt at {x}")
    return x
'''

SCENARIOS = {
    "a_retry_elsewhere_runs_a_finished_resource_again": '''
def build():
    with Flow("passes") as flow:
        with Conn("db") as handle:
            use(handle)
        flaky_once(1)
    return flow
''',
    "a_retried_task_inside_a_resource_gets_the_next_pass_resource": '''
@task(max_retries=1, retry_delay=timedelta(0))
def query(handle):
    LOG.append(f"query on {handle}")
    if count("query") == 1:
        raise ValueError("connection dropped")
    return handle

def build():
    with Flow("passes") as flow:
        with Conn("db") as handle:
            query(handle)
    return flow
''',
    "a_mapped_child_that_always_fails_uses_up_its_retries": '''
@task(max_retries=2, retry_delay=timedelta(0))
def picky(x):
    LOG.append(f"attempt {x}")
    if x == 2:
        raise ValueError("never")
    return x

@task
def total(xs):
    return sum(xs)

def build():
    with Flow("passes") as flow:
        total(picky.map([1, 2, 3]))
    return flow
''',
    "a_mapped_child_retry_runs_after_every_other_task": '''
@task
def note(x):
    LOG.append(f"note {x}")
    return x

@task(max_retries=1, retry_delay=timedelta(0))
def item(x):
    LOG.append(f"item {x}")
    if x == 2 and count("item") == 2:
        raise ValueError("second child, first attempt")
    return x

def build():
    with Flow("passes") as flow:
        items = item.map([1, 2, 3])
        note(items)
    return flow
''',
    "an_expired_cache_is_computed_again_in_the_next_pass": '''
def record(task, old, new):
    LOG.append([task.name, type(old).__name__, type(new).__name__])

@task(cache_for=timedelta(seconds=0.3), state_handlers=[record])
def cached():
    LOG.append("cached ran")
    return 1

@task(max_retries=1, retry_delay=timedelta(seconds=0.8))
def slow_flaky():
    LOG.append("slow_flaky")
    if LOG.count("slow_flaky") == 1:
        raise ValueError("once")
    return 2

@task
def after(a, b):
    return a + b

def build():
    with Flow("passes") as flow:
        after(cached(), slow_flaky())
    return flow
''',
    "a_secret_task_runs_again_in_the_next_pass": '''
from prefect.tasks.secrets import PrefectSecret

def record(task, old, new):
    LOG.append([task.name, type(old).__name__, type(new).__name__])

def build():
    with Flow("passes") as flow:
        secret = PrefectSecret("API_KEY", state_handlers=[record])
        flaky_once(2)
    return flow, {"context": {"secrets": {"API_KEY": "k-123"}}}
''',
    "an_expired_cached_child_is_computed_again_in_the_next_pass": '''
def record(task, old, new):
    LOG.append([prefect.context.get("map_index"), type(old).__name__, type(new).__name__])

@task(cache_for=timedelta(seconds=0.3), state_handlers=[record])
def cached_item(x):
    return x * 10

@task(max_retries=1, retry_delay=timedelta(seconds=0.8))
def slow_flaky(x):
    if count(("slow", x)) == 1:
        raise ValueError("once")
    return x

def build():
    with Flow("passes") as flow:
        cached_item.map([1, 2])
        slow_flaky(0)
    return flow
''',
    "a_terminal_handler_state_without_result_keeps_the_task_states": '''
def forgive(flow, state, reference_states):
    if state.is_failed():
        return prefect.engine.state.Success("forgiven")

@task
def bad():
    raise ValueError("always")

def build():
    with Flow("passes", terminal_state_handler=forgive) as flow:
        bad()
    return flow
''',
}
