import { expect } from 'chai';
import { MAX_NESTING } from '../src/nesting.js';
import { call, DATABASES, startServer, type Reply, type TestServer } from './support/server.js';

/*
 * Deep nesting and long chains in query expressions, over HTTP on every database: parentheses,
 * `not`, function calls and lambda bodies nested deeper than MAX_NESTING (100) are a 400 in every
 * option that holds an expression ($filter, $orderby, $apply's filter(), $expand's $filter), never a
 * 500 from a blown stack; flat `and`/`or` chains of 1,000 terms still run (and return the right
 * rows), as does a long FetchXML filter.
 */

const SET = 'msdyn_copilotinteractions';
const CHILDREN = 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid';
const TOO_DEEP = `more than ${MAX_NESTING} levels deep`;

/** `GET <path>?<option>=<value>`, the value URL-encoded. */
function get(s: TestServer, path: string, option: string, value: string): Promise<Reply> {
  return call('GET', `${s.root}${path}?${option}=${encodeURIComponent(value)}`);
}

/** `text` wrapped in `n` pairs of parentheses. */
function parens(n: number, text: string): string {
  return `${'('.repeat(n)}${text}${')'.repeat(n)}`;
}

for (const database of DATABASES) {
  describe(`expression nesting and long chains [${database.name}]`, () => {
    let s: TestServer;

    before(async () => {
      s = await startServer(undefined, database);
      const data = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'payload' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      for (const seq of [3, 500, 998, 1500]) {
        const r = await call('POST', `${s.root}${SET}`, { msdyn_name: `n${seq}`, importsequencenumber: seq, 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${data})` });
        expect(r.status, r.text).to.equal(204);
      }
    });
    after(async () => { await s.close(); });

    /** The msdyn_name values of the rows `$filter=<filter>` returns, sorted. */
    async function names(filter: string): Promise<string[]> {
      const r = await call('GET', `${s.root}${SET}?$select=msdyn_name&$orderby=msdyn_name&$filter=${encodeURIComponent(filter)}`);
      expect(r.status, r.text.slice(0, 300)).to.equal(200);
      return r.json.value.map((v: { msdyn_name: string }) => v.msdyn_name);
    }

    /** Expects 400 0x80060888 naming the limit. */
    async function tooDeep(r: Promise<Reply>): Promise<void> {
      const reply = await r;
      expect(reply.status, reply.text.slice(0, 300)).to.equal(400);
      expect(reply.json.error.code).to.equal('0x80060888');
      expect(reply.json.error.message).to.contain(TOO_DEEP);
    }

    it(`${MAX_NESTING} nested parentheses or nots work; one more, or 5,000, is 400 naming the limit`, async () => {
      expect(await names(parens(MAX_NESTING, 'importsequencenumber eq 3'))).to.deep.equal(['n3']);
      expect(await names(`${'not '.repeat(MAX_NESTING)}importsequencenumber eq 3`)).to.deep.equal(['n3']);
      for (const filter of [parens(MAX_NESTING + 1, 'importsequencenumber eq 3'), parens(5000, 'importsequencenumber eq 3'),
        `${'not '.repeat(MAX_NESTING + 1)}importsequencenumber eq 3`, `${'not '.repeat(5000)}importsequencenumber eq 3`,
        `${'not ('.repeat(3000)}importsequencenumber eq 3${')'.repeat(3000)}`]) {
        await tooDeep(get(s, SET, '$filter', filter));
      }
    });

    it('deep nesting is 400 in function calls, lambda bodies, $orderby, $apply filter() and $expand\'s $filter', async () => {
      await tooDeep(get(s, SET, '$filter', `${'tolower('.repeat(3000)}msdyn_name${')'.repeat(3000)} eq 'a'`));
      await tooDeep(get(s, 'msdyn_copilotinteractiondatas', '$filter', `${CHILDREN}/any(c:${parens(5000, 'c/importsequencenumber eq 3')})`));
      // Nesting is checked while parsing, before any name is looked up.
      await tooDeep(get(s, 'msdyn_copilotinteractiondatas', '$filter', `${`${CHILDREN}/any(c:`.repeat(MAX_NESTING + 1)}c/importsequencenumber eq 3${')'.repeat(MAX_NESTING + 1)}`));
      await tooDeep(get(s, SET, '$orderby', parens(5000, 'msdyn_name')));
      await tooDeep(get(s, SET, '$apply', `filter(${parens(5000, 'importsequencenumber eq 3')})/aggregate($count as n)`));
      await tooDeep(get(s, 'msdyn_copilotinteractiondatas', '$expand', `${CHILDREN}($filter=${parens(5000, 'importsequencenumber eq 3')})`));
    });

    it('flat chains of 1,000 terms still work: or, and, and mixed', async () => {
      const or = Array.from({ length: 1000 }, (_, i) => `importsequencenumber eq ${i}`).join(' or ');
      expect(await names(or)).to.deep.equal(['n3', 'n500', 'n998']);
      const and = Array.from({ length: 1000 }, (_, i) => `importsequencenumber ne ${i}`).join(' and ');
      expect(await names(and)).to.deep.equal(['n1500']);
      const mixed = Array.from({ length: 500 }, (_, i) => `importsequencenumber ge ${i * 2} and importsequencenumber le ${i * 2 + 1}`).join(' or ');
      expect(await names(mixed)).to.deep.equal(['n3', 'n500', 'n998']);
      const r = await get(s, SET, '$apply', `filter(${or})/aggregate($count as n)`);
      expect(r.status, r.text.slice(0, 300)).to.equal(200);
      expect(r.json.value).to.deep.equal([{ n: 3 }]);
    });

    it('a FetchXML filter with as many conditions as a URL holds (600) works', async () => {
      // 1,000 conditions do not fit in a URL; test/render.test.ts shows how such a chain renders.
      const conditions = Array.from({ length: 600 }, (_, i) => `<condition attribute='importsequencenumber' operator='eq' value='${i < 300 ? i : 400 + i}'/>`).join('');
      const xml = `<fetch><entity name='msdyn_copilotinteraction'><attribute name='msdyn_name'/><order attribute='msdyn_name'/><filter type='or'>${conditions}</filter></entity></fetch>`;
      const r = await get(s, SET, 'fetchXml', xml);
      expect(r.status, r.text.slice(0, 300)).to.equal(200);
      expect(r.json.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['n3', 'n998']);
    });
  });
}
