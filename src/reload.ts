import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { watch } from 'chokidar';
import type { RequestHandler } from './http/app.js';
import type { HttpRequest } from './odata/request.js';
import type { HttpResponse } from './odata/respond.js';
import { loadModel, ModelError, tableFileNames } from './model/loader.js';
import type { EntityModel, Model } from './model/types.js';
import type { Caller } from './plan/types.js';
import type { Identity } from './security/identity.js';
import { Service, type FaultLogger, type ServiceOptions } from './service.js';
import type { Database } from './store/database.js';
import { COUNT_CAP, executeCount } from './store/execute.js';

/**
 * Metadata reload: an admin adds or changes a table by saving its metadata file, and the running
 * service serves it without a restart, as a published customization takes effect at once in
 * Dataverse. A reload builds a new Service (the model is immutable, see Service) and swaps it in
 * between requests: a request already running finishes on the model it started with.
 */

/**
 * What a reload did: tables added, removed and `changed` (served before and after, their file's
 * contents changed) by LogicalName, and how many are served; or why nothing changed.
 */
export type ReloadResult =
  | { readonly outcome: 'reloaded'; readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly string[]; readonly tables: number }
  | { readonly outcome: 'unchanged' }
  | { readonly outcome: 'refused'; readonly reason: string };

/** Where reloads are reported: pino's logger fits. */
export interface ReloadLogger extends FaultLogger {
  info(obj: object, msg: string): void;
}

/**
 * A RequestHandler over the current Service of a metadata folder. `reload()` reads the folder
 * again: when its `*.json` files changed, it loads the model, migrates the database (additive, as
 * `Service.open` does at start) and swaps the new Service in. A folder that no longer loads
 * (ModelError: a broken file, an inconsistent definition) or a change the database refuses
 * (MigrationError: a column that would shrink or change type) leaves the current Service serving
 * and answers `refused` with the reason; nothing is half applied, as DDL runs before the swap and
 * every migration step is additive. A changed SchemaName is refused too (schemaNameChanges).
 */
export class ReloadingService implements RequestHandler {
  private current: Service;
  /** The served folder's table files: name → hash of the contents. */
  private files: ReadonlyMap<string, string>;
  /** The reload running now; reloads run one at a time. */
  private running?: Promise<ReloadResult>;

  private constructor(service: Service, files: ReadonlyMap<string, string>, private readonly folder: string, private readonly db: Database,
    private readonly log: FaultLogger, private readonly options: ServiceOptions) {
    this.current = service;
    this.files = files;
  }

  /**
   * Loads `folder` and opens its Service on `db`. Throws what loadModel and Service.open throw
   * (ModelError, MigrationError, the driver's error): a service that cannot start does not start.
   */
  static async open(folder: string, db: Database, log: FaultLogger, options: ServiceOptions = {}): Promise<ReloadingService> {
    const files = fileHashes(folder);
    const service = await Service.open(loadModel(folder), db, log, options);
    return new ReloadingService(service, files, folder, db, log, options);
  }

  /** The model requests are served with now. */
  get model(): Model {
    return this.current.model;
  }

  handle(req: HttpRequest): Promise<HttpResponse> {
    return this.current.handle(req);
  }

  signIn(identity: Identity): Promise<Caller> {
    return this.current.signIn(identity);
  }

