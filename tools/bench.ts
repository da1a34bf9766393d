/**
 * `npm run bench [-- --db URL --rows N --duration S --warmup S --connections C --ids K --rounds R
 *                   --bulk-rows B --bulk-rounds Q --bulk-only --profile DIR
 *                   --cm-requests M --cm-clients P --cm-rounds U --create-multiple-only]`
 * A quick run: `npm run bench -- --rows 20000 --duration 3 --warmup 1 --cm-requests 10` (~40 s; the
 * default ~65–70 s on SQLite, ~75–85 s on PostgreSQL, on 2 cores). Bulk figure only:
 * `npm run bench -- --bulk-only` (~3–10 s); bulk and CreateMultiple figures only:
 * `npm run bench -- --create-multiple-only` (~15–35 s).
 *
 * The database: `--db` takes the URLs `openDatabase` takes, `sqlite:<path>` or
 * `postgres://user@host:port/db[?schema=name]`; without it, a temporary SQLite file. The bench
 * always writes into fresh storage of its own and removes it at the end: for SQLite, files that
 * must not exist yet (`<path>` and `<path>.bulk.db`); for PostgreSQL, two schemas it creates
 * (`<name>` and `<name>_bulk`, `<name>` defaulting to `tessera_bench_<pid>`; an existing schema
 * is refused, never reused) and drops with CASCADE at the end. The line "database:" says which.
 *
 * What it measures, in one run:
 * 1. Bulk insert (in this process, before anything else runs): B (default 10,000)
 *    msdyn_copilotinteraction rows in ONE transaction, into the real table (same columns and
 *    indexes, migrated by `Service.open`) of a separate fresh file / schema, emptied before each
 *    measurement. Methods:
 *    - Tessera: `executeInsertMany(db, plans)`, the dialect's bulk path (version block +
 *      multi-row INSERTs from `renderInsertMany`); the plans (`planCreate`) are built beforehand
 *      and timed separately;
 *    - raw driver, same rows, same values (the dialect's `toDb` applied beforehand), own
 *      connection, one transaction: on SQLite a prepared INSERT run per row inside a
 *      better-sqlite3 `db.transaction`; on PostgreSQL (pg) multi-row INSERTs as large as the
 *      65,535-parameter limit allows (statement text built beforehand, parameters flattened in
 *      the timed part), and `COPY … FROM STDIN` in text and in binary format (pg-copy-streams; the
 *      COPY data is built in the timed part, as pg serialises parameters in it; the binary data by
 *      Tessera's encoder, as there is no other in these dependencies).
 *    One warm-up round (discarded), then Q (default 5) rounds, the order of the methods rotating
 *    between rounds. Figures: best and median rows/s; client CPU (this process) and, on a local
 *    PostgreSQL, server CPU (the backends' utime + stime from /proc, found by application_name)
 *    per run, which tells where the wall time goes. "render" is `renderInsertMany` alone for the
 *    same rows. Target: Tessera's best ≥ 50 % of the best raw method's best (PASS / BELOW).
 * 2. Seeding for the HTTP scenarios: N (default 100,000) rows through the same bulk path
 *    (`planCreate` → `executeInsertMany` in chunks of 10,000, one transaction each), their
 *    createdon spread evenly over the past year, each row pointing at one of N / 10
 *    msdyn_copilotinteractiondata rows created before (not timed).
 *    Printed as rows/s (plan and insert split). PostgreSQL then gets an `ANALYZE` of the table, as
 *    autovacuum would give it shortly anyway.
 * 3. Three HTTP scenarios, each against two servers living in ONE forked server process (server
 *    processes run with the Node flags `npm start` serves with: serverExecArgv):
 *    - Tessera: the real app (`createApp(service)`), full pipeline parse → plan → sql → execute →
 *      respond;
 *    - bare express 5: one route per scenario on another port returning the same response bytes,
 *      pre-serialised (no parsing, no SQL). It is the ceiling express itself allows here.
 *    Scenarios:
 *    a. GET by key: `GET /api/data/v9.2/msdyn_copilotinteractions(<id>)`, cycling over K
 *       (default 2,000) different existing ids (bare: always the first id's JSON);
 *    b. page: 50 rows of `$filter=msdyn_interactiontype eq 100230301&$orderby=createdon desc`
 *       with a 3-column `$select`, over all N rows;
 *    c. the same page with `$expand` of two single-valued navigation properties (createdby and
 *       msdyn_interactiondataid) and one collection-valued one nested in the second (the data
 *       row's ~10 interactions): one SQL statement with JSON built in SQL, ~12 KiB a response.
 *    The load generator (autocannon, C connections, default 10, 127.0.0.1 only) runs in THIS
 *    process and the servers in a child process, so they compete for the 2 cores the way a
 *    client and a server on one box do (a local PostgreSQL competes for them too). Per scenario:
 *    a discarded warm-up of S seconds on each server, then R (default 2) rounds alternating
 *    Tessera and bare, S/R seconds each, so that background load on the machine hits both sides
 *    alike. Before any load, both servers are checked to answer 200 with byte-identical bodies.
 *
 * How to read it: "req/s" is answered requests ÷ measured seconds; "ratio" is Tessera ÷ bare
 * express, the share of express's own ceiling that Tessera keeps, which moves less between runs
 * than absolute req/s on this machine (DESIGN.md §7), though still by several points. p99 is the
 * worst round's 99th-percentile latency in ms. "server CPU µs/req" is the server process's
 * user + system CPU time per answered request during the measured runs (Tessera | bare): the
 * steadiest figure when other processes share the cores; Tessera's minus bare's is what the
 * pipeline itself costs per request. On a local PostgreSQL, "PG CPU µs/req T" adds the
 * backends' CPU time per Tessera request (from /proc; 10 ms ticks, so read it as ±10 %). The GET-by-key
 * target is ratio ≥ 60 %; the line says PASS or BELOW, and the exit code stays 0 either way (a
 * benchmark reports, it does not assert); so does the bulk target's. Any non-2xx answer or
 * socket error is printed under the table and makes that row worthless.
 * autocannon is JavaScript too: at ~10k req/s it takes about half a core, so the bare ceiling
 * here is lower than with a native load generator.
 * 4. CreateMultiple over HTTP (after the scenarios above, in ANOTHER forked server process, serving
 *    the real app on a third fresh file / schema `<name>_cm`, so the figure is the same with
 *    `--create-multiple-only`): `POST /api/data/v9.2/msdyn_copilotinteractions/Microsoft.Dynamics.CRM.CreateMultiple`
 *    with `{"Targets":[…1,000 items…]}` (`@odata.type` and the five columns a Copilot client sends:
 *    msdyn_name, msdyn_interactiontype, msdyn_scenariotype, msdyn_scenariorequestid,
 *    msdyn_clienttimestamp). The bodies (JSON text, ~265 KiB each, 16 distinct ones cycled; the ids
 *    are the server's) are built before any timing; the client is node:http with keep-alive in THIS
 *    process. One check request and a discarded warm-up of 12 requests (4 clients), then U (default
 *    3) rounds, the order rotating between rounds, of:
 *    - Tessera, sequential: one client sending M (default 30) requests back to back;
 *    - Tessera, P (default 4) concurrent clients sending 2M requests between them;
 *    - on SQLite, the same two loads against the bare handler (tools/bare-create-multiple.ts),
 *      served by the same process from its own connection to the same file: a hand-written
 *      express route for this one table that checks the five columns, stamps the same columns
 *      and writes them with Tessera's own bulk SQL, without the generic pipeline. It is the
 *      ceiling this machine puts on any CreateMultiple over HTTP with express and
 *      better-sqlite3; "HTTP ceiling" prints Tessera's median as a share of it, which, like the
 *      GET scenarios' ratio to bare express, moves less between runs than rows/s;
 *    - the raw driver in the same conditions ("same table"): M transactions of 1,000 rows, one
 *      connection from this process, into the very table the server writes (the same rows, planned
 *      and converted beforehand): on SQLite a prepared INSERT per row; on PostgreSQL a 1,000-row
 *      INSERT, and COPY (text and binary). This is the like-for-like reference: the table grows through the rounds
 *      (by default to ~370,000 rows on SQLite, ~460,000 on PostgreSQL), its WAL is checkpointed by
 *      the server's background checkpointer (SQLite) and it pays per-transaction costs the bulk
 *      figure's 10,000-row transactions spread thinner: on SQLite the raw driver writes ~80–120k
 *      rows/s here against ~100–160k in the bulk figure. (Ids are UUIDv7 and the indexed columns
 *      grow or repeat, so rows append to every index rather than landing at random places.)
 *    rows/s = 1,000 × requests answered 200 ÷ wall seconds of a run; "median" and "best" are over the
 *    rounds. Every answer is checked after its run (outside the timing): 200 with 1,000 GUIDs in
 *    `Ids`, none seen before in the bench; at the end the table must hold exactly the rows answered
 *    plus the raw lines' rows. Targets (PASS / BELOW on the medians, exit 0 either way): CreateMultiple
 *    ≥ 40 % of the raw driver's rate for the same work (the best "same table" line: 1,000-row
 *    transactions into the same table, between the same runs), and ≥ 100,000 rows/s on SQLite.
 *    Also printed: the ratio to the raw driver's bulk rate from figure 1 of the same run (10,000-row
 *    transactions into an emptied table; on PostgreSQL the best of multi-row INSERT and the two COPY
 *    formats), with the raw driver's own 1,000-row transactions' share of it, which no server
 *    answering 1,000-row requests can pass (on PostgreSQL ~43 % with one client). "Node CPU µs/row" is the server
 *    process's CPU time per inserted row (for raw lines, the raw client's); "PG CPU µs/row" the
 *    backends'. With `--profile DIR`, one extra sequential and one extra concurrent run are profiled
 *    after the measured rounds (100 µs sampling;
 *    `DIR/tessera-create-multiple-{sequential,concurrent}.cpuprofile`; on SQLite also one sequential
 *    run of the bare handler, `…-bare-sequential.cpuprofile`), so the measured figures stay
 *    comparable; the server's time is split by stage (body read, JSON.parse, planCreate, bodyValue,
 *    randomUUID, SQL rendering, the driver, COMMIT, express, GC; each sample to the innermost stage
 *    on its stack, adding up to 100 %) besides the top self-time functions.
 * The page query's SQL and the database's plan for it (SQLite `EXPLAIN QUERY PLAN`, PostgreSQL
 * `EXPLAIN`) are printed too: a SCAN + TEMP B-TREE / Seq Scan + Sort there explains a low page
 * ratio better than any profile.
 * `--profile DIR` also CPU-profiles the server process during the (single-round) measured
 * Tessera runs, writes `DIR/tessera-<scenario>.cpuprofile` (open in Chrome DevTools) and prints
 * the top self-time functions; profiling slows the server, so such a run's ratios are not
 * comparable. For the bulk insert it profiles one extra run of each method after the measured
 * rounds (`DIR/bulk-<method>.cpuprofile`), so the bulk figures stay comparable.
 * `--bulk-only` skips seeding and HTTP; `--bulk-rows 0` skips the bulk figure (and so the raw rate
 * beside CreateMultiple); `--create-multiple-only` skips seeding and the GET scenarios (bulk figure
 * and CreateMultiple only); `--cm-requests 0` skips CreateMultiple.
 * Exit code 1 only when the bench itself fails (bad flags, a server that dies, a database that
 * cannot be reached).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import express, { type Response } from 'express';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createApp } from '../src/http/app.js';
import { logger } from '../src/log.js';
import { loadModel } from '../src/model/loader.js';
import type { AttributeModel, Model } from '../src/model/types.js';
import type { HttpResponse } from '../src/odata/respond.js';
import { parseRequest } from '../src/odata/request.js';
import { planRead } from '../src/plan/read.js';
import type { InsertPlan, Value } from '../src/plan/types.js';
import { planCreate } from '../src/plan/write.js';
import { SYSTEM_CALLER, Service } from '../src/service.js';
import type { Dialect } from '../src/sql/dialect.js';
import { postgresDialect } from '../src/sql/postgres.js';
import { renderInsertMany, renderRead } from '../src/sql/render.js';
import { sqliteDialect } from '../src/sql/sqlite.js';
import type { Database } from '../src/store/database.js';
import { executeInsertMany } from '../src/store/execute.js';
import { openDatabase } from '../src/store/open.js';
import { openSqliteConnection } from '../src/store/sqlite.js';
import { bareCreateMultiple } from './bare-create-multiple.js';


/**
 * The raw driver's best single-connection insert path on SQLite: one prepared INSERT run per row
 * inside one better-sqlite3 transaction, on a connection with Tessera's own settings.
 */
