import { expect } from 'chai';
import { DynamicsWebApi } from 'dynamics-web-api';
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
      expect((await call('GET', `${s.root}${SET}/$count?$filter=msdyn_name eq 'after a failure'`)).text).to.equal('0');
      const all = await call('POST', `${s.root}$batch`, body, { 'Content-Type': 'multipart/mixed; boundary="b_2"', Prefer: 'odata.continue-on-error' });
      expect(all.status).to.equal(200);
      expect(answers(all).map((a) => a.status)).to.deep.equal([200, 404, 204]);
    });

    it('refuses what it cannot run: change sets (501), Content-ID references, nested batches, other bodies and methods (400/405)', async () => {
      const changeset = `--b_3\r\nContent-Type: multipart/mixed;boundary=cs_1\r\n\r\n--cs_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n\r\nPOST /api/data/v9.2/${SET} HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{"msdyn_name":"in a change set"}\r\n--cs_1--\r\n--b_3--\r\n`;
      const cs = await call('POST', `${s.root}$batch`, changeset, { 'Content-Type': 'multipart/mixed;boundary=b_3' });
      expect(cs.status).to.equal(501);
      expect(cs.json.error.message).to.contain('change set');
      expect((await call('GET', `${s.root}${SET}/$count?$filter=msdyn_name eq 'in a change set'`)).text).to.equal('0');
      const cases: Array<[string, string, RegExp]> = [
        ['multipart/mixed;boundary=b_4', batch('b_4', ['PATCH $1 HTTP/1.1\nContent-Type: application/json\n\n{}']), /Content-ID Reference: '\$1' does not exist/],
        ['multipart/mixed;boundary=b_5', batch('b_5', ['POST /api/data/v9.2/$batch HTTP/1.1\n']), /another \$batch/],
        ['multipart/mixed;boundary=b_6', batch('b_6', ['hello']), /request line/],
        ['application/json', '{"requests":[]}', /multipart\/mixed/],
      ];
      for (const [type, body, message] of cases) {
        const r = await call('POST', `${s.root}$batch`, body, { 'Content-Type': type });
        expect(r.status, body).to.equal(400);
        expect(r.json.error.message, body).to.match(message);
      }
      expect((await call('GET', `${s.root}$batch`)).status).to.equal(405);
    });
  });
}
