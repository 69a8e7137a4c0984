"""Downloads pages in parallel; odd pages fail on their first attempt and are retried."""
import json
from datetime import timedelta

import prefect
from prefect import Flow, task


@task
def pages():
    return [1, 2, 3, 4]


@task(max_retries=2, retry_delay=timedelta(0))
def download(page):
    attempt = prefect.context.get("task_run_count")
    if page % 2 and attempt == 1:
        raise ConnectionError(f"page {page}: connection reset")
    if page == 4:
        raise ValueError("page 4 is corrupt, retrying cannot help")
    return f"page {page} (attempt {attempt})"


@task
def index(documents):
    return len(documents)


with Flow("crawler") as flow:
    index(download.map(pages()))


def build():
    return flow


def final_states(state):
    """Every task's final state class (mapped children as NAME[i]) and the flow's."""
    out = {"<flow>": type(state).__name__}
    for task_obj, task_state in state.result.items():
        out[task_obj.name] = type(task_state).__name__
        for index_, child in enumerate(getattr(task_state, "map_states", None) or []):
            out[f"{task_obj.name}[{index_}]"] = type(child).__name__
    return out


if __name__ == "__main__":
    print("FINAL-STATES " + json.dumps(final_states(flow.run()), sort_keys=True))
