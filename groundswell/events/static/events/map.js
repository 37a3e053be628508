// Events map: clustered markers from the page's GeoJSON feed over configurable tiles. The list beside it is the
// page's content; the map is an extra, so a failure here (no Leaflet, no tiles) leaves the list working.
(function () {
  "use strict";
  var el = document.getElementById("events-map");
  if (!el || typeof L === "undefined") { return; }
  var note = document.getElementById("map-note");
  var map = L.map(el, {scrollWheelZoom: false}).setView([54.0, -2.5], 5);
  if (el.dataset.tiles) {
    var tiles = L.tileLayer(el.dataset.tiles, {maxZoom: 18, attribution: "© OpenStreetMap contributors"});
    var failed = 0;
    tiles.on("tileerror", function () {
      failed += 1;
      if (note && failed >= 2) { note.hidden = false; el.classList.add("no-tiles"); }
    });
    tiles.addTo(map);
  }
  if (el.dataset.lat) {
    var centre = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
    L.circle(centre, {radius: parseFloat(el.dataset.radius) * 1000, color: "#b3003c", weight: 1, fill: false}).addTo(map);
  }
  var group = typeof L.markerClusterGroup === "function" ? L.markerClusterGroup() : L.featureGroup();
  function esc(s) { var d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }
  fetch(el.dataset.geojson, {credentials: "same-origin"}).then(function (r) {
    if (!r.ok) { throw new Error("feed " + r.status); }
    return r.json();
  }).then(function (data) {
    data.features.forEach(function (f) {
      var p = f.properties;
      var when = new Date(p.starts_at).toLocaleString("en-GB", {weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit"});
      var marker = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {title: p.title, alt: p.title});
      marker.bindPopup("<a href=\"" + esc(p.url) + "\"><strong>" + esc(p.title) + "</strong></a><br>" + esc(p.kind_label) + " · " + esc(when));
      group.addLayer(marker);
    });
    map.addLayer(group);
    if (data.features.length) { map.fitBounds(group.getBounds(), {maxZoom: 14, padding: [20, 20]}); }
    else if (el.dataset.lat) { map.setView([parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)], 11); }
    el.dataset.loaded = String(data.features.length);
  }).catch(function (err) { el.dataset.error = String(err); });
})();
