import { expect } from 'chai';
import { startRelationshipServer } from './support/relationship-metadata.js';
import { asUser, makeRole, makeUnit, makeUserIn } from './support/principals.js';
import { call, createRow, DATABASES, type TestServer } from './support/server.js';

/**
 * Child business units (Dataverse "Business units", "Security concepts", privilege depth): units
 * below the root, made with a parent and a default team, moved without loops and deleted once
 * disabled and childless; a user's unit is its own, and Local depth reaches the rows of the
 * caller's unit, Deep those of its unit and the units below, over a three-level tree
 * root > Parent > Child.
 */
for (const database of DATABASES) {
  describe(`child business units [${database.name}]`, () => {
    let s: TestServer;
    let root: string;
    let parent: string;
    let child: string;
    before(async () => {
      s = await startRelationshipServer(database);
      root = (await call('GET', `${s.root}WhoAmI()`)).json.BusinessUnitId;
      parent = await unit('Parent', root);
      child = await unit('Child', parent);
    });
    after(async () => { await s.close(); });

    /** A new unit named `name` under `under`; its id. */
    const unit = (name: string, under: string) => makeUnit(s, name, under);
    /** A new user in unit `bu` holding the roles given; its id. */
    const user = (name: string, bu: string, ...roles: string[]) => makeUserIn(s, name, bu, ...roles);
    const rights = (depth: string) => ({ prvCreateaccount: depth, prvReadaccount: depth, prvWriteaccount: depth, prvDeleteaccount: depth });
    /** An account named `name` made by user `owner`; its id. */
    async function account(name: string, owner: string): Promise<string> {
      const r = await call('POST', `${s.root}accounts`, { name }, { ...asUser(owner), Prefer: 'return=representation' });
      expect(r.status, r.text).to.equal(201);
      return r.json.accountid as string;
    }
    const names = async (prefix: string, as: string) => {
      const r = await call('GET', `${s.root}accounts?$select=name&$filter=startswith(name,'${prefix}')&$orderby=name`, undefined, asUser(as));
      expect(r.status, r.text).to.equal(200);
      return r.json.value.map((a: { name: string }) => a.name);
    };

    it('makes a unit under a parent, with its default team; a unit without a parent is refused', async () => {
      const none = await call('POST', `${s.root}businessunits`, { name: 'Orphan' });
      expect(none.status, none.text).to.equal(400);
      expect(none.json.error.code).to.equal('0x80040203');
      expect(none.json.error.message).to.contain('parentbusinessunitid');
      const made = await call('GET', `${s.root}businessunits(${child})?$select=name,_parentbusinessunitid_value,isdisabled`);
      expect(made.json).to.include({ name: 'Child', _parentbusinessunitid_value: parent, isdisabled: false });
      const team = await call('GET', `${s.root}teams?$select=name,isdefault,teamtype&$filter=_businessunitid_value eq ${child}`);
      expect(team.json.value).to.have.length(1);
      expect(team.json.value[0]).to.include({ name: 'Child', isdefault: true, teamtype: 0 });
      const under = await call('GET', `${s.root}businessunits?$select=name&$filter=Microsoft.Dynamics.CRM.Under(PropertyName='businessunitid',PropertyValue=${root})&$orderby=name`);
      expect(under.json.value.map((u: { name: string }) => u.name)).to.include.members(['Child', 'Parent']);
    });

    it("puts a user in its unit: WhoAmI, the user's default team, a team made in the unit", async () => {
      const ann = await user('Ann Child', child);
      const who = await call('GET', `${s.root}WhoAmI()`, undefined, asUser(ann));
      expect(who.json.BusinessUnitId).to.equal(child);
      const teams = await call('GET', `${s.root}systemusers(${ann})/teammembership_association?$select=name,isdefault`);
      expect(teams.json.value.map((t: { name: string }) => t.name)).to.deep.equal(['Child']);
      const team = await call('POST', `${s.root}teams`, { name: 'Child sales', 'businessunitid@odata.bind': `/businessunits(${child})` }, { Prefer: 'return=representation' });
      expect(team.status, team.text).to.equal(201);
      expect(team.json._businessunitid_value).to.equal(child);
    });

    it('Local reaches the rows of the caller\'s unit, Deep those of the units below too, Basic its own', async () => {
      const creator = await makeRole(s, 'Tree creators', rights('Basic'));
      const inParent = await user('Owner Parent', parent, creator);
      const inChild = await user('Owner Child', child, creator);
      const inRoot = await user('Owner Root', root, creator);
      const p = await account('tree parent row', inParent);
      const c = await account('tree child row', inChild);
      await account('tree root row', inRoot);
      const stamped = await call('GET', `${s.root}accounts(${c})?$select=_owningbusinessunit_value`);
      expect(stamped.json._owningbusinessunit_value, "the owner's unit").to.equal(child);

      const local = await user('Local in Parent', parent, await makeRole(s, 'Tree Local', rights('Local')));
      const deep = await user('Deep in Parent', parent, await makeRole(s, 'Tree Deep', rights('Deep')));
      const basic = await user('Basic in Parent', parent, creator);
      expect(await names('tree', local)).to.deep.equal(['tree parent row']);
      expect(await names('tree', deep)).to.deep.equal(['tree child row', 'tree parent row']);
      expect(await names('tree', basic)).to.deep.equal([]);
      const count = await call('GET', `${s.root}accounts/$count?$filter=startswith(name,'tree')`, undefined, asUser(deep));
      expect(count.text).to.equal('2');

      // Local: the child unit's row is refused on every path; Deep reaches it.
      for (const [method, body, right] of [['GET', undefined, 'ReadAccess'], ['PATCH', { name: 'tree child row' }, 'WriteAccess'], ['DELETE', undefined, 'DeleteAccess']] as const) {
        const r = await call(method, `${s.root}accounts(${c})`, body, asUser(local));
        expect(r.status, `${method}: ${r.text}`).to.equal(403);
        expect(r.json.error.code).to.equal('0x80048306');
        expect(r.json.error.message).to.contain(`AccessRights: ${right}`).and.contain(`objectBusinessUnitId: ${child}`);
      }
      expect((await call('PATCH', `${s.root}accounts(${p})`, { name: 'tree parent row' }, asUser(local))).status).to.equal(204);
      expect((await call('PATCH', `${s.root}accounts(${c})`, { name: 'tree child row' }, asUser(deep))).status).to.equal(204);
      const above = (await call('GET', `${s.root}accounts?$select=accountid&$filter=name eq 'tree root row'`)).json.value[0].accountid as string;
      const refused = await call('PATCH', `${s.root}accounts(${above})`, { name: 'taken' }, asUser(deep));
      expect(refused.status, 'Deep does not reach up').to.equal(403);
      // From a unit with nothing below, Deep reaches what Local does.
      const deepChild = await user('Deep in Child', child, await makeRole(s, 'Tree Deep 2', rights('Deep')));
      expect(await names('tree', deepChild)).to.deep.equal(['tree child row']);

      // Assigning the row to a user of the child unit moves its owningbusinessunit there.
      const assigned = await call('PATCH', `${s.root}accounts(${p})`, { 'ownerid@odata.bind': `/systemusers(${inChild})` }, { Prefer: 'return=representation' });
      expect(assigned.status, assigned.text).to.equal(200);
      expect(assigned.json._owningbusinessunit_value).to.equal(child);
      expect(await names('tree', local)).to.deep.equal([]);
      // A row created for another owner takes that owner's unit.
      const given = await call('POST', `${s.root}accounts`, { name: 'tree given', 'ownerid@odata.bind': `/systemusers(${inParent})` }, { Prefer: 'return=representation' });
      expect(given.json._owningbusinessunit_value).to.equal(parent);
      expect(await names('tree given', local)).to.deep.equal(['tree given']);
      // RetrievePrincipalAccess counts the depth too.
      const access = async (who: string, id: string) => (await call('GET', `${s.root}systemusers(${who})/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@t)?@t={'@odata.id':'accounts(${id})'}`)).json.AccessRights;
      expect(await access(local, c)).to.equal('None');
      expect(await access(deep, c)).to.contain('ReadAccess');
    });

    /** A new owner team named `name` in unit `bu`, holding the roles given; its id. */
    async function team(name: string, bu: string, ...roles: string[]): Promise<string> {
      const id = (await createRow(s, 'teams', { name, 'businessunitid@odata.bind': `/businessunits(${bu})` })).teamid as string;
      for (const role of roles) {
        const r = await call('POST', `${s.root}teams(${id})/teamroles_association/$ref`, { '@odata.id': `${s.root}roles(${role})` });
        expect(r.status, r.text).to.equal(204);
      }
      return id;
    }
    /** A `$ref` link (POST) or unlink (DELETE) of user `userId` and team `teamId`, from the user's side or the team's, as `as`. */
    async function membership(method: 'POST' | 'DELETE', side: 'user' | 'team', userId: string, teamId: string, as?: string) {
      const [from, to] = side === 'user' ? [`systemusers(${userId})`, `teams(${teamId})`] : [`teams(${teamId})`, `systemusers(${userId})`];
      const headers = as ? asUser(as) : {};
      return method === 'POST'
        ? call('POST', `${s.root}${from}/teammembership_association/$ref`, { '@odata.id': `${s.root}${to}` }, headers)
        : call('DELETE', `${s.root}${from}/teammembership_association/$ref?$id=${s.root}${to}`, undefined, headers);
    }

    it("changes a team's members through $ref only on a team the caller may write at its depth, giving only roles it may assign there, never a default team's", async () => {
      const a = await unit('Esc A', root);
      const b = await unit('Esc B', root);
      const x = await user('Esc X', a, await makeRole(s, 'Esc team editor', {
        prvReadTeam: 'Local', prvWriteTeam: 'Local', prvAssignRole: 'Local', prvReadRole: 'Local', prvReadUser: 'Local', prvReadaccount: 'Basic',
      }));
      const power = await makeRole(s, 'Esc Power', { prvReadaccount: 'Global', prvWriteaccount: 'Global', prvDeleteaccount: 'Global' });
      const tr = await team('Esc TR', root, power);
      const tb = await team('Esc TB', b);
      const ob = await user('Esc B owner', b, await makeRole(s, 'Esc creator', rights('Basic')));
      await account('esc B row', ob);
      const defB = (await call('GET', `${s.root}teams?$select=teamid&$filter=isdefault eq true and _businessunitid_value eq ${b}`)).json.value[0].teamid as string;

      expect((await call('GET', `${s.root}teams(${tr})`, undefined, asUser(x))).status).to.equal(403);
      for (const side of ['user', 'team'] as const) {
        for (const target of [tr, tb]) {
          const r = await membership('POST', side, x, target, x);
          expect(r.status, `${side} side: ${r.text}`).to.equal(403);
          expect(r.json.error.code).to.equal('0x80048306');
          expect(r.json.error.message).to.contain('AccessRights: WriteAccess');
        }
        const out = await membership('DELETE', side, ob, defB, x);
        expect(out.status, `${side} side: ${out.text}`).to.equal(403);
      }
      expect(await names('esc', x), "no team of another unit gives its roles").to.deep.equal([]);

      // A team of the caller's unit: joined, unless it holds a role of a unit the caller's prvAssignRole does not reach.
      const ta = await team('Esc TA', a);
      expect((await membership('POST', 'user', x, ta, x)).status).to.equal(204);
      expect((await membership('DELETE', 'team', x, ta, x)).status).to.equal(204);
      expect((await call('POST', `${s.root}teams(${ta})/teamroles_association/$ref`, { '@odata.id': `${s.root}roles(${power})` })).status).to.equal(204);
      const escalate = await membership('POST', 'team', x, ta, x);
      expect(escalate.status, escalate.text).to.equal(403);
      expect(escalate.json.error.code).to.equal('0x80048306');
      expect(escalate.json.error.message).to.contain('AccessRights: AssignAccess');
      const direct = await call('POST', `${s.root}systemusers(${x})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${power})` }, asUser(x));
      expect(direct.status, 'the same role given directly').to.equal(403);
      expect(await names('esc', x)).to.deep.equal([]);

      // Any unit's default team keeps its members, whoever asks, from either side.
      for (const side of ['user', 'team'] as const) {
        const out = await membership('DELETE', side, ob, defB);
        expect(out.status, out.text).to.equal(400);
        expect(out.json.error.code).to.equal('0x8004830C');
        const into = await membership('POST', side, x, defB);
        expect(into.status, into.text).to.equal(400);
        expect(into.json.error.code).to.equal('0x8004830B');
      }
      const added = await call('POST', `${s.root}teams(${defB})/Microsoft.Dynamics.CRM.AddMembersTeam`, { Members: [{ systemuserid: x }] });
      expect(added.status, added.text).to.equal(400);
      expect(added.json.error.code).to.equal('0x8004830B');
    });

    it("gives each CreateMultiple row its own owner's unit: users of several units, a team, the caller", async () => {
      const a = await unit('Bulk A', root);
      const b = await unit('Bulk B', a);
      const ua = await user('Bulk owner A', a);
      const ub = await user('Bulk owner B', b);
      const tb = await team('Bulk team B', b);
      // 450 rows: three bulk steps, owners interleaved so each step holds rows of every kind.
      const owners: Array<[string | undefined, string]> = [[`/systemusers(${ua})`, a], [`/systemusers(${ub})`, b], [`/teams(${tb})`, b], [undefined, root]];
      const Targets = Array.from({ length: 450 }, (_, i) => {
        const [bind] = owners[i % owners.length]!;
        return { '@odata.type': 'Microsoft.Dynamics.CRM.account', name: `bulk owned ${String(i).padStart(3, '0')}`, ...(bind ? { 'ownerid@odata.bind': bind } : {}) };
      });
      const made = await call('POST', `${s.root}accounts/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets });
      expect(made.status, made.text).to.equal(200);
      const ids = made.json.Ids as string[];
      const rows = await call('GET', `${s.root}accounts?$select=accountid,_owningbusinessunit_value&$filter=startswith(name,'bulk owned')`);
      const unitOf = new Map(rows.json.value.map((r: Record<string, string>) => [r.accountid, r._owningbusinessunit_value]));
      expect(unitOf.size).to.equal(450);
      ids.forEach((id, i) => expect(unitOf.get(id), `row ${i}`).to.equal(owners[i % owners.length]![1]));
    });

    it("Local and Deep reach the rows the caller's teams own in another unit, as Basic does (access levels are cumulative)", async () => {
      const a = await unit('Cumul A', root);
      const b = await unit('Cumul B', root);
      const ub = await user('Cumul Basic', a, await makeRole(s, 'Cumul Basic', rights('Basic')));
      const ul = await user('Cumul Local', a, await makeRole(s, 'Cumul Local', rights('Local')));
      const ud = await user('Cumul Deep', a, await makeRole(s, 'Cumul Deep', rights('Deep')));
      const tb = await team('Cumul TB', b);
      for (const u of [ub, ul, ud]) expect((await membership('POST', 'team', u, tb)).status).to.equal(204);
      const made = await call('POST', `${s.root}accounts`, { name: 'cumul team row', 'ownerid@odata.bind': `/teams(${tb})` }, { Prefer: 'return=representation' });
      expect(made.json._owningbusinessunit_value).to.equal(b);
      const rTB = made.json.accountid as string;
      for (const u of [ub, ul, ud]) {
        expect(await names('cumul', u)).to.deep.equal(['cumul team row']);
        const r = await call('PATCH', `${s.root}accounts(${rTB})`, { name: 'cumul team row' }, asUser(u));
        expect(r.status, r.text).to.equal(204);
      }
      const own = await call('GET', `${s.root}systemusers(${ul})/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@t)?@t={'@odata.id':'accounts(${rTB})'}`);
      expect(own.json.AccessRights).to.contain('WriteAccess');
      // Not through the team any more: out of reach.
      expect((await membership('DELETE', 'team', ul, tb)).status).to.equal(204);
      expect(await names('cumul', ul)).to.deep.equal([]);
      expect((await call('DELETE', `${s.root}accounts(${rTB})`, undefined, asUser(ul))).status).to.equal(403);
    });

    it('lets a Local creator make a unit under its own, with its default team, and refuses a delete it may not make before telling the state', async () => {
      const a = await unit('Local maker A', root);
      const b = await unit('Local maker B', root);
      const maker = await user('Local maker', a, await makeRole(s, 'Unit maker', {
        prvCreateBusinessUnit: 'Local', prvReadBusinessUnit: 'Local', prvWriteBusinessUnit: 'Local', prvDeleteBusinessUnit: 'Local', prvAppendBusinessUnit: 'Local', prvAppendToBusinessUnit: 'Local',
      }));
      const made = await call('POST', `${s.root}businessunits`, { name: 'Made by Local', 'parentbusinessunitid@odata.bind': `/businessunits(${a})` }, asUser(maker));
      expect(made.status, made.text).to.equal(204);
      const madeId = (await call('GET', `${s.root}businessunits?$select=businessunitid&$filter=name eq 'Made by Local'`)).json.value[0].businessunitid as string;
      const team = await call('GET', `${s.root}teams?$select=name,isdefault&$filter=_businessunitid_value eq ${madeId}`);
      expect(team.json.value).to.have.length(1);
      expect(team.json.value[0]).to.include({ name: 'Made by Local', isdefault: true });
      const elsewhere = await call('POST', `${s.root}businessunits`, { name: 'Not by Local', 'parentbusinessunitid@odata.bind': `/businessunits(${b})` }, asUser(maker));
      expect(elsewhere.status, elsewhere.text).to.equal(403);
      // An enabled unit out of reach: refused for the privilege, not for its state.
      const del = await call('DELETE', `${s.root}businessunits(${b})`, undefined, asUser(maker));
      expect(del.status, del.text).to.equal(403);
      expect(del.json.error.code).to.equal('0x80048306');
      const own = await call('DELETE', `${s.root}businessunits(${a})`, undefined, asUser(maker));
      expect(own.json.error.code, 'its own unit is reached: its state is told').to.equal('0x80041d60');
    });

    it('refuses a unit 100 levels below the root, the depth Deep walks', async () => {
      let parentId = root;
      for (let level = 1; level < 100; level++) parentId = await unit(`Deep level ${level}`, parentId);
      const r = await call('POST', `${s.root}businessunits`, { name: 'Deep level 100', 'parentbusinessunitid@odata.bind': `/businessunits(${parentId})` });
      expect(r.status, r.text).to.equal(400);
      expect(r.json.error.code).to.equal('0x80040203');
      expect(r.json.error.message).to.contain('at most 99 levels below the root');
    });

    it('moves a unit without loops and keeps the root without a parent', async () => {
      const a = await unit('Move A', root);
      const b = await unit('Move B', a);
      const loop = await call('PATCH', `${s.root}businessunits(${a})`, { 'parentbusinessunitid@odata.bind': `/businessunits(${b})` });
      expect(loop.status, loop.text).to.equal(400);
      expect(loop.json.error.code).to.equal('0x80040507');
      const self = await call('PATCH', `${s.root}businessunits(${a})`, { 'parentbusinessunitid@odata.bind': `/businessunits(${a})` });
      expect(self.json.error.code).to.equal('0x80040507');
      const rootMove = await call('PATCH', `${s.root}businessunits(${root})`, { 'parentbusinessunitid@odata.bind': `/businessunits(${a})` });
      expect(rootMove.status, rootMove.text).to.equal(400);
      const cut = await call('PATCH', `${s.root}businessunits(${b})`, { 'parentbusinessunitid@odata.bind': null });
      expect(cut.status, cut.text).to.equal(400);
      const moved = await call('PATCH', `${s.root}businessunits(${b})`, { 'parentbusinessunitid@odata.bind': `/businessunits(${root})` });
      expect(moved.status, moved.text).to.equal(204);
      expect((await call('GET', `${s.root}businessunits(${b})?$select=_parentbusinessunitid_value`)).json._parentbusinessunitid_value).to.equal(root);
      const disableRoot = await call('PATCH', `${s.root}businessunits(${root})`, { isdisabled: true });
      expect(disableRoot.status, disableRoot.text).to.equal(400);
    });

    it('deletes a unit once disabled and without child units, with its default team', async () => {
      const a = await unit('Delete A', root);
      const b = await unit('Delete B', a);
      const enabled = await call('DELETE', `${s.root}businessunits(${b})`);
      expect(enabled.status, enabled.text).to.equal(400);
      expect(enabled.json.error).to.deep.equal({ code: '0x80041d60', message: 'Not disabled business unit cannot be deleted.' });
      expect((await call('PATCH', `${s.root}businessunits(${a})`, { isdisabled: true })).status).to.equal(204);
      const parentOf = await call('DELETE', `${s.root}businessunits(${a})`);
      expect(parentOf.status, parentOf.text).to.equal(400);
      expect(parentOf.json.error.code).to.equal('0x80041d61');
      expect((await call('PATCH', `${s.root}businessunits(${b})`, { isdisabled: true })).status).to.equal(204);
      const team = (await call('GET', `${s.root}teams?$select=teamid&$filter=_businessunitid_value eq ${b}`)).json.value[0].teamid as string;
      const direct = await call('DELETE', `${s.root}teams(${team})`);
      expect(direct.status, 'a default team goes only with its unit').to.equal(400);
      expect(direct.json.error.code).to.equal('0x80048307');
      const withUser = await user('Staying', b);
      expect((await call('DELETE', `${s.root}businessunits(${b})`)).status, 'a unit with users stays').to.equal(405);
      expect((await call('PATCH', `${s.root}systemusers(${withUser})`, { isdisabled: true })).status).to.equal(204);
      await call('DELETE', `${s.root}systemusers(${withUser})`);
      const gone = await call('DELETE', `${s.root}businessunits(${b})`);
      expect(gone.status, gone.text).to.equal(204);
      expect((await call('GET', `${s.root}teams(${team})`)).status).to.equal(404);
      expect((await call('DELETE', `${s.root}businessunits(${a})`)).status).to.equal(204);
    });
  });
}
