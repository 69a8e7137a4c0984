"""The seed's AddTask, as a Task subclass and as an @task function."""
from flowctl import Flow, Task, task


class AddTask(Task):
    def run(self, x, y):
        return x + y


add_task = AddTask(name="Add")


@task(name="Add")
def add_function(x, y):
    return x + y


with Flow("add-example-v2") as flow:
    result = add_task(x=1, y=2)


if __name__ == "__main__":
    print(add_task)                       # <Task: Add>
    print(add_task.run(1, 2))             # 3
    print(add_task.run(x=5, y=-10))       # -5
    print(add_task.run(x=[1, 2], y=[3, 4]))  # [1, 2, 3, 4]
    print(flow.run().result[result].result)  # 3
