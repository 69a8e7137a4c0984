"""Prefect 1.x Core "Tutorial" (Aircraft ETL) doc examples, ported to flowctl.

The tutorial's ``aircraftlib`` calls live web APIs; here a local stand-in with the
same function names serves canned data (monkeypatched per test), keeping the flow
structure of each tutorial step. Only ``prefect`` -> ``flowctl`` in imports changed.
"""
from __future__ import annotations

import datetime
import types
from datetime import timedelta

import pytest

from flowctl import Flow, Parameter, task
from flowctl.engine import TaskRunner
from flowctl.engine.state import Retrying
from flowctl.executors import LocalDaskExecutor
from printed_output import printed


# --- a local stand-in for aircraftlib ---------------------------------------------------------


class _RefData:
    def __init__(self):
        self.airports = {
            "IAD": {"latitude": "38.9519444444", "longitude": "-77.4480555556"},
            "DCA": {"latitude": "38.8521", "longitude": "-77.0377"},
        }
        self.airlines = {"UAL": "United"}


def _make_aclib():
    calls = {"live": [], "db_live": [], "db_ref": []}
    lib = types.SimpleNamespace(calls=calls)
    lib.Position = lambda lat, long: (lat, long)
    lib.bounding_box = lambda pos, radius_km: ("box", pos, radius_km)
    lib.fetch_reference_data = lambda: _RefData()

    def fetch_live_aircraft_data(area=None):
        calls["live"].append(area)
        return [{"icao": "a1", "callsign": "UAL1 "}, {"icao": None}, {"icao": "b2", "callsign": "UAL2"}]

    def clean_vector(raw):
        return dict(raw, callsign=raw["callsign"].strip()) if raw.get("icao") else None

    def add_airline_info(vector, airlines):
        vector["airline"] = airlines.get(vector["callsign"][:3])

    class Database:
        def add_live_aircraft_data(self, data):
            calls["db_live"].append(data)

        def update_reference_data(self, ref):
            calls["db_ref"].append(ref)

    lib.fetch_live_aircraft_data = fetch_live_aircraft_data
    lib.clean_vector = clean_vector
    lib.add_airline_info = add_airline_info
    lib.Database = Database
    return lib


aclib = _make_aclib()


@pytest.fixture(autouse=True)
def fake_aircraftlib(monkeypatch):
    lib = _make_aclib()
    monkeypatch.setattr(f"{__name__}.aclib", lib)
    return lib


# --- 02-etl-flow.md ---------------------------------------------------------------------------


@task
def extract_reference_data():
    return aclib.fetch_reference_data()


@task
def extract_live_data():
    dulles_airport_position = aclib.Position(lat=38.9519444444, long=-77.4480555556)
    area_surrounding_dulles = aclib.bounding_box(dulles_airport_position, radius_km=200)
    print("fetching live aircraft data...")
    return aclib.fetch_live_aircraft_data(area=area_surrounding_dulles)


@task
def transform(live_data, reference_data):
    live_aircraft_data = []
    for raw_vector in live_data:
        vector = aclib.clean_vector(raw_vector)
        if vector:
            aclib.add_airline_info(vector, reference_data.airlines)
            live_aircraft_data.append(vector)
    return live_aircraft_data


@task
def load_reference_data(reference_data):
    aclib.Database().update_reference_data(reference_data)


@task
def load_live_data(transformed_data):
    aclib.Database().add_live_aircraft_data(transformed_data)


def test_etl_flow_builds_graph_without_running_then_runs_in_order(fake_aircraftlib):
    with Flow("Aircraft-ETL") as flow:
        reference_data = extract_reference_data()
        live_data = extract_live_data()

        transformed_live_data = transform(live_data, reference_data)

        load_reference_data(reference_data)
        load_live_data(transformed_live_data)

    # none of the tasks are executed while the flow is built
    assert fake_aircraftlib.calls["live"] == []
    assert len(flow.tasks) == 5
    assert flow.root_tasks() == {reference_data, live_data}
    assert flow.upstream_tasks(transformed_live_data) == {live_data, reference_data}

    state = flow.run()
    assert state.is_successful()
    assert fake_aircraftlib.calls["live"] == [("box", (38.9519444444, -77.4480555556), 200)]
    assert state.result[transformed_live_data].result == [
        {"icao": "a1", "callsign": "UAL1", "airline": "United"},
        {"icao": "b2", "callsign": "UAL2", "airline": "United"},
    ]
    assert fake_aircraftlib.calls["db_live"] == [state.result[transformed_live_data].result]
    assert len(fake_aircraftlib.calls["db_ref"]) == 1


def test_reference_data_is_loaded_even_when_live_data_extraction_fails(fake_aircraftlib):
    def broken(area=None):
        raise ConnectionError("API unavailable")

    fake_aircraftlib.fetch_live_aircraft_data = broken
    with Flow("Aircraft-ETL") as flow:
        reference_data = extract_reference_data()
        live_data = extract_live_data()
        transformed_live_data = transform(live_data, reference_data)
        loaded_ref = load_reference_data(reference_data)
        loaded_live = load_live_data(transformed_live_data)

    state = flow.run()
    assert state.is_failed()
    assert state.result[live_data].is_failed()
    assert state.result[loaded_live].is_failed()  # TriggerFailed downstream
    assert state.result[loaded_ref].is_successful()
    assert len(fake_aircraftlib.calls["db_ref"]) == 1


