"""Every signal raised from ``run`` and from task and flow state handlers.

RETRY and LOOP raised unconditionally never end on Prefect 1.4.1 (they are
exercised, bounded, in ``retries.py``); so does a task handler raising RETRY.
"""

PRELUDE = '''
@task
def after(x=None):
    return ["after", x]

def raising(signal_expr):
    """A flow whose first task raises the given signal from run."""
    @task(name="raiser")
    def raiser():
        raise signal_expr()
    with Flow("signals") as flow:
        after(raiser())
    return flow

def handler_raising(make_signal, when):
    """A task whose state handler raises a signal when the new state is of class ``when``."""
    def handler(task, old, new):
        if type(new).__name__ == when:
            raise make_signal()
        return new
    @task(name="handled", state_handlers=[handler])
    def handled():
        return 5
    with Flow("handler-signals") as flow:
        after(handled())
    return flow
'''

RUN_SIGNALS = {
    "fail": 'lambda: signals.FAIL("failing on purpose")',
    "fail_with_result": 'lambda: signals.FAIL("failing", result={"why": 1})',
    "success": 'lambda: signals.SUCCESS("done early", result=42)',
    "success_no_result": 'lambda: signals.SUCCESS("done early")',
    "skip": 'lambda: signals.SKIP("not needed")',
    "skip_with_result": 'lambda: signals.SKIP("not needed", result="skipped value")',
    "triggerfail": 'lambda: signals.TRIGGERFAIL("trigger says no")',
    "validationfail": 'lambda: signals.VALIDATIONFAIL("invalid output")',
    "pause": 'lambda: signals.PAUSE("hold on")',
    "value_error": 'lambda: ValueError("plain error")',
    "keyerror": 'lambda: KeyError("missing")',
    "base_exception_subclass": 'lambda: type("Custom", (Exception,), {})("custom error")',
}
HANDLER_SIGNALS = {
    "fail": 'lambda: signals.FAIL("handler fails")',
    "skip": 'lambda: signals.SKIP("handler skips")',
    "success": 'lambda: signals.SUCCESS("handler succeeds", result=7)',
    "value_error": 'lambda: ValueError("handler broke")',
    "endrun": 'lambda: signals.ENDRUN(prefect.engine.state.Failed("ended by handler"))',
}

SCENARIOS = {}
for _name, _expr in RUN_SIGNALS.items():
    SCENARIOS[f"run_raises_{_name}"] = f'''
def build():
    return raising({_expr})
'''
for _name, _expr in HANDLER_SIGNALS.items():
    for _when in ("Running", "Success"):
        SCENARIOS[f"task_handler_raises_{_name}_on_{_when.lower()}"] = f'''
def build():
    return handler_raising({_expr}, "{_when}")
'''
FLOW_HANDLER_SIGNALS = {
    **HANDLER_SIGNALS,
    "pause": 'lambda: signals.PAUSE("flow handler pauses")',
    "retry": 'lambda: signals.RETRY("flow handler retries")',
}
for _name, _expr in FLOW_HANDLER_SIGNALS.items():
    for _when in ("Running", "Success"):
        SCENARIOS[f"flow_handler_raises_{_name}_on_{_when.lower()}"] = f'''
def build():
    make = {_expr}
    def flow_handler(flow, old, new):
        if type(new).__name__ == "{_when}":
            raise make()
        return new
    with Flow("flow-handler-signals", state_handlers=[flow_handler]) as flow:
        after(after())
    return flow
'''

SCENARIOS.update({
    "fail_signal_in_mapped_child": '''
@task
def maybe(x):
    if x == 2:
        raise signals.FAIL(f"child {x} fails")
    return x

def build():
    with Flow("mapped-signals") as flow:
        after.map(maybe.map([1, 2, 3]))
    return flow
''',
    "skip_signal_in_mapped_child": '''
@task
def maybe(x):
    if x == 2:
        raise signals.SKIP(f"child {x} skips")
    return x

def build():
    with Flow("mapped-signals") as flow:
        after.map(maybe.map([1, 2, 3]))
    return flow
''',
    "endrun_from_run": '''
@task
def ender():
    raise signals.ENDRUN(prefect.engine.state.Success("ended early", result=3))

def build():
    with Flow("endrun") as flow:
        after(ender())
    return flow
''',
    "signal_message_and_result_kept": '''
@task
def failer():
    raise signals.FAIL("kept message", result=[1, 2])

def observe(flow, state):
    failed = state.result[flow.get_tasks(name="failer")[0]]
    return [failed.message, failed.result.__class__.__name__, str(failed.result)]

def build():
    with Flow("keep") as flow:
        failer()
    return flow
''',
    "signal_isinstance_exception": '''
@task
def failer():
    raise signals.FAIL("is it an exception?")

def observe(flow, state):
    failed = state.result[flow.get_tasks(name="failer")[0]]
    # API.md seed point 3: only flowctl's signals are Exceptions, so that is not asked here.
    return [isinstance(failed.result, signals.FAIL), isinstance(failed.result, signals.PrefectStateSignal)]

def build():
    with Flow("isinstance") as flow:
        failer()
    return flow
''',
    "handler_returns_new_state": '''
def swap(task, old, new):
    if new.is_failed():
        return prefect.engine.state.Success("forgiven", result="forgiven")
    return new

@task(state_handlers=[swap])
def flaky():
    raise ValueError("nope")

def build():
    with Flow("swap") as flow:
        after(flaky())
    return flow
''',
    "handler_returns_none": '''
def nothing(task, old, new):
    LOG.append(type(new).__name__)

@task(state_handlers=[nothing])
def fine():
    return 1

def build():
    with Flow("none") as flow:
        after(fine())
    return flow
''',
})
