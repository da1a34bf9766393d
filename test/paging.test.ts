import { expect } from 'chai';
import { loadModel } from '../src/model/loader.js';
import { Service } from '../src/service.js';
import type { Statement } from '../src/sql/dialect.js';
import { SqliteDatabase } from '../src/store/sqlite.js';
import { call, DATABASES, SHIPPED_METADATA, startServer, tempDir, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';

/** A SqliteDatabase that records how many rows each read fetched from the driver. */
class CountingDatabase extends SqliteDatabase {
  readonly fetched: Array<{ sql: string; rows: number }> = [];
  override async rows(s: Statement): Promise<unknown[][]> {
    const rows = await super.rows(s);
    this.fetched.push({ sql: s.sql, rows: rows.length });
    return rows;
  }
}

for (const database of DATABASES) {
  describe(`server paging with keyset $skiptoken [${database.name}]`, () => {
    let s: TestServer;
    const N = 37;
    before(async () => {
      s = await startServer(undefined, database);
      for (let i = 0; i < N; i++) {
        const body: Record<string, unknown> = { msdyn_name: `row ${String(i).padStart(2, '0')}`, importsequencenumber: i % 5 };
        if (i % 3) body['msdyn_scenariotype'] = 100230201 + (i % 4);
        expect((await call('POST', `${s.root}${SET}`, body)).status).to.equal(204);
      }
    });
    after(async () => { await s.close(); });

    async function pageAll(query: string, pageSize: number): Promise<{ rows: Array<Record<string, unknown>>; pages: number; links: string[] }> {
      const rows: Array<Record<string, unknown>> = [];
      const links: string[] = [];
      let url: string | undefined = `${s.root}${SET}?${query}`;
      let pages = 0;
      while (url) {
        const r = await call('GET', url, undefined, { Prefer: `odata.maxpagesize=${pageSize}` });
        expect(r.status, r.text).to.equal(200);
        expect(r.headers.get('preference-applied')).to.equal(`odata.maxpagesize=${pageSize}`);
        expect(r.json.value.length).to.be.at.most(pageSize);
        rows.push(...r.json.value);
        pages++;
        url = r.json['@odata.nextLink'];
        if (url) {
          expect(Object.keys(r.json).at(-1)).to.equal('@odata.nextLink');
          links.push(url);
        }
      }
      return { rows, pages, links };
    }

    it('pages through every row once, in primary key order by default', async () => {
      const { rows, pages } = await pageAll('$select=msdyn_name', 10);
      expect(pages).to.equal(4);
      const ids = rows.map((r) => r['msdyn_copilotinteractionid'] as string);
      expect(new Set(ids).size).to.equal(N);
      expect(ids).to.deep.equal([...ids].sort());
    });

    it('pages with several sort keys, ties and nulls (nulls first ascending, last descending)', async () => {
      const all = (await call('GET', `${s.root}${SET}?$select=msdyn_name,msdyn_scenariotype,importsequencenumber&$orderby=msdyn_scenariotype desc,importsequencenumber,msdyn_name desc`)).json.value;
      expect(all).to.have.length(N);
      expect(all.at(-1).msdyn_scenariotype).to.equal(null);
      for (const size of [1, 4, 7]) {
        const { rows } = await pageAll('$select=msdyn_name,msdyn_scenariotype,importsequencenumber&$orderby=msdyn_scenariotype desc,importsequencenumber,msdyn_name desc', size);
        expect(rows.map((r) => r['msdyn_name'])).to.deep.equal(all.map((r: { msdyn_name: string }) => r.msdyn_name));
      }
      const asc = (await pageAll('$select=msdyn_name,msdyn_scenariotype&$orderby=msdyn_scenariotype', 6)).rows;
      expect(asc[0]!['msdyn_scenariotype']).to.equal(null);
      expect(new Set(asc.map((r) => r['msdyn_name'])).size).to.equal(N);
    });

    it('keeps the other options in the nextLink, with $filter and $count', async () => {
      const { rows, links } = await pageAll(`$select=msdyn_name&$filter=${encodeURIComponent('importsequencenumber eq 2')}&$count=true&$orderby=msdyn_name`, 3);
      expect(rows.map((r) => r['msdyn_name'])).to.deep.equal(['row 02', 'row 07', 'row 12', 'row 17', 'row 22', 'row 27', 'row 32']);
      for (const link of links) {
        expect(link.startsWith(`${s.root}${SET}?`)).to.equal(true);
        expect(link).to.contain('$select=msdyn_name').and.contain('$count=true').and.contain('$orderby=msdyn_name').and.contain('$filter=');
        expect(link.match(/\$skiptoken=/g)).to.have.length(1);
      }
      const first = await call('GET', `${s.root}${SET}?$count=true&$filter=importsequencenumber eq 2`, undefined, { Prefer: 'odata.maxpagesize=3' });
      expect(first.json['@odata.count']).to.equal(7);
    });

    it('builds links from X-Forwarded-Proto / X-Forwarded-Host', async () => {
      const r = await call('GET', `${s.root}${SET}?$select=msdyn_name`, undefined, { Prefer: 'odata.maxpagesize=2', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'org.example.com' });
      expect(r.json['@odata.nextLink']).to.match(/^https:\/\/org\.example\.com\/api\/data\/v9\.2\/msdyn_copilotinteractions\?/);
      expect(r.json['@odata.context']).to.equal(`https://org.example.com/api/data/v9.2/$metadata#${SET}(msdyn_name)`);
    });

    it('ignores maxpagesize when $top is given (no nextLink, no Preference-Applied)', async () => {
      const r = await call('GET', `${s.root}${SET}?$top=5`, undefined, { Prefer: 'odata.maxpagesize=2' });
      expect(r.json.value).to.have.length(5);
      expect(r.json).to.not.have.property('@odata.nextLink');
      expect(r.headers.get('preference-applied')).to.equal(null);
    });

    it('rejects a bad maxpagesize and a tampered or foreign $skiptoken with 400', async () => {
      for (const v of ['0', '5001', 'many']) {
        expect((await call('GET', `${s.root}${SET}`, undefined, { Prefer: `odata.maxpagesize=${v}` })).status).to.equal(400);
      }
      const r = await call('GET', `${s.root}${SET}?$orderby=msdyn_name`, undefined, { Prefer: 'odata.maxpagesize=2' });
      const token = new URL(r.json['@odata.nextLink']).searchParams.get('$skiptoken')!;
      expect((await call('GET', `${s.root}${SET}?$orderby=importsequencenumber&$skiptoken=${token}`)).status).to.equal(400);
      const forged = Buffer.from(JSON.stringify({ o: 'msdyn_name+,msdyn_copilotinteractionid+', v: [{ evil: 1 }, "x' OR 1=1 --"] })).toString('base64url');
      const bad = await call('GET', `${s.root}${SET}?$orderby=msdyn_name&$skiptoken=${forged}`);
      expect(bad.status).to.equal(400);
      expect((await call('GET', `${s.root}${SET}?$skiptoken=not-a-token`)).status).to.equal(400);
    });
  });
}

describe('reads run in SQL and read no more rows than they return (+1)', () => {
  it('fetches at most page size + 1 rows, and uses the primary key index for keyset pages', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = tempDir('tessera-count-');
    const db = new CountingDatabase(join(dir, 'db.sqlite'));
    try {
      const service = await Service.open(loadModel(SHIPPED_METADATA), db, { error: () => undefined });
      const req = (url: string, headers: Record<string, string> = {}) => service.handle({ method: 'GET', url: `/api/data/v9.2/${url}`, headers, origin: 'http://t' });
      for (let i = 0; i < 60; i++) await service.handle({ method: 'POST', url: `/api/data/v9.2/${SET}`, headers: {}, body: JSON.stringify({ msdyn_name: `n${i}`, importsequencenumber: i }), origin: 'http://t' });
      db.fetched.length = 0;
      let res = await req(`${SET}?$filter=importsequencenumber ge 10&$orderby=importsequencenumber desc`, { prefer: 'odata.maxpagesize=7' });
      let body = JSON.parse(res.body!);
      expect(body.value).to.have.length(7);
      expect(body.value[0].importsequencenumber).to.equal(59);
      expect(db.fetched).to.have.length(1);
      expect(db.fetched[0]!.rows).to.equal(8);
      expect(db.fetched[0]!.sql).to.match(/WHERE .*"importsequencenumber" >= \? .*ORDER BY "importsequencenumber" DESC, "msdyn_copilotinteractionid" ASC LIMIT \?$/);
      db.fetched.length = 0;
      res = await req(body['@odata.nextLink'].replace('http://t/api/data/v9.2/', ''), { prefer: 'odata.maxpagesize=7' });
      body = JSON.parse(res.body!);
      expect(body.value[0].importsequencenumber).to.equal(52);
      expect(db.fetched[0]!.rows).to.equal(8);
      db.fetched.length = 0;
      res = await req(`${SET}?$top=3&$count=true`);
      expect(JSON.parse(res.body!)['@odata.count']).to.equal(60);
      expect(db.fetched.map((f) => f.rows)).to.deep.equal([3, 1]);
      // Client-shaped SQL cannot grow the statement cache without bound.
      for (let k = 0; k < 600; k++) await req(`${SET}?$select=msdyn_name&$filter=importsequencenumber eq ${k}${' or msdyn_name eq \'x\''.repeat(k % 7)}&$top=${k}`);
      expect(db.cachedStatements.reader).to.be.at.most(500);
      // A retrieve by key is a plain primary-key lookup.
      db.fetched.length = 0;
      await req(`${SET}(${body.value[0].msdyn_copilotinteractionid})`);
      expect(db.fetched[0]!.sql).to.not.match(/ORDER BY|LIMIT/);
      // A newest-first page walks the declared createdon index instead of sorting the table; the
      // primary name has no index of its own (inserts would pay a random page write each).
      const page = await db.rows({ sql: 'EXPLAIN QUERY PLAN SELECT "msdyn_name" FROM "msdyn_copilotinteraction" WHERE "msdyn_interactiontype" = ? ORDER BY "createdon" DESC, "msdyn_copilotinteractionid" ASC LIMIT ?', params: [100230301, 51] });
      expect(page.map((r) => String(r[3])).join(' | ')).to.contain('INDEX ndx_msdyn_copilotinteraction_createdon');
      const indexes = await db.rows({ sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'msdyn_copilotinteraction' ORDER BY name", params: [] });
      expect(indexes.map((r) => String(r[0]))).to.deep.equal(['ix_msdyn_copilotinteraction_createdby', 'ix_msdyn_copilotinteraction_msdyn_interactiondataid', 'ndx_msdyn_copilotinteraction_createdon', 'sqlite_autoindex_msdyn_copilotinteraction_1']);
      // The keyset page on the primary key is an index range scan, not a full sort (DESIGN.md §7).
      const plan = await db.rows({ sql: `EXPLAIN QUERY PLAN SELECT "msdyn_copilotinteractionid" FROM "${'msdyn_copilotinteraction'}" WHERE "msdyn_copilotinteractionid" > ? ORDER BY "msdyn_copilotinteractionid" ASC LIMIT ?`, params: ['a', 10] });
      const text = plan.map((r) => String(r[3])).join(' | ');
      expect(text).to.match(/USING (COVERING )?INDEX sqlite_autoindex_msdyn_copilotinteraction_1/);
      expect(text).to.not.contain('TEMP B-TREE');
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
