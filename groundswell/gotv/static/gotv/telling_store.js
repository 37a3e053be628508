// IndexedDB for the telling page, on the shared offline queue (static/js/offline-queue.js), which also sends
// it: the queue of entries and undos (with client ids), and each station's numbers for offline checking. An
// entry is shown as "queued" only once its IndexedDB transaction has committed.

import { newClientId, offlineQueue } from "../js/offline-queue.js";

let seq = 0;

// Queue items: {client_id, op: "enter"|"undo", day, station_id, text | target, seq, state, result}.
// state: "pending" (to send) or "done" (the server answered; result holds its answer). `seq` keeps the order
// typed, so an undo is never sent before the entry it takes back.
const queue = offlineQueue({
  database: "groundswell-telling",
  upgrade: (db) => db.createObjectStore("stations", { keyPath: "key" }),
  stamp(item) {
    seq += 1;
    return { ...item, seq: Date.now() * 1000 + (seq % 1000), state: "pending", result: null };
  },
  order: (a, b) => a.seq - b.seq,
  settled: (item, r) => ({ ...item, state: "done", result: r }),
  strip: ["state", "result", "seq"],
});

export { newClientId };
export const { enqueue, pending, settle, flush, startSync } = queue;

export const saveStation = (day, payload) =>
  queue.run("stations", "readwrite", (s) => s.put({ key: `${day}:${payload.station.id}`, day, ...payload }));
export const getStation = (day, id) => queue.run("stations", "readonly", (s) => s.get(`${day}:${id}`));

export async function itemsFor(day, stationId) {
  const items = await queue.allItems();
  return items.filter((i) => i.day === day && i.station_id === stationId).sort((a, b) => a.seq - b.seq);
}

export async function counts(day) {
  const mine = (await queue.allItems()).filter((i) => i.day === day && i.op === "enter");
  return { queued: mine.filter((i) => i.state === "pending").length, synced: mine.filter((i) => i.state === "done").length };
}
