"""The same small flows on LocalDaskExecutor (threads, synchronous): states must not depend on the executor.

Process executors are left out: the harness's recording handlers live in the
driving process (and hold the context object, which Prefect refuses to pickle).
"""

PRELUDE = '''
from prefect.executors import LocalDaskExecutor

@task
def numbers(n=4):
    return list(range(1, n + 1))

@task
def picky(x):
    if x == 3:
        raise ValueError("three")
    if x == 4:
        raise signals.SKIP("four")
    return x * 10

@task(max_retries=1, retry_delay=timedelta(0))
def flaky(x):
    if x % 2 and prefect.context.get("task_run_count") == 1:
        raise ValueError(f"{x} first attempt")
    return x

@task(trigger=triggers.all_finished)
def gather(xs):
    return [x if isinstance(x, int) else type(x).__name__ for x in xs]
'''

SCHEDULERS = ("threads", "synchronous")
SCENARIOS = {}
for _scheduler in SCHEDULERS:
    SCENARIOS[f"map_with_failures_and_skips_{_scheduler}"] = f'''
def build():
    with Flow("executors") as flow:
        gather(picky.map(numbers()))
    return flow, {{"executor": LocalDaskExecutor(scheduler="{_scheduler}", num_workers=2)}}
'''
for _scheduler in SCHEDULERS:
    SCENARIOS[f"mapped_retries_{_scheduler}"] = f'''
def build():
    with Flow("executors") as flow:
        gather(flaky.map(numbers()))
    return flow, {{"executor": LocalDaskExecutor(scheduler="{_scheduler}", num_workers=2)}}
'''
    SCENARIOS[f"case_merge_{_scheduler}"] = f'''
from prefect.tasks.control_flow import merge

@task
def show(x):
    return x

def build():
    with Flow("executors") as flow:
        with case(show(True), True):
            a = show("yes")
        with case(show(True), False):
            b = show("no")
        show(merge(a, b))
    return flow, {{"executor": LocalDaskExecutor(scheduler="{_scheduler}", num_workers=2)}}
'''

#: A user's executor written against the base class, delegating to a built-in one (Prefect 1's idiom
#: for counting or tagging submissions): submit may return a value (LocalExecutor) or a future.
_WRAPPING = '''
from contextlib import contextmanager
from prefect.executors import Executor, LocalExecutor

class Wrapping(Executor):
    def __init__(self, inner):
        self.inner = inner
        self.submitted = 0
        super().__init__()

    @contextmanager
    def start(self):
        with self.inner.start():
            yield

    def submit(self, fn, *args, **kwargs):
        self.submitted += 1
        return self.inner.submit(fn, *args, **kwargs)

    def wait(self, futures):
        return self.inner.wait(futures)
'''
for _name, _inner in {"local": "LocalExecutor()", "threads": 'LocalDaskExecutor(scheduler="threads", num_workers=2)'}.items():
    SCENARIOS[f"wrapping_executor_over_{_name}"] = _WRAPPING + f'''
def build():
    with Flow("executors") as flow:
        gather(picky.map(numbers()))
        gather(flaky.map(numbers()))
    return flow, {{"executor": Wrapping({_inner})}}
'''

# The executor contract itself, as scripts use it outside a flow run: wait() takes any value and
# resolves futures inside lists, tuples and dicts; submit() takes futures among its arguments.
for _scheduler in ("threads", "synchronous"):
    SCENARIOS[f"submit_and_wait_by_hand_{_scheduler}"] = f'''
def build():
    with Flow("executors") as flow:
        numbers()
    return flow

def observe(flow, state):
    def inc(x):
        return x + 1

    executor = LocalDaskExecutor(scheduler="{_scheduler}", num_workers=2)
    with executor.start():
        chained = executor.wait(executor.submit(inc, executor.submit(inc, 0)))
        gathered = executor.wait({{"a": [executor.submit(inc, 1), 5], "b": (executor.submit(inc, 2),)}})
        summed = executor.wait(executor.submit(sum, [executor.submit(inc, n) for n in range(4)]))
        return [executor.wait(1), executor.wait("text"), chained, gathered, summed]
'''
