"""Prefect 1.x Core idioms "testing flows", "task results", "logging", "resource
manager", "targets", "templating" and "pause for approval", ported to flowctl
(only ``prefect`` -> ``flowctl`` in imports).
"""
from __future__ import annotations

import logging
import os

import pytest

import flowctl
from flowctl import Flow, Parameter, Task, resource_manager, task
from flowctl.core.edge import Edge
from flowctl.engine.results import LocalResult
from flowctl.triggers import manual_only
from printed_output import printed


# --- testing-flows.md -------------------------------------------------------------------------


def _functional_testing_flow():
    @task
    def extract():
        return 10

    @task
    def transform(x):
        return x + 10

    @task
    def load(x):
        print(x)

    with Flow("testing-example") as flow:
        e = extract()
        t = transform(e)
        l = load(t)
    return flow, e, t, l


def _imperative_testing_flow():
    class Extract(Task):
        def run(self):
            return 10

    class Transform(Task):
        def run(self, x):
            return x + 10

    class Load(Task):
        def run(self, x):
            print(x)

    flow = Flow("testing-example")

    e = Extract()
    t = Transform()
    l = Load()

    flow.add_edge(upstream_task=e, downstream_task=t, key="x")
    flow.add_edge(upstream_task=t, downstream_task=l, key="x")
    return flow, e, t, l


@pytest.fixture(params=["functional", "imperative"])
def testing_flow(request):
    return _functional_testing_flow() if request.param == "functional" else _imperative_testing_flow()


def test_flow_composition_has_three_tasks_two_keyed_edges(testing_flow):
    flow, e, t, l = testing_flow
    assert e in flow.tasks
    assert t in flow.tasks
    assert l in flow.tasks
    assert len(flow.tasks) == 3

    assert flow.root_tasks() == set([e])
    assert flow.terminal_tasks() == set([l])

    assert len(flow.edges) == 2
    assert Edge(upstream_task=e, downstream_task=t, key="x") in flow.edges
    assert Edge(upstream_task=t, downstream_task=l, key="x") in flow.edges


def test_flow_and_every_task_state_is_successful(testing_flow):
    flow, e, t, l = testing_flow
    state = flow.run()

    assert state.is_successful()
    assert state.result[e].is_successful()
    assert state.result[t].is_successful()
    assert state.result[l].is_successful()


def test_task_results_are_read_from_flow_state(testing_flow, capsys):
    flow, e, t, l = testing_flow
    state = flow.run()

    assert state.result[e].result == 10
    assert state.result[t].result == 20
    assert state.result[l].result == None  # noqa: E711 - as written in the docs
    assert printed(capsys).strip() == "20"


# --- task-results.md --------------------------------------------------------------------------


def test_accessing_task_results_locally_functional_api():
    @task
    def get_value():
        return 10

    @task
    def add_value(v):
        return v + 10

    @task
    def print_value(v):
        print(v)

    with Flow("task-results") as flow:
        v = get_value()
        v_added = add_value(v)
        p = print_value(v_added)

    state = flow.run()

    assert state.result[v].result == 10
    assert state.result[v_added].result == 20
    assert state.result[p].result == None  # noqa: E711 - task does not return a result


def test_accessing_task_results_locally_imperative_api():
    class GetValue(Task):
        def run(self):
            return 10

    class AddValue(Task):
        def run(self, v):
            return v + 10

    class PrintValue(Task):
        def run(self, v):
            print(v)

    flow = Flow("task-results")

    get_value = GetValue()
    add_value = AddValue()
    print_value = PrintValue()

    get_value.set_downstream(add_value, key="v", flow=flow)
    add_value.set_downstream(print_value, key="v", flow=flow)

    state = flow.run()

    assert state.result[get_value].result == 10
    assert state.result[add_value].result == 20
    assert state.result[print_value].result == None  # noqa: E711


# --- logging.md -------------------------------------------------------------------------------


def _messages(caplog, level):
    return [r.getMessage() for r in caplog.records if r.levelname == level]


def test_context_logger_in_functional_task_logs_info_and_warning(caplog):
    @task
    def my_task():
        logger = flowctl.context.get("logger")

        logger.info("An info message.")
        logger.warning("A warning message.")

    flow = Flow("logging", tasks=[my_task])
    with caplog.at_level(logging.INFO):
        assert flow.run().is_successful()
    assert "An info message." in _messages(caplog, "INFO")
    assert "A warning message." in _messages(caplog, "WARNING")


def test_self_logger_in_task_class_logs_info_and_warning(caplog):
    class MyTask(flowctl.Task):
        def run(self):
            self.logger.info("An info message.")
            self.logger.warning("A warning message.")

    flow = Flow("logging", tasks=[MyTask()])
    with caplog.at_level(logging.INFO):
        assert flow.run().is_successful()
    assert "An info message." in _messages(caplog, "INFO")
    assert "A warning message." in _messages(caplog, "WARNING")


