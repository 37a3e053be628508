from __future__ import annotations

import pytest

from groundswell.complaints import selections


@pytest.fixture(autouse=True)
def _no_selection_lookups():
    """Each test registers its own fake selections lookup, if any."""
    saved = list(selections._lookups)
    selections._lookups.clear()
    yield
    selections._lookups[:] = saved
