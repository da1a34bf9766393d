import { Errors, ServiceError } from '../errors.js';
import { message as bulkRetain } from '../messages/bulk-retain.js';
import { message as purgeRetainedContent } from '../messages/purge-retained-content.js';
import type { Message, MessageContext } from '../messages/types.js';
import type { EntityModel, Model } from '../model/types.js';
import { planRead } from '../plan/read.js';
import { planLatestRetained } from '../plan/retention.js';
import type { Caller, PlanExpr, Value } from '../plan/types.js';
import { planUpdate } from '../plan/write.js';
import type { Database } from '../store/database.js';
import { executeRead, executeWrite } from '../store/execute.js';

/**
 * `tessera retention run`: executes the due retention policies (rows of `retentionconfig`, Dataverse
 * "Long-term data retention"). For each policy: BulkRetain pages of its criteria until
 * HasMoreRecords is false, then PurgeRetainedContent of its table up to the highest versionnumber of
 * a retained row at that moment, in pages, through the same message handlers the Web API calls.
 * Tessera keeps no data lake: purged rows are gone.
 *
 * Which policies are due (a simplification of Dataverse's scheduler, documented in the README):
 * statecode 0 and statuscode 10 (Active; 20 = Paused is skipped), starttime empty or not after now,
 * and either never run (`lastruntime` empty) or, with a `recurrence`
 * `FREQ=DAILY|WEEKLY|MONTHLY|YEARLY[;INTERVAL=n]`, last run at least one interval ago. An empty
 * recurrence runs once. After a policy ran, its `lastruntime` is set to the run's time.
 */

/** The model, database and user a run works with. */
export interface RetentionEnvironment {
  readonly model: Model;
  readonly db: Database;
  readonly caller: Caller;
}

/** Settings of a run. */
export interface RetentionRunOptions {
  /** The run's time (default: now); decides which policies are due and is stored as lastruntime. */
  readonly now?: Date;
  /** Rows per BulkRetain and PurgeRetainedContent call, 1…5,000 (default 5,000). */
  readonly pageSize?: number;
  /** Receives one line of progress at a time. */
  readonly progress: (line: string) => void;
}

/** Rows marked and purged in one table during a run. */
export interface TableSummary {
  readonly marked: number;
  readonly purged: number;
}

/** What a run did: rows per table (by logical name), and the policies that ran or failed. */
export interface RetentionSummary {
  readonly tables: Map<string, TableSummary>;
  policiesRun: number;
  /** `<uniquename>: <reason>` for each policy that failed; the others still ran. */
  readonly failures: string[];
}

const UNITS = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year' } as const;

/**
 * The time one recurrence interval after `last`, for `FREQ=DAILY|WEEKLY|MONTHLY|YEARLY` with an
 * optional `INTERVAL=n` (n ≥ 1, default 1), parts in any order, case-insensitive (the recurrence
 * values of Dataverse's retentionconfig). Months and years are calendar steps in UTC.
 * Throws 400 `0x80040203` naming the recurrence when it is not one.
 */
export function nextRun(recurrence: string, last: Date): Date {
  const parts = new Map(recurrence.split(';').filter((p) => p.trim()).map((p) => {
    const [k, v] = p.split('=');
    return [(k ?? '').trim().toUpperCase(), (v ?? '').trim().toUpperCase()];
  }));
  const freq = parts.get('FREQ') as keyof typeof UNITS | undefined;
  const interval = parts.has('INTERVAL') ? Number(parts.get('INTERVAL')) : 1;
  const known = [...parts.keys()].every((k) => k === 'FREQ' || k === 'INTERVAL');
  if (!freq || !(freq in UNITS) || !Number.isInteger(interval) || interval < 1 || !known) {
    throw Errors.invalidArgument(`The recurrence '${recurrence}' is not FREQ=DAILY|WEEKLY|MONTHLY|YEARLY;INTERVAL=<n> (or empty to run once).`);
  }
  const next = new Date(last);
  switch (UNITS[freq]) {
    case 'day': next.setUTCDate(next.getUTCDate() + interval); break;
    case 'week': next.setUTCDate(next.getUTCDate() + 7 * interval); break;
    case 'month': next.setUTCMonth(next.getUTCMonth() + interval); break;
    case 'year': next.setUTCFullYear(next.getUTCFullYear() + interval); break;
  }
  return next;
}

/** One policy as read from retentionconfig. */
interface Policy {
  readonly id: string;
  readonly uniquename: string;
  readonly table: string;
  readonly criteria: string;
  readonly starttime: string | null;
  readonly recurrence: string | null;
  readonly lastruntime: string | null;
}

/** Whether a policy is due at `now` (see the module comment); throws for a bad recurrence. */
function isDue(p: Policy, now: Date): boolean {
  if (p.starttime !== null && new Date(p.starttime) > now) return false;
  if (p.lastruntime === null) return true;
  if (!p.recurrence?.trim()) return false;
  return nextRun(p.recurrence, new Date(p.lastruntime)) <= now;
}

