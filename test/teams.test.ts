import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseStringPromise } from 'xml2js';
import { call, createRow, DATABASES, startServer, type TestServer } from './support/server.js';
import { relationshipMetadata, startRelationshipServer } from './support/relationship-metadata.js';

/**
 * Teams as Dataverse has them: `$metadata`'s abstract principal that users and teams derive from
 * (principal EntityType: key ownerid), the team table with the root business unit's default team,
 * membership (teammembership_association, AddMembersTeam/RemoveMembersTeam) and rows owned by a
 * team (ownerid@odata.bind to /teams(<id>), owningteam).
 */
const ALL = { Prefer: 'odata.include-annotations="*"' };

for (const database of DATABASES) {
  describe(`teams [${database.name}]`, () => {
    let s: TestServer;
    before(async () => {
      s = await startRelationshipServer(database);
    });
    after(async () => {
      await s.close();
    });

    it('declares the abstract principal (key ownerid) that systemuser derives from, and types ownerid as it', async () => {
      const doc = await parseStringPromise((await call('GET', `${s.root}$metadata`)).text);
      const schema = doc['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
      const types = Object.fromEntries(schema.EntityType.map((t: any) => [t.$.Name, t]));
      expect(types['principal'].$).to.deep.equal({ Name: 'principal', BaseType: 'mscrm.crmbaseentity', Abstract: 'true' });
      expect(types['principal'].Key[0].PropertyRef[0].$.Name).to.equal('ownerid');
      expect(types['principal'].Property.map((p: any) => p.$)).to.deep.equal([{ Name: 'ownerid', Type: 'Edm.Guid' }]);
      expect(types['systemuser'].$.BaseType).to.equal('mscrm.principal');
      expect(types['systemuser'].Key, 'a derived type inherits its key').to.equal(undefined);
      const owner = types['account'].NavigationProperty.find((n: any) => n.$.Name === 'ownerid');
      expect(owner.$).to.deep.equal({ Name: 'ownerid', Type: 'mscrm.principal', Partner: 'owner_account' });
      expect(owner.ReferentialConstraint[0].$).to.deep.equal({ Property: '_ownerid_value', ReferencedProperty: 'ownerid' });
    });

    it('answers users with ownerid beside systemuserid, retrieved or expanded', async () => {
      const me = (await call('GET', `${s.root}WhoAmI()`)).json.UserId as string;
      const user = await call('GET', `${s.root}systemusers(${me})?$select=fullname`);
      expect(user.json).to.include({ systemuserid: me, ownerid: me });
      const account = (await createRow(s, 'accounts', { name: 'Owned by me' })).accountid as string;
      const expanded = await call('GET', `${s.root}accounts(${account})?$select=name&$expand=createdby($select=fullname)`);
      expect(expanded.json.createdby).to.include({ systemuserid: me, ownerid: me });
    });

    it('serves ownerid, the key users and teams inherit from principal, in $select and $filter', async () => {
      const me = (await call('GET', `${s.root}WhoAmI()`)).json.UserId as string;
      const users = await call('GET', `${s.root}systemusers?$select=ownerid&$filter=ownerid eq ${me}`);
      expect(users.status, users.text).to.equal(200);
      expect(users.json.value).to.have.length(1);
      expect(users.json.value[0]).to.include({ systemuserid: me, ownerid: me });
      const team = (await createRow(s, 'teams', { name: 'Keyed by ownerid' })).teamid as string;
      const teams = await call('GET', `${s.root}teams?$select=ownerid,name&$filter=ownerid eq ${team}`);
      expect(teams.status, teams.text).to.equal(200);
      expect(teams.json.value.map((t: { ownerid: string }) => t.ownerid)).to.deep.equal([team]);
      expect((await call('GET', `${s.root}accounts?$select=ownerid`)).status, 'not on other tables').to.equal(400);
    });

    it("keeps the root business unit's default team: named as the unit, an owner team, not deletable", async () => {
      const unit = (await call('GET', `${s.root}WhoAmI()`)).json.BusinessUnitId as string;
      const unitName = (await call('GET', `${s.root}businessunits(${unit})?$select=name`)).json.name;
      const defaults = await call('GET', `${s.root}teams?$filter=isdefault eq true&$select=name,teamtype,isdefault,_businessunitid_value`, undefined, ALL);
      expect(defaults.status, defaults.text).to.equal(200);
      expect(defaults.json.value).to.have.length(1);
      const [team] = defaults.json.value;
      expect(team).to.include({ name: unitName, teamtype: 0, 'teamtype@OData.Community.Display.V1.FormattedValue': 'Owner', isdefault: true, _businessunitid_value: unit });
      const refused = await call('DELETE', `${s.root}teams(${team.teamid})`);
      expect(refused.status, refused.text).to.equal(400);
      expect(refused.json.error).to.deep.equal({ code: '0x80048307', message: `The default business unit team can't be deleted (TeamId = ${team.teamid}).` });
      // isdefault is the service's: a body's value is ignored, as Dataverse ignores read-only columns.
      const other = await createRow(s, 'teams', { name: 'Not default', isdefault: true });
      expect((await call('GET', `${s.root}teams(${other.teamid})?$select=isdefault,_businessunitid_value`)).json).to.include({ isdefault: false, _businessunitid_value: unit });
      expect((await call('DELETE', `${s.root}teams(${other.teamid})`)).status).to.equal(204);
      const privileges = await call('GET', `${s.root}privileges?$filter=startswith(name,'prv') and endswith(name,'Team')&$select=name&$orderby=name`);
      expect(privileges.json.value.map((p: { name: string }) => p.name)).to.include.members(['prvCreateTeam', 'prvReadTeam', 'prvWriteTeam', 'prvDeleteTeam', 'prvAppendTeam', 'prvAppendToTeam']);
    });

    it('a team created without teamtype is an owner team (teamtype DefaultFormValue 0, as Dataverse)', async () => {
      const created = await call('POST', `${s.root}teams?$select=teamtype`, { name: 'Typeless' }, { Prefer: 'return=representation' });
      expect(created.status, created.text).to.equal(201);
      expect(created.json.teamtype).to.equal(0);
      const definition = await call('GET', `${s.root}EntityDefinitions(LogicalName='team')/Attributes(LogicalName='teamtype')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=DefaultFormValue`);
      expect(definition.json.DefaultFormValue).to.equal(0);
      const access = await call('POST', `${s.root}teams?$select=teamtype`, { name: 'Typed', teamtype: 2 }, { Prefer: 'return=representation' });
      expect(access.json.teamtype).to.equal(2);
    });

    it('refuses an access team as an owner or a holder of roles (access teams own no records and hold no roles)', async () => {
      const access = (await createRow(s, 'teams', { name: 'Access only', teamtype: 1 })).teamid as string;
      const refused = await call('POST', `${s.root}accounts`, { name: 'Access owned', 'ownerid@odata.bind': `/teams(${access})` });
      expect(refused.status, refused.text).to.equal(400);
      expect(refused.json.error.code).to.equal('0x80040203');
      expect(refused.json.error.message).to.contain('access team');
      const account = (await createRow(s, 'accounts', { name: 'Not to access' })).accountid as string;
      expect((await call('PATCH', `${s.root}accounts(${account})`, { 'ownerid@odata.bind': `/teams(${access})` })).status).to.equal(400);
      expect((await call('PUT', `${s.root}accounts(${account})/ownerid/$ref`, { '@odata.id': `${s.root}teams(${access})` })).status).to.equal(400);
      const role = (await call('GET', `${s.root}roles?$select=roleid&$filter=name eq 'System Administrator'`)).json.value[0].roleid as string;
      const linked = await call('POST', `${s.root}teams(${access})/teamroles_association/$ref`, { '@odata.id': `${s.root}roles(${role})` });
      expect(linked.status, linked.text).to.equal(400);
      expect(linked.json.error.code).to.equal('0x80040203');
      expect((await call('GET', `${s.root}teams(${access})/teamroles_association`)).json.value).to.deep.equal([]);
    });

    it('makes every user a member of the default team, whose members no client changes', async () => {
      const team = (await call('GET', `${s.root}teams?$filter=isdefault eq true&$select=teamid`)).json.value[0].teamid as string;
      const me = (await call('GET', `${s.root}WhoAmI()`)).json.UserId as string;
      const user = (await createRow(s, 'systemusers', { fullname: 'Member by default' })).systemuserid as string;
      const teams = await call('GET', `${s.root}systemusers(${user})/teammembership_association?$select=name`);
      expect(teams.status, teams.text).to.equal(200);
      expect(teams.json.value.map((t: { teamid: string }) => t.teamid)).to.deep.equal([team]);
      const members = await call('GET', `${s.root}teams(${team})/teammembership_association?$select=fullname`);
      expect(members.json.value.map((u: { systemuserid: string }) => u.systemuserid)).to.include.members([me, user]);
      const removed = await call('DELETE', `${s.root}teams(${team})/teammembership_association(${user})/$ref`);
      expect(removed.status, removed.text).to.equal(400);
      expect(removed.json.error).to.deep.equal({ code: '0x8004830C', message: `Can't remove members from the default business unit team (TeamId = ${team}).` });
      const other = (await createRow(s, 'systemusers', { fullname: 'Other user' })).systemuserid as string;
      expect((await call('DELETE', `${s.root}systemusers(${other})/teammembership_association(${team})/$ref`)).json.error.code).to.equal('0x8004830C');
      const action = await call('POST', `${s.root}teams(${team})/Microsoft.Dynamics.CRM.AddMembersTeam`, { Members: [{ systemuserid: other }] });
      expect(action.status, action.text).to.equal(400);
      expect(action.json.error).to.deep.equal({ code: '0x8004830B', message: `Can't add members to the default business unit team (TeamId = ${team}).` });
      expect((await call('POST', `${s.root}teams(${team})/Microsoft.Dynamics.CRM.RemoveMembersTeam`, { Members: [{ systemuserid: other }] })).json.error.code).to.equal('0x8004830C');
    });

    it('links users and teams through teammembership_association $ref, both ways', async () => {
      const sales = (await createRow(s, 'teams', { name: 'Sales' })).teamid as string;
      const ann = (await createRow(s, 'systemusers', { fullname: 'Ann Sales' })).systemuserid as string;
      const bob = (await createRow(s, 'systemusers', { fullname: 'Bob Sales' })).systemuserid as string;
      expect((await call('POST', `${s.root}teams(${sales})/teammembership_association/$ref`, { '@odata.id': `${s.root}systemusers(${ann})` })).status).to.equal(204);
      expect((await call('POST', `${s.root}systemusers(${bob})/teammembership_association/$ref`, { '@odata.id': `${s.root}teams(${sales})` })).status).to.equal(204);
      const members = await call('GET', `${s.root}teams(${sales})/teammembership_association?$select=fullname&$orderby=fullname`);
      expect(members.json.value.map((u: { fullname: string }) => u.fullname)).to.deep.equal(['Ann Sales', 'Bob Sales']);
      expect((await call('DELETE', `${s.root}systemusers(${ann})/teammembership_association(${sales})/$ref`)).status).to.equal(204);
      const left = await call('GET', `${s.root}teams(${sales})?$select=name&$expand=teammembership_association($select=fullname)`);
      expect(left.json.teammembership_association.map((u: { fullname: string }) => u.fullname)).to.deep.equal(['Bob Sales']);
    });

    it('AddMembersTeam and RemoveMembersTeam change a team\'s members, all or nothing', async () => {
      const doc = await parseStringPromise((await call('GET', `${s.root}$metadata`)).text);
      const actions = Object.fromEntries(doc['edmx:Edmx']['edmx:DataServices'][0].Schema[0].Action.map((a: any) => [a.$.Name, a]));
      for (const name of ['AddMembersTeam', 'RemoveMembersTeam']) {
        expect(actions[name].$).to.deep.equal({ Name: name, IsBound: 'true' });
        expect(actions[name].Parameter.map((p: any) => p.$)).to.deep.equal([
          { Name: 'entity', Type: 'mscrm.team', Nullable: 'false' },
          { Name: 'Members', Type: 'Collection(mscrm.systemuser)', Nullable: 'false' },
        ]);
        expect(actions[name].ReturnType).to.equal(undefined);
      }
      const team = (await createRow(s, 'teams', { name: 'Support' })).teamid as string;
      const [ann, bob] = await Promise.all(['Ann Support', 'Bob Support'].map(async (fullname) => (await createRow(s, 'systemusers', { fullname })).systemuserid as string));
      const add = (body: unknown) => call('POST', `${s.root}teams(${team})/Microsoft.Dynamics.CRM.AddMembersTeam`, body);
      const names = async () => (await call('GET', `${s.root}teams(${team})/teammembership_association?$select=fullname&$orderby=fullname`)).json.value.map((u: { fullname: string }) => u.fullname);
      const type = 'Microsoft.Dynamics.CRM.systemuser';
      expect((await add({ Members: [{ '@odata.type': type, systemuserid: ann }, { '@odata.type': type, systemuserid: bob }] })).status).to.equal(204);
      expect((await add({ Members: [{ systemuserid: ann }] })).status, 'a member already is left as is').to.equal(204);
      expect(await names()).to.deep.equal(['Ann Support', 'Bob Support']);
      const missing = '0a1b2c3d-0000-4000-8000-0000000ee001';
      const unknown = await call('POST', `${s.root}teams(${team})/Microsoft.Dynamics.CRM.RemoveMembersTeam`, { Members: [{ systemuserid: ann }, { systemuserid: missing }] });
      expect(unknown.status, unknown.text).to.equal(404);
      expect(await names(), 'nothing removed').to.deep.equal(['Ann Support', 'Bob Support']);
      expect((await call('POST', `${s.root}teams(${team})/Microsoft.Dynamics.CRM.RemoveMembersTeam`, { Members: [{ systemuserid: ann }] })).status).to.equal(204);
      expect(await names()).to.deep.equal(['Bob Support']);
      expect((await add({ Members: [{ fullname: 'no id' }] })).status).to.equal(400);
      expect((await add({})).status, 'Members is required').to.equal(400);
      expect((await call('POST', `${s.root}teams(${missing})/Microsoft.Dynamics.CRM.AddMembersTeam`, { Members: [{ systemuserid: ann }] })).status).to.equal(404);
    });

    it('assigns rows to a team with ownerid@odata.bind on create, update and upsert, and back to a user', async () => {
      const me = (await call('GET', `${s.root}WhoAmI()`)).json.UserId as string;
      const team = (await createRow(s, 'teams', { name: 'Owners' })).teamid as string;
      const owner = async (id: string) => (await call('GET', `${s.root}accounts(${id})?$select=_ownerid_value,_owninguser_value,_owningteam_value`, undefined, ALL)).json;
      const created = await call('POST', `${s.root}accounts`, { name: 'Team owned', 'ownerid@odata.bind': `/teams(${team})` });
      expect(created.status, created.text).to.equal(204);
      const id = /accounts\((.*)\)/.exec(created.headers.get('odata-entityid')!)![1]!;
      expect(await owner(id)).to.deep.include({
        _ownerid_value: team, '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'team', '_ownerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty': 'ownerid',
        '_ownerid_value@OData.Community.Display.V1.FormattedValue': 'Owners', _owninguser_value: null, _owningteam_value: team,
      });
      expect((await call('PATCH', `${s.root}accounts(${id})`, { 'ownerid@odata.bind': `/systemusers(${me})` })).status).to.equal(204);
      expect(await owner(id)).to.deep.include({ _ownerid_value: me, '_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser', _owninguser_value: me, _owningteam_value: null });
      expect((await call('PATCH', `${s.root}accounts(${id})`, { 'ownerid@odata.bind': `teams(${team})` })).status).to.equal(204);
      expect(await owner(id)).to.deep.include({ _ownerid_value: team, _owninguser_value: null, _owningteam_value: team });
      const upserted = '0a1b2c3d-0000-4000-8000-0000000ee101';
      expect((await call('PATCH', `${s.root}accounts(${upserted})`, { name: 'Upserted', 'ownerid@odata.bind': `/teams(${team})` })).status).to.equal(204);
      expect(await owner(upserted)).to.deep.include({ _ownerid_value: team, _owningteam_value: team, _owninguser_value: null });
      const bulk = await call('POST', `${s.root}accounts/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [{ '@odata.type': 'Microsoft.Dynamics.CRM.account', name: 'Bulk team owned', 'ownerid@odata.bind': `/teams(${team})` }] });
      expect(bulk.status, bulk.text).to.equal(200);
      expect(await owner(bulk.json.Ids[0])).to.deep.include({ _ownerid_value: team, _owningteam_value: team, _owninguser_value: null });
      // owningteam is the service's, as owninguser is: a body's value is ignored.
      const plain = await call('POST', `${s.root}accounts?$select=_ownerid_value,_owningteam_value`, { name: 'Mine', 'owningteam@odata.bind': `/teams(${team})` }, { Prefer: 'return=representation' });
      expect(plain.json).to.include({ _ownerid_value: me, _owningteam_value: null });
    });

    it('sets and reads a team or user owner through the single-valued ownerid, its $ref and the path past it', async () => {
      const me = (await call('GET', `${s.root}WhoAmI()`)).json.UserId as string;
      const team = (await createRow(s, 'teams', { name: 'Ref owners' })).teamid as string;
      const id = (await createRow(s, 'accounts', { name: 'Owner by ref' })).accountid as string;
      const put = await call('PUT', `${s.root}accounts(${id})/ownerid/$ref`, { '@odata.id': `${s.root}teams(${team})` });
      expect(put.status, put.text).to.equal(204);
      const owner = await call('GET', `${s.root}accounts(${id})/ownerid`);
      expect(owner.status, owner.text).to.equal(200);
      expect(owner.json).to.include({ teamid: team, name: 'Ref owners' });
      const ref = await call('GET', `${s.root}accounts(${id})/ownerid/$ref`);
      expect(ref.json['@odata.id']).to.equal(`${s.root}teams(${team})`);
      expect((await call('GET', `${s.root}accounts(${id})/ownerid/name`)).json.value).to.equal('Ref owners');
      expect((await call('GET', `${s.root}accounts(${id})?$select=_owningteam_value,_owninguser_value`)).json).to.include({ _owningteam_value: team, _owninguser_value: null });
      expect((await call('PUT', `${s.root}accounts(${id})/ownerid/$ref`, { '@odata.id': `${s.root}systemusers(${me})` })).status).to.equal(204);
      expect((await call('GET', `${s.root}accounts(${id})/ownerid`)).json).to.include({ systemuserid: me });
      expect((await call('GET', `${s.root}accounts(${id})/ownerid/$ref`)).json['@odata.id']).to.equal(`${s.root}systemusers(${me})`);
      expect((await call('GET', `${s.root}accounts(${id})?$select=_owningteam_value,_owninguser_value`)).json).to.include({ _owningteam_value: null, _owninguser_value: me });
    });

    it('FetchXML links, orders and names through ownerid to a user or a team, and $apply groups by the owner', async () => {
      const me = (await call('GET', `${s.root}WhoAmI()`)).json.UserId as string;
      const myName = (await call('GET', `${s.root}systemusers(${me})?$select=fullname`)).json.fullname as string;
      const team = (await createRow(s, 'teams', { name: 'Fetch owners' })).teamid as string;
      const contact = (await createRow(s, 'contacts', { fullname: 'Fetch contact', 'ownerid@odata.bind': `/teams(${team})` })).contactid as string;
      const byUser = (await createRow(s, 'accounts', { name: 'Fetch A user', 'primarycontactid@odata.bind': `/contacts(${contact})` })).accountid as string;
      const byTeam = (await createRow(s, 'accounts', { name: 'Fetch B team', 'ownerid@odata.bind': `/teams(${team})` })).accountid as string;
      const fetch = async (body: string) => {
        const xml = `<fetch><entity name="account"><attribute name="name"/><order attribute="name"/><filter><condition attribute="name" operator="like" value="Fetch %"/></filter>${body}</entity></fetch>`;
        const r = await call('GET', `${s.root}accounts?fetchXml=${encodeURIComponent(xml)}`, undefined, ALL);
        expect(r.status, r.text).to.equal(200);
        return r.json.value as Array<Record<string, unknown>>;
      };
      const users = await fetch('<link-entity name="systemuser" from="systemuserid" to="ownerid" alias="u" link-type="outer"><attribute name="fullname"/><order attribute="fullname"/></link-entity>');
      expect(users.map((r) => [r['accountid'], r['u_x002e_fullname']])).to.deep.equal([[byUser, myName], [byTeam, undefined]]);
      const ordered = await fetch('<link-entity name="systemuser" from="systemuserid" to="ownerid" alias="u"><attribute name="fullname"/></link-entity><order entityname="u" attribute="fullname"/>');
      expect(ordered.map((r) => r['accountid'])).to.deep.equal([byUser]);
      const teams = await fetch('<link-entity name="team" from="teamid" to="ownerid" alias="t"><attribute name="name"/><order attribute="name"/></link-entity>');
      expect(teams.map((r) => [r['accountid'], r['t_x002e_name']])).to.deep.equal([[byTeam, 'Fetch owners']]);
      const mineContact = (await createRow(s, 'contacts', { fullname: 'Fetch my contact' })).contactid as string;
      await createRow(s, 'accounts', { name: 'Fetch C user', 'primarycontactid@odata.bind': `/contacts(${mineContact})` });
      const owners = await fetch('<link-entity name="contact" from="contactid" to="primarycontactid" alias="c"><attribute name="ownerid"/><order attribute="ownerid"/></link-entity>');
      expect(owners).to.have.length(2);
      expect(owners[0]).to.include({ 'c_x002e_ownerid': team, 'c_x002e_ownerid@OData.Community.Display.V1.FormattedValue': 'Fetch owners', 'c_x002e_ownerid@Microsoft.Dynamics.CRM.lookuplogicalname': 'team' });
      expect(owners[1]).to.include({ 'c_x002e_ownerid': me, 'c_x002e_ownerid@OData.Community.Display.V1.FormattedValue': myName, 'c_x002e_ownerid@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser' });
      const grouped = await call('GET', `${s.root}accounts?$apply=filter(startswith(name,'Fetch '))/groupby((ownerid/fullname))`);
      expect(grouped.status, grouped.text).to.equal(200);
      expect(grouped.json.value.map((g: { systemuser_fullname?: string }) => g.systemuser_fullname ?? null)).to.have.members([null, myName]);
      const byOwner = await call('GET', `${s.root}accounts?$apply=filter(startswith(name,'Fetch '))/groupby((_ownerid_value))`, undefined, ALL);
      expect(byOwner.status, byOwner.text).to.equal(200);
      const names = Object.fromEntries(byOwner.json.value.map((g: Record<string, string>) => [g['_ownerid_value'], g['_ownerid_value@OData.Community.Display.V1.FormattedValue']]));
      expect(names).to.deep.equal({ [me]: myName, [team]: 'Fetch owners' });
    });

    it('refuses deleting a team that owns rows, as a user that owns rows (owner_<table> restricts deletes)', async () => {
      const team = (await createRow(s, 'teams', { name: 'Owning team' })).teamid as string;
      const account = (await createRow(s, 'accounts', { name: 'Keeps its team', 'ownerid@odata.bind': `/teams(${team})` })).accountid as string;
      const refused = await call('DELETE', `${s.root}teams(${team})`);
      expect(refused.status, refused.text).to.equal(405);
      expect(refused.json.error.code).to.equal('0x80040227');
      expect((await call('GET', `${s.root}accounts(${account})?$select=_ownerid_value`)).json._ownerid_value).to.equal(team);
      const me = (await call('GET', `${s.root}WhoAmI()`)).json.UserId as string;
      expect((await call('PATCH', `${s.root}accounts(${account})`, { 'ownerid@odata.bind': `/systemusers(${me})` })).status).to.equal(204);
      expect((await call('DELETE', `${s.root}teams(${team})`)).status).to.equal(204);
    });

    it('users made by CreateMultiple, upsert and UpsertMultiple join the default team', async () => {
      const team = (await call('GET', `${s.root}teams?$filter=isdefault eq true&$select=teamid`)).json.value[0].teamid as string;
      const teamsOf = async (user: string) => (await call('GET', `${s.root}systemusers(${user})/teammembership_association?$select=name`)).json.value.map((t: { teamid: string }) => t.teamid);
      const bulk = await call('POST', `${s.root}systemusers/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [{ '@odata.type': 'Microsoft.Dynamics.CRM.systemuser', fullname: 'Bulk user 1' }, { '@odata.type': 'Microsoft.Dynamics.CRM.systemuser', fullname: 'Bulk user 2' }] });
      expect(bulk.status, bulk.text).to.equal(200);
      for (const id of bulk.json.Ids) expect(await teamsOf(id)).to.deep.equal([team]);
      const upserted = '0a1b2c3d-0000-4000-8000-0000000ee301';
      expect((await call('PATCH', `${s.root}systemusers(${upserted})`, { fullname: 'Upserted user' })).status).to.equal(204);
      expect(await teamsOf(upserted)).to.deep.equal([team]);
      const many = '0a1b2c3d-0000-4000-8000-0000000ee302';
      const r = await call('POST', `${s.root}systemusers/Microsoft.Dynamics.CRM.UpsertMultiple`, { Targets: [{ '@odata.type': 'Microsoft.Dynamics.CRM.systemuser', systemuserid: many, fullname: 'UpsertMultiple user' }] });
      expect(r.status, r.text).to.be.oneOf([200, 204]);
      expect(await teamsOf(many)).to.deep.equal([team]);
    });

    it("counts an $expand nested under ownerid once against the 15 expansions, not once per principal", async () => {
      const account = (await createRow(s, 'accounts', { name: 'Deep owner' })).accountid as string;
      let nested = 'createdby($select=fullname)';
      for (let i = 0; i < 7; i++) nested = `createdby($select=fullname;$expand=${nested})`;
      // ownerid and 8 nested expansions: 9, within the limit (counted per principal it was 17).
      const r = await call('GET', `${s.root}accounts(${account})?$select=name&$expand=ownerid($select=ownerid;$expand=${nested})`);
      expect(r.status, r.text).to.equal(200);
      expect(r.json.ownerid.createdby.fullname).to.be.a('string');
    });

    it('refuses a bind to a team that does not exist, or to another table, as for other lookups', async () => {
      const missing = '0a1b2c3d-0000-4000-8000-0000000ee201';
      const r = await call('POST', `${s.root}accounts`, { name: 'Nobody', 'ownerid@odata.bind': `/teams(${missing})` });
      expect(r.status, r.text).to.equal(404);
      expect(r.json.error.code).to.equal('0x80040217');
      const wrong = await call('POST', `${s.root}accounts`, { name: 'Nobody', 'ownerid@odata.bind': `/roles(${missing})` });
      expect(wrong.status, wrong.text).to.equal(400);
      expect((await call('GET', `${s.root}accounts?$filter=name eq 'Nobody'&$select=name`)).json.value).to.deep.equal([]);
    });

    it('filters on _ownerid_value, expands ownerid and owningteam, and lists team_<table> on the team', async () => {
      const team = (await createRow(s, 'teams', { name: 'Readers' })).teamid as string;
      const me = (await call('GET', `${s.root}WhoAmI()`)).json.UserId as string;
      const teamOwned = (await createRow(s, 'accounts', { name: 'Read by team', 'ownerid@odata.bind': `/teams(${team})` })).accountid as string;
      const userOwned = (await createRow(s, 'accounts', { name: 'Read by user' })).accountid as string;
      const filtered = await call('GET', `${s.root}accounts?$select=name&$filter=_ownerid_value eq ${team}`);
      expect(filtered.json.value.map((a: { accountid: string }) => a.accountid)).to.deep.equal([teamOwned]);
      const both = await call('GET', `${s.root}accounts?$select=name&$filter=accountid eq ${teamOwned} or accountid eq ${userOwned}&$orderby=name&$expand=ownerid,owningteam($select=name)`);
      expect(both.status, both.text).to.equal(200);
      const [byTeam, byUser] = both.json.value;
      expect(byTeam.ownerid).to.deep.include({ '@odata.type': '#Microsoft.Dynamics.CRM.team', teamid: team, ownerid: team, name: 'Readers' });
      expect(byTeam.owningteam).to.deep.include({ teamid: team, name: 'Readers' });
      expect(byUser.ownerid).to.deep.include({ '@odata.type': '#Microsoft.Dynamics.CRM.systemuser', systemuserid: me, ownerid: me });
      expect(byUser.owningteam).to.equal(null);
      const keyOnly = await call('GET', `${s.root}accounts(${teamOwned})?$select=name&$expand=ownerid($select=ownerid)`);
      expect(keyOnly.status, keyOnly.text).to.equal(200);
      expect(keyOnly.json.ownerid).to.deep.include({ '@odata.type': '#Microsoft.Dynamics.CRM.team', teamid: team, ownerid: team });
      expect(keyOnly.json['@odata.context']).to.equal(`${s.root}$metadata#accounts(name,ownerid(ownerid))/$entity`);
      expect((await call('GET', `${s.root}accounts(${teamOwned})?$expand=ownerid($select=fullname)`)).status, 'principal has ownerid alone').to.equal(400);
      // Nested: a contact's team-owned parent account, and the contact's own (user) owner.
      const contact = (await createRow(s, 'contacts', { fullname: 'Nested owner', 'ownerid@odata.bind': `/teams(${team})`, 'parentcustomerid_account@odata.bind': `/accounts(${userOwned})` })).contactid as string;
      const nested = await call('GET', `${s.root}contacts(${contact})?$select=fullname&$expand=parentcustomerid_account($select=name;$expand=ownerid($select=ownerid),owningteam($select=name)),ownerid($select=ownerid)`);
      expect(nested.status, nested.text).to.equal(200);
      expect(nested.json.ownerid).to.deep.include({ '@odata.type': '#Microsoft.Dynamics.CRM.team', ownerid: team });
      expect(nested.json.parentcustomerid_account.ownerid).to.deep.include({ '@odata.type': '#Microsoft.Dynamics.CRM.systemuser', ownerid: me, systemuserid: me });
      expect(nested.json.parentcustomerid_account.owningteam).to.equal(null);
      const owned = await call('GET', `${s.root}teams(${team})/team_account?$select=name`);
      expect(owned.status, owned.text).to.equal(200);
      expect(owned.json.value.map((a: { name: string }) => a.name)).to.deep.equal(['Read by team']);
      const definition = await call('GET', `${s.root}EntityDefinitions(LogicalName='account')/Attributes(LogicalName='ownerid')/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=Targets`);
      expect(definition.json.Targets).to.deep.equal(['systemuser', 'team']);
      const doc = await parseStringPromise((await call('GET', `${s.root}$metadata`)).text);
      const types = Object.fromEntries(doc['edmx:Edmx']['edmx:DataServices'][0].Schema[0].EntityType.map((t: any) => [t.$.Name, t]));
      expect(types['team'].$.BaseType).to.equal('mscrm.principal');
      const accountNav = Object.fromEntries(types['account'].NavigationProperty.map((n: any) => [n.$.Name, n.$]));
      expect(accountNav['owningteam']).to.deep.equal({ Name: 'owningteam', Type: 'mscrm.team', Partner: 'team_account' });
      expect(accountNav).to.not.have.property('ownerid_team');
      expect(types['team'].NavigationProperty.map((n: any) => n.$.Name)).to.include.members(['team_account', 'teammembership_association', 'teamroles_association']);
      // owner_<table> is principal's (Dataverse principal EntityType), inherited by users and teams, partner of ownerid.
      for (const derived of ['team', 'systemuser']) expect(types[derived].NavigationProperty.map((n: any) => n.$.Name)).to.not.include('owner_account');
      expect(types['principal'].NavigationProperty.map((n: any) => n.$)).to.deep.include({ Name: 'owner_account', Type: 'Collection(mscrm.account)', Partner: 'ownerid' });
      // Its relationship references Dataverse's Owner table, not users or teams.
      const relationship = (await call('GET', `${s.root}RelationshipDefinitions?$filter=SchemaName eq 'owner_account'`)).json.value[0];
      expect(relationship).to.include({ ReferencedEntity: 'owner', ReferencedAttribute: 'ownerid', ReferencingEntity: 'account', ReferencingAttribute: 'ownerid', ReferencedEntityNavigationPropertyName: 'owner_account' });
      for (const table of ['systemuser', 'team']) {
        const listed = await call('GET', `${s.root}EntityDefinitions(LogicalName='${table}')/OneToManyRelationships?$select=SchemaName`);
        expect(listed.json.value.map((r: { SchemaName: string }) => r.SchemaName)).to.not.include('owner_account');
      }
      const manyToOne = await call('GET', `${s.root}EntityDefinitions(LogicalName='account')/ManyToOneRelationships?$select=SchemaName,ReferencedEntity&$filter=SchemaName eq 'owner_account'`);
      expect(manyToOne.json.value.map((r: { ReferencedEntity: string }) => r.ReferencedEntity)).to.deep.equal(['owner']);
    });
  });
}

