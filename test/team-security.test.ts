import { expect } from 'chai';
import { startRelationshipServer } from './support/relationship-metadata.js';
import { asUser, makeRole, makeUser } from './support/principals.js';
import { call, createRow, DATABASES, type TestServer } from './support/server.js';

/**
 * Teams under the caller's privileges (Dataverse "Manage teams", "AddMembersTeam message
 * privileges", "How access to a record is determined"): changing a team's members takes
 * prvWriteTeam on every path, and a new member gets the team's roles, which takes what giving
 * those roles takes (prvAssignRole; only a System Administrator gives System Administrator);
 * Basic depth reaches the rows the user's teams own, and no others. Requests run as restricted
 * users through MSCRMCallerID.
 */
for (const database of DATABASES) {
  describe(`teams under the caller's privileges [${database.name}]`, () => {
    let s: TestServer;
    let admin: string;
    before(async () => {
      s = await startRelationshipServer(database);
      admin = (await call('GET', `${s.root}roles?$select=roleid&$filter=name eq 'System Administrator'`)).json.value[0].roleid as string;
    });
    after(async () => {
      await s.close();
    });

    /** A new team (made by the system user) holding the roles given. */
    const team = async (name: string, ...roles: string[]): Promise<string> => {
      const id = (await createRow(s, 'teams', { name })).teamid as string;
      for (const role of roles) {
        const r = await call('POST', `${s.root}teams(${id})/teamroles_association/$ref`, { '@odata.id': `${s.root}roles(${role})` });
        expect(r.status, r.text).to.equal(204);
      }
      return id;
    };
    const join$ref = (teamId: string, userId: string, as: string) => call('POST', `${s.root}teams(${teamId})/teammembership_association/$ref`, { '@odata.id': `${s.root}systemusers(${userId})` }, asUser(as));
    const joinAction = (teamId: string, userId: string, as: string) => call('POST', `${s.root}teams(${teamId})/Microsoft.Dynamics.CRM.AddMembersTeam`, { Members: [{ systemuserid: userId }] }, asUser(as));
    const members = async (teamId: string) => (await call('GET', `${s.root}teams(${teamId})/teammembership_association?$select=fullname`)).json.value.map((u: { systemuserid: string }) => u.systemuserid);
    const teamWriter = { prvReadTeam: 'Global', prvWriteTeam: 'Global', prvReadUser: 'Global' };

    it("refuses joining a team holding System Administrator to anyone but a System Administrator, by $ref or AddMembersTeam", async () => {
      const admins = await team('Admins by team', admin);
      const mallory = await makeUser(s, 'Mallory', await makeRole(s, 'Team writer and role assigner', { ...teamWriter, prvAssignRole: 'Global' }));
      for (const join of [join$ref, joinAction]) {
        const r = await join(admins, mallory, mallory);
        expect(r.status, r.text).to.equal(403);
        expect(r.json.error.message).to.contain('only a System Administrator can');
      }
      const other = await makeUser(s, 'Other joiner');
      expect((await call('POST', `${s.root}systemusers(${other})/teammembership_association/$ref`, { '@odata.id': `${s.root}teams(${admins})` }, asUser(mallory))).status).to.equal(403);
      expect(await members(admins)).to.deep.equal([]);
      // Mallory holds no System Administrator role through the team: still refused elsewhere.
      expect((await call('GET', `${s.root}roles?$select=name`, undefined, asUser(mallory))).status).to.equal(403);
    });

    it('joining a team with roles takes prvAssignRole, by $ref either way or AddMembersTeam; without roles prvWriteTeam alone', async () => {
      const readers = await makeRole(s, 'Account readers', { prvReadaccount: 'Global' });
      const withRole = await team('Team with a role', readers);
      const without = await team('Team without roles');
      const writer = await makeUser(s, 'Walter', await makeRole(s, 'Team writer', teamWriter));
      for (const join of [join$ref, joinAction]) {
        const r = await join(withRole, writer, writer);
        expect(r.status, r.text).to.equal(403);
        expect(r.json.error.code).to.equal('0x80040220');
        expect(r.json.error.message).to.contain('prvAssignRole');
      }
      const fromUser = await call('POST', `${s.root}systemusers(${writer})/teammembership_association/$ref`, { '@odata.id': `${s.root}teams(${withRole})` }, asUser(writer));
      expect(fromUser.status, fromUser.text).to.equal(403);
      expect((await call('GET', `${s.root}accounts?$select=name`, undefined, asUser(writer))).status, 'no account reader through the team').to.equal(403);
      expect((await join$ref(without, writer, writer)).status).to.equal(204);
      const assigner = await makeUser(s, 'Alice', await makeRole(s, 'Team writer and assigner', { ...teamWriter, prvAssignRole: 'Global' }));
      expect((await join$ref(withRole, assigner, assigner)).status).to.equal(204);
      const bob = await makeUser(s, 'Bob');
      expect((await joinAction(withRole, bob, assigner)).status).to.equal(204);
      expect(await members(withRole)).to.have.members([assigner, bob]);
      expect((await call('GET', `${s.root}accounts?$select=name`, undefined, asUser(bob))).status, 'Bob reads accounts through the team').to.equal(200);
    });

    it('linking a role to a team follows the role-assignment rules', async () => {
      const readers = await makeRole(s, 'Team role', { prvReadaccount: 'Global' });
      const target = await team('Team getting roles');
      const linker = { prvReadTeam: 'Global', prvAppendToTeam: 'Global', prvAppendToRole: 'Global', prvReadRole: 'Global' };
      const plain = await makeUser(s, 'Plain linker', await makeRole(s, 'Linker', linker));
      const link = (role: string, as: string) => call('POST', `${s.root}teams(${target})/teamroles_association/$ref`, { '@odata.id': `${s.root}roles(${role})` }, asUser(as));
      const refused = await link(readers, plain);
      expect(refused.status, refused.text).to.equal(403);
      expect(refused.json.error.message).to.contain('prvAssignRole');
      const assigner = await makeUser(s, 'Role linker', await makeRole(s, 'Linker and assigner', { ...linker, prvAssignRole: 'Global' }));
      const sysadmin = await link(admin, assigner);
      expect(sysadmin.status, sysadmin.text).to.equal(403);
      expect(sysadmin.json.error.message).to.contain('only a System Administrator can');
      expect((await link(readers, assigner)).status).to.equal(204);
    });

    it('changing members takes prvWriteTeam, by AddMembersTeam, RemoveMembersTeam or $ref', async () => {
      const target = await team('Guarded members');
      const user = await makeUser(s, 'Member to be');
      const appender = await makeUser(s, 'Appender', await makeRole(s, 'Appender', { prvReadTeam: 'Global', prvReadUser: 'Global', prvAppendToTeam: 'Global', prvAppendToUser: 'Global' }));
      for (const name of ['AddMembersTeam', 'RemoveMembersTeam']) {
        const r = await call('POST', `${s.root}teams(${target})/Microsoft.Dynamics.CRM.${name}`, { Members: [{ systemuserid: user }] }, asUser(appender));
        expect(r.status, `${name}: ${r.text}`).to.equal(403);
        expect(r.json.error.message).to.contain('prvWriteTeam');
      }
      const byRef = await join$ref(target, user, appender);
      expect(byRef.status, byRef.text).to.equal(403);
      expect(byRef.json.error.message).to.contain('prvWriteTeam');
      expect((await join$ref(target, user, (await makeUser(s, 'System joins')))).status).to.equal(403);
      expect((await call('POST', `${s.root}teams(${target})/teammembership_association/$ref`, { '@odata.id': `${s.root}systemusers(${user})` })).status).to.equal(204);
      const leave = await call('DELETE', `${s.root}teams(${target})/teammembership_association(${user})/$ref`, undefined, asUser(appender));
      expect(leave.status, leave.text).to.equal(403);
      expect(leave.json.error.message).to.contain('prvWriteTeam');
      expect(await members(target)).to.deep.equal([user]);
    });

    it("a Basic member reaches the rows its team owns, not another team's, and RetrievePrincipalAccess says so", async () => {
      const basic = await makeRole(s, 'Basic accounts', { prvReadaccount: 'Basic', prvWriteaccount: 'Basic' });
      const member = await makeUser(s, 'Basic member', basic);
      const mine = await team('Member team');
      const other = await team('Other team');
      expect((await call('POST', `${s.root}teams(${mine})/teammembership_association/$ref`, { '@odata.id': `${s.root}systemusers(${member})` })).status).to.equal(204);
      const ours = (await createRow(s, 'accounts', { name: 'Ours', 'ownerid@odata.bind': `/teams(${mine})` })).accountid as string;
      const theirs = (await createRow(s, 'accounts', { name: 'Theirs', 'ownerid@odata.bind': `/teams(${other})` })).accountid as string;
      const as = asUser(member);
      expect((await call('GET', `${s.root}accounts(${ours})?$select=name`, undefined, as)).status).to.equal(200);
      expect((await call('PATCH', `${s.root}accounts(${ours})`, { name: 'Ours, renamed' }, as)).status).to.equal(204);
      const read = await call('GET', `${s.root}accounts(${theirs})?$select=name`, undefined, as);
      expect(read.status, read.text).to.equal(403);
      expect(read.json.error.code).to.equal('0x80048306');
      expect((await call('PATCH', `${s.root}accounts(${theirs})`, { name: 'Taken' }, as)).status).to.equal(403);
      const listed = await call('GET', `${s.root}accounts?$select=name&$filter=accountid eq ${ours} or accountid eq ${theirs}`, undefined, as);
      expect(listed.json.value.map((a: { accountid: string }) => a.accountid)).to.deep.equal([ours]);
      const access = async (id: string) => (await call('GET', `${s.root}systemusers(${member})/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@t)?@t={'@odata.id':'accounts(${id})'}`)).json.AccessRights;
      expect(await access(ours)).to.equal('ReadAccess, WriteAccess');
      expect(await access(theirs)).to.equal('None');
    });

    it('$expand=ownerid, and an owner named by FetchXML, need no prvReadTeam: a team owner is then null', async () => {
      const reader = await makeUser(s, 'Owner reader', await makeRole(s, 'Accounts and users', { prvReadaccount: 'Global', prvReadcontact: 'Global', prvReadUser: 'Global' }));
      const owners = await team('Unreadable owners');
      const mine = (await createRow(s, 'accounts', { name: 'Expand user owner' })).accountid as string;
      const theirs = (await createRow(s, 'accounts', { name: 'Expand team owner', 'ownerid@odata.bind': `/teams(${owners})` })).accountid as string;
      const r = await call('GET', `${s.root}accounts?$select=name&$filter=accountid eq ${mine} or accountid eq ${theirs}&$orderby=name&$expand=ownerid($select=ownerid)`, undefined, asUser(reader));
      expect(r.status, r.text).to.equal(200);
      const [team1, user1] = r.json.value;
      expect(team1.ownerid).to.equal(null);
      expect(user1.ownerid).to.include({ '@odata.type': '#Microsoft.Dynamics.CRM.systemuser' });
      const contact = (await createRow(s, 'contacts', { fullname: 'Team-owned contact', 'ownerid@odata.bind': `/teams(${owners})` })).contactid as string;
      await createRow(s, 'accounts', { name: 'Expand linked contact', 'primarycontactid@odata.bind': `/contacts(${contact})` });
      const xml = '<fetch><entity name="account"><attribute name="name"/><filter><condition attribute="name" operator="eq" value="Expand linked contact"/></filter><link-entity name="contact" from="contactid" to="primarycontactid" alias="c"><attribute name="ownerid"/><order attribute="ownerid"/></link-entity></entity></fetch>';
      const fetched = await call('GET', `${s.root}accounts?fetchXml=${encodeURIComponent(xml)}`, undefined, { ...asUser(reader), Prefer: 'odata.include-annotations="*"' });
      expect(fetched.status, fetched.text).to.equal(200);
      expect(fetched.json.value[0]).to.include({ c_x002e_ownerid: owners });
      expect(fetched.json.value[0]).to.not.have.property('c_x002e_ownerid@OData.Community.Display.V1.FormattedValue');
    });

    it('GET …/ownerid and its $ref reach a team owner without prvReadUser; a user owner then answers the refusal', async () => {
      const reader = await makeUser(s, 'Team owner reader', await makeRole(s, 'Accounts and teams', { prvReadaccount: 'Global', prvReadTeam: 'Global' }));
      const owners = await team('Readable owners');
      const theirs = (await createRow(s, 'accounts', { name: 'Navigate to team owner', 'ownerid@odata.bind': `/teams(${owners})` })).accountid as string;
      const owner = await call('GET', `${s.root}accounts(${theirs})/ownerid`, undefined, asUser(reader));
      expect(owner.status, owner.text).to.equal(200);
      expect(owner.json).to.include({ teamid: owners, name: 'Readable owners' });
      const ref = await call('GET', `${s.root}accounts(${theirs})/ownerid/$ref`, undefined, asUser(reader));
      expect(ref.status, ref.text).to.equal(200);
      expect(ref.json['@odata.id']).to.contain(`teams(${owners})`);
      const mine = (await createRow(s, 'accounts', { name: 'Navigate to user owner' })).accountid as string;
      const refused = await call('GET', `${s.root}accounts(${mine})/ownerid`, undefined, asUser(reader));
      expect(refused.status, refused.text).to.equal(403);
      expect(refused.json.error.message).to.contain('prvReadUser');
    });

    it("RetrieveUserPrivileges answers team-inherited privileges at Basic, the user's own at their depth", async () => {
      const own = await makeRole(s, 'Own depths', { prvReadaccount: 'Global', prvDeleteaccount: 'Basic' });
      const teamRole = await makeRole(s, 'Team depths', { prvWriteaccount: 'Global', prvDeleteaccount: 'Global' });
      const user = await makeUser(s, 'Privileges listed', own);
      const crew = await team('Privilege team', teamRole);
      expect((await call('POST', `${s.root}teams(${crew})/teammembership_association/$ref`, { '@odata.id': `${s.root}systemusers(${user})` })).status).to.equal(204);
      const r = await call('GET', `${s.root}systemusers(${user})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`);
      expect(r.status, r.text).to.equal(200);
      const depths = Object.fromEntries(r.json.RolePrivileges.map((p: { PrivilegeName: string; Depth: string }) => [p.PrivilegeName, p.Depth]));
      expect(depths).to.include({ prvReadaccount: 'Global', prvWriteaccount: 'Basic', prvDeleteaccount: 'Basic' });
      // What the user may do still follows the team's depth (RetrievePrincipalAccess, requests).
      const other = (await createRow(s, 'accounts', { name: 'Written through the team' })).accountid as string;
      expect((await call('PATCH', `${s.root}accounts(${other})`, { name: 'Written' }, asUser(user))).status).to.equal(204);
    });

    it('reading teams and their members takes prvReadTeam', async () => {
      const reader = await makeUser(s, 'User reader', await makeRole(s, 'User reader', { prvReadUser: 'Global' }));
      for (const url of ['teams?$select=name', `systemusers(${reader})/teammembership_association?$select=name`, `systemusers(${reader})?$select=fullname&$expand=teammembership_association($select=name)`]) {
        const r = await call('GET', `${s.root}${url}`, undefined, asUser(reader));
        expect(r.status, `${url}: ${r.text}`).to.equal(403);
        expect(r.json.error.message).to.contain('prvReadTeam');
      }
    });
  });
}
