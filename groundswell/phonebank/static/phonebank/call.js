// The caller page: one contact at a time, the script with its branches, and "save and next call" in one step.
// A result carries a client id made when the call is shown, so a double click or a retry after a network
// error is stored once; on a network error the page keeps the result and resends it until the server answers.

const config = JSON.parse(document.getElementById("phonebank-config").textContent);
const $ = (id) => document.getElementById(id);
let current = null; // {call, clientId}
let sending = false;
let lastTally = 0;

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2);
}

function message(text, isError = false) {
  $("pb-message").textContent = text;
  $("pb-message").className = isError ? "error" : "";
}

async function api(name, body, { retry = true } = {}) {
  const url = config.urls[name];
  for (let wait = 1000; ; wait = Math.min(wait * 2, 15000)) {
    let response;
    try {
      response = await fetch(url, {
        method: body === undefined ? "GET" : "POST",
        headers: { "Content-Type": "application/json", "X-Caller-Seat": config.seat },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      if (!retry) throw err;
      message("No connection: your result is kept and will be sent when you are back online…", true);
      await new Promise((r) => setTimeout(r, wait));
      continue;
    }
    if (response.status === 503 && retry) {
      message("The server is busy: trying again…", true);
      await new Promise((r) => setTimeout(r, wait));
      continue;
    }
    const data = await response.json().catch(() => ({}));
    if (response.status === 401) {
      message(data.detail || "Please open this page again.", true);
      throw new Error("seat");
    }
    return { ok: response.ok, status: response.status, data };
  }
}

// --------------------------------------------------------------------------------------- the script

function answerOf(q) {
  const box = document.querySelector(`[data-key="${q.key}"]`);
  if (!box) return null;
  if (q.kind === "multiple" || q.kind === "ranking") {
    return [...box.querySelectorAll("input:checked")].map((i) => i.value);
  }
  const checked = box.querySelector("input[type=radio]:checked");
  if (checked) return checked.value;
  const field = box.querySelector("input:not([type=radio]), textarea, select");
  return field && field.value !== "" ? field.value : null;
}

function conditionHolds(q, answers) {
  const cond = q.condition || {};
  if (!cond.question || !Array.isArray(cond.in)) return true;
  const value = answers[cond.question];
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => v !== null && v !== undefined && cond.in.map(String).includes(String(v)));
}

// The same walk as questions.services.asked_path: conditions, then forward branches or the end.
function askedPath(answers) {
  const qs = config.questions;
  const index = Object.fromEntries(qs.map((q, i) => [q.key, i]));
  const path = [];
  let i = 0;
  while (i < qs.length) {
    const q = qs[i];
    if (!conditionHolds(q, answers)) { i += 1; continue; }
    path.push(q.key);
    const value = answers[q.key];
    const values = Array.isArray(value) ? value : [value];
    const target = values.map((v) => (q.branches || {})[String(v)]).find((t) => t);
    if (target === "end") break;
    i = target in index && index[target] > i ? index[target] : i + 1;
  }
  return path;
}

function currentAnswers() {
  const answers = {};
  for (const q of config.questions) {
    const v = answerOf(q);
    if (v !== null && !(Array.isArray(v) && v.length === 0)) answers[q.key] = v;
  }
  return answers;
}

function refreshScript() {
  const path = new Set(askedPath(currentAnswers()));
  for (const q of config.questions) {
    const box = document.querySelector(`[data-key="${q.key}"]`);
    if (box) box.hidden = !path.has(q.key);
  }
}

function input(type, name, value, label) {
  const wrap = document.createElement("label");
  const el = document.createElement("input");
  el.type = type; el.name = name; el.value = value;
  wrap.append(el, " " + label);
  return wrap;
}

function renderScript() {
  const box = $("pb-questions");
  box.replaceChildren();
  for (const q of config.questions) {
    const div = document.createElement("div");
    div.className = "pb-q";
    div.dataset.key = q.key;
    const title = document.createElement("p");
    title.textContent = q.text + (q.required ? " *" : "");
    div.append(title);
    const name = "q-" + q.key;
    if (q.kind === "single" || q.kind === "support") {
      for (const c of q.choices || []) div.append(input("radio", name, c.value, c.label));
    } else if (q.kind === "multiple" || q.kind === "ranking") {
      for (const c of q.choices || []) div.append(input("checkbox", name, c.value, c.label));
    } else if (q.kind === "yes_no") {
      div.append(input("radio", name, "yes", "Yes"), input("radio", name, "no", "No"));
    } else if (q.kind === "scale" || q.kind === "likelihood") {
      const scale = q.scale || { min: 0, max: 10 };
      for (let v = scale.min ?? 0; v <= (scale.max ?? 10); v += 1) div.append(input("radio", name, String(v), String(v)));
    } else {
      const t = document.createElement("textarea");
      t.name = name; t.rows = 2; t.maxLength = 2000;
      t.setAttribute("aria-label", q.text);
      div.append(t);
    }
    box.append(div);
  }
  box.addEventListener("change", refreshScript);
  refreshScript();
}

function renderOutcomes() {
  const box = $("pb-outcome-buttons");
  for (const o of config.outcomes) box.append(input("radio", "outcome", o.value, o.label));
  box.addEventListener("change", () => {
    const outcome = document.querySelector("input[name=outcome]:checked")?.value;
    $("pb-callback-row").hidden = outcome !== "call_back";
    $("pb-questions").hidden = outcome && outcome !== "completed";
  });
}

// --------------------------------------------------------------------------------------- calls

function show(payload) {
  if (!payload.call) {
    current = null;
    $("pb-call").hidden = true;
    $("pb-none").hidden = false;
    $("pb-none-text").textContent = payload.none ? payload.none.message : "No call right now.";
    return;
  }
  current = { call: payload.call, clientId: uuid() };
  $("pb-none").hidden = true;
  $("pb-call").hidden = false;
  $("pb-name").textContent = payload.call.name;
  $("pb-attempt").textContent = payload.call.attempt > 1 ? `Try ${payload.call.attempt}` : "First call";
  $("pb-dial").href = "tel:" + payload.call.phone;
  $("pb-dial").textContent = "Call " + payload.call.phone;
  $("pb-bridge").hidden = !config.bridging;
  $("pb-intro").textContent = config.introduction.replaceAll("{first name}", payload.call.name.split(" ")[0]);
  $("pb-script").reset();
  $("pb-callback-row").hidden = true;
  $("pb-questions").hidden = false;
  refreshScript();
  // The result was saved from the bottom of the script: bring the next person's name and number into view.
  $("pb-call").scrollIntoView({ block: "start" });
}

async function nextCall() {
  const { ok, data } = await api("next", {});
  if (ok) { message(""); show(data); }
  else message(data.detail || "Could not get a call.", true);
}

async function refreshTally(force = false) {
  if (!force && Date.now() - lastTally < 15000) return;
  lastTally = Date.now();
  const { ok, data } = await api("tally", undefined, { retry: false }).catch(() => ({ ok: false }));
  if (!ok) return;
  $("pb-tally").textContent = `Your calls: ${data.mine.calls} · spoke to ${data.mine.reached} · completed ${data.mine.completed}`;
  $("pb-team").textContent = `Team: ${data.team.calls} calls by ${data.team.callers} callers`;
  $("pb-board").replaceChildren(...data.team.top.map((row) => {
    const li = document.createElement("li");
    li.textContent = `${row.caller}: ${row.calls} calls`;
    return li;
  }));
}

$("pb-script").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!current || sending) return; // a double click sends once (and the client id guards the rest)
  const outcome = document.querySelector("input[name=outcome]:checked")?.value;
  if (!outcome) { message("Choose how the call went.", true); return; }
  const answers = {};
  if (outcome === "completed") {
    const all = currentAnswers();
    for (const key of askedPath(all)) if (key in all) answers[key] = all[key];
  }
  const callback = $("pb-callback").value;
  const body = {
    client_id: current.clientId, target: current.call.target, lease: current.call.lease, outcome, answers,
    notes: $("pb-notes").value, callback_at: outcome === "call_back" && callback ? new Date(callback).toISOString() : null,
  };
  sending = true;
  $("pb-submit").disabled = true;
  try {
    const { ok, data } = await api("result", body);
    if (ok) {
      message(data.applied ? "Saved." : "Kept but not used: this call was no longer yours.");
      show(data);
      refreshTally(true);
    } else {
      message(Object.values(data.errors || {}).join(" ") || data.detail || "Could not save.", true);
    }
  } finally {
    sending = false;
    $("pb-submit").disabled = false;
  }
});

$("pb-skip").addEventListener("click", async () => {
  if (!current || sending) return;
  const { ok, data } = await api("skip", { target: current.call.target, lease: current.call.lease });
  if (ok) show(data);
});

$("pb-bridge").addEventListener("click", async () => {
  if (!current) return;
  const { ok, data } = await api("bridge", { target: current.call.target, lease: current.call.lease }, { retry: false });
  message(ok ? "Ringing your phone…" : data.detail || "Could not connect the call.", !ok);
});

$("pb-retry").addEventListener("click", nextCall);

renderScript();
renderOutcomes();
nextCall();
refreshTally(true);
setInterval(refreshTally, 30000);