# --- 03-parameterized-flow.md -----------------------------------------------------------------


@task
def extract_live_data_near(airport, radius, ref_data):
    # Get the live aircraft vector data around the given airport (or none)
    area = None
    if airport:
        airport_data = ref_data.airports[airport]
        airport_position = aclib.Position(
            lat=float(airport_data["latitude"]), long=float(airport_data["longitude"])
        )
        area = aclib.bounding_box(airport_position, radius)

    print("fetching live aircraft data...")
    raw_aircraft_data = aclib.fetch_live_aircraft_data(area=area)

    return raw_aircraft_data


def _parameterized_flow():
    with Flow("Aircraft-ETL") as flow:
        airport = Parameter("airport", default="IAD")
        radius = Parameter("radius", default=200)

        reference_data = extract_reference_data()
        live_data = extract_live_data_near(airport, radius, reference_data)

        transformed_live_data = transform(live_data, reference_data)

        load_reference_data(reference_data)
        load_live_data(transformed_live_data)
    return flow, live_data, reference_data


def test_parameterized_flow_uses_defaults_then_run_keyword_override(fake_aircraftlib, capsys):
    flow, live_data, reference_data = _parameterized_flow()
    assert {p.name for p in flow.parameters()} == {"airport", "radius"}
    # fetching live data now depends on obtaining the reference data
    assert reference_data in flow.upstream_tasks(live_data)

    # Run the Flow with default airport=IAD & radius=200
    assert flow.run().is_successful()
    # ...default radius and a different airport!
    assert flow.run(airport="DCA").is_successful()

    assert fake_aircraftlib.calls["live"] == [
        ("box", (38.9519444444, -77.4480555556), 200),
        ("box", (38.8521, -77.0377), 200),
    ]
    assert printed(capsys).count("fetching live aircraft data...") == 2


def test_parameterized_flow_with_empty_airport_fetches_all_aircraft(fake_aircraftlib):
    flow, *_ = _parameterized_flow()
    assert flow.run(parameters={"airport": None}).is_successful()
    assert fake_aircraftlib.calls["live"] == [None]


# --- 04-handling-failure.md -------------------------------------------------------------------


def _flaky(fail_times):
    attempts = {"n": 0}

    def fetch():
        attempts["n"] += 1
        if attempts["n"] <= fail_times:
            raise ConnectionError("request timed out")
        return _RefData()

    return fetch, attempts


def test_extract_task_with_retries_enters_retrying_with_ten_second_delay(fake_aircraftlib):
    fetch, attempts = _flaky(fail_times=1)
    fake_aircraftlib.fetch_reference_data = fetch

    @task(max_retries=3, retry_delay=timedelta(seconds=10))
    def extract_reference_data():
        return aclib.fetch_reference_data()

    before = datetime.datetime.now(datetime.timezone.utc)
    state = TaskRunner(extract_reference_data).run()
    assert isinstance(state, Retrying)
    assert state.is_retrying()
    assert state.run_count == 1
    start = state.start_time
    if start.tzinfo is None:
        start = start.replace(tzinfo=datetime.timezone.utc)
    assert start >= before + timedelta(seconds=9)


def test_transient_extract_failures_are_retried_until_success(fake_aircraftlib):
    fetch, attempts = _flaky(fail_times=2)
    fake_aircraftlib.fetch_reference_data = fetch

    # same retry policy as the tutorial, with a short delay to keep the test quick
    @task(max_retries=3, retry_delay=timedelta(seconds=0.05))
    def extract_reference_data():
        return aclib.fetch_reference_data()

    with Flow("Aircraft-ETL") as flow:
        ref = extract_reference_data()
        load_reference_data(ref)
    state = flow.run()
    assert state.is_successful()
    assert attempts["n"] == 3
    assert len(fake_aircraftlib.calls["db_ref"]) == 1


def test_extract_gives_up_after_max_retries(fake_aircraftlib):
    fetch, attempts = _flaky(fail_times=10)
    fake_aircraftlib.fetch_reference_data = fetch

    @task(max_retries=3, retry_delay=timedelta(seconds=0.01))
    def extract_reference_data():
        return aclib.fetch_reference_data()

    with Flow("Aircraft-ETL") as flow:
        ref = extract_reference_data()
    state = flow.run()
    assert state.is_failed()
    assert state.result[ref].is_failed()
    assert attempts["n"] == 4  # one run plus three retries


# --- 06-parallel-execution.md -----------------------------------------------------------------


def test_parameterized_etl_runs_on_a_parallel_executor(fake_aircraftlib):
    flow, live_data, _ = _parameterized_flow()
    state = flow.run(executor=LocalDaskExecutor(scheduler="threads"))
    assert state.is_successful()
    assert len(state.result[live_data].result) == 3
    assert len(fake_aircraftlib.calls["db_live"]) == 1


def test_parameterized_etl_runs_on_a_temporary_dask_cluster(fake_aircraftlib):
    pytest.importorskip("distributed")
    from flowctl.executors import DaskExecutor

    flow, live_data, _ = _parameterized_flow()
    state = flow.run(executor=DaskExecutor(cluster_kwargs={"n_workers": 1, "processes": False}))
    assert state.is_successful()
    assert len(state.result[live_data].result) == 3
