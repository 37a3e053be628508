{% load static %}// On-the-day service worker: keeps the day page and its modules so arrivals and departures can be recorded with
// no signal (the queue itself lives in IndexedDB). Scope: /tours/days/. The day page names the venues, so it is
// kept only for the tour team's own phones (the server served it to them) and replaced on every visit online.
const CACHE = "gs-tours-v1";
const SHELL = [
  "{% static 'css/groundswell.css' %}",
  "{% static 'tours/on-the-day.js' %}",
  "{% static 'js/offline-queue.js' %}",
  "{% static 'js/page.js' %}",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("gs-tours") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.endsWith("/on-the-day/")) {
    // Network first (a sign-out or a changed plan is seen at once); the last copy of this day's page offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && !response.redirected) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
          }
          return response;
        })
        .catch(() => caches.match(url.pathname)),
    );
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});
