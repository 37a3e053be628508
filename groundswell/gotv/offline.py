"""Service workers for the polling-day pages used in the street: they cache the page shell (no personal data)
so that a reload with no signal still opens; entries and rounds live in IndexedDB, never in these caches."""

from __future__ import annotations

import json

from django.http import HttpResponse

_TEMPLATE = r"""// __NAME__ service worker: caches the shell for offline use; data stays in IndexedDB.
const CACHE = "__CACHE__";
const SHELL = __SHELL__;
const PAGES = new RegExp(__PAGES__);
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    // Only this worker's older versions: the other polling-day worker keeps its own cache.
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith(CACHE.replace(/-v\d+$/, "-v")) && k !== CACHE)
      .map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});
self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && PAGES.test(url.pathname)) {
    // Network first (a sign-out or new deployment shows at once); the cached page offline.
    event.respondWith(fetch(request).then((response) => {
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
      }
      return response;
    }).catch(() => caches.match(url.pathname)));
    return;
  }
  if (SHELL.includes(url.pathname)) event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
});
"""


def service_worker_response(*, name: str, cache: str, shell: list[str], pages: str, allowed: str) -> HttpResponse:
    """A service worker caching `shell` (static paths) and navigations whose path matches the regex `pages`."""
    body = (
        _TEMPLATE.replace("__NAME__", name)
        .replace("__CACHE__", cache)
        .replace("__SHELL__", json.dumps(shell))
        .replace("__PAGES__", json.dumps(pages))
    )
    response = HttpResponse(body, content_type="text/javascript")
    response["Service-Worker-Allowed"] = allowed
    response["Cache-Control"] = "no-cache"
    return response
