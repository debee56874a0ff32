"""The cores a process may use size its thread pools, not the machine's count."""

from __future__ import annotations

import os

from enduse import cores
from enduse.cores import usable_cores


def test_usable_cores_are_those_the_process_may_run_on(monkeypatch):
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)
    monkeypatch.setattr(cores.os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert usable_cores() == 1


def test_without_affinity_the_machines_count_is_used(monkeypatch):
    monkeypatch.delattr(cores.os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(cores.os, "cpu_count", lambda: 6)
    assert usable_cores() == 6
