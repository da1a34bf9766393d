import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { DynamicsWebApi } from 'dynamics-web-api';
import type { EntityFile } from '../src/model/types.js';
import type { Statement } from '../src/sql/dialect.js';
import { DATABASES, call, copyMetadata, recordStatements, startServer, type TestServer } from './support/server.js';
import { relationshipMetadata, TAGS } from './support/relationship-metadata.js';
import { client, ENTITY, GUID_RE, ITYPE_A, ITYPE_B, PK, record, rejection, row, SET, STYPE, type Seen } from './support/dynamics-web-api.js';

/**
 * Drives Tessera with the unmodified `dynamics-web-api` npm client (v2), the way a real
 * integration would: serverUrl = the server's origin, dataApi version 9.2, no auth.
 */

/** Checks, with raw HTTP (independent of the client), whether a row exists. */
async function exists(s: TestServer, id: string): Promise<boolean> {
  const r = await call('GET', `${s.root}${SET}(${id})?$select=msdyn_name`);
  if (r.status === 404) return false;
  expect(r.status).to.equal(200);
  return true;
}

const TYPE = 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction';

/** One CreateMultiple / UpdateMultiple item of the copilot interaction table. */
function target(fields: Record<string, unknown>): Record<string, unknown> {
  return { '@odata.type': TYPE, ...fields };
}

interface CreateMultipleResult { Ids: string[]; oDataContext: string }
interface IsValidResult { IsValid: boolean; oDataContext: string }
interface WhoAmIResult { UserId: string; BusinessUnitId: string; OrganizationId: string; oDataContext: string }

/**
 * A table that enforces state transitions: statuses 1 New (Active, may go to 3 only),
 * 3 In progress (Active, no TransitionData), 2 Closed (Inactive, no TransitionData).
 */
