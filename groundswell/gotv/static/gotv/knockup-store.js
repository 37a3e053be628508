// Local persistence for the knock-up sheet: rounds (for offline use) and the queue of results, in IndexedDB.
// Its own database (not the doorstep's), so the doorstep's sync never sees knock-up results and vice versa.
// `enqueue` resolves only after the transaction commits: the sheet shows a result as saved only then.

const DB_NAME = "groundswell-knockup";
const DB_VERSION = 1;
let dbPromise = null;

function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore("rounds", { keyPath: "round.id" });
        const queue = db.createObjectStore("queue", { keyPath: "client_id" });
        queue.createIndex("state", "state");
        queue.createIndex("round_id", "round_id");
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

export const saveRound = (payload) => run("rounds", "readwrite", (s) => s.put(payload));
export const getRound = (id) => run("rounds", "readonly", (s) => s.get(Number(id)));
export const deleteRound = (id) => run("rounds", "readwrite", (s) => s.delete(Number(id)));
export const clearRounds = () => run("rounds", "readwrite", (s) => s.clear());

// Items: {client_id, round_id, elector_id, outcome, occurred_at, state, error}.
// state: "pending" (to send), "sent" (stored on the server), "failed" (rejected; shown, not retried).
export function enqueue(item) {
  const record = { occurred_at: new Date().toISOString(), ...item, state: "pending" };
  return run("queue", "readwrite", (s) => s.put(record)).then(() => record);
}

export const pending = () => run("queue", "readonly", (s) => s.index("state").getAll("pending"));
export const roundItems = (roundId) => run("queue", "readonly", (s) => s.index("round_id").getAll(Number(roundId)));

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
        store.put({ ...item, state: ok ? "sent" : "failed", error: ok ? "" : (r.error || r.status) });
      };
    }
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}
