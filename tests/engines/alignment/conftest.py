"""Alignment engine tests run on small fixed data with the lexical backend (no model)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The test directory is not on sys.path (importlib mode); the shared samples module lives here.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def lexical():
    from ortaq.engines.alignment import get_backend

    return get_backend("lexical")
