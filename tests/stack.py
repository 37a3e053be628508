"""Helpers for the tests that start real processes: free ports, a `groundswell` subprocess, polling, a browser-ish
session that signs in through allauth (password, then the TOTP step) and posts forms with their CSRF token."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "correct-horse-battery"  # groundswell/tests/factories.py's UserFactory password


def process_env(**overrides: str) -> dict[str, str]:
    """The environment a deployment's processes get: this one's, minus test-only settings, plus overrides."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(overrides)
    return env


def groundswell(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    result = subprocess.run(
        [str(BIN / "groundswell"), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"groundswell {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except (requests.ConnectionError, requests.Timeout):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Stop a process we started (and, failing that, its whole session)."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def totp_code(secret: str) -> str:
    if time.time() % 30 > 27:  # stay clear of the window's edge
        time.sleep(3.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


class Browser:
    """A requests session against one server, with Django's CSRF token taken from the last form page."""

    def __init__(self, base: str, https: bool = False) -> None:
        self.base = base
        self.session = requests.Session()
        self.headers = {"X-Forwarded-Proto": "https", "Origin": base.replace("http://", "https://")} if https else {}
        self.https = https

    def _cookie_header(self) -> dict[str, str]:
        # Secure cookies are not sent back over plain http by requests; behind the proxy they would be.
        if not self.https:
            return {}
        return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)}

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.headers, **self._cookie_header(), **kwargs.pop("headers", {})}
        return self.session.get(self.base + path, headers=headers, allow_redirects=False, timeout=20, **kwargs)

    def post_form(self, page: str, data: dict[str, str], action: str | None = None) -> requests.Response:
        """GET the form's page for a CSRF token, then POST the form to `action` (default: the same page)."""
        form = self.get(page)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        token = match.group(1) if match else self.session.cookies.get("csrftoken", "")
        headers = {**self.headers, **self._cookie_header(), "Referer": self.base + page}
        if self.https:
            headers["Referer"] = headers["Origin"] + page
        return self.session.post(
            self.base + (action or page),
            data={**data, "csrfmiddlewaretoken": token},
            headers=headers,
            allow_redirects=False,
            timeout=20,
        )

    def sign_in(self, email: str, password: str = PASSWORD, totp_secret: str | None = None) -> requests.Response:
        response = self.post_form("/accounts/login/", {"login": email, "password": password})
        if totp_secret and response.status_code == 302 and "/2fa/authenticate" in response.headers["Location"]:
            response = self.post_form("/accounts/2fa/authenticate/", {"code": totp_code(totp_secret)})
        return response
