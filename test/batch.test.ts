import { expect } from 'chai';
import { DynamicsWebApi } from 'dynamics-web-api';
import type { ServiceError } from '../src/errors.js';
import { errorResponse } from '../src/odata/respond.js';
import { call, DATABASES, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';

/** The application/http parts of a multipart/mixed answer: status and body of each. */
function answers(r: { headers: Headers; text: string }): Array<{ status: number; headers: string; body: string }> {
  const boundary = /boundary=([^;]+)/.exec(r.headers.get('content-type') ?? '')![1]!;
  return r.text.split(`--${boundary}`).slice(1, -1).map((part) => {
    const http = part.slice(part.indexOf('\r\n\r\n') + 4);
    const [head, ...body] = http.split('\r\n\r\n');
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head!)![1]), headers: head!, body: body.join('\r\n\r\n').trim() };
  });
}

/** A multipart/mixed batch body of `requests` (request line, headers, body), lines ending in `eol`. */
function batch(boundary: string, requests: string[], eol = '\r\n'): string {
  return [...requests.map((r) => `--${boundary}${eol}Content-Type: application/http${eol}Content-Transfer-Encoding: binary${eol}${eol}${r.replace(/\n/g, eol)}${eol}`), `--${boundary}--${eol}`].join('');
}

for (const database of DATABASES) {
  describe(`$batch [${database.name}]`, () => {
    let s: TestServer;
    let names: string[];
    before(async () => {
      s = await startServer(undefined, database);
      names = Array.from({ length: 6 }, (_, i) => `batched ${i}`);
      for (const msdyn_name of names) await call('POST', `${s.root}${SET}`, { msdyn_name });
    });
    after(async () => { await s.close(); });

    it('answers dynamics-web-api\'s long queries, which it sends as a $batch of one GET', async () => {
      const dwa = new DynamicsWebApi({ serverUrl: s.origin, dataApi: { version: '9.2' } });
      // Over 2,000 characters of path: the client turns the GET into POST $batch on its own.
      const filter = [...names.slice(0, 3), ...Array.from({ length: 120 }, (_, i) => `not present ${i}`)].map((n) => `msdyn_name eq '${n}'`).join(' or ');
      expect(filter.length).to.be.above(2000);
      const r = await dwa.retrieveMultiple<{ msdyn_name: string }>({ collection: SET, select: ['msdyn_name'], filter, orderBy: ['msdyn_name'] });
      expect(r.value.map((v) => v.msdyn_name)).to.deep.equal(names.slice(0, 3));
    });

    it('runs each part as its own request, in order, with LF or CRLF line endings', async () => {
      for (const eol of ['\r\n', '\n']) {
        const body = batch('b_1', [
          `GET ${s.root}${SET}?$select=msdyn_name&$filter=msdyn_name eq 'batched 1' HTTP/1.1\nAccept: application/json\n`,
          `POST /api/data/v9.2/${SET} HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"made in a batch ${eol.length}"}`,
          `GET /api/data/v9.2/${SET}/$count?$filter=startswith(msdyn_name,'made in a batch ${eol.length}') HTTP/1.1\n`,
        ], eol);
        const r = await call('POST', `${s.root}$batch`, body, { 'Content-Type': 'multipart/mixed;boundary=b_1' });
        expect(r.status, r.text).to.equal(200);
        expect(r.headers.get('content-type')).to.match(/^multipart\/mixed; boundary=batchresponse_[0-9a-f-]{36}$/);
        const [get, post, count] = answers(r);
        expect(get!.status).to.equal(200);
        expect(get!.headers).to.contain('Content-Type: application/json; odata.metadata=minimal; odata.streaming=true');
        expect(JSON.parse(get!.body).value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['batched 1']);
        expect(post!.status).to.equal(204);
        expect(post!.headers).to.match(new RegExp(`OData-EntityId: ${s.root}${SET}\\([0-9a-f-]{36}\\)`));
        expect(count!.body).to.equal('1');
      }
    });

    it('stops at the first failing part and takes its status, unless Prefer: odata.continue-on-error', async () => {
      const body = batch('b_2', [
        `GET /api/data/v9.2/${SET}?$top=1 HTTP/1.1\n`,
        `GET /api/data/v9.2/${SET}(00000000-0000-0000-0000-000000000001) HTTP/1.1\n`,
        `POST /api/data/v9.2/${SET} HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"after a failure"}`,
      ]);
      const stopped = await call('POST', `${s.root}$batch`, body, { 'Content-Type': 'multipart/mixed; boundary="b_2"' });
      expect(stopped.status).to.equal(404);
      expect(answers(stopped).map((a) => a.status)).to.deep.equal([200, 404]);
      expect(JSON.parse(answers(stopped)[1]!.body).error.code).to.equal('0x80040217');
      // A failed part carries REQ_ID, as Dataverse's do; a part that succeeded does not.
      expect(answers(stopped)[1]!.headers).to.match(/\r\nREQ_ID: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\r\n/);
      expect(answers(stopped)[0]!.headers).not.to.contain('REQ_ID');
      expect((await call('GET', `${s.root}${SET}/$count?$filter=msdyn_name eq 'after a failure'`)).text).to.equal('0');
      const all = await call('POST', `${s.root}$batch`, body, { 'Content-Type': 'multipart/mixed; boundary="b_2"', Prefer: 'odata.continue-on-error' });
      expect(all.status).to.equal(200);
      expect(answers(all).map((a) => a.status)).to.deep.equal([200, 404, 204]);
    });

    /** A change set of `requests` (request line, headers, body; Content-IDs 1, 2, …) inside a batch part. */
    const changeSet = (requests: string[]) => `Content-Type: multipart/mixed;boundary=cs\n\n${requests.map((r, i) => `--cs\nContent-Type: application/http\nContent-Transfer-Encoding: binary\nContent-ID: ${i + 1}\n\n${r}\n`).join('')}--cs--`;
    /** A batch of raw parts (a change set, or an application/http part without its part headers). */
    const raw = (parts: string[]) => `${parts.map((p) => `--b\n${p}\n`).join('')}--b--\n`;
    const send = (body: string, headers: Record<string, string> = {}) => call('POST', `${s.root}$batch`, body, { 'Content-Type': 'multipart/mixed;boundary=b', ...headers });

    it('runs a change set in one transaction, resolving $<Content-ID> in URLs and in @odata.bind', async () => {
      const r = await send(raw([changeSet([
        'POST /api/data/v9.2/msdyn_copilotinteractiondatas HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"set data"}',
        `POST /api/data/v9.2/${SET} HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"set child","msdyn_interactiondataid@odata.bind":"$1"}`,
        'PATCH $2 HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_scenariorequestid":"patched through $2"}',
      ])]));
      expect(r.status, r.text).to.equal(200);
      const inner = /Content-Type: multipart\/mixed; boundary=(changesetresponse_[0-9a-f-]{36})/.exec(r.text)![1]!;
      const parts = r.text.split(`--${inner}`).slice(1, -1);
      expect(parts.map((p) => /Content-ID: (\d+)/.exec(p)![1])).to.deep.equal(['1', '2', '3']);
      expect(parts.map((p) => Number(/HTTP\/1\.1 (\d{3})/.exec(p)![1]))).to.deep.equal([204, 204, 204]);
      const child = (await call('GET', `${s.root}${SET}?$filter=msdyn_name eq 'set child'&$select=msdyn_scenariorequestid&$expand=msdyn_interactiondataid($select=msdyn_name)`)).json.value;
      expect(child).to.have.length(1);
      expect(child[0]).to.deep.include({ msdyn_scenariorequestid: 'patched through $2' });
      expect(child[0].msdyn_interactiondataid.msdyn_name).to.equal('set data');
    });

    it('resolves $<Content-ID> to the row a return=representation answer holds (create 201, upsert 201), which sends no OData-EntityId', async () => {
      const upserted = '0a1b2c3d-0000-4000-8000-00000000b701';
      const r = await send(raw([changeSet([
        `POST /api/data/v9.2/${SET} HTTP/1.1\nContent-Type: application/json\nPrefer: return=representation\n\n{"msdyn_name":"represented"}`,
        'PATCH $1 HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_scenariorequestid":"through a represented $1"}',
        `PATCH /api/data/v9.2/${SET}(${upserted}) HTTP/1.1\nContent-Type: application/json\nPrefer: return=representation\n\n{"msdyn_name":"upserted"}`,
        'PATCH $3 HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_scenariorequestid":"through a represented $3"}',
      ])]));
      expect(r.status, r.text).to.equal(200);
      const inner = /boundary=(changesetresponse_[0-9a-f-]{36})/.exec(r.text)![1]!;
      const parts = r.text.split(`--${inner}`).slice(1, -1);
      expect(parts.map((p) => Number(/HTTP\/1\.1 (\d{3})/.exec(p)![1]))).to.deep.equal([201, 204, 201, 204]);
      expect(parts[0]).not.to.contain('OData-EntityId');
      const rows = (await call('GET', `${s.root}${SET}?$select=msdyn_name,msdyn_scenariorequestid&$filter=startswith(msdyn_scenariorequestid,'through a represented')&$orderby=msdyn_name`)).json.value;
      expect(rows.map((x: { msdyn_name: string }) => x.msdyn_name)).to.deep.equal(['represented', 'upserted']);
      expect(rows[1].msdyn_copilotinteractionid).to.equal(upserted);
    });

    it('stops running requests once its answers pass 64 MiB, answering what ran as it ran (a committed change set included)', async () => {
      const big = 'x'.repeat(1024 * 1024);
      for (const name of ['big 1', 'big 2']) expect((await call('POST', `${s.root}${SET}`, { msdyn_name: name, msdyn_interactioncontext: big })).status).to.equal(204);
      const get = `Content-Type: application/http\n\nGET /api/data/v9.2/${SET}?$select=msdyn_interactioncontext&$filter=startswith(msdyn_name,'big ') HTTP/1.1\n`;
      const r = await send(raw([
        changeSet([`POST /api/data/v9.2/${SET} HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"before the big answers"}`]),
        ...Array.from({ length: 80 }, () => get),
      ]), { Prefer: 'odata.continue-on-error' });
      expect(r.status).to.equal(400);
      const statuses = [...r.text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
      expect(statuses[0], 'the change set').to.equal(204);
      expect(statuses.slice(1, -1).every((x) => x === 200)).to.equal(true);
      expect(statuses.length).to.be.within(30, 40);
      expect(statuses[statuses.length - 1]).to.equal(400);
      expect(r.text).to.contain('The answers of this $batch passed 64 MiB');
      expect((await call('GET', `${s.root}${SET}/$count?$filter=msdyn_name eq 'before the big answers'`)).text).to.equal('1');
    });

    it('refuses a request URL past 64 KiB (Dataverse\'s limit in a batch) with a 400, before running anything', async () => {
      const tooLong = `Content-Type: application/http\n\nGET /api/data/v9.2/${SET}?$filter=${'(msdyn_name eq \'x\') or '.repeat(3000)}(msdyn_name eq 'y') HTTP/1.1\n`;
      const r = await send(raw([tooLong]));
      expect(r.status).to.equal(400);
      expect(r.text).to.contain("A $batch request's URL may be at most 65,536 characters long");
    });

    it('rolls back a change set whose own answers pass 64 MiB, saying so, rather than answering 500 after committing it', async () => {
      const id = (await call('POST', `${s.root}${SET}`, { msdyn_name: 'big row', msdyn_interactioncontext: 'y'.repeat(1024 * 1024) }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid;
      const patch = (i: number) => `PATCH /api/data/v9.2/${SET}(${id}) HTTP/1.1\nContent-Type: application/json\nPrefer: return=representation\n\n{"importsequencenumber":${i}}`;
      const r = await send(raw([changeSet(Array.from({ length: 70 }, (_, i) => patch(i + 1)))]));
      expect(r.status).to.equal(400);
      expect(r.text).to.contain('The answers of this change set pass 64 MiB; it was rolled back.');
      expect((await call('GET', `${s.root}${SET}(${id})?$select=importsequencenumber`)).json.importsequencenumber).to.equal(null);
    });

    it('rolls a failing change set back whole and answers its failure alone; the batch goes on with continue-on-error', async () => {
      const failing = changeSet([
        `POST /api/data/v9.2/${SET} HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"rolled back"}`,
        `POST /api/data/v9.2/${SET} HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"${'x'.repeat(101)}"}`,
      ]);
      const after = `Content-Type: application/http\n\nGET /api/data/v9.2/${SET}/$count HTTP/1.1\n`;
      const stopped = await send(raw([failing, after]));
      expect(stopped.status).to.equal(400);
      expect(answers(stopped).map((a) => a.status)).to.deep.equal([400]);
      expect(JSON.parse(answers(stopped)[0]!.body).error.code).to.equal('0x80044331');
      expect((await call('GET', `${s.root}${SET}/$count?$filter=msdyn_name eq 'rolled back'`)).text).to.equal('0');
      const goneOn = await send(raw([failing, after]), { Prefer: 'odata.continue-on-error' });
      expect(goneOn.status).to.equal(200);
      expect(answers(goneOn).map((a) => a.status)).to.deep.equal([400, 200]);
      const unknown = await send(raw([changeSet(['PATCH $7 HTTP/1.1\nContent-Type: application/json\n\n{}'])]));
      expect(unknown.status).to.equal(400);
      expect(JSON.parse(answers(unknown)[0]!.body).error.message).to.equal("Content-ID Reference: '$7' does not exist in the batch context.");
    });

    it('rolls back a change set whose first request is a DELETE (its statement opens the transaction)', async () => {
      // On PostgreSQL BEGIN travels with a transaction's first statement, or alone before one
      // with parameters, such as a DELETE: either way the failure after it takes it back.
      const id = (await call('POST', `${s.root}${SET}`, { msdyn_name: 'deleted then restored' })).headers.get('OData-EntityId')!.match(/\((.+)\)/)![1];
      const r = await send(raw([changeSet([
        `DELETE /api/data/v9.2/${SET}(${id}) HTTP/1.1\n`,
        `POST /api/data/v9.2/${SET} HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"${'x'.repeat(101)}"}`,
      ])]));
      expect(r.status).to.equal(400);
      expect((await call('GET', `${s.root}${SET}(${id})?$select=msdyn_name`)).json.msdyn_name).to.equal('deleted then restored');
    });

    it('resolves $<Content-ID> only where a record URL stands: other "$1" strings are data', async () => {
      const r = await send(raw([changeSet([
        `POST /api/data/v9.2/${SET} HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"data first"}`,
        `POST /api/data/v9.2/${SET} HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"$1","msdyn_scenariorequestid":"$price","importsequencenumber":7}`,
      ])]));
      expect(r.status, r.text).to.equal(200);
      const row = (await call('GET', `${s.root}${SET}?$filter=msdyn_scenariorequestid eq '$price'&$select=msdyn_name,importsequencenumber`)).json.value;
      expect(row).to.deep.equal([{ '@odata.etag': row[0]['@odata.etag'], msdyn_name: '$1', importsequencenumber: 7, msdyn_copilotinteractionid: row[0].msdyn_copilotinteractionid }]);
    });

    it('takes URLs relative to the service root, and answers a create with Location too', async () => {
      const r = await send(raw([
        `Content-Type: application/http\n\nGET ${SET}?$select=msdyn_name&$filter=msdyn_name eq 'batched 2' HTTP/1.1\n`,
        `Content-Type: application/http\n\nPOST ${SET} HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"relative"}`,
      ]));
      expect(r.status, r.text).to.equal(200);
      const [get, post] = answers(r);
      expect(JSON.parse(get!.body).value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['batched 2']);
      const entityId = /OData-EntityId: (\S+)/.exec(post!.headers)![1];
      expect(post!.headers).to.contain(`Location: ${entityId}`);
    });

    it('never answers 500 when change sets take the same keys in opposite orders: one wins, the other is 412', async () => {
      const config = (uniquename: string) => `POST /api/data/v9.2/retentionconfigs HTTP/1.1\nContent-Type: application/json\n\n${JSON.stringify({
        name: uniquename, uniquename, entitylogicalname: 'msdyn_copilotinteraction', starttime: '2030-01-01T00:00:00Z',
        criteria: '<fetch><entity name="msdyn_copilotinteraction"><filter><condition attribute="msdyn_name" operator="eq" value="never"/></filter></entity></fetch>',
      })}`;
      // Each a change set of single creates: the two transactions interleave request by request.
      const createBoth = (first: string, second: string) => send(raw([changeSet([config(first), ...Array.from({ length: 10 }, (_, i) => config(`${first}-${second}-${i}`)), config(second)])]));
      for (let k = 0; k < 3; k++) {
        const [a, b] = [`dl-a-${k}`, `dl-b-${k}`];
        const statuses = (await Promise.all([createBoth(a, b), createBoth(b, a)])).map((r) => r.status).sort();
        expect(statuses, `pair ${k}`).to.deep.equal([200, 412]);
      }
    });

    it('never answers 500 when 10 change sets update the same two rows in opposite orders at once', async function () {
      this.timeout(180_000);
      const ids = await Promise.all(['dl-row-1', 'dl-row-2'].map(async (msdyn_name) => (await call('POST', `${s.root}${SET}`, { msdyn_name })).headers.get('OData-EntityId')!.match(/\((.+)\)/)![1]!));
      const patch = (id: string, i: number) => `PATCH /api/data/v9.2/${SET}(${id}) HTTP/1.1\nContent-Type: application/json\n\n{"importsequencenumber":${i}}`;
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => send(raw([changeSet(i % 2 ? [patch(ids[0]!, i), patch(ids[1]!, i)] : [patch(ids[1]!, i), patch(ids[0]!, i)])]))));
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((st) => st !== 200 && st !== 503), statuses.join(' ')).to.deep.equal([]);
      expect(statuses.filter((st) => st === 200).length).to.be.above(5);
      // Both rows end with the same change set's value: each set ran whole or not at all.
      const rows = await Promise.all(ids.map(async (id) => (await call('GET', `${s.root}${SET}(${id})?$select=importsequencenumber`)).json.importsequencenumber));
      expect(rows[0]).to.equal(rows[1]);
    });

    // On PostgreSQL BEGIN travels with a transaction's first parameterless statement: when that
    // statement fails, the transaction must still be rolled back, or its pooled connection would
    // stay in an aborted transaction for the next request.
    it('leaves no connection in a failed transaction when a transaction\'s first statement fails', async () => {
      for (let i = 0; i < 6; i++) {
        const failed = await s.db.transaction((tx) => tx.rows({ sql: 'SELECT x FROM tessera_no_such_table', params: [] })).then(() => 'ran', () => 'failed');
        expect(failed).to.equal('failed');
      }
      // More transactions than the pool has connections: each must find a clean one.
      const answers = await Promise.all(Array.from({ length: 8 }, () => s.db.transaction((tx) => tx.rows({ sql: 'SELECT 7', params: [] }))));
      expect(answers.map((rows) => Number(rows[0]![0]))).to.deep.equal(Array(8).fill(7));
    });

    // SQLite has one writer and never picks a victim.
    if (database.name === 'postgres') it('runs a transaction PostgreSQL keeps choosing as a deadlock victim 8 times, then answers 503 0x80044150, not 500', async () => {
      let runs = 0;
      const victim = s.db.transaction(async () => {
        runs++;
        throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      });
      const err = await victim.then(() => undefined, (e: unknown) => e);
      expect(runs).to.equal(8);
      expect(err).to.include({ status: 503, code: '0x80044150' });
      // The client may simply send it again: the answer says when.
      expect(errorResponse(err as ServiceError).headers).to.include({ 'Retry-After': '1' });
    });

    it('works with dynamics-web-api\'s startBatch / executeBatch, change sets included', async () => {
      const dwa = new DynamicsWebApi({ serverUrl: s.origin, dataApi: { version: '9.2' } });
      dwa.startBatch();
      void dwa.create({ collection: SET, data: { msdyn_name: 'dwa batch 1' } });
      void dwa.create({ collection: SET, data: { msdyn_name: 'dwa batch 2' } });
      void dwa.retrieveMultiple({ collection: SET, select: ['msdyn_name'], filter: "startswith(msdyn_name,'dwa batch')" });
      const results = await dwa.executeBatch();
      expect(results).to.have.length(3);
      expect(results[0]).to.match(/^[0-9a-f-]{36}$/);
      expect(results[1]).to.match(/^[0-9a-f-]{36}$/);
      expect((results[2] as { value: Array<{ msdyn_name: string }> }).value.map((v) => v.msdyn_name).sort()).to.deep.equal(['dwa batch 1', 'dwa batch 2']);
    });

    it('refuses what it cannot run: a GET in a change set, Content-ID references outside one, nested batches, other bodies and methods', async () => {
      const cases: Array<[string, string, RegExp]> = [
        ['multipart/mixed;boundary=b', raw([changeSet([`GET /api/data/v9.2/${SET} HTTP/1.1\n`])]), /cannot hold a GET/],
        ['multipart/mixed;boundary=b_4', batch('b_4', ['PATCH $1 HTTP/1.1\nContent-Type: application/json\n\n{}']), /Content-ID Reference: '\$1' does not exist/],
        ['multipart/mixed;boundary=b_6', batch('b_6', ['hello']), /request line/],
        ['multipart/mixed;boundary=b', raw(['Content-Type: multipart/mixed;boundary=cs\n\n'
          + `--cs\nContent-Type: application/http\nContent-ID: 1\n\nPOST /api/data/v9.2/${SET} HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"first 1"}\n`
          + `--cs\nContent-Type: application/http\nContent-ID: 1\n\nPOST /api/data/v9.2/${SET} HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"second 1"}\n--cs--`]),
        /^The Content-ID '1' is used more than once in a change set/],
        ['application/json', '{"requests":[]}', /multipart\/mixed/],
      ];
      for (const [type, body, message] of cases) {
        const r = await call('POST', `${s.root}$batch`, body, { 'Content-Type': type });
        expect(r.status, body).to.equal(400);
        expect(r.json.error.message, body).to.match(message);
      }
      // A part that is a $batch however its URL is written (trailing '/', '%24') is answered 400,
      // in a change set too, which then writes nothing.
      for (const nested of [
        raw(['Content-Type: application/http\n\nPOST /api/data/v9.2/$batch HTTP/1.1\nContent-Type: multipart/mixed;boundary=in\n\n--in--']),
        raw(['Content-Type: application/http\n\nPOST /api/data/v9.2/$batch/ HTTP/1.1\nContent-Type: multipart/mixed;boundary=in\n\n--in--']),
        raw([changeSet([`POST /api/data/v9.2/${SET} HTTP/1.1\nContent-Type: application/json\n\n{"msdyn_name":"before a nested batch"}`, 'POST /api/data/v9.2/%24batch HTTP/1.1\nContent-Type: multipart/mixed;boundary=in\n\n--in--'])]),
      ]) {
        const r = await send(nested);
        expect(r.status, nested).to.equal(400);
        expect(JSON.parse(answers(r)[0]!.body).error.message).to.equal('A $batch cannot hold another $batch.');
      }
      expect((await call('GET', `${s.root}${SET}/$count?$filter=msdyn_name eq 'before a nested batch'`)).text).to.equal('0');
      expect((await call('GET', `${s.root}$batch`)).status).to.equal(405);
    });
  });
}
