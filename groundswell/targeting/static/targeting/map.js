// Constituency map for the targeting pages: fetches the GeoJSON named in data-geojson and colours each seat
// by win probability (or by target category, or by the projected winner's party colour). No tiles: the outlines are the map, so it works offline.
(function () {
  "use strict";
  var el = document.getElementById("targeting-map");
  if (!el || typeof L === "undefined") { return; }
  var RAMP = [[0.0, "#f7f7f7"], [0.1, "#fee08b"], [0.25, "#fdae61"], [0.5, "#f46d43"], [0.75, "#d73027"], [0.9, "#7f0000"]];
  var CATEGORY = {"defend": "#1d6b33", "attack": "#b3003c", "safe": "#7aa6d6", "out of reach": "#cccccc"};
  function colour(p) {
    var c = RAMP[0][1];
    for (var i = 0; i < RAMP.length; i++) { if (p >= RAMP[i][0]) { c = RAMP[i][1]; } }
    return c;
  }
  var mode = el.dataset.mode;
  var map = L.map(el, {zoomSnap: 0.25, attributionControl: false}).setView([54.5, -3], 5.5);
  fetch(el.dataset.geojson, {credentials: "same-origin"}).then(function (r) {
    if (!r.ok) { throw new Error("map data " + r.status); }
    return r.json();
  }).then(function (data) {
    var layer = L.geoJSON(data, {
      style: function (f) {
        var p = f.properties;
        var fill = mode === "category" ? CATEGORY[p.category] : mode === "winner" ? p.winner_colour : colour(p.p_win);
        return {color: "#555", weight: 0.4, fillColor: fill, fillOpacity: 0.85};
      },
      onEachFeature: function (f, lyr) {
        var p = f.properties;
        lyr.bindTooltip(p.name + ": " + (mode === "winner" ? p.winner_label : Math.round(p.p_win * 100) + "% (" + p.category + ")"));
        lyr.on("click", function () {
          // The seat in the projection's own boundary set (a code alone can name a seat in both).
          window.location = el.dataset.seatUrl.replace("CODE", p.code) + (data.boundary_set ? "?set=" + data.boundary_set : "");
        });
      }
    }).addTo(map);
    if (data.features.length) { map.fitBounds(layer.getBounds()); }
    el.dataset.loaded = String(data.features.length);
    el.dataset.boundarySet = data.boundary_set || "";
  }).catch(function (err) { el.dataset.error = String(err); });
})();
