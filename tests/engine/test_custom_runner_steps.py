"""Runner subclasses written for Prefect 1: their own steps, decorated with ``call_state_handlers``, run."""
from __future__ import annotations

from flowctl import Flow, task
from flowctl.engine import FlowRunner, TaskRunner
from flowctl.engine.runner import call_state_handlers
from flowctl.engine.state import Failed


@task
def blocked():
    return 1


@task
def fine():
    return 2


class BlockingRunner(TaskRunner):
    @call_state_handlers
    def check_task_is_ready(self, state):
        if self.task.name == "blocked":
            return Failed("blocked by the runner")
        return super().check_task_is_ready(state)


class BrokenRunner(TaskRunner):
    @call_state_handlers
    def get_task_run_state(self, state, inputs):
        raise RuntimeError("bad runner code")


def test_an_overridden_check_runs_even_for_a_fresh_task_and_its_change_reaches_the_handlers():
    seen = []
    with Flow("f") as flow:
        stopped, ran = blocked(), fine()
    state = FlowRunner(flow=flow, task_runner_cls=BlockingRunner).run(
        return_tasks=[stopped, ran], task_runner_state_handlers=[lambda r, old, new: seen.append(
            (r.task.name, type(old).__name__, type(new).__name__))])
    assert state.is_failed()
    assert state.result[stopped].message == "blocked by the runner"
    assert state.result[ran].result == 2
    assert ("blocked", "Pending", "Failed") in seen and ("fine", "Running", "Success") in seen


def test_a_decorated_step_that_raises_fails_its_task_with_prefects_message():
    with Flow("f") as flow:
        ran = fine()
    state = FlowRunner(flow=flow, task_runner_cls=BrokenRunner).run(return_tasks=[ran]).result[ran]
    assert isinstance(state, Failed)
    assert state.message == "Unexpected error: RuntimeError('bad runner code')"
