"""Testing a task as flowctl sees it, with a TaskRunner and upstream states."""
from flowctl import Task, task
from flowctl.core import Edge
from flowctl.engine import TaskRunner
from flowctl.engine.state import Failed


@task
def number_task():
    return 42


def run_examples():
    runner = TaskRunner(task=number_task)
    state = runner.run()
    assert state.is_successful()
    assert state.result == 42

    upstream_edge = Edge(Task(), number_task)
    upstream_state = Failed(message="Failed for some reason")
    failed = runner.run(upstream_states={upstream_edge: upstream_state})
    assert failed.is_failed()
    assert isinstance(failed.result, Exception)
    return state, failed


if __name__ == "__main__":
    ok, trigger_failed = run_examples()
    print(ok, ok.result)
    print(trigger_failed)
