"""Adapters are chosen by name from one registry."""

from __future__ import annotations

import pytest

from enduse.adapters import ADAPTERS, adapter_named
from enduse.errors import InputError


def test_every_registered_adapter_loads_and_standard_is_none():
    assert adapter_named("standard") is None
    for name in ADAPTERS.keys() - {"standard"}:
        assert callable(adapter_named(name)), name


def test_an_unknown_adapter_names_the_known_ones():
    with pytest.raises(InputError, match="unknown --input-format 'gdelt': use standard or acled"):
        adapter_named("gdelt")
