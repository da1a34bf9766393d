import { PassThrough } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { Errors, isDuplicateKey, ServiceError } from '../errors.js';
import type { AttributeModel, EntityKeyModel, EntityModel } from '../model/types.js';
import type { AggregatePlan, CountPlan, DeletePlan, ExpandPlan, Guard, InsertPlan, OwnerUnit, PlanExpr, PlanSecurity, ReadPlan, RelatedCheck, RowReference, UpdatePlan, Value, WritePlan, WriteResult } from '../plan/types.js';
import { pkOf } from '../model/primary-key.js';
import type { Statement } from '../sql/dialect.js';
import { renderDeletedIds, renderRecordDeletions } from '../sql/deleted-rows.js';
import { hasAttachments, renderDeleteFiles, renderStoreFile } from '../sql/file-attachments.js';
import { renderDeletePrincipalShares, renderDeleteShares, renderSelectShares } from '../sql/principal-object-access.js';
import { withImages } from '../plan/images.js';
import { restrict } from '../plan/navigation.js';
import { restrictedDeleteError } from '../plan/business-unit.js';
import { afterBusinessUnitUpdate } from './business-unit-update.js';
import { BUSINESSUNIT, businessUnitColumn } from '../model/system-columns.js';
import { planRead } from '../plan/read.js';
import { nowUtc } from '../plan/values.js';
import { fromJson } from '../sql/types.js';
import { expandedLookupNameKey, expansionKey } from '../plan/expand.js';
import {
  expansionColumns, fetchedColumns, renderAggregate, renderCount, renderDelete, renderDisassociate, renderExistingIds, renderInsertMany, renderOwnerUnits, renderRead,
  renderAnyReferencing, renderDeleteReferencing, renderDeleteWhereIn, renderRemoveLink, renderSelectByFoldedKey, renderSelectById, renderSelectByKey, renderTableLock, renderUpdate, idSlices,
} from '../sql/render.js';
import type { Database, Executor, UniqueViolation } from './database.js';
import { indexName } from '../sql/ddl.js';

/**
 * Execute stage: runs plans on a database. Each write is one transaction (DESIGN.md §1); guarded
 * writes check their guards in the statement itself and read the row only to explain a failure.
 */

/** Dataverse caps `$count` and `/$count` at 5,000 (digest §3.5). */
export const COUNT_CAP = 5000;

/**
 * Rows of a read: values per fetched column (see `fetchedColumns`), canonical, followed by the
 * plan's lookup names (one per `plan.lookupNames`, in order), its expansions, its linked
 * columns (one per `plan.linked`) and its child counts (one per `plan.childCounts`, numbers).
 */
export interface ReadResult {
  readonly columns: readonly AttributeModel[];
  readonly rows: Value[][];
  /** With `$count=true`: whether more than 5,000 rows match. */
  readonly countLimitExceeded?: boolean;
  /** True when more rows follow this page. */
  readonly hasMore: boolean;
  /** With `$count=true`: matching rows, at most 5,000. */
  readonly count?: number;
}

/**
 * The statement executeRead runs for `asked` on `db`, and the plan it renders: `asked` with the
 * caller's row restrictions (db.security), in the database's dialect. Throws what rendering
 * throws: 400 for more values than one statement on this database takes (dialect maxParameters),
 * so a message that only checks a query (ValidateRetentionConfig) refuses what running it would.
 */
export function readStatement(db: Database, asked: ReadPlan): { plan: ReadPlan; statement: Statement } {
  const plan = db.security ? db.security.read(asked) : asked;
  return { plan, statement: renderRead(db.dialect, plan) };
}

/** Runs a ReadPlan (and its count, when asked) on committed data. */
export async function executeRead(db: Database, asked: ReadPlan): Promise<ReadResult> {
  const { plan, statement } = readStatement(db, asked);
  const columns = fetchedColumns(plan);
  const raw = await db.rows(statement);
  if (!raw.length && plan.id !== undefined && db.security?.readsOwnOnly(plan.entity)) await refuseHidden(db, db, db.security, plan.entity, plan.id, 'ReadAccess');
  const hasMore = plan.paged && raw.length > plan.limit;
  if (hasMore) raw.length = plan.limit;
  const n = columns.length;
  const m = n + plan.lookupNames.length;
  const linked = plan.linked ?? [];
  const counts = plan.childCounts ?? [];
  const rows = raw.map((r) => {
    const row: Value[] = columns.map((a, i) => db.dialect.fromDb(a, r[i]));
    for (let j = 0; j < plan.lookupNames.length; j++) row.push((r[n + j] ?? null) as Value);
    plan.expand.forEach((e, j) => row.push(decodeExpansion(e, r[m + j]) as unknown as Value));
    linked.forEach((l, k) => row.push(db.dialect.fromDb(l.attribute, r[m + plan.expand.length + k])));
    // COUNT(*) is a bigint: PostgreSQL's driver answers it as text.
    counts.forEach((_, k) => row.push(Number(r[m + plan.expand.length + linked.length + k])));
    return row;
  });
  if (!plan.count) return { columns, rows, hasMore };
  const total = await countUpTo(db, plan, COUNT_CAP);
  return { columns, rows, hasMore, count: Math.min(total, COUNT_CAP), countLimitExceeded: total > COUNT_CAP };
}

/**
 * For a row the caller's privileges hid: throws the record-level refusal (403 `0x80048306`, naming
 * its owner and business unit) when row `id` exists, of a table whose rows have an owner or a
 * business unit; returns when it does not exist (the caller's 404).
 */
async function refuseHidden(tx: Executor, db: Database, security: PlanSecurity, entity: EntityModel, id: string, right: `${string}Access`): Promise<void> {
  const owner = entity.attributesByName.get('ownerid');
  const unit = businessUnitColumn(entity) ?? (entity.LogicalName === BUSINESSUNIT ? pkOf(entity) : undefined);
  const columns = [owner, unit].filter((a) => a !== undefined);
  if (!columns.length) return;
  const [row] = await tx.rows(renderSelectById(db.dialect, entity, id, columns));
  if (!row) return;
  const value = (a: AttributeModel | undefined) => (a ? db.dialect.fromDb(a, row[columns.indexOf(a)]) : null);
  throw security.denied(entity, id, value(owner), right, value(unit) ?? undefined);
}

/** Related rows of one expansion: canonical values keyed by property name, lookup names (ExpandPlan.annotated) by expandedLookupNameKey, nested expansions decoded too. */
export type ExpandedRow = Record<string, unknown>;

