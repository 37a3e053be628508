// The knock-up sheet: one round's promises in walk order, one tap per result. Works offline: the round is kept
// in IndexedDB when fetched, taps are queued there and synced with client ids (the server stores each once).
import { h } from "../canvassing/dom.js";
import { clearRounds, deleteRound, enqueue, flush, getRound, newClientId, roundItems, saveRound, startSync } from "./knockup-store.js";

const cfg = document.getElementById("ku-script").dataset;
const main = document.getElementById("ku-main");
const syncLabel = document.getElementById("ku-sync");
const roundId = Number(cfg.roundId);
const SHORT = { voted: "Voted", will_go: "Will go", lift: "Lift", not_in: "Not in", refused: "Refused" };
const SHELL_CACHE = "gs-knockup-v1"; // the service worker's cache
let payload = null;
let offline = false;
let latest = new Map(); // elector id → outcome tapped on this phone

async function load() {
  try {
    const response = await fetch(cfg.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) return { signedOut: true };
    if (response.status === 403 || response.status === 404) {
      await deleteRound(roundId); // no longer allowed: forget its data
      return { denied: true };
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = await response.json();
    await saveRound(data);
    return { data };
  } catch {
    const data = await getRound(roundId);
    return data ? { data, offline: true } : { missing: true };
  }
}

async function refreshTaps() {
  latest = new Map();
  const items = (await roundItems(roundId)).sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : 1));
  for (const item of items) latest.set(item.elector_id, item);
}

function electorRow(e) {
  const tapped = latest.get(e.id);
  const outcome = tapped ? tapped.outcome : e.outcome;
  const done = e.voted || outcome === "voted" || outcome === "refused";
  return h(
    "li",
    { class: `ku-elector${done ? " done" : ""}`, "data-elector": e.id },
    h("div", { class: "ku-who" }, h("span", {}, h("strong", {}, e.name || "(no name)"), h("br"), h("small", {}, e.address)), h("span", { class: "ku-number" }, e.number)),
    e.voted ? h("small", {}, "Voted (taken at the polling station)") : null,
    tapped && tapped.state === "failed" ? h("small", { class: "errors" }, `Not saved: ${tapped.error}`) : null,
    h(
      "div",
      { class: "ku-buttons", role: "group", "aria-label": `Result for ${e.number}` },
      payload.outcomes.map((o) =>
        h("button", { type: "button", "data-outcome": o.code, "aria-pressed": String(outcome === o.code), title: o.label, onclick: () => tap(e, o.code) }, SHORT[o.code] || o.label),
      ),
    ),
  );
}

function render() {
  const r = payload.round;
  main.replaceChildren(
    h("p", { class: "ku-note" }, `Round ${r.number} · ${payload.electors.length} promises in walk order`, r.completed ? " · this round is marked done" : "", offline ? " · offline: showing the copy on this phone" : ""),
    h("ol", { class: "ku-list" }, payload.electors.map(electorRow)),
  );
}

async function tap(elector, outcome) {
  await enqueue({ client_id: newClientId(), round_id: roundId, elector_id: elector.id, outcome });
  await refreshTaps();
  const row = main.querySelector(`[data-elector="${elector.id}"]`);
  if (row) row.replaceWith(electorRow(elector));
  flush();
}

function showSync(s) {
  if (s.state === "syncing") syncLabel.textContent = "saving…";
  else if (s.state === "synced") syncLabel.textContent = s.left ? `${s.left} to send` : "all sent";
  else if (s.state === "signed-out") syncLabel.textContent = `signed out · ${s.left} kept`;
  else syncLabel.textContent = `offline · ${s.left} kept`;
  if (s.state === "synced" && s.results && s.results.some((x) => x.status !== "created" && x.status !== "duplicate")) {
    refreshTaps().then(render);
  }
}

// Signing out takes every round (names, addresses) off the phone; queued results (ids and outcomes only) stay
// queued and are sent after the next sign-in.
async function signOut(event) {
  const button = event.currentTarget;
  button.disabled = true;
  await clearRounds();
  const token = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
  const form = h("form", { method: "post", action: button.dataset.logoutUrl }, h("input", { type: "hidden", name: "csrfmiddlewaretoken", value: decodeURIComponent(token) }));
  document.body.append(form);
  form.submit();
}

async function start() {
  document.getElementById("ku-signout").addEventListener("click", signOut);
  if ("serviceWorker" in navigator && cfg.swUrl) {
    // The worker keeps this round's shell (no personal data in it) so a reload works without signal.
    navigator.serviceWorker.register(cfg.swUrl, { scope: cfg.scope })
      .then(() => navigator.onLine && caches.open(SHELL_CACHE).then((cache) => cache.add(location.pathname)))
      .catch(() => {});
  }
  const result = await load();
  if (result.signedOut) {
    main.replaceChildren(h("p", { class: "ku-note" }, "Your session has ended. ", h("a", { href: `/accounts/login/?next=${encodeURIComponent(location.pathname)}` }, "Sign in again"), " (saved results are kept)."));
  } else if (result.denied) {
    main.replaceChildren(h("p", { class: "ku-note" }, "This round is not available to you."));
  } else if (result.missing) {
    main.replaceChildren(h("p", { class: "ku-note" }, "Offline, and this round was not saved on this phone yet."));
  } else {
    payload = result.data;
    offline = Boolean(result.offline);
    await refreshTaps();
    render();
  }
  startSync(cfg.syncUrl, showSync);
}

start();
