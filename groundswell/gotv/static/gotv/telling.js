// The telling page: pick a station once (remembered on this device), then type numbers and Enter, or paste a
// batch. Each number is checked at once against the station's register numbers (downloaded when the station
// is picked, kept in IndexedDB, numbers only), shown in the list, queued in IndexedDB and synced; the
// server's answer (recorded / already voted / unknown / wrong station) then replaces the local check.
// Rows are added one at a time, so the page stays quick after thousands of entries.
import { counts, enqueue, flush, getStation, itemsFor, newClientId, saveStation, startSync } from "./telling_store.js";

const boot = JSON.parse(document.getElementById("telling-boot").textContent);
const picker = document.getElementById("t-station");
const pickForm = document.getElementById("t-pick");
const entry = document.getElementById("t-entry");
const form = document.getElementById("t-form");
const input = document.getElementById("t-number");
const message = document.getElementById("t-message");
const syncStatus = document.getElementById("t-sync");
const tallyEl = document.getElementById("t-tally");
const stationName = document.getElementById("t-station-name");
const tbody = document.querySelector("#t-rows tbody");
const STORAGE_KEY = `groundswell-telling-station-${boot.day}`;

let station = null; // {id, name, polling_districts}
let numbers = new Map(); // PD → Set of "123" / "123/1"
let pdStation = new Map(); // PD → station name, for numbers from elsewhere
let canUndoAll = false;
let connection = "";
const rows = new Map(); // client_id → {tr, item}
let sendTimer = null;

const LABELS = {
  recorded: "recorded",
  already_voted: "already voted",
  unknown: "unknown",
  wrong_station: "wrong station",
  undone: "undone",
  duplicate_client: "recorded",
  error: "not stored",
};

// ---------------------------------------------------------------- local checking

const NUMBER_RE = /^(?:([A-Za-z0-9]+)-)?(\d+)(?:\/(\d+))?$/;

function key(n, s) { return s ? `${n}/${s}` : `${n}`; }

// Mirrors telling.parse_and_match on the server, so a teller sees the same verdict offline.
function check(text) {
  const m = text.match(NUMBER_RE);
  if (!m) return { kind: "unknown", note: "not an elector number" };
  const pd = (m[1] || "").toUpperCase();
  const n = Number(m[2]);
  const s = Number(m[3] || 0);
  if (!pd) {
    const found = station.polling_districts.filter((d) => numbers.get(d)?.has(key(n, s)));
    if (!found.length) return { kind: "unknown", note: `no ${key(n, s)} at this station` };
    if (found.length > 1) {
      return { kind: "unknown", note: `ambiguous: type ${found.map((d) => `${d}-${key(n, s)}`).join(" or ")}` };
    }
    return { kind: "ok", number: `${found[0]}-${key(n, s)}` };
  }
  const label = `${pd}-${key(n, s)}`;
  if (numbers.has(pd)) {
    return numbers.get(pd).has(key(n, s)) ? { kind: "ok", number: label } : { kind: "unknown", note: `no ${label}` };
  }
  if (pdStation.has(pd)) return { kind: "wrong_station", number: label, note: `belongs to ${pdStation.get(pd)}` };
  return { kind: "unknown", note: `no district ${pd} today` };
}

// "AB1 - 123 / 1" is one number; anything else separated by spaces, commas, semicolons or lines is several.
function split(text) {
  return text.replace(/\s*([-/])\s*/g, "$1").split(/[\s,;]+/).filter(Boolean);
}

// ---------------------------------------------------------------- the list

function statusText(item) {
  const r = item.result;
  if (item.op !== "enter") return "";
  if (item.undone) return "undone";
  if (r) {
    const status = r.status === "duplicate_client" ? (r.stored_as || "recorded") : r.status;
    const label = LABELS[status] || status;
    return r.message && status !== "recorded" ? `${label}: ${r.message}` : label;
  }
  const local = item.local || {};
  if (local.kind === "ok") return connection === "offline" ? "queued (offline): on the register" : "sending…";
  return `${local.kind === "wrong_station" ? "wrong station" : "unknown"} (queued): ${local.note}`;
}

