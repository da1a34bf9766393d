import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildModel } from '../src/model/loader.js';
import type { Model } from '../src/model/types.js';
import { Service } from '../src/service.js';
import { migrate, MigrationError, pendingDdl } from '../src/store/migrate.js';
import { openDatabase } from '../src/store/open.js';
import { mssqlConfig } from '../src/store/mssql.js';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { postgresDialect } from '../src/sql/postgres.js';
import type { Database } from '../src/store/database.js';
import { serveProcess } from './support/serve-process.js';
import { call, DATABASES, type Reply, SHIPPED_METADATA, tempDir, type TestDatabase } from './support/server.js';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.js');
const base = ['systemuser', 'organization', 'businessunit', 'team'].map((t) => ({ source: `${t}.json`, json: JSON.parse(readFileSync(join(SHIPPED_METADATA, `${t}.json`), 'utf8')) }));

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

/** `GET /<set>?<query>` on `service` (new_things by default): the rows. */
async function things(service: Service, query: string, set = 'new_things'): Promise<Array<Record<string, unknown>>> {
  const r = await service.handle({ method: 'GET', url: `/api/data/v9.2/${set}?${query}`, headers: {}, origin: 'http://x' });
  expect(r.status, r.body).to.equal(200);
  return JSON.parse(r.body!).value;
}

/**
 * Makes `db` like a database of an earlier version: drops the `columns` ([table, column], with
 * their indexes) and the `tables`, and their bookkeeping rows.
 */
