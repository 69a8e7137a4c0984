"""The store database: layout and modes, batched writes, liveness, claims, checksums, prune."""
from __future__ import annotations

import os
import stat
import time

import pytest

from flowctl.store import prune as prune_module
from flowctl.store import query, values
from flowctl.store.db import connect
from flowctl.store.runs import STALE_S, ActiveRun, ResumeRefused, effective_state


def _start(root, flow="f", resumed_from=None, force=False):
    info = {"flow": flow, "target": "f.py", "parameters": {"n": 1}, "checkpoint": True}
    return ActiveRun(root, info, resumed_from=resumed_from, force=force)


def _finish(run, state="Failed"):
    return run.finish(state, 0.1, {state: 1}, [], 0, 1, 0, None)


def _age(root, run_id, seconds):
    connection = connect(root, create=False)
    connection.execute("UPDATE runs SET heartbeat = heartbeat - ?, started = started - ? WHERE run_id = ?",
                       (seconds, seconds, run_id))
    connection.close()


def test_the_state_directory_is_private_and_ignored_by_git(tmp_path):
    root = tmp_path / ".flowctl"
    _finish(_start(root))
    assert (root / ".gitignore").read_text() == "*\n"
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_rows_queued_by_many_children_are_committed_in_batches(tmp_path):
    run = _start(tmp_path)
    run.register_tasks([(0, "inc", "inc-1", b"f" * 16)])
    for index in range(20_000):
        run.task_run(0, index, "Success", 1, None, 1.0, None, values.encode(values.dumps(index)))
    assert _finish(run, "Success") is None
    stored, succeeded, _ = query.checkpoints(tmp_path, run.rowid)
    assert len(stored[b"f" * 16]) == 20_000 and len(succeeded["inc-1"]) == 20_000


def test_a_run_whose_heartbeat_is_stale_is_crashed_without_looking_at_pids(tmp_path):
    run = _start(tmp_path)
    run._stop.set()  # as if the process had been killed: no more heartbeats
    [row] = query.list_runs(tmp_path)
    assert row["state"] == "Running"
    _age(tmp_path, run.run_id, STALE_S + 1)
    [row] = query.list_runs(tmp_path)
    assert row["state"] == "Crashed"
    assert effective_state("Running", time.time()) == "Running"


def test_a_second_resumer_of_the_same_run_is_refused_while_the_first_is_alive(tmp_path):
    first = _start(tmp_path)
    _finish(first)
    resumer = _start(tmp_path, resumed_from=first.run_id)
    with pytest.raises(ResumeRefused, match=f"being resumed by run {resumer.run_id}"):
        _start(tmp_path, resumed_from=first.run_id)
    _finish(resumer)
    with pytest.raises(ResumeRefused, match="already resumed .* --force"):
        _start(tmp_path, resumed_from=first.run_id)
    _finish(_start(tmp_path, resumed_from=first.run_id, force=True))


def test_checkpoint_bytes_that_do_not_match_their_checksum_are_refused(tmp_path):
    inline, digest, blob = values.encode(values.dumps({"a": 1}))
    assert values.loads(values.read_bytes(tmp_path, inline, digest, blob)) == {"a": 1}
    with pytest.raises(values.CorruptCheckpoint):
        values.read_bytes(tmp_path, inline[:-1] + b"\x00", digest, blob)


def test_large_values_become_private_content_addressed_blobs(tmp_path):
    data = values.dumps(b"x" * (values.BLOB_THRESHOLD + 10))
    inline, digest, blob = values.encode(data)
    assert inline is None and blob is not None
    values.write_blob(tmp_path, blob, data)
    path = values.blob_path(tmp_path, blob)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert values.read_bytes(tmp_path, inline, digest, blob) == data


def test_a_planted_blob_is_refused_with_a_message(tmp_path):
    data = values.dumps(list(range(300_000)))
    inline, digest, blob = values.encode(data)
    values.write_blob(tmp_path, blob, data)
    path = values.blob_path(tmp_path, blob)
    os.chmod(path, 0o644)
    with pytest.raises(values.CorruptCheckpoint, match="0644"):
        values.read_bytes(tmp_path, inline, digest, blob)
    os.unlink(path)
    path.write_bytes(values.dumps("planted"))
    os.chmod(path, 0o600)
    with pytest.raises(values.CorruptCheckpoint, match="SHA-256"):
        values.read_bytes(tmp_path, inline, digest, blob)


