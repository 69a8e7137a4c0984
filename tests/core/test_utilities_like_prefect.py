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
