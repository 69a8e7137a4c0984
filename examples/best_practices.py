"""Best practices from the seed: wrap builtins, avoid state, create clients in run()."""
import threading

from flowctl import Flow, Task, task


@task
def flowctl_bool(x):
    """`flowctl.task(bool)` doesn't work because `bool` is a builtin; this wrapper does."""
    return bool(x)


class Client:
    """Stands in for a database client: it holds a lock, so it cannot be pickled."""

    def __init__(self):
        self.lock = threading.Lock()

    def query(self, sql):
        return f"rows for {sql!r}"


class Query(Task):
    """Good: the client is created inside run(), so the task itself stays serializable."""

    def run(self, sql: str):
        return Client().query(sql)


class Bad(Task):
    """Bad: relies on an attribute that stores state between runs."""

    def __init__(self, *args, **kwargs):
        self.run_count = 0
        super().__init__(*args, **kwargs)

    def run(self):
        self.run_count += 1
        return self.run_count


with Flow("best-practices") as flow:
    truthy = flowctl_bool(1)
    rows = Query()(sql="select 1")


if __name__ == "__main__":
    state = flow.run()
    print(state.result[truthy].result, state.result[rows].result)