/**
 * Decodes an expansion's JSON (text, or already parsed by the driver) into canonical rows: an
 * object or null for single-valued navigation properties, an array for collections.
 */
function decodeExpansion(e: ExpandPlan, raw: unknown): ExpandedRow | ExpandedRow[] | null {
  const parsed = typeof raw === 'string' ? JSON.parse(raw) as unknown : raw ?? null;
  const one = (o: Record<string, unknown>): ExpandedRow => {
    const row: ExpandedRow = {};
    for (const a of expansionColumns(e)) row[a.PropertyName] = fromJson(a, o[a.PropertyName]);
    e.annotated?.lookupNames.forEach((_, i) => { const key = expandedLookupNameKey(i); row[key] = o[key] ?? null; });
    for (const child of e.expand) row[expansionKey(child)] = decodeExpansion(child, o[expansionKey(child)]);
    return row;
  };
  if (e.navigation.kind === 'single') return parsed && typeof parsed === 'object' ? one(parsed as Record<string, unknown>) : null;
  return Array.isArray(parsed) ? parsed.map((o) => one(o as Record<string, unknown>)) : [];
}

/**
 * Counts the rows of an already secured `plan` (with joins, each combination of a row and its
 * joined rows): at most `cap + 1` of them, or all without a cap.
 */
async function countUpTo(db: Database, plan: Pick<CountPlan, 'entity' | 'filter' | 'dataSource'> & Pick<ReadPlan, 'joins'>, cap: number | undefined): Promise<number> {
  const [row] = await db.rows(renderCount(db.dialect, plan, cap));
  return Number(row![0]);
}

/** Counts the rows matching a plan's filter, capped at COUNT_CAP. Throws 403 without Read on the table. */
export async function executeCount(db: Database, plan: Pick<CountPlan, 'entity' | 'filter' | 'dataSource'>): Promise<number> {
  return Math.min(await countUpTo(db, db.security ? db.security.read(plan) : plan, COUNT_CAP), COUNT_CAP);
}

/**
 * Counts every row matching a plan's filter that the caller may read (db.security), without a
 * cap (RetrieveTotalRecordCount: true totals beyond 5,000, digest §3.5). Throws 403 without Read
 * on the table.
 */
export function executeTotalCount(db: Database, plan: Pick<CountPlan, 'entity' | 'filter' | 'dataSource'>): Promise<number> {
  return countUpTo(db, db.security ? db.security.read(plan) : plan, undefined);
}

/** One group of an aggregate's result, canonical values in the plan's order. */
export interface AggregateRow {
  /** One value per `plan.groupBy` (a number for a group by a date part). */
  readonly groups: readonly Value[];
  /** One per `plan.groupBy`: the lookup target's primary name where the group has `lookupName`, else null. */
  readonly lookupNames: readonly Value[];
  /** One value per `plan.aggregates`: numbers for counts and averages, the column's kind of value otherwise. */
  readonly aggregates: readonly Value[];
}

/**
 * Runs an AggregatePlan on committed data: one statement (see renderAggregate). Throws 400
 * `0x8004E023` AggregateQueryRecordLimit when more than `plan.recordLimit` rows would be aggregated,
 * 400 `0x80040203` (Errors.aggregateOverflow) when a sum or average leaves the range of a number or
 * of its column's type (outOfColumnRange), for `$apply` and FetchXML aggregates alike.
 */
export async function executeAggregate(db: Database, asked: AggregatePlan): Promise<AggregateRow[]> {
  const plan = db.security ? db.security.read(asked) : asked;
  const raw = await db.rows(renderAggregate(db.dialect, plan)).catch((err: unknown) => {
    throw db.isNumericOverflow(err) ? Errors.aggregateOverflow() : err;
  });
  const total = raw.length ? Number(raw[0]![raw[0]!.length - 1]) : 0;
  if (total > plan.recordLimit) throw Errors.aggregateRecordLimit();
  const { groupBy, aggregates } = plan;
  return raw.map((r) => {
    let i = groupBy.length;
    const lookupNames = groupBy.map((g) => (g.lookupName ? db.dialect.fromDb(g.lookupName.attribute, r[i++]) : null));
    return {
      // A date part is a number (PostgreSQL's integer, SQL Server's int, SQLite's INTEGER), not a date.
      groups: groupBy.map((g, j) => (g.datePart && r[j] !== null && r[j] !== undefined ? Number(r[j]) : db.dialect.fromDb(g.column.attribute, r[j]))),
      lookupNames,
      aggregates: aggregates.map((a) => {
        const v = r[i++];
        if (v === null || v === undefined) return null;
        // SQLite's float sums overflow to Infinity where the other databases raise an error.
        if (v === Infinity || v === -Infinity) throw Errors.aggregateOverflow();
        const value = a.fn === 'sum' || a.fn === 'min' || a.fn === 'max' ? db.dialect.fromDb(a.column!.attribute, v) : Number(v);
        if ((a.fn === 'sum' || a.fn === 'avg') && outOfColumnRange(a.column!.attribute, value)) throw Errors.aggregateOverflow();
        return value;
      }),
    };
  });
}

/** 2^63: Int64 holds −2^63 … 2^63−1. */
const INT64_LIMIT = 2 ** 63;

/**
 * Whether `value`, a sum or an average of column `a`, is beyond what the column's type holds, where
 * SQL Server's SUM/AVG would fail with arithmetic overflow (error 8115), whichever database ran
 * it: PostgreSQL sums int8 and numeric as unbounded numeric, SQLite as doubles, and both would
 * answer a number the column cannot hold. BigInt: outside −2^63 … 2^63−1; Decimal and Money,
 * stored as numeric(38,p) (sql/types.ts): 10^(38−p) or more in magnitude. The values are doubles
 * (the renderer casts whole-number sums to float, fixed-point ones are read as numbers), so an
 * exact result within 512 of 2^63, or within half a double's step of 10^(38−p), which its double
 * rounds to the limit itself, counts as past it.
 */
function outOfColumnRange(a: AttributeModel, value: Value): boolean {
  if (typeof value !== 'number') return false;
  if (a.AttributeType === 'BigInt') return value >= INT64_LIMIT || value < -INT64_LIMIT;
  if (a.AttributeType === 'Decimal' || a.AttributeType === 'Money') return Math.abs(value) >= 10 ** (38 - a.Precision!);
  return false;
}

