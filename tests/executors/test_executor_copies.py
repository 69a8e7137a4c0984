"""Executors copy and pickle as their settings (a flow holding one can be deep-copied or
cloudpickled, as with Prefect 1): a copy is a fresh executor that has not started."""
from __future__ import annotations

import copy
import pickle

import cloudpickle

from flowctl import Flow, task
from flowctl.executors import DaskExecutor, LocalDaskExecutor, LocalExecutor


@task
def double(x):
    return 2 * x


def test_a_flow_with_a_local_dask_executor_deep_copies_pickles_and_runs():
    with Flow("copied", executor=LocalDaskExecutor("threads", num_workers=2)) as flow:
        doubled = double.map([1, 2, 3])
    for duplicate in (copy.deepcopy(flow), pickle.loads(cloudpickle.dumps(flow))):
        executor = duplicate.executor
        assert (executor.scheduler, executor.num_workers) == ("threads", 2)
        assert executor is not flow.executor
    state = copy.deepcopy(flow).run()
    assert state.is_successful()
    assert [child.result for child in state.result[[t for t in state.result if t.name == "double"][0]].map_states] \
        == [2, 4, 6]
    assert doubled in flow.tasks


def test_local_dask_executor_takes_dasks_scheduler_names_and_settings_as_prefect_1_does():
    names = {"Threading": "threads", "multiprocessing": "processes", "single-threaded": "synchronous",
             "SYNC": "synchronous"}
    for name, scheduler in names.items():
        assert LocalDaskExecutor(name).scheduler == scheduler
    executor = LocalDaskExecutor(nthreads=4, pool=None)  # Dask settings Prefect 1 passes to Dask
    assert executor.dask_config == {"nthreads": 4, "pool": None}
    assert pickle.loads(cloudpickle.dumps(executor)).dask_config == {"nthreads": 4, "pool": None}
    with Flow("settings") as flow:
        double.map([1, 2])
    state = flow.run(executor=executor)
    assert [child.result for child in state.result[flow.get_tasks(name="double")[0]].map_states] == [2, 4]


def test_a_started_executor_copies_as_an_unstarted_one():
    executor = LocalDaskExecutor("threads")
    with executor.start():
        duplicate = copy.deepcopy(executor)
    assert duplicate._pool is None and duplicate.scheduler == "threads"


def test_a_dask_executor_keeps_its_settings_through_a_pickle():
    executor = DaskExecutor(address="tcp://127.0.0.1:8786", client_kwargs={"set_as_default": False},
                            connect_timeout=3)
    duplicate = pickle.loads(cloudpickle.dumps(Flow("f", executor=executor))).executor
    assert (duplicate.address, duplicate.client_kwargs, duplicate.connect_timeout) == (
        "tcp://127.0.0.1:8786", {"set_as_default": False}, 3)
    assert duplicate.client is None
    assert isinstance(copy.deepcopy(LocalExecutor()), LocalExecutor)


def test_an_address_with_cluster_settings_is_refused():
    import pytest

    for settings in ({"cluster_kwargs": {"n_workers": 1}}, {"cluster_class": "distributed.LocalCluster"}):
        with pytest.raises(ValueError, match="Cannot specify `address` and `cluster_class`/`cluster_kwargs`"):
            DaskExecutor(address="tcp://127.0.0.1:8786", **settings)


def test_a_performance_report_path_gets_dasks_report_of_the_run(dask_cluster, tmp_path, caplog):
    """Prefect 1's ``performance_report_path``: Dask's HTML report of the run, readable by its owner only;
    without bokeh (Dask draws the report with it; not a flowctl dependency) the run goes on, warned.
    It is a setting, so it survives a pickle too."""
    import os
    import stat
    from importlib.util import find_spec

    report = tmp_path / "report.html"
    executor = DaskExecutor(address=dask_cluster.scheduler_address, performance_report_path=str(report))
    assert pickle.loads(cloudpickle.dumps(executor)).performance_report_path == str(report)
    with Flow("reported") as flow:
        double.map([1, 2, 3])
    assert flow.run(executor=executor).is_successful()
    assert DaskExecutor().performance_report == ""
    if find_spec("bokeh") is None:
        assert not report.exists() and executor.performance_report == ""
        assert f"No performance report will be written to {report}: Dask needs bokeh" in caplog.text
        return
    assert "Dask Performance Report" in report.read_text() == executor.performance_report
    assert stat.S_IMODE(os.stat(report).st_mode) == 0o600


def test_the_settings_give_a_dask_executor_its_address_or_cluster_class(dask_cluster):
    """Prefect 1's ``engine.executor.dask.address`` / ``cluster_class`` settings (``FLOWCTL__ENGINE__
    EXECUTOR__DASK__ADDRESS``): a DaskExecutor made with neither runs on that cluster."""
    import pytest

    from flowctl.utilities.configuration import set_temporary_config

    with set_temporary_config({"engine.executor.dask.address": dask_cluster.scheduler_address}):
        executor = DaskExecutor()
        assert executor.address == dask_cluster.scheduler_address
        with pytest.raises(ValueError, match="Cannot specify `address` and `cluster_class`/`cluster_kwargs`"):
            DaskExecutor(cluster_kwargs={"n_workers": 1})
        with Flow("configured") as flow:
            double(4)
        assert flow.run(executor=executor).is_successful()
        assert executor.describe() == {"executor": "dask", "address": dask_cluster.scheduler_address}
    with set_temporary_config({"engine.executor.dask.cluster_class": "distributed.LocalCluster"}):
        assert DaskExecutor().cluster_class == "distributed.LocalCluster" and DaskExecutor().address is None
        assert DaskExecutor(address="tcp://127.0.0.1:8786").cluster_class is None


def test_performance_report_reads_what_is_at_the_path(tmp_path):
    report = tmp_path / "report.html"
    executor = DaskExecutor(performance_report_path=str(report))
    assert executor.performance_report == ""  # nothing written yet
    report.write_text("<html>a report</html>")
    assert executor.performance_report == "<html>a report</html>"
