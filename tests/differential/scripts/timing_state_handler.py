"""A state handler stamps each state with a time and logs how long each task ran."""
import json
import time

import prefect
from prefect import Flow, task

DURATIONS = {}


def timing_handler(task_obj, old_state, new_state):
    """Stamps states; on a finished state, records and logs the run's duration."""
    new_state.stamped_at = time.monotonic()
    if new_state.is_running():
        new_state.started_at = new_state.stamped_at
    elif new_state.is_finished() and hasattr(old_state, "started_at"):
        new_state.duration = new_state.stamped_at - old_state.started_at
        DURATIONS[task_obj.name] = new_state.duration
        prefect.context.get("logger").info("%s took %.3fs", task_obj.name, new_state.duration)
    return new_state


@task(state_handlers=[timing_handler])
def fetch():
    time.sleep(0.01)
    return {"rows": 3}


@task(state_handlers=[timing_handler])
def summarise(data):
    return f"{data['rows']} rows"


@task(state_handlers=[timing_handler])
def fail_loudly(summary):
    raise RuntimeError(f"cannot publish {summary}")


with Flow("timed") as flow:
    fail_loudly(summarise(fetch()))


def build():
    return flow


def observe(flow_obj, state):
    """Which tasks got a duration, and whether the final states carry the stamps."""
    stamped = {t.name: [hasattr(s, "stamped_at"), isinstance(getattr(s, "duration", None), float)]
               for t, s in state.result.items()}
    return [sorted(DURATIONS), sorted(stamped.items())]


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
