"""``resource_manager``: setup before a block of tasks, cleanup after, even on failure."""
from __future__ import annotations

from flowctl import Flow, resource_manager, task
from flowctl.engine.state import Skipped


def make_resource(events, fail_setup=False, fail_cleanup=False):
    @resource_manager
    class Resource:
        def __init__(self, name="res"):
            self.name = name

        def setup(self):
            events.append(("setup", self.name))
            if fail_setup:
                raise RuntimeError("setup broke")
            return f"handle-{self.name}"

        def cleanup(self, resource):
            events.append(("cleanup", resource))
            if fail_cleanup:
                raise RuntimeError("cleanup broke")

    return Resource


def test_setup_runs_before_the_block_and_cleanup_after():
    events = []
    Resource = make_resource(events)

    @task
    def use(handle):
        events.append(("use", handle))
        return handle.upper()

    with Flow("f") as flow:
        with Resource("db") as handle:
            used = use(handle)
    state = flow.run()
    assert state.is_successful()
    assert state.result[used].result == "HANDLE-DB"
    assert events == [("setup", "db"), ("use", "handle-db"), ("cleanup", "handle-db")]


def test_tasks_without_the_resource_in_the_block_still_wait_for_setup():
    events = []
    Resource = make_resource(events)

    @task
    def independent():
        events.append(("independent", None))

    with Flow("f") as flow:
        with Resource():
            independent()
    flow.run()
    assert [e[0] for e in events] == ["setup", "independent", "cleanup"]


def test_cleanup_runs_when_a_block_task_fails():
    events = []
    Resource = make_resource(events)

    @task
    def explode(handle):
        events.append(("explode", handle))
        raise ValueError("block failed")

    with Flow("f") as flow:
        with Resource() as handle:
            exploded = explode(handle)
    state = flow.run()
    assert ("cleanup", "handle-res") in events
    assert events[-1] == ("cleanup", "handle-res")
    assert state.result[exploded].is_failed()


def test_flow_state_reflects_the_block_failure_not_the_cleanup_success():
    events = []
    Resource = make_resource(events)

    @task
    def explode(handle):
        raise ValueError("block failed")

    with Flow("f") as flow:
        with Resource() as handle:
            explode(handle)
    state = flow.run()
    cleanup = [t for t in flow.tasks if t.name.endswith(".cleanup")]
    assert len(cleanup) == 1
    assert state.result[cleanup[0]].is_successful()
    assert state.is_failed()


def test_cleanup_is_skipped_and_block_does_not_run_when_setup_fails():
    events = []
    Resource = make_resource(events, fail_setup=True)

    @task
    def use(handle):
        events.append(("use", handle))

    with Flow("f") as flow:
        with Resource() as handle:
            used = use(handle)
    state = flow.run()
    assert [e[0] for e in events] == ["setup"]
    cleanup = next(t for t in flow.tasks if t.name.endswith(".cleanup"))
    assert isinstance(state.result[cleanup], Skipped)
    assert state.result[used].is_failed()
    assert state.is_failed()


def test_cleanup_runs_after_every_block_task_including_downstream_ones():
    events = []
    Resource = make_resource(events)

    @task
    def step(handle, n):
        events.append(("step", n))
        return n

    with Flow("f") as flow:
        with Resource() as handle:
            one = step(handle, 1)
            step(handle, one)
    flow.run()
    assert events[-1][0] == "cleanup"
    assert [e for e in events if e[0] == "step"] == [("step", 1), ("step", 1)]


def test_cleanup_runs_after_a_mapped_block_task():
    events = []
    Resource = make_resource(events)

    @task
    def use(handle, x):
        events.append(("use", x))
        return x

    from flowctl import unmapped

    with Flow("f") as flow:
        with Resource() as handle:
            used = use.map(handle=unmapped(handle), x=[1, 2, 3])
    state = flow.run()
    assert state.is_successful()
    assert [s.result for s in state.result[used].map_states] == [1, 2, 3]
    assert events[-1][0] == "cleanup"
    assert sorted(e[1] for e in events if e[0] == "use") == [1, 2, 3]


def test_tasks_outside_the_block_do_not_wait_for_cleanup_unless_downstream():
    events = []
    Resource = make_resource(events)

    @task
    def outside():
        events.append(("outside", None))

    with Flow("f") as flow:
        with Resource():
            pass
        outside()
    state = flow.run()
    assert state.is_successful()
    assert ("outside", None) in events


def test_resource_manager_with_name_and_positional_init_args():
    events = []

    @resource_manager(name="Conn")
    class Connection:
        def __init__(self, host, port=1):
            self.address = f"{host}:{port}"

        def setup(self):
            return self.address

        def cleanup(self, resource):
            events.append(resource)

    @task
    def use(address):
        return address

    with Flow("f") as flow:
        with Connection("localhost", port=5) as address:
            used = use(address)
    state = flow.run()
    assert state.result[used].result == "localhost:5"
    assert events == ["localhost:5"]
    assert any(t.name == "Conn.cleanup" for t in flow.tasks)
