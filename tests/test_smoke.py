"""A first end-to-end check: the seed's map-reduce flow runs and sums to 14."""
import flowctl
from flowctl import Flow, task


@task
def add_one(x):
    return x + 1


@task(name="sum")
def sum_numbers(y):
    return sum(y)


def test_map_reduce_sums_to_fourteen():
    with Flow("Map Reduce") as flow:
        mapped_result = add_one.map(x=[1, 2, 3, 4])
        summed = sum_numbers(mapped_result)
    state = flow.run()
    assert state.is_successful()
    assert state.result[summed].result == 14
    assert [s.result for s in state.result[mapped_result].map_states] == [2, 3, 4, 5]


def test_engine_import_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, flowctl\n"
        "from flowctl import Flow, task\n"
        "@task\ndef one():\n    return 1\n"
        "with Flow('f') as f:\n    one()\n"
        "assert f.run().is_successful()\n"
        "heavy = [m for m in ('dask', 'distributed', 'rich', 'typer', 'difflib') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