/** The active policies (statecode 0, statuscode 10), by name (at most 5,000). */
async function activePolicies(env: RetentionEnvironment, configs: EntityModel): Promise<Policy[]> {
  const column = (name: string) => configs.attributesByName.get(name)!;
  const eq = (name: string, value: Value): PlanExpr => ({ kind: 'compare', op: 'eq', attribute: column(name), value });
  const plan = planRead(configs, {}, { returnRepresentation: false });
  const result = await executeRead(env.db, {
    ...plan, filter: { kind: 'and', left: eq('statecode', 0), right: eq('statuscode', 10) },
    orderBy: [{ attribute: column('name'), descending: false }, ...plan.orderBy],
  });
  const get = (row: readonly Value[], name: string) => row[result.columns.indexOf(column(name))] ?? null;
  return result.rows.map((row) => ({
    id: get(row, 'retentionconfigid') as string,
    uniquename: String(get(row, 'uniquename') ?? get(row, 'retentionconfigid')),
    table: String(get(row, 'entitylogicalname') ?? ''),
    criteria: String(get(row, 'criteria') ?? ''),
    starttime: get(row, 'starttime') as string | null,
    recurrence: get(row, 'recurrence') as string | null,
    lastruntime: get(row, 'lastruntime') as string | null,
  }));
}

/** Calls a message handler as the Web API would, with checked arguments. */
async function call(message: Message, ctx: MessageContext, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  return (await message.invoke(ctx, args)) as Record<string, unknown>;
}

/** The one count of an EntityRecordCountCollection returned by a retention message. */
function countOf(response: Record<string, unknown>): number {
  return (response['EntityCountCollection'] as { Values: number[] }).Values[0]!;
}

/** Marks and purges one policy's rows, printing a line per page; returns the counts. */
async function runPolicy(env: RetentionEnvironment, ctx: MessageContext, p: Policy, pageSize: number, progress: (line: string) => void): Promise<TableSummary> {
  let marked = 0;
  let purged = 0;
  let cookie: string | undefined;
  for (let page = 1; ; page++) {
    const r = await call(bulkRetain, ctx, { EntityName: p.table, FetchXml: p.criteria, PageSize: pageSize, PagingCookie: cookie });
    marked += countOf(r);
    progress(`  ${p.uniquename}: marked page ${page}: ${countOf(r)} rows (${marked} so far)`);
    if (!r['HasMoreRecords']) break;
    cookie = r['PagingCookie'] as string;
  }
  const latest = await executeRead(env.db, planLatestRetained(env.model.byLogicalName.get(p.table)!));
  const max = latest.rows[0]?.[0];
  for (let page = 1; max !== undefined && max !== null; page++) {
    const r = await call(purgeRetainedContent, ctx, { EntityName: p.table, MaxVersionToPurge: max, PageSize: pageSize });
    purged += countOf(r);
    progress(`  ${p.uniquename}: purged page ${page}: ${countOf(r)} rows (${purged} so far)`);
    if (!r['HasMoreRecords']) break;
  }
  return { marked, purged };
}

/**
 * Runs every due retention policy once (see the module comment) and returns what it did. A policy
 * that fails with a service error (unknown or non-retention table, invalid criteria or recurrence)
 * is reported in `failures` and does not stop the others; its lastruntime is not set. Throws when
 * the model has no retentionconfig table, and database faults.
 */
export async function runRetention(env: RetentionEnvironment, options: RetentionRunOptions): Promise<RetentionSummary> {
  const now = options.now ?? new Date();
  const configs = env.model.byLogicalName.get('retentionconfig');
  if (!configs) throw new Error("the model has no 'retentionconfig' table (add retentionconfig.json, which Tessera's metadata folder ships, to the metadata folder)");
  const ctx: MessageContext = { model: env.model, db: env.db, caller: env.caller, clock: () => now, serviceRoot: '', limits: { maxTargets: 1 } };
  const summary: RetentionSummary = { tables: new Map(), policiesRun: 0, failures: [] };
  for (const p of await activePolicies(env, configs)) {
    try {
      if (!isDue(p, now)) continue;
      options.progress(`policy ${p.uniquename} on ${p.table}:`);
      const done = await runPolicy(env, ctx, p, options.pageSize ?? 5000, options.progress);
      const total = summary.tables.get(p.table) ?? { marked: 0, purged: 0 };
      summary.tables.set(p.table, { marked: total.marked + done.marked, purged: total.purged + done.purged });
      await executeWrite(env.db, planUpdate(env.model, configs, p.id, { lastruntime: now.toISOString().slice(0, 19) + 'Z' }, env.caller, '*', undefined));
      summary.policiesRun++;
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      summary.failures.push(`${p.uniquename}: ${err.message}`);
      options.progress(`  ${p.uniquename} failed: ${err.message}`);
    }
  }
  return summary;
}
