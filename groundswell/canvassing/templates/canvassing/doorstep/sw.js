{% load static %}// Doorstep service worker: keeps the app shell (page, modules, styles, Leaflet) for offline use.
// Personal data is never cached here: walks live in IndexedDB, owned by the page, and API calls always
// go to the network (the page falls back to its IndexedDB copy when they fail).
const CACHE = "gs-doorstep-v1";
const SHELL = [
  "{% url 'canvassing:doorstep' %}",
  "{% static 'css/groundswell.css' %}",
  "{% static 'canvassing/doorstep.css' %}",
  "{% static 'canvassing/doorstep.js' %}",
  "{% static 'canvassing/store.js' %}",
  "{% static 'js/offline-queue.js' %}",
  "{% static 'canvassing/dom.js' %}",
  "{% static 'leaflet/leaflet.js' %}",
  "{% static 'leaflet/leaflet.css' %}",
];
const API = "{% url 'canvassing:doorstep' %}api/";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith(API)) return;
  if (request.mode === "navigate") {
    // Network first so a new deployment (or a sign-out) is seen at once; the cached shell when offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && !response.redirected) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(SHELL[0], copy));
          }
          return response;
        })
        .catch(() => caches.match(SHELL[0])),
    );
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});
