"""A Task class as a template: defaults set at init, overridable at run time."""
from flowctl import Flow, Task


class AddTask(Task):
    def __init__(self, *args, y=None, **kwargs):
        self.y = y
        super().__init__(*args, **kwargs)

    def run(self, x, y=None):
        if y is None:
            y = self.y
        return x + y


add_task = AddTask(y=0)

with Flow("add-with-default") as flow:
    result_one = add_task(x=1)
    result_two = add_task(x=0, y=10)


if __name__ == "__main__":
    state = flow.run()
    print(state.result[result_one].result, state.result[result_two].result)  # 1 10
