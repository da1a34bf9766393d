import { expect } from 'chai';
import type { Statement } from '../src/sql/dialect.js';
import { call, createRow, DATABASES, recordStatements, startServer, type Reply, type TestServer } from './support/server.js';

/*
 * FetchXML many-to-many link-entities (Dataverse "Join tables using FetchXml", Many-to-many
 * relationships; link-entity reference): the query links the relationship's intersect table and,
 * inside it, the table at the other end. Users and their roles through the shipped
 * `systemuserroles_association` (intersect table `systemuserroles`), over HTTP on every database.
 */

const ALL_ANNOTATIONS = { Prefer: 'odata.include-annotations="*"' };
const BY_NAME = '<order attribute="fullname"/>';

/** `<fetch …><entity name="systemuser"><attribute name="fullname"/>(test users only)body</entity></fetch>` */
function users(body: string, fetchAttributes = ''): string {
  const ours = '<filter><condition attribute="fullname" operator="begins-with" value="mm "/></filter>';
  return `<fetch${fetchAttributes ? ` ${fetchAttributes}` : ''}><entity name="systemuser"><attribute name="fullname"/>${ours}${body}</entity></fetch>`;
}

/** The classic shape: the intersect entity (link-type `via`), the role inside it (link-type `linkType`, alias r) holding `inner`. */
function roles(linkType: string, inner = '<attribute name="name"/>', via = 'inner'): string {
  return `<link-entity name="systemuserroles" from="systemuserid" to="systemuserid" link-type="${via}" intersect="true" visible="false">`
    + `<link-entity name="role" from="roleid" to="roleid" link-type="${linkType}" alias="r">${inner}</link-entity></link-entity>`;
}

const ROLE_ORDER = '<attribute name="name"/><order attribute="name"/>';

