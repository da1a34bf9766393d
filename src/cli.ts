#!/usr/bin/env node
import { Command, Option } from 'commander';
import type { Server } from 'node:http';
import { listen, stopServing } from './http/app.js';
import { createAuthenticator, type AuthenticationOptions } from './http/authentication.js';
import { DATAVERSE_LIMITS } from './http/service-protection.js';
import { logger } from './log.js';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, ModelError } from './model/loader.js';
import { ImportError, metadataFileText, type ImportResult } from './model/sources/columns.js';
import { voyadoTable } from './model/sources/voyado.js';
import { customerInsightsTable } from './model/sources/customer-insights.js';
import { dataverseReferenceTable } from './model/sources/dataverse-reference.js';
import { ReloadingService, watchMetadata } from './reload.js';
import { runRetention } from './retention/run.js';
import { DEFAULT_MAX_TARGETS, Service } from './service.js';
import { MigrationError, pendingDdl } from './store/migrate.js';
import { databaseReason, DatabaseUrlError, DEFAULT_DATABASE_URL, openDatabase } from './store/open.js';
import type { Database } from './store/database.js';
import { ServiceError } from './errors.js';

/**
 * `tessera serve | migrate | import voyado|customer-insights|dataverse <file> | retention run`. Every flag has an environment variable: TESSERA_PORT,
 * TESSERA_METADATA, TESSERA_DATABASE_URL, TESSERA_MAX_TARGETS, TESSERA_MAX_BODY_BYTES,
 * TESSERA_CORS_ORIGINS, TESSERA_SERVICE_PROTECTION, TESSERA_AUTH_ISSUER, TESSERA_AUTH_AUDIENCE,
 * TESSERA_AUTH_JWKS, TESSERA_AUTH_ADMINS, TESSERA_NO_WATCH, TESSERA_SHUTDOWN_TIMEOUT. `serve` reloads the metadata folder when its files
 * change (reload.ts) unless `--no-watch`. Exits 1 with
 * one readable message per problem for a broken metadata folder, database URL or setting.
 */

const portOption = new Option('-p, --port <port>', 'HTTP port').env('TESSERA_PORT').default('8080');
const metadataOption = new Option('-m, --metadata <dir>', 'folder of table metadata files').env('TESSERA_METADATA').default('./metadata');
const databaseOption = new Option('-d, --database <url>', 'database URL').env('TESSERA_DATABASE_URL').default(DEFAULT_DATABASE_URL);
const maxTargetsOption = new Option('--max-targets <n>', 'most Targets in one CreateMultiple/UpdateMultiple/UpsertMultiple').env('TESSERA_MAX_TARGETS').default(String(DEFAULT_MAX_TARGETS));
const maxBodyOption = new Option('--max-body-bytes <n>', 'largest accepted request body (413 above it)').env('TESSERA_MAX_BODY_BYTES').default(String(32 * 1024 * 1024));
const protectionOption = new Option('--service-protection', "Dataverse's service protection limits: 429 over 6,000 requests or 1,200,000 ms of run time per 300 s, or 52 requests at once").env('TESSERA_SERVICE_PROTECTION');
const issuerOption = new Option('--auth-issuer <url>', "require bearer tokens from this OpenID Connect issuer (e.g. https://login.microsoftonline.com/<tenant>/v2.0)").env('TESSERA_AUTH_ISSUER');
const audienceOption = new Option('--auth-audience <list>', 'comma-separated token audiences accepted (e.g. https://org.example.com)').env('TESSERA_AUTH_AUDIENCE');
const adminsOption = new Option('--auth-admins <list>', 'comma-separated Entra object ids of users (or client ids of applications) given the System Administrator role when they sign in').env('TESSERA_AUTH_ADMINS');
const jwksOption = new Option('--auth-jwks <url-or-file>', "the issuer's signing keys (default: the jwks_uri of its OpenID configuration)").env('TESSERA_AUTH_JWKS');
const noWatchOption = new Option('--no-watch', 'do not reload the metadata folder when its files change').env('TESSERA_NO_WATCH');
/**
 * Seconds `serve` gives the requests in progress at SIGTERM or SIGINT before abandoning them: 25,
 * under Kubernetes' default grace period of 30 s (terminationGracePeriodSeconds), after which the
 * kubelet kills the process; so Tessera ends the abandoned work itself (its transactions rolled
 * back, each request logged, exit code 1) within the period rather than being killed mid-way. The
 * database's share of abandoning (PostgresDatabase.abandon) takes at most a few seconds more.
 */
