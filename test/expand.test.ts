import { expect } from 'chai';
import type { Statement } from '../src/sql/dialect.js';
import { call, DATABASES, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';
const CHILDREN = 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid';

for (const database of DATABASES) {
  describe(`$expand [${database.name}]`, () => {
    let s: TestServer;
    let dataId: string;
    let emptyId: string;
    let statements: Statement[];

    before(async () => {
      s = await startServer(undefined, database);
      // Count the statements each request runs: every read must be one statement.
      const rows = s.db.rows.bind(s.db);
      statements = [];
      s.db.rows = async (stmt: Statement) => { statements.push(stmt); return rows(stmt); };
      dataId = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'payload' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      emptyId = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'no children' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      for (const [name, n, ts] of [['b', 2, '2024-01-02T10:00:00Z'], ['a', 1, '2024-01-01T10:00:00Z'], ['c', 3, null]] as const) {
        await call('POST', `${s.root}${SET}`, { msdyn_name: name, importsequencenumber: n, msdyn_clienttimestamp: ts, 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${dataId})` });
      }
      await call('POST', `${s.root}${SET}`, { msdyn_name: 'orphan', importsequencenumber: 4 });
    });
    after(async () => { await s.close(); });

    async function get(url: string) {
      statements.length = 0;
      const r = await call('GET', `${s.root}${url}`);
      expect(r.status, r.text).to.equal(200);
      expect(statements, 'one SQL statement per read').to.have.length(1);
      return r.json;
    }

    it('expands single-valued navigation properties to an object or null, in one statement', async () => {
      const body = await get(`${SET}?$select=msdyn_name&$orderby=importsequencenumber&$expand=msdyn_interactiondataid($select=msdyn_name),createdby($select=fullname)`);
      expect(body['@odata.context']).to.equal(`${s.root}$metadata#${SET}(msdyn_name,msdyn_interactiondataid(msdyn_name),createdby(fullname))`);
      expect(body.value).to.have.length(4);
      const first = body.value[0];
      expect(Object.keys(first)).to.deep.equal(['@odata.etag', 'msdyn_name', 'msdyn_copilotinteractionid', 'msdyn_interactiondataid', 'createdby']);
      expect(first.msdyn_interactiondataid).to.deep.include({ msdyn_name: 'payload', msdyn_copilotinteractiondataid: dataId });
      expect(first.msdyn_interactiondataid['@odata.etag']).to.match(/^W\/"\d+"$/);
      expect(first.createdby).to.deep.include({ fullname: 'SYSTEM', systemuserid: s.service.caller.systemuserid });
      expect(body.value[3].msdyn_name).to.equal('orphan');
      expect(body.value[3].msdyn_interactiondataid).to.equal(null);
      // $filter on a single-valued expansion: the related row, or null where it does not match.
      const filtered = await get(`${SET}?$select=msdyn_name&$orderby=importsequencenumber&$expand=msdyn_interactiondataid($select=msdyn_name;$filter=msdyn_name eq 'payload'),createdby($select=fullname;$filter=fullname eq 'nobody')`);
      expect(filtered.value[0].msdyn_interactiondataid).to.deep.include({ msdyn_name: 'payload' });
      expect(filtered.value.map((r: { createdby: unknown }) => r.createdby)).to.deep.equal([null, null, null, null]);
    });

    it('expands collection-valued navigation properties with $select, $filter, $orderby, $top and nested $expand', async () => {
      const body = await get(`msdyn_copilotinteractiondatas(${dataId})?$select=msdyn_name&$expand=${CHILDREN}($select=msdyn_name,msdyn_clienttimestamp,importsequencenumber;$filter=importsequencenumber ge 2;$orderby=msdyn_name desc;$top=5;$expand=createdby($select=fullname))`);
      expect(body['@odata.context']).to.equal(`${s.root}$metadata#msdyn_copilotinteractiondatas(msdyn_name,${CHILDREN}(msdyn_name,msdyn_clienttimestamp,importsequencenumber,createdby(fullname)))/$entity`);
      const children = body[CHILDREN];
      expect(children.map((c: { msdyn_name: string }) => c.msdyn_name)).to.deep.equal(['c', 'b']);
      expect(children[1]).to.deep.include({ msdyn_clienttimestamp: '2024-01-02T10:00:00Z', importsequencenumber: 2 });
      expect(children[0].msdyn_clienttimestamp).to.equal(null);
      expect(children[0].createdby.fullname).to.equal('SYSTEM');
      const top = await get(`msdyn_copilotinteractiondatas(${dataId})?$expand=${CHILDREN}($select=msdyn_name;$orderby=importsequencenumber;$top=1)`);
      expect(top[CHILDREN].map((c: { msdyn_name: string }) => c.msdyn_name)).to.deep.equal(['a']);
      const none = await get(`msdyn_copilotinteractiondatas(${emptyId})?$expand=${CHILDREN}($select=msdyn_name)`);
      expect(none[CHILDREN]).to.deep.equal([]);
      // Parameter aliases of the request serve nested options too.
      const aliased = await get(`msdyn_copilotinteractiondatas(${dataId})?$expand=${CHILDREN}($select=msdyn_name;$filter=msdyn_name eq @p;$orderby=@o)&@p='b'&@o=msdyn_name`);
      expect(aliased[CHILDREN].map((c: { msdyn_name: string }) => c.msdyn_name)).to.deep.equal(['b']);
    });

    it('expands in collections with paging and keeps values typed (dates, numbers, booleans, GUIDs)', async () => {
      const body = await get(`msdyn_copilotinteractiondatas?$select=msdyn_name&$orderby=msdyn_name desc&$expand=${CHILDREN}($select=msdyn_clienttimestamp,importsequencenumber,_msdyn_interactiondataid_value,statecode;$orderby=importsequencenumber)`);
      const payload = body.value.find((v: { msdyn_name: string }) => v.msdyn_name === 'payload');
      expect(payload[CHILDREN].map((c: Record<string, unknown>) => [c['importsequencenumber'], c['_msdyn_interactiondataid_value'], c['statecode']])).to.deep.equal([[1, dataId, 0], [2, dataId, 0], [3, dataId, 0]]);
      expect(payload[CHILDREN][0].msdyn_clienttimestamp).to.equal('2024-01-01T10:00:00Z');
      const users = await get(`systemusers?$select=fullname,isdisabled&$expand=lk_msdyn_copilotinteraction_createdby($select=msdyn_name;$top=2;$orderby=msdyn_name)`);
      expect(users.value[0].lk_msdyn_copilotinteraction_createdby.map((c: { msdyn_name: string }) => c.msdyn_name)).to.deep.equal(['a', 'b']);
    });

    it('with odata.maxpagesize and a nested $expand, pages each expanded collection and refuses $top and $orderby in it (digest §3.6)', async () => {
      const page2 = { Prefer: 'odata.maxpagesize=2' };
      const nested = `msdyn_copilotinteractiondatas(${dataId})?$select=msdyn_name&$expand=${CHILDREN}($select=msdyn_name;$filter=msdyn_name ne 'x';$expand=createdby($select=fullname))`;
      const r = await call('GET', `${s.root}${nested}`, undefined, page2);
      expect(r.status, r.text).to.equal(200);
      expect(r.json[CHILDREN].map((c: { msdyn_name: string; createdby: { fullname: string } }) => [c.msdyn_name, c.createdby.fullname])).to.have.length(2);
      const link = r.json[`${CHILDREN}@odata.nextLink`] as string;
      expect(link.startsWith(`${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}?$select=msdyn_name&$filter=`)).to.equal(true);
      // The link reads the rows of the collection the page left out, with the item's options.
      const rest = await call('GET', link, undefined, page2);
      expect(rest.status, rest.text).to.equal(200);
      expect(rest.json.value).to.have.length(1);
      expect(rest.json.value[0].createdby).to.have.property('fullname');
      expect(rest.json).to.not.have.property('@odata.nextLink');
      const seen = [...r.json[CHILDREN], ...rest.json.value].map((c: { msdyn_copilotinteractionid: string }) => c.msdyn_copilotinteractionid);
      expect(new Set(seen).size, 'every child once').to.equal(3);
      // Collections of a collection read are paged the same way; an empty one has no link.
      const all = await call('GET', `${s.root}msdyn_copilotinteractiondatas?$select=msdyn_name&$expand=${CHILDREN}($select=msdyn_name;$expand=createdby($select=fullname))`, undefined, page2);
      const byName = Object.fromEntries(all.json.value.map((d: Record<string, unknown>) => [d['msdyn_name'], d]));
      expect(byName['payload'][CHILDREN]).to.have.length(2);
      expect(byName['payload']).to.have.property(`${CHILDREN}@odata.nextLink`);
      expect(byName['no children'][CHILDREN]).to.deep.equal([]);
      expect(byName['no children']).to.not.have.property(`${CHILDREN}@odata.nextLink`);
      // Without a nested $expand the page size does not reach into the expansion.
      const flat = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})?$expand=${CHILDREN}($select=msdyn_name)`, undefined, page2);
      expect(flat.json[CHILDREN]).to.have.length(3);
      expect(flat.json).to.not.have.property(`${CHILDREN}@odata.nextLink`);
      for (const option of ['$top=1', '$orderby=msdyn_name']) {
        const refused = await call('GET', `${s.root}msdyn_copilotinteractiondatas?$expand=${CHILDREN}(${option};$expand=createdby)`, undefined, page2);
        expect(refused.status, option).to.equal(400);
        expect(refused.json.error).to.deep.equal({ code: '0x80060888', message: 'Only $select and $filter clause can be provided while doing $expand on many-to-one relationship or nested one-to-many relationship.' });
        // Without the page size they are fine.
        expect((await call('GET', `${s.root}msdyn_copilotinteractiondatas?$expand=${CHILDREN}(${option};$expand=createdby)`)).status, option).to.equal(200);
      }
    });

    it('says odata.maxpagesize was applied where it paged expanded collections only: of a single row, or under $top', async () => {
      const page2 = { Prefer: 'odata.maxpagesize=2' };
      const nested = `$expand=${CHILDREN}($select=msdyn_name;$expand=createdby($select=fullname))`;
      const one = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})?$select=msdyn_name&${nested}`, undefined, page2);
      expect(one.json[CHILDREN]).to.have.length(2);
      expect(one.headers.get('preference-applied')).to.equal('odata.maxpagesize=2');
      const top = await call('GET', `${s.root}msdyn_copilotinteractiondatas?$top=5&$select=msdyn_name&${nested}`, undefined, page2);
      expect(top.json.value.find((d: { msdyn_name: string }) => d.msdyn_name === 'payload')[CHILDREN]).to.have.length(2);
      expect(top.headers.get('preference-applied')).to.equal('odata.maxpagesize=2');
      // Not applied: a row's collection without a nested $expand, or a nested $expand of lookups alone.
      const flat = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})?$expand=${CHILDREN}($select=msdyn_name)`, undefined, page2);
      expect(flat.json[CHILDREN]).to.have.length(3);
      expect(flat.headers.get('preference-applied')).to.equal(null);
      const [child] = (await get(`${SET}?$select=msdyn_name&$filter=msdyn_name eq 'a'`)).value;
      const lookups = await call('GET', `${s.root}${SET}(${child.msdyn_copilotinteractionid})?$expand=msdyn_interactiondataid($select=msdyn_name;$expand=createdby($select=fullname))`, undefined, page2);
      expect(lookups.json.msdyn_interactiondataid.createdby.fullname).to.equal('SYSTEM');
      expect(lookups.headers.get('preference-applied')).to.equal(null);
    });

    it('links each row of an entity set read to its single-level expanded collections (<nav>@odata.nextLink, no paging), empty ones too, as Dataverse does', async () => {
      const name = (c: { msdyn_name: string }) => c.msdyn_name;
      const body = await get(`msdyn_copilotinteractiondatas?$select=msdyn_name&$orderby=msdyn_name&$expand=${CHILDREN}($select=msdyn_name;$orderby=msdyn_name desc;$top=2)`);
      const byName = Object.fromEntries(body.value.map((d: Record<string, unknown>) => [d['msdyn_name'], d]));
      const payload = byName['payload'];
      expect(Object.keys(payload).slice(-2)).to.deep.equal([CHILDREN, `${CHILDREN}@odata.nextLink`]);
      expect(payload[CHILDREN].map(name)).to.deep.equal(['c', 'b']);
      const link = payload[`${CHILDREN}@odata.nextLink`] as string;
      expect(link).to.equal(`${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}?$select=msdyn_name&$orderby=msdyn_name%20desc&$top=2`);
      // The link reads the rows answered ("an alternate URL to retrieve the values currently returned").
      const same = await call('GET', link);
      expect(same.status, same.text).to.equal(200);
      expect(same.json.value.map(name)).to.deep.equal(['c', 'b']);
      expect(byName['no children'][CHILDREN]).to.deep.equal([]);
      expect(byName['no children'][`${CHILDREN}@odata.nextLink`]).to.equal(`${s.root}msdyn_copilotinteractiondatas(${emptyId})/${CHILDREN}?$select=msdyn_name&$orderby=msdyn_name%20desc&$top=2`);
      // Without options, the related collection itself; lookups expanded beside it have no link.
      const bare = await get(`msdyn_copilotinteractiondatas?$filter=msdyn_copilotinteractiondataid eq ${dataId}&$select=msdyn_name&$expand=createdby($select=fullname),${CHILDREN}`);
      expect(bare.value[0][`${CHILDREN}@odata.nextLink`]).to.equal(`${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}`);
      expect(Object.keys(bare.value[0]).filter((k) => k.endsWith('@odata.nextLink'))).to.deep.equal([`${CHILDREN}@odata.nextLink`]);
      // None for a single row or the related rows of one (Dataverse's examples answer without), nor
      // when an $expand nests another (links then point past a page, and only where rows were left out).
      const single = await get(`msdyn_copilotinteractiondatas(${dataId})?$select=msdyn_name&$expand=${CHILDREN}($select=msdyn_name)`);
      expect(single).to.not.have.property(`${CHILDREN}@odata.nextLink`);
      const rowsOfOne = (await call('GET', `${s.root}systemusers(${s.service.caller.systemuserid})/lk_msdyn_copilotinteractiondata_createdby?$select=msdyn_name&$filter=msdyn_name eq 'payload'&$expand=${CHILDREN}($select=msdyn_name)`)).json;
      expect(rowsOfOne.value[0][CHILDREN]).to.have.length(3);
      expect(rowsOfOne.value[0]).to.not.have.property(`${CHILDREN}@odata.nextLink`);
      const nested = await get(`msdyn_copilotinteractiondatas?$select=msdyn_name&$expand=${CHILDREN}($select=msdyn_name;$expand=createdby($select=fullname))`);
      expect(nested.value.some((d: Record<string, unknown>) => `${CHILDREN}@odata.nextLink` in d)).to.equal(false);
    });

    it('refuses unknown properties, options not allowed on single-valued expansions, and more than 15 expansions', async () => {
      const bad = async (q: string, status = 400) => {
        const r = await call('GET', `${s.root}${SET}?${q}`);
        expect(r.status, q).to.equal(status);
        return r.json.error;
      };
      expect((await bad('$expand=nope')).message).to.contain("Could not find a property named 'nope'");
      expect((await bad('$expand=createdby($top=1)')).code).to.equal('0x80060888');
      expect((await bad('$expand=createdby($select=nope)')).message).to.contain("'nope'");
      expect((await bad('$expand=createdby($skip=1)')).message).to.contain('$skip');
      // 16 expansions, nested (a property is expanded once per level).
      expect((await bad(`$expand=${'createdby($expand='.repeat(15)}createdby${')'.repeat(15)}`)).message).to.contain('15');
      expect((await bad('$expand=createdby/$ref($select=fullname)')).message).to.contain('takes no options');
      const collectionRef = await call('GET', `${s.root}msdyn_copilotinteractiondatas?$expand=${CHILDREN}/$ref`);
      expect(collectionRef.status).to.equal(400);
      expect(collectionRef.json.error).to.deep.equal({ code: '0x80060888', message: 'Expand with $ref is only supported on lookup type navigation property.' });
    });

    it('refuses an option given twice in one item, an empty $select item and a property expanded twice, as at the top level', async () => {
      const bad = async (q: string) => {
        const r = await call('GET', `${s.root}${SET}?$select=msdyn_name&${q}`);
        expect(r.status, q).to.equal(400);
        expect(r.json.error.code, q).to.equal('0x80060888');
        return r.json.error.message as string;
      };
      // Each would have answered one of the two and dropped the other unsaid.
      expect(await bad('$expand=createdby($select=fullname;$select=domainname)')).to.equal("The query option '$select' is specified more than once inside the $expand of 'createdby'.");
      expect(await bad(`$expand=msdyn_interactiondataid($expand=${CHILDREN}($top=1;$top=2))`)).to.contain("'$top' is specified more than once");
      expect(await bad('$expand=createdby($select=fullname),createdby($select=domainname)')).to.equal("The navigation property 'createdby' is expanded more than once; expand it once with all its options.");
      expect(await bad('$expand=createdby,createdby/$ref')).to.contain("'createdby' is expanded more than once");
      expect(await bad('$expand=msdyn_interactiondataid($expand=createdby,createdby)')).to.contain("'createdby' is expanded more than once");
      expect(await bad('$expand=createdby($select=fullname,,domainname)')).to.equal("The $select query option 'fullname,,domainname' has an empty item.");
      expect(await bad('$expand=createdby($select=)')).to.contain('has an empty item');
      // The same property at different levels is no repetition.
      const levels = await get(`${SET}?$select=msdyn_name&$top=1&$expand=createdby($select=fullname),msdyn_interactiondataid($select=msdyn_name;$expand=createdby($select=fullname))`);
      expect(levels.value[0].createdby.fullname).to.equal('SYSTEM');
    });

    it('expands lookups to references with <nav>/$ref: @odata.id only, the lookup value beside it', async () => {
      const body = await get(`${SET}?$select=msdyn_name&$orderby=importsequencenumber&$expand=msdyn_interactiondataid/$ref,createdby($select=fullname)`);
      expect(body['@odata.context']).to.equal(`${s.root}$metadata#${SET}(msdyn_name,msdyn_interactiondataid,msdyn_interactiondataid/$ref(),createdby(fullname))`);
      const [first] = body.value;
      expect(Object.keys(first)).to.deep.equal(['@odata.etag', 'msdyn_name', 'msdyn_copilotinteractionid', '_msdyn_interactiondataid_value', 'msdyn_interactiondataid', 'createdby']);
      expect(first._msdyn_interactiondataid_value).to.equal(dataId);
      expect(first.msdyn_interactiondataid).to.deep.equal({ '@odata.id': `${s.root}msdyn_copilotinteractiondatas(${dataId})` });
      expect(body.value[3].msdyn_interactiondataid, 'the orphan has no lookup value').to.equal(null);
      const nested = await get(`msdyn_copilotinteractiondatas(${dataId})?$select=msdyn_name&$expand=${CHILDREN}($select=msdyn_name;$orderby=msdyn_name;$expand=createdby/$ref)`);
      expect(nested[CHILDREN][0].createdby).to.deep.equal({ '@odata.id': `${s.root}systemusers(${s.service.caller.systemuserid})` });
    });
  });
}

