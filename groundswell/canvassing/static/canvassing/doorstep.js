// The doorstep app: my walks → a walk (list in route order, or map) → one door at a time, "next door".
// Works offline: walks are kept in IndexedDB when fetched; results are queued there and synced later.
import { h } from "./dom.js";
import { allItems, allWalks, deleteWalk, enqueue, flush, getWalk, newClientId, pending, saveWalk, startSync } from "./store.js";

const cfg = document.getElementById("ds-script").dataset;
const main = document.getElementById("ds-main");
const syncLabel = document.getElementById("ds-sync");
const walkUrl = (id) => cfg.walkUrl.replace(/0\/$/, `${id}/`);
let view = "list"; // the walk page's tab: list or map

function show(...children) {
  main.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  main.focus();
  window.scrollTo(0, 0);
}

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401 || response.status === 403 || response.status === 404) {
    return { denied: response.status };
  }
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return { data: await response.json() };
}

// A walk from the server when reachable (and kept for later), else the copy kept in IndexedDB.
async function loadWalk(id) {
  try {
    const { data, denied } = await getJson(walkUrl(id));
    if (denied) {
      if (denied !== 401) await deleteWalk(id); // unassigned or campaign over: forget its data
      return { denied };
    }
    await saveWalk(data);
    return { walk: data };
  } catch {
    const walk = await getWalk(id);
    return walk ? { walk, offline: true } : { missing: true };
  }
}

async function resultsByElector(walkId) {
  const map = new Map();
  for (const item of await allItems()) {
    if (item.walk_id !== walkId) continue;
    const prev = map.get(item.elector_id);
    if (!prev || prev.occurred_at <= item.occurred_at) map.set(item.elector_id, item);
  }
  return map;
}

function signInNotice() {
  return h("p", {}, "Your session has ended. ", h("a", { href: `/accounts/login/?next=${encodeURIComponent(cfg.scope)}` }, "Sign in again"), " (queued results are kept).");
}

async function walksPage() {
  let walks = null;
  let offline = false;
  try {
    const { data, denied } = await getJson(cfg.walksUrl);
    if (denied === 401) return show(h("h1", {}, "Your walks"), signInNotice());
    walks = data.walks;
    // Keep every assigned walk on the phone for offline use, and drop walks no longer assigned.
    const keep = new Set(walks.map((w) => w.id));
    for (const cached of await allWalks()) if (!keep.has(cached.walk.id)) await deleteWalk(cached.walk.id);
    await Promise.all(walks.map((w) => loadWalk(w.id)));
  } catch {
    offline = true;
    walks = (await allWalks()).map((p) => ({ id: p.walk.id, name: p.walk.name, campaign: p.campaign.name, doors: p.doors.length }));
  }
  show(
    h("h1", {}, "Your walks"),
    offline ? h("p", { class: "ds-note" }, "Offline: showing the walks saved on this phone.") : null,
    walks.length
      ? h("ul", { class: "ds-list" }, walks.map((w) => h("li", {}, h("a", { href: `#/walk/${w.id}` }, h("span", {}, w.name, h("br"), h("small", {}, w.campaign)), h("span", {}, `${w.doors} doors`)))))
      : h("p", {}, "No walks are assigned to you right now."),
  );
}

function doorDone(door, results) {
  return door.electors.length > 0 && door.electors.every((e) => results.has(e.id));
}

async function walkPage(id) {
  const { walk, denied, missing, offline } = await loadWalk(id);
  if (denied === 401) return show(signInNotice());
  if (denied || missing) return show(h("p", {}, "This walk is not available to you."), h("a", { href: "#/" }, "Back to your walks"));
  const results = await resultsByElector(walk.walk.id);
  const done = walk.doors.filter((d) => doorDone(d, results)).length;
  const firstOpen = Math.max(0, walk.doors.findIndex((d) => !doorDone(d, results)));
  const listTab = h("button", { type: "button", "aria-pressed": String(view === "list"), onclick: () => { view = "list"; walkPage(id); } }, "List");
  const mapTab = h("button", { type: "button", "aria-pressed": String(view === "map"), onclick: () => { view = "map"; walkPage(id); } }, "Map");
  const list = h("ol", { class: "ds-list", "aria-label": "Doors in walking order" },
    walk.doors.map((d, i) => h("li", {}, h("a", { href: `#/walk/${id}/door/${i}` },
      h("span", {}, d.address), h("span", { class: doorDone(d, results) ? "done" : "" }, doorDone(d, results) ? "✓" : `${d.electors.length}`)))));
  const mapBox = h("div", { id: "ds-map", role: "region", "aria-label": "Map of the walk" });
  show(
    h("h1", {}, walk.walk.name),
    h("p", { class: "ds-note" }, `${walk.campaign.name} · ${done} of ${walk.doors.length} doors done`, offline ? " · offline copy" : ""),
    h("div", { class: "ds-tabs" }, listTab, mapTab),
    view === "map" ? mapBox : list,
    h("div", { class: "ds-foot" }, h("a", { class: "button secondary", href: "#/" }, "Walks"), walk.doors.length ? h("a", { class: "button", href: `#/walk/${id}/door/${firstOpen}` }, "Start / continue") : null),
  );
  if (view === "map") drawMap(mapBox, walk, results, id);
}

