"""case/switch/ifelse/merge and resource managers."""

PRELUDE = '''
from prefect.tasks.control_flow import switch, ifelse, merge
from prefect import resource_manager

@task
def value(v):
    return v

@task
def shout(x):
    return f"{x}!"

@task
def boom():
    raise ValueError("boom")

@task
def collect(a=None, b=None):
    return [a, b]
'''

SCENARIOS = {}
for _v in ("a", "b", "c"):
    SCENARIOS[f"case_three_branches_value_{_v}"] = f'''
def build():
    with Flow("case") as flow:
        v = value("{_v}")
        with case(v, "a"):
            a = shout("took a", task_args={{"name": "branch_a"}})
        with case(v, "b"):
            b = shout("took b", task_args={{"name": "branch_b"}})
        merge(a, b)
    return flow
'''
for _cond in ("True", "False"):
    SCENARIOS[f"ifelse_{_cond.lower()}"] = f'''
def build():
    with Flow("ifelse") as flow:
        yes = shout("yes", task_args={{"name": "yes"}})
        no = shout("no", task_args={{"name": "no"}})
        ifelse(value({_cond}), yes, no)
        merge(yes, no)
    return flow
'''
    SCENARIOS[f"case_bool_{_cond.lower()}_downstream_chain"] = f'''
def build():
    with Flow("case") as flow:
        with case(value({_cond}), True):
            first = shout("in branch", task_args={{"name": "first"}})
            second = shout(first, task_args={{"name": "second"}})
        collect(second, task_args={{"name": "outside"}})
    return flow
'''
for _key in ("x", "y", "z"):
    SCENARIOS[f"switch_on_{_key}"] = f'''
def build():
    with Flow("switch") as flow:
        x = shout("x", task_args={{"name": "x_branch"}})
        y = shout("y", task_args={{"name": "y_branch"}})
        switch(value("{_key}"), {{"x": x, "y": y}})
        merge(x, y)
    return flow
'''

SCENARIOS.update({
    "case_condition_fails": '''
def build():
    with Flow("case") as flow:
        with case(boom(), True):
            a = shout("never")
        merge(a)
    return flow
''',
    "case_condition_skipped": '''
@task
def skipper():
    raise signals.SKIP("no condition")

def build():
    with Flow("case") as flow:
        with case(skipper(), True):
            shout("never", task_args={"name": "inside"})
    return flow
''',
    "merge_all_skipped_is_none": '''
def build():
    with Flow("merge") as flow:
        with case(value(1), 2):
            a = shout("a", task_args={"name": "a"})
        with case(value(1), 3):
            b = shout("b", task_args={"name": "b"})
        collect(merge(a, b), task_args={"name": "after_merge"})
    return flow
''',
    "merge_first_non_skipped_wins": '''
def build():
    with Flow("merge") as flow:
        with case(value(1), 1):
            a = shout("a", task_args={"name": "a"})
        b = shout("b", task_args={"name": "b"})
        merge(a, b)
    return flow
''',
    "merge_with_a_constant_default": '''
def build():
    with Flow("merge") as flow:
        with case(value(1), 2):
            a = shout("a", task_args={"name": "a"})
        collect(merge(a, "default"), task_args={"name": "after_merge"})
    return flow
''',
    "merge_of_none_and_a_constant": '''
def build():
    with Flow("merge") as flow:
        with case(value(1), 2):
            a = shout("a", task_args={"name": "a"})
        collect(merge(a, None, "fallback"), task_args={"name": "after_merge"})
    return flow
''',
    "ifelse_of_constants_feeds_nothing_but_runs_nothing": '''
def build():
    with Flow("ifelse") as flow:
        ifelse(value(False), "yes", "no")
        collect(value(3), task_args={"name": "after"})
    return flow
''',
    "merge_with_failed_branch": '''
def build():
    with Flow("merge") as flow:
        with case(value(True), True):
            a = boom(task_args={"name": "failing_branch"})
        with case(value(True), False):
            b = shout("b", task_args={"name": "b"})
        merge(a, b)
    return flow
''',
    "case_inside_case": '''
def build():
    with Flow("nested") as flow:
        with case(value(1), 1):
            with case(value(2), 2):
                inner = shout("inner", task_args={"name": "inner"})
            with case(value(2), 3):
                other = shout("other", task_args={"name": "other"})
        merge(inner, other)
    return flow
''',
    "case_with_mapping_inside": '''
@task
def numbers():
    return [1, 2]

def build():
    with Flow("case-map") as flow:
        with case(value("go"), "go"):
            shout.map(numbers())
    return flow
''',
    "case_with_mapping_not_taken": '''
@task
def numbers():
    return [1, 2]

def build():
    with Flow("case-map") as flow:
        with case(value("stop"), "go"):
            shout.map(numbers())
    return flow
''',
    "case_task_names": '''
def observe(flow, state):
    return sorted(t.name for t in flow.tasks)

def build():
    with Flow("names") as flow:
        with case(value("a"), "a"):
            shout("x")
    return flow
''',
    "ifelse_task_names": '''
def observe(flow, state):
    return sorted(t.name for t in flow.tasks)

def build():
    with Flow("names") as flow:
        ifelse(value(True), shout("t"), shout("f"))
    return flow
''',
    "case_not_all_skipped_downstream": '''
def build():
    with Flow("case") as flow:
        with case(value(False), True):
            a = shout("a", task_args={"name": "a"})
        collect(a, task_args={"name": "after", "trigger": triggers.not_all_skipped})
    return flow
''',
    "case_downstream_no_skip_propagation": '''
def build():
    with Flow("case") as flow:
        with case(value(False), True):
            a = shout("a", task_args={"name": "a"})
        collect(a, task_args={"name": "after", "skip_on_upstream_skip": False})
    return flow
''',
})