function rawSqliteInserter(path: string, table: string, columnList: string, width: number, closers: Array<() => Promise<void>>) {
  const raw = openSqliteConnection(path);
  closers.push(async () => { if (raw.open) raw.close(); });
  const insert = raw.prepare(`INSERT INTO ${table} (${columnList}) VALUES (${Array.from({ length: width }, () => '?').join(', ')})`);
  const insertAll = raw.transaction((rows: readonly unknown[][]) => { for (const row of rows) insert.run(row); });
  return { raw, insertAll };
}

const CHILD_FLAG = '--bench-server-child';
const METADATA = join(import.meta.dirname, '..', '..', 'metadata');
const ENTITY = 'msdyn_copilotinteraction';
const ROOT = '/api/data/v9.2/';
/**
 * The page scenario: one interaction type, newest first (served by the table's declared createdon
 * index). Until the primary name lost its implicit index it was ordered by msdyn_name desc.
 */
const PAGE_QUERY: Record<string, string> = {
  $select: 'msdyn_name,msdyn_interactiontype,createdon',
  $filter: 'msdyn_interactiontype eq 100230301',
  $orderby: 'createdon desc',
  $top: '50',
};
const pathOf = (query: Record<string, string>) => `${ROOT}msdyn_copilotinteractions?${Object.entries(query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
const PAGE_PATH = pathOf(PAGE_QUERY);
/** The collection-valued navigation property from a copilot interaction data row to its interactions. */
const INTERACTIONS = 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid';
/**
 * The same page with two single-valued expansions (the creating user, the interaction data row)
 * and one collection expansion nested in the second (the data row's interactions, ~10 each).
 */
const EXPAND_PATH = pathOf({
  ...PAGE_QUERY,
  $expand: `createdby($select=fullname),msdyn_interactiondataid($select=msdyn_name;$expand=${INTERACTIONS}($select=msdyn_name))`,
});
/** Seeded interactions per msdyn_copilotinteractiondata row. */
const INTERACTIONS_PER_DATA = 10;
const keyPath = (id: string) => `${ROOT}msdyn_copilotinteractions(${id})`;
const TARGET_RATIO = 0.6;
/** The bulk insert target: Tessera's bulk path at ≥ 50 % of the raw driver's best rate. */
const BULK_TARGET_RATIO = 0.5;
const YEAR_MS = 365 * 86400_000;
/** Rows per `executeInsertMany` call when seeding for the HTTP scenarios. */
const SEED_CHUNK = 10_000;
/** CreateMultiple: rows per request, the path, and the targets against the raw driver's rate. */
const CM_ROWS = 1000;
const CM_PATH = `${ROOT}msdyn_copilotinteractions/Microsoft.Dynamics.CRM.CreateMultiple`;
const CM_TARGET_RATIO = 0.4;
const CM_TARGET_SQLITE_ROWS = 100_000;
/** Distinct request bodies, cycled (ids are the server's, so a body may be sent again). */
const CM_BODIES = 16;
/** Discarded warm-up requests (sent by 4 clients) before the measured rounds. */
const CM_WARMUP = 12;

// ---------------------------------------------------------------------------------------------
// IPC between the bench (load generator) and the server child.

interface SeedStats { rows: number; seconds: number; planSeconds: number; insertSeconds: number }

type ToParent =
  | { type: 'ready'; tesseraPort: number; barePort: number; seed: SeedStats; ids: string[]; pageSql: string; queryPlan: string[] }
  | { type: 'serving'; port: number; barePort?: number }
  | { type: 'profiled'; top: ProfileLine[]; stages: ProfileLine[]; file: string }
  | { type: 'cpu'; micros: number }
  | { type: 'counted'; rows: number }
  | { type: 'failed'; message: string };

type ToChild =
  | { type: 'profile-start'; interval?: number }
  | { type: 'profile-stop'; file: string; stages?: StageSpec[] }
  | { type: 'cpu' }
  | { type: 'count' }
  | { type: 'shutdown' };

interface ProfileLine { percent: number; name: string; where: string }

/**
 * A stage of a CPU profile: the frames called one of `names` (any name when absent) whose script
 * URL contains one of `urls` (any script when absent; '' stands for built-ins and native code,
 * which have no URL). Each sample goes to the stage of its innermost frame that matches one; a
 * `weak` stage (a catch-all such as "node:") only when no other stage is on the stack.
 */
interface StageSpec { label: string; names?: string[]; urls?: string[]; weak?: boolean }

/**
 * The Node options a server child runs with: this process's own, then the flags `npm start` gives
 * node before `dist/src/cli.js serve` (package.json `scripts.start`, e.g. `--max-semi-space-size=64`),
 * so that the servers measured run as the README serves them. Throws an Error when the script no
 * longer has that shape.
 */
function serverExecArgv(): string[] {
  const start = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const flags = /\bnode((?: --\S+)*) dist\/src\/cli\.js serve\b/.exec(start);
  if (!flags) throw new Error(`package.json's start script no longer runs "node [flags] dist/src/cli.js serve": ${start}`);
  return [...process.execArgv, ...flags[1]!.split(' ').filter(Boolean)];
}

/**
 * `url`: the database (openDatabase); `tempDir`: removed by the child if the bench vanishes.
 * `mode`: 'http' seeds `rows` rows and serves Tessera and the bare routes (answers 'ready');
 * 'create-multiple' serves Tessera alone on the storage as it is (answers 'serving').
 */
/** `sqlitePath`: in 'create-multiple' mode on SQLite, the file the bare handler writes too. */
interface ChildConfig { url: string; engine: Engine; rows: number; ids: number; tempDir?: string; mode: 'http' | 'create-multiple'; sqlitePath?: string }

type Engine = 'sqlite' | 'postgres';

// ---------------------------------------------------------------------------------------------
// Server child: seed, serve Tessera and the bare express routes, profile on request.

/** A small deterministic PRNG (mulberry32) so every run seeds the same data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SUBJECTS = ['Case summary', 'Email draft', 'Answer', 'Knowledge article', 'Chat reply', 'Resolution note', 'Timeline highlight', 'Intent', 'Follow-up', 'Conversation summary', 'Quote', 'Escalation'];
const TOPICS = ['billing', 'delivery', 'refund', 'login', 'warranty', 'invoice', 'password reset', 'upgrade', 'outage', 'returns', 'onboarding', 'pricing', 'contract', 'shipping'];

/** Request bodies of deterministic, realistic msdyn_copilotinteraction rows (same seed, same rows). */
function rowMaker(model: Model, seedValue: number): () => Record<string, unknown> {
  const entity = model.byLogicalName.get(ENTITY)!;
  const optionValues = (name: string) => entity.attributesByName.get(name)!.OptionSet!.Options.map((o) => o.Value);
  const interactionTypes = optionValues('msdyn_interactiontype');
  const scenarioTypes = optionValues('msdyn_scenariotype');
  const random = prng(seedValue);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const yearAgo = Date.now() - 365 * 86400_000;
  return () => ({
    msdyn_name: `${pick(SUBJECTS)} – ${pick(TOPICS)} #${String(Math.floor(random() * 1e6)).padStart(6, '0')}`,
    msdyn_interactiontype: pick(interactionTypes),
    msdyn_scenariotype: pick(scenarioTypes),
    msdyn_scenariorequestid: Math.floor(random() * 2 ** 48).toString(16).padStart(12, '0'),
    msdyn_clienttimestamp: new Date(yearAgo + Math.floor(random() * 365 * 86400_000)).toISOString(),
  });
}

/**
 * Seeds `rows` interactions through the bulk path, each pointing at one of rows / 10
 * msdyn_copilotinteractiondata rows (created first, not timed), so the expansion scenario has
 * related rows on both sides. The lookup is set in the plan directly: the data rows exist, so the
 * per-row reference check of an `@odata.bind` would only slow the seeding down.
 */
async function seed(service: Service, db: Database, rows: number): Promise<{ stats: SeedStats; ids: string[] }> {
  const { model } = service;
  const entity = model.byLogicalName.get(ENTITY)!;
  const data = model.byLogicalName.get('msdyn_copilotinteractiondata')!;
  const dataPlans = Array.from({ length: Math.ceil(rows / INTERACTIONS_PER_DATA) }, (_, i) => planCreate(model, data, { msdyn_name: `Interaction data ${i}` }, SYSTEM_CALLER));
  for (let start = 0; start < dataPlans.length; start += SEED_CHUNK) await executeInsertMany(db, dataPlans.slice(start, start + SEED_CHUNK));
  const lookup = entity.attributesByName.get('msdyn_interactiondataid')!;
  const next = rowMaker(model, 20240601);
  const ids: string[] = [];
  let planMs = 0;
  let insertMs = 0;
  const started = performance.now();
  const yearAgo = Date.now() - YEAR_MS;
  for (let start = 0; start < rows; start += SEED_CHUNK) {
    const plans: InsertPlan[] = [];
    const t0 = performance.now();
    for (let i = start; i < Math.min(rows, start + SEED_CHUNK); i++) {
      // Rows created over the past year, oldest first, as a table that has been in use would hold.
      const createdOn = new Date(yearAgo + Math.floor((i * YEAR_MS) / rows)).toISOString().slice(0, 19) + 'Z';
      const plan = planCreate(model, entity, next(), SYSTEM_CALLER, undefined, createdOn);
      (plan.values as Map<AttributeModel, Value>).set(lookup, dataPlans[i % dataPlans.length]!.id);
      plans.push(plan);
      ids.push(plan.id);
    }
    const t1 = performance.now();
    await executeInsertMany(db, plans);
    insertMs += performance.now() - t1;
    planMs += t1 - t0;
  }
  const seconds = (performance.now() - started) / 1000;
  return { stats: { rows, seconds, planSeconds: planMs / 1000, insertSeconds: insertMs / 1000 }, ids };
}

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolveServer, reject) => {
    const server = app.listen(0, '127.0.0.1', () => resolveServer(server));
    server.once('error', reject);
  });
}

