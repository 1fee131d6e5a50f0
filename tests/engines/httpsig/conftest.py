"""Fixtures for the httpsig engine tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The test directory is not on sys.path (importlib mode); the shared helpers module lives here.
sys.path.insert(0, str(Path(__file__).parent))

from httpsig_nodes import NonceBook, Nodes  # noqa: E402


@pytest.fixture(scope="session")
def nodes() -> Nodes:
    return Nodes()


@pytest.fixture
def nonce_book() -> NonceBook:
    return NonceBook()