/** Reserves `count` row versions in the transaction; ascending. */
async function reserveVersions(tx: Executor, db: Database, count: number): Promise<number[]> {
  const rows = await tx.rows(db.dialect.reserveVersions(count));
  const versions: number[] = [];
  for (const [first, length] of rows) for (let v = Number(first), n = Number(length); n > 0; n--) versions.push(v++);
  return rows.length > 1 ? versions.sort((a, b) => a - b) : versions;
}

/** One new row version, reserved in transaction `tx`, for a write that stamps rows with it. */
export async function nextVersion(tx: Executor, db: Database): Promise<number> {
  return (await reserveVersions(tx, db, 1))[0]!;
}

/**
 * Whether row `id` of `entity`, whose guard column holds `current`, meets guard `g`: the column
 * holds one of its values (with `except`, none), or a row below Guard.under's (one read walking
 * the hierarchy), or its owner is one of Guard.owners' (one read), or the row is shared as the guard allows (Guard.shared; one read of its shares).
 */
async function passes(tx: Executor, db: Database, g: Guard, entity: EntityModel, id: string, current: Value): Promise<boolean> {
  if (g.values.includes(current) !== Boolean(g.except)) return true;
  if (g.under?.ids.length && typeof current === 'string') {
    const { relationship, ids } = g.under;
    const units = relationship.ReferencingEntity;
    const pk = pkOf(units);
    const walks = ids.map((top): PlanExpr => ({ kind: 'hierarchy', relationship, id: top, direction: 'under', orEqual: true }))
      .reduce((left, right) => ({ kind: 'or', left, right }));
    const read = restrict(planRead(units, { select: [pk.LogicalName], top: 1 }, { returnRepresentation: false }), {
      kind: 'and', left: { kind: 'compare', op: 'eq', attribute: pk, value: current }, right: walks,
    });
    if ((await tx.rows(renderRead(db.dialect, read))).length) return true;
  }
  if (g.owners?.values.length) {
    const [row] = await tx.rows(renderSelectById(db.dialect, entity, id, [g.owners.attribute]));
    if (row && g.owners.values.includes(db.dialect.fromDb(g.owners.attribute, row[0]))) return true;
  }
  if (!g.shared) return false;
  const { principals, rights } = g.shared;
  return (await tx.rows(renderSelectShares(db.dialect, entity, id, principals))).some((r) => (Number(r[2]) & rights) !== 0);
}

/**
 * Throws 404 `0x80040217` unless the row `ref` names exists (and is not retained), the error of
 * the first of its guards the row does not meet, and the error its related rows give (RowReference.related; a
 * serialized one after the table's lock is taken).
 */
async function checkReference(tx: Executor, db: Database, ref: RowReference): Promise<void> {
  const checks: readonly RelatedCheck[] = ref.related ? [ref.related].flat() : [];
  const lock = checks.some((c) => c.serialized) ? renderTableLock(db.dialect, ref.entity) : undefined;
  if (lock) await tx.rows(lock);
  const guards = ref.guards ?? [];
  const columns = guards.length ? guards.map((g) => g.attribute) : [ref.entity.attributesByName.get(ref.entity.PrimaryIdAttribute)!];
  const [row] = await tx.rows(renderSelectById(db.dialect, ref.entity, ref.id, columns, true));
  if (!row) throw Errors.recordNotFound(ref.entity.LogicalName, ref.id);
  for (const [i, g] of guards.entries()) {
    const current = db.dialect.fromDb(g.attribute, row[i]);
    if (!(await passes(tx, db, g, ref.entity, ref.id, current))) throw g.fail(current);
  }
  for (const { read, refuse } of checks) {
    const column = fetchedColumns(read)[0]!;
    const error = refuse((await tx.rows(renderRead(db.dialect, read))).map((r) => db.dialect.fromDb(column, r[0])));
    if (error) throw error;
  }
}

async function checkReferences(tx: Executor, db: Database, references: readonly RowReference[]): Promise<void> {
  for (const ref of references) await checkReference(tx, db, ref);
}

/** Inserts one row, with a deep insert's related rows before and its dependent writes after it. */
async function insert(tx: Executor, db: Database, plan: InsertPlan): Promise<WriteResult> {
  await insertStream(tx, db, 1, () => plan);
  return { id: plan.id, created: true };
}

/**
 * Stores and removes the full-size images that go with the row of `plan` (ImageAttachment, in
 * FILE_ATTACHMENTS as a File column's files). Only the row's own: a deep insert's related rows
 * store theirs as they are written (insertStream for inserted rows, the rows before it included,
 * writeIn for an update's).
 */
async function storeAttachments(tx: Executor, db: Database, plan: WritePlan): Promise<void> {
  if (plan.kind !== 'insert' && plan.kind !== 'update') return;
  for (const { column, file } of plan.attachments ?? []) {
    const statements = file
      ? renderStoreFile(db.dialect, plan.entity, plan.id, column, { fileattachmentid: file.id, filename: file.filename, mimetype: file.mimetype, filesizeinbytes: file.body.length }, file.body, nowUtc())
      : [renderDeleteFiles(db.dialect, plan.entity, [plan.id], column)];
    for (const stmt of statements) await tx.run(stmt);
  }
}

/**
 * The rows of a bulk step (`step`, items `start`…) made for another owner (InsertPlan.ownerUnit),
 * grouped by table and owner table: each group's ids, what renderOwnerUnits needs, and the index
 * of its first item (the item a failure of its statement is reported for).
 */
interface OwnedRows { entity: EntityModel; unit: Pick<OwnerUnit, 'column' | 'owner' | 'via'>; rows: string[]; first: number }
function ownedByOthers(step: readonly InsertPlan[], start: number): OwnedRows[] {
  const groups = new Map<string, OwnedRows>();
  step.forEach((plan, i) => {
    const u = plan.ownerUnit;
    if (!u) return;
    const key = `${plan.entity.LogicalName} ${u.owner.LogicalName} ${u.column.LogicalName}`;
    const group = groups.get(key);
    if (group) group.rows.push(plan.id);
    else groups.set(key, { entity: plan.entity, unit: u, rows: [plan.id], first: start + i });
  });
  return [...groups.values()];
}

/** How a caller names the item an error belongs to (CreateMultiple: `Targets[i]: …`). */
export type ItemNamer = (index: number, err: Error) => Error;

/**
 * Items planned before their rows are sent to the database. A step is big enough that a bulk
 * request takes few statements, and small enough that the database starts writing while later
 * items are still being planned. The first step is smaller still, as nothing is written before it
 * is sent: on PostgreSQL a 1,000-item CreateMultiple took ~7 % less time with a first step of 50.
 */
