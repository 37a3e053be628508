// Local persistence for the doorstep app and keyboard entry: walks (for offline use) and the result queue.
// IndexedDB, because a closed tab must not lose a queued result: `enqueue` resolves only after the
// transaction commits, and the UI says "saved" only then.

const DB_NAME = "groundswell-canvassing";
const DB_VERSION = 1;
let dbPromise = null;

function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore("walks", { keyPath: "walk.id" });
        const queue = db.createObjectStore("queue", { keyPath: "client_id" });
        queue.createIndex("state", "state");
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
    const store = tx.objectStore(storeName);
    let result;
    const req = fn(store);
    if (req) req.onsuccess = () => { result = req.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const saveWalk = (payload) => run("walks", "readwrite", (s) => s.put(payload));
export const getWalk = (id) => run("walks", "readonly", (s) => s.get(Number(id)));
export const allWalks = () => run("walks", "readonly", (s) => s.getAll());

export function newClientId() {
  // crypto.randomUUID needs a secure context; fall back to getRandomValues (still unguessable) elsewhere.
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// Items: {client_id, walk_id, elector_id|elector_number, outcome, support_code, …, state, error}.
// state: "pending" (to send), "sent" (stored on the server), "failed" (rejected; shown, not retried).
export function enqueue(item) {
  const record = { occurred_at: new Date().toISOString(), ...item, state: "pending" };
  return run("queue", "readwrite", (s) => s.put(record)).then(() => record);
}

export const pending = () => run("queue", "readonly", (s) => s.index("state").getAll("pending"));
export const allItems = () => run("queue", "readonly", (s) => s.getAll());

export async function settle(results) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("queue", "readwrite");
    const store = tx.objectStore("queue");
    for (const r of results) {
      const req = store.get(r.client_id);
      req.onsuccess = () => {
        const item = req.result;
        if (!item) return;
        const ok = r.status === "created" || r.status === "duplicate";
        if (ok) {
          // Stored on the server: keep only what marks the door as done, not what the voter said
          // (a lost phone should hold as little political opinion as possible).
          store.put({ client_id: item.client_id, walk_id: item.walk_id, elector_id: item.elector_id,
            elector_number: item.elector_number, outcome: item.outcome, method: item.method,
            occurred_at: item.occurred_at, state: "sent", error: "" });
        } else {
          item.state = "failed";
          item.error = r.error || r.status;
          store.put(item);
        }
      };
    }
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}

export const deleteWalk = (id) => run("walks", "readwrite", (s) => s.delete(Number(id)));
