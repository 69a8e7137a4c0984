"""The seed's map-reduce: add one to each number, then sum (logs "The sum is 14")."""
import flowctl
from flowctl import Flow, task


@task
def add_one(x):
    """Operates one number at a time."""
    return x + 1


@task(name="sum")
def sum_numbers(y):
    """Operates on an iterable of numbers."""
    result = sum(y)
    logger = flowctl.context["logger"]
    logger.info("The sum is {}".format(result))
    return result


with Flow("Map Reduce") as flow:
    mapped_result = add_one.map(x=[1, 2, 3, 4])
    summed_result = sum_numbers(mapped_result)


if __name__ == "__main__":
    state = flow.run()
    print(f"{flow.name}: {state} sum={state.result[summed_result].result}")