const INSERT_STEP = 200;
const FIRST_INSERT_STEP = 50;

const ignore = (): void => undefined;

/**
 * Inserts `count` rows of one table through the dialect's bulk path (multi-row INSERT or COPY)
 * with reserved row versions, planning them step by step: `planAt(i)` is called for each index in
 * order, and each step's rows are sent to the database without waiting for the answer, so the
 * database writes them while the next step is planned. On PostgreSQL one COPY stays open across
 * steps, each step's rows fed into it as they are planned; it is closed before any other statement
 * (a lookup target's check, a key the client chose, a deep insert's rows) and after the last step.
 * Whatever happens, every statement sent has been answered when this returns or throws.
 *
 * The database sees the items' writes in item order, as if each were a single Create sent after
 * the one before it (digest §2.1, §6.3): an item's lookup targets are checked as it is planned, so
 * an earlier item's rows count (without a check: they are written in this transaction) and a
 * later item's do not; an item with a deep insert (`before`: its related rows; `after`: the rows
 * pointing at it) starts a new step after the earlier items' rows are sent, has its related rows
 * inserted first, and ends its step, its dependent writes running once its row is sent. Such items
 * therefore cost a round trip or two each where plain items cost none. The full-size images an
 * item keeps (InsertPlan.attachments: the plan must have been made ready by withImages, as
 * planAt cannot wait for a thumbnail) are stored once its step's rows are sent.
 *
 * Errors, all failing the whole call, the lowest-numbered item's first: whatever `planAt` throws
 * unless an earlier item failed in the database; 404 `0x80040217` for a lookup target that does
 * not exist, 412 `0x80040237` for a primary key taken (repeated in the batch, at its repetition, or
 * already stored) and a deep insert's own errors; then a failure of the rows' statements (a
 * duplicate alternate key: 412 `0x80060892`); a statement refused only because the transaction had failed
 * before it (PostgreSQL's 25P02) is reported only if nothing else failed. With `name`, an error
 * that belongs to one item is passed through `name(index, error)`. Returns the rows' ids, in item
 * order; a step's plans are let go once its rows are rendered, so a bulk request does not keep a
 * thousand plans alive (the garbage collector would copy and promote them).
 */
async function insertStream(tx: Executor, db: Database, count: number, planAt: (index: number) => InsertPlan, name?: ItemNamer): Promise<string[]> {
  const sent: Array<Promise<void>> = [];
  // What failed, with the item it belongs to (Infinity: a statement of many items).
  const failures: Array<{ index: number; error: unknown }> = [];
  // Statements refused because the transaction had failed already: reported only if nothing else is.
  const refused: unknown[] = [];
  const fail = (index: number, error: unknown) => {
    if (db.isTransactionAborted(error)) refused.push(error);
    else failures.push({ index, error: name && index !== Infinity ? name(index, error as Error) : error });
  };
  const send = (answer: Promise<unknown>, index = Infinity): void => {
    sent.push(answer.then(ignore, (err: unknown) => { fail(index, err); }));
  };
  const sendRows = (entity: EntityModel, stmt: Statement) => send(runUnique(tx, db, entity, stmt));
  // The COPY open across steps: its command, and the stream its rows are written to.
  let feed: { sql: string; rows: PassThrough } | undefined;
  const closeFeed = () => {
    feed?.rows.end(db.dialect.copy!.trailer);
    feed = undefined;
  };
  const versions = reserveVersions(tx, db, count);
  versions.catch(ignore);
  const ids: string[] = [];
  // Rows written by the items so far, as `<table>(<id>)`: a reference to one needs no lookup
  // (hasChecks: its checks, if any, are made all the same). A plain item's own row is added only once a later item has a lookup to check (catchUp): most
  // bulk loads have none, and a key and a set entry per row were a measurable share of the loop.
  const written = new Set<string>();
  // The references checked so far (referenceKey): each row once per set of checks.
  const checked = new Set<string>();
  // The table of each item's row, beside `ids`; `ids[0 … added)` are in `written`.
  const tables: EntityModel[] = [];
  let added = 0;
  const catchUp = (upTo: number) => {
    for (; added < upTo; added++) written.add(`${tables[added]!.LogicalName}(${ids[added]})`);
  };
  // Ids the client chose, by the first item that chose them: only those can clash.
  const chosen = new Map<string, number>();
  // An item planned that starts the next step (it has a deep insert's related rows).
  let next: InsertPlan | undefined;
  let index = 0;
  try {
    for (let start = 0; start < count; start = index) {
      const limit = Math.min(count, start + (start ? INSERT_STEP : FIRST_INSERT_STEP));
      const given: string[] = [];
      const step: InsertPlan[] = [];
      let after: readonly WritePlan[] = [];
      for (; index < limit; index++) {
        const i = index;
        const plan = next ?? planAt(i);
        next = undefined;
        // A reference with checks to a row of this step, planned but not sent yet, starts a new
        // step: its check reads that row.
        if (step.length && plan.references.some((r) => hasChecks(r) && step.some((p) => p.id === r.id && p.entity === r.entity))) { next = plan; break; }
        if (plan.before?.length) {
          if (step.length) { next = plan; break; }
          closeFeed();
          try {
            for (const related of plan.before) await insert(tx, db, related);
          } catch (err) {
            fail(i, err);
          }
        }
        step.push(plan);
        ids.push(plan.id);
        tables.push(plan.entity);
        for (const ref of plan.references) {
          catchUp(i);
          // A row the request wrote exists; its checks, when the reference has some, are made all the same.
          if (!hasChecks(ref) && written.has(`${ref.entity.LogicalName}(${ref.id})`)) continue;
          const key = referenceKey(ref);
          if (checked.has(key)) continue;
          checked.add(key);
          closeFeed();
          send(checkReference(tx, db, ref), i);
        }
        // A deep insert's related rows now; its own row, like a plain item's, at catchUp.
        if (plan.before || plan.after) for (const key of writtenRows(plan)) written.add(key);
        if (plan.idGiven) {
          // A repetition fails here; only first uses are looked up (a repeated id is stored by
          // then, inserted with an earlier step). Looked up before the row is sent, a taken id is
          // the answer even where the row also breaks an alternate key's index, whichever index
          // the database reports (SQLite the alternate key's, PostgreSQL the primary key's), as
          // Dataverse checks the id first.
          if (chosen.has(plan.id)) {
            fail(i, Errors.duplicateRecord());
          } else {
            chosen.set(plan.id, i);
            given.push(plan.id);
          }
        }
        if (plan.after?.length) { after = plan.after; index++; break; }
      }
      const end = index;
      const entity = step[0]!.entity;
      const pk = entity.attributesByName.get(entity.PrimaryIdAttribute)!;
      // A user's id may not be a team's, nor the other way round (InsertPlan.idSharedWith).
      const shared = given.length ? step.find((plan) => plan.idSharedWith)?.idSharedWith ?? [] : [];
      const checks = [entity, ...shared].flatMap((table) => (given.length ? renderExistingIds(db.dialect, table, given) : []));
      // Checks run before this step's rows: rows fed into an open COPY would go in first.
      if (checks.length) closeFeed();
      for (const stmt of checks) {
        send(tx.rows(stmt).then(([row]) => {
          if (row) fail(chosen.get(String(db.dialect.fromDb(pk, row[0])))!, Errors.duplicateRecord());
        }));
      }
      const block = (await versions).slice(start, end);
      for (const stmt of renderInsertMany(db.dialect, step, block)) {
        if (!(stmt.copy instanceof Uint8Array)) { sendRows(entity, stmt); continue; }
        if (feed?.sql !== stmt.sql) {
          closeFeed();
          feed = { sql: stmt.sql, rows: new PassThrough() };
          // Its consumer (the COPY) may start after the stream is destroyed below, and sees the
          // error itself; the stream must not raise it as an unhandled 'error' event meanwhile.
          feed.rows.on('error', ignore);
          feed.rows.write(db.dialect.copy!.header);
          sendRows(entity, { sql: stmt.sql, params: [], copy: feed.rows });
        }
        feed.rows.write(stmt.copy);
      }
      // The business unit of rows owned by another user or team, read from the owners (one UPDATE
      // per owner table and step, InsertPlan.ownerUnit), and the full-size images kept with the
      // step's rows (plans made ready by withImages first).
      const owned = ownedByOthers(step, start);
      const attached = step.filter((plan) => plan.attachments?.length);
      if (owned.length || attached.length) closeFeed();
      for (const { entity: table, unit, rows, first } of owned) send(tx.run(renderOwnerUnits(db.dialect, table, rows, unit)), first);
      for (const plan of attached) send(storeAttachments(tx, db, plan), start + step.indexOf(plan));
      if (after.length) {
        // The step's last item: its dependent writes find its row stored. They wait for the answers
        // sent so far: when its row was refused (a key another row has; SQLite's transaction goes
        // on after it), that is the answer, not the row they would then find missing.
        closeFeed();
        await Promise.all(sent);
        if (!failures.length && !refused.length) {
          for (const write of after) await writeIn(tx, db, write).catch((err: unknown) => fail(end - 1, err));
        }
      }
      // Let the answers to what was sent, and other requests, have the thread between steps
      // (not on a driver that answers as statements are sent: Dialect.answersInline).
      if (end < count && !db.dialect.answersInline) await setImmediate();
    }
    closeFeed();
  } catch (err) {
    // An open COPY is abandoned (the server discards it); nothing sent is left running.
    feed?.rows.destroy(err as Error);
    await Promise.all(sent);
    // An earlier item's failure comes first, as if the items had been sent one by one.
    const earlier = failures.filter((f) => f.index < index);
    if (earlier.length) throw earlier.reduce((a, b) => (b.index < a.index ? b : a)).error;
    throw err;
  }
  await Promise.all(sent);
  if (failures.length) {
    const first = failures.reduce((a, b) => (b.index < a.index ? b : a));
    // A unique index refused a statement of several items: executeInsertStream names the item.
    if (name && first.index === Infinity && isDuplicateKey(first.error)) throw new UnplacedDuplicate(first.error as Error);
    throw first.error;
  }
  if (refused.length) throw refused[0];
  return ids;
}