def test_log_stdout_sends_print_output_to_the_logger_functional(caplog):
    @task(log_stdout=True)
    def my_task():
        print("This will be logged!")

    flow = Flow("log-stdout", tasks=[my_task])
    with caplog.at_level(logging.INFO):
        assert flow.run().is_successful()
    assert "This will be logged!" in caplog.messages


def test_log_stdout_sends_print_output_to_the_logger_imperative(caplog):
    class MyTask(Task):
        def run(self):
            print("This will be logged!")

    flow = Flow("log-stdout")

    my_task = MyTask(log_stdout=True)
    flow.add_task(my_task)
    with caplog.at_level(logging.INFO):
        assert flow.run().is_successful()
    assert "This will be logged!" in caplog.messages


def test_print_is_not_logged_by_default(caplog, capsys):
    @task
    def my_task():
        print("Only on stdout")

    flow = Flow("no-log-stdout", tasks=[my_task])
    with caplog.at_level(logging.DEBUG):
        flow.run()
    assert "Only on stdout" not in caplog.messages
    assert "Only on stdout" in printed(capsys)


def test_logging_level_is_configurable():
    assert str(flowctl.config.logging.level).upper() in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "NOTSET"}
    assert flowctl.config.logging.format


# --- resource-manager.md (a local stand-in replaces the dask Client) -------------------------


class FakeClient:
    instances: list = []

    def __init__(self, n_workers=None):
        self.n_workers = n_workers
        self.closed = False
        FakeClient.instances.append(self)

    def close(self):
        self.closed = True


@resource_manager
class DaskCluster:
    """Create a temporary dask cluster.

    Args:
        - n_workers (int, optional): The number of workers to start.
    """

    def __init__(self, n_workers=None):
        self.n_workers = n_workers

    def setup(self):
        """Create a temporary dask cluster, returning the `Client`"""
        return FakeClient(n_workers=self.n_workers)

    def cleanup(self, client):
        """Shutdown the temporary dask cluster"""
        client.close()


@pytest.fixture(autouse=False)
def fake_clients():
    FakeClient.instances = []
    return FakeClient.instances


def _write(df, path):
    with open(path, "w") as f:
        f.write(",".join(f"{k}={v}" for k, v in sorted(df.items())))
    return path


def test_resource_manager_sets_up_client_runs_block_and_cleans_up(fake_clients, tmp_path):
    @task
    def load_data():
        """Load some data"""
        return [1, 2, 3, 4]

    @task
    def summarize(df, client):
        """Compute a summary on the data"""
        assert not client.closed
        return {"count": len(df), "workers": client.n_workers}

    @task
    def write_csv(df, path):
        """Write the summary to disk as a csv"""
        return _write(df, path)

    with Flow("dask-example") as flow:
        n_workers = Parameter("n_workers", default=None)
        out_path = Parameter("out_path", default="summary.csv")

        with DaskCluster(n_workers=n_workers) as client:
            df = load_data()
            summary = summarize(df, client)

        write_csv(summary, out_path)

    out = tmp_path / "summary.csv"
    state = flow.run(parameters={"n_workers": 2, "out_path": str(out)})
    assert state.is_successful()
    assert state.result[summary].result == {"count": 4, "workers": 2}
    assert out.read_text() == "count=4,workers=2"
    assert len(fake_clients) == 1 and fake_clients[0].closed


def test_resource_is_cleaned_up_even_if_a_task_inside_fails(fake_clients):
    @task
    def summarize(client):
        raise RuntimeError("boom")

    with Flow("dask-example") as flow:
        with DaskCluster(n_workers=1) as client:
            s = summarize(client)

    state = flow.run()
    assert state.result[s].is_failed()
    assert state.is_failed()
    assert len(fake_clients) == 1 and fake_clients[0].closed


def test_resource_manager_with_imperative_api(fake_clients, tmp_path):
    class LoadData(Task):
        def run(self):
            return [1, 2, 3]

    class Summarize(Task):
        def run(self, df, client):
            return {"count": len(df), "workers": client.n_workers}

    class WriteCSV(Task):
        def run(self, df, path):
            return _write(df, path)

    flow = Flow("dask-example")
    n_workers = Parameter("n_workers", default=None)
    out_path = Parameter("out_path", default=str(tmp_path / "summary.csv"))

    with DaskCluster(n_workers=n_workers, flow=flow) as client:
        df = LoadData()
        summary = Summarize().bind(df, client, flow=flow)

    WriteCSV().bind(summary, out_path, flow=flow)

    state = flow.run()
    assert state.is_successful()
    assert state.result[summary].result == {"count": 3, "workers": None}
    assert (tmp_path / "summary.csv").read_text() == "count=3,workers=None"
    assert len(fake_clients) == 1 and fake_clients[0].closed


# --- targets.md -------------------------------------------------------------------------------


