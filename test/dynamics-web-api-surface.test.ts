import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { DynamicsWebApi } from 'dynamics-web-api';
import { call, DATABASES, startServer, type TestDatabase, type TestServer } from './support/server.js';
import { relationshipMetadata, TAGS } from './support/relationship-metadata.js';
import { client, ENTITY, GUID_RE, ITYPE_A, ITYPE_B, PK, record, rejection, row, SET, type Seen } from './support/dynamics-web-api.js';

/**
 * The rest of the unmodified `dynamics-web-api` client's surface against Tessera (the methods
 * dynamics-web-api.test.ts does not drive): conditional writes, upserts by id and alternate key,
 * single properties, annotations, one-to-many links, impersonation and the MSCRM.* headers, the
 * definitions readers, `$batch` through startBatch/executeBatch, and the methods for features
 * Tessera does not have, which must fail with Dataverse-style errors, never a 500.
 */

/** The collection-valued navigation property on account of contact.parentcustomerid. */
const CONTACTS_OF_ACCOUNT = 'account_contact_parentcustomerid';

/**
 * Registers mocha hooks that start a server over `database` with the relationship test tables
 * (relationshipMetadata) before a describe's tests and remove both after them; `ready` gets the
 * server and a client for it (before any later `before` hook of the describe runs).
 */
function serve(database: TestDatabase, ready: (s: TestServer, api: DynamicsWebApi) => void): void {
  let dir: string;
  let s: TestServer;
  before(async () => { dir = relationshipMetadata(); s = await startServer(dir, database); ready(s, client(s)); });
  after(async () => { await s.close(); rmSync(dir, { recursive: true, force: true }); });
}

