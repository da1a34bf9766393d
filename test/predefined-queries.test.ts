import { expect } from 'chai';
import { call, createRow, DATABASES, startServer, type TestServer } from './support/server.js';

/*
 * Predefined queries (Dataverse "Retrieve and execute predefined queries"; digest §3): the
 * FetchXML of a savedquery (system view) or userquery (saved view) row, run by
 * `GET /<set>?savedQuery=<id>` / `?userQuery=<id>` and answered as that FetchXML query is, over
 * HTTP on every database.
 */

const SET = 'msdyn_copilotinteractions';
const ENTITY = 'msdyn_copilotinteraction';
const VIEW_ID = '00000000-0000-0000-00aa-000010001002';
const VIEW_XML = `<fetch><entity name="${ENTITY}"><attribute name="msdyn_name"/><attribute name="msdyn_interactiontype"/>`
  + `<filter><condition attribute="msdyn_name" operator="like" value="view %"/></filter><order attribute="msdyn_name" descending="true"/></entity></fetch>`;

for (const database of DATABASES) {
  describe(`predefined queries (savedQuery, userQuery) [${database.name}]`, () => {
    let s: TestServer;
    const ids: Record<string, string> = {};
    before(async () => {
      s = await startServer(undefined, database);
      for (const [name, type] of [['view a', 100230302], ['view b', null], ['other', 100230302]] as const) {
        ids[name] = (await createRow(s, SET, { msdyn_name: name, ...(type === null ? {} : { msdyn_interactiontype: type }) })).msdyn_copilotinteractionid;
      }
      await createRow(s, 'savedqueries', { savedqueryid: VIEW_ID, name: 'Views', returnedtypecode: ENTITY, fetchxml: VIEW_XML, querytype: 0 });
    });
    after(async () => { await s.close(); });

    it('runs a savedquery\'s FetchXML: its rows, columns and order, null columns left out, as fetchXml answers', async () => {
      const r = await call('GET', `${s.root}${SET}?savedQuery=${VIEW_ID}`);
      expect(r.status, r.text).to.equal(200);
      expect(r.json.value.map((row: Record<string, unknown>) => row['msdyn_copilotinteractionid'])).to.deep.equal([ids['view b'], ids['view a']]);
      expect(r.json.value[0]).to.not.have.property('msdyn_interactiontype');
      expect(r.json.value[1]).to.include({ msdyn_name: 'view a', msdyn_interactiontype: 100230302 });
      const same = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(VIEW_XML)}`);
      expect(r.text).to.equal(same.text);
    });

    it('takes the id in braces or upper case, with $count and annotations', async () => {
      const r = await call('GET', `${s.root}${SET}?savedQuery={${VIEW_ID.toUpperCase()}}&$count=true`, undefined, { Prefer: 'odata.include-annotations="*"' });
      expect(r.status, r.text).to.equal(200);
      expect(r.json['@odata.count']).to.equal(2);
      expect(r.json.value[1]).to.have.property('msdyn_interactiontype@OData.Community.Display.V1.FormattedValue', 'ThumbsDown');
    });

    it('runs a userquery, owned by the user who saved it', async () => {
      const saved = await createRow(s, 'userqueries', {
        name: 'Mine', returnedtypecode: ENTITY, querytype: 0,
        fetchxml: `<fetch><entity name="${ENTITY}"><attribute name="msdyn_name"/><filter><condition attribute="msdyn_name" operator="eq" value="other"/></filter></entity></fetch>`,
      });
      expect(saved._ownerid_value).to.equal(s.service.caller.systemuserid);
      const r = await call('GET', `${s.root}${SET}?userQuery=${saved.userqueryid}`);
      expect(r.status, r.text).to.equal(200);
      expect(r.json.value.map((row: Record<string, unknown>) => row['msdyn_name'])).to.deep.equal(['other']);
    });

    it('answers 400, not 500, for a view whose FetchXML holds more values than one statement takes', async function () {
      // A 1 MiB fetchxml holds 65,000 values at most: past SQLite's 32,766, within PostgreSQL's 65,535.
      if (database.name !== 'sqlite') this.skip();
      const values = '<value>1</value>'.repeat(40000);
      const saved = await createRow(s, 'userqueries', {
        name: 'Huge', returnedtypecode: ENTITY, querytype: 0,
        fetchxml: `<fetch><entity name="${ENTITY}"><attribute name="msdyn_name"/><filter><condition attribute="msdyn_name" operator="in">${values}</condition></filter></entity></fetch>`,
      });
      const r = await call('GET', `${s.root}${SET}?userQuery=${saved.userqueryid}`);
      expect(r.status, r.text.slice(0, 300)).to.equal(400);
      expect(r.json.error.message).to.match(/more than [\d,]+ values, more than one statement on this database takes/);
    });

    it('answers 404 for an unknown view and 400 for a view of another table', async () => {
      const missing = await call('GET', `${s.root}${SET}?savedQuery=00000000-0000-0000-00aa-000010001003`);
      expect(missing.status).to.equal(404);
      expect(missing.json.error).to.deep.equal({ code: '0x80040217', message: 'savedquery With Id = 00000000-0000-0000-00aa-000010001003 Does Not Exist' });
      const user = await call('GET', `${s.root}${SET}?userQuery=${VIEW_ID}`);
      expect(user.status).to.equal(404);
      expect(user.json.error.message).to.equal(`userquery With Id = ${VIEW_ID} Does Not Exist`);
      const other = await call('GET', `${s.root}systemusers?savedQuery=${VIEW_ID}`);
      expect(other.status).to.equal(400);
      expect(other.json.error.code).to.equal('0x80040203');
      expect(other.json.error.message).to.contain(`a view of '${ENTITY}', not of 'systemuser'`);
    });

    it('refuses ids that are not GUIDs, other query options, and other resources or verbs with 400', async () => {
      const refusals: Array<[string, string, RegExp]> = [
        ['GET', `${SET}?savedQuery=abc`, /must be the id \(a GUID\) of a savedquery; 'abc' is not/],
        ['GET', `${SET}?savedQuery=${VIEW_ID}&$top=1`, /'\$top' cannot be combined with savedQuery/],
        ['GET', `${SET}?userQuery=${VIEW_ID}&$select=msdyn_name`, /'\$select' cannot be combined with userQuery/],
        ['GET', `${SET}?savedQuery=${VIEW_ID}&fetchXml=${encodeURIComponent(VIEW_XML)}`, /'fetchXml' cannot be combined with savedQuery/],
        ['GET', `${SET}?savedQuery=${VIEW_ID}&userQuery=${VIEW_ID}`, /savedQuery and userQuery query options cannot be combined/],
        ['GET', `${SET}(${ids['view a']})?savedQuery=${VIEW_ID}`, /only valid on a GET of an entity set/],
        ['POST', `${SET}?savedQuery=${VIEW_ID}`, /only valid on a GET of an entity set/],
      ];
      for (const [method, path, message] of refusals) {
        const r = await call(method, `${s.root}${path}`, method === 'POST' ? { msdyn_name: 'not written' } : undefined);
        expect(r.status, `${method} ${path}: ${r.text}`).to.equal(400);
        expect(r.json.error.message, path).to.match(message);
      }
      const written = await call('GET', `${s.root}${SET}?$filter=msdyn_name eq 'not written'&$count=true`);
      expect(written.json['@odata.count']).to.equal(0);
    });

    it('runs a userquery only for callers who may read it: another user at Basic depth gets 403', async () => {
      const role = (await createRow(s, 'roles', { name: 'Views of their own' })).roleid as string;
      const granted = await call('POST', `${s.root}roles(${role})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, {
        Privileges: [
          { PrivilegeName: 'prvCreateUserQuery', Depth: 'Basic' }, { PrivilegeName: 'prvReadUserQuery', Depth: 'Basic' },
          { PrivilegeName: `prvRead${ENTITY}`, Depth: 'Global' },
        ],
      });
      expect(granted.status, granted.text).to.equal(204);
      const user = async (fullname: string) => {
        const id = (await createRow(s, 'systemusers', { fullname })).systemuserid as string;
        const linked = await call('POST', `${s.root}systemusers(${id})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${role})` });
        expect(linked.status, linked.text).to.equal(204);
        return { MSCRMCallerID: id };
      };
      const [ann, bob] = [await user('Ann'), await user('Bob')];
      const saved = await call('POST', `${s.root}userqueries`, { name: 'Ann\'s', returnedtypecode: ENTITY, fetchxml: VIEW_XML }, { ...ann, Prefer: 'return=representation' });
      expect(saved.status, saved.text).to.equal(201);
      const mine = await call('GET', `${s.root}${SET}?userQuery=${saved.json.userqueryid}`, undefined, ann);
      expect(mine.status, mine.text).to.equal(200);
      expect(mine.json.value).to.have.length(2);
      const theirs = await call('GET', `${s.root}${SET}?userQuery=${saved.json.userqueryid}`, undefined, bob);
      expect(theirs.status, theirs.text).to.equal(403);
      expect(theirs.json.error.code).to.equal('0x80048306');
    });
  });
}
