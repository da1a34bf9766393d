import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildModel } from '../src/model/loader.js';
import type { Model } from '../src/model/types.js';
import { Service } from '../src/service.js';
import { migrate, MigrationError, pendingDdl } from '../src/store/migrate.js';
import { openDatabase } from '../src/store/open.js';
import { randomUUID } from 'node:crypto';
import type { Database } from '../src/store/database.js';
import { DATABASES, SHIPPED_METADATA, type TestDatabase } from './support/server.js';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.js');
const base = ['systemuser', 'organization'].map((t) => ({ source: `${t}.json`, json: JSON.parse(readFileSync(join(SHIPPED_METADATA, `${t}.json`), 'utf8')) }));

function model(attributes: object[], table: object = {}): Model {
  return buildModel([...base, { source: 'new_thing.json', json: { LogicalName: 'new_thing', EntitySetName: 'new_things', PrimaryIdAttribute: 'new_thingid', OwnershipType: 'OrganizationOwned', Attributes: attributes, ...table } }]);
}

const log = { error: () => undefined };

/** Runs `fn` on a fresh, empty database of `database`, and drops it afterwards whatever `fn` does. */
async function onFresh(database: TestDatabase, fn: (db: Database) => Promise<void>): Promise<void> {
  const { db, drop } = await database.create();
  try {
    await fn(db);
  } finally {
    await drop();
  }
}

/** The MigrationError's changes that `migrate(db, m)` throws; fails the test when it does not throw one. */
async function refusal(db: Database, m: Model): Promise<string[]> {
  try {
    await migrate(db, m);
  } catch (err) {
    if (err instanceof MigrationError) return err.changes;
    throw err;
  }
  expect.fail('the migration was not refused');
}

/** new_thing with a date-time column new_when of this behaviour and a Decimal column new_amount of this Precision. */
const both = (when: string, precision: number) => model([
  { LogicalName: 'new_when', AttributeType: 'DateTime', DateTimeBehavior: when },
  { LogicalName: 'new_amount', AttributeType: 'Decimal', Precision: precision },
]);

/**
 * Makes `db` like a database of an earlier version, whose bookkeeping table has no DateTimeBehavior
 * and Precision: `both('UserLocal', 3)` with a row, `new_when` 2024-05-01T10:00:00Z and `new_amount`
 * 1.5. Returns the row's id.
 */
async function oldDatabase(db: Database): Promise<string> {
  const service = await Service.open(both('UserLocal', 3), db, log);
  const created = await send(service, 'POST', 'new_things', { new_when: '2024-05-01T10:00:00Z', new_amount: 1.5 });
  expect(created.status, created.body).to.equal(201);
  for (const column of ['datetimebehavior', 'precision']) {
    await db.run({ sql: `ALTER TABLE ${db.dialect.quote('tessera_attribute')} DROP COLUMN ${db.dialect.quote(column)}`, params: [] });
  }
  return JSON.parse(created.body!).new_thingid;
}

/** `GET /new_things?<query>` on `service`: the rows. */
async function things(service: Service, query: string): Promise<Array<Record<string, unknown>>> {
  const r = await service.handle({ method: 'GET', url: `/api/data/v9.2/new_things?${query}`, headers: {}, origin: 'http://x' });
  expect(r.status, r.body).to.equal(200);
  return JSON.parse(r.body!).value;
}

/** Sends `body` to `url` on `service` and returns the answer's status (and body, for messages). */
async function send(service: Service, method: string, url: string, body: object): Promise<{ status: number; body?: string }> {
  return service.handle({ method, url: `/api/data/v9.2/${url}`, headers: { prefer: 'return=representation' }, body: JSON.stringify(body), origin: 'http://x' });
}

/** new_thing with a date-time column new_when and a date column new_day of these behaviours. */
const dated = (when: string, day: string) => model([
  { LogicalName: 'new_when', AttributeType: 'DateTime', DateTimeBehavior: when },
  { LogicalName: 'new_day', AttributeType: 'DateTime', DateTimeBehavior: day },
]);

/** new_thing with a Decimal column new_amount of this Precision, with an index of its own. */
const priced = (precision: number) => model([{ LogicalName: 'new_amount', AttributeType: 'Decimal', Precision: precision }],
  { Indexes: [{ LogicalName: 'byamount', KeyAttributes: ['new_amount'] }] });

