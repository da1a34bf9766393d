import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { call, copyMetadata, DATABASES, startServer, type Reply, type TestServer } from './support/server.js';

/*
 * The values of sums and averages at the edges of their number types, over HTTP on every database,
 * through `$apply` and FetchXML (they share one aggregate rendering, sql/render.ts
 * aggregateFunction): each database must answer what the exact arithmetic rounds to, or refuse
 * with a 400 — never differ from the others in the last digits, never fail with a 500.
 */

const SET = 'new_items';

/**
 * A table of number columns, each row tagged by `new_name`; the Double column's file asks for
 * bounds past Dataverse's ±100,000,000,000, which the loader narrows to them.
 */
const ITEM = {
  LogicalName: 'new_item', EntitySetName: SET, PrimaryIdAttribute: 'new_itemid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
  Attributes: [
    { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_big', AttributeType: 'BigInt', MinValue: -9223372036854775808, MaxValue: 9223372036854775807 },
    { LogicalName: 'new_dbl', AttributeType: 'Double', MinValue: -1e300, MaxValue: 1e300 },
    { LogicalName: 'new_dec', AttributeType: 'Decimal', Precision: 10, MinValue: -1e28, MaxValue: 1e28 },
    { LogicalName: 'new_money', AttributeType: 'Money', Precision: 4, MinValue: -1e34, MaxValue: 1e34 },
  ],
};

/**
 * Four BigInt values below 2^53 whose exact sum, 15484873225535494, a double holds; added as
 * doubles one by one, in any order, the partial sums past 2^53 round it to 15484873225535492 or
 * …496.
 */
const BIG = [3648917241593857, 4441384878604291, 3358183389134849, 4036387716202497];

/** `GET new_items?$apply=<apply>`. */
function apply(s: TestServer, text: string): Promise<Reply> {
  return call('GET', `${s.root}${SET}?$apply=${encodeURIComponent(text)}`);
}

/** `GET new_items?fetchXml=<fetch aggregate="true"><entity name="new_item">body</entity></fetch>`. */
function fetchAggregate(s: TestServer, body: string): Promise<Reply> {
  return call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(`<fetch aggregate="true"><entity name="new_item">${body}</entity></fetch>`)}`);
}

for (const database of DATABASES) {
  describe(`sums and averages at the edges of their number types [${database.name}]`, () => {
    let dir: string;
    let s: TestServer;

    before(async () => {
      dir = copyMetadata();
      writeFileSync(join(dir, 'new_item.json'), JSON.stringify(ITEM));
      s = await startServer(dir, database);
      for (const new_big of BIG) expect((await call('POST', `${s.root}${SET}`, { new_name: 'big', new_big })).status).to.equal(204);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('sums and averages BigInt values whose partial sums pass 2^53 as the exact sum rounds, in $apply and FetchXML', async () => {
      const exact = Number(BIG.reduce((a, b) => a + BigInt(b), 0n));
      expect(exact).to.equal(15484873225535494);
      const r = await apply(s, "filter(new_name eq 'big')/aggregate(new_big with sum as total,new_big with average as avg)");
      expect(r.status, r.text).to.equal(200);
      expect(r.json.value).to.deep.equal([{ total: exact, avg: exact / 4 }]);
      const f = await fetchAggregate(s, '<attribute name="new_big" alias="total" aggregate="sum"/><attribute name="new_big" alias="avg" aggregate="avg"/>'
        + '<filter><condition attribute="new_name" operator="eq" value="big"/></filter>');
      expect(f.status, f.text).to.equal(200);
      expect(f.json.value).to.deep.equal([{ total: exact, avg: exact / 4 }]);
    });

    it('keeps Double values within ±100,000,000,000 however wide the file\'s bounds, so that their sums and averages cannot overflow', async () => {
      const past = await call('POST', `${s.root}${SET}`, { new_name: 'wide', new_dbl: 1e154 });
      expect(past.status, past.text).to.equal(400);
      expect(past.json.error.message).to.contain('Accepted Values: -100000000000 to 100000000000');
      for (const new_dbl of [1e11, 1e11]) expect((await call('POST', `${s.root}${SET}`, { new_name: 'wide', new_dbl })).status).to.equal(204);
      const r = await apply(s, "filter(new_name eq 'wide')/aggregate(new_dbl with sum as total,new_dbl with average as avg)");
      expect(r.status, r.text).to.equal(200);
      expect(r.json.value).to.deep.equal([{ total: 2e11, avg: 1e11 }]);
    });

    it('answers 400, not 500, when a sum or an average of values stored before the bounds were narrowed overflows', async () => {
      for (let i = 0; i < 2; i++) expect((await call('POST', `${s.root}${SET}`, { new_name: 'stored', new_dbl: 1 })).status).to.equal(204);
      // What a database written under wider bounds holds.
      await s.db.transaction((tx) => tx.run({ sql: `UPDATE "new_item" SET "new_dbl" = 1e308 WHERE "new_name" = 'stored'`, params: [] }));
      for (const fn of ['sum', 'average']) {
        const r = await apply(s, `filter(new_name eq 'stored')/aggregate(new_dbl with ${fn} as v)`);
        expect(r.status, `${fn}: ${r.text}`).to.equal(400);
        expect(r.json.error.code).to.equal('0x80040203');
      }
      const f = await fetchAggregate(s, '<attribute name="new_dbl" alias="v" aggregate="avg"/><filter><condition attribute="new_name" operator="eq" value="stored"/></filter>');
      expect(f.status, f.text).to.equal(400);
    });

    it('answers 400 when a sum leaves its column type\'s range: BigInt past ±2^63, Decimal and Money past numeric(38,Precision), in $apply and FetchXML', async () => {
      // Each value within its column's bounds; the sums of two are past what the type holds.
      const rows = [
        { new_name: 'type edge', new_big: 9000000000000000000, new_dec: 9e27, new_money: 9e33 },
        { new_name: 'type edge', new_big: 9000000000000000000, new_dec: 9e27, new_money: 9e33 },
      ];
      for (const row of rows) {
        const r = await call('POST', `${s.root}${SET}`, row);
        expect(r.status, r.text).to.equal(204);
      }
      for (const column of ['new_big', 'new_dec', 'new_money']) {
        const r = await apply(s, `filter(new_name eq 'type edge')/aggregate(${column} with sum as total)`);
        expect(r.status, `${column}: ${r.text}`).to.equal(400);
        expect(r.json.error.code).to.equal('0x80040203');
        const f = await fetchAggregate(s, `<attribute name="${column}" alias="total" aggregate="sum"/><filter><condition attribute="new_name" operator="eq" value="type edge"/></filter>`);
        expect(f.status, `${column}: ${f.text}`).to.equal(400);
        expect(f.json.error.code).to.equal('0x80040203');
        // Grouped by name, the other rows' sums stay within range, but this group's does not.
        const grouped = await apply(s, `groupby((new_name),aggregate(${column} with sum as total))`);
        expect(grouped.status, `${column}: ${grouped.text}`).to.equal(400);
      }
      // Their averages are within range, and answered.
      const avg = await apply(s, `filter(new_name eq 'type edge')/aggregate(new_big with average as big,new_dec with average as dec)`);
      expect(avg.status, avg.text).to.equal(200);
      expect(avg.text).to.contain('"big":9000000000000000000,"dec":9000000000000000000000000000');
    });
  });
}
