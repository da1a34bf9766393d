import { expect } from 'chai';
import { DynamicsWebApi, type RequestError } from 'dynamics-web-api';
import { DATABASES, call, startServer, type TestServer } from './support/server.js';

/**
 * Drives Tessera with the unmodified `dynamics-web-api` npm client (v2), the way a real
 * integration would: serverUrl = the server's origin, dataApi version 9.2, no auth.
 */

const SET = 'msdyn_copilotinteractions';
const PK = 'msdyn_copilotinteractionid';
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Picklist values from metadata/msdyn_copilotinteraction.json. */
const ITYPE_A = 100230301;
const ITYPE_B = 100230302;
const STYPE = 100230201;

/** A row with every ApplicationRequired column set. */
function row(name: string, interactiontype = ITYPE_A, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    msdyn_name: name,
    msdyn_interactiontype: interactiontype,
    msdyn_scenariotype: STYPE,
    msdyn_scenariorequestid: `req-${name}`,
    ...extra,
  };
}

function client(s: TestServer): DynamicsWebApi {
  return new DynamicsWebApi({ serverUrl: s.origin, dataApi: { version: '9.2' } });
}

/** Awaits a promise that must reject; returns the client's RequestError. */
async function rejection(p: Promise<unknown>): Promise<RequestError> {
  try {
    const v = await p;
    expect.fail(`expected a rejection, got ${JSON.stringify(v)}`);
  } catch (e) {
    if ((e as Error).name === 'AssertionError') throw e;
    return e as RequestError;
  }
  throw new Error('unreachable');
}

/** Checks, with raw HTTP (independent of the client), whether a row exists. */
async function exists(s: TestServer, id: string): Promise<boolean> {
  const r = await call('GET', `${s.root}${SET}(${id})?$select=msdyn_name`);
  if (r.status === 404) return false;
  expect(r.status).to.equal(200);
  return true;
}

