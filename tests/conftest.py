from __future__ import annotations

import pytest

from fanjing.places.gazetteer import Gazetteer


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    """One gazetteer for the whole run: loading jionlp's division data takes a second."""
    return Gazetteer()
