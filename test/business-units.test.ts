import { expect } from 'chai';
import { call, createRow, DATABASES, startServer, type TestServer } from './support/server.js';

/**
 * The root business unit (Dataverse BusinessUnit table): WhoAmI's BusinessUnitId names a row of
 * `businessunits`, named after the organization, with no parent; every user is in it
 * (systemuser.businessunitid) and user-owned rows carry it in owningbusinessunit.
 */
const FETCH = '<fetch><entity name="msdyn_copilotinteraction"><attribute name="msdyn_name"/></entity></fetch>';

for (const database of DATABASES) {
  describe(`business units [${database.name}]`, () => {
    let s: TestServer;
    let root: string;
    before(async () => {
      s = await startServer(undefined, database);
      root = (await call('GET', `${s.root}WhoAmI()`)).json.BusinessUnitId;
    });
    after(async () => { await s.close(); });

    it('serves the unit WhoAmI names, named after the organization, as the one root unit', async () => {
      const unit = await call('GET', `${s.root}businessunits(${root})?$select=name,isdisabled,_parentbusinessunitid_value,_organizationid_value`);
      expect(unit.status, unit.text).to.equal(200);
      const org = await call('GET', `${s.root}organizations?$select=name,organizationid`);
      expect(unit.json).to.include({ name: org.json.value[0].name, isdisabled: false, _parentbusinessunitid_value: null, _organizationid_value: org.json.value[0].organizationid });
      const roots = await call('GET', `${s.root}businessunits?$filter=_parentbusinessunitid_value eq null&$select=businessunitid`);
      expect(roots.json.value.map((r: { businessunitid: string }) => r.businessunitid)).to.deep.equal([root]);
    });

    it('puts every user in it: businessunitid, with its navigation property both ways', async () => {
      const ann = (await createRow(s, 'systemusers', { fullname: 'Ann Unit' })).systemuserid as string;
      const user = await call('GET', `${s.root}systemusers(${ann})?$select=_businessunitid_value&$expand=businessunitid($select=name)`);
      expect(user.status, user.text).to.equal(200);
      expect(user.json._businessunitid_value).to.equal(root);
      expect(user.json.businessunitid.name).to.be.a('string');
      const members = await call('GET', `${s.root}businessunits(${root})/business_unit_system_users?$select=fullname&$filter=fullname eq 'Ann Unit'`);
      expect(members.status, members.text).to.equal(200);
      expect(members.json.value).to.have.length(1);
    });

    it("names its relationships as Dataverse does: business_unit_system_users, business_unit_roles, business_unit_<table> for others", async () => {
      const unit = await call('GET', `${s.root}EntityDefinitions(LogicalName='businessunit')?$select=LogicalName&$expand=OneToManyRelationships($select=SchemaName,ReferencingEntity,ReferencingAttribute,ReferencedEntityNavigationPropertyName)`);
      expect(unit.status, unit.text).to.equal(200);
      type Relationship = { SchemaName: string; ReferencingEntity: string; ReferencingAttribute: string; ReferencedEntityNavigationPropertyName: string };
      const business = (unit.json.OneToManyRelationships as Relationship[])
        .filter((r) => r.ReferencingAttribute === 'businessunitid' || r.ReferencingAttribute === 'owningbusinessunit')
        .map((r) => [r.ReferencingEntity, r.SchemaName, r.ReferencedEntityNavigationPropertyName]);
      expect(business).to.deep.include.members([
        ['systemuser', 'business_unit_system_users', 'business_unit_system_users'],
        ['role', 'business_unit_roles', 'business_unit_roles'],
        ['userquery', 'business_unit_userquery', 'business_unit_userquery'],
      ]);
      const roles = await call('GET', `${s.root}businessunits(${root})/business_unit_roles?$select=name&$filter=name eq 'System Administrator'`);
      expect(roles.status, roles.text).to.equal(200);
      expect(roles.json.value).to.have.length(1);
    });

    it("stamps a user-owned row's owningbusinessunit on create, read-only; organization-owned rows have none", async () => {
      const view = await call('POST', `${s.root}userqueries?$select=name,_owningbusinessunit_value`, { name: 'mine', returnedtypecode: 'msdyn_copilotinteraction', fetchxml: FETCH, 'owningbusinessunit@odata.bind': '/businessunits(0a1b2c3d-0000-4000-8000-0000000e0999)' }, { Prefer: 'return=representation' });
      expect(view.status, view.text).to.equal(201);
      expect(view.json._owningbusinessunit_value).to.equal(root);
      const expanded = await call('GET', `${s.root}userqueries(${view.json.userqueryid})?$select=name&$expand=owningbusinessunit($select=name)`);
      expect(expanded.json.owningbusinessunit.businessunitid).to.equal(root);
      const copilot = await call('GET', `${s.root}msdyn_copilotinteractions?$select=_owningbusinessunit_value`);
      expect(copilot.status).to.equal(400);
    });

    it('refuses deleting or disabling the root; renaming it is allowed', async () => {
      const deleted = await call('DELETE', `${s.root}businessunits(${root})`);
      expect(deleted.status, deleted.text).to.equal(400);
      expect(deleted.json.error).to.deep.equal({ code: '0x80041d60', message: 'Not disabled business unit cannot be deleted.' });
      expect((await call('DELETE', `${s.root}businessunits(0a1b2c3d-0000-4000-8000-0000000e0999)`)).status).to.equal(404);
      const disabled = await call('PATCH', `${s.root}businessunits(${root})`, { isdisabled: true });
      expect(disabled.status, disabled.text).to.equal(400);
      expect(disabled.json.error.message).to.equal('Root Business unit cannot be disabled.');
      const renamed = await call('PATCH', `${s.root}businessunits(${root})`, { name: 'Renamed', isdisabled: false }, { Prefer: 'return=representation' });
      expect(renamed.status, renamed.text).to.equal(200);
      expect(renamed.json).to.include({ name: 'Renamed', isdisabled: false });
      expect((await call('GET', `${s.root}businessunits/$count`)).text).to.equal('1');
    });

    it('takes prvReadBusinessUnit to read it, as Dataverse', async () => {
      const bob = (await createRow(s, 'systemusers', { fullname: 'Bob Unit' })).systemuserid as string;
      const refused = await call('GET', `${s.root}businessunits(${root})?$select=name`, undefined, { MSCRMCallerID: bob });
      expect(refused.status, refused.text).to.equal(403);
      expect(refused.json.error.message).to.contain('prvReadBusinessUnit');
      const reader = (await createRow(s, 'roles', { name: 'Unit reader' })).roleid as string;
      const granted = await call('POST', `${s.root}roles(${reader})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { Privileges: [{ PrivilegeName: 'prvReadBusinessUnit', Depth: 'Local' }] });
      expect(granted.status, granted.text).to.equal(204);
      expect((await call('POST', `${s.root}systemusers(${bob})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${reader})` })).status).to.equal(204);
      const read = await call('GET', `${s.root}businessunits(${root})?$select=name`, undefined, { MSCRMCallerID: bob });
      expect(read.status, read.text).to.equal(200);
    });
  });
}
