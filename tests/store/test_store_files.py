"""The one atomic-write helper: whole files, private modes, and no writing through planted links."""
from __future__ import annotations

import os
import stat

import pytest

from flowctl.utilities.files import UnsafePathError, atomic_write, check_private_file, private_dir


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.bin"
    atomic_write(target, b"old")
    atomic_write(target, b"new", mode=0o600)
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_atomic_write_creates_files_with_the_mode_asked_for(tmp_path):
    target = tmp_path / "secret.bin"
    atomic_write(target, b"x", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_symlink_planted_at_the_target_is_refused_and_its_victim_untouched(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "out.bin"
    link.symlink_to(victim)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        atomic_write(link, b"overwritten")
    assert victim.read_text() == "precious"
    assert link.is_symlink()


def test_temporary_names_cannot_be_predicted_so_planted_links_there_are_never_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for name in (".tmp-out.bin", ".out.bin.tmp", "out.bin.tmp"):
        (tmp_path / name).symlink_to(victim)
    atomic_write(tmp_path / "out.bin", b"data")
    assert victim.read_text() == "precious"
    assert (tmp_path / "out.bin").read_bytes() == b"data"


def test_private_dir_is_0700_and_refuses_a_symlink(tmp_path):
    made = tmp_path / "state"
    private_dir(made)
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    link = tmp_path / "link"
    link.symlink_to(made)
    with pytest.raises(UnsafePathError):
        private_dir(link)


def test_check_private_file_refuses_group_or_world_readable_files_and_links(tmp_path):
    path = tmp_path / "value.pkl"
    path.write_bytes(b"x")
    os.chmod(path, 0o644)
    with pytest.raises(UnsafePathError, match="0644"):
        check_private_file(path)
    os.chmod(path, 0o600)
    check_private_file(path)
    link = tmp_path / "link.pkl"
    link.symlink_to(path)
    with pytest.raises(UnsafePathError, match="not a regular file"):
        check_private_file(link)
