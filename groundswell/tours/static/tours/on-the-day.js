// On the day: arrivals and departures saved on the phone first (IndexedDB, the shared offline queue) and sent
// when there is a connection. "Saved" means on the phone; the server stores each once (by client id).

import { newClientId, offlineQueue } from "../js/offline-queue.js";

const queue = offlineQueue({
  database: "groundswell-tours",
  answerOn403: true,
  settled(item, r) {
    const ok = r.status === "saved" || r.status === "duplicate";
    return { ...item, state: ok ? "sent" : "failed", error: ok ? "" : (r.error || r.status) };
  },
});

const root = document.getElementById("on-the-day");
if ("serviceWorker" in navigator && root.dataset.sw) {
  navigator.serviceWorker.register(root.dataset.sw, { scope: "/tours/days/" }).catch(() => {});
}
const status = document.getElementById("sync-status");
document.querySelectorAll("button[data-kind]").forEach((button) => {
  button.addEventListener("click", async () => {
    await queue.enqueue({ client_id: newClientId(), stop: Number(button.dataset.stop), kind: button.dataset.kind,
      at: new Date().toISOString() });
    button.closest("li").querySelector(".saved").textContent = `${button.dataset.kind} saved on this phone`;
    queue.flush();
  });
});
queue.startSync(root.dataset.syncUrl, (e) => {
  if (status) status.textContent = e.state === "synced" ? "All sent." : e.state === "offline" ? `Offline: ${e.left} waiting.` : "";
});

// The vehicle's position, for the tour team's map (needs a signal; the server keeps it for the team only).
const share = document.getElementById("share-position");
if (share && navigator.geolocation) {
  share.addEventListener("click", () => {
    navigator.geolocation.getCurrentPosition(async (pos) => {
      const body = new URLSearchParams({ lat: pos.coords.latitude, lon: pos.coords.longitude });
      const token = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
      const r = await fetch(share.dataset.url, { method: "POST", body, headers: { "X-CSRFToken": decodeURIComponent(token) } });
      document.getElementById("position-status").textContent = r.ok ? "Position sent." : "Not sent: try again.";
    });
  });
}
