// Sends the knock-up queue to the sync endpoint when online, retrying with back-off. The server is idempotent
// by client_id, so an item sent twice (a lost response, two tabs) is stored once. Same protocol as the
// doorstep's sync.js, over the knock-up store (sync.js is bound to the doorstep's own store module).
import { pending, settle } from "./knockup-store.js";

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
  const body = items.map(({ state, error, ...rest }) => rest);
  const response = await fetch(syncUrl, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify({ items: body }),
  });
  if (response.status === 401) throw Object.assign(new Error("signed out"), { signedOut: true });
  if (!response.ok && response.status !== 403) throw new Error(`sync failed: ${response.status}`);
  const data = await response.json();
  await settle(data.results || []);
  return data.results || [];
}

export function flush() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    listener({ state: "syncing" });
    try {
      let results = [];
      for (;;) {
        const items = await pending();
        if (!items.length) break;
        results = results.concat(await sendBatch(items.slice(0, BATCH)));
        if (items.length <= BATCH) break;
      }
      delay = 2000;
      listener({ state: "synced", results, left: (await pending()).length });
    } catch (err) {
      listener({ state: err.signedOut ? "signed-out" : "offline", left: (await pending()).length });
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
  else {
    pending().then((items) => listener({ state: "offline", left: items.length }));
    schedule();
  }
}
