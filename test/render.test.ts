import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildModel, loadModel } from '../src/model/loader.js';
import type { AttributeModel, EntityFile, EntityModel, Model } from '../src/model/types.js';
import { TERMS } from '../src/odata/annotations.js';
import { parseRequest, type ODataRequest } from '../src/odata/request.js';
import { planAggregate } from '../src/plan/aggregate.js';
import { planAlternateKey } from '../src/plan/keys.js';
import { planApply } from '../src/plan/apply.js';
import { parseFetchXml } from '../src/odata/fetchxml.js';
import { planFetch } from '../src/plan/fetch.js';
import { planFetchAggregate } from '../src/plan/fetch-aggregate.js';
import { FISCAL_PERIOD_TYPES, fiscalCalendar, type FiscalCalendar } from '../src/plan/fiscal-calendar.js';
import { planCount, planRead } from '../src/plan/read.js';
import { planDataState, planPurge, planRetainedPage } from '../src/plan/retention.js';
import { encodeSkipToken } from '../src/plan/skiptoken.js';
import type { AggregatePlan, AssociatePlan, Caller, CountPlan, DisassociatePlan, Guard, InsertPlan, PlanExpr, ReadPlan, RelatedCheck, UpdatePlan, Value } from '../src/plan/types.js';
import { createPrincipalObjectAccessTable } from '../src/sql/principal-object-access.js';
import { relatedTo, restrict } from '../src/plan/navigation.js';
import { planAssociate, planDisassociate } from '../src/plan/associate.js';
import { deletePlan } from '../src/plan/delete.js';
import { parseBody, planDelete, planUpdate } from '../src/plan/write.js';
import { hierarchyLoopCheck } from '../src/plan/hierarchy-loops.js';
import { createTable, incompatibleChanges, migrationDdl, renderPointingRows, selectSnapshot, type ExistingIndexes, type ExistingSchema } from '../src/sql/ddl.js';
import type { Dialect, Statement } from '../src/sql/dialect.js';
import { mssqlDialect } from '../src/sql/mssql.js';
import { postgresDialect } from '../src/sql/postgres.js';
import { renderAggregate, renderCount, renderDelete, renderDisassociate, renderInsert, renderInsertMany, renderRead, renderAnyReferencing, renderDeleteReferencing, renderDeleteWhereIn, renderFillMissing, renderLockRows, renderRemoveLink, renderSelectByFoldedKey, renderSelectById, renderSelectByKey, renderTableLock, renderUpdate } from '../src/sql/render.js';
import { sqliteDialect } from '../src/sql/sqlite.js';
import { joinedColumnAlias } from '../src/sql/joined-columns.js';
import { RELATIONSHIP_FILES, TAGS } from './support/relationship-metadata.js';

/*
 * Rendering tests in Kysely's `testSql` style (DESIGN.md §4): a fixed set of plans, built the way
 * the service builds them (parseRequest → planRead/planCount/planUpdate/planDelete against the
 * shipped metadata, or constructed directly where the plan stage stamps the current time), each
 * with the exact SQL text and parameters for SQLite, PostgreSQL and SQL Server side by side.
 * This is how the SQL Server dialect is reviewed where no SQL Server runs. No database is needed.
 *
 * Parameters are what the dialect's `toDb` produces: SQLite booleans 1/0, SQL Server date-times
 * (and dates) as Date objects, PostgreSQL values unchanged.
 */

const SHIPPED_METADATA = join(import.meta.dirname, '..', '..', 'metadata');
const shipped = loadModel(SHIPPED_METADATA);

/** A tiny model (two tables, one lookup between them) covering the other attribute types. */
const tinyFiles: EntityFile[] = [
  {
    LogicalName: 'systemuser', EntitySetName: 'systemusers', PrimaryIdAttribute: 'systemuserid', PrimaryNameAttribute: 'fullname',
    OwnershipType: 'None', HasStateModel: false,
    Attributes: [
      { LogicalName: 'systemuserid', AttributeType: 'Uniqueidentifier' },
      { LogicalName: 'fullname', AttributeType: 'String', MaxLength: 200 },
    ],
  },
  {
    LogicalName: 'tst_task', EntitySetName: 'tst_tasks', PrimaryIdAttribute: 'tst_taskid', PrimaryNameAttribute: 'tst_name',
    OwnershipType: 'None', HasStateModel: false,
    Attributes: [
      { LogicalName: 'tst_taskid', AttributeType: 'Uniqueidentifier' },
      { LogicalName: 'tst_name', AttributeType: 'String', MaxLength: 4000 },
      { LogicalName: 'tst_notes', AttributeType: 'Memo', MaxLength: 10000 },
      { LogicalName: 'tst_duedate', AttributeType: 'DateTime', DateTimeBehavior: 'DateOnly' },
      { LogicalName: 'tst_done', AttributeType: 'Boolean' },
      { LogicalName: 'tst_budget', AttributeType: 'Money', Precision: 2 },
      { LogicalName: 'tst_ratio', AttributeType: 'Decimal' },
      { LogicalName: 'tst_score', AttributeType: 'Double' },
      { LogicalName: 'tst_big', AttributeType: 'BigInt' },
      { LogicalName: 'tst_assignedto', AttributeType: 'Lookup', Targets: ['systemuser'] },
    ],
    Indexes: [{ LogicalName: 'byname', KeyAttributes: ['tst_name'] }],
  },
];
const tiny = buildModel(tinyFiles.map((json) => ({ source: `${json.LogicalName}.json`, json })));

/** The columns of the bookkeeping table `tessera_attribute` (sql/ddl.ts), as the catalog lists them. */
const SNAPSHOT_COLUMNS: ReadonlySet<string> = new Set(['entity', 'attribute', 'attributetype', 'maxlength', 'datetimebehavior', 'precision', 'targets']);

/** The shipped model plus a polymorphic lookup and a many-to-many relationship. */
const related = buildModel([
  ...readdirSync(SHIPPED_METADATA).map((n) => ({ source: n, json: JSON.parse(readFileSync(join(SHIPPED_METADATA, n), 'utf8')) as unknown })),
  ...RELATIONSHIP_FILES.map((json) => ({ source: `${json.LogicalName}.json`, json })),
]);
const INTERSECT = 'new_msdyn_copilotinteraction_new_tag';

const ID = '0a1b2c3d-0000-4000-8000-000000000001';
const ID2 = '0a1b2c3d-0000-4000-8000-000000000002';
const ID3 = '0a1b2c3d-0000-4000-8000-000000000003';
const ID4 = '0a1b2c3d-0000-4000-8000-000000000004';
const ID5 = '0a1b2c3d-0000-4000-8000-000000000005';
const DATA_ID = 'dddddddd-0000-4000-8000-00000000000d';
const caller: Caller = { systemuserid: 'aaaaaaaa-0000-4000-8000-00000000000a', organizationid: 'bbbbbbbb-0000-4000-8000-00000000000b', businessunitid: 'cccccccc-0000-4000-8000-00000000000c' };
const T1 = '2024-01-01T10:00:00Z';
const T2 = '2024-02-01T10:00:00Z';

function entity(model: Model, logicalName: string): EntityModel {
  return model.byLogicalName.get(logicalName)!;
}
const interaction = entity(shipped, 'msdyn_copilotinteraction');
const interactionData = entity(shipped, 'msdyn_copilotinteractiondata');
const task = entity(tiny, 'tst_task');
const attr = (e: EntityModel, name: string) => e.attributesByName.get(name)!;

