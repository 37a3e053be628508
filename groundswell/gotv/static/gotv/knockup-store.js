// Local persistence for the knock-up sheet: rounds (for offline use) and the queue of results, on the shared
// offline queue (static/js/offline-queue.js), which also sends it. Its own database (not the doorstep's), so
// the doorstep's sync never sees knock-up results and vice versa.

import { newClientId, offlineQueue } from "../js/offline-queue.js";

// Items: {client_id, round_id, elector_id, outcome, occurred_at, state, error}.
// state: "pending" (to send), "sent" (stored on the server), "failed" (rejected; shown, not retried).
const queue = offlineQueue({
  database: "groundswell-knockup",
  upgrade(db, items) {
    db.createObjectStore("rounds", { keyPath: "round.id" });
    items.createIndex("round_id", "round_id");
  },
  answerOn403: true,
  settled(item, r) {
    const ok = r.status === "created" || r.status === "duplicate";
    return { ...item, state: ok ? "sent" : "failed", error: ok ? "" : (r.error || r.status) };
  },
});

export { newClientId };
export const { enqueue, pending, settle, flush, startSync } = queue;

export const saveRound = (payload) => queue.run("rounds", "readwrite", (s) => s.put(payload));
export const getRound = (id) => queue.run("rounds", "readonly", (s) => s.get(Number(id)));
export const deleteRound = (id) => queue.run("rounds", "readwrite", (s) => s.delete(Number(id)));
export const clearRounds = () => queue.run("rounds", "readwrite", (s) => s.clear());
export const roundItems = (roundId) =>
  queue.run("queue", "readonly", (s) => s.index("round_id").getAll(Number(roundId)));