for (const database of DATABASES) {
  describe(`dynamics-web-api client: create and retrieve [${database.name}]`, () => {
    let s: TestServer;
    let api: DynamicsWebApi;
    before(async () => { s = await startServer(undefined, database); api = client(s); });
    after(async () => { await s.close(); });

    it('create returns the new id parsed from OData-EntityId', async () => {
      const id: unknown = await api.create({ collection: SET, data: row('dwa-create-1') });
      expect(id).to.be.a('string').and.match(GUID_RE);
      const r = await call('GET', `${s.root}${SET}(${id as string})?$select=msdyn_name,msdyn_interactiontype`);
      expect(r.status).to.equal(200);
      expect(r.json.msdyn_name).to.equal('dwa-create-1');
      expect(r.json.msdyn_interactiontype).to.equal(ITYPE_A);
      expect(r.json[PK]).to.equal((id as string).toLowerCase());
    });

    it('create with returnRepresentation returns the row with the sent fields and @odata.etag', async () => {
      const data = row('dwa-create-rep', ITYPE_B, { msdyn_interactionforid: 'for-1', msdyn_interactioncontext: 'ctx text' });
      const rec = await api.create<typeof data, Record<string, any>>({ collection: SET, data, returnRepresentation: true });
      expect(rec).to.be.an('object');
      expect(rec[PK]).to.be.a('string').and.match(GUID_RE);
      expect(rec['@odata.etag']).to.be.a('string').and.match(/^W\/"\d+"$/);
      expect(rec.msdyn_name).to.equal('dwa-create-rep');
      expect(rec.msdyn_interactiontype).to.equal(ITYPE_B);
      expect(rec.msdyn_scenariotype).to.equal(STYPE);
      expect(rec.msdyn_scenariorequestid).to.equal('req-dwa-create-rep');
      expect(rec.msdyn_interactionforid).to.equal('for-1');
      expect(rec.msdyn_interactioncontext).to.equal('ctx text');
      expect(rec.statecode).to.equal(0);
      expect(rec.statuscode).to.equal(1);
      expect(await exists(s, rec[PK])).to.equal(true);
    });

    it('retrieve with select returns only the selected columns, the primary key and @odata.etag', async () => {
      const id: string = await api.create({ collection: SET, data: row('dwa-retrieve', ITYPE_B) });
      const rec = await api.retrieve({ collection: SET, key: id, select: ['msdyn_name', 'msdyn_interactiontype'] });
      const dataKeys = Object.keys(rec).filter((k) => !k.startsWith('@') && !k.startsWith('oData') && !k.includes('@'));
      expect(dataKeys.sort()).to.deep.equal(['msdyn_interactiontype', 'msdyn_name', PK].sort());
      expect(rec.msdyn_name).to.equal('dwa-retrieve');
      expect(rec.msdyn_interactiontype).to.equal(ITYPE_B);
      expect(rec[PK]).to.equal(id);
      expect(rec['@odata.etag']).to.be.a('string').and.match(/^W\/"\d+"$/);
      expect(rec.oDataContext).to.equal(`${s.root}$metadata#${SET}(msdyn_name,msdyn_interactiontype)/$entity`);
    });

    it('retrieve of a missing id rejects with status 404 and code 0x80040217', async () => {
      const missing = '00000000-0000-0000-0000-00000000abcd';
      const err = await rejection(api.retrieve({ collection: SET, key: missing, select: ['msdyn_name'] }));
      expect(err.status).to.equal(404);
      expect(err.code).to.equal('0x80040217');
      expect(err.message).to.equal(`msdyn_copilotinteraction With Id = ${missing} Does Not Exist`);
    });
  });

  describe(`dynamics-web-api client: retrieveMultiple [${database.name}]`, () => {
    let s: TestServer;
    let api: DynamicsWebApi;
    const ids = new Map<string, string>();
    before(async () => {
      s = await startServer(undefined, database);
      api = client(s);
      const rows: Array<[string, number]> = [
        ['Alpha query', ITYPE_A],
        ['Bravo query', ITYPE_B],
        ['Charlie query', ITYPE_A],
        ['Delta query', ITYPE_A],
        ['Echo other', ITYPE_A],
        ['Foxtrot query', ITYPE_A],
      ];
      for (const [name, t] of rows) ids.set(name, await api.create({ collection: SET, data: row(name, t) }));
    });
    after(async () => { await s.close(); });

    it('select + filter (contains, eq) + orderBy desc + count returns the exact rows in order with oDataCount', async () => {
      const res = await api.retrieveMultiple({
        collection: SET,
        select: ['msdyn_name', 'msdyn_interactiontype'],
        filter: `contains(msdyn_name,'query') and msdyn_interactiontype eq ${ITYPE_A}`,
        orderBy: ['msdyn_name desc'],
        count: true,
      });
      expect(res.value.map((r) => r.msdyn_name)).to.deep.equal(['Foxtrot query', 'Delta query', 'Charlie query', 'Alpha query']);
      expect(res.value.map((r) => r[PK])).to.deep.equal(
        ['Foxtrot query', 'Delta query', 'Charlie query', 'Alpha query'].map((n) => ids.get(n)),
      );
      for (const r of res.value) {
        expect(r.msdyn_interactiontype).to.equal(ITYPE_A);
        expect(r['@odata.etag']).to.match(/^W\/"\d+"$/);
        const dataKeys = Object.keys(r).filter((k) => !k.includes('@') && !k.startsWith('oData'));
        expect(dataKeys.sort()).to.deep.equal(['msdyn_interactiontype', 'msdyn_name', PK].sort());
      }
      expect(res.oDataCount).to.equal(4);
      expect(res.oDataNextLink).to.equal(undefined);
      expect(res.oDataContext).to.equal(`${s.root}$metadata#${SET}(msdyn_name,msdyn_interactiontype)`);
    });

    it('top limits the rows (after ordering), count still reports all matches', async () => {
      const res = await api.retrieveMultiple({
        collection: SET,
        select: ['msdyn_name'],
        filter: `contains(msdyn_name,'query')`,
        orderBy: ['msdyn_name desc'],
        top: 2,
        count: true,
      });
      expect(res.value.map((r) => r.msdyn_name)).to.deep.equal(['Foxtrot query', 'Delta query']);
      expect(res.oDataCount).to.equal(5);
      expect(res.oDataNextLink).to.equal(undefined);
    });

    it('filter with a quoted string containing an apostrophe (eq, doubled quote)', async () => {
      const id: string = await api.create({ collection: SET, data: row("O'Brien query", ITYPE_B) });
      const res = await api.retrieveMultiple({ collection: SET, select: ['msdyn_name'], filter: "msdyn_name eq 'O''Brien query'" });
      expect(res.value.map((r) => r[PK])).to.deep.equal([id]);
      expect(res.value[0].msdyn_name).to.equal("O'Brien query");
      await api.deleteRecord({ collection: SET, key: id });
    });
  });

  describe(`dynamics-web-api client: paging with maxPageSize [${database.name}]`, () => {
    let s: TestServer;
    let api: DynamicsWebApi;
    const MARKER = 'pg-marker';
    const N = 23;
    const PAGE = 5;
    /** Names in ascending order; created in a scrambled order so insertion order ≠ requested order. */
    const names: string[] = [];
    const idByName = new Map<string, string>();
    before(async () => {
      s = await startServer(undefined, database);
      api = client(s);
      for (let i = 0; i < N; i++) names.push(`${MARKER} ${String(i).padStart(2, '0')}`);
      const scrambled = names.map((n, i) => ({ n, k: (i * 7) % N })).sort((a, b) => a.k - b.k).map((x) => x.n);
      for (const n of scrambled) idByName.set(n, await api.create({ collection: SET, data: row(n) }));
      // Noise rows that the filter must exclude.
      await api.create({ collection: SET, data: row('unrelated 1') });
      await api.create({ collection: SET, data: row('unrelated 2') });
    });
    after(async () => { await s.close(); });

    const request = () => ({
      collection: SET,
      select: ['msdyn_name'],
      filter: `contains(msdyn_name,'${MARKER}')`,
      orderBy: ['msdyn_name asc'],
      maxPageSize: PAGE,
    });

    it('following oDataNextLink with retrieveMultiple(request, nextLink) visits every row once, in order', async () => {
      const seen: string[] = [];
      const pageSizes: number[] = [];
      let res = await api.retrieveMultiple(request());
      for (let guard = 0; ; guard++) {
        expect(guard, 'too many pages').to.be.lessThan(20);
        pageSizes.push(res.value.length);
        for (const r of res.value) {
          expect(r[PK]).to.equal(idByName.get(r.msdyn_name));
          seen.push(r.msdyn_name);
        }
        if (!res.oDataNextLink) break;
        expect(res.oDataNextLink.startsWith(s.root), `nextLink ${res.oDataNextLink} must start with ${s.root}`).to.equal(true);
        res = await api.retrieveMultiple(request(), res.oDataNextLink);
      }
      expect(pageSizes).to.deep.equal([5, 5, 5, 5, 3]);
      expect(seen).to.deep.equal(names);
      expect(new Set(seen).size).to.equal(N);
    });

    it('retrieveAll returns every row exactly once, in order', async () => {
      const all = await api.retrieveAll(request());
      const seen = all.value.map((r) => r.msdyn_name);
      expect(seen).to.deep.equal(names);
      expect(all.value.map((r) => r[PK])).to.deep.equal(names.map((n) => idByName.get(n)));
    });

    it('retrieveAll with orderBy desc returns every row once in descending order', async () => {
      const all = await api.retrieveAll({ ...request(), orderBy: ['msdyn_name desc'] });
      expect(all.value.map((r) => r.msdyn_name)).to.deep.equal([...names].reverse());
    });
  });

  describe(`dynamics-web-api client: paging when the sort column has ties [${database.name}]`, () => {
    let s: TestServer;
    let api: DynamicsWebApi;
    /** 12 rows, 6 per interaction type, so $orderby=msdyn_interactiontype has many equal values. */
    const byType = new Map<number, string[]>([[ITYPE_A, []], [ITYPE_B, []]]);
    before(async () => {
      s = await startServer(undefined, database);
      api = client(s);
      for (let i = 0; i < 12; i++) {
        const t = i % 2 ? ITYPE_A : ITYPE_B;
        byType.get(t)!.push(await api.create({ collection: SET, data: row(`tie ${i}`, t) }));
      }
    });
    after(async () => { await s.close(); });

    it('retrieveAll with orderBy on a non-unique column and maxPageSize returns every row exactly once', async () => {
      const all = await api.retrieveAll({
        collection: SET,
        select: ['msdyn_name', 'msdyn_interactiontype'],
        orderBy: ['msdyn_interactiontype desc'],
        maxPageSize: 5,
      });
      const ids = all.value.map((r) => r[PK] as string);
      expect(ids.length, `rows seen: ${JSON.stringify(all.value.map((r) => r.msdyn_name))}`).to.equal(12);
      expect(new Set(ids).size).to.equal(12);
      expect(all.value.map((r) => r.msdyn_interactiontype)).to.deep.equal([...Array(6).fill(ITYPE_B), ...Array(6).fill(ITYPE_A)]);
      expect([...ids.slice(0, 6)].sort()).to.deep.equal([...byType.get(ITYPE_B)!].sort());
      expect([...ids.slice(6)].sort()).to.deep.equal([...byType.get(ITYPE_A)!].sort());
    });
  });

  describe(`dynamics-web-api client: update, upsert, delete, count [${database.name}]`, () => {
    let s: TestServer;
    let api: DynamicsWebApi;
    before(async () => { s = await startServer(undefined, database); api = client(s); });
    after(async () => { await s.close(); });

    it('update (If-Match: *) returns true and the change is visible on retrieve', async () => {
      const id: string = await api.create({ collection: SET, data: row('before update') });
      const before = await api.retrieve({ collection: SET, key: id, select: ['msdyn_name'] });
      const ok = await api.update({ collection: SET, key: id, data: { msdyn_name: 'after update', msdyn_interactiontype: ITYPE_B } });
      expect(ok).to.equal(true);
      const rec = await api.retrieve({ collection: SET, key: id, select: ['msdyn_name', 'msdyn_interactiontype', 'msdyn_scenariorequestid'] });
      expect(rec.msdyn_name).to.equal('after update');
      expect(rec.msdyn_interactiontype).to.equal(ITYPE_B);
      expect(rec.msdyn_scenariorequestid).to.equal('req-before update'); // untouched column kept
      expect(rec['@odata.etag']).to.not.equal(before['@odata.etag']);
    });

    it('update of a missing id rejects with 404 and does not create the row', async () => {
      const missing = '11111111-2222-3333-4444-555555555555';
      const err = await rejection(api.update({ collection: SET, key: missing, data: row('ghost') }));
      expect(err.status).to.equal(404);
      expect(err.code).to.equal('0x80040217');
      expect(await exists(s, missing)).to.equal(false);
    });

    it('state change through update: statecode 1 + statuscode 2, then statecode 0 alone gives statuscode 1', async () => {
      const id: string = await api.create({ collection: SET, data: row('stateful') });
      expect(await api.update({ collection: SET, key: id, data: { statecode: 1, statuscode: 2 } })).to.equal(true);
      let rec = await api.retrieve({ collection: SET, key: id, select: ['statecode', 'statuscode'] });
      expect(rec.statecode).to.equal(1);
      expect(rec.statuscode).to.equal(2);
      expect(await api.update({ collection: SET, key: id, data: { statecode: 0 } })).to.equal(true);
      rec = await api.retrieve({ collection: SET, key: id, select: ['statecode', 'statuscode'] });
      expect(rec.statecode).to.equal(0);
      expect(rec.statuscode).to.equal(1);
    });

    it('upsert of a new id creates the row with that id', async () => {
      const id = 'a1b2c3d4-0000-4000-8000-00000000f00d';
      expect(await exists(s, id)).to.equal(false);
      await api.upsert({ collection: SET, key: id, data: row('upserted new', ITYPE_B) });
      const rec = await api.retrieve({ collection: SET, key: id, select: ['msdyn_name', 'msdyn_interactiontype', 'statecode', 'statuscode'] });
      expect(rec[PK]).to.equal(id);
      expect(rec.msdyn_name).to.equal('upserted new');
      expect(rec.msdyn_interactiontype).to.equal(ITYPE_B);
      expect(rec.statecode).to.equal(0);
      expect(rec.statuscode).to.equal(1);
    });

    it('upsert of an existing id updates it (no duplicate)', async () => {
      const id: string = await api.create({ collection: SET, data: row('upsert original') });
      await api.upsert({ collection: SET, key: id, data: { msdyn_name: 'upsert changed' } });
      const rec = await api.retrieve({ collection: SET, key: id, select: ['msdyn_name', 'msdyn_scenariorequestid'] });
      expect(rec.msdyn_name).to.equal('upsert changed');
      expect(rec.msdyn_scenariorequestid).to.equal('req-upsert original');
      const res = await api.retrieveMultiple({ collection: SET, select: ['msdyn_name'], filter: `startswith(msdyn_name,'upsert ')` });
      expect(res.value.map((r) => r[PK])).to.deep.equal([id]);
    });

    it('deleteRecord returns true and the row is gone (retrieve → 404)', async () => {
      const id: string = await api.create({ collection: SET, data: row('to delete') });
      expect(await api.deleteRecord({ collection: SET, key: id })).to.equal(true);
      const err = await rejection(api.retrieve({ collection: SET, key: id }));
      expect(err.status).to.equal(404);
      expect(err.code).to.equal('0x80040217');
      expect(await exists(s, id)).to.equal(false);
    });

    it('count (GET $count) returns the number of rows, and count with a filter', async () => {
      const baseline = await api.count({ collection: SET });
      expect(baseline).to.be.a('number');
      const raw = await call('GET', `${s.root}${SET}/$count`);
      expect(raw.status).to.equal(200);
      expect(baseline).to.equal(Number(raw.text.replace(/^\uFEFF/, '')));
      const all = await api.retrieveAll({ collection: SET, select: ['msdyn_name'] });
      expect(baseline).to.equal(all.value.length);
      expect(baseline).to.be.greaterThan(0);
      for (let i = 0; i < 4; i++) await api.create({ collection: SET, data: row(`countme ${i}`) });
      expect(await api.count({ collection: SET })).to.equal(baseline + 4);
      expect(await api.count({ collection: SET, filter: `startswith(msdyn_name,'countme')` })).to.equal(4);
    });
  });
}