for (const database of DATABASES) {
  describe(`schema from metadata [${database.name}]`, () => {
    it('creates tables, adds new columns, keeps data, and is idempotent', async () => {
      const { db, drop } = await database.create();
      try {
        const v1 = model([{ LogicalName: 'new_name', AttributeType: 'String', MaxLength: 50 }]);
        const first = await migrate(db, v1);
        expect(first.some((s) => /CREATE TABLE .new_thing./.test(s))).to.equal(true);
        const service = await Service.open(v1, db, log);
        const created = await service.handle({ method: 'POST', url: '/api/data/v9.2/new_things', headers: {}, body: '{"new_name":"kept"}', origin: 'http://x' });
        expect(created.status).to.equal(204);
        const v2 = model([{ LogicalName: 'new_name', AttributeType: 'String', MaxLength: 80 }, { LogicalName: 'new_count', AttributeType: 'Integer' }]);
        const second = await pendingDdl(db, v2);
        expect(second.filter((s) => /ALTER TABLE/.test(s))).to.have.length(1);
        expect(second.join('\n')).to.match(/ALTER TABLE .new_thing. ADD (COLUMN )?.new_count./);
        await migrate(db, v2);
        const again = await pendingDdl(db, v2);
        expect(again.filter((s) => /CREATE TABLE (?!IF NOT EXISTS)|ALTER TABLE/.test(s))).to.deep.equal([]);
        const s2 = await Service.open(v2, db, log);
        const read = await s2.handle({ method: 'GET', url: '/api/data/v9.2/new_things?$select=new_name,new_count', headers: {}, origin: 'http://x' });
        expect(JSON.parse(read.body!).value.map((r: Record<string, unknown>) => [r['new_name'], r['new_count']])).to.deep.equal([['kept', null]]);
      } finally {
        await drop();
      }
    });

    it('creates alternate keys as unique indexes: a duplicate is 412 0x80060892 naming the key, null key values never collide', async () => {
      const { db, drop } = await database.create();
      try {
        const keyed = buildModel([...base, { source: 'new_thing.json', json: {
          LogicalName: 'new_thing', EntitySetName: 'new_things', PrimaryIdAttribute: 'new_thingid', OwnershipType: 'OrganizationOwned',
          Attributes: [{ LogicalName: 'new_code', AttributeType: 'String', MaxLength: 20 }, { LogicalName: 'new_region', AttributeType: 'Integer' }],
          Keys: [{ LogicalName: 'new_code_region', KeyAttributes: ['new_code', 'new_region'] }],
        } }]);
        const service = await Service.open(keyed, db, log);
        const post = (body: object) => service.handle({ method: 'POST', url: '/api/data/v9.2/new_things', headers: {}, body: JSON.stringify(body), origin: 'http://x' });
        expect((await post({ new_code: 'A1', new_region: 1 })).status).to.equal(204);
        expect((await post({ new_code: 'A1', new_region: 2 })).status).to.equal(204);
        const dup = await post({ new_code: 'a1', new_region: 1 });
        expect(dup.status, 'keys compare case-insensitively like every string').to.equal(412);
        expect(JSON.parse(dup.body!).error).to.deep.equal({ code: '0x80060892', message: 'Entity Key new_code_region violated. A record with the same value for new_code, new_region already exists. A duplicate record cannot be created. Select one or more unique values and try again.' });
        expect((await post({ new_code: 'B2' })).status).to.equal(204);
        expect((await post({ new_code: 'B2' })).status).to.equal(204);
      } finally {
        await drop();
      }
    });

    it('refuses a type change, a MaxLength shrink and a dropped column, naming each, and changes nothing', async () => {
      const { db, drop } = await database.create();
      try {
        await migrate(db, model([
          { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 50 },
          { LogicalName: 'new_count', AttributeType: 'Integer' },
          { LogicalName: 'new_note', AttributeType: 'Memo', MaxLength: 2000 },
        ]));
        const broken = model([
          { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 20 },
          { LogicalName: 'new_count', AttributeType: 'Double' },
          { LogicalName: 'new_extra', AttributeType: 'Boolean' },
        ]);
        let error: unknown;
        try { await migrate(db, broken); } catch (err) { error = err; }
        expect(error).to.be.instanceOf(MigrationError);
        expect((error as MigrationError).changes).to.deep.equal([
          "table 'new_thing', column 'new_name': MaxLength shrink from 50 to 20",
          "table 'new_thing', column 'new_count': type change from Integer to Double",
          "table 'new_thing', column 'new_note': dropped from the metadata (columns are never dropped; declare it again)",
        ]);
        const ddl = await pendingDdl(db, model([
          { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 50 },
          { LogicalName: 'new_count', AttributeType: 'Integer' },
          { LogicalName: 'new_note', AttributeType: 'Memo', MaxLength: 2000 },
        ]));
        expect(ddl.filter((s) => /ALTER TABLE/.test(s)), 'the refused migration added nothing').to.deep.equal([]);
      } finally {
        await drop();
      }
    });

    it('puts the rows of a table that gets a state model in the state a create starts them in, so that lists of active rows find them', () => onFresh(database, async (db) => {
      const named = [{ LogicalName: 'new_name', AttributeType: 'String' }];
      const stateless = await Service.open(model(named, { HasStateModel: false }), db, log);
      expect((await send(stateless, 'POST', 'new_things', { new_name: 'before' })).status).to.equal(201);
      const stated = await Service.open(model(named), db, log);
      expect((await send(stated, 'POST', 'new_things', { new_name: 'after' })).status).to.equal(201);
      const active = await things(stated, '$filter=statecode eq 0&$select=new_name,statecode,statuscode&$orderby=new_name');
      expect(active.map((r) => [r['new_name'], r['statecode'], r['statuscode']])).to.deep.equal([['after', 0, 1], ['before', 0, 1]]);
    }));

    it('names the change of the file that dropped a column the engine made, and how to undo it, rather than asking to declare that column', () => onFresh(database, async (db) => {
      const pointing = (targets: string[]) => [{ LogicalName: 'new_partid', AttributeType: 'Lookup', Targets: targets }];
      await migrate(db, model(pointing(['systemuser', 'organization'])));
      expect(await refusal(db, model(pointing(['systemuser']), { OwnershipType: 'UserOwned', HasStateModel: false }))).to.have.members([
        "table 'new_thing', column 'new_partidtype': the type column of lookup 'new_partid', whose Targets went from several tables to one ('systemuser'); it records which table each row points at, so a lookup keeps the targets it had (add targets, never remove them): give it its Targets back",
        "table 'new_thing', column 'statecode': HasStateModel turned off (rows keep their state and status; set HasStateModel back to true)",
        "table 'new_thing', column 'statuscode': HasStateModel turned off (rows keep their state and status; set HasStateModel back to true)",
        "table 'new_thing', column 'organizationid': OwnershipType change from OrganizationOwned to UserOwned (a table's OwnershipType cannot change once the table exists, as in Dataverse; set it back to OrganizationOwned)",
      ]);
    }));

    it('refuses a DateTimeBehavior change to or from DateOnly like a type change, and accepts UserLocal ↔ TimeZoneIndependent', () => onFresh(database, async (db) => {
      const first = await Service.open(dated('UserLocal', 'DateOnly'), db, log);
      expect((await send(first, 'POST', 'new_things', { new_when: '2024-05-01T10:00:00Z', new_day: '2024-05-01' })).status).to.equal(201);
      expect(await refusal(db, dated('DateOnly', 'TimeZoneIndependent'))).to.have.members([
        "table 'new_thing', column 'new_when': DateTimeBehavior change from UserLocal to DateOnly (a type change, Edm.DateTimeOffset to Edm.Date)",
        "table 'new_thing', column 'new_day': DateTimeBehavior change from DateOnly to TimeZoneIndependent (a type change, Edm.Date to Edm.DateTimeOffset)",
      ]);
      const zoneless = await Service.open(dated('TimeZoneIndependent', 'DateOnly'), db, log);
      expect(await things(zoneless, '$select=new_when,new_day&$filter=new_day eq 2024-05-01 and new_when eq 2024-05-01T10:00:00Z'), 'the rows read as before')
        .to.have.length(1).and.to.have.nested.property('[0].new_when', '2024-05-01T10:00:00Z');
      expect(await refusal(db, dated('DateOnly', 'DateOnly')), 'the new behaviour is what is recorded').to.deep.equal([
        "table 'new_thing', column 'new_when': DateTimeBehavior change from TimeZoneIndependent to DateOnly (a type change, Edm.DateTimeOffset to Edm.Date)",
      ]);
    }));

    it('widens a Decimal column whose Precision grows, so that its values keep the new places on every database, and refuses a smaller Precision', () => onFresh(database, async (db) => {
      const before = await Service.open(priced(3), db, log);
      const id = JSON.parse((await send(before, 'POST', 'new_things', { new_amount: 1.5 })).body!).new_thingid;
      const after = await Service.open(priced(5), db, log);
      const patched = await send(after, 'PATCH', `new_things(${id})`, { new_amount: 1.23456 });
      expect(JSON.parse(patched.body!).new_amount, patched.body).to.equal(1.23456);
      expect((await send(after, 'POST', 'new_things', { new_amount: 2.00005 })).status).to.equal(201);
      expect((await pendingDdl(db, priced(5))).filter((s) => /ALTER TABLE|INDEX/.test(s)), 'done once; the index is there').to.deep.equal([]);
      expect(await refusal(db, priced(4))).to.deep.equal([
        "table 'new_thing', column 'new_amount': Precision shrink from 5 to 4 (stored values would be rounded)",
      ]);
      expect((await things(after, '$select=new_amount&$orderby=new_amount')).map((r) => r['new_amount']), 'nothing was rounded').to.deep.equal([1.23456, 2.00005]);
    }));

    it('opens a database whose bookkeeping predates DateTimeBehavior and Precision, and records them from then on', () => onFresh(database, async (db) => {
      await oldDatabase(db);
      const reopened = await Service.open(both('UserLocal', 3), db, log);
      expect(await things(reopened, '$select=new_when,new_amount')).to.have.length(1).and.to.have.nested.property('[0].new_when', '2024-05-01T10:00:00Z');
      const recorded = await db.rows({ sql: `SELECT ${['attribute', 'datetimebehavior', 'precision'].map((c) => db.dialect.quote(c)).join(', ')} FROM ${db.dialect.quote('tessera_attribute')} WHERE ${db.dialect.quote('attribute')} IN ('new_when', 'new_amount')`, params: [] });
      expect(recorded.map((r) => [r[0], r[1], r[2] === null ? null : Number(r[2])])).to.have.deep.members([['new_when', 'UserLocal', null], ['new_amount', null, 3]]);
      expect(await refusal(db, both('DateOnly', 2))).to.have.members([
        "table 'new_thing', column 'new_when': DateTimeBehavior change from UserLocal to DateOnly (a type change, Edm.DateTimeOffset to Edm.Date)",
        "table 'new_thing', column 'new_amount': Precision shrink from 3 to 2 (stored values would be rounded)",
      ]);
    }));

    // SQLite's TEXT and REAL serve dates and date-times, and every Precision, alike: there the
    // first start after the upgrade records the metadata's (the test above).
    if (database.name !== 'sqlite') it('checks a database whose bookkeeping predates DateTimeBehavior and Precision against the column types of its catalog, and widens its grown decimals', () => onFresh(database, async (db) => {
      const id = await oldDatabase(db);
      expect(await refusal(db, both('DateOnly', 2))).to.have.members([
        "table 'new_thing', column 'new_when': DateTimeBehavior change from UserLocal or TimeZoneIndependent to DateOnly (a type change, Edm.DateTimeOffset to Edm.Date)",
        "table 'new_thing', column 'new_amount': Precision shrink from 3 to 2 (stored values would be rounded)",
      ]);
      const widened = await Service.open(both('TimeZoneIndependent', 5), db, log);
      const patched = await send(widened, 'PATCH', `new_things(${id})`, { new_amount: 1.23456 });
      expect(JSON.parse(patched.body!).new_amount, patched.body).to.equal(1.23456);
    }));

    it('lets servers starting at once on a fresh database migrate it together: one creates, the others find it done', () => onFresh(database, async (db) => {
      const m = model([{ LogicalName: 'new_name', AttributeType: 'String' }], { Keys: [{ LogicalName: 'new_name_key', KeyAttributes: ['new_name'] }] });
      const runs = await Promise.allSettled([migrate(db, m), migrate(db, m), migrate(db, m)]);
      expect(runs.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).to.deep.equal(['ok', 'ok', 'ok']);
      expect(await pendingDdl(db, m), 'nothing left to do').to.deep.equal(db.dialect.setupDdl);
    }));

    it('opens services starting at once on a fresh database: one creates the rows they keep (the system user, the organization), the others find them', () => onFresh(database, async (db) => {
      const m = model([{ LogicalName: 'new_name', AttributeType: 'String' }]);
      const opened = await Promise.allSettled([Service.open(m, db, log), Service.open(m, db, log), Service.open(m, db, log)]);
      expect(opened.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).to.deep.equal(['ok', 'ok', 'ok']);
      const users = await (opened[0] as PromiseFulfilledResult<Service>).value.handle({ method: 'GET', url: '/api/data/v9.2/systemusers/$count', headers: {}, origin: 'http://x' });
      expect(users.body, 'one SYSTEM user').to.equal('1');
    }));

    it('turns change tracking on for a table with rows, and refuses to turn it off again', async () => {
      const { db, drop } = await database.create();
      try {
        const columns = [{ LogicalName: 'new_name', AttributeType: 'String', MaxLength: 50 }];
        const plain = await Service.open(model(columns), db, log);
        expect((await plain.handle({ method: 'POST', url: '/api/data/v9.2/new_things', headers: {}, body: '{"new_name":"before"}', origin: 'http://x' })).status).to.equal(204);
        const tracked = await Service.open(model(columns, { ChangeTrackingEnabled: true }), db, log);
        const sync = await tracked.handle({ method: 'GET', url: '/api/data/v9.2/new_things?$select=new_name', headers: { prefer: 'odata.track-changes' }, origin: 'http://x' });
        expect(sync.status, sync.body).to.equal(200);
        expect(JSON.parse(sync.body!).value.map((r: Record<string, unknown>) => r['new_name'])).to.deep.equal(['before']);
        let error: unknown;
        try { await migrate(db, model(columns)); } catch (err) { error = err; }
        expect(error).to.be.instanceOf(MigrationError);
        expect((error as MigrationError).changes).to.deep.equal([
          "table 'new_thing': ChangeTrackingEnabled turned off (change tracking cannot be turned off once on, as in Dataverse; set it back to true)",
        ]);
      } finally {
        await drop();
      }
    });
  });
}

