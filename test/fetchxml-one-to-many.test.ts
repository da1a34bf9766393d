import { expect } from 'chai';
import type { Statement } from '../src/sql/dialect.js';
import { call, createRow, DATABASES, recordStatements, type Reply, type TestServer } from './support/server.js';
import { startRelationshipServer } from './support/relationship-metadata.js';

/*
 * FetchXML one-to-many link-entities that return columns (Dataverse "Join tables using FetchXml";
 * link-entity reference, link-type: inner and outer return the parent row once per related row,
 * where exists and in return it once): accounts with the contacts whose polymorphic
 * parentcustomerid points at them, over HTTP on every database.
 */

const COOKIE_ANNOTATIONS = { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords"' };
const ALL_ANNOTATIONS = { Prefer: 'odata.include-annotations="*"' };

/** `<fetch …><entity name="account"><attribute name="name"/>body</entity></fetch>` */
function accounts(body: string, fetchAttributes = ''): string {
  return `<fetch${fetchAttributes ? ` ${fetchAttributes}` : ''}><entity name="account"><attribute name="name"/>${body}</entity></fetch>`;
}

/** The account's contacts (alias c) with `inner` inside the link-entity. */
function contacts(linkType: string, inner = '<attribute name="fullname"/>'): string {
  return `<link-entity name="contact" from="parentcustomerid" to="accountid" link-type="${linkType}" alias="c">${inner}</link-entity>`;
}

const BY_NAME = '<order attribute="name"/>';
const BY_FULLNAME = '<order attribute="fullname"/>';

for (const database of DATABASES) {
  describe(`FetchXML one-to-many link-entity columns [${database.name}]`, () => {
    let s: TestServer;
    let statements: Statement[];
    const id: Record<string, string> = {};

    before(async () => {
      s = await startRelationshipServer(database);
      statements = recordStatements(s.db);
      for (const name of ['Alpha', 'Beta', 'Gamma']) id[name] = (await createRow(s, 'accounts', { name })).accountid;
      // Alpha has three contacts, Beta one, Gamma none; Eve's parent is the contact Ann (the other
      // table of the polymorphic lookup), so she is no account's contact.
      const people: Array<[string, string | null, string, string]> = [
        ['Ann', 'a@example.com', 'accounts', 'Alpha'], ['Bob', 'a@example.com', 'accounts', 'Alpha'], ['Cid', null, 'accounts', 'Alpha'],
        ['Dan', 'd@example.com', 'accounts', 'Beta'], ['Eve', null, 'contacts', 'Ann'],
      ];
      for (const [fullname, emailaddress1, set, parent] of people) {
        const nav = set === 'accounts' ? 'parentcustomerid_account' : 'parentcustomerid_contact';
        id[fullname] = (await createRow(s, 'contacts', { fullname, emailaddress1, [`${nav}@odata.bind`]: `/${set}(${id[parent]})` })).contactid;
      }
    });
    after(async () => {
      await s.close();
    });

    async function fx(xml: string, headers: Record<string, string> = {}, extra = ''): Promise<Reply> {
      statements.length = 0;
      return call('GET', `${s.root}accounts?fetchXml=${encodeURIComponent(xml)}${extra}`, undefined, headers);
    }
    async function ok(xml: string, headers: Record<string, string> = {}, extra = ''): Promise<any> {
      const r = await fx(xml, headers, extra);
      expect(r.status, `${xml}: ${r.text}`).to.equal(200);
      return r.json;
    }
    /** Each row as `<account name>/<c.fullname>` (just the name without a contact). */
    async function pairs(xml: string, column = 'c_x002e_fullname'): Promise<string[]> {
      const body = await ok(xml);
      return body.value.map((v: Record<string, string>) => (v[column] === undefined ? v['name']! : `${v['name']}/${v[column]}`));
    }

    it('outer: a row per account and contact, accounts without contacts once without the link columns, in one statement', async () => {
      const body = await ok(accounts(`${BY_NAME}${contacts('outer', `<attribute name="fullname"/>${BY_FULLNAME}`)}`));
      expect(statements, 'one SQL statement').to.have.length(1);
      expect(body['@odata.context']).to.equal(`${s.root}$metadata#accounts(name,accountid)`);
      expect(body.value.map((v: Record<string, string>) => [v['name'], v['c_x002e_fullname']])).to.deep.equal([
        ['Alpha', 'Ann'], ['Alpha', 'Bob'], ['Alpha', 'Cid'], ['Beta', 'Dan'], ['Gamma', undefined],
      ]);
      const [ann, bob] = body.value;
      expect(Object.keys(ann)).to.deep.equal(['@odata.etag', 'name', 'accountid', 'c_x002e_fullname']);
      expect(ann.accountid).to.equal(id['Alpha']);
      // The account's row, its key and its version, repeated for each of its contacts.
      expect(bob.accountid).to.equal(id['Alpha']);
      expect(bob['@odata.etag']).to.equal(ann['@odata.etag']);
      expect(body.value[4]).to.have.keys('@odata.etag', 'name', 'accountid');
    });

    it('inner: only accounts with contacts, once per contact; the link\'s filter restricts the joined contacts', async () => {
      expect(await pairs(accounts(`${BY_NAME}${contacts('inner', `<attribute name="fullname"/>${BY_FULLNAME}`)}`))).to.deep.equal(['Alpha/Ann', 'Alpha/Bob', 'Alpha/Cid', 'Beta/Dan']);
      const notBob = '<attribute name="fullname"/><order attribute="fullname"/><filter><condition attribute="fullname" operator="ne" value="bob"/></filter>';
      expect(await pairs(accounts(`${BY_NAME}${contacts('inner', notBob)}`))).to.deep.equal(['Alpha/Ann', 'Alpha/Cid', 'Beta/Dan']);
      // Outer with a filter: Alpha's contacts all fail it, so Alpha is kept once, as Gamma is.
      const dOnly = '<attribute name="fullname"/><filter><condition attribute="fullname" operator="begins-with" value="d"/></filter>';
      expect(await pairs(accounts(`${BY_NAME}${contacts('outer', dOnly)}`))).to.deep.equal(['Alpha', 'Beta/Dan', 'Gamma']);
      // The root's own filter still applies to the accounts.
      expect(await pairs(accounts(`${BY_NAME}<filter><condition attribute="name" operator="eq" value="beta"/></filter>${contacts('outer')}`))).to.deep.equal(['Beta/Dan']);
    });

    it('orders by root and link columns: the root\'s first, the link\'s after (or first with entityname), descending too', async () => {
      const desc = accounts(`<order attribute="name" descending="true"/>${contacts('outer', '<attribute name="fullname"/><order attribute="fullname" descending="true"/>')}`);
      expect(await pairs(desc)).to.deep.equal(['Gamma', 'Beta/Dan', 'Alpha/Cid', 'Alpha/Bob', 'Alpha/Ann']);
      // entityname puts the link's column first: null (Gamma) sorts first ascending.
      const linkFirst = accounts(`<order entityname="c" attribute="fullname" descending="true"/>${BY_NAME}${contacts('outer')}`);
      expect(await pairs(linkFirst)).to.deep.equal(['Beta/Dan', 'Alpha/Cid', 'Alpha/Bob', 'Alpha/Ann', 'Gamma']);
    });

    it('pages skip rows: a page boundary inside an account\'s contacts, morerecords without a paging cookie', async () => {
      const page = (n: number, cookie = '') => accounts(`${BY_NAME}${contacts('outer', `<attribute name="fullname"/>${BY_FULLNAME}`)}`, `count="2" page="${n}"${cookie}`);
      const seen: string[] = [];
      for (let n = 1; n <= 3; n++) {
        const body = await ok(page(n), COOKIE_ANNOTATIONS);
        seen.push(...body.value.map((v: Record<string, string>) => `${v['name']}/${v['c_x002e_fullname'] ?? ''}`));
        expect(body).to.not.have.any.keys('@Microsoft.Dynamics.CRM.fetchxmlpagingcookie');
        if (n < 3) expect(body['@Microsoft.Dynamics.CRM.morerecords'], `page ${n}`).to.equal(true);
        else expect(body).to.not.have.any.keys('@Microsoft.Dynamics.CRM.morerecords');
        if (n > 1) expect(statements[0]!.sql).to.match(/OFFSET/);
      }
      expect(seen).to.deep.equal(['Alpha/Ann', 'Alpha/Bob', 'Alpha/Cid', 'Beta/Dan', 'Gamma/']);
      // A cookie sent back (here one naming Alpha, the last account of page 1) is ignored: page 2 still starts at Cid.
      const cookie = ` paging-cookie="&lt;cookie page=&quot;1&quot;&gt;&lt;name last=&quot;Alpha&quot; first=&quot;Alpha&quot; /&gt;&lt;accountid last=&quot;{${id['Alpha']!.toUpperCase()}}&quot; first=&quot;{${id['Alpha']!.toUpperCase()}}&quot; /&gt;&lt;/cookie&gt;"`;
      expect(await pairs(page(2, cookie))).to.deep.equal(['Alpha/Cid', 'Beta/Dan']);
    });

    it('a total count counts the rows returned', async () => {
      const body = await ok(accounts(`${BY_NAME}${contacts('outer')}`, 'returntotalrecordcount="true"'));
      expect(body['@odata.count']).to.equal(5);
      expect((await ok(accounts(contacts('inner')), {}, '&$count=true'))['@odata.count']).to.equal(4);
    });

    it('distinct: whole rows once, ordered by the returned columns', async () => {
      const body = await ok(accounts(contacts('outer', '<attribute name="emailaddress1"/>'), 'distinct="true"'));
      expect(body.value).to.deep.equal([
        { name: 'Alpha' }, { name: 'Alpha', 'c_x002e_emailaddress1': 'a@example.com' }, { name: 'Beta', 'c_x002e_emailaddress1': 'd@example.com' }, { name: 'Gamma' },
      ]);
      expect(statements[0]!.sql).to.match(/^SELECT DISTINCT /);
    });

    it('links below: many-to-one columns of each contact, and one-to-many rows of each contact (nested inner keeps its meaning)', async () => {
      const creator = '<link-entity name="systemuser" from="systemuserid" to="createdby" link-type="inner" alias="u"><attribute name="fullname"/></link-entity>';
      const withCreator = await ok(accounts(`${BY_NAME}${contacts('outer', `<attribute name="fullname"/>${BY_FULLNAME}${creator}`)}`));
      expect(withCreator.value.map((v: Record<string, string>) => [v['name'], v['c_x002e_fullname'], v['u_x002e_fullname']])).to.deep.equal([
        ['Alpha', 'Ann', 'SYSTEM'], ['Alpha', 'Bob', 'SYSTEM'], ['Alpha', 'Cid', 'SYSTEM'], ['Beta', 'Dan', 'SYSTEM'], ['Gamma', undefined, undefined],
      ]);
      const children = (linkType: string) => `<link-entity name="contact" from="parentcustomerid" to="contactid" link-type="${linkType}" alias="k"><attribute name="fullname"/></link-entity>`;
      const outer = await ok(accounts(`${BY_NAME}${contacts('outer', `<attribute name="fullname"/>${BY_FULLNAME}${children('outer')}`)}`));
      expect(outer.value.map((v: Record<string, string>) => [v['name'], v['c_x002e_fullname'], v['k_x002e_fullname']])).to.deep.equal([
        ['Alpha', 'Ann', 'Eve'], ['Alpha', 'Bob', undefined], ['Alpha', 'Cid', undefined], ['Beta', 'Dan', undefined], ['Gamma', undefined, undefined],
      ]);
      // Inner below outer: only contacts with a contact of their own count; accounts without one stay once.
      const nested = await ok(accounts(`${BY_NAME}${contacts('outer', `<attribute name="fullname"/>${children('inner')}`)}`));
      expect(nested.value.map((v: Record<string, string>) => [v['name'], v['c_x002e_fullname'], v['k_x002e_fullname']])).to.deep.equal([
        ['Alpha', 'Ann', 'Eve'], ['Beta', undefined, undefined], ['Gamma', undefined, undefined],
      ]);
    });

    it('annotations of joined columns: a lookup\'s FormattedValue is the related row\'s name', async () => {
      const body = await ok(accounts(`${BY_NAME}<filter><condition attribute="name" operator="eq" value="beta"/></filter>${contacts('inner', '<attribute name="createdby"/>')}`), ALL_ANNOTATIONS);
      expect(body.value).to.have.length(1);
      expect(body.value[0]['c_x002e_createdby@OData.Community.Display.V1.FormattedValue']).to.equal('SYSTEM');
      expect(body.value[0]['c_x002e_createdby@Microsoft.Dynamics.CRM.lookuplogicalname']).to.equal('systemuser');
      // An aliased value, as every link-entity column in Dataverse: AttributeName, no navigation property.
      expect(body.value[0]['c_x002e_createdby@OData.Community.Display.V1.AttributeName']).to.equal('createdby');
      expect(Object.keys(body.value[0]).filter((k) => k.includes('associatednavigationproperty') && k.startsWith('c_x002e_'))).to.deep.equal([]);
    });

    it('inner and outer without columns: the account once per contact, as Dataverse joins them; distinct once; exists, in and any once', async () => {
      const names = async (xml: string) => (await ok(xml)).value.map((v: Record<string, string>) => v['name']);
      const tally = (list: string[]) => list.reduce<Record<string, number>>((n, x) => ({ ...n, [x]: (n[x] ?? 0) + 1 }), {});
      const inner = await ok(accounts(`${BY_NAME}${contacts('inner', '')}`));
      expect(tally(inner.value.map((v: Record<string, string>) => v['name']))).to.deep.equal({ Alpha: 3, Beta: 1 });
      // Each of Alpha's rows is Alpha's row: its key and version repeat.
      expect(new Set(inner.value.slice(0, 3).map((v: Record<string, string>) => `${v['accountid']} ${v['@odata.etag']}`)).size).to.equal(1);
      expect(inner.value[0].accountid).to.equal(id['Alpha']);
      expect(Object.keys(inner.value[0])).to.deep.equal(['@odata.etag', 'name', 'accountid']);
      expect(tally(await names(accounts(`${BY_NAME}${contacts('outer', '')}`)))).to.deep.equal({ Alpha: 3, Beta: 1, Gamma: 1 });
      // The link's filter restricts the contacts counted; a total count counts the rows returned.
      const notBob = '<filter><condition attribute="fullname" operator="ne" value="bob"/></filter>';
      expect(await names(accounts(`${BY_NAME}${contacts('inner', notBob)}`))).to.deep.equal(['Alpha', 'Alpha', 'Beta']);
      expect((await ok(accounts(contacts('outer', notBob), 'returntotalrecordcount="true"')))['@odata.count']).to.equal(4);
      expect((await ok(accounts(contacts('inner', '')), {}, '&$count=true'))['@odata.count']).to.equal(4);
      // distinct: each row once.
      expect(await names(accounts(`${BY_NAME}${contacts('inner', '')}`, 'distinct="true"'))).to.deep.equal(['Alpha', 'Beta']);
      expect(await names(accounts(`${BY_NAME}${contacts('outer', '')}`, 'distinct="true"'))).to.deep.equal(['Alpha', 'Beta', 'Gamma']);
      // The link types that only filter return each account once.
      expect(await names(accounts(`${BY_NAME}${contacts('exists', '')}`))).to.deep.equal(['Alpha', 'Beta']);
      expect(await names(accounts(`${BY_NAME}${contacts('in', notBob)}`))).to.deep.equal(['Alpha', 'Beta']);
      expect(await names(accounts(`${BY_NAME}<filter>${contacts('any', '')}</filter>`))).to.deep.equal(['Alpha', 'Beta']);
      expect(await names(accounts(`${BY_NAME}<filter>${contacts('not any', '')}</filter>`))).to.deep.equal(['Gamma']);
    });

    it('pages of rows joined without columns skip rows: a page boundary inside an account\'s contacts, no paging cookie; distinct ones keep it', async () => {
      const page = (n: number, more = '') => accounts(`${BY_NAME}${contacts('outer', '')}`, `count="2" page="${n}"${more}`);
      const seen: string[] = [];
      for (let n = 1; n <= 3; n++) {
        const body = await ok(page(n), COOKIE_ANNOTATIONS);
        seen.push(...body.value.map((v: Record<string, string>) => v['name']));
        expect(body).to.not.have.any.keys('@Microsoft.Dynamics.CRM.fetchxmlpagingcookie');
        if (n < 3) expect(body['@Microsoft.Dynamics.CRM.morerecords'], `page ${n}`).to.equal(true);
        else expect(body).to.not.have.any.keys('@Microsoft.Dynamics.CRM.morerecords');
      }
      expect(seen).to.deep.equal(['Alpha', 'Alpha', 'Alpha', 'Beta', 'Gamma']);
      // Distinct rows of the root's columns alone are a keyset: the cookie of page 1 seeks after Alpha.
      const first = await ok(page(1, ' distinct="true"'), COOKIE_ANNOTATIONS);
      expect(first.value).to.deep.equal([{ name: 'Alpha' }, { name: 'Beta' }]);
      const cookie = /pagingcookie="([^"]+)"/.exec(first['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'])![1]!;
      const xmlCookie = decodeURIComponent(decodeURIComponent(cookie)).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
      const second = await ok(page(2, ` distinct="true" paging-cookie="${xmlCookie}"`), COOKIE_ANNOTATIONS);
      expect(second.value).to.deep.equal([{ name: 'Gamma' }]);
      expect(statements[0]!.sql).to.not.match(/OFFSET/);
    });

    it('a root condition naming a joined link tests the joined row: null on its key finds parents without children, other columns each pair', async () => {
      const where = (conditions: string, type = 'and') => `<filter type="${type}">${conditions}</filter>`;
      const on = (attribute: string, operator: string, value?: string, entityname = 'c') => `<condition entityname="${entityname}" attribute="${attribute}" operator="${operator}"${value === undefined ? '' : ` value="${value}"`}/>`;
      // Parents without children, with or without the link's columns; not-null keeps each pair.
      expect(await pairs(accounts(`${BY_NAME}${contacts('outer', '')}${where(on('contactid', 'null'))}`))).to.deep.equal(['Gamma']);
      expect(await pairs(accounts(`${BY_NAME}${contacts('outer')}${where(on('contactid', 'null'))}`))).to.deep.equal(['Gamma']);
      expect(await pairs(accounts(`${BY_NAME}${contacts('outer', `<attribute name="fullname"/>${BY_FULLNAME}`)}${where(on('contactid', 'not-null'))}`))).to.deep.equal(['Alpha/Ann', 'Alpha/Bob', 'Alpha/Cid', 'Beta/Dan']);
      expect(statements[0]!.sql).to.match(/LEFT JOIN/);
      // Another column: each joined row is tested by itself, so two conditions must hold on one contact.
      const linked = contacts('outer', `<attribute name="fullname"/>${BY_FULLNAME}`);
      expect(await pairs(accounts(`${BY_NAME}${linked}${where(on('emailaddress1', 'eq', 'a@example.com'))}`))).to.deep.equal(['Alpha/Ann', 'Alpha/Bob']);
      expect(await pairs(accounts(`${BY_NAME}${linked}${where(`${on('fullname', 'eq', 'Cid')}${on('emailaddress1', 'eq', 'a@example.com')}`)}`))).to.deep.equal([]);
      expect(await pairs(accounts(`${BY_NAME}${linked}${where(`${on('fullname', 'eq', 'Bob')}${on('emailaddress1', 'eq', 'a@example.com')}`)}`))).to.deep.equal(['Alpha/Bob']);
      // A condition that holds for null holds where an outer join found no contact too.
      expect(await pairs(accounts(`${BY_NAME}${linked}${where(on('emailaddress1', 'null'))}`))).to.deep.equal(['Alpha/Cid', 'Gamma']);
      // Or'ed with a root condition, and counted as the rows returned.
      const either = accounts(`${BY_NAME}${linked}${where(`${on('fullname', 'eq', 'dan')}<condition attribute="name" operator="eq" value="Gamma"/>`, 'or')}`, 'returntotalrecordcount="true"');
      expect((await ok(either))['@odata.count']).to.equal(2);
      expect(await pairs(either)).to.deep.equal(['Beta/Dan', 'Gamma']);
      // Without the link's columns the account still comes back once per matching contact.
      expect(await pairs(accounts(`${BY_NAME}${contacts('inner', '')}${where(on('emailaddress1', 'eq', 'a@example.com'))}`))).to.deep.equal(['Alpha', 'Alpha']);
    });

    it('a root condition naming a link below a joined one: a many-to-one row of each contact, a one-to-many row joined again', async () => {
      const on = (entityname: string, attribute: string, operator: string, value: string) => `<filter><condition entityname="${entityname}" attribute="${attribute}" operator="${operator}" value="${value}"/></filter>`;
      const creator = '<link-entity name="systemuser" from="systemuserid" to="createdby" link-type="outer" alias="u"/>';
      const withCreator = accounts(`${BY_NAME}${contacts('outer', `<attribute name="fullname"/>${BY_FULLNAME}${creator}`)}`);
      expect(await pairs(withCreator.replace('</entity>', `${on('u', 'fullname', 'eq', 'SYSTEM')}</entity>`))).to.deep.equal(['Alpha/Ann', 'Alpha/Bob', 'Alpha/Cid', 'Beta/Dan']);
      // ne holds for null (as for a root column): Gamma, without a contact, has no creator to test.
      expect(await pairs(withCreator.replace('</entity>', `${on('u', 'fullname', 'ne', 'SYSTEM')}</entity>`))).to.deep.equal(['Gamma']);
      const children = '<link-entity name="contact" from="parentcustomerid" to="contactid" link-type="outer" alias="k"/>';
      const withChildren = accounts(`${BY_NAME}${contacts('outer', `<attribute name="fullname"/>${BY_FULLNAME}${children}`)}`);
      expect(await pairs(withChildren.replace('</entity>', `${on('k', 'fullname', 'eq', 'Eve')}</entity>`))).to.deep.equal(['Alpha/Ann']);
    });

    it('aggregates: a one-to-many inner or outer link joins a row per related row, and each counts; grouping and aggregating the related rows\' columns', async () => {
      const aggregate = async (body: string, fetchAttributes = '') => {
        const json = await ok(`<fetch aggregate="true"${fetchAttributes}><entity name="account">${body}</entity></fetch>`);
        return json.value;
      };
      const group = '<attribute name="name" alias="account" groupby="true"/><order alias="account"/>';
      // count counts the joined rows; countcolumn the related rows' values, distinct once each.
      const counted = (linkType: string) => aggregate(`${group}<attribute name="accountid" alias="rows" aggregate="count"/>`
        + `<link-entity name="contact" from="parentcustomerid" to="accountid" link-type="${linkType}" alias="c"><attribute name="contactid" alias="contacts" aggregate="countcolumn"/>`
        + '<attribute name="emailaddress1" alias="emails" aggregate="countcolumn" distinct="true"/></link-entity>');
      expect(await counted('outer')).to.deep.equal([
        { account: 'Alpha', rows: 3, contacts: 3, emails: 1 }, { account: 'Beta', rows: 1, contacts: 1, emails: 1 }, { account: 'Gamma', rows: 1, contacts: 0, emails: 0 },
      ]);
      expect(await counted('inner')).to.deep.equal([{ account: 'Alpha', rows: 3, contacts: 3, emails: 1 }, { account: 'Beta', rows: 1, contacts: 1, emails: 1 }]);
      // Without columns of the link the accounts still count once per contact; countcolumn distinct of the root's key counts them once.
      expect(await aggregate(`<attribute name="accountid" alias="rows" aggregate="count"/><attribute name="accountid" alias="accounts" aggregate="countcolumn" distinct="true"/>${contacts('inner', '')}`))
        .to.deep.equal([{ rows: 4, accounts: 2 }]);
      // Grouped by the related rows' column (unaliased: <alias>_x002e_<column>), the link's filter restricting them.
      const byEmail = await aggregate('<attribute name="accountid" alias="n" aggregate="count"/>'
        + '<link-entity name="contact" from="parentcustomerid" to="accountid" alias="c"><attribute name="emailaddress1" groupby="true"/><filter><condition attribute="fullname" operator="ne" value="bob"/></filter></link-entity>');
      expect(byEmail).to.deep.equal([{ n: 1 }, { c_x002e_emailaddress1: 'a@example.com', n: 1 }, { c_x002e_emailaddress1: 'd@example.com', n: 1 }]);
      // A many-to-one link below the joined one, and a root condition on the joined row.
      const creators = await aggregate(`${group}<attribute name="accountid" alias="n" aggregate="count"/>`
        + '<link-entity name="contact" from="parentcustomerid" to="accountid" link-type="outer" alias="c"><link-entity name="systemuser" from="systemuserid" to="createdby" alias="u"><attribute name="fullname" alias="creator" groupby="true"/></link-entity></link-entity>'
        + '<filter><condition entityname="c" attribute="emailaddress1" operator="not-null"/></filter>');
      expect(creators).to.deep.equal([{ account: 'Alpha', creator: 'SYSTEM', n: 2 }, { account: 'Beta', creator: 'SYSTEM', n: 1 }]);
      // The joined rows count towards the record limit: 5 rows, a limit of 4.
      const limited = await fx(`<fetch aggregate="true" aggregatelimit="4"><entity name="account"><attribute name="accountid" alias="n" aggregate="count"/>${contacts('outer', '')}</entity></fetch>`);
      expect(limited.status, limited.text).to.equal(400);
      expect(limited.json.error.code).to.equal('0x8004E023');
      expect(statements, 'one SQL statement').to.have.length(1);
    });

    it('an inner join restricts the accounts by itself: no EXISTS of the same contacts beside it', async () => {
      expect(await pairs(accounts(`${BY_NAME}${contacts('inner', `<attribute name="fullname"/>${BY_FULLNAME}`)}`))).to.deep.equal(['Alpha/Ann', 'Alpha/Bob', 'Alpha/Cid', 'Beta/Dan']);
      expect(statements[0]!.sql).to.match(/ JOIN /).and.not.match(/EXISTS/);
      // exists and in still restrict by EXISTS (they join nothing).
      await ok(accounts(contacts('exists', '')));
      expect(statements[0]!.sql).to.match(/EXISTS/).and.not.match(/ JOIN /);
    });

    it('conditions naming a link that is not joined (matchfirstrowusingcrossapply without columns) test one related row together', async () => {
      const on = (attribute: string, value: string) => `<condition entityname="c" attribute="${attribute}" operator="eq" value="${value}"/>`;
      const first = (conditions: string, type = 'and') => accounts(`${BY_NAME}${contacts('matchfirstrowusingcrossapply', '')}<filter type="${type}">${conditions}</filter>`);
      // Alpha has Cid and a contact at a@example.com, but Cid has no e-mail address.
      expect(await pairs(first(`${on('fullname', 'Cid')}${on('emailaddress1', 'a@example.com')}`))).to.deep.equal([]);
      expect(await pairs(first(`${on('fullname', 'Bob')}${on('emailaddress1', 'a@example.com')}`))).to.deep.equal(['Alpha']);
      // Either condition: any contact meeting one.
      expect(await pairs(first(`${on('fullname', 'Cid')}${on('emailaddress1', 'd@example.com')}`, 'or'))).to.deep.equal(['Alpha', 'Beta']);
    });

    it('501 for what is not implemented: matchfirstrowusingcrossapply columns', async () => {
      const first = await fx(accounts(contacts('matchfirstrowusingcrossapply')));
      expect(first.status, first.text).to.equal(501);
      expect(first.json.error.message).to.contain('matchfirstrowusingcrossapply');
    });
  });
}