/**
 * Whether reference `ref` checks more than that its row exists: the caller's privileges on it
 * (`guards`, `purpose`) or rows related to it (`related`, a hierarchy's depth and loops).
 */
function hasChecks(ref: RowReference): boolean {
  return !!(ref.purpose || ref.guards?.length || ref.related);
}

/**
 * What a bulk insert's check of reference `ref` checks, as text: its row (`<table>(<id>)`), then
 * its purpose (RowReference.purpose) and what each of its guards asks (the caller's privileges:
 * the column, the values or units it must hold, the principals a share may name), not the error a
 * failing guard makes, and whether it has `related` checks. Two references with the same text are
 * checked once: an owner's reference, which takes no AppendTo, does not stand for a later lookup's
 * to the same row, which does, nor a plain lookup for a hierarchical one (whose `related` checks,
 * the row's depth and loops, are alike for every new row pointing at it).
 */
function referenceKey(ref: RowReference): string {
  const row = `${ref.entity.LogicalName}(${ref.id})`;
  if (!hasChecks(ref)) return row;
  const guard = (g: Guard) => [
    g.attribute.LogicalName, g.except ? 'except' : '', g.strict ? 'strict' : '', g.precheck ? 'precheck' : '', g.values.join(','),
    g.under ? `under ${g.under.relationship.SchemaName} ${g.under.ids.join(',')}` : '',
    g.shared ? `shared ${g.shared.principals.join(',')} ${g.shared.rights}` : '',
    g.owners ? `owners ${g.owners.attribute.LogicalName} ${g.owners.values.join(',')}` : '',
  ].join('|');
  return `${row} ${ref.purpose ?? ''} ${(ref.guards ?? []).map(guard).join(' ; ')}${ref.related ? ' related' : ''}`;
}

/** The rows an insert writes, as `<table>(<id>)`: its own, its deep insert's related rows and the rows it creates pointing at it. */
function writtenRows(plan: InsertPlan): string[] {
  const rows = [`${plan.entity.LogicalName}(${plan.id})`];
  for (const related of plan.before ?? []) rows.push(...writtenRows(related));
  for (const write of plan.after ?? []) if (write.kind === 'insert') rows.push(...writtenRows(write));
  return rows;
}

/**
 * Creates rows of one table in one transaction through the bulk path (the way CreateMultiple and
 * bulk loads write), planning them step by step while the database writes the rows planned
 * before (see insertStream): `planAt(i)` plans item `i` of `count`, throwing to fail the call.
 * All or nothing; errors as for executeWrite's inserts, those of one row passed through `name`,
 * including 412 `0x80060892` for an alternate key taken (tied to its item by placeDuplicate).
 * Resolves with the new rows' ids, in item order.
 */