RESOURCE_PRELUDE = '''
@resource_manager
class Scratch:
    def __init__(self, label="scratch", fail_setup=False, fail_cleanup=False):
        self.label, self.fail_setup, self.fail_cleanup = label, fail_setup, fail_cleanup

    def setup(self):
        LOG.append(f"setup {self.label}")
        if self.fail_setup:
            raise ValueError("setup failed")
        return {"label": self.label}

    def cleanup(self, resource):
        LOG.append(f"cleanup {resource['label']}")
        if self.fail_cleanup:
            raise ValueError("cleanup failed")

@task
def use(resource, x=1):
    return f"{resource['label']}:{x}"
'''
for _name, _body in {
    "resource_manager_success": '''
def build():
    with Flow("resource") as flow:
        with Scratch("tmp") as res:
            use(res)
    return flow
''',
    "resource_manager_setup_fails": '''
def build():
    with Flow("resource") as flow:
        with Scratch("tmp", fail_setup=True) as res:
            use(res)
    return flow
''',
    "resource_manager_cleanup_fails": '''
def build():
    with Flow("resource") as flow:
        with Scratch("tmp", fail_cleanup=True) as res:
            use(res)
    return flow
''',
    "resource_manager_body_fails_cleanup_runs": '''
@task
def broken(resource):
    raise ValueError("body failed")

def build():
    with Flow("resource") as flow:
        with Scratch("tmp") as res:
            broken(res)
    return flow
''',
    "resource_manager_mapped_body": '''
@task
def items():
    return [1, 2, 3]

def build():
    with Flow("resource") as flow:
        with Scratch("tmp") as res:
            use.map(unmapped(res), items())
    return flow
''',
    "resource_manager_downstream_of_body": '''
def build():
    with Flow("resource") as flow:
        with Scratch("tmp") as res:
            u = use(res)
        shout(u)
    return flow
''',
    "resource_manager_skipped_body": '''
@task
def skipper(resource):
    raise signals.SKIP("nothing to do")

def build():
    with Flow("resource") as flow:
        with Scratch("tmp") as res:
            skipper(res)
    return flow
''',
    "resource_manager_task_names": '''
def observe(flow, state):
    return sorted(t.name for t in flow.tasks)

def build():
    with Flow("resource") as flow:
        with Scratch("tmp") as res:
            use(res)
    return flow
''',
}.items():
    SCENARIOS[_name] = RESOURCE_PRELUDE + _body

SCENARIOS["resource_steps_rerun_on_restart"] = '''
from prefect import resource_manager

CALLS = []

@resource_manager
class Conn:
    def __init__(self):
        CALLS.append("init")

    def setup(self):
        CALLS.append("setup")
        return 1

    def cleanup(self, value):
        CALLS.append("cleanup")

@task
def plus(x, y=1):
    return x + y

def build():
    with Flow("restart") as flow:
        manager = Conn()
        with manager as conn:
            a = plus(conn)
            plus(a, 10)
    states = {manager.init_task: Success(result=Conn.resource_class()), manager.setup_task: Success(),
              manager.cleanup_task: Success(), a: Success(result=2)}
    CALLS.clear()
    return flow, {"task_states": states}

def observe(flow, state):
    return CALLS
'''
SCENARIOS["a_constant_collection_in_a_case_block_stays_outside_it"] = '''
@task(skip_on_upstream_skip=False)
def described(xs):
    return repr(xs)

def build():
    with Flow("case-constants") as flow:
        with case(value(False), True):
            described([1, 2])
            described.map([1, 2])
    return flow
'''
SCENARIOS["a_constant_collection_in_a_failed_resource_block_stays_outside_it"] = '''
from prefect import unmapped
from prefect.triggers import all_finished

@resource_manager
class Broken:
    def setup(self):
        raise RuntimeError("no connection")

    def cleanup(self, resource):
        pass

@task
def use(r, x):
    return x

@task(trigger=all_finished)
def report(results):
    return len(results)

def build():
    with Flow("resource-constants") as flow:
        with Broken() as r:
            used = use.map(unmapped(r), [1, 2])
        report(used)
    return flow
'''
SCENARIOS["a_case_block_left_by_a_caught_exception_is_still_wired"] = '''
def build():
    with Flow("case-exception") as flow:
        condition = value(False)
        try:
            with case(condition, True):
                shout("inside")
                raise RuntimeError("left the block")
        except RuntimeError:
            pass
    return flow
'''
