// IndexedDB for the telling page: the queue of entries and undos (with client ids), and each station's numbers
// for offline checking. An entry is shown as "queued" only once its IndexedDB transaction has committed, so a
// closed tab or a flat battery loses nothing that the page said it had.

const DB_NAME = "groundswell-telling";
const DB_VERSION = 1;
let dbPromise = null;
let seq = 0;

function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore("stations", { keyPath: "key" });
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
    let result;
    const req = fn(tx.objectStore(storeName));
    if (req) req.onsuccess = () => { result = req.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export function newClientId() {
  // crypto.randomUUID needs a secure context; getRandomValues (still unguessable) works on plain http too.
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export const saveStation = (day, payload) =>
  run("stations", "readwrite", (s) => s.put({ key: `${day}:${payload.station.id}`, day, ...payload }));
export const getStation = (day, id) => run("stations", "readonly", (s) => s.get(`${day}:${id}`));

// Queue items: {client_id, op: "enter"|"undo", day, station_id, text | target, seq, state, result}.
// state: "pending" (to send) or "done" (the server answered; result holds its answer). `seq` keeps the order
// typed, so an undo is never sent before the entry it takes back.
export function enqueue(item) {
  seq += 1;
  const record = { ...item, seq: Date.now() * 1000 + (seq % 1000), state: "pending", result: null };
  return run("queue", "readwrite", (s) => s.put(record)).then(() => record);
}

export async function pending() {
  const items = await run("queue", "readonly", (s) => s.index("state").getAll("pending"));
  return (items || []).sort((a, b) => a.seq - b.seq);
}

export async function itemsFor(day, stationId) {
  const items = await run("queue", "readonly", (s) => s.getAll());
  return (items || []).filter((i) => i.day === day && i.station_id === stationId).sort((a, b) => a.seq - b.seq);
}

export async function counts(day) {
  const items = (await run("queue", "readonly", (s) => s.getAll())) || [];
  const mine = items.filter((i) => i.day === day && i.op === "enter");
  return { queued: mine.filter((i) => i.state === "pending").length, synced: mine.filter((i) => i.state === "done").length };
}

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
        item.state = "done";
        item.result = r;
        store.put(item);
      };
    }
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}
