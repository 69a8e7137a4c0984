"""State objects as handlers and callers see them: _result, load_result, attributes, predicates."""

PRELUDE = '''
from prefect.engine import state as states
from prefect.engine.results import LocalResult

@task
def ok():
    return {"v": 1}

@task
def boom():
    raise ValueError("boom")

@task
def double(x):
    return 2 * x

def final(flow, state, name):
    return state.result[flow.get_tasks(name=name)[0]]

def build():
    with Flow("states") as flow:
        ok()
        boom()
    return flow
'''

SCENARIOS = {
    "result_object_without_result_config": '''
def observe(flow, state):
    s = final(flow, state, "ok")
    return [type(s._result).__name__, s._result.value, s._result.location]
''',
    "no_result_before_run": '''
def observe(flow, state):
    s = states.Pending()
    return [type(s._result).__name__, s.result]
''',
    "failed_result_is_exception": '''
def observe(flow, state):
    s = final(flow, state, "boom")
    return [type(s.result).__name__, str(s.result), type(s._result).__name__]
''',
    "predicates_of_final_states": '''
def observe(flow, state):
    out = []
    for name in ("ok", "boom"):
        s = final(flow, state, name)
        out.append([name, s.is_finished(), s.is_successful(), s.is_failed(), s.is_skipped(),
                    s.is_mapped(), s.is_cached(), s.is_running(), s.is_pending(), s.is_meta_state()])
    return out
''',
    "state_equality_by_type_and_result": '''
def observe(flow, state):
    return [states.Success(result=1) == states.Success(result=1, message="other"),
            states.Success(result=1) == states.Success(result=2),
            states.Success(result=1) == states.Cached(result=1)]
''',
    "state_accepts_new_attributes": '''
def observe(flow, state):
    s = states.Running("go")
    s.timestamp = "now"
    return [s.timestamp, s.message]
''',
    "state_class_hierarchy": '''
def observe(flow, state):
    names = ["Scheduled", "Paused", "Resume", "Retrying", "Cached", "Mapped", "Skipped", "Looped",
             "TimedOut", "TriggerFailed", "ValidationFailed", "Cancelled", "ClientFailed"]
    return [[n, [c.__name__ for c in getattr(states, n).__mro__ if c.__module__.endswith("state")]]
            for n in names]
''',
    "signal_from_state_round_trip": '''
def observe(flow, state):
    s = final(flow, state, "boom")
    return [signals.signal_from_state(s).__name__, signals.signal_from_state(states.Skipped()).__name__]
''',
    "load_result_from_local_result": '''
@task(result=LocalResult(dir=WORKDIR, location="kept.txt"))
def kept():
    return [1, 2]

def build():
    with Flow("states") as flow:
        kept()
    return flow, {"context": {"checkpointing": True}}

def observe(flow, state):
    s = final(flow, state, "kept")
    fresh = states.Success(result=LocalResult(dir=WORKDIR, location="kept.txt"))
    loaded = fresh.load_result(LocalResult(dir=WORKDIR))
    return [loaded.result, s._result.value]
''',
    "retrying_state_carries_run_count": '''
import datetime
def observe(flow, state):
    r = states.Retrying(run_count=2, start_time=None)
    return [r.run_count, r.is_retrying(), r.is_scheduled()]
''',
    "mapped_state_children": '''
def build():
    with Flow("states") as flow:
        double.map([1, 2])
    return flow

def observe(flow, state):
    s = final(flow, state, "double")
    return [s.n_map_states, [type(c).__name__ for c in s.map_states], s.result]
''',
    "state_colors": '''
NAMES = ["State", "Pending", "Scheduled", "Paused", "Resume", "Retrying", "Submitted", "Queued", "Running",
         "Cancelling", "Finished", "Success", "Cached", "Mapped", "Skipped", "Looped", "Cancelled", "Failed",
         "TimedOut", "TriggerFailed", "ValidationFailed"]

def observe(flow, state):
    return [[name, getattr(states, name)().color] for name in NAMES] + [state.color]
''',
    "state_repr": '''
def observe(flow, state):
    return [repr(states.Success("done")), repr(states.Pending()), repr(final(flow, state, "boom"))]
''',
    "a_runs_none_is_a_result_and_a_state_made_without_one_has_none": '''
@task
def nothing():
    return None

def build():
    with Flow("states") as flow:
        nothing()
    return flow

def observe(flow, state):
    s = final(flow, state, "nothing")
    made, set_none = states.Success(), states.Success(result=1)
    set_none.result = None
    return [type(s._result).__name__, s.result, type(made._result).__name__,
            type(states.Failed("x")._result).__name__, type(set_none._result).__name__]
''',
    "a_mapped_state_has_no_result_until_its_children_ran": '''
seen = []

def remember(task, old, new):
    if new.is_mapped():
        seen.append([new.message, new.result, type(new._result).__name__])
    return new

def build():
    with Flow("states") as flow:
        double.map([1, 2], task_args={"state_handlers": [remember]})
    return flow

def observe(flow, state):
    by_hand = states.Mapped(map_states=[states.Success(result=1), states.Success(result=2)])
    before = [by_hand.result, type(by_hand._result).__name__, states.Mapped().result]
    by_hand.load_result()
    return [seen, final(flow, state, "double").result, before, by_hand.result]
''',
}
