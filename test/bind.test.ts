import { expect } from 'chai';
import { call, createRow, DATABASES, type TestServer } from './support/server.js';
import { TAGS, startRelationshipServer } from './support/relationship-metadata.js';

const SET = 'msdyn_copilotinteractions';

for (const database of DATABASES) {
  describe(`record URLs with alternate keys in @odata.bind and $ref [${database.name}]`, () => {
    let s: TestServer;
    let account: string;
    let joe: string;
    let tag: string;

    const create = (set: string, body: object) => createRow(s, set, body);
    const parentOf = async (id: string) => (await call('GET', `${s.root}contacts(${id})?$select=_parentcustomerid_value`)).json._parentcustomerid_value;

    before(async () => {
      s = await startRelationshipServer(database);
      account = (await create('accounts', { name: 'Keyed', accountnumber: 'ABC123' })).accountid;
      joe = (await create('contacts', { fullname: 'Joe', emailaddress1: "joe.o'neil@example.com" })).contactid;
      tag = (await create('new_tags', { new_name: 'keyed tag', new_code: 'K-1' })).new_tagid;
    });
    after(async () => {
      await s.close();
    });

    it('binds a lookup through a single or multi-part alternate key, in every accepted URL form', async () => {
      for (const url of ["/accounts(accountnumber='ABC123')", "accounts(accountnumber='abc123')", `${s.root}accounts(accountnumber='ABC123')`, `/accounts(accountid=${account})`, `/api/data/v9.2/accounts(${account})`]) {
        const id = (await create('contacts', { fullname: `bound by ${url}`, 'parentcustomerid_account@odata.bind': url })).contactid;
        expect(await parentOf(id), url).to.equal(account);
      }
      const multi = (await create('contacts', { fullname: 'report', 'parentcustomerid_contact@odata.bind': `/contacts(emailaddress1='joe.o''neil@example.com',fullname='Joe')` })).contactid;
      expect(await parentOf(multi)).to.equal(joe);
      const patched = await call('PATCH', `${s.root}accounts(accountnumber='ABC123')`, { 'primarycontactid@odata.bind': `/contacts(fullname='Joe',emailaddress1='joe.o''neil@example.com')` }, { 'If-Match': '*' });
      expect(patched.status, patched.text).to.equal(204);
      expect((await call('GET', `${s.root}accounts(accountid=${account})?$select=_primarycontactid_value`)).json._primarycontactid_value).to.equal(joe);
    });

    it('resolves alternate keys in collection binds, deep inserts and CreateMultiple items', async () => {
      const r = await call('POST', `${s.root}${SET}?$select=msdyn_name&$expand=${TAGS}($select=new_code)`, {
        msdyn_name: 'keyed links', [`${TAGS}@odata.bind`]: ["/new_tags(new_code='K-1')"],
      }, { Prefer: 'return=representation' });
      expect(r.status, r.text).to.equal(201);
      expect(r.json[TAGS].map((t: { new_code: string }) => t.new_code)).to.deep.equal(['K-1']);
      const deep = await create('accounts', { name: 'deep', primarycontactid: { fullname: 'deep primary', 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='ABC123')" } });
      const primary = (await call('GET', `${s.root}accounts(${deep.accountid})?$select=_primarycontactid_value`)).json._primarycontactid_value;
      expect(await parentOf(primary)).to.equal(account);
      const bulk = await call('POST', `${s.root}contacts/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [{ '@odata.type': 'Microsoft.Dynamics.CRM.contact', fullname: 'bulk', 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='ABC123')" }] });
      expect(bulk.status, bulk.text).to.equal(200);
      expect(await parentOf(bulk.json.Ids[0])).to.equal(account);
    });

    it('associates and disassociates through $ref with alternate keys', async () => {
      const ci = (await create(SET, { msdyn_name: 'ref by key' })).msdyn_copilotinteractionid;
      expect((await call('POST', `${s.root}${SET}(${ci})/${TAGS}/$ref`, { '@odata.id': `${s.root}new_tags(new_code='K-1')` })).status).to.equal(204);
      expect((await call('GET', `${s.root}${SET}(${ci})/${TAGS}/$count`)).text).to.equal('1');
      const removed = await call('DELETE', `${s.root}${SET}(${ci})/${TAGS}/$ref?$id=${encodeURIComponent(`${s.root}new_tags(new_code='K-1')`)}`);
      expect(removed.status, removed.text).to.equal(204);
      expect((await call('GET', `${s.root}${SET}(${ci})/${TAGS}/$count`)).text).to.equal('0');
      expect((await call('PUT', `${s.root}contacts(${joe})/parentcustomerid_account/$ref`, { '@odata.id': `accounts(accountnumber='ABC123')` })).status).to.equal(204);
      expect(await parentOf(joe)).to.equal(account);
    });

    it('answers a key no row has with 404 0x80040217 and a predicate that is no key with 400, writing nothing', async () => {
      const before = Number((await call('GET', `${s.root}contacts/$count`)).text);
      const missing = await call('POST', `${s.root}contacts`, { fullname: 'orphan', 'parentcustomerid_account@odata.bind': "/accounts(accountnumber='NOPE')" });
      expect(missing.status).to.equal(404);
      expect(missing.json.error).to.deep.equal({ code: '0x80040217', message: 'A record with the specified key values does not exist in account entity' });
      const notAKey = await call('POST', `${s.root}contacts`, { fullname: 'orphan', 'parentcustomerid_account@odata.bind': "/accounts(name='Keyed')" });
      expect(notAKey.status).to.equal(400);
      const deepMissing = await call('POST', `${s.root}accounts`, { name: 'never', primarycontactid: { fullname: 'never', 'parentcustomerid_contact@odata.bind': "/contacts(fullname='Nobody',emailaddress1='x@y.z')" } });
      expect(deepMissing.status).to.equal(404);
      expect(deepMissing.json.error.message).to.equal('A record with the specified key values does not exist in contact entity');
      const refMissing = await call('POST', `${s.root}new_tags(${tag})/${TAGS}/$ref`, { '@odata.id': `${s.root}${SET}(msdyn_name='x')` });
      expect(refMissing.status, 'msdyn_copilotinteraction has no alternate key').to.equal(400);
      expect(Number((await call('GET', `${s.root}contacts/$count`)).text)).to.equal(before);
      expect((await call('GET', `${s.root}accounts?$filter=name eq 'never'`)).json.value).to.deep.equal([]);
    });
  });
}
