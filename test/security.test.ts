import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { relationshipMetadata } from './support/relationship-metadata.js';
import { call, createRow, DATABASES, startServer, type TestServer } from './support/server.js';

/**
 * Security roles and privileges (Dataverse "Security roles and privileges"): users hold roles,
 * roles hold privileges at a depth, and every request a user makes is checked against them — the
 * table-level privilege (403 0x80040220) and, at Basic depth, the rows the user owns (reads
 * filtered, other rows' writes 403 0x80048306). Requests run as users through MSCRMCallerID,
 * sent by the built-in system user, which holds every privilege (impersonation by signed-in users,
 * and its privilege, are in authentication.test.ts). The user-owned test tables `account` and
 * `contact` (account.primarycontactid → contact) have rows with owners; the shipped copilot tables
 * are organization-owned.
 */
const TABLE = 'account';
const SET = 'accounts';
const NAME = 'name';

for (const database of DATABASES) {
  describe(`security roles and privileges [${database.name}]`, () => {
    let s: TestServer;
    let metadata: string;
    before(async () => {
      metadata = relationshipMetadata();
      s = await startServer(metadata, database);
    });
    after(async () => {
      await s.close();
      rmSync(metadata, { recursive: true, force: true });
    });

    /** A new user, with the roles given (their ids). */
    const user = async (name: string, ...roles: string[]): Promise<string> => {
      const id = (await createRow(s, 'systemusers', { fullname: name })).systemuserid as string;
      for (const role of roles) {
        const r = await call('POST', `${s.root}systemusers(${id})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${role})` });
        expect(r.status, r.text).to.equal(204);
      }
      return id;
    };
    /** A new role holding `privileges` (name → depth). */
    const role = async (name: string, privileges: Record<string, string>): Promise<string> => {
      const id = (await createRow(s, 'roles', { name })).roleid as string;
      const r = await call('POST', `${s.root}roles(${id})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, {
        Privileges: Object.entries(privileges).map(([PrivilegeName, Depth]) => ({ PrivilegeName, Depth })),
      });
      expect(r.status, r.text).to.equal(204);
      return id;
    };
    const as = (userId: string) => ({ MSCRMCallerID: userId });
    const rights = (verbs: string[], depth: string) => Object.fromEntries(verbs.map((v) => [`prv${v}${TABLE}`, depth]));

    it('keeps a privilege per table and right, and the System Administrator role holding them all at Global depth', async () => {
      const read = await call('GET', `${s.root}privileges?$select=name,accessright,canbebasic,canbeglobal&$filter=endswith(name,'${TABLE}')&$orderby=accessright`);
      expect(read.status, read.text).to.equal(200);
      expect(read.json.value.map((p: { name: string; accessright: number }) => [p.name, p.accessright])).to.deep.equal([
        [`prvRead${TABLE}`, 1], [`prvWrite${TABLE}`, 2], [`prvAppend${TABLE}`, 4], [`prvAppendTo${TABLE}`, 16],
        [`prvCreate${TABLE}`, 32], [`prvDelete${TABLE}`, 65536], [`prvShare${TABLE}`, 262144], [`prvAssign${TABLE}`, 524288],
      ]);
      const users = await call('GET', `${s.root}privileges?$select=name,canbebasic,canbeglobal&$filter=name eq 'prvReadUser'`);
      expect(users.json.value).to.have.length(1);
      expect(users.json.value[0]).to.include({ canbebasic: false, canbeglobal: true });
      const admin = await call('GET', `${s.root}roles?$select=name&$filter=name eq 'System Administrator'&$expand=role_roleprivileges($select=privilegedepthmask)`);
      expect(admin.json.value).to.have.length(1);
      const all = await call('GET', `${s.root}privileges/$count`);
      const grants = admin.json.value[0].role_roleprivileges as Array<{ privilegedepthmask: number }>;
      expect(grants).to.have.length(Number(all.text));
      expect(new Set(grants.map((g) => g.privilegedepthmask))).to.deep.equal(new Set([8]));
    });

    it('refuses a user without the privilege with 0x80040220, naming it', async () => {
      const nobody = await user('No Roles');
      for (const [method, path, body] of [['GET', SET], ['POST', SET, { name: 'x' }], ['GET', `${SET}/$count`], ['GET', `${SET}?$apply=aggregate($count as n)`]] as const) {
        const r = await call(method, `${s.root}${path}`, body, as(nobody));
        expect(r.status, `${method} ${path}: ${r.text}`).to.equal(403);
        expect(r.json.error.code).to.equal('0x80040220');
        expect(r.json.error.message).to.match(new RegExp(`^Principal user \\(Id=${nobody}, type=8, roleCount=0, .*is missing prv(Read|Create)${TABLE} privilege \\(Id=[0-9a-f-]{36}\\) for entity '${TABLE}'`));
      }
      const links = await call('GET', `${s.root}systemuserrolescollection`, undefined, as(nobody));
      expect(links.status, 'the links between users and roles take Read on both').to.equal(403);
      expect(links.json.error.message).to.match(/is missing prvRead(User|Role) privilege/);
      const who = await call('GET', `${s.root}WhoAmI()`, undefined, as(nobody));
      expect(who.status, 'WhoAmI takes no privilege').to.equal(200);
      expect(who.json.UserId).to.equal(nobody);
    });

    it('at Basic depth: reads, counts and changes only the rows the user owns; others are 403 0x80048306', async () => {
      const basic = await role('Basic interactions', rights(['Create', 'Read', 'Write', 'Delete'], 'Basic'));
      const alice = await user('Alice', basic);
      const bob = await user('Bob', basic);
      const mine = await call('POST', `${s.root}${SET}`, { name: 'alice 1' }, { ...as(alice), Prefer: 'return=representation' });
      expect(mine.status, mine.text).to.equal(201);
      expect(mine.json._ownerid_value).to.equal(alice);
      const theirs = (await call('POST', `${s.root}${SET}`, { name: 'bob 1' }, { ...as(bob), Prefer: 'return=representation' })).json[`${TABLE}id`] as string;
      const mineId = mine.json[`${TABLE}id`] as string;

      const list = await call('GET', `${s.root}${SET}?$select=name&$filter=startswith(name,'alice') or startswith(name,'bob')&$count=true`, undefined, as(alice));
      expect(list.json.value.map((r: { name: string }) => r.name)).to.deep.equal(['alice 1']);
      expect(list.json['@odata.count']).to.equal(1);
      const all = await call('GET', `${s.root}${SET}?$select=name&$filter=startswith(name,'alice') or startswith(name,'bob')`);
      expect(all.json.value, 'the system user sees both').to.have.length(2);

      const denied = [
        ['GET', `${SET}(${theirs})`, undefined, 'ReadAccess'],
        ['PATCH', `${SET}(${theirs})`, { name: 'taken' }, 'WriteAccess'],
        ['DELETE', `${SET}(${theirs})`, undefined, 'DeleteAccess'],
      ] as const;
      for (const [method, path, body, right] of denied) {
        const r = await call(method, `${s.root}${path}`, body, as(alice));
        expect(r.status, `${method}: ${r.text}`).to.equal(403);
        expect(r.json.error.code).to.equal('0x80048306');
        expect(r.json.error.message).to.contain(`ObjectID: ${theirs}, OwnerId: ${bob}, OwnerIdType: 8 and CallingUser: ${alice}.`).and.contain(`AccessRights: ${right}`);
      }
      const still = await call('GET', `${s.root}${SET}(${theirs})?$select=name`);
      expect(still.json.name, 'nothing changed').to.equal('bob 1');
      const gone = await call('GET', `${s.root}${SET}(00000000-0000-0000-0000-00000000abcd)`, undefined, as(alice));
      expect(gone.status, 'a row that does not exist is still 404').to.equal(404);

      expect((await call('PATCH', `${s.root}${SET}(${mineId})`, { name: 'alice 2' }, as(alice))).status).to.equal(204);
      const many = await call('POST', `${s.root}${SET}/Microsoft.Dynamics.CRM.UpdateMultiple`, {
        Targets: [{ '@odata.type': `Microsoft.Dynamics.CRM.${TABLE}`, [`${TABLE}id`]: mineId, name: 'alice 3' }, { '@odata.type': `Microsoft.Dynamics.CRM.${TABLE}`, [`${TABLE}id`]: theirs, name: 'taken' }],
      }, as(alice));
      expect(many.status, many.text).to.equal(403);
      expect((await call('GET', `${s.root}${SET}(${mineId})?$select=name`)).json.name, 'all or nothing').to.equal('alice 2');
      const assign = await call('PATCH', `${s.root}${SET}(${mineId})`, { 'ownerid@odata.bind': `systemusers(${bob})` }, as(alice));
      expect(assign.status, 'giving a row away takes prvAssign').to.equal(403);
      expect(assign.json.error.message).to.contain(`prvAssign${TABLE}`);
      expect((await call('DELETE', `${s.root}${SET}(${mineId})`, undefined, as(alice))).status).to.equal(204);
    });

    it('at Global depth reaches every row; Local and Deep reach as far while there is one business unit', async () => {
      const owner = await user('Owner', await role('Creators', rights(['Create', 'Read'], 'Basic')));
      const row = (await call('POST', `${s.root}${SET}`, { name: 'owned elsewhere' }, { ...as(owner), Prefer: 'return=representation' })).json[`${TABLE}id`] as string;
      for (const depth of ['Global', 'Local', 'Deep']) {
        const reader = await user(`Reader ${depth}`, await role(`Readers ${depth}`, rights(['Read', 'Write'], depth)));
        const r = await call('GET', `${s.root}${SET}(${row})?$select=name`, undefined, as(reader));
        expect(r.status, `${depth}: ${r.text}`).to.equal(200);
        expect((await call('PATCH', `${s.root}${SET}(${row})`, { name: `by ${depth}` }, as(reader))).status).to.equal(204);
      }
    });

    it("filters expanded rows and relationship conditions by the related table's privileges", async () => {
      const basic = await role('Basic with contacts', {
        ...rights(['Create', 'Read', 'Append'], 'Basic'),
        prvCreatecontact: 'Global', prvReadcontact: 'Global', prvAppendTocontact: 'Global',
      });
      const carol = await user('Carol', basic);
      const dave = await user('Dave', basic);
      const contact = (await call('POST', `${s.root}contacts`, { fullname: 'Shared Contact' }, { ...as(carol), Prefer: 'return=representation' })).json.contactid as string;
      for (const [who, name] of [[carol, 'carol row'], [dave, 'dave row']] as const) {
        const r = await call('POST', `${s.root}${SET}`, { name, 'primarycontactid@odata.bind': `contacts(${contact})` }, as(who));
        expect(r.status, r.text).to.equal(204);
      }
      const nav = 'contact_account_primarycontactid';
      const expanded = await call('GET', `${s.root}contacts(${contact})?$select=fullname&$expand=${nav}($select=name)`, undefined, as(carol));
      expect(expanded.status, expanded.text).to.equal(200);
      expect(expanded.json[nav].map((r: { name: string }) => r.name)).to.deep.equal(['carol row']);
      const any = await call('GET', `${s.root}contacts?$select=fullname&$filter=${nav}/any(a:a/name eq 'dave row')`, undefined, as(carol));
      expect(any.json.value, "Dave's row is not there for Carol").to.have.length(0);
      expect((await call('GET', `${s.root}contacts?$select=fullname&$filter=${nav}/any(a:a/name eq 'dave row')`, undefined, as(dave))).json.value).to.have.length(1);
      const related = await call('GET', `${s.root}contacts(${contact})/${nav}?$select=name`, undefined, as(dave));
      expect(related.json.value.map((r: { name: string }) => r.name)).to.deep.equal(['dave row']);
      const noContacts = await user('Ivan', await role('Accounts only', rights(['Read'], 'Global')));
      const refusedExpand = await call('GET', `${s.root}${SET}?$select=name&$expand=primarycontactid($select=fullname)`, undefined, as(noContacts));
      expect(refusedExpand.status, 'expanding a table the user cannot read').to.equal(403);
      expect(refusedExpand.json.error.message, refusedExpand.text).to.contain('prvReadcontact');
      const noAppend = await user('Erin', await role('No append', rights(['Create', 'Read'], 'Global')));
      const refused = await call('POST', `${s.root}${SET}`, { name: 'x', 'primarycontactid@odata.bind': `contacts(${contact})` }, as(noAppend));
      expect(refused.status).to.equal(403);
      expect(refused.json.error.message).to.contain(`prvAppend${TABLE}`);
    });

    it('giving a user a role takes prvAssignRole', async () => {
      const plain = await role('Plain', rights(['Create', 'Read'], 'Global'));
      const frank = await user('Frank', plain);
      const grace = await user('Grace', plain);
      const link = await call('POST', `${s.root}systemusers(${grace})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${plain})` }, as(frank));
      expect(link.status, link.text).to.equal(403);
      expect(link.json.error.message).to.match(/is missing prv(AppendToUser|AppendToRole|AssignRole) privilege/);
      const unlink = await call('DELETE', `${s.root}systemusers(${grace})/systemuserroles_association(${plain})/$ref`, undefined, as(frank));
      expect(unlink.status, unlink.text).to.equal(403);
      const roles = await call('GET', `${s.root}systemusers(${grace})/systemuserroles_association?$select=name`);
      expect(roles.json.value.map((x: { name: string }) => x.name)).to.deep.equal(['Plain']);
      const assigner = await user('Judy', await role('Role assigner', { prvAppendToUser: 'Global', prvAppendToRole: 'Global', prvAssignRole: 'Global' }));
      expect((await call('DELETE', `${s.root}systemusers(${grace})/systemuserroles_association(${plain})/$ref`, undefined, as(assigner))).status).to.equal(204);
      expect((await call('GET', `${s.root}${SET}?$select=name`, undefined, as(grace))).status, 'without the role Grace reads nothing').to.equal(403);
    });

    it('AddPrivilegesRole checks its input, changes depths, and RemovePrivilegeRole takes a privilege away', async () => {
      const id = (await createRow(s, 'roles', { name: 'Editable' })).roleid as string;
      const add = (body: unknown) => call('POST', `${s.root}roles(${id})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, body);
      const bad = [
        [{ Privileges: [{ PrivilegeName: 'prvReadNothing', Depth: 'Global' }] }, /no privilege has the name 'prvReadNothing'/],
        [{ Privileges: [{ PrivilegeName: 'prvReadUser', Depth: 'Basic' }] }, /prvReadUser cannot be held at Basic depth/],
        [{ Privileges: [{ PrivilegeName: `prvRead${TABLE}`, Depth: 'Everywhere' }] }, /Depth must be one of Basic, Local, Deep, Global/],
        [{ Privileges: 'all' }, /not a valid Collection\(mscrm.RolePrivilege\)/],
      ] as const;
      for (const [body, message] of bad) {
        const r = await add(body);
        expect(r.status, r.text).to.equal(400);
        expect(r.json.error.message).to.match(message);
      }
      const grants = async () => (await call('GET', `${s.root}roles(${id})/role_roleprivileges?$select=privilegedepthmask&$expand=privilegeid($select=name)`)).json.value
        .map((g: { privilegedepthmask: number; privilegeid: { name: string } }) => [g.privilegeid.name, g.privilegedepthmask]);
      expect(await grants(), 'a refused call changes nothing').to.deep.equal([]);
      expect((await add({ Privileges: [{ PrivilegeName: `prvRead${TABLE}`, Depth: 'Basic' }, { PrivilegeName: `prvWrite${TABLE}`, Depth: 3 }] })).status).to.equal(204);
      expect((await add({ Privileges: [{ PrivilegeName: `prvRead${TABLE}`, Depth: 'Deep' }] })).status).to.equal(204);
      expect(new Map(await grants())).to.deep.equal(new Map([[`prvRead${TABLE}`, 4], [`prvWrite${TABLE}`, 8]]));
      const write = (await call('GET', `${s.root}privileges?$select=name&$filter=name eq 'prvWrite${TABLE}'`)).json.value[0].privilegeid as string;
      expect((await call('POST', `${s.root}roles(${id})/Microsoft.Dynamics.CRM.RemovePrivilegeRole`, { PrivilegeId: write })).status).to.equal(204);
      expect(await grants()).to.deep.equal([[`prvRead${TABLE}`, 4]]);
      const missing = await call('POST', `${s.root}roles(00000000-0000-0000-0000-0000000000aa)/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { Privileges: [] });
      expect(missing.status).to.equal(404);
      const direct = await call('POST', `${s.root}roleprivilegescollection`, { privilegedepthmask: 8 });
      expect(direct.status, 'roleprivileges is written by the messages only').to.equal(400);
      const metadata = await call('GET', `${s.root}$metadata`);
      expect(metadata.text).to.contain('<EnumType Name="PrivilegeDepth"><Member Name="Basic" Value="0"/>')
        .and.contain('<Action Name="AddPrivilegesRole" IsBound="true"><Parameter Name="entity" Type="mscrm.crmbaseentity" Nullable="false"/><Parameter Name="Privileges" Type="Collection(mscrm.RolePrivilege)" Nullable="false"/>');
    });
  });
}
