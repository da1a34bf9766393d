import { expect } from 'chai';
import { startRelationshipServer } from './support/relationship-metadata.js';
import { asUser, makeRole, makeUser } from './support/principals.js';
import { call, createRow, DATABASES, type Reply, type TestServer } from './support/server.js';

/**
 * Record sharing (Dataverse "Sharing and assigning"; Web API GrantAccess, ModifyAccess,
 * RevokeAccess, RetrieveSharedPrincipalsAndAccess; PrincipalAccess ComplexType, AccessRights
 * EnumType): a share gives a user, or every member of a team, the shared rights on one row on top
 * of what the depth of its privileges gives, on every path that reads or writes the row; a share
 * gives nothing without the privilege; sharing takes ShareAccess and the rights given; deleting the
 * row deletes its shares. Requests run as restricted users through MSCRMCallerID.
 */
for (const database of DATABASES) {
  describe(`record sharing [${database.name}]`, () => {
    let s: TestServer;
    before(async () => {
      s = await startRelationshipServer(database);
    });
    after(async () => {
      await s.close();
    });

    const user = (id: string) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.systemuser', systemuserid: id });
    const account = (id: string) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.account', accountid: id });
    const grant = (name: 'GrantAccess' | 'ModifyAccess', target: object, principal: object, mask: string, headers: Record<string, string> = {}) =>
      call('POST', `${s.root}${name}`, { Target: target, PrincipalAccess: { AccessMask: mask, Principal: principal } }, headers);
    const revoke = (target: object, principal: object, headers: Record<string, string> = {}) => call('POST', `${s.root}RevokeAccess`, { Target: target, Revokee: principal }, headers);
    const shared = async (id: string) => {
      const r = await call('GET', `${s.root}RetrieveSharedPrincipalsAndAccess(Target=@t)?@t={'@odata.id':'accounts(${id})'}`);
      expect(r.status, r.text).to.equal(200);
      return r.json.PrincipalAccesses;
    };
    const ok = (r: Reply, status = 204) => expect(r.status, r.text).to.equal(status);
    const ids = (r: Reply) => r.json.value.map((a: { accountid: string }) => a.accountid);
    /** What `as` reaches of row `id`: by id, in a $filter list, in FetchXML. */
    const reaches = async (id: string, as: string) => {
      const get = await call('GET', `${s.root}accounts(${id})?$select=name`, undefined, asUser(as));
      const list = await call('GET', `${s.root}accounts?$select=name&$filter=startswith(name,'Shared')`, undefined, asUser(as));
      const fetch = `<fetch><entity name="account"><attribute name="name"/><filter><condition attribute="name" operator="like" value="Shared%"/></filter></entity></fetch>`;
      const fetched = await call('GET', `${s.root}accounts?fetchXml=${encodeURIComponent(fetch)}`, undefined, asUser(as));
      ok(list, 200);
      ok(fetched, 200);
      return { get: get.status, list: ids(list).includes(id), fetch: ids(fetched).includes(id) };
    };

    it('declares the four messages, PrincipalAccess and AccessRights in $metadata as Dataverse does', async () => {
      const xml = (await call('GET', `${s.root}$metadata`)).text;
      expect(xml).to.match(/<Action Name="GrantAccess">\s*<Parameter Name="Target" Type="mscrm.crmbaseentity" Nullable="false"\/>\s*<Parameter Name="PrincipalAccess" Type="mscrm.PrincipalAccess" Nullable="false"\/>\s*<\/Action>/);
      expect(xml).to.match(/<Action Name="ModifyAccess">\s*<Parameter Name="Target" Type="mscrm.crmbaseentity" Nullable="false"\/>\s*<Parameter Name="PrincipalAccess" Type="mscrm.PrincipalAccess" Nullable="false"\/>\s*<\/Action>/);
      expect(xml).to.match(/<Action Name="RevokeAccess">\s*<Parameter Name="Target" Type="mscrm.crmbaseentity" Nullable="false"\/>\s*<Parameter Name="Revokee" Type="mscrm.crmbaseentity" Nullable="false"\/>\s*<\/Action>/);
      expect(xml).to.match(/<Function Name="RetrieveSharedPrincipalsAndAccess">\s*<Parameter Name="Target" Type="mscrm.crmbaseentity" Nullable="false"\/>\s*<ReturnType Type="mscrm.RetrieveSharedPrincipalsAndAccessResponse" Nullable="false"\/>/);
      expect(xml).to.match(/<ComplexType Name="PrincipalAccess">\s*<Property Name="AccessMask" Type="mscrm.AccessRights" Nullable="false"\/>\s*<NavigationProperty Name="Principal" Type="mscrm.crmbaseentity" Nullable="false"\/>\s*<\/ComplexType>/);
      expect(xml).to.match(/<ComplexType Name="RetrieveSharedPrincipalsAndAccessResponse">\s*<Property Name="PrincipalAccesses" Type="Collection\(mscrm.PrincipalAccess\)" Nullable="false"\/>/);
      expect(xml).to.match(/<EnumType Name="AccessRights" IsFlags="true">\s*<Member Name="None" Value="0"\/>\s*<Member Name="ReadAccess" Value="1"\/>/);
    });

    it('a Basic reader reaches a row shared with it by id, $filter and FetchXML, writes it with WriteAccess, and loses it on RevokeAccess', async () => {
      const bob = await makeUser(s, 'Bob sharee', await makeRole(s, 'Basic account reader and writer', { prvReadaccount: 'Basic', prvWriteaccount: 'Basic' }));
      const id = (await createRow(s, 'accounts', { name: 'Shared A' })).accountid as string;
      expect(await reaches(id, bob)).to.deep.equal({ get: 403, list: false, fetch: false });
      ok(await grant('GrantAccess', account(id), user(bob), 'ReadAccess'));
      expect(await reaches(id, bob)).to.deep.equal({ get: 200, list: true, fetch: true });
      expect(await shared(id)).to.deep.equal([{ AccessMask: 'ReadAccess', Principal: { '@odata.type': '#Microsoft.Dynamics.CRM.systemuser', ownerid: bob, systemuserid: bob } }]);
      const rights = await call('GET', `${s.root}systemusers(${bob})/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@t)?@t={'@odata.id':'accounts(${id})'}`);
      expect(rights.json.AccessRights).to.equal('ReadAccess');
      // Reading is not writing.
      const refused = await call('PATCH', `${s.root}accounts(${id})`, { name: 'Shared A by Bob' }, asUser(bob));
      expect(refused.status, refused.text).to.equal(403);
      expect(refused.json.error.code).to.equal('0x80048306');
      expect(refused.json.error.message).to.contain('WriteAccess');
      // A grant adds to what was shared; ModifyAccess replaces it.
      ok(await grant('GrantAccess', account(id), user(bob), 'WriteAccess'));
      expect((await shared(id))[0].AccessMask).to.equal('ReadAccess, WriteAccess');
      ok(await call('PATCH', `${s.root}accounts(${id})`, { name: 'Shared A by Bob' }, asUser(bob)));
      ok(await grant('ModifyAccess', account(id), user(bob), 'ReadAccess'));
      expect((await call('PATCH', `${s.root}accounts(${id})`, { name: 'Shared A again' }, asUser(bob))).status).to.equal(403);
      ok(await revoke(account(id), user(bob)));
      expect(await shared(id)).to.deep.equal([]);
      expect(await reaches(id, bob)).to.deep.equal({ get: 403, list: false, fetch: false });
    });

    it('a share with a team reaches its members; a share gives nothing without the privilege', async () => {
      const reader = await makeRole(s, 'Basic account reader', { prvReadaccount: 'Basic' });
      const carol = await makeUser(s, 'Carol member', reader);
      const dave = await makeUser(s, 'Dave no privilege');
      const team = (await createRow(s, 'teams', { name: 'Sharing team' })).teamid as string;
      for (const member of [carol, dave]) ok(await call('POST', `${s.root}teams(${team})/teammembership_association/$ref`, { '@odata.id': `${s.root}systemusers(${member})` }));
      const id = (await createRow(s, 'accounts', { name: 'Shared with a team' })).accountid as string;
      ok(await grant('GrantAccess', account(id), { '@odata.type': 'Microsoft.Dynamics.CRM.team', teamid: team }, 'ReadAccess, WriteAccess'));
      expect(await reaches(id, carol)).to.deep.equal({ get: 200, list: true, fetch: true });
      const noPrivilege = await call('GET', `${s.root}accounts(${id})?$select=name`, undefined, asUser(dave));
      expect(noPrivilege.status).to.equal(403);
      expect(noPrivilege.json.error.code).to.equal('0x80040220');
      // Carol holds no prvWriteaccount: the shared WriteAccess gives her none.
      const write = await call('PATCH', `${s.root}accounts(${id})`, { name: 'Shared by Carol' }, asUser(carol));
      expect(write.json.error.code).to.equal('0x80040220');
      expect((await shared(id))[0].Principal).to.deep.equal({ '@odata.type': '#Microsoft.Dynamics.CRM.team', ownerid: team, teamid: team });
    });

    it('refuses grants without ShareAccess or the rights given, and bad bodies, with nothing written', async () => {
      const sharer = await makeRole(s, 'Basic account sharer', { prvReadaccount: 'Basic', prvShareaccount: 'Basic', prvCreateaccount: 'Basic' });
      const erin = await makeUser(s, 'Erin sharer', sharer);
      const frank = await makeUser(s, 'Frank no share', await makeRole(s, 'Account reader', { prvReadaccount: 'Global' }));
      const others = (await createRow(s, 'accounts', { name: 'Not Erin’s' })).accountid as string;
      const own = (await call('POST', `${s.root}accounts`, { name: 'Erin’s' }, { ...asUser(erin), Prefer: 'return=representation' })).json.accountid as string;
      const noPrivilege = await grant('GrantAccess', account(others), user(erin), 'ReadAccess', asUser(frank));
      expect(noPrivilege.status, noPrivilege.text).to.equal(403);
      expect(noPrivilege.json.error.code).to.equal('0x80040220');
      expect(noPrivilege.json.error.message).to.contain('prvShareaccount');
      const notHers = await grant('GrantAccess', account(others), user(frank), 'ReadAccess', asUser(erin));
      expect(notHers.status, notHers.text).to.equal(403);
      expect(notHers.json.error.code).to.equal('0x80048306');
      expect(notHers.json.error.message).to.contain('ShareAccess');
      // Erin shares her own row, but gives no right she lacks (prvWriteaccount).
      const more = await grant('GrantAccess', account(own), user(frank), 'ReadAccess, WriteAccess', asUser(erin));
      expect(more.status, more.text).to.equal(403);
      expect(more.json.error.message).to.contain('prvWriteaccount');
      ok(await grant('GrantAccess', account(own), user(frank), 'ReadAccess', asUser(erin)));
      const tag = (await createRow(s, 'new_tags', { new_name: 'Organization-owned' })).new_tagid as string;
      const missing = '00000000-0000-0000-0000-00000000abcd';
      const answers = await Promise.all([
        grant('GrantAccess', account(own), user(frank), 'ReadAccess, Everything'),
        grant('GrantAccess', account(own), user(frank), 'CreateAccess'),
        grant('GrantAccess', account(own), account(others), 'ReadAccess'),
        grant('GrantAccess', { '@odata.type': 'Microsoft.Dynamics.CRM.new_tag', new_tagid: tag }, user(frank), 'ReadAccess'),
        grant('GrantAccess', account(own), user(missing), 'ReadAccess'),
        grant('GrantAccess', account(missing), user(frank), 'ReadAccess'),
        revoke(account(own), account(others)),
      ]);
      expect(answers.map((r) => r.status)).to.deep.equal([400, 400, 400, 400, 404, 404, 400]);
      expect(answers[4]!.json.error.code).to.equal('0x80040217');
      expect(await shared(own)).to.deep.equal([{ AccessMask: 'ReadAccess', Principal: { '@odata.type': '#Microsoft.Dynamics.CRM.systemuser', ownerid: frank, systemuserid: frank } }]);
    });

    it('a caller without prvShare learns nothing of which rows exist: 403 for a missing row as for an existing one', async () => {
      const hank = await makeUser(s, 'Hank reader', await makeRole(s, 'Account reader, no share', { prvReadaccount: 'Global' }));
      const existing = (await createRow(s, 'accounts', { name: 'Exists' })).accountid as string;
      const answers = await Promise.all([existing, '00000000-0000-0000-0000-00000000dcba'].map((id) => grant('GrantAccess', account(id), user(hank), 'ReadAccess', asUser(hank))));
      expect(answers.map((r) => [r.status, r.json.error.code])).to.deep.equal([[403, '0x80040220'], [403, '0x80040220']]);
    });

    it('grants made at once all count: each right given is in the share, none lost to another', async () => {
      const ivy = await makeUser(s, 'Ivy sharee', await makeRole(s, 'Account all Basic', { prvReadaccount: 'Basic', prvWriteaccount: 'Basic', prvDeleteaccount: 'Basic', prvAppendaccount: 'Basic', prvAppendToaccount: 'Basic', prvShareaccount: 'Basic', prvAssignaccount: 'Basic' }));
      const id = (await createRow(s, 'accounts', { name: 'Shared at once' })).accountid as string;
      const rights = ['ReadAccess', 'WriteAccess', 'AppendAccess', 'AppendToAccess', 'DeleteAccess', 'ShareAccess', 'AssignAccess'];
      const answers = await Promise.all(rights.map((right) => grant('GrantAccess', account(id), user(ivy), right)));
      expect(answers.map((r) => r.status), answers.map((r) => r.text).join()).to.deep.equal(rights.map(() => 204));
      expect(await shared(id)).to.deep.equal([{ AccessMask: rights.join(', '), Principal: { '@odata.type': '#Microsoft.Dynamics.CRM.systemuser', ownerid: ivy, systemuserid: ivy } }]);
    });

    it("a team cannot take a user's id, nor a user a team's: ownership and shares go by that id", async () => {
      const jack = await makeUser(s, 'Jack victim', await makeRole(s, 'Basic reader for ids', { prvReadaccount: 'Basic' }));
      const team = (await createRow(s, 'teams', { name: 'Team with an id' })).teamid as string;
      const asTeam = await call('POST', `${s.root}teams`, { teamid: jack, name: 'Takes Jack’s id' });
      expect(asTeam.status, asTeam.text).to.equal(412);
      expect(asTeam.json.error.code).to.equal('0x80040237');
      const upsert = await call('PATCH', `${s.root}teams(${jack})`, { name: 'Takes Jack’s id by upsert' });
      expect(upsert.status, upsert.text).to.equal(412);
      const asUserRow = await call('POST', `${s.root}systemusers`, { systemuserid: team, fullname: 'Takes a team id' });
      expect(asUserRow.status, asUserRow.text).to.equal(412);
      expect((await call('GET', `${s.root}teams?$select=name&$filter=startswith(name,'Takes')`)).json.value).to.deep.equal([]);
    });

    it("deleting a row deletes its shares: a row made again with its id is not shared", async () => {
      const gina = await makeUser(s, 'Gina', await makeRole(s, 'Basic reader for deletes', { prvReadaccount: 'Basic' }));
      const id = (await createRow(s, 'accounts', { name: 'Shared then deleted' })).accountid as string;
      ok(await grant('GrantAccess', account(id), user(gina), 'ReadAccess'));
      ok(await call('DELETE', `${s.root}accounts(${id})`));
      ok(await call('POST', `${s.root}accounts`, { accountid: id, name: 'Shared then deleted, made again' }));
      expect(await shared(id)).to.deep.equal([]);
      expect((await call('GET', `${s.root}accounts(${id})?$select=name`, undefined, asUser(gina))).status).to.equal(403);
    });
  });
}
