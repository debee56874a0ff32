"""Atomic writes: a target appears complete or not at all."""

from __future__ import annotations

import json
import os

import pytest

from enduse.errors import InputError
from enduse.files import atomic_path, atomic_paths, recover, write_atomic


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = write_atomic(tmp_path / "out.txt", "old")
    with pytest.raises(RuntimeError), atomic_path(target) as part:
        part.write_text("half of the new")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_success_replaces_with_ordinary_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        target = write_atomic(tmp_path / "out.bin", b"\x00new")
    finally:
        os.umask(umask)
    assert target.read_bytes() == b"\x00new" and target.stat().st_mode & 0o777 == 0o644


def test_a_missing_folder_is_a_user_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        write_atomic(tmp_path / "nowhere" / "out.txt", "x")


def test_outputs_that_belong_together_appear_together(tmp_path):
    with atomic_paths(tmp_path / "out.csv", tmp_path / "out.rejects.csv") as (out, rejects):
        out.write_text("decided")
        rejects.write_text("rejected")
        assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.rejects.csv"]


def test_a_commit_cut_short_is_completed_by_the_next_run(tmp_path):
    """A run killed between its two renames: its marker lets the next write in the folder finish the commit."""
    dead = 2**22 + 12_345  # beyond the default pid_max of small systems: no such process
    parts = [tmp_path / f".out.csv.{dead}.abc.part", tmp_path / f".out.rejects.csv.{dead}.abd.part"]
    parts[0].write_text("decided")
    parts[1].write_text("rejected")
    os.replace(parts[0], tmp_path / "out.csv")  # the first rename happened, then the kill
    marker = tmp_path / f".out.csv.{dead}.abe.enduse-commit"
    marker.write_text(json.dumps([[str(parts[0]), str(tmp_path / "out.csv")], [str(parts[1]), str(tmp_path / "out.rejects.csv")]]))
    stale = tmp_path / f".other.csv.{dead}.xyz.part"
    stale.write_text("half")
    recover(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.rejects.csv"]
    assert (tmp_path / "out.rejects.csv").read_text() == "rejected"


def test_a_live_runs_temporary_files_are_left_alone(tmp_path):
    alive = tmp_path / f".out.csv.{os.getppid()}.abc.part"
    alive.write_text("in progress")
    recover(tmp_path)
    assert alive.exists()
