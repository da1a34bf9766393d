import { expect } from 'chai';
import { call, createRow, DATABASES, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';

/** The header fields a HEAD must repeat from the GET (RFC 9110 §9.3.2); Date and Server-Timing differ by nature. */
const SAME = ['content-type', 'content-length', 'etag', 'odata-version', 'preference-applied', 'allow'];

for (const database of DATABASES) {
  describe(`HEAD requests [${database.name}]`, () => {
    let s: TestServer;
    before(async () => { s = await startServer(undefined, database); });
    after(async () => { await s.close(); });

    /** GETs and HEADs `url` and checks that the HEAD has the GET's status and header fields, and no content. */
    const same = async (url: string, headers: Record<string, string> = {}) => {
      const get = await call('GET', url, undefined, headers);
      const head = await call('HEAD', url, undefined, headers);
      expect(head.status, url).to.equal(get.status);
      expect(head.text, url).to.equal('');
      for (const name of SAME) expect(head.headers.get(name), `${name} of ${url}`).to.equal(get.headers.get(name));
      return { get, head };
    };

    it('answers as GET without content: rows, collections, properties, $count, $metadata, definitions, the service document', async () => {
      const row = await createRow(s, SET, { msdyn_name: 'héad' });
      const id = row.msdyn_copilotinteractionid as string;
      const { get } = await same(`${s.root}${SET}(${id})?$select=msdyn_name`);
      expect(get.headers.get('etag')).to.match(/^W\/"\d+"$/);
      expect(Number(get.headers.get('content-length'))).to.equal(Buffer.byteLength(get.text));
      await same(`${s.root}${SET}?$select=msdyn_name&$top=1`, { Prefer: 'odata.include-annotations="*"' });
      await same(`${s.root}${SET}(${id})/msdyn_name`);
      await same(`${s.root}${SET}(${id})/msdyn_name/$value`);
      await same(`${s.root}${SET}/$count`);
      await same(`${s.root}$metadata`);
      await same(`${s.root}EntityDefinitions(LogicalName='msdyn_copilotinteraction')?$select=LogicalName`);
      await same(s.root);
      // A matching If-None-Match is 304 for HEAD as for GET.
      const etag = get.headers.get('etag')!;
      expect((await call('HEAD', `${s.root}${SET}(${id})`, undefined, { 'If-None-Match': etag })).status).to.equal(304);
    });

    it('answers errors as GET would, without their JSON: 404, 400, and 405 where GET is not allowed', async () => {
      const missing = await same(`${s.root}${SET}(0a1b2c3d-0000-4000-8000-0000000e0999)`);
      expect(missing.head.status).to.equal(404);
      expect((await same(`${s.root}${SET}?$filter=nosuch eq 1`)).head.status).to.equal(400);
      const batch = await same(`${s.root}$batch`);
      expect(batch.head.status).to.equal(405);
      expect(batch.head.headers.get('allow')).to.equal('POST');
    });

    it('answers a HEAD part of a $batch as its GET part without content and without Content-Length, and refuses HEAD in a change set as GET', async () => {
      const url = `/api/data/v9.2/${SET}?$select=msdyn_name&$top=1`;
      const body = ['GET', 'HEAD'].map((m) => `--b\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n${m} ${url} HTTP/1.1\r\nAccept: application/json\r\n\r\n`).join('') + '--b--\r\n';
      const r = await call('POST', `${s.root}$batch`, body, { 'Content-Type': 'multipart/mixed;boundary=b' });
      expect(r.status, r.text).to.equal(200);
      const boundary = /boundary=([^;]+)/.exec(r.headers.get('content-type')!)![1]!;
      const [get, head] = r.text.split(`--${boundary}`).slice(1, -1).map((part) => part.split('\r\n\r\n').slice(1));
      expect(get![0]).to.match(/^HTTP\/1\.1 200 OK\r\n/);
      expect(get![0]).not.to.match(/content-length/i);
      expect(head![0]).to.match(/^HTTP\/1\.1 200 OK\r\n/);
      // The same header fields as the GET part, none added, and nothing between them and the boundary.
      expect(head![0]).to.equal(get![0]);
      expect(head!.slice(1).join('')).to.equal('\r\n');
      const changeSet = `--b\r\nContent-Type: multipart/mixed;boundary=cs\r\n\r\n--cs\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n\r\nHEAD ${url} HTTP/1.1\r\n\r\n\r\n--cs--\r\n--b--\r\n`;
      const refused = await call('POST', `${s.root}$batch`, changeSet, { 'Content-Type': 'multipart/mixed;boundary=b' });
      expect(refused.status, refused.text).to.equal(400);
      expect(refused.json.error.message).to.equal('A change set cannot hold a HEAD request; send it outside the change set.');
    });
  });
}