function drawMap(box, walk, results, id) {
  const points = walk.doors.map((d, i) => [d, i]).filter(([d]) => d.lat !== null && d.lon !== null);
  if (!window.L || !points.length) {
    box.replaceWith(h("p", {}, "No map for this walk (no coordinates, or the map library is unavailable): use the list."));
    return;
  }
  const map = window.L.map(box);
  // Tiles need a connection; the door markers and route line still draw without them.
  window.L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
  const line = points.map(([d]) => [d.lat, d.lon]);
  window.L.polyline(line, { color: "#b3003c" }).addTo(map);
  for (const [d, i] of points) {
    const marker = window.L.circleMarker([d.lat, d.lon], { radius: 8, color: doorDone(d, results) ? "#1d6b33" : "#b3003c" }).addTo(map);
    marker.bindTooltip(`${d.order}. ${d.address}`);
    marker.on("click", () => { location.hash = `#/walk/${id}/door/${i}`; });
  }
  map.fitBounds(line, { padding: [20, 20] });
}

function chips(label, options, selected, onPick) {
  const group = h("div", { class: "chips", role: "group", "aria-label": label });
  for (const o of options) {
    const b = h("button", { type: "button", "aria-pressed": String(o.value === selected), "aria-label": o.aria || o.label, title: o.title || o.label }, o.label);
    b.addEventListener("click", () => {
      const on = b.getAttribute("aria-pressed") !== "true";
      for (const other of group.children) other.setAttribute("aria-pressed", "false");
      b.setAttribute("aria-pressed", String(on));
      onPick(on ? o.value : null);
    });
    group.append(b);
  }
  return group;
}

function questionField(q, answers) {
  const id = `q-${q.key}-${Math.random().toString(36).slice(2, 8)}`;
  if (q.kind === "single" || q.kind === "yes_no") {
    const options = q.kind === "yes_no" ? [{ value: "yes", label: "Yes" }, { value: "no", label: "No" }] : q.choices;
    const sel = h("select", { id, onchange: () => { answers[q.key] = sel.value || null; } }, h("option", { value: "" }, "—"), options.map((c) => h("option", { value: c.value }, c.label)));
    return h("div", {}, h("label", { for: id }, q.text), sel);
  }
  if (q.kind === "multiple") {
    const picked = new Set();
    return h("fieldset", {}, h("legend", {}, q.text), q.choices.map((c) => h("label", {}, h("input", { type: "checkbox", value: c.value, onchange: (e) => {
      if (e.target.checked) picked.add(c.value); else picked.delete(c.value);
      answers[q.key] = picked.size ? [...picked] : null;
    } }), " ", c.label)));
  }
  if (q.kind === "scale") {
    const inp = h("input", { id, type: "number", min: q.scale.min ?? 0, max: q.scale.max ?? 10, inputmode: "numeric", onchange: () => { answers[q.key] = inp.value === "" ? null : Number(inp.value); } });
    return h("div", {}, h("label", { for: id }, q.text), inp);
  }
  const inp = h(q.kind === "text" ? "textarea" : "input", { id, rows: 2, onchange: () => { answers[q.key] = inp.value.trim() || null; } });
  return h("div", {}, h("label", { for: id }, q.text), inp);
}

const statusByClientId = new Map(); // results saved on this screen → their status line, updated on sync
const REACHED = new Set(["spoke", "refused", "poster", "postal_vote", "volunteer"]);
const BUILT_IN = new Set(["support", "likelihood", "previous_vote", "issues", "notes"]);

