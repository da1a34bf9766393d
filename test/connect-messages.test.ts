import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { DynamicsWebApi } from 'dynamics-web-api';
import { parseStringPromise } from 'xml2js';
import { call, copyMetadata, createRow, DATABASES, startServer, type TestServer } from './support/server.js';

/**
 * The unbound functions clients call on connect (XrmToolBox, the PAC CLI, the SDK's ServiceClient):
 * RetrieveVersion, RetrieveTotalRecordCount and RetrieveCurrentOrganization — their `$metadata`
 * declarations as the Web API reference gives them, their answers over HTTP and through the
 * unmodified dynamics-web-api client, parameter aliases, and their errors.
 */

const NS = 'Microsoft.Dynamics.CRM';
const VERSION = '9.2.25000.0';

/** A retention-enabled table, counted past Dataverse's 5,000 `$count` cap. */
const COUNTED = {
  LogicalName: 'new_counted', EntitySetName: 'new_counteds', PrimaryIdAttribute: 'new_countedid', PrimaryNameAttribute: 'new_name',
  OwnershipType: 'OrganizationOwned', IsRetentionEnabled: true,
  Attributes: [{ LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 }],
};
/** A second table, which a restricted user may read. */
const OTHER = {
  LogicalName: 'new_other', EntitySetName: 'new_others', PrimaryIdAttribute: 'new_otherid', PrimaryNameAttribute: 'new_name',
  OwnershipType: 'OrganizationOwned',
  Attributes: [{ LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 }],
};
const MANY = 5002;

