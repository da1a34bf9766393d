import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { loadModel } from '../src/model/loader.js';
import { Service } from '../src/service.js';
import type { Statement } from '../src/sql/dialect.js';
import { SqliteDatabase } from '../src/store/sqlite.js';
import { call, DATABASES, SHIPPED_METADATA, startServer, tempDir, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';

for (const database of DATABASES) {
  describe(`body validation [${database.name}]`, () => {
    let s: TestServer;
    before(async () => { s = await startServer(undefined, database); });
    after(async () => { await s.close(); });
    const post = (body: unknown) => call('POST', `${s.root}${SET}`, body);

    async function expectError(body: unknown, status: number, code: string, message?: string | RegExp) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).to.equal(status);
      expect(r.json.error.code, JSON.stringify(body)).to.equal(code);
      if (typeof message === 'string') expect(r.json.error.message).to.equal(message);
      else if (message) expect(r.json.error.message).to.match(message);
    }

    it('rejects an unknown property with Dataverse\'s message', async () => {
      await expectError({ msdyn_name: 'x', Name: 'y' }, 400, '0x0',
        "An error occurred while validating input parameters: Microsoft.Crm.CrmException: Invalid property 'Name' was found in entity 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction'. ---> Microsoft.OData.ODataException: Does not support untyped value in non-open type.");
    });

    it('rejects wrong JSON types with 0x80048d19', async () => {
      for (const body of [{ msdyn_name: 12 }, { msdyn_interactiontype: '100230301' }, { importsequencenumber: 1.5 }, { importsequencenumber: true },
        { msdyn_clienttimestamp: 'soon' }, { msdyn_clienttimestamp: '2024-02-30T00:00:00Z' }, { msdyn_copilotinteractionid: 'not-a-guid' }, { msdyn_name: ['a'] }]) {
        await expectError(body, 400, '0x80048d19', /^Error identified in Payload provided by the user for Entity :'msdyn_copilotinteractions'/);
      }
    });

    it('rejects a string over MaxLength with 0x80044331 and accepts exactly MaxLength', async () => {
      await expectError({ msdyn_name: 'x'.repeat(101) }, 400, '0x80044331',
        "A validation error occurred.  The length of the 'msdyn_name' attribute of the 'msdyn_copilotinteraction' entity exceeded the maximum allowed length of '100'.");
      expect((await post({ msdyn_name: 'x'.repeat(100) })).status).to.equal(204);
      expect((await post({ msdyn_interactioncontext: 'é'.repeat(5000) })).status).to.equal(204);
    });

    it('rejects numbers outside MinValue/MaxValue with 0x8004432F', async () => {
      await expectError({ timezoneruleversionnumber: -2 }, 400, '0x8004432F', /outside the valid range/);
      await expectError({ importsequencenumber: 2147483648 }, 400, '0x8004432F');
      expect((await post({ timezoneruleversionnumber: -1, importsequencenumber: -2147483648 })).status).to.equal(204);
    });

    it('rejects a choice value not in the options with 0x8004431A', async () => {
      await expectError({ msdyn_interactiontype: 100230399 }, 400, '0x8004431A');
      await expectError({ msdyn_scenariotype: 1 }, 400, '0x8004431A');
      expect((await post({ msdyn_interactiontype: 100230315, msdyn_scenariotype: 100230216 })).status).to.equal(204);
    });

    it('rejects date-times before 1753 with 0x80040239 and stores others in UTC without fractions', async () => {
      await expectError({ msdyn_clienttimestamp: '1700-01-01T00:00:00Z' }, 400, '0x80040239');
      const r = await call('POST', `${s.root}${SET}`, { msdyn_clienttimestamp: '2024-05-01T10:20:30.789-05:00', overriddencreatedon: '2024-05-01' }, { Prefer: 'return=representation' });
      expect(r.json.msdyn_clienttimestamp).to.equal('2024-05-01T15:20:30Z');
      expect(r.json.createdon).to.equal('2024-05-01T00:00:00Z');
      // Offsets past ±14:00 (or minutes past 59) are no offsets.
      for (const when of ['2024-05-01T10:00:00+99:99', '2024-05-01T10:00:00+14:01', '2024-05-01T10:00:00-10:60']) {
        await expectError({ msdyn_clienttimestamp: when }, 400, '0x80048d19', /Cannot convert the literal/);
      }
      expect((await call('POST', `${s.root}${SET}`, { msdyn_clienttimestamp: '2024-05-01T10:00:00+14:00' }, { Prefer: 'return=representation' })).json.msdyn_clienttimestamp).to.equal('2024-04-30T20:00:00Z');
    });

    it('takes overriddencreatedon as a migrated row\'s createdon, and stamps overriddencreatedon with the time of the migration', async () => {
      const before = Date.now() - 2000;
      const r = await call('POST', `${s.root}${SET}`, { msdyn_name: 'migrated', overriddencreatedon: '2019-03-01T08:30:00Z' }, { Prefer: 'return=representation' });
      expect(r.status, r.text).to.equal(201);
      expect(r.json.createdon).to.equal('2019-03-01T08:30:00Z');
      expect(Date.parse(r.json.overriddencreatedon)).to.be.within(before, Date.now() + 2000);
      expect(r.json.modifiedon).to.equal(r.json.overriddencreatedon);
      const plain = await call('POST', `${s.root}${SET}`, { msdyn_name: 'new' }, { Prefer: 'return=representation' });
      expect(plain.json.overriddencreatedon).to.equal(null);
      expect(plain.json.createdon).to.equal(plain.json.modifiedon);
      const bulk = await call('POST', `${s.root}${SET}/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [{ '@odata.type': 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction', msdyn_name: 'migrated too', overriddencreatedon: '2018-01-02T03:04:05Z' }] });
      expect(bulk.status, bulk.text).to.equal(200);
      const row = await call('GET', `${s.root}${SET}(${bulk.json.Ids[0]})?$select=createdon,overriddencreatedon`);
      expect(row.json.createdon).to.equal('2018-01-02T03:04:05Z');
      expect(row.json.overriddencreatedon).to.not.equal(null);
    });

    it('rejects null for a SystemRequired column, accepts null for others', async () => {
      const id = (await call('POST', `${s.root}${SET}`, { msdyn_name: 'n' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid;
      const r = await call('PATCH', `${s.root}${SET}(${id})`, { statecode: null });
      expect(r.status).to.equal(400);
      expect(r.json.error.code).to.equal('0x80040203');
      const ok = await call('PATCH', `${s.root}${SET}(${id})`, { msdyn_name: null }, { Prefer: 'return=representation' });
      expect(ok.json.msdyn_name).to.equal(null);
    });

    it('stores an empty text as null, as Dataverse does, on create and update', async () => {
      const created = await call('POST', `${s.root}${SET}`, { msdyn_name: '', msdyn_interactioncontext: '' }, { Prefer: 'return=representation' });
      expect(created.status, created.text).to.equal(201);
      expect(created.json).to.include({ msdyn_name: null, msdyn_interactioncontext: null });
      const id = created.json.msdyn_copilotinteractionid;
      const found = await call('GET', `${s.root}${SET}?$select=msdyn_name&$filter=msdyn_copilotinteractionid eq ${id} and msdyn_name eq null`);
      expect(found.json.value).to.have.length(1);
      expect((await call('PATCH', `${s.root}${SET}(${id})`, { msdyn_name: 'named' })).status).to.equal(204);
      const cleared = await call('PATCH', `${s.root}${SET}(${id})`, { msdyn_name: '' }, { Prefer: 'return=representation' });
      expect(cleared.json.msdyn_name).to.equal(null);
    });

    it('does not enforce ApplicationRequired (Dataverse does not)', async () => {
      expect((await post({})).status).to.equal(204);
    });

    it('checks @odata.type and rejects values on navigation properties and binds to unknown properties', async () => {
      expect((await post({ '@odata.type': 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction', msdyn_name: 't' })).status).to.equal(204);
      await expectError({ '@odata.type': 'Microsoft.Dynamics.CRM.account' }, 400, '0x80048d19');
      await expectError({ msdyn_interactiondataid: randomUUID() }, 400, '0x80048d19');
      await expectError({ 'msdyn_nope@odata.bind': '/msdyn_copilotinteractiondatas(00000000-0000-0000-0000-000000000001)' }, 400, '0x80048d19', /undeclared property 'msdyn_nope'/);
    });

    it('refuses bodies nested more than 100 levels deep with 400, on writes and messages alike, and accepts 100', async () => {
      const nested = (levels: number) => `{"msdyn_name":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
      const deep = nested(5000);
      const before = (await call('GET', `${s.root}${SET}/$count`)).text;
      for (const [method, url, body] of [
        ['POST', `${s.root}${SET}`, deep],
        ['PATCH', `${s.root}${SET}(${randomUUID()})`, deep],
        ['POST', `${s.root}${SET}/Microsoft.Dynamics.CRM.CreateMultiple`, `{"Targets":[${deep}]}`],
        ['POST', `${s.root}${SET}/Microsoft.Dynamics.CRM.UpsertMultiple`, `{"Targets":[${deep}]}`],
      ] as const) {
        const r = await call(method, url, body);
        expect(r.status, `${method} ${url}`).to.equal(400);
        expect(r.json.error.message).to.contain('more than 100 levels deep');
      }
      expect((await call('GET', `${s.root}${SET}/$count`)).text).to.equal(before);
      // 100 levels is within the limit: the body is read and judged on its values instead.
      const r = await call('POST', `${s.root}${SET}`, nested(100));
      expect(r.status).to.equal(400);
      expect(r.json.error.code).to.equal('0x80048d19');
      expect(r.json.error.message).to.not.contain('levels deep');
    });

    it('makes no partial write when validation fails', async () => {
      const before = (await call('GET', `${s.root}${SET}/$count`)).text;
      await expectError({ msdyn_name: 'ok', msdyn_interactiontype: 5 }, 400, '0x8004431A');
      expect((await call('GET', `${s.root}${SET}/$count`)).text).to.equal(before);
    });

    it('answers 413 for a body over the limit', async () => {
      const r = await post({ msdyn_interactioncontext: 'x'.repeat(33 * 1024 * 1024) });
      expect(r.status).to.equal(413);
      expect(r.json.error.code).to.equal('0x8004418A');
    });

    it('reads bodies in the charset of their Content-Type, with or without a byte order mark', async () => {
      const name = 'Zoë — ünïcode ✓';
      const send = async (bytes: Buffer, contentType: string) => {
        const res = await fetch(`${s.root}${SET}`, { method: 'POST', body: new Blob([new Uint8Array(bytes)]), headers: { 'Content-Type': contentType, Prefer: 'return=representation' } });
        return { status: res.status, json: await res.json() as any };
      };
      const json = JSON.stringify({ msdyn_name: name });
      const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]);
      for (const [bytes, type] of [[Buffer.from(json), 'application/json'], [bom, 'application/json; charset=utf-8'], [Buffer.from(json, 'utf16le'), 'application/json; charset="UTF-16LE"']] as const) {
        const r = await send(bytes, type);
        expect(r.status, `${type}: ${JSON.stringify(r.json)}`).to.equal(201);
        expect(r.json.msdyn_name).to.equal(name);
      }
      const latin1 = await send(Buffer.from(JSON.stringify({ msdyn_name: 'café' }), 'latin1'), 'application/json;charset=ISO-8859-1');
      expect(latin1.json.msdyn_name).to.equal('café');
      const unknown = await send(Buffer.from(json), 'application/json; charset=klingon');
      expect(unknown.status).to.equal(400);
      expect(unknown.json.error.message).to.equal('The request body could not be read (charset.unsupported).');
    });
  });
}

describe('unexpected faults', () => {
  it('are logged and answered 500 with a generic message, never a stack trace', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    class Broken extends SqliteDatabase {
      broken = false;
      override async rows(stmt: Statement): Promise<unknown[][]> {
        if (this.broken) throw new Error('disk on fire at /secret/path');
        return super.rows(stmt);
      }
    }
    const dir = tempDir('tessera-fault-');
    const db = new Broken(join(dir, 'db.sqlite'));
    const logged: unknown[] = [];
    try {
      const service = await Service.open(loadModel(SHIPPED_METADATA), db, { error: (obj) => logged.push(obj) });
      db.broken = true;
      const res = await service.handle({ method: 'GET', url: `/api/data/v9.2/${SET}`, headers: {}, origin: 'http://t' });
      expect(res.status).to.equal(500);
      expect(JSON.parse(res.body!)).to.deep.equal({ error: { code: '0x80040216', message: 'An unexpected error occurred.' } });
      expect(res.headers['OData-Version']).to.equal('4.0');
      expect(logged).to.have.length(1);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
