import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

/**
 * Background WAL checkpoints for a SQLite file (sqlite.org/wal.html#checkpointing).
 *
 * In WAL mode every commit appends pages to the `-wal` file, and a checkpoint copies them back into
 * the database file and syncs it. Left to SQLite, the connection whose commit crosses the
 * auto-checkpoint threshold does that work inside its commit: on the writer connection, which runs
 * in the request thread, that is a stall of tens of milliseconds for every request in flight, each
 * few dozen bulk writes. Here a worker thread with its own connection runs a PASSIVE checkpoint
 * every CHECKPOINT_INTERVAL_MS: it copies what was committed since the last one without waiting
 * for, or blocking, the writer and the readers. The writer's own auto-checkpoint stays on as a
 * bound on the WAL's size; it then finds little left to copy.
 */

/** How often the worker checkpoints, in milliseconds. A checkpoint with nothing to copy costs microseconds. */
const CHECKPOINT_INTERVAL_MS = 100;

/** What the checkpoint worker is started with. */
interface CheckpointData { readonly tesseraCheckpoint: string }

/** A running checkpoint worker. */
export interface Checkpointer {
  /** Stops the worker and closes its connection; resolves when the thread has ended. */
  stop(): Promise<void>;
}

/**
 * Starts checkpointing the SQLite file at `path` (already in WAL mode) in a worker thread. The
 * thread never keeps the process alive on its own. Errors in the worker (a checkpoint that fails)
 * are ignored: the writer's auto-checkpoint still bounds the WAL.
 */
export function startCheckpointer(path: string): Checkpointer {
  const worker = new Worker(new URL(import.meta.url), { workerData: { tesseraCheckpoint: path } satisfies CheckpointData });
  worker.unref();
  worker.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      worker.ref(); // the wait for its exit must keep the process alive
      worker.postMessage('stop');
      await exited;
    },
  };
}

/** The worker's side: a connection of its own and a timer. */
function runCheckpoints(path: string): void {
  const db = new BetterSqlite3(path);
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // See startCheckpointer: the writer's auto-checkpoint is the fallback.
    }
  }, CHECKPOINT_INTERVAL_MS);
  parentPort!.once('message', () => {
    clearInterval(timer);
    db.close();
    parentPort!.close();
  });
}

if (!isMainThread && typeof (workerData as Partial<CheckpointData> | undefined)?.tesseraCheckpoint === 'string') {
  runCheckpoints((workerData as CheckpointData).tesseraCheckpoint);
}
