import type { PlanSecurity } from '../plan/types.js';
import type { Statement } from '../sql/dialect.js';
import type { Database, Executor, UniqueViolation } from './database.js';

/**
 * A Database that measures how long a request waits on `inner`, for the `db` entry of the
 * Server-Timing header: `elapsedMs` is the wall time, in milliseconds, during which at least one
 * of its statements, or a transaction's start or end (BEGIN, waiting for the write lock, COMMIT or
 * ROLLBACK), was in flight. Statements that overlap count once; the work a transaction's callback
 * does between its statements does not count. One per request.
 */
export class TimedDatabase implements Database {
  readonly dialect: Database['dialect'];
  readonly description: string;
  /** Milliseconds spent waiting on the database so far. */
  elapsedMs = 0;
  private busy = 0;
  private since = 0;

  readonly security?: PlanSecurity;

  constructor(private readonly inner: Database) {
    this.dialect = inner.dialect;
    this.description = inner.description;
    if (inner.security) this.security = inner.security;
  }

  private enter(): void {
    if (this.busy++ === 0) this.since = performance.now();
  }

  private leave(): void {
    if (--this.busy === 0) this.elapsedMs += performance.now() - this.since;
  }

  private async timed<T>(work: () => Promise<T>): Promise<T> {
    this.enter();
    try {
      return await work();
    } finally {
      this.leave();
    }
  }

  private executor(tx: Executor): Executor {
    return { rows: (stmt) => this.timed(() => tx.rows(stmt)), run: (stmt) => this.timed(() => tx.run(stmt)) };
  }

  rows(stmt: Statement): Promise<unknown[][]> {
    return this.timed(() => this.inner.rows(stmt));
  }

  run(stmt: Statement): Promise<number> {
    return this.timed(() => this.inner.run(stmt));
  }

  /** `inner.transaction(fn)`, timed from its start to `fn`'s call and from `fn`'s end to its own (each time it runs `fn`). */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    return this.timed(() => this.inner.transaction(async (tx) => {
      this.leave();
      try {
        return await fn(this.executor(tx));
      } finally {
        this.enter();
      }
    }));
  }

  settledVersion(): Promise<number> {
    return this.timed(() => this.inner.settledVersion());
  }

  uniqueViolation(err: unknown): UniqueViolation | undefined {
    return this.inner.uniqueViolation(err);
  }

  isNumericOverflow(err: unknown): boolean {
    return this.inner.isNumericOverflow(err);
  }

  isTransactionAborted(err: unknown): boolean {
    return this.inner.isTransactionAborted(err);
  }

  /** Nothing: the inner database's work is abandoned by its owner. */
  async abandon(): Promise<void> {}

  /** Closes nothing: the inner database is closed by its owner. */
  async close(): Promise<void> {}
}