const DEFAULT_SHUTDOWN_TIMEOUT_S = 25;

const shutdownOption = new Option('--shutdown-timeout <seconds>', 'on SIGTERM/SIGINT, how long requests in progress may still take before they are abandoned (exit code 1)').env('TESSERA_SHUTDOWN_TIMEOUT').default(String(DEFAULT_SHUTDOWN_TIMEOUT_S));
const corsOption = new Option('--cors-origins <list>', "comma-separated browser origins allowed across origins (CORS), or '*'").env('TESSERA_CORS_ORIGINS').default('');

/** The origins of `--cors-origins`: `*` or `scheme://host[:port]` each. Throws an Error naming a bad one. */
function corsOrigins(value: string): string[] {
  const origins = value.split(',').map((o) => o.trim()).filter(Boolean);
  for (const o of origins) {
    if (o !== '*' && !/^https?:\/\/[^/?#\s]+$/i.test(o)) throw new Error(`--cors-origins: '${o}' is not an origin (scheme://host[:port]) or '*'`);
  }
  return origins;
}

/**
 * The authentication settings of `serve`, or undefined when none is set. Throws an Error when
 * only some are set: an issuer needs an audience, and keys or an audience need an issuer.
 */
function authentication(opts: { authIssuer?: string; authAudience?: string; authJwks?: string }): AuthenticationOptions | undefined {
  const audience = (opts.authAudience ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  if (!opts.authIssuer) {
    if (audience.length || opts.authJwks) throw new Error('--auth-audience and --auth-jwks need --auth-issuer');
    return undefined;
  }
  if (!audience.length) throw new Error('--auth-issuer needs --auth-audience: the audience tokens must be issued for');
  return { issuer: opts.authIssuer, audience, ...(opts.authJwks ? { jwks: opts.authJwks } : {}) };
}

/** `value` as a whole number of at least `min` (1 or 0); throws an Error naming `name` otherwise. */
function wholeNumber(name: string, value: string, min: 0 | 1 = 1): number {
  const n = Number(value);
  if (!value.trim() || !Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number${min ? ' above 0' : ''}, not '${value}'`);
  return n;
}

/**
 * Stops `serve` (SIGTERM, SIGINT): stops `server` (stopServing), giving the requests in progress
 * `deadlineMs`; stops watching the metadata (`unwatch`), then closes `db` and exits 0. Requests
 * still running at the deadline are abandoned: each is logged (method, URL, how long it ran) as an
 * error, their database work is ended (Database.abandon: on PostgreSQL their sessions are
 * terminated, so their transactions roll back), and the process exits 1 without closing `db`.
 */
async function shutDown(server: Server, db: Database, unwatch: () => Promise<void>, deadlineMs: number): Promise<never> {
  const abandoned = await stopServing(server, deadlineMs);
  await unwatch();
  if (!abandoned.length) {
    await db.close();
    process.exit(0);
  }
  for (const { method, url, runningMs } of abandoned) {
    logger.error({ method, url, runningMs }, `shutdown deadline (${deadlineMs / 1000} s) passed: abandoned ${method} ${url} after ${runningMs} ms, unanswered; its database work is ended and rolled back`);
  }
  await db.abandon();
  process.exit(1);
}

function fail(err: unknown): never {
  if (err instanceof ModelError) {
    process.stderr.write(`tessera: the metadata is not valid (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}):\n${err.message.split('\n').map((l) => `  ${l}`).join('\n')}\n`);
  } else if (err instanceof ImportError) {
    process.stderr.write(`tessera: the schema cannot become a table (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}):\n${err.problems.map((l) => `  ${l}`).join('\n')}\n`);
  } else if (err instanceof DatabaseUrlError || err instanceof MigrationError) {
    process.stderr.write(`tessera: ${err.message}\n`);
  } else if (err instanceof ServiceError && err.cause !== undefined) {
    // The database failed after it was reached (stopped, or the session killed, while starting).
    process.stderr.write(`tessera: the database failed: ${databaseReason(err)}\n`);
  } else {
    process.stderr.write(`tessera: ${(err as Error)?.message ?? String(err)}\n`);
  }
  process.exit(1);
}

// `tessera migrate --dry-run | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') process.exit(0); });

const program = new Command('tessera').description('Metadata-driven OData v4 service in the style of the Dataverse Web API');

program.command('serve')
  .description('serve the Web API at http://localhost:<port>/api/data/v9.2/')
  .addOption(portOption).addOption(metadataOption).addOption(databaseOption).addOption(maxTargetsOption).addOption(maxBodyOption).addOption(corsOption).addOption(protectionOption)
  .addOption(issuerOption).addOption(audienceOption).addOption(jwksOption).addOption(adminsOption).addOption(noWatchOption).addOption(shutdownOption)
  .action(async (opts: { port: string; metadata: string; database: string; maxTargets: string; maxBodyBytes: string; corsOrigins: string; serviceProtection?: boolean; authIssuer?: string; authAudience?: string; authJwks?: string; authAdmins?: string; watch: boolean; shutdownTimeout: string }) => {
    try {
      const shutdownMs = wholeNumber('--shutdown-timeout', opts.shutdownTimeout, 0) * 1000;
      const maxTargets = wholeNumber('--max-targets', opts.maxTargets);
      const maxBodyBytes = wholeNumber('--max-body-bytes', opts.maxBodyBytes);
      const allowed = corsOrigins(opts.corsOrigins);
      const auth = authentication(opts);
      loadModel(opts.metadata); // a broken folder fails before the database is touched
      const authenticator = auth ? await createAuthenticator(auth) : undefined;
      const db = await openDatabase(opts.database);
      const administrators = (opts.authAdmins ?? '').split(',').map((a) => a.trim()).filter(Boolean);
      if (administrators.length && !auth) throw new Error('--auth-admins needs --auth-issuer: without sign-in every request runs as the system user');
      const service = await ReloadingService.open(opts.metadata, db, logger, { maxTargets, administrators });
      const server = await listen(service, Number(opts.port), undefined, {
        maxBodyBytes, corsOrigins: allowed, serviceProtection: opts.serviceProtection ? DATAVERSE_LIMITS : undefined, authentication: authenticator,
      });
      const unwatch = opts.watch ? await watchMetadata(service, opts.metadata, logger) : async () => undefined;
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : opts.port;
      const { model } = service;
      logger.info({ database: db.description, tables: model.entities.map((e) => `${e.LogicalName} (${e.EntitySetName})`), watching: opts.watch ? opts.metadata : undefined },
        `Tessera serving http://localhost:${port}/api/data/v9.2/ with ${model.entities.length} tables: ${model.entities.map((e) => e.EntitySetName).join(', ')}${opts.watch ? `; reloading ${opts.metadata} when its files change` : ''}`);
      let stopped: Promise<void> | undefined;
      const stop = () => {
        stopped ??= shutDown(server, db, unwatch, shutdownMs).catch(fail);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    } catch (err) {
      fail(err);
    }
  });

program.command('migrate')
  .description('create missing tables and columns for the metadata (additive only)')
  .addOption(metadataOption).addOption(databaseOption)
  .option('--dry-run', 'print the DDL without running it')
  .action(async (opts: { metadata: string; database: string; dryRun?: boolean }) => {
    try {
      const model = loadModel(opts.metadata);
      const db = await openDatabase(opts.database, { create: !opts.dryRun });
      // Not a dry run: as a start does, so that the rows the service keeps (and fills of columns
      // just added, security/business-units.ts) are made with the tables, not left for the next start.
      const ddl = opts.dryRun ? await pendingDdl(db, model) : (await Service.open(model, db, logger)).migration;
      for (const sql of ddl) process.stdout.write(`${sql};\n`);
      await db.close();
    } catch (err) {
      fail(err);
    }
  });

/** JSON text, or an ImportError saying it is not JSON. */
function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ImportError([`not JSON: ${(err as Error).message}`]);
  }
}

/**
 * `tessera import <source>`: the converters of other metadata sources (src/model/sources/), from
 * the file's text to a table and notes on what was left out.
 */
const IMPORTERS: Readonly<Record<string, (text: string, prefix: string) => ImportResult>> = {
  voyado: (text, prefix) => ({ table: voyadoTable(json(text), prefix), notes: [] }),
  'customer-insights': (text, prefix) => ({ table: customerInsightsTable(json(text), prefix), notes: [] }),
  dataverse: (text) => dataverseReferenceTable(text),
};

program.command('import')
  .description('write the metadata file of a table for an external interaction schema or a Dataverse table reference page')
  .argument('<source>', "'voyado': a Voyado Engage interaction schema (the body of POST api/v3/interactionschemas); 'customer-insights': a Customer Insights interaction type definition; 'dataverse': a Dataverse table reference page (markdown)")
  .argument('<file>', 'the schema, definition (JSON) or page')
  .option('--prefix <prefix>', 'publisher prefix of the table and column names (not for dataverse pages, which name them)', 'new')
  .addOption(metadataOption)
  .action((source: string, file: string, opts: { metadata: string; prefix: string }, command: Command) => {
    try {
      const convert = IMPORTERS[source];
      if (!convert) throw new Error(`import: unknown source '${source}'; known: ${Object.keys(IMPORTERS).join(', ')}`);
      // A reference page names its table and columns: a prefix would be silently ignored.
      if (source === 'dataverse' && command.getOptionValueSource('prefix') === 'cli') throw new Error('import: --prefix does not apply to dataverse pages, which name their table and columns');
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new Error(`import: cannot read ${file}: ${(err as Error).message}`);
      }
      const { table, notes } = convert(text, opts.prefix);
      if (!existsSync(opts.metadata)) throw new Error(`import: the metadata folder ${opts.metadata} does not exist`);
      const target = join(opts.metadata, `${table.LogicalName}.json`);
      if (existsSync(target)) throw new Error(`import: ${target} exists; remove it or choose another --prefix`);
      writeFileSync(target, metadataFileText(table));
      // The folder must still load, the new file with the others (a name taken by another table, say).
      try {
        loadModel(opts.metadata);
      } catch (err) {
        rmSync(target);
        throw err;
      }
      process.stdout.write(`wrote ${target}: table ${table.LogicalName} (${table.EntitySetName}) with ${table.Attributes.length} columns; start the server to create it\n`);
      for (const note of notes) process.stdout.write(`  ${note}\n`);
    } catch (err) {
      fail(err);
    }
  });

const retention = program.command('retention').description('long-term data retention (retention policies in the retentionconfig table)');

retention.command('run')
  .description('run the due retention policies: mark matching rows retained, then purge them; prints progress and a summary per table')
  .addOption(metadataOption).addOption(databaseOption)
  .option('--page-size <n>', 'rows per BulkRetain / PurgeRetainedContent page (1 to 5000)', '5000')
  .action(async (opts: { metadata: string; database: string; pageSize: string }) => {
    try {
      const pageSize = wholeNumber('--page-size', opts.pageSize);
      if (pageSize > 5000) throw new Error(`--page-size must be at most 5000, not '${opts.pageSize}'`);
      const model = loadModel(opts.metadata);
      const db = await openDatabase(opts.database);
      const service = await Service.open(model, db, logger);
      const print = (line: string) => process.stdout.write(`${line}\n`);
      const summary = await runRetention({ model, db, caller: service.caller }, { pageSize, progress: print });
      print(`retention run: ${summary.policiesRun} ${summary.policiesRun === 1 ? 'policy' : 'policies'} run, ${summary.failures.length} failed`);
      for (const [table, t] of summary.tables) print(`  ${table}: ${t.marked} marked, ${t.purged} purged`);
      for (const f of summary.failures) print(`  failed: ${f}`);
      await db.close();
      if (summary.failures.length) process.exit(1);
    } catch (err) {
      fail(err);
    }
  });

await program.parseAsync(process.argv);