/** Writes a pre-built response the way the Tessera app's `send` does, from pre-encoded bytes. */
function sendBytes(res: Response, status: number, headers: Record<string, string>, body: Buffer): void {
  res.status(status);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(body);
}

/** Shuffled sample of `n` ids (deterministic). */
function sample(ids: readonly string[], n: number): string[] {
  const copy = [...ids];
  const random = prng(7);
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, Math.min(n, copy.length));
}

interface CpuProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface CpuProfile { nodes: CpuProfileNode[] }

/**
 * Where the samples go by stage, exclusively: each non-idle sample counts for the innermost frame
 * on its stack that matches a stage (the first matching spec for that frame; weak stages only when
 * no other matches), else for "other"; the shares add up to 100 %. V8 charges built-ins such as
 * JSON.parse to their JS caller.
 */
function stages(profile: CpuProfile, specs: readonly StageSpec[]): ProfileLine[] {
  const parent = new Map<number, CpuProfileNode>();
  for (const n of profile.nodes) for (const id of n.children ?? []) parent.set(id, n);
  const matches = (n: CpuProfileNode, s: StageSpec) => (!s.names || s.names.includes(n.callFrame.functionName))
    && (!s.urls || s.urls.some((u) => (u === '' ? n.callFrame.url === '' : n.callFrame.url.includes(u))));
  // Innermost strong and innermost weak stage on each node's stack (-1: none), memoised.
  const memo = new Map<number, [number, number]>();
  const onStack = (n: CpuProfileNode): [number, number] => {
    let known = memo.get(n.id);
    if (known) return known;
    const up = parent.get(n.id);
    const [upStrong, upWeak] = up ? onStack(up) : [-1, -1];
    const own = specs.findIndex((s) => matches(n, s));
    known = own < 0 ? [upStrong, upWeak] : specs[own]!.weak ? [upStrong, own] : [own, upWeak];
    memo.set(n.id, known);
    return known;
  };
  const find = (n: CpuProfileNode): number => {
    const [strong, weak] = onStack(n);
    return strong >= 0 ? strong : weak >= 0 ? weak : specs.length;
  };
  const hits = new Array<number>(specs.length + 1).fill(0);
  let all = 0;
  for (const n of profile.nodes) {
    const h = n.callFrame.functionName === '(idle)' ? 0 : n.hitCount ?? 0;
    if (!h) continue;
    all += h;
    hits[find(n)]! += h;
  }
  const describe = (s: StageSpec) => [s.names?.join(' | '), s.urls?.map((u) => u || '(built-in)').join(' | ')].filter(Boolean).join(' in ');
  return [...specs, { label: 'other' }].map((s, i) => ({ percent: (100 * hits[i]!) / Math.max(all, 1), name: s.label, where: i < specs.length ? describe(s) : 'no stage on the stack' }));
}

/** Top self-time functions of a profile, as a share of non-idle samples. */
function summarise(profile: CpuProfile, top = 15): ProfileLine[] {
  const byFunction = new Map<string, ProfileLine & { hits: number }>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (!hits || functionName === '(idle)') continue;
    total += hits;
    const short = url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/)/, '$1').replace(/^.*\/dist\//, 'dist/');
    const where = url ? `${short}:${lineNumber + 1}` : '(native / VM)';
    const key = `${functionName}@${where}`;
    const entry = byFunction.get(key) ?? { percent: 0, name: functionName || '(anonymous)', where, hits: 0 };
    entry.hits += hits;
    byFunction.set(key, entry);
  }
  return [...byFunction.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, top)
    .map(({ hits, name, where }) => ({ percent: (100 * hits) / Math.max(total, 1), name, where }));
}

async function runChild(config: ChildConfig): Promise<void> {
  const send = (msg: ToParent) => process.send!(msg);
  let db: Database | undefined;
  const servers: Server[] = [];
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    await db?.close().catch(() => undefined);
  };
  // If the bench dies without saying goodbye, do not linger (and do not leave the temp folder;
  // a PostgreSQL schema of a vanished bench is left behind, named in the bench's first lines).
  process.on('disconnect', () => {
    void close().finally(() => {
      if (config.tempDir) rmSync(config.tempDir, { recursive: true, force: true });
      process.exit(1);
    });
  });

  // Listening before 'ready' is sent, so no request from the bench can arrive unheard.
  let session: Session | undefined;
  process.on('message', (msg: ToChild) => {
    void (async () => {
      switch (msg.type) {
        case 'profile-start':
          session = new Session();
          session.connect();
          await session.post('Profiler.enable');
          if (msg.interval) await session.post('Profiler.setSamplingInterval', { interval: msg.interval });
          await session.post('Profiler.start');
          break;
        case 'profile-stop': {
          const { profile } = (await session!.post('Profiler.stop')) as { profile: CpuProfile };
          session!.disconnect();
          session = undefined;
          writeFileSync(msg.file, JSON.stringify(profile));
          send({ type: 'profiled', top: summarise(profile), stages: stages(profile, msg.stages ?? []), file: msg.file });
          break;
        }
        case 'count': {
          const [row] = await db!.rows({ sql: `SELECT COUNT(*) FROM ${db!.dialect.quote(ENTITY)}`, params: [] });
          send({ type: 'counted', rows: Number(row![0]) });
          break;
        }
        case 'cpu': {
          const { user, system } = process.cpuUsage();
          send({ type: 'cpu', micros: user + system });
          break;
        }
        case 'shutdown':
          await close();
          process.exit(0);
      }
    })().catch((err: unknown) => send({ type: 'failed', message: (err as Error).stack ?? String(err) }));
  });

  try {
    const model = loadModel(METADATA);
    db = await openDatabase(config.url);
    const service = await Service.open(model, db, logger);
    if (config.mode === 'create-multiple') {
      const server = await listen(createApp(service));
      servers.push(server);
      let barePort: number | undefined;
      if (config.sqlitePath) {
        const bare = bareCreateMultiple(model, config.sqlitePath);
        process.on('exit', bare.close);
        const bareServer = await listen(bare.app);
        servers.push(bareServer);
        barePort = (bareServer.address() as AddressInfo).port;
      }
      send({ type: 'serving', port: (server.address() as AddressInfo).port, barePort });
      return;
    }
    const { stats, ids } = await seed(service, db, config.rows);
    // Planner statistics, as autovacuum would gather them shortly after a load like this.
    if (config.engine === 'postgres') await db.run({ sql: `ANALYZE ${db.dialect.quote(ENTITY)}`, params: [] });

    const tessera = await listen(createApp(service));
    servers.push(tessera);
    const tesseraPort = (tessera.address() as AddressInfo).port;
    const origin = `http://127.0.0.1:${tesseraPort}`;

    const picked = sample(ids, config.ids);
    const prebuilt = async (url: string) => {
      const out: HttpResponse = await service.handle({ method: 'GET', url, headers: {}, origin });
      if (out.status !== 200 || out.body === undefined) throw new Error(`GET ${url} answered ${out.status}: ${out.body ?? ''}`);
      return { status: out.status, headers: out.headers, body: Buffer.from(out.body) };
    };
    const keyResponse = await prebuilt(keyPath(picked[0]!));
    const pageResponse = await prebuilt(PAGE_PATH);
    const expandResponse = await prebuilt(EXPAND_PATH);

    const bare = express();
    bare.disable('x-powered-by');
    bare.set('etag', false);
    bare.get(/^\/api\/data\/v9\.2\/msdyn_copilotinteractions\([^/]*\)$/, (_req, res) => sendBytes(res, keyResponse.status, keyResponse.headers, keyResponse.body));
    bare.get(`${ROOT}msdyn_copilotinteractions`, (req, res) => {
      const r = req.originalUrl.includes('$expand=') ? expandResponse : pageResponse;
      sendBytes(res, r.status, r.headers, r.body);
    });
    const bareServer = await listen(bare);
    servers.push(bareServer);

    // The page query as SQL, and how the database runs it.
    const entity = model.byLogicalName.get(ENTITY)!;
    const parsed = parseRequest({ method: 'GET', url: PAGE_PATH, headers: {}, origin });
    const statement = renderRead(db.dialect, planRead(entity, parsed.query, parsed.prefer));
    const explain = config.engine === 'sqlite' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN';
    const plan = await db.rows({ sql: `${explain} ${statement.sql}`, params: statement.params });

    send({
      type: 'ready',
      tesseraPort,
      barePort: (bareServer.address() as AddressInfo).port,
      seed: stats,
      ids: picked,
      pageSql: `${statement.sql}  -- params ${JSON.stringify(statement.params)}`,
      queryPlan: plan.map((row) => String(config.engine === 'sqlite' ? row[3] : row[0]).trim()),
    });
  } catch (err) {
    send({ type: 'failed', message: (err as Error).stack ?? String(err) });
    await close();
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------------------------
// The database: fresh storage per run, removed at the end.

/** A bad command line: reported as one line with the usage, without a stack trace. */
class UsageError extends Error {}
/** A database the bench cannot prepare: reported as one line, without a stack trace. */
class SetupError extends Error {}

interface Target {
  engine: Engine;
  /** Which database, and how the run is isolated on it (printed). */
  description: string;
  /** For the HTTP child (seeded with N rows). */
  httpUrl: string;
  /** For the bulk insert figure (emptied before each measurement). */
  bulkUrl: string;
  /** For the CreateMultiple figure's server (fresh, grows through the run). */
  cmUrl: string;
  /** SQLite: the bulk file, for the raw connection. */
  bulkPath?: string;
  /** SQLite: the CreateMultiple file, for the raw connection writing beside the server. */
  cmPath?: string;
  /** PostgreSQL: the connection string without schema, and the bulk schema, for the raw client. */
  pg?: { connectionString: string; bulkSchema: string; cmSchema: string };
  /** Removes one part's storage (idempotent). */
  drop(part: Part): Promise<void>;
}

type Part = 'http' | 'bulk' | 'cm';
const PARTS: readonly Part[] = ['bulk', 'http', 'cm'];

/** Matches openDatabase's reading of `sqlite:` URLs. */
function sqlitePath(url: string): string {
  return url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
}

function removeSqlite(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

async function sqliteTarget(url: string | undefined, dir: string): Promise<Target> {
  const temporary = url === undefined;
  const httpPath = temporary ? join(dir, 'bench.db') : resolve(sqlitePath(url));
  if (!temporary && (!sqlitePath(url) || sqlitePath(url) === ':memory:')) throw new UsageError(`--db ${url}: the bench needs a file path (the server runs in another process)`);
  const bulkPath = temporary ? join(dir, 'bulk.db') : `${httpPath}.bulk.db`;
  const cmPath = temporary ? join(dir, 'cm.db') : `${httpPath}.cm.db`;
  const paths: Record<Part, string> = { http: httpPath, bulk: bulkPath, cm: cmPath };
  for (const p of Object.values(paths)) if (existsSync(p)) throw new UsageError(`--db: ${p} exists; the bench writes into a fresh file of its own and deletes it afterwards, so name one that does not exist`);
  return {
    engine: 'sqlite',
    description: temporary ? `sqlite (temporary files ${httpPath}, ${bulkPath} and ${cmPath})` : `sqlite:${httpPath} (and ${bulkPath}, ${cmPath}; fresh files, deleted at the end)`,
    httpUrl: `sqlite:${httpPath}`,
    bulkUrl: `sqlite:${bulkPath}`,
    cmUrl: `sqlite:${cmPath}`,
    bulkPath,
    cmPath,
    drop: async (part) => removeSqlite(paths[part]),
  };
}

/** Runs `fn` on a short-lived pg client. */
async function withPg<T>(connectionString: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function postgresTarget(url: string): Promise<Target> {
  const u = new URL(url);
  const given = u.searchParams.get('schema');
  u.searchParams.delete('schema');
  const base = given ?? `tessera_bench_${process.pid}`;
  if (!/^[a-z_][a-z0-9_]{0,50}$/.test(base)) throw new UsageError(`--db: schema '${base}' must be a plain lower-case identifier`);
  const connectionString = u.toString();
  const schemas: Record<Part, string> = { http: base, bulk: `${base}_bulk`, cm: `${base}_cm` };
  const created = new Set<string>();
  const drop = async (schema: string) => {
    if (!created.has(schema)) return;
    await withPg(connectionString, async (c) => {
      await c.query(`SET lock_timeout = '10s'`);
      await c.query(`DROP SCHEMA "${schema}" CASCADE`);
    });
    created.delete(schema);
  };
  try {
    await withPg(connectionString, async (c) => {
      for (const schema of Object.values(schemas)) {
        await c.query(`CREATE SCHEMA "${schema}"`);
        created.add(schema);
      }
    });
  } catch (err) {
    for (const schema of [...created]) await drop(schema).catch(() => undefined);
    const e = err as { code?: string; message?: string };
    if (e.code === '42P06') throw new UsageError(`--db: ${e.message}; the bench creates fresh schemas (${Object.values(schemas).join(', ')}) and drops them afterwards, so name one that does not exist`);
    throw new SetupError(`--db: cannot prepare ${u.host}${u.pathname}: ${[e.code, e.message].filter(Boolean).join(': ') || String(err)}`);
  }
  const withSchema = (schema: string, app: string) => {
    const x = new URL(connectionString);
    x.searchParams.set('schema', schema);
    x.searchParams.set('application_name', app);
    return x.toString();
  };
  return {
    engine: 'postgres',
    description: `postgres://${u.host}${u.pathname} (fresh schemas ${schemas.http}, ${schemas.bulk} and ${schemas.cm}, dropped at the end)`,
    httpUrl: withSchema(schemas.http, HTTP_APP),
    bulkUrl: withSchema(schemas.bulk, BULK_APP),
    cmUrl: withSchema(schemas.cm, CM_APP),
    pg: { connectionString, bulkSchema: schemas.bulk, cmSchema: schemas.cm },
    drop: (part) => drop(schemas[part]),
  };
}

async function openTarget(url: string | undefined, dir: string): Promise<Target> {
  if (url === undefined || url.startsWith('sqlite:')) return sqliteTarget(url, dir);
  if (/^postgres(ql)?:\/\//.test(url)) return postgresTarget(url);
  throw new UsageError(`--db ${url}: the bench runs on sqlite:<path> and postgres://… URLs`);
}

// ---------------------------------------------------------------------------------------------
// Bulk insert: Tessera's bulk path against the raw driver, same table, same rows.

/** application_name of the bulk figure's PostgreSQL connections, to find their backends. */
const BULK_APP = 'tessera-bench-bulk';
/** application_name of the HTTP server's PostgreSQL connections. */
const HTTP_APP = 'tessera-bench-http';
/** application_name of the CreateMultiple server's PostgreSQL connections. */
const CM_APP = 'tessera-bench-cm';
/** application_name of the raw client writing beside the CreateMultiple server. */
const CM_RAW_APP = 'tessera-bench-cm-raw';

interface BulkRun { seconds: number; clientCpu: number; serverCpu?: number }

interface BulkMethod {
  name: string;
  raw: boolean;
  run(): Promise<void>;
  runs: BulkRun[];
}

interface BulkReport {
  rows: number;
  columns: number;
  planSeconds: number;
  renderSeconds: number;
  methods: BulkMethod[];
  profiles: Array<{ name: string; file: string; top: ProfileLine[] }>;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const best = (m: BulkMethod) => Math.min(...m.runs.map((r) => r.seconds));

/** One COPY text-format field (postgresql.org/docs/current/sql-copy.html, "Text Format"). */
function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return COPY_SPECIAL.test(v) ? v.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c]!) : v;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return String(v);
}
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * Rows in PostgreSQL's binary COPY format, header and trailer included, encoded `perChunk` rows at
 * a time as the COPY reads them (Tessera's encoder: the raw client sends the very bytes Tessera
 * sends).
 */
function* binaryCopyChunks(columns: readonly AttributeModel[], rows: readonly unknown[][], perChunk = 1000): Generator<Uint8Array> {
  const format = postgresDialect.copy!;
  yield format.header;
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk);
    yield format.encodeRows(columns, chunk.length, chunk.flat());
  }
  yield format.trailer;
}

