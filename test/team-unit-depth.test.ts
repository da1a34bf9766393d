import { expect } from 'chai';
import { startRelationshipServer } from './support/relationship-metadata.js';
import { asUser, makeRole, makeTeam, makeUnit, makeUserIn } from './support/principals.js';
import { call, createRow, DATABASES, recordStatements, type TestServer } from './support/server.js';

/**
 * A team's roles counted from the team's business unit (Dataverse "Manage teams": a team belongs
 * to one unit and may have members of other units; "Security roles and privileges": members get
 * the team's roles' privileges): a user of unit A in an owner team of unit B reaches, through the
 * team's Local role, B's rows and not A's; through a Deep one B's and those of the units below B;
 * through Basic and Global as before. Tree: root > A, root > B > B1.
 */
for (const database of DATABASES) {
  describe(`team roles counted from the team's unit [${database.name}]`, () => {
    let s: TestServer;
    let a: string;
    let b: string;
    let b1: string;
    /** Rows by unit: A's, B's, B1's (made by users of those units). */
    let rowA: string;
    let rowB: string;
    let rowB1: string;
    before(async () => {
      s = await startRelationshipServer(database);
      const root = (await call('GET', `${s.root}WhoAmI()`)).json.BusinessUnitId as string;
      a = await unit('TU A', root);
      b = await unit('TU B', root);
      b1 = await unit('TU B1', b);
      const creator = await makeRole(s, 'TU creator', { prvCreateaccount: 'Basic', prvReadaccount: 'Basic' });
      rowA = await account('tu A row', await user('TU owner A', a, creator));
      rowB = await account('tu B row', await user('TU owner B', b, creator));
      rowB1 = await account('tu B1 row', await user('TU owner B1', b1, creator));
    });
    after(async () => { await s.close(); });

    const unit = (name: string, under: string) => makeUnit(s, name, under);
    const user = (name: string, bu: string, ...roles: string[]) => makeUserIn(s, name, bu, ...roles);
    const team = (name: string, bu: string, roles: string[], members: string[]) => makeTeam(s, name, bu, roles, members);
    async function account(name: string, owner: string): Promise<string> {
      const r = await call('POST', `${s.root}accounts`, { name }, { ...asUser(owner), Prefer: 'return=representation' });
      expect(r.status, r.text).to.equal(201);
      return r.json.accountid as string;
    }
    const rights = (depth: string) => ({ prvReadaccount: depth, prvWriteaccount: depth, prvDeleteaccount: depth });
    /** The names of the accounts starting with `prefix` that `as` reads, in order. */
    const names = async (as: string, prefix = 'tu ') => {
      const r = await call('GET', `${s.root}accounts?$select=name&$filter=startswith(name,'${prefix}')&$orderby=name`, undefined, asUser(as));
      expect(r.status, r.text).to.equal(200);
      return r.json.value.map((x: { name: string }) => x.name);
    };
    const access = async (who: string, id: string) => (await call('GET', `${s.root}systemusers(${who})/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@t)?@t={'@odata.id':'accounts(${id})'}`)).json.AccessRights as string;
    const fetch = async (as: string, xml: string) => call('GET', `${s.root}accounts?fetchXml=${encodeURIComponent(xml)}`, undefined, asUser(as));

    it("a team of another unit holding Local reaches that unit's rows, not the member's own unit's: reads, $count, aggregates, FetchXML, writes", async () => {
      const member = await user('TU Local member', a);
      await team('TU team B Local', b, [await makeRole(s, 'TU Local', rights('Local'))], [member]);
      expect(await names(member)).to.deep.equal(['tu B row']);
      const count = await call('GET', `${s.root}accounts/$count?$filter=startswith(name,'tu ')`, undefined, asUser(member));
      expect(count.text).to.equal('1');
      const counted = await call('GET', `${s.root}accounts?$apply=filter(startswith(name,'tu '))/aggregate($count as n)`, undefined, asUser(member));
      expect(counted.status, counted.text).to.equal(200);
      expect(counted.json.value[0].n).to.equal(1);
      const listed = await fetch(member, `<fetch><entity name="account"><attribute name="name"/><filter><condition attribute="name" operator="like" value="tu %"/></filter><order attribute="name"/></entity></fetch>`);
      expect(listed.status, listed.text).to.equal(200);
      expect(listed.json.value.map((x: { name: string }) => x.name)).to.deep.equal(['tu B row']);
      const aggregated = await fetch(member, `<fetch aggregate="true"><entity name="account"><attribute name="accountid" alias="n" aggregate="count"/><filter><condition attribute="name" operator="like" value="tu %"/></filter></entity></fetch>`);
      expect(aggregated.status, aggregated.text).to.equal(200);
      expect(aggregated.json.value[0].n).to.equal(1);

      // The member's own unit's row, and the row of the unit below B, on every path.
      for (const [row, bu] of [[rowA, a], [rowB1, b1]]) {
        for (const [method, body, right] of [['GET', undefined, 'ReadAccess'], ['PATCH', { name: 'x' }, 'WriteAccess'], ['DELETE', undefined, 'DeleteAccess']] as const) {
          const r = await call(method, `${s.root}accounts(${row})`, body, asUser(member));
          expect(r.status, `${method}: ${r.text}`).to.equal(403);
          expect(r.json.error.code).to.equal('0x80048306');
          expect(r.json.error.message).to.contain(`AccessRights: ${right}`).and.contain(`objectBusinessUnitId: ${bu}`);
        }
      }
      expect((await call('GET', `${s.root}accounts(${rowB})?$select=name`, undefined, asUser(member))).status).to.equal(200);
      expect((await call('PATCH', `${s.root}accounts(${rowB})`, { name: 'tu B row' }, asUser(member))).status).to.equal(204);
      expect(await access(member, rowB)).to.equal('ReadAccess, WriteAccess, DeleteAccess');
      expect(await access(member, rowA)).to.equal('None');
      expect(await access(member, rowB1)).to.equal('None');
      const gone = await account('tu B gone', await user('TU owner B 2', b, await makeRole(s, 'TU creator 2', { prvCreateaccount: 'Basic', prvReadaccount: 'Basic' })));
      expect((await call('DELETE', `${s.root}accounts(${gone})`, undefined, asUser(member))).status).to.equal(204);
    });

    it("a team of another unit holding Deep reaches that unit's rows and those of the units below it, not the member's unit's", async () => {
      const member = await user('TU Deep member', a);
      await team('TU team B Deep', b, [await makeRole(s, 'TU Deep', rights('Deep'))], [member]);
      expect(await names(member)).to.deep.equal(['tu B row', 'tu B1 row']);
      expect((await call('PATCH', `${s.root}accounts(${rowB1})`, { name: 'tu B1 row' }, asUser(member))).status).to.equal(204);
      const refused = await call('PATCH', `${s.root}accounts(${rowA})`, { name: 'x' }, asUser(member));
      expect(refused.status, refused.text).to.equal(403);
      expect(await access(member, rowB1)).to.equal('ReadAccess, WriteAccess, DeleteAccess');
      expect(await access(member, rowA)).to.equal('None');
    });

    it('Basic and Global through a team of another unit reach as before: the rows the member or its teams own, every row', async () => {
      const basic = await user('TU Basic member', a);
      const owning = await team('TU team B Basic', b, [await makeRole(s, 'TU Basic', rights('Basic'))], [basic]);
      const owned = await call('POST', `${s.root}accounts`, { name: 'tw team owned', 'ownerid@odata.bind': `/teams(${owning})` }, { Prefer: 'return=representation' });
      expect(owned.status, owned.text).to.equal(201);
      expect(await names(basic, 't')).to.deep.equal(['tw team owned']);
      expect(await access(basic, owned.json.accountid)).to.equal('ReadAccess, WriteAccess, DeleteAccess');
      expect(await access(basic, rowB)).to.equal('None');
      const global = await user('TU Global member', a);
      await team('TU team B Global', b, [await makeRole(s, 'TU Global', rights('Global'))], [global]);
      expect(await names(global, 't')).to.include.members(['tu A row', 'tu B row', 'tu B1 row', 'tw team owned']);
      expect(await access(global, rowA)).to.equal('ReadAccess, WriteAccess, DeleteAccess');
    });

    it("a user with its own role and a team's of another unit gets the union; a team of its own unit counts from its unit", async () => {
      const both = await user('TU both', a, await makeRole(s, 'TU own Local', { prvReadaccount: 'Local' }));
      await team('TU team B Local read', b, [await makeRole(s, 'TU Local read', { prvReadaccount: 'Local' })], [both]);
      expect(await names(both)).to.deep.equal(['tu A row', 'tu B row']);
      expect(await access(both, rowA)).to.equal('ReadAccess');
      expect(await access(both, rowB)).to.equal('ReadAccess');
      expect(await access(both, rowB1)).to.equal('None');
      const home = await user('TU home member', a);
      await team('TU team A Local', a, [await makeRole(s, 'TU Local A', { prvReadaccount: 'Local' })], [home]);
      expect(await names(home)).to.deep.equal(['tu A row']);
    });

    it("on a business-owned table a team of another unit's Local reaches that unit's rows alone", async () => {
      const member = await user('TU team reader', a);
      await team('TU team B reads teams', b, [await makeRole(s, 'TU read teams', { prvReadTeam: 'Local' })], [member]);
      const r = await call('GET', `${s.root}teams?$select=name,_businessunitid_value`, undefined, asUser(member));
      expect(r.status, r.text).to.equal(200);
      expect(r.json.value.length).to.be.greaterThan(0);
      expect(r.json.value.every((t: { _businessunitid_value: string }) => t._businessunitid_value === b), r.text).to.equal(true);
      const own = (await call('GET', `${s.root}teams?$select=teamid&$filter=isdefault eq true and _businessunitid_value eq ${a}`)).json.value[0].teamid as string;
      expect((await call('GET', `${s.root}teams(${own})`, undefined, asUser(member))).status).to.equal(403);
    });
    it("giving a role checks prvAssignRole held through a team of another unit on the role's unit: that unit's roles, not the member's unit's", async () => {
      const assigner = await user('TU assigner', a);
      await team('TU team B assigns', b, [await makeRole(s, 'TU assign', { prvAssignRole: 'Local', prvAppendToRole: 'Global', prvAppendToUser: 'Global', prvReadRole: 'Local' })], [assigner]);
      const role = async (name: string, bu: string) => (await createRow(s, 'roles', { name, 'businessunitid@odata.bind': `/businessunits(${bu})` })).roleid as string;
      const inB = await role('TU role of B', b);
      const inA = await role('TU role of A', a);
      const target = await user('TU given', a);
      const give = (r: string) => call('POST', `${s.root}systemusers(${target})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${r})` }, asUser(assigner));
      const given = await give(inB);
      expect(given.status, given.text).to.equal(204);
      const refused = await give(inA);
      expect(refused.status, refused.text).to.equal(403);
      expect(refused.json.error.code).to.equal('0x80048306');
      expect(refused.json.error.message).to.contain('AccessRights: AssignAccess').and.contain(`objectBusinessUnitId: ${a}`);
    });
    it("a role of another unit held directly counts from the role's unit: giving oneself a team's role of another unit reaches no more than the team did", async () => {
      const escalator = await user('TU escalator', a);
      const ofB = await makeRole(s, 'TU role of B held', { prvReadaccount: 'Local', prvAssignRole: 'Local', prvReadRole: 'Local', prvAppendToRole: 'Local', prvAppendToUser: 'Global' }, b);
      await team('TU team B escalation', b, [ofB], [escalator]);
      expect(await names(escalator)).to.deep.equal(['tu B row']);
      const given = await call('POST', `${s.root}systemusers(${escalator})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${ofB})` }, asUser(escalator));
      expect(given.status, given.text).to.equal(204);
      expect(await names(escalator)).to.deep.equal(['tu B row']);
      expect(await access(escalator, rowA)).to.equal('None');
      // Given by an administrator, without any team: B's rows, not A's; a role of the root unit (above A) counts from A.
      const guest = await user('TU guest of B', a, await makeRole(s, 'TU role of B Local', { prvReadaccount: 'Local' }, b));
      expect(await names(guest)).to.deep.equal(['tu B row']);
      const deep = await user('TU guest of B Deep', a, await makeRole(s, 'TU role of B Deep', { prvReadaccount: 'Deep' }, b));
      expect(await names(deep)).to.deep.equal(['tu B row', 'tu B1 row']);
      const both = await user('TU guest and home', a, await makeRole(s, 'TU role of B Local 2', { prvReadaccount: 'Local' }, b), await makeRole(s, 'TU root Local', { prvReadaccount: 'Local' }));
      expect(await names(both)).to.deep.equal(['tu A row', 'tu B row']);
      const ofA = await user('TU role of own unit', a, await makeRole(s, 'TU role of A Local', { prvReadaccount: 'Local' }, a));
      expect(await names(ofA)).to.deep.equal(['tu A row']);
    });

    it("AddPrivilegesRole counts a depth held through other units' roles as Basic: no Local minted over the caller's own unit", async () => {
      const minter = await user('TU minter', a, await makeRole(s, 'TU role admin', {
        prvCreateRole: 'Global', prvReadRole: 'Global', prvWriteRole: 'Global', prvAssignRole: 'Global', prvAppendToRole: 'Global', prvAppendToUser: 'Global',
      }));
      await team('TU team B minter', b, [await makeRole(s, 'TU read B', { prvReadaccount: 'Local' })], [minter]);
      const made = await call('POST', `${s.root}roles`, { name: 'TU minted' }, { ...asUser(minter), Prefer: 'return=representation' });
      expect(made.status, made.text).to.equal(201);
      const minted = made.json.roleid as string;
      const add = (depth: string) => call('POST', `${s.root}roles(${minted})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { Privileges: [{ PrivilegeName: 'prvReadaccount', Depth: depth }] }, asUser(minter));
      const refused = await add('Local');
      expect(refused.status, refused.text).to.equal(403);
      expect(refused.json.error.code).to.equal('0x80040220');
      expect((await add('Basic')).status).to.equal(204);
      const given = await call('POST', `${s.root}systemusers(${minter})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${minted})` }, asUser(minter));
      expect(given.status, given.text).to.equal(204);
      expect(await names(minter)).to.deep.equal(['tu B row']);
      // Held at Local through a role of the caller's line (its own), the same Local is given.
      const home = await user('TU minter at home', a, await makeRole(s, 'TU role admin reads', { prvCreateRole: 'Global', prvWriteRole: 'Global', prvReadRole: 'Global', prvReadaccount: 'Local' }));
      const mine = (await call('POST', `${s.root}roles`, { name: 'TU minted at home' }, { ...asUser(home), Prefer: 'return=representation' })).json.roleid as string;
      const ok = await call('POST', `${s.root}roles(${mine})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { Privileges: [{ PrivilegeName: 'prvReadaccount', Depth: 'Local' }] }, asUser(home));
      expect(ok.status, ok.text).to.equal(204);
    });

    it('reads the roles of teams of other units in one more statement, and only for a member of such a team', async () => {
      const local = await makeRole(s, 'TU counted', { prvReadaccount: 'Local' });
      const home = await user('TU counted home', a, local);
      const away = await user('TU counted away', a, local);
      await team('TU counted team B', b, [local], [away]);
      const statements = recordStatements(s.db);
      const count = async (as: string) => {
        statements.length = 0;
        const r = await call('GET', `${s.root}accounts?$select=name&$filter=startswith(name,'tu ')`, undefined, asUser(as));
        expect(r.status, r.text).to.equal(200);
        return statements.length;
      };
      const base = await count(home);
      expect(await count(away)).to.equal(base + 1);
      // A role of another unit held directly is told apart in the same read.
      const guest = await user('TU counted guest', a, await makeRole(s, 'TU counted of B', { prvReadaccount: 'Local' }, b));
      expect(await count(guest)).to.equal(base);
    });
  });
}