  /**
   * Reads the folder again and swaps in a new Service when its `*.json` files changed (names or
   * contents). Never throws: a refusal is answered, with the reason, and the current Service
   * keeps serving. A call while a reload runs waits for it and then reloads once more, so the
   * last saved state of the folder is the one served.
   */
  async reload(): Promise<ReloadResult> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.reloadNow();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async reloadNow(): Promise<ReloadResult> {
    let files: ReadonlyMap<string, string>;
    let model: Model;
    try {
      files = fileHashes(this.folder);
      if (files.size === this.files.size && [...files].every(([name, hash]) => this.files.get(name) === hash)) return { outcome: 'unchanged' };
      model = loadModel(this.folder);
    } catch (err) {
      return { outcome: 'refused', reason: err instanceof ModelError ? err.message : (err as Error).message };
    }
    const renamed = schemaNameChanges(this.current.model, model);
    if (renamed.length) return { outcome: 'refused', reason: renamed.join('; ') };
    let service: Service;
    try {
      // Lookups whose rows would be left pointing at rows of a table they no longer relate to (a
      // table left out, a target dropped) are refused by the migration (Service.open), against
      // the Targets it records: the same check as at start.
      const dangling = await linksOfRemovedRelationships(this.db, this.current.model, model);
      if (dangling.length) return { outcome: 'refused', reason: dangling.join('; ') };
      service = await Service.open(model, this.db, this.log, this.options);
    } catch (err) {
      return { outcome: 'refused', reason: (err as Error).message };
    }
    const before = new Map(this.current.model.entities.map((e) => [e.LogicalName, e]));
    const after = new Set(model.entities.map((e) => e.LogicalName));
    const changed = model.entities.filter((e) => {
      const served = before.get(e.LogicalName);
      const file = basename(e.source);
      return served && (basename(served.source) !== file || this.files.get(file) !== files.get(file));
    }).map((e) => e.LogicalName);
    this.current = service;
    this.files = files;
    return {
      outcome: 'reloaded',
      added: [...after].filter((n) => !before.has(n)),
      removed: [...before.keys()].filter((n) => !after.has(n)),
      changed,
      tables: after.size,
    };
  }
}

/**
 * One line per table served before and after whose SchemaName changed: Dataverse never changes a
 * table's SchemaName, and its privileges (`prvRead<SchemaName>`, their ids and every role's grant
 * of them) are named by it, so a change would drop the grants.
 */
function schemaNameChanges(before: Model, after: Model): string[] {
  return after.entities.flatMap((e) => {
    const old = before.byLogicalName.get(e.LogicalName);
    return old && old.SchemaName !== e.SchemaName
      ? [`${e.source}: the SchemaName of table '${e.LogicalName}' cannot change from '${old.SchemaName}' to '${e.SchemaName}' (its privileges and their grants are named by it)`]
      : [];
  });
}

/**
 * One line per many-to-many relationship `before` has and `after` does not (its intersect table
 * is no longer served) that holds links while one of its tables is still served (linksOfRemoved).
 * A table that stops being served while its lookups point at served rows is refused by the
 * migration instead (store/migrate.ts danglingReferences), which checks it at start too. The
 * migration refuses a removed relationship's links as well (the bookkeeping records which tables
 * an intersect table's columns link), but it no longer has the relationship: this check, run
 * first while the served model still has it, names its SchemaName and the `$ref` that removes a
 * link. Throws the database's errors.
 */
async function linksOfRemovedRelationships(db: Database, before: Model, after: Model): Promise<string[]> {
  const lines: string[] = [];
  for (const e of before.entities) {
    if (e.IsIntersect && !after.byLogicalName.has(e.LogicalName)) lines.push(...await linksOfRemoved(db, before, after, e));
  }
  return lines;
}

/**
 * The line for `intersect`, the intersect table of a many-to-many relationship `after` no longer
 * has, when it holds links and one of the relationship's tables is still served; else none. As
 * for a table's lookups (store/migrate.ts danglingReferences): deleting a linked row while the
 * relationship is not served would not remove its links, which would then link to nothing when
 * it came back.
 */
