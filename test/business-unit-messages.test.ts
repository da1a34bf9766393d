import { expect } from 'chai';
import { startRelationshipServer } from './support/relationship-metadata.js';
import { asUser, makeRole, makeUnit, makeUserIn } from './support/principals.js';
import { SYSTEM_ADMINISTRATOR_ID } from '../src/model/kept-ids.js';
import { call, createRow, DATABASES, type TestServer } from './support/server.js';

/**
 * Moving users and business units (Dataverse "Business units"): SetBusinessSystemUser (a user to
 * another unit: default teams, roles, owned rows), SetParentBusinessUnit and PATCH of
 * parentbusinessunitid (one code path, the 99-level bound), disabling a unit (its subtree with it,
 * its users refused), renaming one (its default team with it), over HTTP on every test database.
 */
for (const database of DATABASES) {
  describe(`business unit messages [${database.name}]`, () => {
    let s: TestServer;
    let root: string;
    before(async () => {
      s = await startRelationshipServer(database);
      root = (await call('GET', `${s.root}WhoAmI()`)).json.BusinessUnitId;
    });
    after(async () => { await s.close(); });

    const unit = (name: string, under: string) => makeUnit(s, name, under);
    const user = (name: string, bu: string, ...roles: string[]) => makeUserIn(s, name, bu, ...roles);
    async function account(name: string, owner: string): Promise<string> {
      const r = await call('POST', `${s.root}accounts`, { name, 'ownerid@odata.bind': `/systemusers(${owner})` }, { Prefer: 'return=representation' });
      expect(r.status, r.text).to.equal(201);
      return r.json.accountid as string;
    }
    const get = async (path: string) => {
      const r = await call('GET', `${s.root}${path}`);
      expect(r.status, r.text).to.equal(200);
      return r.json;
    };
    const teamsOf = async (id: string) => (await get(`systemusers(${id})/teammembership_association?$select=name`)).value.map((t: { name: string }) => t.name).sort();
    const rolesOf = async (id: string) => (await get(`systemusers(${id})/systemuserroles_association?$select=name`)).value.map((r: { name: string }) => r.name);
    const ownerOf = async (id: string) => {
      const row = await get(`accounts(${id})?$select=_ownerid_value,_owninguser_value,_owningteam_value,_owningbusinessunit_value`);
      return { owner: row._ownerid_value, user: row._owninguser_value, team: row._owningteam_value, unit: row._owningbusinessunit_value };
    };
    const ref = (table: string, id: string) => ({ '@odata.type': `Microsoft.Dynamics.CRM.${table}`, [`${table}id`]: id });
    const move = (id: string, bu: string, principal: unknown, headers: Record<string, string> = {}, extra: object = {}) =>
      call('POST', `${s.root}systemusers(${id})/Microsoft.Dynamics.CRM.SetBusinessSystemUser`, { BusinessUnit: { businessunitid: bu }, ReassignPrincipal: principal, ...extra }, headers);
    const setParent = (id: string, parent: string, headers: Record<string, string> = {}) =>
      call('POST', `${s.root}businessunits(${id})/Microsoft.Dynamics.CRM.SetParentBusinessUnit`, { Parent: { businessunitid: parent } }, headers);
    const parentOf = async (id: string) => (await get(`businessunits(${id})?$select=_parentbusinessunitid_value`))._parentbusinessunitid_value;

    it('declares SetBusinessSystemUser and SetParentBusinessUnit in $metadata, bound as Dataverse binds them', async () => {
      const xml = (await call('GET', `${s.root}$metadata`)).text;
      const sbsu = /<Action Name="SetBusinessSystemUser" IsBound="true">([\s\S]*?)<\/Action>/.exec(xml)?.[1];
      expect(sbsu).to.be.a('string');
      expect(sbsu).to.match(/<Parameter Name="entity" Type="mscrm\.systemuser" Nullable="false"\s*\/>/);
      expect(sbsu).to.match(/<Parameter Name="BusinessUnit" Type="mscrm\.businessunit" Nullable="false"\s*\/>/);
      expect(sbsu).to.match(/<Parameter Name="ReassignPrincipal" Type="mscrm\.crmbaseentity" Nullable="false"\s*\/>/);
      expect(sbsu).to.match(/<Parameter Name="DoNotMoveAllRecords" Type="Edm\.Boolean"( Nullable="true")?\s*\/>/);
      expect(sbsu).not.to.contain('ReturnType');
      const spbu = /<Action Name="SetParentBusinessUnit" IsBound="true">([\s\S]*?)<\/Action>/.exec(xml)?.[1];
      expect(spbu).to.be.a('string');
      expect(spbu).to.match(/<Parameter Name="entity" Type="mscrm\.businessunit" Nullable="false"\s*\/>/);
      expect(spbu).to.match(/<Parameter Name="Parent" Type="mscrm\.businessunit" Nullable="false"/);
    });

    it('SetBusinessSystemUser moves a user: its unit, its default team, its roles gone, its rows to the new unit', async () => {
      const a = await unit('SBSU A', root);
      const b = await unit('SBSU B', root);
      const role = await makeRole(s, 'SBSU role', { prvReadaccount: 'Local' });
      const ann = await user('SBSU Ann', a, role);
      const row = await account('sbsu ann row', ann);
      expect((await ownerOf(row)).unit).to.equal(a);
      const r = await move(ann, b, ref('systemuser', ann));
      expect(r.status, r.text).to.equal(204);
      expect((await get(`systemusers(${ann})?$select=_businessunitid_value`))._businessunitid_value).to.equal(b);
      expect((await call('GET', `${s.root}WhoAmI()`, undefined, asUser(ann))).json.BusinessUnitId).to.equal(b);
      expect(await teamsOf(ann)).to.deep.equal(['SBSU B']);
      expect(await rolesOf(ann), 'Dataverse takes the roles away on a change of unit').to.deep.equal([]);
      expect(await ownerOf(row)).to.deep.equal({ owner: ann, user: ann, team: null, unit: b });
      // DoNotMoveAllRecords: the rows keep their unit.
      const back = await move(ann, a, ref('systemuser', ann), {}, { DoNotMoveAllRecords: true });
      expect(back.status, back.text).to.equal(204);
      expect(await teamsOf(ann)).to.deep.equal(['SBSU A']);
      expect(await ownerOf(row)).to.deep.equal({ owner: ann, user: ann, team: null, unit: b });
    });

    it('SetBusinessSystemUser assigns the rows to ReassignPrincipal, a user or an owner team, in its unit', async () => {
      const a = await unit('Reassign A', root);
      const b = await unit('Reassign B', root);
      const c = await unit('Reassign C', root);
      const bob = await user('Reassign Bob', a);
      const cy = await user('Reassign Cy', c);
      const rows = [await account('reassign 1', bob), await account('reassign 2', bob)];
      const before = (await get(`accounts(${rows[0]})?$select=versionnumber`)).versionnumber;
      expect((await move(bob, b, ref('systemuser', cy))).status).to.equal(204);
      for (const id of rows) expect(await ownerOf(id)).to.deep.equal({ owner: cy, user: cy, team: null, unit: c });
      const after = await get(`accounts(${rows[0]})?$select=versionnumber,_modifiedby_value`);
      expect(Number(after.versionnumber)).to.be.greaterThan(Number(before));
      const team = (await createRow(s, 'teams', { name: 'Reassign team', 'businessunitid@odata.bind': `/businessunits(${a})` })).teamid as string;
      const mine = await account('reassign 3', bob);
      expect((await move(bob, c, { '@odata.type': 'Microsoft.Dynamics.CRM.team', teamid: team })).status).to.equal(204);
      expect(await ownerOf(mine)).to.deep.equal({ owner: team, user: null, team, unit: a });
      const typed = await get(`accounts(${mine})?$select=_ownerid_value&$expand=ownerid`);
      expect(typed.ownerid['@odata.type']).to.equal('#Microsoft.Dynamics.CRM.team');
    });

    it('SetBusinessSystemUser refuses what is missing or wrong, with nothing changed', async () => {
      const a = await unit('Refuse A', root);
      const b = await unit('Refuse B', root);
      const dee = await user('Refuse Dee', a, await makeRole(s, 'Refuse role', { prvReadaccount: 'Basic' }));
      const row = await account('refuse row', dee);
      const missing = '00000000-0000-0000-0000-00000000abcd';
      const expectError = (r: { status: number; text: string; json: { error: { code: string } } }, status: number, code?: string) => {
        expect(r.status, r.text).to.equal(status);
        if (code) expect(r.json.error.code).to.equal(code);
      };
      expectError(await move(missing, b, ref('systemuser', dee)), 404, '0x80040217');
      expectError(await move(dee, missing, ref('systemuser', dee)), 404, '0x80040217');
      expectError(await move(dee, b, ref('systemuser', missing)), 404, '0x80040217');
      expectError(await move(dee, b, ref('team', missing)), 404, '0x80040217');
      expectError(await move(dee, b, { systemuserid: dee }), 400, '0x80040203');
      expectError(await move(dee, b, ref('account', row)), 400, '0x80040203');
      expectError(await call('POST', `${s.root}systemusers(${dee})/Microsoft.Dynamics.CRM.SetBusinessSystemUser`, { BusinessUnit: {}, ReassignPrincipal: ref('systemuser', dee) }), 400, '0x80040203');
      expectError(await call('POST', `${s.root}systemusers(${dee})/Microsoft.Dynamics.CRM.SetBusinessSystemUser`, { BusinessUnit: { businessunitid: b } }), 400, '0x80060888');
      const access = (await createRow(s, 'teams', { name: 'Refuse access team', teamtype: 1 })).teamid as string;
      expectError(await move(dee, b, ref('team', access)), 400, '0x80040203');
      expectError(await call('POST', `${s.root}accounts(${row})/Microsoft.Dynamics.CRM.SetBusinessSystemUser`, { BusinessUnit: { businessunitid: b }, ReassignPrincipal: ref('systemuser', dee) }), 404);
      // The caller's privileges, at its depth: Read and Write on the user, Read on the unit.
      const reader = await user('Refuse reader', a, await makeRole(s, 'Refuse reader', { prvReadUser: 'Local', prvReadBusinessUnit: 'Global' }));
      expectError(await move(dee, b, ref('systemuser', dee), asUser(reader)), 403, '0x80040220');
      const local = await user('Refuse local', b, await makeRole(s, 'Refuse local', { prvReadUser: 'Global', prvWriteUser: 'Local', prvReadBusinessUnit: 'Global' }));
      expectError(await move(dee, b, ref('systemuser', dee), asUser(local)), 403, '0x80048306');
      const blind = await user('Refuse blind', a, await makeRole(s, 'Refuse blind', { prvReadUser: 'Global', prvWriteUser: 'Global', prvReadBusinessUnit: 'Local' }));
      expectError(await move(dee, b, ref('systemuser', dee), asUser(blind)), 403, '0x80048306');
      // Nothing moved.
      expect((await get(`systemusers(${dee})?$select=_businessunitid_value`))._businessunitid_value).to.equal(a);
      expect(await teamsOf(dee)).to.deep.equal(['Refuse A']);
      expect(await rolesOf(dee)).to.deep.equal(['Refuse role']);
      expect((await ownerOf(row)).unit).to.equal(a);
      // One who may: a Global writer.
      const writer = await user('Refuse writer', a, await makeRole(s, 'Refuse writer', { prvReadUser: 'Global', prvWriteUser: 'Global', prvReadBusinessUnit: 'Global' }));
      expect((await move(dee, b, ref('systemuser', dee), asUser(writer))).status).to.equal(204);
      expect((await ownerOf(row)).unit).to.equal(b);
    });

    const expectError = (r: { status: number; text: string; json: { error: { code: string } } }, status: number, code: string) => {
      expect(r.status, r.text).to.equal(status);
      expect(r.json.error.code).to.equal(code);
    };
    const unitOf = async (id: string) => (await get(`systemusers(${id})?$select=_businessunitid_value`))._businessunitid_value;
    const defaultTeam = async (bu: string) => (await get(`teams?$select=teamid&$filter=isdefault eq true and _businessunitid_value eq ${bu}`)).value[0].teamid as string;

    it('SetBusinessSystemUser takes Write on the user where it goes too: no one moves a user into a default team out of its reach', async () => {
      const a = await unit('Reach A', root);
      const a1 = await unit('Reach A1', a);
      const b = await unit('Reach B', root);
      const rich = await makeRole(s, 'Reach rich', { prvReadaccount: 'Global', prvDeleteaccount: 'Global' });
      expect((await call('POST', `${s.root}teams(${await defaultTeam(b)})/teamroles_association/$ref`, { '@odata.id': `${s.root}roles(${rich})` })).status).to.equal(204);
      const local = await makeRole(s, 'Reach local', { prvReadUser: 'Global', prvWriteUser: 'Local', prvReadBusinessUnit: 'Global' });
      const me = await user('Reach me', a, local);
      const colleague = await user('Reach colleague', a);
      for (const who of [me, colleague]) {
        expectError(await move(who, b, ref('systemuser', who), asUser(me)), 403, '0x80048306');
        expectError(await move(who, a1, ref('systemuser', who), asUser(me)), 403, '0x80048306');
        expect(await unitOf(who)).to.equal(a);
        expect(await teamsOf(who)).to.deep.equal(['Reach A']);
      }
      expect(await rolesOf(me)).to.deep.equal(['Reach local']);
      // Deep: the caller's unit and those below it, no other.
      const deep = await user('Reach deep', a, await makeRole(s, 'Reach deep', { prvReadUser: 'Global', prvWriteUser: 'Deep', prvReadBusinessUnit: 'Global' }));
      expectError(await move(colleague, b, ref('systemuser', colleague), asUser(deep)), 403, '0x80048306');
      const ok = await move(colleague, a1, ref('systemuser', colleague), asUser(deep));
      expect(ok.status, ok.text).to.equal(204);
      expect(await teamsOf(colleague)).to.deep.equal(['Reach A1']);
    });

    it('SetBusinessSystemUser: only a System Administrator moves one, no one the SYSTEM user; a move to its own unit changes nothing', async () => {
      const b = await unit('Admin B', root);
      const admin = await user('Admin admin', root, SYSTEM_ADMINISTRATOR_ID);
      const writer = await user('Admin writer', root, await makeRole(s, 'Admin writer', { prvReadUser: 'Global', prvWriteUser: 'Global', prvReadBusinessUnit: 'Global' }));
      expectError(await move(admin, b, ref('systemuser', admin), asUser(writer)), 403, '0x80040220');
      expect(await unitOf(admin)).to.equal(root);
      expect(await rolesOf(admin)).to.deep.equal(['System Administrator']);
      const system = (await call('GET', `${s.root}WhoAmI()`)).json.UserId as string;
      expectError(await move(system, b, ref('systemuser', system)), 403, '0x80040220');
      expectError(await move(system, b, ref('systemuser', system), asUser(admin)), 403, '0x80040220');
      expect(await unitOf(system)).to.equal(root);
      // The unit typed as another table.
      expectError(await call('POST', `${s.root}systemusers(${writer})/Microsoft.Dynamics.CRM.SetBusinessSystemUser`, { BusinessUnit: { '@odata.type': 'Microsoft.Dynamics.CRM.account', businessunitid: b }, ReassignPrincipal: ref('systemuser', writer) }), 400, '0x80040203');
      expectError(await call('POST', `${s.root}businessunits(${b})/Microsoft.Dynamics.CRM.SetParentBusinessUnit`, { Parent: { '@odata.type': 'Microsoft.Dynamics.CRM.systemuser', businessunitid: root } }), 400, '0x80040203');
      // To its own unit: roles kept, its row not written.
      const tag = (await get(`systemusers(${writer})?$select=fullname`))['@odata.etag'];
      const same = await move(writer, root, ref('systemuser', writer));
      expect(same.status, same.text).to.equal(204);
      expect(await rolesOf(writer)).to.deep.equal(['Admin writer']);
      expect((await get(`systemusers(${writer})?$select=fullname`))['@odata.etag']).to.equal(tag);
    });

    it('SetBusinessSystemUser reads ReassignPrincipal as the caller, after its Write checks, and reassigns only rows the caller may assign', async () => {
      const a = await unit('Steal A', root);
      const b = await unit('Steal B', root);
      const far = await unit('Steal far', root);
      const hidden = await user('Steal hidden', far);
      const victim = await user('Steal victim', a);
      const rows = [await account('steal 1', victim), await account('steal 2', victim)];
      const reader = await user('Steal reader', root, await makeRole(s, 'Steal reader', { prvReadUser: 'Global', prvReadBusinessUnit: 'Global' }));
      // No Write: refused as such whether the principal exists or not.
      expectError(await move(victim, b, ref('systemuser', hidden), asUser(reader)), 403, '0x80040220');
      expectError(await move(victim, b, ref('systemuser', '00000000-0000-0000-0000-0000000000aa'), asUser(reader)), 403, '0x80040220');
      const localReader = await user('Steal local reader', a, await makeRole(s, 'Steal local reader', { prvReadUser: 'Local', prvWriteUser: 'Global', prvReadBusinessUnit: 'Global' }));
      // A principal out of its Read depth: refused as a read of it is.
      expectError(await move(victim, b, ref('systemuser', hidden), asUser(localReader)), 403, '0x80048306');
      const thiefPrivileges = { prvReadUser: 'Global', prvWriteUser: 'Global', prvReadBusinessUnit: 'Global', prvReadaccount: 'Basic' };
      const thief = await user('Steal thief', root, await makeRole(s, 'Steal thief', thiefPrivileges));
      expectError(await move(victim, b, ref('systemuser', thief), asUser(thief)), 403, '0x80040220');
      const local = await user('Steal local', root, await makeRole(s, 'Steal local', { ...thiefPrivileges, prvReadaccount: 'Global', prvAssignaccount: 'Local' }));
      expectError(await move(victim, b, ref('systemuser', local), asUser(local)), 403, '0x80048306');
      for (const id of rows) expect(await ownerOf(id)).to.deep.equal({ owner: victim, user: victim, team: null, unit: a });
      expect(await unitOf(victim)).to.equal(a);
      const global = await user('Steal global', root, await makeRole(s, 'Steal global', { ...thiefPrivileges, prvReadaccount: 'Global', prvAssignaccount: 'Global' }));
      const ok = await move(victim, b, ref('systemuser', global), asUser(global));
      expect(ok.status, ok.text).to.equal(204);
      for (const id of rows) expect(await ownerOf(id)).to.deep.equal({ owner: global, user: global, team: null, unit: root });
    });

    it('SetBusinessSystemUser gives the rows to a disabled user as an assign does', async () => {
      const a = await unit('Disabled owner A', root);
      const b = await unit('Disabled owner B', root);
      const gone = await user('Disabled owner', a);
      expect((await call('PATCH', `${s.root}systemusers(${gone})`, { isdisabled: true })).status).to.equal(204);
      const mover = await user('Disabled owner mover', a);
      const rows = [await account('to a disabled 1', mover), await account('to a disabled 2', mover)];
      const assigned = await call('PATCH', `${s.root}accounts(${rows[0]})`, { 'ownerid@odata.bind': `/systemusers(${gone})` });
      expect(assigned.status, 'an assign to a disabled user is accepted').to.equal(204);
      const r = await move(mover, b, ref('systemuser', gone));
      expect(r.status, r.text).to.equal(204);
      for (const id of rows) expect((await ownerOf(id)).owner).to.equal(gone);
    });

    it('concurrent SetBusinessSystemUser of one user leave it in one default team, its unit\'s', async () => {
      const a = await unit('Race A', root);
      const targets: string[] = [];
      for (let i = 0; i < 4; i++) targets.push(await unit(`Race T${i}`, root));
      for (let round = 0; round < 3; round++) {
        const u = await user(`Race U${round}`, a);
        const answers = await Promise.all(targets.map((t) => move(u, t, ref('systemuser', u))));
        for (const r of answers) expect(r.status, r.text).to.equal(204);
        const at = await unitOf(u);
        expect(await teamsOf(u)).to.deep.equal([`Race T${targets.indexOf(at)}`]);
      }
    });

    it('SetParentBusinessUnit moves a unit as a PATCH of its parent does, with the same refusals', async () => {
      const a = await unit('SPBU A', root);
      const b = await unit('SPBU B', a);
      const c = await unit('SPBU C', root);
      const r = await setParent(a, c);
      expect(r.status, r.text).to.equal(204);
      expect(await parentOf(a)).to.equal(c);
      expect(await parentOf(b), 'child units move with it').to.equal(a);
      const loop = await setParent(a, b);
      expect(loop.status, loop.text).to.equal(400);
      expect(loop.json.error.code).to.equal('0x80040507');
      expect((await setParent(root, a)).json.error.code).to.equal('0x80040203');
      expect((await setParent(a, '00000000-0000-0000-0000-00000000abcd')).status).to.equal(404);
      expect((await setParent('00000000-0000-0000-0000-00000000abcd', c)).status).to.equal(404);
      const noKey = await call('POST', `${s.root}businessunits(${a})/Microsoft.Dynamics.CRM.SetParentBusinessUnit`, { Parent: {} });
      expect(noKey.status, noKey.text).to.equal(400);
      const writer = await user('SPBU local', root, await makeRole(s, 'SPBU local', { prvReadBusinessUnit: 'Global', prvWriteBusinessUnit: 'Local', prvAppendBusinessUnit: 'Global', prvAppendToBusinessUnit: 'Global' }));
      const denied = await setParent(a, root, asUser(writer));
      expect(denied.status, denied.text).to.equal(403);
      expect(await parentOf(a)).to.equal(c);
    });

    it('refuses a move, by PATCH or SetParentBusinessUnit, that puts a unit of the subtree more than 99 levels below the root', async () => {
      let top = root;
      for (let level = 1; level <= 60; level++) top = await unit(`Bound A${level}`, top);
      const b1 = await unit('Bound B1', root);
      let deepest = b1;
      for (let level = 2; level <= 40; level++) deepest = await unit(`Bound B${level}`, deepest);
      const b2 = (await get(`businessunits?$select=businessunitid&$filter=name eq 'Bound B2'`)).value[0].businessunitid as string;
      // B1 under A60: B1 61 levels below the root, B40 100.
      for (const r of [await setParent(b1, top), await call('PATCH', `${s.root}businessunits(${b1})`, { 'parentbusinessunitid@odata.bind': `/businessunits(${top})` })]) {
        expect(r.status, r.text).to.equal(400);
        expect(r.json.error.code).to.equal('0x80040203');
        expect(r.json.error.message).to.contain('at most 99 levels below the root').and.contain(deepest).and.contain('100 levels');
      }
      expect(await parentOf(b1), 'nothing moved').to.equal(root);
      // B2 under A60: B40 99 levels below.
      const ok = await setParent(b2, top);
      expect(ok.status, ok.text).to.equal(204);
      expect(await parentOf(b2)).to.equal(top);
    });

    it('disabling a unit disables the units below it; enabling it does not enable them; its users are refused', async () => {
      const p = await unit('Disable P', root);
      const c = await unit('Disable C', p);
      const g = await unit('Disable G', c);
      const other = await unit('Disable other', root);
      const eve = await user('Disable Eve', g);
      expect((await call('GET', `${s.root}WhoAmI()`, undefined, asUser(eve))).status).to.equal(200);
      const r = await call('PATCH', `${s.root}businessunits(${p})`, { isdisabled: true });
      expect(r.status, r.text).to.equal(204);
      const state = async (id: string) => (await get(`businessunits(${id})?$select=isdisabled`)).isdisabled;
      expect([await state(p), await state(c), await state(g), await state(other)]).to.deep.equal([true, true, true, false]);
      const stamp = await get(`businessunits(${g})?$select=_modifiedby_value`);
      expect(stamp._modifiedby_value).to.equal((await call('GET', `${s.root}WhoAmI()`)).json.UserId);
      const refused = await call('GET', `${s.root}WhoAmI()`, undefined, asUser(eve));
      expect(refused.status, refused.text).to.equal(400);
      expect(refused.json.error.code).to.equal('0x80040225');
      expect((await call('PATCH', `${s.root}businessunits(${p})`, { isdisabled: false })).status).to.equal(204);
      expect([await state(p), await state(c), await state(g)]).to.deep.equal([false, true, true]);
      expect((await call('GET', `${s.root}WhoAmI()`, undefined, asUser(eve))).status).to.equal(400);
      expect((await call('PATCH', `${s.root}businessunits(${g})`, { isdisabled: false })).status).to.equal(204);
      expect((await call('GET', `${s.root}WhoAmI()`, undefined, asUser(eve))).status).to.equal(200);
    });

    const disabledOf = async (id: string) => (await get(`businessunits(${id})?$select=isdisabled`)).isdisabled as boolean;

    it('disabling a unit takes Write reaching every enabled unit below it', async () => {
      const p = await unit('Reach P', root);
      const c = await unit('Reach C', p);
      const g = await unit('Reach G', c);
      const local = await user('Reach local writer', p, await makeRole(s, 'Reach local writer', { prvReadBusinessUnit: 'Global', prvWriteBusinessUnit: 'Local' }));
      expectError(await call('PATCH', `${s.root}businessunits(${p})`, { isdisabled: true }, asUser(local)), 403, '0x80048306');
      expect([await disabledOf(p), await disabledOf(c), await disabledOf(g)], 'nothing disabled').to.deep.equal([false, false, false]);
      const deep = await user('Reach deep writer', p, await makeRole(s, 'Reach deep writer', { prvReadBusinessUnit: 'Global', prvWriteBusinessUnit: 'Deep' }));
      expectError(await call('PATCH', `${s.root}businessunits(${root})`, { name: 'Reach root' }, asUser(deep)), 403, '0x80048306');
      const ok = await call('PATCH', `${s.root}businessunits(${p})`, { isdisabled: true }, asUser(deep));
      expect(ok.status, ok.text).to.equal(204);
      expect([await disabledOf(p), await disabledOf(c), await disabledOf(g)]).to.deep.equal([true, true, true]);
      // A unit whose units below are disabled already: Local is enough.
      expect((await call('PATCH', `${s.root}businessunits(${p})`, { isdisabled: false })).status).to.equal(204);
      const again = await call('PATCH', `${s.root}businessunits(${p})`, { isdisabled: true }, asUser(local));
      expect(again.status, again.text).to.equal(204);
    });

    it('refuses an enabled unit under a disabled one, created or moved; a disabled one may go there', async () => {
      const p = await unit('Under P', root);
      const x = await unit('Under X', root);
      expect((await call('PATCH', `${s.root}businessunits(${p})`, { isdisabled: true })).status).to.equal(204);
      const created = await call('POST', `${s.root}businessunits`, { name: 'Under new', 'parentbusinessunitid@odata.bind': `/businessunits(${p})` });
      expectError(created, 400, '0x80040203');
      expect(created.json.error.message).to.contain('disabled');
      expect((await get(`businessunits?$select=name&$filter=name eq 'Under new'`)).value).to.deep.equal([]);
      expectError(await call('PATCH', `${s.root}businessunits(${x})`, { 'parentbusinessunitid@odata.bind': `/businessunits(${p})` }), 400, '0x80040203');
      expectError(await setParent(x, p), 400, '0x80040203');
      expect(await parentOf(x)).to.equal(root);
      const both = await call('PATCH', `${s.root}businessunits(${x})`, { isdisabled: true, 'parentbusinessunitid@odata.bind': `/businessunits(${p})` });
      expect(both.status, both.text).to.equal(204);
      expect(await parentOf(x)).to.equal(p);
    });

    it('a unit moved under one being disabled at the same time ends disabled, or the move is refused', async () => {
      for (let round = 0; round < 4; round++) {
        const p = await unit(`Race P${round}`, root);
        let c = p;
        for (let i = 0; i < 4; i++) c = await unit(`Race C${round}.${i}`, c);
        const x = await unit(`Race X${round}`, root);
        const [disabling, moving] = await Promise.all([
          call('PATCH', `${s.root}businessunits(${p})`, { isdisabled: true }),
          call('PATCH', `${s.root}businessunits(${x})`, { 'parentbusinessunitid@odata.bind': `/businessunits(${c})` }),
        ]);
        expect(disabling.status, disabling.text).to.equal(204);
        if (moving.status === 204) expect(await disabledOf(x), `round ${round}`).to.equal(true);
        else expectError(moving, 400, '0x80040203');
      }
    });

    it('renaming a unit renames its default team', async () => {
      const a = await unit('Rename before', root);
      const r = await call('PATCH', `${s.root}businessunits(${a})`, { name: 'Rename after' });
      expect(r.status, r.text).to.equal(204);
      const teams = await get(`teams?$select=name&$filter=isdefault eq true and _businessunitid_value eq ${a}`);
      expect(teams.value.map((t: { name: string }) => t.name)).to.deep.equal(['Rename after']);
      // A refused rename changes neither.
      const writer = await user('Rename local', root, await makeRole(s, 'Rename local', { prvReadBusinessUnit: 'Global', prvWriteBusinessUnit: 'Local' }));
      expect((await call('PATCH', `${s.root}businessunits(${a})`, { name: 'Rename refused' }, asUser(writer))).status).to.equal(403);
      expect((await get(`teams?$select=name&$filter=isdefault eq true and _businessunitid_value eq ${a}`)).value[0].name).to.equal('Rename after');
    });
  });
}