/** Parses `/api/data/v9.2/<path>?<query>` as the HTTP layer hands it over; option values are URL-encoded. */
function request(path: string, query: Record<string, string> = {}, headers: Record<string, string> = {}, method = 'GET', body?: string): ODataRequest {
  const qs = Object.entries(query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return parseRequest({ method, url: `/api/data/v9.2/${path}${qs ? `?${qs}` : ''}`, headers, body, origin: 'http://x' });
}

/** Plans a GET of a collection or of one row, as the service does. */
function read(path: string, query: Record<string, string> = {}, headers: Record<string, string> = {}, model: Model = shipped): ReadPlan {
  const r = request(path, query, headers);
  const res = r.resource;
  if (res.kind === 'collection') return planRead(model.byEntitySetName.get(res.entitySet)!, r.query, r.prefer);
  if (res.kind === 'entity' && res.id !== undefined) return planRead(model.byEntitySetName.get(res.entitySet)!, r.query, r.prefer, res.id);
  throw new Error(`not a read: ${path}`);
}

/** Plans a GET on the `related` model as the service does, with the caller (lookup names for FormattedValue included). */
function readRelated(path: string, query: Record<string, string> = {}, headers: Record<string, string> = {}): ReadPlan {
  const r = request(path, query, headers);
  if (r.resource.kind !== 'collection') throw new Error(`not a collection: ${path}`);
  return planRead(related.byEntitySetName.get(r.resource.entitySet)!, r.query, r.prefer, undefined, { model: related, caller, clock: () => new Date() });
}

/** An insert plan with another id (primary key value too): fixed parameters for plans that draw a new id. */
function withId(plan: InsertPlan, id: string): InsertPlan {
  const pk = attr(plan.entity, plan.entity.PrimaryIdAttribute);
  return { ...plan, id, values: new Map([...plan.values].map(([a, v]) => [a, a === pk ? id : v])) };
}

/** Plans the next page of `read(path, query, headers)` after the row whose sort-key values are `after`. */
function readAfter(path: string, query: Record<string, string>, after: Value[], headers: Record<string, string> = {}, model: Model = shipped): ReadPlan {
  const first = read(path, query, headers, model);
  return read(path, { ...query, $skiptoken: encodeSkipToken(first.orderBy, after) }, headers, model);
}

/** Plans `GET /<set>/$count`. */
function count(path: string, query: Record<string, string> = {}): CountPlan {
  const r = request(path, query);
  if (r.resource.kind !== 'count') throw new Error(`not a count: ${path}`);
  return planCount(shipped.byEntitySetName.get(r.resource.entitySet)!, r.query);
}

/** Plans `GET /<set>?$apply=…` as the service does, with Dataverse's record limit (50,000). */
function aggregate(path: string, query: Record<string, string>, headers: Record<string, string> = {}, model: Model = shipped): AggregatePlan {
  const r = request(path, query, headers);
  if (r.resource.kind !== 'collection') throw new Error(`not a collection: ${path}`);
  return planApply(model.byEntitySetName.get(r.resource.entitySet)!, r.query, r.prefer, { caller, now: new Date() }, 50000);
}

function insertPlan(e: EntityModel, id: string, values: Array<[string, Value]>): InsertPlan {
  return { kind: 'insert', entity: e, id, values: new Map(values.map(([n, v]) => [attr(e, n), v])), references: [], idGiven: true };
}

/** A realistic create of a copilot interaction (what planCreate stamps for a body with msdyn_name), with a fixed clock. */
function interactionRow(id: string, name: string): InsertPlan {
  return insertPlan(interaction, id, [
    ['msdyn_name', name], ['msdyn_copilotinteractionid', id], ['createdon', T1], ['modifiedon', T1],
    ['createdby', caller.systemuserid], ['modifiedby', caller.systemuserid], ['organizationid', caller.organizationid],
    ['statecode', 0], ['statuscode', 1],
  ]);
}

/** The guards planUpdate derives for `PATCH` with `If-Match: W/"7"` and a statuscode-only body. */
function guardsOfPatch(): UpdatePlan['guards'] {
  const r = request(`msdyn_copilotinteractions(${ID})`, {}, { 'if-match': 'W/"7"' }, 'PATCH', '{"statuscode":1}');
  const plan = planUpdate(shipped, interaction, ID, parseBody(interaction, r.body), caller, r.ifMatch, r.ifNoneMatch);
  if (plan.kind !== 'update') throw new Error('expected an update plan');
  return plan.guards;
}

type Rendered = Statement | readonly Statement[] | string | readonly string[];
/** A statement as expected; `copy` is the data of a COPY … FROM STDIN (PostgreSQL's bulk form). */
interface Expected { sql: string; params: unknown[]; copy?: Statement['copy'] }
type Expectation = Expected | string | Array<Expected | string>;

interface Case {
  name: string;
  render: (d: Dialect) => Rendered;
  sqlite: Expectation;
  postgres: Expectation;
  mssql: Expectation;
}

/** Statements with their COPY data as hex, so that a difference shows where it is. */
function normalize(r: Rendered | Expectation): Array<Omit<Expected, 'copy'> & { copy?: string }> {
  const list = (Array.isArray(r) ? r : [r]) as Array<Statement | Expected | string>;
  return list.map((s) => (typeof s === 'string'
    ? { sql: s, params: [] }
    : { sql: s.sql, params: [...s.params], copy: s.copy instanceof Uint8Array ? Buffer.from(s.copy).toString('hex') : undefined }));
}

/**
 * A field of PostgreSQL's binary COPY format (postgresql.org/docs/current/sql-copy.html), written
 * out here with Buffer and BigInt arithmetic rather than by the code under test.
 */
type CopyField = null | { uuid: string } | { text: string } | { int4: number } | { int8: number } | { bool: boolean } | { date: string } | { timestamp: string };

/** Binary COPY rows (without the format's header and trailer). */
function binaryRows(rows: readonly CopyField[][]): Buffer {
  const word = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
  const field = (f: CopyField): Buffer => {
    if (f === null) return word(-1);
    let data: Buffer;
    if ('uuid' in f) data = Buffer.from(f.uuid.replaceAll('-', ''), 'hex');
    else if ('text' in f) data = Buffer.from(f.text, 'utf8');
    else if ('int4' in f) data = word(f.int4);
    else if ('int8' in f) { data = Buffer.alloc(8); data.writeBigInt64BE(BigInt(f.int8)); }
    else if ('bool' in f) data = Buffer.from([f.bool ? 1 : 0]);
    else if ('date' in f) data = word((Date.parse(`${f.date}T00:00:00Z`) - Date.parse('2000-01-01T00:00:00Z')) / 86_400_000);
    else { data = Buffer.alloc(8); data.writeBigInt64BE(BigInt(Date.parse(f.timestamp) - Date.parse('2000-01-01T00:00:00Z')) * 1000n); }
    return Buffer.concat([word(data.length), data]);
  };
  return Buffer.concat(rows.flatMap((row) => [Buffer.from([row.length >> 8, row.length & 255]), ...row.map(field)]));
}

const DIALECTS = { sqlite: sqliteDialect, postgres: postgresDialect, mssql: mssqlDialect } as const;

/** A SQL Server date-time parameter. */
const d = (iso: string) => new Date(iso);

/** `count` creates of the shape planCreate produces for a body `{"msdyn_name": …}` (9 columns + versionnumber). */
function bulkRows(count: number): InsertPlan[] {
  return Array.from({ length: count }, (_, i) => interactionRow(`0a1b2c3d-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, `row ${i + 1}`));
}
const bulkVersions = (count: number) => Array.from({ length: count }, (_, i) => 3001 + i);

/**
 * The expected statements for `renderInsertMany(bulkRows(count), bulkVersions(count))`, written out
 * per dialect (quoting, placeholders, driver values) with the rows per statement stated by the
 * case, so the split itself is asserted rather than recomputed.
 */
/** PostgreSQL's bulk form: one binary COPY … FROM STDIN with the rows as its data. */
function bulkExpectedPostgres(count: number): Expected[] {
  const rows = Array.from({ length: count }, (_, row) => row);
  const columns: Array<[string, (row: number) => CopyField]> = [
    ['msdyn_name', (r) => ({ text: `row ${r + 1}` })],
    ['msdyn_copilotinteractionid', (r) => ({ uuid: `0a1b2c3d-0000-4000-8000-${String(r + 1).padStart(12, '0')}` })],
    ['createdon', () => ({ timestamp: T1 })], ['modifiedon', () => ({ timestamp: T1 })],
    ['createdby', () => ({ uuid: caller.systemuserid })], ['modifiedby', () => ({ uuid: caller.systemuserid })],
    ['organizationid', () => ({ uuid: caller.organizationid })], ['statecode', () => ({ int4: 0 })], ['statuscode', () => ({ int4: 1 })],
    ['versionnumber', (r) => ({ int8: 3001 + r })],
  ];
  return [{
    sql: `COPY "msdyn_copilotinteraction" (${columns.map(([n]) => `"${n}"`).join(', ')}) FROM STDIN (FORMAT binary)`,
    params: [],
    copy: binaryRows(rows.map((r) => columns.map(([, v]) => v(r)))),
  }];
}

function bulkExpected(dialect: keyof typeof DIALECTS, count: number, perStatement: number): Expected[] {
  if (dialect === 'postgres') return bulkExpectedPostgres(count);
  const q = (n: string) => (dialect === 'mssql' ? `[${n}]` : `"${n}"`);
  const ph = (i: number) => (dialect === 'sqlite' ? '?' : `@p${i}`);
  const time = dialect === 'mssql' ? d(T1) : T1;
  const columns = ['msdyn_name', 'msdyn_copilotinteractionid', 'createdon', 'modifiedon', 'createdby', 'modifiedby', 'organizationid', 'statecode', 'statuscode', 'versionnumber'];
  const out: Expected[] = [];
  for (let start = 0; start < count; start += perStatement) {
    const end = Math.min(count, start + perStatement);
    // SQLite binds the values all rows share (columns 2–8: stamps and defaults) once, by name.
    const shared = dialect === 'sqlite' && end - start > 1;
    const tuples: string[] = [];
    const params: unknown[] = [];
    for (let row = start; row < end; row++) {
      const id = `0a1b2c3d-0000-4000-8000-${String(row + 1).padStart(12, '0')}`;
      if (shared) {
        tuples.push(`(?, ?, ${columns.slice(2, 9).map((_, c) => `@s${c + 2}`).join(', ')}, ?)`);
        params.push(`row ${row + 1}`, id, 3001 + row);
      } else {
        tuples.push(`(${columns.map((_, c) => ph(params.length + c + 1)).join(', ')})`);
        params.push(`row ${row + 1}`, id, time, time, caller.systemuserid, caller.systemuserid, caller.organizationid, 0, 1, 3001 + row);
      }
    }
    if (shared) params.push({ s2: time, s3: time, s4: caller.systemuserid, s5: caller.systemuserid, s6: caller.organizationid, s7: 0, s8: 1 });
    out.push({ sql: `INSERT INTO ${q('msdyn_copilotinteraction')} (${columns.map(q).join(', ')}) VALUES ${tuples.join(', ')}`, params });
  }
  return out;
}


/**
 * reserveVersions(count) in each dialect; PostgreSQL takes `blocks` nextvals of 1,000 numbers.
 * Its count is in the text: with no parameters, the statement carries its transaction's BEGIN;
 * the transaction first takes the lock that lists it as holding versions (settledVersion).
 */
function reserveVersionsCase(count: number, blocks: number): Case {
  return {
    name: `reserveVersions(${count})`,
    render: (dl) => dl.reserveVersions(count),
    sqlite: { sql: `UPDATE "tessera_sequence" SET "value" = "value" + ? WHERE "name" = 'versionnumber' RETURNING "value" - ? + 1, ?`, params: [count, count, count] },
    postgres: { sql: `WITH "x" AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(132472442::bigint * 4294967296 + 'tessera_versionnumber'::regclass::oid::bigint)) SELECT nextval('tessera_versionnumber'), least(1000, ${count} - 1000 * ("n" - 1)) FROM "x", generate_series(1, ${blocks}) AS "n"`, params: [] },
    mssql: { sql: "DECLARE @first SQL_VARIANT; EXEC sp_sequence_get_range @sequence_name = N'tessera_versionnumber', @range_size = @p1, @range_first_value = @first OUTPUT; SELECT CAST(@first AS BIGINT), @p1", params: [count] },
  };
}

const cases: Case[] = [
  // ---- $select ----
  {
    name: '$select only',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', { $select: 'msdyn_name,importsequencenumber' })),
    sqlite: { sql: 'SELECT "msdyn_name", "importsequencenumber", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [5001] },
    postgres: { sql: 'SELECT "msdyn_name", "importsequencenumber", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $1', params: [5001] },
    mssql: { sql: 'SELECT TOP (@p1) [msdyn_name], [importsequencenumber], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) ORDER BY [msdyn_copilotinteractionid] ASC', params: [5001] },
  },
  {
    name: 'no $select: every readable stored column',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractiondatas')),
    sqlite: { sql: 'SELECT "msdyn_copilotinteractiondataid", "msdyn_name", "msdyn_interactiondata", "createdon", "createdby", "createdonbehalfby", "modifiedon", "modifiedby", "modifiedonbehalfby", "versionnumber", "importsequencenumber", "overriddencreatedon", "timezoneruleversionnumber", "utcconversiontimezonecode", "statecode", "statuscode", "organizationid" FROM "msdyn_copilotinteractiondata" ORDER BY "msdyn_copilotinteractiondataid" ASC LIMIT ?', params: [5001] },
    postgres: { sql: 'SELECT "msdyn_copilotinteractiondataid", "msdyn_name", "msdyn_interactiondata", "createdon", "createdby", "createdonbehalfby", "modifiedon", "modifiedby", "modifiedonbehalfby", "versionnumber", "importsequencenumber", "overriddencreatedon", "timezoneruleversionnumber", "utcconversiontimezonecode", "statecode", "statuscode", "organizationid" FROM "msdyn_copilotinteractiondata" ORDER BY "msdyn_copilotinteractiondataid" ASC NULLS FIRST LIMIT $1', params: [5001] },
    mssql: { sql: 'SELECT TOP (@p1) [msdyn_copilotinteractiondataid], [msdyn_name], [msdyn_interactiondata], [createdon], [createdby], [createdonbehalfby], [modifiedon], [modifiedby], [modifiedonbehalfby], [versionnumber], [importsequencenumber], [overriddencreatedon], [timezoneruleversionnumber], [utcconversiontimezonecode], [statecode], [statuscode], [organizationid] FROM [msdyn_copilotinteractiondata] ORDER BY [msdyn_copilotinteractiondataid] ASC', params: [5001] },
  },
  // ---- $filter comparisons ----
  {
    name: '$filter eq on an integer',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', { $select: 'msdyn_name', $filter: 'importsequencenumber eq 5' })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "importsequencenumber" = ? ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [5, 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "importsequencenumber" = $1 ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $2', params: [5, 5001] },
    mssql: { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND [importsequencenumber] = @p1 ORDER BY [msdyn_copilotinteractionid] ASC', params: [5, 5001] },
  },
  {
    name: '$filter ne on an integer keeps nulls (OR IS NULL)',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', { $select: 'msdyn_name', $filter: 'importsequencenumber ne 5' })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("importsequencenumber" <> ? OR "importsequencenumber" IS NULL) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [5, 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("importsequencenumber" <> $1 OR "importsequencenumber" IS NULL) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $2', params: [5, 5001] },
    mssql: { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([importsequencenumber] <> @p1 OR [importsequencenumber] IS NULL) ORDER BY [msdyn_copilotinteractionid] ASC', params: [5, 5001] },
  },
  {
    name: '$filter gt ge lt le on an integer',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', {
      $select: 'msdyn_name', $filter: 'importsequencenumber gt 1 and importsequencenumber ge -2 and importsequencenumber lt 9 and importsequencenumber le 8',
    })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ((("importsequencenumber" > ? AND "importsequencenumber" >= ?) AND "importsequencenumber" < ?) AND "importsequencenumber" <= ?) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [1, -2, 9, 8, 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ((("importsequencenumber" > $1 AND "importsequencenumber" >= $2) AND "importsequencenumber" < $3) AND "importsequencenumber" <= $4) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $5', params: [1, -2, 9, 8, 5001] },
    mssql: { sql: 'SELECT TOP (@p5) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ((([importsequencenumber] > @p1 AND [importsequencenumber] >= @p2) AND [importsequencenumber] < @p3) AND [importsequencenumber] <= @p4) ORDER BY [msdyn_copilotinteractionid] ASC', params: [1, -2, 9, 8, 5001] },
  },
  {
    name: '$filter with the literal on the left flips the operator',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', { $select: 'msdyn_name', $filter: '5 lt importsequencenumber' })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "importsequencenumber" > ? ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [5, 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "importsequencenumber" > $1 ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $2', params: [5, 5001] },
    mssql: { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND [importsequencenumber] > @p1 ORDER BY [msdyn_copilotinteractionid] ASC', params: [5, 5001] },
  },
  {
    name: '$filter eq ne on a string (quote in the literal)',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', { $select: 'msdyn_name', $filter: "msdyn_name eq 'O''Brian' or msdyn_interactionforid ne 'x'" })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" = ? OR ("msdyn_interactionforid" <> ? OR "msdyn_interactionforid" IS NULL)) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: ["O'Brian", 'x', 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" = $1 OR ("msdyn_interactionforid" <> $2 OR "msdyn_interactionforid" IS NULL)) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $3', params: ["O'Brian", 'x', 5001] },
    mssql: { sql: 'SELECT TOP (@p3) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_name] = @p1 OR ([msdyn_interactionforid] <> @p2 OR [msdyn_interactionforid] IS NULL)) ORDER BY [msdyn_copilotinteractionid] ASC', params: ["O'Brian", 'x', 5001] },
  },
  {
    name: '$filter gt ge lt le on a string with parentheses',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', {
      $select: 'msdyn_name', $filter: "(msdyn_name ge 'a' and msdyn_name lt 'b') or (msdyn_name gt 'x' and msdyn_name le 'z')",
    })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_name" >= ? AND "msdyn_name" < ?) OR ("msdyn_name" > ? AND "msdyn_name" <= ?)) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['a', 'b', 'x', 'z', 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_name" >= $1 AND "msdyn_name" < $2) OR ("msdyn_name" > $3 AND "msdyn_name" <= $4)) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $5', params: ['a', 'b', 'x', 'z', 5001] },
    mssql: { sql: 'SELECT TOP (@p5) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND (([msdyn_name] >= @p1 AND [msdyn_name] < @p2) OR ([msdyn_name] > @p3 AND [msdyn_name] <= @p4)) ORDER BY [msdyn_copilotinteractionid] ASC', params: ['a', 'b', 'x', 'z', 5001] },
  },
  {
    name: '$filter eq ne on a boolean',
    render: (dl) => renderRead(dl, read('systemusers', { $select: 'fullname', $filter: 'isdisabled eq true or isdisabled ne false' })),
    sqlite: { sql: 'SELECT "fullname", "systemuserid", "versionnumber" FROM "systemuser" WHERE ("isdisabled" = ? OR ("isdisabled" <> ? OR "isdisabled" IS NULL)) ORDER BY "systemuserid" ASC LIMIT ?', params: [1, 0, 5001] },
    postgres: { sql: 'SELECT "fullname", "systemuserid", "versionnumber" FROM "systemuser" WHERE ("isdisabled" = $1 OR ("isdisabled" <> $2 OR "isdisabled" IS NULL)) ORDER BY "systemuserid" ASC NULLS FIRST LIMIT $3', params: [true, false, 5001] },
    mssql: { sql: 'SELECT TOP (@p3) [fullname], [systemuserid], [versionnumber] FROM [systemuser] WHERE ([isdisabled] = @p1 OR ([isdisabled] <> @p2 OR [isdisabled] IS NULL)) ORDER BY [systemuserid] ASC', params: [true, false, 5001] },
  },
  {
    name: '$filter bare boolean column and not',
    render: (dl) => renderRead(dl, read('systemusers', { $select: 'fullname', $filter: 'isdisabled and not isdisabled' })),
    sqlite: { sql: 'SELECT "fullname", "systemuserid", "versionnumber" FROM "systemuser" WHERE ("isdisabled" = ? AND ("isdisabled" <> ? OR "isdisabled" IS NULL)) ORDER BY "systemuserid" ASC LIMIT ?', params: [1, 1, 5001] },
    postgres: { sql: 'SELECT "fullname", "systemuserid", "versionnumber" FROM "systemuser" WHERE ("isdisabled" = $1 AND ("isdisabled" <> $2 OR "isdisabled" IS NULL)) ORDER BY "systemuserid" ASC NULLS FIRST LIMIT $3', params: [true, true, 5001] },
    mssql: { sql: 'SELECT TOP (@p3) [fullname], [systemuserid], [versionnumber] FROM [systemuser] WHERE ([isdisabled] = @p1 AND ([isdisabled] <> @p2 OR [isdisabled] IS NULL)) ORDER BY [systemuserid] ASC', params: [true, true, 5001] },
  },
  {
    name: '$filter eq ne on the primary key guid (upper case becomes lower case)',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', {
      $select: 'msdyn_name', $filter: `msdyn_copilotinteractionid eq ${ID.toUpperCase()} or msdyn_copilotinteractionid ne '{${ID2}}'`,
    })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_copilotinteractionid" = ? OR ("msdyn_copilotinteractionid" <> ? OR "msdyn_copilotinteractionid" IS NULL)) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['0a1b2c3d-0000-4000-8000-000000000001', '0a1b2c3d-0000-4000-8000-000000000002', 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_copilotinteractionid" = $1 OR ("msdyn_copilotinteractionid" <> $2 OR "msdyn_copilotinteractionid" IS NULL)) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $3', params: ['0a1b2c3d-0000-4000-8000-000000000001', '0a1b2c3d-0000-4000-8000-000000000002', 5001] },
    mssql: { sql: 'SELECT TOP (@p3) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_copilotinteractionid] = @p1 OR ([msdyn_copilotinteractionid] <> @p2 OR [msdyn_copilotinteractionid] IS NULL)) ORDER BY [msdyn_copilotinteractionid] ASC', params: ['0a1b2c3d-0000-4000-8000-000000000001', '0a1b2c3d-0000-4000-8000-000000000002', 5001] },
  },
  {
    name: '$filter on lookup _x_value, bare and quoted guid',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', {
      $select: 'msdyn_name', $filter: `_msdyn_interactiondataid_value eq ${DATA_ID} and _createdby_value ne '${caller.systemuserid.toUpperCase()}'`,
    })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_interactiondataid" = ? AND ("createdby" <> ? OR "createdby" IS NULL)) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['dddddddd-0000-4000-8000-00000000000d', 'aaaaaaaa-0000-4000-8000-00000000000a', 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_interactiondataid" = $1 AND ("createdby" <> $2 OR "createdby" IS NULL)) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $3', params: ['dddddddd-0000-4000-8000-00000000000d', 'aaaaaaaa-0000-4000-8000-00000000000a', 5001] },
    mssql: { sql: 'SELECT TOP (@p3) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_interactiondataid] = @p1 AND ([createdby] <> @p2 OR [createdby] IS NULL)) ORDER BY [msdyn_copilotinteractionid] ASC', params: ['dddddddd-0000-4000-8000-00000000000d', 'aaaaaaaa-0000-4000-8000-00000000000a', 5001] },
  },
  {
    name: '$filter eq gt on a date-time with offsets',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', {
      $select: 'msdyn_name', $filter: 'msdyn_clienttimestamp eq 2024-03-01T10:00:00+02:00 or createdon gt 2024-01-01T00:00Z',
    })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_clienttimestamp" = ? OR "createdon" > ?) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['2024-03-01T08:00:00Z', '2024-01-01T00:00:00Z', 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_clienttimestamp" = $1 OR "createdon" > $2) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $3', params: ['2024-03-01T08:00:00Z', '2024-01-01T00:00:00Z', 5001] },
    mssql: { sql: 'SELECT TOP (@p3) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_clienttimestamp] = @p1 OR [createdon] > @p2) ORDER BY [msdyn_copilotinteractionid] ASC', params: [d('2024-03-01T08:00:00Z'), d('2024-01-01T00:00:00Z'), 5001] },
  },
  {
    name: '$filter on a date-time with fractional seconds: ge → gt, lt → le; .000 unchanged',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', {
      $select: 'msdyn_name',
      $filter: 'msdyn_clienttimestamp ge 2024-01-01T10:00:00.5Z and msdyn_clienttimestamp lt 2024-02-01T10:00:00.250+01:00'
        + ' and createdon gt 2024-01-01T00:00:00.1Z and createdon le 2024-06-30T23:59:59.9Z and modifiedon lt 2024-07-01T00:00:00.000Z',
    })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (((("msdyn_clienttimestamp" > ? AND "msdyn_clienttimestamp" <= ?) AND "createdon" > ?) AND "createdon" <= ?) AND "modifiedon" < ?) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['2024-01-01T10:00:00Z', '2024-02-01T09:00:00Z', '2024-01-01T00:00:00Z', '2024-06-30T23:59:59Z', '2024-07-01T00:00:00Z', 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (((("msdyn_clienttimestamp" > $1 AND "msdyn_clienttimestamp" <= $2) AND "createdon" > $3) AND "createdon" <= $4) AND "modifiedon" < $5) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $6', params: ['2024-01-01T10:00:00Z', '2024-02-01T09:00:00Z', '2024-01-01T00:00:00Z', '2024-06-30T23:59:59Z', '2024-07-01T00:00:00Z', 5001] },
    mssql: { sql: 'SELECT TOP (@p6) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND (((([msdyn_clienttimestamp] > @p1 AND [msdyn_clienttimestamp] <= @p2) AND [createdon] > @p3) AND [createdon] <= @p4) AND [modifiedon] < @p5) ORDER BY [msdyn_copilotinteractionid] ASC', params: [d('2024-01-01T10:00:00Z'), d('2024-02-01T09:00:00Z'), d('2024-01-01T00:00:00Z'), d('2024-06-30T23:59:59Z'), d('2024-07-01T00:00:00Z'), 5001] },
  },
  {
    name: '$filter eq ne on a date-time with fractional seconds become constants',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', {
      $select: 'msdyn_name', $filter: 'msdyn_clienttimestamp eq 2024-01-01T10:00:00.5Z or msdyn_clienttimestamp ne 2024-01-01T10:00:00.5Z',
    })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (1 = 0 OR 1 = 1) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (1 = 0 OR 1 = 1) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $1', params: [5001] },
    mssql: { sql: 'SELECT TOP (@p1) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND (1 = 0 OR 1 = 1) ORDER BY [msdyn_copilotinteractionid] ASC', params: [5001] },
  },
  {
    name: '$filter eq ge lt on a date (DateOnly)',
    render: (dl) => renderRead(dl, read('tst_tasks', {
      $select: 'tst_name', $filter: 'tst_duedate eq 2024-05-01 or (tst_duedate ge 2024-06-01 and tst_duedate lt 2024-07-01)',
    }, {}, tiny)),
    sqlite: { sql: 'SELECT "tst_name", "tst_taskid", "versionnumber" FROM "tst_task" WHERE ("tst_duedate" = ? OR ("tst_duedate" >= ? AND "tst_duedate" < ?)) ORDER BY "tst_taskid" ASC LIMIT ?', params: ['2024-05-01', '2024-06-01', '2024-07-01', 5001] },
    postgres: { sql: 'SELECT "tst_name", "tst_taskid", "versionnumber" FROM "tst_task" WHERE ("tst_duedate" = $1 OR ("tst_duedate" >= $2 AND "tst_duedate" < $3)) ORDER BY "tst_taskid" ASC NULLS FIRST LIMIT $4', params: ['2024-05-01', '2024-06-01', '2024-07-01', 5001] },
    mssql: { sql: 'SELECT TOP (@p4) [tst_name], [tst_taskid], [versionnumber] FROM [tst_task] WHERE ([tst_duedate] = @p1 OR ([tst_duedate] >= @p2 AND [tst_duedate] < @p3)) ORDER BY [tst_taskid] ASC', params: [d('2024-05-01T00:00:00Z'), d('2024-06-01T00:00:00Z'), d('2024-07-01T00:00:00Z'), 5001] },
  },
  {
    name: '$filter on decimal, money, double and bigint',
    render: (dl) => renderRead(dl, read('tst_tasks', {
      $select: 'tst_name', $filter: 'tst_budget ge 10.5 and tst_ratio lt 0.25 and tst_score gt 1e3 and tst_big eq 9007199254740991',
    }, {}, tiny)),
    sqlite: { sql: 'SELECT "tst_name", "tst_taskid", "versionnumber" FROM "tst_task" WHERE ((("tst_budget" >= ? AND "tst_ratio" < ?) AND "tst_score" > ?) AND "tst_big" = ?) ORDER BY "tst_taskid" ASC LIMIT ?', params: [10.5, 0.25, 1000, 9007199254740991, 5001] },
    postgres: { sql: 'SELECT "tst_name", "tst_taskid", "versionnumber" FROM "tst_task" WHERE ((("tst_budget" >= $1 AND "tst_ratio" < $2) AND "tst_score" > $3) AND "tst_big" = $4) ORDER BY "tst_taskid" ASC NULLS FIRST LIMIT $5', params: [10.5, 0.25, 1000, 9007199254740991, 5001] },
    mssql: { sql: 'SELECT TOP (@p5) [tst_name], [tst_taskid], [versionnumber] FROM [tst_task] WHERE ((([tst_budget] >= @p1 AND [tst_ratio] < @p2) AND [tst_score] > @p3) AND [tst_big] = @p4) ORDER BY [tst_taskid] ASC', params: [10.5, 0.25, 1000, 9007199254740991, 5001] },
  },
  {
    name: '$filter and or not with OData precedence',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', {
      $select: 'msdyn_name', $filter: "not (importsequencenumber eq 1 or msdyn_name eq 'a') and statecode eq 0 or msdyn_interactiontype eq 100230301",
    })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (((("importsequencenumber" <> ? OR "importsequencenumber" IS NULL) AND ("msdyn_name" <> ? OR "msdyn_name" IS NULL)) AND "statecode" = ?) OR "msdyn_interactiontype" = ?) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [1, 'a', 0, 100230301, 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (((("importsequencenumber" <> $1 OR "importsequencenumber" IS NULL) AND ("msdyn_name" <> $2 OR "msdyn_name" IS NULL)) AND "statecode" = $3) OR "msdyn_interactiontype" = $4) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $5', params: [1, 'a', 0, 100230301, 5001] },
    mssql: { sql: 'SELECT TOP (@p5) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND (((([importsequencenumber] <> @p1 OR [importsequencenumber] IS NULL) AND ([msdyn_name] <> @p2 OR [msdyn_name] IS NULL)) AND [statecode] = @p3) OR [msdyn_interactiontype] = @p4) ORDER BY [msdyn_copilotinteractionid] ASC', params: [1, 'a', 0, 100230301, 5001] },
  },
  {
    name: '$filter contains startswith endswith: % and _ are wildcards, [x] is x, \\ is escaped',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', {
      $select: 'msdyn_name', $filter: "contains(msdyn_name,'50[%]_[[]a]\\b') or startswith(msdyn_name,'a_b') or endswith(msdyn_interactionforid,'\\')",
    })),
    sqlite: { sql: `SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_name" LIKE ? ESCAPE '\\' OR "msdyn_name" LIKE ? ESCAPE '\\') OR "msdyn_interactionforid" LIKE ? ESCAPE '\\') ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?`, params: ['%50\\%_\\[a]\\\\b%', 'a_b%', '%\\\\', 5001] },
    postgres: { sql: `SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_name" LIKE $1 ESCAPE '\\' OR "msdyn_name" LIKE $2 ESCAPE '\\') OR "msdyn_interactionforid" LIKE $3 ESCAPE '\\') ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $4`, params: ['%50\\%_\\[a]\\\\b%', 'a_b%', '%\\\\', 5001] },
    mssql: { sql: "SELECT TOP (@p4) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND (([msdyn_name] LIKE @p1 ESCAPE '\\' OR [msdyn_name] LIKE @p2 ESCAPE '\\') OR [msdyn_interactionforid] LIKE @p3 ESCAPE '\\') ORDER BY [msdyn_copilotinteractionid] ASC", params: ['%50\\%_\\[a]\\\\b%', 'a_b%', '%\\\\', 5001] },
  },
  {
    name: '$filter string function eq false becomes NOT',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', { $select: 'msdyn_name', $filter: "contains(msdyn_name,'x') eq false" })),
    sqlite: { sql: `SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND NOT ("msdyn_name" LIKE ? ESCAPE '\\') ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?`, params: ['%x%', 5001] },
    postgres: { sql: `SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND NOT ("msdyn_name" LIKE $1 ESCAPE '\\') ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $2`, params: ['%x%', 5001] },
    mssql: { sql: "SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND NOT ([msdyn_name] LIKE @p1 ESCAPE '\\') ORDER BY [msdyn_copilotinteractionid] ASC", params: ['%x%', 5001] },
  },
  {
    name: '$filter eq null, ne null, gt null',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', {
      $select: 'msdyn_name', $filter: '_msdyn_interactiondataid_value eq null and msdyn_name ne null or importsequencenumber gt null',
    })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_interactiondataid" IS NULL AND "msdyn_name" IS NOT NULL) OR 1 = 0) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_interactiondataid" IS NULL AND "msdyn_name" IS NOT NULL) OR 1 = 0) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $1', params: [5001] },
    mssql: { sql: 'SELECT TOP (@p1) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND (([msdyn_interactiondataid] IS NULL AND [msdyn_name] IS NOT NULL) OR 1 = 0) ORDER BY [msdyn_copilotinteractionid] ASC', params: [5001] },
  },
  {
    // Column-to-column comparisons follow SQL (a null on either side does not match), as Dataverse's
    // column comparison conditions do; `ne` with a literal adds OR … IS NULL (see PlanExpr).
    name: '$filter column to column',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', {
      $select: 'msdyn_name', $filter: 'msdyn_name eq msdyn_interactionforid or createdon lt modifiedon or importsequencenumber ne timezoneruleversionnumber',
    })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_name" = "msdyn_interactionforid" OR "createdon" < "modifiedon") OR "importsequencenumber" <> "timezoneruleversionnumber") ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_name" = "msdyn_interactionforid" OR "createdon" < "modifiedon") OR "importsequencenumber" <> "timezoneruleversionnumber") ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $1', params: [5001] },
    mssql: { sql: 'SELECT TOP (@p1) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND (([msdyn_name] = [msdyn_interactionforid] OR [createdon] < [modifiedon]) OR [importsequencenumber] <> [timezoneruleversionnumber]) ORDER BY [msdyn_copilotinteractionid] ASC', params: [5001] },
  },
  // ---- $orderby, $top, page size, $count ----
  {
    name: '$orderby several keys asc/desc (primary key appended)',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', { $select: 'msdyn_name', $orderby: 'msdyn_interactiontype desc,msdyn_name asc,createdon' })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", "msdyn_interactiontype", "createdon" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_interactiontype" DESC, "msdyn_name" ASC, "createdon" ASC, "msdyn_copilotinteractionid" ASC LIMIT ?', params: [5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", "msdyn_interactiontype", "createdon" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_interactiontype" DESC NULLS LAST, "msdyn_name" ASC NULLS FIRST, "createdon" ASC NULLS FIRST, "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $1', params: [5001] },
    mssql: { sql: 'SELECT TOP (@p1) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber], [msdyn_interactiontype], [createdon] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) ORDER BY [msdyn_interactiontype] DESC, [msdyn_name] ASC, [createdon] ASC, [msdyn_copilotinteractionid] ASC', params: [5001] },
  },
  {
    name: '$orderby on the primary key descending',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', { $select: 'msdyn_name', $orderby: 'msdyn_copilotinteractionid desc' })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" DESC LIMIT ?', params: [5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" DESC NULLS LAST LIMIT $1', params: [5001] },
    mssql: { sql: 'SELECT TOP (@p1) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) ORDER BY [msdyn_copilotinteractionid] DESC', params: [5001] },
  },
  {
    name: '$top with $filter and $orderby (no extra row)',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', { $select: 'msdyn_name', $filter: 'statecode eq 0', $orderby: 'msdyn_name desc', $top: '10' })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "statecode" = ? ORDER BY "msdyn_name" DESC, "msdyn_copilotinteractionid" ASC LIMIT ?', params: [0, 10] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "statecode" = $1 ORDER BY "msdyn_name" DESC NULLS LAST, "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $2', params: [0, 10] },
    mssql: { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND [statecode] = @p1 ORDER BY [msdyn_name] DESC, [msdyn_copilotinteractionid] ASC', params: [0, 10] },
  },
  {
    // SQL Server: TOP (@p1) accepts 0; FETCH NEXT 0 ROWS would fail with error 10744.
    name: '$top=0',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', { $select: 'msdyn_name', $top: '0' })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [0] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $1', params: [0] },
    mssql: { sql: 'SELECT TOP (@p1) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) ORDER BY [msdyn_copilotinteractionid] ASC', params: [0] },
  },
  {
    name: 'Prefer odata.maxpagesize reads one extra row',
    render: (dl) => renderRead(dl, read('msdyn_copilotinteractions', { $select: 'msdyn_name' }, { prefer: 'odata.maxpagesize=50' })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [51] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $1', params: [51] },
    mssql: { sql: 'SELECT TOP (@p1) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) ORDER BY [msdyn_copilotinteractionid] ASC', params: [51] },
  },
  {
    name: '$count=true: the page and the count (cap 5000)',
    render: (dl) => {
      const plan = read('msdyn_copilotinteractions', { $select: 'msdyn_name', $filter: "msdyn_name ne 'x'", $count: 'true' });
      return [renderRead(dl, plan), renderCount(dl, plan, 5000)];
    },
    sqlite: [
      { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" <> ? OR "msdyn_name" IS NULL) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['x', 5001] },
      { sql: 'SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" <> ? OR "msdyn_name" IS NULL) LIMIT ?) "c"', params: ['x', 5001] },
    ],
    postgres: [
      { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" <> $1 OR "msdyn_name" IS NULL) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $2', params: ['x', 5001] },
      { sql: 'SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" <> $1 OR "msdyn_name" IS NULL) LIMIT $2) "c"', params: ['x', 5001] },
    ],
    mssql: [
      { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_name] <> @p1 OR [msdyn_name] IS NULL) ORDER BY [msdyn_copilotinteractionid] ASC', params: ['x', 5001] },
      { sql: 'SELECT COUNT(*) AS [n] FROM (SELECT TOP (@p2) 1 AS [x] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_name] <> @p1 OR [msdyn_name] IS NULL)) [c]', params: ['x', 5001] },
    ],
  },
  // ---- keyset paging ----
  {
    name: 'paging after a row: 1 sort key (primary key)',
    render: (dl) => renderRead(dl, readAfter('msdyn_copilotinteractions', { $select: 'msdyn_name' }, [ID])),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_copilotinteractionid" > ?) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_copilotinteractionid" > $1) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $2', params: ['0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    mssql: { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_copilotinteractionid] > @p1) ORDER BY [msdyn_copilotinteractionid] ASC', params: ['0a1b2c3d-0000-4000-8000-000000000001', 5001] },
  },
  {
    name: 'ordered by a polymorphic lookup: the related primary name (per target), then the lookup, after a row',
    render: (dl) => {
      const query = { $select: 'fullname', $orderby: '_parentcustomerid_value desc' };
      const first = readRelated('contacts', query);
      return renderRead(dl, readRelated('contacts', { ...query, $skiptoken: encodeSkipToken(first.orderBy, ['Ann', ID, ID]) }));
    },
    sqlite: { sql: 'SELECT "fullname", "contactid", "versionnumber", COALESCE((SELECT "nm"."name" FROM "account" "nm" WHERE "nm"."accountid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'account\'), (SELECT "nm"."fullname" FROM "contact" "nm" WHERE "nm"."contactid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'contact\')) COLLATE NOCASE AS "parentcustomeridname", "parentcustomerid" FROM "contact" WHERE ((COALESCE((SELECT "nm"."name" FROM "account" "nm" WHERE "nm"."accountid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'account\'), (SELECT "nm"."fullname" FROM "contact" "nm" WHERE "nm"."contactid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'contact\')) COLLATE NOCASE < ? OR COALESCE((SELECT "nm"."name" FROM "account" "nm" WHERE "nm"."accountid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'account\'), (SELECT "nm"."fullname" FROM "contact" "nm" WHERE "nm"."contactid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'contact\')) COLLATE NOCASE IS NULL) OR (COALESCE((SELECT "nm"."name" FROM "account" "nm" WHERE "nm"."accountid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'account\'), (SELECT "nm"."fullname" FROM "contact" "nm" WHERE "nm"."contactid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'contact\')) COLLATE NOCASE = ? AND ("parentcustomerid" < ? OR "parentcustomerid" IS NULL)) OR (COALESCE((SELECT "nm"."name" FROM "account" "nm" WHERE "nm"."accountid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'account\'), (SELECT "nm"."fullname" FROM "contact" "nm" WHERE "nm"."contactid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'contact\')) COLLATE NOCASE = ? AND "parentcustomerid" = ? AND "contactid" > ?)) ORDER BY COALESCE((SELECT "nm"."name" FROM "account" "nm" WHERE "nm"."accountid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'account\'), (SELECT "nm"."fullname" FROM "contact" "nm" WHERE "nm"."contactid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'contact\')) COLLATE NOCASE DESC, "parentcustomerid" DESC, "contactid" ASC LIMIT ?', params: ['Ann', 'Ann', ID, 'Ann', ID, ID, 5001] },
    postgres: { sql: 'SELECT "fullname", "contactid", "versionnumber", COALESCE((SELECT "nm"."name" FROM "account" "nm" WHERE "nm"."accountid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'account\'), (SELECT "nm"."fullname" FROM "contact" "nm" WHERE "nm"."contactid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'contact\')) AS "parentcustomeridname", "parentcustomerid" FROM "contact" WHERE ((COALESCE((SELECT "nm"."name" FROM "account" "nm" WHERE "nm"."accountid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'account\'), (SELECT "nm"."fullname" FROM "contact" "nm" WHERE "nm"."contactid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'contact\')) < $1 OR COALESCE((SELECT "nm"."name" FROM "account" "nm" WHERE "nm"."accountid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'account\'), (SELECT "nm"."fullname" FROM "contact" "nm" WHERE "nm"."contactid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'contact\')) IS NULL) OR (COALESCE((SELECT "nm"."name" FROM "account" "nm" WHERE "nm"."accountid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'account\'), (SELECT "nm"."fullname" FROM "contact" "nm" WHERE "nm"."contactid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'contact\')) = $2 AND ("parentcustomerid" < $3 OR "parentcustomerid" IS NULL)) OR (COALESCE((SELECT "nm"."name" FROM "account" "nm" WHERE "nm"."accountid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'account\'), (SELECT "nm"."fullname" FROM "contact" "nm" WHERE "nm"."contactid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'contact\')) = $4 AND "parentcustomerid" = $5 AND "contactid" > $6)) ORDER BY COALESCE((SELECT "nm"."name" FROM "account" "nm" WHERE "nm"."accountid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'account\'), (SELECT "nm"."fullname" FROM "contact" "nm" WHERE "nm"."contactid" = "contact"."parentcustomerid" AND "contact"."parentcustomeridtype" = \'contact\')) DESC NULLS LAST, "parentcustomerid" DESC NULLS LAST, "contactid" ASC NULLS FIRST LIMIT $7', params: ['Ann', 'Ann', ID, 'Ann', ID, ID, 5001] },
    mssql: { sql: 'SELECT TOP (@p7) [fullname], [contactid], [versionnumber], COALESCE((SELECT [nm].[name] FROM [account] [nm] WHERE [nm].[accountid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = \'account\'), (SELECT [nm].[fullname] FROM [contact] [nm] WHERE [nm].[contactid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = \'contact\')) COLLATE Latin1_General_100_CI_AS AS [parentcustomeridname], [parentcustomerid] FROM [contact] WHERE ((COALESCE((SELECT [nm].[name] FROM [account] [nm] WHERE [nm].[accountid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = \'account\'), (SELECT [nm].[fullname] FROM [contact] [nm] WHERE [nm].[contactid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = \'contact\')) COLLATE Latin1_General_100_CI_AS < @p1 OR COALESCE((SELECT [nm].[name] FROM [account] [nm] WHERE [nm].[accountid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = \'account\'), (SELECT [nm].[fullname] FROM [contact] [nm] WHERE [nm].[contactid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = \'contact\')) COLLATE Latin1_General_100_CI_AS IS NULL) OR (COALESCE((SELECT [nm].[name] FROM [account] [nm] WHERE [nm].[accountid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = \'account\'), (SELECT [nm].[fullname] FROM [contact] [nm] WHERE [nm].[contactid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = \'contact\')) COLLATE Latin1_General_100_CI_AS = @p2 AND ([parentcustomerid] < @p3 OR [parentcustomerid] IS NULL)) OR (COALESCE((SELECT [nm].[name] FROM [account] [nm] WHERE [nm].[accountid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = \'account\'), (SELECT [nm].[fullname] FROM [contact] [nm] WHERE [nm].[contactid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = \'contact\')) COLLATE Latin1_General_100_CI_AS = @p4 AND [parentcustomerid] = @p5 AND [contactid] > @p6)) ORDER BY COALESCE((SELECT [nm].[name] FROM [account] [nm] WHERE [nm].[accountid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = \'account\'), (SELECT [nm].[fullname] FROM [contact] [nm] WHERE [nm].[contactid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = \'contact\')) COLLATE Latin1_General_100_CI_AS DESC, [parentcustomerid] DESC, [contactid] ASC', params: ['Ann', 'Ann', ID, 'Ann', ID, ID, 5001] },
  },
  {
    name: 'paging after a row: 2 sort keys, ascending value',
    render: (dl) => renderRead(dl, readAfter('msdyn_copilotinteractions', { $select: 'msdyn_name', $orderby: 'msdyn_name' }, ['beta', ID])),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" > ? OR ("msdyn_name" = ? AND "msdyn_copilotinteractionid" > ?)) ORDER BY "msdyn_name" ASC, "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['beta', 'beta', '0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" > $1 OR ("msdyn_name" = $2 AND "msdyn_copilotinteractionid" > $3)) ORDER BY "msdyn_name" ASC NULLS FIRST, "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $4', params: ['beta', 'beta', '0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    mssql: { sql: 'SELECT TOP (@p4) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_name] > @p1 OR ([msdyn_name] = @p2 AND [msdyn_copilotinteractionid] > @p3)) ORDER BY [msdyn_name] ASC, [msdyn_copilotinteractionid] ASC', params: ['beta', 'beta', '0a1b2c3d-0000-4000-8000-000000000001', 5001] },
  },
  {
    name: 'paging after a row: 2 sort keys, ascending null',
    render: (dl) => renderRead(dl, readAfter('msdyn_copilotinteractions', { $select: 'msdyn_name', $orderby: 'msdyn_name' }, [null, ID])),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" IS NOT NULL OR ("msdyn_name" IS NULL AND "msdyn_copilotinteractionid" > ?)) ORDER BY "msdyn_name" ASC, "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" IS NOT NULL OR ("msdyn_name" IS NULL AND "msdyn_copilotinteractionid" > $1)) ORDER BY "msdyn_name" ASC NULLS FIRST, "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $2', params: ['0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    mssql: { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_name] IS NOT NULL OR ([msdyn_name] IS NULL AND [msdyn_copilotinteractionid] > @p1)) ORDER BY [msdyn_name] ASC, [msdyn_copilotinteractionid] ASC', params: ['0a1b2c3d-0000-4000-8000-000000000001', 5001] },
  },
  {
    name: 'paging after a row: 2 sort keys, descending value',
    render: (dl) => renderRead(dl, readAfter('msdyn_copilotinteractions', { $select: 'msdyn_name', $orderby: 'msdyn_name desc' }, ['beta', ID])),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_name" < ? OR "msdyn_name" IS NULL) OR ("msdyn_name" = ? AND "msdyn_copilotinteractionid" > ?)) ORDER BY "msdyn_name" DESC, "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['beta', 'beta', '0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_name" < $1 OR "msdyn_name" IS NULL) OR ("msdyn_name" = $2 AND "msdyn_copilotinteractionid" > $3)) ORDER BY "msdyn_name" DESC NULLS LAST, "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $4', params: ['beta', 'beta', '0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    mssql: { sql: 'SELECT TOP (@p4) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND (([msdyn_name] < @p1 OR [msdyn_name] IS NULL) OR ([msdyn_name] = @p2 AND [msdyn_copilotinteractionid] > @p3)) ORDER BY [msdyn_name] DESC, [msdyn_copilotinteractionid] ASC', params: ['beta', 'beta', '0a1b2c3d-0000-4000-8000-000000000001', 5001] },
  },
  {
    name: 'paging after a row: 2 sort keys, descending null',
    render: (dl) => renderRead(dl, readAfter('msdyn_copilotinteractions', { $select: 'msdyn_name', $orderby: 'msdyn_name desc' }, [null, ID])),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_name" IS NULL AND "msdyn_copilotinteractionid" > ?)) ORDER BY "msdyn_name" DESC, "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_name" IS NULL AND "msdyn_copilotinteractionid" > $1)) ORDER BY "msdyn_name" DESC NULLS LAST, "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $2', params: ['0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    mssql: { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND (([msdyn_name] IS NULL AND [msdyn_copilotinteractionid] > @p1)) ORDER BY [msdyn_name] DESC, [msdyn_copilotinteractionid] ASC', params: ['0a1b2c3d-0000-4000-8000-000000000001', 5001] },
  },
  {
    name: 'paging after a row: 3 sort keys (desc int, asc date-time) with $filter and page size',
    render: (dl) => renderRead(dl, readAfter('msdyn_copilotinteractions', {
      $select: 'msdyn_name', $filter: 'statecode eq 0', $orderby: 'msdyn_interactiontype desc,msdyn_clienttimestamp',
    }, [100230301, T1, ID], { prefer: 'odata.maxpagesize=2' })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", "msdyn_interactiontype", "msdyn_clienttimestamp" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "statecode" = ? AND (("msdyn_interactiontype" < ? OR "msdyn_interactiontype" IS NULL) OR ("msdyn_interactiontype" = ? AND "msdyn_clienttimestamp" > ?) OR ("msdyn_interactiontype" = ? AND "msdyn_clienttimestamp" = ? AND "msdyn_copilotinteractionid" > ?)) ORDER BY "msdyn_interactiontype" DESC, "msdyn_clienttimestamp" ASC, "msdyn_copilotinteractionid" ASC LIMIT ?', params: [0, 100230301, 100230301, '2024-01-01T10:00:00Z', 100230301, '2024-01-01T10:00:00Z', '0a1b2c3d-0000-4000-8000-000000000001', 3] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", "msdyn_interactiontype", "msdyn_clienttimestamp" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "statecode" = $1 AND (("msdyn_interactiontype" < $2 OR "msdyn_interactiontype" IS NULL) OR ("msdyn_interactiontype" = $3 AND "msdyn_clienttimestamp" > $4) OR ("msdyn_interactiontype" = $5 AND "msdyn_clienttimestamp" = $6 AND "msdyn_copilotinteractionid" > $7)) ORDER BY "msdyn_interactiontype" DESC NULLS LAST, "msdyn_clienttimestamp" ASC NULLS FIRST, "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $8', params: [0, 100230301, 100230301, '2024-01-01T10:00:00Z', 100230301, '2024-01-01T10:00:00Z', '0a1b2c3d-0000-4000-8000-000000000001', 3] },
    mssql: { sql: 'SELECT TOP (@p8) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber], [msdyn_interactiontype], [msdyn_clienttimestamp] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND [statecode] = @p1 AND (([msdyn_interactiontype] < @p2 OR [msdyn_interactiontype] IS NULL) OR ([msdyn_interactiontype] = @p3 AND [msdyn_clienttimestamp] > @p4) OR ([msdyn_interactiontype] = @p5 AND [msdyn_clienttimestamp] = @p6 AND [msdyn_copilotinteractionid] > @p7)) ORDER BY [msdyn_interactiontype] DESC, [msdyn_clienttimestamp] ASC, [msdyn_copilotinteractionid] ASC', params: [0, 100230301, 100230301, d('2024-01-01T10:00:00Z'), 100230301, d('2024-01-01T10:00:00Z'), '0a1b2c3d-0000-4000-8000-000000000001', 3] },
  },
  {
    name: 'paging after a row: 3 sort keys, desc null and asc null',
    render: (dl) => renderRead(dl, readAfter('msdyn_copilotinteractions', {
      $select: 'msdyn_name', $orderby: 'msdyn_interactiontype desc,msdyn_clienttimestamp',
    }, [null, null, ID])),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", "msdyn_interactiontype", "msdyn_clienttimestamp" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_interactiontype" IS NULL AND "msdyn_clienttimestamp" IS NOT NULL) OR ("msdyn_interactiontype" IS NULL AND "msdyn_clienttimestamp" IS NULL AND "msdyn_copilotinteractionid" > ?)) ORDER BY "msdyn_interactiontype" DESC, "msdyn_clienttimestamp" ASC, "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", "msdyn_interactiontype", "msdyn_clienttimestamp" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_interactiontype" IS NULL AND "msdyn_clienttimestamp" IS NOT NULL) OR ("msdyn_interactiontype" IS NULL AND "msdyn_clienttimestamp" IS NULL AND "msdyn_copilotinteractionid" > $1)) ORDER BY "msdyn_interactiontype" DESC NULLS LAST, "msdyn_clienttimestamp" ASC NULLS FIRST, "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $2', params: ['0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    mssql: { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber], [msdyn_interactiontype], [msdyn_clienttimestamp] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND (([msdyn_interactiontype] IS NULL AND [msdyn_clienttimestamp] IS NOT NULL) OR ([msdyn_interactiontype] IS NULL AND [msdyn_clienttimestamp] IS NULL AND [msdyn_copilotinteractionid] > @p1)) ORDER BY [msdyn_interactiontype] DESC, [msdyn_clienttimestamp] ASC, [msdyn_copilotinteractionid] ASC', params: ['0a1b2c3d-0000-4000-8000-000000000001', 5001] },
  },
  {
    name: 'paging after a row: boolean and date sort keys',
    render: (dl) => renderRead(dl, readAfter('tst_tasks', { $select: 'tst_name', $orderby: 'tst_done,tst_duedate desc' }, [true, '2024-05-01', ID], {}, tiny)),
    sqlite: { sql: 'SELECT "tst_name", "tst_taskid", "versionnumber", "tst_done", "tst_duedate" FROM "tst_task" WHERE ("tst_done" > ? OR ("tst_done" = ? AND ("tst_duedate" < ? OR "tst_duedate" IS NULL)) OR ("tst_done" = ? AND "tst_duedate" = ? AND "tst_taskid" > ?)) ORDER BY "tst_done" ASC, "tst_duedate" DESC, "tst_taskid" ASC LIMIT ?', params: [1, 1, '2024-05-01', 1, '2024-05-01', '0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    postgres: { sql: 'SELECT "tst_name", "tst_taskid", "versionnumber", "tst_done", "tst_duedate" FROM "tst_task" WHERE ("tst_done" > $1 OR ("tst_done" = $2 AND ("tst_duedate" < $3 OR "tst_duedate" IS NULL)) OR ("tst_done" = $4 AND "tst_duedate" = $5 AND "tst_taskid" > $6)) ORDER BY "tst_done" ASC NULLS FIRST, "tst_duedate" DESC NULLS LAST, "tst_taskid" ASC NULLS FIRST LIMIT $7', params: [true, true, '2024-05-01', true, '2024-05-01', '0a1b2c3d-0000-4000-8000-000000000001', 5001] },
    mssql: { sql: 'SELECT TOP (@p7) [tst_name], [tst_taskid], [versionnumber], [tst_done], [tst_duedate] FROM [tst_task] WHERE ([tst_done] > @p1 OR ([tst_done] = @p2 AND ([tst_duedate] < @p3 OR [tst_duedate] IS NULL)) OR ([tst_done] = @p4 AND [tst_duedate] = @p5 AND [tst_taskid] > @p6)) ORDER BY [tst_done] ASC, [tst_duedate] DESC, [tst_taskid] ASC', params: [true, true, d('2024-05-01T00:00:00Z'), true, d('2024-05-01T00:00:00Z'), '0a1b2c3d-0000-4000-8000-000000000001', 5001] },
  },
  // ---- retrieve by id, /$count ----
  {
    name: 'retrieve by id with $select',
    render: (dl) => renderRead(dl, read(`msdyn_copilotinteractions(${ID})`, { $select: 'msdyn_name,_msdyn_interactiondataid_value' })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_interactiondataid", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = ? AND ("msft_datastate" IS NULL OR "msft_datastate" <> 1)', params: ['0a1b2c3d-0000-4000-8000-000000000001'] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_interactiondataid", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = $1 AND ("msft_datastate" IS NULL OR "msft_datastate" <> 1)', params: ['0a1b2c3d-0000-4000-8000-000000000001'] },
    mssql: { sql: 'SELECT [msdyn_name], [msdyn_interactiondataid], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE [msdyn_copilotinteractionid] = @p1 AND ([msft_datastate] IS NULL OR [msft_datastate] <> 1)', params: ['0a1b2c3d-0000-4000-8000-000000000001'] },
  },
  {
    name: 'retrieve by id, every column',
    render: (dl) => renderRead(dl, read(`msdyn_copilotinteractiondatas(${ID})`)),
    sqlite: { sql: 'SELECT "msdyn_copilotinteractiondataid", "msdyn_name", "msdyn_interactiondata", "createdon", "createdby", "createdonbehalfby", "modifiedon", "modifiedby", "modifiedonbehalfby", "versionnumber", "importsequencenumber", "overriddencreatedon", "timezoneruleversionnumber", "utcconversiontimezonecode", "statecode", "statuscode", "organizationid" FROM "msdyn_copilotinteractiondata" WHERE "msdyn_copilotinteractiondataid" = ?', params: ['0a1b2c3d-0000-4000-8000-000000000001'] },
    postgres: { sql: 'SELECT "msdyn_copilotinteractiondataid", "msdyn_name", "msdyn_interactiondata", "createdon", "createdby", "createdonbehalfby", "modifiedon", "modifiedby", "modifiedonbehalfby", "versionnumber", "importsequencenumber", "overriddencreatedon", "timezoneruleversionnumber", "utcconversiontimezonecode", "statecode", "statuscode", "organizationid" FROM "msdyn_copilotinteractiondata" WHERE "msdyn_copilotinteractiondataid" = $1', params: ['0a1b2c3d-0000-4000-8000-000000000001'] },
    mssql: { sql: 'SELECT [msdyn_copilotinteractiondataid], [msdyn_name], [msdyn_interactiondata], [createdon], [createdby], [createdonbehalfby], [modifiedon], [modifiedby], [modifiedonbehalfby], [versionnumber], [importsequencenumber], [overriddencreatedon], [timezoneruleversionnumber], [utcconversiontimezonecode], [statecode], [statuscode], [organizationid] FROM [msdyn_copilotinteractiondata] WHERE [msdyn_copilotinteractiondataid] = @p1', params: ['0a1b2c3d-0000-4000-8000-000000000001'] },
  },
  {
    name: '/$count with $filter',
    render: (dl) => renderCount(dl, count('msdyn_copilotinteractions/$count', { $filter: "startswith(msdyn_name,'a') and statecode eq 0" }), 5000),
    sqlite: { sql: `SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" LIKE ? ESCAPE '\\' AND "statecode" = ?) LIMIT ?) "c"`, params: ['a%', 0, 5001] },
    postgres: { sql: `SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" LIKE $1 ESCAPE '\\' AND "statecode" = $2) LIMIT $3) "c"`, params: ['a%', 0, 5001] },
    mssql: { sql: "SELECT COUNT(*) AS [n] FROM (SELECT TOP (@p3) 1 AS [x] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_name] LIKE @p1 ESCAPE '\\' AND [statecode] = @p2)) [c]", params: ['a%', 0, 5001] },
  },
  {
    name: '/$count without $filter',
    render: (dl) => renderCount(dl, count('msdyn_copilotinteractions/$count'), 5000),
    sqlite: { sql: 'SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) LIMIT ?) "c"', params: [5001] },
    postgres: { sql: 'SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) LIMIT $1) "c"', params: [5001] },
    mssql: { sql: 'SELECT COUNT(*) AS [n] FROM (SELECT TOP (@p1) 1 AS [x] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1)) [c]', params: [5001] },
  },
  {
    name: 'RetrieveTotalRecordCount: every active row, no cap (SQL Server counts past 2^31 with COUNT_BIG)',
    render: (dl) => renderCount(dl, count('msdyn_copilotinteractions/$count')),
    sqlite: { sql: 'SELECT COUNT(*) AS "n" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1)', params: [] },
    postgres: { sql: 'SELECT COUNT(*) AS "n" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1)', params: [] },
    mssql: { sql: 'SELECT COUNT_BIG(*) AS [n] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1)', params: [] },
  },
  // ---- $apply: aggregates (one statement that also reads the record limit + 1) ----
  {
    // PostgreSQL's sum(bigint) and avg are numeric, SQL Server's SUM of a BIGINT a BIGINT (hence DECIMAL); SQLite's integer SUM overflows past 2^63.
    name: '$apply sum and average of whole numbers: exact, rounded to a float once (compensated float sums on SQLite)',
    render: (dl) => renderAggregate(dl, aggregate('tst_tasks', { $apply: 'aggregate(tst_big with sum as total,tst_big with average as avg)' }, {}, tiny)),
    sqlite: { sql: 'SELECT SUM(CAST("s"."a0" AS REAL)) AS "v0", AVG(CAST("s"."a0" AS REAL)) AS "v1", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "tst_task"."tst_big" AS "a0" FROM "tst_task" LIMIT ?) "s"', params: [50001] },
    postgres: { sql: 'SELECT CAST(SUM("s"."a0") AS double precision) AS "v0", CAST(AVG("s"."a0") AS double precision) AS "v1", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "tst_task"."tst_big" AS "a0" FROM "tst_task" LIMIT $1) "s"', params: [50001] },
    mssql: { sql: 'SELECT CAST(SUM(CAST([s].[a0] AS DECIMAL(38,0))) AS FLOAT) AS [v0], CAST(AVG(CAST([s].[a0] AS DECIMAL(38,0))) AS FLOAT) AS [v1], SUM(COUNT(*)) OVER () AS [total] FROM (SELECT TOP (@p1) [tst_task].[tst_big] AS [a0] FROM [tst_task]) [s]', params: [50001] },
  },
  {
    name: '$apply filter/groupby with sum, average (whole numbers exact, rounded to a float once; floats on SQLite), min, max, countdistinct across a lookup and $count',
    render: (dl) => renderAggregate(dl, aggregate('tst_tasks', {
      $apply: 'filter(tst_done eq true)/groupby((tst_name),aggregate(tst_budget with sum as total,tst_big with average as avgbig,tst_ratio with average as avgratio,'
        + 'tst_score with min as lo,tst_score with max as hi,tst_assignedto/fullname with countdistinct as people,$count as n))',
    }, {}, tiny)),
    sqlite: { sql: 'SELECT "s"."g0", ROUND(SUM("s"."a0"), 2) AS "v0", AVG(CAST("s"."a1" AS REAL)) AS "v1", CAST(ROUND(SUM("s"."a2"), 2) AS REAL) / NULLIF(COUNT("s"."a2"), 0) AS "v2", MIN("s"."a3") AS "v3", MAX("s"."a3") AS "v4", COUNT(DISTINCT "s"."a5") AS "v5", COUNT(*) AS "v6", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "tst_task"."tst_name" AS "g0", "tst_task"."tst_budget" AS "a0", "tst_task"."tst_big" AS "a1", "tst_task"."tst_ratio" AS "a2", "tst_task"."tst_score" AS "a3", (SELECT "j1"."fullname" FROM "systemuser" "j1" WHERE "j1"."systemuserid" = "tst_task"."tst_assignedto") COLLATE NOCASE AS "a5" FROM "tst_task" WHERE "tst_done" = ? LIMIT ?) "s" GROUP BY "s"."g0" ORDER BY "s"."g0" ASC', params: [1, 50001] },
    postgres: { sql: 'SELECT "s"."g0", ROUND(SUM("s"."a0"), 2) AS "v0", CAST(AVG("s"."a1") AS double precision) AS "v1", CAST(ROUND(SUM("s"."a2"), 2) AS double precision) / NULLIF(COUNT("s"."a2"), 0) AS "v2", MIN("s"."a3") AS "v3", MAX("s"."a3") AS "v4", COUNT(DISTINCT "s"."a5") AS "v5", COUNT(*) AS "v6", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "tst_task"."tst_name" AS "g0", "tst_task"."tst_budget" AS "a0", "tst_task"."tst_big" AS "a1", "tst_task"."tst_ratio" AS "a2", "tst_task"."tst_score" AS "a3", (SELECT "j1"."fullname" FROM "systemuser" "j1" WHERE "j1"."systemuserid" = "tst_task"."tst_assignedto") AS "a5" FROM "tst_task" WHERE "tst_done" = $1 LIMIT $2) "s" GROUP BY "s"."g0" ORDER BY "s"."g0" ASC NULLS FIRST', params: [true, 50001] },
    mssql: { sql: 'SELECT [s].[g0], ROUND(SUM([s].[a0]), 2) AS [v0], CAST(AVG(CAST([s].[a1] AS DECIMAL(38,0))) AS FLOAT) AS [v1], CAST(ROUND(SUM([s].[a2]), 2) AS FLOAT) / NULLIF(COUNT([s].[a2]), 0) AS [v2], MIN([s].[a3]) AS [v3], MAX([s].[a3]) AS [v4], COUNT(DISTINCT [s].[a5]) AS [v5], COUNT(*) AS [v6], SUM(COUNT(*)) OVER () AS [total] FROM (SELECT TOP (@p2) [tst_task].[tst_name] AS [g0], [tst_task].[tst_budget] AS [a0], [tst_task].[tst_big] AS [a1], [tst_task].[tst_ratio] AS [a2], [tst_task].[tst_score] AS [a3], (SELECT [j1].[fullname] FROM [systemuser] [j1] WHERE [j1].[systemuserid] = [tst_task].[tst_assignedto]) COLLATE Latin1_General_100_CI_AS AS [a5] FROM [tst_task] WHERE [tst_done] = @p1) [s] GROUP BY [s].[g0] ORDER BY [s].[g0] ASC', params: [true, 50001] },
  },
  {
    name: '$apply groupby a lookup path and the lookup (its name read once for FormattedValue) with $filter, $orderby desc and $top',
    render: (dl) => renderAggregate(dl, aggregate('tst_tasks', {
      $apply: 'groupby((tst_assignedto/fullname,_tst_assignedto_value))', $filter: "tst_assignedto/fullname ne 'x'", $orderby: 'tst_assignedto/fullname desc', $top: '10',
    }, { prefer: `odata.include-annotations="${TERMS.formattedValue}"` }, tiny)),
    sqlite: { sql: 'SELECT "s"."g0", "s"."g1", "s"."g0", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT (SELECT "j1"."fullname" FROM "systemuser" "j1" WHERE "j1"."systemuserid" = "tst_task"."tst_assignedto") COLLATE NOCASE AS "g0", "tst_task"."tst_assignedto" AS "g1" FROM "tst_task" WHERE ("tst_task"."tst_assignedto" IS NOT NULL AND "tst_task"."tst_assignedto" IN (SELECT "f1"."systemuserid" FROM "systemuser" "f1" WHERE ("fullname" <> ? OR "fullname" IS NULL))) LIMIT ?) "s" GROUP BY "s"."g0", "s"."g1" ORDER BY "s"."g0" DESC, "s"."g1" ASC LIMIT ?', params: ['x', 50001, 10] },
    postgres: { sql: 'SELECT "s"."g0", "s"."g1", "s"."g0", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT (SELECT "j1"."fullname" FROM "systemuser" "j1" WHERE "j1"."systemuserid" = "tst_task"."tst_assignedto") AS "g0", "tst_task"."tst_assignedto" AS "g1" FROM "tst_task" WHERE ("tst_task"."tst_assignedto" IS NOT NULL AND "tst_task"."tst_assignedto" IN (SELECT "f1"."systemuserid" FROM "systemuser" "f1" WHERE ("fullname" <> $1 OR "fullname" IS NULL))) LIMIT $2) "s" GROUP BY "s"."g0", "s"."g1" ORDER BY "s"."g0" DESC NULLS LAST, "s"."g1" ASC NULLS FIRST LIMIT $3', params: ['x', 50001, 10] },
    mssql: { sql: 'SELECT TOP (@p3) [s].[g0], [s].[g1], [s].[g0], SUM(COUNT(*)) OVER () AS [total] FROM (SELECT TOP (@p2) (SELECT [j1].[fullname] FROM [systemuser] [j1] WHERE [j1].[systemuserid] = [tst_task].[tst_assignedto]) COLLATE Latin1_General_100_CI_AS AS [g0], [tst_task].[tst_assignedto] AS [g1] FROM [tst_task] WHERE ([tst_task].[tst_assignedto] IS NOT NULL AND [tst_task].[tst_assignedto] IN (SELECT [f1].[systemuserid] FROM [systemuser] [f1] WHERE ([fullname] <> @p1 OR [fullname] IS NULL)))) [s] GROUP BY [s].[g0], [s].[g1] ORDER BY [s].[g0] DESC, [s].[g1] ASC', params: ['x', 50001, 10] },
  },
  {
    name: '$apply aggregate($count) alone reads no column',
    render: (dl) => renderAggregate(dl, aggregate('msdyn_copilotinteractions', { $apply: 'aggregate($count as n)' })),
    sqlite: { sql: 'SELECT COUNT(*) AS "v0", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT 1 AS "x" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) LIMIT ?) "s"', params: [50001] },
    postgres: { sql: 'SELECT COUNT(*) AS "v0", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT 1 AS "x" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) LIMIT $1) "s"', params: [50001] },
    mssql: { sql: 'SELECT COUNT(*) AS [v0], SUM(COUNT(*)) OVER () AS [total] FROM (SELECT TOP (@p1) 1 AS [x] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1)) [s]', params: [50001] },
  },
  {
    name: 'planAggregate (FetchXML-only parts): countcolumn, order by an aggregate, a lower record limit',
    render: (dl) => renderAggregate(dl, planAggregate({
      entity: task,
      groupBy: [{ alias: 'Done', column: { navs: [], attribute: attr(task, 'tst_done') } }],
      aggregates: [{ alias: 'Named', fn: 'countcolumn', column: { navs: [], attribute: attr(task, 'tst_name') } }, { alias: 'Rows', fn: 'count' }],
      orderBy: [{ alias: 'Named', descending: true }],
      recordLimit: 10,
    })),
    sqlite: { sql: 'SELECT "s"."g0", COUNT("s"."a0") AS "v0", COUNT(*) AS "v1", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "tst_task"."tst_done" AS "g0", "tst_task"."tst_name" AS "a0" FROM "tst_task" LIMIT ?) "s" GROUP BY "s"."g0" ORDER BY "v0" DESC, "s"."g0" ASC', params: [11] },
    postgres: { sql: 'SELECT "s"."g0", COUNT("s"."a0") AS "v0", COUNT(*) AS "v1", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "tst_task"."tst_done" AS "g0", "tst_task"."tst_name" AS "a0" FROM "tst_task" LIMIT $1) "s" GROUP BY "s"."g0" ORDER BY "v0" DESC NULLS LAST, "s"."g0" ASC NULLS FIRST', params: [11] },
    mssql: { sql: 'SELECT [s].[g0], COUNT([s].[a0]) AS [v0], COUNT(*) AS [v1], SUM(COUNT(*)) OVER () AS [total] FROM (SELECT TOP (@p1) [tst_task].[tst_done] AS [g0], [tst_task].[tst_name] AS [a0] FROM [tst_task]) [s] GROUP BY [s].[g0] ORDER BY [v0] DESC, [s].[g0] ASC', params: [11] },
  },
  // ---- inserts ----
  {
    name: 'insert one row',
    render: (dl) => renderInsert(dl, interactionRow(ID, 'Alpha'), 1001),
    sqlite: { sql: 'INSERT INTO "msdyn_copilotinteraction" ("msdyn_name", "msdyn_copilotinteractionid", "createdon", "modifiedon", "createdby", "modifiedby", "organizationid", "statecode", "statuscode", "versionnumber") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', params: ['Alpha', '0a1b2c3d-0000-4000-8000-000000000001', '2024-01-01T10:00:00Z', '2024-01-01T10:00:00Z', 'aaaaaaaa-0000-4000-8000-00000000000a', 'aaaaaaaa-0000-4000-8000-00000000000a', 'bbbbbbbb-0000-4000-8000-00000000000b', 0, 1, 1001] },
    postgres: { sql: 'INSERT INTO "msdyn_copilotinteraction" ("msdyn_name", "msdyn_copilotinteractionid", "createdon", "modifiedon", "createdby", "modifiedby", "organizationid", "statecode", "statuscode", "versionnumber") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', params: ['Alpha', '0a1b2c3d-0000-4000-8000-000000000001', '2024-01-01T10:00:00Z', '2024-01-01T10:00:00Z', 'aaaaaaaa-0000-4000-8000-00000000000a', 'aaaaaaaa-0000-4000-8000-00000000000a', 'bbbbbbbb-0000-4000-8000-00000000000b', 0, 1, 1001] },
    mssql: { sql: 'INSERT INTO [msdyn_copilotinteraction] ([msdyn_name], [msdyn_copilotinteractionid], [createdon], [modifiedon], [createdby], [modifiedby], [organizationid], [statecode], [statuscode], [versionnumber]) VALUES (@p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10)', params: ['Alpha', '0a1b2c3d-0000-4000-8000-000000000001', d('2024-01-01T10:00:00Z'), d('2024-01-01T10:00:00Z'), 'aaaaaaaa-0000-4000-8000-00000000000a', 'aaaaaaaa-0000-4000-8000-00000000000a', 'bbbbbbbb-0000-4000-8000-00000000000b', 0, 1, 1001] },
  },
  {
    name: 'insert one row with boolean, date, money, decimal, double, bigint, lookup and nulls',
    render: (dl) => renderInsert(dl, insertPlan(task, ID, [
      ['tst_taskid', ID], ['tst_name', 'Write tests'], ['tst_notes', null], ['tst_duedate', '2024-05-01'], ['tst_done', false],
      ['tst_budget', 1234.56], ['tst_ratio', 0.25], ['tst_score', 1e-3], ['tst_big', 9007199254740991], ['tst_assignedto', caller.systemuserid],
      ['createdon', T1],
    ]), 1002),
    sqlite: { sql: 'INSERT INTO "tst_task" ("tst_taskid", "tst_name", "tst_notes", "tst_duedate", "tst_done", "tst_budget", "tst_ratio", "tst_score", "tst_big", "tst_assignedto", "createdon", "versionnumber") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', params: ['0a1b2c3d-0000-4000-8000-000000000001', 'Write tests', null, '2024-05-01', 0, 1234.56, 0.25, 0.001, 9007199254740991, 'aaaaaaaa-0000-4000-8000-00000000000a', '2024-01-01T10:00:00Z', 1002] },
    postgres: { sql: 'INSERT INTO "tst_task" ("tst_taskid", "tst_name", "tst_notes", "tst_duedate", "tst_done", "tst_budget", "tst_ratio", "tst_score", "tst_big", "tst_assignedto", "createdon", "versionnumber") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)', params: ['0a1b2c3d-0000-4000-8000-000000000001', 'Write tests', null, '2024-05-01', false, 1234.56, 0.25, 0.001, 9007199254740991, 'aaaaaaaa-0000-4000-8000-00000000000a', '2024-01-01T10:00:00Z', 1002] },
    mssql: { sql: 'INSERT INTO [tst_task] ([tst_taskid], [tst_name], [tst_notes], [tst_duedate], [tst_done], [tst_budget], [tst_ratio], [tst_score], [tst_big], [tst_assignedto], [createdon], [versionnumber]) VALUES (@p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12)', params: ['0a1b2c3d-0000-4000-8000-000000000001', 'Write tests', null, d('2024-05-01T00:00:00Z'), false, 1234.56, 0.25, 0.001, 9007199254740991, 'aaaaaaaa-0000-4000-8000-00000000000a', d('2024-01-01T10:00:00Z'), 1002] },
  },
  {
    name: 'bulk insert of 3 rows (union of columns, missing values NULL)',
    render: (dl) => renderInsertMany(dl, [
      insertPlan(task, ID, [['tst_taskid', ID], ['tst_name', 'one'], ['tst_done', true]]),
      insertPlan(task, ID2, [['tst_taskid', ID2], ['tst_duedate', '2024-05-02']]),
      insertPlan(task, ID3, [['tst_taskid', ID3], ['tst_name', 'three'], ['tst_done', false], ['tst_duedate', '2024-05-03']]),
    ], [2001, 2002, 2003]),
    sqlite: { sql: 'INSERT INTO "tst_task" ("tst_taskid", "tst_name", "tst_done", "tst_duedate", "versionnumber") VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)', params: ['0a1b2c3d-0000-4000-8000-000000000001', 'one', 1, null, 2001, '0a1b2c3d-0000-4000-8000-000000000002', null, null, '2024-05-02', 2002, '0a1b2c3d-0000-4000-8000-000000000003', 'three', 0, '2024-05-03', 2003] },
    postgres: {
      sql: 'COPY "tst_task" ("tst_taskid", "tst_name", "tst_done", "tst_duedate", "versionnumber") FROM STDIN (FORMAT binary)',
      params: [],
      copy: binaryRows([
        [{ uuid: ID }, { text: 'one' }, { bool: true }, null, { int8: 2001 }],
        [{ uuid: ID2 }, null, null, { date: '2024-05-02' }, { int8: 2002 }],
        [{ uuid: ID3 }, { text: 'three' }, { bool: false }, { date: '2024-05-03' }, { int8: 2003 }],
      ]),
    },
    mssql: { sql: 'INSERT INTO [tst_task] ([tst_taskid], [tst_name], [tst_done], [tst_duedate], [versionnumber]) VALUES (@p1, @p2, @p3, @p4, @p5), (@p6, @p7, @p8, @p9, @p10), (@p11, @p12, @p13, @p14, @p15)', params: ['0a1b2c3d-0000-4000-8000-000000000001', 'one', true, null, 2001, '0a1b2c3d-0000-4000-8000-000000000002', null, null, d('2024-05-02T00:00:00Z'), 2002, '0a1b2c3d-0000-4000-8000-000000000003', 'three', false, d('2024-05-03T00:00:00Z'), 2003] },
  },
  {
    // Binary COPY sends text as its UTF-8 bytes: nothing is escaped, and the word NULL or the two
    // characters \N are plain data (a null is a length of -1).
    name: 'bulk insert of strings a text format would have to escape',
    render: (dl) => renderInsertMany(dl, [
      insertPlan(task, ID, [['tst_taskid', ID], ['tst_name', 'say "hi"\tthere']]),
      insertPlan(task, ID2, [['tst_taskid', ID2], ['tst_name', 'C:\\t\\x\r\nnext']]),
      insertPlan(task, ID3, [['tst_taskid', ID3], ['tst_name', 'NULL']]),
      insertPlan(task, ID4, [['tst_taskid', ID4], ['tst_name', '\\N']]),
      insertPlan(task, ID5, [['tst_taskid', ID5], ['tst_name', '']]),
    ], [1, 2, 3, 4, 5]),
    sqlite: { sql: 'INSERT INTO "tst_task" ("tst_taskid", "tst_name", "versionnumber") VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?), (?, ?, ?)', params: [ID, 'say "hi"\tthere', 1, ID2, 'C:\\t\\x\r\nnext', 2, ID3, 'NULL', 3, ID4, '\\N', 4, ID5, '', 5] },
    postgres: {
      sql: 'COPY "tst_task" ("tst_taskid", "tst_name", "versionnumber") FROM STDIN (FORMAT binary)',
      params: [],
      copy: binaryRows([
        [{ uuid: ID }, { text: 'say "hi"\tthere' }, { int8: 1 }], [{ uuid: ID2 }, { text: 'C:\\t\\x\r\nnext' }, { int8: 2 }],
        [{ uuid: ID3 }, { text: 'NULL' }, { int8: 3 }], [{ uuid: ID4 }, { text: '\\N' }, { int8: 4 }], [{ uuid: ID5 }, { text: '' }, { int8: 5 }],
      ]),
    },
    mssql: { sql: 'INSERT INTO [tst_task] ([tst_taskid], [tst_name], [versionnumber]) VALUES (@p1, @p2, @p3), (@p4, @p5, @p6), (@p7, @p8, @p9), (@p10, @p11, @p12), (@p13, @p14, @p15)', params: [ID, 'say "hi"\tthere', 1, ID2, 'C:\\t\\x\r\nnext', 2, ID3, 'NULL', 3, ID4, '\\N', 4, ID5, '', 5] },
  },
  {
    // SQL Server: sp_executesql's own @stmt and @params count against the 2,100-parameter limit, so
    // 10 columns × 209 rows = 2,090 parameters per statement at most.
    name: 'bulk insert of 211 rows: split into 2 statements on SQL Server (2100-parameter limit)',
    render: (dl) => renderInsertMany(dl, bulkRows(211), bulkVersions(211)),
    sqlite: bulkExpected('sqlite', 211, 1000),
    postgres: bulkExpected('postgres', 211, 0),
    mssql: bulkExpected('mssql', 211, 209),
  },
  {
    name: 'bulk insert of 1001 rows: at most 1000 rows per VALUES statement (PostgreSQL: one unnest)',
    render: (dl) => renderInsertMany(dl, bulkRows(1001), bulkVersions(1001)),
    sqlite: bulkExpected('sqlite', 1001, 1000),
    postgres: bulkExpected('postgres', 1001, 0),
    mssql: bulkExpected('mssql', 1001, 209),
  },
  // ---- $expand: one statement, JSON built in SQL (reviewed by hand for T-SQL: FOR JSON PATH, JSON_QUERY, TOP) ----
  {
    name: "$expand of single-valued navigation properties",
    render: (dl) => renderRead(dl, read("msdyn_copilotinteractions", {"$select":"msdyn_name","$expand":"msdyn_interactiondataid($select=msdyn_name),createdby($select=fullname)"})),
    sqlite: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractionid\", \"versionnumber\", (SELECT json_object('msdyn_name', \"e1\".\"msdyn_name\", 'msdyn_copilotinteractiondataid', \"e1\".\"msdyn_copilotinteractiondataid\", 'versionnumber', \"e1\".\"versionnumber\") FROM \"msdyn_copilotinteractiondata\" \"e1\" WHERE \"e1\".\"msdyn_copilotinteractiondataid\" = \"msdyn_copilotinteraction\".\"msdyn_interactiondataid\"), (SELECT json_object('fullname', \"e1\".\"fullname\", 'systemuserid', \"e1\".\"systemuserid\", 'versionnumber', \"e1\".\"versionnumber\") FROM \"systemuser\" \"e1\" WHERE \"e1\".\"systemuserid\" = \"msdyn_copilotinteraction\".\"createdby\") FROM (SELECT * FROM \"msdyn_copilotinteraction\" WHERE (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) ORDER BY \"msdyn_copilotinteractionid\" ASC LIMIT ?) AS \"msdyn_copilotinteraction\" ORDER BY \"msdyn_copilotinteractionid\" ASC", params: [5001] },
    postgres: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractionid\", \"versionnumber\", (SELECT jsonb_build_object('msdyn_name', \"e1\".\"msdyn_name\", 'msdyn_copilotinteractiondataid', \"e1\".\"msdyn_copilotinteractiondataid\", 'versionnumber', \"e1\".\"versionnumber\") FROM \"msdyn_copilotinteractiondata\" \"e1\" WHERE \"e1\".\"msdyn_copilotinteractiondataid\" = \"msdyn_copilotinteraction\".\"msdyn_interactiondataid\"), (SELECT jsonb_build_object('fullname', \"e1\".\"fullname\", 'systemuserid', \"e1\".\"systemuserid\", 'versionnumber', \"e1\".\"versionnumber\") FROM \"systemuser\" \"e1\" WHERE \"e1\".\"systemuserid\" = \"msdyn_copilotinteraction\".\"createdby\") FROM \"msdyn_copilotinteraction\" WHERE (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) ORDER BY \"msdyn_copilotinteractionid\" ASC NULLS FIRST LIMIT $1", params: [5001] },
    mssql: { sql: "SELECT TOP (@p1) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber], JSON_QUERY((SELECT TOP (1) [e1].[msdyn_name] AS [msdyn_name], [e1].[msdyn_copilotinteractiondataid] AS [msdyn_copilotinteractiondataid], [e1].[versionnumber] AS [versionnumber] FROM [msdyn_copilotinteractiondata] [e1] WHERE [e1].[msdyn_copilotinteractiondataid] = [msdyn_copilotinteraction].[msdyn_interactiondataid] FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES)), JSON_QUERY((SELECT TOP (1) [e1].[fullname] AS [fullname], [e1].[systemuserid] AS [systemuserid], [e1].[versionnumber] AS [versionnumber] FROM [systemuser] [e1] WHERE [e1].[systemuserid] = [msdyn_copilotinteraction].[createdby] FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES)) FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) ORDER BY [msdyn_copilotinteractionid] ASC", params: [5001] },
  },
  {
    name: "$expand of a collection with $filter, $orderby, $top and a nested $expand",
    render: (dl) => renderRead(dl, read("msdyn_copilotinteractiondatas", {"$select":"msdyn_name","$expand":"msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid($select=msdyn_name;$filter=importsequencenumber ge 2;$orderby=msdyn_name desc;$top=5;$expand=createdby($select=fullname))"})),
    sqlite: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractiondataid\", \"versionnumber\", (SELECT json_group_array(json(\"x\".\"j\")) FROM (SELECT json_object('msdyn_name', \"e1\".\"msdyn_name\", 'msdyn_copilotinteractionid', \"e1\".\"msdyn_copilotinteractionid\", 'versionnumber', \"e1\".\"versionnumber\", 'createdby', json((SELECT json_object('fullname', \"e2\".\"fullname\", 'systemuserid', \"e2\".\"systemuserid\", 'versionnumber', \"e2\".\"versionnumber\") FROM \"systemuser\" \"e2\" WHERE \"e2\".\"systemuserid\" = \"e1\".\"createdby\"))) AS \"j\" FROM \"msdyn_copilotinteraction\" \"e1\" WHERE \"e1\".\"msdyn_interactiondataid\" = \"msdyn_copilotinteractiondata\".\"msdyn_copilotinteractiondataid\" AND (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND \"importsequencenumber\" >= ? ORDER BY \"msdyn_name\" DESC, \"msdyn_copilotinteractionid\" ASC LIMIT ?) AS \"x\") FROM (SELECT * FROM \"msdyn_copilotinteractiondata\" ORDER BY \"msdyn_copilotinteractiondataid\" ASC LIMIT ?) AS \"msdyn_copilotinteractiondata\" ORDER BY \"msdyn_copilotinteractiondataid\" ASC", params: [2,5,5001] },
    postgres: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractiondataid\", \"versionnumber\", (SELECT coalesce(jsonb_agg(\"x\".\"j\" ORDER BY \"x\".\"n\"), '[]'::jsonb) FROM (SELECT jsonb_build_object('msdyn_name', \"e1\".\"msdyn_name\", 'msdyn_copilotinteractionid', \"e1\".\"msdyn_copilotinteractionid\", 'versionnumber', \"e1\".\"versionnumber\", 'createdby', (SELECT jsonb_build_object('fullname', \"e2\".\"fullname\", 'systemuserid', \"e2\".\"systemuserid\", 'versionnumber', \"e2\".\"versionnumber\") FROM \"systemuser\" \"e2\" WHERE \"e2\".\"systemuserid\" = \"e1\".\"createdby\")) AS \"j\", row_number() OVER (ORDER BY \"msdyn_name\" DESC NULLS LAST, \"msdyn_copilotinteractionid\" ASC NULLS FIRST) AS \"n\" FROM \"msdyn_copilotinteraction\" \"e1\" WHERE \"e1\".\"msdyn_interactiondataid\" = \"msdyn_copilotinteractiondata\".\"msdyn_copilotinteractiondataid\" AND (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND \"importsequencenumber\" >= $1 ORDER BY \"msdyn_name\" DESC NULLS LAST, \"msdyn_copilotinteractionid\" ASC NULLS FIRST LIMIT $2) AS \"x\") FROM \"msdyn_copilotinteractiondata\" ORDER BY \"msdyn_copilotinteractiondataid\" ASC NULLS FIRST LIMIT $3", params: [2,5,5001] },
    mssql: { sql: "SELECT TOP (@p3) [msdyn_name], [msdyn_copilotinteractiondataid], [versionnumber], JSON_QUERY(COALESCE((SELECT TOP (@p2) [e1].[msdyn_name] AS [msdyn_name], [e1].[msdyn_copilotinteractionid] AS [msdyn_copilotinteractionid], [e1].[versionnumber] AS [versionnumber], JSON_QUERY((SELECT TOP (1) [e2].[fullname] AS [fullname], [e2].[systemuserid] AS [systemuserid], [e2].[versionnumber] AS [versionnumber] FROM [systemuser] [e2] WHERE [e2].[systemuserid] = [e1].[createdby] FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES)) AS [createdby] FROM [msdyn_copilotinteraction] [e1] WHERE [e1].[msdyn_interactiondataid] = [msdyn_copilotinteractiondata].[msdyn_copilotinteractiondataid] AND ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND [importsequencenumber] >= @p1 ORDER BY [msdyn_name] DESC, [msdyn_copilotinteractionid] ASC FOR JSON PATH, INCLUDE_NULL_VALUES), '[]')) FROM [msdyn_copilotinteractiondata] ORDER BY [msdyn_copilotinteractiondataid] ASC", params: [2,5,5001] },
  },
  // ---- relationships in $filter: EXISTS per navigation hop; query functions ----
  {
    name: "$filter across lookups, two levels",
    render: (dl) => renderRead(dl, read("msdyn_copilotinteractions", {"$select":"msdyn_name","$filter":"msdyn_interactiondataid/createdby/fullname eq 'SYSTEM'"})),
    sqlite: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractionid\", \"versionnumber\" FROM \"msdyn_copilotinteraction\" WHERE (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND (\"msdyn_copilotinteraction\".\"msdyn_interactiondataid\" IS NOT NULL AND \"msdyn_copilotinteraction\".\"msdyn_interactiondataid\" IN (SELECT \"f1\".\"msdyn_copilotinteractiondataid\" FROM \"msdyn_copilotinteractiondata\" \"f1\" WHERE (\"f1\".\"createdby\" IS NOT NULL AND \"f1\".\"createdby\" IN (SELECT \"f2\".\"systemuserid\" FROM \"systemuser\" \"f2\" WHERE \"fullname\" = ?)))) ORDER BY \"msdyn_copilotinteractionid\" ASC LIMIT ?", params: ["SYSTEM",5001] },
    postgres: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractionid\", \"versionnumber\" FROM \"msdyn_copilotinteraction\" WHERE (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND (\"msdyn_copilotinteraction\".\"msdyn_interactiondataid\" IS NOT NULL AND \"msdyn_copilotinteraction\".\"msdyn_interactiondataid\" IN (SELECT \"f1\".\"msdyn_copilotinteractiondataid\" FROM \"msdyn_copilotinteractiondata\" \"f1\" WHERE (\"f1\".\"createdby\" IS NOT NULL AND \"f1\".\"createdby\" IN (SELECT \"f2\".\"systemuserid\" FROM \"systemuser\" \"f2\" WHERE \"fullname\" = $1)))) ORDER BY \"msdyn_copilotinteractionid\" ASC NULLS FIRST LIMIT $2", params: ["SYSTEM",5001] },
    mssql: { sql: "SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_copilotinteraction].[msdyn_interactiondataid] IS NOT NULL AND [msdyn_copilotinteraction].[msdyn_interactiondataid] IN (SELECT [f1].[msdyn_copilotinteractiondataid] FROM [msdyn_copilotinteractiondata] [f1] WHERE ([f1].[createdby] IS NOT NULL AND [f1].[createdby] IN (SELECT [f2].[systemuserid] FROM [systemuser] [f2] WHERE [fullname] = @p1)))) ORDER BY [msdyn_copilotinteractionid] ASC", params: ["SYSTEM",5001] },
  },
  {
    name: "$filter with any and all (EXISTS / NOT EXISTS)",
    render: (dl) => renderRead(dl, read("msdyn_copilotinteractiondatas", {"$select":"msdyn_name","$filter":"msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid/any(c: c/importsequencenumber ge 5) and msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid/all(c: contains(c/msdyn_name,'x'))"})),
    sqlite: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractiondataid\", \"versionnumber\" FROM \"msdyn_copilotinteractiondata\" WHERE (EXISTS (SELECT 1 FROM \"msdyn_copilotinteraction\" \"f1\" WHERE \"f1\".\"msdyn_interactiondataid\" = \"msdyn_copilotinteractiondata\".\"msdyn_copilotinteractiondataid\" AND (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND \"importsequencenumber\" >= ?) AND NOT (EXISTS (SELECT 1 FROM \"msdyn_copilotinteraction\" \"f1\" WHERE \"f1\".\"msdyn_interactiondataid\" = \"msdyn_copilotinteractiondata\".\"msdyn_copilotinteractiondataid\" AND (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND (NOT (\"msdyn_name\" LIKE ? ESCAPE '\\') OR \"msdyn_name\" IS NULL)))) ORDER BY \"msdyn_copilotinteractiondataid\" ASC LIMIT ?", params: [5,"%x%",5001] },
    postgres: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractiondataid\", \"versionnumber\" FROM \"msdyn_copilotinteractiondata\" WHERE (EXISTS (SELECT 1 FROM \"msdyn_copilotinteraction\" \"f1\" WHERE \"f1\".\"msdyn_interactiondataid\" = \"msdyn_copilotinteractiondata\".\"msdyn_copilotinteractiondataid\" AND (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND \"importsequencenumber\" >= $1) AND NOT (EXISTS (SELECT 1 FROM \"msdyn_copilotinteraction\" \"f1\" WHERE \"f1\".\"msdyn_interactiondataid\" = \"msdyn_copilotinteractiondata\".\"msdyn_copilotinteractiondataid\" AND (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND (NOT (\"msdyn_name\" LIKE $2 ESCAPE '\\') OR \"msdyn_name\" IS NULL)))) ORDER BY \"msdyn_copilotinteractiondataid\" ASC NULLS FIRST LIMIT $3", params: [5,"%x%",5001] },
    mssql: { sql: "SELECT TOP (@p3) [msdyn_name], [msdyn_copilotinteractiondataid], [versionnumber] FROM [msdyn_copilotinteractiondata] WHERE (EXISTS (SELECT 1 FROM [msdyn_copilotinteraction] [f1] WHERE [f1].[msdyn_interactiondataid] = [msdyn_copilotinteractiondata].[msdyn_copilotinteractiondataid] AND ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND [importsequencenumber] >= @p1) AND NOT (EXISTS (SELECT 1 FROM [msdyn_copilotinteraction] [f1] WHERE [f1].[msdyn_interactiondataid] = [msdyn_copilotinteractiondata].[msdyn_copilotinteractiondataid] AND ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND (NOT ([msdyn_name] LIKE @p2 ESCAPE '\\') OR [msdyn_name] IS NULL)))) ORDER BY [msdyn_copilotinteractiondataid] ASC", params: [5,"%x%",5001] },
  },
  {
    name: "$filter with query functions: In, Between",
    render: (dl) => renderRead(dl, read("msdyn_copilotinteractions", {"$select":"msdyn_name","$filter":"Microsoft.Dynamics.CRM.In(PropertyName='msdyn_interactiontype',PropertyValues=[\"100230301\",\"100230302\"]) and Microsoft.Dynamics.CRM.Between(PropertyName='importsequencenumber',PropertyValues=[1,9])"})),
    sqlite: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractionid\", \"versionnumber\" FROM \"msdyn_copilotinteraction\" WHERE (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND (\"msdyn_interactiontype\" IN (?, ?) AND (\"importsequencenumber\" >= ? AND \"importsequencenumber\" <= ?)) ORDER BY \"msdyn_copilotinteractionid\" ASC LIMIT ?", params: [100230301,100230302,1,9,5001] },
    postgres: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractionid\", \"versionnumber\" FROM \"msdyn_copilotinteraction\" WHERE (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND (\"msdyn_interactiontype\" IN ($1, $2) AND (\"importsequencenumber\" >= $3 AND \"importsequencenumber\" <= $4)) ORDER BY \"msdyn_copilotinteractionid\" ASC NULLS FIRST LIMIT $5", params: [100230301,100230302,1,9,5001] },
    mssql: { sql: "SELECT TOP (@p5) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_interactiontype] IN (@p1, @p2) AND ([importsequencenumber] >= @p3 AND [importsequencenumber] <= @p4)) ORDER BY [msdyn_copilotinteractionid] ASC", params: [100230301,100230302,1,9,5001] },
  },
  // ---- many-to-many relationships and polymorphic lookups (test-only tables, see support/relationship-metadata.ts) ----
  {
    name: "$expand of a many-to-many property: EXISTS through the intersect table",
    render: (dl) => renderRead(dl, readRelated('new_tags', { $select: 'new_name', $expand: `${TAGS}($select=msdyn_name;$filter=importsequencenumber ge 2)` })),
    sqlite: { sql: "SELECT \"new_name\", \"new_tagid\", \"versionnumber\", (SELECT json_group_array(json(\"x\".\"j\")) FROM (SELECT json_object('msdyn_name', \"e1\".\"msdyn_name\", 'msdyn_copilotinteractionid', \"e1\".\"msdyn_copilotinteractionid\", 'versionnumber', \"e1\".\"versionnumber\") AS \"j\" FROM \"msdyn_copilotinteraction\" \"e1\" WHERE EXISTS (SELECT 1 FROM \"new_msdyn_copilotinteraction_new_tag\" \"i1\" WHERE \"i1\".\"new_tagid\" = \"new_tag\".\"new_tagid\" AND \"i1\".\"msdyn_copilotinteractionid\" = \"e1\".\"msdyn_copilotinteractionid\") AND (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND \"importsequencenumber\" >= ? ORDER BY \"msdyn_copilotinteractionid\" ASC LIMIT ?) AS \"x\") FROM (SELECT * FROM \"new_tag\" ORDER BY \"new_tagid\" ASC LIMIT ?) AS \"new_tag\" ORDER BY \"new_tagid\" ASC", params: [2,5001,5001] },
    postgres: { sql: "SELECT \"new_name\", \"new_tagid\", \"versionnumber\", (SELECT coalesce(jsonb_agg(\"x\".\"j\" ORDER BY \"x\".\"n\"), '[]'::jsonb) FROM (SELECT jsonb_build_object('msdyn_name', \"e1\".\"msdyn_name\", 'msdyn_copilotinteractionid', \"e1\".\"msdyn_copilotinteractionid\", 'versionnumber', \"e1\".\"versionnumber\") AS \"j\", row_number() OVER (ORDER BY \"msdyn_copilotinteractionid\" ASC NULLS FIRST) AS \"n\" FROM \"msdyn_copilotinteraction\" \"e1\" WHERE EXISTS (SELECT 1 FROM \"new_msdyn_copilotinteraction_new_tag\" \"i1\" WHERE \"i1\".\"new_tagid\" = \"new_tag\".\"new_tagid\" AND \"i1\".\"msdyn_copilotinteractionid\" = \"e1\".\"msdyn_copilotinteractionid\") AND (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND \"importsequencenumber\" >= $1 ORDER BY \"msdyn_copilotinteractionid\" ASC NULLS FIRST LIMIT $2) AS \"x\") FROM \"new_tag\" ORDER BY \"new_tagid\" ASC NULLS FIRST LIMIT $3", params: [2,5001,5001] },
    mssql: { sql: "SELECT TOP (@p3) [new_name], [new_tagid], [versionnumber], JSON_QUERY(COALESCE((SELECT TOP (@p2) [e1].[msdyn_name] AS [msdyn_name], [e1].[msdyn_copilotinteractionid] AS [msdyn_copilotinteractionid], [e1].[versionnumber] AS [versionnumber] FROM [msdyn_copilotinteraction] [e1] WHERE EXISTS (SELECT 1 FROM [new_msdyn_copilotinteraction_new_tag] [i1] WHERE [i1].[new_tagid] = [new_tag].[new_tagid] AND [i1].[msdyn_copilotinteractionid] = [e1].[msdyn_copilotinteractionid]) AND ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND [importsequencenumber] >= @p1 ORDER BY [msdyn_copilotinteractionid] ASC FOR JSON PATH, INCLUDE_NULL_VALUES), '[]')) FROM [new_tag] ORDER BY [new_tagid] ASC", params: [2,5001,5001] },
  },
  {
    name: "$filter any over a many-to-many property",
    render: (dl) => renderRead(dl, readRelated('msdyn_copilotinteractions', { $select: 'msdyn_name', $filter: `${TAGS}/any(t: t/new_code eq 'RED')` })),
    sqlite: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractionid\", \"versionnumber\" FROM \"msdyn_copilotinteraction\" WHERE (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND EXISTS (SELECT 1 FROM \"new_tag\" \"f1\" WHERE EXISTS (SELECT 1 FROM \"new_msdyn_copilotinteraction_new_tag\" \"i1\" WHERE \"i1\".\"msdyn_copilotinteractionid\" = \"msdyn_copilotinteraction\".\"msdyn_copilotinteractionid\" AND \"i1\".\"new_tagid\" = \"f1\".\"new_tagid\") AND \"new_code\" = ?) ORDER BY \"msdyn_copilotinteractionid\" ASC LIMIT ?", params: ["RED",5001] },
    postgres: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractionid\", \"versionnumber\" FROM \"msdyn_copilotinteraction\" WHERE (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND EXISTS (SELECT 1 FROM \"new_tag\" \"f1\" WHERE EXISTS (SELECT 1 FROM \"new_msdyn_copilotinteraction_new_tag\" \"i1\" WHERE \"i1\".\"msdyn_copilotinteractionid\" = \"msdyn_copilotinteraction\".\"msdyn_copilotinteractionid\" AND \"i1\".\"new_tagid\" = \"f1\".\"new_tagid\") AND \"new_code\" = $1) ORDER BY \"msdyn_copilotinteractionid\" ASC NULLS FIRST LIMIT $2", params: ["RED",5001] },
    mssql: { sql: "SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND EXISTS (SELECT 1 FROM [new_tag] [f1] WHERE EXISTS (SELECT 1 FROM [new_msdyn_copilotinteraction_new_tag] [i1] WHERE [i1].[msdyn_copilotinteractionid] = [msdyn_copilotinteraction].[msdyn_copilotinteractionid] AND [i1].[new_tagid] = [f1].[new_tagid]) AND [new_code] = @p1) ORDER BY [msdyn_copilotinteractionid] ASC", params: ["RED",5001] },
  },
  {
    name: "polymorphic lookup: type column fetched, names and expansions guarded by the type",
    render: (dl) => renderRead(dl, readRelated('contacts', { $select: 'fullname,_parentcustomerid_value', $expand: 'parentcustomerid_account($select=name),contact_contact_parentcustomerid($select=fullname)' }, { prefer: 'odata.include-annotations="*"' })),
    sqlite: { sql: "SELECT \"fullname\", \"parentcustomerid\", \"contactid\", \"versionnumber\", \"parentcustomeridtype\", (SELECT \"r\".\"name\" FROM \"account\" \"r\" WHERE \"r\".\"accountid\" = \"contact\".\"parentcustomerid\" AND \"contact\".\"parentcustomeridtype\" = ?) AS \"_name1\", (SELECT \"r\".\"fullname\" FROM \"contact\" \"r\" WHERE \"r\".\"contactid\" = \"contact\".\"parentcustomerid\" AND \"contact\".\"parentcustomeridtype\" = ?) AS \"_name2\", (SELECT json_object('name', \"e1\".\"name\", 'accountid', \"e1\".\"accountid\", 'versionnumber', \"e1\".\"versionnumber\") FROM \"account\" \"e1\" WHERE \"e1\".\"accountid\" = \"contact\".\"parentcustomerid\" AND \"contact\".\"parentcustomeridtype\" = ?), (SELECT json_group_array(json(\"x\".\"j\")) FROM (SELECT json_object('fullname', \"e1\".\"fullname\", 'contactid', \"e1\".\"contactid\", 'versionnumber', \"e1\".\"versionnumber\") AS \"j\" FROM \"contact\" \"e1\" WHERE \"e1\".\"parentcustomerid\" = \"contact\".\"contactid\" AND \"e1\".\"parentcustomeridtype\" = ? ORDER BY \"contactid\" ASC LIMIT ?) AS \"x\") FROM (SELECT * FROM \"contact\" ORDER BY \"contactid\" ASC LIMIT ?) AS \"contact\" ORDER BY \"contactid\" ASC", params: ["account","contact","account","contact",5001,5001] },
    postgres: { sql: "SELECT \"fullname\", \"parentcustomerid\", \"contactid\", \"versionnumber\", \"parentcustomeridtype\", (SELECT \"r\".\"name\" FROM \"account\" \"r\" WHERE \"r\".\"accountid\" = \"contact\".\"parentcustomerid\" AND \"contact\".\"parentcustomeridtype\" = $1) AS \"_name1\", (SELECT \"r\".\"fullname\" FROM \"contact\" \"r\" WHERE \"r\".\"contactid\" = \"contact\".\"parentcustomerid\" AND \"contact\".\"parentcustomeridtype\" = $2) AS \"_name2\", (SELECT jsonb_build_object('name', \"e1\".\"name\", 'accountid', \"e1\".\"accountid\", 'versionnumber', \"e1\".\"versionnumber\") FROM \"account\" \"e1\" WHERE \"e1\".\"accountid\" = \"contact\".\"parentcustomerid\" AND \"contact\".\"parentcustomeridtype\" = $3), (SELECT coalesce(jsonb_agg(\"x\".\"j\" ORDER BY \"x\".\"n\"), '[]'::jsonb) FROM (SELECT jsonb_build_object('fullname', \"e1\".\"fullname\", 'contactid', \"e1\".\"contactid\", 'versionnumber', \"e1\".\"versionnumber\") AS \"j\", row_number() OVER (ORDER BY \"contactid\" ASC NULLS FIRST) AS \"n\" FROM \"contact\" \"e1\" WHERE \"e1\".\"parentcustomerid\" = \"contact\".\"contactid\" AND \"e1\".\"parentcustomeridtype\" = $4 ORDER BY \"contactid\" ASC NULLS FIRST LIMIT $5) AS \"x\") FROM \"contact\" ORDER BY \"contactid\" ASC NULLS FIRST LIMIT $6", params: ["account","contact","account","contact",5001,5001] },
    mssql: { sql: "SELECT TOP (@p6) [fullname], [parentcustomerid], [contactid], [versionnumber], [parentcustomeridtype], (SELECT [r].[name] FROM [account] [r] WHERE [r].[accountid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = @p1) AS [_name1], (SELECT [r].[fullname] FROM [contact] [r] WHERE [r].[contactid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = @p2) AS [_name2], JSON_QUERY((SELECT TOP (1) [e1].[name] AS [name], [e1].[accountid] AS [accountid], [e1].[versionnumber] AS [versionnumber] FROM [account] [e1] WHERE [e1].[accountid] = [contact].[parentcustomerid] AND [contact].[parentcustomeridtype] = @p3 FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES)), JSON_QUERY(COALESCE((SELECT TOP (@p5) [e1].[fullname] AS [fullname], [e1].[contactid] AS [contactid], [e1].[versionnumber] AS [versionnumber] FROM [contact] [e1] WHERE [e1].[parentcustomerid] = [contact].[contactid] AND [e1].[parentcustomeridtype] = @p4 ORDER BY [contactid] ASC FOR JSON PATH, INCLUDE_NULL_VALUES), '[]')) FROM [contact] ORDER BY [contactid] ASC", params: ["account","contact","account","contact",5001,5001] },
  },
  {
    name: "a business unit column a migration added, filled where null (security/business-units.ts)",
    render: (dl) => renderFillMissing(dl, entity(shipped, 'userquery'), attr(entity(shipped, 'userquery'), 'owningbusinessunit'), caller.businessunitid),
    sqlite: { sql: "UPDATE \"userquery\" SET \"owningbusinessunit\" = ? WHERE \"owningbusinessunit\" IS NULL", params: ["cccccccc-0000-4000-8000-00000000000c"] },
    postgres: { sql: "UPDATE \"userquery\" SET \"owningbusinessunit\" = $1 WHERE \"owningbusinessunit\" IS NULL", params: ["cccccccc-0000-4000-8000-00000000000c"] },
    mssql: { sql: "UPDATE [userquery] SET [owningbusinessunit] = @p1 WHERE [owningbusinessunit] IS NULL", params: ["cccccccc-0000-4000-8000-00000000000c"] },
  },
  {
    name: "delete of a row with many-to-many links: the row, then its links",
    render: (dl) => (() => { const plan = planDelete(entity(related, 'new_tag'), ID, undefined, caller); return [renderDelete(dl, plan), ...plan.effects.get(plan.entity)!.links.flatMap((l) => renderDeleteWhereIn(dl, l.entity, l.attribute, [ID]))]; })(),
    sqlite: [
      { sql: "DELETE FROM \"new_tag\" WHERE \"new_tagid\" = ?", params: ["0a1b2c3d-0000-4000-8000-000000000001"] },
      { sql: "DELETE FROM \"new_msdyn_copilotinteraction_new_tag\" WHERE \"new_tagid\" IN (?)", params: ["0a1b2c3d-0000-4000-8000-000000000001"] },
    ],
    postgres: [
      { sql: "DELETE FROM \"new_tag\" WHERE \"new_tagid\" = $1", params: ["0a1b2c3d-0000-4000-8000-000000000001"] },
      { sql: "DELETE FROM \"new_msdyn_copilotinteraction_new_tag\" WHERE \"new_tagid\" IN ($1)", params: ["0a1b2c3d-0000-4000-8000-000000000001"] },
    ],
    mssql: [
      { sql: "DELETE FROM [new_tag] WHERE [new_tagid] = @p1", params: ["0a1b2c3d-0000-4000-8000-000000000001"] },
      { sql: "DELETE FROM [new_msdyn_copilotinteraction_new_tag] WHERE [new_tagid] IN (@p1)", params: ["0a1b2c3d-0000-4000-8000-000000000001"] },
    ],
  },
  {
    name: "delete of an account: its contacts' polymorphic lookup cleared (RemoveLink), users' references looked for (Restrict)",
    render: (dl) => (() => {
      const referencing = (table: string) => deletePlan(entity(related, table), ID, [], caller, T1).effects.get(entity(related, table))!.referencing;
      const removeLink = referencing('account').find((r) => r.behavior === 'RemoveLink' && r.relationship.ReferencingEntity.LogicalName === 'contact')!;
      const user = referencing('systemuser').find((r) => r.relationship.SchemaName === 'lk_account_createdby')!;
      expect(user.behavior).to.equal('Restrict');
      return [
        ...renderRemoveLink(dl, removeLink.relationship, [ID, ID3], (removeLink as { set: ReadonlyMap<AttributeModel, Value> }).set, 77),
        ...renderAnyReferencing(dl, user.relationship, [ID2]),
        ...renderDeleteReferencing(dl, removeLink.relationship, [ID]),
      ];
    })(),
    sqlite: [
      { sql: "UPDATE \"contact\" SET \"parentcustomerid\" = ?, \"parentcustomeridtype\" = ?, \"modifiedon\" = ?, \"modifiedby\" = ?, \"modifiedonbehalfby\" = ?, \"versionnumber\" = ? WHERE \"parentcustomerid\" IN (?, ?) AND \"parentcustomeridtype\" = ?", params: [null,null,"2024-01-01T10:00:00Z","aaaaaaaa-0000-4000-8000-00000000000a",null,77,"0a1b2c3d-0000-4000-8000-000000000001","0a1b2c3d-0000-4000-8000-000000000003","account"] },
      { sql: "SELECT \"accountid\" FROM \"account\" WHERE \"createdby\" IN (?) LIMIT ?", params: ["0a1b2c3d-0000-4000-8000-000000000002",1] },
      { sql: "DELETE FROM \"contact\" WHERE \"parentcustomerid\" IN (?) AND \"parentcustomeridtype\" = ? RETURNING \"contactid\"", params: ["0a1b2c3d-0000-4000-8000-000000000001","account"] },
    ],
    postgres: [
      { sql: "UPDATE \"contact\" SET \"parentcustomerid\" = $1, \"parentcustomeridtype\" = $2, \"modifiedon\" = $3, \"modifiedby\" = $4, \"modifiedonbehalfby\" = $5, \"versionnumber\" = $6 WHERE \"parentcustomerid\" IN ($7, $8) AND \"parentcustomeridtype\" = $9", params: [null,null,"2024-01-01T10:00:00Z","aaaaaaaa-0000-4000-8000-00000000000a",null,77,"0a1b2c3d-0000-4000-8000-000000000001","0a1b2c3d-0000-4000-8000-000000000003","account"] },
      { sql: "SELECT \"accountid\" FROM \"account\" WHERE \"createdby\" IN ($1) LIMIT $2", params: ["0a1b2c3d-0000-4000-8000-000000000002",1] },
      { sql: "DELETE FROM \"contact\" WHERE \"parentcustomerid\" IN ($1) AND \"parentcustomeridtype\" = $2 RETURNING \"contactid\"", params: ["0a1b2c3d-0000-4000-8000-000000000001","account"] },
    ],
    mssql: [
      { sql: "UPDATE [contact] SET [parentcustomerid] = @p1, [parentcustomeridtype] = @p2, [modifiedon] = @p3, [modifiedby] = @p4, [modifiedonbehalfby] = @p5, [versionnumber] = @p6 WHERE [parentcustomerid] IN (@p7, @p8) AND [parentcustomeridtype] = @p9", params: [null,null,d("2024-01-01T10:00:00Z"),"aaaaaaaa-0000-4000-8000-00000000000a",null,77,"0a1b2c3d-0000-4000-8000-000000000001","0a1b2c3d-0000-4000-8000-000000000003","account"] },
      { sql: "SELECT TOP (@p2) [accountid] FROM [account] WHERE [createdby] IN (@p1)", params: ["0a1b2c3d-0000-4000-8000-000000000002",1] },
      { sql: "DELETE FROM [contact] OUTPUT DELETED.[contactid] WHERE [parentcustomerid] IN (@p1) AND [parentcustomeridtype] = @p2", params: ["0a1b2c3d-0000-4000-8000-000000000001","account"] },
    ],
  },
  {
    name: "disassociate one many-to-many pair",
    render: (dl) => renderDisassociate(dl, planDisassociate(related, caller, entity(related, 'new_tag').navigation.get(TAGS)!, ID, ID2) as DisassociatePlan),
    sqlite: { sql: "DELETE FROM \"new_msdyn_copilotinteraction_new_tag\" WHERE \"new_tagid\" = ? AND \"msdyn_copilotinteractionid\" = ?", params: ["0a1b2c3d-0000-4000-8000-000000000001","0a1b2c3d-0000-4000-8000-000000000002"] },
    postgres: { sql: "DELETE FROM \"new_msdyn_copilotinteraction_new_tag\" WHERE \"new_tagid\" = $1 AND \"msdyn_copilotinteractionid\" = $2", params: ["0a1b2c3d-0000-4000-8000-000000000001","0a1b2c3d-0000-4000-8000-000000000002"] },
    mssql: { sql: "DELETE FROM [new_msdyn_copilotinteraction_new_tag] WHERE [new_tagid] = @p1 AND [msdyn_copilotinteractionid] = @p2", params: ["0a1b2c3d-0000-4000-8000-000000000001","0a1b2c3d-0000-4000-8000-000000000002"] },
  },
  {
    name: "migrationDdl of an intersect table: unique pair, index on the second column",
    render: (dl) => migrationDdl(dl, { entities: [entity(related, INTERSECT)], byLogicalName: new Map(), byEntitySetName: new Map() }, new Map([['tessera_attribute', SNAPSHOT_COLUMNS]]), new Map()),
    sqlite: [
      "CREATE TABLE IF NOT EXISTS \"tessera_sequence\" (\"name\" TEXT PRIMARY KEY, \"value\" INTEGER NOT NULL)",
      "INSERT OR IGNORE INTO \"tessera_sequence\" (\"name\", \"value\") VALUES ('versionnumber', 1000)",
      "CREATE TABLE \"new_msdyn_copilotinteraction_new_tag\" (\"new_msdyn_copilotinteraction_new_tagid\" TEXT NOT NULL, \"msdyn_copilotinteractionid\" TEXT, \"new_tagid\" TEXT, \"versionnumber\" INTEGER, PRIMARY KEY (\"new_msdyn_copilotinteraction_new_tagid\"))",
      "CREATE INDEX IF NOT EXISTS \"ix_new_msdyn_copilotinteraction_new_tag_new_tagid\" ON \"new_msdyn_copilotinteraction_new_tag\" (\"new_tagid\")",
      "CREATE UNIQUE INDEX IF NOT EXISTS \"ak_new_msdyn_copilotinteraction_new_tag_new_msdyn_copi_72092fa0\" ON \"new_msdyn_copilotinteraction_new_tag\" (\"msdyn_copilotinteractionid\", \"new_tagid\")",
    ],
    postgres: [
      "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public",
      "CREATE SEQUENCE IF NOT EXISTS tessera_versionnumber START WITH 1000 INCREMENT BY 1000",
      "DO $$ BEGIN IF (SELECT seqincrement FROM pg_sequence WHERE seqrelid = 'tessera_versionnumber'::regclass) <> 1000 THEN ALTER SEQUENCE tessera_versionnumber INCREMENT BY 1000; END IF; END $$",
      "CREATE TABLE \"new_msdyn_copilotinteraction_new_tag\" (\"new_msdyn_copilotinteraction_new_tagid\" uuid NOT NULL, \"msdyn_copilotinteractionid\" uuid, \"new_tagid\" uuid, \"versionnumber\" bigint, PRIMARY KEY (\"new_msdyn_copilotinteraction_new_tagid\"))",
      "CREATE INDEX IF NOT EXISTS \"ix_new_msdyn_copilotinteraction_new_tag_new_tagid\" ON \"new_msdyn_copilotinteraction_new_tag\" (\"new_tagid\" NULLS FIRST)",
      "CREATE UNIQUE INDEX IF NOT EXISTS \"ak_new_msdyn_copilotinteraction_new_tag_new_msdyn_copi_72092fa0\" ON \"new_msdyn_copilotinteraction_new_tag\" (\"msdyn_copilotinteractionid\", \"new_tagid\")",
    ],
    mssql: [
      "IF OBJECT_ID(N'tessera_versionnumber', N'SO') IS NULL CREATE SEQUENCE [tessera_versionnumber] AS BIGINT START WITH 1000",
      "CREATE TABLE [new_msdyn_copilotinteraction_new_tag] ([new_msdyn_copilotinteraction_new_tagid] UNIQUEIDENTIFIER NOT NULL, [msdyn_copilotinteractionid] UNIQUEIDENTIFIER, [new_tagid] UNIQUEIDENTIFIER, [versionnumber] BIGINT, PRIMARY KEY ([new_msdyn_copilotinteraction_new_tagid]))",
      "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_new_msdyn_copilotinteraction_new_tag_new_tagid' AND object_id = OBJECT_ID(N'new_msdyn_copilotinteraction_new_tag')) CREATE INDEX [ix_new_msdyn_copilotinteraction_new_tag_new_tagid] ON [new_msdyn_copilotinteraction_new_tag] ([new_tagid])",
      "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ak_new_msdyn_copilotinteraction_new_tag_new_msdyn_copi_72092fa0' AND object_id = OBJECT_ID(N'new_msdyn_copilotinteraction_new_tag')) CREATE UNIQUE INDEX [ak_new_msdyn_copilotinteraction_new_tag_new_msdyn_copi_72092fa0] ON [new_msdyn_copilotinteraction_new_tag] ([msdyn_copilotinteractionid], [new_tagid]) WHERE [msdyn_copilotinteractionid] IS NOT NULL AND [new_tagid] IS NOT NULL",
    ],
  },
  {
    name: "$expand=<lookup>/$ref: the primary key alone, the lookup column added",
    render: (dl) => renderRead(dl, readRelated('msdyn_copilotinteractions', { $select: 'msdyn_name', $expand: 'msdyn_interactiondataid/$ref' })),
    sqlite: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractionid\", \"msdyn_interactiondataid\", \"versionnumber\", (SELECT json_object('msdyn_copilotinteractiondataid', \"e1\".\"msdyn_copilotinteractiondataid\", 'versionnumber', \"e1\".\"versionnumber\") FROM \"msdyn_copilotinteractiondata\" \"e1\" WHERE \"e1\".\"msdyn_copilotinteractiondataid\" = \"msdyn_copilotinteraction\".\"msdyn_interactiondataid\") FROM (SELECT * FROM \"msdyn_copilotinteraction\" WHERE (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) ORDER BY \"msdyn_copilotinteractionid\" ASC LIMIT ?) AS \"msdyn_copilotinteraction\" ORDER BY \"msdyn_copilotinteractionid\" ASC", params: [5001] },
    postgres: { sql: "SELECT \"msdyn_name\", \"msdyn_copilotinteractionid\", \"msdyn_interactiondataid\", \"versionnumber\", (SELECT jsonb_build_object('msdyn_copilotinteractiondataid', \"e1\".\"msdyn_copilotinteractiondataid\", 'versionnumber', \"e1\".\"versionnumber\") FROM \"msdyn_copilotinteractiondata\" \"e1\" WHERE \"e1\".\"msdyn_copilotinteractiondataid\" = \"msdyn_copilotinteraction\".\"msdyn_interactiondataid\") FROM \"msdyn_copilotinteraction\" WHERE (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) ORDER BY \"msdyn_copilotinteractionid\" ASC NULLS FIRST LIMIT $1", params: [5001] },
    mssql: { sql: "SELECT TOP (@p1) [msdyn_name], [msdyn_copilotinteractionid], [msdyn_interactiondataid], [versionnumber], JSON_QUERY((SELECT TOP (1) [e1].[msdyn_copilotinteractiondataid] AS [msdyn_copilotinteractiondataid], [e1].[versionnumber] AS [versionnumber] FROM [msdyn_copilotinteractiondata] [e1] WHERE [e1].[msdyn_copilotinteractiondataid] = [msdyn_copilotinteraction].[msdyn_interactiondataid] FOR JSON PATH, WITHOUT_ARRAY_WRAPPER, INCLUDE_NULL_VALUES)) FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) ORDER BY [msdyn_copilotinteractionid] ASC", params: [5001] },
  },
  {
    name: "$count of the rows related through a many-to-many property (GET <set>(<id>)/<nav>/$count)",
    render: (dl) => renderCount(dl, restrict(planCount(entity(related, 'msdyn_copilotinteraction'), {}), relatedTo(entity(related, 'new_tag').navigation.get(TAGS)!, ID)), 5000),
    sqlite: { sql: "SELECT COUNT(*) AS \"n\" FROM (SELECT 1 AS \"x\" FROM \"msdyn_copilotinteraction\" WHERE (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND EXISTS (SELECT 1 FROM \"new_tag\" \"f1\" WHERE EXISTS (SELECT 1 FROM \"new_msdyn_copilotinteraction_new_tag\" \"i1\" WHERE \"i1\".\"msdyn_copilotinteractionid\" = \"msdyn_copilotinteraction\".\"msdyn_copilotinteractionid\" AND \"i1\".\"new_tagid\" = \"f1\".\"new_tagid\") AND \"new_tagid\" = ?) LIMIT ?) \"c\"", params: ["0a1b2c3d-0000-4000-8000-000000000001",5001] },
    postgres: { sql: "SELECT COUNT(*) AS \"n\" FROM (SELECT 1 AS \"x\" FROM \"msdyn_copilotinteraction\" WHERE (\"msft_datastate\" IS NULL OR \"msft_datastate\" <> 1) AND EXISTS (SELECT 1 FROM \"new_tag\" \"f1\" WHERE EXISTS (SELECT 1 FROM \"new_msdyn_copilotinteraction_new_tag\" \"i1\" WHERE \"i1\".\"msdyn_copilotinteractionid\" = \"msdyn_copilotinteraction\".\"msdyn_copilotinteractionid\" AND \"i1\".\"new_tagid\" = \"f1\".\"new_tagid\") AND \"new_tagid\" = $1) LIMIT $2) \"c\"", params: ["0a1b2c3d-0000-4000-8000-000000000001",5001] },
    mssql: { sql: "SELECT COUNT(*) AS [n] FROM (SELECT TOP (@p2) 1 AS [x] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND EXISTS (SELECT 1 FROM [new_tag] [f1] WHERE EXISTS (SELECT 1 FROM [new_msdyn_copilotinteraction_new_tag] [i1] WHERE [i1].[msdyn_copilotinteractionid] = [msdyn_copilotinteraction].[msdyn_copilotinteractionid] AND [i1].[new_tagid] = [f1].[new_tagid]) AND [new_tagid] = @p1)) [c]", params: ["0a1b2c3d-0000-4000-8000-000000000001",5001] },
  },
  {
    name: "associate: one intersect row",
    render: (dl) => renderInsert(dl, withId((planAssociate(related, caller, entity(related, 'new_tag').navigation.get(TAGS)!, ID, DATA_ID) as AssociatePlan).link, ID2), 77),
    sqlite: { sql: "INSERT INTO \"new_msdyn_copilotinteraction_new_tag\" (\"new_msdyn_copilotinteraction_new_tagid\", \"new_tagid\", \"msdyn_copilotinteractionid\", \"versionnumber\") VALUES (?, ?, ?, ?)", params: ["0a1b2c3d-0000-4000-8000-000000000002","0a1b2c3d-0000-4000-8000-000000000001","dddddddd-0000-4000-8000-00000000000d",77] },
    postgres: { sql: "INSERT INTO \"new_msdyn_copilotinteraction_new_tag\" (\"new_msdyn_copilotinteraction_new_tagid\", \"new_tagid\", \"msdyn_copilotinteractionid\", \"versionnumber\") VALUES ($1, $2, $3, $4)", params: ["0a1b2c3d-0000-4000-8000-000000000002","0a1b2c3d-0000-4000-8000-000000000001","dddddddd-0000-4000-8000-00000000000d",77] },
    mssql: { sql: "INSERT INTO [new_msdyn_copilotinteraction_new_tag] ([new_msdyn_copilotinteraction_new_tagid], [new_tagid], [msdyn_copilotinteractionid], [versionnumber]) VALUES (@p1, @p2, @p3, @p4)", params: ["0a1b2c3d-0000-4000-8000-000000000002","0a1b2c3d-0000-4000-8000-000000000001","dddddddd-0000-4000-8000-00000000000d",77] },
  },
  // ---- update, upsert, delete ----
  {
    name: 'update with an If-Match version guard and a state guard',
    render: (dl) => renderUpdate(dl, {
      kind: 'update', entity: interaction, id: ID, guards: guardsOfPatch(), references: [],
      set: new Map<ReturnType<typeof attr>, Value>([[attr(interaction, 'statuscode'), 1], [attr(interaction, 'modifiedon'), T2], [attr(interaction, 'modifiedby'), caller.systemuserid]]),
    }, 8),
    sqlite: { sql: 'UPDATE "msdyn_copilotinteraction" SET "statuscode" = ?, "modifiedon" = ?, "modifiedby" = ?, "versionnumber" = ? WHERE "msdyn_copilotinteractionid" = ? AND "versionnumber" = ? AND "statecode" = ? AND ("msft_datastate" IS NULL OR "msft_datastate" = ?)', params: [1, '2024-02-01T10:00:00Z', 'aaaaaaaa-0000-4000-8000-00000000000a', 8, '0a1b2c3d-0000-4000-8000-000000000001', 7, 0, 0] },
    postgres: { sql: 'UPDATE "msdyn_copilotinteraction" SET "statuscode" = $1, "modifiedon" = $2, "modifiedby" = $3, "versionnumber" = nextval(\'tessera_versionnumber\') WHERE "msdyn_copilotinteractionid" = $4 AND "versionnumber" = $5 AND "statecode" = $6 AND ("msft_datastate" IS NULL OR "msft_datastate" = $7)', params: [1, '2024-02-01T10:00:00Z', 'aaaaaaaa-0000-4000-8000-00000000000a', '0a1b2c3d-0000-4000-8000-000000000001', 7, 0, 0] },
    mssql: { sql: 'UPDATE [msdyn_copilotinteraction] SET [statuscode] = @p1, [modifiedon] = @p2, [modifiedby] = @p3, [versionnumber] = NEXT VALUE FOR [tessera_versionnumber] WHERE [msdyn_copilotinteractionid] = @p4 AND [versionnumber] = @p5 AND [statecode] = @p6 AND ([msft_datastate] IS NULL OR [msft_datastate] = @p7)', params: [1, d('2024-02-01T10:00:00Z'), 'aaaaaaaa-0000-4000-8000-00000000000a', '0a1b2c3d-0000-4000-8000-000000000001', 7, 0, 0] },
  },
  {
    name: 'update without guards: boolean, date, null and lookup values',
    render: (dl) => renderUpdate(dl, {
      kind: 'update', entity: task, id: ID, guards: [], references: [],
      set: new Map<ReturnType<typeof attr>, Value>([
        [attr(task, 'tst_done'), true], [attr(task, 'tst_duedate'), '2024-12-31'], [attr(task, 'tst_notes'), null],
        [attr(task, 'tst_assignedto'), caller.systemuserid], [attr(task, 'modifiedon'), T2],
      ]),
    }, 9),
    sqlite: { sql: 'UPDATE "tst_task" SET "tst_done" = ?, "tst_duedate" = ?, "tst_notes" = ?, "tst_assignedto" = ?, "modifiedon" = ?, "versionnumber" = ? WHERE "tst_taskid" = ?', params: [1, '2024-12-31', null, 'aaaaaaaa-0000-4000-8000-00000000000a', '2024-02-01T10:00:00Z', 9, '0a1b2c3d-0000-4000-8000-000000000001'] },
    postgres: { sql: 'UPDATE "tst_task" SET "tst_done" = $1, "tst_duedate" = $2, "tst_notes" = $3, "tst_assignedto" = $4, "modifiedon" = $5, "versionnumber" = nextval(\'tessera_versionnumber\') WHERE "tst_taskid" = $6', params: [true, '2024-12-31', null, 'aaaaaaaa-0000-4000-8000-00000000000a', '2024-02-01T10:00:00Z', '0a1b2c3d-0000-4000-8000-000000000001'] },
    mssql: { sql: 'UPDATE [tst_task] SET [tst_done] = @p1, [tst_duedate] = @p2, [tst_notes] = @p3, [tst_assignedto] = @p4, [modifiedon] = @p5, [versionnumber] = NEXT VALUE FOR [tessera_versionnumber] WHERE [tst_taskid] = @p6', params: [true, d('2024-12-31T00:00:00Z'), null, 'aaaaaaaa-0000-4000-8000-00000000000a', d('2024-02-01T10:00:00Z'), '0a1b2c3d-0000-4000-8000-000000000001'] },
  },
  {
    name: 'upsert: the UPDATE, then the INSERT when no row changed',
    render: (dl) => {
      const create = interactionRow(ID, 'Upserted');
      const plan: UpdatePlan = {
        kind: 'update', entity: interaction, id: ID, guards: [], references: [], upsert: create,
        set: new Map<ReturnType<typeof attr>, Value>([[attr(interaction, 'msdyn_name'), 'Upserted'], [attr(interaction, 'modifiedon'), T1], [attr(interaction, 'modifiedby'), caller.systemuserid]]),
      };
      return [renderUpdate(dl, plan, 10), renderInsert(dl, plan.upsert as InsertPlan, 11)];
    },
    sqlite: [
      { sql: 'UPDATE "msdyn_copilotinteraction" SET "msdyn_name" = ?, "modifiedon" = ?, "modifiedby" = ?, "versionnumber" = ? WHERE "msdyn_copilotinteractionid" = ?', params: ['Upserted', '2024-01-01T10:00:00Z', 'aaaaaaaa-0000-4000-8000-00000000000a', 10, '0a1b2c3d-0000-4000-8000-000000000001'] },
      { sql: 'INSERT INTO "msdyn_copilotinteraction" ("msdyn_name", "msdyn_copilotinteractionid", "createdon", "modifiedon", "createdby", "modifiedby", "organizationid", "statecode", "statuscode", "versionnumber") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', params: ['Upserted', '0a1b2c3d-0000-4000-8000-000000000001', '2024-01-01T10:00:00Z', '2024-01-01T10:00:00Z', 'aaaaaaaa-0000-4000-8000-00000000000a', 'aaaaaaaa-0000-4000-8000-00000000000a', 'bbbbbbbb-0000-4000-8000-00000000000b', 0, 1, 11] },
    ],
    postgres: [
      { sql: 'UPDATE "msdyn_copilotinteraction" SET "msdyn_name" = $1, "modifiedon" = $2, "modifiedby" = $3, "versionnumber" = nextval(\'tessera_versionnumber\') WHERE "msdyn_copilotinteractionid" = $4', params: ['Upserted', '2024-01-01T10:00:00Z', 'aaaaaaaa-0000-4000-8000-00000000000a', '0a1b2c3d-0000-4000-8000-000000000001'] },
      { sql: 'INSERT INTO "msdyn_copilotinteraction" ("msdyn_name", "msdyn_copilotinteractionid", "createdon", "modifiedon", "createdby", "modifiedby", "organizationid", "statecode", "statuscode", "versionnumber") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', params: ['Upserted', '0a1b2c3d-0000-4000-8000-000000000001', '2024-01-01T10:00:00Z', '2024-01-01T10:00:00Z', 'aaaaaaaa-0000-4000-8000-00000000000a', 'aaaaaaaa-0000-4000-8000-00000000000a', 'bbbbbbbb-0000-4000-8000-00000000000b', 0, 1, 11] },
    ],
    mssql: [
      { sql: 'UPDATE [msdyn_copilotinteraction] SET [msdyn_name] = @p1, [modifiedon] = @p2, [modifiedby] = @p3, [versionnumber] = NEXT VALUE FOR [tessera_versionnumber] WHERE [msdyn_copilotinteractionid] = @p4', params: ['Upserted', d('2024-01-01T10:00:00Z'), 'aaaaaaaa-0000-4000-8000-00000000000a', '0a1b2c3d-0000-4000-8000-000000000001'] },
      { sql: 'INSERT INTO [msdyn_copilotinteraction] ([msdyn_name], [msdyn_copilotinteractionid], [createdon], [modifiedon], [createdby], [modifiedby], [organizationid], [statecode], [statuscode], [versionnumber]) VALUES (@p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10)', params: ['Upserted', '0a1b2c3d-0000-4000-8000-000000000001', d('2024-01-01T10:00:00Z'), d('2024-01-01T10:00:00Z'), 'aaaaaaaa-0000-4000-8000-00000000000a', 'aaaaaaaa-0000-4000-8000-00000000000a', 'bbbbbbbb-0000-4000-8000-00000000000b', 0, 1, 11] },
    ],
  },
  {
    name: 'delete without a guard',
    render: (dl) => renderDelete(dl, planDelete(interaction, ID, undefined, caller)),
    sqlite: { sql: 'DELETE FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = ?', params: ['0a1b2c3d-0000-4000-8000-000000000001'] },
    postgres: { sql: 'DELETE FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = $1', params: ['0a1b2c3d-0000-4000-8000-000000000001'] },
    mssql: { sql: 'DELETE FROM [msdyn_copilotinteraction] WHERE [msdyn_copilotinteractionid] = @p1', params: ['0a1b2c3d-0000-4000-8000-000000000001'] },
  },
  {
    name: 'delete with an If-Match version guard',
    render: (dl) => renderDelete(dl, planDelete(interaction, ID, ['42'], caller)),
    sqlite: { sql: 'DELETE FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = ? AND "versionnumber" = ?', params: ['0a1b2c3d-0000-4000-8000-000000000001', 42] },
    postgres: { sql: 'DELETE FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = $1 AND "versionnumber" = $2', params: ['0a1b2c3d-0000-4000-8000-000000000001', 42] },
    mssql: { sql: 'DELETE FROM [msdyn_copilotinteraction] WHERE [msdyn_copilotinteractionid] = @p1 AND [versionnumber] = @p2', params: ['0a1b2c3d-0000-4000-8000-000000000001', 42] },
  },
  {
    name: 'delete with an If-Match list of versions (any of them matches)',
    render: (dl) => renderDelete(dl, planDelete(interaction, ID, ['42', '43'], caller)),
    sqlite: { sql: 'DELETE FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = ? AND "versionnumber" IN (?, ?)', params: ['0a1b2c3d-0000-4000-8000-000000000001', 42, 43] },
    postgres: { sql: 'DELETE FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = $1 AND "versionnumber" IN ($2, $3)', params: ['0a1b2c3d-0000-4000-8000-000000000001', 42, 43] },
    mssql: { sql: 'DELETE FROM [msdyn_copilotinteraction] WHERE [msdyn_copilotinteractionid] = @p1 AND [versionnumber] IN (@p2, @p3)', params: ['0a1b2c3d-0000-4000-8000-000000000001', 42, 43] },
  },
  {
    name: 'select by id: the guard columns',
    render: (dl) => renderSelectById(dl, interaction, ID, guardsOfPatch().map((g) => g.attribute)),
    sqlite: { sql: 'SELECT "versionnumber", "statecode", "msft_datastate" FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = ?', params: ['0a1b2c3d-0000-4000-8000-000000000001'] },
    postgres: { sql: 'SELECT "versionnumber", "statecode", "msft_datastate" FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = $1', params: ['0a1b2c3d-0000-4000-8000-000000000001'] },
    mssql: { sql: 'SELECT [versionnumber], [statecode], [msft_datastate] FROM [msdyn_copilotinteraction] WHERE [msdyn_copilotinteractionid] = @p1', params: ['0a1b2c3d-0000-4000-8000-000000000001'] },
  },
  {
    name: 'select by id: no columns reads the primary key',
    render: (dl) => renderSelectById(dl, interactionData, DATA_ID, []),
    sqlite: { sql: 'SELECT "msdyn_copilotinteractiondataid" FROM "msdyn_copilotinteractiondata" WHERE "msdyn_copilotinteractiondataid" = ?', params: ['dddddddd-0000-4000-8000-00000000000d'] },
    postgres: { sql: 'SELECT "msdyn_copilotinteractiondataid" FROM "msdyn_copilotinteractiondata" WHERE "msdyn_copilotinteractiondataid" = $1', params: ['dddddddd-0000-4000-8000-00000000000d'] },
    mssql: { sql: 'SELECT [msdyn_copilotinteractiondataid] FROM [msdyn_copilotinteractiondata] WHERE [msdyn_copilotinteractiondataid] = @p1', params: ['dddddddd-0000-4000-8000-00000000000d'] },
  },
  {
    // Not folded beyond A–Z on SQLite ($filter's tessera_fold): the key's NOCASE index tells 'Émile' from 'émile', so must the lookup.
    name: 'select by alternate key: each column compared as its unique index compares, accented letters too',
    render: (dl) => {
      const contact = entity(related, 'contact');
      const { key, values } = planAlternateKey(contact, "emailaddress1='e@x.org',fullname='Émile Zola'");
      return renderSelectByKey(dl, contact, key, values);
    },
    sqlite: { sql: 'SELECT "contactid" FROM "contact" WHERE "fullname" = ? AND "emailaddress1" = ?', params: ['Émile Zola', 'e@x.org'] },
    postgres: { sql: 'SELECT "contactid" FROM "contact" WHERE "fullname" = $1 AND "emailaddress1" = $2', params: ['Émile Zola', 'e@x.org'] },
    mssql: { sql: 'SELECT [contactid] FROM [contact] WHERE [fullname] = @p1 AND [emailaddress1] = @p2', params: ['Émile Zola', 'e@x.org'] },
  },
  {
    // Only where the index folds A–Z alone and a value holds other letters; none elsewhere.
    name: 'select by alternate key matching no row by its index: compared as $filter compares, two rows at most (a second is an ambiguous key)',
    render: (dl) => {
      const contact = entity(related, 'contact');
      const { key, values } = planAlternateKey(contact, "emailaddress1='e@x.org',fullname='Émile Zola'");
      return renderSelectByFoldedKey(dl, contact, key, values) ?? { sql: '(none)', params: [] };
    },
    sqlite: { sql: 'SELECT "contactid" FROM "contact" WHERE tessera_fold("fullname") = ? AND "emailaddress1" = ? ORDER BY "contactid" LIMIT ?', params: ['émile zola', 'e@x.org', 2] },
    postgres: { sql: '(none)', params: [] },
    mssql: { sql: '(none)', params: [] },
  },
  // ---- row versions ----
  reserveVersionsCase(1, 1),
  reserveVersionsCase(500, 1),
  reserveVersionsCase(2500, 3),
  // ---- DDL ----
  {
    name: 'createTable msdyn_copilotinteractiondata',
    render: (dl) => createTable(dl, interactionData),
    sqlite: { sql: 'CREATE TABLE "msdyn_copilotinteractiondata" ("msdyn_copilotinteractiondataid" TEXT NOT NULL, "msdyn_name" TEXT COLLATE NOCASE, "msdyn_interactiondata" TEXT COLLATE NOCASE, "createdon" TEXT, "createdby" TEXT, "createdonbehalfby" TEXT, "modifiedon" TEXT, "modifiedby" TEXT, "modifiedonbehalfby" TEXT, "versionnumber" INTEGER, "importsequencenumber" INTEGER, "overriddencreatedon" TEXT, "timezoneruleversionnumber" INTEGER, "utcconversiontimezonecode" INTEGER, "statecode" INTEGER, "statuscode" INTEGER, "organizationid" TEXT, PRIMARY KEY ("msdyn_copilotinteractiondataid"))', params: [] },
    postgres: { sql: 'CREATE TABLE "msdyn_copilotinteractiondata" ("msdyn_copilotinteractiondataid" uuid NOT NULL, "msdyn_name" citext, "msdyn_interactiondata" citext, "createdon" timestamptz(0), "createdby" uuid, "createdonbehalfby" uuid, "modifiedon" timestamptz(0), "modifiedby" uuid, "modifiedonbehalfby" uuid, "versionnumber" bigint, "importsequencenumber" integer, "overriddencreatedon" timestamptz(0), "timezoneruleversionnumber" integer, "utcconversiontimezonecode" integer, "statecode" integer, "statuscode" integer, "organizationid" uuid, PRIMARY KEY ("msdyn_copilotinteractiondataid"))', params: [] },
    mssql: { sql: 'CREATE TABLE [msdyn_copilotinteractiondata] ([msdyn_copilotinteractiondataid] UNIQUEIDENTIFIER NOT NULL, [msdyn_name] NVARCHAR(100) COLLATE Latin1_General_100_CI_AS, [msdyn_interactiondata] NVARCHAR(MAX) COLLATE Latin1_General_100_CI_AS, [createdon] DATETIME2(0), [createdby] UNIQUEIDENTIFIER, [createdonbehalfby] UNIQUEIDENTIFIER, [modifiedon] DATETIME2(0), [modifiedby] UNIQUEIDENTIFIER, [modifiedonbehalfby] UNIQUEIDENTIFIER, [versionnumber] BIGINT, [importsequencenumber] INT, [overriddencreatedon] DATETIME2(0), [timezoneruleversionnumber] INT, [utcconversiontimezonecode] INT, [statecode] INT, [statuscode] INT, [organizationid] UNIQUEIDENTIFIER, PRIMARY KEY ([msdyn_copilotinteractiondataid]))', params: [] },
  },
  {
    name: 'createTable with every column type (tiny model)',
    render: (dl) => createTable(dl, task),
    sqlite: { sql: 'CREATE TABLE "tst_task" ("tst_taskid" TEXT NOT NULL, "tst_name" TEXT COLLATE NOCASE, "tst_notes" TEXT COLLATE NOCASE, "tst_duedate" TEXT, "tst_done" INTEGER, "tst_budget" REAL, "tst_ratio" REAL, "tst_score" REAL, "tst_big" INTEGER, "tst_assignedto" TEXT, "createdon" TEXT, "createdby" TEXT, "createdonbehalfby" TEXT, "modifiedon" TEXT, "modifiedby" TEXT, "modifiedonbehalfby" TEXT, "versionnumber" INTEGER, "importsequencenumber" INTEGER, "overriddencreatedon" TEXT, "timezoneruleversionnumber" INTEGER, "utcconversiontimezonecode" INTEGER, PRIMARY KEY ("tst_taskid"))', params: [] },
    postgres: { sql: 'CREATE TABLE "tst_task" ("tst_taskid" uuid NOT NULL, "tst_name" citext, "tst_notes" citext, "tst_duedate" date, "tst_done" boolean, "tst_budget" numeric(38,2), "tst_ratio" numeric(38,2), "tst_score" double precision, "tst_big" bigint, "tst_assignedto" uuid, "createdon" timestamptz(0), "createdby" uuid, "createdonbehalfby" uuid, "modifiedon" timestamptz(0), "modifiedby" uuid, "modifiedonbehalfby" uuid, "versionnumber" bigint, "importsequencenumber" integer, "overriddencreatedon" timestamptz(0), "timezoneruleversionnumber" integer, "utcconversiontimezonecode" integer, PRIMARY KEY ("tst_taskid"))', params: [] },
    mssql: { sql: 'CREATE TABLE [tst_task] ([tst_taskid] UNIQUEIDENTIFIER NOT NULL, [tst_name] NVARCHAR(4000) COLLATE Latin1_General_100_CI_AS, [tst_notes] NVARCHAR(MAX) COLLATE Latin1_General_100_CI_AS, [tst_duedate] DATE, [tst_done] BIT, [tst_budget] DECIMAL(38,2), [tst_ratio] DECIMAL(38,2), [tst_score] FLOAT, [tst_big] BIGINT, [tst_assignedto] UNIQUEIDENTIFIER, [createdon] DATETIME2(0), [createdby] UNIQUEIDENTIFIER, [createdonbehalfby] UNIQUEIDENTIFIER, [modifiedon] DATETIME2(0), [modifiedby] UNIQUEIDENTIFIER, [modifiedonbehalfby] UNIQUEIDENTIFIER, [versionnumber] BIGINT, [importsequencenumber] INT, [overriddencreatedon] DATETIME2(0), [timezoneruleversionnumber] INT, [utcconversiontimezonecode] INT, PRIMARY KEY ([tst_taskid]))', params: [] },
  },
  {
    // SQL Server: no declared index on the NVARCHAR(4000) [tst_name] (index keys are limited to
    // 1,700 bytes, NVARCHAR(850)); SQLite and PostgreSQL create it. No implicit primary-name index.
    name: 'migrationDdl for a brand-new database (tiny model)',
    render: (dl) => migrationDdl(dl, tiny, new Map(), new Map()),
    sqlite: [
      { sql: 'CREATE TABLE IF NOT EXISTS "tessera_sequence" ("name" TEXT PRIMARY KEY, "value" INTEGER NOT NULL)', params: [] },
      { sql: `INSERT OR IGNORE INTO "tessera_sequence" ("name", "value") VALUES ('versionnumber', 1000)`, params: [] },
      { sql: 'CREATE TABLE "tessera_attribute" ("entity" VARCHAR(128) NOT NULL, "attribute" VARCHAR(128) NOT NULL, "attributetype" VARCHAR(128) NOT NULL, "maxlength" INTEGER, "datetimebehavior" VARCHAR(128), "precision" INTEGER, "targets" TEXT, PRIMARY KEY ("entity", "attribute"))', params: [] },
      { sql: 'CREATE TABLE "systemuser" ("systemuserid" TEXT NOT NULL, "fullname" TEXT COLLATE NOCASE, "createdon" TEXT, "createdby" TEXT, "createdonbehalfby" TEXT, "modifiedon" TEXT, "modifiedby" TEXT, "modifiedonbehalfby" TEXT, "versionnumber" INTEGER, "importsequencenumber" INTEGER, "overriddencreatedon" TEXT, "timezoneruleversionnumber" INTEGER, "utcconversiontimezonecode" INTEGER, PRIMARY KEY ("systemuserid"))', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ix_systemuser_createdby" ON "systemuser" ("createdby", "systemuserid") WHERE "createdby" IS NOT NULL', params: [] },
      { sql: 'CREATE TABLE "tst_task" ("tst_taskid" TEXT NOT NULL, "tst_name" TEXT COLLATE NOCASE, "tst_notes" TEXT COLLATE NOCASE, "tst_duedate" TEXT, "tst_done" INTEGER, "tst_budget" REAL, "tst_ratio" REAL, "tst_score" REAL, "tst_big" INTEGER, "tst_assignedto" TEXT, "createdon" TEXT, "createdby" TEXT, "createdonbehalfby" TEXT, "modifiedon" TEXT, "modifiedby" TEXT, "modifiedonbehalfby" TEXT, "versionnumber" INTEGER, "importsequencenumber" INTEGER, "overriddencreatedon" TEXT, "timezoneruleversionnumber" INTEGER, "utcconversiontimezonecode" INTEGER, PRIMARY KEY ("tst_taskid"))', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ix_tst_task_tst_assignedto" ON "tst_task" ("tst_assignedto", "tst_taskid") WHERE "tst_assignedto" IS NOT NULL', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ix_tst_task_createdby" ON "tst_task" ("createdby", "tst_taskid") WHERE "createdby" IS NOT NULL', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ndx_tst_task_byname" ON "tst_task" ("tst_name")', params: [] },
    ],
    postgres: [
      { sql: 'CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public', params: [] },
      { sql: 'CREATE SEQUENCE IF NOT EXISTS tessera_versionnumber START WITH 1000 INCREMENT BY 1000', params: [] },
      { sql: "DO $$ BEGIN IF (SELECT seqincrement FROM pg_sequence WHERE seqrelid = 'tessera_versionnumber'::regclass) <> 1000 THEN ALTER SEQUENCE tessera_versionnumber INCREMENT BY 1000; END IF; END $$", params: [] },
      { sql: 'CREATE TABLE "tessera_attribute" ("entity" VARCHAR(128) NOT NULL, "attribute" VARCHAR(128) NOT NULL, "attributetype" VARCHAR(128) NOT NULL, "maxlength" INTEGER, "datetimebehavior" VARCHAR(128), "precision" INTEGER, "targets" TEXT, PRIMARY KEY ("entity", "attribute"))', params: [] },
      { sql: 'CREATE TABLE "systemuser" ("systemuserid" uuid NOT NULL, "fullname" citext, "createdon" timestamptz(0), "createdby" uuid, "createdonbehalfby" uuid, "modifiedon" timestamptz(0), "modifiedby" uuid, "modifiedonbehalfby" uuid, "versionnumber" bigint, "importsequencenumber" integer, "overriddencreatedon" timestamptz(0), "timezoneruleversionnumber" integer, "utcconversiontimezonecode" integer, PRIMARY KEY ("systemuserid"))', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ix_systemuser_createdby" ON "systemuser" ("createdby" NULLS FIRST, "systemuserid" NULLS FIRST) WHERE "createdby" IS NOT NULL', params: [] },
      { sql: 'CREATE TABLE "tst_task" ("tst_taskid" uuid NOT NULL, "tst_name" citext, "tst_notes" citext, "tst_duedate" date, "tst_done" boolean, "tst_budget" numeric(38,2), "tst_ratio" numeric(38,2), "tst_score" double precision, "tst_big" bigint, "tst_assignedto" uuid, "createdon" timestamptz(0), "createdby" uuid, "createdonbehalfby" uuid, "modifiedon" timestamptz(0), "modifiedby" uuid, "modifiedonbehalfby" uuid, "versionnumber" bigint, "importsequencenumber" integer, "overriddencreatedon" timestamptz(0), "timezoneruleversionnumber" integer, "utcconversiontimezonecode" integer, PRIMARY KEY ("tst_taskid"))', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ix_tst_task_tst_assignedto" ON "tst_task" ("tst_assignedto" NULLS FIRST, "tst_taskid" NULLS FIRST) WHERE "tst_assignedto" IS NOT NULL', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ix_tst_task_createdby" ON "tst_task" ("createdby" NULLS FIRST, "tst_taskid" NULLS FIRST) WHERE "createdby" IS NOT NULL', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ndx_tst_task_byname" ON "tst_task" ("tst_name" NULLS FIRST)', params: [] },
    ],
    mssql: [
      { sql: "IF OBJECT_ID(N'tessera_versionnumber', N'SO') IS NULL CREATE SEQUENCE [tessera_versionnumber] AS BIGINT START WITH 1000", params: [] },
      { sql: 'CREATE TABLE [tessera_attribute] ([entity] NVARCHAR(128) NOT NULL, [attribute] NVARCHAR(128) NOT NULL, [attributetype] NVARCHAR(128) NOT NULL, [maxlength] INTEGER, [datetimebehavior] NVARCHAR(128), [precision] INTEGER, [targets] NVARCHAR(MAX), PRIMARY KEY ([entity], [attribute]))', params: [] },
      { sql: 'CREATE TABLE [systemuser] ([systemuserid] UNIQUEIDENTIFIER NOT NULL, [fullname] NVARCHAR(200) COLLATE Latin1_General_100_CI_AS, [createdon] DATETIME2(0), [createdby] UNIQUEIDENTIFIER, [createdonbehalfby] UNIQUEIDENTIFIER, [modifiedon] DATETIME2(0), [modifiedby] UNIQUEIDENTIFIER, [modifiedonbehalfby] UNIQUEIDENTIFIER, [versionnumber] BIGINT, [importsequencenumber] INT, [overriddencreatedon] DATETIME2(0), [timezoneruleversionnumber] INT, [utcconversiontimezonecode] INT, PRIMARY KEY ([systemuserid]))', params: [] },
      { sql: "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_systemuser_createdby' AND object_id = OBJECT_ID(N'systemuser')) CREATE INDEX [ix_systemuser_createdby] ON [systemuser] ([createdby], [systemuserid]) WHERE [createdby] IS NOT NULL", params: [] },
      { sql: 'CREATE TABLE [tst_task] ([tst_taskid] UNIQUEIDENTIFIER NOT NULL, [tst_name] NVARCHAR(4000) COLLATE Latin1_General_100_CI_AS, [tst_notes] NVARCHAR(MAX) COLLATE Latin1_General_100_CI_AS, [tst_duedate] DATE, [tst_done] BIT, [tst_budget] DECIMAL(38,2), [tst_ratio] DECIMAL(38,2), [tst_score] FLOAT, [tst_big] BIGINT, [tst_assignedto] UNIQUEIDENTIFIER, [createdon] DATETIME2(0), [createdby] UNIQUEIDENTIFIER, [createdonbehalfby] UNIQUEIDENTIFIER, [modifiedon] DATETIME2(0), [modifiedby] UNIQUEIDENTIFIER, [modifiedonbehalfby] UNIQUEIDENTIFIER, [versionnumber] BIGINT, [importsequencenumber] INT, [overriddencreatedon] DATETIME2(0), [timezoneruleversionnumber] INT, [utcconversiontimezonecode] INT, PRIMARY KEY ([tst_taskid]))', params: [] },
      { sql: "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_tst_task_tst_assignedto' AND object_id = OBJECT_ID(N'tst_task')) CREATE INDEX [ix_tst_task_tst_assignedto] ON [tst_task] ([tst_assignedto], [tst_taskid]) WHERE [tst_assignedto] IS NOT NULL", params: [] },
      { sql: "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_tst_task_createdby' AND object_id = OBJECT_ID(N'tst_task')) CREATE INDEX [ix_tst_task_createdby] ON [tst_task] ([createdby], [tst_taskid]) WHERE [createdby] IS NOT NULL", params: [] },
    ],
  },
  {
    name: 'migrationDdl for an existing table missing one column',
    render: (dl) => {
      const existing: ExistingSchema = new Map([
        ['tessera_attribute', SNAPSHOT_COLUMNS],
        ...tiny.entities.map((e) => [e.LogicalName, new Set(e.Attributes.filter((a) => a.IsStored && a.LogicalName !== 'tst_score').map((a) => a.LogicalName))] as const),
      ]);
      return migrationDdl(dl, tiny, existing, new Map());
    },
    sqlite: [
      { sql: 'CREATE TABLE IF NOT EXISTS "tessera_sequence" ("name" TEXT PRIMARY KEY, "value" INTEGER NOT NULL)', params: [] },
      { sql: `INSERT OR IGNORE INTO "tessera_sequence" ("name", "value") VALUES ('versionnumber', 1000)`, params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ix_systemuser_createdby" ON "systemuser" ("createdby", "systemuserid") WHERE "createdby" IS NOT NULL', params: [] },
      { sql: 'ALTER TABLE "tst_task" ADD COLUMN "tst_score" REAL', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ix_tst_task_tst_assignedto" ON "tst_task" ("tst_assignedto", "tst_taskid") WHERE "tst_assignedto" IS NOT NULL', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ix_tst_task_createdby" ON "tst_task" ("createdby", "tst_taskid") WHERE "createdby" IS NOT NULL', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ndx_tst_task_byname" ON "tst_task" ("tst_name")', params: [] },
    ],
    postgres: [
      { sql: 'CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public', params: [] },
      { sql: 'CREATE SEQUENCE IF NOT EXISTS tessera_versionnumber START WITH 1000 INCREMENT BY 1000', params: [] },
      { sql: "DO $$ BEGIN IF (SELECT seqincrement FROM pg_sequence WHERE seqrelid = 'tessera_versionnumber'::regclass) <> 1000 THEN ALTER SEQUENCE tessera_versionnumber INCREMENT BY 1000; END IF; END $$", params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ix_systemuser_createdby" ON "systemuser" ("createdby" NULLS FIRST, "systemuserid" NULLS FIRST) WHERE "createdby" IS NOT NULL', params: [] },
      { sql: 'ALTER TABLE "tst_task" ADD COLUMN "tst_score" double precision', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ix_tst_task_tst_assignedto" ON "tst_task" ("tst_assignedto" NULLS FIRST, "tst_taskid" NULLS FIRST) WHERE "tst_assignedto" IS NOT NULL', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ix_tst_task_createdby" ON "tst_task" ("createdby" NULLS FIRST, "tst_taskid" NULLS FIRST) WHERE "createdby" IS NOT NULL', params: [] },
      { sql: 'CREATE INDEX IF NOT EXISTS "ndx_tst_task_byname" ON "tst_task" ("tst_name" NULLS FIRST)', params: [] },
    ],
    mssql: [
      { sql: "IF OBJECT_ID(N'tessera_versionnumber', N'SO') IS NULL CREATE SEQUENCE [tessera_versionnumber] AS BIGINT START WITH 1000", params: [] },
      { sql: "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_systemuser_createdby' AND object_id = OBJECT_ID(N'systemuser')) CREATE INDEX [ix_systemuser_createdby] ON [systemuser] ([createdby], [systemuserid]) WHERE [createdby] IS NOT NULL", params: [] },
      { sql: 'ALTER TABLE [tst_task] ADD [tst_score] FLOAT', params: [] },
      { sql: "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_tst_task_tst_assignedto' AND object_id = OBJECT_ID(N'tst_task')) CREATE INDEX [ix_tst_task_tst_assignedto] ON [tst_task] ([tst_assignedto], [tst_taskid]) WHERE [tst_assignedto] IS NOT NULL", params: [] },
      { sql: "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_tst_task_createdby' AND object_id = OBJECT_ID(N'tst_task')) CREATE INDEX [ix_tst_task_createdby] ON [tst_task] ([createdby], [tst_taskid]) WHERE [createdby] IS NOT NULL", params: [] },
    ],
  },
  {
    // String and Memo columns whose MaxLength grew (100 → 4000, 2000 → 10000): only SQL Server's
    // NVARCHAR(n) holds a length, so only there are they altered, tst_name's declared index
    // dropped first (not built again: NVARCHAR(4000) is past what an index key holds).
    name: 'migrationDdl for String and Memo columns whose MaxLength grew',
    render: (dl) => {
      const existing: ExistingSchema = new Map([
        ['tessera_attribute', SNAPSHOT_COLUMNS],
        ...tiny.entities.map((e) => [e.LogicalName, new Set(e.Attributes.filter((a) => a.IsStored).map((a) => a.LogicalName))] as const),
      ]);
      const indexes: ExistingIndexes = new Map([
        ['systemuser', new Map([['ix_systemuser_createdby', ['createdby', 'systemuserid']]])],
        ['tst_task', new Map([['ix_tst_task_tst_assignedto', ['tst_assignedto', 'tst_taskid']], ['ix_tst_task_createdby', ['createdby', 'tst_taskid']], ['ndx_tst_task_byname', ['tst_name']]])],
      ]);
      return migrationDdl(dl, tiny, existing, indexes, [
        { entity: 'tst_task', attribute: 'tst_name', attributeType: 'String', maxLength: 100 },
        { entity: 'tst_task', attribute: 'tst_notes', attributeType: 'Memo', maxLength: 2000 },
      ]);
    },
    sqlite: [
      'CREATE TABLE IF NOT EXISTS "tessera_sequence" ("name" TEXT PRIMARY KEY, "value" INTEGER NOT NULL)',
      `INSERT OR IGNORE INTO "tessera_sequence" ("name", "value") VALUES ('versionnumber', 1000)`,
    ],
    postgres: [
      'CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public',
      'CREATE SEQUENCE IF NOT EXISTS tessera_versionnumber START WITH 1000 INCREMENT BY 1000',
      `DO $$ BEGIN IF (SELECT seqincrement FROM pg_sequence WHERE seqrelid = 'tessera_versionnumber'::regclass) <> 1000 THEN ALTER SEQUENCE tessera_versionnumber INCREMENT BY 1000; END IF; END $$`,
    ],
    mssql: [
      `IF OBJECT_ID(N'tessera_versionnumber', N'SO') IS NULL CREATE SEQUENCE [tessera_versionnumber] AS BIGINT START WITH 1000`,
      'DROP INDEX [ndx_tst_task_byname] ON [tst_task]',
      'ALTER TABLE [tst_task] ALTER COLUMN [tst_name] NVARCHAR(4000) COLLATE Latin1_General_100_CI_AS',
      'ALTER TABLE [tst_task] ALTER COLUMN [tst_notes] NVARCHAR(MAX) COLLATE Latin1_General_100_CI_AS',
    ],
  },
  {
    // tst_assignedto had one target (systemuser) and gets a second (tst_task itself): its new type
    // column is filled, last, with the target holding each row's id (the subquery's table has an
    // alias of its own, so that a lookup to its own table compares with the outer row).
    name: 'migrationDdl for a lookup that gets a second target',
    render: (dl) => {
      const polymorphic = buildModel(tinyFiles.map((json) => ({ source: `${json.LogicalName}.json`,
        json: json.LogicalName === 'tst_task' ? { ...json, Attributes: json.Attributes.map((a) => (a.LogicalName === 'tst_assignedto' ? { ...a, Targets: ['systemuser', 'tst_task'] } : a)) } : json })));
      const existing: ExistingSchema = new Map([
        ['tessera_attribute', SNAPSHOT_COLUMNS],
        ...tiny.entities.map((e) => [e.LogicalName, new Set(e.Attributes.filter((a) => a.IsStored).map((a) => a.LogicalName))] as const),
      ]);
      const indexes: ExistingIndexes = new Map([
        ['systemuser', new Map([['ix_systemuser_createdby', ['createdby', 'systemuserid']]])],
        ['tst_task', new Map([['ix_tst_task_tst_assignedto', ['tst_assignedto', 'tst_taskid']], ['ix_tst_task_createdby', ['createdby', 'tst_taskid']],
          ...(dl.name === 'mssql' ? [] : [['ndx_tst_task_byname', ['tst_name']] as [string, string[]]])])],
      ]);
      return migrationDdl(dl, polymorphic, existing, indexes);
    },
    sqlite: [
      'CREATE TABLE IF NOT EXISTS "tessera_sequence" ("name" TEXT PRIMARY KEY, "value" INTEGER NOT NULL)',
      `INSERT OR IGNORE INTO "tessera_sequence" ("name", "value") VALUES ('versionnumber', 1000)`,
      'ALTER TABLE "tst_task" ADD COLUMN "tst_assignedtotype" TEXT COLLATE NOCASE',
      `UPDATE "tst_task" SET "tst_assignedtotype" = CASE WHEN EXISTS (SELECT 1 FROM "systemuser" AS "tessera_target" WHERE "tessera_target"."systemuserid" = "tst_task"."tst_assignedto") THEN 'systemuser' WHEN EXISTS (SELECT 1 FROM "tst_task" AS "tessera_target" WHERE "tessera_target"."tst_taskid" = "tst_task"."tst_assignedto") THEN 'tst_task' END WHERE "tst_task"."tst_assignedto" IS NOT NULL`,
    ],
    postgres: [
      'CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public',
      'CREATE SEQUENCE IF NOT EXISTS tessera_versionnumber START WITH 1000 INCREMENT BY 1000',
      `DO $$ BEGIN IF (SELECT seqincrement FROM pg_sequence WHERE seqrelid = 'tessera_versionnumber'::regclass) <> 1000 THEN ALTER SEQUENCE tessera_versionnumber INCREMENT BY 1000; END IF; END $$`,
      'ALTER TABLE "tst_task" ADD COLUMN "tst_assignedtotype" citext',
      `UPDATE "tst_task" SET "tst_assignedtotype" = CASE WHEN EXISTS (SELECT 1 FROM "systemuser" AS "tessera_target" WHERE "tessera_target"."systemuserid" = "tst_task"."tst_assignedto") THEN 'systemuser' WHEN EXISTS (SELECT 1 FROM "tst_task" AS "tessera_target" WHERE "tessera_target"."tst_taskid" = "tst_task"."tst_assignedto") THEN 'tst_task' END WHERE "tst_task"."tst_assignedto" IS NOT NULL`,
    ],
    mssql: [
      `IF OBJECT_ID(N'tessera_versionnumber', N'SO') IS NULL CREATE SEQUENCE [tessera_versionnumber] AS BIGINT START WITH 1000`,
      'ALTER TABLE [tst_task] ADD [tst_assignedtotype] NVARCHAR(100) COLLATE Latin1_General_100_CI_AS',
      `UPDATE [tst_task] SET [tst_assignedtotype] = CASE WHEN EXISTS (SELECT 1 FROM [systemuser] AS [tessera_target] WHERE [tessera_target].[systemuserid] = [tst_task].[tst_assignedto]) THEN 'systemuser' WHEN EXISTS (SELECT 1 FROM [tst_task] AS [tessera_target] WHERE [tessera_target].[tst_taskid] = [tst_task].[tst_assignedto]) THEN 'tst_task' END WHERE [tst_task].[tst_assignedto] IS NOT NULL`,
    ],
  },
  {
    // A database made before DateTimeBehavior, Precision and Targets were recorded gets the
    // bookkeeping columns; a Money column whose Precision grew (1 → 2) is altered where its type has a scale,
    // its declared index dropped first and built again; SQLite's REAL needs nothing.
    name: 'migrationDdl for a database with the older bookkeeping table and a grown Precision',
    render: (dl) => {
      const budgeted = buildModel(tinyFiles.map((json) => ({ source: `${json.LogicalName}.json`,
        json: json.LogicalName === 'tst_task' ? { ...json, Indexes: [...json.Indexes!, { LogicalName: 'bybudget', KeyAttributes: ['tst_budget'] }] } : json })));
      const existing: ExistingSchema = new Map([
        ['tessera_attribute', new Set(['entity', 'attribute', 'attributetype', 'maxlength'])],
        ...budgeted.entities.map((e) => [e.LogicalName, new Set(e.Attributes.filter((a) => a.IsStored).map((a) => a.LogicalName))] as const),
      ]);
      const indexes: ExistingIndexes = new Map([
        ['systemuser', new Map([['ix_systemuser_createdby', ['createdby', 'systemuserid']]])],
        ['tst_task', new Map([
          ['ix_tst_task_tst_assignedto', ['tst_assignedto', 'tst_taskid']], ['ix_tst_task_createdby', ['createdby', 'tst_taskid']], ['ndx_tst_task_bybudget', ['tst_budget']],
          ...(dl.name === 'mssql' ? [] : [['ndx_tst_task_byname', ['tst_name']] as [string, string[]]]),
        ])],
      ]);
      return migrationDdl(dl, budgeted, existing, indexes, [
        { entity: 'tst_task', attribute: 'tst_budget', attributeType: 'Money', maxLength: null, precision: 1 },
        { entity: 'tst_task', attribute: 'tst_ratio', attributeType: 'Decimal', maxLength: null },
      ]);
    },
    sqlite: [
      'CREATE TABLE IF NOT EXISTS "tessera_sequence" ("name" TEXT PRIMARY KEY, "value" INTEGER NOT NULL)',
      `INSERT OR IGNORE INTO "tessera_sequence" ("name", "value") VALUES ('versionnumber', 1000)`,
      'ALTER TABLE "tessera_attribute" ADD COLUMN "datetimebehavior" VARCHAR(128)',
      'ALTER TABLE "tessera_attribute" ADD COLUMN "precision" INTEGER',
      'ALTER TABLE "tessera_attribute" ADD COLUMN "targets" TEXT',
    ],
    postgres: [
      'CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public',
      'CREATE SEQUENCE IF NOT EXISTS tessera_versionnumber START WITH 1000 INCREMENT BY 1000',
      "DO $$ BEGIN IF (SELECT seqincrement FROM pg_sequence WHERE seqrelid = 'tessera_versionnumber'::regclass) <> 1000 THEN ALTER SEQUENCE tessera_versionnumber INCREMENT BY 1000; END IF; END $$",
      'ALTER TABLE "tessera_attribute" ADD COLUMN "datetimebehavior" VARCHAR(128)',
      'ALTER TABLE "tessera_attribute" ADD COLUMN "precision" INTEGER',
      'ALTER TABLE "tessera_attribute" ADD COLUMN "targets" TEXT',
      'DROP INDEX "ndx_tst_task_bybudget"',
      'ALTER TABLE "tst_task" ALTER COLUMN "tst_budget" TYPE numeric(38,2)',
      'CREATE INDEX IF NOT EXISTS "ndx_tst_task_bybudget" ON "tst_task" ("tst_budget" NULLS FIRST)',
    ],
    mssql: [
      "IF OBJECT_ID(N'tessera_versionnumber', N'SO') IS NULL CREATE SEQUENCE [tessera_versionnumber] AS BIGINT START WITH 1000",
      'ALTER TABLE [tessera_attribute] ADD [datetimebehavior] NVARCHAR(128)',
      'ALTER TABLE [tessera_attribute] ADD [precision] INTEGER',
      'ALTER TABLE [tessera_attribute] ADD [targets] NVARCHAR(MAX)',
      'DROP INDEX [ndx_tst_task_bybudget] ON [tst_task]',
      'ALTER TABLE [tst_task] ALTER COLUMN [tst_budget] DECIMAL(38,2)',
      "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ndx_tst_task_bybudget' AND object_id = OBJECT_ID(N'tst_task')) CREATE INDEX [ndx_tst_task_bybudget] ON [tst_task] ([tst_budget])",
    ],
  },
  {
    name: 'createIndex over two columns',
    render: (dl) => dl.createIndex(dl.quote('ndx_msdyn_copilotinteraction_bytype'), dl.quote('msdyn_copilotinteraction'), [dl.quote('msdyn_interactiontype'), dl.quote('createdon')]),
    sqlite: { sql: 'CREATE INDEX IF NOT EXISTS "ndx_msdyn_copilotinteraction_bytype" ON "msdyn_copilotinteraction" ("msdyn_interactiontype", "createdon")', params: [] },
    postgres: { sql: 'CREATE INDEX IF NOT EXISTS "ndx_msdyn_copilotinteraction_bytype" ON "msdyn_copilotinteraction" ("msdyn_interactiontype" NULLS FIRST, "createdon" NULLS FIRST)', params: [] },
    mssql: { sql: "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ndx_msdyn_copilotinteraction_bytype' AND object_id = OBJECT_ID(N'msdyn_copilotinteraction')) CREATE INDEX [ndx_msdyn_copilotinteraction_bytype] ON [msdyn_copilotinteraction] ([msdyn_interactiontype], [createdon])", params: [] },
  },
  {
    name: 'createUniqueIndex (alternate key over two columns)',
    render: (dl) => dl.createUniqueIndex(dl.quote('ak_account_number_region'), dl.quote('account'), [dl.quote('accountnumber'), dl.quote('region')]),
    sqlite: { sql: 'CREATE UNIQUE INDEX IF NOT EXISTS "ak_account_number_region" ON "account" ("accountnumber", "region")', params: [] },
    postgres: { sql: 'CREATE UNIQUE INDEX IF NOT EXISTS "ak_account_number_region" ON "account" ("accountnumber", "region")', params: [] },
    mssql: { sql: "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ak_account_number_region' AND object_id = OBJECT_ID(N'account')) CREATE UNIQUE INDEX [ak_account_number_region] ON [account] ([accountnumber], [region]) WHERE [accountnumber] IS NOT NULL AND [region] IS NOT NULL", params: [] },
  },
  {
    name: 'bookkeeping: read the snapshot and the catalog',
    render: (dl) => [selectSnapshot(dl), dl.catalogColumns],
    sqlite: [
      { sql: 'SELECT "entity", "attribute", "attributetype", "maxlength", "datetimebehavior", "precision", "targets" FROM "tessera_attribute"', params: [] },
      { sql: "SELECT m.name AS table_name, p.name AS column_name, NULL, NULL FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'", params: [] },
    ],
    postgres: [
      { sql: 'SELECT "entity", "attribute", "attributetype", "maxlength", "datetimebehavior", "precision", "targets" FROM "tessera_attribute"', params: [] },
      { sql: "SELECT table_name, column_name, CASE data_type WHEN 'date' THEN 1 WHEN 'timestamp with time zone' THEN 0 END, CASE data_type WHEN 'numeric' THEN numeric_scale END FROM information_schema.columns WHERE table_schema = coalesce(nullif(current_setting('tessera.schema', true), ''), current_schema())", params: [] },
    ],
    mssql: [
      { sql: 'SELECT [entity], [attribute], [attributetype], [maxlength], [datetimebehavior], [precision], [targets] FROM [tessera_attribute]', params: [] },
      { sql: "SELECT TABLE_NAME, COLUMN_NAME, CASE DATA_TYPE WHEN 'date' THEN 1 WHEN 'datetime2' THEN 0 END, CASE DATA_TYPE WHEN 'decimal' THEN NUMERIC_SCALE END FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = SCHEMA_NAME()", params: [] },
    ],
  },
  {
    // The migration's check of rows a lookup's recorded Targets no longer cover: by name, as the
    // table may be one the metadata left out; capped, every row (retained ones too).
    name: 'bookkeeping: count the rows a lookup points with, and those it points at one target with',
    render: (dl) => [renderPointingRows(dl, 'new_part', 'new_thingid', 5000), renderPointingRows(dl, 'new_book', 'new_placeid', 5000, { column: 'new_placeidtype', target: 'new_shelf' })],
    sqlite: [
      { sql: 'SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "new_part" WHERE "new_thingid" IS NOT NULL LIMIT 5001) "c"', params: [] },
      { sql: 'SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "new_book" WHERE "new_placeid" IS NOT NULL AND "new_placeidtype" = ? LIMIT 5001) "c"', params: ['new_shelf'] },
    ],
    postgres: [
      { sql: 'SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "new_part" WHERE "new_thingid" IS NOT NULL LIMIT 5001) "c"', params: [] },
      { sql: 'SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "new_book" WHERE "new_placeid" IS NOT NULL AND "new_placeidtype" = $1 LIMIT 5001) "c"', params: ['new_shelf'] },
    ],
    mssql: [
      { sql: 'SELECT COUNT(*) AS [n] FROM (SELECT TOP (5001) 1 AS [x] FROM [new_part] WHERE [new_thingid] IS NOT NULL) [c]', params: [] },
      { sql: 'SELECT COUNT(*) AS [n] FROM (SELECT TOP (5001) 1 AS [x] FROM [new_book] WHERE [new_placeid] IS NOT NULL AND [new_placeidtype] = @p1) [c]', params: ['new_shelf'] },
    ],
  },
];

// ---- FetchXML (plan/fetch.ts): the same ReadPlan, with linked columns, DISTINCT and OFFSET ----

/** Plans `GET /<set>?fetchXml=<xml>` as the service does, with a fixed clock (2024-03-10T12:00:00Z). */
function fetchRead(set: string, xml: string): ReadPlan {
  const entity = shipped.byEntitySetName.get(set)!;
  return planFetch(entity, parseFetchXml(xml), { model: shipped, caller, now: new Date('2024-03-10T12:00:00Z') }, { returnRepresentation: false }).read;
}
/** Plans `GET /<set>?fetchXml=<fetch aggregate="true">…` on the tiny model as the service does, with Dataverse's record limit (50,000). */
function fetchAggregate(set: string, xml: string, fiscal?: FiscalCalendar): AggregatePlan {
  const entity = tiny.byEntitySetName.get(set)!;
  return planFetchAggregate(entity, parseFetchXml(xml), { model: tiny, caller, now: new Date('2024-03-10T12:00:00Z'), fiscal }, { returnRepresentation: false }, false, 50000);
}
/** Plans a GET of `set` on the tiny model as the service does for an organization whose fiscal calendar is `fiscal`. */
function readFiscal(set: string, query: Record<string, string>, fiscal: FiscalCalendar): ReadPlan {
  const r = request(set, query);
  if (r.resource.kind !== 'collection') throw new Error(`not a collection: ${set}`);
  return planRead(tiny.byEntitySetName.get(r.resource.entitySet)!, r.query, r.prefer, undefined, { model: tiny, caller, clock: () => new Date('2024-03-10T12:00:00Z'), fiscal });
}
/** Monthly periods from 31 January (28 or 29 February, 31 March, 30 April …), years named by their end. */
const MONTHLY_31_JANUARY = fiscalCalendar('2024-01-31T00:00:00Z', FISCAL_PERIOD_TYPES.monthly, 2);
/** Four-week periods from 29 February (28 February in a common year), years named by their start. */
const FOUR_WEEK_29_FEBRUARY = fiscalCalendar('2024-02-29T00:00:00Z', FISCAL_PERIOD_TYPES.fourWeek, 1);
/** The SQL of period 3 (monthly from 31 January) of `createdon`, on each dialect: 12 · year + month − 1 − (1 before the month's boundary), mod 12, + 1. */
const MONTHLY_PERIOD: Record<keyof typeof DIALECTS, string> = {
  sqlite: `(((12 * CAST(strftime('%Y', "createdon") AS INTEGER) + CAST(strftime('%m', "createdon") AS INTEGER) - 1 - CASE WHEN CAST(strftime('%d', "createdon") AS INTEGER) < 31 AND CAST(strftime('%d', "createdon") AS INTEGER) < CASE CAST(strftime('%m', "createdon") AS INTEGER) WHEN 2 THEN 28 + CASE WHEN (CAST(strftime('%Y', "createdon") AS INTEGER)) % 4 = 0 AND (CAST(strftime('%Y', "createdon") AS INTEGER)) % 100 <> 0 OR (CAST(strftime('%Y', "createdon") AS INTEGER)) % 400 = 0 THEN 1 ELSE 0 END WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END THEN 1 ELSE 0 END) % 12) / 1 + 1)`,
  postgres: `(((12 * CAST(EXTRACT(YEAR FROM "createdon" AT TIME ZONE 'UTC') AS integer) + CAST(EXTRACT(MONTH FROM "createdon" AT TIME ZONE 'UTC') AS integer) - 1 - CASE WHEN CAST(EXTRACT(DAY FROM "createdon" AT TIME ZONE 'UTC') AS integer) < 31 AND CAST(EXTRACT(DAY FROM "createdon" AT TIME ZONE 'UTC') AS integer) < CASE CAST(EXTRACT(MONTH FROM "createdon" AT TIME ZONE 'UTC') AS integer) WHEN 2 THEN 28 + CASE WHEN (CAST(EXTRACT(YEAR FROM "createdon" AT TIME ZONE 'UTC') AS integer)) % 4 = 0 AND (CAST(EXTRACT(YEAR FROM "createdon" AT TIME ZONE 'UTC') AS integer)) % 100 <> 0 OR (CAST(EXTRACT(YEAR FROM "createdon" AT TIME ZONE 'UTC') AS integer)) % 400 = 0 THEN 1 ELSE 0 END WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END THEN 1 ELSE 0 END) % 12) / 1 + 1)`,
  mssql: `(((12 * DATEPART(year, [createdon]) + DATEPART(month, [createdon]) - 1 - CASE WHEN DATEPART(day, [createdon]) < 31 AND DATEPART(day, [createdon]) < CASE DATEPART(month, [createdon]) WHEN 2 THEN 28 + CASE WHEN (DATEPART(year, [createdon])) % 4 = 0 AND (DATEPART(year, [createdon])) % 100 <> 0 OR (DATEPART(year, [createdon])) % 400 = 0 THEN 1 ELSE 0 END WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END THEN 1 ELSE 0 END) % 12) / 1 + 1)`,
};
/** The SQL of the four-week fiscal-period key (100 · year + period, from 29 February) of the input subquery's date `g0`. */
const FOUR_WEEK_YEAR_PERIOD: Record<keyof typeof DIALECTS, string> = {
  sqlite: `(CASE WHEN CAST(strftime('%j', "s"."g0") AS INTEGER) >= (59 + CASE WHEN (CAST(strftime('%Y', "s"."g0") AS INTEGER)) % 4 = 0 AND (CAST(strftime('%Y', "s"."g0") AS INTEGER)) % 100 <> 0 OR (CAST(strftime('%Y', "s"."g0") AS INTEGER)) % 400 = 0 THEN 1 ELSE 0 END) THEN 100 * (CAST(strftime('%Y', "s"."g0") AS INTEGER) + 0) + ((CAST(strftime('%j', "s"."g0") AS INTEGER) - (59 + CASE WHEN (CAST(strftime('%Y', "s"."g0") AS INTEGER)) % 4 = 0 AND (CAST(strftime('%Y', "s"."g0") AS INTEGER)) % 100 <> 0 OR (CAST(strftime('%Y', "s"."g0") AS INTEGER)) % 400 = 0 THEN 1 ELSE 0 END)) / 28 + 1) ELSE 100 * (CAST(strftime('%Y', "s"."g0") AS INTEGER) + 0 - 1) + CASE WHEN (CAST(strftime('%j', "s"."g0") AS INTEGER) + 306) >= 364 THEN 13 ELSE (CAST(strftime('%j', "s"."g0") AS INTEGER) + 306) / 28 + 1 END END)`,
  postgres: `(CASE WHEN CAST(EXTRACT(DOY FROM "s"."g0" AT TIME ZONE 'UTC') AS integer) >= (59 + CASE WHEN (CAST(EXTRACT(YEAR FROM "s"."g0" AT TIME ZONE 'UTC') AS integer)) % 4 = 0 AND (CAST(EXTRACT(YEAR FROM "s"."g0" AT TIME ZONE 'UTC') AS integer)) % 100 <> 0 OR (CAST(EXTRACT(YEAR FROM "s"."g0" AT TIME ZONE 'UTC') AS integer)) % 400 = 0 THEN 1 ELSE 0 END) THEN 100 * (CAST(EXTRACT(YEAR FROM "s"."g0" AT TIME ZONE 'UTC') AS integer) + 0) + ((CAST(EXTRACT(DOY FROM "s"."g0" AT TIME ZONE 'UTC') AS integer) - (59 + CASE WHEN (CAST(EXTRACT(YEAR FROM "s"."g0" AT TIME ZONE 'UTC') AS integer)) % 4 = 0 AND (CAST(EXTRACT(YEAR FROM "s"."g0" AT TIME ZONE 'UTC') AS integer)) % 100 <> 0 OR (CAST(EXTRACT(YEAR FROM "s"."g0" AT TIME ZONE 'UTC') AS integer)) % 400 = 0 THEN 1 ELSE 0 END)) / 28 + 1) ELSE 100 * (CAST(EXTRACT(YEAR FROM "s"."g0" AT TIME ZONE 'UTC') AS integer) + 0 - 1) + CASE WHEN (CAST(EXTRACT(DOY FROM "s"."g0" AT TIME ZONE 'UTC') AS integer) + 306) >= 364 THEN 13 ELSE (CAST(EXTRACT(DOY FROM "s"."g0" AT TIME ZONE 'UTC') AS integer) + 306) / 28 + 1 END END)`,
  mssql: `(CASE WHEN DATEPART(dayofyear, [s].[g0]) >= (59 + CASE WHEN (DATEPART(year, [s].[g0])) % 4 = 0 AND (DATEPART(year, [s].[g0])) % 100 <> 0 OR (DATEPART(year, [s].[g0])) % 400 = 0 THEN 1 ELSE 0 END) THEN 100 * (DATEPART(year, [s].[g0]) + 0) + ((DATEPART(dayofyear, [s].[g0]) - (59 + CASE WHEN (DATEPART(year, [s].[g0])) % 4 = 0 AND (DATEPART(year, [s].[g0])) % 100 <> 0 OR (DATEPART(year, [s].[g0])) % 400 = 0 THEN 1 ELSE 0 END)) / 28 + 1) ELSE 100 * (DATEPART(year, [s].[g0]) + 0 - 1) + CASE WHEN (DATEPART(dayofyear, [s].[g0]) + 306) >= 364 THEN 13 ELSE (DATEPART(dayofyear, [s].[g0]) + 306) / 28 + 1 END END)`,
};
/** The SQL of the fiscal year's name (by its end, from 31 January) of the input subquery's date `g0`. */
const MONTHLY_YEAR: Record<keyof typeof DIALECTS, string> = {
  sqlite: `(((12 * CAST(strftime('%Y', "s"."g0") AS INTEGER) + CAST(strftime('%m', "s"."g0") AS INTEGER) - 1 - CASE WHEN CAST(strftime('%d', "s"."g0") AS INTEGER) < 31 AND CAST(strftime('%d', "s"."g0") AS INTEGER) < CASE CAST(strftime('%m', "s"."g0") AS INTEGER) WHEN 2 THEN 28 + CASE WHEN (CAST(strftime('%Y', "s"."g0") AS INTEGER)) % 4 = 0 AND (CAST(strftime('%Y', "s"."g0") AS INTEGER)) % 100 <> 0 OR (CAST(strftime('%Y', "s"."g0") AS INTEGER)) % 400 = 0 THEN 1 ELSE 0 END WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END THEN 1 ELSE 0 END) / 12) + 1)`,
  postgres: `(((12 * CAST(EXTRACT(YEAR FROM "s"."g0" AT TIME ZONE 'UTC') AS integer) + CAST(EXTRACT(MONTH FROM "s"."g0" AT TIME ZONE 'UTC') AS integer) - 1 - CASE WHEN CAST(EXTRACT(DAY FROM "s"."g0" AT TIME ZONE 'UTC') AS integer) < 31 AND CAST(EXTRACT(DAY FROM "s"."g0" AT TIME ZONE 'UTC') AS integer) < CASE CAST(EXTRACT(MONTH FROM "s"."g0" AT TIME ZONE 'UTC') AS integer) WHEN 2 THEN 28 + CASE WHEN (CAST(EXTRACT(YEAR FROM "s"."g0" AT TIME ZONE 'UTC') AS integer)) % 4 = 0 AND (CAST(EXTRACT(YEAR FROM "s"."g0" AT TIME ZONE 'UTC') AS integer)) % 100 <> 0 OR (CAST(EXTRACT(YEAR FROM "s"."g0" AT TIME ZONE 'UTC') AS integer)) % 400 = 0 THEN 1 ELSE 0 END WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END THEN 1 ELSE 0 END) / 12) + 1)`,
  mssql: `(((12 * DATEPART(year, [s].[g0]) + DATEPART(month, [s].[g0]) - 1 - CASE WHEN DATEPART(day, [s].[g0]) < 31 AND DATEPART(day, [s].[g0]) < CASE DATEPART(month, [s].[g0]) WHEN 2 THEN 28 + CASE WHEN (DATEPART(year, [s].[g0])) % 4 = 0 AND (DATEPART(year, [s].[g0])) % 100 <> 0 OR (DATEPART(year, [s].[g0])) % 400 = 0 THEN 1 ELSE 0 END WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END THEN 1 ELSE 0 END) / 12) + 1)`,
};
const INTERACTION_FETCH = (attributes: string, body: string) => `<fetch${attributes}><entity name="msdyn_copilotinteraction"><attribute name="msdyn_name"/>${body}</entity></fetch>`;
const TO_DATA = 'name="msdyn_copilotinteractiondata" from="msdyn_copilotinteractiondataid" to="msdyn_interactiondataid"';
const TO_CHILDREN = 'name="msdyn_copilotinteraction" from="msdyn_interactiondataid" to="msdyn_copilotinteractiondataid"';
const LINKED_NAME = (q: (s: string) => string) => `(SELECT ${q('l1')}.${q('msdyn_name')} FROM ${q('msdyn_copilotinteractiondata')} ${q('l1')} WHERE ${q('l1')}.${q('msdyn_copilotinteractiondataid')} = ${q('msdyn_copilotinteraction')}.${q('msdyn_interactiondataid')}`;
const dq = (s: string) => `"${s}"`;
const bq = (s: string) => `[${s}]`;

/** What a Basic-depth caller `caller` in team TEAM reaches of userquery rows with `rights` (security/access.ts ownRows). */
const TEAM = 'eeeeeeee-0000-4000-8000-00000000000e';
const sharedFilter = (): PlanExpr => ({
  kind: 'or',
  left: { kind: 'in', attribute: attr(entity(shipped, 'userquery'), 'ownerid'), values: [caller.systemuserid, TEAM] },
  right: { kind: 'shared', entity: entity(shipped, 'userquery'), principals: [caller.systemuserid, TEAM], rights: 1 },
});
/** The guard a Basic-depth delete of a userquery row gets (security/access.ts ownGuard). */
const sharedGuard = (): Guard => ({
  attribute: attr(entity(shipped, 'userquery'), 'ownerid'), values: [caller.systemuserid, TEAM], strict: true, fail: () => new Error('denied'),
  shared: { principals: [caller.systemuserid, TEAM], rights: 65536 },
});

const fetchCases: Case[] = [
  {
    name: "FetchXML: a link-entity to one of ownerid's tables follows that table's branch, null where owneridtype names the other",
    render: (dl) => renderRead(dl, planFetch(related.byLogicalName.get('account')!, parseFetchXml('<fetch count="5"><entity name="account"><attribute name="name"/><link-entity name="team" from="teamid" to="ownerid" link-type="outer" alias="t"><attribute name="name"/></link-entity></entity></fetch>'), { model: related, caller, now: new Date('2024-03-10T12:00:00Z') }, { returnRepresentation: false }).read),
    sqlite: { sql: 'SELECT "name", "accountid", "versionnumber", (SELECT "l1"."name" FROM "team" "l1" WHERE "l1"."teamid" = CASE WHEN "account"."owneridtype" = \'team\' THEN "account"."ownerid" END) AS "linked1" FROM "account" ORDER BY "accountid" ASC LIMIT ?', params: [6] },
    postgres: { sql: 'SELECT "name", "accountid", "versionnumber", (SELECT "l1"."name" FROM "team" "l1" WHERE "l1"."teamid" = CASE WHEN "account"."owneridtype" = \'team\' THEN "account"."ownerid" END) AS "linked1" FROM "account" ORDER BY "accountid" ASC NULLS FIRST LIMIT $1', params: [6] },
    mssql: { sql: 'SELECT TOP (@p1) [name], [accountid], [versionnumber], (SELECT [l1].[name] FROM [team] [l1] WHERE [l1].[teamid] = CASE WHEN [account].[owneridtype] = \'team\' THEN [account].[ownerid] END) AS [linked1] FROM [account] ORDER BY [accountid] ASC', params: [6] },
  },
  {
    name: 'FetchXML: many-to-one outer link columns, nested, as scalar subqueries per lookup step',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractions', INTERACTION_FETCH(' count="10"', `<link-entity ${TO_DATA} link-type="outer" alias="d"><attribute name="msdyn_name"/><link-entity name="systemuser" from="systemuserid" to="createdby" link-type="outer" alias="u"><attribute name="fullname"/></link-entity></link-entity>`))),
    sqlite: { sql: `SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", ${LINKED_NAME(dq)}) AS "linked1", (SELECT "l2"."fullname" FROM "systemuser" "l2" WHERE "l2"."systemuserid" = (SELECT "l1"."createdby" FROM "msdyn_copilotinteractiondata" "l1" WHERE "l1"."msdyn_copilotinteractiondataid" = "msdyn_copilotinteraction"."msdyn_interactiondataid")) AS "linked2" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?`, params: [11] },
    postgres: { sql: `SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", ${LINKED_NAME(dq)}) AS "linked1", (SELECT "l2"."fullname" FROM "systemuser" "l2" WHERE "l2"."systemuserid" = (SELECT "l1"."createdby" FROM "msdyn_copilotinteractiondata" "l1" WHERE "l1"."msdyn_copilotinteractiondataid" = "msdyn_copilotinteraction"."msdyn_interactiondataid")) AS "linked2" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $1`, params: [11] },
    mssql: { sql: `SELECT TOP (@p1) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber], ${LINKED_NAME(bq)}) AS [linked1], (SELECT [l2].[fullname] FROM [systemuser] [l2] WHERE [l2].[systemuserid] = (SELECT [l1].[createdby] FROM [msdyn_copilotinteractiondata] [l1] WHERE [l1].[msdyn_copilotinteractiondataid] = [msdyn_copilotinteraction].[msdyn_interactiondataid])) AS [linked2] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) ORDER BY [msdyn_copilotinteractionid] ASC`, params: [11] },
  },
  {
    name: 'FetchXML: inner link with a filter restricts rows (EXISTS) and conditions its columns',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractions', INTERACTION_FETCH('', `<link-entity ${TO_DATA} alias="d"><attribute name="msdyn_name"/><filter><condition attribute="msdyn_name" operator="begins-with" value="red"/></filter></link-entity>`))),
    sqlite: { sql: `SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", ${LINKED_NAME(dq)} AND "msdyn_name" LIKE ? ESCAPE '\\') AS "linked1" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_copilotinteraction"."msdyn_interactiondataid" IS NOT NULL AND "msdyn_copilotinteraction"."msdyn_interactiondataid" IN (SELECT "f1"."msdyn_copilotinteractiondataid" FROM "msdyn_copilotinteractiondata" "f1" WHERE "msdyn_name" LIKE ? ESCAPE '\\')) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?`, params: ['red%', 'red%', 5001] },
    postgres: { sql: `SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", ${LINKED_NAME(dq)} AND "msdyn_name" LIKE $1 ESCAPE '\\') AS "linked1" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_copilotinteraction"."msdyn_interactiondataid" IS NOT NULL AND "msdyn_copilotinteraction"."msdyn_interactiondataid" IN (SELECT "f1"."msdyn_copilotinteractiondataid" FROM "msdyn_copilotinteractiondata" "f1" WHERE "msdyn_name" LIKE $2 ESCAPE '\\')) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $3`, params: ['red%', 'red%', 5001] },
    mssql: { sql: `SELECT TOP (@p3) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber], ${LINKED_NAME(bq)} AND [msdyn_name] LIKE @p1 ESCAPE '\\') AS [linked1] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_copilotinteraction].[msdyn_interactiondataid] IS NOT NULL AND [msdyn_copilotinteraction].[msdyn_interactiondataid] IN (SELECT [f1].[msdyn_copilotinteractiondataid] FROM [msdyn_copilotinteractiondata] [f1] WHERE [msdyn_name] LIKE @p2 ESCAPE '\\')) ORDER BY [msdyn_copilotinteractionid] ASC`, params: ['red%', 'red%', 5001] },
  },
  {
    name: 'FetchXML: a condition on an outer link column (entityname, null): EXISTS … OR NOT EXISTS',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractions', INTERACTION_FETCH('', `<link-entity ${TO_DATA} link-type="outer" alias="d"><filter><condition attribute="statecode" operator="eq" value="0"/></filter></link-entity><filter><condition entityname="d" attribute="msdyn_name" operator="null"/></filter>`))),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_copilotinteraction"."msdyn_interactiondataid" IS NOT NULL AND "msdyn_copilotinteraction"."msdyn_interactiondataid" IN (SELECT "f1"."msdyn_copilotinteractiondataid" FROM "msdyn_copilotinteractiondata" "f1" WHERE ("statecode" = ? AND "msdyn_name" IS NULL))) OR NOT (("msdyn_copilotinteraction"."msdyn_interactiondataid" IS NOT NULL AND "msdyn_copilotinteraction"."msdyn_interactiondataid" IN (SELECT "f1"."msdyn_copilotinteractiondataid" FROM "msdyn_copilotinteractiondata" "f1" WHERE "statecode" = ?)))) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [0, 0, 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND (("msdyn_copilotinteraction"."msdyn_interactiondataid" IS NOT NULL AND "msdyn_copilotinteraction"."msdyn_interactiondataid" IN (SELECT "f1"."msdyn_copilotinteractiondataid" FROM "msdyn_copilotinteractiondata" "f1" WHERE ("statecode" = $1 AND "msdyn_name" IS NULL))) OR NOT (("msdyn_copilotinteraction"."msdyn_interactiondataid" IS NOT NULL AND "msdyn_copilotinteraction"."msdyn_interactiondataid" IN (SELECT "f1"."msdyn_copilotinteractiondataid" FROM "msdyn_copilotinteractiondata" "f1" WHERE "statecode" = $2)))) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $3', params: [0, 0, 5001] },
    mssql: { sql: 'SELECT TOP (@p3) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND (([msdyn_copilotinteraction].[msdyn_interactiondataid] IS NOT NULL AND [msdyn_copilotinteraction].[msdyn_interactiondataid] IN (SELECT [f1].[msdyn_copilotinteractiondataid] FROM [msdyn_copilotinteractiondata] [f1] WHERE ([statecode] = @p1 AND [msdyn_name] IS NULL))) OR NOT (([msdyn_copilotinteraction].[msdyn_interactiondataid] IS NOT NULL AND [msdyn_copilotinteraction].[msdyn_interactiondataid] IN (SELECT [f1].[msdyn_copilotinteractiondataid] FROM [msdyn_copilotinteractiondata] [f1] WHERE [statecode] = @p2)))) ORDER BY [msdyn_copilotinteractionid] ASC', params: [0, 0, 5001] },
  },
  {
    name: 'FetchXML: filter link types over a one-to-many relationship (not any, all)',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractiondatas', `<fetch><entity name="msdyn_copilotinteractiondata"><attribute name="msdyn_name"/><filter type="or"><link-entity ${TO_CHILDREN} link-type="not any"/><link-entity ${TO_CHILDREN} link-type="all"><filter><condition attribute="importsequencenumber" operator="gt" value="5"/></filter></link-entity></filter></entity></fetch>`)),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractiondataid", "versionnumber" FROM "msdyn_copilotinteractiondata" WHERE (NOT (EXISTS (SELECT 1 FROM "msdyn_copilotinteraction" "f1" WHERE "f1"."msdyn_interactiondataid" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" AND ("msft_datastate" IS NULL OR "msft_datastate" <> 1))) OR (EXISTS (SELECT 1 FROM "msdyn_copilotinteraction" "f1" WHERE "f1"."msdyn_interactiondataid" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" AND ("msft_datastate" IS NULL OR "msft_datastate" <> 1)) AND NOT (EXISTS (SELECT 1 FROM "msdyn_copilotinteraction" "f1" WHERE "f1"."msdyn_interactiondataid" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" AND ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "importsequencenumber" > ?)))) ORDER BY "msdyn_copilotinteractiondataid" ASC LIMIT ?', params: [5, 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractiondataid", "versionnumber" FROM "msdyn_copilotinteractiondata" WHERE (NOT (EXISTS (SELECT 1 FROM "msdyn_copilotinteraction" "f1" WHERE "f1"."msdyn_interactiondataid" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" AND ("msft_datastate" IS NULL OR "msft_datastate" <> 1))) OR (EXISTS (SELECT 1 FROM "msdyn_copilotinteraction" "f1" WHERE "f1"."msdyn_interactiondataid" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" AND ("msft_datastate" IS NULL OR "msft_datastate" <> 1)) AND NOT (EXISTS (SELECT 1 FROM "msdyn_copilotinteraction" "f1" WHERE "f1"."msdyn_interactiondataid" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" AND ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "importsequencenumber" > $1)))) ORDER BY "msdyn_copilotinteractiondataid" ASC NULLS FIRST LIMIT $2', params: [5, 5001] },
    mssql: { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractiondataid], [versionnumber] FROM [msdyn_copilotinteractiondata] WHERE (NOT (EXISTS (SELECT 1 FROM [msdyn_copilotinteraction] [f1] WHERE [f1].[msdyn_interactiondataid] = [msdyn_copilotinteractiondata].[msdyn_copilotinteractiondataid] AND ([msft_datastate] IS NULL OR [msft_datastate] <> 1))) OR (EXISTS (SELECT 1 FROM [msdyn_copilotinteraction] [f1] WHERE [f1].[msdyn_interactiondataid] = [msdyn_copilotinteractiondata].[msdyn_copilotinteractiondataid] AND ([msft_datastate] IS NULL OR [msft_datastate] <> 1)) AND NOT (EXISTS (SELECT 1 FROM [msdyn_copilotinteraction] [f1] WHERE [f1].[msdyn_interactiondataid] = [msdyn_copilotinteractiondata].[msdyn_copilotinteractiondataid] AND ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND [importsequencenumber] > @p1)))) ORDER BY [msdyn_copilotinteractiondataid] ASC', params: [5, 5001] },
  },
  {
    name: 'FetchXML: one-to-many outer link columns: a row per related row through a joined derived table that selects them, ordered by its column and key, pages skipped',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractiondatas', `<fetch count="10" page="2"><entity name="msdyn_copilotinteractiondata"><attribute name="msdyn_name"/><link-entity ${TO_CHILDREN} link-type="outer" alias="c"><attribute name="msdyn_name"/><order attribute="msdyn_name" descending="true"/><filter><condition attribute="importsequencenumber" operator="gt" value="5"/></filter></link-entity></entity></fetch>`)),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractiondataid", "versionnumber", "lj1"."_c_msdyn_name" COLLATE NOCASE AS "c_x002e_msdyn_name", "lj1"."_k" AS "c_x002e_msdyn_copilotinteractionid", "lj1"."_c_msdyn_name" AS "linked1" FROM "msdyn_copilotinteractiondata" LEFT JOIN (SELECT "lt1"."msdyn_copilotinteractionid" AS "_k", "lt1"."msdyn_interactiondataid" AS "_f", "lt1"."msdyn_name" AS "_c_msdyn_name" FROM "msdyn_copilotinteraction" "lt1" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "importsequencenumber" > ?) "lj1" ON "lj1"."_f" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" ORDER BY "lj1"."_c_msdyn_name" COLLATE NOCASE DESC, "msdyn_copilotinteractiondataid" ASC, "lj1"."_k" ASC LIMIT ? OFFSET ?', params: [5, 11, 10] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractiondataid", "versionnumber", "lj1"."_c_msdyn_name" AS "c_x002e_msdyn_name", "lj1"."_k" AS "c_x002e_msdyn_copilotinteractionid", "lj1"."_c_msdyn_name" AS "linked1" FROM "msdyn_copilotinteractiondata" LEFT JOIN (SELECT "lt1"."msdyn_copilotinteractionid" AS "_k", "lt1"."msdyn_interactiondataid" AS "_f", "lt1"."msdyn_name" AS "_c_msdyn_name" FROM "msdyn_copilotinteraction" "lt1" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "importsequencenumber" > $1) "lj1" ON "lj1"."_f" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" ORDER BY "lj1"."_c_msdyn_name" DESC NULLS LAST, "msdyn_copilotinteractiondataid" ASC NULLS FIRST, "lj1"."_k" ASC NULLS FIRST LIMIT $2 OFFSET $3', params: [5, 11, 10] },
    mssql: { sql: 'SELECT [msdyn_name], [msdyn_copilotinteractiondataid], [versionnumber], [lj1].[_c_msdyn_name] COLLATE Latin1_General_100_CI_AS AS [c_x002e_msdyn_name], [lj1].[_k] AS [c_x002e_msdyn_copilotinteractionid], [lj1].[_c_msdyn_name] AS [linked1] FROM [msdyn_copilotinteractiondata] LEFT JOIN (SELECT [lt1].[msdyn_copilotinteractionid] AS [_k], [lt1].[msdyn_interactiondataid] AS [_f], [lt1].[msdyn_name] AS [_c_msdyn_name] FROM [msdyn_copilotinteraction] [lt1] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND [importsequencenumber] > @p1) [lj1] ON [lj1].[_f] = [msdyn_copilotinteractiondata].[msdyn_copilotinteractiondataid] ORDER BY [lj1].[_c_msdyn_name] COLLATE Latin1_General_100_CI_AS DESC, [msdyn_copilotinteractiondataid] ASC, [lj1].[_k] ASC OFFSET @p3 ROWS FETCH NEXT @p2 ROWS ONLY', params: [5, 11, 10] },
  },
  {
    name: 'FetchXML: many-to-many through the intersect table: its rows joined (no EXISTS beside the inner join), the far table\'s columns read by the intersect row\'s id, conditioned by the far link\'s filter',
    render: (dl) => renderRead(dl, fetchRead('systemusers', '<fetch count="10"><entity name="systemuser"><attribute name="fullname"/><link-entity name="systemuserroles" from="systemuserid" to="systemuserid" intersect="true" visible="false"><link-entity name="role" from="roleid" to="roleid" link-type="outer" alias="r"><attribute name="name"/><filter><condition attribute="name" operator="eq" value="Sales"/></filter></link-entity></link-entity></entity></fetch>')),
    sqlite: { sql: 'SELECT "fullname", "systemuserid", "versionnumber", "lj1"."_k" AS "systemuserroles1_x002e_systemuserrolesid", (SELECT "l1"."name" FROM "role" "l1" WHERE "l1"."roleid" = "lj1"."_c_roleid" AND "name" = ?) AS "linked1" FROM "systemuser" JOIN (SELECT "lt1"."systemuserrolesid" AS "_k", "lt1"."systemuserid" AS "_f", "lt1"."roleid" AS "_c_roleid" FROM "systemuserroles" "lt1") "lj1" ON "lj1"."_f" = "systemuser"."systemuserid" ORDER BY "systemuserid" ASC, "lj1"."_k" ASC LIMIT ?', params: ['Sales', 11] },
    postgres: { sql: 'SELECT "fullname", "systemuserid", "versionnumber", "lj1"."_k" AS "systemuserroles1_x002e_systemuserrolesid", (SELECT "l1"."name" FROM "role" "l1" WHERE "l1"."roleid" = "lj1"."_c_roleid" AND "name" = $1) AS "linked1" FROM "systemuser" JOIN (SELECT "lt1"."systemuserrolesid" AS "_k", "lt1"."systemuserid" AS "_f", "lt1"."roleid" AS "_c_roleid" FROM "systemuserroles" "lt1") "lj1" ON "lj1"."_f" = "systemuser"."systemuserid" ORDER BY "systemuserid" ASC NULLS FIRST, "lj1"."_k" ASC NULLS FIRST LIMIT $2', params: ['Sales', 11] },
    mssql: { sql: 'SELECT TOP (@p2) [fullname], [systemuserid], [versionnumber], [lj1].[_k] AS [systemuserroles1_x002e_systemuserrolesid], (SELECT [l1].[name] FROM [role] [l1] WHERE [l1].[roleid] = [lj1].[_c_roleid] AND [name] = @p1) AS [linked1] FROM [systemuser] JOIN (SELECT [lt1].[systemuserrolesid] AS [_k], [lt1].[systemuserid] AS [_f], [lt1].[roleid] AS [_c_roleid] FROM [systemuserroles] [lt1]) [lj1] ON [lj1].[_f] = [systemuser].[systemuserid] ORDER BY [systemuserid] ASC, [lj1].[_k] ASC', params: ['Sales', 11] },
  },
  {
    name: 'FetchXML: a join on columns outside relationships (a string column to the parent\'s, inner): a joined derived table whose _f is the linked column, ON the parent\'s to column',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractions', '<fetch count="10"><entity name="msdyn_copilotinteraction"><attribute name="msdyn_name"/><link-entity name="systemuser" from="fullname" to="msdyn_name" alias="u"><attribute name="fullname"/></link-entity></entity></fetch>')),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", "lj1"."_k" AS "u_x002e_systemuserid", "lj1"."_c_fullname" AS "linked1" FROM "msdyn_copilotinteraction" JOIN (SELECT "lt1"."systemuserid" AS "_k", "lt1"."fullname" AS "_f", "lt1"."fullname" AS "_c_fullname" FROM "systemuser" "lt1") "lj1" ON "lj1"."_f" = "msdyn_copilotinteraction"."msdyn_name" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" ASC, "lj1"."_k" ASC LIMIT ?', params: [11] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", "lj1"."_k" AS "u_x002e_systemuserid", "lj1"."_c_fullname" AS "linked1" FROM "msdyn_copilotinteraction" JOIN (SELECT "lt1"."systemuserid" AS "_k", "lt1"."fullname" AS "_f", "lt1"."fullname" AS "_c_fullname" FROM "systemuser" "lt1") "lj1" ON "lj1"."_f" = "msdyn_copilotinteraction"."msdyn_name" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST, "lj1"."_k" ASC NULLS FIRST LIMIT $1', params: [11] },
    mssql: { sql: 'SELECT TOP (@p1) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber], [lj1].[_k] AS [u_x002e_systemuserid], [lj1].[_c_fullname] AS [linked1] FROM [msdyn_copilotinteraction] JOIN (SELECT [lt1].[systemuserid] AS [_k], [lt1].[fullname] AS [_f], [lt1].[fullname] AS [_c_fullname] FROM [systemuser] [lt1]) [lj1] ON [lj1].[_f] = [msdyn_copilotinteraction].[msdyn_name] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) ORDER BY [msdyn_copilotinteractionid] ASC, [lj1].[_k] ASC', params: [11] },
  },
  {
    name: 'FetchXML: an exists link on columns outside relationships: EXISTS comparing the linked column with the parent\'s',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractions', '<fetch count="10"><entity name="msdyn_copilotinteraction"><attribute name="msdyn_name"/><link-entity name="systemuser" from="fullname" to="msdyn_name" link-type="exists"><filter><condition attribute="fullname" operator="ne" value="x"/></filter></link-entity></entity></fetch>')),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND EXISTS (SELECT 1 FROM "systemuser" "f1" WHERE "f1"."fullname" = "msdyn_copilotinteraction"."msdyn_name" AND ("fullname" <> ? OR "fullname" IS NULL)) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['x', 11] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND EXISTS (SELECT 1 FROM "systemuser" "f1" WHERE "f1"."fullname" = "msdyn_copilotinteraction"."msdyn_name" AND ("fullname" <> $1 OR "fullname" IS NULL)) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $2', params: ['x', 11] },
    mssql: { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND EXISTS (SELECT 1 FROM [systemuser] [f1] WHERE [f1].[fullname] = [msdyn_copilotinteraction].[msdyn_name] AND ([fullname] <> @p1 OR [fullname] IS NULL)) ORDER BY [msdyn_copilotinteractionid] ASC', params: ['x', 11] },
  },
  {
    name: 'FetchXML: a join on columns below another: its parent\'s to column read from the parent join\'s derived table (_c_<column>), not its key',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractions', '<fetch count="10"><entity name="msdyn_copilotinteraction"><attribute name="msdyn_name"/><link-entity name="systemuser" from="fullname" to="msdyn_name" link-type="outer" alias="u"><link-entity name="msdyn_copilotinteraction" from="msdyn_name" to="fullname" link-type="outer" alias="c"><attribute name="importsequencenumber"/></link-entity></link-entity></entity></fetch>')),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", "lj1"."_k" AS "u_x002e_systemuserid", "lj2"."_k" AS "c_x002e_msdyn_copilotinteractionid", "lj2"."_c_importsequencenumber" AS "linked1" FROM "msdyn_copilotinteraction" LEFT JOIN (SELECT "lt1"."systemuserid" AS "_k", "lt1"."fullname" AS "_f", "lt1"."fullname" AS "_c_fullname" FROM "systemuser" "lt1") "lj1" ON "lj1"."_f" = "msdyn_copilotinteraction"."msdyn_name" LEFT JOIN (SELECT "lt2"."msdyn_copilotinteractionid" AS "_k", "lt2"."msdyn_name" AS "_f", "lt2"."importsequencenumber" AS "_c_importsequencenumber" FROM "msdyn_copilotinteraction" "lt2" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1)) "lj2" ON "lj2"."_f" = "lj1"."_c_fullname" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" ASC, "lj1"."_k" ASC, "lj2"."_k" ASC LIMIT ?', params: [11] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber", "lj1"."_k" AS "u_x002e_systemuserid", "lj2"."_k" AS "c_x002e_msdyn_copilotinteractionid", "lj2"."_c_importsequencenumber" AS "linked1" FROM "msdyn_copilotinteraction" LEFT JOIN (SELECT "lt1"."systemuserid" AS "_k", "lt1"."fullname" AS "_f", "lt1"."fullname" AS "_c_fullname" FROM "systemuser" "lt1") "lj1" ON "lj1"."_f" = "msdyn_copilotinteraction"."msdyn_name" LEFT JOIN (SELECT "lt2"."msdyn_copilotinteractionid" AS "_k", "lt2"."msdyn_name" AS "_f", "lt2"."importsequencenumber" AS "_c_importsequencenumber" FROM "msdyn_copilotinteraction" "lt2" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1)) "lj2" ON "lj2"."_f" = "lj1"."_c_fullname" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST, "lj1"."_k" ASC NULLS FIRST, "lj2"."_k" ASC NULLS FIRST LIMIT $1', params: [11] },
    mssql: { sql: 'SELECT TOP (@p1) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber], [lj1].[_k] AS [u_x002e_systemuserid], [lj2].[_k] AS [c_x002e_msdyn_copilotinteractionid], [lj2].[_c_importsequencenumber] AS [linked1] FROM [msdyn_copilotinteraction] LEFT JOIN (SELECT [lt1].[systemuserid] AS [_k], [lt1].[fullname] AS [_f], [lt1].[fullname] AS [_c_fullname] FROM [systemuser] [lt1]) [lj1] ON [lj1].[_f] = [msdyn_copilotinteraction].[msdyn_name] LEFT JOIN (SELECT [lt2].[msdyn_copilotinteractionid] AS [_k], [lt2].[msdyn_name] AS [_f], [lt2].[importsequencenumber] AS [_c_importsequencenumber] FROM [msdyn_copilotinteraction] [lt2] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1)) [lj2] ON [lj2].[_f] = [lj1].[_c_fullname] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) ORDER BY [msdyn_copilotinteractionid] ASC, [lj1].[_k] ASC, [lj2].[_k] ASC', params: [11] },
  },
  {
    name: 'FetchXML: root conditions on one one-to-many link that is not joined test one related row: one EXISTS for both',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractiondatas', '<fetch count="10"><entity name="msdyn_copilotinteractiondata"><attribute name="msdyn_name"/><link-entity name="msdyn_copilotinteraction" from="msdyn_interactiondataid" to="msdyn_copilotinteractiondataid" link-type="matchfirstrowusingcrossapply" alias="c"/><filter><condition entityname="c" attribute="msdyn_name" operator="eq" value="x"/><condition entityname="c" attribute="importsequencenumber" operator="gt" value="5"/></filter></entity></fetch>')),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractiondataid", "versionnumber" FROM "msdyn_copilotinteractiondata" WHERE EXISTS (SELECT 1 FROM "msdyn_copilotinteraction" "f1" WHERE "f1"."msdyn_interactiondataid" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" AND ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" = ? AND "importsequencenumber" > ?)) ORDER BY "msdyn_copilotinteractiondataid" ASC LIMIT ?', params: ['x', 5, 11] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractiondataid", "versionnumber" FROM "msdyn_copilotinteractiondata" WHERE EXISTS (SELECT 1 FROM "msdyn_copilotinteraction" "f1" WHERE "f1"."msdyn_interactiondataid" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" AND ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" = $1 AND "importsequencenumber" > $2)) ORDER BY "msdyn_copilotinteractiondataid" ASC NULLS FIRST LIMIT $3', params: ['x', 5, 11] },
    mssql: { sql: 'SELECT TOP (@p3) [msdyn_name], [msdyn_copilotinteractiondataid], [versionnumber] FROM [msdyn_copilotinteractiondata] WHERE EXISTS (SELECT 1 FROM [msdyn_copilotinteraction] [f1] WHERE [f1].[msdyn_interactiondataid] = [msdyn_copilotinteractiondata].[msdyn_copilotinteractiondataid] AND ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_name] = @p1 AND [importsequencenumber] > @p2)) ORDER BY [msdyn_copilotinteractiondataid] ASC', params: ['x', 5, 11] },
  },
  {
    name: 'FetchXML: a root condition on a many-to-one link below a joined one reads the lookup from the join\'s derived table',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractiondatas', `<fetch count="10"><entity name="msdyn_copilotinteractiondata"><attribute name="msdyn_name"/><link-entity ${TO_CHILDREN} link-type="outer" alias="c"><link-entity name="systemuser" from="systemuserid" to="createdby" link-type="outer" alias="u"/></link-entity><filter><condition entityname="u" attribute="fullname" operator="eq" value="y"/></filter></entity></fetch>`)),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractiondataid", "versionnumber", "lj1"."_k" AS "c_x002e_msdyn_copilotinteractionid" FROM "msdyn_copilotinteractiondata" LEFT JOIN (SELECT "lt1"."msdyn_copilotinteractionid" AS "_k", "lt1"."msdyn_interactiondataid" AS "_f", "lt1"."createdby" AS "_c_createdby" FROM "msdyn_copilotinteraction" "lt1" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1)) "lj1" ON "lj1"."_f" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" WHERE CASE WHEN "lj1"."_k" IS NOT NULL AND ("lj1"."_c_createdby" IS NOT NULL AND "lj1"."_c_createdby" IN (SELECT "f1"."systemuserid" FROM "systemuser" "f1" WHERE "fullname" = ?)) THEN 1 ELSE 0 END = 1 ORDER BY "msdyn_copilotinteractiondataid" ASC, "lj1"."_k" ASC LIMIT ?', params: ['y', 11] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractiondataid", "versionnumber", "lj1"."_k" AS "c_x002e_msdyn_copilotinteractionid" FROM "msdyn_copilotinteractiondata" LEFT JOIN (SELECT "lt1"."msdyn_copilotinteractionid" AS "_k", "lt1"."msdyn_interactiondataid" AS "_f", "lt1"."createdby" AS "_c_createdby" FROM "msdyn_copilotinteraction" "lt1" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1)) "lj1" ON "lj1"."_f" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" WHERE CASE WHEN "lj1"."_k" IS NOT NULL AND ("lj1"."_c_createdby" IS NOT NULL AND "lj1"."_c_createdby" IN (SELECT "f1"."systemuserid" FROM "systemuser" "f1" WHERE "fullname" = $1)) THEN 1 ELSE 0 END = 1 ORDER BY "msdyn_copilotinteractiondataid" ASC NULLS FIRST, "lj1"."_k" ASC NULLS FIRST LIMIT $2', params: ['y', 11] },
    mssql: { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractiondataid], [versionnumber], [lj1].[_k] AS [c_x002e_msdyn_copilotinteractionid] FROM [msdyn_copilotinteractiondata] LEFT JOIN (SELECT [lt1].[msdyn_copilotinteractionid] AS [_k], [lt1].[msdyn_interactiondataid] AS [_f], [lt1].[createdby] AS [_c_createdby] FROM [msdyn_copilotinteraction] [lt1] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1)) [lj1] ON [lj1].[_f] = [msdyn_copilotinteractiondata].[msdyn_copilotinteractiondataid] WHERE CASE WHEN [lj1].[_k] IS NOT NULL AND ([lj1].[_c_createdby] IS NOT NULL AND [lj1].[_c_createdby] IN (SELECT [f1].[systemuserid] FROM [systemuser] [f1] WHERE [fullname] = @p1)) THEN 1 ELSE 0 END = 1 ORDER BY [msdyn_copilotinteractiondataid] ASC, [lj1].[_k] ASC', params: ['y', 11] },
  },
  {
    name: 'FetchXML: root conditions on a one-to-many link joined without columns: its key and the tested columns from the join\'s derived table, true or false (never unknown) as the EXISTS by key it replaces',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractiondatas', `<fetch count="10"><entity name="msdyn_copilotinteractiondata"><attribute name="msdyn_name"/><link-entity ${TO_CHILDREN} link-type="outer" alias="c"/><filter type="or"><condition entityname="c" attribute="msdyn_copilotinteractionid" operator="null"/><condition entityname="c" attribute="msdyn_name" operator="eq" value="x"/></filter></entity></fetch>`)),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractiondataid", "versionnumber", "lj1"."_k" AS "c_x002e_msdyn_copilotinteractionid" FROM "msdyn_copilotinteractiondata" LEFT JOIN (SELECT "lt1"."msdyn_copilotinteractionid" AS "_k", "lt1"."msdyn_interactiondataid" AS "_f", "lt1"."msdyn_name" AS "_c_msdyn_name" FROM "msdyn_copilotinteraction" "lt1" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1)) "lj1" ON "lj1"."_f" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" WHERE (NOT ("lj1"."_k" IS NOT NULL) OR CASE WHEN "lj1"."_k" IS NOT NULL AND "lj1"."_c_msdyn_name" = ? THEN 1 ELSE 0 END = 1) ORDER BY "msdyn_copilotinteractiondataid" ASC, "lj1"."_k" ASC LIMIT ?', params: ['x', 11] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractiondataid", "versionnumber", "lj1"."_k" AS "c_x002e_msdyn_copilotinteractionid" FROM "msdyn_copilotinteractiondata" LEFT JOIN (SELECT "lt1"."msdyn_copilotinteractionid" AS "_k", "lt1"."msdyn_interactiondataid" AS "_f", "lt1"."msdyn_name" AS "_c_msdyn_name" FROM "msdyn_copilotinteraction" "lt1" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1)) "lj1" ON "lj1"."_f" = "msdyn_copilotinteractiondata"."msdyn_copilotinteractiondataid" WHERE (NOT ("lj1"."_k" IS NOT NULL) OR CASE WHEN "lj1"."_k" IS NOT NULL AND "lj1"."_c_msdyn_name" = $1 THEN 1 ELSE 0 END = 1) ORDER BY "msdyn_copilotinteractiondataid" ASC NULLS FIRST, "lj1"."_k" ASC NULLS FIRST LIMIT $2', params: ['x', 11] },
    mssql: { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractiondataid], [versionnumber], [lj1].[_k] AS [c_x002e_msdyn_copilotinteractionid] FROM [msdyn_copilotinteractiondata] LEFT JOIN (SELECT [lt1].[msdyn_copilotinteractionid] AS [_k], [lt1].[msdyn_interactiondataid] AS [_f], [lt1].[msdyn_name] AS [_c_msdyn_name] FROM [msdyn_copilotinteraction] [lt1] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1)) [lj1] ON [lj1].[_f] = [msdyn_copilotinteractiondata].[msdyn_copilotinteractiondataid] WHERE (NOT ([lj1].[_k] IS NOT NULL) OR CASE WHEN [lj1].[_k] IS NOT NULL AND [lj1].[_c_msdyn_name] = @p1 THEN 1 ELSE 0 END = 1) ORDER BY [msdyn_copilotinteractiondataid] ASC, [lj1].[_k] ASC', params: ['x', 11] },
  },
  {
    name: 'FetchXML: distinct, ordered by the returned columns, no row version',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractions', '<fetch distinct="true" count="50"><entity name="msdyn_copilotinteraction"><attribute name="msdyn_interactiontype"/><attribute name="msdyn_name"/><order attribute="msdyn_name" descending="true"/><filter><condition attribute="statecode" operator="eq" value="0"/></filter></entity></fetch>')),
    sqlite: { sql: 'SELECT DISTINCT "msdyn_interactiontype", "msdyn_name" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "statecode" = ? ORDER BY "msdyn_name" DESC, "msdyn_interactiontype" ASC LIMIT ?', params: [0, 51] },
    postgres: { sql: 'SELECT DISTINCT "msdyn_interactiontype", "msdyn_name" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "statecode" = $1 ORDER BY "msdyn_name" DESC NULLS LAST, "msdyn_interactiontype" ASC NULLS FIRST LIMIT $2', params: [0, 51] },
    mssql: { sql: 'SELECT DISTINCT TOP (@p2) [msdyn_interactiontype], [msdyn_name] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND [statecode] = @p1 ORDER BY [msdyn_name] DESC, [msdyn_interactiontype] ASC', params: [0, 51] },
  },
  {
    name: 'FetchXML: page 3 without a paging cookie skips rows (OFFSET)',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractions', INTERACTION_FETCH(' count="20" page="3"', '<order attribute="msdyn_name"/>'))),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_name" ASC, "msdyn_copilotinteractionid" ASC LIMIT ? OFFSET ?', params: [21, 40] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) ORDER BY "msdyn_name" ASC NULLS FIRST, "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $1 OFFSET $2', params: [21, 40] },
    mssql: { sql: 'SELECT [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) ORDER BY [msdyn_name] ASC, [msdyn_copilotinteractionid] ASC OFFSET @p2 ROWS FETCH NEXT @p1 ROWS ONLY', params: [21, 40] },
  },
  {
    name: 'FetchXML: page 2 with the paging cookie of page 1 seeks after its last row (keyset)',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractions', INTERACTION_FETCH(` count="20" page="2" paging-cookie="&lt;cookie page=&quot;1&quot;&gt;&lt;msdyn_name last=&quot;Fourth%20Coffee&quot; first=&quot;A&quot; /&gt;&lt;msdyn_copilotinteractionid last=&quot;{${ID.toUpperCase()}}&quot; /&gt;&lt;/cookie&gt;"`, '<order attribute="msdyn_name"/>'))),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" > ? OR ("msdyn_name" = ? AND "msdyn_copilotinteractionid" > ?)) ORDER BY "msdyn_name" ASC, "msdyn_copilotinteractionid" ASC LIMIT ?', params: ['Fourth Coffee', 'Fourth Coffee', ID, 21] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ("msdyn_name" > $1 OR ("msdyn_name" = $2 AND "msdyn_copilotinteractionid" > $3)) ORDER BY "msdyn_name" ASC NULLS FIRST, "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $4', params: ['Fourth Coffee', 'Fourth Coffee', ID, 21] },
    mssql: { sql: 'SELECT TOP (@p4) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ([msdyn_name] > @p1 OR ([msdyn_name] = @p2 AND [msdyn_copilotinteractionid] > @p3)) ORDER BY [msdyn_name] ASC, [msdyn_copilotinteractionid] ASC', params: ['Fourth Coffee', 'Fourth Coffee', ID, 21] },
  },
  {
    name: 'FetchXML: top, last-x-days, not-like with a backslash, eq-userid',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractions', INTERACTION_FETCH(' top="5"', '<filter><condition attribute="msdyn_clienttimestamp" operator="last-x-days" value="7"/><condition attribute="msdyn_name" operator="not-like" value="a\\_%"/><condition attribute="createdby" operator="eq-userid"/></filter>'))),
    sqlite: { sql: `SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ((("msdyn_clienttimestamp" >= ? AND "msdyn_clienttimestamp" <= ?) AND NOT ("msdyn_name" LIKE ? ESCAPE '\\')) AND "createdby" = ?) ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?`, params: ['2024-03-03T00:00:00Z', '2024-03-10T12:00:00Z', 'a\\\\_%', caller.systemuserid, 5] },
    postgres: { sql: `SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND ((("msdyn_clienttimestamp" >= $1 AND "msdyn_clienttimestamp" <= $2) AND NOT ("msdyn_name" LIKE $3 ESCAPE '\\')) AND "createdby" = $4) ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $5`, params: ['2024-03-03T00:00:00Z', '2024-03-10T12:00:00Z', 'a\\\\_%', caller.systemuserid, 5] },
    mssql: { sql: `SELECT TOP (@p5) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND ((([msdyn_clienttimestamp] >= @p1 AND [msdyn_clienttimestamp] <= @p2) AND NOT ([msdyn_name] LIKE @p3 ESCAPE '\\')) AND [createdby] = @p4) ORDER BY [msdyn_copilotinteractionid] ASC`, params: [d('2024-03-03T00:00:00Z'), d('2024-03-10T12:00:00Z'), 'a\\\\_%', caller.systemuserid, 5] },
  },
  // ---- long-term retention: retained rows are hidden from every read but FetchXML datasource="retained" ----
  {
    name: 'retention: FetchXML datasource="retained" reads only retained rows',
    render: (dl) => renderRead(dl, fetchRead('msdyn_copilotinteractions', INTERACTION_FETCH(' datasource="retained"', '<filter><condition attribute="statecode" operator="eq" value="0"/></filter>'))),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE "msft_datastate" = 1 AND "statecode" = ? ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [0, 5001] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE "msft_datastate" = 1 AND "statecode" = $1 ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $2', params: [0, 5001] },
    mssql: { sql: 'SELECT TOP (@p2) [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE [msft_datastate] = 1 AND [statecode] = @p1 ORDER BY [msdyn_copilotinteractionid] ASC', params: [0, 5001] },
  },
  {
    name: 'retention: the count of a retained read counts retained rows',
    render: (dl) => renderCount(dl, fetchRead('msdyn_copilotinteractions', INTERACTION_FETCH(' datasource="retained" returntotalrecordcount="true"', '')), 5000),
    sqlite: { sql: 'SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "msdyn_copilotinteraction" WHERE "msft_datastate" = 1 LIMIT ?) "c"', params: [5001] },
    postgres: { sql: 'SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "msdyn_copilotinteraction" WHERE "msft_datastate" = 1 LIMIT $1) "c"', params: [5001] },
    mssql: { sql: 'SELECT COUNT(*) AS [n] FROM (SELECT TOP (@p1) 1 AS [x] FROM [msdyn_copilotinteraction] WHERE [msft_datastate] = 1) [c]', params: [5001] },
  },
  {
    name: 'retention: a retrieve by id sees active rows only',
    render: (dl) => renderRead(dl, read(`msdyn_copilotinteractions(${ID})`, { $select: 'msdyn_name' })),
    sqlite: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = ? AND ("msft_datastate" IS NULL OR "msft_datastate" <> 1)', params: [ID] },
    postgres: { sql: 'SELECT "msdyn_name", "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = $1 AND ("msft_datastate" IS NULL OR "msft_datastate" <> 1)', params: [ID] },
    mssql: { sql: 'SELECT [msdyn_name], [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE [msdyn_copilotinteractionid] = @p1 AND ([msft_datastate] IS NULL OR [msft_datastate] <> 1)', params: [ID] },
  },
  {
    name: 'retention: Retain sets msft_datastate = 1 where it is 0 or null',
    render: (dl) => renderUpdate(dl, planDataState(interaction, ID, 'retained'), 9),
    sqlite: { sql: 'UPDATE "msdyn_copilotinteraction" SET "msft_datastate" = ?, "versionnumber" = ? WHERE "msdyn_copilotinteractionid" = ? AND ("msft_datastate" IS NULL OR "msft_datastate" = ?)', params: [1, 9, ID, 0] },
    postgres: { sql: 'UPDATE "msdyn_copilotinteraction" SET "msft_datastate" = $1, "versionnumber" = nextval(\'tessera_versionnumber\') WHERE "msdyn_copilotinteractionid" = $2 AND ("msft_datastate" IS NULL OR "msft_datastate" = $3)', params: [1, ID, 0] },
    mssql: { sql: 'UPDATE [msdyn_copilotinteraction] SET [msft_datastate] = @p1, [versionnumber] = NEXT VALUE FOR [tessera_versionnumber] WHERE [msdyn_copilotinteractionid] = @p2 AND ([msft_datastate] IS NULL OR [msft_datastate] = @p3)', params: [1, ID, 0] },
  },
  {
    name: 'retention: RollbackRetain sets msft_datastate = 0 where it is 1',
    render: (dl) => renderUpdate(dl, planDataState(interaction, ID, 'active'), 10),
    sqlite: { sql: 'UPDATE "msdyn_copilotinteraction" SET "msft_datastate" = ?, "versionnumber" = ? WHERE "msdyn_copilotinteractionid" = ? AND "msft_datastate" = ?', params: [0, 10, ID, 1] },
    postgres: { sql: 'UPDATE "msdyn_copilotinteraction" SET "msft_datastate" = $1, "versionnumber" = nextval(\'tessera_versionnumber\') WHERE "msdyn_copilotinteractionid" = $2 AND "msft_datastate" = $3', params: [0, ID, 1] },
    mssql: { sql: 'UPDATE [msdyn_copilotinteraction] SET [msft_datastate] = @p1, [versionnumber] = NEXT VALUE FOR [tessera_versionnumber] WHERE [msdyn_copilotinteractionid] = @p2 AND [msft_datastate] = @p3', params: [0, ID, 1] },
  },
  {
    name: 'retention: PurgeRetainedContent reads a page of retained rows up to a version, then deletes each if unchanged',
    render: (dl) => [renderRead(dl, planRetainedPage(interaction, 40, 100)), renderDelete(dl, planPurge(interaction, ID, 39, caller))],
    sqlite: [
      { sql: 'SELECT "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE "msft_datastate" = 1 AND "versionnumber" <= ? ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?', params: [40, 101] },
      { sql: 'DELETE FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = ? AND "msft_datastate" = ? AND "versionnumber" = ?', params: [ID, 1, 39] },
    ],
    postgres: [
      { sql: 'SELECT "msdyn_copilotinteractionid", "versionnumber" FROM "msdyn_copilotinteraction" WHERE "msft_datastate" = 1 AND "versionnumber" <= $1 ORDER BY "msdyn_copilotinteractionid" ASC NULLS FIRST LIMIT $2', params: [40, 101] },
      { sql: 'DELETE FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = $1 AND "msft_datastate" = $2 AND "versionnumber" = $3', params: [ID, 1, 39] },
    ],
    mssql: [
      { sql: 'SELECT TOP (@p2) [msdyn_copilotinteractionid], [versionnumber] FROM [msdyn_copilotinteraction] WHERE [msft_datastate] = 1 AND [versionnumber] <= @p1 ORDER BY [msdyn_copilotinteractionid] ASC', params: [40, 101] },
      { sql: 'DELETE FROM [msdyn_copilotinteraction] WHERE [msdyn_copilotinteractionid] = @p1 AND [msft_datastate] = @p2 AND [versionnumber] = @p3', params: [ID, 1, 39] },
    ],
  },
  {
    name: 'FetchXML aggregate: groupby a linked column and a choice, countcolumn distinct, a filter, order by an aggregate alias, top and aggregatelimit',
    render: (dl) => renderAggregate(dl, fetchAggregate('tst_tasks', '<fetch aggregate="true" top="5" aggregatelimit="100"><entity name="tst_task">'
      + '<attribute name="tst_done" alias="done" groupby="true"/><attribute name="tst_name" alias="names" aggregate="countcolumn" distinct="true"/>'
      + '<attribute name="tst_budget" alias="budget" aggregate="avg"/><order alias="names" descending="true"/>'
      + '<link-entity name="systemuser" from="systemuserid" to="tst_assignedto" alias="u"><attribute name="fullname" alias="who" groupby="true"/></link-entity>'
      + '<filter><condition attribute="tst_score" operator="gt" value="1.5"/></filter></entity></fetch>')),
    sqlite: { sql: 'SELECT "s"."g0", "s"."g1", COUNT(DISTINCT "s"."a0") AS "v0", CAST(ROUND(SUM("s"."a1"), 2) AS REAL) / NULLIF(COUNT("s"."a1"), 0) AS "v1", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "tst_task"."tst_done" AS "g0", (SELECT "j1"."fullname" FROM "systemuser" "j1" WHERE "j1"."systemuserid" = "tst_task"."tst_assignedto") COLLATE NOCASE AS "g1", "tst_task"."tst_name" AS "a0", "tst_task"."tst_budget" AS "a1" FROM "tst_task" WHERE ("tst_score" > ? AND ("tst_task"."tst_assignedto" IS NOT NULL AND "tst_task"."tst_assignedto" IN (SELECT "f1"."systemuserid" FROM "systemuser" "f1"))) LIMIT ?) "s" GROUP BY "s"."g0", "s"."g1" ORDER BY "v0" DESC, "s"."g0" ASC, "s"."g1" ASC LIMIT ?', params: [1.5, 101, 5] },
    postgres: { sql: 'SELECT "s"."g0", "s"."g1", COUNT(DISTINCT "s"."a0") AS "v0", CAST(ROUND(SUM("s"."a1"), 2) AS double precision) / NULLIF(COUNT("s"."a1"), 0) AS "v1", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "tst_task"."tst_done" AS "g0", (SELECT "j1"."fullname" FROM "systemuser" "j1" WHERE "j1"."systemuserid" = "tst_task"."tst_assignedto") AS "g1", "tst_task"."tst_name" AS "a0", "tst_task"."tst_budget" AS "a1" FROM "tst_task" WHERE ("tst_score" > $1 AND ("tst_task"."tst_assignedto" IS NOT NULL AND "tst_task"."tst_assignedto" IN (SELECT "f1"."systemuserid" FROM "systemuser" "f1"))) LIMIT $2) "s" GROUP BY "s"."g0", "s"."g1" ORDER BY "v0" DESC NULLS LAST, "s"."g0" ASC NULLS FIRST, "s"."g1" ASC NULLS FIRST LIMIT $3', params: [1.5, 101, 5] },
    mssql: { sql: 'SELECT TOP (@p3) [s].[g0], [s].[g1], COUNT(DISTINCT [s].[a0]) AS [v0], CAST(ROUND(SUM([s].[a1]), 2) AS FLOAT) / NULLIF(COUNT([s].[a1]), 0) AS [v1], SUM(COUNT(*)) OVER () AS [total] FROM (SELECT TOP (@p2) [tst_task].[tst_done] AS [g0], (SELECT [j1].[fullname] FROM [systemuser] [j1] WHERE [j1].[systemuserid] = [tst_task].[tst_assignedto]) COLLATE Latin1_General_100_CI_AS AS [g1], [tst_task].[tst_name] AS [a0], [tst_task].[tst_budget] AS [a1] FROM [tst_task] WHERE ([tst_score] > @p1 AND ([tst_task].[tst_assignedto] IS NOT NULL AND [tst_task].[tst_assignedto] IN (SELECT [f1].[systemuserid] FROM [systemuser] [f1])))) [s] GROUP BY [s].[g0], [s].[g1] ORDER BY [v0] DESC, [s].[g0] ASC, [s].[g1] ASC', params: [1.5, 101, 5] },
  },
  {
    name: 'FetchXML aggregate: a one-to-many outer link joined as in plain queries, its columns grouped and aggregated as columns the join\'s derived table selects',
    render: (dl) => renderAggregate(dl, fetchAggregate('systemusers', '<fetch aggregate="true"><entity name="systemuser"><attribute name="fullname" alias="u" groupby="true"/><link-entity name="tst_task" from="tst_assignedto" to="systemuserid" link-type="outer" alias="t"><attribute name="tst_budget" alias="b" aggregate="sum"/><attribute name="tst_name" alias="n" groupby="true"/><attribute name="tst_taskid" alias="c" aggregate="countcolumn"/><filter><condition attribute="tst_done" operator="eq" value="1"/></filter></link-entity></entity></fetch>')),
    sqlite: { sql: 'SELECT "s"."g0", "s"."g1", ROUND(SUM("s"."a0"), 2) AS "v0", COUNT("s"."a1") AS "v1", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "systemuser"."fullname" AS "g0", "lj1"."_c_tst_name" COLLATE NOCASE AS "g1", "lj1"."_c_tst_budget" AS "a0", "lj1"."_k" AS "a1" FROM "systemuser" LEFT JOIN (SELECT "lt1"."tst_taskid" AS "_k", "lt1"."tst_assignedto" AS "_f", "lt1"."tst_name" AS "_c_tst_name", "lt1"."tst_budget" AS "_c_tst_budget" FROM "tst_task" "lt1" WHERE "tst_done" = ?) "lj1" ON "lj1"."_f" = "systemuser"."systemuserid" LIMIT ?) "s" GROUP BY "s"."g0", "s"."g1" ORDER BY "s"."g0" ASC, "s"."g1" ASC', params: [1, 50001] },
    postgres: { sql: 'SELECT "s"."g0", "s"."g1", ROUND(SUM("s"."a0"), 2) AS "v0", COUNT("s"."a1") AS "v1", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "systemuser"."fullname" AS "g0", "lj1"."_c_tst_name" AS "g1", "lj1"."_c_tst_budget" AS "a0", "lj1"."_k" AS "a1" FROM "systemuser" LEFT JOIN (SELECT "lt1"."tst_taskid" AS "_k", "lt1"."tst_assignedto" AS "_f", "lt1"."tst_name" AS "_c_tst_name", "lt1"."tst_budget" AS "_c_tst_budget" FROM "tst_task" "lt1" WHERE "tst_done" = $1) "lj1" ON "lj1"."_f" = "systemuser"."systemuserid" LIMIT $2) "s" GROUP BY "s"."g0", "s"."g1" ORDER BY "s"."g0" ASC NULLS FIRST, "s"."g1" ASC NULLS FIRST', params: [true, 50001] },
    mssql: { sql: 'SELECT [s].[g0], [s].[g1], ROUND(SUM([s].[a0]), 2) AS [v0], COUNT([s].[a1]) AS [v1], SUM(COUNT(*)) OVER () AS [total] FROM (SELECT TOP (@p2) [systemuser].[fullname] AS [g0], [lj1].[_c_tst_name] COLLATE Latin1_General_100_CI_AS AS [g1], [lj1].[_c_tst_budget] AS [a0], [lj1].[_k] AS [a1] FROM [systemuser] LEFT JOIN (SELECT [lt1].[tst_taskid] AS [_k], [lt1].[tst_assignedto] AS [_f], [lt1].[tst_name] AS [_c_tst_name], [lt1].[tst_budget] AS [_c_tst_budget] FROM [tst_task] [lt1] WHERE [tst_done] = @p1) [lj1] ON [lj1].[_f] = [systemuser].[systemuserid]) [s] GROUP BY [s].[g0], [s].[g1] ORDER BY [s].[g0] ASC, [s].[g1] ASC', params: [true, 50001] },
  },
  {
    name: 'FetchXML aggregate: dategrouping year and week of a date-time (UTC), quarter of a DateOnly date, ordered by an alias',
    render: (dl) => renderAggregate(dl, fetchAggregate('tst_tasks', '<fetch aggregate="true"><entity name="tst_task">'
      + '<attribute name="createdon" alias="y" groupby="true" dategrouping="year"/><attribute name="createdon" alias="w" groupby="true" dategrouping="week"/>'
      + '<attribute name="tst_duedate" alias="q" groupby="true" dategrouping="quarter"/><attribute name="tst_name" alias="n" aggregate="count"/>'
      + '<order alias="q" descending="true"/></entity></fetch>')),
    sqlite: { sql: 'SELECT "s"."g0", "s"."g1", "s"."g2", COUNT(*) AS "v0", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT CAST(strftime(\'%Y\', "tst_task"."createdon") AS INTEGER) AS "g0", (CAST(strftime(\'%j\', "tst_task"."createdon") AS INTEGER) + 12 - CAST(strftime(\'%w\', "tst_task"."createdon") AS INTEGER)) / 7 AS "g1", (CAST(strftime(\'%m\', "tst_task"."tst_duedate") AS INTEGER) + 2) / 3 AS "g2" FROM "tst_task" LIMIT ?) "s" GROUP BY "s"."g0", "s"."g1", "s"."g2" ORDER BY "s"."g2" DESC, "s"."g0" ASC, "s"."g1" ASC', params: [50001] },
    postgres: { sql: 'SELECT "s"."g0", "s"."g1", "s"."g2", COUNT(*) AS "v0", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT CAST(EXTRACT(YEAR FROM "tst_task"."createdon" AT TIME ZONE \'UTC\') AS integer) AS "g0", (CAST(EXTRACT(DOY FROM "tst_task"."createdon" AT TIME ZONE \'UTC\') AS integer) + 12 - CAST(EXTRACT(DOW FROM "tst_task"."createdon" AT TIME ZONE \'UTC\') AS integer)) / 7 AS "g1", (CAST(EXTRACT(MONTH FROM "tst_task"."tst_duedate") AS integer) + 2) / 3 AS "g2" FROM "tst_task" LIMIT $1) "s" GROUP BY "s"."g0", "s"."g1", "s"."g2" ORDER BY "s"."g2" DESC NULLS LAST, "s"."g0" ASC NULLS FIRST, "s"."g1" ASC NULLS FIRST', params: [50001] },
    mssql: { sql: 'SELECT [s].[g0], [s].[g1], [s].[g2], COUNT(*) AS [v0], SUM(COUNT(*)) OVER () AS [total] FROM (SELECT TOP (@p1) DATEPART(year, [tst_task].[createdon]) AS [g0], (DATEPART(dayofyear, [tst_task].[createdon]) + 12 - (DATEPART(weekday, [tst_task].[createdon]) + @@DATEFIRST - 1) % 7) / 7 AS [g1], (DATEPART(month, [tst_task].[tst_duedate]) + 2) / 3 AS [g2] FROM [tst_task]) [s] GROUP BY [s].[g0], [s].[g1], [s].[g2] ORDER BY [s].[g2] DESC, [s].[g0] ASC, [s].[g1] ASC', params: [50001] },
  },
  {
    name: 'InFiscalPeriod in a monthly calendar from 31 January: the period computed from the date-time\'s UTC year, month and day, a day before its month\'s boundary (the 31st, or the month\'s last day) counting in the month before',
    render: (dl) => renderRead(dl, readFiscal('tst_tasks', { $select: 'tst_name', $top: '5', $filter: "Microsoft.Dynamics.CRM.InFiscalPeriod(PropertyName='createdon',PropertyValue=3)" }, MONTHLY_31_JANUARY)),
    sqlite: { sql: `SELECT "tst_name", "tst_taskid", "versionnumber" FROM "tst_task" WHERE ${MONTHLY_PERIOD.sqlite} = ? ORDER BY "tst_taskid" ASC LIMIT ?`, params: [3, 5] },
    postgres: { sql: `SELECT "tst_name", "tst_taskid", "versionnumber" FROM "tst_task" WHERE ${MONTHLY_PERIOD.postgres} = $1 ORDER BY "tst_taskid" ASC NULLS FIRST LIMIT $2`, params: [3, 5] },
    mssql: { sql: `SELECT TOP (@p2) [tst_name], [tst_taskid], [versionnumber] FROM [tst_task] WHERE ${MONTHLY_PERIOD.mssql} = @p1 ORDER BY [tst_taskid] ASC`, params: [3, 5] },
  },
  {
    name: 'FetchXML aggregate: dategrouping fiscal-period in four-week periods from 29 February, with count and page: the outer query computes 100 * year + period from the date read by the input subquery, in SELECT, GROUP BY and ORDER BY',
    render: (dl) => renderAggregate(dl, fetchAggregate('tst_tasks', '<fetch aggregate="true" count="5" page="2"><entity name="tst_task">'
      + '<attribute name="createdon" alias="p" groupby="true" dategrouping="fiscal-period"/><attribute name="tst_name" alias="n" aggregate="count"/></entity></fetch>', FOUR_WEEK_29_FEBRUARY)),
    sqlite: { sql: `SELECT ${FOUR_WEEK_YEAR_PERIOD.sqlite}, COUNT(*) AS "v0", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "tst_task"."createdon" AS "g0" FROM "tst_task" LIMIT ?) "s" GROUP BY ${FOUR_WEEK_YEAR_PERIOD.sqlite} ORDER BY ${FOUR_WEEK_YEAR_PERIOD.sqlite} ASC LIMIT ? OFFSET ?`, params: [50001, 6, 5] },
    postgres: { sql: `SELECT ${FOUR_WEEK_YEAR_PERIOD.postgres}, COUNT(*) AS "v0", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "tst_task"."createdon" AS "g0" FROM "tst_task" LIMIT $1) "s" GROUP BY ${FOUR_WEEK_YEAR_PERIOD.postgres} ORDER BY ${FOUR_WEEK_YEAR_PERIOD.postgres} ASC NULLS FIRST LIMIT $2 OFFSET $3`, params: [50001, 6, 5] },
    mssql: { sql: `SELECT ${FOUR_WEEK_YEAR_PERIOD.mssql}, COUNT(*) AS [v0], SUM(COUNT(*)) OVER () AS [total] FROM (SELECT TOP (@p1) [tst_task].[createdon] AS [g0] FROM [tst_task]) [s] GROUP BY ${FOUR_WEEK_YEAR_PERIOD.mssql} ORDER BY ${FOUR_WEEK_YEAR_PERIOD.mssql} ASC OFFSET @p3 ROWS FETCH NEXT @p2 ROWS ONLY`, params: [50001, 6, 5] },
  },
  {
    name: 'FetchXML aggregate: dategrouping fiscal-year of an outer link\'s date with the link\'s own filter: the date read from the join\'s derived table, the fiscal year computed from it outside',
    render: (dl) => renderAggregate(dl, fetchAggregate('systemusers', '<fetch aggregate="true"><entity name="systemuser"><attribute name="systemuserid" alias="c" aggregate="count"/>'
      + '<link-entity name="tst_task" from="tst_assignedto" to="systemuserid" link-type="outer" alias="t"><attribute name="createdon" alias="fy" groupby="true" dategrouping="fiscal-year"/>'
      + '<filter><condition attribute="tst_done" operator="eq" value="1"/></filter></link-entity></entity></fetch>', MONTHLY_31_JANUARY)),
    sqlite: { sql: `SELECT ${MONTHLY_YEAR.sqlite}, COUNT(*) AS "v0", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "lj1"."_c_createdon" AS "g0" FROM "systemuser" LEFT JOIN (SELECT "lt1"."tst_taskid" AS "_k", "lt1"."tst_assignedto" AS "_f", "lt1"."createdon" AS "_c_createdon" FROM "tst_task" "lt1" WHERE "tst_done" = ?) "lj1" ON "lj1"."_f" = "systemuser"."systemuserid" LIMIT ?) "s" GROUP BY ${MONTHLY_YEAR.sqlite} ORDER BY ${MONTHLY_YEAR.sqlite} ASC`, params: [1, 50001] },
    postgres: { sql: `SELECT ${MONTHLY_YEAR.postgres}, COUNT(*) AS "v0", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "lj1"."_c_createdon" AS "g0" FROM "systemuser" LEFT JOIN (SELECT "lt1"."tst_taskid" AS "_k", "lt1"."tst_assignedto" AS "_f", "lt1"."createdon" AS "_c_createdon" FROM "tst_task" "lt1" WHERE "tst_done" = $1) "lj1" ON "lj1"."_f" = "systemuser"."systemuserid" LIMIT $2) "s" GROUP BY ${MONTHLY_YEAR.postgres} ORDER BY ${MONTHLY_YEAR.postgres} ASC NULLS FIRST`, params: [true, 50001] },
    mssql: { sql: `SELECT ${MONTHLY_YEAR.mssql}, COUNT(*) AS [v0], SUM(COUNT(*)) OVER () AS [total] FROM (SELECT TOP (@p2) [lj1].[_c_createdon] AS [g0] FROM [systemuser] LEFT JOIN (SELECT [lt1].[tst_taskid] AS [_k], [lt1].[tst_assignedto] AS [_f], [lt1].[createdon] AS [_c_createdon] FROM [tst_task] [lt1] WHERE [tst_done] = @p1) [lj1] ON [lj1].[_f] = [systemuser].[systemuserid]) [s] GROUP BY ${MONTHLY_YEAR.mssql} ORDER BY ${MONTHLY_YEAR.mssql} ASC`, params: [true, 50001] },
  },
  {
    name: 'FetchXML aggregate: a root condition on a joined one-to-many link reads its column from the join\'s derived table',
    render: (dl) => renderAggregate(dl, fetchAggregate('systemusers', '<fetch aggregate="true"><entity name="systemuser"><attribute name="systemuserid" alias="n" aggregate="count"/><link-entity name="tst_task" from="tst_assignedto" to="systemuserid" link-type="outer" alias="t"><attribute name="tst_budget" alias="b" aggregate="sum"/></link-entity><filter><condition entityname="t" attribute="tst_name" operator="like" value="z%"/></filter></entity></fetch>')),
    sqlite: { sql: 'SELECT COUNT(*) AS "v0", ROUND(SUM("s"."a1"), 2) AS "v1", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "lj1"."_c_tst_budget" AS "a1" FROM "systemuser" LEFT JOIN (SELECT "lt1"."tst_taskid" AS "_k", "lt1"."tst_assignedto" AS "_f", "lt1"."tst_budget" AS "_c_tst_budget", "lt1"."tst_name" AS "_c_tst_name" FROM "tst_task" "lt1") "lj1" ON "lj1"."_f" = "systemuser"."systemuserid" WHERE CASE WHEN "lj1"."_k" IS NOT NULL AND "lj1"."_c_tst_name" LIKE ? ESCAPE \'\\\' THEN 1 ELSE 0 END = 1 LIMIT ?) "s"', params: ['z%', 50001] },
    postgres: { sql: 'SELECT COUNT(*) AS "v0", ROUND(SUM("s"."a1"), 2) AS "v1", SUM(COUNT(*)) OVER () AS "total" FROM (SELECT "lj1"."_c_tst_budget" AS "a1" FROM "systemuser" LEFT JOIN (SELECT "lt1"."tst_taskid" AS "_k", "lt1"."tst_assignedto" AS "_f", "lt1"."tst_budget" AS "_c_tst_budget", "lt1"."tst_name" AS "_c_tst_name" FROM "tst_task" "lt1") "lj1" ON "lj1"."_f" = "systemuser"."systemuserid" WHERE CASE WHEN "lj1"."_k" IS NOT NULL AND "lj1"."_c_tst_name" LIKE $1 ESCAPE \'\\\' THEN 1 ELSE 0 END = 1 LIMIT $2) "s"', params: ['z%', 50001] },
    mssql: { sql: 'SELECT COUNT(*) AS [v0], ROUND(SUM([s].[a1]), 2) AS [v1], SUM(COUNT(*)) OVER () AS [total] FROM (SELECT TOP (@p2) [lj1].[_c_tst_budget] AS [a1] FROM [systemuser] LEFT JOIN (SELECT [lt1].[tst_taskid] AS [_k], [lt1].[tst_assignedto] AS [_f], [lt1].[tst_budget] AS [_c_tst_budget], [lt1].[tst_name] AS [_c_tst_name] FROM [tst_task] [lt1]) [lj1] ON [lj1].[_f] = [systemuser].[systemuserid] WHERE CASE WHEN [lj1].[_k] IS NOT NULL AND [lj1].[_c_tst_name] LIKE @p1 ESCAPE \'\\\' THEN 1 ELSE 0 END = 1) [s]', params: ['z%', 50001] },
  },
  {
    name: 'FetchXML: an inner joined link below an inner joined one: the parent\'s join holds no EXISTS of the rows the child\'s join requires',
    render: (dl) => renderRead(dl, fetchRead('systemusers', `<fetch count="10"><entity name="systemuser"><attribute name="fullname"/><link-entity name="msdyn_copilotinteractiondata" from="createdby" to="systemuserid" link-type="inner" alias="d"><attribute name="msdyn_name"/><link-entity ${TO_CHILDREN} link-type="inner" alias="c"><filter><condition attribute="importsequencenumber" operator="gt" value="5"/></filter></link-entity></link-entity></entity></fetch>`)),
    sqlite: { sql: 'SELECT "fullname", "systemuserid", "versionnumber", "lj1"."_k" AS "d_x002e_msdyn_copilotinteractiondataid", "lj2"."_k" AS "c_x002e_msdyn_copilotinteractionid", "lj1"."_c_msdyn_name" AS "linked1" FROM "systemuser" JOIN (SELECT "lt1"."msdyn_copilotinteractiondataid" AS "_k", "lt1"."createdby" AS "_f", "lt1"."msdyn_name" AS "_c_msdyn_name" FROM "msdyn_copilotinteractiondata" "lt1") "lj1" ON "lj1"."_f" = "systemuser"."systemuserid" JOIN (SELECT "lt2"."msdyn_copilotinteractionid" AS "_k", "lt2"."msdyn_interactiondataid" AS "_f" FROM "msdyn_copilotinteraction" "lt2" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "importsequencenumber" > ?) "lj2" ON "lj2"."_f" = "lj1"."_k" ORDER BY "systemuserid" ASC, "lj1"."_k" ASC, "lj2"."_k" ASC LIMIT ?', params: [5, 11] },
    postgres: { sql: 'SELECT "fullname", "systemuserid", "versionnumber", "lj1"."_k" AS "d_x002e_msdyn_copilotinteractiondataid", "lj2"."_k" AS "c_x002e_msdyn_copilotinteractionid", "lj1"."_c_msdyn_name" AS "linked1" FROM "systemuser" JOIN (SELECT "lt1"."msdyn_copilotinteractiondataid" AS "_k", "lt1"."createdby" AS "_f", "lt1"."msdyn_name" AS "_c_msdyn_name" FROM "msdyn_copilotinteractiondata" "lt1") "lj1" ON "lj1"."_f" = "systemuser"."systemuserid" JOIN (SELECT "lt2"."msdyn_copilotinteractionid" AS "_k", "lt2"."msdyn_interactiondataid" AS "_f" FROM "msdyn_copilotinteraction" "lt2" WHERE ("msft_datastate" IS NULL OR "msft_datastate" <> 1) AND "importsequencenumber" > $1) "lj2" ON "lj2"."_f" = "lj1"."_k" ORDER BY "systemuserid" ASC NULLS FIRST, "lj1"."_k" ASC NULLS FIRST, "lj2"."_k" ASC NULLS FIRST LIMIT $2', params: [5, 11] },
    mssql: { sql: 'SELECT TOP (@p2) [fullname], [systemuserid], [versionnumber], [lj1].[_k] AS [d_x002e_msdyn_copilotinteractiondataid], [lj2].[_k] AS [c_x002e_msdyn_copilotinteractionid], [lj1].[_c_msdyn_name] AS [linked1] FROM [systemuser] JOIN (SELECT [lt1].[msdyn_copilotinteractiondataid] AS [_k], [lt1].[createdby] AS [_f], [lt1].[msdyn_name] AS [_c_msdyn_name] FROM [msdyn_copilotinteractiondata] [lt1]) [lj1] ON [lj1].[_f] = [systemuser].[systemuserid] JOIN (SELECT [lt2].[msdyn_copilotinteractionid] AS [_k], [lt2].[msdyn_interactiondataid] AS [_f] FROM [msdyn_copilotinteraction] [lt2] WHERE ([msft_datastate] IS NULL OR [msft_datastate] <> 1) AND [importsequencenumber] > @p1) [lj2] ON [lj2].[_f] = [lj1].[_k] ORDER BY [systemuserid] ASC, [lj1].[_k] ASC, [lj2].[_k] ASC', params: [5, 11] },
  },
  {
    name: "a Basic-depth read of a user-owned table: rows owned by the caller or its teams, or shared with them with ReadAccess (security/access.ts, sql/principal-object-access.ts)",
    render: (dl) => renderCount(dl, { entity: entity(shipped, 'userquery'), filter: sharedFilter() }, 5000),
    sqlite: { sql: "SELECT COUNT(*) AS \"n\" FROM (SELECT 1 AS \"x\" FROM \"userquery\" WHERE (\"ownerid\" IN (?, ?) OR EXISTS (SELECT 1 FROM \"tessera_principalobjectaccess\" \"s1\" WHERE \"s1\".\"objecttypecode\" = 'userquery' AND \"s1\".\"objectid\" = \"userquery\".\"userqueryid\" AND \"s1\".\"principalid\" IN (?, ?) AND (\"s1\".\"accessrightsmask\" & 1) <> 0)) LIMIT ?) \"c\"", params: ["aaaaaaaa-0000-4000-8000-00000000000a", "eeeeeeee-0000-4000-8000-00000000000e", "aaaaaaaa-0000-4000-8000-00000000000a", "eeeeeeee-0000-4000-8000-00000000000e", 5001] },
    postgres: { sql: "SELECT COUNT(*) AS \"n\" FROM (SELECT 1 AS \"x\" FROM \"userquery\" WHERE (\"ownerid\" IN ($1, $2) OR EXISTS (SELECT 1 FROM \"tessera_principalobjectaccess\" \"s1\" WHERE \"s1\".\"objecttypecode\" = 'userquery' AND \"s1\".\"objectid\" = \"userquery\".\"userqueryid\" AND \"s1\".\"principalid\" IN ($3, $4) AND (\"s1\".\"accessrightsmask\" & 1) <> 0)) LIMIT $5) \"c\"", params: ["aaaaaaaa-0000-4000-8000-00000000000a", "eeeeeeee-0000-4000-8000-00000000000e", "aaaaaaaa-0000-4000-8000-00000000000a", "eeeeeeee-0000-4000-8000-00000000000e", 5001] },
    mssql: { sql: "SELECT COUNT(*) AS [n] FROM (SELECT TOP (@p5) 1 AS [x] FROM [userquery] WHERE ([ownerid] IN (@p1, @p2) OR EXISTS (SELECT 1 FROM [tessera_principalobjectaccess] [s1] WHERE [s1].[objecttypecode] = 'userquery' AND [s1].[objectid] = [userquery].[userqueryid] AND [s1].[principalid] IN (@p3, @p4) AND ([s1].[accessrightsmask] & 1) <> 0))) [c]", params: ["aaaaaaaa-0000-4000-8000-00000000000a", "eeeeeeee-0000-4000-8000-00000000000e", "aaaaaaaa-0000-4000-8000-00000000000a", "eeeeeeee-0000-4000-8000-00000000000e", 5001] },
  },
  {
    name: "a Basic-depth delete: guarded to a row owned by the caller or its teams, or shared with them with DeleteAccess",
    render: (dl) => renderDelete(dl, { kind: 'delete', entity: entity(shipped, 'userquery'), id: ID, guards: [sharedGuard()], effects: new Map(), deletedOn: T1 }),
    sqlite: { sql: "DELETE FROM \"userquery\" WHERE \"userqueryid\" = ? AND (\"ownerid\" IN (?, ?) OR EXISTS (SELECT 1 FROM \"tessera_principalobjectaccess\" \"poa\" WHERE \"poa\".\"objecttypecode\" = 'userquery' AND \"poa\".\"objectid\" = ? AND \"poa\".\"principalid\" IN (?, ?) AND (\"poa\".\"accessrightsmask\" & 65536) <> 0))", params: ["0a1b2c3d-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-00000000000a", "eeeeeeee-0000-4000-8000-00000000000e", "0a1b2c3d-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-00000000000a", "eeeeeeee-0000-4000-8000-00000000000e"] },
    postgres: { sql: "DELETE FROM \"userquery\" WHERE \"userqueryid\" = $1 AND (\"ownerid\" IN ($2, $3) OR EXISTS (SELECT 1 FROM \"tessera_principalobjectaccess\" \"poa\" WHERE \"poa\".\"objecttypecode\" = 'userquery' AND \"poa\".\"objectid\" = $4 AND \"poa\".\"principalid\" IN ($5, $6) AND (\"poa\".\"accessrightsmask\" & 65536) <> 0))", params: ["0a1b2c3d-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-00000000000a", "eeeeeeee-0000-4000-8000-00000000000e", "0a1b2c3d-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-00000000000a", "eeeeeeee-0000-4000-8000-00000000000e"] },
    mssql: { sql: "DELETE FROM [userquery] WHERE [userqueryid] = @p1 AND ([ownerid] IN (@p2, @p3) OR EXISTS (SELECT 1 FROM [tessera_principalobjectaccess] [poa] WHERE [poa].[objecttypecode] = 'userquery' AND [poa].[objectid] = @p4 AND [poa].[principalid] IN (@p5, @p6) AND ([poa].[accessrightsmask] & 65536) <> 0))", params: ["0a1b2c3d-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-00000000000a", "eeeeeeee-0000-4000-8000-00000000000e", "0a1b2c3d-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-00000000000a", "eeeeeeee-0000-4000-8000-00000000000e"] },
  },
  {
    name: "EqualUserOrUserTeams: the caller, or one of its teams read in the same statement (a subquery on teammembership); NotEqualBusinessId: the caller's unit, null kept",
    render: (dl) => renderRead(dl, readRelated('accounts', { $select: 'name', $top: '5', $filter: "Microsoft.Dynamics.CRM.EqualUserOrUserTeams(PropertyName='ownerid') and Microsoft.Dynamics.CRM.NotEqualBusinessId(PropertyName='owningbusinessunit')" })),
    sqlite: { sql: 'SELECT "name", "accountid", "versionnumber" FROM "account" WHERE (("ownerid" = ? OR ("ownerid" IS NOT NULL AND "ownerid" IN (SELECT "f1"."teamid" FROM "teammembership" "f1" WHERE "systemuserid" = ? AND "f1"."teamid" IS NOT NULL))) AND (NOT ("owningbusinessunit" = ?) OR "owningbusinessunit" IS NULL)) ORDER BY "accountid" ASC LIMIT ?', params: ["aaaaaaaa-0000-4000-8000-00000000000a", "aaaaaaaa-0000-4000-8000-00000000000a", "cccccccc-0000-4000-8000-00000000000c", 5] },
    postgres: { sql: 'SELECT "name", "accountid", "versionnumber" FROM "account" WHERE (("ownerid" = $1 OR ("ownerid" IS NOT NULL AND "ownerid" IN (SELECT "f1"."teamid" FROM "teammembership" "f1" WHERE "systemuserid" = $2 AND "f1"."teamid" IS NOT NULL))) AND (NOT ("owningbusinessunit" = $3) OR "owningbusinessunit" IS NULL)) ORDER BY "accountid" ASC NULLS FIRST LIMIT $4', params: ["aaaaaaaa-0000-4000-8000-00000000000a", "aaaaaaaa-0000-4000-8000-00000000000a", "cccccccc-0000-4000-8000-00000000000c", 5] },
    mssql: { sql: 'SELECT TOP (@p4) [name], [accountid], [versionnumber] FROM [account] WHERE (([ownerid] = @p1 OR ([ownerid] IS NOT NULL AND [ownerid] IN (SELECT [f1].[teamid] FROM [teammembership] [f1] WHERE [systemuserid] = @p2 AND [f1].[teamid] IS NOT NULL))) AND (NOT ([owningbusinessunit] = @p3) OR [owningbusinessunit] IS NULL)) ORDER BY [accountid] ASC', params: ["aaaaaaaa-0000-4000-8000-00000000000a", "aaaaaaaa-0000-4000-8000-00000000000a", "cccccccc-0000-4000-8000-00000000000c", 5] },
  },
  {
    name: "Under: the descendants of a row through its table's hierarchical lookup (business units' parent), walked by a recursive common table expression in the same statement without the lookup again (on SQL Server, where WITH stands at the statement's head, OPTION (MAXRECURSION) lets it go 100 levels, with room)",
    render: (dl) => renderRead(dl, read('businessunits', { $select: 'name', $top: '5', $filter: `Microsoft.Dynamics.CRM.Under(PropertyName='businessunitid',PropertyValue='${ID}') and name ne 'x'` })),
    sqlite: { sql: 'SELECT "name", "businessunitid", "versionnumber" FROM "businessunit" WHERE ("businessunitid" IN (WITH RECURSIVE "h-1"("hid", "hlevel") AS (SELECT "hr"."businessunitid", 0 FROM "businessunit" "hr" WHERE "hr"."businessunitid" = ? UNION ALL SELECT "hr"."businessunitid", "h-1"."hlevel" + 1 FROM "businessunit" "hr" JOIN "h-1" ON "hr"."parentbusinessunitid" = "h-1"."hid" WHERE "h-1"."hlevel" < 100) SELECT "hid" FROM "h-1" WHERE "hlevel" > 0) AND ("name" <> ? OR "name" IS NULL)) ORDER BY "businessunitid" ASC LIMIT ?', params: [ID, 'x', 5] },
    postgres: { sql: 'SELECT "name", "businessunitid", "versionnumber" FROM "businessunit" WHERE ("businessunitid" IN (WITH RECURSIVE "h-1"("hid", "hlevel") AS (SELECT "hr"."businessunitid", 0 FROM "businessunit" "hr" WHERE "hr"."businessunitid" = $1 UNION ALL SELECT "hr"."businessunitid", "h-1"."hlevel" + 1 FROM "businessunit" "hr" JOIN "h-1" ON "hr"."parentbusinessunitid" = "h-1"."hid" WHERE "h-1"."hlevel" < 100) SELECT "hid" FROM "h-1" WHERE "hlevel" > 0) AND ("name" <> $2 OR "name" IS NULL)) ORDER BY "businessunitid" ASC NULLS FIRST LIMIT $3', params: [ID, 'x', 5] },
    mssql: { sql: 'WITH [h-1]([hid], [hlevel]) AS (SELECT [hr].[businessunitid], 0 FROM [businessunit] [hr] WHERE [hr].[businessunitid] = @p1 UNION ALL SELECT [hr].[businessunitid], [h-1].[hlevel] + 1 FROM [businessunit] [hr] JOIN [h-1] ON [hr].[parentbusinessunitid] = [h-1].[hid] WHERE [h-1].[hlevel] < 100) SELECT TOP (@p3) [name], [businessunitid], [versionnumber] FROM [businessunit] WHERE ([businessunitid] IN (SELECT [hid] FROM [h-1] WHERE [hlevel] > 0) AND ([name] <> @p2 OR [name] IS NULL)) ORDER BY [businessunitid] ASC OPTION (MAXRECURSION 110)', params: [ID, 'x', 5] },
  },
  {
    name: 'FetchXML rowaggregate="CountChildren": each row\'s direct children through the hierarchical lookup, a correlated COUNT(*) after the columns, named children<n>',
    render: (dl) => renderRead(dl, fetchRead('businessunits', '<fetch top="5"><entity name="businessunit"><attribute name="name"/><attribute name="businessunitid" rowaggregate="CountChildren" alias="NumberOfChildren"/></entity></fetch>')),
    sqlite: { sql: 'SELECT "name", "businessunitid", "versionnumber", (SELECT COUNT(*) FROM "businessunit" "h-children" WHERE "h-children"."parentbusinessunitid" = "businessunit"."businessunitid") AS "children1" FROM "businessunit" ORDER BY "businessunitid" ASC LIMIT ?', params: [5] },
    postgres: { sql: 'SELECT "name", "businessunitid", "versionnumber", (SELECT COUNT(*) FROM "businessunit" "h-children" WHERE "h-children"."parentbusinessunitid" = "businessunit"."businessunitid") AS "children1" FROM "businessunit" ORDER BY "businessunitid" ASC NULLS FIRST LIMIT $1', params: [5] },
    mssql: { sql: 'SELECT TOP (@p1) [name], [businessunitid], [versionnumber], (SELECT COUNT(*) FROM [businessunit] [h-children] WHERE [h-children].[parentbusinessunitid] = [businessunit].[businessunitid]) AS [children1] FROM [businessunit] ORDER BY [businessunitid] ASC', params: [5] },
  },
  {
    name: "NotUnder (NOT of Under, the row itself kept) or AboveOrEqual (the row and its ancestors, walking up the lookup) in a count: two expressions, h-1 and h-2",
    render: (dl) => renderCount(dl, count('businessunits/$count', { $filter: `Microsoft.Dynamics.CRM.NotUnder(PropertyName='businessunitid',PropertyValue=${ID}) or Microsoft.Dynamics.CRM.AboveOrEqual(PropertyName='businessunitid',PropertyValue='{${ID}}')` }), 5000),
    sqlite: { sql: 'SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "businessunit" WHERE (NOT ("businessunitid" IN (WITH RECURSIVE "h-1"("hid", "hlevel") AS (SELECT "hr"."businessunitid", 0 FROM "businessunit" "hr" WHERE "hr"."businessunitid" = ? UNION ALL SELECT "hr"."businessunitid", "h-1"."hlevel" + 1 FROM "businessunit" "hr" JOIN "h-1" ON "hr"."parentbusinessunitid" = "h-1"."hid" WHERE "h-1"."hlevel" < 100) SELECT "hid" FROM "h-1" WHERE "hlevel" > 0)) OR "businessunitid" IN (WITH RECURSIVE "h-2"("hid", "hlink", "hlevel") AS (SELECT "hr"."businessunitid", "hr"."parentbusinessunitid", 0 FROM "businessunit" "hr" WHERE "hr"."businessunitid" = ? UNION ALL SELECT "hr"."businessunitid", "hr"."parentbusinessunitid", "h-2"."hlevel" + 1 FROM "businessunit" "hr" JOIN "h-2" ON "hr"."businessunitid" = "h-2"."hlink" WHERE "h-2"."hlevel" < 100) SELECT "hid" FROM "h-2")) LIMIT ?) "c"', params: [ID, ID, 5001] },
    postgres: { sql: 'SELECT COUNT(*) AS "n" FROM (SELECT 1 AS "x" FROM "businessunit" WHERE (NOT ("businessunitid" IN (WITH RECURSIVE "h-1"("hid", "hlevel") AS (SELECT "hr"."businessunitid", 0 FROM "businessunit" "hr" WHERE "hr"."businessunitid" = $1 UNION ALL SELECT "hr"."businessunitid", "h-1"."hlevel" + 1 FROM "businessunit" "hr" JOIN "h-1" ON "hr"."parentbusinessunitid" = "h-1"."hid" WHERE "h-1"."hlevel" < 100) SELECT "hid" FROM "h-1" WHERE "hlevel" > 0)) OR "businessunitid" IN (WITH RECURSIVE "h-2"("hid", "hlink", "hlevel") AS (SELECT "hr"."businessunitid", "hr"."parentbusinessunitid", 0 FROM "businessunit" "hr" WHERE "hr"."businessunitid" = $2 UNION ALL SELECT "hr"."businessunitid", "hr"."parentbusinessunitid", "h-2"."hlevel" + 1 FROM "businessunit" "hr" JOIN "h-2" ON "hr"."businessunitid" = "h-2"."hlink" WHERE "h-2"."hlevel" < 100) SELECT "hid" FROM "h-2")) LIMIT $3) "c"', params: [ID, ID, 5001] },
    mssql: { sql: 'WITH [h-1]([hid], [hlevel]) AS (SELECT [hr].[businessunitid], 0 FROM [businessunit] [hr] WHERE [hr].[businessunitid] = @p1 UNION ALL SELECT [hr].[businessunitid], [h-1].[hlevel] + 1 FROM [businessunit] [hr] JOIN [h-1] ON [hr].[parentbusinessunitid] = [h-1].[hid] WHERE [h-1].[hlevel] < 100), [h-2]([hid], [hlink], [hlevel]) AS (SELECT [hr].[businessunitid], [hr].[parentbusinessunitid], 0 FROM [businessunit] [hr] WHERE [hr].[businessunitid] = @p2 UNION ALL SELECT [hr].[businessunitid], [hr].[parentbusinessunitid], [h-2].[hlevel] + 1 FROM [businessunit] [hr] JOIN [h-2] ON [hr].[businessunitid] = [h-2].[hlink] WHERE [h-2].[hlevel] < 100) SELECT COUNT(*) AS [n] FROM (SELECT TOP (@p3) 1 AS [x] FROM [businessunit] WHERE (NOT ([businessunitid] IN (SELECT [hid] FROM [h-1] WHERE [hlevel] > 0)) OR [businessunitid] IN (SELECT [hid] FROM [h-2]))) [c] OPTION (MAXRECURSION 110)', params: [ID, ID, 5001] },
  },
  {
    name: "a loop check's walk up from the new parent: unbounded, UNION ending it at a loop (on SQL Server, which takes UNION ALL only, bounded at 32,757 levels)",
    render: (dl) => {
      const unit = entity(shipped, 'businessunit');
      return renderRead(dl, (hierarchyLoopCheck(unit, ID, new Map([[unit.attributesByName.get('parentbusinessunitid')!, ID2]]), false)!.related as RelatedCheck).read);
    },
    sqlite: { sql: 'SELECT "businessunitid", "versionnumber" FROM "businessunit" WHERE ("businessunitid" = ? AND "businessunitid" IN (WITH RECURSIVE "h-1"("hid", "hlink") AS (SELECT "hr"."businessunitid", "hr"."parentbusinessunitid" FROM "businessunit" "hr" WHERE "hr"."businessunitid" = ? UNION SELECT "hr"."businessunitid", "hr"."parentbusinessunitid" FROM "businessunit" "hr" JOIN "h-1" ON "hr"."businessunitid" = "h-1"."hlink") SELECT "hid" FROM "h-1")) ORDER BY "businessunitid" ASC LIMIT ?', params: [ID, ID2, 1] },
    postgres: { sql: 'SELECT "businessunitid", "versionnumber" FROM "businessunit" WHERE ("businessunitid" = $1 AND "businessunitid" IN (WITH RECURSIVE "h-1"("hid", "hlink") AS (SELECT "hr"."businessunitid", "hr"."parentbusinessunitid" FROM "businessunit" "hr" WHERE "hr"."businessunitid" = $2 UNION SELECT "hr"."businessunitid", "hr"."parentbusinessunitid" FROM "businessunit" "hr" JOIN "h-1" ON "hr"."businessunitid" = "h-1"."hlink") SELECT "hid" FROM "h-1")) ORDER BY "businessunitid" ASC NULLS FIRST LIMIT $3', params: [ID, ID2, 1] },
    mssql: { sql: 'WITH [h-1]([hid], [hlink], [hlevel]) AS (SELECT [hr].[businessunitid], [hr].[parentbusinessunitid], 0 FROM [businessunit] [hr] WHERE [hr].[businessunitid] = @p2 UNION ALL SELECT [hr].[businessunitid], [hr].[parentbusinessunitid], [h-1].[hlevel] + 1 FROM [businessunit] [hr] JOIN [h-1] ON [hr].[businessunitid] = [h-1].[hlink] WHERE [h-1].[hlevel] < 32757) SELECT TOP (@p3) [businessunitid], [versionnumber] FROM [businessunit] WHERE ([businessunitid] = @p1 AND [businessunitid] IN (SELECT [hid] FROM [h-1])) ORDER BY [businessunitid] ASC OPTION (MAXRECURSION 32767)', params: [ID, ID2, 1] },
  },
  {
    name: "the table's lock a hierarchy's loop check takes before its walk, held to the transaction's end (none on SQLite, whose writes take turns)",
    render: (dl) => renderTableLock(dl, entity(shipped, 'businessunit')) ?? [],
    sqlite: [],
    postgres: { sql: 'SELECT pg_advisory_xact_lock(132472443::bigint * 4294967296 + $1::regclass::oid::bigint)', params: ['"businessunit"'] },
    mssql: { sql: "EXEC sp_getapplock @Resource = @p1, @LockMode = N'Exclusive', @LockOwner = N'Transaction'", params: ['tessera_table_[businessunit]'] },
  },
  {
    name: 'the rows UpdateMultiple and UpsertMultiple lock before they write, each once, in id order (SQLite: read only, its writes take turns)',
    render: (dl) => renderLockRows(dl, entity(shipped, 'businessunit'), [ID2, ID, ID2]),
    sqlite: { sql: 'SELECT "businessunitid" FROM "businessunit" WHERE "businessunitid" IN (?, ?) ORDER BY "businessunitid"', params: [ID, ID2] },
    postgres: { sql: 'SELECT "businessunitid" FROM "businessunit" WHERE "businessunitid" IN ($1, $2) ORDER BY "businessunitid" FOR UPDATE', params: [ID, ID2] },
    mssql: { sql: 'SELECT [businessunitid] FROM [businessunit] WITH (UPDLOCK, ROWLOCK, HOLDLOCK) WHERE [businessunitid] IN (@p1, @p2) ORDER BY [businessunitid]', params: [ID, ID2] },
  },
  {
    name: "the share table (principalobjectaccess) and its unique index, made when the model has a user-owned table",
    render: (dl) => createPrincipalObjectAccessTable(dl, entity(shipped, 'userquery')),
    sqlite: ["CREATE TABLE \"tessera_principalobjectaccess\" (\"principalobjectaccessid\" TEXT NOT NULL PRIMARY KEY, \"objecttypecode\" VARCHAR(128) NOT NULL, \"objectid\" TEXT NOT NULL, \"principalid\" TEXT NOT NULL, \"principaltypecode\" VARCHAR(128) NOT NULL, \"accessrightsmask\" INTEGER NOT NULL, \"inheritedaccessrightsmask\" INTEGER NOT NULL, \"changedon\" TEXT NOT NULL)", "CREATE UNIQUE INDEX IF NOT EXISTS \"ux_tessera_principalobjectaccess_object\" ON \"tessera_principalobjectaccess\" (\"objecttypecode\", \"objectid\", \"principalid\")"],
    postgres: ["CREATE TABLE \"tessera_principalobjectaccess\" (\"principalobjectaccessid\" uuid NOT NULL PRIMARY KEY, \"objecttypecode\" VARCHAR(128) NOT NULL, \"objectid\" uuid NOT NULL, \"principalid\" uuid NOT NULL, \"principaltypecode\" VARCHAR(128) NOT NULL, \"accessrightsmask\" INTEGER NOT NULL, \"inheritedaccessrightsmask\" INTEGER NOT NULL, \"changedon\" timestamptz(0) NOT NULL)", "CREATE UNIQUE INDEX IF NOT EXISTS \"ux_tessera_principalobjectaccess_object\" ON \"tessera_principalobjectaccess\" (\"objecttypecode\", \"objectid\", \"principalid\")"],
    mssql: ["CREATE TABLE [tessera_principalobjectaccess] ([principalobjectaccessid] UNIQUEIDENTIFIER NOT NULL PRIMARY KEY, [objecttypecode] NVARCHAR(128) NOT NULL, [objectid] UNIQUEIDENTIFIER NOT NULL, [principalid] UNIQUEIDENTIFIER NOT NULL, [principaltypecode] NVARCHAR(128) NOT NULL, [accessrightsmask] INTEGER NOT NULL, [inheritedaccessrightsmask] INTEGER NOT NULL, [changedon] DATETIME2(0) NOT NULL)", "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ux_tessera_principalobjectaccess_object' AND object_id = OBJECT_ID(N'tessera_principalobjectaccess')) CREATE UNIQUE INDEX [ux_tessera_principalobjectaccess_object] ON [tessera_principalobjectaccess] ([objecttypecode], [objectid], [principalid]) WHERE [objecttypecode] IS NOT NULL AND [objectid] IS NOT NULL AND [principalid] IS NOT NULL"],
  },
];
cases.push(...fetchCases);