for (const database of DATABASES) {
  describe(`FetchXML many-to-many link-entities [${database.name}]`, () => {
    let s: TestServer;
    let statements: Statement[];
    const id: Record<string, string> = {};

    before(async () => {
      s = await startServer(undefined, database);
      statements = recordStatements(s.db);
      for (const name of ['mm Sales', 'mm Support', 'mm Audit']) id[name] = (await createRow(s, 'roles', { name })).roleid;
      // Ann holds Sales and Support, Bob Support, Cid no role.
      const held: Array<[string, string[]]> = [['mm Ann', ['mm Sales', 'mm Support']], ['mm Bob', ['mm Support']], ['mm Cid', []]];
      for (const [fullname, names] of held) {
        id[fullname] = (await createRow(s, 'systemusers', { fullname })).systemuserid;
        for (const role of names) {
          const r = await call('POST', `${s.root}systemusers(${id[fullname]})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${id[role]})` });
          expect(r.status, r.text).to.equal(204);
        }
      }
    });
    after(async () => {
      await s.close();
    });

    async function fx(xml: string, headers: Record<string, string> = {}, extra = ''): Promise<Reply> {
      statements.length = 0;
      return call('GET', `${s.root}systemusers?fetchXml=${encodeURIComponent(xml)}${extra}`, undefined, headers);
    }
    async function ok(xml: string, headers: Record<string, string> = {}, extra = ''): Promise<any> {
      const r = await fx(xml, headers, extra);
      expect(r.status, `${xml}: ${r.text}`).to.equal(200);
      return r.json;
    }
    /** Each row as `<user>/<r.name>` (the user alone without a role). */
    async function pairs(xml: string): Promise<string[]> {
      const body = await ok(xml);
      return body.value.map((v: Record<string, string>) => (v['r_x002e_name'] === undefined ? v['fullname']! : `${v['fullname']}/${v['r_x002e_name']}`));
    }

    it('inner: a row per user and role, the role\'s columns under its alias, in one statement', async () => {
      const body = await ok(users(`${BY_NAME}${roles('inner', ROLE_ORDER)}`), ALL_ANNOTATIONS);
      expect(statements, 'one SQL statement').to.have.length(1);
      expect(body['@odata.context']).to.equal(`${s.root}$metadata#systemusers(fullname,systemuserid)`);
      expect(body.value.map((v: Record<string, string>) => [v['fullname'], v['r_x002e_name']])).to.deep.equal([
        ['mm Ann', 'mm Sales'], ['mm Ann', 'mm Support'], ['mm Bob', 'mm Support'],
      ]);
      const [first] = body.value;
      expect(first.systemuserid).to.equal(id['mm Ann']);
      expect(Object.keys(first).filter((k) => !k.includes('@'))).to.deep.equal(['fullname', 'systemuserid', 'r_x002e_name']);
    });

    it('outer: users without roles once, without the role\'s columns; an aliased column comes back under its alias', async () => {
      expect(await pairs(users(`${BY_NAME}${roles('outer', ROLE_ORDER, 'outer')}`))).to.deep.equal(['mm Ann/mm Sales', 'mm Ann/mm Support', 'mm Bob/mm Support', 'mm Cid']);
      const aliased = await ok(users(`${BY_NAME}${roles('outer', '<attribute name="name" alias="rolename"/><order attribute="name"/>', 'outer')}`));
      expect(aliased.value.map((v: Record<string, string>) => v['rolename'] ?? null)).to.deep.equal(['mm Sales', 'mm Support', 'mm Support', null]);
    });

    it('a filter on the far table restricts the roles joined (inner) or keeps users without a matching role once (outer)', async () => {
      const support = '<attribute name="name"/><filter><condition attribute="name" operator="eq" value="mm support"/></filter>';
      expect(await pairs(users(`${BY_NAME}${roles('inner', support)}`))).to.deep.equal(['mm Ann/mm Support', 'mm Bob/mm Support']);
      const sales = '<attribute name="name"/><filter><condition attribute="name" operator="eq" value="mm Sales"/></filter>';
      expect(await pairs(users(`${BY_NAME}${roles('inner', sales, 'outer')}`))).to.deep.equal(['mm Ann/mm Sales', 'mm Bob', 'mm Cid']);
      // An outer role link with a filter: each link stays, the role's columns only where it meets the filter.
      expect((await pairs(users(`${BY_NAME}${roles('outer', sales)}`))).sort()).to.deep.equal(['mm Ann', 'mm Ann/mm Sales', 'mm Bob']);
      // A root condition naming the far table's alias.
      const audit = '<filter><condition entityname="r" attribute="name" operator="eq" value="mm Support"/></filter>';
      expect(await pairs(users(`${BY_NAME}${roles('inner', ROLE_ORDER)}${audit}`))).to.deep.equal(['mm Ann/mm Support', 'mm Bob/mm Support']);
    });

    it('without columns: a row per link (inner and outer), distinct once; exists, in, any and not any once', async () => {
      const names = async (xml: string) => (await ok(xml)).value.map((v: Record<string, string>) => v['fullname']);
      expect(await names(users(`${BY_NAME}${roles('inner', '')}`))).to.deep.equal(['mm Ann', 'mm Ann', 'mm Bob']);
      expect(await names(users(`${BY_NAME}${roles('inner', '', 'outer')}`))).to.deep.equal(['mm Ann', 'mm Ann', 'mm Bob', 'mm Cid']);
      expect(await names(users(`${BY_NAME}${roles('inner', '')}`, 'distinct="true"'))).to.deep.equal(['mm Ann', 'mm Bob']);
      const support = '<filter><condition attribute="name" operator="eq" value="mm Support"/></filter>';
      const sales = '<filter><condition attribute="name" operator="eq" value="mm Sales"/></filter>';
      expect(await names(users(`${BY_NAME}${roles('inner', sales, 'exists')}`))).to.deep.equal(['mm Ann']);
      expect(await names(users(`${BY_NAME}${roles('inner', support, 'in')}`))).to.deep.equal(['mm Ann', 'mm Bob']);
      expect(await names(users(`${BY_NAME}<filter>${roles('inner', support, 'any')}</filter>`))).to.deep.equal(['mm Ann', 'mm Bob']);
      expect(await names(users(`${BY_NAME}<filter>${roles('inner', sales, 'not any')}</filter>`))).to.deep.equal(['mm Bob', 'mm Cid']);
      expect(await names(users(`${BY_NAME}<filter>${roles('inner', '', 'not any')}</filter>`))).to.deep.equal(['mm Cid']);
    });

    it('from the other side, with from and to left out, and from the intersect table itself', async () => {
      const r = await call('GET', `${s.root}roles?fetchXml=${encodeURIComponent('<fetch><entity name="role"><attribute name="name"/><filter><condition attribute="name" operator="begins-with" value="mm "/></filter><order attribute="name"/>'
        + '<link-entity name="systemuserroles" link-type="outer"><link-entity name="systemuser" alias="u" link-type="outer"><attribute name="fullname"/><order attribute="fullname"/></link-entity></link-entity></entity></fetch>')}`);
      expect(r.status, r.text).to.equal(200);
      expect(r.json.value.map((v: Record<string, string>) => `${v['name']}/${v['u_x002e_fullname'] ?? ''}`)).to.deep.equal(['mm Audit/', 'mm Sales/mm Ann', 'mm Support/mm Ann', 'mm Support/mm Bob']);
      const links = await call('GET', `${s.root}systemuserrolescollection?fetchXml=${encodeURIComponent('<fetch><entity name="systemuserroles"><attribute name="roleid"/>'
        + '<link-entity name="systemuser" from="systemuserid" to="systemuserid" alias="u"><attribute name="fullname"/><order attribute="fullname"/><filter><condition attribute="fullname" operator="begins-with" value="mm "/></filter></link-entity>'
        + '<link-entity name="role" from="roleid" to="roleid" alias="r"><attribute name="name"/><order attribute="name"/></link-entity></entity></fetch>')}`);
      expect(links.status, links.text).to.equal(200);
      expect(links.json.value.map((v: Record<string, string>) => `${v['u_x002e_fullname']}/${v['r_x002e_name']}`)).to.deep.equal(['mm Ann/mm Sales', 'mm Ann/mm Support', 'mm Bob/mm Support']);
      expect(links.json.value[0].roleid).to.equal(id['mm Sales']);
    });

    it('aggregates over the links: each linked row counts', async () => {
      const body = await ok('<fetch aggregate="true"><entity name="systemuser"><attribute name="fullname" alias="user" groupby="true"/>'
        + '<filter><condition attribute="fullname" operator="begins-with" value="mm "/></filter><order alias="user"/>'
        + '<link-entity name="systemuserroles" from="systemuserid" to="systemuserid" link-type="outer"><link-entity name="role" from="roleid" to="roleid" link-type="outer" alias="r">'
        + '<attribute name="roleid" alias="roles" aggregate="countcolumn"/></link-entity></link-entity></entity></fetch>');
      expect(body.value).to.deep.equal([{ user: 'mm Ann', roles: 2 }, { user: 'mm Bob', roles: 1 }, { user: 'mm Cid', roles: 0 }]);
    });

    it('refuses a link from the intersect table on a column it does not have (0x80041103)', async () => {
      const r = await fx(users('<link-entity name="systemuserroles" from="systemuserid" to="systemuserid"><link-entity name="role" from="roleid" to="nope"/></link-entity>'));
      expect(r.status, r.text).to.equal(400);
      expect(r.json.error.code).to.equal('0x80041103');
    });
  });
}