export async function executeInsertStream(db: Database, count: number, planAt: (index: number) => InsertPlan, name?: ItemNamer): Promise<string[]> {
  const { security } = db;
  const named = (i: number, err: unknown) => (name ? name(i, err as Error) : err);
  const secured = security ? (i: number) => {
    const plan = planAt(i);
    try {
      return security.write(plan);
    } catch (err) {
      throw named(i, err);
    }
  } : planAt;
  try {
    return await db.transaction((tx) => insertStream(tx, db, count, secured, name));
  } catch (err) {
    if (!(err instanceof UnplacedDuplicate)) throw err;
    const index = count > 1 ? await placeDuplicate(db, count, secured) : 0;
    throw index === undefined ? err.error : name!(index, err.error);
  }
}

/** A duplicate alternate key refused by a statement of many rows, not yet tied to one item. */
class UnplacedDuplicate extends Error {
  constructor(readonly error: Error) {
    super(error.message);
  }
}

/**
 * Finds the item whose alternate key a bulk insert found taken, after that insert rolled back: in a
 * transaction that is always rolled back, inserts the items one by one, as planned again by
 * `planAt`; the first one the database refuses as a duplicate is the item to name (the later of two
 * equal keys in the request, or one already stored). The database's own comparison decides, so
 * the item found is the one its unique index refused, whatever the column's collation. Only on
 * that failure path: a request that succeeds pays nothing for it. Returns undefined when no item
 * is refused now (a row committed meanwhile was removed again).
 */
async function placeDuplicate(db: Database, count: number, planAt: (index: number) => InsertPlan): Promise<number | undefined> {
  const found = new Error('placed');
  let index: number | undefined;
  try {
    await db.transaction(async (tx) => {
      for (let i = 0; i < count; i++) {
        try {
          await insertStream(tx, db, 1, () => planAt(i));
        } catch (err) {
          if (isDuplicateKey(err)) index = i;
          break;
        }
      }
      throw found;
    });
  } catch (err) {
    if (err !== found) throw err;
  }
  return index;
}

/** executeInsertStream over plans made beforehand. */
export async function executeInsertMany(db: Database, plans: readonly InsertPlan[], name?: ItemNamer): Promise<void> {
  await executeInsertStream(db, plans.length, (i) => plans[i]!, name);
}

/**
 * After a guarded write changed no row: reads the guard columns to say why. Returns false when
 * the row does not exist; throws the failing guard's error; returns true when the row exists and
 * every guard holds, which means another transaction committed the row (or a change to it) after
 * the write's statement read the table (PostgreSQL's READ COMMITTED): the write may run again.
 * `guards` (default all the plan's) are the ones that may fail it.
 */
async function explain(tx: Executor, db: Database, plan: UpdatePlan | DeletePlan, guards: readonly Guard[] = plan.guards): Promise<boolean> {
  const [row] = await tx.rows(renderSelectById(db.dialect, plan.entity, plan.id, guards.map((g) => g.attribute)));
  if (!row) return false;
  for (const [i, g] of guards.entries()) {
    const current = db.dialect.fromDb(g.attribute, row[i]);
    if (!(await passes(tx, db, g, plan.entity, plan.id, current))) throw g.fail(current);
  }
  return true;
}

/**
 * Runs a write statement of `entity`'s rows; a unique index refusing it is 412 `0x80060892` when
 * it is one of the table's alternate keys (duplicateKeyError), else 412 `0x80040237` (the primary key).
 */
async function runUnique(tx: Executor, db: Database, entity: EntityModel, stmt: Statement): Promise<number> {
  try {
    return await tx.run(stmt);
  } catch (err) {
    const violation = db.uniqueViolation(err);
    throw violation ? duplicateKeyError(entity, violation) : err;
  }
}

/**
 * The error for a unique index of `entity` that refused a write: Errors.duplicateEntityKey for
 * an alternate key (its index, ddl.ts indexName `ak_…`, or, on SQLite, its columns), else
 * Errors.duplicateRecord (the primary key).
 */
function duplicateKeyError(entity: EntityModel, violation: UniqueViolation): ServiceError {
  const same = (columns: readonly string[], key: EntityKeyModel) =>
    columns.length === key.KeyAttributes.length && key.KeyAttributes.every((a) => columns.includes(a.LogicalName));
  const key = entity.Keys.find((k) => (violation.index !== undefined && violation.index === indexName('ak', entity, k.LogicalName))
    || (violation.columns !== undefined && same(violation.columns, k)));
  return key ? Errors.duplicateEntityKey(key.LogicalName, key.KeyAttributes.map((a) => a.LogicalName)) : Errors.duplicateRecord();
}

/** Times an update or upsert runs again after losing a race with another transaction (see writeIn). */
const WRITE_ROUNDS = 3;

/**
 * Runs one write plan inside the transaction `tx` (for messages that run several writes and reads
 * in one transaction). Throws `missing()` (default 404 `0x80040217`) when the row to update or
 * delete does not exist, 404 `0x80040217` for a missing lookup target or row to link,
 * 412 `0x80040237` for a duplicate primary key ("Cannot insert duplicate key." for a pair linked
 * already), 412 `0x80060892` for a duplicate alternate key, a DisassociatePlan's `missing()` when there was no link, and the plan's guard errors
 * (412 `0x80060882` for a stale If-Match, 400 `0x80048408` for a status of another state, 400
 * `0x8004F00E` for a transition the state model forbids); 503 `0x80044150` when the row kept
 * changing under an update or delete for WRITE_ROUNDS runs; 405 `0x80040227` for a delete that a
 * Restrict relationship refuses (see afterDelete). An update of a business unit does what
 * afterBusinessUnitUpdate says (its subtree disabled, its default team renamed, a move's depth
 * checked: 400 `0x80040203`) in the same transaction.
 */