describe('SQL rendering per dialect (test/render.test.ts)', () => {
  for (const c of cases) {
    describe(c.name, () => {
      for (const [name, dialect] of Object.entries(DIALECTS) as Array<[keyof typeof DIALECTS, Dialect]>) {
        it(name, () => {
          const actual = normalize(c.render(dialect));
          const expected = normalize(c[name]);
          expect(actual.map((s) => s.sql)).to.deep.equal(expected.map((s) => s.sql));
          expect(actual.map((s) => s.params)).to.deep.equal(expected.map((s) => s.params));
          expect(actual.map((s) => s.copy)).to.deep.equal(expected.map((s) => s.copy));
        });
      }
    });
  }
});

describe('parameters are bound in placeholder order', () => {
  // SQLite's `?` is positional: the n-th `?` takes params[n-1], so the count must match exactly
  // (and the renderer must add parameters in text order, which the exact cases above pin down).
  // Named `@sN` placeholders are bound from a plain object ending the params: one key per name.
  for (const c of cases) {
    it(`sqlite: as many '?' as parameters, one named value per @name: ${c.name}`, () => {
      for (const [i, s] of normalize(c.render(sqliteDialect)).entries()) {
        const last = s.params[s.params.length - 1];
        const named = last !== null && typeof last === 'object' && !Array.isArray(last) && !(last instanceof Uint8Array) ? Object.keys(last) : undefined;
        const where = `statement ${i + 1}: ${s.sql.slice(0, 120)}`;
        expect(s.sql.split('?').length - 1, where).to.equal(s.params.length - (named ? 1 : 0));
        expect([...new Set([...s.sql.matchAll(/@(s\d+)\b/g)].map((m) => m[1]))].sort(), where).to.deep.equal((named ?? []).sort());
      }
    });
  }

  /** The indexes of numbered placeholders (`$n`, `@pn`) in a statement. */
  function numbered(sql: string, pattern: RegExp): number[] {
    return [...sql.matchAll(pattern)].map((m) => Number(m[1]));
  }

  for (const [name, pattern] of [['postgres', /\$(\d+)/g], ['mssql', /@p(\d+)\b/g]] as const) {
    it(`${name}: placeholders are numbered 1…n (n = parameters), each one used`, () => {
      for (const c of cases) {
        for (const s of normalize(c.render(DIALECTS[name]))) {
          const used = numbered(s.sql, pattern);
          const distinct = [...new Set(used)];
          const all = Array.from({ length: s.params.length }, (_, i) => i + 1);
          expect([...distinct].sort((a, b) => a - b), `${c.name}: ${s.sql.slice(0, 120)}`).to.deep.equal(all);
          // PostgreSQL: first uses in text order, as the renderer adds them. SQL Server may name a
          // parameter before its predecessors (TOP (@pn) leads the SELECT) or twice; binding is by name.
          if (name === 'postgres') expect(distinct, `${c.name}: ${s.sql.slice(0, 120)}`).to.deep.equal(all);
        }
      }
    });
  }
});

