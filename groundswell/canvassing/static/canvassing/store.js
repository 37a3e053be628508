// Local persistence for the doorstep app and keyboard entry: walks (for offline use) and the result queue,
// on the shared offline queue (static/js/offline-queue.js), which also sends it (`flush`, `startSync`).

import { newClientId, offlineQueue } from "../js/offline-queue.js";

// Items: {client_id, walk_id, elector_id|elector_number, outcome, support_code, …, state, error}.
// state: "pending" (to send), "sent" (stored on the server), "failed" (rejected; shown, not retried).
const queue = offlineQueue({
  database: "groundswell-canvassing",
  upgrade: (db) => db.createObjectStore("walks", { keyPath: "walk.id" }),
  answerOn403: true,
  settled(item, r) {
    if (r.status === "created" || r.status === "duplicate") {
      // Stored on the server: keep only what marks the door as done, not what the voter said
      // (a lost phone should hold as little political opinion as possible).
      return { client_id: item.client_id, walk_id: item.walk_id, elector_id: item.elector_id,
        elector_number: item.elector_number, outcome: item.outcome, method: item.method,
        occurred_at: item.occurred_at, state: "sent", error: "" };
    }
    return { ...item, state: "failed", error: r.error || r.status };
  },
});

export { newClientId };
export const { enqueue, pending, allItems, settle, flush, startSync } = queue;

export const saveWalk = (payload) => queue.run("walks", "readwrite", (s) => s.put(payload));
export const getWalk = (id) => queue.run("walks", "readonly", (s) => s.get(Number(id)));
export const allWalks = () => queue.run("walks", "readonly", (s) => s.getAll());
export const deleteWalk = (id) => queue.run("walks", "readwrite", (s) => s.delete(Number(id)));
