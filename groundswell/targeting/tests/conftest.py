from __future__ import annotations

import pytest


@pytest.fixture
def results(db):
    """The real 1997–2019 results from the uk-politics package, loaded into the test database."""
    from groundswell.targeting.results import clear_cache, load_results

    clear_cache()
    load_results()
    yield
    clear_cache()
