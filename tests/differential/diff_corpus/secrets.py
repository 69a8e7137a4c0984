"""Secret tasks and local secrets: ``PrefectSecret`` from the run's context, ``EnvVarSecret``
from the environment, and what a secret task refuses."""

PRELUDE = '''
import os
from prefect.tasks.secrets import PrefectSecret, EnvVarSecret
from prefect.engine.results import PrefectResult

os.environ["DIFF_SECRET_PORT"] = "5432"
os.environ.pop("DIFF_SECRET_ABSENT", None)

@task
def show(x=None):
    return x
'''

SCENARIOS = {
    "prefect_secret_from_context_json_and_text": '''
def build():
    with Flow("secrets") as flow:
        show(PrefectSecret("NUMBERS")())
        show(PrefectSecret("TEXT")())
        show(PrefectSecret("QUOTED")())
    return flow, {"context": {"secrets": {"NUMBERS": "[1, 2, 3]", "TEXT": "plain words", "QUOTED": '"42"'}}}
''',
    "prefect_secret_missing_and_unnamed_fail": '''
def build():
    with Flow("secrets") as flow:
        show(PrefectSecret("NOWHERE")())
        show(PrefectSecret()())
    return flow, {"context": {"secrets": {"ELSEWHERE": "x"}}}
''',
    "prefect_secret_named_at_run_and_mapped": '''
def build():
    with Flow("secrets") as flow:
        show(PrefectSecret()(name="B"))
        show(PrefectSecret().map(name=["A", "B"]))
    return flow, {"context": {"secrets": {"A": "1", "B": "two"}}}
''',
    "env_var_secret_cast_missing_and_required": '''
def build():
    with Flow("secrets") as flow:
        show(EnvVarSecret("DIFF_SECRET_PORT", cast=int)())
        show(EnvVarSecret("DIFF_SECRET_ABSENT", cast=int)())
        show(EnvVarSecret("DIFF_SECRET_ABSENT", raise_if_missing=True)())
    return flow
''',
    "secret_task_given_finished_runs_again_unless_cached": '''
from prefect.engine.state import Cached, Success

import datetime

def build():
    fresh, stale_cache = PrefectSecret("FRESH"), PrefectSecret("STALE")
    kept = PrefectSecret("KEPT", cache_for=timedelta(hours=1))
    with Flow("secrets") as flow:
        show(fresh())
        show(stale_cache())
        show(kept())
    expires = datetime.datetime.now(datetime.timezone.utc) + timedelta(hours=1)
    states = {fresh: Success(result="stale"), stale_cache: Cached(result="cached value"),
              kept: Cached(result="cached value", cached_result_expiration=expires)}
    return flow, {"task_states": states, "context": {"secrets": {"FRESH": "new", "STALE": "new", "KEPT": "new"}}}
''',
    "secret_task_refuses_a_result": '''
def build():
    with Flow("secrets") as flow:
        show(PrefectSecret("K", result=PrefectResult())())
    return flow
''',
    "secret_task_with_checkpointing_on": '''
def build():
    secret = PrefectSecret("K")
    with Flow("secrets") as flow:
        show(secret())
    return flow, {"context": {"secrets": {"K": "v"}, "checkpointing": True}}

def observe(flow, state):
    task = [t for t in flow.tasks if t.name == "K"][0]
    return {"checkpoint": task.checkpoint, "result": type(task.result).__name__,
            "location": task.result.location}
''',
}
