import { expect } from 'chai';
import { parseStringPromise } from 'xml2js';
import { call, createRow, DATABASES, type TestServer } from './support/server.js';
import { startRelationshipServer } from './support/relationship-metadata.js';

const ALL = { Prefer: 'odata.include-annotations="*"' };

for (const database of DATABASES) {
  describe(`polymorphic lookups [${database.name}]`, () => {
    let s: TestServer;
    let contoso: string;
    let fabrikam: string;
    let boss: string;

    const create = (set: string, body: object) => createRow(s, set, body);
    const contact = async (name: string, bind: Record<string, unknown> = {}) => (await create('contacts', { fullname: name, ...bind })).contactid as string;
    const parent = async (id: string) => (await call('GET', `${s.root}contacts(${id})?$select=_parentcustomerid_value`, undefined, ALL)).json;

    before(async () => {
      s = await startRelationshipServer(database);
      contoso = (await create('accounts', { name: 'Contoso' })).accountid;
      fabrikam = (await create('accounts', { name: 'Fabrikam' })).accountid;
      boss = await contact('Boss');
    });
    after(async () => {
      await s.close();
    });

    it('declares one single-valued navigation property per target on the shared _x_value, and a collection on each target', async () => {
      const doc = await parseStringPromise((await call('GET', `${s.root}$metadata`)).text);
      const types = Object.fromEntries(doc['edmx:Edmx']['edmx:DataServices'][0].Schema[0].EntityType.map((t: any) => [t.$.Name, t]));
      const contactNav = Object.fromEntries(types['contact'].NavigationProperty.map((n: any) => [n.$.Name, n]));
      for (const [name, target, partner] of [['parentcustomerid_account', 'account', 'account_contact_parentcustomerid'], ['parentcustomerid_contact', 'contact', 'contact_contact_parentcustomerid']]) {
        expect(contactNav[name!].$).to.deep.equal({ Name: name, Type: `mscrm.${target}`, Partner: partner });
        expect(contactNav[name!].ReferentialConstraint[0].$).to.deep.equal({ Property: '_parentcustomerid_value', ReferencedProperty: `${target}id` });
      }
      expect(contactNav).to.not.have.property('parentcustomerid');
      expect(types['account'].NavigationProperty.map((n: any) => n.$)).to.deep.include({ Name: 'account_contact_parentcustomerid', Type: 'Collection(mscrm.contact)', Partner: 'parentcustomerid_account' });
      expect(contactNav['contact_contact_parentcustomerid'].$).to.deep.equal({ Name: 'contact_contact_parentcustomerid', Type: 'Collection(mscrm.contact)', Partner: 'parentcustomerid_contact' });
      const props = types['contact'].Property.map((p: any) => p.$.Name);
      expect(props).to.include('_parentcustomerid_value');
      expect(props, 'the type column is not a property').to.not.include('parentcustomeridtype');
    });

    it('binds through the property of one target and reports that target in the annotations', async () => {
      const id = await contact('Ann', { 'parentcustomerid_account@odata.bind': `/accounts(${contoso})` });
      expect(await parent(id)).to.deep.include({
        '_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty': 'parentcustomerid_account',
        '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
        '_parentcustomerid_value@OData.Community.Display.V1.FormattedValue': 'Contoso',
        _parentcustomerid_value: contoso,
      });
      expect((await call('PATCH', `${s.root}contacts(${id})`, { 'parentcustomerid_contact@odata.bind': `contacts(${boss})` }, { 'If-Match': '*' })).status).to.equal(204);
      expect(await parent(id)).to.deep.include({
        '_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty': 'parentcustomerid_contact',
        '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'contact',
        '_parentcustomerid_value@OData.Community.Display.V1.FormattedValue': 'Boss',
        _parentcustomerid_value: boss,
      });
      expect((await call('PATCH', `${s.root}contacts(${id})`, { parentcustomerid_account: null }, { 'If-Match': '*' })).status).to.equal(204);
      expect((await parent(id))._parentcustomerid_value).to.equal(null);
    });

    it('$apply groups by a polymorphic lookup without guessing its table in the annotations', async () => {
      const chief = await contact('Chief');
      await contact('Grouped', { 'parentcustomerid_contact@odata.bind': `/contacts(${chief})` });
      const r = await call('GET', `${s.root}contacts?$apply=${encodeURIComponent(`filter(_parentcustomerid_value eq ${chief})/groupby((_parentcustomerid_value),aggregate($count as n))`)}`, undefined, ALL);
      expect(r.status, r.text).to.equal(200);
      const [group] = r.json.value;
      expect(group).to.include({ _parentcustomerid_value: chief, n: 1 });
      // A group holds ids of either table; lookuplogicalname/associatednavigationproperty would be a guess.
      expect(Object.keys(group).filter((k) => k.includes('lookuplogicalname') || k.includes('associatednavigationproperty'))).to.deep.equal([]);
    });

    it('refuses (501) columns read through a polymorphic lookup in aggregates and FetchXML links', async () => {
      const apply = await call('GET', `${s.root}contacts?$apply=${encodeURIComponent('groupby((parentcustomerid_account/name))')}`);
      expect(apply.status, apply.text).to.equal(501);
      const fetch = '<fetch><entity name="contact"><attribute name="fullname"/><link-entity name="account" from="accountid" to="parentcustomerid" alias="a"><attribute name="name"/></link-entity></entity></fetch>';
      const linked = await call('GET', `${s.root}contacts?fetchXml=${encodeURIComponent(fetch)}`);
      expect(linked.status, linked.text).to.equal(501);
      expect(linked.json.error.message).to.contain('polymorphic');
    });

    it('expands each target\'s property to the row or null, and filters through it', async () => {
      const ann = await contact('Ann2', { 'parentcustomerid_account@odata.bind': `/accounts(${fabrikam})` });
      const bob = await contact('Bob', { 'parentcustomerid_contact@odata.bind': `/contacts(${boss})` });
      const r = await call('GET', `${s.root}contacts?$select=fullname&$filter=contactid eq ${ann} or contactid eq ${bob}&$orderby=fullname&$expand=parentcustomerid_account($select=name),parentcustomerid_contact($select=fullname)`);
      expect(r.status, r.text).to.equal(200);
      const [a, b] = r.json.value;
      expect(a.parentcustomerid_account).to.deep.include({ name: 'Fabrikam', accountid: fabrikam });
      expect(a.parentcustomerid_contact).to.equal(null);
      expect(b.parentcustomerid_account).to.equal(null);
      expect(b.parentcustomerid_contact).to.deep.include({ fullname: 'Boss', contactid: boss });
      const byAccount = await call('GET', `${s.root}contacts?$select=fullname&$filter=${encodeURIComponent("parentcustomerid_account/name eq 'fabrikam'")}`);
      expect(byAccount.json.value.map((c: any) => c.fullname)).to.deep.equal(['Ann2']);
      const single = await call('GET', `${s.root}contacts(${bob})/parentcustomerid_contact?$select=fullname`);
      expect(single.json).to.include({ fullname: 'Boss' });
      expect((await call('GET', `${s.root}contacts(${bob})/parentcustomerid_account`)).status, 'points at a contact, not an account').to.equal(204);
      // An account and a contact with the same id: the type column, not the id, tells them apart.
      const shared = '0a1b2c3d-0000-4000-8000-00000000abcd';
      await create('accounts', { accountid: shared, name: 'Same id account' });
      await create('contacts', { contactid: shared, fullname: 'Same id contact' });
      const child = await contact('Child of same id', { 'parentcustomerid_contact@odata.bind': `/contacts(${shared})` });
      const twins = await call('GET', `${s.root}contacts(${child})?$select=fullname&$expand=parentcustomerid_account($select=name),parentcustomerid_contact($select=fullname)`, undefined, ALL);
      expect(twins.json.parentcustomerid_account).to.equal(null);
      expect(twins.json.parentcustomerid_contact.fullname).to.equal('Same id contact');
      // An expanded row's polymorphic lookup is annotated with the table its type column names.
      const grandchild = await contact('Grandchild', { 'parentcustomerid_contact@odata.bind': `/contacts(${child})` });
      const nested = await call('GET', `${s.root}contacts(${grandchild})?$select=fullname&$expand=parentcustomerid_contact($select=fullname,_parentcustomerid_value)`, undefined, ALL);
      expect(nested.json.parentcustomerid_contact).to.deep.include({
        '_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty': 'parentcustomerid_contact',
        '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'contact',
        '_parentcustomerid_value@OData.Community.Display.V1.FormattedValue': 'Same id contact',
        _parentcustomerid_value: shared,
      });
      expect((await parent(child))['_parentcustomerid_value@OData.Community.Display.V1.FormattedValue']).to.equal('Same id contact');
      const accounts = await call('GET', `${s.root}accounts(${shared})/account_contact_parentcustomerid`);
      expect(accounts.json.value).to.deep.equal([]);
    });

    it('lists on each target only the rows that point at it through its own relationship', async () => {
      const twin = await contact('Twin', { 'parentcustomerid_account@odata.bind': `/accounts(${contoso})` });
      const accounts = await call('GET', `${s.root}accounts?$select=name&$orderby=name&$expand=account_contact_parentcustomerid($select=fullname;$orderby=fullname)`);
      const byName = Object.fromEntries(accounts.json.value.map((x: any) => [x.name, x.account_contact_parentcustomerid.map((c: any) => c.fullname)]));
      expect(byName['Contoso']).to.include('Twin');
      expect(byName['Fabrikam']).to.deep.equal(['Ann2']);
      const reports = await call('GET', `${s.root}contacts(${boss})/contact_contact_parentcustomerid?$select=fullname`);
      expect(reports.json.value.map((c: any) => c.fullname)).to.deep.equal(['Bob']);
      const withAny = await call('GET', `${s.root}accounts?$select=name&$filter=${encodeURIComponent("account_contact_parentcustomerid/any(c: c/fullname eq 'Twin')")}`);
      expect(withAny.json.value.map((x: any) => x.name)).to.deep.equal(['Contoso']);
      // Through $ref from the target's side: the contact now points at Fabrikam.
      expect((await call('POST', `${s.root}accounts(${fabrikam})/account_contact_parentcustomerid/$ref`, { '@odata.id': `${s.root}contacts(${twin})` })).status).to.equal(204);
      expect((await parent(twin))['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).to.equal('account');
      expect((await parent(twin))._parentcustomerid_value).to.equal(fabrikam);
      expect((await call('PUT', `${s.root}contacts(${twin})/parentcustomerid_contact/$ref`, { '@odata.id': `${s.root}contacts(${boss})` })).status).to.equal(204);
      expect((await parent(twin))['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).to.equal('contact');
    });

    it('UpsertMultiple creates a row before the items that point at it, whatever their ids', async () => {
      // The pointing row's id sorts first: a request that wrote rows in id order would miss its parent.
      const parentId = 'ffffffff-0000-4000-8000-000000000001';
      const childId = '00000000-0000-4000-8000-000000000002';
      const type = 'Microsoft.Dynamics.CRM.contact';
      const r = await call('POST', `${s.root}contacts/Microsoft.Dynamics.CRM.UpsertMultiple`, { Targets: [
        { '@odata.type': type, contactid: parentId, fullname: 'Upserted parent' },
        { '@odata.type': type, contactid: childId, fullname: 'Upserted child', 'parentcustomerid_contact@odata.bind': `contacts(${parentId})` },
      ] });
      expect(r.status, r.text).to.equal(204);
      expect((await parent(childId))._parentcustomerid_value).to.equal(parentId);
    });

    it('refuses the column name, two targets at once, and a URL of another table', async () => {
      const column = await call('POST', `${s.root}contacts`, { fullname: 'x', 'parentcustomerid@odata.bind': `/accounts(${contoso})` });
      expect(column.status).to.equal(400);
      expect(column.json.error.code).to.equal('0x80048d19');
      expect(column.json.error.message).to.contain("An undeclared property 'parentcustomerid' which only has property annotations");
      const both = await call('POST', `${s.root}contacts`, { fullname: 'x', 'parentcustomerid_account@odata.bind': `/accounts(${contoso})`, 'parentcustomerid_contact@odata.bind': `/contacts(${boss})` });
      expect(both.status).to.equal(400);
      expect(both.json.error.message).to.contain("'parentcustomerid_account' and 'parentcustomerid_contact' set the same lookup 'parentcustomerid'");
      const wrong = await call('POST', `${s.root}contacts`, { fullname: 'x', 'parentcustomerid_account@odata.bind': `/contacts(${boss})` });
      expect(wrong.status).to.equal(400);
      expect(wrong.json.error).to.deep.equal({ code: '0x80090800', message: `Invalid url value '/contacts(${boss})' for lookup property 'parentcustomerid_account'.` });
      const object = await call('POST', `${s.root}contacts`, { fullname: 'x', 'parentcustomerid_account@odata.bind': { id: 1 } });
      expect(object.json.error).to.deep.equal({ code: '0x80090800', message: `Invalid url value '{"id":1}' for lookup property 'parentcustomerid_account'.` });
      const direct = await call('POST', `${s.root}contacts`, { fullname: 'x', _parentcustomerid_value: contoso });
      expect(direct.status).to.equal(400);
      expect(direct.json.error.message).to.contain("'parentcustomerid_account@odata.bind' or 'parentcustomerid_contact@odata.bind'");
      expect((await call('GET', `${s.root}contacts?$filter=fullname eq 'x'`)).json.value).to.deep.equal([]);
    });

    it('deleting an account clears the lookup and type column of the contacts under it (RemoveLink), not of those under a contact', async () => {
      const doomed = (await create('accounts', { name: 'Doomed' })).accountid as string;
      const child = await contact('Under account', { 'parentcustomerid_account@odata.bind': `/accounts(${doomed})` });
      const other = await contact('Under contact', { 'parentcustomerid_contact@odata.bind': `/contacts(${boss})` });
      expect((await call('DELETE', `${s.root}accounts(${doomed})`)).status).to.equal(204);
      expect((await parent(child))._parentcustomerid_value).to.equal(null);
      expect((await parent(other))._parentcustomerid_value).to.equal(boss);
      const typeOf = async (id: string) => (await s.db.rows({ sql: `SELECT parentcustomeridtype FROM contact WHERE contactid = ${s.db.dialect.placeholder(1)}`, params: [id] }))[0]![0];
      expect(await typeOf(child), 'the type column is cleared with the lookup').to.equal(null);
      expect(await typeOf(other)).to.equal('contact');
    });
  });
}