function rowClass(item) {
  const r = item.result;
  const status = r ? (r.status === "duplicate_client" ? r.stored_as : r.status) : item.local?.kind;
  if (item.undone || status === "undone") return "undone";
  if (status === "recorded" || status === "ok") return r ? "ok" : "";
  if (status === "already_voted") return "dup";
  return "flag";
}

function render(clientId) {
  const row = rows.get(clientId);
  if (!row) return;
  const { tr, item } = row;
  tr.className = rowClass(item);
  tr.querySelector(".status").textContent = statusText(item);
  const stored = item.result ? (item.result.status === "duplicate_client" ? item.result.stored_as : item.result.status) : "pending";
  // Nothing to undo for a number already taken by someone else (no entry of ours was stored) or a failed save.
  tr.querySelector("button").hidden =
    item.undone || !(item.mine || canUndoAll) || ["already_voted", "undone", "error"].includes(stored);
}

function addRow(item, { append = false } = {}) {
  const tr = document.createElement("tr");
  const number = document.createElement("td");
  number.textContent = item.number || item.text;
  const status = document.createElement("td");
  status.className = "status";
  const actions = document.createElement("td");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link";
  button.textContent = "Undo";
  button.setAttribute("aria-label", `Undo ${item.number || item.text}`);
  button.addEventListener("click", () => undo(item.client_id));
  actions.append(button);
  tr.append(number, status, actions);
  if (append) tbody.append(tr); else tbody.prepend(tr);
  rows.set(item.client_id, { tr, item });
  render(item.client_id);
}

async function updateCounts() {
  const c = await counts(boot.day);
  const state = connection === "offline" ? "offline, will retry" : connection === "signed-out" ? "signed out: sign in again to send" : "";
  syncStatus.textContent = `${c.queued} queued · ${c.synced} synced${state ? ` · ${state}` : ""}`;
}

let electorate = 0;

function showTally(t) {
  if (!t) return;
  // Sync answers leave the electorate out (it does not change by the minute); the station payload has it.
  if (t.electorate !== null && t.electorate !== undefined) electorate = t.electorate;
  t = { ...t, electorate, percent: electorate ? Math.round((1000 * t.voted) / electorate) / 10 : 0 };
  tallyEl.textContent = `Voted here: ${t.voted} of ${t.electorate} (${t.percent}%)${t.flagged ? ` · ${t.flagged} flagged` : ""}`;
}

// ---------------------------------------------------------------- entering and undoing

async function add(text) {
  const local = check(text);
  const item = { client_id: newClientId(), op: "enter", day: boot.day, station_id: station.id, text, local, mine: true,
    number: local.number || text };
  addRow(item);
  try {
    Object.assign(item, await enqueue(item));
  } catch (err) {
    item.result = { status: "error", message: `NOT SAVED (${err}): type it again` };
  }
  render(item.client_id);
}

async function undo(clientId) {
  const row = rows.get(clientId);
  if (!row || row.item.undone) return;
  row.item.undone = true;
  render(clientId);
  await enqueue({ client_id: newClientId(), op: "undo", day: boot.day, station_id: station.id, target: clientId });
  message.textContent = `${row.item.number || row.item.text} undone.`;
  input.focus(); // back to typing numbers: the queue at the door does not wait
  updateCounts();
  scheduleSend();
}

function scheduleSend() {
  // A short pause lets a fast typist's numbers go in one request instead of one each.
  clearTimeout(sendTimer);
  sendTimer = setTimeout(flush, 250);
}

async function submitText(text) {
  const parts = split(text);
  if (!parts.length) return;
  // Clear and refocus before the asynchronous writes, so the next number can be typed at once.
  input.value = "";
  input.focus();
  for (const part of parts) await add(part);
  message.textContent = parts.length === 1 ? `${parts[0]} entered.` : `${parts.length} numbers entered.`;
  updateCounts();
  scheduleSend();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  submitText(input.value);
});

