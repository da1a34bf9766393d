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
import { DATABASES, SHIPPED_METADATA } from './support/server.js';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.js');
const base = ['systemuser', 'organization'].map((t) => ({ source: `${t}.json`, json: JSON.parse(readFileSync(join(SHIPPED_METADATA, `${t}.json`), 'utf8')) }));

function model(attributes: object[], table: object = {}): Model {
  return buildModel([...base, { source: 'new_thing.json', json: { LogicalName: 'new_thing', EntitySetName: 'new_things', PrimaryIdAttribute: 'new_thingid', OwnershipType: 'OrganizationOwned', Attributes: attributes, ...table } }]);
}

const log = { error: () => undefined };

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

    it('creates alternate keys as unique indexes: a duplicate is 412 0x80040237, null key values never collide', async () => {
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
        expect(JSON.parse(dup.body!).error.code).to.equal('0x80040237');
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

  it('refuses to serve when the metadata changed incompatibly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-incompat-'));
    try {
      const url = `sqlite:${join(dir, 'm.db')}`;
      const meta = join(dir, 'meta');
      spawnSync('cp', ['-r', SHIPPED_METADATA, meta]);
      expect(spawnSync(process.execPath, [CLI, 'migrate', '--metadata', meta, '--database', url]).status).to.equal(0);
      const file = join(meta, 'msdyn_copilotinteraction.json');
      const json = JSON.parse(readFileSync(file, 'utf8'));
      json.Attributes.find((a: { LogicalName: string }) => a.LogicalName === 'msdyn_name').MaxLength = 10;
      writeFileSync(file, JSON.stringify(json));
      const r = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', '--metadata', meta, '--database', url], { encoding: 'utf8', timeout: 20000 });
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain("table 'msdyn_copilotinteraction', column 'msdyn_name': MaxLength shrink from 100 to 10");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
