"""Flow and terminal state handlers, on_failure, and task/runner state-handler order."""

PRELUDE = '''
from prefect.engine import TaskRunner, FlowRunner
from prefect.engine.state import Failed, Success

def logging_handler(label):
    def handler(obj, old, new):
        LOG.append([label, type(old).__name__, type(new).__name__])
        return new
    return handler

@task
def ok():
    return 1

@task
def boom():
    raise ValueError("boom")

@task
def after(x=None):
    return ["after", x]
'''

SCENARIOS = {
    "task_handlers_called_in_order": '''
@task(state_handlers=[logging_handler("first"), logging_handler("second")])
def watched():
    return 1

def build():
    with Flow("order") as flow:
        watched()
    return flow
''',
    "task_handler_returning_a_non_state_fails_the_task": '''
# Only final states are compared (in observe): the handlers' calls differ on purpose (README).
def truthy(task, old, new):
    return True

@task(state_handlers=[truthy])
def confused():
    return 1

def build():
    with Flow("not-a-state") as flow:
        ok()
    return flow

def observe(flow, state):
    with Flow("inner") as inner:
        downstream = after(confused)
    inner_state = inner.run()
    return [repr(TaskRunner(confused).run()), repr(inner_state),
            repr(inner_state.result[confused]), repr(inner_state.result[downstream])]
''',
    "task_handler_output_feeds_next": '''
def upgrade(task, old, new):
    if new.is_successful() and not new.is_running():
        return Success("upgraded", result=99)
    return new

@task(state_handlers=[upgrade, logging_handler("next")])
def watched():
    return 1

def build():
    with Flow("order") as flow:
        after(watched())
    return flow
''',
    "task_then_runner_handlers_order": '''
@task(state_handlers=[logging_handler("task")])
def watched():
    return 1

def build():
    with Flow("order") as flow:
        ok()
    return flow

def observe(flow, state):
    TaskRunner(watched, state_handlers=[logging_handler("runner")]).run()
    return LOG
''',
    "flow_then_runner_handlers_order": '''
def build():
    with Flow("order", state_handlers=[logging_handler("flow")]) as flow:
        ok()
    return flow

def observe(flow, state):
    del LOG[:]
    FlowRunner(flow, state_handlers=[logging_handler("runner")]).run()
    return LOG
''',
    "task_runner_alone_final_state": '''
@task
def lone(x=2):
    return x * 3

def build():
    with Flow("alone") as flow:
        ok()
    return flow

def observe(flow, state):
    final = TaskRunner(lone).run()
    return [type(final).__name__, final.result, final.message]
''',
    "task_runner_with_failed_upstream_state": '''
from prefect.core.edge import Edge

@task
def lone(x=2):
    return x * 3

def build():
    with Flow("alone") as flow:
        ok()
    return flow

def observe(flow, state):
    edge = Edge(ok, lone, key="x")
    final = TaskRunner(lone).run(upstream_states={edge: Failed("upstream", result=ValueError("u"))})
    return [type(final).__name__, final.message]
''',
    "task_runner_with_success_upstream_state": '''
from prefect.core.edge import Edge

@task
def lone(x=2):
    return x * 3

def build():
    with Flow("alone") as flow:
        ok()
    return flow

def observe(flow, state):
    edge = Edge(ok, lone, key="x")
    final = TaskRunner(lone).run(upstream_states={edge: Success("upstream", result=5)})
    return [type(final).__name__, final.result]
''',
    "flow_handlers_see_transitions": '''
def build():
    with Flow("flow-handlers", state_handlers=[logging_handler("flow")]) as flow:
        after(boom())
    return flow
''',
    "flow_handler_replaces_final_state": '''
def forgive(flow, old, new):
    if new.is_failed():
        return Success("forgiven", result=new.result)
    return new

def build():
    with Flow("flow-handlers", state_handlers=[forgive]) as flow:
        boom()
    return flow
''',
    "flow_handler_fails_on_running_transition": '''
def fragile(flow, old, new):
    if new.is_running():
        raise ValueError("handler broke at start")
    return new

def build():
    with Flow("flow-handlers", state_handlers=[fragile]) as flow:
        after(ok())
    return flow
''',
    "flow_handler_fails_on_final_transition": '''
def fragile(flow, old, new):
    if new.is_finished():
        raise ValueError("handler broke at end")
    return new

def build():
    with Flow("flow-handlers", state_handlers=[fragile]) as flow:
        after(ok())
    return flow
''',
    "task_handler_fails_on_running": '''
def fragile(task, old, new):
    if new.is_running():
        raise ValueError("handler broke")
    return new

@task(state_handlers=[fragile])
def watched():
    LOG.append("ran")
    return 1

def build():
    with Flow("task-handlers") as flow:
        after(watched())
    return flow
''',
    "task_handler_fails_on_success": '''
def fragile(task, old, new):
    if new.is_successful():
        raise ValueError("handler broke")
    return new

@task(state_handlers=[fragile])
def watched():
    return 1

def build():
    with Flow("task-handlers") as flow:
        after(watched())
    return flow
''',
    "on_failure_called_for_failed_task": '''
def notify(task, state):
    LOG.append(["on_failure", task.name, type(state).__name__])

@task(on_failure=notify)
def failing():
    raise ValueError("boom")

def build():
    with Flow("on-failure") as flow:
        failing()
    return flow
''',
    "on_failure_not_called_for_success": '''
def notify(task, state):
    LOG.append(["on_failure", task.name])

@task(on_failure=notify)
def fine():
    return 1

def build():
    with Flow("on-failure") as flow:
        fine()
    return flow
''',
    "on_failure_for_trigger_failed_task": '''
def notify(task, state):
    LOG.append(["on_failure", task.name, type(state).__name__])

def build():
    with Flow("on-failure") as flow:
        after(boom(), task_args={"on_failure": notify})
    return flow
''',
    "on_failure_for_trigger_failed_decorated_task": '''
def notify(task, state):
    LOG.append(["on_failure", task.name, type(state).__name__])

@task(on_failure=notify)
def downstream(x):
    return x

def build():
    with Flow("on-failure") as flow:
        downstream(boom())
    return flow
''',
    "flow_on_failure_called": '''
def notify(flow, state):
    LOG.append(["flow on_failure", type(state).__name__])

def build():
    with Flow("on-failure", on_failure=notify) as flow:
        boom()
    return flow
''',
    "terminal_state_handler_sees_results": '''
def terminal(flow, state, reference_task_states):
    LOG.append(sorted([type(s).__name__, s.result if not isinstance(s.result, Exception) else "exc"]
                      for s in reference_task_states))
    return None

def build():
    with Flow("terminal", terminal_state_handler=terminal) as flow:
        ok()
        boom()
    return flow
''',
    "terminal_state_handler_replaces_state": '''
def terminal(flow, state, reference_task_states):
    return Success("all good anyway", result=state.result)

def build():
    with Flow("terminal", terminal_state_handler=terminal) as flow:
        boom()
    return flow
''',
    "terminal_state_handler_raises": '''
def terminal(flow, state, reference_task_states):
    raise ValueError("terminal handler broke")

def build():
    with Flow("terminal", terminal_state_handler=terminal) as flow:
        ok()
    return flow
''',
    "handler_sets_attribute_on_state": '''
import time

def stamp(task, old, new):
    new.stamped_at = "then"
    if hasattr(old, "stamped_at"):
        new.previous_stamp = old.stamped_at
    return new

@task(state_handlers=[stamp])
def stamped():
    return 1

def observe(flow, state):
    s = state.result[flow.get_tasks(name="stamped")[0]]
    return [getattr(s, "stamped_at", None), getattr(s, "previous_stamp", None)]

def build():
    with Flow("attributes") as flow:
        stamped()
    return flow
''',
    "handler_old_state_is_previous_new": '''
def chain_check(task, old, new):
    LOG.append([type(old).__name__, type(new).__name__, old.message])
    return new

@task(state_handlers=[chain_check], max_retries=1, retry_delay=timedelta(0))
def flaky():
    if prefect.context.get("task_run_count") == 1:
        raise ValueError("first run")
    return 2

def build():
    with Flow("chain") as flow:
        flaky()
    return flow
''',
    "handlers_for_skipped_by_upstream": '''
@task
def skipper():
    raise signals.SKIP("skip")

def build():
    with Flow("skip-handlers") as flow:
        after(skipper(), task_args={"state_handlers": [logging_handler("after")]})
    return flow
''',
    "handlers_for_trigger_failed": '''
def build():
    with Flow("tf-handlers") as flow:
        after(boom(), task_args={"state_handlers": [logging_handler("after")]})
    return flow
''',
    "handler_context_has_task_name": '''
def ctx(task, old, new):
    LOG.append([prefect.context.get("task_name"), prefect.context.get("flow_name")])
    return new

@task(state_handlers=[ctx])
def named():
    return 1

def build():
    with Flow("ctx-flow") as flow:
        named()
    return flow
''',
}