for (const database of DATABASES) {
  describe(`$filter across relationships: lookup paths and any/all [${database.name}]`, () => {
    let s: TestServer;
    let statements: Statement[];
    const ids: Record<string, string> = {};
    before(async () => {
      s = await startServer(undefined, database);
      const rows = s.db.rows.bind(s.db);
      statements = [];
      s.db.rows = async (stmt: Statement) => { statements.push(stmt); return rows(stmt); };
      for (const name of ['Red payload', 'Blue payload', 'Empty payload']) {
        ids[name] = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: name }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      }
      const add = (name: string, data: string | null, n: number) => call('POST', `${s.root}${SET}`, { msdyn_name: name, importsequencenumber: n, ...(data ? { 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${ids[data]})` } : {}) });
      await add('r1', 'Red payload', 1);
      await add('r2', 'Red payload', 5);
      await add('b1', 'Blue payload', 2);
      await add('none', null, 3);
    });
    after(async () => { await s.close(); });

    const names = async (set: string, filter: string) => {
      statements.length = 0;
      const r = await call('GET', `${s.root}${set}?$filter=${encodeURIComponent(filter)}&$orderby=${set === SET ? 'msdyn_name' : 'msdyn_name'}`);
      expect(r.status, `${filter}: ${r.text}`).to.equal(200);
      expect(statements).to.have.length(1);
      return r.json.value.map((v: { msdyn_name: string }) => v.msdyn_name);
    };

    it('filters on columns of looked-up rows, several levels deep, case-insensitively', async () => {
      expect(await names(SET, "msdyn_interactiondataid/msdyn_name eq 'RED PAYLOAD'")).to.deep.equal(['r1', 'r2']);
      expect(await names(SET, "startswith(msdyn_interactiondataid/msdyn_name,'blue')")).to.deep.equal(['b1']);
      expect(await names(SET, "msdyn_interactiondataid/createdby/fullname eq 'SYSTEM' and importsequencenumber gt 1")).to.deep.equal(['b1', 'r2']);
      expect(await names(SET, "createdby/fullname eq 'someone else'")).to.deep.equal([]);
      expect(await names(SET, "not (msdyn_interactiondataid/msdyn_name eq 'Red payload')")).to.deep.equal(['b1', 'none']);
    });

    it('filters with any/all over collection-valued navigation properties (EXISTS)', async () => {
      const rel = 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid';
      expect(await names('msdyn_copilotinteractiondatas', `${rel}/any(c: c/importsequencenumber ge 5)`)).to.deep.equal(['Red payload']);
      expect(await names('msdyn_copilotinteractiondatas', `${rel}/any()`)).to.deep.equal(['Blue payload', 'Red payload']);
      expect(await names('msdyn_copilotinteractiondatas', `${rel}/all(c: c/importsequencenumber lt 3)`)).to.deep.equal(['Blue payload', 'Empty payload']);
      expect(await names('msdyn_copilotinteractiondatas', `${rel}/any(c: contains(c/msdyn_name,'2') or c/createdby/fullname eq 'nobody')`)).to.deep.equal(['Red payload']);
      expect(await names('msdyn_copilotinteractiondatas', `not ${rel}/any()`)).to.deep.equal(['Empty payload']);
    });

    it('refuses lambdas on single-valued properties and collections in plain paths', async () => {
      const rel = 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid';
      for (const f of [`createdby/any(u: u/fullname eq 'x')`, `${rel}/msdyn_name eq 'x'`, `${rel}/any(c: importsequencenumber eq 1)`, `${rel}/any(c: c/nope eq 1)`, `${rel}/every(c: c/msdyn_name eq 'x')`]) {
        const r = await call('GET', `${s.root}msdyn_copilotinteractiondatas?$filter=${encodeURIComponent(f)}`);
        expect(r.status, f).to.equal(400);
      }
    });
  });
}

for (const database of DATABASES) {
  describe(`$expand past 5,000 related rows [${database.name}]`, () => {
    let s: TestServer;
    let bigId: string;
    before(async () => {
      s = await startServer(undefined, database);
      bigId = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'big' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      for (let start = 0; start < 5002; start += 1000) {
        const Targets = Array.from({ length: Math.min(1000, 5002 - start) }, (_, i) => ({
          '@odata.type': 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction', msdyn_name: `child ${start + i}`, importsequencenumber: start + i,
          'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${bigId})`,
        }));
        const r = await call('POST', `${s.root}${SET}/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets });
        expect(r.status, r.text).to.equal(200);
      }
    });
    after(async () => { await s.close(); });

    it('answers the first 5,000 and links to the whole collection with the item\'s options; $top takes them as asked', async () => {
      const r = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${bigId})?$select=msdyn_name&$expand=${CHILDREN}($select=msdyn_name;$filter=importsequencenumber ge 1;$orderby=importsequencenumber)`);
      expect(r.status, r.text).to.equal(200);
      const children = r.json[CHILDREN];
      expect(children).to.have.length(5000);
      expect(children[0].msdyn_name).to.equal('child 1');
      expect(Object.keys(r.json).slice(-2)).to.deep.equal([CHILDREN, `${CHILDREN}@odata.nextLink`]);
      const link = r.json[`${CHILDREN}@odata.nextLink`] as string;
      expect(link.startsWith(`${s.root}msdyn_copilotinteractiondatas(${bigId})/${CHILDREN}?$select=msdyn_name&$filter=`)).to.equal(true);
      // Following it reads the rows left out (5,001 with the filter), with the item's options.
      const rest = await call('GET', link);
      expect(rest.status, rest.text).to.equal(200);
      expect(rest.json.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['child 5001']);
      expect(Object.keys(rest.json.value[0])).to.not.include('importsequencenumber');
      expect(rest.json).to.not.have.property('@odata.nextLink');
      // The link carries the parameter aliases its options use.
      const aliased = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${bigId})?$expand=${CHILDREN}($select=msdyn_name;$filter=importsequencenumber ge @n)&@n=1`);
      const aliasedLink = aliased.json[`${CHILDREN}@odata.nextLink`] as string;
      expect(aliasedLink).to.contain('&@n=1');
      expect((await call('GET', aliasedLink)).json.value).to.have.length(1);
      // With $top the client chose how many: no link.
      const top = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${bigId})?$expand=${CHILDREN}($select=msdyn_name;$top=5000)`);
      expect(top.json[CHILDREN]).to.have.length(5000);
      expect(top.json).to.not.have.property(`${CHILDREN}@odata.nextLink`);
      // Exactly 5,000 related rows: all of them, no link.
      const exact = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${bigId})?$expand=${CHILDREN}($select=msdyn_name;$filter=importsequencenumber ge 2)`);
      expect(exact.json[CHILDREN]).to.have.length(5000);
      expect(exact.json).to.not.have.property(`${CHILDREN}@odata.nextLink`);
    });

    it('bounds a collection expanded through a lookup, whose rows repeat under every row sharing it: smaller pages, then paged collections, else 400', async () => {
      const CREATED = 'lk_msdyn_copilotinteraction_createdby';
      const shared = `createdby($select=fullname;$expand=${CREATED}($select=msdyn_name))`;
      const total = Number((await call('GET', `${s.root}${SET}/$count`)).text);
      expect(total, 'the rows the test before made, all by the one caller').to.be.above(100);
      // Paged: 50,000 rows at most, at worst 1 + 1 + 5,001 per row: pages of 9 rows, each with the whole collection.
      const page = await call('GET', `${s.root}${SET}?$select=msdyn_name&$expand=${shared}`);
      expect(page.status, page.text.slice(0, 300)).to.equal(200);
      expect(page.json.value).to.have.length(9);
      expect(page.json['@odata.nextLink']).to.be.a('string');
      expect(page.json.value[0].createdby[CREATED]).to.have.length(Math.min(total, 5000));
      // $top is kept: the shared collections are paged instead (1,000 × (1 + 1 + 48) ≤ 50,000), each linking to the rest.
      const top = await call('GET', `${s.root}${SET}?$top=1000&$select=msdyn_name&$expand=${shared}`);
      expect(top.status, top.text.slice(0, 300)).to.equal(200);
      expect(top.json.value).to.have.length(Math.min(total, 1000));
      expect(top.json).to.not.have.property('@odata.nextLink');
      const user = top.json.value[0].createdby;
      expect(user[CREATED]).to.have.length(47);
      const rest = await call('GET', user[`${CREATED}@odata.nextLink`]);
      expect(rest.status, rest.text.slice(0, 300)).to.equal(200);
      expect(rest.json.value[0].msdyn_name, 'the rest starts after the page').to.not.equal(user[CREATED][46].msdyn_name);
      // Five levels through the same lookup stay within the bound.
      const deep = await call('GET', `${s.root}${SET}?$top=1&$select=msdyn_name&$expand=createdby($select=fullname;$expand=${CREATED}($select=msdyn_name;$expand=createdby($select=fullname;$expand=${CREATED}($select=msdyn_name;$expand=createdby($select=fullname;$expand=${CREATED}($select=msdyn_name))))))`);
      expect(deep.status).to.equal(200);
      expect(deep.text.length).to.be.below(10_000_000);
      // Two one-to-many levels above the shared collection: those are paged too, no 400 without any $top.
      const datas = 'lk_msdyn_copilotinteractiondata_createdby';
      const above = await call('GET', `${s.root}systemusers?$select=fullname&$expand=${datas}($select=msdyn_name;$expand=${CHILDREN}($select=msdyn_name;$expand=createdby($select=fullname;$expand=${CREATED}($select=msdyn_name))))`);
      expect(above.status, above.text.slice(0, 300)).to.equal(200);
      expect(above.json.value[0][datas]).to.be.an('array');
      // The collection's own $top cannot be paged down: refused.
      const fixed = await call('GET', `${s.root}${SET}?$top=1000&$select=msdyn_name&$expand=createdby($expand=${CREATED}($top=100))`);
      expect(fixed.status).to.equal(400);
      expect(fixed.json.error.message).to.equal('This $expand could answer more than 50,000 rows: lower the $top of the collections it expands, or expand fewer levels.');
    });
  });
}
