import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildModel, ModelError } from '../src/model/loader.js';
import type { EntityFile } from '../src/model/types.js';
import type { Executor } from '../src/store/database.js';
import { call, copyMetadata, DATABASES, recordStatements, SHIPPED_METADATA, startServer, type Reply, type TestServer } from './support/server.js';

/**
 * Hierarchical relationships and the hierarchy query functions (Dataverse "Query hierarchical
 * data"): a table's one self-referential lookup marked IsHierarchical, walked by Under,
 * UnderOrEqual, Above, AboveOrEqual and NotUnder in `$filter` (FetchXML under, eq-or-under, above,
 * eq-or-above, not-under) in the query's own statement, at most 100 levels; the load errors of a
 * wrong mark; the mark in RelationshipDefinitions.
 */

const F = 'Microsoft.Dynamics.CRM';
const SET = 'new_nodes';
const CHILDREN = 'new_node_parent';

/** A table with a hierarchy: new_parentid, to itself, is its hierarchical lookup. */
const NODE: EntityFile = {
  LogicalName: 'new_node', EntitySetName: SET, PrimaryIdAttribute: 'new_nodeid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
  Attributes: [
    { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_rank', AttributeType: 'Integer' },
    { LogicalName: 'new_parentid', AttributeType: 'Lookup', Targets: ['new_node'], RelationshipSchemaName: CHILDREN, IsHierarchical: true },
    { LogicalName: 'new_otherid', AttributeType: 'Lookup', Targets: ['new_node'], RelationshipSchemaName: 'new_node_other' },
  ],
};

/** A table whose self-referential lookup is not hierarchical. */
const FLAT: EntityFile = {
  LogicalName: 'new_flat', EntitySetName: 'new_flats', PrimaryIdAttribute: 'new_flatid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
  Attributes: [
    { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_parentid', AttributeType: 'Lookup', Targets: ['new_flat'] },
  ],
};

/** A hierarchical table whose name is the one a walk's common table expression was named before it was `h-1`. */
const H1: EntityFile = {
  LogicalName: 'h1', EntitySetName: 'h1s', PrimaryIdAttribute: 'h1id', PrimaryNameAttribute: 'name', OwnershipType: 'OrganizationOwned',
  Attributes: [
    { LogicalName: 'name', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'parentid', AttributeType: 'Lookup', Targets: ['h1'], RelationshipSchemaName: 'h1_parent', IsHierarchical: true },
  ],
};

/** Starts a server over the shipped metadata with NODE, FLAT and H1; its close() removes the copy. */
async function start(database: (typeof DATABASES)[number]): Promise<TestServer> {
  const dir = copyMetadata();
  writeFileSync(join(dir, 'new_node.json'), JSON.stringify(NODE));
  writeFileSync(join(dir, 'new_flat.json'), JSON.stringify(FLAT));
  writeFileSync(join(dir, 'h1.json'), JSON.stringify(H1));
  const s = await startServer(dir, database).catch((err: unknown) => { rmSync(dir, { recursive: true, force: true }); throw err; });
  return { ...s, close: async () => { await s.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const names = (r: Reply): string[] => {
  expect(r.status, r.text).to.equal(200);
  return r.json.value.map((v: { new_name: string }) => v.new_name);
};

/** `Microsoft.Dynamics.CRM.<name>(PropertyName='new_nodeid',PropertyValue='<id>')`. */
const fn = (name: string, id: string, column = 'new_nodeid') => `${F}.${name}(PropertyName='${column}',PropertyValue='${id}')`;

for (const database of DATABASES) {
  describe(`hierarchy query functions [${database.name}]`, () => {
    let s: TestServer;
    /** Row ids by name. */
    const id: Record<string, string> = {};
    /** The names `$filter` finds, ordered by name. */
    const filter = (condition: string, extra = '') => call('GET', `${s.root}${SET}?$select=new_name&$orderby=new_name&$filter=${encodeURIComponent(condition)}${extra}`);
    const found = async (condition: string) => names(await filter(condition));
    /** The names FetchXML finds with `conditions` in its root filter, ordered by name. */
    const fetch = (conditions: string, type = 'and') => call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(`<fetch><entity name="new_node"><attribute name="new_name"/><order attribute="new_name"/><filter type="${type}">${conditions}</filter></entity></fetch>`)}`);
    const fetched = async (conditions: string, type = 'and') => names(await fetch(conditions, type));
    const condition = (operator: string, value: string, attribute = 'new_nodeid') => `<condition attribute="${attribute}" operator="${operator}" value="${value}"/>`;
    const create = async (name: string, parent?: string, set = SET) => {
      const r = await call('POST', `${s.root}${set}`, { new_name: name, ...(parent ? { 'new_parentid@odata.bind': `/${set}(${parent})` } : {}) }, { Prefer: 'return=representation' });
      expect(r.status, r.text).to.equal(201);
      return r.json[set === SET ? 'new_nodeid' : 'new_flatid'] as string;
    };

    // r ─┬─ a ─┬─ a1 ── a1a      s (another tree)
    //    │     └─ a2
    //    └─ b ── b1
    before(async () => {
      s = await start(database);
      id['r'] = await create('r');
      id['a'] = await create('a', id['r']);
      id['a1'] = await create('a1', id['a']);
      id['a1a'] = await create('a1a', id['a1']);
      id['a2'] = await create('a2', id['a']);
      id['b'] = await create('b', id['r']);
      id['b1'] = await create('b1', id['b']);
      id['s'] = await create('s');
      // The other self-referential lookup is not walked: a1a points at r through it.
      expect((await call('PATCH', `${s.root}${SET}(${id['a1a']})`, { 'new_otherid@odata.bind': `/${SET}(${id['r']})` })).status).to.equal(204);
    });
    after(async () => { await s.close(); });

    it('Under: the descendants, every level, not the row itself', async () => {
      expect(await found(fn('Under', id['r']!))).to.deep.equal(['a', 'a1', 'a1a', 'a2', 'b', 'b1']);
      expect(await found(fn('Under', id['a']!))).to.deep.equal(['a1', 'a1a', 'a2']);
      expect(await found(fn('Under', id['a2']!))).to.deep.equal([]);
      expect(await found(fn('Under', randomUUID()))).to.deep.equal([]);
    });

    it('UnderOrEqual: the row and its descendants', async () => {
      expect(await found(fn('UnderOrEqual', id['a']!))).to.deep.equal(['a', 'a1', 'a1a', 'a2']);
      expect(await found(fn('UnderOrEqual', id['s']!))).to.deep.equal(['s']);
      expect(await found(fn('UnderOrEqual', randomUUID()))).to.deep.equal([]);
    });

    it('Above: the ancestors up to the root, not the row itself', async () => {
      expect(await found(fn('Above', id['a1a']!))).to.deep.equal(['a', 'a1', 'r']);
      expect(await found(fn('Above', id['b']!))).to.deep.equal(['r']);
      expect(await found(fn('Above', id['r']!))).to.deep.equal([]);
    });

    it('AboveOrEqual: the row and its ancestors', async () => {
      expect(await found(fn('AboveOrEqual', id['a1a']!))).to.deep.equal(['a', 'a1', 'a1a', 'r']);
      expect(await found(fn('AboveOrEqual', id['r']!))).to.deep.equal(['r']);
    });

    it('NotUnder: every row not below the row: the row itself, its ancestors, other branches and trees', async () => {
      expect(await found(fn('NotUnder', id['a']!))).to.deep.equal(['a', 'b', 'b1', 'r', 's']);
      expect(await found(fn('NotUnder', id['r']!))).to.deep.equal(['r', 's']);
      expect(await found(fn('NotUnder', randomUUID()))).to.have.length(8);
    });

    it('take the GUID bare, quoted or in braces, in any case', async () => {
      expect(await found(`${F}.Under(PropertyName='new_nodeid',PropertyValue=${id['a']})`)).to.deep.equal(['a1', 'a1a', 'a2']);
      expect(await found(`${F}.Under(PropertyName='new_nodeid',PropertyValue='{${id['a']!.toUpperCase()}}')`)).to.deep.equal(['a1', 'a1a', 'a2']);
    });

    it('combine with and, or, and not around a group (not on the function itself is 400, as on every query function)', async () => {
      expect(await found(`${fn('Under', id['r']!)} and ${fn('Above', id['a1a']!)}`)).to.deep.equal(['a', 'a1']);
      expect(await found(`${fn('UnderOrEqual', id['b']!)} or new_name eq 's'`)).to.deep.equal(['b', 'b1', 's']);
      expect(await found(`not (${fn('UnderOrEqual', id['a']!)} or new_name eq 's')`)).to.deep.equal(['b', 'b1', 'r']);
      expect(await found(`not (${fn('NotUnder', id['a']!)} and new_name ne 'a1')`)).to.deep.equal(['a1', 'a1a', 'a2']);
      const r = await filter(`not ${fn('Under', id['a']!)}`);
      expect(r.status, r.text).to.equal(400);
      expect(r.json.error.message).to.equal('Not operator along with the Custom Named Condition operators is not allowed');
    });

    it('run in the query\'s own statement', async () => {
      const statements = recordStatements(s.db);
      expect(await found(fn('Under', id['a']!))).to.deep.equal(['a1', 'a1a', 'a2']);
      expect(statements).to.have.length(1);
      expect(statements[0]!.sql).to.contain('WITH RECURSIVE');
    });

    it('count: $count=true, /$count and $apply', async () => {
      const r = await filter(fn('Under', id['r']!), '&$count=true');
      expect(r.json['@odata.count']).to.equal(6);
      const n = await call('GET', `${s.root}${SET}/$count?$filter=${encodeURIComponent(fn('NotUnder', id['a']!))}`);
      expect(n.text).to.equal('5');
      const a = await call('GET', `${s.root}${SET}?$apply=${encodeURIComponent(`filter(${fn('UnderOrEqual', id['a']!)})/aggregate($count as n)`)}`);
      expect(a.status, a.text).to.equal(200);
      expect(a.json.value[0].n).to.equal(4);
    });

    it('in lambdas and $expand, on the related table', async () => {
      // Rows with a child under a: a (children a1, a2) and a1 (child a1a).
      expect(await found(`${CHILDREN}/any(c: ${F}.Under(PropertyName='new_nodeid',PropertyValue='${id['a']}'))`)).to.deep.equal(['a', 'a1']);
      // Rows none of whose children is under r: every child is, so the rows without children.
      expect(await found(`${CHILDREN}/all(c: ${F}.NotUnder(PropertyName='new_nodeid',PropertyValue='${id['r']}'))`)).to.deep.equal(['a1a', 'a2', 'b1', 's']);
      const r = await call('GET', `${s.root}${SET}(${id['r']})?$select=new_name&$expand=${CHILDREN}($select=new_name;$filter=${encodeURIComponent(fn('UnderOrEqual', id['b']!))})`);
      expect(r.status, r.text).to.equal(200);
      expect(r.json[CHILDREN].map((c: { new_name: string }) => c.new_name)).to.deep.equal(['b']);
    });

    it('FetchXML under, eq-or-under, above, eq-or-above, not-under', async () => {
      expect(await fetched(condition('under', id['a']!))).to.deep.equal(['a1', 'a1a', 'a2']);
      expect(await fetched(condition('eq-or-under', id['a']!))).to.deep.equal(['a', 'a1', 'a1a', 'a2']);
      expect(await fetched(condition('above', `{${id['a1a']}}`))).to.deep.equal(['a', 'a1', 'r']);
      expect(await fetched(condition('eq-or-above', id['a1a']!))).to.deep.equal(['a', 'a1', 'a1a', 'r']);
      expect(await fetched(condition('not-under', id['a']!))).to.deep.equal(['a', 'b', 'b1', 'r', 's']);
      expect(await fetched(`<condition attribute="new_nodeid" operator="under"><value>${id['b']}</value></condition>`)).to.deep.equal(['b1']);
      expect(await fetched(`${condition('under', id['r']!)}${condition('eq', 'b1', 'new_name')}`)).to.deep.equal(['b1']);
      expect(await fetched(`${condition('eq-or-under', id['b']!)}${condition('eq', 's', 'new_name')}`, 'or')).to.deep.equal(['b', 'b1', 's']);
      const count = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(`<fetch aggregate="true"><entity name="new_node"><attribute name="new_nodeid" aggregate="count" alias="n"/><filter>${condition('under', id['r']!)}</filter></entity></fetch>`)}`);
      expect(count.status, count.text).to.equal(200);
      expect(count.json.value[0].n).to.equal(6);
    });

    it('walk at most 100 levels (Dataverse\'s recursion limit); a loop check walks them all', async () => {
      // A chain c0 ← c1 ← … ← c101 in a tree of its own.
      const chain = [await create('c000')];
      for (let i = 1; i <= 101; i++) chain.push(await create(`c${String(i).padStart(3, '0')}`, chain[i - 1]));
      const under = await found(fn('Under', chain[0]!));
      expect(under).to.have.length(100);
      expect(under[0]).to.equal('c001');
      expect(under.at(-1)).to.equal('c100');
      const above = await found(fn('Above', chain[101]!));
      expect(above).to.have.length(100);
      expect(above[0]).to.equal('c001');
      expect(await found(fn('UnderOrEqual', chain[1]!))).to.have.length(101);
      // The loop check walks the whole way up: c000 under c101, 101 levels below it, is a loop.
      const loop = await call('PATCH', `${s.root}${SET}(${chain[0]})`, { 'new_parentid@odata.bind': `/${SET}(${chain[101]})` });
      expect(loop.status, loop.text).to.equal(400);
      expect(loop.json.error.code).to.equal('0x80040507');
      for (const row of chain) expect((await call('DELETE', `${s.root}${SET}(${row})`)).status).to.equal(204);
    });

    describe('refuse a write that makes a loop (400 0x80040507) and take one that moves a branch', () => {
      const loop = async (r: Promise<Reply>) => {
        const reply = await r;
        expect(reply.status, reply.text).to.equal(400);
        expect(reply.json.error.code).to.equal('0x80040507');
        expect(reply.json.error.message).to.contain('would create a loop in');
      };
      const bind = (to: string) => ({ 'new_parentid@odata.bind': `/${SET}(${to})` });
      const unchanged = async () => expect(await found(fn('Under', id['r']!))).to.deep.equal(['a', 'a1', 'a1a', 'a2', 'b', 'b1']);

      it('an update, an upsert, a $ref and a bulk update that make a row its own ancestor', async () => {
        await loop(call('PATCH', `${s.root}${SET}(${id['a']})`, bind(id['a1a']!)));
        await loop(call('PATCH', `${s.root}${SET}(${id['a']})`, bind(id['a']!)));
        await loop(call('PATCH', `${s.root}${SET}(${id['r']})`, { new_name: 'r', ...bind(id['b1']!) }, { 'If-Match': '*' }));
        await loop(call('PUT', `${s.root}${SET}(${id['r']})/new_parentid/$ref`, { '@odata.id': `${s.root}${SET}(${id['a']})` }));
        await loop(call('POST', `${s.root}${SET}/Microsoft.Dynamics.CRM.UpdateMultiple`, { Targets: [
          { '@odata.type': 'Microsoft.Dynamics.CRM.new_node', new_nodeid: id['s'], new_name: 's2' },
          { '@odata.type': 'Microsoft.Dynamics.CRM.new_node', new_nodeid: id['a1'], ...bind(id['a1a']!) },
        ] }));
        await unchanged();
        expect(await found(`new_name eq 's'`)).to.deep.equal(['s']);
      });

      it('a create whose parent is the new row itself', async () => {
        const own = randomUUID();
        await loop(call('POST', `${s.root}${SET}`, { new_nodeid: own, new_name: 'own', ...bind(own) }));
        expect(await found(`new_name eq 'own'`)).to.deep.equal([]);
      });

      it('a move to another branch, and the other self-referential lookup, are no loops', async () => {
        expect((await call('PATCH', `${s.root}${SET}(${id['b']})`, bind(id['a2']!))).status).to.equal(204);
        expect(await found(fn('Under', id['a']!))).to.deep.equal(['a1', 'a1a', 'a2', 'b', 'b1']);
        expect((await call('PATCH', `${s.root}${SET}(${id['b']})`, bind(id['r']!))).status).to.equal(204);
        expect((await call('PATCH', `${s.root}${SET}(${id['r']})`, { 'new_otherid@odata.bind': `/${SET}(${id['a1a']})` })).status).to.equal(204);
        await unchanged();
      });

      it('a bulk update or upsert names the item that closes a loop in request order, whatever the ids', async () => {
        // a's id sorts after b's: written in id order, item 1 would pass and item 0 be named.
        const [b, a] = ['0a1b2c3d-0000-4000-8000-00000000000a', '0a1b2c3d-0000-4000-8000-00000000000b'];
        for (const [row, name] of [[b, 'qb'], [a, 'qa']] as const) expect((await call('POST', `${s.root}${SET}`, { new_nodeid: row, new_name: name })).status).to.equal(204);
        const [a1, b1] = [await create('qa1', a), await create('qb1', b)];
        const item = (row: string, parent: string | null) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.new_node', new_nodeid: row, 'new_parentid@odata.bind': parent && `/${SET}(${parent})` });
        // a under b1, then b under a1 (a1 ← a ← b1 ← b): the second closes the loop.
        for (const message of ['UpdateMultiple', 'UpsertMultiple']) {
          const r = await call('POST', `${s.root}${SET}/Microsoft.Dynamics.CRM.${message}`, { Targets: [item(a, b1), item(b, a1)] });
          expect(r.status, r.text).to.equal(400);
          expect(r.json.error.code).to.equal('0x80040507');
          expect(r.json.error.message, message).to.match(/^Targets\[1\]: /);
        }
        // An item emptying a parent before another takes it as a child is no loop either.
        expect((await call('PATCH', `${s.root}${SET}(${a})`, bind(b))).status).to.equal(204);
        const moved = await call('POST', `${s.root}${SET}/Microsoft.Dynamics.CRM.UpdateMultiple`, { Targets: [item(a, null), item(b, a)] });
        expect(moved.status, moved.text).to.equal(204);
        for (const row of [a1, b1, a, b]) expect((await call('DELETE', `${s.root}${SET}(${row})`)).status).to.equal(204);
      });

      it('a move reads its new parent once: the loop check goes with the check that the parent exists', async () => {
        const transaction = s.db.transaction.bind(s.db);
        const statements: string[] = [];
        s.db.transaction = <T>(fn: (tx: Executor) => Promise<T>): Promise<T> => transaction((tx) => {
          const rows: Executor['rows'] = (st) => { statements.push(JSON.stringify(st)); return tx.rows(st); };
          return fn(new Proxy(tx, { get: (t, key) => (key === 'rows' ? rows : Reflect.get(t, key, t)) }));
        });
        try {
          expect((await call('PATCH', `${s.root}${SET}(${id['b1']})`, bind(id['a2']!))).status).to.equal(204);
        } finally {
          s.db.transaction = transaction;
        }
        expect(statements.length).to.be.greaterThan(2);
        expect(new Set(statements).size, statements.join('\n')).to.equal(statements.length);
        expect((await call('PATCH', `${s.root}${SET}(${id['b1']})`, bind(id['b']!))).status).to.equal(204);
      });

      it('two concurrent moves, x under y and y under x: one is refused, never both taken', async () => {
        for (let pair = 0; pair < 20; pair++) {
          const [x, y] = [await create(`x${pair}`), await create(`y${pair}`)];
          const replies = await Promise.all([call('PATCH', `${s.root}${SET}(${x})`, bind(y)), call('PATCH', `${s.root}${SET}(${y})`, bind(x))]);
          expect(replies.map((r) => r.status).sort(), replies.map((r) => r.text).join()).to.deep.equal([204, 400]);
          expect(replies.find((r) => r.status === 400)!.json.error.code).to.equal('0x80040507');
          for (const row of [x, y]) expect((await call('DELETE', `${s.root}${SET}(${row})`)).status).to.equal(204);
        }
      });
    });

    describe('refuse with 400', () => {
      const refused = async (r: Promise<Reply>, code: string, text: string) => {
        const reply = await r;
        expect(reply.status, reply.text).to.equal(400);
        expect(reply.json.error.code).to.equal(code);
        expect(reply.json.error.message).to.contain(text);
      };

      it('a column other than the primary key', async () => {
        await refused(filter(fn('Under', id['a']!, 'new_parentid')), '0x80060888', "'_new_parentid_value' is not the primary key of 'new_node'; the hierarchy functions compare its primary key 'new_nodeid'");
        await refused(filter(fn('Above', id['a']!, 'new_name')), '0x80060888', "'new_name' is not the primary key");
        await refused(fetch(condition('under', id['a']!, 'new_parentid')), '0x80040203', "'_new_parentid_value' is not the primary key");
      });

      it('a table without a hierarchical relationship', async () => {
        const flat = await create('f', undefined, 'new_flats');
        await refused(call('GET', `${s.root}new_flats?$filter=${encodeURIComponent(`${F}.Under(PropertyName='new_flatid',PropertyValue='${flat}')`)}`), '0x80060888', "the table 'new_flat' has no hierarchical relationship");
        await refused(call('GET', `${s.root}new_flats?fetchXml=${encodeURIComponent(`<fetch><entity name="new_flat"><filter><condition attribute="new_flatid" operator="eq-or-under" value="${flat}"/></filter></entity></fetch>`)}`), '0x80040203', 'has no hierarchical relationship');
      });

      it('a value that is no GUID, none, or another parameter', async () => {
        await refused(filter(fn('Under', 'abc')), '0x80060888', 'PropertyValue must be the GUID of a row');
        await refused(filter(`${F}.Under(PropertyName='new_nodeid',PropertyValue=5)`), '0x80060888', 'PropertyValue must be the GUID of a row');
        await refused(filter(`${F}.Under(PropertyName='new_nodeid')`), '0x80060888', 'PropertyValue must be the GUID of a row');
        await refused(filter(`${F}.Under(PropertyName='new_nodeid',PropertyValues=['${id['a']}'])`), '0x80060888', 'No function signature');
        await refused(fetch(condition('under', 'abc')), '0x80040203', 'PropertyValue must be the GUID of a row');
        await refused(fetch('<condition attribute="new_nodeid" operator="above"/>'), '0x80040203', 'needs a value');
        await refused(fetch(`<condition attribute="new_nodeid" operator="above"><value>${id['a']}</value><value>${id['b']}</value></condition>`), '0x80040203', 'takes one value');
      });
    });

    it('walk a table whose name a common table expression could have (h1): functions, FetchXML and a move', async () => {
      const add = async (name: string, parent?: string) => {
        const r = await call('POST', `${s.root}h1s`, { name, ...(parent ? { 'parentid@odata.bind': `/h1s(${parent})` } : {}) }, { Prefer: 'return=representation' });
        expect(r.status, r.text).to.equal(201);
        return r.json.h1id as string;
      };
      const top = await add('top');
      const mid = await add('mid', top);
      const low = await add('low', mid);
      const rows = (r: Reply) => {
        expect(r.status, r.text).to.equal(200);
        return r.json.value.map((v: { name: string }) => v.name);
      };
      expect(rows(await call('GET', `${s.root}h1s?$select=name&$orderby=name&$filter=${encodeURIComponent(fn('Under', top, 'h1id'))}`))).to.deep.equal(['low', 'mid']);
      const fetchXml = `<fetch><entity name="h1"><attribute name="name"/><order attribute="name"/><filter><condition attribute="h1id" operator="eq-or-above" value="${low}"/></filter></entity></fetch>`;
      expect(rows(await call('GET', `${s.root}h1s?fetchXml=${encodeURIComponent(fetchXml)}`))).to.deep.equal(['low', 'mid', 'top']);
      expect((await call('PATCH', `${s.root}h1s(${low})`, { 'parentid@odata.bind': `/h1s(${top})` })).status).to.equal(204);
      const loop = await call('PATCH', `${s.root}h1s(${top})`, { 'parentid@odata.bind': `/h1s(${low})` });
      expect(loop.status, loop.text).to.equal(400);
      expect(loop.json.error.code).to.equal('0x80040507');
    });

    describe('FetchXML rowaggregate="CountChildren"', () => {
      // c ─┬─ c1 ─┬─ c1a      (a tree of its own, made here: the tests above move rows)
      //    │      └─ c1b
      //    └─ c2
      const tree: Record<string, string> = {};
      before(async () => {
        tree['c'] = await create('c');
        tree['c1'] = await create('c1', tree['c']);
        tree['c1a'] = await create('c1a', tree['c1']);
        tree['c1b'] = await create('c1b', tree['c1']);
        tree['c2'] = await create('c2', tree['c']);
      });
      const COUNT = '<attribute name="new_nodeid" rowaggregate="CountChildren" alias="NumberOfChildren"/>';
      /** FetchXML on new_node: `attributes` inside the entity, `fetch` attributes, the tree under c ordered by name. */
      const xml = (attributes: string, fetchAttributes = '') =>
        `<fetch${fetchAttributes}><entity name="new_node">${attributes}<order attribute="new_name"/><filter>${condition('eq-or-under', tree['c']!)}</filter></entity></fetch>`;
      const get = (x: string, headers: Record<string, string> = {}, set = SET) => call('GET', `${s.root}${set}?fetchXml=${encodeURIComponent(x)}`, undefined, headers);
      const counts = (r: Reply) => {
        expect(r.status, r.text).to.equal(200);
        return r.json.value.map((v: { new_name: string; NumberOfChildren: unknown }) => [v.new_name, v.NumberOfChildren]);
      };
      /** A refusal of FetchXML `x` on entity set `set`: status, Dataverse code and a piece of the message. */
      const refused = async (x: string, status: number, text: string, set = SET) => {
        const r = await get(x, {}, set);
        expect(r.status, r.text).to.equal(status);
        if (status === 400) expect(r.json.error.code).to.equal('0x80040203');
        expect(r.json.error.message).to.contain(text);
      };

      it('counts each row\'s direct children (not grandchildren) as an integer under the alias; a leaf has 0', async () => {
        expect(counts(await get(xml(`<attribute name="new_name"/>${COUNT}`)))).to.deep.equal([['c', 2], ['c1', 2], ['c1a', 0], ['c1b', 0], ['c2', 0]]);
      });

      it('counts children the filter leaves out, with other attributes and their aliases, any case of CountChildren', async () => {
        const x = `<fetch><entity name="new_node"><attribute name="new_name"/><attribute name="new_nodeid" alias="key"/><attribute name="new_nodeid" rowaggregate="countchildren" alias="NumberOfChildren"/><filter>${condition('eq', tree['c']!)}</filter></entity></fetch>`;
        const r = await get(x);
        expect(r.status, r.text).to.equal(200);
        expect(r.json.value).to.have.length(1);
        const row = r.json.value[0];
        expect(row).to.include({ new_name: 'c', new_nodeid: tree['c'], key: tree['c'], NumberOfChildren: 2 });
      });

      it('follows a move: a child moved to another parent counts there', async () => {
        expect((await call('PATCH', `${s.root}${SET}(${tree['c1b']})`, { 'new_parentid@odata.bind': `/${SET}(${tree['c2']})` })).status).to.equal(204);
        try {
          expect(counts(await get(xml(`<attribute name="new_name"/>${COUNT}`)))).to.deep.equal([['c', 2], ['c1', 1], ['c1a', 0], ['c1b', 0], ['c2', 1]]);
        } finally {
          expect((await call('PATCH', `${s.root}${SET}(${tree['c1b']})`, { 'new_parentid@odata.bind': `/${SET}(${tree['c1']})` })).status).to.equal(204);
        }
      });

      it('names the key as the count\'s AttributeName when annotations are asked for', async () => {
        const r = await get(xml(`<attribute name="new_name"/>${COUNT}`, ' top="1"'), { Prefer: 'odata.include-annotations="*"' });
        expect(r.status, r.text).to.equal(200);
        expect(r.json.value[0]).to.include({ new_name: 'c', NumberOfChildren: 2, 'NumberOfChildren@OData.Community.Display.V1.AttributeName': 'new_nodeid' });
      });

      it('pages: each page\'s rows carry their counts, by paging cookie and by page number', async () => {
        const prefer = { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.*"' };
        const first = await get(xml(`<attribute name="new_name"/>${COUNT}`, ' count="2"'), prefer);
        expect(counts(first)).to.deep.equal([['c', 2], ['c1', 2]]);
        const cookie = first.json['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'] as string;
        expect(cookie).to.be.a('string');
        // The inner cookie is URL-encoded twice, and goes back XML-escaped.
        const inner = decodeURIComponent(decodeURIComponent(/pagingcookie="([^"]*)"/.exec(cookie)![1]!));
        const escaped = inner.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
        const second = await get(xml(`<attribute name="new_name"/>${COUNT}`, ` count="2" page="2" paging-cookie="${escaped}"`));
        expect(counts(second)).to.deep.equal([['c1a', 0], ['c1b', 0]]);
        expect(counts(await get(xml(`<attribute name="new_name"/>${COUNT}`, ' count="2" page="3"')))).to.deep.equal([['c2', 0]]);
      });

      it('400 0x80040203 on a column that is not the primary key, naming the hierarchy', () =>
        refused(xml('<attribute name="new_name" rowaggregate="CountChildren" alias="n"/>'), 400, 'new_nodeid <- new_parentid'));

      it('400 0x80040203 on a table without a hierarchical relationship', () =>
        refused('<fetch><entity name="new_flat"><attribute name="new_flatid" rowaggregate="CountChildren" alias="n"/></entity></fetch>', 400, "'new_flat' has no hierarchical relationship", 'new_flats'));

      it('400 0x80040203 without an alias, for another value, inside a link-entity, in an aggregate query, for an alias another column has', async () => {
        await refused(xml('<attribute name="new_nodeid" rowaggregate="CountChildren"/>'), 400, 'needs an alias');
        await refused(xml('<attribute name="new_nodeid" rowaggregate="CountDescendants" alias="n"/>'), 400, "cannot be 'CountDescendants'");
        await refused(xml('<attribute name="new_name"/><link-entity name="new_node" from="new_nodeid" to="new_parentid" alias="p"><attribute name="new_nodeid" rowaggregate="CountChildren" alias="n"/></link-entity>'), 400, 'only supported on the attributes of the query\'s entity');
        await refused('<fetch aggregate="true"><entity name="new_node"><attribute name="new_nodeid" rowaggregate="CountChildren" alias="n"/></entity></fetch>', 400, 'has rowaggregate');
        await refused(xml(`<attribute name="new_name" alias="NumberOfChildren"/>${COUNT}`), 400, 'unique name');
        await refused(xml(`<attribute name="new_name"/>${COUNT}<attribute name="new_nodeid" alias="NumberOfChildren"/>`), 400, 'unique name');
      });

      it('501 with distinct="true"', () => refused(xml(`<attribute name="new_name"/>${COUNT}`, ' distinct="true"'), 501, 'distinct'));
    });

    it('answer IsHierarchical true for the hierarchical relationship only', async () => {
      const get = async (name: string) => {
        const r = await call('GET', `${s.root}RelationshipDefinitions(SchemaName='${name}')/Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata?$select=IsHierarchical`);
        expect(r.status, r.text).to.equal(200);
        return r.json.IsHierarchical as boolean;
      };
      expect(await get(CHILDREN)).to.equal(true);
      expect(await get('new_node_other')).to.equal(false);
      expect(await get('new_flat_new_flat_new_parentid')).to.equal(false);
      // The shipped business units' parent, hierarchical in Dataverse.
      expect(await get('business_unit_parent_business_unit')).to.equal(true);
      const many = await call('GET', `${s.root}EntityDefinitions(LogicalName='new_node')/OneToManyRelationships?$select=SchemaName,IsHierarchical&$filter=IsHierarchical eq true`);
      expect(many.status, many.text).to.equal(200);
      expect(many.json.value.map((r: { SchemaName: string }) => r.SchemaName)).to.deep.equal([CHILDREN]);
    });
  });
}

describe('hierarchical relationships in metadata files (load errors)', () => {
  const shipped = readdirSync(SHIPPED_METADATA).map((n) => ({ source: n, json: JSON.parse(readFileSync(join(SHIPPED_METADATA, n), 'utf8')) as unknown }));
  const problems = (...files: EntityFile[]): string => {
    try {
      buildModel([...shipped, ...files.map((json) => ({ source: `${json.LogicalName}.json`, json }))]);
    } catch (err) {
      expect(err).to.be.instanceOf(ModelError);
      return (err as Error).message;
    }
    throw new Error('the model loaded');
  };
  const node = (...extra: EntityFile['Attributes']): EntityFile => ({ ...NODE, Attributes: [...NODE.Attributes, ...extra] });

  it('loads one hierarchical lookup of a table to itself', () => {
    const model = buildModel([...shipped, { source: 'new_node.json', json: NODE }]);
    const relationship = [...model.byLogicalName.get('new_node')!.navigation.values()].find((n) => n.Name === 'new_parentid')!.relationship;
    expect(relationship.RelationshipType === 'OneToManyRelationship' && relationship.IsHierarchical).to.equal(true);
  });

  it('refuses a hierarchical lookup to another table', () => {
    expect(problems(node({ LogicalName: 'new_teamid', AttributeType: 'Lookup', Targets: ['team'], IsHierarchical: true })))
      .to.equal("new_node.json: /Attributes/4/IsHierarchical: a hierarchical relationship is one of a table with itself; 'new_teamid' looks up 'team', not 'new_node' alone");
  });

  it('refuses a second hierarchical lookup in a table', () => {
    const file = node();
    file.Attributes[3] = { ...file.Attributes[3]!, IsHierarchical: true };
    expect(problems(file)).to.equal("new_node.json: /Attributes/3/IsHierarchical: 'new_node' already has a hierarchical relationship, through 'new_parentid'; a table has at most one");
  });

  it('refuses IsHierarchical on a column that is no lookup', () => {
    expect(problems(node({ LogicalName: 'new_code', AttributeType: 'String', IsHierarchical: true })))
      .to.equal('new_node.json: /Attributes/4/IsHierarchical: IsHierarchical is only for columns of type Lookup, not String');
  });
});
