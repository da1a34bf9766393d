import { expect } from 'chai';
import type { Statement } from '../src/sql/dialect.js';
import type { Database } from '../src/store/database.js';
import { call, createRow, DATABASES, recordStatements, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';
const DATA_SET = 'msdyn_copilotinteractiondatas';
const CHILDREN = 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid';
const INDEX = 'ix_msdyn_copilotinteraction_msdyn_interactiondataid';

/**
 * The database's plan for `stmt`, as one line of text; on PostgreSQL with sequential scans and
 * sorts off, so a usable index is used even on a tiny table, and a Sort shows only where no index
 * gives the order.
 */
async function planOf(db: Database, stmt: Statement): Promise<string> {
  if (db.dialect.name === 'postgres') {
    return db.transaction(async (tx) => {
      await tx.run({ sql: 'SET LOCAL enable_seqscan = off', params: [] });
      await tx.run({ sql: 'SET LOCAL enable_sort = off', params: [] });
      return (await tx.rows({ sql: `EXPLAIN ${stmt.sql}`, params: stmt.params })).map((r) => String(r[0])).join(' | ');
    });
  }
  return (await db.rows({ sql: `EXPLAIN QUERY PLAN ${stmt.sql}`, params: stmt.params })).map((r) => String(r[3])).join(' | ');
}

/** The definition of index `name` as the database stores it. */
async function indexDefinition(db: Database, name: string): Promise<string> {
  const sql = db.dialect.name === 'postgres'
    ? 'SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1'
    : "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?";
  const rows = await db.rows({ sql, params: [name] });
  return String(rows[0]?.[0] ?? '');
}

for (const database of DATABASES.filter((d) => d.name !== 'mssql')) {
  describe(`lookup indexes (${database.name})`, () => {
    let s: TestServer;
    let dataId: string;
    before(async () => {
      s = await startServer(undefined, database);
      dataId = (await createRow(s, DATA_SET, { msdyn_name: 'payload' })).msdyn_copilotinteractiondataid;
      for (const name of ['linked a', 'linked b']) {
        await createRow(s, SET, { msdyn_name: name, 'msdyn_interactiondataid@odata.bind': `/${DATA_SET}(${dataId})` });
      }
      for (let i = 0; i < 5; i++) await createRow(s, SET, { msdyn_name: `unlinked ${i}` });
    });
    after(() => s.close());

    it('index a lookup only where it is set: rows without one cost the index nothing', async () => {
      const definition = await indexDefinition(s.db, INDEX);
      expect(definition).to.match(/WHERE \(?"?msdyn_interactiondataid"? IS NOT NULL\)?/);
    });

    it('still serve a lookup $filter and a collection $expand from that index, with the right rows', async () => {
      const statements = recordStatements(s.db);
      const filtered = await call('GET', `${s.root}${SET}?$select=msdyn_name&$filter=_msdyn_interactiondataid_value eq ${dataId}&$orderby=msdyn_name`);
      expect(filtered.status).to.equal(200);
      expect(filtered.json.value.map((r: { msdyn_name: string }) => r.msdyn_name)).to.deep.equal(['linked a', 'linked b']);
      const filter = statements.find((x) => x.sql.includes('msdyn_interactiondataid'))!;
      expect(await planOf(s.db, filter)).to.contain(INDEX);

      statements.length = 0;
      const expanded = await call('GET', `${s.root}${DATA_SET}(${dataId})?$select=msdyn_name&$expand=${CHILDREN}($select=msdyn_name;$orderby=msdyn_name)`);
      expect(expanded.status).to.equal(200);
      expect(expanded.json[CHILDREN].map((r: { msdyn_name: string }) => r.msdyn_name)).to.deep.equal(['linked a', 'linked b']);
      const expand = statements.find((x) => x.sql.includes('msdyn_interactiondataid'))!;
      expect(await planOf(s.db, expand)).to.contain(INDEX);
    });

    it("read a parent's page of a collection in primary-key order straight from the lookup's index, with no sort of all its rows", async () => {
      expect(await indexDefinition(s.db, INDEX)).to.match(/\(\s*"?msdyn_interactiondataid"?( NULLS FIRST)?,\s*"?msdyn_copilotinteractionid"?/);
      const statements = recordStatements(s.db);
      const expanded = await call('GET', `${s.root}${DATA_SET}(${dataId})?$select=msdyn_name&$expand=${CHILDREN}($select=msdyn_name)`);
      expect(expanded.status).to.equal(200);
      const children = expanded.json[CHILDREN] as Array<{ msdyn_name: string; msdyn_copilotinteractionid: string }>;
      expect(children.map((r) => r.msdyn_name).sort()).to.deep.equal(['linked a', 'linked b']);
      const ids = children.map((r) => r.msdyn_copilotinteractionid);
      expect(ids).to.deep.equal([...ids].sort());
      const plan = await planOf(s.db, statements.find((x) => x.sql.includes('msdyn_interactiondataid'))!);
      expect(plan).to.contain(INDEX);
      expect(plan).to.not.match(/TEMP B-TREE FOR ORDER BY|Sort/);
    });

    it('filter through a lookup by searching its rows once (IN), not once per row, keeping rows without the lookup under not', async () => {
      const statements = recordStatements(s.db);
      const names = async (filter: string) => {
        const r = await call('GET', `${s.root}${SET}?$select=msdyn_name&$orderby=msdyn_name&$filter=${encodeURIComponent(filter)}`);
        expect(r.status, r.text).to.equal(200);
        return r.json.value.map((v: { msdyn_name: string }) => v.msdyn_name);
      };
      expect(await names("msdyn_interactiondataid/msdyn_name eq 'payload'")).to.deep.equal(['linked a', 'linked b']);
      expect(await names("not (msdyn_interactiondataid/msdyn_name eq 'payload')")).to.deep.equal(['unlinked 0', 'unlinked 1', 'unlinked 2', 'unlinked 3', 'unlinked 4']);
      // A lookup, then a collection: the rows sharing the lookup's row each need the same search below it.
      expect(await names(`msdyn_interactiondataid/${CHILDREN}/any(x:x/msdyn_name eq 'linked b')`)).to.deep.equal(['linked a', 'linked b']);
      expect(await names(`not msdyn_interactiondataid/${CHILDREN}/any(x:x/msdyn_name eq 'linked b')`)).to.have.length(5);
      if (s.db.dialect.name !== 'sqlite') return;
      const plan = await planOf(s.db, statements[statements.length - 1]!);
      expect(plan).to.contain('LIST SUBQUERY');
      expect(plan).to.not.contain('CORRELATED LIST SUBQUERY');
    });
  });
}
