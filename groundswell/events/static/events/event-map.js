// One event's location on a small map (the address above it says the same in words).
(function () {
  "use strict";
  var el = document.getElementById("event-map");
  if (!el || typeof L === "undefined") { return; }
  var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
  var map = L.map(el, {scrollWheelZoom: false}).setView(at, 15);
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, {maxZoom: 18, attribution: "© OpenStreetMap contributors"}).addTo(map); }
  L.marker(at, {title: el.dataset.title, alt: el.dataset.title}).addTo(map);
  el.dataset.loaded = "1";
})();
