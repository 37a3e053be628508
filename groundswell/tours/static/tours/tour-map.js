// The tour day's map: seats coloured by headroom and by what the plan attributes, the driven route (network legs
// solid, local legs dashed) and the stops the viewer may see. Data from the day's map.json (audited).
/* global L */

const GREEN = "#1a7f37";
const AMBER = "#b7791f";
const RED = "#c53030";

function seatStyle(p, dayRate) {
  let colour = "#718096";
  if (p.attributed > 0) colour = RED;
  else if (p.headroom !== null && p.headroom !== undefined) colour = p.headroom < 2 * dayRate ? AMBER : GREEN;
  return { color: colour, weight: 1, fillColor: colour, fillOpacity: 0.18 };
}

async function draw(el) {
  // A view first: Leaflet draws vector layers only on a map that has one.
  const map = L.map(el, { scrollWheelZoom: false }).setView([52.2, -1.5], 7);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: "© OpenStreetMap contributors" }).addTo(map);
  }
  const response = await fetch(el.dataset.url, { credentials: "same-origin" });
  if (!response.ok) return;
  const data = await response.json();
  const dayRate = Number(el.dataset.dayRate || 46100);
  const seats = L.geoJSON(data.seats, {
    style: (f) => seatStyle(f.properties, dayRate),
    onEachFeature: (f, layer) => {
      const p = f.properties;
      const head = p.headroom === null || p.headroom === undefined ? "no ledger" : `headroom £${(p.headroom / 100).toFixed(2)}`;
      layer.bindTooltip(`${p.name}: ${head}; this plan attributes £${(p.attributed / 100).toFixed(2)}`);
    },
  }).addTo(map);
  const bounds = L.latLngBounds([]);
  for (const leg of data.legs) {
    for (const seg of leg.segments) {
      const line = L.polyline(seg.points, {
        color: seg.kind === "network" ? "#2b6cb0" : "#553c9a",
        weight: 4,
        dashArray: seg.kind === "network" ? null : "6 6",
      }).addTo(map);
      line.bindTooltip(`${seg.kind === "network" ? (seg.roads.join(", ") || "network") : "local leg"}: ${seg.km} km, ${seg.minutes} min`);
      bounds.extend(line.getBounds());
    }
  }
  for (const s of data.stops) {
    L.marker([s.lat, s.lon], { title: s.title }).addTo(map).bindPopup(`${s.title}<br>${s.venue}<br>${s.arrive}`);
    bounds.extend([s.lat, s.lon]);
  }
  if (data.vehicle) {
    L.circleMarker([data.vehicle.lat, data.vehicle.lon], { radius: 8, color: "#000", fillColor: "#f6e05e", fillOpacity: 1 })
      .addTo(map).bindTooltip(`The vehicle, ${new Date(data.vehicle.at).toLocaleTimeString()}`);
  }
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
  else if (seats.getBounds().isValid()) map.fitBounds(seats.getBounds());
  el.dataset.ready = "1";
}

document.querySelectorAll(".tour-map").forEach((el) => draw(el));
