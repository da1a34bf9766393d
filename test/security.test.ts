import { expect } from 'chai';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { relationshipMetadata } from './support/relationship-metadata.js';
import { asUser, makeRole, makeUser } from './support/principals.js';
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
      // Accounts track changes and may be retained, for the change tracking and Retain checks.
      const file = join(metadata, 'account.json');
      // Accounts and contacts are also linked many-to-many, both sides user-owned.
      writeFileSync(file, JSON.stringify({
        ...JSON.parse(readFileSync(file, 'utf8')), ChangeTrackingEnabled: true, IsRetentionEnabled: true,
        ManyToManyRelationships: [{ SchemaName: 'new_account_contact', Entity1LogicalName: 'account', Entity2LogicalName: 'contact' }],
      }));
      s = await startServer(metadata, database);
    });
    after(async () => {
      await s.close();
      rmSync(metadata, { recursive: true, force: true });
    });

    /** A new user, with the roles given (their ids). */
    const user = (name: string, ...roles: string[]): Promise<string> => makeUser(s, name, ...roles);
    /** A new role holding `privileges` (name → depth). */
    const role = (name: string, privileges: Record<string, string>): Promise<string> => makeRole(s, name, privileges);
    const as = asUser;
    /** The `c.fullname` of each row `fetchXml` reads with `headers` (200 expected), null where no linked row is readable. */
    const linkedNames = async (fetchXml: string, headers: Record<string, string>): Promise<Array<string | null>> => {
      const r = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(fetchXml)}`, undefined, headers);
      expect(r.status, r.text).to.equal(200);
      return r.json.value.map((a: Record<string, string>) => a['c_x002e_fullname'] ?? null);
    };
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
      // roleCount counts the roles held, with privileges or without (Dataverse's message).
      const empty = await user('Empty Role', await role('No privileges', {}));
      const r = await call('GET', `${s.root}${SET}`, undefined, as(empty));
      expect(r.status, r.text).to.equal(403);
      expect(r.json.error.message).to.match(new RegExp(`^Principal user \\(Id=${empty}, type=8, roleCount=1, privilegeCount=0, .*is missing prvRead${TABLE} privilege`));
      const links = await call('GET', `${s.root}systemuserrolescollection`, undefined, as(nobody));
      expect(links.status, 'the links between users and roles take Read on both').to.equal(403);
      expect(links.json.error.message).to.match(/is missing prvRead(User|Role) privilege/);
      // By alternate key too, before the key is looked up: whether a row has it stays hidden.
      expect((await call('POST', `${s.root}${SET}`, { name: 'keyed', accountnumber: 'SECRET-1' })).status).to.equal(204);
      for (const number of ['SECRET-1', 'NO-SUCH-NUMBER']) {
        for (const [method, path, body] of [['GET', `${SET}(accountnumber='${number}')`], ['GET', `${SET}(accountnumber='${number}')/name`],
          ['POST', 'contacts', { fullname: 'binder', emailaddress1: `${number}@x.test`, 'parentcustomerid_account@odata.bind': `${SET}(accountnumber='${number}')` }]] as const) {
          const r = await call(method, `${s.root}${path}`, body, as(nobody));
          expect(r.status, `${method} ${path}: ${r.text}`).to.equal(403);
          expect(r.json.error.code, `${method} ${path}`).to.equal('0x80040220');
        }
      }
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

    it('checks Assign and AppendTo on the row at Basic depth; setting oneself as owner takes neither', async () => {
      const owners = await role('Owners', { ...rights(['Create', 'Read', 'Write', 'Append'], 'Global'), [`prvAssign${TABLE}`]: 'Basic', prvReadcontact: 'Global', prvCreatecontact: 'Basic', prvAppendTocontact: 'Basic' });
      const kim = await user('Kim', owners);
      const lee = await user('Lee', owners);
      const theirs = (await call('POST', `${s.root}${SET}`, { name: 'lee account', 'ownerid@odata.bind': `systemusers(${lee})` }, { ...as(lee), Prefer: 'return=representation' }));
      expect(theirs.status, `naming oneself as owner: ${theirs.text}`).to.equal(201);
      const leeAccount = theirs.json.accountid as string;
      const mine = (await call('POST', `${s.root}${SET}`, { name: 'kim account' }, { ...as(kim), Prefer: 'return=representation' })).json.accountid as string;
      const take = await call('PATCH', `${s.root}${SET}(${leeAccount})`, { 'ownerid@odata.bind': `systemusers(${kim})` }, as(kim));
      expect(take.status, take.text).to.equal(403);
      expect(take.json.error.code).to.equal('0x80048306');
      expect(take.json.error.message).to.contain('AccessRights: AssignAccess');
      expect((await call('GET', `${s.root}${SET}(${leeAccount})?$select=_ownerid_value`)).json._ownerid_value).to.equal(lee);
      expect((await call('PATCH', `${s.root}${SET}(${mine})`, { 'ownerid@odata.bind': `systemusers(${lee})` }, as(kim))).status, 'Basic Assign gives away its own rows').to.equal(204);
      const given = (await call('GET', `${s.root}${SET}(${mine})?$select=_ownerid_value,_owninguser_value`)).json;
      expect([given._ownerid_value, given._owninguser_value], 'owninguser follows the new owner').to.deep.equal([lee, lee]);

      const leeContact = (await call('POST', `${s.root}contacts`, { fullname: 'Lee Contact' }, { ...as(lee), Prefer: 'return=representation' })).json.contactid as string;
      const kimContact = (await call('POST', `${s.root}contacts`, { fullname: 'Kim Contact' }, { ...as(kim), Prefer: 'return=representation' })).json.contactid as string;
      const other = await call('POST', `${s.root}${SET}`, { name: 'points at lee', 'primarycontactid@odata.bind': `contacts(${leeContact})` }, as(kim));
      expect(other.status, other.text).to.equal(403);
      expect(other.json.error.code).to.equal('0x80048306');
      expect(other.json.error.message).to.contain(`ObjectID: ${leeContact}`).and.contain('AccessRights: AppendToAccess');
      expect((await call('POST', `${s.root}${SET}`, { name: 'points at kim', 'primarycontactid@odata.bind': `contacts(${kimContact})` }, as(kim))).status).to.equal(204);
      const bind = await call('PUT', `${s.root}${SET}(${leeAccount})/primarycontactid/$ref`, { '@odata.id': `${s.root}contacts(${kimContact})` }, as(kim));
      expect(bind.status, 'Append reaches every account; AppendTo its own contact').to.equal(204);
    });

    it('answers 403 and writes nothing when the row written cannot be read back (Prefer: return=representation)', async () => {
      const creator = await user('Creator only', await role('Create only', rights(['Create'], 'Global')));
      const before = Number((await call('GET', `${s.root}${SET}/$count`)).text);
      const r = await call('POST', `${s.root}${SET}`, { name: 'unreadable' }, { ...as(creator), Prefer: 'return=representation' });
      expect(r.status, r.text).to.equal(403);
      expect(r.json.error.message).to.contain(`prvRead${TABLE}`);
      expect(Number((await call('GET', `${s.root}${SET}/$count`)).text), 'nothing created').to.equal(before);
      expect((await call('POST', `${s.root}${SET}`, { name: 'written' }, as(creator))).status, 'without the representation it may create').to.equal(204);
      const writer = await user('Writer', await role('Write all, read own', { ...rights(['Write'], 'Global'), ...rights(['Read'], 'Basic') }));
      const row = (await createRow(s, SET, { name: 'system row' })).accountid as string;
      const patch = await call('PATCH', `${s.root}${SET}(${row})`, { name: 'changed' }, { ...as(writer), Prefer: 'return=representation' });
      expect(patch.status, patch.text).to.equal(403);
      expect((await call('GET', `${s.root}${SET}(${row})?$select=name`)).json.name, 'nothing changed').to.equal('system row');
    });

    it('upserts a new row with Create alone; an existing one takes Write', async () => {
      const creator = await user('Upserter', await role('Create and read', rights(['Create', 'Read'], 'Global')));
      const id = '00000000-0000-0000-0000-00000000c0de';
      const created = await call('PATCH', `${s.root}${SET}(${id})`, { name: 'upserted' }, as(creator));
      expect(created.status, created.text).to.equal(204);
      const again = await call('PATCH', `${s.root}${SET}(${id})`, { name: 'changed' }, as(creator));
      expect(again.status).to.equal(403);
      expect(again.json.error.message).to.contain(`prvWrite${TABLE}`);
      expect((await call('GET', `${s.root}${SET}(${id})?$select=name`)).json.name).to.equal('upserted');
    });

    it('Retain of a row outside the depth is 403, not a row skipped', async () => {
      const retainer = await role('Retainer', rights(['Create', 'Read', 'Write'], 'Basic'));
      const mia = await user('Mia', retainer);
      const ned = await user('Ned', retainer);
      const neds = (await call('POST', `${s.root}${SET}`, { name: 'ned retained?' }, { ...as(ned), Prefer: 'return=representation' })).json.accountid as string;
      const r = await call('POST', `${s.root}Retain`, { Target: { '@odata.type': `Microsoft.Dynamics.CRM.${TABLE}`, accountid: neds } }, as(mia));
      expect(r.status, r.text).to.equal(403);
      expect(r.json.error.code).to.equal('0x80048306');
      expect((await call('GET', `${s.root}${SET}(${neds})?$select=name`)).status, 'still active').to.equal(200);
    });

    it('checks Read on the tables an aggregate reaches through lookups, and on the row a navigation starts from', async () => {
      const accountsOnly = await user('Olga', await role('Accounts read', rights(['Read'], 'Global')));
      const apply = await call('GET', `${s.root}${SET}?$apply=aggregate(primarycontactid/createdon with max as m)`, undefined, as(accountsOnly));
      expect(apply.status, apply.text).to.equal(403);
      expect(apply.json.error.message).to.contain('prvReadcontact');
      const fetch = `<fetch aggregate="true"><entity name="${TABLE}"><attribute name="accountid" alias="n" aggregate="count"/><link-entity name="contact" from="contactid" to="primarycontactid" link-type="outer" alias="c"><attribute name="fullname" alias="f" groupby="true"/></link-entity></entity></fetch>`;
      const fetched = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(fetch)}`, undefined, as(accountsOnly));
      expect(fetched.status, fetched.text).to.equal(403);
      const basic = await role('Contacts own', { prvReadcontact: 'Basic', prvCreatecontact: 'Basic', ...rights(['Read'], 'Global') });
      const pat = await user('Pat', basic);
      const contact = (await createRow(s, 'contacts', { fullname: 'System Contact' })).contactid as string;
      for (const path of [`contacts(${contact})/contact_account_primarycontactid`, `contacts(${contact})/contact_account_primarycontactid/$count`, `contacts(${contact})/contact_account_primarycontactid/$ref`]) {
        const r = await call('GET', `${s.root}${path}`, undefined, as(pat));
        expect(r.status, `${path}: ${r.text}`).to.equal(403);
        expect(r.json.error.code).to.equal('0x80048306');
      }
    });

    it('orders FetchXML rows by a link-entity column as the caller may read it: 403 without Read on its table, only its own related rows at Basic depth', async () => {
      const byContact = `<fetch><entity name="${TABLE}"><attribute name="name"/><filter><condition attribute="name" operator="begins-with" value="lo-"/></filter><link-entity name="contact" from="contactid" to="primarycontactid" link-type="outer" alias="c"><order attribute="fullname" descending="true"/></link-entity></entity></fetch>`;
      const names = async (headers: Record<string, string>) => {
        const r = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(byContact)}`, undefined, headers);
        expect(r.status, r.text).to.equal(200);
        return r.json.value.map((a: { name: string }) => a.name);
      };
      const accountsOnly = await user('Uma', await role('Accounts, no contacts', rights(['Read'], 'Global')));
      const denied = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(byContact)}`, undefined, as(accountsOnly));
      expect(denied.status, denied.text).to.equal(403);
      expect(denied.json.error.message).to.contain('prvReadcontact');
      const vic = await user('Vic', await role('Own contacts', { prvReadcontact: 'Basic', prvCreatecontact: 'Basic', ...rights(['Read'], 'Global') }));
      const others = (await createRow(s, 'contacts', { fullname: 'Zed Other' })).contactid as string;
      const own = (await call('POST', `${s.root}contacts`, { fullname: 'Amy Own' }, { ...as(vic), Prefer: 'return=representation' })).json.contactid as string;
      for (const [name, contact] of [['lo-zed', others], ['lo-amy', own]]) await createRow(s, SET, { name, 'primarycontactid@odata.bind': `/contacts(${contact})` });
      expect(await names({})).to.deep.equal(['lo-zed', 'lo-amy']);
      // Vic cannot read Zed's name: it orders as a null, last when descending.
      expect(await names(as(vic))).to.deep.equal(['lo-amy', 'lo-zed']);
      // Pages of one continue in that order (the seek binds the narrowed steps' values too).
      const first = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(byContact.replace('<fetch>', '<fetch count="1" page="1">'))}`, undefined, { ...as(vic), Prefer: 'odata.include-annotations="*"' });
      const cookie = decodeURIComponent(decodeURIComponent(/pagingcookie="([^"]*)"/.exec(first.json['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'])![1]!));
      const attribute = cookie.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
      const second = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(byContact.replace('<fetch>', `<fetch count="1" page="2" paging-cookie="${attribute}">`))}`, undefined, as(vic));
      expect(second.status, second.text).to.equal(200);
      expect([...first.json.value, ...second.json.value].map((a: { name: string }) => a.name)).to.deep.equal(['lo-amy', 'lo-zed']);
    });

    it('aggregates FetchXML many-to-one link columns as the caller may read them: at Basic depth others\' related rows group as null (outer) or drop the row (inner), through a lookup or a join on columns', async () => {
      const wes = await user('Wes', await role('Own contacts only', { prvReadcontact: 'Basic', ...rights(['Read'], 'Global') }));
      const account = (await createRow(s, SET, { name: 'ag-zed' })).accountid as string;
      // A contact SYSTEM owns, the account's primary contact, and whose id is the account's (for the join on columns).
      const contact = (await createRow(s, 'contacts', { contactid: account, fullname: 'Ag Secret' })).contactid as string;
      expect(contact).to.equal(account);
      const bound = await call('PATCH', `${s.root}${SET}(${account})`, { 'primarycontactid@odata.bind': `/contacts(${contact})` });
      expect(bound.status, bound.text).to.equal(204);
      const grouped = async (link: string, headers: Record<string, string>) => {
        const xml = `<fetch aggregate="true"><entity name="${TABLE}"><attribute name="accountid" alias="n" aggregate="count"/><filter><condition attribute="name" operator="eq" value="ag-zed"/></filter>${link}</entity></fetch>`;
        const r = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(xml)}`, undefined, headers);
        expect(r.status, r.text).to.equal(200);
        return r.json.value.map((v: Record<string, unknown>) => [v['f'] ?? null, v['n']]);
      };
      for (const [from, to] of [['contactid', 'primarycontactid'], ['contactid', 'accountid']]) {
        const link = (type: string) => `<link-entity name="contact" from="${from}" to="${to}" link-type="${type}" alias="c"><attribute name="fullname" alias="f" groupby="true"/></link-entity>`;
        expect(await grouped(link('outer'), {}), `${to} as SYSTEM`).to.deep.equal([['Ag Secret', 1]]);
        expect(await grouped(link('outer'), as(wes)), `${to} outer`).to.deep.equal([[null, 1]]);
        expect(await grouped(link('inner'), as(wes)), `${to} inner`).to.deep.equal([]);
        // The same link without aggregates reads it the same way.
        expect(await linkedNames(`<fetch><entity name="${TABLE}"><attribute name="name"/><filter><condition attribute="name" operator="eq" value="ag-zed"/></filter><link-entity name="contact" from="${from}" to="${to}" link-type="outer" alias="c"><attribute name="fullname"/></link-entity></entity></fetch>`, as(wes))).to.deep.equal([null]);
      }
    });

    it('joins FetchXML one-to-many rows as the caller may read them: 403 without Read on their table, only its own at Basic depth', async () => {
      const byContacts = `<fetch><entity name="${TABLE}"><attribute name="name"/><filter><condition attribute="name" operator="eq" value="om-parent"/></filter><link-entity name="contact" from="parentcustomerid" to="accountid" link-type="outer" alias="c"><attribute name="fullname"/><order attribute="fullname"/></link-entity></entity></fetch>`;
      const joined = (headers: Record<string, string>) => linkedNames(byContacts, headers);
      const parent = (await createRow(s, SET, { name: 'om-parent' })).accountid as string;
      const wes = await user('Wes', await role('Own contacts, joined', { prvReadcontact: 'Basic', prvCreatecontact: 'Basic', ...rights(['Read'], 'Global') }));
      const own = (await call('POST', `${s.root}contacts`, { fullname: 'Om Own' }, { ...as(wes), Prefer: 'return=representation' })).json.contactid as string;
      await createRow(s, 'contacts', { fullname: 'Om Other', 'parentcustomerid_account@odata.bind': `/${SET}(${parent})` });
      const bound = await call('PATCH', `${s.root}contacts(${own})`, { 'parentcustomerid_account@odata.bind': `/${SET}(${parent})` });
      expect(bound.status, bound.text).to.equal(204);
      expect(await joined({})).to.deep.equal(['Om Other', 'Om Own']);
      expect(await joined(as(wes))).to.deep.equal(['Om Own']);
      // Aggregated too: the joined rows are those the caller may read.
      const counted = `<fetch aggregate="true"><entity name="${TABLE}"><attribute name="accountid" alias="rows" aggregate="count"/><filter><condition attribute="name" operator="eq" value="om-parent"/></filter><link-entity name="contact" from="parentcustomerid" to="accountid" link-type="inner" alias="c"><attribute name="contactid" alias="contacts" aggregate="countcolumn"/></link-entity></entity></fetch>`;
      for (const [headers, n] of [[{}, 2], [as(wes), 1]] as const) {
        const r = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(counted)}`, undefined, headers);
        expect(r.status, r.text).to.equal(200);
        expect(r.json.value).to.deep.equal([{ rows: n, contacts: n }]);
      }
      const accountsOnly = await user('Xan', await role('Accounts, no contacts, joined', rights(['Read'], 'Global')));
      const denied = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(byContacts)}`, undefined, as(accountsOnly));
      expect(denied.status, denied.text).to.equal(403);
      expect(denied.json.error.message).to.contain('prvReadcontact');
    });

    it('reads FetchXML many-to-many rows through the intersect table as the caller may read them: 403 without Read on the far table, only its own at Basic depth', async () => {
      // Dataverse "Join tables using FetchXml", many-to-many: the intersect entity is linked, the far table inside it.
      const byLinked = `<fetch><entity name="${TABLE}"><attribute name="name"/><filter><condition attribute="name" operator="eq" value="mm-parent"/></filter><link-entity name="new_account_contact" from="accountid" to="accountid" intersect="true" visible="false"><link-entity name="contact" from="contactid" to="contactid" link-type="outer" alias="c"><attribute name="fullname"/><order attribute="fullname"/></link-entity></link-entity></entity></fetch>`;
      const linked = (headers: Record<string, string>) => linkedNames(byLinked, headers);
      const parent = (await createRow(s, SET, { name: 'mm-parent' })).accountid as string;
      const yul = await user('Yul', await role('Own contacts, linked', { prvReadcontact: 'Basic', prvCreatecontact: 'Basic', ...rights(['Read'], 'Global') }));
      const own = (await call('POST', `${s.root}contacts`, { fullname: 'Mm Own' }, { ...as(yul), Prefer: 'return=representation' })).json.contactid as string;
      const other = (await createRow(s, 'contacts', { fullname: 'Mm Other' })).contactid as string;
      for (const contact of [own, other]) {
        const r = await call('POST', `${s.root}${SET}(${parent})/new_account_contact/$ref`, { '@odata.id': `${s.root}contacts(${contact})` });
        expect(r.status, r.text).to.equal(204);
      }
      expect(await linked({})).to.deep.equal(['Mm Other', 'Mm Own']);
      // The link to a contact Yul may not read stays, without the contact's columns (an outer link).
      expect(await linked(as(yul))).to.deep.equal([null, 'Mm Own']);
      const inner = byLinked.replace('link-type="outer"', 'link-type="inner"');
      const r = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(inner)}`, undefined, as(yul));
      expect(r.status, r.text).to.equal(200);
      expect(r.json.value.map((a: Record<string, string>) => a['c_x002e_fullname'])).to.deep.equal(['Mm Own']);
      const accountsOnly = await user('Zia', await role('Accounts, no contacts, linked', rights(['Read'], 'Global')));
      const denied = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(byLinked)}`, undefined, as(accountsOnly));
      expect(denied.status, denied.text).to.equal(403);
      expect(denied.json.error.message).to.contain('prvReadcontact');
    });

    it('tracks changes without the organization privilege', async () => {
      const reader = await user('Quinn', await role('Readers', rights(['Read'], 'Global')));
      const r = await call('GET', `${s.root}${SET}?$select=name`, undefined, { ...as(reader), Prefer: 'odata.track-changes' });
      expect(r.status, r.text).to.equal(200);
      expect(r.json['@odata.deltaLink']).to.be.a('string');
    });

    it('keeps the System Administrator role from users: its privileges, its row and giving it', async () => {
      const admin = (await call('GET', `${s.root}roles?$select=roleid&$filter=name eq 'System Administrator'`)).json.value[0].roleid as string;
      const roleAdmin = await user('Rita', await role('Role admin', { prvReadRole: 'Global', prvWriteRole: 'Global', prvDeleteRole: 'Global', prvAssignRole: 'Global', prvAppendToRole: 'Global', prvAppendToUser: 'Global', prvReadUser: 'Global' }));
      const give = await call('POST', `${s.root}systemusers(${roleAdmin})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${admin})` }, as(roleAdmin));
      expect(give.status, give.text).to.equal(403);
      expect(give.json.error.message).to.contain('only a System Administrator can');
      // Its row: no one, not the system user either (it holds every privilege), renames or deletes it.
      const changes = [['PATCH', { name: 'Renamed' }, { 'If-Match': '*' }], ['PATCH', { name: 'Renamed' }, {}], ['DELETE', undefined, {}]] as const;
      for (const caller of [as(roleAdmin), {}]) {
        for (const [method, body, headers] of changes) {
          const r = await call(method, `${s.root}roles(${admin})`, body, { ...caller, ...headers });
          expect(r.status, `${method} as ${JSON.stringify(caller)}: ${r.text}`).to.equal(403);
          expect(r.json.error).to.deep.equal({ code: '0x80040220', message: 'The System Administrator role cannot be changed or deleted: the service keeps it, with every privilege at Global depth.' });
        }
      }
      const batch = await call('POST', `${s.root}roles/Microsoft.Dynamics.CRM.UpdateMultiple`, { Targets: [{ '@odata.type': 'Microsoft.Dynamics.CRM.role', roleid: admin, name: 'Renamed' }] });
      expect(batch.status, batch.text).to.equal(403);
      const add = await call('POST', `${s.root}roles(${admin})/Microsoft.Dynamics.CRM.RemovePrivilegeRole`, { PrivilegeId: (await call('GET', `${s.root}privileges?$select=name&$filter=name eq 'prvReadRole'`)).json.value[0].privilegeid });
      expect(add.status, 'not even the system user changes its privileges').to.equal(403);
      expect((await call('GET', `${s.root}roles(${admin})?$select=name`)).json.name).to.equal('System Administrator');
      const own = (await call('GET', `${s.root}systemusers(${roleAdmin})/systemuserroles_association?$select=roleid`)).json.value[0].roleid as string;
      const escalate = await call('POST', `${s.root}roles(${own})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { Privileges: [{ PrivilegeName: `prvDelete${TABLE}`, Depth: 'Global' }] }, as(roleAdmin));
      expect(escalate.status, 'a user gives no privilege it does not hold').to.equal(403);
      expect(escalate.json.error.message).to.contain(`cannot give prvDelete${TABLE} at Global depth`);
    });

    it('checks AppendTo on both rows of a many-to-many link, taking it away as giving it, and deep-inserted rows as bound ones', async () => {
      const basic = await role('Linkers', { ...rights(['Create', 'Read', 'Write', 'Append', 'AppendTo'], 'Basic'), prvCreatecontact: 'Basic', prvReadcontact: 'Basic', prvAppendTocontact: 'Basic', prvAppendcontact: 'Basic' });
      const ursula = await user('Ursula', basic);
      const victor = await user('Victor', basic);
      const make = async (who: string, set: string, body: object) => (await call('POST', `${s.root}${set}`, body, { ...as(who), Prefer: 'return=representation' })).json;
      const account = (await make(victor, SET, { name: 'victor linked' })).accountid as string;
      const contact = (await make(victor, 'contacts', { fullname: 'Victor Linked' })).contactid as string;
      const mine = (await make(ursula, SET, { name: 'ursula linked' })).accountid as string;
      const link = (from: string, to: string) => call('POST', `${s.root}${SET}(${from})/new_account_contact/$ref`, { '@odata.id': `${s.root}contacts(${to})` });
      expect((await link(account, contact)).status).to.equal(204);
      expect((await link(mine, contact)).status).to.equal(204);
      for (const from of [account, mine]) {
        const r = await call('DELETE', `${s.root}${SET}(${from})/new_account_contact(${contact})/$ref`, undefined, as(ursula));
        expect(r.status, r.text).to.equal(403);
        expect(r.json.error.code).to.equal('0x80048306');
        expect(r.json.error.message).to.contain('AccessRights: AppendToAccess');
      }
      const links = await call('GET', `${s.root}contacts(${contact})/new_account_contact?$select=name`);
      expect(links.json.value, 'both links stay').to.have.length(2);

      const deep = await call('POST', `${s.root}${SET}`, { name: 'deep', primarycontactid: { fullname: 'Nested', 'ownerid@odata.bind': `systemusers(${victor})` } }, as(ursula));
      expect(deep.status, deep.text).to.equal(403);
      const creators = await user('Wendy', await role('Creators everywhere', { ...rights(['Create', 'Read'], 'Global'), prvCreatecontact: 'Global', prvReadcontact: 'Global' }));
      const noAppend = await call('POST', `${s.root}${SET}`, { name: 'deep', primarycontactid: { fullname: 'Nested' } }, as(creators));
      expect(noAppend.status, noAppend.text).to.equal(403);
      expect(noAppend.json.error.message).to.contain(`prvAppend${TABLE}`);
      expect((await call('POST', `${s.root}${SET}`, { name: 'deep own', primarycontactid: { fullname: 'Nested own' } }, as(ursula))).status).to.equal(204);
    });

    it('refuses a row outside the depth before telling its version; takes nothing more to upsert a new row owned by oneself', async () => {
      const basic = await role('Writers own', rights(['Create', 'Read', 'Write', 'Delete'], 'Basic'));
      const xena = await user('Xena', basic);
      const row = (await createRow(s, SET, { name: 'versioned' })).accountid as string;
      for (const method of ['PATCH', 'DELETE']) {
        const r = await call(method, `${s.root}${SET}(${row})`, method === 'PATCH' ? { name: 'x' } : undefined, { ...as(xena), 'If-Match': 'W/"1"' });
        expect(r.status, `${method}: ${r.text}`).to.equal(403);
        expect(r.json.error.code).to.equal('0x80048306');
      }
      const id = '00000000-0000-0000-0000-00000000a55e';
      const upsert = await call('PATCH', `${s.root}${SET}(${id})`, { name: 'self-owned', 'ownerid@odata.bind': `systemusers(${xena})` }, as(xena));
      expect(upsert.status, upsert.text).to.equal(204);
      const take = await call('PATCH', `${s.root}${SET}(${row})`, { 'ownerid@odata.bind': `systemusers(${xena})` }, as(xena));
      expect(take.status, "taking another's row").to.equal(403);
    });

    it("keeps users from deleting users or changing SYSTEM; BulkRetain selects only rows the caller may change", async () => {
      const userAdmin = await user('Yuri', await role('User admin', { prvReadUser: 'Global', prvWriteUser: 'Global', ...rights(['Read'], 'Global'), ...rights(['Create', 'Write'], 'Basic') }));
      const deletes = await call('GET', `${s.root}privileges?$select=name&$filter=name eq 'prvDeleteUser'`);
      expect(deletes.json.value, 'users are disabled, never deleted').to.have.length(0);
      const other = await user('Zoe');
      expect((await call('DELETE', `${s.root}systemusers(${other})`, undefined, as(userAdmin))).status).to.equal(403);
      const system = s.service.caller.systemuserid;
      const disable = await call('PATCH', `${s.root}systemusers(${system})`, { isdisabled: true }, as(userAdmin));
      expect(disable.status, disable.text).to.equal(403);
      expect(disable.json.error.message).to.contain('cannot change the SYSTEM user');

      const theirs = (await createRow(s, SET, { name: 'bulk-ret system' })).accountid as string;
      const own = (await call('POST', `${s.root}${SET}`, { name: 'bulk-ret yuri' }, { ...as(userAdmin), Prefer: 'return=representation' })).json.accountid as string;
      const fetch = `<fetch><entity name="${TABLE}"><attribute name="accountid"/><filter><condition attribute="name" operator="like" value="bulk-ret %"/></filter></entity></fetch>`;
      const r = await call('POST', `${s.root}BulkRetain`, { EntityName: TABLE, FetchXml: fetch }, as(userAdmin));
      expect(r.status, r.text).to.equal(200);
      expect(r.json.EntityCountCollection.Values).to.deep.equal([1]);
      expect((await call('GET', `${s.root}${SET}(${own})`)).status, 'its own row is retained').to.equal(404);
      expect((await call('GET', `${s.root}${SET}(${theirs})`)).status, "another's row stays active").to.equal(200);
    });

    it('answers 403 for a single-valued navigation to a row the caller cannot read, not "no row"', async () => {
      const reader = await user('Abe', await role('Accounts, own contacts', { ...rights(['Read'], 'Global'), prvReadcontact: 'Basic' }));
      const contact = (await createRow(s, 'contacts', { fullname: 'Hidden' })).contactid as string;
      const account = (await createRow(s, SET, { name: 'points at hidden', 'primarycontactid@odata.bind': `contacts(${contact})` })).accountid as string;
      for (const path of [`${SET}(${account})/primarycontactid`, `${SET}(${account})/primarycontactid/$ref`]) {
        const r = await call('GET', `${s.root}${path}`, undefined, as(reader));
        expect(r.status, `${path}: ${r.text}`).to.equal(403);
        expect(r.json.error.code).to.equal('0x80048306');
      }
      const none = (await createRow(s, SET, { name: 'points nowhere' })).accountid as string;
      expect((await call('GET', `${s.root}${SET}(${none})/primarycontactid`, undefined, as(reader))).status).to.equal(204);
      const bulk = await call('POST', `${s.root}${SET}/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [{ '@odata.type': `Microsoft.Dynamics.CRM.${TABLE}`, name: 'x' }] }, as(reader));
      expect(bulk.status).to.equal(403);
      expect(bulk.json.error.message, 'names the item').to.match(new RegExp(`^Targets\\[0\\]: .*prvCreate${TABLE}`));
    });

    it('RetrieveUserPrivileges lists what a user holds; RetrievePrincipalAccess what it may do to a record', async () => {
      const reader = await role('Principal reader', { ...rights(['Read', 'Write'], 'Basic'), [`prvCreate${TABLE}`]: 'Global' });
      const bea = await user('Bea', reader);
      const held = await call('GET', `${s.root}systemusers(${bea})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`);
      expect(held.status, held.text).to.equal(200);
      expect(held.json.RolePrivileges.map((p: { PrivilegeName: string; Depth: string }) => [p.PrivilegeName, p.Depth])).to.deep.equal([
        [`prvCreate${TABLE}`, 'Global'], [`prvRead${TABLE}`, 'Basic'], [`prvWrite${TABLE}`, 'Basic'],
      ]);
      const system = await call('GET', `${s.root}systemusers(${s.service.caller.systemuserid})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`);
      expect(system.json.RolePrivileges).to.have.length(Number((await call('GET', `${s.root}privileges/$count`)).text));

      const own = (await call('POST', `${s.root}${SET}`, { name: 'bea own' }, { ...as(bea), Prefer: 'return=representation' })).json.accountid as string;
      const other = (await createRow(s, SET, { name: 'not bea' })).accountid as string;
      const access = async (record: string) => {
        const r = await call('GET', `${s.root}systemusers(${bea})/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@t)?@t={'@odata.id':'${SET}(${record})'}`);
        expect(r.status, r.text).to.equal(200);
        return r.json.AccessRights as string;
      };
      expect(await access(own)).to.equal('ReadAccess, WriteAccess, CreateAccess');
      expect(await access(other)).to.equal('CreateAccess');
      const nobody = await user('Cal');
      const denied = await call('GET', `${s.root}systemusers(${bea})/Microsoft.Dynamics.CRM.RetrievePrincipalAccess(Target=@t)?@t={'@odata.id':'${SET}(${own})'}`, undefined, as(nobody));
      expect(denied.status, 'the caller needs Read on the user').to.equal(403);
      const metadata = (await call('GET', `${s.root}$metadata`)).text;
      expect(metadata).to.contain('<EnumType Name="AccessRights" IsFlags="true"><Member Name="None" Value="0"/><Member Name="ReadAccess" Value="1"/>');
    });

    it('AddPrivilegesRole checks its input, changes depths, and RemovePrivilegeRole takes a privilege away', async () => {
      const id = (await createRow(s, 'roles', { name: 'Editable' })).roleid as string;
      const add = (body: unknown) => call('POST', `${s.root}roles(${id})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, body);
      const bad = [
        [{ Privileges: [{ PrivilegeName: 'prvReadNothing', Depth: 'Global' }] }, /no privilege has the name 'prvReadNothing'/],
        [{ Privileges: [{ PrivilegeName: 'prvReadUser', Depth: 'Basic' }] }, /prvReadUser cannot be held at Basic depth/],
        [{ Privileges: [{ PrivilegeName: `prvRead${TABLE}`, Depth: 'Everywhere' }] }, /Depth must be one of Basic, Local, Deep, Global/],
        [{ Privileges: 'all' }, /not a valid Collection\(mscrm.RolePrivilege\)/],
        [{ Privileges: [{ PrivilegeName: `prvRead${TABLE}`, Depth: 'Global', Extra: 1 }] }, /'Extra' is not a property of RolePrivilege/],
        [{ Privileges: [{ PrivilegeName: 'prvWriteRole', PrivilegeId: '00000000-0000-0000-0000-000000000001', Depth: 'Global' }] }, /no privilege has Id/],
        [{ Privileges: [{ PrivilegeName: 'prvWriteRole', Depth: 'Global', BusinessUnitId: 'nope' }] }, /BusinessUnitId must be a GUID/],
        [{ Privileges: [{ PrivilegeName: 'prvWriteRole', Depth: 'Local' }, { PrivilegeName: 'prvWriteRole', Depth: 'Global' }] }, /prvWriteRole is given at Privileges\[0\] already/],
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
      expect((await add({ Privileges: [{ PrivilegeName: `prvRead${TABLE}`, Depth: '2' }] })).status, 'a numeric string depth').to.equal(204);
      expect(new Map(await grants())).to.deep.equal(new Map([[`prvRead${TABLE}`, 4], [`prvWrite${TABLE}`, 8]]));
      const write = (await call('GET', `${s.root}privileges?$select=name&$filter=name eq 'prvWrite${TABLE}'`)).json.value[0].privilegeid as string;
      expect((await call('POST', `${s.root}roles(${id})/Microsoft.Dynamics.CRM.RemovePrivilegeRole`, { PrivilegeId: write })).status).to.equal(204);
      expect(await grants()).to.deep.equal([[`prvRead${TABLE}`, 4]]);
      const readId = (await call('GET', `${s.root}privileges?$select=name&$filter=name eq 'prvRead${TABLE}'`)).json.value[0].privilegeid as string;
      const mismatch = await add({ Privileges: [{ PrivilegeName: 'prvWriteRole', PrivilegeId: readId, Depth: 'Global' }] });
      expect(mismatch.status).to.equal(400);
      expect(mismatch.json.error.message).to.contain(`is prvRead${TABLE}, not 'prvWriteRole'`);
      const unknown = await call('POST', `${s.root}roles(${id})/Microsoft.Dynamics.CRM.RemovePrivilegeRole`, { PrivilegeId: '00000000-0000-0000-0000-000000000001' });
      expect(unknown.status, unknown.text).to.equal(400);
      const missing = await call('POST', `${s.root}roles(00000000-0000-0000-0000-0000000000aa)/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { Privileges: [] });
      expect(missing.status).to.equal(404);
      const direct = await call('POST', `${s.root}roleprivilegescollection`, { privilegedepthmask: 8 });
      expect(direct.status, 'roleprivileges is written by the messages only').to.equal(400);
      const metadata = await call('GET', `${s.root}$metadata`);
      expect(metadata.text).to.contain('<EnumType Name="PrivilegeDepth"><Member Name="Basic" Value="0"/>')
        .and.contain('<Action Name="AddPrivilegesRole" IsBound="true"><Parameter Name="entity" Type="mscrm.role" Nullable="false"/><Parameter Name="Privileges" Type="Collection(mscrm.RolePrivilege)" Nullable="false"/>')
        .and.contain('<Function Name="RetrieveUserPrivileges" IsBound="true"><Parameter Name="entity" Type="mscrm.systemuser" Nullable="false"/>');
    });

    it('bypassing custom business logic (MSCRM.BypassBusinessLogicExecution, …StepIds) takes prvBypassCustomBusinessLogic; suppressing flows takes none', async () => {
      const steps = '"45e0c603-0d0b-466e-a286-d7fc1cda8361, d5370603-e4b9-4b92-b765-5966492a4fd7"';
      const writer = await role('Bypass writer', rights(['Create', 'Read'], 'Global'));
      const clerk = await user('Bypass Clerk', writer);
      const count = async (name: string) => Number((await call('GET', `${s.root}${SET}/$count?$filter=name eq '${name}'`)).text);
      const headers: Array<Record<string, string>> = [
        { 'MSCRM.BypassBusinessLogicExecution': 'CustomSync' },
        { 'MSCRM.BypassBusinessLogicExecution': 'CustomAsync' },
        { 'MSCRM.BypassBusinessLogicExecution': 'CustomSync,CustomAsync' },
        { 'MSCRM.BypassBusinessLogicExecutionStepIds': steps },
      ];
      for (const h of headers) {
        const own = await call('POST', `${s.root}${SET}`, { name: 'bypass system' }, h);
        expect(own.status, `system user, ${JSON.stringify(h)}: ${own.text}`).to.equal(204);
        const refused = await call('POST', `${s.root}${SET}`, { name: 'bypass clerk' }, { ...h, ...as(clerk) });
        expect(refused.status, `${JSON.stringify(h)}: ${refused.text}`).to.equal(403);
        expect(refused.json.error.code).to.equal('0x80040220');
        expect(refused.json.error.message).to.match(new RegExp(`^Principal user \\(Id=${clerk}, .*is missing prvBypassCustomBusinessLogic privilege \\(Id=[0-9a-f-]{36}\\)`));
      }
      expect(await count('bypass system')).to.equal(headers.length);
      expect(await count('bypass clerk'), 'nothing written when refused').to.equal(0);
      // prvBypassCustomPlugins is another privilege: it does not let the clerk bypass business logic.
      const plugins = await role('Bypass plug-ins', { prvBypassCustomPlugins: 'Global' });
      const pluginClerk = await user('Plug-in Clerk', writer, plugins);
      const other = await call('POST', `${s.root}${SET}`, { name: 'bypass clerk' }, { ...headers[0], ...as(pluginClerk) });
      expect(other.status, other.text).to.equal(403);
      expect(other.json.error.message).to.contain('is missing prvBypassCustomBusinessLogic privilege');
      // Suppressing Power Automate flows takes no privilege.
      const flows = await call('POST', `${s.root}${SET}`, { name: 'bypass clerk' }, { 'MSCRM.SuppressCallbackRegistrationExpanderJob': 'true', ...as(clerk) });
      expect(flows.status, flows.text).to.equal(204);
      const logic = await role('Bypass logic', { prvBypassCustomBusinessLogic: 'Global' });
      const permitted = await user('Bypass Permitted', writer, logic);
      for (const h of headers) {
        const r = await call('POST', `${s.root}${SET}`, { name: 'bypass permitted' }, { ...h, ...as(permitted) });
        expect(r.status, `${JSON.stringify(h)}: ${r.text}`).to.equal(204);
      }
      expect(await count('bypass permitted')).to.equal(headers.length);
    });

    it('answers 400 0x80040203 naming the header for a bypass value Dataverse does not take, writing nothing', async () => {
      const guid = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
      const cases: Array<[string, string, string]> = [
        ['MSCRM.BypassBusinessLogicExecution', 'CustomSync,Everything', 'CustomSync, CustomAsync or CustomSync,CustomAsync'],
        ['MSCRM.BypassBusinessLogicExecution', 'true', 'CustomSync, CustomAsync or CustomSync,CustomAsync'],
        ['MSCRM.BypassBusinessLogicExecutionStepIds', `${guid(1)},not-a-step`, 'a comma-separated list of plug-in step ids (GUIDs)'],
        ['MSCRM.BypassBusinessLogicExecutionStepIds', [1, 2, 3, 4].map(guid).join(','), 'at most 3 plug-in step ids'],
        ['MSCRM.SuppressCallbackRegistrationExpanderJob', 'yes', 'true or false'],
      ];
      for (const [name, value, expected] of cases) {
        const r = await call('POST', `${s.root}${SET}`, { name: 'bypass invalid' }, { [name]: value });
        expect(r.status, `${name}: ${value}: ${r.text}`).to.equal(400);
        expect(r.json.error).to.deep.equal({ code: '0x80040203', message: `Invalid value '${value}' for the ${name} header: expected ${expected}.` });
      }
      expect(Number((await call('GET', `${s.root}${SET}/$count?$filter=name eq 'bypass invalid'`)).text)).to.equal(0);
    });

    it("gives a team's members its roles' privileges, Basic depth reaching the rows the team owns", async () => {
      const teamRole = await role('Team account reader', rights(['Read', 'Write', 'Assign'], 'Basic'));
      const team = (await createRow(s, 'teams', { name: 'Account team' })).teamid as string;
      expect((await call('POST', `${s.root}teams(${team})/teamroles_association/$ref`, { '@odata.id': `${s.root}roles(${teamRole})` })).status).to.equal(204);
      const member = await user('Team member');
      const create = async (name: string, owner: string) => (await createRow(s, SET, { [NAME]: name, 'ownerid@odata.bind': owner })).accountid as string;
      const teamOwned = await create('Owned by the team', `/teams(${team})`);
      const memberOwned = await create('Owned by the member', `/systemusers(${member})`);
      const otherOwned = await create('Owned by another', `/systemusers(${await user('Someone else')})`);
      const names = async () => {
        const r = await call('GET', `${s.root}${SET}?$select=${NAME}&$filter=${encodeURIComponent(`startswith(${NAME},'Owned by')`)}&$orderby=${NAME}`, undefined, as(member));
        return r.status === 200 ? r.json.value.map((a: Record<string, string>) => a[NAME]) : r.json.error.code;
      };
      expect(await names(), 'not yet a member: no privilege').to.equal('0x80040220');
      expect((await call('POST', `${s.root}teams(${team})/Microsoft.Dynamics.CRM.AddMembersTeam`, { Members: [{ systemuserid: member }] })).status).to.equal(204);
      expect(await names()).to.deep.equal(['Owned by the member', 'Owned by the team']);
      expect((await call('PATCH', `${s.root}${SET}(${teamOwned})`, { [NAME]: 'Owned by the team, renamed' }, as(member))).status).to.equal(204);
      const refused = await call('PATCH', `${s.root}${SET}(${otherOwned})`, { [NAME]: 'not mine' }, as(member));
      expect(refused.status, refused.text).to.equal(403);
      expect(refused.json.error.code).to.equal('0x80048306');
      // Assign at Basic depth: the team's row to the member, the member's row to the team.
      expect((await call('PATCH', `${s.root}${SET}(${teamOwned})`, { 'ownerid@odata.bind': `/systemusers(${member})` }, as(member))).status).to.equal(204);
      expect((await call('PATCH', `${s.root}${SET}(${memberOwned})`, { 'ownerid@odata.bind': `/teams(${team})` }, as(member))).status).to.equal(204);
      const privileges = await call('GET', `${s.root}systemusers(${member})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`);
      expect(privileges.json.RolePrivileges.map((p: { PrivilegeName: string }) => p.PrivilegeName)).to.include(`prvRead${TABLE}`);
      expect((await call('POST', `${s.root}teams(${team})/Microsoft.Dynamics.CRM.RemoveMembersTeam`, { Members: [{ systemuserid: member }] })).status).to.equal(204);
      expect(await names(), 'no longer a member').to.equal('0x80040220');
    });
  });
}