async function asBefore(db: Database, columns: ReadonlyArray<[string, string]>, tables: readonly string[]): Promise<void> {
  const q = (c: string) => db.dialect.quote(c);
  for (const [table, index, column] of await db.rows(db.dialect.catalogIndexes)) {
    if (columns.some(([t, c]) => t === table && c === column)) await db.run({ sql: db.dialect.dropIndex(q(String(index)), q(String(table))), params: [] });
  }
  for (const [table, column] of columns) {
    await db.run({ sql: `ALTER TABLE ${q(table)} DROP COLUMN ${q(column)}`, params: [] });
    await db.run({ sql: `DELETE FROM ${q('tessera_attribute')} WHERE ${q('entity')} = '${table}' AND ${q('attribute')} = '${column}'`, params: [] });
  }
  for (const table of tables) {
    await db.run({ sql: `DROP TABLE ${q(table)}`, params: [] });
    await db.run({ sql: `DELETE FROM ${q('tessera_attribute')} WHERE ${q('entity')} = '${table}'`, params: [] });
  }
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

/** A table file `name` (entity set `<name>s`) with a String column new_name and `attributes`. */
function table(name: string, attributes: object[] = []): object {
  return { LogicalName: name, EntitySetName: `${name}s`, PrimaryIdAttribute: `${name}id`, OwnershipType: 'OrganizationOwned', Attributes: [{ LogicalName: 'new_name', AttributeType: 'String' }, ...attributes] };
}

/** The model of systemuser, organization and these table files (see table). */
function tables(...files: object[]): Model {
  return buildModel([...base, ...files.map((json) => ({ source: `${(json as { LogicalName: string }).LogicalName}.json`, json }))]);
}

/** new_book, whose lookup new_placeid has these Targets. */
const book = (...targets: string[]) => table('new_book', [{ LogicalName: 'new_placeid', AttributeType: 'Lookup', Targets: targets }]);

/** The tables new_book's lookup may point at. */
const places = ['new_shelf', 'new_box', 'new_crate'].map((name) => table(name));

/** POSTs `body` to `set` on `service` and answers the new row's id. */
async function create(service: Service, set: string, body: object): Promise<string> {
  const created = await send(service, 'POST', set, body);
  expect(created.status, created.body).to.equal(201);
  return (JSON.parse(created.body!) as Record<string, string>)[`${set.slice(0, -1)}id`]!;
}

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

    it('puts the users and user-owned rows of a database made before business units in the root unit, which it creates', () => onFresh(database, async (db) => {
      const owned = model([{ LogicalName: 'new_name', AttributeType: 'String' }], { OwnershipType: 'UserOwned' });
      const first = await Service.open(owned, db, log);
      const id = await create(first, 'new_things', { new_name: 'before' });
      // The database as an earlier version left it: no business unit table, no business unit columns.
      const q = (c: string) => db.dialect.quote(c);
      await asBefore(db, [['new_thing', 'owningbusinessunit'], ['systemuser', 'businessunitid']], ['businessunit']);
      const reopened = await Service.open(owned, db, log);
      const root = reopened.caller.businessunitid;
      expect((await things(reopened, `$filter=new_thingid eq ${id}&$select=_owningbusinessunit_value`))[0]!['_owningbusinessunit_value']).to.equal(root);
      expect((await things(reopened, '$select=_businessunitid_value', 'systemusers')).map((u) => u['_businessunitid_value'])).to.deep.equal([root]);
      expect((await things(reopened, '$select=name,_parentbusinessunitid_value', 'businessunits')).map((u) => [u['name'], u['_parentbusinessunitid_value']])).to.deep.equal([['Tessera', null]]);
      expect(await pendingDdl(db, owned), 'nothing left to do').to.deep.equal(db.dialect.setupDdl);
      // Only a column the migration adds is filled: a later start does not read every row again.
      await db.run({ sql: `UPDATE ${q('new_thing')} SET ${q('owningbusinessunit')} = NULL`, params: [] });
      const later = await Service.open(owned, db, log);
      expect((await things(later, `$filter=new_thingid eq ${id}&$select=_owningbusinessunit_value`))[0]!['_owningbusinessunit_value']).to.equal(null);
    }));

    it('gives a database made before teams the default team, its members, and owneridtype and owningteam on owned rows', () => onFresh(database, async (db) => {
      const owned = model([{ LogicalName: 'new_name', AttributeType: 'String' }], { OwnershipType: 'UserOwned' });
      const first = await Service.open(owned, db, log);
      const id = await create(first, 'new_things', { new_name: 'before' });
      // The database as an earlier version left it: no team tables, ownerid of one target.
      await asBefore(db, [['new_thing', 'owneridtype'], ['new_thing', 'owningteam']], ['teammembership', 'team']);
      const reopened = await Service.open(owned, db, log);
      const user = reopened.caller.systemuserid;
      const r = await reopened.handle({ method: 'GET', url: `/api/data/v9.2/new_things(${id})?$select=_ownerid_value,_owningteam_value`, headers: { prefer: 'odata.include-annotations="*"' }, origin: 'http://x' });
      expect(JSON.parse(r.body!)).to.deep.include({ _ownerid_value: user, '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser', _owningteam_value: null });
      const [team] = await things(reopened, '$select=name,isdefault&$expand=teammembership_association($select=systemuserid)', 'teams');
      expect(team).to.deep.include({ name: 'Tessera', isdefault: true });
      expect((team!['teammembership_association'] as Array<{ systemuserid: string }>).map((u) => u.systemuserid)).to.deep.equal([user]);
      expect(await pendingDdl(db, owned), 'nothing left to do').to.deep.equal(db.dialect.setupDdl);
      // A later start finds the team and its members: nothing is added twice.
      await Service.open(owned, db, log);
      expect((await things(reopened, '$select=name', 'teams'))).to.have.length(1);
      expect((await things(reopened, '$select=systemuserid', 'teammembershipcollection'))).to.have.length(1);
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

    it("refuses dropping a lookup's target while stored rows point at it, naming table, column, target and rows; adds targets, and drops one no row points at", () => onFresh(database, async (db) => {
      const first = await Service.open(tables(...places, book('new_shelf', 'new_box')), db, log);
      const shelf = await create(first, 'new_shelfs', { new_name: 'top' });
      const box = await create(first, 'new_boxs', { new_name: 'red' });
      const onShelf = await create(first, 'new_books', { new_name: 'shelved', 'new_placeid_new_shelf@odata.bind': `/new_shelfs(${shelf})` });
      const boxed = [await create(first, 'new_books', { new_name: 'boxed', 'new_placeid_new_box@odata.bind': `/new_boxs(${box})` }),
        await create(first, 'new_books', { new_name: 'boxed too', 'new_placeid_new_box@odata.bind': `/new_boxs(${box})` })];
      expect(await refusal(db, tables(...places, book('new_shelf', 'new_crate')))).to.deep.equal([
        "table 'new_book', column 'new_placeid': Targets no longer name 'new_box' while 2 of its rows point at rows of 'new_box' (a lookup keeps the targets its stored rows point at; adding targets is fine); clear or delete those rows first, or give it 'new_box' back",
      ]);
      const added = await Service.open(tables(...places, book('new_shelf', 'new_box', 'new_crate')), db, log);
      for (const id of boxed) expect((await send(added, 'DELETE', `new_books(${id})`, {})).status).to.equal(204);
      const dropped = await Service.open(tables(...places, book('new_shelf', 'new_crate')), db, log);
      expect(await things(dropped, '$select=new_name', 'new_books')).to.have.length(1);
      const read = await dropped.handle({ method: 'GET', url: `/api/data/v9.2/new_books(${onShelf})?$expand=new_placeid_new_shelf($select=new_name)`, headers: {}, origin: 'http://x' });
      expect(JSON.parse(read.body!).new_placeid_new_shelf?.new_name, 'the rows of the target it kept still point at theirs').to.equal('top');
    }));

    it('refuses moving a lookup of one target to other tables while stored rows point at its target, and keeps what they point at when it gets a target more', () => onFresh(database, async (db) => {
      const single = await Service.open(tables(...places, book('new_shelf')), db, log);
      const shelf = await create(single, 'new_shelfs', { new_name: 'top' });
      const placed = await create(single, 'new_books', { new_name: 'placed', 'new_placeid@odata.bind': `/new_shelfs(${shelf})` });
      const moved = "table 'new_book', column 'new_placeid': Targets no longer name 'new_shelf' while 1 of its rows point at rows of 'new_shelf' (a lookup keeps the targets its stored rows point at; adding targets is fine); clear or delete those rows first, or give it 'new_shelf' back";
      expect(await refusal(db, tables(...places, book('new_crate')))).to.deep.equal([moved]);
      expect(await refusal(db, tables(...places, book('new_box', 'new_crate'))), 'to several other tables').to.deep.equal([moved]);
      expect(await pendingDdl(db, tables(...places, book('new_shelf'))), 'the refusals changed nothing').to.deep.equal(db.dialect.setupDdl);
      const more = await Service.open(tables(...places, book('new_shelf', 'new_crate')), db, log);
      const read = await more.handle({ method: 'GET', url: `/api/data/v9.2/new_books(${placed})?$select=_new_placeid_value`, headers: { prefer: 'odata.include-annotations="*"' }, origin: 'http://x' });
      expect(JSON.parse(read.body!)['_new_placeid_value@Microsoft.Dynamics.CRM.lookuplogicalname'], read.body).to.equal('new_shelf');
    }));

    it('refuses to leave out a table whose rows point at a served table, also when a table it points at is served again; the engine\'s lookups do not count', () => onFresh(database, async (db) => {
      const thing = table('new_thing');
      // createdby declared in the engine's place: still the engine's lookup, to users.
      const part = table('new_part', [{ LogicalName: 'new_thingid', AttributeType: 'Lookup', Targets: ['new_thing'] }, { LogicalName: 'createdby', AttributeType: 'Lookup', Targets: ['systemuser'] }]);
      const both = await Service.open(tables(thing, part), db, log);
      const t = await create(both, 'new_things', { new_name: 't' });
      const pointing = await create(both, 'new_parts', { new_name: 'p', 'new_thingid@odata.bind': `/new_things(${t})` });
      await create(both, 'new_parts', { new_name: 'loose' });
      const refused = [
        "table 'new_part' cannot stop being served while 1 of its rows point at rows of 'new_thing' through 'new_thingid' (deleting those rows meanwhile would leave them pointing at nothing); put its file back and clear or delete them first, or remove the file of 'new_thing' too",
      ];
      expect(await refusal(db, tables(thing))).to.deep.equal(refused);
      await migrate(db, tables());
      expect(await refusal(db, tables(thing)), 'new_thing served again, new_part not').to.deep.equal(refused);
      const back = await Service.open(tables(thing, part), db, log);
      expect((await send(back, 'DELETE', `new_parts(${pointing})`, {})).status).to.equal(204);
      await migrate(db, tables(thing));
    }));

    it('refuses to leave out a many-to-many relationship while it stores links between served tables, as a reload does', () => onFresh(database, async (db) => {
      const tag = table('new_tag');
      const note = (linked: boolean) => ({ ...table('new_note'), ...(linked ? { ManyToManyRelationships: [{ SchemaName: 'new_note_tag', Entity1LogicalName: 'new_note', Entity2LogicalName: 'new_tag' }] } : {}) });
      const linked = await Service.open(tables(note(true), tag), db, log);
      const n = await create(linked, 'new_notes', { new_name: 'n' });
      const t = await create(linked, 'new_tags', { new_name: 't' });
      expect((await send(linked, 'POST', `new_notes(${n})/new_note_tag/$ref`, { '@odata.id': `/new_tags(${t})` })).status).to.equal(204);
      expect(await refusal(db, tables(note(false), tag))).to.deep.equal([
        "the many-to-many relationship of intersect table 'new_note_tag' cannot stop being served while 1 links of it are stored (between rows of 'new_note' and 'new_tag'; deleting a linked row meanwhile would leave its links pointing at nothing); declare it again and disassociate them first, or remove the file of 'new_note' and 'new_tag' too",
      ]);
      const again = await Service.open(tables(note(true), tag), db, log);
      expect((await send(again, 'DELETE', `new_notes(${n})/new_note_tag(${t})/$ref`, {})).status).to.equal(204);
      await migrate(db, tables(note(false), tag));
    }));

    it('opens a database whose bookkeeping predates lookups\' Targets, and records them from then on', () => onFresh(database, async (db) => {
      const first = await Service.open(tables(...places, book('new_shelf')), db, log);
      const shelf = await create(first, 'new_shelfs', { new_name: 'top' });
      await create(first, 'new_books', { new_name: 'placed', 'new_placeid@odata.bind': `/new_shelfs(${shelf})` });
      await db.run({ sql: `ALTER TABLE ${db.dialect.quote('tessera_attribute')} DROP COLUMN ${db.dialect.quote('targets')}`, params: [] });
      const reopened = await Service.open(tables(...places, book('new_shelf')), db, log);
      expect(await things(reopened, '$select=new_name', 'new_books')).to.have.length(1);
      const q = (c: string) => db.dialect.quote(c);
      const recorded = await db.rows({ sql: `SELECT ${q('attribute')}, ${q('targets')} FROM ${q('tessera_attribute')} WHERE ${q('entity')} = 'new_book' AND ${q('targets')} IS NOT NULL`, params: [] });
      expect(recorded, 'the lookup the file declares, not the engine\'s').to.deep.equal([['new_placeid', 'new_shelf']]);
      expect(await refusal(db, tables(...places, book('new_crate')))).to.have.length(1);
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
    const dir = tempDir('tessera-migrate-');
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

  if (postgresUrl) it("does not bound a migration by the URL's query_timeout: it waits for another server's migration past it", async () => {
    const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const url = `${postgresUrl}${postgresUrl.includes('?') ? '&' : '?'}schema=${schema}&query_timeout=300`;
    // Another server's migration, holding the migration lock in its transaction.
    const holder = new pg.Client({ connectionString: postgresUrl });
    const watcher = new pg.Client({ connectionString: postgresUrl });
    await holder.connect();
    await watcher.connect();
    const db = await openDatabase(url);
    try {
      await holder.query(`BEGIN; ${postgresDialect.migrationLock}`);
      let settled = false;
      const migrating = migrate(db, model([{ LogicalName: 'new_name', AttributeType: 'String', MaxLength: 50 }])).finally(() => { settled = true; });
      migrating.catch(() => undefined);
      // Until this migration has waited for the lock three times its query_timeout (or has given up).
      for (;;) {
        const { rows } = await watcher.query("SELECT 1 FROM pg_stat_activity WHERE wait_event = 'advisory' AND query LIKE '%pg_advisory_xact_lock%' AND now() - query_start > interval '900 milliseconds'");
        if (rows.length || settled) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(settled, 'the migration gave up waiting for the lock').to.equal(false);
      await holder.query('COMMIT');
      expect((await migrating).some((sql) => sql.startsWith('CREATE TABLE "new_thing" ('))).to.equal(true);
    } finally {
      await holder.end();
      await watcher.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await watcher.end();
      await db.close();
    }
  });

  if (postgresUrl) it('plans a missing ?schema= from nothing in a dry run, even when public holds the tables', async () => {
    // A database of its own, whose public schema gets every table first.
    const name = `tessera_dry_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const base = await openDatabase(postgresUrl);
    await base.run({ sql: `CREATE DATABASE ${name}`, params: [] });
    const own = new URL(postgresUrl);
    own.pathname = `/${name}`;
    try {
      const made = spawnSync(process.execPath, [CLI, 'migrate', '--metadata', SHIPPED_METADATA, '--database', own.toString()], { encoding: 'utf8' });
      expect(made.status, made.stderr).to.equal(0);
      own.searchParams.set('schema', 'not_there_yet');
      const dry = spawnSync(process.execPath, [CLI, 'migrate', '--dry-run', '--metadata', SHIPPED_METADATA, '--database', own.toString()], { encoding: 'utf8' });
      expect(dry.status, dry.stderr).to.equal(0);
      expect(dry.stdout).to.contain('CREATE TABLE "msdyn_copilotinteraction" (');
    } finally {
      await base.run({ sql: `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, params: [] });
      await base.close();
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

  it('gives up on a PostgreSQL server that takes the connection but never answers after the URL\'s connect_timeout, in one line', async () => {
    const silent = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--metadata', SHIPPED_METADATA, '--database', `postgres://nobody@127.0.0.1:${port}/none?connect_timeout=1`], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
        child.once('exit', (status) => resolve({ status, stderr }));
      });
      expect(r.status).to.equal(1);
      expect(r.stderr).to.match(new RegExp(`^tessera: cannot connect to postgres at 127\\.0\\.0\\.1:${port}: timeout expired\n$`));
      const bad = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--metadata', SHIPPED_METADATA, '--database', `postgres://nobody@127.0.0.1:${port}/none?connect_timeout=soon`], { encoding: 'utf8', timeout: 30000 });
      expect(bad.status).to.equal(1);
      expect(bad.stderr).to.equal("tessera: the database URL's connect_timeout must be a whole number of seconds (0: no limit), not 'soon'\n");
    } finally {
      silent.close();
    }
  });

  it("refuses a query_timeout that is not a whole number of milliseconds, in one line", () => {
    const bad = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--metadata', SHIPPED_METADATA, '--database', 'postgres://nobody@127.0.0.1:1/none?query_timeout=2m'], { encoding: 'utf8', timeout: 30000 });
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.equal("tessera: the database URL's query_timeout must be a whole number of milliseconds (0: no limit), not '2m'\n");
  });

  it("gives SQL Server the URL's query_timeout as mssql's requestTimeout and connect_timeout as its connectionTimeout (defaults: Dataverse's 2 minutes, 10 s)", () => {
    const timeouts = (url: string) => { const c = mssqlConfig(url); return { connectionTimeout: c.connectionTimeout, requestTimeout: c.requestTimeout }; };
    expect(timeouts('mssql://sa:pw@db:1433/x')).to.deep.equal({ connectionTimeout: 10_000, requestTimeout: 120_000 });
    expect(timeouts('sqlserver://sa:pw@db/x?query_timeout=5000&connect_timeout=3')).to.deep.equal({ connectionTimeout: 3_000, requestTimeout: 5_000 });
    expect(timeouts('mssql://sa:pw@db/x?query_timeout=0').requestTimeout, '0: no limit, as tedious reads it').to.equal(0);
    expect(() => mssqlConfig('mssql://sa:pw@db/x?connect_timeout=0')).to.throw(/connect_timeout cannot be 0/);
    expect(() => mssqlConfig('mssql://sa:pw@db/x?query_timeout=soon')).to.throw("the database URL's query_timeout must be a whole number of milliseconds (0: no limit), not 'soon'");
  });

  /**
   * Runs `fn` with `meta`, a copy of the shipped metadata, a SQLite database `url` beside it, and
   * `edit`, which rewrites the copy's msdyn_copilotinteraction.json with `change` applied to its
   * Attributes; removes them all afterwards.
   */
  function withCopy(fn: (meta: string, url: string, edit: (change: (attributes: Array<Record<string, unknown>>) => void) => void) => void): void {
    const dir = tempDir('tessera-copy-');
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

/**
 * Where the CLI tests below keep their database: a SQLite file in the test's folder, and a schema
 * of its own in the database of TESSERA_TEST_POSTGRES_URL when that is set (`tessera` creates the
 * schema of a URL; `drop` removes it).
 */
const CLI_DATABASES: ReadonlyArray<{ name: string; url(dir: string): string; drop(url: string): Promise<void> }> = [
  { name: 'sqlite', url: (dir) => `sqlite:${join(dir, 'm.db')}`, drop: async () => undefined },
  ...(process.env['TESSERA_TEST_POSTGRES_URL'] ? [{
    name: 'postgres',
    url: () => {
      const server = process.env['TESSERA_TEST_POSTGRES_URL']!;
      return `${server}${server.includes('?') ? '&' : '?'}schema=t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    },
    drop: async (url: string) => {
      const db = await openDatabase(process.env['TESSERA_TEST_POSTGRES_URL']!);
      try {
        await db.run({ sql: `DROP SCHEMA IF EXISTS ${new URL(url).searchParams.get('schema')!} CASCADE`, params: [] });
      } finally {
        await db.close();
      }
    },
  }] : []),
];

for (const database of CLI_DATABASES) {
  describe(`tessera serve after table files changed while it was stopped [${database.name}]`, function () {
    this.timeout(120000);
    let dir: string;
    let meta: string;
    let url: string;
    beforeEach(() => {
      dir = tempDir('tessera-stopped-');
      meta = join(dir, 'meta');
      cpSync(SHIPPED_METADATA, meta, { recursive: true });
      url = database.url(dir);
    });
    afterEach(async () => {
      await database.drop(url);
      rmSync(dir, { recursive: true, force: true });
    });

    const write = (file: object) => writeFileSync(join(meta, `${(file as { LogicalName: string }).LogicalName}.json`), JSON.stringify(file));
    const remove = (name: string) => rmSync(join(meta, `${name}.json`));
    const part = (...targets: string[]) => table('new_part', [{ LogicalName: 'new_thingid', AttributeType: 'Lookup', Targets: targets }]);
    /** Runs `fn` on `tessera serve` of the folder and database, stopping it afterwards whatever `fn` does. */
    const serving = async (fn: (root: string) => Promise<void>) => {
      const s = await serveProcess('--no-watch', '--metadata', meta, '--database', url);
      try {
        await fn(s.root);
      } finally {
        await s.stop();
      }
    };
    /** `tessera <command> …` of the folder and database, to its end. */
    const run = (...command: string[]) => spawnSync(process.execPath, [CLI, ...command, '--metadata', meta, '--database', url], { encoding: 'utf8', timeout: 30000 });
    const id = async (r: Promise<Reply>, key: string) => {
      const created = await r;
      expect(created.status, created.text).to.equal(201);
      return created.json[key] as string;
    };

    it('refuses to start without the file of a table whose rows point at a served table, as a reload does, changing nothing; starts once they no longer do', async () => {
      write(table('new_thing'));
      write(part('new_thing'));
      let pointing = '';
      await serving(async (root) => {
        const thing = await id(call('POST', `${root}new_things`, { new_name: 't' }, { Prefer: 'return=representation' }), 'new_thingid');
        pointing = await id(call('POST', `${root}new_parts`, { new_name: 'p', 'new_thingid@odata.bind': `/new_things(${thing})` }, { Prefer: 'return=representation' }), 'new_partid');
        // Its rows point at users and the organization only, through the engine's lookups (its file declares them).
        await id(call('POST', `${root}msdyn_copilotinteractions`, { msdyn_name: 'i' }, { Prefer: 'return=representation' }), 'msdyn_copilotinteractionid');
      });
      remove('new_part');
      remove('msdyn_copilotinteraction');
      write(table('new_thing', [{ LogicalName: 'new_size', AttributeType: 'Integer' }]));
      const problem = "table 'new_part' cannot stop being served while 1 of its rows point at rows of 'new_thing' through 'new_thingid' (deleting those rows meanwhile would leave them pointing at nothing); put its file back and clear or delete them first, or remove the file of 'new_thing' too";
      for (const command of [['serve', '--port', '0', '--no-watch'], ['migrate'], ['migrate', '--dry-run']]) {
        const r = run(...command);
        expect(r.status, command.join(' ')).to.equal(1);
        expect(r.stderr.trim().split('\n'), command.join(' ')).to.deep.equal(['tessera: the metadata changes the database incompatibly:', `  ${problem}`]);
      }
      write(part('new_thing'));
      expect(run('migrate', '--dry-run').stdout, 'the refused starts added no column').to.match(/ALTER TABLE "new_thing" ADD (COLUMN )?"new_size"/);
      await serving(async (root) => {
        expect((await call('DELETE', `${root}new_parts(${pointing})`)).status).to.equal(204);
      });
      remove('new_part');
      await serving(async (root) => {
        expect((await call('GET', `${root}new_parts`)).status).to.equal(404);
        expect((await call('GET', `${root}new_things?$select=new_size`)).status).to.equal(200);
      });
    });

    it("refuses to start when a lookup's Targets no longer name the table its stored rows point at; starts when they name more", async () => {
      write(table('new_thing'));
      write(table('new_other'));
      write(part('new_thing'));
      let pointing = '';
      await serving(async (root) => {
        const thing = await id(call('POST', `${root}new_things`, { new_name: 't' }, { Prefer: 'return=representation' }), 'new_thingid');
        pointing = await id(call('POST', `${root}new_parts`, { new_name: 'p', 'new_thingid@odata.bind': `/new_things(${thing})` }, { Prefer: 'return=representation' }), 'new_partid');
      });
      write(part('new_other'));
      const r = run('serve', '--port', '0', '--no-watch');
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain("table 'new_part', column 'new_thingid': Targets no longer name 'new_thing' while 1 of its rows point at rows of 'new_thing' (a lookup keeps the targets its stored rows point at; adding targets is fine); clear or delete those rows first, or give it 'new_thing' back");
      write(part('new_other', 'new_thing'));
      await serving(async (root) => {
        const read = await call('GET', `${root}new_parts(${pointing})?$select=_new_thingid_value`, undefined, { Prefer: 'odata.include-annotations="*"' });
        expect(read.json['_new_thingid_value@Microsoft.Dynamics.CRM.lookuplogicalname'], read.text).to.equal('new_thing');
      });
    });
  });
}