function electorCard(walk, elector, previous) {
  const state = { support_code: "", likelihood: null, outcome: "spoke", answers: {} };
  const built = {}; // answers to the built-in questions, stored in the contact's own columns
  const status = h("p", { class: "ds-note", role: "status" }, previous ? `Recorded: ${previous.outcome === "not_in" ? "not in" : previous.support_code || previous.outcome}${previous.state === "sent" ? " ✓ synced" : previous.state === "failed" ? ` — not stored: ${previous.error}` : " (waiting to sync)"}` : "");
  const card = h("section", { class: `elector${previous ? " saved" : ""}`, "aria-label": elector.name });
  const byKey = Object.fromEntries(walk.questions.map((q) => [q.key, q]));
  const codeOptions = walk.codes.map((c) => ({ value: c.code, label: c.code, aria: `${c.code} ${c.label} for ${elector.name}`, title: c.label }));
  const likelihoodOptions = Array.from({ length: 11 }, (_, n) => ({ value: n, label: String(n), aria: `Likelihood ${n} for ${elector.name}` }));
  // Custom questions, each shown only while its condition ({"question": key, "in": [...]}) holds.
  const customs = walk.questions.filter((q) => !BUILT_IN.has(q.key)).map((q) => [q, questionField(q, state.answers)]);
  const answerOf = (key) => (key === "support" ? state.support_code : key === "likelihood" ? state.likelihood : key in built ? built[key] : state.answers[key]);
  function applyConditions() {
    for (const [q, el] of customs) {
      const cond = q.condition || {};
      if (!cond.question || !Array.isArray(cond.in)) continue;
      const value = answerOf(cond.question);
      const values = (Array.isArray(value) ? value : [value]).map(String);
      el.hidden = !values.some((v) => cond.in.map(String).includes(v));
      if (el.hidden) delete state.answers[q.key]; // a hidden question is not answered
    }
  }
  const outcomeSel = h("select", { id: `o-${elector.id}`, onchange: () => { state.outcome = outcomeSel.value; } }, walk.outcomes.map((o) => h("option", { value: o.value }, o.label)));
  const more = h("details", { class: "more" }, h("summary", {}, "More"),
    h("label", { for: `o-${elector.id}` }, "Outcome"), outcomeSel,
    byKey.previous_vote ? questionField(byKey.previous_vote, built) : null,
    byKey.issues ? questionField(byKey.issues, built) : null,
    customs.map(([, el]) => el),
    byKey.notes ? questionField(byKey.notes, built) : null,
  );

  let busy = false;
  async function save(overrides) {
    if (busy) return; // a double tap stores one result, not two
    const item = { ...state, previous_vote: built.previous_vote || "", issues: built.issues || [], notes: built.notes || "", ...overrides };
    const answers = Object.fromEntries(Object.entries(item.answers).filter(([, v]) => v !== null && v !== undefined));
    if (!REACHED.has(item.outcome)) {
      // The server refuses a support code or answers without a conversation.
      item.support_code = "";
      for (const key of Object.keys(answers)) delete answers[key];
    } else {
      const missing = customs.find(([q, el]) => q.required && !el.hidden && !(q.key in answers));
      if (missing) {
        status.textContent = `Please answer: ${missing[0].text}`;
        more.open = true;
        return;
      }
    }
    busy = true;
    try {
      const queued = await enqueue({
        client_id: newClientId(), walk_id: walk.walk.id, elector_id: elector.id, method: "door",
        outcome: item.outcome, support_code: item.support_code || "", likelihood: item.likelihood,
        previous_vote: item.previous_vote, issues: item.issues, notes: item.notes, answers,
      });
      // Only now is it on the phone's disk: say so.
      card.classList.add("saved");
      status.textContent = `Saved on this phone: ${queued.outcome === "not_in" ? "not in" : queued.support_code || queued.outcome}`;
      statusByClientId.set(queued.client_id, status);
    } catch (err) {
      status.textContent = `NOT saved (${err}): try again`;
      return;
    } finally {
      busy = false;
    }
    flush();
  }

  const codeLabel = Object.fromEntries(walk.codes.map((c) => [c.code, c.label]));
  const marks = [
    elector.vote ? h("span", { class: "ds-mark" }, elector.vote === "postal" ? "Postal voter" : "Proxy voter") : null,
    elector.last ? h("span", { class: "ds-mark" }, `Last time: ${elector.last} (${codeLabel[elector.last] || "code"})`) : null,
  ].filter(Boolean);
  card.append(
    h("h3", {}, elector.name || "(no name)", " ", h("small", {}, elector.number)),
    marks.length ? h("p", { class: "ds-marks" }, marks) : null,
    chips(`Support for ${elector.name}`, codeOptions, null, (v) => { state.support_code = v || ""; }),
    h("p", { class: "ds-note" }, "Likelihood to vote"),
    chips(`Likelihood for ${elector.name}`, likelihoodOptions, null, (v) => { state.likelihood = v; }),
    more,
    h("div", { class: "chips" },
      h("button", { type: "button", "aria-label": `Save ${elector.name}`, onclick: () => save({}) }, "Save"),
      h("button", { type: "button", class: "secondary", "aria-label": `Not in: ${elector.name}`, onclick: () => save({ outcome: "not_in", support_code: "", likelihood: null, answers: {} }) }, "Not in"),
    ),
    status,
  );
  card.addEventListener("click", applyConditions);
  card.addEventListener("change", applyConditions);
  applyConditions();
  return card;
}