async function linksOfRemoved(db: Database, before: Model, after: Model, intersect: EntityModel): Promise<string[]> {
  const relationship = before.entities.flatMap((e) => [...e.navigation.values()]).find((n) => n.intersect?.entity === intersect)?.relationship;
  if (!relationship || relationship.RelationshipType !== 'ManyToManyRelationship') return [];
  const served = [...new Set([relationship.Entity1.LogicalName, relationship.Entity2.LogicalName])].filter((t) => after.byLogicalName.has(t));
  if (!served.length) return [];
  const rows = await executeCount(db, { entity: intersect });
  if (!rows) return [];
  return [`${intersect.source}: many-to-many relationship '${relationship.SchemaName}' cannot be removed while ${rows >= COUNT_CAP ? `${COUNT_CAP} or more` : rows} links of it are stored (its intersect table '${intersect.LogicalName}'; deleting a linked row meanwhile would leave its links pointing at nothing); disassociate them first (DELETE ${relationship.Entity1.EntitySetName}(<id>)/${relationship.Entity1NavigationPropertyName}(<id>)/$ref), or remove the file of ${served.map((t) => `'${t}'`).join(' and ')} too`];
}

/** The folder's table files, name → hash of the contents: to tell a real change from a touch, and which tables changed. */
function fileHashes(folder: string): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const name of tableFileNames(folder)) {
    let bytes: Buffer | string;
    try {
      bytes = readFileSync(join(folder, name));
    } catch (err) {
      // Gone or unreadable since the listing: loadModel says so, when it reads the folder.
      bytes = `unreadable: ${(err as Error).message}`;
    }
    hashes.set(name, createHash('sha256').update(bytes).digest('hex'));
  }
  return hashes;
}

/**
 * Watches the service's metadata folder (chokidar) and reloads it after `*.json` files are
 * added, changed or removed, once writes have settled (`settleMs`, default 300 ms without a
 * change, so an editor's save or a copy in progress is read whole). Logs each outcome: info for a
 * reload (tables added and removed), error with the problems for a refusal. Resolves once the
 * watcher is ready, with a function that stops it.
 */
export async function watchMetadata(service: ReloadingService, folder: string, log: ReloadLogger, settleMs = 300): Promise<() => Promise<void>> {
  const watcher = watch(folder, {
    ignoreInitial: true,
    depth: 0,
    // Only table files (see tableFileNames): a SQLite database kept in the folder must not be
    // polled while it is written, nor an editor's lock file (`.#x.json`) read.
    ignored: (path, stats) => basename(path).startsWith('.') || (!!stats?.isFile() && !path.endsWith('.json')),
    awaitWriteFinish: { stabilityThreshold: settleMs, pollInterval: Math.max(10, Math.floor(settleMs / 4)) },
  });
  // After a refusal, whether the folder is back to what is served (then said once).
  let refused = false;
  const reload = () => {
    void service.reload().then((r) => {
      if (r.outcome === 'reloaded') {
        log.info({ added: r.added, removed: r.removed, changed: r.changed, tables: r.tables }, `Metadata reloaded from ${folder}: ${r.tables} tables${r.added.length ? `, added ${r.added.join(', ')}` : ''}${r.changed.length ? `, changed ${r.changed.join(', ')}` : ''}${r.removed.length ? `, no longer served ${r.removed.join(', ')}` : ''}`);
      } else if (r.outcome === 'refused') {
        log.error({ reason: r.reason }, `Metadata in ${folder} not reloaded; still serving the previous tables: ${r.reason}`);
      } else if (refused) {
        log.info({}, `Metadata in ${folder} is again what is served; nothing to reload`);
      }
      refused = r.outcome === 'refused';
    });
  };
  // A removal waits as long as a write does: an editor that moves the file away and writes it
  // again (Emacs's first save) must not make the table unserved in between.
  let removal: NodeJS.Timeout | undefined;
  const removed = () => {
    clearTimeout(removal);
    removal = setTimeout(reload, settleMs);
  };
  watcher.on('add', reload).on('change', reload).on('unlink', removed);
  watcher.on('error', (err) => log.error({ err }, `Watching ${folder} failed`));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return async () => {
    clearTimeout(removal);
    await watcher.close();
  };
}
