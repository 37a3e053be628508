// Keyboard entry of a paper canvass sheet: number, code, likelihood, Enter; focus goes back to the number.
// Each entry is validated against the walk at once (unknown numbers are flagged and kept on screen, never
// silently dropped), queued in IndexedDB with a client id, and synced through the doorstep sync endpoint.
// Rows are added one at a time, so the page stays quick after hundreds of entries.
import { enqueue, flush, newClientId, startSync } from "./store.js";

const boot = JSON.parse(document.getElementById("paper-boot").textContent);
const script = document.getElementById("paper-script");
const form = document.getElementById("paper-form");
const numberInput = document.getElementById("p-number");
const codeInput = document.getElementById("p-code");
const likelihoodInput = document.getElementById("p-likelihood");
const message = document.getElementById("paper-message");
const counts = document.getElementById("paper-counts");
const syncStatus = document.getElementById("sync-status");
const tbody = document.querySelector("#paper-rows tbody");

const byKey = new Map();
const byNumber = new Map(); // bare number (+ suffix) → electors, for walks without a single district
for (const e of boot.electors) {
  byKey.set(`${e.pd.toUpperCase()}-${e.n}/${e.s}`, e);
  const bare = `${e.n}/${e.s}`;
  byNumber.set(bare, [...(byNumber.get(bare) || []), e]);
}
const codes = new Map(boot.codes.map((c) => [c.toUpperCase(), c]));
const rowsByClientId = new Map();
let entered = 0;
let flagged = 0;
let sendTimer = null;

function parseNumber(text) {
  const m = text.trim().match(/^(?:([A-Za-z0-9]+)\s*-\s*)?(\d+)(?:\s*\/\s*(\d+))?$/);
  if (!m) return null;
  return { pd: (m[1] || boot.pd || "").toUpperCase(), n: Number(m[2]), s: Number(m[3] || 0) };
}

function findElector(text) {
  const p = parseNumber(text);
  if (!p) return null;
  if (p.pd) return byKey.get(`${p.pd}-${p.n}/${p.s}`) || null;
  const found = byNumber.get(`${p.n}/${p.s}`) || [];
  return found.length === 1 ? found[0] : null;
}

function addRow(cells, status, cls) {
  const tr = document.createElement("tr");
  for (const text of cells) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.append(td);
  }
  const td = document.createElement("td");
  td.textContent = status;
  td.className = "status";
  tr.append(td);
  if (cls) tr.className = cls;
  tbody.prepend(tr); // newest first; the rest of the table is left alone
  return tr;
}

function updateCounts() {
  counts.textContent = `${entered} entered${flagged ? `, ${flagged} flagged` : ""}`;
}

function reset(note) {
  message.textContent = note;
  form.reset();
  numberInput.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const numberText = numberInput.value.trim();
  if (!numberText) { numberInput.focus(); return; }
  const codeText = codeInput.value.trim();
  const likelihoodText = likelihoodInput.value.trim();
  const elector = findElector(numberText);
  if (!elector) {
    // Flag it and keep it visible: the sheet may have a typo the organiser must check against the paper.
    flagged += 1;
    addRow([numberText, "—", codeText, likelihoodText], "Unknown number: not on this walk", "flag");
    updateCounts();
    reset(`${numberText} is not on this walk: flagged.`);
    return;
  }
  const code = codeText ? codes.get(codeText.toUpperCase()) : "";
  if (code === undefined) {
    message.textContent = `Unknown code ${codeText}. Codes: ${boot.codes.join(", ")}.`;
    codeInput.focus();
    codeInput.select();
    return;
  }
  let likelihood = null;
  if (likelihoodText) {
    likelihood = Number(likelihoodText);
    if (!Number.isInteger(likelihood) || likelihood < 0 || likelihood > 10) {
      message.textContent = "Likelihood is a whole number from 0 to 10.";
      likelihoodInput.focus();
      likelihoodInput.select();
      return;
    }
  }
  if (!code && likelihood === null) {
    message.textContent = "Enter a code or a likelihood.";
    codeInput.focus();
    return;
  }
  // Clear the fields and return focus before the (asynchronous) write, so the next number can be typed
  // at once and is never wiped by a late reset. The row says "saved" only once IndexedDB has committed.
  const label = elector.s ? `${elector.pd}-${elector.n}/${elector.s}` : `${elector.pd}-${elector.n}`;
  const row = addRow([label, elector.name, code, likelihood ?? ""], "saving…");
  entered += 1;
  updateCounts();
  reset(`${label} entered.`);
  const clientId = newClientId();
  rowsByClientId.set(clientId, row);
  try {
    await enqueue({
      client_id: clientId,
      walk_id: boot.walk,
      elector_id: elector.id,
      method: "paper",
      outcome: "spoke",
      support_code: code,
      likelihood,
    });
  } catch (err) {
    row.className = "flag";
    row.querySelector(".status").textContent = `NOT SAVED (${err}): enter it again`;
    return;
  }
  if (row.querySelector(".status").textContent === "saving…") row.querySelector(".status").textContent = "saved, sending…";
  // Send after a short pause in typing, so a fast typist's entries go in one request, not one each.
  clearTimeout(sendTimer);
  sendTimer = setTimeout(flush, 800);
});

// Enter in any field submits (the browser does that for a form with a submit button); Escape clears.
form.addEventListener("keydown", (event) => {
  if (event.key === "Escape") reset("");
});

startSync(script.dataset.syncUrl, (s) => {
  for (const r of s.results || []) {
    const tr = rowsByClientId.get(r.client_id);
    if (!tr) continue;
    const ok = r.status === "created" || r.status === "duplicate";
    tr.querySelector(".status").textContent = ok ? "stored" : `not stored: ${r.error || r.status}`;
    if (!ok) tr.className = "flag";
  }
  if (s.state === "synced") syncStatus.textContent = s.left ? `${s.left} waiting` : "all saved";
  else if (s.state === "offline") syncStatus.textContent = `offline: ${s.left} waiting, will retry`;
  else if (s.state === "signed-out") syncStatus.textContent = "signed out: sign in again to send";
  else syncStatus.textContent = "sending…";
});