async function doorPage(id, index) {
  const { walk, denied, missing } = await loadWalk(id);
  if (denied || missing) return walkPage(id);
  const i = Number(index);
  const door = walk.doors[i];
  if (!door) return walkPage(id);
  const results = await resultsByElector(walk.walk.id);
  const cards = door.electors.map((e) => electorCard(walk, e, results.get(e.id)));
  const next = i + 1 < walk.doors.length ? `#/walk/${id}/door/${i + 1}` : `#/walk/${id}`;
  const nobodyIn = h("button", { type: "button", class: "secondary", onclick: async () => {
    for (const e of door.electors) {
      if (!results.has(e.id)) {
        await enqueue({ client_id: newClientId(), walk_id: walk.walk.id, elector_id: e.id, method: "door", outcome: "not_in", support_code: "", likelihood: null, issues: [], notes: "", answers: {} });
      }
    }
    flush();
    location.hash = next;
  } }, "Nobody in → next");
  // The support buttons are single letters: the key is one tap away on every door.
  const key = h("details", { class: "ds-key" }, h("summary", {}, "Key to the support codes"),
    h("dl", {}, walk.codes.flatMap((c) => [h("dt", {}, c.code), h("dd", {}, c.label)])));
  show(
    h("p", { class: "ds-note" }, `Door ${i + 1} of ${walk.doors.length}`),
    h("h1", {}, door.address),
    key,
    door.electors.length ? nobodyIn : h("p", {}, "No electors on the register here."),
    cards,
    h("div", { class: "ds-foot" },
      h("a", { class: "button secondary", href: `#/walk/${id}` }, "Walk"),
      h("a", { class: "button", href: next }, i + 1 < walk.doors.length ? "Next door" : "Finish")),
  );
}

// Signing out removes the walks (names and addresses) from this phone. Unsent results stay queued (losing
// them would lose the canvasser's work) and are sent at the next sign-in here; the canvasser is warned first.
document.getElementById("ds-signout").addEventListener("click", async (event) => {
  const waiting = (await pending()).length;
  if (waiting && !confirm(`${waiting} result(s) are not sent yet. They stay on this phone until you sign in again. Sign out?`)) return;
  for (const cached of await allWalks()) await deleteWalk(cached.walk.id);
  const token = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
  const form = h("form", { method: "post", action: event.target.dataset.logoutUrl },
    h("input", { type: "hidden", name: "csrfmiddlewaretoken", value: decodeURIComponent(token) }));
  document.body.append(form);
  form.submit();
});

function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  if (parts[0] === "walk" && parts[2] === "door") return doorPage(Number(parts[1]), parts[3]);
  if (parts[0] === "walk") return walkPage(Number(parts[1]));
  return walksPage();
}

window.addEventListener("hashchange", route);
startSync(cfg.syncUrl, (s) => {
  const labels = { syncing: "Syncing…", synced: s.left ? `${s.left} to send` : "All synced", offline: `Offline · ${s.left} queued`, "signed-out": "Signed out · results kept" };
  syncLabel.textContent = labels[s.state] || s.state;
  for (const r of s.results || []) {
    const line = statusByClientId.get(r.client_id);
    if (!line || !line.isConnected) continue;
    const ok = r.status === "created" || r.status === "duplicate";
    line.textContent += ok ? " ✓ synced" : ` — NOT stored: ${r.error || r.status}`;
  }
  syncLabel.dataset.state = s.state;
});
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register(cfg.swUrl, { scope: cfg.scope, type: "classic" }).catch(() => {
    // Without a service worker the app still works online and keeps queued results; only a cold offline start fails.
  });
}
route();
