"""Small public surfaces of Prefect 1's utilities that user code reads: the settings' context
section in a new thread's context, DotDict's repr, the context refusing to pickle, ``raise_on_exception`` in the context."""
from __future__ import annotations

import pickle

import pytest

import flowctl
from flowctl.utilities.collections import DotDict
from flowctl.utilities.debug import raise_on_exception


def test_a_new_thread_s_context_starts_from_the_settings_context_section(monkeypatch):
    import threading

    from flowctl.utilities.configuration import config

    monkeypatch.setitem(config, "context", {"region": "eu"})
    seen = []
    thread = threading.Thread(target=lambda: seen.append(flowctl.context.to_dict()))
    thread.start()
    thread.join()
    assert seen == [{"region": "eu"}]  # what the user set, and nothing else (API.md): no `config`


def test_a_dotdict_shows_its_sorted_keys_never_its_values():
    assert repr(DotDict(token="hunter2", alpha=1)) == "<DotDict: 'alpha', 'token'>"
    assert repr(DotDict()) == "<DotDict>"


def test_the_context_refuses_to_pickle_and_says_how_to_reach_it():
    with pytest.raises(TypeError, match="access context as an attribute of the `flowctl` module"):
        pickle.dumps(flowctl.context)


def test_raise_on_exception_is_in_the_context_inside_its_block():
    with raise_on_exception():
        assert flowctl.context.raise_on_exception is True
    assert flowctl.context.get("raise_on_exception") is None


def test_local_results_default_to_results_under_the_home_directory(monkeypatch, tmp_path):
    from flowctl.engine.results import LocalResult
    from flowctl.utilities.configuration import config

    monkeypatch.setitem(config, "home_dir", str(tmp_path / "home"))
    assert LocalResult().dir == str(tmp_path / "home" / "results")
    assert LocalResult(dir=str(tmp_path / "mine")).dir == str(tmp_path / "mine")
    # as Prefect 1's: the home directory itself, or a folder inside it, means its results folder
    assert LocalResult(dir=str(tmp_path / "home")).dir == str(tmp_path / "home" / "results")
    assert LocalResult(dir=str(tmp_path / "home" / "other")).dir == str(tmp_path / "home" / "results")
    assert LocalResult(dir=str(tmp_path / "homely")).dir == str(tmp_path / "homely")  # a sibling is not inside


def test_a_callable_location_is_kept_apart_and_formats_each_write(tmp_path):
    """Prefect 1 keeps a callable location as the result's formatter: ``location`` stays None (so the
    result compares equal after a pickle) and each ``format``/``write`` calls it with the run's values."""
    import cloudpickle

    from flowctl.engine.results import LocalResult

    def where(**kwargs):
        return f"{kwargs['task_name']}.out"

    result = LocalResult(dir=str(tmp_path), location=where)
    assert result.location is None
    assert result.format(task_name="a").location == "a.out"
    assert cloudpickle.loads(cloudpickle.dumps(result)).location is None
    written = result.write([1, 2], task_name="b")
    assert written.location == str(tmp_path / "b.out") and result.read(written.location).value == [1, 2]