const TICKET: EntityFile = {
  LogicalName: 'new_ticket',
  EntitySetName: 'new_tickets',
  PrimaryIdAttribute: 'new_ticketid',
  PrimaryNameAttribute: 'new_name',
  OwnershipType: 'OrganizationOwned',
  EnforceStateTransitions: true,
  Attributes: [
    { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
    {
      LogicalName: 'statecode', AttributeType: 'State', RequiredLevel: 'SystemRequired',
      IsValidForCreate: false, IsValidForUpdate: true,
      OptionSet: {
        Options: [
          { Value: 0, Label: 'Active', DefaultStatus: 1, InvariantName: 'Active' },
          { Value: 1, Label: 'Inactive', DefaultStatus: 2, InvariantName: 'Inactive' },
        ],
      },
    },
    {
      LogicalName: 'statuscode', AttributeType: 'Status',
      OptionSet: {
        Options: [
          {
            Value: 1, Label: 'New', State: 0,
            TransitionData: '<allowedtransitions xmlns="http://schemas.microsoft.com/crm/2009/WebServices"><allowedtransition sourcestatusid="1" tostatusid="3" /></allowedtransitions>',
          },
          { Value: 3, Label: 'In progress', State: 0 },
          { Value: 2, Label: 'Closed', State: 1 },
        ],
      },
    },
  ],
};

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

    it('savedQuery and userQuery run the view\'s FetchXML (null columns left out)', async () => {
      const fetchXml = `<fetch><entity name="msdyn_copilotinteraction"><attribute name="msdyn_name"/><filter><condition attribute="msdyn_name" operator="like" value="%query"/>`
        + `<condition attribute="msdyn_interactiontype" operator="eq" value="${ITYPE_B}"/></filter></entity></fetch>`;
      const savedQuery: string = await api.create({ collection: 'savedqueries', data: { name: 'Bravo', returnedtypecode: 'msdyn_copilotinteraction', fetchxml: fetchXml } });
      const userQuery: string = await api.create({ collection: 'userqueries', data: { name: 'Bravo, mine', returnedtypecode: 'msdyn_copilotinteraction', fetchxml: fetchXml } });
      // The client declares savedQuery and userQuery on retrieve (no key: the collection's rows).
      for (const res of [await api.retrieve<{ value: Array<Record<string, unknown>> }>({ collection: SET, savedQuery }), await api.retrieve<{ value: Array<Record<string, unknown>> }>({ collection: SET, userQuery })]) {
        expect(res.value.map((r) => [r[PK], r['msdyn_name']])).to.deep.equal([[ids.get('Bravo query'), 'Bravo query']]);
      }
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
  describe(`dynamics-web-api client: messages through callAction / callFunction [${database.name}]`, () => {
    let s: TestServer;
    let api: DynamicsWebApi;
    let seen: Seen[];
    /** The rows CreateMultiple made, in input order (used by the UpdateMultiple tests). */
    let ids: string[] = [];
    before(async () => { s = await startServer(undefined, database); api = client(s); seen = record(s); });
    after(async () => { await s.close(); });

    const createMultiple = (targets: Array<Record<string, unknown>>) =>
      api.callAction<CreateMultipleResult>({ collection: SET, actionName: 'Microsoft.Dynamics.CRM.CreateMultiple', action: { Targets: targets } });
    const updateMultiple = (targets: Array<Record<string, unknown>>) =>
      api.callAction<unknown>({ collection: SET, actionName: 'Microsoft.Dynamics.CRM.UpdateMultiple', action: { Targets: targets } });
    const isValid = (entity: string, NewState: string, NewStatus: number) =>
      api.callFunction<IsValidResult>({ name: 'IsValidStateTransition', parameters: { Entity: { '@odata.id': entity }, NewState, NewStatus } });
    const fields = ['msdyn_name', 'msdyn_interactiontype', 'msdyn_scenariotype', 'msdyn_scenariorequestid', 'msdyn_interactioncontext', 'statecode', 'statuscode'];

    it('CreateMultiple: Ids are the new rows in input order, each row holds its item\'s fields', async () => {
      const items = [
        target(row('cm one', ITYPE_A, { msdyn_interactioncontext: 'first' })),
        target(row('cm two', ITYPE_B, { msdyn_interactioncontext: 'second' })),
        target(row('cm three', ITYPE_A, { msdyn_interactioncontext: 'third' })),
      ];
      const before = await api.count({ collection: SET });
      seen.length = 0;
      const res = await createMultiple(items);
      expect(seen.map((r) => `${r.method} ${r.url}`)).to.deep.equal([`POST /api/data/v9.2/${SET}/Microsoft.Dynamics.CRM.CreateMultiple`]);
      expect(JSON.parse(seen[0]!.body!)).to.deep.equal({ Targets: items });
      expect(res.oDataContext).to.equal(`${s.root}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse`);
      expect(res.Ids).to.be.an('array').with.lengthOf(3);
      for (const id of res.Ids) expect(id).to.match(GUID_RE);
      expect(new Set(res.Ids).size).to.equal(3);
      ids = res.Ids;
      for (const [i, id] of ids.entries()) {
        const rec = await api.retrieve({ collection: SET, key: id, select: fields });
        expect(rec[PK]).to.equal(id);
        expect(rec.msdyn_name).to.equal(items[i]!['msdyn_name']);
        expect(rec.msdyn_interactiontype).to.equal(items[i]!['msdyn_interactiontype']);
        expect(rec.msdyn_scenariotype).to.equal(STYPE);
        expect(rec.msdyn_scenariorequestid).to.equal(`req-${items[i]!['msdyn_name'] as string}`);
        expect(rec.msdyn_interactioncontext).to.equal(items[i]!['msdyn_interactioncontext']);
        expect(rec.statecode).to.equal(0);
        expect(rec.statuscode).to.equal(1);
      }
      expect(await api.count({ collection: SET })).to.equal(before + 3);
    });

    it('CreateMultiple: an item carrying its own primary key gets that id back', async () => {
      const own = 'c0ffee00-0000-4000-8000-0000000000a1';
      const res = await createMultiple([target(row('cm own a')), target(row('cm own b', ITYPE_B, { [PK]: own.toUpperCase() }))]);
      expect(res.Ids).to.have.lengthOf(2);
      expect(res.Ids[1]).to.equal(own);
      const rec = await api.retrieve({ collection: SET, key: own, select: ['msdyn_name', 'msdyn_interactiontype'] });
      expect(rec.msdyn_name).to.equal('cm own b');
      expect(rec.msdyn_interactiontype).to.equal(ITYPE_B);
      expect((await api.retrieve({ collection: SET, key: res.Ids[0]!, select: ['msdyn_name'] })).msdyn_name).to.equal('cm own a');
    });

    it('CreateMultiple: one bad item rejects with 400 naming its index, and no item is created', async () => {
      const before = await api.count({ collection: SET });
      const err = await rejection(createMultiple([
        target(row('cm bad 0')),
        target(row('cm bad 1', 12345)),
        target(row('cm bad 2')),
      ]));
      expect(err.status).to.equal(400);
      expect(err.message).to.match(/^Targets\[1\]: /);
      expect(await api.count({ collection: SET })).to.equal(before);
      expect(await api.count({ collection: SET, filter: `startswith(msdyn_name,'cm bad')` })).to.equal(0);
    });

    it('CreateMultiple: an item without @odata.type rejects with 400 0x80048d19 and nothing is created', async () => {
      const before = await api.count({ collection: SET });
      const err = await rejection(createMultiple([target(row('cm typed')), row('cm untyped')]));
      expect(err.status).to.equal(400);
      expect(err.code).to.equal('0x80048d19');
      expect(err.message).to.match(/^Targets\[1\]: /);
      expect(await api.count({ collection: SET })).to.equal(before);
    });

    it('UpdateMultiple: renames and state changes land on the addressed rows only', async () => {
      expect(ids, 'ids from the CreateMultiple test').to.have.lengthOf(3);
      const [a, b, c] = ids as [string, string, string];
      seen.length = 0;
      const res = await updateMultiple([
        target({ [PK]: a, msdyn_name: 'um one' }),
        target({ [PK]: b, msdyn_name: 'um two', statecode: 1, statuscode: 2 }),
        target({ [PK]: c, statecode: 1, statuscode: 2 }),
      ]);
      expect(res).to.equal(undefined); // 204, no body
      expect(seen.map((r) => `${r.method} ${r.url}`)).to.deep.equal([`POST /api/data/v9.2/${SET}/Microsoft.Dynamics.CRM.UpdateMultiple`]);
      const get = (id: string) => api.retrieve({ collection: SET, key: id, select: fields });
      const ra = await get(a);
      expect([ra.msdyn_name, ra.statecode, ra.statuscode, ra.msdyn_interactioncontext]).to.deep.equal(['um one', 0, 1, 'first']);
      const rb = await get(b);
      expect([rb.msdyn_name, rb.statecode, rb.statuscode, rb.msdyn_interactiontype]).to.deep.equal(['um two', 1, 2, ITYPE_B]);
      const rc = await get(c);
      expect([rc.msdyn_name, rc.statecode, rc.statuscode, rc.msdyn_interactioncontext]).to.deep.equal(['cm three', 1, 2, 'third']);
    });

    it('UpdateMultiple with one missing id rejects with 404 0x80040217 and applies none of the other items', async () => {
      expect(ids, 'ids from the CreateMultiple test').to.have.lengthOf(3);
      const [a, b, c] = ids as [string, string, string];
      const snapshot = async () => Promise.all(ids.map(async (id) => {
        const r = await api.retrieve({ collection: SET, key: id, select: fields });
        return [r.msdyn_name, r.statecode, r.statuscode, r['@odata.etag']];
      }));
      const before = await snapshot();
      const missing = '00000000-0000-4000-8000-0000000b0b0b';
      const err = await rejection(updateMultiple([
        target({ [PK]: a, msdyn_name: 'must not apply a', statecode: 1, statuscode: 2 }),
        target({ [PK]: missing, msdyn_name: 'ghost' }),
        target({ [PK]: b, msdyn_name: 'must not apply b', statecode: 0, statuscode: 1 }),
        target({ [PK]: c, msdyn_name: 'must not apply c' }),
      ]));
      expect(err.status).to.equal(404);
      expect(err.code).to.equal('0x80040217');
      expect(err.message).to.include(`msdyn_copilotinteraction With Ids = ${missing} Do Not Exist`);
      expect(await snapshot()).to.deep.equal(before);
      expect(await exists(s, missing)).to.equal(false);
    });

    it('Retain and RollbackRetain through callAction: the row leaves ordinary reads, FetchXML datasource="retained" finds it, then it comes back', async () => {
      const id: string = await api.create({ collection: SET, data: row('to retain') });
      const targetOf = { '@odata.type': `Microsoft.Dynamics.CRM.${ENTITY}`, [PK]: id };
      seen.length = 0;
      const kept = await api.callAction<{ EntityCountCollection: { Keys: string[]; Values: number[] } }>({ actionName: 'Retain', action: { Target: targetOf } });
      expect(seen.map((r) => `${r.method} ${r.url}`)).to.deep.equal(['POST /api/data/v9.2/Retain']);
      expect(kept.EntityCountCollection).to.include({ Count: 1 });
      expect([kept.EntityCountCollection.Keys, kept.EntityCountCollection.Values]).to.deep.equal([[ENTITY], [1]]);
      expect((await rejection(api.retrieve({ collection: SET, key: id, select: ['msdyn_name'] }))).status).to.equal(404);
      const retained = await api.fetch({ collection: SET, fetchXml: `<fetch datasource="retained"><entity name="${ENTITY}"><attribute name="msdyn_name"/><filter><condition attribute="${PK}" operator="eq" value="${id}"/></filter></entity></fetch>` });
      expect(retained.value.map((r: Record<string, unknown>) => r['msdyn_name'])).to.deep.equal(['to retain']);
      await api.callAction({ actionName: 'RollbackRetain', action: { Target: targetOf } });
      expect((await api.retrieve({ collection: SET, key: id, select: ['msdyn_name'] })).msdyn_name).to.equal('to retain');
    });

    it('fetch: link-entity columns arrive as one object per alias; an aggregate query works with the page="1" the client adds', async () => {
      const id: string = await api.create({ collection: SET, data: row('linked') });
      const linked = await api.fetch<Record<string, any>>({
        collection: SET,
        fetchXml: `<fetch><entity name="${ENTITY}"><attribute name="msdyn_name"/><filter><condition attribute="${PK}" operator="eq" value="${id}"/></filter><link-entity name="systemuser" from="systemuserid" to="createdby" alias="cu"><attribute name="fullname"/></link-entity></entity></fetch>`,
      });
      expect(linked.value[0]!.cu).to.deep.include({ fullname: 'SYSTEM' });
      seen.length = 0;
      const grouped = await api.fetch<Record<string, any>>({
        collection: SET,
        fetchXml: `<fetch aggregate="true"><entity name="${ENTITY}"><attribute name="${PK}" alias="n" aggregate="count"/><filter><condition attribute="${PK}" operator="eq" value="${id}"/></filter></entity></fetch>`,
      });
      expect(decodeURIComponent(seen[0]!.url), 'the client pages every fetch').to.contain('page="1"');
      expect(grouped.value).to.deep.equal([{ n: 1 }]);
    });

    it('IsValidStateTransition: the client\'s @p aliases are accepted; Inactive/2 is valid, Active/2 and Inactive/1 are not', async () => {
      const id: string = await api.create({ collection: SET, data: row('ivst') });
      const entity = `${SET}(${id})`;
      seen.length = 0;
      const yes = await isValid(entity, 'Inactive', 2);
      expect(seen).to.have.lengthOf(1);
      expect(seen[0]!.method).to.equal('GET');
      // The wire form: parameters as aliases, the record reference JSON-stringified (double quotes,
      // percent-encoded by the URL), strings single-quoted (quotes percent-encoded), numbers bare.
      expect(seen[0]!.url).to.equal(
        `/api/data/v9.2/IsValidStateTransition(Entity=@p1,NewState=@p2,NewStatus=@p3)` +
        `?@p1={%22@odata.id%22:%22${entity}%22}&@p2=%27Inactive%27&@p3=2`,
      );
      expect(decodeURIComponent(seen[0]!.url.split('?')[1]!)).to.equal(`@p1={"@odata.id":"${entity}"}&@p2='Inactive'&@p3=2`);
      expect(yes.IsValid).to.equal(true);
      expect(yes.oDataContext).to.equal(`${s.root}$metadata#Microsoft.Dynamics.CRM.IsValidStateTransitionResponse`);
      expect((await isValid(entity, 'Active', 2)).IsValid).to.equal(false);
      expect((await isValid(entity, 'Inactive', 1)).IsValid).to.equal(false);
      expect((await isValid(entity, 'Active', 1)).IsValid).to.equal(true);
      expect((await isValid(entity, 'inactive', 2)).IsValid, 'state names are case-insensitive').to.equal(true);
      expect((await isValid(entity, 'Inactive', 99)).IsValid, 'a status that does not exist').to.equal(false);
      // An absolute record URL is accepted too.
      expect((await isValid(`${s.root}${entity}`, 'Inactive', 2)).IsValid).to.equal(true);
      // The function only answers; the row is unchanged.
      const rec = await api.retrieve({ collection: SET, key: id, select: ['statecode', 'statuscode'] });
      expect([rec.statecode, rec.statuscode]).to.deep.equal([0, 1]);
    });

    it('IsValidStateTransition: a state name the table lacks rejects with 400; a missing record with 404', async () => {
      const id: string = await api.create({ collection: SET, data: row('ivst bad') });
      const err = await rejection(isValid(`${SET}(${id})`, 'Bogus', 2));
      expect(err.status).to.equal(400);
      expect(err.code).to.equal('0x80060888');
      expect(err.message).to.include("'Bogus' is not a state of 'msdyn_copilotinteraction'");
      const missing = '00000000-0000-4000-8000-00000000dead';
      const gone = await rejection(isValid(`${SET}(${missing})`, 'Inactive', 2));
      expect(gone.status).to.equal(404);
      expect(gone.code).to.equal('0x80040217');
      const noRef = await rejection(isValid(`nosuchset(${id})`, 'Inactive', 2));
      expect(noRef.status).to.equal(400);
    });

    it('WhoAmI: UserId / BusinessUnitId / OrganizationId are GUIDs of the service\'s caller', async () => {
      seen.length = 0;
      const me = await api.callFunction<WhoAmIResult>({ name: 'WhoAmI' });
      expect(seen.map((r) => `${r.method} ${r.url}`)).to.deep.equal(['GET /api/data/v9.2/WhoAmI()']);
      expect(me.UserId).to.match(GUID_RE);
      expect(me.BusinessUnitId).to.match(GUID_RE);
      expect(me.OrganizationId).to.match(GUID_RE);
      expect(me.UserId).to.equal(s.service.caller.systemuserid);
      expect(me.BusinessUnitId).to.equal(s.service.caller.businessunitid);
      expect(me.OrganizationId).to.equal(s.service.caller.organizationid);
      expect(me.oDataContext).to.equal(`${s.root}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`);
      // The string form of callFunction sends the same request.
      const again = await api.callFunction<WhoAmIResult>('WhoAmI');
      expect([again.UserId, again.BusinessUnitId, again.OrganizationId]).to.deep.equal([me.UserId, me.BusinessUnitId, me.OrganizationId]);
      // The user exists as a row: createdby of a new row is this user.
      const id: string = await api.create({ collection: SET, data: row('whoami') });
      const rec = await api.retrieve({ collection: SET, key: id, select: ['_createdby_value'] });
      expect(rec._createdby_value).to.equal(me.UserId);
    });

    it("WhoAmI → businessunits(BusinessUnitId): the caller's business unit is a row, the root one, as clients look it up", async () => {
      const me = await api.callFunction<WhoAmIResult>({ name: 'WhoAmI' });
      seen.length = 0;
      const unit = await api.retrieve({ collection: 'businessunits', key: me.BusinessUnitId, select: ['name'] });
      expect(seen.map((r) => `${r.method} ${r.url}`)).to.deep.equal([`GET /api/data/v9.2/businessunits(${me.BusinessUnitId})?$select=name`]);
      expect(unit.name).to.equal('Tessera');
      const roots = await api.retrieveMultiple({ collection: 'businessunits', select: ['businessunitid'], filter: '_parentbusinessunitid_value eq null' });
      expect(roots.value.map((r: Record<string, unknown>) => r['businessunitid'])).to.deep.equal([me.BusinessUnitId]);
      const user = await api.retrieve({ collection: 'systemusers', key: me.UserId, select: ['_businessunitid_value'] });
      expect(user._businessunitid_value).to.equal(me.BusinessUnitId);
    });
  });

  describe(`dynamics-web-api client: a table with EnforceStateTransitions [${database.name}]`, () => {
    const TSET = 'new_tickets';
    let dir: string;
    let s: TestServer;
    let api: DynamicsWebApi;
    before(async () => {
      dir = copyMetadata();
      writeFileSync(join(dir, 'new_ticket.json'), JSON.stringify(TICKET, null, 2));
      s = await startServer(dir, database);
      api = client(s);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const state = async (id: string) => {
      const r = await api.retrieve({ collection: TSET, key: id, select: ['statecode', 'statuscode'] });
      return [r.statecode as number, r.statuscode as number];
    };
    const isValid = async (id: string, NewState: string, NewStatus: number) =>
      (await api.callFunction<IsValidResult>({
        name: 'IsValidStateTransition',
        parameters: { Entity: { '@odata.id': `${TSET}(${id})` }, NewState, NewStatus },
      })).IsValid;

    it('New (1) → Closed (2) is refused with 400 0x8004F00E; New → In progress (3) → Closed works; IsValidStateTransition agrees', async () => {
      const id: string = await api.create({ collection: TSET, data: { new_name: 'ticket 1' } });
      expect(await state(id)).to.deep.equal([0, 1]);

      expect(await isValid(id, 'Inactive', 2)).to.equal(false);
      const err = await rejection(api.update({ collection: TSET, key: id, data: { statecode: 1, statuscode: 2 } }));
      expect(err.status).to.equal(400);
      expect(err.code).to.equal('0x8004F00E');
      expect(await state(id)).to.deep.equal([0, 1]);

      expect(await isValid(id, 'Active', 3)).to.equal(true);
      expect(await api.update({ collection: TSET, key: id, data: { statecode: 0, statuscode: 3 } })).to.equal(true);
      expect(await state(id)).to.deep.equal([0, 3]);

      expect(await isValid(id, 'Inactive', 2)).to.equal(true);
      expect(await isValid(id, 'Active', 2)).to.equal(false); // status of another state
      expect(await api.update({ collection: TSET, key: id, data: { statecode: 1, statuscode: 2 } })).to.equal(true);
      expect(await state(id)).to.deep.equal([1, 2]);

      // Closed has no TransitionData: it may go back to New.
      expect(await isValid(id, 'Active', 1)).to.equal(true);
      expect(await api.update({ collection: TSET, key: id, data: { statecode: 0, statuscode: 1 } })).to.equal(true);
      expect(await state(id)).to.deep.equal([0, 1]);
    });

    it('statecode alone applies the DefaultStatus, which the transition rules also check', async () => {
      const id: string = await api.create({ collection: TSET, data: { new_name: 'ticket 2' } });
      // Inactive's DefaultStatus is 2 (Closed), not reachable from New.
      const err = await rejection(api.update({ collection: TSET, key: id, data: { statecode: 1 } }));
      expect(err.status).to.equal(400);
      expect(err.code).to.equal('0x8004F00E');
      expect(await state(id)).to.deep.equal([0, 1]);
      // statuscode alone within the current state follows the rules too.
      expect(await api.update({ collection: TSET, key: id, data: { statuscode: 3 } })).to.equal(true);
      expect(await state(id)).to.deep.equal([0, 3]);
      expect(await api.update({ collection: TSET, key: id, data: { statecode: 1 } })).to.equal(true);
      expect(await state(id)).to.deep.equal([1, 2]);
    });

    it('UpdateMultiple with one forbidden transition rejects with 400 0x8004F00E and changes no row', async () => {
      const a: string = await api.create({ collection: TSET, data: { new_name: 'ticket a' } });
      const b: string = await api.create({ collection: TSET, data: { new_name: 'ticket b' } });
      const T = 'Microsoft.Dynamics.CRM.new_ticket';
      const err = await rejection(api.callAction({
        collection: TSET,
        actionName: 'Microsoft.Dynamics.CRM.UpdateMultiple',
        action: {
          Targets: [
            { '@odata.type': T, new_ticketid: a, new_name: 'ticket a moved', statecode: 0, statuscode: 3 },
            { '@odata.type': T, new_ticketid: b, statecode: 1, statuscode: 2 },
          ],
        },
      }));
      expect(err.status).to.equal(400);
      expect(err.code).to.equal('0x8004F00E');
      expect(await state(a)).to.deep.equal([0, 1]);
      expect(await state(b)).to.deep.equal([0, 1]);
      expect((await api.retrieve({ collection: TSET, key: a, select: ['new_name'] })).new_name).to.equal('ticket a');
    });
  });

  describe(`dynamics-web-api client: relationships [${database.name}]`, () => {
    let dir: string;
    let s: TestServer;
    let api: DynamicsWebApi;
    let dataId: string;
    let accountId: string;
    before(async () => {
      dir = relationshipMetadata();
      s = await startServer(dir, database);
      api = client(s);
      dataId = await api.create({ collection: 'msdyn_copilotinteractiondatas', data: { msdyn_name: 'payload' } });
      accountId = await api.create({ collection: 'accounts', data: { name: 'Contoso', accountnumber: 'C-1' } });
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('create with @odata.bind (by id and by alternate key), then retrieve with expand', async () => {
      const id: string = await api.create({ collection: SET, data: { ...row('dwa-bound'), 'msdyn_interactiondataid@odata.bind': `msdyn_copilotinteractiondatas(${dataId})` } });
      const rec = await api.retrieve({
        collection: SET, key: id, select: ['msdyn_name'],
        expand: [{ property: 'msdyn_interactiondataid', select: ['msdyn_name'] }, { property: 'createdby', select: ['fullname'] }],
      });
      expect(rec.msdyn_name).to.equal('dwa-bound');
      expect(rec.msdyn_interactiondataid).to.include({ msdyn_name: 'payload', msdyn_copilotinteractiondataid: dataId });
      expect(rec.createdby.fullname).to.equal('SYSTEM');
      const data = await api.retrieve({
        collection: 'msdyn_copilotinteractiondatas', key: dataId, select: ['msdyn_name'],
        expand: [{ property: 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid', select: ['msdyn_name'], filter: "msdyn_name eq 'dwa-bound'", top: 5, orderBy: ['msdyn_name desc'] }],
      });
      expect(data.msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid.map((c: { msdyn_name: string }) => c.msdyn_name)).to.deep.equal(['dwa-bound']);
      const contact: string = await api.create({ collection: 'contacts', data: { fullname: 'Keyed child', 'parentcustomerid_account@odata.bind': "accounts(accountnumber='C-1')" } });
      const byKey = await api.retrieve({ collection: 'contacts', key: contact, select: ['fullname'], expand: [{ property: 'parentcustomerid_account', select: ['name'] }] });
      expect(byKey.parentcustomerid_account).to.include({ name: 'Contoso', accountid: accountId });
    });

    it('associate / disassociate a many-to-many pair; a second associate rejects with 412 0x80040237', async () => {
      const tag: string = await api.create({ collection: 'new_tags', data: { new_name: 'dwa tag' } });
      const ci: string = await api.create({ collection: SET, data: row('dwa-tagged') });
      await api.associate({ collection: 'new_tags', primaryKey: tag, relationshipName: TAGS, relatedCollection: SET, relatedKey: ci });
      const tagged = await api.retrieve({ collection: SET, key: ci, select: ['msdyn_name'], expand: [{ property: TAGS, select: ['new_name'] }] });
      expect(tagged[TAGS].map((t: { new_name: string }) => t.new_name)).to.deep.equal(['dwa tag']);
      const again = await rejection(api.associate({ collection: SET, primaryKey: ci, relationshipName: TAGS, relatedCollection: 'new_tags', relatedKey: tag }));
      expect(again.status).to.equal(412);
      expect(again.code).to.equal('0x80040237');
      await api.disassociate({ collection: SET, primaryKey: ci, relationshipName: TAGS, relatedKey: tag });
      expect((await api.retrieve({ collection: 'new_tags', key: tag, select: ['new_name'], expand: [{ property: TAGS, select: ['msdyn_name'] }] }))[TAGS]).to.deep.equal([]);
    });

    it('associateSingleValued / disassociateSingleValued on a polymorphic lookup', async () => {
      const contact: string = await api.create({ collection: 'contacts', data: { fullname: 'Single valued' } });
      await api.associateSingleValued({ collection: 'contacts', primaryKey: contact, navigationProperty: 'parentcustomerid_account', relatedCollection: 'accounts', relatedKey: accountId });
      expect((await api.retrieve({ collection: 'contacts', key: contact, select: ['_parentcustomerid_value'] }))._parentcustomerid_value).to.equal(accountId);
      await api.disassociateSingleValued({ collection: 'contacts', primaryKey: contact, navigationProperty: 'parentcustomerid_account' });
      expect((await api.retrieve({ collection: 'contacts', key: contact, select: ['_parentcustomerid_value'] }))._parentcustomerid_value).to.equal(null);
    });

    it('retrieveMultiple with annotations: _Formatted, _LogicalName and _NavigationProperty for a polymorphic lookup and a choice', async () => {
      const owner: string = await api.create({ collection: 'contacts', data: { fullname: 'Parent contact' } });
      await api.create({ collection: 'contacts', data: { fullname: 'Annotated A', 'parentcustomerid_account@odata.bind': `accounts(${accountId})` } });
      await api.create({ collection: 'contacts', data: { fullname: 'Annotated B', 'parentcustomerid_contact@odata.bind': `contacts(${owner})` } });
      const res = await api.retrieveMultiple({
        collection: 'contacts', select: ['fullname', '_parentcustomerid_value', 'statecode'], filter: "startswith(fullname,'Annotated')",
        orderBy: ['fullname'], includeAnnotations: '*',
      });
      const [a, b] = res.value as Array<Record<string, unknown>>;
      expect(a).to.include({ _parentcustomerid_value: accountId, _parentcustomerid_value_Formatted: 'Contoso', _parentcustomerid_value_LogicalName: 'account', _parentcustomerid_value_NavigationProperty: 'parentcustomerid_account', statecode_Formatted: 'Active' });
      expect(b).to.include({ _parentcustomerid_value: owner, _parentcustomerid_value_Formatted: 'Parent contact', _parentcustomerid_value_LogicalName: 'contact', _parentcustomerid_value_NavigationProperty: 'parentcustomerid_contact' });
    });
  });
}

for (const database of DATABASES) {
  describe(`dynamics-web-api client: FetchXML fetch and fetchAll with the paging cookie [${database.name}]`, () => {
    const TOTAL = 12000;
    const COOKIE = 'Microsoft.Dynamics.CRM.fetchxmlpagingcookie';
    let s: TestServer;
    let api: DynamicsWebApi;
    let seen: Seen[];
    let statements: Statement[];
    /** Every row's id in primary-key order. */
    let ids: string[];

    before(async function () {
      this.timeout(120000);
      s = await startServer(undefined, database);
      api = client(s);
      const created: string[] = [];
      for (let start = 0; start < TOTAL; start += 1000) {
        const targets = Array.from({ length: 1000 }, (_, i) => target({ msdyn_name: `fx ${start + i}`, importsequencenumber: (start + i) % 7 }));
        const res = await api.callAction<CreateMultipleResult>({ collection: SET, actionName: 'Microsoft.Dynamics.CRM.CreateMultiple', action: { Targets: targets } });
        created.push(...res.Ids);
      }
      ids = [...created].sort();
      expect(new Set(ids).size).to.equal(TOTAL);
      seen = record(s);
      statements = recordStatements(s.db);
    });
    after(async () => { await s.close(); });

    const fetchXml = (order = '') => `<fetch count="5000"><entity name="msdyn_copilotinteraction"><attribute name="${PK}"/><attribute name="importsequencenumber"/>${order}</entity></fetch>`;

    it('fetchAll pages through 12,000 rows with the paging cookie: three keyset requests, every row once, in order', async () => {
      seen.length = 0;
      statements.length = 0;
      const all = await api.fetchAll<Record<string, unknown>>({ collection: SET, fetchXml: fetchXml(), includeAnnotations: COOKIE });
      expect(all.value.map((r) => r[PK])).to.deep.equal(ids);
      expect(seen).to.have.length(3);
      const sent = seen.map((r) => decodeURIComponent(r.url.split('fetchXml=')[1]!));
      expect(sent[0]).to.match(/^<fetch page="1" count="5000">/);
      expect(sent[1]).to.match(/^<fetch page="2" paging-cookie="&lt;cookie page=&quot;1&quot;&gt;/);
      expect(sent[2]).to.match(/^<fetch page="3" paging-cookie="&lt;cookie page=&quot;2&quot;&gt;/);
      expect(statements).to.have.length(3);
      for (const stmt of statements) expect(stmt.sql).to.not.match(/OFFSET/);
      expect(statements[1]!.params).to.include(ids[4999]);
    });

    it('fetchAll with an order on a column with ties returns every row once, in that order', async () => {
      const all = await api.fetchAll<Record<string, unknown>>({ collection: SET, fetchXml: fetchXml('<order attribute="importsequencenumber" descending="true"/>'), includeAnnotations: COOKIE });
      const got = all.value.map((r) => [r['importsequencenumber'], r[PK]] as [number, string]);
      expect(new Set(got.map(([, id]) => id)).size).to.equal(TOTAL);
      const sorted = [...got].sort(([a, x], [b, y]) => (b - a) || (x < y ? -1 : x > y ? 1 : 0));
      expect(got).to.deep.equal(sorted);
    });

    it('fetch returns one page and PagingInfo for the next; the next page follows from the cookie', async () => {
      const first = await api.fetch<Record<string, unknown>>({ collection: SET, fetchXml: fetchXml(), includeAnnotations: COOKIE });
      expect(first.value.map((r) => r[PK])).to.deep.equal(ids.slice(0, 5000));
      expect(first.PagingInfo?.nextPage).to.equal(2);
      expect(first.PagingInfo?.cookie).to.contain(`{${ids[4999]!.toUpperCase()}}`);
      const second = await api.fetch<Record<string, unknown>>({ collection: SET, fetchXml: fetchXml(), includeAnnotations: COOKIE, pageNumber: 2, pagingCookie: first.PagingInfo!.cookie });
      expect(second.value.map((r) => r[PK])).to.deep.equal(ids.slice(5000, 10000));
      const last = await api.fetch<Record<string, unknown>>({ collection: SET, fetchXml: fetchXml(), includeAnnotations: COOKIE, pageNumber: 3, pagingCookie: second.PagingInfo!.cookie });
      expect(last.value).to.have.length(2000);
      expect(last.PagingInfo).to.equal(undefined);
    });

    it('without the paging cookie annotation fetchAll stops after the first page, as against Dataverse', async () => {
      const all = await api.fetchAll<Record<string, unknown>>({ collection: SET, fetchXml: fetchXml() });
      expect(all.value).to.have.length(5000);
    });
  });
}