describe('a model without the team table', () => {
  for (const database of DATABASES) {
    it(`loads and serves, owners being users alone [${database.name}]`, async () => {
      // A deployment's own folder made before teams: no team.json, and role.json without teamroles
      // (nor the field security tables, which came later and link profiles to teams).
      const dir = relationshipMetadata();
      for (const file of ['team.json', 'fieldsecurityprofile.json', 'fieldpermission.json']) rmSync(join(dir, file));
      const role = JSON.parse(readFileSync(join(dir, 'role.json'), 'utf8'));
      role.ManyToManyRelationships = role.ManyToManyRelationships.filter((r: { SchemaName: string }) => r.SchemaName !== 'teamroles_association');
      writeFileSync(join(dir, 'role.json'), JSON.stringify(role));
      const s = await startServer(dir, database);
      try {
        const me = (await call('GET', `${s.root}WhoAmI()`)).json.UserId as string;
        const account = (await createRow(s, 'accounts', { name: 'No teams' })).accountid as string;
        const read = await call('GET', `${s.root}accounts(${account})?$select=name,_ownerid_value&$expand=ownerid($select=fullname)`);
        expect(read.status, read.text).to.equal(200);
        expect(read.json).to.include({ _ownerid_value: me });
        expect(read.json.ownerid).to.include({ systemuserid: me });
        const targets = await call('GET', `${s.root}EntityDefinitions(LogicalName='account')/Attributes(LogicalName='ownerid')/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=Targets`);
        expect(targets.json.Targets).to.deep.equal(['systemuser']);
        expect((await call('GET', `${s.root}EntityDefinitions(LogicalName='account')/Attributes(LogicalName='owningteam')`)).status).to.equal(404);
        const csdl = await call('GET', `${s.root}$metadata`);
        expect(csdl.status).to.equal(200);
        // No operation bound to the missing table: its binding parameter would name an undeclared type.
        expect(csdl.text).to.not.include('AddMembersTeam');
        expect(csdl.text).to.not.include('mscrm.team"');
        expect((await call('GET', `${s.root}teams`)).status).to.equal(404);
      } finally {
        await s.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
