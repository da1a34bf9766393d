import { expect } from 'chai';
import { call, DATABASES, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';
const FV = 'OData.Community.Display.V1.FormattedValue';
const NONE = 'application/json;odata.metadata=none';
const FULL = 'application/json;odata.metadata=full';

/** Every key of `v` at any depth. */
function keysOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(keysOf);
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).flatMap(([k, x]) => [k, ...keysOf(x)]);
}

for (const database of DATABASES) {
  describe(`odata.metadata levels in Accept (OData JSON Format §3.1) [${database.name}]`, () => {
    let s: TestServer;
    let id: string;
    let entityId: string;
    before(async () => {
      s = await startServer(undefined, database);
      const created = await call('POST', `${s.root}${SET}`, { msdyn_name: 'levels', msdyn_interactiontype: 100230301 });
      entityId = created.headers.get('odata-entityid')!;
      id = /\(([^)]+)\)$/.exec(entityId)![1]!;
      await call('POST', `${s.root}${SET}`, { msdyn_name: 'levels 2' });
    });
    after(async () => { await s.close(); });

    it('answers minimal when nothing or minimal is asked for, as before', async () => {
      for (const accept of [undefined, 'application/json', 'application/json;odata.metadata=minimal', 'application/json;odata.metadata=unknown']) {
        const r = await call('GET', `${s.root}${SET}(${id})?$select=msdyn_name`, undefined, accept ? { Accept: accept } : {});
        expect(r.headers.get('content-type'), accept).to.equal('application/json; odata.metadata=minimal');
        expect(Object.keys(r.json), accept).to.deep.equal(['@odata.context', '@odata.etag', 'msdyn_name', 'msdyn_copilotinteractionid']);
      }
    });

    it('none: leaves out context, etags and types but keeps count, nextLink and instance annotations', async () => {
      const r = await call('GET', `${s.root}${SET}?$select=msdyn_name,msdyn_interactiontype&$count=true&$orderby=msdyn_name&$expand=createdby($select=fullname)`, undefined, {
        Accept: NONE, Prefer: `odata.maxpagesize=1,odata.include-annotations="${FV}"`,
      });
      expect(r.status, r.text).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('application/json; odata.metadata=none');
      expect(Object.keys(r.json)).to.deep.equal(['@odata.count', 'value', '@odata.nextLink']);
      expect(r.json['@odata.count']).to.equal(2);
      expect(r.json.value[0]).to.deep.equal({
        msdyn_name: 'levels', [`msdyn_interactiontype@${FV}`]: 'ThumbsUp', msdyn_interactiontype: 100230301, msdyn_copilotinteractionid: id,
        createdby: { fullname: 'SYSTEM', systemuserid: r.json.value[0].createdby.systemuserid, ownerid: r.json.value[0].createdby.systemuserid },
      });
      const next = await call('GET', r.json['@odata.nextLink'], undefined, { Accept: NONE, Prefer: 'odata.maxpagesize=1' });
      expect(next.json.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['levels 2']);
    });

    it('none: a single row keeps its ETag header, a $ref its @odata.id, a message answer its values', async () => {
      const row = await call('GET', `${s.root}${SET}(${id})?$select=msdyn_name`, undefined, { Accept: NONE });
      expect(row.json).to.deep.equal({ msdyn_name: 'levels', msdyn_copilotinteractionid: id });
      expect(row.headers.get('etag')).to.match(/^W\/"\d+"$/);
      const ref = await call('GET', `${s.root}${SET}(${id})/createdby/$ref`, undefined, { Accept: NONE });
      expect(Object.keys(ref.json)).to.deep.equal(['@odata.id']);
      const who = await call('GET', `${s.root}WhoAmI`, undefined, { Accept: NONE });
      expect(Object.keys(who.json).sort()).to.deep.equal(['BusinessUnitId', 'OrganizationId', 'UserId']);
      const created = await call('POST', `${s.root}${SET}?$select=msdyn_name`, { msdyn_name: 'represented' }, { Accept: NONE, Prefer: 'return=representation' });
      expect(created.status).to.equal(201);
      expect(keysOf(created.json).filter((k) => k.includes('@odata.'))).to.deep.equal([]);
      await call('DELETE', `${s.root}${SET}(${created.json.msdyn_copilotinteractionid})`);
    });

    it('full: every entity, expanded ones too, carries its type, id, edit link, value types and navigation links', async () => {
      const r = await call('GET', `${s.root}${SET}(${id})?$select=msdyn_name,createdon,importsequencenumber,_createdby_value&$expand=createdby($select=fullname)`, undefined, { Accept: FULL });
      expect(r.status, r.text).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('application/json; odata.metadata=full');
      const keys = Object.keys(r.json);
      expect(keys.slice(0, 5)).to.deep.equal(['@odata.context', '@odata.type', '@odata.id', '@odata.etag', '@odata.editLink']);
      expect(r.json).to.include({
        '@odata.type': '#Microsoft.Dynamics.CRM.msdyn_copilotinteraction',
        '@odata.id': entityId,
        '@odata.editLink': `${SET}(${id})`,
        'createdon@odata.type': '#DateTimeOffset',
        '_createdby_value@odata.type': '#Guid',
        'msdyn_copilotinteractionid@odata.type': '#Guid',
        'createdby@odata.navigationLink': `${entityId}/createdby`,
        'createdby@odata.associationLink': `${entityId}/createdby/$ref`,
      });
      // JSON's own types need no annotation; a null value gets none.
      expect(r.json).to.not.have.property('msdyn_name@odata.type');
      expect(r.json).to.have.property('importsequencenumber', null);
      expect(r.json).to.not.have.property('importsequencenumber@odata.type');
      expect(keys.indexOf('createdon@odata.type')).to.equal(keys.indexOf('createdon') - 1);
      const user = r.json.createdby;
      expect(user).to.include({ '@odata.type': '#Microsoft.Dynamics.CRM.systemuser', '@odata.editLink': `systemusers(${user.systemuserid})`, fullname: 'SYSTEM' });
      expect(user['@odata.id']).to.equal(`${s.root}systemusers(${user.systemuserid})`);
      // The links lead where they say.
      const linked = await call('GET', r.json['createdby@odata.navigationLink']);
      expect(linked.json.systemuserid).to.equal(user.systemuserid);
      const edited = await call('GET', `${s.root}${r.json['@odata.editLink']}?$select=msdyn_name`);
      expect(edited.json.msdyn_name).to.equal('levels');
    });

    it('full: collections and FetchXML rows are described entity by entity', async () => {
      const r = await call('GET', `${s.root}${SET}?$select=msdyn_name&$top=1`, undefined, { Accept: FULL });
      expect(r.json.value[0]).to.include({ '@odata.type': '#Microsoft.Dynamics.CRM.msdyn_copilotinteraction' });
      const fetch = `<fetch top="1"><entity name="msdyn_copilotinteraction"><attribute name="msdyn_name"/></entity></fetch>`;
      const f = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(fetch)}`, undefined, { Accept: FULL });
      expect(f.status, f.text).to.equal(200);
      expect(f.json.value[0]['@odata.id']).to.match(/msdyn_copilotinteractions\([0-9a-f-]{36}\)$/);
    });

    it('takes the JSON range with the highest q, and OData v3 spellings', async () => {
      const cases: Array<[string, string]> = [
        [`${FULL};q=0.5, ${NONE}`, 'none'],
        [`${NONE};q=0.2, application/json;odata.metadata=full;q=0.9, text/html`, 'full'],
        ['application/json;odata=nometadata', 'none'],
        ['application/json;odata=fullmetadata', 'full'],
        ['text/html, */*;odata.metadata=none', 'none'],
      ];
      for (const [accept, level] of cases) {
        const r = await call('GET', `${s.root}${SET}(${id})?$select=msdyn_name`, undefined, { Accept: accept });
        expect(r.headers.get('content-type'), accept).to.equal(`application/json; odata.metadata=${level}`);
      }
    });

    it('each $batch part answers at its own Accept header\'s level', async () => {
      const body = [
        '--b1', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '',
        `GET ${s.root}${SET}(${id})?$select=msdyn_name HTTP/1.1`, `Accept: ${NONE}`, '', '',
        '--b1', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '',
        `GET ${s.root}${SET}(${id})?$select=msdyn_name HTTP/1.1`, 'Accept: application/json', '', '',
        '--b1--', '',
      ].join('\r\n');
      const r = await call('POST', `${s.root}$batch`, body, { 'Content-Type': 'multipart/mixed;boundary=b1' });
      expect(r.status, r.text).to.equal(200);
      const parts = r.text.split(/--batchresponse_[0-9a-f-]+/).filter((p) => p.includes('HTTP/1.1'));
      expect(parts[0]).to.include('Content-Type: application/json; odata.metadata=none; odata.streaming=true');
      expect(parts[0]).to.include(`{"msdyn_name":"levels","msdyn_copilotinteractionid":"${id}"}`);
      expect(parts[1]).to.include('Content-Type: application/json; odata.metadata=minimal; odata.streaming=true');
      expect(parts[1]).to.include('"@odata.etag"');
    });

    it('error answers name the level asked for in their Content-Type, at the top level and in $batch parts', async () => {
      for (const [accept, level] of [[NONE, 'none'], [FULL, 'full'], ['application/json', 'minimal']] as const) {
        const bad = await call('GET', `${s.root}${SET}?$filter=nosuch eq 1`, undefined, { Accept: accept });
        expect(bad.status, bad.text).to.equal(400);
        expect(bad.headers.get('content-type'), accept).to.equal(`application/json; odata.metadata=${level}`);
        expect(bad.json.error.message).to.be.a('string');
        const missing = await call('GET', `${s.root}${SET}(00000000-0000-4000-8000-000000000404)`, undefined, { Accept: accept });
        expect(missing.status).to.equal(404);
        expect(missing.headers.get('content-type'), accept).to.equal(`application/json; odata.metadata=${level}`);
      }
      // A body the app itself refuses (not JSON) is answered by its error handler, at the level too.
      const unreadable = await call('POST', `${s.root}${SET}`, '{"msdyn_name":', { Accept: FULL });
      expect(unreadable.status, unreadable.text).to.equal(400);
      expect(unreadable.headers.get('content-type')).to.equal('application/json; odata.metadata=full');
      const body = [
        '--b1', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '',
        `GET ${s.root}${SET}?$filter=nosuch eq 1 HTTP/1.1`, `Accept: ${NONE}`, '', '',
        '--b1--', '',
      ].join('\r\n');
      const r = await call('POST', `${s.root}$batch`, body, { 'Content-Type': 'multipart/mixed;boundary=b1' });
      const part = r.text.split(/--batchresponse_[0-9a-f-]+/).find((p) => p.includes('HTTP/1.1'))!;
      expect(part).to.include('HTTP/1.1 400 Bad Request');
      expect(part).to.include('Content-Type: application/json; odata.metadata=none; odata.streaming=true');
    });
  });
}
