import type BetterSqlite3 from 'better-sqlite3';
import express, { type Request, type Response } from 'express';
import type { AttributeModel, Model } from '../src/model/types.js';
import { parseDateTime } from '../src/plan/values.js';
import { planCreate, sequentialGuid } from '../src/plan/write.js';
import { SYSTEM_CALLER } from '../src/service.js';
import { sqliteDialect } from '../src/sql/sqlite.js';
import { openSqliteConnection } from '../src/store/sqlite.js';

/**
 * The benchmark's ceiling for CreateMultiple over HTTP on SQLite: a hand-written express handler
 * for msdyn_copilotinteraction alone, with none of Tessera's pipeline (no metadata-driven routing,
 * parameter parsing, planning or rendering), answering
 * `POST …/msdyn_copilotinteractions/Microsoft.Dynamics.CRM.CreateMultiple` as Tessera does: 200
 * `{"@odata.context":…,"Ids":[…]}`, the rows written in one transaction.
 *
 * What it still does, because a service must: Tessera's body reader (express.text); JSON.parse;
 * per item the `@odata.type` and only the five columns the bench sends (msdyn_name,
 * msdyn_scenariorequestid: strings within MaxLength; msdyn_interactiontype,
 * msdyn_scenariotype: values of their choice; msdyn_clienttimestamp: a date-time, stored as
 * `YYYY-MM-DDTHH:MM:SSZ` by Tessera's own parser); a UUIDv7 id from Tessera's generator; the same
 * columns Tessera writes, the stamps and defaults taken once per request from `planCreate` of an
 * empty body and bound once by name, the rest bound per row in 200-row INSERTs (Tessera's bulk
 * SQL on SQLite). Row versions come from a counter of its own, far above Tessera's.
 * Anything else in the body is a 400 with a plain message (not Dataverse's error JSON: this is a
 * yardstick, not a service).
 *
 * `path` is the SQLite file Tessera serves (its schema migrated already); the handler opens its
 * own connection with Tessera's settings. Call `close()` when done.
 */
export function bareCreateMultiple(model: Model, path: string, maxBodyBytes = 32 * 1024 * 1024): { app: express.Express; close(): void } {
  const entity = model.byLogicalName.get(ENTITY)!;
  const attribute = (name: string): AttributeModel => entity.attributesByName.get(name)!;
  const type = `Microsoft.Dynamics.CRM.${ENTITY}`;
  const name = attribute('msdyn_name');
  const requestId = attribute('msdyn_scenariorequestid');
  const choices = (a: AttributeModel) => new Set(a.OptionSet!.Options.map((o) => o.Value));
  const interactionTypes = choices(attribute('msdyn_interactiontype'));
  const scenarioTypes = choices(attribute('msdyn_scenariotype'));
  const ITEM_KEYS = new Set(['@odata.type', 'msdyn_name', 'msdyn_interactiontype', 'msdyn_scenariotype', 'msdyn_scenariorequestid', 'msdyn_clienttimestamp']);

  // Columns bound per row, in this order; every other column planCreate stamps is shared.
  const perRow = ['msdyn_copilotinteractionid', 'msdyn_name', 'msdyn_interactiontype', 'msdyn_scenariotype', 'msdyn_scenariorequestid', 'msdyn_clienttimestamp', 'versionnumber'].map(attribute);
  const probe = planCreate(model, entity, {}, SYSTEM_CALLER);
  const shared = [...probe.values.keys()].filter((a) => !perRow.includes(a));
  const d = sqliteDialect;
  const columns = [...perRow, ...shared].map((a) => d.quote(a.LogicalName)).join(', ');
  const tuple = `(${[...perRow.map(() => '?'), ...shared.map((_, i) => `@s${i}`)].join(', ')})`;
  const db = openSqliteConnection(path);
  const statements = new Map<number, BetterSqlite3.Statement>();
  const statement = (rows: number) => {
    let s = statements.get(rows);
    if (!s) statements.set(rows, s = db.prepare(`INSERT INTO ${d.quote(ENTITY)} (${columns}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`));
    return s;
  };
  let version = 3_000_000_000;

  const text = (v: unknown, a: AttributeModel): string => {
    if (typeof v !== 'string' || v.length > (a.MaxLength ?? Infinity)) throw new Error(`${a.LogicalName} must be a string of at most ${a.MaxLength} characters`);
    return v;
  };
  const choice = (v: unknown, values: Set<number | null>, column: string): number => {
    if (typeof v !== 'number' || !values.has(v)) throw new Error(`${column} is not one of its choice's values`);
    return v;
  };
  const insert = (targets: ReadonlyArray<Record<string, unknown>>): string[] => {
    const stamps = planCreate(model, entity, {}, SYSTEM_CALLER).values;
    const named: Record<string, unknown> = {};
    shared.forEach((a, i) => { named[`s${i}`] = d.toDb(a, stamps.get(a) ?? null); });
    const ids: string[] = [];
    db.exec('BEGIN IMMEDIATE');
    try {
      for (let start = 0; start < targets.length; start += STEP) {
        const end = Math.min(targets.length, start + STEP);
        const params: unknown[] = [];
        for (let i = start; i < end; i++) {
          const t = targets[i]!;
          if (t['@odata.type'] !== type) throw new Error(`Targets[${i}]: @odata.type must be ${type}`);
          for (const key in t) if (!ITEM_KEYS.has(key)) throw new Error(`Targets[${i}]: unexpected property ${key}`);
          const when = typeof t['msdyn_clienttimestamp'] === 'string' ? parseDateTime(t['msdyn_clienttimestamp']) : undefined;
          if (!when) throw new Error(`Targets[${i}]: msdyn_clienttimestamp must be a date-time`);
          const id = sequentialGuid();
          ids.push(id);
          params.push(id, text(t['msdyn_name'], name), choice(t['msdyn_interactiontype'], interactionTypes, 'msdyn_interactiontype'),
            choice(t['msdyn_scenariotype'], scenarioTypes, 'msdyn_scenariotype'), text(t['msdyn_scenariorequestid'], requestId), when.utc, version++);
        }
        statement(end - start).run(...params, named);
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
    return ids;
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);
  app.post(`/api/data/v9.2/${entity.EntitySetName}/Microsoft.Dynamics.CRM.CreateMultiple`, express.text({ type: () => true, limit: maxBodyBytes, defaultCharset: 'utf-8' }), (req: Request, res: Response) => {
    let ids: string[];
    try {
      const targets = (JSON.parse(req.body as string) as { Targets?: unknown }).Targets;
      if (!Array.isArray(targets) || !targets.length) throw new Error('Targets must be a non-empty array');
      ids = insert(targets as Array<Record<string, unknown>>);
    } catch (err) {
      res.status(400).type('text/plain').end((err as Error).message);
      return;
    }
    res.status(200).setHeader('Content-Type', 'application/json; odata.metadata=minimal');
    res.setHeader('OData-Version', '4.0');
    res.end(JSON.stringify({ '@odata.context': `http://${req.headers.host}/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse`, Ids: ids }));
  });
  return { app, close: () => { if (db.open) db.close(); } };
}

const ENTITY = 'msdyn_copilotinteraction';
/** Rows per INSERT, as Tessera's bulk path on SQLite. */
const STEP = 200;
