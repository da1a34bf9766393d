import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { planUpdate } from '../src/plan/write.js';
import { SYSTEM_CALLER } from '../src/service.js';
import { writeIn } from '../src/store/execute.js';
import { DATABASES, call, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

for (const database of DATABASES) {
  describe(`create, retrieve, update, delete [${database.name}]`, () => {
    let s: TestServer;
    let url: (id?: string) => string;
    before(async () => {
      s = await startServer(undefined, database);
      url = (id) => `${s.root}${SET}${id ? `(${id})` : ''}`;
    });
    after(async () => { await s.close(); });

    async function create(body: Record<string, unknown>): Promise<string> {
      const r = await call('POST', url(), body);
      expect(r.status, r.text).to.equal(204);
      return /\(([0-9a-f-]{36})\)$/.exec(r.headers.get('odata-entityid')!)![1]!;
    }

    describe('POST', () => {
      it('gives new rows time-ordered (version 7) ids', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push(/\(([0-9a-f-]{36})\)$/.exec((await call('POST', url(), { msdyn_name: `seq ${i}` })).headers.get('odata-entityid')!)![1]!);
        await new Promise((r) => setTimeout(r, 2));
      }
      expect([...ids].sort()).to.deep.equal(ids);
      const stamp = parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16);
      expect(Math.abs(stamp - Date.now())).to.be.below(60000);
    });

    it('creates a row: 204 with OData-EntityId and no body', async () => {
        const r = await call('POST', url(), { msdyn_name: 'first', msdyn_interactiontype: 100230301 });
        expect(r.status).to.equal(204);
        expect(r.text).to.equal('');
        expect(r.headers.get('odata-version')).to.equal('4.0');
        expect(r.headers.get('odata-entityid')).to.match(new RegExp(`^${s.root.replace(/[.]/g, '\\.')}${SET}\\([0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\)$`));
      });

      it('returns the row with Prefer: return=representation (201) and honours $select', async () => {
        const r = await call('POST', `${url()}?$select=msdyn_name,statecode`, { msdyn_name: 'rep' }, { Prefer: 'return=representation' });
        expect(r.status).to.equal(201);
        expect(r.headers.get('preference-applied')).to.equal('return=representation');
        expect(Object.keys(r.json)).to.deep.equal(['@odata.context', '@odata.etag', 'msdyn_name', 'statecode', 'msdyn_copilotinteractionid']);
        expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#${SET}(msdyn_name,statecode)/$entity`);
        expect(r.json).to.include({ msdyn_name: 'rep', statecode: 0 });
        expect(r.json['@odata.etag']).to.match(/^W\/"\d+"$/);
      });

      it('stamps system columns: ids, created/modified on/by, organization, version, state', async () => {
        const r = await call('POST', url(), { msdyn_name: 'sys' }, { Prefer: 'return=representation' });
        const row = r.json;
        expect(row.createdon).to.match(ISO_SECONDS);
        expect(row.modifiedon).to.equal(row.createdon);
        expect(row._createdby_value).to.equal(s.service.caller.systemuserid);
        expect(row._modifiedby_value).to.equal(s.service.caller.systemuserid);
        expect(row._organizationid_value).to.equal(s.service.caller.organizationid);
        expect(row.statecode).to.equal(0);
        expect(row.statuscode).to.equal(1);
        expect(row['@odata.etag']).to.equal(`W/"${row.versionnumber}"`);
        expect(row.createdbyname, 'computed name columns are not properties').to.equal(undefined);
      });

      it('silently ignores columns that are not valid for create', async () => {
        const r = await call('POST', url(), { msdyn_name: 'ignored', createdon: '2001-01-01T00:00:00Z', versionnumber: 5, statecode: 1 }, { Prefer: 'return=representation' });
        expect(r.status).to.equal(201);
        expect(r.json.createdon).to.not.equal('2001-01-01T00:00:00Z');
        expect(r.json.statecode).to.equal(0);
        expect(r.json.versionnumber).to.not.equal(5);
        // Their values are still read as their types first, as Dataverse's OData reader does; the
        // columns' own limits (a state that is no option) are not checked.
        for (const body of [{ createdon: 5 }, { versionnumber: 'abc' }, { statecode: 'Active' }]) {
          const bad = await call('POST', url(), { msdyn_name: 'wrong-typed', ...body });
          expect(bad.status, JSON.stringify(body)).to.equal(400);
          expect(bad.json.error.code).to.equal('0x80048d19');
          expect(bad.json.error.message).to.contain('Cannot convert the literal');
        }
        expect((await call('GET', `${url()}?$filter=msdyn_name eq 'wrong-typed'`)).json.value).to.deep.equal([]);
        expect((await call('POST', url(), { msdyn_name: 'unchecked', statecode: 99, createdon: null })).status).to.equal(204);
      });

      it('accepts a client-supplied primary key, lower-cased, and rejects a duplicate with 412 0x80040237', async () => {
        const id = randomUUID().toUpperCase();
        const r = await call('POST', url(), { msdyn_copilotinteractionid: id, msdyn_name: 'mine' });
        expect(r.status).to.equal(204);
        expect(r.headers.get('odata-entityid')).to.equal(`${url(id.toLowerCase())}`);
        const again = await call('POST', url(), { msdyn_copilotinteractionid: id, msdyn_name: 'again' });
        expect(again.status).to.equal(412);
        expect(again.json).to.deep.equal({ error: { code: '0x80040237', message: 'A record with matching key values already exists.' } });
      });

      it('writes a statuscode of the Active state on create, and refuses one of another state', async () => {
        const bad = await call('POST', url(), { msdyn_name: 'st', statuscode: 2 });
        expect(bad.status).to.equal(400);
        expect(bad.json.error.code).to.equal('0x80048408');
      });

      it('sets and clears a lookup with @odata.bind and exposes it as _x_value', async () => {
        const data = await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'payload' }, { Prefer: 'return=representation' });
        const dataId = data.json.msdyn_copilotinteractiondataid;
        const r = await call('POST', url(), { msdyn_name: 'bound', 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${dataId})` }, { Prefer: 'return=representation' });
        expect(r.status, r.text).to.equal(201);
        expect(r.json._msdyn_interactiondataid_value).to.equal(dataId);
        const id = r.json.msdyn_copilotinteractionid;
        const cleared = await call('PATCH', url(id), { 'msdyn_interactiondataid@odata.bind': null }, { Prefer: 'return=representation' });
        expect(cleared.json._msdyn_interactiondataid_value).to.equal(null);
        const missing = await call('POST', url(), { 'msdyn_interactiondataid@odata.bind': `msdyn_copilotinteractiondatas(${randomUUID()})` });
        expect(missing.status).to.equal(404);
        expect(missing.json.error.code).to.equal('0x80040217');
        const wrongSet = await call('POST', url(), { 'msdyn_interactiondataid@odata.bind': `/systemusers(${dataId})` });
        expect(wrongSet.status).to.equal(400);
        expect(wrongSet.json.error.code).to.equal('0x80090800');
        const direct = await call('POST', url(), { _msdyn_interactiondataid_value: dataId });
        expect(direct.status).to.equal(400);
      });
    });

    describe('GET by key', () => {
      it('retrieves a row with ETag, context and $select', async () => {
        const id = await create({ msdyn_name: 'get me', msdyn_scenariotype: 100230203 });
        const r = await call('GET', `${url(id)}?$select=msdyn_name,msdyn_scenariotype`);
        expect(r.status).to.equal(200);
        expect(r.json).to.deep.equal({
          '@odata.context': `${s.root}$metadata#${SET}(msdyn_name,msdyn_scenariotype)/$entity`,
          '@odata.etag': r.headers.get('etag'),
          msdyn_name: 'get me', msdyn_scenariotype: 100230203, msdyn_copilotinteractionid: id,
        });
        const all = await call('GET', url(id));
        expect(all.json['@odata.context']).to.equal(`${s.root}$metadata#${SET}/$entity`);
        expect(all.json).to.have.property('msdyn_interactioncontext', null);
        expect(all.json).to.have.property('_msdyn_interactiondataid_value', null);
      });

      it('accepts an upper-case key and braces, answers 404 0x80040217 for a missing row', async () => {
        const id = await create({ msdyn_name: 'case' });
        expect((await call('GET', url(id.toUpperCase()))).status).to.equal(200);
        const missing = randomUUID();
        const r = await call('GET', url(missing));
        expect(r.status).to.equal(404);
        expect(r.json).to.deep.equal({ error: { code: '0x80040217', message: `msdyn_copilotinteraction With Id = ${missing} Does Not Exist` } });
      });

      it('answers 304 to If-None-Match with the current ETag', async () => {
        const id = await create({ msdyn_name: 'cond' });
        const first = await call('GET', url(id));
        const again = await call('GET', url(id), undefined, { 'If-None-Match': first.headers.get('etag')! });
        expect(again.status).to.equal(304);
        expect((await call('GET', url(id), undefined, { 'If-None-Match': 'null' })).status).to.equal(200);
      });

      it('rejects a key that is not a GUID and an unknown $select name', async () => {
        expect((await call('GET', url('12'))).status, 'not a GUID, and the table has no alternate key').to.equal(400);
        const id = await create({ msdyn_name: 'x' });
        const r = await call('GET', `${url(id)}?$select=msdyn_nope`);
        expect(r.status).to.equal(400);
        expect(r.json.error.message).to.equal("Could not find a property named 'msdyn_nope' on type 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction'.");
        expect((await call('GET', `${url(id)}?$select=createdbyname`)).status).to.equal(400);
        expect((await call('GET', `${url(id)}?$select=msdyn_interactiondataid`)).status).to.equal(400);
      });
    });

    describe('PATCH', () => {
      it('updates only the sent columns, bumps versionnumber and modifiedon', async () => {
        const before = (await call('POST', url(), { msdyn_name: 'old', msdyn_interactionforid: 'keep' }, { Prefer: 'return=representation' })).json;
        const r = await call('PATCH', url(before.msdyn_copilotinteractionid), { msdyn_name: 'new' }, { 'If-Match': '*' });
        expect(r.status).to.equal(204);
        const after = (await call('GET', url(before.msdyn_copilotinteractionid))).json;
        expect(after).to.include({ msdyn_name: 'new', msdyn_interactionforid: 'keep', createdon: before.createdon });
        expect(after.versionnumber).to.be.greaterThan(before.versionnumber);
        expect(after.modifiedon >= before.modifiedon).to.equal(true);
      });

      it('answers 412 0x80060892 when an update gives a row an alternate key another row has, on every update path', async () => {
        const keyed = (id: string) => `${s.root}retentionconfigs(uniquename='${id}')`;
        const config = { name: 'a', entitylogicalname: 'msdyn_copilotinteraction', criteria: '<fetch><entity name="msdyn_copilotinteraction"/></fetch>' };
        for (const key of ['k-one', 'k-two']) expect((await call('PATCH', keyed(key), config)).status).to.equal(204);
        const one = (await call('GET', `${keyed('k-one')}?$select=retentionconfigid`)).json.retentionconfigid as string;
        // (An update by the key itself leaves the key alone: test/upsert-key.test.ts.)
        const attempts = [
          await call('PATCH', `${s.root}retentionconfigs(${one})`, { uniquename: 'k-two' }),
          await call('PUT', `${s.root}retentionconfigs(${one})/uniquename`, { value: 'k-two' }),
          await call('POST', `${s.root}retentionconfigs/Microsoft.Dynamics.CRM.UpdateMultiple`, { Targets: [{ '@odata.type': 'Microsoft.Dynamics.CRM.retentionconfig', retentionconfigid: one, uniquename: 'k-two' }] }),
        ];
        for (const r of attempts) {
          expect(r.status, r.text).to.equal(412);
          expect(r.json.error.code).to.equal('0x80060892');
          expect(r.json.error.message).to.match(/(^|: )Entity Key retentionconfig_uniquename violated\. A record with the same value for uniquename already exists\. A duplicate record cannot be created\. Select one or more unique values and try again\.$/);
        }
        expect((await call('GET', `${keyed('k-one')}?$select=uniquename`)).json.uniquename).to.equal('k-one');
      });

      it('answers every concurrent upsert of one new row 204: the ones that lose the race update the row', async () => {
        for (let round = 0; round < 5; round++) {
          const id = randomUUID();
          const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => call('PATCH', url(id), { msdyn_name: `racer ${i}` })));
          expect(answers.map((r) => r.status), answers.map((r) => r.text).join(' ')).to.deep.equal(Array(16).fill(204));
          expect((await call('GET', `${url()}?$select=msdyn_name&$filter=msdyn_copilotinteractionid eq ${id}`)).json.value).to.have.length(1);
        }
      });

      it('gives an update that waited for another writer of its row a later row version than that writer\'s', async () => {
        const id = await create({ msdyn_name: 'contended' });
        const entity = s.service.model.byEntitySetName.get(SET)!;
        let waiting: Promise<Awaited<ReturnType<typeof call>>> | undefined;
        let held = 0;
        await s.db.transaction(async (tx) => {
          // PostgreSQL: this transaction holds the row while the PATCH reserves its version and
          // waits for it; SQLite: writes take turns, so the PATCH waits for this whole transaction.
          if (database.name === 'postgres') await tx.rows({ sql: 'SELECT 1 FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = $1 FOR UPDATE', params: [id] });
          waiting = call('PATCH', url(id), { msdyn_name: 'waited' }, { 'If-Match': '*' });
          for (let i = 0; i < 100; i++) {
            await new Promise((r) => setTimeout(r, 20));
            if (database.name !== 'postgres') break;
            const [[n]] = await s.db.rows({ sql: "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE \"msdyn_copilotinteraction\"%'", params: [] }) as [[string]];
            if (Number(n) > 0) break;
          }
          await writeIn(tx, s.db, planUpdate(s.service.model, entity, id, { msdyn_name: 'held' }, SYSTEM_CALLER, '*', undefined));
          const [[v]] = await tx.rows({ sql: `SELECT "versionnumber" FROM "msdyn_copilotinteraction" WHERE "msdyn_copilotinteractionid" = ${database.name === 'postgres' ? '$1' : '?'}`, params: [id] }) as [[number | string]];
          held = Number(v);
        });
        expect((await waiting!).status).to.equal(204);
        const after = (await call('GET', `${url(id)}?$select=msdyn_name,versionnumber`)).json;
        expect(after.msdyn_name).to.equal('waited');
        expect(after.versionnumber).to.be.above(held);
      });

      it('returns the row with Prefer: return=representation (200)', async () => {
        const id = await create({ msdyn_name: 'r' });
        const r = await call('PATCH', `${url(id)}?$select=msdyn_name`, { msdyn_name: 'r2' }, { Prefer: 'return=representation', 'If-Match': '*' });
        expect(r.status).to.equal(200);
        expect(r.json).to.include({ msdyn_name: 'r2', msdyn_copilotinteractionid: id });
        expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#${SET}(msdyn_name)/$entity`);
      });

      it('upserts: without If-Match a missing row is created (201 with representation)', async () => {
        const id = randomUUID();
        const r = await call('PATCH', url(id), { msdyn_name: 'upserted' }, { Prefer: 'return=representation' });
        expect(r.status).to.equal(201);
        expect(r.json).to.include({ msdyn_name: 'upserted', msdyn_copilotinteractionid: id, statecode: 0, statuscode: 1 });
        const id2 = randomUUID();
        const plain = await call('PATCH', url(id2), { msdyn_name: 'upserted2' });
        expect(plain.status).to.equal(204);
        expect(plain.headers.get('odata-entityid')).to.equal(url(id2));
        expect((await call('GET', url(id2))).json.msdyn_name).to.equal('upserted2');
      });

      it('If-Match: * updates only: a missing row is 404 and is not created', async () => {
        const id = randomUUID();
        const r = await call('PATCH', url(id), { msdyn_name: 'no' }, { 'If-Match': '*' });
        expect(r.status).to.equal(404);
        expect(r.json.error.code).to.equal('0x80040217');
        expect((await call('GET', url(id))).status).to.equal(404);
      });

      it('If-Match with a stale version is 412 0x80060882 and changes nothing; the current version succeeds', async () => {
        const created = (await call('POST', url(), { msdyn_name: 'v1' }, { Prefer: 'return=representation' })).json;
        const id = created.msdyn_copilotinteractionid;
        const etag = created['@odata.etag'];
        expect((await call('PATCH', url(id), { msdyn_name: 'v2' }, { 'If-Match': etag })).status).to.equal(204);
        const stale = await call('PATCH', url(id), { msdyn_name: 'v3' }, { 'If-Match': etag });
        expect(stale.status).to.equal(412);
        expect(stale.json).to.deep.equal({ error: { code: '0x80060882', message: "The version of the existing record doesn't match the RowVersion property provided." } });
        expect((await call('GET', url(id))).json.msdyn_name).to.equal('v2');
        expect((await call('PATCH', url(randomUUID()), { msdyn_name: 'x' }, { 'If-Match': etag })).status).to.equal(404);
        // Versions no row has, past 2^53: 412 too, on every write that takes If-Match.
        for (const huge of ['W/"9223372036854775807"', 'W/"99999999999999999999"']) {
          for (const [method, path, body] of [['PATCH', url(id), { msdyn_name: 'v4' }], ['PUT', `${url(id)}/msdyn_name`, { value: 'v4' }], ['DELETE', url(id), undefined]] as const) {
            const r = await call(method, path, body, { 'If-Match': huge });
            expect(r.status, `${method} ${huge}: ${r.text}`).to.equal(412);
            expect(r.json.error.code).to.equal('0x80060882');
          }
        }
        expect((await call('GET', url(id))).json.msdyn_name).to.equal('v2');
      });

      it('If-None-Match: * creates only: an existing row is 412 0x80040237', async () => {
        const id = await create({ msdyn_name: 'exists' });
        const r = await call('PATCH', url(id), { msdyn_name: 'dup' }, { 'If-None-Match': '*' });
        expect(r.status).to.equal(412);
        expect(r.json.error.code).to.equal('0x80040237');
        const fresh = randomUUID();
        expect((await call('PATCH', url(fresh), { msdyn_name: 'fresh' }, { 'If-None-Match': '*' })).status).to.equal(204);
        expect((await call('GET', url(id))).json.msdyn_name).to.equal('exists');
      });

      it('ignores columns not valid for update', async () => {
        const created = (await call('POST', url(), { msdyn_name: 'imm', importsequencenumber: 7 }, { Prefer: 'return=representation' })).json;
        const r = await call('PATCH', url(created.msdyn_copilotinteractionid), { importsequencenumber: 9, createdon: '2000-01-01T00:00:00Z', msdyn_copilotinteractionid: randomUUID() }, { Prefer: 'return=representation', 'If-Match': '*' });
        expect(r.status).to.equal(200);
        expect(r.json).to.include({ importsequencenumber: 7, createdon: created.createdon, msdyn_copilotinteractionid: created.msdyn_copilotinteractionid });
        const bad = await call('PATCH', url(created.msdyn_copilotinteractionid), { msdyn_name: 'changed', createdon: true }, { 'If-Match': '*' });
        expect(bad.status).to.equal(400);
        expect(bad.json.error.code).to.equal('0x80048d19');
        expect((await call('GET', url(created.msdyn_copilotinteractionid))).json.msdyn_name).to.equal('imm');
      });
    });

    describe('state changes (SetState via PATCH)', () => {
      it('changes statecode and statuscode together, with or without If-Match', async () => {
        const id = await create({ msdyn_name: 'state' });
        const r = await call('PATCH', url(id), { statecode: 1, statuscode: 2 }, { Prefer: 'return=representation', 'If-Match': '*' });
        expect(r.json).to.include({ statecode: 1, statuscode: 2 });
        const id2 = await create({ msdyn_name: 'state upsert' });
        const r2 = await call('PATCH', url(id2), { statecode: 1, statuscode: 2 }, { Prefer: 'return=representation' });
        expect(r2.status, r2.text).to.equal(200);
        expect(r2.json).to.include({ statecode: 1, statuscode: 2 });
        const missing = randomUUID();
        const r3 = await call('PATCH', url(missing), { statuscode: 2 });
        expect(r3.status, 'an upsert that would create an Inactive row').to.equal(400);
        expect(r3.json.error.code).to.equal('0x80048408');
        expect((await call('GET', url(missing))).status).to.equal(404);
      });

      it('gives statecode alone its DefaultStatus', async () => {
        const id = await create({ msdyn_name: 'state2' });
        expect((await call('PATCH', url(id), { statecode: 1 }, { Prefer: 'return=representation' })).json).to.include({ statecode: 1, statuscode: 2 });
        expect((await call('PATCH', url(id), { statecode: 0 }, { Prefer: 'return=representation' })).json).to.include({ statecode: 0, statuscode: 1 });
      });

      it('refuses a statuscode of another state with 400 0x80048408, sent with or without statecode', async () => {
        const id = await create({ msdyn_name: 'state3' });
        const both = await call('PATCH', url(id), { statecode: 1, statuscode: 1 });
        expect(both.status).to.equal(400);
        expect(both.json.error.code).to.equal('0x80048408');
        const alone = await call('PATCH', url(id), { statuscode: 2 }, { 'If-Match': '*' });
        expect(alone.status).to.equal(400);
        expect(alone.json.error.code).to.equal('0x80048408');
        expect(alone.json.error.message).to.equal(`2 is not a valid status code for state code msdyn_copilotinteractionState.Active on msdyn_copilotinteraction with Id ${id}.`);
        const row = (await call('GET', url(id))).json;
        expect(row).to.include({ statecode: 0, statuscode: 1 });
        expect((await call('PATCH', url(id), { statuscode: 1 })).status).to.equal(204);
        // No status at all is no status of the row's state either, whichever way it is cleared.
        for (const cleared of [() => call('PATCH', url(id), { statuscode: null }, { 'If-Match': '*' }), () => call('DELETE', `${url(id)}/statuscode`)]) {
          const r = await cleared();
          expect(r.status, r.text).to.equal(400);
          expect(r.json.error).to.deep.equal({ code: '0x80048408', message: `null is not a valid status code for state code msdyn_copilotinteractionState.Active on msdyn_copilotinteraction with Id ${id}.` });
        }
        expect((await call('GET', url(id))).json).to.include({ statecode: 0, statuscode: 1 });
        // With statecode, a null statuscode is that state's default status.
        expect((await call('PATCH', url(id), { statecode: 1, statuscode: null })).status).to.equal(204);
        expect((await call('GET', url(id))).json).to.include({ statecode: 1, statuscode: 2 });
      });

      it('refuses an unknown state or status value with 400 0x8004431A', async () => {
        const id = await create({ msdyn_name: 'state4' });
        for (const body of [{ statecode: 5 }, { statuscode: 9 }]) {
          const r = await call('PATCH', url(id), body);
          expect(r.status).to.equal(400);
          expect(r.json.error.code).to.equal('0x8004431A');
        }
      });
    });

    describe('DELETE', () => {
      it('deletes a row (204), then it is gone (404)', async () => {
        const id = await create({ msdyn_name: 'bye' });
        const r = await call('DELETE', url(id));
        expect(r.status).to.equal(204);
        expect((await call('GET', url(id))).status).to.equal(404);
        const again = await call('DELETE', url(id));
        expect(again.status).to.equal(404);
        expect(again.json.error.code).to.equal('0x80040217');
      });

      it('honours If-Match: stale → 412 and the row stays; current → deleted', async () => {
        const created = (await call('POST', url(), { msdyn_name: 'guarded' }, { Prefer: 'return=representation' })).json;
        const id = created.msdyn_copilotinteractionid;
        await call('PATCH', url(id), { msdyn_name: 'changed' });
        const stale = await call('DELETE', url(id), undefined, { 'If-Match': created['@odata.etag'] });
        expect(stale.status).to.equal(412);
        expect(stale.json.error.code).to.equal('0x80060882');
        const current = (await call('GET', url(id))).headers.get('etag')!;
        expect((await call('DELETE', url(id), undefined, { 'If-Match': current })).status).to.equal(204);
      });

      it('refuses PATCH/DELETE on a collection with 405, its Allow header naming the methods there are', async () => {
        for (const [method, target, allow] of [['DELETE', url(), 'GET, HEAD, POST'], ['PATCH', url(), 'GET, HEAD, POST'], ['PUT', url(randomUUID()), 'GET, HEAD, PATCH, DELETE']] as const) {
          const r = await call(method, target, method === 'DELETE' ? undefined : {});
          expect(r.status, method).to.equal(405);
          expect(r.headers.get('allow'), method).to.equal(allow);
          expect(r.json.error.code, method).to.equal('0x80060888');
        }
      });
    });
  });
}
