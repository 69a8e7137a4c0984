"""Retries (with ``retry_delay=timedelta(0)``), timeouts, LOOP and PAUSE."""

PRELUDE = '''
import time

@task
def after(x=None):
    return ["after", x]

def flaky_until(succeed_on_run, **task_kwargs):
    """A task that fails until its run count reaches ``succeed_on_run``."""
    @task(name="flaky", **task_kwargs)
    def flaky():
        count = prefect.context.get("task_run_count")
        LOG.append(count)
        if count < succeed_on_run:
            raise ValueError(f"run {count} fails")
        return count
    return flaky
'''

SCENARIOS = {}
for _retries in (0, 1, 2, 3):
    for _succeed in (1, 2, 3, 5):
        SCENARIOS[f"retries_{_retries}_succeeds_on_run_{_succeed}"] = f'''
def build():
    flaky = flaky_until({_succeed}, max_retries={_retries}, retry_delay=timedelta(0))
    with Flow("retries") as flow:
        after(flaky())
    return flow
'''

SCENARIOS.update({
    "retry_signal_bounded_by_run_count": '''
@task(max_retries=2, retry_delay=timedelta(0))
def asks():
    if prefect.context.get("task_run_count") < 3:
        raise signals.RETRY("not yet")
    return "finally"

def build():
    with Flow("retry-signal") as flow:
        after(asks())
    return flow
''',
    "retry_signal_without_max_retries_runs_again": '''
@task
def asks():
    count = prefect.context.get("task_run_count")
    LOG.append(count)
    if count < 2:
        raise signals.RETRY("once more")
    return count

def build():
    with Flow("retry-signal") as flow:
        after(asks())
    return flow
''',
    "retry_on_matching_exception": '''
@task(max_retries=2, retry_delay=timedelta(0), retry_on=KeyError)
def picky():
    count = prefect.context.get("task_run_count")
    LOG.append(count)
    if count < 2:
        raise KeyError("retry me")
    return count

def build():
    with Flow("retry-on") as flow:
        after(picky())
    return flow
''',
    "retry_on_other_exception_fails_at_once": '''
@task(max_retries=2, retry_delay=timedelta(0), retry_on=KeyError)
def picky():
    LOG.append(prefect.context.get("task_run_count"))
    raise ValueError("do not retry me")

def build():
    with Flow("retry-on") as flow:
        after(picky())
    return flow
''',
    "retry_handlers_see_retrying": '''
def build():
    flaky = flaky_until(2, max_retries=1, retry_delay=timedelta(0))
    with Flow("retry-handlers") as flow:
        flaky()
    return flow
''',
    "retry_mapped_children_independently": '''
@task(max_retries=2, retry_delay=timedelta(0))
def child(x):
    count = prefect.context.get("task_run_count")
    if x % 2 and count < 2:
        raise ValueError(f"child {x} run {count}")
    return [x, count]

def build():
    with Flow("retry-map") as flow:
        after.map(child.map([1, 2, 3]))
    return flow
''',
    "retry_exhausted_in_mapped_child": '''
@task(max_retries=1, retry_delay=timedelta(0))
def child(x):
    if x == 2:
        raise ValueError("always")
    return x

def build():
    with Flow("retry-map") as flow:
        after.map(child.map([1, 2, 3]))
    return flow
''',
    "retry_downstream_waits_for_retry": '''
def build():
    flaky = flaky_until(2, max_retries=1, retry_delay=timedelta(0))
    with Flow("retry-chain") as flow:
        a = flaky()
        b = after(a, task_args={"name": "b"})
        after(b, task_args={"name": "c"})
    return flow
''',
    "timeout_expires": '''
@task(timeout=1)
def slow():
    time.sleep(3)
    return "late"

def build():
    with Flow("timeouts") as flow:
        after(slow())
    return flow
''',
    "timeout_not_reached": '''
@task(timeout=5)
def quick():
    return "in time"

def build():
    with Flow("timeouts") as flow:
        after(quick())
    return flow
''',
    "timeout_with_retry": '''
@task(timeout=1, max_retries=1, retry_delay=timedelta(0))
def slow_then_quick():
    if prefect.context.get("task_run_count") == 1:
        time.sleep(3)
    return "second run"

def build():
    with Flow("timeouts") as flow:
        after(slow_then_quick())
    return flow
''',
    "loop_counts_to_three": '''
@task
def counter():
    loop = prefect.context.get("task_loop_count", 1)
    total = prefect.context.get("task_loop_result", 0)
    if loop < 3:
        raise signals.LOOP(message=f"loop {loop}", result=total + loop)
    return total + loop

def build():
    with Flow("loop") as flow:
        after(counter())
    return flow
''',
    "loop_handlers_see_looped": '''
@task
def counter():
    loop = prefect.context.get("task_loop_count", 1)
    if loop < 2:
        raise signals.LOOP(result=loop)
    return loop

def build():
    with Flow("loop") as flow:
        counter()
    return flow
''',
    "loop_without_result_passes_its_repr": '''
@task
def counter():
    loop = prefect.context.get("task_loop_count", 1)
    if loop == 1:
        raise signals.LOOP("first")
    if loop == 2:
        raise signals.LOOP(message="second")
    return prefect.context.get("task_loop_result")

def build():
    with Flow("loop") as flow:
        after(counter())
    return flow
''',
    "loop_retried_once_counts_runs_per_iteration": '''
SEEN = []

@task(max_retries=1, retry_delay=timedelta(0))
def looper(x):
    SEEN.append([prefect.context.get("task_loop_count"), prefect.context.get("task_run_count")])
    if prefect.context.get("task_loop_count") == 2 and prefect.context.get("task_run_count") == 1:
        raise ValueError("second iteration fails once")
    if prefect.context.get("task_loop_count", 1) < 4:
        raise signals.LOOP(result=prefect.context.get("task_loop_result", 0) + x)
    return prefect.context.get("task_loop_result") + x

def build():
    with Flow("loop-retry") as flow:
        after(looper(1))
    return flow

def observe(flow, state):
    return SEEN
''',
    "handler_resumes_a_paused_task_with_retries": '''
from prefect.engine.state import Paused, Resume

RUNS = []

def resume_then_fail(task, old, new):
    if isinstance(new, Paused):
        return Resume()
    if old.is_running():
        raise signals.FAIL("fails after each run")
    return new

@task(max_retries=2, retry_delay=timedelta(0), state_handlers=[resume_then_fail],
      trigger=prefect.triggers.manual_only)
def gated():
    RUNS.append(1)

def build():
    with Flow("resume") as flow:
        after(gated())
    return flow

def observe(flow, state):
    return len(RUNS)
''',
    "loop_then_fail": '''
@task
def counter():
    loop = prefect.context.get("task_loop_count", 1)
    if loop < 2:
        raise signals.LOOP(result=loop)
    raise ValueError(f"failed on loop {loop}")

def build():
    with Flow("loop") as flow:
        after(counter())
    return flow
''',
    "loop_in_mapped_children": '''
@task
def counter(n):
    loop = prefect.context.get("task_loop_count", 1)
    if loop < n:
        raise signals.LOOP(result=loop)
    return [n, loop]

def build():
    with Flow("loop") as flow:
        after.map(counter.map([1, 2, 3]))
    return flow
''',
    "pause_task_with_duration": '''
from prefect.utilities.tasks import pause_task

@task
def pauser():
    pause_task(duration=timedelta(seconds=1))
    return "resumed"

def build():
    with Flow("pause") as flow:
        after(pauser())
    return flow
''',
    "pause_signal_downstream_not_run": '''
@task
def pauser():
    raise signals.PAUSE("waiting for approval")

def build():
    with Flow("pause") as flow:
        after(pauser())
    return flow
''',
    "resume_state_passed_in_runs_task": '''
@task
def pauser():
    raise signals.PAUSE("waiting")

def build():
    with Flow("pause") as flow:
        p = pauser()
        after(p)
    return flow, {"task_states": {p: prefect.engine.state.Resume()}}
''',
})
