"""Task fingerprints change exactly when what a task computes may change."""
from __future__ import annotations

import textwrap

from flowctl import Flow, Parameter, task
from flowctl.store.fingerprint import code_hash, flow_fingerprints

SALT = b"s" * 32


def _prints(flow, parameters=None, secrets=()):
    return {flow.slugs[t]: fp
            for t, fp in flow_fingerprints(flow, parameters or {}, set(secrets), SALT).items()}


def _module_function(source: str, name: str):
    namespace: dict = {}
    exec(compile(textwrap.dedent(source), "<flow>", "exec"), namespace)
    return namespace[name]


def test_code_hash_sees_changed_constants_and_ignores_unchanged_code():
    one = _module_function("def f(x):\n    return x + 1\n", "f")
    same = _module_function("def f(x):\n    return x + 1\n", "f")
    two = _module_function("def f(x):\n    return x + 2\n", "f")
    assert code_hash(one) == code_hash(same)
    assert code_hash(one) != code_hash(two)


def _flow(first: int, second: int):
    @task
    def load(x):
        return x

    @task
    def add(a, b):
        return a + b

    with Flow("fp") as flow:
        add(load(first), load(second))
    return flow


def test_swapping_two_same_named_task_calls_changes_their_fingerprints():
    before, after = _prints(_flow(1, 2)), _prints(_flow(2, 1))
    assert before["load-1"] != after["load-1"] and before["load-1"] == after["load-2"]
    assert before["add-1"] != after["add-1"]  # the edge keys now see other upstreams


def test_same_flow_same_fingerprints_and_a_changed_parameter_changes_only_its_dependants():
    @task
    def double(x):
        return 2 * x

    @task
    def const():
        return 1

    with Flow("p") as flow:
        double(Parameter("n", default=1))
        const()
    a, b = _prints(flow, {"n": 1}), _prints(flow, {"n": 2})
    assert a == _prints(flow, {"n": 1})
    assert a["double-1"] != b["double-1"] and a["const-1"] == b["const-1"]


def test_mapped_and_flatten_flags_are_part_of_the_fingerprint():
    @task
    def items():
        return [[1], [2]]

    @task
    def show(x):
        return x

    with Flow("m") as mapped:
        show.map(items())
    with Flow("m") as plain:
        show(items())
    assert _prints(mapped)["show-1"] != _prints(plain)["show-1"]


def test_a_secret_parameter_value_is_hashed_with_the_store_key_not_stored():
    @task
    def use(token):
        return len(token)

    with Flow("s") as flow:
        use(Parameter("token", default=None))
    prints = flow_fingerprints(flow, {"token": "hunter2-value"}, {"token"}, SALT)
    other_salt = flow_fingerprints(flow, {"token": "hunter2-value"}, {"token"}, b"t" * 32)
    assert b"hunter2" not in b"".join(prints.values())
    assert prints != other_salt


def test_a_run_hashed_once_per_function_gives_what_hashing_each_task_gives(monkeypatch):
    """``flow_fingerprints`` hashes each run function once; every fingerprint must still be what
    hashing each task's own run gives (copies of a task, methods of one class, same-named functions)."""
    from flowctl import Task
    from flowctl.store import fingerprint

    class Scale(Task):
        def run(self, x):
            return 3 * x

    first = task(_module_function("def step(x):\n    return x + 1\n", "step"))
    second = task(_module_function("def step(x):\n    return x + 2\n", "step"))
    with Flow("shared") as flow:
        value = 0
        for _ in range(3):
            value = Scale()(first(value))
        second(value)
    real, calls = fingerprint.code_hash, []
    monkeypatch.setattr(fingerprint, "code_hash", lambda run: calls.append(run) or real(run))
    shared = flow_fingerprints(flow, {}, set(), SALT)
    assert len(calls) == 3  # step + 1, Scale.run, step + 2: once each for 7 tasks
    monkeypatch.setattr(fingerprint, "_run_hash", lambda run, known: real(run))  # every task on its own
    assert flow_fingerprints(flow, {}, set(), SALT) == shared
    assert len(set(shared.values())) == len(flow.tasks)


def test_copies_of_one_task_class_differ_by_name_and_settings_not_by_private_attributes():
    """The parts copies of one task share (name, class, run code, settings) are worked out once per
    flow; a copy with another name or setting must still get a fingerprint of its own."""
    from flowctl import Task

    class Scale(Task):
        def __init__(self, factor: int, **kwargs):
            self.factor = factor
            super().__init__(**kwargs)

        def run(self, x):
            return self.factor * x

    with Flow("settings") as flow:
        two, three, renamed, again = Scale(2)(1), Scale(3)(1), Scale(2, name="other")(1), Scale(2)(1)
        private = Scale(2)
        private._cache = object()  # private attributes are not settings
        private = private(1)
    prints = flow_fingerprints(flow, {}, set(), SALT)
    assert len({prints[two], prints[three], prints[renamed]}) == 3
    assert prints[two] == prints[again] == prints[private]