input.addEventListener("paste", (event) => {
  const text = event.clipboardData?.getData("text") || "";
  if (split(text).length > 1) {
    event.preventDefault();
    submitText(text);
  }
});

// ---------------------------------------------------------------- picking a station

async function loadStation(id) {
  let payload = null;
  try {
    const response = await fetch(boot.station_url.replace("/0/", `/${id}/`), { credentials: "same-origin" });
    if (response.ok) {
      payload = await response.json();
      await saveStation(boot.day, payload);
    }
  } catch (err) {
    payload = null; // offline: use the copy saved when the station was last picked
  }
  payload = payload || (await getStation(boot.day, id));
  if (!payload) {
    message.textContent = "Could not download this station's numbers. Try again when you have a signal.";
    return;
  }
  station = payload.station;
  numbers = new Map(Object.entries(payload.numbers).map(([pd, list]) => [pd, new Set(list)]));
  pdStation = new Map();
  for (const s of payload.stations) for (const pd of s.polling_districts) pdStation.set(pd, s.name);
  canUndoAll = payload.can_undo_all;
  localStorage.setItem(STORAGE_KEY, String(id));
  stationName.textContent = `${station.name} (${station.polling_districts.join(", ")})`;
  showTally(payload.tally);
  pickForm.hidden = true;
  entry.hidden = false;
  tbody.replaceChildren();
  rows.clear();
  // This device's own entries (queued or answered), then other tellers' from the server, newest first.
  const own = await itemsFor(boot.day, station.id);
  const undone = new Set(own.filter((i) => i.op === "undo").map((i) => i.target));
  for (const item of own.filter((i) => i.op === "enter")) {
    item.mine = true;
    item.undone = undone.has(item.client_id) || item.result?.stored_as === "undone";
    addRow(item);
  }
  for (const e of [...payload.entries].reverse()) {
    if (rows.has(e.client_id)) continue;
    addRow({ client_id: e.client_id, op: "enter", text: e.text, number: e.number || e.text, mine: e.mine,
      undone: e.status === "undone", result: { status: e.status } });
  }
  updateCounts();
  input.focus();
}

for (const s of boot.stations) picker.append(new Option(`${s.name} (${s.polling_districts.join(", ")})`, s.id));
pickForm.addEventListener("submit", (event) => {
  event.preventDefault();
  loadStation(Number(picker.value));
});
document.getElementById("t-change").addEventListener("click", () => {
  entry.hidden = true;
  pickForm.hidden = false;
  picker.focus();
});

startSync(boot.sync_url, (s) => {
  connection = s.state;
  for (const r of s.results || []) {
    const row = rows.get(r.client_id);
    if (row) {
      row.item.result = r;
      render(r.client_id);
    } else if (r.target && rows.has(r.target) && r.status === "forbidden") {
      rows.get(r.target).item.undone = false; // the server refused the undo: the entry stands
      render(r.target);
      message.textContent = r.message;
    }
  }
  if (station && s.tallies) showTally(s.tallies[String(station.id)]);
  if (s.state !== "syncing") {
    for (const { item } of rows.values()) if (!item.result) render(item.client_id);
    updateCounts();
  }
});

if ("serviceWorker" in navigator && boot.sw_url) {
  // The worker keeps this page's shell (no register data in it) so a reload with no signal still opens it.
  navigator.serviceWorker.register(boot.sw_url, { scope: boot.sw_scope })
    .then(() => navigator.onLine && caches.open("gs-telling-v1").then((cache) => cache.add(location.pathname)))
    .catch(() => {});
}

const remembered = Number(localStorage.getItem(STORAGE_KEY));
if (remembered && boot.stations.some((s) => s.id === remembered)) {
  picker.value = String(remembered);
  loadStation(remembered);
}
