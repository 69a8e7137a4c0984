"""Mapping from the seed: unmapped arguments and mapping without data."""
from flowctl import Flow, task, unmapped


@task
def add_one(x, y):
    """Operates one number at a time."""
    return x + y


@task
def return_list():
    return [1, 2, 3, 4]


@task
def print_hello():
    print("=" * 30)
    print("HELLO")
    print("=" * 30)


with Flow("unmapped example") as unmapped_flow:
    unmapped_result = add_one.map(x=[1, 2, 3], y=unmapped(5))

with Flow("print-example") as print_flow:
    hello = print_hello.map(upstream_tasks=[return_list])


if __name__ == "__main__":
    state = unmapped_flow.run()
    print(state.result[unmapped_result].result)  # [6, 7, 8]
    state = print_flow.run()
    print(len(state.result[hello].map_states), "hellos")  # 4 hellos
