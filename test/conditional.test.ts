import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { call, createRow, DATABASES, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';
const DATA = 'msdyn_copilotinteractiondatas';
const STALE = { code: '0x80060882', message: "The version of the existing record doesn't match the RowVersion property provided." };

/** Conditional requests (RFC 9110 §13; digest §2.2–2.5): If-Match and If-None-Match on every single-row write. */
for (const database of DATABASES) {
  describe(`conditional requests [${database.name}]`, () => {
    let s: TestServer;
    before(async () => { s = await startServer(undefined, database); });
    after(async () => { await s.close(); });

    const etagOf = async (id: string) => (await call('GET', `${s.root}${SET}(${id})?$select=msdyn_name`)).json['@odata.etag'] as string;
    const lookupOf = async (id: string) => (await call('GET', `${s.root}${SET}(${id})?$select=_msdyn_interactiondataid_value`)).json._msdyn_interactiondataid_value as string | null;

    it('honours If-Match on PUT and DELETE of a single-valued $ref: stale 412 0x80060882 and nothing changes, current succeeds, * on a missing row 404', async () => {
      const data = (await createRow(s, DATA, { msdyn_name: 'data' })).msdyn_copilotinteractiondataid as string;
      const id = (await createRow(s, SET, { msdyn_name: 'ref' })).msdyn_copilotinteractionid as string;
      const ref = `${s.root}${SET}(${id})/msdyn_interactiondataid/$ref`;
      const body = { '@odata.id': `${s.root}${DATA}(${data})` };

      for (const [method, sent, before, after] of [['PUT', body, null, data], ['DELETE', undefined, data, null]] as const) {
        const stale = await call(method, ref, sent, { 'If-Match': 'W/"1"' });
        expect(stale.status, `${method}: ${stale.text}`).to.equal(412);
        expect(stale.json.error).to.deep.equal(STALE);
        expect(await lookupOf(id), `${method} stale`).to.equal(before);
        const current = await call(method, ref, sent, { 'If-Match': await etagOf(id) });
        expect(current.status, `${method}: ${current.text}`).to.equal(204);
        expect(await lookupOf(id), `${method} current`).to.equal(after);
      }

      const missing = `${s.root}${SET}(${randomUUID()})/msdyn_interactiondataid/$ref`;
      for (const r of [await call('PUT', missing, body, { 'If-Match': '*' }), await call('DELETE', missing, undefined, { 'If-Match': '*' })]) {
        expect(r.status, r.text).to.equal(404);
        expect(r.json.error.code).to.equal('0x80040217');
      }
    });
  });
}