def test_prune_keeps_the_latest_runs_per_flow_and_never_a_live_one(tmp_path):
    ids = []
    for number in range(4):
        run = _start(tmp_path, flow="a")
        _finish(run)
        _age(tmp_path, run.run_id, 100 - number)
        ids.append(run.run_id)
    other = _start(tmp_path, flow="b")
    _finish(other)
    live = _start(tmp_path, flow="a")
    _age(tmp_path, live.run_id, 1000)  # oldest of all, but its heartbeat is fresh... after the next beat
    connection = connect(tmp_path, create=False)
    connection.execute("UPDATE runs SET heartbeat = ? WHERE run_id = ?", (time.time(), live.run_id))
    connection.close()
    assert prune_module.prune(tmp_path, keep=2) == 2
    left = {row["run_id"] for row in query.list_runs(tmp_path)}
    assert left == {ids[2], ids[3], other.run_id, live.run_id}
    _finish(live)


def test_prune_older_than_deletes_old_runs_and_their_task_runs(tmp_path):
    run = _start(tmp_path)
    run.register_tasks([(0, "t", "t-1", b"f" * 16)])
    run.task_run(0, None, "Success", 1, None, 1.0, None, values.encode(values.dumps(1)))
    _finish(run)
    _age(tmp_path, run.run_id, 8 * 86400)
    assert prune_module.prune(tmp_path, keep=None, older_than_s=prune_module.parse_age("7d")) == 1
    connection = connect(tmp_path, create=False)
    assert connection.execute("SELECT COUNT(*) FROM task_runs").fetchone()[0] == 0
    connection.close()


def test_ages_are_read_with_their_unit():
    assert prune_module.parse_age("7d") == 7 * 86400 and prune_module.parse_age("12h") == 43200
    with pytest.raises(ValueError, match="7d"):
        prune_module.parse_age("seven")


def test_packed_children_read_back_with_their_values_checksums_and_times():
    from flowctl.store.children import pack, unpack

    rows = [(7, 2, 5, 1, 10.0, 10.5, b"five", b"c" * 16), (7, 2, 1, 3, None, 11.0, None, None),
            (7, 3, 0, 1, 12.0, 12.5, b"", b"d" * 16)]
    packed = list(pack(rows, seq=40))
    assert [(row[0], row[1], row[2], row[3], row[4]) for row in packed] == [(7, 2, 40, 2, 1), (7, 3, 41, 1, 1)]
    first = list(unpack(packed[0][3:4] + packed[0][5:]))
    assert first == [(5, 1, 10.0, 10.5, b"five", b"c" * 16), (1, 3, None, 11.0, None, None)]
    assert list(unpack(packed[1][3:4] + packed[1][5:])) == [(0, 1, 12.0, 12.5, b"", b"d" * 16)]


def test_a_packed_batch_whose_arrays_disagree_is_not_read():
    from flowctl.store.children import pack, unpack

    [row] = pack([(1, 1, index, 1, 1.0, 2.0, b"v", b"c" * 16) for index in range(3)], seq=0)
    count, _stored, indexes, *rest = row[3:]
    assert list(unpack((count, indexes[:-8], *rest))) == []


def test_checkpoints_read_children_from_packed_batches_and_prune_removes_them(tmp_path):
    from flowctl.store.children import CHILD_SUCCESS

    run = _start(tmp_path)
    run.register_tasks([(0, "inc", "inc-1", b"f" * 16)])
    for index in range(5):
        data = values.dumps(index)
        run.put(CHILD_SUCCESS, (run.rowid, 0, index, 1, 1.0, 2.0, data, values.checksum(data)))
    assert _finish(run, "Success") is None
    stored, succeeded, _ = query.checkpoints(tmp_path, run.rowid)
    assert sorted(row[0] for row in stored[b"f" * 16]) == list(range(5)) and succeeded["inc-1"] == set(range(5))
    assert {values.loads(values.read_bytes(tmp_path, *row[1:])) for row in stored[b"f" * 16]} == set(range(5))
    assert query.task_run_summary(tmp_path, run.rowid)[2] == 5
    assert prune_module.prune(tmp_path, keep=0) == 1
    connection = connect(tmp_path, create=False)
    assert connection.execute("SELECT COUNT(*) FROM child_batches").fetchone()[0] == 0
    connection.close()