describe('tessera migrate and database URLs', () => {
  it('prints the DDL with --dry-run without running it, then applies it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-migrate-'));
    try {
      const url = `sqlite:${join(dir, 'sub', 'm.db')}`;
      const dry = spawnSync(process.execPath, [CLI, 'migrate', '--dry-run', '--metadata', SHIPPED_METADATA, '--database', url], { encoding: 'utf8' });
      expect(dry.status, dry.stderr).to.equal(0);
      expect(dry.stdout).to.contain('CREATE TABLE "msdyn_copilotinteraction" (');
      expect(existsSync(join(dir, 'sub')), 'a dry run creates no folder and no file').to.equal(false);
      const again = spawnSync(process.execPath, [CLI, 'migrate', '--dry-run', '--metadata', SHIPPED_METADATA, '--database', url], { encoding: 'utf8' });
      expect(again.stdout, 'a dry run changes nothing').to.contain('CREATE TABLE "msdyn_copilotinteraction" (');
      const real = spawnSync(process.execPath, [CLI, 'migrate', '--metadata', SHIPPED_METADATA, '--database', url], { encoding: 'utf8' });
      expect(real.status).to.equal(0);
      const after = spawnSync(process.execPath, [CLI, 'migrate', '--dry-run', '--metadata', SHIPPED_METADATA, '--database', url], { encoding: 'utf8' });
      expect(after.stdout).to.not.contain('CREATE TABLE "msdyn_copilotinteraction"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const postgresUrl = process.env['TESSERA_TEST_POSTGRES_URL'];
  if (postgresUrl) it('creates the ?schema= of a PostgreSQL URL when it is missing, rather than writing into public', async () => {
    const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const url = `${postgresUrl}${postgresUrl.includes('?') ? '&' : '?'}schema=${schema}`;
    const dry = spawnSync(process.execPath, [CLI, 'migrate', '--dry-run', '--metadata', SHIPPED_METADATA, '--database', url], { encoding: 'utf8' });
    expect(dry.status, dry.stderr).to.equal(0);
    expect(dry.stdout).to.contain('CREATE TABLE "msdyn_copilotinteraction" (');
    const base = await openDatabase(postgresUrl);
    const schemas = await base.rows({ sql: 'SELECT 1 FROM pg_namespace WHERE nspname = $1', params: [schema] }).finally(() => base.close());
    expect(schemas, 'a dry run creates no schema').to.have.length(0);
    const db = await openDatabase(url);
    try {
      await migrate(db, model([{ LogicalName: 'new_name', AttributeType: 'String', MaxLength: 50 }]));
      const where = await db.rows({ sql: "SELECT table_schema FROM information_schema.tables WHERE table_name = 'new_thing'", params: [] });
      expect(where.map((r) => r[0])).to.deep.equal([schema]);
    } finally {
      await db.run({ sql: `DROP SCHEMA IF EXISTS ${schema} CASCADE`, params: [] });
      await db.close();
    }
  });

  it('reports an unreachable server or an unknown URL in one line, without a stack trace', () => {
    for (const [url, expected] of [
      ['postgres://nobody@127.0.0.1:1/none', /^tessera: cannot connect to postgres at 127\.0\.0\.1:1: ECONNREFUSED/],
      ['mssql://sa:pw@127.0.0.1:1/none', /^tessera: cannot connect to mssql at 127\.0\.0\.1:1: /],
      ['mysql://localhost/x', /^tessera: the database URL 'mysql:\/\/localhost\/x' is not recognised/],
    ] as const) {
      const r = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--metadata', SHIPPED_METADATA, '--database', url], { encoding: 'utf8', timeout: 30000 });
      expect(r.status, url).to.equal(1);
      expect(r.stderr, url).to.match(expected);
      expect(r.stderr.trim().split('\n'), url).to.have.length(1);
      expect(r.stderr).to.not.contain('    at ');
    }
  });

  /**
   * Runs `fn` with `meta`, a copy of the shipped metadata, a SQLite database `url` beside it, and
   * `edit`, which rewrites the copy's msdyn_copilotinteraction.json with `change` applied to its
   * Attributes; removes them all afterwards.
   */
  function withCopy(fn: (meta: string, url: string, edit: (change: (attributes: Array<Record<string, unknown>>) => void) => void) => void): void {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-copy-'));
    try {
      const meta = join(dir, 'meta');
      spawnSync('cp', ['-r', SHIPPED_METADATA, meta]);
      const file = join(meta, 'msdyn_copilotinteraction.json');
      const json = JSON.parse(readFileSync(file, 'utf8'));
      fn(meta, `sqlite:${join(dir, 'm.db')}`, (change) => {
        change(json.Attributes);
        writeFileSync(file, JSON.stringify(json));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('migrate and migrate --dry-run exit 1 naming a DateTimeBehavior change to DateOnly, and change nothing', () => withCopy((meta, url, edit) => {
    edit((attributes) => attributes.push({ LogicalName: 'new_when', AttributeType: 'DateTime', DateTimeBehavior: 'UserLocal' }));
    expect(spawnSync(process.execPath, [CLI, 'migrate', '--metadata', meta, '--database', url]).status).to.equal(0);
    edit((attributes) => { attributes.at(-1)!['DateTimeBehavior'] = 'DateOnly'; });
    for (const args of [['--dry-run'], []]) {
      const r = spawnSync(process.execPath, [CLI, 'migrate', ...args, '--metadata', meta, '--database', url], { encoding: 'utf8' });
      expect(r.status, `migrate ${args.join(' ')}`).to.equal(1);
      expect(r.stderr).to.contain("table 'msdyn_copilotinteraction', column 'new_when': DateTimeBehavior change from UserLocal to DateOnly (a type change, Edm.DateTimeOffset to Edm.Date)");
    }
    edit((attributes) => { attributes.at(-1)!['DateTimeBehavior'] = 'UserLocal'; });
    const again = spawnSync(process.execPath, [CLI, 'migrate', '--metadata', meta, '--database', url], { encoding: 'utf8' });
    expect(again.status, again.stderr).to.equal(0);
  }));

  it('refuses to serve when the metadata changed incompatibly', () => withCopy((meta, url, edit) => {
    expect(spawnSync(process.execPath, [CLI, 'migrate', '--metadata', meta, '--database', url]).status).to.equal(0);
    edit((attributes) => { attributes.find((a) => a['LogicalName'] === 'msdyn_name')!['MaxLength'] = 10; });
    const r = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--metadata', meta, '--database', url], { encoding: 'utf8', timeout: 20000 });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain("table 'msdyn_copilotinteraction', column 'msdyn_name': MaxLength shrink from 100 to 10");
  }));
});
