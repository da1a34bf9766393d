import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { call, createRow, DATABASES, startServer, type TestServer } from './support/server.js';
import { relationshipMetadata, TAGS } from './support/relationship-metadata.js';

const CONTACTS = 'account_contact_parentcustomerid';
const REPORTS = 'contact_contact_parentcustomerid';
const SET = 'msdyn_copilotinteractions';

for (const database of DATABASES) {
  describe(`deep insert, collection binds and $expand on the written row [${database.name}]`, () => {
    let s: TestServer;
    let dir: string;

    const count = async (set: string) => Number((await call('GET', `${s.root}${set}/$count`)).text);
    const counts = async () => [await count('accounts'), await count('contacts'), await count('new_tags'), await count(SET), await count('new_msdyn_copilotinteraction_new_tagcollection')];
    const create = (set: string, body: object) => createRow(s, set, body);

    before(async () => {
      dir = relationshipMetadata();
      s = await startServer(dir, database);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('creates the row, a related row under a single-valued property and rows under collections, nested, in one request', async () => {
      const before = await counts();
      const r = await call('POST', `${s.root}accounts`, {
        name: 'Sample Account',
        primarycontactid: { fullname: 'John Smith' },
        [CONTACTS]: [{ fullname: 'Contact 1', [REPORTS]: [{ fullname: 'Report of 1' }] }, { fullname: 'Contact 2' }],
      });
      expect(r.status, r.text).to.equal(204);
      const location = r.headers.get('odata-entityid')!;
      expect(location).to.match(new RegExp(`^${s.root.replace(/[.$?]/g, '\\$&')}accounts\\([0-9a-f-]{36}\\)$`));
      expect(await counts()).to.deep.equal([before[0]! + 1, before[1]! + 4, before[2], before[3], before[4]]);
      const account = await call('GET', `${location}?$select=name&$expand=primarycontactid($select=fullname),${CONTACTS}($select=fullname;$orderby=fullname;$expand=${REPORTS}($select=fullname))`);
      expect(account.json.primarycontactid.fullname).to.equal('John Smith');
      expect(account.json[CONTACTS].map((c: any) => [c.fullname, c[REPORTS].map((x: any) => x.fullname)])).to.deep.equal([['Contact 1', ['Report of 1']], ['Contact 2', []]]);
      const child = await call('GET', `${s.root}contacts(${account.json[CONTACTS][0].contactid})?$select=_parentcustomerid_value`, undefined, { Prefer: 'odata.include-annotations="*"' });
      expect(child.json['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname'], 'the polymorphic lookup points at the account').to.equal('account');
    });

    it('returns the created row with $select and $expand (201), echoing the tree in the context', async () => {
      const r = await call('POST', `${s.root}accounts?$select=name&$expand=primarycontactid($select=fullname),${CONTACTS}($select=fullname)`, {
        name: 'With representation', primarycontactid: { fullname: 'Primary' }, [CONTACTS]: [{ fullname: 'Only child' }],
      }, { Prefer: 'return=representation' });
      expect(r.status, r.text).to.equal(201);
      expect(r.headers.get('odata-entityid')).to.equal(null);
      expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#accounts(name,primarycontactid(fullname),${CONTACTS}(fullname))/$entity`);
      expect(r.json.name).to.equal('With representation');
      expect(r.json.primarycontactid).to.include({ fullname: 'Primary' });
      expect(r.json.primarycontactid['@odata.etag']).to.match(/^W\/"\d+"$/);
      expect(r.json[CONTACTS].map((c: any) => c.fullname)).to.deep.equal(['Only child']);
      const bad = await call('POST', `${s.root}accounts?$expand=nope`, { name: 'never' }, { Prefer: 'return=representation' });
      expect(bad.status).to.equal(400);
      expect((await call('GET', `${s.root}accounts?$filter=name eq 'never'`)).json.value, 'a bad $expand is refused before writing').to.deep.equal([]);
    });

    it('binds existing rows to collections on create: one-to-many lookups and many-to-many links', async () => {
      const a = (await create('contacts', { fullname: 'Bound A' })).contactid;
      const b = (await create('contacts', { fullname: 'Bound B' })).contactid;
      const r = await call('POST', `${s.root}accounts?$select=name&$expand=${CONTACTS}($select=fullname;$orderby=fullname)`, {
        name: 'Binder', [`${CONTACTS}@odata.bind`]: [`/contacts(${a})`, `${s.root}contacts(${b})`],
      }, { Prefer: 'return=representation' });
      expect(r.status, r.text).to.equal(201);
      expect(r.json[CONTACTS].map((c: any) => c.fullname)).to.deep.equal(['Bound A', 'Bound B']);
      const tag = (await create('new_tags', { new_name: 'existing' })).new_tagid;
      const ci = await call('POST', `${s.root}${SET}?$select=msdyn_name&$expand=${TAGS}($select=new_name;$orderby=new_name)`, {
        msdyn_name: 'tagged', [TAGS]: [{ new_name: 'brand new' }], [`${TAGS}@odata.bind`]: [`/new_tags(${tag})`],
      }, { Prefer: 'return=representation' });
      expect(ci.status, ci.text).to.equal(201);
      expect(ci.json[TAGS].map((t: any) => t.new_name)).to.deep.equal(['brand new', 'existing']);
    });

    it('rolls back every row when any part fails', async () => {
      const before = await counts();
      const tooLong = await call('POST', `${s.root}accounts`, { name: 'Rolled back', primarycontactid: { fullname: 'ok' }, [CONTACTS]: [{ fullname: 'ok' }, { fullname: 'x'.repeat(161) }] });
      expect(tooLong.status).to.equal(400);
      expect(tooLong.json.error.code).to.equal('0x80044331');
      const missing = await call('POST', `${s.root}accounts`, { name: 'Rolled back', primarycontactid: { fullname: 'ok' }, [`${CONTACTS}@odata.bind`]: ['/contacts(00000000-0000-0000-0000-000000000009)'] });
      expect(missing.status).to.equal(404);
      expect(missing.json.error.code).to.equal('0x80040217');
      const tag = (await create('new_tags', { new_name: 'twice' })).new_tagid;
      const twice = await call('POST', `${s.root}${SET}`, { msdyn_name: 'Rolled back', [TAGS]: [{ new_name: 'made then undone' }], [`${TAGS}@odata.bind`]: [`/new_tags(${tag})`, `/new_tags(${tag})`] });
      expect(twice.status).to.equal(412);
      expect(twice.json.error).to.deep.equal({ code: '0x80040237', message: 'Cannot insert duplicate key.' });
      expect(await counts()).to.deep.equal([before[0], before[1], before[2]! + 1, before[3], before[4]]);
    });

    it('refuses deep update, a child that sets its own link, system-maintained collections and CreateMultiple items with related rows', async () => {
      const account = (await create('accounts', { name: 'Target' })).accountid;
      const deepUpdate = await call('PATCH', `${s.root}accounts(${account})`, { primarycontactid: { fullname: 'nope' } }, { 'If-Match': '*' });
      expect(deepUpdate.status).to.equal(400);
      expect(deepUpdate.json.error.message).to.contain('Deep update is not supported');
      const bindOnUpdate = await call('PATCH', `${s.root}accounts(${account})`, { [`${CONTACTS}@odata.bind`]: [] }, { 'If-Match': '*' });
      expect(bindOnUpdate.status).to.equal(400);
      expect(bindOnUpdate.json.error.message).to.contain(`POST …/${CONTACTS}/$ref`);
      const ownLink = await call('POST', `${s.root}accounts`, { name: 'x', [CONTACTS]: [{ fullname: 'y', 'parentcustomerid_contact@odata.bind': `/contacts(${account})` }] });
      expect(ownLink.status).to.equal(400);
      expect(ownLink.json.error.message).to.contain("set the same lookup 'parentcustomerid'");
      const children = 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid';
      const ownSingle = await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'x', [children]: [{ msdyn_name: 'x', 'msdyn_interactiondataid@odata.bind': '/msdyn_copilotinteractiondatas(00000000-0000-0000-0000-000000000009)' }] });
      expect(ownSingle.status).to.equal(400);
      expect(ownSingle.json.error.message).to.contain("it cannot set 'msdyn_interactiondataid' itself");
      const system = await call('POST', `${s.root}systemusers`, { fullname: 'u', lk_msdyn_copilotinteraction_createdby: [{ msdyn_name: 'x' }] });
      expect(system.status).to.equal(400);
      expect(system.json.error.message).to.contain("its lookup 'createdby' is maintained by the system");
      const notArray = await call('POST', `${s.root}accounts`, { name: 'x', [CONTACTS]: { fullname: 'y' } });
      expect(notArray.status).to.equal(400);
      const bulk = await call('POST', `${s.root}accounts/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [{ '@odata.type': 'Microsoft.Dynamics.CRM.account', name: 'x', primarycontactid: { fullname: 'y' } }] });
      expect(bulk.status).to.equal(400);
      expect(bulk.json.error.message).to.contain('Targets[0]: ');
      expect((await call('GET', `${s.root}accounts?$filter=name eq 'x'`)).json.value).to.deep.equal([]);
    });

    it('returns the updated row with $expand on PATCH (200)', async () => {
      const contact = (await create('contacts', { fullname: 'Boss' })).contactid;
      const account = (await create('accounts', { name: 'Before' })).accountid;
      const r = await call('PATCH', `${s.root}accounts(${account})?$select=name&$expand=primarycontactid($select=fullname)`, { name: 'After', 'primarycontactid@odata.bind': `/contacts(${contact})` }, { Prefer: 'return=representation', 'If-Match': '*' });
      expect(r.status, r.text).to.equal(200);
      expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#accounts(name,primarycontactid(fullname))/$entity`);
      expect(r.json).to.deep.include({ name: 'After', accountid: account });
      expect(r.json.primarycontactid).to.include({ fullname: 'Boss', contactid: contact });
    });
  });
}
