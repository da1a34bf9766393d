import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { expect } from 'chai';
import { createAuthenticator } from '../src/http/authentication.js';
import { SYSTEM_ADMINISTRATOR_PROFILE_ID } from '../src/model/field-security.js';
import { SYSTEM_ADMINISTRATOR_ID } from '../src/model/kept-ids.js';
import { buildModel, ModelError } from '../src/model/loader.js';
import type { EntityFile } from '../src/model/types.js';
import { asSystem, call, copyMetadata, DATABASES, type Reply, SHIPPED_METADATA, startServer, tempDir, type TestServer } from './support/server.js';
import { AUDIENCE, bearer, ISSUER, keys, token } from './support/tokens.js';

/**
 * Column-level security (Dataverse "Column-level security", "Column-level security by using
 * code"): secured columns (IsSecured) read as null, and refuse to be created or updated (403
 * `0x8004F502` / `0x8004F507`), for callers whose field security profiles, their own or their teams',
 * do not allow it; System Administrators, the System Administrator profile and the built-in system
 * user see and write everything. Over HTTP, with users signed in with tokens.
 */

const NS = 'Microsoft.Dynamics.CRM';

/** A user-owned table with two secured columns and one that is not. */
const EMPLOYEE: EntityFile = {
  LogicalName: 'new_employee', EntitySetName: 'new_employees', DisplayName: 'Employee', PrimaryIdAttribute: 'new_employeeid', PrimaryNameAttribute: 'new_name', OwnershipType: 'UserOwned',
  Attributes: [
    { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_ssn', AttributeType: 'String', DisplayName: 'SSN', MaxLength: 20, IsSecured: true },
    { LogicalName: 'new_salary', AttributeType: 'Integer', DisplayName: 'Salary', IsSecured: true },
    { LogicalName: 'new_note', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_active', AttributeType: 'Boolean', DisplayName: 'Active', IsSecured: true },
    { LogicalName: 'new_grade', AttributeType: 'Picklist', DisplayName: 'Grade', IsSecured: true, OptionSet: { Name: 'new_grade', Options: [{ Value: 1, Label: 'Senior' }, { Value: 2, Label: 'Junior' }] } },
  ],
};

/** A table pointing at employees: expansions and link-entities read the secured columns through it. */
const REVIEW: EntityFile = {
  LogicalName: 'new_review', EntitySetName: 'new_reviews', PrimaryIdAttribute: 'new_reviewid', PrimaryNameAttribute: 'new_name', OwnershipType: 'UserOwned',
  Attributes: [
    { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_employeeid', AttributeType: 'Lookup', Targets: ['new_employee'] },
  ],
};

/** The shipped metadata files, parsed. */
function shippedFiles(): Array<{ source: string; json: unknown }> {
  return readdirSync(SHIPPED_METADATA).filter((n) => n.endsWith('.json')).map((n) => ({ source: n, json: JSON.parse(readFileSync(join(SHIPPED_METADATA, n), 'utf8')) }));
}

describe('column-level security: metadata', () => {
  it('refuses IsSecured on the primary key, the primary name, system columns, key columns and types Tessera does not secure, naming file and pointer', () => {
    const table = { source: 'new_t.json', json: {
      LogicalName: 'new_t', EntitySetName: 'new_ts', PrimaryIdAttribute: 'new_tid', PrimaryNameAttribute: 'new_name', OwnershipType: 'UserOwned',
      Attributes: [
        { LogicalName: 'new_tid', AttributeType: 'Uniqueidentifier', IsSecured: true },
        { LogicalName: 'new_name', AttributeType: 'String', IsSecured: true },
        { LogicalName: 'new_accountid', AttributeType: 'Lookup', Targets: ['systemuser'], IsSecured: true },
        { LogicalName: 'createdon', AttributeType: 'DateTime', IsSecured: true },
        { LogicalName: 'new_ok', AttributeType: 'Money', IsSecured: true },
      ],
    } };
    const problems = (files: Array<{ source: string; json: unknown }>) => {
      try {
        buildModel([...shippedFiles(), ...files]);
      } catch (err) {
        expect(err).to.be.instanceOf(ModelError);
        return (err as ModelError).problems.map((p) => `${p.file} ${p.pointer} ${p.reason}`);
      }
      return expect.fail('expected a ModelError');
    };
    const keyed = { source: 'new_k.json', json: {
      LogicalName: 'new_k', EntitySetName: 'new_ks', PrimaryIdAttribute: 'new_kid', OwnershipType: 'UserOwned',
      Attributes: [{ LogicalName: 'new_code', AttributeType: 'String', IsSecured: true }],
      Keys: [{ LogicalName: 'new_k_code', KeyAttributes: ['new_code'] }],
    } };
    expect(problems([keyed])).to.deep.equal(["new_k.json /Keys/0/KeyAttributes/0 'new_code' is a secured column (IsSecured); an alternate key cannot hold one"]);
    expect(problems([table])).to.deep.equal([
      'new_t.json /Attributes/0/IsSecured the primary key cannot be secured',
      'new_t.json /Attributes/1/IsSecured the primary name column cannot be secured (Dataverse: "Columns that can\'t be secured")',
      'new_t.json /Attributes/2/IsSecured a column of type Lookup cannot be secured here; only String, Memo, Integer, BigInt, Decimal, Double, Money, Boolean, DateTime, Picklist columns can',
      "new_t.json /Attributes/3/IsSecured 'createdon' is a system column the engine supplies; system columns cannot be secured",
    ]);
  });
});

for (const database of DATABASES) {
  describe(`column-level security [${database.name}]`, () => {
    let s: TestServer;
    let work: string;
    const users: Record<string, { id: string; token: string }> = {};
    let payroll: string;
    let hr: string;
    let alice: string;
    let carl: string;
    let signing: Awaited<ReturnType<typeof keys>>;
    let clerk: string;
    const ok = (r: { status: number; json?: unknown; text?: string }, status = 204) => expect(r.status, r.text ?? JSON.stringify(r.json)).to.equal(status);
    const as = (name: string) => bearer(users[name]!.token);
    const get = (name: string, path: string) => call('GET', `${s.root}${path}`, undefined, as(name));
    const expectError = (r: Reply, status: number, code: string, message?: RegExp) => {
      expect(r.status, r.text).to.equal(status);
      expect(r.json.error.code).to.equal(code);
      if (message) expect(r.json.error.message).to.match(message);
    };

    /** A new user `name` holding role `roleId`, signed in with a token (users[name]); its id. */
    const signUp = async (name: string, roleId: string) => {
      const oid = randomUUID();
      const user = await asSystem(s, 'POST', 'systemusers', { fullname: name, azureactivedirectoryobjectid: oid });
      ok(user, 201);
      ok(await asSystem(s, 'POST', `systemusers(${user.json.systemuserid})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${roleId})` }));
      users[name] = { id: user.json.systemuserid, token: await token(signing, { oid, upn: `${name.toLowerCase()}@example.test` }) };
      return user.json.systemuserid as string;
    };
    /** A new role holding `privileges` (name → depth); its id. */
    const makeRole = async (name: string, privileges: Record<string, string>) => {
      const role = await asSystem(s, 'POST', 'roles', { name });
      ok(role, 201);
      ok(await asSystem(s, 'POST', `roles(${role.json.roleid})/${NS}.AddPrivilegesRole`, { Privileges: Object.entries(privileges).map(([PrivilegeName, Depth]) => ({ PrivilegeName, Depth })) }));
      return role.json.roleid as string;
    };

    before(async () => {
      signing = await keys('k1');
      work = tempDir('tessera-field-security-');
      const jwks = join(work, 'jwks.json');
      writeFileSync(jwks, JSON.stringify(signing.jwks));
      const dir = copyMetadata();
      writeFileSync(join(dir, 'new_employee.json'), JSON.stringify(EMPLOYEE));
      writeFileSync(join(dir, 'new_review.json'), JSON.stringify(REVIEW));
      const started = await startServer(dir, database, { authentication: await createAuthenticator({ issuer: ISSUER, audience: [AUDIENCE], jwks }) });
      s = { ...started, close: async () => { await started.close(); rmSync(dir, { recursive: true, force: true }); } };
      // Every user but Dee works on both tables through a role; Dee is a System Administrator.
      const role = await asSystem(s, 'POST', 'roles', { name: 'Clerk' });
      ok(role, 201);
      clerk = role.json.roleid;
      const privileges = ['new_employee', 'new_review'].flatMap((t) => ['Create', 'Read', 'Write', 'Append', 'AppendTo'].map((r) => ({ PrivilegeName: `prv${r}${t}`, Depth: 'Global' })));
      ok(await asSystem(s, 'POST', `roles(${role.json.roleid})/${NS}.AddPrivilegesRole`, { Privileges: privileges }));
      for (const name of ['Ann', 'Bob', 'Cid', 'Dee', 'Eve']) await signUp(name, name === 'Dee' ? SYSTEM_ADMINISTRATOR_ID : role.json.roleid);
      // Payroll: reads both secured columns, creates the SSN, updates the salary. Bob holds it
      // himself, Cid through the HR team; Eve holds the System Administrator profile.
      const profile = await asSystem(s, 'POST', 'fieldsecurityprofiles', { name: 'Payroll' });
      ok(profile, 201);
      payroll = profile.json.fieldsecurityprofileid;
      const bind = `/fieldsecurityprofiles(${payroll})`;
      ok(await asSystem(s, 'POST', 'fieldpermissions', { 'fieldsecurityprofileid@odata.bind': bind, entityname: 'new_employee', attributelogicalname: 'new_ssn', canread: 4, cancreate: 4, canupdate: 0 }), 201);
      ok(await asSystem(s, 'POST', 'fieldpermissions', { 'fieldsecurityprofileid@odata.bind': bind, entityname: 'new_employee', attributelogicalname: 'new_salary', canread: 4, cancreate: 0, canupdate: 4 }), 201);
      ok(await asSystem(s, 'POST', `fieldsecurityprofiles(${payroll})/systemuserprofiles_association/$ref`, { '@odata.id': `${s.root}systemusers(${users['Bob']!.id})` }));
      const team = await asSystem(s, 'POST', 'teams', { name: 'HR' });
      ok(team, 201);
      hr = team.json.teamid;
      ok(await asSystem(s, 'POST', `teams(${hr})/teammembership_association/$ref`, { '@odata.id': `${s.root}systemusers(${users['Cid']!.id})` }));
      ok(await asSystem(s, 'POST', `fieldsecurityprofiles(${payroll})/teamprofiles_association/$ref`, { '@odata.id': `${s.root}teams(${hr})` }));
      ok(await asSystem(s, 'POST', `fieldsecurityprofiles(${SYSTEM_ADMINISTRATOR_PROFILE_ID})/systemuserprofiles_association/$ref`, { '@odata.id': `${s.root}systemusers(${users['Eve']!.id})` }));
      const employee = await asSystem(s, 'POST', 'new_employees', { new_name: 'Alice', new_ssn: '123-45-6789', new_salary: 5000, new_note: 'plain', new_grade: 1, new_active: true });
      ok(employee, 201);
      alice = employee.json.new_employeeid;
      const other = await asSystem(s, 'POST', 'new_employees', { new_name: 'Carl', new_grade: 2, new_salary: 4000 });
      ok(other, 201);
      carl = other.json.new_employeeid;
      ok(await asSystem(s, 'POST', 'new_reviews', { new_name: 'Review of Alice', 'new_employeeid@odata.bind': `/new_employees(${alice})` }), 201);
    });
    after(async () => {
      await s.close();
      rmSync(work, { recursive: true, force: true });
    });

    it('EntityDefinitions answer IsSecured and CanBeSecuredFor… per column', async () => {
      const attribute = async (name: string) => (await get('Ann', `EntityDefinitions(LogicalName='new_employee')/Attributes(LogicalName='${name}')?$select=IsSecured,CanBeSecuredForRead,CanBeSecuredForCreate,CanBeSecuredForUpdate`)).json;
      expect(await attribute('new_ssn')).to.include({ IsSecured: true, CanBeSecuredForRead: true, CanBeSecuredForCreate: true, CanBeSecuredForUpdate: true });
      expect(await attribute('new_note')).to.include({ IsSecured: false, CanBeSecuredForRead: true });
      // Dataverse secures a Boolean column for create and update, not for read.
      expect(await attribute('new_active')).to.include({ IsSecured: true, CanBeSecuredForRead: false, CanBeSecuredForCreate: true, CanBeSecuredForUpdate: true });
      expect(await attribute('new_name')).to.include({ IsSecured: false, CanBeSecuredForRead: false, CanBeSecuredForCreate: false, CanBeSecuredForUpdate: false });
      expect(await attribute('createdon')).to.include({ IsSecured: false, CanBeSecuredForRead: false });
      const secured = await get('Ann', `EntityDefinitions(LogicalName='new_employee')/Attributes?$select=LogicalName&$filter=IsSecured eq true`);
      expect(secured.json.value.map((a: { LogicalName: string }) => a.LogicalName).sort()).to.deep.equal(['new_active', 'new_grade', 'new_salary', 'new_ssn']);
    });

    it('a caller without read permission reads secured columns as null: a row, a collection, $expand, $batch', async () => {
      const row = await get('Ann', `new_employees(${alice})?$select=new_name,new_ssn,new_salary,new_note,new_active`);
      ok(row, 200);
      // A secured Boolean is read by everyone (not secured for read).
      expect(row.json).to.include({ new_name: 'Alice', new_ssn: null, new_salary: null, new_note: 'plain', new_active: true });
      const all = await get('Ann', 'new_employees');
      ok(all, 200);
      // Rows come in key order, and sequential ids made within one millisecond are in no set order: Alice by her id.
      expect(all.json.value.find((v: { new_employeeid: string }) => v.new_employeeid === alice)).to.include({ new_name: 'Alice', new_ssn: null, new_salary: null, new_note: 'plain' });
      const expanded = await get('Ann', 'new_reviews?$select=new_name&$expand=new_employeeid($select=new_name,new_ssn)');
      ok(expanded, 200);
      expect(expanded.json.value[0].new_employeeid).to.include({ new_name: 'Alice', new_ssn: null });
      const back = await get('Ann', `new_employees(${alice})?$select=new_name&$expand=new_employee_new_review_new_employeeid($select=new_name;$expand=new_employeeid($select=new_salary))`);
      ok(back, 200);
      expect(back.json.new_employee_new_review_new_employeeid[0].new_employeeid).to.include({ new_salary: null });
      const boundary = 'batch_fs';
      const body = `--${boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nGET ${s.root}new_employees(${alice})?$select=new_ssn HTTP/1.1\r\n\r\n\r\n--${boundary}--\r\n`;
      const batch = await call('POST', `${s.root}$batch`, body, { ...as('Ann'), 'Content-Type': `multipart/mixed;boundary=${boundary}` });
      ok(batch, 200);
      expect(batch.text).to.contain('"new_ssn":null').and.not.contain('123-45-6789');
    });

    it('a profile held directly or through a team, the System Administrator profile or role, and SYSTEM read the values', async () => {
      for (const name of ['Bob', 'Cid', 'Dee', 'Eve']) {
        const row = await get(name, `new_employees(${alice})?$select=new_ssn,new_salary`);
        ok(row, 200);
        expect(row.json, name).to.include({ new_ssn: '123-45-6789', new_salary: 5000 });
      }
      expect((await asSystem(s, 'GET', `new_employees(${alice})?$select=new_ssn`)).json.new_ssn).to.equal('123-45-6789');
      // A member who leaves the team loses the profile's access on its next request.
      ok(await asSystem(s, 'DELETE', `teams(${hr})/teammembership_association(${users['Cid']!.id})/$ref`));
      try {
        expect((await get('Cid', `new_employees(${alice})?$select=new_ssn`)).json.new_ssn).to.equal(null);
      } finally {
        ok(await asSystem(s, 'POST', `teams(${hr})/teammembership_association/$ref`, { '@odata.id': `${s.root}systemusers(${users['Cid']!.id})` }));
      }
    });

    it('FetchXML masks secured columns, the root\'s and a link-entity\'s', async () => {
      const fetch = (name: string, xml: string) => get(name, `new_reviews?fetchXml=${encodeURIComponent(xml)}`);
      const xml = '<fetch><entity name="new_review"><attribute name="new_name"/><link-entity name="new_employee" from="new_employeeid" to="new_employeeid" alias="e"><attribute name="new_ssn"/><attribute name="new_note"/></link-entity></entity></fetch>';
      const ann = await fetch('Ann', xml);
      ok(ann, 200);
      expect(ann.json.value[0]).to.include({ e_x002e_new_note: 'plain' });
      expect(ann.json.value[0]).to.not.have.property('e_x002e_new_ssn');
      const bob = await fetch('Bob', xml);
      expect(bob.json.value[0]).to.include({ e_x002e_new_ssn: '123-45-6789' });
      // A join on columns outside relationships (the rows SYSTEM created) masks the same way.
      const joined = xml.replace('from="new_employeeid" to="new_employeeid" alias="e">', 'from="createdby" to="createdby" alias="e"><filter><condition attribute="new_name" operator="eq" value="Alice"/></filter>');
      const annJoined = await fetch('Ann', joined);
      ok(annJoined, 200);
      expect(annJoined.json.value).to.have.length(1);
      expect(annJoined.json.value[0]).to.include({ e_x002e_new_note: 'plain' }).and.not.have.property('e_x002e_new_ssn');
      expect((await fetch('Bob', joined)).json.value[0]).to.include({ e_x002e_new_ssn: '123-45-6789' });
      const root = await get('Ann', `new_employees?fetchXml=${encodeURIComponent('<fetch><entity name="new_employee"><attribute name="new_name"/><attribute name="new_salary"/></entity></fetch>')}`);
      ok(root, 200);
      expect(root.json.value.find((v: { new_employeeid: string }) => v.new_employeeid === alice)).to.include({ new_name: 'Alice' }).and.not.have.property('new_salary');
    });

    it('filters, orders, groups and aggregates take a secured column the caller may not read as null (Dataverse: substituted with null)', async () => {
      const names = (r: Reply) => { ok(r, 200); return r.json.value.map((v: { new_name: string }) => v.new_name); };
      const two = `new_name eq 'Alice' or new_name eq 'Carl'`;
      // A condition on it is the condition on a null: nothing equals it, IsNull matches, ne keeps it.
      expect(names(await get('Ann', `new_employees?$filter=new_ssn eq '123-45-6789'`))).to.deep.equal([]);
      expect(names(await get('Bob', `new_employees?$filter=new_ssn eq '123-45-6789'`))).to.deep.equal(['Alice']);
      expect(names(await get('Ann', `new_employees?$filter=(${two}) and new_salary eq null&$orderby=new_name`))).to.deep.equal(['Alice', 'Carl']);
      expect(names(await get('Ann', `new_employees?$filter=(${two}) and new_ssn ne '123-45-6789'&$orderby=new_name`))).to.deep.equal(['Alice', 'Carl']);
      expect(names(await get('Ann', `new_employees?$filter=(${two}) and not (new_salary gt 1)&$orderby=new_name`))).to.deep.equal(['Alice', 'Carl']);
      expect(names(await get('Ann', `new_reviews?$filter=new_employeeid/new_salary gt 10`))).to.deep.equal([]);
      expect(names(await get('Bob', `new_reviews?$filter=new_employeeid/new_salary gt 10`))).to.deep.equal(['Review of Alice']);
      const notNull = '<fetch><entity name="new_employee"><attribute name="new_name"/><filter><condition attribute="new_ssn" operator="not-null"/></filter></entity></fetch>';
      expect(names(await get('Ann', `new_employees?fetchXml=${encodeURIComponent(notNull)}`))).to.deep.equal([]);
      const count = await get('Ann', `new_employees/$count?$filter=new_salary gt 1`);
      expect(count.text).to.equal('0');
      // Ordered as nulls: by the next key; Bob, who reads it, by the salary.
      expect(names(await get('Ann', `new_employees?$filter=${two}&$orderby=new_salary desc,new_name desc`))).to.deep.equal(['Carl', 'Alice']);
      expect(names(await get('Bob', `new_employees?$filter=${two}&$orderby=new_salary desc,new_name desc`))).to.deep.equal(['Alice', 'Carl']);
      // Pages follow the null key too.
      const first = await call('GET', `${s.root}new_employees?$select=new_name&$filter=${two}&$orderby=new_salary,new_name`, undefined, { ...as('Ann'), Prefer: 'odata.maxpagesize=1' });
      expect(names(first)).to.deep.equal(['Alice']);
      expect(names(await call('GET', first.json['@odata.nextLink'], undefined, { ...as('Ann'), Prefer: 'odata.maxpagesize=1' }))).to.deep.equal(['Carl']);
      // FetchXML orders, a choice's label and DISTINCT too.
      const distinct = `<fetch distinct="true"><entity name="new_employee"><attribute name="new_name"/><filter type="or"><condition attribute="new_name" operator="eq" value="Alice"/><condition attribute="new_name" operator="eq" value="Carl"/></filter><order attribute="new_grade"/><order attribute="new_salary"/><order attribute="new_name" descending="true"/></entity></fetch>`;
      expect(names(await get('Ann', `new_employees?fetchXml=${encodeURIComponent(distinct)}`))).to.deep.equal(['Carl', 'Alice']);
      // Grouped in the null group; aggregated as SQL aggregates nulls.
      const grouped = await get('Ann', `new_employees?$apply=filter(${two})/groupby((new_salary),aggregate($count as n))`);
      ok(grouped, 200);
      // One group, the null one (a null group value is left out of the answer, as for any column).
      expect(grouped.json.value).to.have.length(1);
      expect(grouped.json.value[0]).to.include({ n: 2 }).and.not.have.property('new_salary');
      expect((await get('Bob', `new_employees?$apply=filter(${two})/groupby((new_salary),aggregate($count as n))`)).json.value).to.have.length(2);
      const total = await get('Ann', `new_employees?$apply=filter(${two})/aggregate(new_salary with sum as total,new_salary with max as top)`);
      ok(total, 200);
      expect(total.json.value[0].total ?? null).to.equal(null);
      expect(total.json.value[0].top ?? null).to.equal(null);
      expect((await get('Bob', `new_employees?$apply=filter(${two})/aggregate(new_salary with sum as total)`)).json.value[0]).to.include({ total: 9000 });
    });

    it('a FetchXML join on a secured column the caller may not read compares a null: every link type, both directions, nested, aggregates', async () => {
      // A review named as Alice's SSN, Alice's own, and one named after no SSN.
      const review = async (body: object) => {
        const r = await asSystem(s, 'POST', 'new_reviews', body);
        ok(r, 201);
        return r.json.new_reviewid as string;
      };
      const made = [await review({ new_name: '123-45-6789', 'new_employeeid@odata.bind': `/new_employees(${alice})` }), await review({ new_name: 'cj nobody' })];
      try {
        const ours = '<filter type="or"><condition attribute="new_name" operator="eq" value="123-45-6789"/><condition attribute="new_name" operator="eq" value="cj nobody"/></filter><order attribute="new_name"/>';
        const rows = async (name: string, set: string, xml: string) => {
          const r = await get(name, `${set}?fetchXml=${encodeURIComponent(xml)}`);
          ok(r, 200);
          return r.json.value as Array<Record<string, unknown>>;
        };
        // From a review to the employees whose SSN is its name (the secured column is the link's from).
        const reviews = (name: string, link: string) => rows(name, 'new_reviews', `<fetch><entity name="new_review"><attribute name="new_name"/>${ours}${link}</entity></fetch>`);
        const toEmployee = (type: string) => `<link-entity name="new_employee" from="new_ssn" to="new_name" link-type="${type}" alias="e">${type === 'inner' || type === 'outer' ? '<attribute name="new_name"/>' : ''}</link-entity>`;
        const filtered = (type: string) => `<filter><link-entity name="new_employee" from="new_ssn" to="new_name" link-type="${type}"><filter><condition attribute="new_name" operator="eq" value="Alice"/></filter></link-entity></filter>`;
        const pairs = async (name: string, link: string) => (await reviews(name, link)).map((v) => (v['e_x002e_new_name'] === undefined ? v['new_name'] : `${v['new_name']}/${v['e_x002e_new_name']}`));
        for (const [type, bob, ann] of [
          ['inner', ['123-45-6789/Alice'], []],
          ['outer', ['123-45-6789/Alice', 'cj nobody'], ['123-45-6789', 'cj nobody']],
          ['exists', ['123-45-6789'], []],
          ['in', ['123-45-6789'], []],
        ] as const) {
          expect(await pairs('Bob', toEmployee(type)), `Bob ${type}`).to.deep.equal(bob);
          expect(await pairs('Ann', toEmployee(type)), `Ann ${type}`).to.deep.equal(ann);
        }
        for (const [type, bob, ann] of [
          ['any', ['123-45-6789'], []],
          ['not any', ['cj nobody'], ['123-45-6789', 'cj nobody']],
          ['not all', ['123-45-6789'], []],
        ] as const) {
          expect(await pairs('Bob', filtered(type)), `Bob ${type}`).to.deep.equal(bob);
          expect(await pairs('Ann', filtered(type)), `Ann ${type}`).to.deep.equal(ann);
        }
        // From an employee to the reviews named as its SSN (the secured column is the link's to).
        const employees = (name: string, link: string) => rows(name, 'new_employees', `<fetch><entity name="new_employee"><attribute name="new_name"/><filter><condition attribute="new_name" operator="eq" value="Alice"/></filter>${link}</entity></fetch>`);
        const toReview = (type: string, inner = '<attribute name="new_name"/>') => `<link-entity name="new_review" from="new_name" to="new_ssn" link-type="${type}" alias="r">${inner}</link-entity>`;
        expect((await employees('Bob', toReview('inner'))).map((v) => v['r_x002e_new_name'])).to.deep.equal(['123-45-6789']);
        expect(await employees('Ann', toReview('inner'))).to.deep.equal([]);
        expect(await employees('Ann', toReview('exists', ''))).to.deep.equal([]);
        const outer = await employees('Ann', toReview('outer'));
        expect(outer).to.have.length(1);
        expect(outer[0]).to.include({ new_name: 'Alice' }).and.not.have.property('r_x002e_new_name');
        expect(await employees('Ann', `<filter><link-entity name="new_review" from="new_name" to="new_ssn" link-type="not any"/></filter>`)).to.have.length(1);
        expect(await employees('Bob', `<filter><link-entity name="new_review" from="new_name" to="new_ssn" link-type="not any"/></filter>`)).to.deep.equal([]);
        // Nested: Alice's reviews (through the lookup), then the employees whose SSN is such a review's name.
        const nested = (type: string) => `<link-entity name="new_review" from="new_employeeid" to="new_employeeid" alias="v">${ours.replace(/<order[^>]*>/, '')}<link-entity name="new_employee" from="new_ssn" to="new_name" link-type="${type}" alias="e2">${type === 'inner' ? '<attribute name="new_name"/>' : ''}</link-entity></link-entity>`;
        expect((await employees('Bob', nested('inner'))).map((v) => v['e2_x002e_new_name'])).to.deep.equal(['Alice']);
        expect(await employees('Ann', nested('inner'))).to.deep.equal([]);
        expect(await employees('Bob', nested('exists'))).to.have.length(1);
        expect(await employees('Ann', nested('exists'))).to.deep.equal([]);
        // Aggregates: the employees joined per review count none.
        const counted = async (name: string, type: string) => (await rows(name, 'new_reviews', `<fetch aggregate="true"><entity name="new_review"><attribute name="new_name" alias="n" groupby="true"/>${ours.replace(/<order[^>]*>/, '')}<link-entity name="new_employee" from="new_ssn" to="new_name" link-type="${type}" alias="e"><attribute name="new_employeeid" alias="c" aggregate="countcolumn"/></link-entity></entity></fetch>`)).map((v) => `${v['n']}:${v['c']}`).sort();
        expect(await counted('Bob', 'outer')).to.deep.equal(['123-45-6789:1', 'cj nobody:0']);
        expect(await counted('Ann', 'outer')).to.deep.equal(['123-45-6789:0', 'cj nobody:0']);
        expect(await counted('Ann', 'inner')).to.deep.equal([]);
        const byEmployee = async (name: string) => (await rows(name, 'new_employees', `<fetch aggregate="true"><entity name="new_employee"><attribute name="new_name" alias="n" groupby="true"/><filter><condition attribute="new_name" operator="eq" value="Alice"/></filter><link-entity name="new_review" from="new_name" to="new_ssn" link-type="outer" alias="r"><attribute name="new_reviewid" alias="c" aggregate="countcolumn"/></link-entity></entity></fetch>`)).map((v) => `${v['n']}:${v['c']}`);
        expect(await byEmployee('Bob')).to.deep.equal(['Alice:1']);
        expect(await byEmployee('Ann')).to.deep.equal(['Alice:0']);
      } finally {
        for (const id of made) ok(await asSystem(s, 'DELETE', `new_reviews(${id})`));
      }
    });

    it('create and update of secured columns take cancreate and canupdate: 403 0x8004F502 / 0x8004F507', async () => {
      expectError(await call('POST', `${s.root}new_employees`, { new_name: 'X', new_ssn: '1' }, as('Ann')), 403, '0x8004F502',
        new RegExp(`^Caller user with Id ${users['Ann']!.id} does not have create permissions to a SSN secured field on entity Employee`));
      expectError(await call('POST', `${s.root}new_employees`, { new_name: 'X', new_active: true }, as('Ann')), 403, '0x8004F502', /Active secured field/);
      expectError(await call('PATCH', `${s.root}new_employees(${alice})`, { new_active: false }, as('Ann')), 403, '0x8004F507', /Active secured field/);
      // Left out, or null, the column creates nothing.
      ok(await call('POST', `${s.root}new_employees`, { new_name: 'Ann made', new_ssn: null }, as('Ann')));
      ok(await call('POST', `${s.root}new_employees`, { new_name: 'Bob made', new_ssn: '2' }, as('Bob')));
      expectError(await call('POST', `${s.root}new_employees`, { new_name: 'Y', new_salary: 1 }, as('Bob')), 403, '0x8004F502', /Salary secured field/);
      expectError(await call('PATCH', `${s.root}new_employees(${alice})`, { new_ssn: '9' }, as('Bob')), 403, '0x8004F507',
        new RegExp(`^Caller user with Id ${users['Bob']!.id} does not have update permissions to a SSN secured field on entity Employee\\. The requested operation could not be completed\\.$`));
      expectError(await call('PATCH', `${s.root}new_employees(${alice})`, { new_ssn: null }, as('Ann')), 403, '0x8004F507');
      // A PATCH upsert of a row that does not exist is a create: Bob may create the SSN, not update it.
      const fresh = randomUUID();
      ok(await call('PATCH', `${s.root}new_employees(${fresh})`, { new_name: 'Upserted', new_ssn: '5' }, as('Bob')));
      expectError(await call('PATCH', `${s.root}new_employees(${fresh})`, { new_ssn: '6' }, as('Bob')), 403, '0x8004F507');
      expectError(await call('PATCH', `${s.root}new_employees(${randomUUID()})`, { new_name: 'Upserted', new_salary: 1 }, as('Bob')), 403, '0x8004F502');
      // Neither create nor update permission: a missing row answers the create's refusal, an existing one the update's.
      expectError(await call('PATCH', `${s.root}new_employees(${randomUUID()})`, { new_name: 'Upserted', new_ssn: '7' }, as('Ann')), 403, '0x8004F502');
      expectError(await call('PATCH', `${s.root}new_employees(${fresh})`, { new_name: 'Upserted', new_ssn: '7' }, as('Ann')), 403, '0x8004F507');
      ok(await call('PATCH', `${s.root}new_employees(${alice})`, { new_salary: 6000 }, as('Cid')));
      ok(await call('PATCH', `${s.root}new_employees(${alice})`, { new_note: 'changed' }, as('Ann')));
      ok(await call('PATCH', `${s.root}new_employees(${alice})`, { new_ssn: '123-45-6789', new_salary: 5000, new_note: 'plain' }, as('Dee')));
      const after = await asSystem(s, 'GET', `new_employees(${alice})?$select=new_ssn,new_salary,new_note`);
      expect(after.json).to.include({ new_ssn: '123-45-6789', new_salary: 5000, new_note: 'plain' });
    });

    it('CreateMultiple, UpdateMultiple and UpsertMultiple name the item that sets a secured column, and write nothing', async () => {
      const target = (body: object) => ({ '@odata.type': `${NS}.new_employee`, ...body });
      const count = async () => (await asSystem(s, 'GET', 'new_employees?$select=new_name')).json.value.length as number;
      const before = await count();
      expectError(await call('POST', `${s.root}new_employees/${NS}.CreateMultiple`, { Targets: [target({ new_name: 'b1' }), target({ new_name: 'b2', new_ssn: '3' })] }, as('Ann')), 403, '0x8004F502', /^Targets\[1\]: Caller user/);
      expect(await count()).to.equal(before);
      ok(await call('POST', `${s.root}new_employees/${NS}.CreateMultiple`, { Targets: [target({ new_name: 'b1' }), target({ new_name: 'b2', new_ssn: '3' })] }, as('Bob')), 200);
      expectError(await call('POST', `${s.root}new_employees/${NS}.UpdateMultiple`, { Targets: [target({ new_employeeid: carl, new_note: 'n' }), target({ new_employeeid: alice, new_ssn: '4' })] }, as('Bob')), 403, '0x8004F507', /^Targets\[1\]: Caller user/);
      expectError(await call('POST', `${s.root}new_employees/${NS}.UpsertMultiple`, { Targets: [target({ new_employeeid: alice, new_salary: 1 })] }, as('Ann')), 403, '0x8004F507', /^Targets\[0\]: Caller user/);
      expect((await asSystem(s, 'GET', `new_employees(${alice})?$select=new_ssn,new_salary,new_note`)).json).to.include({ new_ssn: '123-45-6789', new_salary: 5000, new_note: 'plain' });
      expect((await asSystem(s, 'GET', `new_employees(${carl})?$select=new_note`)).json.new_note).to.equal(null);
    });

    it('field security tables: a permission only for a secured column (400 0x8004F508), writes take their privileges, the System Administrator profile is kept', async () => {
      const bind = `/fieldsecurityprofiles(${payroll})`;
      expectError(await call('POST', `${s.root}fieldpermissions`, { 'fieldsecurityprofileid@odata.bind': bind, entityname: 'new_employee', attributelogicalname: 'new_note', canread: 4 }, as('Dee')), 400, '0x8004F508',
        /^One or more fields are not enabled for field level security\. Field level security is not enabled until you publish the customizations\.$/);
      expectError(await call('POST', `${s.root}fieldpermissions`, { 'fieldsecurityprofileid@odata.bind': bind, entityname: 'new_nothing', attributelogicalname: 'new_ssn', canread: 4 }, as('Dee')), 400, '0x8004F508');
      expectError(await call('POST', `${s.root}fieldpermissions`, { 'fieldsecurityprofileid@odata.bind': bind, entityname: 'new_employee', attributelogicalname: 'new_ssn', canread: 2 }, as('Dee')), 400, '0x8004431A');
      expectError(await call('POST', `${s.root}fieldsecurityprofiles`, { name: 'Mine' }, as('Ann')), 403, '0x80040220', /prvCreateFieldSecurityProfile/);
      expectError(await get('Ann', 'fieldpermissions'), 403, '0x80040220', /prvReadFieldPermission/);
      const kept = await get('Dee', `fieldsecurityprofiles(${SYSTEM_ADMINISTRATOR_PROFILE_ID})?$select=name`);
      expect(kept.json.name).to.equal('System Administrator');
      expectError(await call('DELETE', `${s.root}fieldsecurityprofiles(${SYSTEM_ADMINISTRATOR_PROFILE_ID})`, undefined, as('Dee')), 400, '0x8004F50C', /^The System Administrator field security profile cannot be modified or deleted\.$/);
      expectError(await call('PATCH', `${s.root}fieldsecurityprofiles(${SYSTEM_ADMINISTRATOR_PROFILE_ID})`, { name: 'Mine' }, as('Dee')), 400, '0x8004F50C');
      // Deleting a profile deletes its permissions: its users lose what it gave.
      const temp = await asSystem(s, 'POST', 'fieldsecurityprofiles', { name: 'Temporary' });
      ok(temp, 201);
      ok(await asSystem(s, 'POST', 'fieldpermissions', { 'fieldsecurityprofileid@odata.bind': `/fieldsecurityprofiles(${temp.json.fieldsecurityprofileid})`, entityname: 'new_employee', attributelogicalname: 'new_ssn', canread: 4 }), 201);
      ok(await asSystem(s, 'POST', `fieldsecurityprofiles(${temp.json.fieldsecurityprofileid})/systemuserprofiles_association/$ref`, { '@odata.id': `${s.root}systemusers(${users['Ann']!.id})` }));
      expect((await get('Ann', `new_employees(${alice})?$select=new_ssn`)).json.new_ssn).to.equal('123-45-6789');
      ok(await call('DELETE', `${s.root}fieldsecurityprofiles(${temp.json.fieldsecurityprofileid})`, undefined, as('Dee')));
      expect((await get('Ann', `new_employees(${alice})?$select=new_ssn`)).json.new_ssn).to.equal(null);
      expect((await asSystem(s, 'GET', `fieldpermissions?$select=attributelogicalname&$filter=_fieldsecurityprofileid_value eq ${temp.json.fieldsecurityprofileid}`)).json.value).to.deep.equal([]);
    });

    it('linking or unlinking field security profiles takes prvWriteFieldSecurityProfile; the System Administrator profile only a System Administrator gives or takes; joining a team gives its profiles', async () => {
      const link = { prvReadFieldSecurityProfile: 'Global', prvAppendToFieldSecurityProfile: 'Global', prvReadUser: 'Global', prvAppendToUser: 'Global', prvReadTeam: 'Global', prvAppendToTeam: 'Global', prvWriteTeam: 'Global', prvCreateTeam: 'Global', prvReadnew_employee: 'Global' };
      const fay = await signUp('Fay', await makeRole('Profile appender', link));
      const gus = await signUp('Gus', await makeRole('Profile editor', { ...link, prvWriteFieldSecurityProfile: 'Global' }));
      const name = (id: string) => Object.keys(users).find((n) => users[n]!.id === id)!;
      const ref = (id: string, table: string, nav: string, target: string, by: string) => call('POST', `${s.root}${table}(${id})/${nav}/$ref`, { '@odata.id': `${s.root}${target}` }, as(name(by)));
      const unref = (path: string, by: string) => call('DELETE', `${s.root}${path}/$ref`, undefined, as(name(by)));
      const secret = async (who: string) => (await get(name(who), `new_employees(${alice})?$select=new_ssn`)).json.new_ssn;
      // AppendTo alone links nothing, from either side; nor unlinks another.
      expectError(await ref(SYSTEM_ADMINISTRATOR_PROFILE_ID, 'fieldsecurityprofiles', 'systemuserprofiles_association', `systemusers(${fay})`, fay), 403, '0x80040220', /prvWriteFieldSecurityProfile/);
      expectError(await ref(fay, 'systemusers', 'systemuserprofiles_association', `fieldsecurityprofiles(${payroll})`, fay), 403, '0x80040220', /prvWriteFieldSecurityProfile/);
      expectError(await ref(payroll, 'fieldsecurityprofiles', 'teamprofiles_association', `teams(${hr})`, fay), 403, '0x80040220', /prvWriteFieldSecurityProfile/);
      expectError(await unref(`fieldsecurityprofiles(${payroll})/systemuserprofiles_association(${users['Bob']!.id})`, fay), 403, '0x80040220', /prvWriteFieldSecurityProfile/);
      // Nor does a new team bound to a profile (a deep insert's link).
      const bound = (profile: string, by: string) => call('POST', `${s.root}teams`, { name: `Bound ${by}`, 'teamprofiles_association@odata.bind': [`/fieldsecurityprofiles(${profile})`] }, as(name(by)));
      expectError(await bound(payroll, fay), 403, '0x80040220', /prvWriteFieldSecurityProfile/);
      expectError(await bound(SYSTEM_ADMINISTRATOR_PROFILE_ID, gus), 403, '0x80040220', /System Administrator field security profile/);
      expect(await secret(fay)).to.equal(null);
      // With prvWriteFieldSecurityProfile, any profile but the System Administrator one.
      expectError(await ref(SYSTEM_ADMINISTRATOR_PROFILE_ID, 'fieldsecurityprofiles', 'systemuserprofiles_association', `systemusers(${gus})`, gus), 403, '0x80040220', /cannot give the System Administrator field security profile/);
      expectError(await ref(gus, 'systemusers', 'systemuserprofiles_association', `fieldsecurityprofiles(${SYSTEM_ADMINISTRATOR_PROFILE_ID})`, gus), 403, '0x80040220', /System Administrator field security profile/);
      expectError(await unref(`fieldsecurityprofiles(${SYSTEM_ADMINISTRATOR_PROFILE_ID})/systemuserprofiles_association(${users['Eve']!.id})`, gus), 403, '0x80040220', /cannot take the System Administrator field security profile/);
      expect(await secret(gus)).to.equal(null);
      ok(await ref(gus, 'systemusers', 'systemuserprofiles_association', `fieldsecurityprofiles(${payroll})`, gus));
      expect(await secret(gus)).to.equal('123-45-6789');
      ok(await unref(`fieldsecurityprofiles(${payroll})/systemuserprofiles_association(${gus})`, gus));
      // Joining a team that holds a profile is giving oneself the profile.
      const admins = await asSystem(s, 'POST', 'teams', { name: 'Admins' });
      ok(admins, 201);
      ok(await asSystem(s, 'POST', `fieldsecurityprofiles(${SYSTEM_ADMINISTRATOR_PROFILE_ID})/teamprofiles_association/$ref`, { '@odata.id': `${s.root}teams(${admins.json.teamid})` }));
      expectError(await ref(hr, 'teams', 'teammembership_association', `systemusers(${fay})`, fay), 403, '0x80040220', /prvWriteFieldSecurityProfile/);
      expectError(await ref(admins.json.teamid, 'teams', 'teammembership_association', `systemusers(${gus})`, gus), 403, '0x80040220', /System Administrator field security profile/);
      expect(await secret(fay)).to.equal(null);
      expect(await secret(gus)).to.equal(null);
      ok(await ref(hr, 'teams', 'teammembership_association', `systemusers(${gus})`, gus));
      expect(await secret(gus)).to.equal('123-45-6789');
    });

    it('a caller who may read a secured choice or linked column sorts by it in FetchXML (its label, a link-entity order)', async () => {
      const grades = await asSystem(s, 'POST', 'fieldsecurityprofiles', { name: 'Grades' });
      ok(grades, 201);
      const bind = `/fieldsecurityprofiles(${grades.json.fieldsecurityprofileid})`;
      for (const column of ['new_grade', 'new_salary']) ok(await asSystem(s, 'POST', 'fieldpermissions', { 'fieldsecurityprofileid@odata.bind': bind, entityname: 'new_employee', attributelogicalname: column, canread: 4 }), 201);
      const ida = await signUp('Ida', clerk);
      ok(await asSystem(s, 'POST', `fieldsecurityprofiles(${grades.json.fieldsecurityprofileid})/systemuserprofiles_association/$ref`, { '@odata.id': `${s.root}systemusers(${ida})` }));
      const fetch = (table: string, xml: string) => get('Ida', `${table}?fetchXml=${encodeURIComponent(xml)}`);
      // By label: Junior (Carl) before Senior (Alice).
      const byGrade = await fetch('new_employees', '<fetch><entity name="new_employee"><attribute name="new_name"/><attribute name="new_grade"/><filter><condition attribute="new_grade" operator="not-null"/></filter><order attribute="new_grade"/></entity></fetch>');
      ok(byGrade, 200);
      expect(byGrade.json.value.map((v: { new_name: string }) => v.new_name)).to.deep.equal(['Carl', 'Alice']);
      const linked = await fetch('new_reviews', '<fetch><entity name="new_review"><attribute name="new_name"/><link-entity name="new_employee" from="new_employeeid" to="new_employeeid" alias="e"><attribute name="new_salary"/><order attribute="new_grade"/><order attribute="new_salary"/></link-entity></entity></fetch>');
      ok(linked, 200);
      expect(linked.json.value[0]).to.include({ new_name: 'Review of Alice', e_x002e_new_salary: 5000 });
      // The SSN is still not hers: it sorts as null.
      ok(await fetch('new_employees', '<fetch><entity name="new_employee"><attribute name="new_name"/><order attribute="new_ssn"/></entity></fetch>'), 200);
    });
  });
}