for (const database of DATABASES) {
  describe(`messages clients call on connect [${database.name}]`, () => {
    let s: TestServer;
    let metadataDir: string;
    let api: DynamicsWebApi;
    const counts = (params: string) => call('GET', `${s.root}RetrieveTotalRecordCount${params}`);
    const organization = (params: string, headers: Record<string, string> = {}) => call('GET', `${s.root}RetrieveCurrentOrganization${params}`, undefined, headers);

    before(async () => {
      metadataDir = copyMetadata();
      writeFileSync(join(metadataDir, 'new_counted.json'), JSON.stringify(COUNTED));
      writeFileSync(join(metadataDir, 'new_other.json'), JSON.stringify(OTHER));
      s = await startServer(metadataDir, database, { maxTargets: MANY, maxBodyBytes: 4 * 1024 * 1024 });
      api = new DynamicsWebApi({ serverUrl: s.origin, dataApi: { version: '9.2' } });
      const targets = Array.from({ length: MANY }, (_, i) => ({ '@odata.type': `${NS}.new_counted`, new_name: `row ${i}` }));
      const made = await call('POST', `${s.root}new_counteds/${NS}.CreateMultiple`, { Targets: targets });
      expect(made.status, made.text).to.equal(200);
      for (const name of ['a', 'b']) await createRow(s, 'new_others', { new_name: name });
    });
    after(async () => {
      await s.close();
      rmSync(metadataDir, { recursive: true, force: true });
    });

    describe('$metadata', () => {
      it('declares the three functions, their parameters, complex types and enumerations as Dataverse does', async () => {
        const doc = await parseStringPromise((await call('GET', `${s.root}$metadata`)).text);
        const schema = doc['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
        const functions = Object.fromEntries(schema.Function.map((f: any) => [f.$.Name, f]));
        expect(functions['RetrieveVersion'].$).to.deep.equal({ Name: 'RetrieveVersion' });
        expect(functions['RetrieveVersion'].Parameter).to.equal(undefined);
        expect(functions['RetrieveVersion'].ReturnType[0].$).to.deep.equal({ Type: 'mscrm.RetrieveVersionResponse', Nullable: 'false' });
        expect(functions['RetrieveTotalRecordCount'].Parameter.map((p: any) => p.$)).to.deep.equal([
          { Name: 'EntityNames', Type: 'Collection(Edm.String)', Nullable: 'false', Unicode: 'false' },
        ]);
        expect(functions['RetrieveTotalRecordCount'].ReturnType[0].$.Type).to.equal('mscrm.RetrieveTotalRecordCountResponse');
        expect(functions['RetrieveCurrentOrganization'].Parameter.map((p: any) => p.$)).to.deep.equal([
          { Name: 'AccessType', Type: 'mscrm.EndpointAccessType', Nullable: 'false' },
        ]);
        expect(functions['RetrieveCurrentOrganization'].ReturnType[0].$.Type).to.equal('mscrm.RetrieveCurrentOrganizationResponse');
        const complex = Object.fromEntries(schema.ComplexType.map((c: any) => [c.$.Name, c.Property.map((p: any) => `${p.$.Name}:${p.$.Type}`)]));
        expect(complex['RetrieveVersionResponse']).to.deep.equal(['Version:Edm.String']);
        expect(complex['RetrieveTotalRecordCountResponse']).to.deep.equal(['EntityRecordCountCollection:mscrm.EntityRecordCountCollection']);
        expect(complex['EntityRecordCountCollection']).to.deep.equal(['Count:Edm.Int32', 'IsReadOnly:Edm.Boolean', 'Keys:Collection(Edm.String)', 'Values:Collection(Edm.Int64)']);
        expect(complex['RetrieveCurrentOrganizationResponse']).to.deep.equal(['Detail:mscrm.OrganizationDetail']);
        expect(complex['OrganizationDetail']).to.deep.equal([
          'OrganizationId:Edm.Guid', 'FriendlyName:Edm.String', 'OrganizationVersion:Edm.String', 'EnvironmentId:Edm.String',
          'DatacenterId:Edm.Guid', 'Geo:Edm.String', 'TenantId:Edm.String', 'UrlName:Edm.String', 'UniqueName:Edm.String',
          'Endpoints:mscrm.EndpointCollection', 'State:mscrm.OrganizationState', 'OrganizationType:mscrm.OrganizationType', 'SchemaType:Edm.String',
        ]);
        expect(complex['EndpointCollection']).to.deep.equal(['Count:Edm.Int32', 'IsReadOnly:Edm.Boolean', 'Keys:Collection(mscrm.EndpointType)', 'Values:Collection(Edm.String)']);
        const enums = Object.fromEntries(schema.EnumType.map((e: any) => [e.$.Name, e.Member.map((m: any) => `${m.$.Name}=${m.$.Value}`)]));
        expect(enums['EndpointAccessType']).to.deep.equal(['Default=0', 'Internet=1', 'Intranet=2']);
        expect(enums['EndpointType']).to.deep.equal(['OrganizationService=0', 'OrganizationDataService=1', 'WebApplication=2']);
        expect(enums['OrganizationState']).to.deep.equal(['Enabled=0', 'Disabled=1']);
        expect(enums['OrganizationType']).to.have.length(17);
        expect(enums['OrganizationType'].slice(0, 2).concat(enums['OrganizationType'].slice(-1))).to.deep.equal(['Customer=0', 'Monitoring=1', 'Platform=16']);
        const imports = schema.EntityContainer[0].FunctionImport.map((f: any) => f.$);
        for (const name of ['RetrieveVersion', 'RetrieveTotalRecordCount', 'RetrieveCurrentOrganization']) {
          expect(imports).to.deep.include({ Name: name, Function: `${NS}.${name}` });
        }
      });

      it('lists each in sdkmessages with the filter of an unbound message (none)', async () => {
        const r = await call('GET', `${s.root}sdkmessagefilters?$select=primaryobjecttypecode&$filter=sdkmessageid/name eq 'RetrieveTotalRecordCount'`);
        expect(r.status, r.text).to.equal(200);
        expect(r.json.value.map((f: any) => f.primaryobjecttypecode)).to.deep.equal(['none']);
      });
    });

    describe('RetrieveVersion', () => {
      it('answers the service version, on every API version path the service routes', async () => {
        const r = await call('GET', `${s.root}RetrieveVersion()`);
        expect(r.status, r.text).to.equal(200);
        expect(r.json).to.deep.equal({ '@odata.context': `${s.root}$metadata#${NS}.RetrieveVersionResponse`, Version: VERSION });
        const old = await call('GET', `${s.origin}/api/data/v9.0/RetrieveVersion()`);
        expect(old.json).to.deep.equal({ '@odata.context': `${s.origin}/api/data/v9.0/$metadata#${NS}.RetrieveVersionResponse`, Version: VERSION });
        expect((await call('GET', `${s.root}RetrieveVersion`)).json.Version).to.equal(VERSION);
      });

      it('refuses a parameter (400) and POST (404), as other functions do', async () => {
        const extra = await call('GET', `${s.root}RetrieveVersion(Version='1')`);
        expect(extra.status).to.equal(400);
        expect(extra.json.error.code).to.equal('0x80060888');
        const post = await call('POST', `${s.root}RetrieveVersion()`, {});
        expect(post.status).to.equal(404);
        expect(post.json.error.message).to.equal(`No HTTP resource was found that matches the request URI '${s.root}RetrieveVersion()'.`);
      });
    });

    describe('RetrieveTotalRecordCount', () => {
      it('counts every row of each table named, past 5,000, in the order named', async () => {
        const r = await counts("(EntityNames=['new_counted','new_other'])");
        expect(r.status, r.text).to.equal(200);
        expect(r.json).to.deep.equal({
          '@odata.context': `${s.root}$metadata#${NS}.RetrieveTotalRecordCountResponse`,
          EntityRecordCountCollection: { Count: 2, IsReadOnly: false, Keys: ['new_counted', 'new_other'], Values: [MANY, 2] },
        });
        const alias = await counts(`(EntityNames=@p1)?@p1=${encodeURIComponent('["new_other","new_counted","new_other"]')}`);
        expect(alias.status, alias.text).to.equal(200);
        expect(alias.json.EntityRecordCountCollection).to.deep.equal({ Count: 2, IsReadOnly: false, Keys: ['new_other', 'new_counted'], Values: [2, MANY] });
        const quoted = await counts(`(EntityNames=@p1)?@p1=${encodeURIComponent("['new_other']")}`);
        expect(quoted.json.EntityRecordCountCollection.Values).to.deep.equal([2]);
        expect((await counts('(EntityNames=[])')).json.EntityRecordCountCollection).to.deep.equal({ Count: 0, IsReadOnly: false, Keys: [], Values: [] });
      });

      it('leaves retained rows out, as ordinary reads do', async () => {
        const row = await createRow(s, 'new_others', { new_name: 'kept' });
        const other = await createRow(s, 'new_counteds', { new_name: 'to retain' });
        const retain = await call('POST', `${s.root}Retain`, { Target: { '@odata.type': `${NS}.new_counted`, new_countedid: other.new_countedid } });
        expect(retain.status, retain.text).to.equal(200);
        const r = await counts("(EntityNames=['new_counted','new_other'])");
        expect(r.json.EntityRecordCountCollection.Values).to.deep.equal([MANY, 3]);
        expect((await call('DELETE', `${s.root}new_others(${row.new_otherid})`)).status).to.equal(204);
        expect((await call('DELETE', `${s.root}new_counteds(${other.new_countedid})`)).status).to.equal(204);
      });

      it('answers 400 0x80040203 for a name that is no table, and counts nothing', async () => {
        const r = await counts("(EntityNames=['new_other','new_nope'])");
        expect(r.status).to.equal(400);
        expect(r.json.error).to.deep.equal({ code: '0x80040203', message: 'Entity new_nope was not found in the CRM system.' });
      });

      it('answers 400 0x80060888 for a missing or malformed EntityNames, 404 for POST', async () => {
        for (const params of ['()', "(EntityNames='new_other')", '(EntityNames=[1])', '(EntityNames=@p1)', '(EntityNames=null)', "(Names=['new_other'])"]) {
          const r = await counts(params);
          expect(r.status, `${params}: ${r.text}`).to.equal(400);
          expect(r.json.error.code, params).to.equal('0x80060888');
        }
        expect((await call('POST', `${s.root}RetrieveTotalRecordCount(EntityNames=['new_other'])`, {})).status).to.equal(404);
      });

      it('answers a collection literal with a missing comma, an empty item or a trailing comma as a syntax error, and names a null item', async () => {
        const cases: Array<[string, string | undefined]> = [
          ["(EntityNames=['new_other' 'new_other'])", "item EntityNames[0] ('new_other' 'new_other') is not one Edm.String literal"],
          ["(EntityNames=['new_other','new_counted' 'new_other'])", 'item EntityNames[1]'],
          ["(EntityNames=['new_other',])", 'item EntityNames[1] is empty'],
          ["(EntityNames=['new_other',,'new_counted'])", 'item EntityNames[1] is empty'],
          ["(EntityNames=[,'new_other'])", 'item EntityNames[0] is empty'],
          ['(EntityNames=[ ])', undefined],
          ["(EntityNames=['new_other'],)", 'an empty parameter assignment'],
          ["(EntityNames=['new_other',null])", "item EntityNames[1] is null; the items of a Collection(Edm.String) cannot be null"],
          [`(EntityNames=@p1)?@p1=${encodeURIComponent('["new_other",null]')}`, "item EntityNames[1] is null"],
        ];
        for (const [params, message] of cases) {
          const r = await counts(params);
          if (message === undefined) {
            expect(r.status, `${params}: ${r.text}`).to.equal(200);
            continue;
          }
          expect(r.status, `${params}: ${r.text}`).to.equal(400);
          expect(r.json.error.code, params).to.equal('0x80060888');
          expect(r.json.error.message, params).to.contain(message);
        }
        // A quote inside an item is doubled.
        expect((await counts("(EntityNames=['new_other','new_o''ther'])")).json.error.message).to.equal("Entity new_o'ther was not found in the CRM system.");
      });

      it("takes the caller's Read privilege on each table: 403 without it", async () => {
        const role = (await createRow(s, 'roles', { name: 'reads new_other' })).roleid as string;
        const grant = await call('POST', `${s.root}roles(${role})/${NS}.AddPrivilegesRole`, { Privileges: [{ PrivilegeName: 'prvReadnew_other', Depth: 'Global' }] });
        expect(grant.status, grant.text).to.equal(204);
        const user = (await createRow(s, 'systemusers', { fullname: 'counter' })).systemuserid as string;
        const link = await call('POST', `${s.root}systemusers(${user})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${role})` });
        expect(link.status, link.text).to.equal(204);
        const as = { MSCRMCallerID: user };
        const allowed = await call('GET', `${s.root}RetrieveTotalRecordCount(EntityNames=['new_other'])`, undefined, as);
        expect(allowed.status, allowed.text).to.equal(200);
        expect(allowed.json.EntityRecordCountCollection.Values).to.deep.equal([2]);
        const denied = await call('GET', `${s.root}RetrieveTotalRecordCount(EntityNames=['new_other','new_counted'])`, undefined, as);
        expect(denied.status, denied.text).to.equal(403);
        expect(denied.json.error.code).to.equal('0x80040220');
        expect(denied.json.error.message).to.contain('prvReadnew_counted');
      });
    });

    describe('RetrieveCurrentOrganization', () => {
      const detail = () => ({
        OrganizationId: s.service.caller.organizationid,
        FriendlyName: 'Tessera',
        OrganizationVersion: VERSION,
        EnvironmentId: null,
        DatacenterId: '00000000-0000-0000-0000-000000000000',
        Geo: null,
        TenantId: null,
        UrlName: new URL(s.origin).hostname.split('.')[0],
        UniqueName: 'Tessera',
        Endpoints: {
          Count: 3, IsReadOnly: false,
          Keys: ['OrganizationService', 'OrganizationDataService', 'WebApplication'],
          Values: [`${s.origin}/XRMServices/2011/Organization.svc`, `${s.origin}/XRMServices/2011/OrganizationData.svc`, `${s.origin}/`],
        },
        State: 'Enabled',
        OrganizationType: 'Customer',
        SchemaType: null,
      });

      it("answers the caller's organization, its endpoints at the request's origin", async () => {
        const r = await organization(`(AccessType=${NS}.EndpointAccessType'Default')`);
        expect(r.status, r.text).to.equal(200);
        expect(r.json).to.deep.equal({ '@odata.context': `${s.root}$metadata#${NS}.RetrieveCurrentOrganizationResponse`, Detail: detail() });
        const who = (await call('GET', `${s.root}WhoAmI()`)).json;
        expect(r.json.Detail.OrganizationId).to.equal(who.OrganizationId);
      });

      it('takes the enum literal through an alias, with the mscrm alias, unqualified or by value', async () => {
        for (const literal of [`${NS}.EndpointAccessType'Internet'`, "mscrm.EndpointAccessType'Intranet'", "'Default'", `${NS}.EndpointAccessType'1'`]) {
          const r = await organization(`(AccessType=@p1)?@p1=${encodeURIComponent(literal)}`);
          expect(r.status, `${literal}: ${r.text}`).to.equal(200);
          expect(r.json.Detail).to.deep.equal(detail());
        }
      });

      it('answers 400 0x80060888 for a missing AccessType, an unknown member or another enumeration, 404 for POST', async () => {
        for (const params of ['()', `(AccessType=${NS}.EndpointAccessType'Nope')`, `(AccessType=${NS}.OrganizationState'Enabled')`, "(AccessType='default')", '(AccessType=0)', '(AccessType=@p1)']) {
          const r = await organization(params);
          expect(r.status, `${params}: ${r.text}`).to.equal(400);
          expect(r.json.error.code, params).to.equal('0x80060888');
        }
        expect((await call('POST', `${s.root}RetrieveCurrentOrganization(AccessType=${NS}.EndpointAccessType'Default')`, {})).status).to.equal(404);
      });

      it('answers 400, not 500, when the host the client names makes no URL (its endpoints are built from it)', async () => {
        for (const host of ['a b', 'x:notaport', 'user@host', 'a/b']) {
          const r = await organization(`(AccessType=${NS}.EndpointAccessType'Default')`, { 'X-Forwarded-Host': host });
          expect(r.status, `${host}: ${r.text}`).to.equal(400);
          expect(r.json.error.code, host).to.equal('0x80060888');
        }
      });
    });

    describe('through dynamics-web-api callFunction', () => {
      it('calls the three functions as a client does on connect', async () => {
        const version = await api.callFunction<{ Version: string }>({ name: 'RetrieveVersion' });
        expect(version.Version).to.equal(VERSION);
        const total = await api.callFunction<{ EntityRecordCountCollection: { Keys: string[]; Values: number[] } }>({
          name: 'RetrieveTotalRecordCount', parameters: { EntityNames: ['new_counted', 'new_other'] },
        });
        expect(total.EntityRecordCountCollection.Keys).to.deep.equal(['new_counted', 'new_other']);
        expect(total.EntityRecordCountCollection.Values).to.deep.equal([MANY, 2]);
        const org = await api.callFunction<{ Detail: { OrganizationId: string; OrganizationVersion: string } }>({
          name: 'RetrieveCurrentOrganization', parameters: { AccessType: `${NS}.EndpointAccessType'Default'` },
        });
        expect(org.Detail.OrganizationId).to.equal(s.service.caller.organizationid);
        expect(org.Detail.OrganizationVersion).to.equal(VERSION);
      });
    });
  });
}