describe('a read with $expand expansions and FetchXML joins binds each placeholder its own value (renderRead)', () => {
  // No planner builds this plan today (FetchXML reads have no expansions, OData reads no joins),
  // but ReadPlan allows it: SQLite's limit-first form for reads with expansions must not drop the
  // joins or leave their values ahead of the conditions'. Every value below is distinct, so the
  // list in placeholder text order shows which value each placeholder takes.
  const plan = (): ReadPlan => ({
    ...fetchRead('msdyn_copilotinteractiondatas', `<fetch count="10"><entity name="msdyn_copilotinteractiondata"><attribute name="msdyn_name"/><filter><condition attribute="msdyn_name" operator="eq" value="root"/></filter><link-entity ${TO_CHILDREN} link-type="outer" alias="c"><attribute name="msdyn_name"/><filter><condition attribute="importsequencenumber" operator="gt" value="5"/></filter></link-entity><link-entity name="systemuser" from="systemuserid" to="createdby" link-type="outer" alias="u"><filter><condition attribute="fullname" operator="eq" value="user"/></filter><order attribute="fullname"/></link-entity></entity></fetch>`),
    expand: read('msdyn_copilotinteractiondatas', { $expand: 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid($select=msdyn_name;$filter=importsequencenumber ge 2;$top=3)' }).expand,
  });
  /** The statement's values in the text order of their placeholders (`?`, `$n` or `@pn`). */
  function valuesInTextOrder(name: keyof typeof DIALECTS, s: Statement): unknown[] {
    if (name === 'sqlite') return [...s.params];
    return [...s.sql.matchAll(name === 'postgres' ? /\$(\d+)/g : /@p(\d+)\b/g)].map((m) => s.params[Number(m[1]) - 1]);
  }
  for (const [name, dialect] of Object.entries(DIALECTS) as Array<[keyof typeof DIALECTS, Dialect]>) {
    it(`${name}: fetched link column, expansion, join condition, filter, ORDER BY's link condition, then the limit`, () => {
      const s = renderRead(dialect, plan());
      expect(s.sql).to.contain('LEFT JOIN');
      if (name === 'sqlite') expect(s.sql.split('?').length - 1).to.equal(s.params.length);
      const values = valuesInTextOrder(name, s);
      // The ORDER BY's linked column is fetched too (first); SQL Server names each TOP's limit
      // first (the read's, 11, and the expansion's, 3), binding by name.
      expect(values).to.deep.equal(name === 'mssql' ? [11, 'user', 3, 2, 5, 'root', 'user'] : ['user', 2, 3, 5, 'root', 'user', 11]);
    });
  }
});

describe('incompatible metadata changes (ddl.ts incompatibleChanges)', () => {
  it('names the table, the column and the change, in snapshot order', () => {
    expect(incompatibleChanges(tiny, [
      { entity: 'tst_task', attribute: 'tst_score', attributeType: 'Integer', maxLength: null },
      { entity: 'tst_task', attribute: 'tst_name', attributeType: 'String', maxLength: 5000 },
      { entity: 'tst_task', attribute: 'tst_gone', attributeType: 'String', maxLength: 100 },
    ])).to.deep.equal([
      "table 'tst_task', column 'tst_score': type change from Integer to Double",
      "table 'tst_task', column 'tst_name': MaxLength shrink from 5000 to 4000",
      "table 'tst_task', column 'tst_gone': dropped from the metadata (columns are never dropped; declare it again)",
    ]);
  });

  it('names a DateTimeBehavior change to or from DateOnly and a Precision shrink; accepts UserLocal ↔ TimeZoneIndependent, a Precision increase and rows that do not record them', () => {
    // tst_duedate is DateOnly, tst_budget Money with Precision 2, tst_ratio Decimal (default 2).
    expect(incompatibleChanges(tiny, [
      { entity: 'tst_task', attribute: 'tst_duedate', attributeType: 'DateTime', maxLength: null, dateTimeBehavior: 'TimeZoneIndependent' },
      { entity: 'tst_task', attribute: 'tst_budget', attributeType: 'Money', maxLength: null, precision: 4 },
      { entity: 'tst_task', attribute: 'tst_ratio', attributeType: 'Decimal', maxLength: null, precision: 1 },
      { entity: 'tst_task', attribute: 'createdon', attributeType: 'DateTime', maxLength: null, dateTimeBehavior: 'DateOnly' },
      { entity: 'tst_task', attribute: 'modifiedon', attributeType: 'DateTime', maxLength: null, dateTimeBehavior: 'TimeZoneIndependent' },
      { entity: 'tst_task', attribute: 'overriddencreatedon', attributeType: 'DateTime', maxLength: null },
    ])).to.deep.equal([
      "table 'tst_task', column 'tst_duedate': DateTimeBehavior change from TimeZoneIndependent to DateOnly (a type change, Edm.DateTimeOffset to Edm.Date)",
      "table 'tst_task', column 'tst_budget': Precision shrink from 4 to 2 (stored values would be rounded)",
      "table 'tst_task', column 'createdon': DateTimeBehavior change from DateOnly to UserLocal (a type change, Edm.Date to Edm.DateTimeOffset)",
    ]);
  });

  it('accepts unchanged columns, a MaxLength increase and tables left out of the metadata', () => {
    expect(incompatibleChanges(tiny, [
      { entity: 'tst_task', attribute: 'tst_name', attributeType: 'String', maxLength: 100 },
      { entity: 'tst_task', attribute: 'tst_done', attributeType: 'Boolean', maxLength: null },
      { entity: 'systemuser', attribute: 'fullname', attributeType: 'String', maxLength: 200 },
      { entity: 'tst_retired', attribute: 'tst_whatever', attributeType: 'Integer', maxLength: null },
    ])).to.deep.equal([]);
  });

  it('treats a computed (AttributeOf) column that was once stored as dropped', () => {
    expect(incompatibleChanges(shipped, [
      { entity: 'msdyn_copilotinteraction', attribute: 'createdbyname', attributeType: 'String', maxLength: 100 },
    ])).to.deep.equal([
      "table 'msdyn_copilotinteraction', column 'createdbyname': dropped from the metadata (columns are never dropped; declare it again)",
    ]);
  });
});

describe('long and/or chains render shallow (src/nesting.ts groupChain)', () => {
  /** The deepest nesting of parentheses in `sql`. */
  const depthOf = (sql: string) => [...sql].reduce((acc, c) => {
    const now = acc.now + (c === '(' ? 1 : c === ')' ? -1 : 0);
    return { now, max: Math.max(acc.max, now) };
  }, { now: 0, max: 0 }).max;
  const conditions = (n: number) => Array.from({ length: n }, (_, i) => `<condition attribute="importsequencenumber" operator="eq" value="${i}"/>`).join('');

  for (const [name, dialect] of Object.entries(DIALECTS)) {
    it(`${name}: a 1,000-condition FetchXML or-filter (nested to the left by the planner) is about ten levels deep, parameters in order`, () => {
      const s = renderRead(dialect, fetchRead('msdyn_copilotinteractions', INTERACTION_FETCH('', `<filter type="or">${conditions(1000)}</filter>`)));
      // 999 between the conditions, one in the retention condition on the table's rows.
      expect(s.sql.match(/ OR /g)).to.have.length(1000);
      expect(depthOf(s.sql)).to.be.at.most(12);
      expect(s.params.slice(0, 1000)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
    });

    it(`${name}: a 1,000-term $filter and-chain (grouped by the parser) is about ten levels deep; 32 terms keep the left-nested text`, () => {
      const long = renderRead(dialect, read('msdyn_copilotinteractions', { $filter: Array.from({ length: 1000 }, (_, i) => `importsequencenumber eq ${i}`).join(' and ') }));
      expect(depthOf(long.sql)).to.be.at.most(12);
      expect(long.params.slice(0, 1000)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
      const short = renderRead(dialect, read('msdyn_copilotinteractions', { $filter: Array.from({ length: 32 }, (_, i) => `importsequencenumber eq ${i}`).join(' and ') }));
      expect(short.sql).to.contain(`<> 1) AND ${'('.repeat(31)}${dialect.quote('importsequencenumber')}`);
    });
  }
});

describe('joined-column aliases (sql/joined-columns.ts)', () => {
  it('keep two long column names apart within PostgreSQL\'s 63 characters, which would cut them to one ambiguous name', () => {
    const long = (end: string) => ({ LogicalName: `new_${'x'.repeat(57)}${end}` }) as AttributeModel;
    const [a, b] = [joinedColumnAlias(long('a')), joinedColumnAlias(long('b'))];
    expect(a.length).to.be.at.most(63);
    expect(b.length).to.be.at.most(63);
    expect(a).to.not.equal(b);
    expect(joinedColumnAlias({ LogicalName: 'fullname' } as AttributeModel)).to.equal('_c_fullname');
  });
});
