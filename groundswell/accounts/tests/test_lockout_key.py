"""The failed-login lockout holds for the account whatever host name or port the requests carry."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from groundswell.tests.factories import Role, UnitFactory, user_with_role

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def test_a_lockout_holds_across_host_names_and_ports(client):
    user_with_role(Role.VOLUNTEER, UnitFactory(), email="vol@example.org")
    for port in range(5):
        client.post(
            reverse("account_login"),
            {"login": "vol@example.org", "password": "wrong-password"},
            HTTP_HOST=f"testserver:{8000 + port}",
        )
    for host in ("testserver", "testserver:9999", "localhost"):
        response = client.post(
            reverse("account_login"), {"login": "vol@example.org", "password": PASSWORD}, HTTP_HOST=host
        )
        assert "_auth_user_id" not in client.session
        assert b"Too many failed login attempts" in response.content


def test_the_lockout_is_counted_in_the_default_cache(client):
    """The default cache is the shared one in production (REDIS_URL): clearing it lifts the lock."""
    user_with_role(Role.VOLUNTEER, UnitFactory(), email="vol@example.org")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "vol@example.org", "password": "wrong-password"})
    cache.clear()
    response = client.post(reverse("account_login"), {"login": "vol@example.org", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
