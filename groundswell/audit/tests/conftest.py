import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's login rate limit and TOTP replay guard live in the (process-wide) locmem cache.
    cache.clear()
    yield
    cache.clear()
