import { expect } from 'chai';
import { parseStringPromise } from 'xml2js';
import type { Statement } from '../src/sql/dialect.js';
import { call, createRow, DATABASES, type TestServer } from './support/server.js';
import { TAGS, startRelationshipServer } from './support/relationship-metadata.js';

const SET = 'msdyn_copilotinteractions';
const INTERSECT = 'new_msdyn_copilotinteraction_new_tag';

for (const database of DATABASES) {
  describe(`many-to-many relationships [${database.name}]`, () => {
    let s: TestServer;
    let statements: Statement[];
    const tag: Record<string, string> = {};
    const ci: Record<string, string> = {};

    const create = (set: string, body: object) => createRow(s, set, body);
    const associate = (tagName: string, ciName: string) => call('POST', `${s.root}new_tags(${tag[tagName]})/${TAGS}/$ref`, { '@odata.id': `${s.root}${SET}(${ci[ciName]})` });
    const names = (rows: Array<Record<string, unknown>>, key = 'msdyn_name') => rows.map((r) => r[key]);

    before(async () => {
      s = await startRelationshipServer(database);
      const rows = s.db.rows.bind(s.db);
      statements = [];
      s.db.rows = async (stmt: Statement) => { statements.push(stmt); return rows(stmt); };
      for (const name of ['red', 'blue', 'green']) tag[name] = (await create('new_tags', { new_name: name, new_code: name.toUpperCase() })).new_tagid;
      for (const [name, n] of [['a', 1], ['b', 2], ['c', 3]] as const) ci[name] = (await create(SET, { msdyn_name: name, importsequencenumber: n })).msdyn_copilotinteractionid;
    });
    after(async () => {
      await s.close();
    });

    it('declares a collection-valued navigation property on both tables, Partners of each other, and the read-only intersect table', async () => {
      const doc = await parseStringPromise((await call('GET', `${s.root}$metadata`)).text);
      const schema = doc['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
      const types = Object.fromEntries(schema.EntityType.map((t: any) => [t.$.Name, t]));
      const nav = (type: string) => types[type].NavigationProperty.find((n: any) => n.$.Name === TAGS).$;
      expect(nav('new_tag')).to.deep.equal({ Name: TAGS, Type: 'Collection(mscrm.msdyn_copilotinteraction)', Partner: TAGS });
      expect(nav('msdyn_copilotinteraction')).to.deep.equal({ Name: TAGS, Type: 'Collection(mscrm.new_tag)', Partner: TAGS });
      expect(types[INTERSECT].Property.map((p: any) => p.$)).to.deep.equal([
        { Name: `${INTERSECT}id`, Type: 'Edm.Guid' }, { Name: 'msdyn_copilotinteractionid', Type: 'Edm.Guid' },
        { Name: 'new_tagid', Type: 'Edm.Guid' }, { Name: 'versionnumber', Type: 'Edm.Int64' },
      ]);
      const sets = Object.fromEntries(schema.EntityContainer[0].EntitySet.map((e: any) => [e.$.Name, e]));
      expect(sets['new_tags'].NavigationPropertyBinding.map((b: any) => b.$)).to.deep.include({ Path: TAGS, Target: SET });
      expect(sets[SET].NavigationPropertyBinding.map((b: any) => b.$)).to.deep.include({ Path: TAGS, Target: 'new_tags' });
      expect(sets[`${INTERSECT}collection`].$.EntityType).to.equal(`Microsoft.Dynamics.CRM.${INTERSECT}`);
    });

    it('associates from either side through $ref; a pair linked already is 412 0x80040237', async () => {
      expect((await associate('red', 'a')).status).to.equal(204);
      expect((await associate('red', 'b')).status).to.equal(204);
      const fromOtherSide = await call('POST', `${s.root}${SET}(${ci['c']})/${TAGS}/$ref`, { '@odata.id': `new_tags(${tag['blue']})` });
      expect(fromOtherSide.status, fromOtherSide.text).to.equal(204);
      expect((await associate('blue', 'a')).status).to.equal(204);
      const again = await associate('red', 'a');
      expect(again.status).to.equal(412);
      expect(again.json.error).to.deep.equal({ code: '0x80040237', message: 'Cannot insert duplicate key.' });
      const reverse = await call('POST', `${s.root}${SET}(${ci['a']})/${TAGS}/$ref`, { '@odata.id': `${s.root}new_tags(${tag['red']})` });
      expect(reverse.status, 'the same pair from the other side').to.equal(412);
      const links = await call('GET', `${s.root}${INTERSECT}collection?$select=new_tagid,msdyn_copilotinteractionid`);
      expect(links.json.value).to.have.length(4);
    });

    it('refuses to link a missing row (404) or a row of another table (400), changing nothing', async () => {
      const missing = await call('POST', `${s.root}new_tags(${tag['green']})/${TAGS}/$ref`, { '@odata.id': `${s.root}${SET}(00000000-0000-0000-0000-000000000009)` });
      expect(missing.status).to.equal(404);
      expect(missing.json.error.code).to.equal('0x80040217');
      const noSource = await call('POST', `${s.root}new_tags(00000000-0000-0000-0000-000000000009)/${TAGS}/$ref`, { '@odata.id': `${s.root}${SET}(${ci['a']})` });
      expect(noSource.status).to.equal(404);
      const wrongTable = await call('POST', `${s.root}new_tags(${tag['green']})/${TAGS}/$ref`, { '@odata.id': `${s.root}new_tags(${tag['red']})` });
      expect(wrongTable.status).to.equal(400);
      expect(wrongTable.json.error.code).to.equal('0x80090800');
      expect((await call('GET', `${s.root}new_tags(${tag['green']})/${TAGS}`)).json.value).to.deep.equal([]);
    });

    it('reads related rows through the navigation property on both sides, with query options', async () => {
      const red = await call('GET', `${s.root}new_tags(${tag['red']})/${TAGS}?$select=msdyn_name&$orderby=msdyn_name desc`);
      expect(red.status, red.text).to.equal(200);
      expect(red.json['@odata.context']).to.equal(`${s.root}$metadata#${SET}(msdyn_name)`);
      expect(names(red.json.value)).to.deep.equal(['b', 'a']);
      const filtered = await call('GET', `${s.root}new_tags(${tag['red']})/${TAGS}?$select=msdyn_name&$filter=importsequencenumber gt 1`);
      expect(names(filtered.json.value)).to.deep.equal(['b']);
      const a = await call('GET', `${s.root}${SET}(${ci['a']})/${TAGS}?$select=new_name&$orderby=new_name`);
      expect(names(a.json.value, 'new_name')).to.deep.equal(['blue', 'red']);
      expect((await call('GET', `${s.root}new_tags(${tag['red']})/${TAGS}/$count`)).text).to.equal('2');
      expect((await call('GET', `${s.root}${SET}(${ci['c']})/${TAGS}/$ref`)).json).to.deep.equal({ '@odata.context': `${s.root}$metadata#Collection($ref)`, value: [{ '@odata.id': `${s.root}new_tags(${tag['blue']})` }] });
      const paged = await call('GET', `${s.root}${SET}(${ci['a']})/${TAGS}?$select=new_name&$orderby=new_name`, undefined, { Prefer: 'odata.maxpagesize=1' });
      expect(names(paged.json.value, 'new_name')).to.deep.equal(['blue']);
      const next = await call('GET', paged.json['@odata.nextLink'], undefined, { Prefer: 'odata.maxpagesize=1' });
      expect(names(next.json.value, 'new_name')).to.deep.equal(['red']);
    });

    it('expands many-to-many properties in one statement, with nested options', async () => {
      statements.length = 0;
      const r = await call('GET', `${s.root}new_tags?$select=new_name&$orderby=new_name&$expand=${TAGS}($select=msdyn_name;$orderby=msdyn_name;$filter=importsequencenumber le 2;$expand=createdby($select=fullname))`);
      expect(r.status, r.text).to.equal(200);
      expect(statements).to.have.length(1);
      expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#new_tags(new_name,${TAGS}(msdyn_name,createdby(fullname)))`);
      const byName = Object.fromEntries(r.json.value.map((t: any) => [t.new_name, t[TAGS]]));
      expect(names(byName['red'])).to.deep.equal(['a', 'b']);
      expect(names(byName['blue'])).to.deep.equal(['a']);
      expect(byName['green']).to.deep.equal([]);
      expect(byName['red'][0].createdby.fullname).to.equal('SYSTEM');
      statements.length = 0;
      const other = await call('GET', `${s.root}${SET}(${ci['c']})?$select=msdyn_name&$expand=${TAGS}($select=new_code)`);
      expect(statements).to.have.length(1);
      expect(other.json[TAGS].map((t: any) => t.new_code)).to.deep.equal(['BLUE']);
    });

    it('filters with any/all across the intersect table', async () => {
      const tags = async (filter: string) => names((await call('GET', `${s.root}new_tags?$select=new_name&$orderby=new_name&$filter=${encodeURIComponent(filter)}`)).json.value, 'new_name');
      expect(await tags(`${TAGS}/any()`)).to.deep.equal(['blue', 'red']);
      expect(await tags(`${TAGS}/any(c: c/msdyn_name eq 'B')`)).to.deep.equal(['red']);
      expect(await tags(`${TAGS}/all(c: c/importsequencenumber ge 1)`)).to.deep.equal(['blue', 'green', 'red']);
      expect(await tags(`${TAGS}/all(c: c/importsequencenumber ne 3)`)).to.deep.equal(['green', 'red']);
      const cis = names((await call('GET', `${s.root}${SET}?$select=msdyn_name&$orderby=msdyn_name&$filter=${encodeURIComponent(`${TAGS}/any(t: t/new_code eq 'RED')`)}`)).json.value);
      expect(cis).to.deep.equal(['a', 'b']);
    });

    it('disassociates by key or $id; a pair that is not linked is 404', async () => {
      expect((await call('DELETE', `${s.root}new_tags(${tag['red']})/${TAGS}(${ci['b']})/$ref`)).status).to.equal(204);
      const byId = await call('DELETE', `${s.root}${SET}(${ci['a']})/${TAGS}/$ref?$id=${encodeURIComponent(`${s.root}new_tags(${tag['blue']})`)}`);
      expect(byId.status).to.equal(204);
      const otherTable = await call('DELETE', `${s.root}${SET}(${ci['a']})/${TAGS}/$ref?$id=${encodeURIComponent(`${s.root}systemusers(${tag['red']})`)}`);
      expect(otherTable.status).to.equal(400);
      expect(otherTable.json.error.code).to.equal('0x80090800');
      const notLinked = await call('DELETE', `${s.root}new_tags(${tag['red']})/${TAGS}(${ci['b']})/$ref`);
      expect(notLinked.status).to.equal(404);
      expect(notLinked.json.error.message).to.equal(`msdyn_copilotinteraction With Id = ${ci['b']} is not linked to new_tag With Id = ${tag['red']} through '${TAGS}'`);
      const gone = await call('DELETE', `${s.root}new_tags(${tag['red']})/${TAGS}(00000000-0000-0000-0000-00000000000f)/$ref`);
      expect(gone.json.error).to.deep.equal({ code: '0x80040217', message: 'msdyn_copilotinteraction With Id = 00000000-0000-0000-0000-00000000000f Does Not Exist' });
      expect(names((await call('GET', `${s.root}new_tags(${tag['red']})/${TAGS}?$select=msdyn_name`)).json.value)).to.deep.equal(['a']);
      expect(names((await call('GET', `${s.root}${SET}(${ci['a']})/${TAGS}?$select=new_name`)).json.value, 'new_name')).to.deep.equal(['red']);
    });

    it('deleting a row removes its links, and only its links', async () => {
      const doomed = (await create('new_tags', { new_name: 'doomed' })).new_tagid;
      for (const c of ['a', 'b']) expect((await call('POST', `${s.root}new_tags(${doomed})/${TAGS}/$ref`, { '@odata.id': `${s.root}${SET}(${ci[c]})` })).status).to.equal(204);
      const before = (await call('GET', `${s.root}${INTERSECT}collection`)).json.value.length;
      expect((await call('DELETE', `${s.root}new_tags(${doomed})`)).status).to.equal(204);
      const after = (await call('GET', `${s.root}${INTERSECT}collection?$select=new_tagid`)).json.value;
      expect(after).to.have.length(before - 2);
      expect(after.map((l: { new_tagid: string }) => l.new_tagid)).to.not.include(doomed);
      expect(names((await call('GET', `${s.root}${SET}(${ci['a']})/${TAGS}?$select=new_name`)).json.value, 'new_name')).to.deep.equal(['red']);
    });

    it('keeps the intersect table read-only: writes are 400 0x80040800', async () => {
      const [link] = (await call('GET', `${s.root}${INTERSECT}collection`)).json.value;
      expect(Object.keys(link)).to.deep.equal(['@odata.etag', `${INTERSECT}id`, 'msdyn_copilotinteractionid', 'new_tagid', 'versionnumber']);
      const post = await call('POST', `${s.root}${INTERSECT}collection`, { new_tagid: tag['green'], msdyn_copilotinteractionid: ci['c'] });
      expect(post.status).to.equal(400);
      expect(post.json.error).to.deep.equal({ code: '0x80040800', message: `The 'Create' method does not support entities of type '${INTERSECT}'.` });
      expect((await call('PATCH', `${s.root}${INTERSECT}collection(${link[`${INTERSECT}id`]})`, {})).json.error.code).to.equal('0x80040800');
      expect((await call('DELETE', `${s.root}${INTERSECT}collection(${link[`${INTERSECT}id`]})`)).json.error.code).to.equal('0x80040800');
    });

    it('creates a row linked through the property by a POST to it (OData Protocol §11.4.2)', async () => {
      const made = await call('POST', `${s.root}new_tags(${tag['green']})/${TAGS}`, { msdyn_name: 'made through green' }, { Prefer: 'return=representation' });
      expect(made.status, made.text).to.equal(201);
      const linked = (await call('GET', `${s.root}new_tags(${tag['green']})/${TAGS}?$select=msdyn_name`)).json.value;
      expect(names(linked)).to.include('made through green');
      const both = await call('POST', `${s.root}new_tags(${tag['green']})/${TAGS}`, { msdyn_name: 'green and red', [`${TAGS}@odata.bind`]: [`/new_tags(${tag['red']})`] });
      expect(both.status, both.text).to.equal(204);
      const id = /\(([0-9a-f-]{36})\)$/.exec(both.headers.get('odata-entityid')!)![1];
      expect(names((await call('GET', `${s.root}${SET}(${id})/${TAGS}?$select=new_name&$orderby=new_name`)).json.value, 'new_name')).to.deep.equal(['green', 'red']);
      // A new row whose alternate key another has: 412, as a plain create, on every database; nothing written.
      for (const [path, body] of [[`${SET}(${ci['a']})/${TAGS}`, { new_name: 'dup through a', new_code: 'RED' }], ['new_tags', { new_name: 'dup with a bind', new_code: 'RED', [`${TAGS}@odata.bind`]: [`/${SET}(${ci['a']})`] }]] as const) {
        const dup = await call('POST', `${s.root}${path}`, body);
        expect(dup.status, `${path}: ${dup.text}`).to.equal(412);
        expect(dup.json.error.code).to.equal('0x80060892');
      }
      expect((await call('GET', `${s.root}new_tags/$count?$filter=startswith(new_name,'dup ')`)).text).to.equal('0');
    });
  });
}
