import type { Database } from "bun:sqlite";
import { statSync } from "node:fs";
import { isCompiledBinary } from "../lib/compiled-binary";
import type { FromCheckpointer, ToCheckpointer } from "./wal-checkpoint-worker";

/** SQLite's default: its connection checkpoints each time the WAL holds this many pages (~4 MB). */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

export interface WalCheckpointOptions {
  /** The WAL's size at which checkpointing moves to its thread (default 1 MB). */
  startAtBytes?: number;
  /** How often the WAL's size is looked at until then (default 1 s). */
  lookEveryMs?: number;
  /** How often the thread checkpoints (default 1 s). */
  everyMs?: number;
  /** The thread's module (tests point it elsewhere to see a failure handled). */
  workerSpec?: string;
  /** Told once when the thread has taken over. */
  info?: (message: string) => void;
  /** Told once if the thread cannot start or stops working (the connection checkpoints itself again). */
  warn?: (message: string) => void;
}

/**
 * WAL checkpoints off the event loop (docs/architecture.md#sqlite-checkpoints). SQLite's own
 * checkpoint runs inside the commit that fills the WAL to ~4 MB: it copies those pages into the
 * database file and syncs both, 10–17 ms on this kind of VM, during which the event loop — every
 * request and stream of the process — stands still. Once the WAL has grown past `startAtBytes`
 * (a store that writes stored responses, quota counters, sessions), a thread with its own
 * connection checkpoints at a steady pace and the store's connections stop checkpointing. A
 * process whose store writes little never starts the thread (~7 MB of RSS). If the thread cannot
 * start or fails, the connection checkpoints itself again, as SQLite does by default.
 */
export class WalCheckpoints {
  private look: Timer | undefined;
  private worker: Worker | undefined;
  private state: "waiting" | "starting" | "running" | "failed" | "closed" = "waiting";

  /** `connections`: every connection of this process that writes to the file (each checkpoints by itself by default). */
  constructor(
    private readonly connections: Database[],
    private readonly path: string,
    private readonly o: WalCheckpointOptions = {},
  ) {}

  /** Starts looking at the WAL's size (once the store is open). */
  watch(): void {
    if (this.state !== "waiting" || this.look) return;
    this.look = setInterval(() => this.lookAtWal(), this.o.lookEveryMs ?? 1000);
    this.look.unref();
  }

  /** Whether the thread checkpoints now (rather than the store's own connection). */
  get offThread(): boolean {
    return this.state === "running";
  }

  /** Stops the thread (which closes its connection first, so the store's close is the last one). */
  async close(): Promise<void> {
    clearInterval(this.look);
    const w = this.worker;
    this.state = "closed";
    this.worker = undefined;
    if (!w) return;
    await new Promise<void>((done) => {
      const timer = setTimeout(done, 2000);
      w.onmessage = (e: MessageEvent<FromCheckpointer>) => {
        if (e.data !== "stopped") return;
        clearTimeout(timer);
        done();
      };
      w.postMessage("stop" satisfies ToCheckpointer);
    });
    w.terminate();
  }

  private lookAtWal(): void {
    let size = 0;
    try {
      size = statSync(`${this.path}-wal`).size;
    } catch {
      return; // no WAL yet
    }
    if (size < (this.o.startAtBytes ?? 1024 * 1024)) return;
    clearInterval(this.look);
    this.start();
  }

  private start(): void {
    this.state = "starting";
    let w: Worker;
    try {
      w = new Worker(this.o.workerSpec ?? workerSpec());
    } catch (e) {
      this.fail(String((e as Error).message ?? e));
      return;
    }
    this.worker = w;
    // Bun's Worker can be unref'd (not in the DOM type): the thread never keeps the process alive.
    (w as Worker & { unref(): void }).unref();
    w.onmessage = (e: MessageEvent<FromCheckpointer>) => {
      const m = e.data;
      if (m === "ready" && this.state === "starting") {
        this.state = "running";
        for (const db of this.connections) db.run("PRAGMA wal_autocheckpoint = 0");
        this.o.info?.("session store: WAL checkpoints run on their own thread from now on");
      } else if (typeof m === "object") this.fail(m.failed);
    };
    w.onerror = (e) => this.fail(e.message);
    w.postMessage({ path: this.path, everyMs: this.o.everyMs ?? 1000 } satisfies ToCheckpointer);
  }

  private fail(why: string): void {
    if (this.state === "closed" || this.state === "failed") return;
    this.state = "failed";
    this.worker?.terminate();
    this.worker = undefined;
    try {
      for (const db of this.connections) db.run(`PRAGMA wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    } catch {
      // The store is closing: nothing left to checkpoint for.
    }
    this.o.warn?.(`session store: WAL checkpoints stay on the event loop (${why}); each pauses requests for a few ms`);
  }
}

/**
 * Where the thread's module is: beside this file when run from source; in a compiled binary, the
 * entry build.ts adds, named from the root of the entries (src/).
 */
function workerSpec(): string {
  return isCompiledBinary()
    ? "./state/wal-checkpoint-worker.ts"
    : new URL("./wal-checkpoint-worker.ts", import.meta.url).href;
}