export async function writeIn(
  tx: Executor, db: Database, given: WritePlan, missing?: () => Error,
): Promise<WriteResult> {
  // Images sent become thumbnails before anything is written (plan/images.ts).
  const asked = await withImages(given);
  const plan = db.security ? db.security.write(asked) : asked;
  const notFound = (p: UpdatePlan | DeletePlan) => (missing ? missing() : Errors.recordNotFound(p.entity.LogicalName, p.id));
  switch (plan.kind) {
    case 'associate':
      try {
        return await insert(tx, db, plan.link);
      } catch (err) {
        // The intersect table's only unique key besides its id is the pair.
        if (isDuplicateKey(err)) throw Errors.duplicateKey();
        throw err;
      }
    case 'disassociate': {
      await checkReferences(tx, db, (plan.references ?? []).filter((r) => r.guards?.length));
      const removed = await tx.run(renderDisassociate(db.dialect, plan));
      if (!removed && plan.missing) {
        // Nothing to unlink: a row that does not exist is named as such, before the missing link.
        await checkReferences(tx, db, plan.references ?? []);
        throw plan.missing();
      }
      return { id: plan.match[0]!.id, created: false };
    }
    case 'insert':
      return insert(tx, db, plan);
    case 'update': {
      await checkReferences(tx, db, plan.references);
      // Another transaction may create or change the row between this one's statements: then the
      // update runs again (a new statement sees what was committed), and an upsert's create that
      // meets the row created meanwhile is undone to its savepoint and becomes an update.
      for (let round = 1; ; round++) {
        const changed = await runUnique(tx, db, plan.entity, renderUpdate(db.dialect, plan, await nextVersion(tx, db)));
        if (changed) {
          await storeAttachments(tx, db, plan);
          await afterBusinessUnitUpdate(tx, db, plan, (count) => reserveVersions(tx, db, count));
          return { id: plan.id, created: false };
        }
        if (await explain(tx, db, plan)) {
          if (round < WRITE_ROUNDS) continue;
          throw Errors.writeConflict(round);
        }
        if (plan.upsert instanceof Error) throw plan.upsert;
        if (!plan.upsert) throw notFound(plan);
        const created = await upsertCreate(tx, db, plan.upsert, round < WRITE_ROUNDS);
        if (created) return created;
      }
    }
    case 'delete': {
      // As for an update: a row committed after the statement read the table is deleted by running it again.
      for (let round = 1; ; round++) {
        if (await tx.run(renderDelete(db.dialect, plan))) break;
        if (!(await explain(tx, db, plan))) throw notFound(plan);
        if (round >= WRITE_ROUNDS) throw Errors.writeConflict(round);
      }
      await afterDelete(tx, db, plan);
      return { id: plan.id, created: false };
    }
  }
}

/**
 * After row `plan.id` was deleted, what its delete does (DeletePlan.effects), set-based, a few
 * statements per relationship and level rather than per row:
 * 1. Cascade: the rows pointing at deleted rows are deleted, level by level, each statement
 *    answering the ids it removed (a cycle ends at rows already gone). Being a statement over the
 *    lookup, it also leaves alone a row another transaction moved to another parent meanwhile.
 * 2. The deleted rows' many-to-many links go.
 * 3. Restrict: 405 `0x80040227` when any row left points at a deleted row; rows the same delete
 *    removed do not count, so the answer does not depend on the order rows were found in.
 * 4. RemoveLink: the rows left that point at deleted rows are cleared, with one new row version.
 * 5. The deleted rows of change-tracked tables are remembered, at that same version, for delta
 *    answers (sql/deleted-rows.ts).
 * 6. The files of the deleted rows' File columns go (sql/file-attachments.ts), as Dataverse
 *    deletes a row's FileAttachment rows with it.
 * 7. The shares of deleted user-owned rows go, and those with deleted users and teams
 *    (sql/principal-object-access.ts), as Dataverse's PrincipalObjectAccess rows go with the
 *    record or principal they name.
 */
async function afterDelete(tx: Executor, db: Database, plan: DeletePlan): Promise<void> {
  const d = db.dialect;
  const deleted = new Map<EntityModel, string[]>([[plan.entity, [plan.id]]]);
  for (let level: Array<[EntityModel, string[]]> = [[plan.entity, [plan.id]]]; level.length;) {
    const next: Array<[EntityModel, string[]]> = [];
    for (const [entity, ids] of level) {
      for (const r of plan.effects.get(entity)!.referencing) {
        if (r.behavior !== 'Cascade') continue;
        const child = r.relationship.ReferencingEntity;
        const pk = pkOf(child);
        const gone: string[] = [];
        for (const stmt of renderDeleteReferencing(d, r.relationship, ids)) for (const [id] of await tx.rows(stmt)) gone.push(String(d.fromDb(pk, id)));
        if (!gone.length) continue;
        const all = deleted.get(child);
        if (all) all.push(...gone); else deleted.set(child, gone);
        next.push([child, gone]);
      }
    }
    level = next;
  }
  for (const [entity, ids] of deleted) {
    const effects = plan.effects.get(entity)!;
    for (const link of effects.links) for (const stmt of renderDeleteWhereIn(d, link.entity, link.attribute, ids)) await tx.run(stmt);
    for (const r of effects.referencing) {
      if (r.behavior !== 'Restrict') continue;
      for (const stmt of renderAnyReferencing(d, r.relationship, ids)) if ((await tx.rows(stmt)).length) throw restrictedDeleteError(r.relationship) ?? Errors.deleteRestricted();
    }
  }
  let version: number | undefined;
  for (const [entity, ids] of deleted) {
    for (const r of plan.effects.get(entity)!.referencing) {
      if (r.behavior !== 'RemoveLink') continue;
      version ??= await nextVersion(tx, db);
      for (const stmt of renderRemoveLink(d, r.relationship, ids, r.set, version)) await tx.run(stmt);
    }
  }
  for (const [entity, ids] of deleted) {
    if (!entity.ChangeTrackingEnabled) continue;
    version ??= await nextVersion(tx, db);
    for (const stmt of renderRecordDeletions(d, entity, ids, version, plan.deletedOn)) await tx.run(stmt);
  }
  for (const [entity, ids] of deleted) {
    if (!hasAttachments(entity)) continue;
    for (const slice of idSlices(d, ids)) await tx.run(renderDeleteFiles(d, entity, slice));
  }
  for (const [entity, ids] of deleted) {
    const { shares } = plan.effects.get(entity)!;
    if (!shares) continue;
    for (const slice of idSlices(d, ids)) await tx.run(shares === 'principal' ? renderDeletePrincipalShares(d, entity, slice) : renderDeleteShares(d, entity, slice));
  }
}

/**
 * The ids of the rows of `entity` deleted or retained between row versions `since` (excluded) and
 * `settled` (included), ascending, after `after`, at most `limit` (see renderDeletedIds).
 */
export async function executeDeletedIds(db: Database, entity: EntityModel, since: number, settled: number, after: string | undefined, limit: number): Promise<string[]> {
  db.security?.read({ entity });
  const pk = pkOf(entity);
  return (await db.rows(renderDeletedIds(db.dialect, entity, since, settled, after, limit))).map(([id]) => String(db.dialect.fromDb(pk, id)));
}