def test_target_caches_result_for_the_day(tmp_path, capsys):
    calls = []

    @task(result=LocalResult(dir=str(tmp_path)), target="{task_name}-{today}")
    def get_data():
        calls.append(1)
        return [1, 2, 3, 4, 5]

    @task
    def print_data(data):
        print(data)

    with Flow("using-targets") as flow:
        data = get_data()
        print_data(data)

    # as in Prefect 1, targets are written only with checkpointing on (the docs set it for local runs)
    first = flow.run(context={"checkpointing": True})
    assert first.is_successful()
    today = flowctl.context.get("today")  # outside a run: compute the file name ourselves
    written = [p.name for p in tmp_path.iterdir()]
    assert len(written) == 1 and written[0].startswith("get_data-")
    assert today is None or written[0] == f"get_data-{today}"

    second = flow.run(context={"checkpointing": True})
    assert second.result[data].is_cached()
    assert second.result[data].result == [1, 2, 3, 4, 5]
    assert calls == [1]
    assert printed(capsys).count("[1, 2, 3, 4, 5]") == 2


def test_target_with_imperative_api(tmp_path):
    class GetData(Task):
        def run(self):
            return [1, 2, 3, 4, 5]

    class PrintData(Task):
        def run(self, data):
            return data

    flow = Flow("using-targets")

    get_data = GetData(result=LocalResult(dir=str(tmp_path)), target="{task_name}-{today}")

    print_data = PrintData()
    print_data.set_upstream(get_data, key="data", flow=flow)

    assert flow.run(context={"checkpointing": True}).result[get_data].is_successful()
    state = flow.run(context={"checkpointing": True})  # targets are written only when checkpointing
    assert state.result[get_data].is_cached()
    assert state.result[print_data].result == [1, 2, 3, 4, 5]


# --- templating.md (result locations) ---------------------------------------------------------


def test_result_location_callable_receives_flow_parameters(tmp_path):
    result_basepath = Parameter("result_basepath", default="~")

    def format_location(result_basepath, task_name, **kwargs):
        return f"{os.path.expanduser(result_basepath)}/{task_name}.prefect"

    @task(result=LocalResult(location=format_location), checkpoint=True)
    def my_task():
        return [1, 2, 3, 4]

    with Flow("local-result-parametrized") as flow:
        t = my_task()

    # Ensure the parameter is registered to the flow even though no task uses it
    flow.add_task(result_basepath)

    with flowctl.utilities.configuration.set_temporary_config({"flows.checkpointing": True}):
        state = flow.run(parameters={"result_basepath": str(tmp_path)})
    assert state.is_successful()
    assert (tmp_path / "my_task.prefect").exists()
    assert LocalResult().read(str(tmp_path / "my_task.prefect")).value == [1, 2, 3, 4]
    assert state.result[t].result == [1, 2, 3, 4]


def test_result_location_callable_uses_context_date(tmp_path):
    def format_location(date, task_name, **kwargs):
        return os.path.join(str(tmp_path), f"{date.year}-{date.month}_{task_name}.prefect")

    @task(result=LocalResult(location=format_location), checkpoint=True)
    def my_task():
        return [1, 2, 3, 4]

    with Flow("local-result-with-date-parsing") as flow:
        my_task()

    with flowctl.utilities.configuration.set_temporary_config({"flows.checkpointing": True}):
        assert flow.run().is_successful()
    written = [p.name for p in tmp_path.iterdir()]
    assert len(written) == 1
    year_month, name = written[0].split("_", 1)
    assert name == "my_task.prefect"
    year, month = year_month.split("-")
    assert len(year) == 4 and 1 <= int(month) <= 12


# --- pause-for-approval.md --------------------------------------------------------------------


def test_manual_only_trigger_pauses_deploy_until_approved(capsys):
    @task
    def build():
        print("build task")
        return True

    @task
    def test(build_result):
        print("test task")
        build_result == True  # noqa: E712,B015 - as written in the docs

    @task(trigger=manual_only)
    def deploy():
        print("deploy task")
        pass

    with Flow("code_deploy") as flow:
        res = build()
        t = test(res)
        d = deploy(upstream_tasks=[t])

    state = flow.run()
    assert state.result[res].is_successful()
    assert state.result[t].is_successful()
    assert state.result[d].is_paused()
    assert not state.is_finished() or not state.is_successful()
    out = printed(capsys)
    assert "build task" in out and "test task" in out
    assert "deploy task" not in out


# --- notifications.md: state handlers -------------------------------------------------------


def test_state_handler_notification_is_called_on_each_task_state_change():
    notified = []

    def notify(task, old_state, new_state):
        notified.append((task.name, type(old_state).__name__, type(new_state).__name__))
        return new_state

    @task(state_handlers=[notify])
    def get_value():
        return "Test SlackTask!"

    flow = Flow("slack-test", tasks=[get_value])
    assert flow.run().is_successful()
    assert ("get_value", "Running", "Success") in notified
