"""Random flows that once differed, as Hypothesis shrank them (kept verbatim as regressions).

Add each new shrunk failure of ``test_generated.py`` here, under a name that
says what differed.
"""

PRELUDE = '''
def total(*values):
    """Sum of the ints in the inputs, lists flattened; anything else counts zero."""
    out = 0
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            out += item if isinstance(item, int) and not isinstance(item, bool) else 0
    return out
'''

SCENARIOS = {
    # not_all_skipped on a root task: Prefect skips it (all([]) of "skipped" holds).
    "lone_not_all_skipped_root": '''
@task(name="n0", trigger=triggers.not_all_skipped, skip_on_upstream_skip=False)
def n0(a=None, b=None):
    return total(a, b) + 1

def build():
    with Flow("generated") as flow:
        t0 = n0()
    return flow
''',
    # A case task downstream of a failed condition: TriggerFailed message names the upstream.
    "case_on_failed_condition": '''
@task(name="n0", trigger=triggers.all_successful, skip_on_upstream_skip=False)
def n0(a=None, b=None):
    raise ValueError("n0 fails")

@task(name="n1", trigger=triggers.all_successful, skip_on_upstream_skip=False)
def n1(a=None, b=None):
    return total(a, b) + 2

def build():
    with Flow("generated") as flow:
        t0 = n0()
        with case(t0, 0):
            t1 = n1()
    return flow
''',
    # all_failed over a retried-then-successful upstream and a looping one.
    "all_failed_over_retry_and_loop": '''
@task(name="n0", trigger=triggers.all_successful, skip_on_upstream_skip=True)
def n0(a=None, b=None):
    count = prefect.context.get("task_loop_count", 1)
    if count < 2:
        raise signals.LOOP(result=count)
    return total(a, b) + count

@task(name="n1", trigger=triggers.all_failed, skip_on_upstream_skip=False, max_retries=1, retry_delay=timedelta(0))
def n1(a=None, b=None):
    if prefect.context.get("task_run_count") == 1:
        raise ValueError("n1 first attempt")
    return total(a, b) + 2

@task(name="n2", trigger=triggers.all_failed, skip_on_upstream_skip=False)
def n2(a=None, b=None):
    raise signals.FAIL("n2 signals failure")

def build():
    with Flow("generated") as flow:
        t0 = n0()
        t1 = n1()
        t2 = n2(a=t1, upstream_tasks=[t0])
    return flow
''',
}