for (const database of DATABASES) {
  describe(`dynamics-web-api client surface: conditional writes, upsert, single properties [${database.name}]`, () => {
    let s: TestServer;
    let api: DynamicsWebApi;
    serve(database, (server, c) => { s = server; api = c; });

    const name = async (id: string) => (await api.retrieve({ collection: SET, key: id, select: ['msdyn_name'] })).msdyn_name as string;
    const etag = async (id: string) => (await api.retrieve({ collection: SET, key: id, select: ['msdyn_name'] }))['@odata.etag'] as string;

    it('update with ifmatch: the current ETag writes (true), a stale one is refused (the client answers false) and changes nothing', async () => {
      const id: string = await api.create({ collection: SET, data: row('im original') });
      const first = await etag(id);
      expect(await api.update({ collection: SET, key: id, data: { msdyn_name: 'im changed' }, ifmatch: first })).to.equal(true);
      expect(await name(id)).to.equal('im changed');
      expect(await api.update({ collection: SET, key: id, data: { msdyn_name: 'im stale' }, ifmatch: first })).to.equal(false);
      expect(await name(id)).to.equal('im changed');
    });

    it('update with returnRepresentation and select answers the written row with the selected columns only', async () => {
      const id: string = await api.create({ collection: SET, data: row('rr before') });
      const rec = await api.update<Record<string, unknown>, Record<string, unknown>>({ collection: SET, key: id, data: { msdyn_name: 'rr after' }, returnRepresentation: true, select: ['msdyn_name'] });
      expect(Object.keys(rec).filter((k) => !k.includes('@') && k !== 'oDataContext').sort()).to.deep.equal([PK, 'msdyn_name']);
      expect(rec).to.include({ msdyn_name: 'rr after', [PK]: id });
      expect(rec['@odata.etag']).to.equal(await etag(id));
    });

    it('upsert with ifnonematch "*" creates a new row but leaves an existing one alone (the client answers null); ifmatch "*" never creates', async () => {
      const id = 'a1b2c3d4-0000-4000-8000-00000000c001';
      expect(await api.upsert({ collection: SET, key: id, data: row('create only'), ifnonematch: '*' })).to.equal(id);
      expect(await api.upsert({ collection: SET, key: id, data: { msdyn_name: 'not applied' }, ifnonematch: '*' })).to.equal(null);
      expect(await name(id)).to.equal('create only');
      const missing = 'a1b2c3d4-0000-4000-8000-00000000c002';
      expect(await api.upsert({ collection: SET, key: missing, data: row('update only'), ifmatch: '*' })).to.equal(null);
      expect((await rejection(api.retrieve({ collection: SET, key: missing }))).status).to.equal(404);
    });

    it('upsert by alternate key creates the row with the key\'s value, then updates that row; retrieve and deleteRecord take the key too', async () => {
      await api.upsert({ collection: 'accounts', key: "accountnumber='UP-1'", data: { name: 'Upserted' } });
      const created = await api.retrieve({ collection: 'accounts', key: "accountnumber='UP-1'", select: ['name', 'accountnumber'] });
      expect(created).to.include({ name: 'Upserted', accountnumber: 'UP-1' });
      expect(created.accountid).to.match(GUID_RE);
      const updated = await api.upsert<Record<string, unknown>, Record<string, unknown>>({ collection: 'accounts', key: "accountnumber='UP-1'", data: { name: 'Upserted again' }, returnRepresentation: true, select: ['name'] });
      expect(updated).to.include({ name: 'Upserted again', accountid: created.accountid });
      expect(await api.count({ collection: 'accounts', filter: "accountnumber eq 'UP-1'" })).to.equal(1);
      // A key of two columns.
      const contact: string = await api.create({ collection: 'contacts', data: { fullname: 'Key Person', emailaddress1: 'key@example.test' } });
      expect((await api.retrieve({ collection: 'contacts', key: "fullname='Key Person',emailaddress1='key@example.test'", select: ['fullname'] })).contactid).to.equal(contact);
      expect(await api.deleteRecord({ collection: 'accounts', key: "accountnumber='UP-1'" })).to.equal(true);
      const gone = await rejection(api.retrieve({ collection: 'accounts', key: "accountnumber='UP-1'" }));
      expect(gone.status).to.equal(404);
      expect(gone.code).to.equal('0x80040217');
    });

    it('deleteRecord with ifmatch: a stale ETag keeps the row (the client answers false), the current one deletes it', async () => {
      const id: string = await api.create({ collection: SET, data: row('del guarded') });
      const old = await etag(id);
      await api.update({ collection: SET, key: id, data: { msdyn_name: 'del guarded 2' } });
      expect(await api.deleteRecord({ collection: SET, key: id, ifmatch: old })).to.equal(false);
      expect(await name(id)).to.equal('del guarded 2');
      expect(await api.deleteRecord({ collection: SET, key: id, ifmatch: await etag(id) })).to.equal(true);
      expect((await rejection(api.retrieve({ collection: SET, key: id }))).status).to.equal(404);
    });

    it('retrieve with ifnonematch of the current ETag is 304 (the client answers undefined); after a change the row comes back', async () => {
      const id: string = await api.create({ collection: SET, data: row('cached') });
      const tag = await etag(id);
      expect(await api.retrieve({ collection: SET, key: id, select: ['msdyn_name'], ifnonematch: tag })).to.equal(undefined);
      await api.update({ collection: SET, key: id, data: { msdyn_name: 'cached 2' } });
      expect((await api.retrieve({ collection: SET, key: id, select: ['msdyn_name'], ifnonematch: tag })).msdyn_name).to.equal('cached 2');
    });

    it('updateSingleProperty writes one column, deleteRecord with fieldName clears one, retrieve with navigationProperty reads the related row', async () => {
      const id: string = await api.create({ collection: SET, data: row('props', ITYPE_A, { msdyn_interactioncontext: 'some context' }) });
      await api.updateSingleProperty({ collection: SET, key: id, fieldValuePair: { msdyn_name: 'props renamed' } });
      expect(await api.deleteRecord({ collection: SET, key: id, fieldName: 'msdyn_interactioncontext' })).to.equal(true);
      const rec = await api.retrieve({ collection: SET, key: id, select: ['msdyn_name', 'msdyn_interactioncontext', 'msdyn_scenariorequestid'] });
      expect(rec).to.include({ msdyn_name: 'props renamed', msdyn_interactioncontext: null, msdyn_scenariorequestid: 'req-props' });
      const creator = await api.retrieve({ collection: SET, key: id, navigationProperty: 'createdby', select: ['fullname'] });
      expect(creator.fullname).to.equal('SYSTEM');
      expect(creator.oDataContext).to.equal(`${s.root}$metadata#systemusers(fullname)/$entity`);
    });

    it('updateSingleProperty with returnRepresentation answers the written property (OData Protocol §11.4.9.1), and nothing for null', async () => {
      const id: string = await api.create({ collection: SET, data: row('represented prop') });
      const written = await api.updateSingleProperty({ collection: SET, key: id, fieldValuePair: { msdyn_name: 'represented renamed' }, returnRepresentation: true });
      expect(written).to.deep.include({ value: 'represented renamed', oDataContext: `${s.root}$metadata#${SET}(${id})/msdyn_name` });
      const raw = await call('PUT', `${s.root}${SET}(${id})/msdyn_interactiontype`, { value: ITYPE_B }, { Prefer: 'return=representation' });
      expect(raw.status, raw.text).to.equal(200);
      expect(raw.headers.get('preference-applied')).to.equal('return=representation');
      expect(raw.json).to.deep.equal({ '@odata.context': `${s.root}$metadata#${SET}(${id})/msdyn_interactiontype`, value: ITYPE_B });
      const cleared = await call('PUT', `${s.root}${SET}(${id})/msdyn_interactioncontext`, { value: null }, { Prefer: 'return=representation' });
      expect(cleared.status, cleared.text).to.equal(204);
      // No representation, so the preference is not applied (OData Protocol §8.2.8.7 ties
      // Preference-Applied to returning the resource; §11.2.6: a null property is 204).
      expect(cleared.headers.get('preference-applied')).to.equal(null);
      const deleted = await call('DELETE', `${s.root}${SET}(${id})/msdyn_interactiontype`, undefined, { Prefer: 'return=representation' });
      expect(deleted.status, deleted.text).to.equal(204);
      expect(deleted.headers.get('preference-applied')).to.equal(null);
      expect(await api.updateSingleProperty({ collection: SET, key: id, fieldValuePair: { msdyn_name: 'plain' } })).to.equal(undefined);
    });

    it('count and countAll agree with the rows a filter selects', async () => {
      for (let i = 0; i < 3; i++) await api.create({ collection: SET, data: row(`tally ${i}`) });
      expect(await api.count({ collection: SET, filter: "startswith(msdyn_name,'tally')" })).to.equal(3);
      expect(await api.countAll({ collection: SET, filter: "startswith(msdyn_name,'tally')", select: ['msdyn_name'] })).to.equal(3);
      expect(await api.countAll({ collection: SET, select: ['msdyn_name'] })).to.equal(await api.count({ collection: SET }));
    });
  });

  describe(`dynamics-web-api client surface: annotations and one-to-many links [${database.name}]`, () => {
    let s: TestServer;
    let api: DynamicsWebApi;
    let account: string;
    serve(database, (server, c) => { s = server; api = c; });
    before(async () => { account = await api.create({ collection: 'accounts', data: { name: 'Fabrikam', accountnumber: 'F-1' } }); });

    it('retrieve with includeAnnotations "*": _Formatted, _LogicalName and _NavigationProperty of a lookup, labels of choices', async () => {
      const contact: string = await api.create({ collection: 'contacts', data: { fullname: 'Annotated', 'parentcustomerid_account@odata.bind': `accounts(${account})` } });
      const rec = await api.retrieve({ collection: 'contacts', key: contact, select: ['_parentcustomerid_value', 'statecode', 'statuscode'], includeAnnotations: '*' });
      expect(rec).to.include({
        _parentcustomerid_value: account, _parentcustomerid_value_Formatted: 'Fabrikam', _parentcustomerid_value_LogicalName: 'account',
        _parentcustomerid_value_NavigationProperty: 'parentcustomerid_account', statecode: 0, statecode_Formatted: 'Active', statuscode: 1, statuscode_Formatted: 'Active',
      });
      // Only the annotation asked for.
      const only = await api.retrieve({ collection: 'contacts', key: contact, select: ['_parentcustomerid_value', 'statecode'], includeAnnotations: 'Microsoft.Dynamics.CRM.lookuplogicalname' });
      expect(only._parentcustomerid_value_LogicalName).to.equal('account');
      expect(Object.keys(only).filter((k) => k.endsWith('_Formatted'))).to.deep.equal([]);
    });

    it('associate / disassociate through a one-to-many collection sets and clears the lookup; expand with filter by alternate key', async () => {
      const contact: string = await api.create({ collection: 'contacts', data: { fullname: 'Linked later' } });
      await api.associate({ collection: 'accounts', primaryKey: account, relationshipName: CONTACTS_OF_ACCOUNT, relatedCollection: 'contacts', relatedKey: contact });
      expect((await api.retrieve({ collection: 'contacts', key: contact, select: ['_parentcustomerid_value'] }))._parentcustomerid_value).to.equal(account);
      const byKey = await api.retrieve({ collection: 'accounts', key: "accountnumber='F-1'", select: ['name'], expand: [{ property: CONTACTS_OF_ACCOUNT, select: ['fullname'], filter: "fullname eq 'Linked later'" }] });
      expect(byKey[CONTACTS_OF_ACCOUNT].map((c: { contactid: string }) => c.contactid)).to.deep.equal([contact]);
      await api.disassociate({ collection: 'accounts', primaryKey: account, relationshipName: CONTACTS_OF_ACCOUNT, relatedKey: contact });
      expect((await api.retrieve({ collection: 'contacts', key: contact, select: ['_parentcustomerid_value'] }))._parentcustomerid_value).to.equal(null);
    });

    it('associate errors: a missing related row or primary row is 404 0x80040217, an unknown relationship 404 0x8006088a; a single-valued one of the wrong table 400', async () => {
      const contact: string = await api.create({ collection: 'contacts', data: { fullname: 'Bad links' } });
      const missing = '00000000-0000-4000-8000-000000000404';
      const noRelated = await rejection(api.associate({ collection: 'accounts', primaryKey: account, relationshipName: CONTACTS_OF_ACCOUNT, relatedCollection: 'contacts', relatedKey: missing }));
      expect([noRelated.status, noRelated.code, noRelated.message]).to.deep.equal([404, '0x80040217', `contact With Id = ${missing} Does Not Exist`]);
      const noPrimary = await rejection(api.associate({ collection: 'accounts', primaryKey: missing, relationshipName: CONTACTS_OF_ACCOUNT, relatedCollection: 'contacts', relatedKey: contact }));
      expect([noPrimary.status, noPrimary.code]).to.deep.equal([404, '0x80040217']);
      const noRelationship = await rejection(api.associate({ collection: 'accounts', primaryKey: account, relationshipName: 'no_such_relationship', relatedCollection: 'contacts', relatedKey: contact }));
      expect([noRelationship.status, noRelationship.code]).to.deep.equal([404, '0x8006088a']);
      const wrongTable = await rejection(api.associateSingleValued({ collection: 'accounts', primaryKey: account, navigationProperty: 'primarycontactid', relatedCollection: 'accounts', relatedKey: account }));
      expect(wrongTable.status).to.equal(400);
      expect((await api.retrieve({ collection: 'accounts', key: account, select: ['_primarycontactid_value'] }))._primarycontactid_value).to.equal(null);
    });

    it('disassociate of a many-to-many pair that is not linked is 404 0x80040217', async () => {
      const tag: string = await api.create({ collection: 'new_tags', data: { new_name: 'lonely' } });
      const ci: string = await api.create({ collection: SET, data: row('untagged') });
      const err = await rejection(api.disassociate({ collection: SET, primaryKey: ci, relationshipName: TAGS, relatedKey: tag }));
      expect(err.status).to.equal(404);
      expect(err.code).to.equal('0x80040217');
    });
  });

  describe(`dynamics-web-api client surface: impersonation and MSCRM headers [${database.name}]`, () => {
    let s: TestServer;
    let api: DynamicsWebApi;
    let seen: Seen[];
    const OID = '11111111-2222-4333-8444-555555555555';
    /** A user whose role may create and read copilot interactions, and nothing else. */
    let user: string;
    let role: string;
    serve(database, (server, c) => { s = server; api = c; });
    before(async () => {
      seen = record(s);
      user = await api.create({ collection: 'systemusers', data: { fullname: 'Impersonated User', azureactivedirectoryobjectid: OID } });
      role = await api.create({ collection: 'roles', data: { name: 'Interaction writer' } });
      await api.callAction({
        collection: 'roles', key: role, actionName: 'Microsoft.Dynamics.CRM.AddPrivilegesRole',
        action: { Privileges: [`prvCreate${ENTITY}`, `prvRead${ENTITY}`].map((PrivilegeName) => ({ PrivilegeName, Depth: 'Global' })) },
      });
      await api.associate({ collection: 'systemusers', primaryKey: user, relationshipName: 'systemuserroles_association', relatedCollection: 'roles', relatedKey: role });
    });

    it('impersonate (MSCRMCallerID) and impersonateAAD (CallerObjectId) run the request as that user', async () => {
      seen.length = 0;
      const byId = await api.callFunction<{ UserId: string }>({ name: 'WhoAmI', impersonate: user });
      const byOid = await api.callFunction<{ UserId: string }>({ name: 'WhoAmI', impersonateAAD: OID });
      expect([byId.UserId, byOid.UserId]).to.deep.equal([user, user]);
      expect(seen.map((r) => [r.headers['mscrmcallerid'], r.headers['callerobjectid']])).to.deep.equal([[user, undefined], [undefined, OID]]);
      const id: string = await api.create({ collection: SET, data: row('made for someone'), impersonate: user });
      const rec = await api.retrieve({ collection: SET, key: id, select: ['_createdby_value', '_createdonbehalfby_value'] });
      expect(rec._createdby_value).to.equal(user);
      expect(rec._createdonbehalfby_value).to.equal(s.service.caller.systemuserid);
      // A configured impersonation applies to every request of the client.
      const as = new DynamicsWebApi({ serverUrl: s.origin, dataApi: { version: '9.2' }, impersonateAAD: OID });
      expect((await as.callFunction<{ UserId: string }>('WhoAmI')).UserId).to.equal(user);
      const denied = await rejection(as.deleteRecord({ collection: SET, key: id }));
      expect([denied.status, denied.code]).to.deep.equal([403, '0x80040220']);
    });

    it('impersonating a user that does not exist is 404 0x80040217, by either header', async () => {
      const nobody = '00000000-0000-4000-8000-0000000000aa';
      for (const p of [api.callFunction({ name: 'WhoAmI', impersonate: nobody }), api.callFunction({ name: 'WhoAmI', impersonateAAD: nobody })]) {
        const err = await rejection(p);
        expect([err.status, err.code]).to.deep.equal([404, '0x80040217']);
      }
    });

    it('duplicateDetection, mergeLabels and timeout are accepted on writes (nothing to detect or merge here)', async () => {
      seen.length = 0;
      const a: string = await api.create({ collection: SET, data: row('dd on'), duplicateDetection: true });
      const b: string = await api.create({ collection: SET, data: row('dd on'), duplicateDetection: true, timeout: 30000 });
      expect(await api.update({ collection: SET, key: a, data: { msdyn_name: 'merged' }, mergeLabels: true })).to.equal(true);
      expect(seen.map((r) => r.headers['mscrm.suppressduplicatedetection'])).to.deep.equal(['false', 'false', undefined]);
      expect(seen[2]!.headers['mscrm.mergelabels']).to.equal('true');
      expect(a).to.not.equal(b);
      expect(await api.count({ collection: SET, filter: "msdyn_name eq 'dd on'" })).to.equal(1);
    });

    it('bypassCustomPluginExecution: the system user may send it; a user without prvBypassCustomPlugins is refused with 403 0x80040220 naming it', async () => {
      seen.length = 0;
      const own: string = await api.create({ collection: SET, data: row('bypass system'), bypassCustomPluginExecution: true });
      expect(seen[0]!.headers['mscrm.bypasscustompluginexecution']).to.equal('true');
      expect(own).to.match(GUID_RE);
      const before = await api.count({ collection: SET, filter: "msdyn_name eq 'bypass user'" });
      const err = await rejection(api.create({ collection: SET, data: row('bypass user'), impersonate: user, bypassCustomPluginExecution: true }));
      expect(err.status).to.equal(403);
      expect(err.code).to.equal('0x80040220');
      expect(err.message).to.match(new RegExp(`^Principal user \\(Id=${user}, .*is missing prvBypassCustomPlugins privilege \\(Id=[0-9a-f-]{36}\\)`));
      expect(await api.count({ collection: SET, filter: "msdyn_name eq 'bypass user'" })).to.equal(before);
      // Without the header the same user may create; with the privilege, with the header too.
      expect(await api.create({ collection: SET, data: row('bypass user'), impersonate: user })).to.match(GUID_RE);
      await api.callAction({ collection: 'roles', key: role, actionName: 'Microsoft.Dynamics.CRM.AddPrivilegesRole', action: { Privileges: [{ PrivilegeName: 'prvBypassCustomPlugins', Depth: 'Global' }] } });
      expect(await api.create({ collection: SET, data: row('bypass user'), impersonate: user, bypassCustomPluginExecution: true })).to.match(GUID_RE);
      expect(await api.count({ collection: SET, filter: "msdyn_name eq 'bypass user'" })).to.equal(before + 2);
    });
  });

  describe(`dynamics-web-api client surface: definitions and CSDL [${database.name}]`, () => {
    let s: TestServer;
    let api: DynamicsWebApi;
    serve(database, (server, c) => { s = server; api = c; });

    it('retrieveEntity by LogicalName and by MetadataId, with Attributes expanded; retrieveEntities with a filter', async () => {
      const account = await api.retrieveEntity({ key: "LogicalName='account'", select: ['LogicalName', 'EntitySetName', 'PrimaryIdAttribute', 'PrimaryNameAttribute'] });
      expect(account).to.include({ LogicalName: 'account', EntitySetName: 'accounts', PrimaryIdAttribute: 'accountid', PrimaryNameAttribute: 'name' });
      expect(account.MetadataId).to.match(GUID_RE);
      const byId = await api.retrieveEntity({ key: account.MetadataId, select: ['LogicalName'], expand: [{ property: 'Attributes', select: ['LogicalName'] }] });
      expect(byId.LogicalName).to.equal('account');
      expect(byId.Attributes.map((a: { LogicalName: string }) => a.LogicalName)).to.include.members(['name', 'accountnumber', 'primarycontactid', 'accountid']);
      const custom = await api.retrieveEntities({ select: ['LogicalName'], filter: "IsCustomEntity eq true and IsIntersect eq false" });
      expect(custom.value.map((e) => e.LogicalName).sort()).to.deep.equal(['msdyn_copilotinteraction', 'msdyn_copilotinteractiondata', 'new_tag']);
    });

    it('retrieveAttributes (with a cast and OptionSet expanded) and retrieveAttribute', async () => {
      const picklists = await api.retrieveAttributes({ entityKey: `LogicalName='${ENTITY}'`, castType: 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata', select: ['LogicalName'], expand: [{ property: 'OptionSet', select: ['Options'] }] });
      const itype = picklists.value.find((a) => a.LogicalName === 'msdyn_interactiontype');
      expect(itype['@odata.type']).to.equal('#Microsoft.Dynamics.CRM.PicklistAttributeMetadata');
      expect(itype.OptionSet.Options.map((o: { Value: number }) => o.Value)).to.include(ITYPE_A);
      const str = await api.retrieveAttribute({ entityKey: "LogicalName='account'", attributeKey: "LogicalName='name'", castType: 'Microsoft.Dynamics.CRM.StringAttributeMetadata', select: ['LogicalName', 'MaxLength'] });
      expect(str).to.include({ LogicalName: 'name', MaxLength: 160 });
      const missing = await rejection(api.retrieveAttribute({ entityKey: "LogicalName='account'", attributeKey: "LogicalName='nope'" }));
      expect(missing.status).to.equal(404);
    });

    it('retrieveGlobalOptionSets / retrieveGlobalOptionSet and retrieveRelationships / retrieveRelationship, plain and cast', async () => {
      const sets = await api.retrieveGlobalOptionSets({ select: ['Name'] });
      const setName = 'msdyn_copilotinteractions_msdyn_interactiontype';
      expect(sets.value.map((o) => o.Name)).to.include(setName);
      const one = await api.retrieveGlobalOptionSet({ key: `Name='${setName}'`, castType: 'Microsoft.Dynamics.CRM.OptionSetMetadata', select: ['Name', 'Options'] });
      expect(one.Name).to.equal(setName);
      expect(one.Options.map((o: { Value: number }) => o.Value)).to.include(ITYPE_A);
      const m2m = await api.retrieveRelationships({ castType: 'Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata', select: ['SchemaName', 'Entity1LogicalName', 'Entity2LogicalName'] });
      expect(m2m.value.find((r) => r.SchemaName === TAGS)).to.include({ Entity1LogicalName: ENTITY, Entity2LogicalName: 'new_tag' });
      const all = await api.retrieveRelationships({ select: ['SchemaName'] });
      expect(all.value.length).to.be.greaterThan(m2m.value.length);
      const rel = await api.retrieveRelationship({ key: `SchemaName='${TAGS}'`, castType: 'Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata', select: ['SchemaName', 'IntersectEntityName'] });
      expect(rel).to.include({ SchemaName: TAGS, IntersectEntityName: TAGS });
    });

    it('retrieveCsdlMetadata returns the CSDL document as text, with annotations when asked', async () => {
      const plain = await api.retrieveCsdlMetadata();
      expect(plain).to.be.a('string').and.match(/^<\?xml/);
      expect(plain).to.contain(`<EntityType Name="${ENTITY}"`);
      const annotated = await api.retrieveCsdlMetadata({ addAnnotations: true });
      expect(annotated).to.contain('<Annotation Term=');
      expect(annotated.length).to.be.greaterThan(plain.length);
    });
  });

  describe(`dynamics-web-api client surface: startBatch / executeBatch [${database.name}]`, () => {
    let s: TestServer;
    let api: DynamicsWebApi;
    let seen: Seen[];
    serve(database, (server, c) => { s = server; api = c; seen = record(s); });

    it('reads in one $batch: each answer in order, as the same request alone gives it', async () => {
      const id: string = await api.create({ collection: SET, data: row('batch read') });
      seen.length = 0;
      api.startBatch();
      void api.retrieve({ collection: SET, key: id, select: ['msdyn_name'] });
      void api.retrieveMultiple({ collection: SET, select: ['msdyn_name'], filter: "msdyn_name eq 'batch read'" });
      void api.callFunction('WhoAmI');
      void api.retrieve({ collection: SET, key: id, select: ['msdyn_interactiontype'], includeAnnotations: 'OData.Community.Display.V1.FormattedValue' });
      const [one, many, me, annotated] = await api.executeBatch();
      expect(seen.map((r) => `${r.method} ${r.url}`)).to.deep.equal(['POST /api/data/v9.2/$batch']);
      expect(one).to.include({ msdyn_name: 'batch read', [PK]: id });
      expect(many.value.map((r: Record<string, unknown>) => r[PK])).to.deep.equal([id]);
      expect(me.UserId).to.equal(s.service.caller.systemuserid);
      expect(annotated.msdyn_interactiontype_Formatted).to.equal('ThumbsUp');
    });

    it('a change set: contentId references bind and address the rows created before them, all in one transaction', async () => {
      api.startBatch();
      void api.create({ collection: 'accounts', data: { name: 'Batch account' }, contentId: '1' });
      void api.create({ collection: 'contacts', data: { fullname: 'Batch contact', 'parentcustomerid_account@odata.bind': '$1' } });
      void api.update({ contentId: '$1', data: { name: 'Batch account renamed' } });
      void api.upsert({ collection: SET, key: 'a1b2c3d4-0000-4000-8000-00000000ba01', data: row('batch upsert') });
      const [account, contact, updated, upserted] = await api.executeBatch();
      expect(account).to.match(GUID_RE);
      expect(contact).to.match(GUID_RE);
      expect(updated).to.equal(true);
      expect(upserted).to.equal('a1b2c3d4-0000-4000-8000-00000000ba01');
      const rec = await api.retrieve({ collection: 'contacts', key: contact, select: ['fullname'], expand: [{ property: 'parentcustomerid_account', select: ['name'] }] });
      expect(rec.parentcustomerid_account).to.include({ accountid: account, name: 'Batch account renamed' });
    });

    it('a failing change set rolls back its earlier writes and the client rejects with that request\'s error', async () => {
      const missing = '00000000-0000-4000-8000-00000000ba02';
      api.startBatch();
      void api.create({ collection: SET, data: row('rolled back') });
      void api.update({ collection: SET, key: missing, data: { msdyn_name: 'x' } });
      const errors = await rejection(api.executeBatch()) as unknown as Array<{ status: number; error: { code: string } }>;
      expect(errors.map((e) => [e.status, e.error.code])).to.deep.equal([[404, '0x80040217']]);
      expect(await api.count({ collection: SET, filter: "msdyn_name eq 'rolled back'" })).to.equal(0);
    });

    it('outside a change set: continueOnError runs every request; without it the batch stops at the first failure', async () => {
      const missing = '00000000-0000-4000-8000-00000000ba03';
      api.startBatch();
      void api.create({ collection: SET, data: row('coe 1') });
      void api.update({ collection: SET, key: missing, data: { msdyn_name: 'x' } });
      void api.create({ collection: SET, data: row('coe 3') });
      const answers = await api.executeBatch({ inChangeSet: false, continueOnError: true });
      expect(answers).to.have.length(3);
      expect(answers[0]).to.match(GUID_RE);
      expect([answers[1].status, answers[1].error.code]).to.deep.equal([404, '0x80040217']);
      expect(answers[2]).to.match(GUID_RE);
      api.startBatch();
      void api.create({ collection: SET, data: row('stop 1') });
      void api.update({ collection: SET, key: missing, data: { msdyn_name: 'x' } });
      void api.create({ collection: SET, data: row('stop 3') });
      const stopped = await rejection(api.executeBatch({ inChangeSet: false })) as unknown as unknown[];
      expect(stopped).to.have.length(2);
      expect(await api.count({ collection: SET, filter: "startswith(msdyn_name,'stop')" })).to.equal(1);
    });
  });

  describe(`dynamics-web-api client surface: features Tessera does not have [${database.name}]`, () => {
    let s: TestServer;
    let api: DynamicsWebApi;
    before(async () => { s = await startServer(undefined, database); api = client(s); });
    after(async () => { await s.close(); });

    it('definition writes (createEntity, updateEntity, createAttribute, createRelationship, createGlobalOptionSet, delete…) are 501', async () => {
      const none = '00000000-0000-4000-8000-000000000001';
      const calls: Array<[string, Promise<unknown>]> = [
        ['createEntity', api.createEntity({ data: { SchemaName: 'new_thing' } })],
        ['updateEntity', api.updateEntity({ data: { MetadataId: none, SchemaName: 'new_thing' } })],
        ['createAttribute', api.createAttribute({ entityKey: `LogicalName='${ENTITY}'`, data: { SchemaName: 'new_col' } })],
        ['updateAttribute', api.updateAttribute({ entityKey: `LogicalName='${ENTITY}'`, data: { MetadataId: none } })],
        ['createRelationship', api.createRelationship({ data: { SchemaName: 'new_rel' } })],
        ['updateRelationship', api.updateRelationship({ data: { MetadataId: none } })],
        ['deleteRelationship', api.deleteRelationship({ key: none })],
        ['createGlobalOptionSet', api.createGlobalOptionSet({ data: { Name: 'new_set' } })],
        ['updateGlobalOptionSet', api.updateGlobalOptionSet({ data: { MetadataId: none } })],
        ['deleteGlobalOptionSet', api.deleteGlobalOptionSet({ key: none })],
      ];
      for (const [method, p] of calls) {
        const err = await rejection(p);
        expect(err.status, method).to.equal(501);
        expect(err.message, method).to.match(/is not supported by this service yet\.$/);
      }
    });

    it('uploadFile to, or downloadFile of, a column that is no file column is 400 0x80040203 (file columns: test/file-columns.test.ts)', async () => {
      const id: string = await api.create({ collection: SET, data: row('no files') });
      const up = await rejection(api.uploadFile({ collection: SET, key: id, fieldName: 'msdyn_name', fileName: 'a.txt', data: Buffer.from('hello') }));
      expect([up.status, up.code]).to.deep.equal([400, '0x80040203']);
      expect((await api.retrieve({ collection: SET, key: id, select: ['msdyn_name'] })).msdyn_name).to.equal('no files');
      const down = await rejection(api.downloadFile({ collection: SET, key: id, fieldName: 'msdyn_name' }));
      expect([down.status, down.code]).to.deep.equal([400, '0x80040203']);
    });

    it('Dataverse search (search, suggest, autocomplete) and background operations are 501 naming the feature', async () => {
      const calls: Array<[string, Promise<unknown>]> = [
        ['search', api.search({ query: { search: 'x' } })],
        ['suggest', api.suggest({ query: { search: 'x' } })],
        ['autocomplete', api.autocomplete({ query: { search: 'x' } })],
        ['getBackgroundOperationStatus', api.getBackgroundOperationStatus('00000000-0000-4000-8000-000000000001')],
        ['cancelBackgroundOperation', api.cancelBackgroundOperation('00000000-0000-4000-8000-000000000001')],
      ];
      for (const [method, p] of calls) {
        const err = await rejection(p);
        expect(err.status, method).to.equal(501);
        expect(err.code, method).to.equal('0x0');
        expect(err.message, method).to.match(/^(Dataverse search|Background operations) .* is not supported by this service yet\.$/);
      }
    });
  });
}
