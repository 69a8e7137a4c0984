"""Extracts a batch of readings, cleans each one in parallel and sums the valid ones."""
import json

from prefect import Flow, task
from prefect.engine import signals


@task
def extract():
    return [3, -1, 7, 0, 12]


@task
def clean(reading):
    if reading < 0:
        raise signals.SKIP(f"negative reading {reading}")
    if reading == 0:
        raise ValueError("a zero reading means the sensor is broken")
    return reading * 10


@task
def scale(value):
    return value / 2


@task(skip_on_upstream_skip=False)
def load(values):
    return sum(v for v in values if isinstance(v, (int, float)))


with Flow("readings") as flow:
    cleaned = clean.map(extract())
    scaled = scale.map(cleaned)
    load(scaled)


def build():
    return flow


def final_states(state):
    """Every task's final state class (mapped children as NAME[i]) and the flow's."""
    out = {"<flow>": type(state).__name__}
    for task_obj, task_state in state.result.items():
        out[task_obj.name] = type(task_state).__name__
        for index, child in enumerate(getattr(task_state, "map_states", None) or []):
            out[f"{task_obj.name}[{index}]"] = type(child).__name__
    return out


if __name__ == "__main__":
    print("FINAL-STATES " + json.dumps(final_states(flow.run()), sort_keys=True))
