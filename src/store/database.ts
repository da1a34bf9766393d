import type { PlanSecurity } from '../plan/types.js';
import type { Dialect, Statement } from '../sql/dialect.js';

/**
 * Runs statements. Rows come back as arrays in the statement's column order. Inside a
 * transaction a caller may send a statement before the previous one is answered: they run in the
 * order sent, and the transaction commits or rolls back only after all of them. Outside one
 * (Database.rows / run) statements are independent and may run in any order.
 */
export interface Executor {
  /** Runs a query and returns its rows (values as the driver returns them). */
  rows(stmt: Statement): Promise<unknown[][]>;
  /** Runs a write and returns how many rows it changed. */
  run(stmt: Statement): Promise<number>;
}

/**
 * The unique index a statement broke, as the driver tells it: `index`, the index's or constraint's
 * name (PostgreSQL, SQL Server), or `columns`, the columns SQLite names in its message ("UNIQUE
 * constraint failed: t.a, t.b"). Neither when the driver tells nothing more (SQLite's primary
 * key). The executor tells an alternate key's index (ddl.ts indexName `ak_…`) from the primary key
 * with it (store/execute.ts).
 */
export interface UniqueViolation {
  readonly index?: string;
  readonly columns?: readonly string[];
}

/**
 * A database behind one dialect. Reads outside a transaction see only committed data.
 * `transaction` runs `fn` all-or-nothing: it commits when `fn` resolves and rolls back when it
 * throws (the error is rethrown). Writes are serialised.
 */
export interface Database extends Executor {
  readonly dialect: Dialect;
  /** A short description for logs, e.g. `sqlite:./data/tessera.db`. */
  readonly description: string;
  /**
   * The caller's privileges, which the executor applies to every plan it runs on this database
   * (store/execute.ts); undefined when every plan runs as it is (the built-in system user, a
   * System Administrator, the service's own work).
   */
  readonly security?: PlanSecurity;
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  /**
   * The highest row version V such that every transaction that reserved a version ≤ V has ended
   * (committed or rolled back): a read that starts after this resolves sees every row and
   * deletion up to V that will ever be seen. Change tracking's delta tokens carry it (digest
   * §10), so that a write still in flight when a token is made is reported by the next delta.
   * Throws 503 when such a transaction stays open too long (PostgreSQL), 501 where the database
   * cannot tell (SQL Server, for now).
   */
  settledVersion(): Promise<number>;
  /**
   * What a unique index refused when `err` is the driver's unique or primary-key violation (see
   * UniqueViolation); undefined for any other error.
   */
  uniqueViolation(err: unknown): UniqueViolation | undefined;
  /**
   * True when `err` says a computed number left its type's range (PostgreSQL 22003 "value out of
   * range", SQL Server 8115 "Arithmetic overflow error"; SQLite's "integer overflow"): an
   * aggregate over values past what a column allows (stored before its bounds were narrowed).
   */
  isNumericOverflow(err: unknown): boolean;
  /**
   * True when `err` says the statement was refused because the transaction had already failed
   * (PostgreSQL 25P02, SQL Server 3930): a consequence of another failure, never its cause.
   * SQLite undoes only the failing statement, so never there.
   */
  isTransactionAborted(err: unknown): boolean;
  /**
   * Ends the work in progress at once, for a process about to exit with requests still running
   * past its shutdown deadline (cli.ts): no transaction of that work commits any more, and the
   * database rolls back what it had begun. Resolves once that is done or asked for (bounded: it
   * never waits on the work itself); the database is not used afterwards, not even closed.
   */
  abandon(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `db` run for a caller whose privileges are `security` (Database.security; undefined: nothing is
 * checked): every other member is `db`'s own, called on `db` itself, so that state it keeps
 * (TimedDatabase's timings) is shared.
 */
export function withSecurity(db: Database, security: PlanSecurity | undefined): Database {
  return new Proxy(db, {
    get(target, key) {
      if (key === 'security') return security;
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Runs work at once: for statements that each take any free connection of a pool. */
export const atOnce = <T>(work: () => Promise<T>): Promise<T> => work();

/**
 * A queue that starts each piece of work once the one before it has settled (resolved or
 * rejected), for connections that run one statement at a time — SQL Server fails a second
 * request with EREQINPROG, pg deprecates queueing in the client — while Executor callers may send
 * statements without awaiting the previous answer. Returns `enqueue(work)`, which resolves or
 * rejects as `work()` does.
 */
export function oneAtATime(): <T>(work: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const answer = last.then(work, work);
    last = answer.catch(() => undefined);
    return answer;
  };
}

/**
 * The savepoint a nested transaction sets; nested ones reuse the name, as every dialect's
 * savepoints stack and a rollback goes to the newest of that name.
 */
const NESTED_SAVEPOINT = 'tessera_nested';

/**
 * A Database whose every statement runs in the transaction `tx` of `outer` (a `$batch` change
 * set: several requests, all or nothing). Its `transaction(fn)` runs `fn` in that same
 * transaction, inside a savepoint: the outer one commits or rolls back everything. Reads see the
 * transaction's own writes. `close` does nothing.
 */
export class InTransaction implements Database {
  readonly dialect: Database['dialect'];
  readonly description: string;
  readonly security?: PlanSecurity;

  constructor(private readonly outer: Database, private readonly tx: Executor) {
    this.dialect = outer.dialect;
    this.description = outer.description;
    if (outer.security) this.security = outer.security;
  }

  rows(stmt: Statement): Promise<unknown[][]> {
    return this.tx.rows(stmt);
  }

  run(stmt: Statement): Promise<number> {
    return this.tx.run(stmt);
  }

  /**
   * Runs `fn` inside a savepoint of the outer transaction: when it throws, its statements are
   * undone (the error is rethrown) and the transaction goes on as before it, not aborted, so an
   * operation that retries (an upsert losing a race for a new key) starts again from a clean state.
   */
  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    const { savepoint } = this.dialect;
    await this.tx.run({ sql: savepoint.set(NESTED_SAVEPOINT), params: [] });
    let result: T;
    try {
      result = await fn(this.tx);
    } catch (err) {
      await this.tx.run({ sql: savepoint.rollbackTo(NESTED_SAVEPOINT), params: [] });
      if (savepoint.release) await this.tx.run({ sql: savepoint.release(NESTED_SAVEPOINT), params: [] });
      throw err;
    }
    if (savepoint.release) await this.tx.run({ sql: savepoint.release(NESTED_SAVEPOINT), params: [] });
    return result;
  }

  /** The outer database's (a change set holds no reads, so nothing here waits for itself). */
  settledVersion(): Promise<number> {
    return this.outer.settledVersion();
  }

  uniqueViolation(err: unknown): UniqueViolation | undefined {
    return this.outer.uniqueViolation(err);
  }

  isNumericOverflow(err: unknown): boolean {
    return this.outer.isNumericOverflow(err);
  }

  isTransactionAborted(err: unknown): boolean {
    return this.outer.isTransactionAborted(err);
  }

  /** Nothing: the outer database's work is abandoned by its owner. */
  async abandon(): Promise<void> {}

  async close(): Promise<void> {
    // The outer database is closed by its owner.
  }
}
