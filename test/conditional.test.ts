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
    /** A row named `name` with no lookup yet, its lookup's `$ref` URL, and a `$ref` body naming a new data row. */
    const refFixture = async (name: string) => {
      const data = (await createRow(s, DATA, { msdyn_name: 'data' })).msdyn_copilotinteractiondataid as string;
      const id = (await createRow(s, SET, { msdyn_name: name })).msdyn_copilotinteractionid as string;
      return { data, id, ref: `${s.root}${SET}(${id})/msdyn_interactiondataid/$ref`, body: { '@odata.id': `${s.root}${DATA}(${data})` } };
    };

    it('honours If-Match on PUT and DELETE of a single-valued $ref: stale 412 0x80060882 and nothing changes, current succeeds, * on a missing row 404', async () => {
      const { data, id, ref, body } = await refFixture('ref');

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

    it('takes a list of ETags in If-Match (RFC 9110 §13.1.1): a PATCH, property PUT, $ref PUT and DELETE go on when the row is at any of them, 412 when at none', async () => {
      const { id, ref, body } = await refFixture('listed');
      const row = `${s.root}${SET}(${id})`;
      const nameOf = async () => (await call('GET', `${row}?$select=msdyn_name`)).json.msdyn_name as string;
      const writes = [
        ['PATCH', row, { msdyn_name: 'patched from a list' }, 'patched from a list'],
        ['PUT', `${row}/msdyn_name`, { value: 'put from a list' }, 'put from a list'],
        ['PUT', ref, body, undefined],
      ] as const;
      for (const [method, url, sent, written] of writes) {
        const stale = await call(method, url, sent, { 'If-Match': 'W/"1", W/"2"' });
        expect(stale.status, `${method} ${url}: ${stale.text}`).to.equal(412);
        expect(stale.json.error).to.deep.equal(STALE);
        if (written) expect(await nameOf()).not.to.equal(written);
        for (const listed of [(etag: string) => `W/"1", ${etag}`, (etag: string) => `${etag},W/"2"`]) {
          const list = listed(await etagOf(id));
          const r = await call(method, url, sent, { 'If-Match': list });
          expect(r.status, `${method} ${list}: ${r.text}`).to.equal(204);
        }
        if (written) expect(await nameOf()).to.equal(written);
      }
      // With If-Match a PATCH updates only: a missing row is 404, not created.
      const missing = await call('PATCH', `${s.root}${SET}(${randomUUID()})`, { msdyn_name: 'not created' }, { 'If-Match': 'W/"1", W/"2"' });
      expect(missing.status, missing.text).to.equal(404);
      expect((await call('GET', `${s.root}${SET}?$filter=msdyn_name eq 'not created'`)).json.value).to.deep.equal([]);
      // `*` stands alone.
      const mixed = await call('PATCH', row, { msdyn_name: 'mixed' }, { 'If-Match': `*, ${await etagOf(id)}` });
      expect(mixed.status, mixed.text).to.equal(400);
      expect(await nameOf()).to.equal('put from a list');
      // A list of no ETags (`#entity-tag` allows it) matches no version: not an absent header.
      const none = await call('PATCH', `${s.root}${SET}(${randomUUID()})`, { msdyn_name: 'created by an empty list' }, { 'If-Match': ' , ' });
      expect(none.status, none.text).to.equal(404);
      expect((await call('GET', `${s.root}${SET}?$filter=msdyn_name eq 'created by an empty list'`)).json.value).to.deep.equal([]);
      for (const [method, sent] of [['PATCH', { msdyn_name: 'empty list' }], ['DELETE', undefined]] as const) {
        const r = await call(method, row, sent, { 'If-Match': ',' });
        expect(r.status, `${method}: ${r.text}`).to.equal(412);
      }
      expect(await nameOf()).to.equal('put from a list');
      const stale = await call('DELETE', row, undefined, { 'If-Match': 'W/"1", W/"2"' });
      expect(stale.status, stale.text).to.equal(412);
      const deleted = await call('DELETE', row, undefined, { 'If-Match': `W/"1", ${await etagOf(id)}` });
      expect(deleted.status, deleted.text).to.equal(204);
      expect((await call('GET', row)).status).to.equal(404);
    });

    it('refuses a write whose If-None-Match lists the row\'s current ETag (412 0x80060882, nothing written) and goes on when none matches', async () => {
      const id = (await createRow(s, SET, { msdyn_name: 'guarded' })).msdyn_copilotinteractionid as string;
      const row = `${s.root}${SET}(${id})`;
      const nameOf = async () => (await call('GET', `${row}?$select=msdyn_name`)).json.msdyn_name as string;
      const writes = [
        ['PATCH', row, { msdyn_name: 'patched' }, 'patched'],
        ['PUT', `${row}/msdyn_name`, { value: 'put' }, 'put'],
      ] as const;
      for (const [method, url, body, written] of writes) {
        const current = await etagOf(id);
        for (const ifNoneMatch of [current, `W/"1", ${current}`]) {
          const refused = await call(method, url, body, { 'If-None-Match': ifNoneMatch });
          expect(refused.status, `${method} ${ifNoneMatch}: ${refused.text}`).to.equal(412);
          expect(refused.json.error).to.deep.equal(STALE);
          expect(await nameOf()).not.to.equal(written);
        }
        const done = await call(method, url, body, { 'If-None-Match': 'W/"1", W/"2"' });
        expect(done.status, `${method}: ${done.text}`).to.equal(204);
        expect(await nameOf()).to.equal(written);
      }
      const fresh = randomUUID();
      expect((await call('PATCH', `${s.root}${SET}(${fresh})`, { msdyn_name: 'upserted' }, { 'If-None-Match': 'W/"1"' })).status, 'a missing row has no ETag to match: the upsert creates it').to.equal(204);
      expect((await call('GET', `${s.root}${SET}(${fresh})?$select=msdyn_name`)).json.msdyn_name).to.equal('upserted');

      const refused = await call('DELETE', row, undefined, { 'If-None-Match': await etagOf(id) });
      expect(refused.status, refused.text).to.equal(412);
      expect(refused.json.error).to.deep.equal(STALE);
      expect((await call('GET', row)).status).to.equal(200);
      expect((await call('DELETE', row, undefined, { 'If-None-Match': 'W/"1"' })).status).to.equal(204);
      expect((await call('GET', row)).status).to.equal(404);
    });

    it('refuses If-None-Match: * on a DELETE, a property PUT or DELETE and a single-valued $ref PUT or DELETE of an existing row (412 0x80060882, nothing changed); a missing row stays 404', async () => {
      const data = (await createRow(s, DATA, { msdyn_name: 'data' })).msdyn_copilotinteractiondataid as string;
      const other = (await createRow(s, DATA, { msdyn_name: 'other' })).msdyn_copilotinteractiondataid as string;
      const id = (await createRow(s, SET, { msdyn_name: 'kept', 'msdyn_interactiondataid@odata.bind': `/${DATA}(${data})` })).msdyn_copilotinteractionid as string;
      const row = `${s.root}${SET}(${id})`;
      const before = await etagOf(id);
      const writes = (at: string) => [
        ['DELETE', `${s.root}${SET}(${at})`, undefined],
        ['PUT', `${s.root}${SET}(${at})/msdyn_name`, { value: 'changed' }],
        ['DELETE', `${s.root}${SET}(${at})/msdyn_name`, undefined],
        ['PUT', `${s.root}${SET}(${at})/msdyn_interactiondataid/$ref`, { '@odata.id': `${s.root}${DATA}(${other})` }],
        ['DELETE', `${s.root}${SET}(${at})/msdyn_interactiondataid/$ref`, undefined],
      ] as const;
      for (const [method, url, body] of writes(id)) {
        const refused = await call(method, url, body, { 'If-None-Match': '*' });
        expect(refused.status, `${method} ${url}: ${refused.text}`).to.equal(412);
        expect(refused.json.error).to.deep.equal(STALE);
        const now = await call('GET', `${row}?$select=msdyn_name,_msdyn_interactiondataid_value`);
        expect(now.status, `${method} ${url}`).to.equal(200);
        expect([now.json.msdyn_name, now.json._msdyn_interactiondataid_value, now.json['@odata.etag']], `${method} ${url}`).to.deep.equal(['kept', data, before]);
      }
      for (const [method, url, body] of writes(randomUUID())) {
        const missing = await call(method, url, body, { 'If-None-Match': '*' });
        expect(missing.status, `${method} ${url}: ${missing.text}`).to.equal(404);
        expect(missing.json.error.code).to.equal('0x80040217');
      }
      const created = await call('PATCH', row, { msdyn_name: 'again' }, { 'If-None-Match': '*' });
      expect([created.status, created.json.error?.code], 'PATCH keeps * as create only').to.deep.equal([412, '0x80040237']);
    });

    it('refuses a single-valued $ref PUT or DELETE whose If-None-Match lists the row\'s current ETag (412 0x80060882, lookup unchanged) and goes on when none matches', async () => {
      const { data, id, ref, body } = await refFixture('ref list');
      for (const [method, sent, before, after] of [['PUT', body, null, data], ['DELETE', undefined, data, null]] as const) {
        const current = await etagOf(id);
        for (const ifNoneMatch of [current, `W/"1", ${current}`]) {
          const refused = await call(method, ref, sent, { 'If-None-Match': ifNoneMatch });
          expect(refused.status, `${method} ${ifNoneMatch}: ${refused.text}`).to.equal(412);
          expect(refused.json.error).to.deep.equal(STALE);
          expect(await lookupOf(id), `${method} ${ifNoneMatch}`).to.equal(before);
          expect(await etagOf(id)).to.equal(current);
        }
        const done = await call(method, ref, sent, { 'If-None-Match': 'W/"1", W/"2"' });
        expect(done.status, `${method}: ${done.text}`).to.equal(204);
        expect(await lookupOf(id), method).to.equal(after);
      }
    });

    it('answers a GET 304 when If-None-Match is * or lists the current ETag, unless annotations or $expand are asked for', async () => {
      const id = (await createRow(s, SET, { msdyn_name: 'cached' })).msdyn_copilotinteractionid as string;
      const row = `${s.root}${SET}(${id})?$select=msdyn_name`;
      const current = await etagOf(id);
      for (const ifNoneMatch of ['*', `W/"1", ${current}`, `${current},W/"2"`]) {
        const r = await call('GET', row, undefined, { 'If-None-Match': ifNoneMatch });
        expect(r.status, `${ifNoneMatch}: ${r.text}`).to.equal(304);
        expect(r.headers.get('etag')).to.equal(current);
      }
      expect((await call('GET', row, undefined, { 'If-None-Match': 'W/"1", W/"2"' })).status).to.equal(200);
      expect((await call('GET', row, undefined, { 'If-None-Match': '*', Prefer: 'odata.include-annotations="*"' })).status).to.equal(200);
      expect((await call('GET', `${row}&$expand=msdyn_interactiondataid($select=msdyn_name)`, undefined, { 'If-None-Match': '*' })).status).to.equal(200);
      const missing = await call('GET', `${s.root}${SET}(${randomUUID()})`, undefined, { 'If-None-Match': '*' });
      expect(missing.status).to.equal(404);
    });
  });
}
