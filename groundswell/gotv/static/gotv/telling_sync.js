// Sends the telling queue when there is a connection, in the order typed, retrying with back-off (2 s doubling
// to 60 s) through a bad connection. The server is idempotent by client id, so a batch sent twice (a lost
// response, two tabs) stores every entry once.
import { pending, settle } from "./telling_store.js";

const BATCH = 200;
let syncUrl = "";
let listener = () => {};
let running = null;
let again = false;
let retryTimer = null;
let delay = 2000;

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

async function sendBatch(items) {
  const body = items.map(({ state, result, seq, ...rest }) => rest);
  const response = await fetch(syncUrl, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify({ items: body }),
  });
  if (response.status === 401) throw Object.assign(new Error("signed out"), { signedOut: true });
  if (!response.ok) throw new Error(`sync failed: ${response.status}`);
  const data = await response.json();
  await settle(data.results || []);
  return data;
}

async function flushOnce() {
  const results = [];
  let tallies = {};
  for (;;) {
    const items = await pending();
    if (!items.length) break;
    const data = await sendBatch(items.slice(0, BATCH));
    results.push(...(data.results || []));
    tallies = { ...tallies, ...(data.tallies || {}) };
    if (items.length <= BATCH) break;
  }
  return { results, tallies };
}

export function flush() {
  if (running) {
    // Queued while a request was in flight: go round once more when it finishes.
    again = true;
    return running;
  }
  running = (async () => {
    listener({ state: "syncing" });
    try {
      const { results, tallies } = await flushOnce();
      delay = 2000;
      listener({ state: "synced", results, tallies });
    } catch (err) {
      // Offline or server trouble: everything stays queued; try again later.
      listener({ state: err.signedOut ? "signed-out" : "offline" });
      schedule();
    } finally {
      running = null;
      if (again) {
        again = false;
        flush();
      }
    }
  })();
  return running;
}

function schedule() {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => { if (navigator.onLine) flush(); else schedule(); }, delay);
  delay = Math.min(delay * 2, 60000);
}

export function startSync(url, onChange) {
  syncUrl = url;
  listener = onChange || listener;
  window.addEventListener("online", () => { delay = 2000; flush(); });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") flush(); });
  if (navigator.onLine) flush();
  else { listener({ state: "offline" }); schedule(); }
}
