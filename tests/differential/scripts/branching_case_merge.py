"""Routes each order by its size with case/merge, then reports which branch ran."""
import json

from prefect import Flow, Parameter, case, task
from prefect.tasks.control_flow import merge


@task
def order_size(amount):
    return "large" if amount >= 100 else "small"


@task
def manual_review(amount):
    return f"reviewed {amount}"


@task
def auto_approve(amount):
    return f"approved {amount}"


@task
def report(decision):
    return f"decision: {decision}"


with Flow("order-routing") as flow:
    amount = Parameter("amount", default=250)
    size = order_size(amount)
    with case(size, "large"):
        reviewed = manual_review(amount)
    with case(size, "small"):
        approved = auto_approve(amount)
    report(merge(reviewed, approved))


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
