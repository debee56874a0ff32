"""Atomic writes: a target appears complete or not at all."""

from __future__ import annotations

import os

import pytest

from enduse.errors import InputError
from enduse.files import atomic_path, write_atomic


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
