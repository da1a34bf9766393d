import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { call, copyMetadata, DATABASES, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';

/** Strings that would change a statement's meaning if they reached SQL as text. */
const PAYLOADS = [
  "O'Brian",
  "'; DROP TABLE msdyn_copilotinteraction; --",
  "x' OR '1'='1",
  '" OR 1=1 --',
  'a/* comment */b',
  'semi;colon;',
  '100% _under_ [bracket] \\back\\slash',
  '%',
  '_',
  '[',
  '\\',
  'ünïcödé 中文 עברית 🚀',
  '$1 @p1 ? :name',
];

for (const database of DATABASES) {
  describe(`user input never changes SQL [${database.name}]`, () => {
    let s: TestServer;
    let k: TestServer;
    let keyedDir: string;
    const ids = new Map<string, string>();
    const url = (q = '') => `${s.root}${SET}${q}`;

    before(async () => {
      s = await startServer(undefined, database);
      for (const [i, text] of PAYLOADS.entries()) {
        const r = await call('POST', url(), { msdyn_name: text, msdyn_interactionforid: `p${i}`, msdyn_interactioncontext: text.repeat(50) }, { Prefer: 'return=representation' });
        expect(r.status, text).to.equal(201);
        ids.set(text, r.json.msdyn_copilotinteractionid);
      }
      await call('POST', url(), { msdyn_name: 'plain', msdyn_interactionforid: 'plain' });
      keyedDir = copyMetadata();
      writeFileSync(join(keyedDir, 'new_keyed.json'), JSON.stringify({
        LogicalName: 'new_keyed', EntitySetName: 'new_keyeds', PrimaryIdAttribute: 'new_keyedid', OwnershipType: 'OrganizationOwned',
        Attributes: [{ LogicalName: 'new_code', AttributeType: 'String', MaxLength: 100 }, { LogicalName: 'new_title', AttributeType: 'String' }],
        Keys: [{ LogicalName: 'new_code_key', KeyAttributes: ['new_code'] }],
      }));
      k = await startServer(keyedDir, database);
    });
    after(async () => {
      await s.close();
      await k.close();
      rmSync(keyedDir, { recursive: true, force: true });
    });

    async function count(): Promise<number> {
      return Number((await call('GET', url('/$count'))).text);
    }

    it('stores and returns body strings exactly', async () => {
      for (const text of PAYLOADS) {
        const r = await call('GET', `${s.root}${SET}(${ids.get(text)})?$select=msdyn_name,msdyn_interactioncontext`);
        expect(r.json.msdyn_name).to.equal(text);
        expect(r.json.msdyn_interactioncontext).to.equal(text.repeat(50));
      }
      const long = 'ℵ'.repeat(100000);
      const r = await call('POST', url(), { msdyn_interactioncontext: long }, { Prefer: 'return=representation' });
      expect(r.json.msdyn_interactioncontext).to.equal(long);
      await call('DELETE', `${s.root}${SET}(${r.json.msdyn_copilotinteractionid})`);
    });

    it('matches filter literals exactly (eq) and literally (contains / startswith / endswith, wildcards in brackets)', async () => {
      for (const text of PAYLOADS) {
        const literal = `'${text.replace(/'/g, "''")}'`;
        // Dataverse reads % and _ in the string functions as wildcards; [x] stands for x itself.
        const pattern = `'${text.replace(/'/g, "''").replace(/[%_[]/g, (c) => `[${c}]`)}'`;
        const eq = await call('GET', url(`?$select=msdyn_name&$filter=${encodeURIComponent(`msdyn_name eq ${literal}`)}`));
        expect(eq.status, text).to.equal(200);
        expect(eq.json.value.map((v: { msdyn_name: string }) => v.msdyn_name), text).to.deep.equal([text]);
        const contains = await call('GET', url(`?$select=msdyn_name&$filter=${encodeURIComponent(`contains(msdyn_name,${pattern})`)}`));
        const expected = [...PAYLOADS, 'plain'].filter((p) => p.toLowerCase().includes(text.toLowerCase())).sort();
        expect(contains.json.value.map((v: { msdyn_name: string }) => v.msdyn_name).sort(), `contains ${text}`).to.deep.equal(expected);
        const starts = await call('GET', url(`?$select=msdyn_name&$filter=${encodeURIComponent(`startswith(msdyn_name,${pattern})`)}`));
        expect(starts.json.value.map((v: { msdyn_name: string }) => v.msdyn_name).sort(), `startswith ${text}`).to.deep.equal([...PAYLOADS, 'plain'].filter((p) => p.toLowerCase().startsWith(text.toLowerCase())).sort());
        const ends = await call('GET', url(`?$select=msdyn_name&$filter=${encodeURIComponent(`endswith(msdyn_name,${pattern})`)}`));
        expect(ends.json.value.map((v: { msdyn_name: string }) => v.msdyn_name).sort(), `endswith ${text}`).to.deep.equal([...PAYLOADS, 'plain'].filter((p) => p.toLowerCase().endsWith(text.toLowerCase())).sort());
      }
      expect(await count()).to.equal(PAYLOADS.length + 1);
    });

    it('answers a very long filter literal cleanly (a 30,000-character URL)', async () => {
      const r = await call('GET', url(`?$filter=${encodeURIComponent(`msdyn_name eq '${'x'.repeat(30000)}'`)}`));
      expect(r.status).to.equal(200);
      expect(r.json.value).to.deep.equal([]);
    });

    it('answers a URL past the 64 KiB of request line and headers with 431 and the error JSON, not a bare status line', async () => {
      const r = await call('GET', url(`?$filter=${encodeURIComponent(`msdyn_name eq '${'x'.repeat(70000)}'`)}`));
      expect(r.status).to.equal(431);
      expect(r.headers.get('content-type')).to.equal('application/json; odata.metadata=minimal');
      expect(r.headers.get('odata-version')).to.equal('4.0');
      expect(r.json.error.code).to.equal('0x80060888');
      expect(r.json.error.message).to.contain('$batch');
      expect((await call('GET', url('?$top=1'))).status).to.equal(200);
    });

    it('answers bytes that are not HTTP with 400 and the error JSON, then closes the connection even when the client keeps its side open', async () => {
      const { hostname, port } = new URL(s.origin);
      const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true });
      let text = '';
      socket.on('data', (d: Buffer) => { text += d.toString(); });
      socket.on('error', () => undefined);
      // Once the answer has ended, more bytes reach a closed socket (a reset closes ours) only if
      // the server closed its socket, not just its writing side.
      const closed = new Promise<string>((resolve) => {
        socket.on('close', () => resolve('closed'));
        setTimeout(() => resolve('still open'), 3000);
      });
      socket.on('end', () => {
        socket.write('more');
        setTimeout(() => { if (!socket.destroyed) socket.write('more'); }, 100);
      });
      socket.write('GARBAGE\r\n\r\n');
      expect(await closed).to.equal('closed');
      socket.destroy();
      expect(text).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code).to.equal('0x80060888');
    });

    it('rejects hostile keys, option values and skiptokens with a clean 400 and changes nothing', async () => {
      const before = await count();
      const attempts = [
        `${SET}('; DELETE FROM msdyn_copilotinteraction; --')`,
        `${SET}(1 or 1=1)`,
        `${SET}?$select=${encodeURIComponent('msdyn_name; DROP TABLE msdyn_copilotinteraction')}`,
        `${SET}?$orderby=${encodeURIComponent('msdyn_name; DROP TABLE x')}`,
        `${SET}?$filter=${encodeURIComponent("msdyn_name eq 'a' ; DROP TABLE msdyn_copilotinteraction")}`,
        `${SET}?$filter=${encodeURIComponent('msdyn_name eq "a"')}`,
        `${SET}?$top=${encodeURIComponent('1; DROP TABLE x')}`,
        `${SET}?$skiptoken=${Buffer.from(JSON.stringify({ o: 'msdyn_copilotinteractionid+', v: ["' OR 1=1 --"] })).toString('base64url')}`,
        `${SET}?$skiptoken=${Buffer.from(JSON.stringify({ o: 'msdyn_copilotinteractionid+', v: [{ sql: 'x' }] })).toString('base64url')}`,
        `${SET}?$skiptoken=${encodeURIComponent("'; DROP TABLE x; --")}`,
        `${SET}?$filter=${encodeURIComponent("msdyn_name eq 'nul\u0000char'")}`,
      ];
      for (const a of attempts) {
        const r = await call('GET', `${s.root}${a}`);
        expect(r.status, a).to.be.oneOf([400, 404, 501]);
        expect(r.json.error.code, a).to.match(/^0x/);
      }
      const nul = await call('POST', url(), { msdyn_name: 'nul\u0000char' });
      expect(nul.status).to.equal(400);
      // A lone surrogate, sent as the JSON escape \ud800: refused, not stored as U+FFFD.
      const lone = await call('POST', url(), '{"msdyn_name":"\\ud800x"}');
      expect(lone.status, lone.text).to.equal(400);
      expect(lone.json.error.code).to.equal('0x80048d19');
      expect(lone.json.error.message).to.contain('unpaired UTF-16 surrogate');
      const badKey = await call('PATCH', `${s.root}${SET}(${"x'"})`, { msdyn_name: 'x' });
      expect(badKey.status).to.be.oneOf([400, 501]);
      const bind = await call('POST', url(), { 'msdyn_interactiondataid@odata.bind': "/msdyn_copilotinteractiondatas('; DROP TABLE x; --')" });
      expect(bind.status).to.equal(400);
      expect(await count()).to.equal(before);
      expect((await call('GET', `${s.root}${SET}(${ids.get(PAYLOADS[1]!)})`)).status).to.equal(200);
    });

    it('treats alternate key values (UpsertMultiple @odata.id) as values', async () => {
      const t = 'Microsoft.Dynamics.CRM.new_keyed';
      const upsert = (targets: unknown[]) => call('POST', `${k.root}new_keyeds/Microsoft.Dynamics.CRM.UpsertMultiple`, { Targets: targets });
      const hostile = PAYLOADS.filter((p) => !p.includes("'"));
      const quoted = PAYLOADS.filter((p) => p.includes("'"));
      for (const code of [...hostile, ...quoted]) {
        const r = await upsert([{ '@odata.type': t, '@odata.id': `new_keyeds(new_code='${code.replace(/'/g, "''")}')`, new_title: 'first' }]);
        expect(r.status, code).to.equal(204);
        const again = await upsert([{ '@odata.type': t, '@odata.id': `new_keyeds(new_code='${code.replace(/'/g, "''")}')`, new_title: 'second' }]);
        expect(again.status, code).to.equal(204);
      }
      const rows = (await call('GET', `${k.root}new_keyeds?$select=new_code,new_title`)).json.value;
      expect(rows.map((r: { new_code: string }) => r.new_code).sort()).to.deep.equal([...PAYLOADS].sort());
      expect(rows.every((r: { new_title: string }) => r.new_title === 'second')).to.equal(true);
      for (const bad of ["new_keyeds(new_code='x') OR 1=1", "new_keyeds(new_code=x'; DROP TABLE new_keyed; --)", 'new_keyeds(new_code=)']) {
        const r = await upsert([{ '@odata.type': t, '@odata.id': bad, new_title: 'x' }]);
        expect(r.status, bad).to.equal(400);
      }
      expect((await call('GET', `${k.root}new_keyeds/$count`)).text).to.equal(String(PAYLOADS.length));
    });

    it('treats a skiptoken value with quotes as a value (forged token of the right shape)', async () => {
      const id = randomUUID();
      const token = Buffer.from(JSON.stringify({ o: 'msdyn_name+,msdyn_copilotinteractionid+', v: ["' OR 1=1 --", id] })).toString('base64url');
      const r = await call('GET', url(`?$select=msdyn_name&$orderby=msdyn_name&$skiptoken=${token}`));
      expect(r.status).to.equal(200);
      const names = r.json.value.map((v: { msdyn_name: string }) => v.msdyn_name);
      const all = (await call('GET', url('?$select=msdyn_name&$orderby=msdyn_name'))).json.value.map((v: { msdyn_name: string }) => v.msdyn_name);
      expect(names.length).to.be.below(all.length);
    });
  });
}