function* copyChunks(rows: readonly unknown[][], perChunk = 1000): Generator<string> {
  for (let start = 0; start < rows.length; start += perChunk) {
    let text = '';
    for (let i = start; i < Math.min(rows.length, start + perChunk); i++) {
      const row = rows[i]!;
      text += copyField(row[0]);
      for (let j = 1; j < row.length; j++) text += `\t${copyField(row[j])}`;
      text += '\n';
    }
    yield text;
  }
}

/**
 * CPU time of a local PostgreSQL's backends that carry one application_name, read from
 * /proc/<pid>/stat (utime + stime). Snapshots are per backend, so backends that a pool opens
 * between two snapshots count from zero.
 */
class BackendMeter {
  private constructor(private readonly client: pg.Client, private readonly app: string) {}

  /** Undefined when the server's processes cannot be read (a remote server, another container). */
  static async open(connectionString: string, app: string): Promise<BackendMeter | undefined> {
    const client = new pg.Client({ connectionString, application_name: 'tessera-bench-meter' });
    await client.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    if (BackendMeter.ticks(pid) === undefined) {
      await client.end();
      return undefined;
    }
    return new BackendMeter(client, app);
  }

  private static ticks(pid: number): number | undefined {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    } catch {
      return undefined;
    }
  }

  async snapshot(): Promise<Map<number, number>> {
    const { rows } = await this.client.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, [this.app]);
    const out = new Map<number, number>();
    for (const { pid } of rows) {
      const t = BackendMeter.ticks(pid);
      if (t !== undefined) out.set(pid, t);
    }
    return out;
  }

  /** CPU µs between two snapshots (USER_HZ is 100 on Linux: 10 ms resolution per backend). */
  static micros(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
    let ticks = 0;
    for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
    return ticks * 10_000;
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

/** CPU-profiles this process while `fn` runs (100 µs sampling); writes the profile to `file`. */
async function profiled(file: string, fn: () => Promise<unknown>): Promise<{ file: string; top: ProfileLine[] }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    let profile: CpuProfile;
    try {
      await fn();
    } finally {
      profile = ((await session.post('Profiler.stop')) as { profile: CpuProfile }).profile;
    }
    writeFileSync(file, JSON.stringify(profile));
    return { file, top: summarise(profile, 20) };
  } finally {
    session.disconnect();
  }
}

/**
 * Measures B rows in one transaction per method on the target's bulk storage. `closers` gets the
 * connections it opens, so that an interrupted bench can close them before dropping the storage.
 */
