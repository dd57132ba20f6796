/**
 * The thread that checkpoints the SQLite store's WAL (wal-checkpoints.ts starts it): its own
 * connection to the file, a PASSIVE checkpoint at a steady pace. PASSIVE never waits for the
 * store's readers or writer, so the event loop's connection goes on committing while this one
 * copies pages into the database file and syncs it (docs/architecture.md#sqlite-checkpoints).
 * Built into the binary as an entry of its own (build.ts).
 */
import { Database, type Statement } from "bun:sqlite";

declare const self: Worker;

/** What the event loop's side sends: where the file is and how often to checkpoint; then `stop`. */
export type ToCheckpointer = { path: string; everyMs: number } | "stop";
/** `ready` once the connection is open; `failed` (and the thread ends) when it cannot go on. */
export type FromCheckpointer = "ready" | "stopped" | { failed: string };

let db: Database | undefined;
let checkpoint: Statement | undefined;
let timer: Timer | undefined;

/** Closes the connection for real: an unfinalized statement would keep it open (a zombie) after close. */
function stop(): void {
  clearInterval(timer);
  checkpoint?.finalize();
  db?.close();
  checkpoint = undefined;
  db = undefined;
}

self.onmessage = (e: MessageEvent<ToCheckpointer>) => {
  const m = e.data;
  if (m === "stop") {
    stop();
    postMessage("stopped" satisfies FromCheckpointer);
    return;
  }
  try {
    db = new Database(m.path, { readwrite: true });
    // A checkpoint syncs the WAL before copying it and the database file after, whatever this
    // says; NORMAL is what the store's own connection runs with.
    db.run("PRAGMA synchronous = NORMAL");
    const ckpt = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
    checkpoint = ckpt;
    timer = setInterval(() => {
      try {
        ckpt.get();
      } catch (err) {
        // Another process's checkpoint (workers share the file) or writer in the way: next time.
        if (/^SQLITE_(BUSY|LOCKED)/.test(String((err as { code?: unknown }).code))) return;
        stop();
        postMessage({ failed: String((err as Error).message ?? err) } satisfies FromCheckpointer);
      }
    }, m.everyMs);
    postMessage("ready" satisfies FromCheckpointer);
  } catch (err) {
    stop();
    postMessage({ failed: String((err as Error).message ?? err) } satisfies FromCheckpointer);
  }
};
