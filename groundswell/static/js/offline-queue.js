// The offline queue shared by the pages used with a bad connection: the doorstep app and paper entry
// (canvassing), the knock-up sheet and the telling page (polling day).
//
// Each page has its own IndexedDB database (so one page's sync never sends another's items) holding a "queue"
// object store, keyed by client id with a "state" index, plus whatever data the page keeps for offline use.
// `enqueue` resolves only after the IndexedDB transaction commits: a page says "saved" only then, so a closed
// tab or a flat battery loses nothing it was told was kept. The sync loop sends pending items in batches
// when there is a connection and retries with back-off (2 s doubling to 60 s); the servers are idempotent by
// client id, so an item sent twice (a lost response, two tabs) is stored once.
//
// Listener events: {state: "syncing"}, {state: "synced", results, tallies, left},
// {state: "offline" | "signed-out", left}. `tallies` merges the answers' own `tallies` (telling's counts).

export function newClientId() {
  // crypto.randomUUID needs a secure context; getRandomValues (still unguessable) works on plain http too.
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

const pendingStamp = (item) => ({ occurred_at: new Date().toISOString(), ...item, state: "pending" });

// options:
//   database, version: the page's IndexedDB database (version 1 unless its stores change)
//   upgrade(db, queue): creates the page's other object stores and any extra queue indexes
//   stamp(item): the record to store for a new item (default: occurred_at now, state "pending")
//   order(a, b): sort for pending items (default: as IndexedDB returns them, by client id)
//   settled(item, result): the record to keep once the server answered for it
//   strip: fields kept locally but not sent (default state and error)
//   answerOn403: a 403 still carries per-item answers (true) or means "try again later" (false)
export function offlineQueue({
  database,
  version = 1,
  upgrade = () => {},
  stamp = pendingStamp,
  order = null,
  settled,
  strip = ["state", "error"],
  answerOn403 = false,
  batch = 200,
}) {
  let dbPromise = null;

  function open() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const req = indexedDB.open(database, version);
        req.onupgradeneeded = () => {
          const db = req.result;
          const queue = db.createObjectStore("queue", { keyPath: "client_id" });
          queue.createIndex("state", "state");
          upgrade(db, queue);
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return dbPromise;
  }

  async function run(storeName, mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      let result;
      const req = fn(tx.objectStore(storeName));
      if (req) req.onsuccess = () => { result = req.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  function enqueue(item) {
    const record = stamp(item);
    return run("queue", "readwrite", (s) => s.put(record)).then(() => record);
  }

  async function pending() {
    const items = (await run("queue", "readonly", (s) => s.index("state").getAll("pending"))) || [];
    return order ? items.sort(order) : items;
  }

  const allItems = async () => (await run("queue", "readonly", (s) => s.getAll())) || [];

  async function settle(results) {
    // One transaction for the whole answer: either every item is marked or (on an error) none is.
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction("queue", "readwrite");
      const store = tx.objectStore("queue");
      for (const r of results) {
        const req = store.get(r.client_id);
        req.onsuccess = () => {
          if (req.result) store.put(settled(req.result, r));
        };
      }
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  }

  // ---- the sync loop
  let syncUrl = "";
  let listener = () => {};
  let running = null;
  let again = false;
  let retryTimer = null;
  let delay = 2000;

  async function sendBatch(items) {
    const body = items.map((item) => {
      const sent = { ...item };
      for (const key of strip) delete sent[key];
      return sent;
    });
    const response = await fetch(syncUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ items: body }),
    });
    if (response.status === 401) throw Object.assign(new Error("signed out"), { signedOut: true });
    if (!response.ok && !(answerOn403 && response.status === 403)) throw new Error(`sync failed: ${response.status}`);
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
      const data = await sendBatch(items.slice(0, batch));
      results.push(...(data.results || []));
      tallies = { ...tallies, ...(data.tallies || {}) };
      if (items.length <= batch) break;
    }
    return { results, tallies };
  }

  function schedule() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => { if (navigator.onLine) flush(); else schedule(); }, delay);
    delay = Math.min(delay * 2, 60000);
  }

  function flush() {
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
        listener({ state: "synced", results, tallies, left: (await pending()).length });
      } catch (err) {
        // Offline or server trouble: everything stays queued; try again later.
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

  function startSync(url, onChange) {
    syncUrl = url;
    listener = onChange || listener;
    window.addEventListener("online", () => { delay = 2000; flush(); });
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") flush(); });
    if (navigator.onLine) {
      flush();
    } else {
      pending().then((items) => listener({ state: "offline", left: items.length }));
      schedule();
    }
  }

  return { run, enqueue, pending, allItems, settle, flush, startSync };
}
