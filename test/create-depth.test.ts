import { expect } from 'chai';
import { startRelationshipServer } from './support/relationship-metadata.js';
import { asUser, makeRole, makeTeam, makeUnit, makeUserIn } from './support/principals.js';
import { call, DATABASES, type Reply, type TestServer } from './support/server.js';

/**
 * The depth of Create checked on the new row (Dataverse "How access to a record is determined",
 * "Security roles and privileges": the Create privilege's access level decides which records a
 * user may create, by the new record's owner): Basic, a row the caller or one of its teams owns;
 * Local, an owner in the caller's unit; Deep, in its unit or below; Global, any owner; a
 * business-owned row by its own unit; a role held through a team of another unit counting from
 * the team's unit. Tree: root > A > A1, root > B; the callers are in A.
 */
for (const database of DATABASES) {
  describe(`the depth of a create, checked on the new row's owner [${database.name}]`, () => {
    let s: TestServer;
    let root: string;
    let a: string;
    let a1: string;
    let b: string;
    /** Users of each unit, the rows' would-be owners. */
    let inA: string;
    let inA1: string;
    let inB: string;
    let inRoot: string;
    /** Assign on accounts at Global, which any create for another owner takes besides Create. */
    let assigner: string;
    before(async () => {
      s = await startRelationshipServer(database);
      root = (await call('GET', `${s.root}WhoAmI()`)).json.BusinessUnitId as string;
      a = await makeUnit(s, 'CD A', root);
      a1 = await makeUnit(s, 'CD A1', a);
      b = await makeUnit(s, 'CD B', root);
      inA = await makeUserIn(s, 'CD owner A', a);
      inA1 = await makeUserIn(s, 'CD owner A1', a1);
      inB = await makeUserIn(s, 'CD owner B', b);
      inRoot = await makeUserIn(s, 'CD owner root', root);
      assigner = await makeRole(s, 'CD assigner', { prvAssignaccount: 'Global', prvReadaccount: 'Global' });
    });
    after(async () => { await s.close(); });

    /** A user of unit A holding prvCreateaccount at `depth` and Assign at Global. */
    const creator = async (depth: string) => makeUserIn(s, `CD creator ${depth}`, a, await makeRole(s, `CD create ${depth}`, { prvCreateaccount: depth }), assigner);
    const create = (as: string, name: string, owner?: string, set = 'systemusers') =>
      call('POST', `${s.root}accounts`, { name, ...owner ? { 'ownerid@odata.bind': `/${set}(${owner})` } : {} }, asUser(as));
    /** Asserts the refusal of a create for `right` on accounts, naming the owner's unit when `unit` is given. */
    const refused = (r: Reply, unit?: string) => {
      expect(r.status, r.text).to.equal(403);
      expect(r.json.error.code).to.equal('0x80048306');
      expect(r.json.error.message).to.contain('SecLib::AccessCheckEx failed').and.contain('ObjectTypeName: account').and.contain('AccessRights: CreateAccess');
      if (unit) expect(r.json.error.message).to.contain(`objectBusinessUnitId: ${unit}`);
    };
    const named = async (name: string) => (await call('GET', `${s.root}accounts?$select=name&$filter=name eq '${name}'`)).json.value.length as number;

    it('Basic: a row the caller owns, or one of its teams; not one owned by another user of its unit, even with prvAssign', async () => {
      const caller = await creator('Basic');
      expect((await create(caller, 'cd basic own')).status).to.equal(204);
      expect((await create(caller, 'cd basic own named', caller)).status).to.equal(204);
      const team = await makeTeam(s, 'CD basic team', b, [], [caller]);
      expect((await create(caller, 'cd basic team', team, 'teams')).status).to.equal(204);
      refused(await create(caller, 'cd basic other', inA));
      expect(await named('cd basic other')).to.equal(0);
    });

    it("Local: an owner of the caller's unit, not of the unit below", async () => {
      const caller = await creator('Local');
      expect((await create(caller, 'cd local A', inA)).status).to.equal(204);
      refused(await create(caller, 'cd local A1', inA1), a1);
      refused(await create(caller, 'cd local B', inB), b);
      expect(await named('cd local A1') + await named('cd local B')).to.equal(0);
    });

    it("Deep: an owner of the caller's unit or one below, not of the parent or a sibling; Global: any owner", async () => {
      const caller = await creator('Deep');
      expect((await create(caller, 'cd deep A', inA)).status).to.equal(204);
      expect((await create(caller, 'cd deep A1', inA1)).status).to.equal(204);
      refused(await create(caller, 'cd deep root', inRoot), root);
      refused(await create(caller, 'cd deep B', inB), b);
      const global = await creator('Global');
      for (const owner of [inA, inA1, inB, inRoot]) expect((await create(global, 'cd global', owner)).status).to.equal(204);
      expect(await named('cd global')).to.equal(4);
    });

    it("a team owner counts by the team's unit: Local creates for a team of the caller's unit it is not in, not for another unit's", async () => {
      const caller = await creator('Local');
      const teamA = await makeTeam(s, 'CD team A', a, [], []);
      const teamB = await makeTeam(s, 'CD team B', b, [], []);
      expect((await create(caller, 'cd team A', teamA, 'teams')).status).to.equal(204);
      refused(await create(caller, 'cd team B', teamB, 'teams'), b);
    });

    it('CreateMultiple: one item refused rolls every item back and names Targets[i]', async () => {
      const caller = await creator('Local');
      const target = (name: string, owner?: string) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.account', name, ...owner ? { 'ownerid@odata.bind': `/systemusers(${owner})` } : {} });
      const r = await call('POST', `${s.root}accounts/Microsoft.Dynamics.CRM.CreateMultiple`, {
        Targets: [target('cd many 0'), target('cd many 1', inA), target('cd many 2', inA), target('cd many 3', inB), target('cd many 4', inA)],
      }, asUser(caller));
      refused(r, b);
      expect(r.json.error.message).to.match(/^Targets\[3\]: SecLib/);
      expect(await named('cd many 0') + await named('cd many 1') + await named('cd many 2')).to.equal(0);
      const fine = await call('POST', `${s.root}accounts/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [target('cd many ok', inA), target('cd many ok', inA), target('cd many ok')] }, asUser(caller));
      expect(fine.status, fine.text).to.equal(200);
      expect(await named('cd many ok')).to.equal(3);
    });

    it("a role held through a team of another unit counts from the team's unit", async () => {
      // The caller, in A, holds Create only through a team of B that holds it at Local.
      const caller = await makeUserIn(s, 'CD team member', a, assigner);
      await makeTeam(s, 'CD creators of B', b, [await makeRole(s, 'CD create Local through team', { prvCreateaccount: 'Local' })], [caller]);
      expect((await create(caller, 'cd through team B', inB)).status).to.equal(204);
      refused(await create(caller, 'cd through team A', inA), a);
      expect((await create(caller, 'cd through team own')).status).to.equal(204);
    });

    it('upsert by PATCH, UpsertMultiple, a deep insert and a $batch change set check the new row the same way', async () => {
      const caller = await creator('Local');
      const id = '00000000-0000-0000-0000-00000000cd01';
      refused(await call('PATCH', `${s.root}accounts(${id})`, { name: 'cd upsert', 'ownerid@odata.bind': `/systemusers(${inB})` }, asUser(caller)), b);
      expect((await call('PATCH', `${s.root}accounts(${id})`, { name: 'cd upsert', 'ownerid@odata.bind': `/systemusers(${inA})` }, asUser(caller))).status).to.equal(204);

      const upserts = await call('POST', `${s.root}accounts/Microsoft.Dynamics.CRM.UpsertMultiple`, {
        Targets: [{ '@odata.type': 'Microsoft.Dynamics.CRM.account', accountid: '00000000-0000-0000-0000-00000000cd02', name: 'cd upsert many', 'ownerid@odata.bind': `/systemusers(${inB})` }],
      }, asUser(caller));
      refused(upserts, b);
      expect(await named('cd upsert many')).to.equal(0);

      // The caller may create contacts of its unit only: the related row of a deep insert is checked too.
      const contacts = await makeRole(s, 'CD contacts Local', { prvCreatecontact: 'Local', prvAssigncontact: 'Global', prvAppendaccount: 'Global', prvAppendTocontact: 'Global' });
      const deep = await makeUserIn(s, 'CD deep inserter', a, await makeRole(s, 'CD create Global', { prvCreateaccount: 'Global' }), assigner, contacts);
      const body = (owner: string) => ({ name: 'cd deep insert', primarycontactid: { fullname: 'cd deep contact', 'ownerid@odata.bind': `/systemusers(${owner})` } });
      const inserted = await call('POST', `${s.root}accounts`, body(inB), asUser(deep));
      expect(inserted.status, inserted.text).to.equal(403);
      expect(inserted.json.error.message).to.contain('ObjectTypeName: contact').and.contain('AccessRights: CreateAccess').and.contain(`objectBusinessUnitId: ${b}`);
      expect(await named('cd deep insert')).to.equal(0);
      expect((await call('POST', `${s.root}accounts`, body(inA), asUser(deep))).status).to.equal(204);

      const part = (name: string, owner: string, n: number) => `--cs\nContent-Type: application/http\nContent-Transfer-Encoding: binary\nContent-ID: ${n}\n\nPOST /api/data/v9.2/accounts HTTP/1.1\nContent-Type: application/json\n\n${JSON.stringify({ name, 'ownerid@odata.bind': `/systemusers(${owner})` })}\n`;
      const batch = `--b\nContent-Type: multipart/mixed;boundary=cs\n\n${part('cd batch A', inA, 1)}${part('cd batch B', inB, 2)}--cs--\n--b--\n`;
      const r = await call('POST', `${s.root}$batch`, batch, { ...asUser(caller), 'Content-Type': 'multipart/mixed;boundary=b' });
      expect(r.text).to.contain('403').and.contain('0x80048306').and.contain('AccessRights: CreateAccess');
      expect(await named('cd batch A') + await named('cd batch B')).to.equal(0);
    });

    it("AppendTo on a deep insert's related row is checked at its depth, on the stored row's unit, in a Create and in CreateMultiple", async () => {
      // Contacts may be created for any owner, but appended to only in the caller's unit (Local).
      const role = await makeRole(s, 'CD append to Local', { prvCreatecontact: 'Global', prvAssigncontact: 'Global', prvAppendaccount: 'Global', prvAppendTocontact: 'Local' });
      const caller = await makeUserIn(s, 'CD append-to Local', a, await makeRole(s, 'CD create accounts Global', { prvCreateaccount: 'Global' }), assigner, role);
      const body = (name: string, owner: string) => ({ name, primarycontactid: { fullname: `${name} contact`, 'ownerid@odata.bind': `/systemusers(${owner})` } });
      const outside = await call('POST', `${s.root}accounts`, body('cd append-to B', inB), asUser(caller));
      expect(outside.status, outside.text).to.equal(403);
      expect(outside.json.error.code).to.equal('0x80048306');
      expect(outside.json.error.message).to.contain('ObjectTypeName: contact').and.contain('AccessRights: AppendToAccess').and.contain(`objectBusinessUnitId: ${b}`);
      const contacts = async (name: string) => (await call('GET', `${s.root}contacts?$select=fullname&$filter=fullname eq '${name} contact'`)).json.value.length as number;
      expect(await named('cd append-to B') + await contacts('cd append-to B'), 'nothing is left of the refused create').to.equal(0);
      const inside = await call('POST', `${s.root}accounts`, body('cd append-to A', inA), asUser(caller));
      expect(inside.status, inside.text).to.equal(204);

      const target = (name: string, owner: string) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.account', ...body(name, owner) });
      const many = await call('POST', `${s.root}accounts/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [target('cd append-to many A', inA), target('cd append-to many A1', inA1)] }, asUser(caller));
      expect(many.status, many.text).to.equal(403);
      expect(many.json.error.message).to.match(/^Targets\[1\]: SecLib/).and.contain('AccessRights: AppendToAccess').and.contain(`objectBusinessUnitId: ${a1}`);
      expect(await named('cd append-to many A') + await contacts('cd append-to many A'), 'the whole request is rolled back').to.equal(0);
    });

    it('a business-owned row counts by its own unit: a team made at Local in the caller\'s unit, not in the unit below', async () => {
      const caller = makeUserIn(s, 'CD team maker', a, await makeRole(s, 'CD teams Local', { prvCreateTeam: 'Local', prvReadTeam: 'Local', prvAppendTeam: 'Local', prvAppendToBusinessUnit: 'Global' }));
      const team = async (name: string, unit: string) => call('POST', `${s.root}teams`, { name, 'businessunitid@odata.bind': `/businessunits(${unit})` }, asUser(await caller));
      const made = await team('CD made in A', a);
      expect(made.status, made.text).to.equal(204);
      const r = await team('CD made in A1', a1);
      expect(r.status, r.text).to.equal(403);
      expect(r.json.error.code).to.equal('0x80048306');
      expect(r.json.error.message).to.contain('ObjectTypeName: team').and.contain('AccessRights: CreateAccess').and.contain(`objectBusinessUnitId: ${a1}`);
    });
  });
}