/**
 * An upsert's create, inside a savepoint when `mayRetry`: when the row's id was taken meanwhile
 * (another transaction created it after this one's update found nothing), the create is undone
 * and undefined returned, for the update to run again; any other failure is thrown.
 */
async function upsertCreate(tx: Executor, db: Database, plan: InsertPlan, mayRetry: boolean): Promise<WriteResult | undefined> {
  if (!mayRetry) return insert(tx, db, plan);
  const { savepoint } = db.dialect;
  await tx.run({ sql: savepoint.set('tessera_upsert'), params: [] });
  try {
    const created = await insert(tx, db, plan);
    if (savepoint.release) await tx.run({ sql: savepoint.release('tessera_upsert'), params: [] });
    return created;
  } catch (err) {
    await tx.run({ sql: savepoint.rollbackTo('tessera_upsert'), params: [] });
    const [taken] = await tx.rows(renderSelectById(db.dialect, plan.entity, plan.id, []));
    if (taken) return undefined;
    throw err;
  }
}

/**
 * Checks, without writing, that the caller could run `plan` (one row's update or delete) as far as
 * its privileges go: the table privilege (403 `0x80040220`) and the guards they add on the row (at
 * Basic depth, that the caller owns it: 403 `0x80048306`), read as the write would meet them
 * (explain); and the guards marked `precheck` (a retained row: activeRowGuard's 400 `0x80040203`,
 * which the write would meet too). Throws 404 `0x80040217` when the row does not exist. Other guards (versions)
 * are not checked: the write itself does.
 */
export async function executeWriteCheck(db: Database, plan: UpdatePlan | DeletePlan): Promise<void> {
  const secured = db.security ? db.security.write(plan) : plan;
  if (!(await explain(db, db, secured, secured.guards.filter((g) => g.strict || g.precheck)))) throw Errors.recordNotFound(plan.entity.LogicalName, plan.id);
}

/** What executeGuarded did: how many rows changed, and the ids of the rows that do not exist. */
export interface GuardedOutcome {
  readonly changed: number;
  readonly missing: readonly string[];
}

/**
 * Runs guarded updates and deletes in one transaction where a failing guard is not an error: such
 * a row is left alone and not counted (the retention messages: a row already retained, or rolled
 * back before its purge). A row that does not exist is reported in `missing`. Lookup references
 * are not checked (the plans set none). Row versions are reserved in one block. A deleted row's
 * links and referencing rows are treated as on any delete (afterDelete); a delete that a Restrict
 * refuses is undone to a savepoint and left out like a failing guard (PurgeRetainedContent purges
 * the other rows and leaves that one retained).
 */
export function executeGuarded(db: Database, asked: ReadonlyArray<UpdatePlan | DeletePlan>): Promise<GuardedOutcome> {
  const { security } = db;
  const plans = security ? asked.map((p) => security.write(p)) : asked;
  return db.transaction(async (tx) => {
    const updates = plans.filter((p) => p.kind === 'update').length;
    const versions = updates ? await reserveVersions(tx, db, updates) : [];
    let changed = 0;
    const missing: string[] = [];
    for (const plan of plans) {
      const done = plan.kind === 'update' ? await tx.run(renderUpdate(db.dialect, plan, versions.shift()!)) : await deleteUnlessRestricted(tx, db, plan);
      if (done) changed++;
      // A row left alone by a strict guard (the caller's privileges) fails the request.
      else if (!(await explain(tx, db, plan, plan.guards.filter((g) => g.strict)))) missing.push(plan.id);
    }
    return { changed, missing };
  });
}

/** Whether a delete of `plan` can meet a Restrict relationship (then it runs in a savepoint). */
function mayBeRestricted(plan: DeletePlan): boolean {
  for (const effects of plan.effects.values()) if (effects.referencing.some((r) => r.behavior === 'Restrict')) return true;
  return false;
}

/**
 * Deletes `plan`'s row with its effects; 0 when its guards fail or a Restrict refuses it (then
 * inside a savepoint, rolled back to), 1 when deleted.
 */
async function deleteUnlessRestricted(tx: Executor, db: Database, plan: DeletePlan): Promise<number> {
  const { savepoint } = db.dialect;
  const guarded = mayBeRestricted(plan);
  if (guarded) await tx.run({ sql: savepoint.set('tessera_delete'), params: [] });
  const release = async () => { if (guarded && savepoint.release) await tx.run({ sql: savepoint.release('tessera_delete'), params: [] }); };
  try {
    const deleted = await tx.run(renderDelete(db.dialect, plan));
    if (deleted) await afterDelete(tx, db, plan);
    await release();
    return deleted ? 1 : 0;
  } catch (err) {
    if (!guarded || !(err instanceof ServiceError) || err.code !== Errors.deleteRestricted().code) throw err;
    await tx.run({ sql: savepoint.rollbackTo('tessera_delete'), params: [] });
    await release();
    return 0;
  }
}

/** Runs one write plan in its own transaction; errors as for writeIn. */
export function executeWrite(db: Database, plan: WritePlan): Promise<WriteResult> {
  return db.transaction((tx) => writeIn(tx, db, plan));
}

/**
 * The primary key of the row whose alternate key columns hold `values`, if any: the row the key's
 * unique index takes for equal (renderSelectByKey), else, where that index folds fewer letters
 * than `$filter` does (SQLite), the only row equal as `$filter`'s `eq` compares
 * (renderSelectByFoldedKey). Throws 403 `0x80040220` first when `db` checks privileges and its
 * caller may not read `entity` at all (a 404 would tell it whether the key exists), and 400
 * `0x80040203` when several rows are equal so (`xÉé` and `xéÉ` for `xéé`): a write must not act
 * on one of them picked at random.
 */
export async function findByKey(tx: Executor, db: Database, entity: EntityModel, key: EntityKeyModel, values: readonly Value[]): Promise<string | undefined> {
  db.security?.requireRead(entity);
  let [row] = await tx.rows(renderSelectByKey(db.dialect, entity, key, values));
  const folded = row ? undefined : renderSelectByFoldedKey(db.dialect, entity, key, values);
  if (folded) {
    const rows = await tx.rows(folded);
    if (rows.length > 1) throw Errors.ambiguousKey(entity.LogicalName, key.LogicalName);
    [row] = rows;
  }
  return row ? String(db.dialect.fromDb(entity.attributesByName.get(entity.PrimaryIdAttribute)!, row[0])) : undefined;
}