async function bulkInsert(target: Target, opts: Options, closers: Array<() => Promise<void>>, progress: (s: string) => void): Promise<BulkReport> {
  const model = loadModel(METADATA);
  const db = await openDatabase(target.bulkUrl);
  closers.push(() => db.close());
  await Service.open(model, db, logger);
  const entity = model.byLogicalName.get(ENTITY)!;
  const d = db.dialect;
  const table = d.quote(ENTITY);

  const next = rowMaker(model, 4242);
  const bodies = Array.from({ length: opts.bulkRows }, next);
  // planCreate is not part of the bulk figure; it is timed here (best of 3) and reported beside it.
  let plans: InsertPlan[] = [];
  let planSeconds = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    plans = bodies.map((body) => planCreate(model, entity, body, SYSTEM_CALLER));
    planSeconds = Math.min(planSeconds, (performance.now() - t0) / 1000);
  }

  // The raw side writes the very values the bulk path writes: same columns (renderInsertMany's
  // union, versionnumber last), each converted by the dialect's toDb, prepared beforehand.
  const versionAttribute = entity.attributesByName.get('versionnumber')!;
  const columns: AttributeModel[] = [];
  for (const plan of plans) for (const a of plan.values.keys()) if (!columns.includes(a)) columns.push(a);
  columns.push(versionAttribute);
  const rawRows = plans.map((plan, i) => columns.map((a) => (a === versionAttribute ? d.toDb(a, 1_000_000 + i) : d.toDb(a, plan.values.get(a) ?? null))));
  const columnList = columns.map((a) => d.quote(a.LogicalName)).join(', ');

  // renderInsertMany alone, for the same rows (best of 3), to split Tessera's time.
  let renderSeconds = Infinity;
  const versions = plans.map((_, i) => 1_000_000 + i);
  for (let i = 0; i < 3; i++) {
    const r0 = performance.now();
    renderInsertMany(d, plans, versions);
    renderSeconds = Math.min(renderSeconds, (performance.now() - r0) / 1000);
  }

  const methods: BulkMethod[] = [{ name: 'Tessera executeInsertMany', raw: false, run: () => executeInsertMany(db, plans), runs: [] }];
  let clear: () => Promise<void>;
  let count: () => Promise<number>;
  let meter: BackendMeter | undefined;

  if (target.engine === 'sqlite') {
    const { raw, insertAll } = rawSqliteInserter(target.bulkPath!, table, columnList, columns.length, closers);
    methods.push({ name: 'raw better-sqlite3: prepared INSERT per row', raw: true, run: async () => insertAll(rawRows), runs: [] });
    const counter = raw.prepare(`SELECT COUNT(*) FROM ${table}`).pluck();
    clear = async () => {
      raw.exec(`DELETE FROM ${table}`);
      raw.pragma('wal_checkpoint(TRUNCATE)');
    };
    count = async () => Number(counter.get());
  } else {
    const client = new pg.Client({ connectionString: target.pg!.connectionString, application_name: BULK_APP, options: `-c search_path=${target.pg!.bulkSchema},public` });
    await client.connect();
    closers.push(() => client.end());
    // As many rows per statement as pg's 65,535 parameters allow; the statement text for a batch
    // size is built once, beforehand (a hand-written loader would keep it too).
    const perStatement = Math.floor(65535 / columns.length);
    const texts = new Map<number, string>();
    const textFor = (rows: number) => {
      let text = texts.get(rows);
      if (text === undefined) {
        const tuples: string[] = [];
        for (let r = 0, n = 0; r < rows; r++) tuples.push(`(${columns.map(() => `$${++n}`).join(', ')})`);
        text = `INSERT INTO ${table} (${columnList}) VALUES ${tuples.join(', ')}`;
        texts.set(rows, text);
      }
      return text;
    };
    for (let start = 0; start < rawRows.length; start += perStatement) textFor(Math.min(perStatement, rawRows.length - start));
    methods.push({
      name: `raw pg: multi-row INSERT (${fmt(perStatement)} rows/statement)`,
      raw: true,
      run: async () => {
        await client.query('BEGIN');
        for (let start = 0; start < rawRows.length; start += perStatement) {
          const batch = rawRows.slice(start, start + perStatement);
          await client.query(textFor(batch.length), batch.flat());
        }
        await client.query('COMMIT');
      },
      runs: [],
    });
    methods.push({
      name: 'raw pg: COPY FROM STDIN (text)',
      raw: true,
      run: async () => {
        await client.query('BEGIN');
        await pipeline(Readable.from(copyChunks(rawRows)), client.query(copyFrom(`COPY ${table} (${columnList}) FROM STDIN`)));
        await client.query('COMMIT');
      },
      runs: [],
    }, {
      name: 'raw pg: COPY FROM STDIN (binary)',
      raw: true,
      run: async () => {
        await client.query('BEGIN');
        await pipeline(Readable.from(binaryCopyChunks(columns, rawRows)), client.query(copyFrom(`COPY ${table} (${columnList}) FROM STDIN (FORMAT binary)`)));
        await client.query('COMMIT');
      },
      runs: [],
    });
    clear = async () => { await client.query(`TRUNCATE ${table}`); };
    count = async () => Number((await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n);
    meter = await BackendMeter.open(target.pg!.connectionString, BULK_APP);
    if (meter) closers.push(() => meter!.close());
  }

  const once = async (m: BulkMethod): Promise<BulkRun> => {
    await clear();
    const server0 = await meter?.snapshot();
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    await m.run();
    const seconds = (performance.now() - w0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const server1 = await meter?.snapshot();
    const n = await count();
    if (n !== opts.bulkRows) throw new Error(`bulk insert '${m.name}' left ${n} rows in the table, not ${opts.bulkRows}`);
    return { seconds, clientCpu: (cpu.user + cpu.system) / 1e6, serverCpu: server0 && server1 ? BackendMeter.micros(server0, server1) / 1e6 : undefined };
  };
  for (let round = 0; round <= opts.bulkRounds; round++) {
    progress(round === 0 ? ' warm-up…' : ` ${round}…`);
    // Rotate the order, so no method always runs first (or right after the clean-up).
    for (let k = 0; k < methods.length; k++) {
      const m = methods[(k + round) % methods.length]!;
      const run = await once(m);
      if (round > 0) m.runs.push(run);
    }
  }
  const profiles: BulkReport['profiles'] = [];
  if (opts.profile) {
    progress(' profiling…');
    mkdirSync(opts.profile, { recursive: true });
    for (const m of methods) {
      await clear();
      const slug = m.raw ? `raw-${methods.indexOf(m)}` : 'tessera';
      profiles.push({ name: m.name, ...(await profiled(join(opts.profile, `bulk-${slug}.cpuprofile`), () => m.run())) });
    }
  }
  await clear();
  for (const close of closers.splice(0).reverse()) await close();
  return { rows: opts.bulkRows, columns: columns.length, planSeconds, renderSeconds, methods, profiles };
}

function printBulk(r: BulkReport, engine: Engine): void {
  const out = (s: string) => process.stdout.write(s);
  const rate = (seconds: number) => r.rows / seconds;
  const header = ['method', 'rows/s best', 'rows/s median', 'wall ms best', 'client CPU ms', 'server CPU ms'];
  const table = r.methods.map((m) => {
    const fastest = m.runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    return [
      m.name,
      fmt(rate(fastest.seconds)),
      fmt(rate(median(m.runs.map((x) => x.seconds)))),
      fmt(fastest.seconds * 1000),
      fmt(fastest.clientCpu * 1000),
      fastest.serverCpu === undefined ? '–' : fmt(fastest.serverCpu * 1000),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  out(`\nbulk insert: ${fmt(r.rows)} ${ENTITY} rows (${r.columns} columns) in one transaction, ${engine}, ${r.methods[0]!.runs.length} rounds after a warm-up`
    + ` (CPU columns: the best run's)\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.map(line).join('\n')}\n`);
  const tessera = r.methods.find((m) => !m.raw)!;
  const raws = r.methods.filter((m) => m.raw);
  const rawBest = raws.reduce((a, b) => (best(b) < best(a) ? b : a));
  out(`not timed above: planCreate ${fmt(rate(r.planSeconds))} rows/s (${fmt(r.planSeconds * 1000)} ms, best of 3); `
    + `renderInsertMany alone ${fmt(r.renderSeconds * 1000, 1)} ms = ${fmt((100 * r.renderSeconds) / best(tessera), 1)} % of Tessera's best run\n`);
  // CPU time (client + server) per run, where the server's is known: steadier than wall time when
  // other processes share the cores.
  const cpu = (m: BulkMethod) => (m.runs.every((x) => x.serverCpu !== undefined) ? median(m.runs.map((x) => x.clientCpu + x.serverCpu!)) : undefined);
  for (const m of raws) {
    const [c, ct] = [cpu(m), cpu(tessera)];
    out(`Tessera ÷ ${m.name}: ${fmt((100 * best(m)) / best(tessera), 1)} % (best), ${fmt((100 * median(m.runs.map((x) => x.seconds))) / median(tessera.runs.map((x) => x.seconds)), 1)} % (median)`
      + `${c !== undefined && ct !== undefined ? `, ${fmt((100 * c) / ct, 1)} % by client + server CPU (median ${fmt(ct * 1000)} vs ${fmt(c * 1000)} ms)` : ''}\n`);
  }
  const ratio = best(rawBest) / best(tessera);
  out(`target: bulk insert at ≥ ${BULK_TARGET_RATIO * 100} % of the raw driver's best (${rawBest.name}): ${fmt(ratio * 100, 1)} % → ${ratio >= BULK_TARGET_RATIO ? 'PASS' : 'BELOW'}\n`);
  for (const p of r.profiles) {
    out(`\nbulk CPU profile, ${p.name} (one extra run; top self time, % of non-idle samples of this process) → ${p.file}\n`);
    for (const x of p.top) out(`  ${fmt(x.percent, 1).padStart(5)} %  ${x.name}  ${x.where}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// Bench (load generator and report).

const USAGE = 'usage: npm run bench -- [--db sqlite:<new file> | postgres://user@host:port/db[?schema=<new schema>]] [--rows 100000] [--duration 6] [--warmup 1.5]\n'
  + '         [--connections 10] [--ids 2000] [--rounds 2] [--bulk-rows 10000] [--bulk-rounds 5] [--bulk-only] [--profile DIR]\n'
  + '         [--cm-requests 30] [--cm-clients 4] [--cm-rounds 3] [--create-multiple-only]';

interface Options {
  db?: string; rows: number; duration: number; warmup: number; connections: number; ids: number; rounds: number;
  bulkRows: number; bulkRounds: number; bulkOnly: boolean; profile?: string;
  /** CreateMultiple: sequential requests per round (the concurrent run sends twice as many), clients, rounds. */
  cmRequests: number; cmClients: number; cmRounds: number; createMultipleOnly: boolean;
}

function options(): Options {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        rows: { type: 'string', default: '100000' },
        duration: { type: 'string', default: '6' },
        warmup: { type: 'string', default: '1.5' },
        connections: { type: 'string', default: '10' },
        ids: { type: 'string', default: '2000' },
        rounds: { type: 'string', default: '2' },
        db: { type: 'string' },
        'bulk-rows': { type: 'string', default: '10000' },
        'bulk-rounds': { type: 'string', default: '5' },
        'bulk-only': { type: 'boolean', default: false },
        'cm-requests': { type: 'string', default: '30' },
        'cm-clients': { type: 'string', default: '4' },
        'cm-rounds': { type: 'string', default: '3' },
        'create-multiple-only': { type: 'boolean', default: false },
        profile: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const num = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min}; got '${v}'`);
    return n;
  };
  return {
    rows: Math.floor(num('rows', values.rows, 1)),
    duration: num('duration', values.duration, 1),
    warmup: num('warmup', values.warmup, 0),
    connections: Math.floor(num('connections', values.connections, 1)),
    ids: Math.floor(num('ids', values.ids, 1)),
    rounds: Math.floor(num('rounds', values.rounds, 1)),
    db: values.db,
    bulkRows: Math.floor(num('bulk-rows', values['bulk-rows'], 0)),
    bulkRounds: Math.floor(num('bulk-rounds', values['bulk-rounds'], 1)),
    bulkOnly: values['bulk-only'],
    cmRequests: Math.floor(num('cm-requests', values['cm-requests'], 0)),
    cmClients: Math.floor(num('cm-clients', values['cm-clients'], 1)),
    cmRounds: Math.floor(num('cm-rounds', values['cm-rounds'], 1)),
    createMultipleOnly: values['create-multiple-only'],
    profile: values.profile === undefined ? undefined : resolve(values.profile),
  };
}

/** Waits for the next child message of `type` (or fails on 'failed' / exit). */
function expect<T extends ToParent['type']>(child: ChildProcess, type: T): Promise<Extract<ToParent, { type: T }>> {
  return new Promise((resolveMsg, reject) => {
    const onMessage = (msg: ToParent) => {
      if (msg.type === type) { cleanup(); resolveMsg(msg as Extract<ToParent, { type: T }>); }
      else if (msg.type === 'failed') { cleanup(); reject(new Error(`server process failed:\n${msg.message}`)); }
    };
    const onExit = (code: number | null, signal: string | null) => { cleanup(); reject(new Error(`server process exited (code ${code}, signal ${signal}) while the bench waited for '${type}'`)); };
    const cleanup = () => { child.off('message', onMessage); child.off('exit', onExit); };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (child.connected) child.send({ type: 'shutdown' } satisfies ToChild);
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function load(origin: string, paths: readonly string[], seconds: number, connections: number): Promise<autocannon.Result> {
  return autocannon({
    url: origin,
    connections,
    duration: seconds,
    headers: { accept: 'application/json', 'odata-version': '4.0' },
    requests: paths.map((path) => ({ method: 'GET', path })),
  });
}

/** One server's figures for one scenario, summed over its rounds. */
class Measured {
  requests = 0;
  seconds = 0;
  bytes = 0;
  /** Server process CPU time (user + system) during the measured runs, µs. */
  cpu = 0;
  /** PostgreSQL backends' CPU time during the measured runs, µs (a local PostgreSQL only). */
  dbCpu: number | undefined;
  /** Worst p99 latency of the rounds, ms. */
  p99 = 0;
  problems: string[] = [];

  get rate(): number { return this.requests / Math.max(this.seconds, 1e-9); }
  get cpuPerRequest(): number { return this.cpu / Math.max(this.requests, 1); }
  get dbCpuPerRequest(): number | undefined { return this.dbCpu === undefined ? undefined : this.dbCpu / Math.max(this.requests, 1); }

  add(result: autocannon.Result, cpu: number, dbCpu?: number): void {
    if (dbCpu !== undefined) this.dbCpu = (this.dbCpu ?? 0) + dbCpu;
    this.requests += result.requests.total;
    this.seconds += result.duration;
    this.bytes += result.throughput.total;
    this.cpu += cpu;
    this.p99 = Math.max(this.p99, result.latency.p99);
    if (result.non2xx) this.problems.push(`${result.non2xx} non-2xx`);
    if (result.errors) this.problems.push(`${result.errors} errors`);
    if (result.timeouts) this.problems.push(`${result.timeouts} timeouts`);
    if (!result['2xx']) this.problems.push('a round without any 2xx answer');
  }
}

/** The server process's CPU time so far, in µs. */
async function serverCpu(child: ChildProcess): Promise<number> {
  if (!child.connected) throw new Error('the server process has gone away');
  const reply = expect(child, 'cpu');
  child.send({ type: 'cpu' } satisfies ToChild);
  return (await reply).micros;
}

/** One measured load run, adding its figures (and the server's and the database's CPU time) to `into`. */
async function measure(child: ChildProcess, origin: string, paths: readonly string[], seconds: number, opts: Options, into: Measured, meter?: BackendMeter): Promise<void> {
  const dbBefore = await meter?.snapshot();
  const cpuBefore = await serverCpu(child);
  const result = await load(origin, paths, seconds, opts.connections);
  const cpu = await serverCpu(child) - cpuBefore;
  const dbAfter = await meter?.snapshot();
  into.add(result, cpu, dbBefore && dbAfter ? BackendMeter.micros(dbBefore, dbAfter) : undefined);
}

/** Checks over real HTTP that both servers answer 200 with byte-identical bodies. */
async function verify(tessera: string, bare: string, paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const [t, b] = await Promise.all([fetch(tessera + path), fetch(bare + path)]);
    const [tb, bb] = await Promise.all([t.text(), b.text()]);
    if (t.status !== 200) throw new Error(`Tessera answered ${t.status} to GET ${path}: ${tb.slice(0, 300)}`);
    if (b.status !== 200 || tb !== bb) throw new Error(`the bare route's answer to GET ${path} differs from Tessera's`);
  }
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Set when a signal interrupts the bench: the failures that follow are its consequence, not news. */
let signalled = false;

async function runBench(): Promise<void> {
  const opts = options();
  const out = (text: string) => process.stdout.write(text);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  let child: ChildProcess | undefined;
  let target: Target | undefined;
  const closers: Array<() => Promise<void>> = [];
  // Once only: a signal's clean-up and the main flow's `finally` may both ask for it.
  let cleaning: Promise<void> | undefined;
  const cleanup = () => (cleaning ??= (async () => {
    if (child) await stopChild(child).catch(() => child?.kill('SIGKILL'));
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    for (const part of PARTS) {
      await target?.drop(part).catch((err: unknown) => process.stderr.write(`bench: could not remove the ${part} storage: ${(err as Error).message}\n`));
    }
    rmSync(dir, { recursive: true, force: true });
  })());
  const onSignal = (signal: NodeJS.Signals) => {
    signalled = true;
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    target = await openTarget(opts.db, dir);
    out(`Tessera bench: node ${process.version}\ndatabase: ${target.description}\n`);
    let raw: RawRate | undefined;
    if (opts.bulkRows > 0) {
      out(`bulk insert: ${fmt(opts.bulkRows)} rows per run, 1 warm-up + ${opts.bulkRounds} rounds:`);
      const b0 = performance.now();
      const report = await bulkInsert(target, opts, closers, out);
      out(` done in ${fmt((performance.now() - b0) / 1000, 1)} s\n`);
      await target.drop('bulk');
      printBulk(report, target.engine);
      raw = rawRate(report);
    }
    if (!opts.bulkOnly && !opts.createMultipleOnly) await httpScenarios(opts, target, dir, (c) => { child = c; });
    if (!opts.bulkOnly && opts.cmRequests > 0) {
      await createMultipleScenario(opts, target, dir, (c) => { child = c; }, raw, closers);
      await target.drop('cm');
    }
    out(`\ndatabase: ${target.description}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

/** Seeds the target in a server child, then measures the HTTP scenarios against it. */
async function httpScenarios(opts: Options, target: Target, dir: string, started: (child: ChildProcess) => void): Promise<void> {
  {
    const config: ChildConfig = { url: target.httpUrl, engine: target.engine, rows: opts.rows, ids: opts.ids, tempDir: dir, mode: 'http' };
    process.stdout.write(`\nHTTP: ${fmt(opts.rows)} rows, ${opts.connections} connections, ${opts.warmup} s warm-up + ${opts.duration} s per server and scenario\n`);
    process.stdout.write('seeding…\n');
    const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: serverExecArgv() });
    started(child);
    // A send on a closed channel is reported here; `expect` and `serverCpu` turn it into a failure.
    child.on('error', (err) => process.stderr.write(`server process: ${err.message}\n`));
    // Rejects as soon as the server process dies, so a load run in flight does not hide it.
    const server = child;
    const gone = new Promise<never>((_, reject) => server.once('exit', (code, signal) => reject(new Error(`the server process exited (code ${code}, signal ${signal})`))));
    gone.catch(() => undefined);
    const ready = await expect(child, 'ready');
    const { seed: s } = ready;
    process.stdout.write(`seeded ${fmt(s.rows)} rows in ${fmt(s.seconds, 2)} s: ${fmt(s.rows / s.seconds)} rows/s `
      + `(planCreate ${fmt(s.planSeconds, 2)} s, executeInsertMany ${fmt(s.insertSeconds, 2)} s = ${fmt(s.rows / s.insertSeconds)} rows/s, `
      + `${Math.ceil(s.rows / SEED_CHUNK)} transaction${s.rows > SEED_CHUNK ? 's' : ''})\n`);
    process.stdout.write(`page query: ${ready.pageSql}\n`);
    process.stdout.write(`query plan: ${ready.queryPlan.join(target.engine === 'sqlite' ? '; ' : ' | ')}\n`);

    // A local PostgreSQL's CPU time for Tessera's runs: where a request's time goes besides Node.
    const meter = target.pg ? await BackendMeter.open(target.pg.connectionString, HTTP_APP) : undefined;
    const tessera = `http://127.0.0.1:${ready.tesseraPort}`;
    const bare = `http://127.0.0.1:${ready.barePort}`;
    const keyPaths = ready.ids.map(keyPath);
    await verify(tessera, bare, [keyPaths[0]!, PAGE_PATH, EXPAND_PATH]);
    await verify(tessera, tessera, keyPaths.slice(1, 20)); // more ids: Tessera answers 200 to each

    const scenarios = [
      { name: 'GET by key', slug: 'get-by-key', paths: keyPaths, target: true },
      { name: 'page of 50 (filter+orderby)', slug: 'page', paths: [PAGE_PATH], target: false },
      { name: 'same page + 2 single, 1 collection $expand', slug: 'page-expand', paths: [EXPAND_PATH], target: false },
    ];
    const rows: Array<{ name: string; target: boolean; t: Measured; b: Measured; profile?: Extract<ToParent, { type: 'profiled' }> }> = [];
    // Tessera and bare runs alternate in rounds so both see the same background load; a
    // profiled run has one round, so the profile holds Tessera's requests only.
    const rounds = opts.profile ? 1 : opts.rounds;
    const race = <T>(p: Promise<T>) => Promise.race([p, gone]);
    for (const sc of scenarios) {
      process.stdout.write(`running ${sc.name} (${sc.paths.length} distinct URL${sc.paths.length === 1 ? '' : 's'}), ${rounds} round${rounds === 1 ? '' : 's'}: warm-up…`);
      if (opts.warmup > 0) {
        await race(load(tessera, sc.paths, opts.warmup, opts.connections));
        await race(load(bare, sc.paths, opts.warmup, opts.connections));
      }
      const t = new Measured();
      const b = new Measured();
      let profile: Extract<ToParent, { type: 'profiled' }> | undefined;
      for (let round = 1; round <= rounds; round++) {
        process.stdout.write(` Tessera…`);
        if (opts.profile) {
          mkdirSync(opts.profile, { recursive: true });
          child.send({ type: 'profile-start' } satisfies ToChild);
        }
        await race(measure(child, tessera, sc.paths, opts.duration / rounds, opts, t, meter));
        if (opts.profile) {
          const done = expect(child, 'profiled');
          child.send({ type: 'profile-stop', file: join(opts.profile, `tessera-${sc.slug}.cpuprofile`) } satisfies ToChild);
          profile = await race(done);
        }
        process.stdout.write(' bare…');
        await race(measure(child, bare, sc.paths, opts.duration / rounds, opts, b));
      }
      process.stdout.write(' done\n');
      rows.push({ name: sc.name, target: sc.target, t, b, profile });
    }

    await meter?.close();
    const withDb = rows.some((r) => r.t.dbCpu !== undefined);
    const header = ['scenario', 'Tessera req/s', 'bare req/s', 'ratio', 'Tessera p99', 'bare p99', 'server CPU µs/req T | bare', ...(withDb ? ['PG CPU µs/req T'] : []), 'KiB/resp'];
    const table = rows.map(({ name, t, b }) => [
      name,
      fmt(t.rate),
      fmt(b.rate),
      `${fmt((100 * t.rate) / b.rate, 1)} %`,
      `${fmt(t.p99, 1)} ms`,
      `${fmt(b.p99, 1)} ms`,
      `${fmt(t.cpuPerRequest)} | ${fmt(b.cpuPerRequest)}`,
      ...(withDb ? [t.dbCpuPerRequest === undefined ? '–' : fmt(t.dbCpuPerRequest)] : []),
      fmt(t.bytes / Math.max(t.requests, 1) / 1024, 2),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    process.stdout.write(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.map(line).join('\n')}\n\n`);
    for (const r of rows) {
      for (const [who, m] of [['Tessera', r.t], ['bare express', r.b]] as const) {
        if (m.problems.length) process.stdout.write(`WARNING: ${r.name} on ${who}: ${m.problems.join(', ')} — these figures are not valid\n`);
      }
      if (r.target) {
        const ratio = r.t.rate / r.b.rate;
        process.stdout.write(`target: ${r.name} at ≥ ${TARGET_RATIO * 100} % of bare express: ${fmt(ratio * 100, 1)} % → ${ratio >= TARGET_RATIO ? 'PASS' : 'BELOW'}${opts.profile ? ' (profiled run: not comparable)' : ''}\n`);
      }
    }
    process.stdout.write(`seeding: ${fmt(s.rows / s.seconds)} rows/s\n`);
    for (const r of rows) {
      if (!r.profile) continue;
      process.stdout.write(`\nserver CPU profile, ${r.name} (top self time, % of non-idle samples) → ${r.profile.file}\n`);
      for (const p of r.profile.top) process.stdout.write(`  ${fmt(p.percent, 1).padStart(5)} %  ${p.name}  ${p.where}\n`);
    }
    await stopChild(child);
  }
}

// ---------------------------------------------------------------------------------------------
// CreateMultiple over HTTP: rows/s through the whole pipeline, beside the raw driver's bulk rate.

/** The raw driver's bulk rate from the bulk figure: its best method's best and median rows/s. */
interface RawRate { name: string; best: number; median: number }

function rawRate(r: BulkReport): RawRate {
  const top = r.methods.filter((m) => m.raw).reduce((a, b) => (best(b) < best(a) ? b : a));
  return { name: top.name, best: r.rows / best(top), median: r.rows / median(top.runs.map((x) => x.seconds)) };
}

/** Where a CreateMultiple request's server time goes, by stage (exclusive; see `stages`). */
const CM_STAGES: StageSpec[] = [
  { label: 'request body read (raw-body, string_decoder, iconv-lite)', urls: ['node_modules/raw-body/', 'node:string_decoder', 'node_modules/iconv-lite/'] },
  { label: 'JSON.parse of the body (≈ actionArguments self time)', names: ['actionArguments'] },
  { label: 'Targets checks (messages/targets.js)', urls: ['messages/targets.js'] },
  { label: 'bodyValue & checks (plan/values.js)', urls: ['plan/values.js'] },
  { label: 'randomUUID (node:crypto)', urls: ['node:internal/crypto/'] },
  { label: 'planCreate, assign, stamping (plan/write.js)', urls: ['plan/write.js'] },
  { label: 'SQL rendering (sql/: renderInsertMany, renderExistingIds, toDb)', urls: ['/src/sql/'] },
  { label: 'driver: pg (pg, pg-protocol, pg-pool)', urls: ['node_modules/pg'] },
  { label: 'driver: SQLite BEGIN / COMMIT (native exec)', names: ['exec'], urls: [''] },
  { label: 'driver: SQLite statements (native run / all)', names: ['run', 'all', 'prepare'], urls: [''] },
  { label: 'store/ (executeInsertMany, transaction, statement cache)', urls: ['/src/store/'] },
  { label: 'messages/ (dispatch, parameters, invoke)', urls: ['/src/messages/'] },
  { label: 'response (odata/respond.js, http/app.js)', urls: ['/src/odata/respond.js', '/src/http/'] },
  { label: 'rest of the pipeline (service, odata/ parsing)', urls: ['/dist/src/'] },
  { label: 'express, node:http, net, streams (when nothing above is on the stack)', urls: ['node_modules/', 'node:'], weak: true },
  { label: 'garbage collector', names: ['(garbage collector)'] },
];

/** One answer, kept as received and checked after the run (outside the timing). */
interface CmAnswer { status: number; text: string }

function postBody(agent: HttpAgent, port: number, body: Buffer): Promise<CmAnswer> {
  return new Promise((resolveAnswer, reject) => {
    const req = httpRequest({
      host: '127.0.0.1', port, path: CM_PATH, method: 'POST', agent,
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, accept: 'application/json', 'odata-version': '4.0', 'odata-maxversion': '4.0' },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `requests` POSTs by `clients` clients, each taking the next request when its last is answered. */
async function cmLoad(agent: HttpAgent, port: number, bodies: readonly Buffer[], cursor: { next: number }, requests: number, clients: number): Promise<{ answers: CmAnswer[]; seconds: number; latencies: number[] }> {
  const answers: CmAnswer[] = [];
  const latencies: number[] = [];
  let taken = 0;
  const client = async () => {
    while (taken < requests) {
      const i = taken++;
      const body = bodies[cursor.next++ % bodies.length]!;
      const t0 = performance.now();
      answers[i] = await postBody(agent, port, body).catch((err: unknown) => ({ status: 0, text: `socket error: ${(err as Error).message}` }));
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(clients, requests) }, client));
  return { answers, seconds: (performance.now() - started) / 1000, latencies };
}

const GUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Answers that are 200 with CM_ROWS new GUIDs in `Ids`; the others are described in `problems`. */
function goodAnswers(answers: readonly CmAnswer[], seen: Set<string>, problems: string[]): number {
  let ok = 0;
  const problem = (text: string) => { if (problems.length < 5) problems.push(text); };
  for (const a of answers) {
    if (a.status !== 200) { problem(`${a.status || 'no answer'}: ${a.text.slice(0, 300)}`); continue; }
    let ids: unknown;
    try { ids = (JSON.parse(a.text) as { Ids?: unknown }).Ids; } catch { problem(`200 with a body that is not JSON: ${a.text.slice(0, 100)}`); continue; }
    if (!Array.isArray(ids) || ids.length !== CM_ROWS) { problem(`200 with ${Array.isArray(ids) ? ids.length : 'no'} Ids instead of ${CM_ROWS}`); continue; }
    const bad = ids.find((id) => typeof id !== 'string' || !GUID_TEXT.test(id) || seen.has(id));
    if (bad !== undefined) { problem(`200 with an Id that is not a new GUID: ${JSON.stringify(bad)}`); continue; }
    for (const id of ids as string[]) seen.add(id);
    ok++;
  }
  return ok;
}

interface CmRun { transactions: number; ok: number; seconds: number; cpu: number; dbCpu?: number; latencies: number[] }

/**
 * One way of inserting the rows: Tessera over HTTP (sequential or concurrent) or the raw driver
 * (1,000 rows per transaction, one connection); its measured runs.
 */
class CmWay {
  readonly runs: CmRun[] = [];
  /** Requests not answered 200 with CM_ROWS new ids, over all runs. */
  failed = 0;
  readonly problems: string[] = [];
  constructor(readonly name: string, readonly kind: 'tessera' | 'bare' | 'raw', readonly transactions: number, readonly measure: (way: CmWay) => Promise<CmRun>) {}

  get raw(): boolean { return this.kind === 'raw'; }

  rate(r: CmRun): number { return (CM_ROWS * r.ok) / r.seconds; }
  get best(): number { return Math.max(...this.runs.map((r) => this.rate(r))); }
  get median(): number { return median(this.runs.map((r) => this.rate(r))); }
  get latency(): number { return median(this.runs.flatMap((r) => r.latencies)); }
  get rows(): number { return CM_ROWS * this.runs.reduce((n, r) => n + r.ok, 0); }
  get cpuPerRow(): number { return this.runs.reduce((n, r) => n + r.cpu, 0) / Math.max(this.rows, 1); }
  get dbCpuPerRow(): number | undefined {
    return this.runs.every((r) => r.dbCpu !== undefined) ? this.runs.reduce((n, r) => n + r.dbCpu!, 0) / Math.max(this.rows, 1) : undefined;
  }
}

/**
 * Serves the app on fresh storage in a server child and measures CreateMultiple over HTTP. `closers`
 * gets the connections it opens (closed here at the end, or by an interrupted bench's clean-up).
 */
async function createMultipleScenario(opts: Options, target: Target, dir: string, started: (child: ChildProcess) => void, raw: RawRate | undefined, closers: Array<() => Promise<void>>): Promise<void> {
  const out = (text: string) => process.stdout.write(text);
  const model = loadModel(METADATA);
  const entity = model.byLogicalName.get(ENTITY)!;
  const next = rowMaker(model, 5150);
  const type = `Microsoft.Dynamics.CRM.${ENTITY}`;
  const b0 = performance.now();
  const targets = Array.from({ length: CM_BODIES }, () => Array.from({ length: CM_ROWS }, () => ({ '@odata.type': type, ...next() })));
  const bodies = targets.map((items) => Buffer.from(JSON.stringify({ Targets: items })));
  const kib = bodies.reduce((n, b) => n + b.length, 0) / bodies.length / 1024;
  out(`\nCreateMultiple: ${fmt(CM_ROWS)} rows per request (${fmt(kib)} KiB bodies, ${CM_BODIES} distinct, built in ${fmt(performance.now() - b0)} ms), `
    + `${opts.cmRounds} round${opts.cmRounds === 1 ? '' : 's'} of ${opts.cmRequests} sequential requests, ${2 * opts.cmRequests} by ${opts.cmClients} clients `
    + `and ${opts.cmRequests} raw ${fmt(CM_ROWS)}-row transactions per raw method, after ${CM_WARMUP} warm-up requests\n`);

  const config: ChildConfig = { url: target.cmUrl, engine: target.engine, rows: 0, ids: 0, tempDir: dir, mode: 'create-multiple', sqlitePath: target.cmPath };
  const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: serverExecArgv() });
  started(child);
  child.on('error', (err) => process.stderr.write(`server process: ${err.message}\n`));
  const gone = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`the server process exited (code ${code}, signal ${signal})`))));
  gone.catch(() => undefined);
  const race = <T>(p: Promise<T>) => Promise.race([p, gone]);
  try {
    const { port, barePort } = await expect(child, 'serving');
    const meter = target.pg ? await BackendMeter.open(target.pg.connectionString, CM_APP) : undefined;
    if (meter) closers.push(() => meter.close());
    const agent = new HttpAgent({ keepAlive: true, maxSockets: opts.cmClients });
    closers.push(async () => agent.destroy());
    const cursor = { next: 0 };
    const seen = new Set<string>();
    let answered = 0;
    let rawRows = 0;

    // The check: one request must succeed, or every figure below would be about error answers.
    const check = await race(cmLoad(agent, port, bodies, cursor, 1, 1));
    const problems: string[] = [];
    if (goodAnswers(check.answers, seen, problems) !== 1) throw new Error(`CreateMultiple does not answer as expected: ${problems.join('; ')}`);
    answered++;
    out(`check: 200 with ${fmt(CM_ROWS)} Ids in ${fmt(check.seconds * 1000)} ms (cold); warm-up…`);
    const warm = await race(cmLoad(agent, port, bodies, cursor, CM_WARMUP, 4));
    answered += goodAnswers(warm.answers, seen, problems);

    const http = (clients: number, to = port) => async (way: CmWay): Promise<CmRun> => {
      const db0 = await meter?.snapshot();
      const cpu0 = await serverCpu(child);
      const r = await race(cmLoad(agent, to, bodies, cursor, way.transactions, clients));
      const cpu = await serverCpu(child) - cpu0;
      const db1 = await meter?.snapshot();
      const ok = goodAnswers(r.answers, seen, way.problems);
      way.failed += way.transactions - ok;
      answered += ok;
      return { transactions: way.transactions, ok, seconds: r.seconds, cpu, dbCpu: db0 && db1 ? BackendMeter.micros(db0, db1) : undefined, latencies: r.latencies };
    };
    const sequential = new CmWay('Tessera, 1 client (sequential)', 'tessera', opts.cmRequests, http(1));
    const concurrent = new CmWay(`Tessera, ${opts.cmClients} concurrent clients`, 'tessera', 2 * opts.cmRequests, http(opts.cmClients));
    const bare = barePort === undefined ? [] : [
      new CmWay('bare handler, 1 client (sequential)', 'bare', opts.cmRequests, http(1, barePort)),
      new CmWay(`bare handler, ${opts.cmClients} concurrent clients`, 'bare', 2 * opts.cmRequests, http(opts.cmClients, barePort)),
    ];
    const ways = [sequential, concurrent, ...bare, ...await rawWays(target, model, targets, opts.cmRequests, closers, (n) => { rawRows += n; })];
    const first = CM_ROWS * answered + rawRows;
    for (let round = 1; round <= opts.cmRounds; round++) {
      out(` ${round}…`);
      // Rotate the order: the table grows, so no way always meets the smallest or the biggest table.
      for (let k = 0; k < ways.length; k++) {
        const way = ways[(k + round - 1) % ways.length]!;
        way.runs.push(await way.measure(way));
      }
    }
    const last = CM_ROWS * answered + rawRows;
    const profiles: Array<{ name: string; msg: Extract<ToParent, { type: 'profiled' }> }> = [];
    if (opts.profile) {
      out(' profiling…');
      mkdirSync(opts.profile, { recursive: true });
      const profiled: Array<[string, CmWay, number, number]> = [['sequential', sequential, 1, port], ['concurrent', concurrent, opts.cmClients, port]];
      if (barePort !== undefined) profiled.push(['bare-sequential', bare[0]!, 1, barePort]);
      for (const [slug, way, clients, to] of profiled) {
        child.send({ type: 'profile-start', interval: 100 } satisfies ToChild);
        const r = await race(cmLoad(agent, to, bodies, cursor, way.transactions, clients));
        const done = expect(child, 'profiled');
        child.send({ type: 'profile-stop', file: join(opts.profile, `tessera-create-multiple-${slug}.cpuprofile`), stages: CM_STAGES } satisfies ToChild);
        const ok = goodAnswers(r.answers, seen, way.problems);
        answered += ok;
        profiles.push({ name: `${way.name}, ${way.transactions} requests, ${fmt((CM_ROWS * ok) / r.seconds)} rows/s while profiled`, msg: await race(done) });
      }
    }
    const reply = expect(child, 'counted');
    child.send({ type: 'count' } satisfies ToChild);
    const rows = (await race(reply)).rows;
    out(' done\n');
    printCreateMultiple(ways, raw, target.engine, { first, last, counted: rows, expected: CM_ROWS * answered + rawRows, answered, rawRows }, meter !== undefined);
    for (const p of profiles) {
      out(`\nserver CPU profile, CreateMultiple ${p.name} → ${p.msg.file}\n  by stage (% of non-idle samples, each sample to the innermost stage on its stack):\n`);
      for (const x of p.msg.stages) out(`  ${fmt(x.percent, 1).padStart(5)} %  ${x.name}  [${x.where}]\n`);
      out('  top self time:\n');
      for (const x of p.msg.top) out(`  ${fmt(x.percent, 1).padStart(5)} %  ${x.name}  ${x.where}\n`);
    }
  } finally {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    await stopChild(child);
  }
}

/**
 * The raw driver in CreateMultiple's conditions: the same rows (planned by `planCreate` and
 * converted by the dialect's toDb outside the timing, fresh ids each run), 1,000 per transaction, one
 * connection, into the same table the server writes, between its runs. SQLite: a prepared INSERT per
 * row in a better-sqlite3 transaction; PostgreSQL: a 1,000-row INSERT, and COPY FROM STDIN.
 */
async function rawWays(target: Target, model: Model, targets: ReadonlyArray<ReadonlyArray<Record<string, unknown>>>, transactions: number, closers: Array<() => Promise<void>>, wrote: (rows: number) => void): Promise<CmWay[]> {
  const entity = model.byLogicalName.get(ENTITY)!;
  const d: Dialect = target.engine === 'sqlite' ? sqliteDialect : postgresDialect;
  const versionAttribute = entity.attributesByName.get('versionnumber')!;
  const probe = planCreate(model, entity, targets[0]![0]!, SYSTEM_CALLER);
  const columns = [...probe.values.keys(), versionAttribute];
  const table = d.quote(ENTITY);
  const columnList = columns.map((a) => d.quote(a.LogicalName)).join(', ');
  let version = 2_000_000_000;
  const batch = (k: number): unknown[][] => targets[k % targets.length]!.map((item) => {
    const plan = planCreate(model, entity, item, SYSTEM_CALLER);
    return columns.map((a) => d.toDb(a, a === versionAttribute ? version++ : plan.values.get(a) ?? null));
  });
  let meter: BackendMeter | undefined;
  const way = (name: string, insert: (rows: unknown[][]) => unknown) => new CmWay(name, 'raw', transactions, async (w) => {
    const batches = Array.from({ length: w.transactions }, (_, k) => batch(k));
    const latencies: number[] = [];
    const db0 = await meter?.snapshot();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const rows of batches) {
      const s = performance.now();
      await insert(rows);
      latencies.push(performance.now() - s);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const db1 = await meter?.snapshot();
    wrote(CM_ROWS * w.transactions);
    return { transactions: w.transactions, ok: w.transactions, seconds, cpu: cpu.user + cpu.system, dbCpu: db0 && db1 ? BackendMeter.micros(db0, db1) : undefined, latencies };
  });
  if (target.engine === 'sqlite') {
    const { insertAll } = rawSqliteInserter(target.cmPath!, table, columnList, columns.length, closers);
    return [way(`raw better-sqlite3, ${fmt(CM_ROWS)} rows/transaction`, (rows) => insertAll(rows))];
  }
  const client = new pg.Client({ connectionString: target.pg!.connectionString, application_name: CM_RAW_APP, options: `-c search_path=${target.pg!.cmSchema},public` });
  await client.connect();
  closers.push(() => client.end());
  meter = await BackendMeter.open(target.pg!.connectionString, CM_RAW_APP);
  if (meter) closers.push(() => meter!.close());
  let n = 0;
  const text = `INSERT INTO ${table} (${columnList}) VALUES ${Array.from({ length: CM_ROWS }, () => `(${columns.map(() => `$${++n}`).join(', ')})`).join(', ')}`;
  return [
    way(`raw pg multi-row INSERT, ${fmt(CM_ROWS)} rows/transaction`, async (rows) => {
      await client.query('BEGIN');
      await client.query(text, rows.flat());
      await client.query('COMMIT');
    }),
    way(`raw pg COPY, ${fmt(CM_ROWS)} rows/transaction`, async (rows) => {
      await client.query('BEGIN');
      await pipeline(Readable.from(copyChunks(rows)), client.query(copyFrom(`COPY ${table} (${columnList}) FROM STDIN`)));
      await client.query('COMMIT');
    }),
    way(`raw pg binary COPY, ${fmt(CM_ROWS)} rows/transaction`, async (rows) => {
      await client.query('BEGIN');
      await pipeline(Readable.from(binaryCopyChunks(columns, rows)), client.query(copyFrom(`COPY ${table} (${columnList}) FROM STDIN (FORMAT binary)`)));
      await client.query('COMMIT');
    }),
  ];
}

interface CmTable { first: number; last: number; counted: number; expected: number; answered: number; rawRows: number }

function printCreateMultiple(ways: readonly CmWay[], raw: RawRate | undefined, engine: Engine, t: CmTable, withDb: boolean): void {
  const out = (s: string) => process.stdout.write(s);
  const tessera = ways.filter((w) => w.kind === 'tessera');
  const bare = ways.filter((w) => w.kind === 'bare');
  const raws = ways.filter((w) => w.raw);
  const like = raws.reduce((a, b) => (b.median > a.median ? b : a));
  const pct = (a: number, b: number) => `${fmt((100 * a) / b, 1)} %`;
  const header = ['CreateMultiple (1,000 rows/request)', 'req or tx/run', 'rows/s median', 'rows/s best', 'ms/req (median)', 'Node CPU µs/row', ...(withDb ? ['PG CPU µs/row'] : []),
    'vs raw same table', ...(raw ? ['vs raw bulk figure'] : [])];
  const table = ways.map((w) => [
    w.name,
    fmt(w.transactions),
    fmt(w.median),
    fmt(w.best),
    fmt(w.latency, 1),
    fmt(w.cpuPerRow, 1),
    ...(withDb ? [w.dbCpuPerRow === undefined ? '–' : fmt(w.dbCpuPerRow, 1)] : []),
    w === like ? '(reference)' : pct(w.median, like.median),
    ...(raw ? [w.raw ? '–' : pct(w.median, raw.median)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const runs = ways[0]!.runs.length;
  out(`\nCreateMultiple over HTTP, ${engine}: ${runs} run${runs === 1 ? '' : 's'} per line, table growing from ${fmt(t.first)} to ${fmt(t.last)} rows during them `
    + `(rows/s = ${fmt(CM_ROWS)} × answers 200 ÷ wall s; ratios median ÷ median; Node CPU: the server process's, for raw lines the raw client's)\n`
    + `${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.map(line).join('\n')}\n`);
  for (const w of tessera) if (w.failed || w.problems.length) out(`WARNING: CreateMultiple ${w.name}: ${w.failed} request(s) not answered 200 with ${fmt(CM_ROWS)} new Ids (${w.problems.join('; ')}) — these figures are not valid\n`);
  if (t.counted !== t.expected) out(`WARNING: the table holds ${fmt(t.counted)} rows, but ${fmt(t.answered)} requests were answered 200 and the raw lines wrote ${fmt(t.rawRows)} (${fmt(t.expected)} rows)\n`);
  else out(`table check: ${fmt(t.counted)} rows = ${fmt(CM_ROWS)} × ${fmt(t.answered)} answered requests + ${fmt(t.rawRows)} raw rows\n`);
  // The target's reference is the raw driver doing the same work: 1,000-row transactions into the
  // same table, between the same runs. The bulk figure (10,000-row transactions into an emptied
  // table) is printed beside it with the raw driver's own share of it, which bounds any server's.
  const verdict = (w: CmWay, reference: number) => `${w.name} ${pct(w.median, reference)} → ${w.median >= CM_TARGET_RATIO * reference ? 'PASS' : 'BELOW'}`;
  out(`target: CreateMultiple at ≥ ${CM_TARGET_RATIO * 100} % of the raw driver's rate for the same work (${fmt(CM_ROWS)}-row transactions into the same table, between the same runs; ${like.name}; median ÷ median): `
    + `${tessera.map((w) => verdict(w, like.median)).join('; ')}\n`);
  if (!raw) {
    out('raw bulk figure: not measured in this run (--bulk-rows 0), so no ratio to it\n');
  } else {
    out(`raw bulk figure (above, same run; 10,000-row transactions into an emptied table): ${raw.name}: ${fmt(raw.median)} rows/s median, ${fmt(raw.best)} best; `
      + `the raw driver's own ${fmt(CM_ROWS)}-row transactions into the CreateMultiple table reach ${pct(like.median, raw.median)} of it\n`);
    out(`against the raw bulk figure (median ÷ median, ≥ ${CM_TARGET_RATIO * 100} % or not): ${tessera.map((w) => verdict(w, raw.median)).join('; ')}\n`);
  }
  if (bare.length === tessera.length) {
    out(`HTTP ceiling (the bare handler, same bodies and table, between the same runs): `
      + `${tessera.map((w, i) => `${w.name} at ${pct(w.median, bare[i]!.median)} of ${bare[i]!.name}`).join('; ')}\n`);
  }
  if (engine === 'sqlite') {
    out(`target: CreateMultiple ≥ ${fmt(CM_TARGET_SQLITE_ROWS)} rows/s on SQLite (median): `
      + `${tessera.map((w) => `${w.name} ${fmt(w.median)} → ${w.median >= CM_TARGET_SQLITE_ROWS ? 'PASS' : 'BELOW'}`).join('; ')}`
      + ` (the raw driver reaches ${fmt(like.median)} in the same conditions`
      + `${bare.length ? `, the bare handler ${bare.map((w) => fmt(w.median)).join(' / ')}` : ''})\n`);
  }
}

if (process.argv[2] === CHILD_FLAG) {
  await runChild(JSON.parse(process.argv[3]!) as ChildConfig);
} else {
  try {
    await runBench();
  } catch (err) {
    // Interrupted: the signal handler exits once its clean-up is done.
    if (signalled) await new Promise(() => undefined);
    if (err instanceof UsageError) process.stderr.write(`bench: ${err.message}\n${USAGE}\n`);
    else if (err instanceof SetupError) process.stderr.write(`bench: ${err.message}\n`);
    else process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    // Everything is cleaned up by now; do not wait for a load run still in flight.
    process.exit(1);
  }
}
