import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { call, createRow, DATABASES, type Reply, type TestServer } from './support/server.js';
import { TAGS, startRelationshipServer } from './support/relationship-metadata.js';

const CONTACTS = 'account_contact_parentcustomerid';
const REPORTS = 'contact_contact_parentcustomerid';
const SET = 'msdyn_copilotinteractions';

for (const database of DATABASES) {
  describe(`deep insert, collection binds and $expand on the written row [${database.name}]`, () => {
    let s: TestServer;

    const count = async (set: string) => Number((await call('GET', `${s.root}${set}/$count`)).text);
    const counts = async () => [await count('accounts'), await count('contacts'), await count('new_tags'), await count(SET), await count('new_msdyn_copilotinteraction_new_tagcollection')];
    const create = (set: string, body: object) => createRow(s, set, body);

    before(async () => {
      s = await startRelationshipServer(database);
    });
    after(async () => {
      await s.close();
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

    it('creates related rows and binds inside CreateMultiple items, around their item, in item order', async () => {
      const before = await counts();
      const existing = (await create('contacts', { fullname: 'Bulk-bound' })).contactid;
      const type = 'Microsoft.Dynamics.CRM.account';
      // 300 items span three planning steps (50, then 200 at a time); the deep ones sit in each.
      const targets: Array<Record<string, unknown>> = Array.from({ length: 300 }, (_, i) => ({ '@odata.type': type, name: `bulk ${i}` }));
      Object.assign(targets[0]!, { primarycontactid: { fullname: 'Primary of 0' } });
      Object.assign(targets[120]!, { [CONTACTS]: [{ fullname: 'Child of 120', [REPORTS]: [{ fullname: 'Report of 120' }] }] });
      Object.assign(targets[260]!, { [`${CONTACTS}@odata.bind`]: [`/contacts(${existing})`], primarycontactid: { fullname: 'Primary of 260' } });
      const r = await call('POST', `${s.root}accounts/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: targets });
      expect(r.status, r.text).to.equal(200);
      const ids: string[] = r.json.Ids;
      expect(ids).to.have.length(300);
      expect(await counts()).to.deep.equal([before[0]! + 300, before[1]! + 5, before[2], before[3], before[4]]);
      const account = async (i: number) => (await call('GET', `${s.root}accounts(${ids[i]})?$select=name&$expand=primarycontactid($select=fullname),${CONTACTS}($select=fullname;$expand=${REPORTS}($select=fullname))`)).json;
      const first = await account(0);
      expect([first.name, first.primarycontactid?.fullname, first[CONTACTS]]).to.deep.equal(['bulk 0', 'Primary of 0', []]);
      const middle = await account(120);
      expect([middle.name, middle.primarycontactid, middle[CONTACTS].map((c: any) => [c.fullname, c[REPORTS].map((x: any) => x.fullname)])])
        .to.deep.equal(['bulk 120', null, [['Child of 120', ['Report of 120']]]]);
      const last = await account(260);
      expect([last.name, last.primarycontactid?.fullname, last[CONTACTS].map((c: any) => c.contactid)]).to.deep.equal(['bulk 260', 'Primary of 260', [existing]]);
      expect((await account(299)).name).to.equal('bulk 299');
    });

    it('gives every row a CreateMultiple with deep inserts writes a version of its own', async () => {
      const bulk = async (set: string, type: string, targets: Array<Record<string, unknown>>) => {
        const r = await call('POST', `${s.root}${set}/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: targets.map((t) => ({ '@odata.type': `Microsoft.Dynamics.CRM.${type}`, ...t })) });
        expect(r.status, r.text).to.equal(200);
      };
      // Related rows written before their item (another table) and after it (the same table).
      await bulk('accounts', 'account', [{ name: 'versioned 0', primarycontactid: { fullname: 'versioned p0' } }, { name: 'versioned 1' }, { name: 'versioned 2', primarycontactid: { fullname: 'versioned p2' } }]);
      await bulk('contacts', 'contact', [{ fullname: 'versioned c0', [REPORTS]: [{ fullname: 'versioned r0' }] }, { fullname: 'versioned c1' }, { fullname: 'versioned c2' }]);
      const versions: number[] = [];
      for (const [set, name] of [['accounts', 'name'], ['contacts', 'fullname']]) {
        const r = await call('GET', `${s.root}${set}?$select=versionnumber&$filter=startswith(${name},'versioned ')`);
        versions.push(...r.json.value.map((row: { versionnumber: number }) => row.versionnumber));
      }
      expect(versions).to.have.length(9);
      expect(new Set(versions).size, versions.join(', ')).to.equal(9);
    });

    it('rolls back a whole CreateMultiple when a related row or bind of one item fails, naming the item', async () => {
      const before = await counts();
      const type = 'Microsoft.Dynamics.CRM.account';
      const targets = (bad: Record<string, unknown>, at: number) => Array.from({ length: 260 }, (_, i) => ({
        '@odata.type': type, name: `undone ${i}`, ...(i % 7 === 0 ? { primarycontactid: { fullname: `p${i}` }, [CONTACTS]: [{ fullname: `c${i}` }] } : {}), ...(i === at ? bad : {}),
      }));
      const cases: Array<[Record<string, unknown>, number, number, string]> = [
        [{ primarycontactid: { fullname: 'x'.repeat(161) } }, 3, 400, '0x80044331'],
        [{ [CONTACTS]: [{ fullname: 'ok' }, { fullname: 'x'.repeat(161) }] }, 130, 400, '0x80044331'],
        [{ [`${CONTACTS}@odata.bind`]: ['/contacts(00000000-0000-0000-0000-000000000009)'] }, 255, 404, '0x80040217'],
      ];
      for (const [bad, at, status, code] of cases) {
        const r = await call('POST', `${s.root}accounts/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: targets(bad, at) });
        expect(r.status, r.text).to.equal(status);
        expect(r.json.error.code).to.equal(code);
        expect(r.json.error.message).to.match(new RegExp(`^Targets\\[${at}\\]: `));
      }
      expect(await counts()).to.deep.equal(before);
    });

    it('CreateMultiple sees its items\' rows in item order, as single creates sent one after another would', async () => {
      const bulk = (set: string, type: string, items: Array<Record<string, unknown>>) =>
        call('POST', `${s.root}${set}/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: items.map((t) => ({ '@odata.type': `Microsoft.Dynamics.CRM.${type}`, ...t })) });
      const parentOf = async (id: string) => (await call('GET', `${s.root}contacts(${id})?$select=_parentcustomerid_value`)).json._parentcustomerid_value;
      // An earlier item's row, in the same step, is there to bind to, directly or from a related row.
      const x = randomUUID();
      const earlier = await bulk('contacts', 'contact', [
        { contactid: x, fullname: 'a' },
        { fullname: 'b', 'parentcustomerid_contact@odata.bind': `/contacts(${x})` },
        { fullname: 'c', parentcustomerid_contact: { fullname: 'r', 'parentcustomerid_contact@odata.bind': `/contacts(${x})` } },
      ]);
      expect(earlier.status, earlier.text).to.equal(200);
      expect(await parentOf(earlier.json.Ids[1])).to.equal(x);
      const before = await counts();
      const fails = async (r: Reply, status: number, code: string, index: number) => {
        expect(r.status, r.text).to.equal(status);
        expect(r.json.error.code).to.equal(code);
        expect(r.json.error.message).to.match(new RegExp(`^Targets\\[${index}\\]: `));
      };
      // A later item's row is not there yet.
      const y = randomUUID();
      await fails(await bulk('accounts', 'account', [{ name: 'a', 'primarycontactid@odata.bind': `/contacts(${y})` }, { name: 'b', primarycontactid: { contactid: y, fullname: 'c' } }]), 404, '0x80040217', 0);
      // A clash is the later item's, whichever of the two writes the row in a related record.
      const z = randomUUID();
      await fails(await bulk('contacts', 'contact', [{ contactid: z, fullname: 'a' }, { fullname: 'b', parentcustomerid_contact: { contactid: z, fullname: 'r' } }]), 412, '0x80040237', 1);
      await fails(await bulk('contacts', 'contact', [{ fullname: 'a', [REPORTS]: [{ contactid: z, fullname: 'r' }] }, { contactid: z, fullname: 'b' }]), 412, '0x80040237', 1);
      // The first failing item is named on every database, and before a later item's bad body.
      const stored = (await create('contacts', { fullname: 'stored' })).contactid;
      const after = await counts();
      await fails(await bulk('accounts', 'account', [
        { name: 'a', 'primarycontactid@odata.bind': '/contacts(00000000-0000-0000-0000-000000000009)' }, { name: 'b', primarycontactid: { contactid: stored, fullname: 'x' } },
      ]), 404, '0x80040217', 0);
      await fails(await bulk('accounts', 'account', [{ name: 'a' }, { name: 'b', primarycontactid: { contactid: stored, fullname: 'x' } }, { name: 'c' }, { name: 'd', bogus: 1 }]), 412, '0x80040237', 1);
      expect(await counts()).to.deep.equal(after);
      expect(after).to.deep.equal([before[0], before[1]! + 1, before[2], before[3], before[4]]);
    });

    it('refuses deep update, a child that sets its own link and system-maintained collections', async () => {
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
      // An entity reference in place of a new record is no new, empty record: refused, naming @odata.bind.
      const contactsBefore = (await call('GET', `${s.root}contacts/$count`)).text;
      for (const body of [{ name: 'x', primarycontactid: { '@odata.id': `contacts(${account})` } }, { name: 'x', [CONTACTS]: [{ fullname: 'y' }, { '@odata.id': 'garbage' }] }]) {
        const r = await call('POST', `${s.root}accounts`, body);
        expect(r.status, r.text).to.equal(400);
        expect(r.json.error.message).to.contain("A record given by '@odata.id' was found; link an existing record with");
      }
      expect((await call('GET', `${s.root}contacts/$count`)).text).to.equal(contactsBefore);
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
