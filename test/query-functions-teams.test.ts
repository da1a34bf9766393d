import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { expect } from 'chai';
import { createAuthenticator } from '../src/http/authentication.js';
import { SYSTEM_ADMINISTRATOR_ID } from '../src/model/kept-ids.js';
import type { EntityFile } from '../src/model/types.js';
import { asSystem, call, copyMetadata, DATABASES, recordStatements, type Reply, startServer, tempDir, type TestServer } from './support/server.js';
import { AUDIENCE, bearer, ISSUER, keys, token } from './support/tokens.js';

/**
 * Dataverse's query functions and FetchXML operators on what the caller is (Dataverse "Condition
 * operators" reference; EqualUserTeams, EqualUserOrUserTeams, EqualUserOrUserHierarchy,
 * EqualUserOrUserHierarchyAndTeams, EqualBusinessId, NotEqualBusinessId, EqualUserLanguage functions;
 * "Query hierarchical data"): the teams it is a member of, read in the query's own statement; the
 * users below it in the manager hierarchy and their teams; its business unit; its user-interface language (the organization's, 1033 without one). As the
 * anonymous built-in caller of a server without sign-in, and as users signed in with tokens.
 */

const F = 'Microsoft.Dynamics.CRM';
const SET = 'new_assignments';

/** A user-owned table with a column of each type the functions take or refuse. */
const ASSIGNMENT: EntityFile = {
  LogicalName: 'new_assignment', EntitySetName: SET, PrimaryIdAttribute: 'new_assignmentid', PrimaryNameAttribute: 'new_name', OwnershipType: 'UserOwned',
  Attributes: [
    { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_unit', AttributeType: 'Uniqueidentifier' },
    { LogicalName: 'new_language', AttributeType: 'Integer' },
    { LogicalName: 'new_choice', AttributeType: 'Picklist', OptionSet: { Name: 'new_assignment_new_choice', Options: [{ Value: 1033, Label: 'English' }, { Value: 1036, Label: 'French' }] } },
    { LogicalName: 'new_teamid', AttributeType: 'Lookup', Targets: ['team'] },
  ],
};

/** The shipped metadata with ASSIGNMENT and, with `language`, the organization's `languagecode`; the caller removes it. */
function metadata(language = false): string {
  const dir = copyMetadata();
  writeFileSync(join(dir, 'new_assignment.json'), JSON.stringify(ASSIGNMENT));
  if (language) {
    const file = join(dir, 'organization.json');
    const organization = JSON.parse(readFileSync(file, 'utf8')) as EntityFile;
    organization.Attributes.push({ LogicalName: 'languagecode', AttributeType: 'Integer' });
    writeFileSync(file, JSON.stringify(organization));
  }
  return dir;
}

/** Starts a server on a fresh metadata(language) copy; its close() removes the copy. */
async function start(database: (typeof DATABASES)[number], language = false, options?: Parameters<typeof startServer>[2]): Promise<TestServer> {
  const dir = metadata(language);
  const s = await startServer(dir, database, options).catch((err: unknown) => { rmSync(dir, { recursive: true, force: true }); throw err; });
  return { ...s, close: async () => { await s.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/** Sends requests to `s` as the anonymous caller (no headers) or with `headers`; checks for 2xx where asked. */
function client(s: TestServer, headers: Record<string, string> = {}) {
  const names = (r: Reply) => {
    expect(r.status, r.text).to.equal(200);
    return r.json.value.map((v: { new_name: string }) => v.new_name);
  };
  /** GET of the rows' names, ordered, with `$filter`. */
  const filter = (condition: string, extra = '') => call('GET', `${s.root}${SET}?$select=new_name&$orderby=new_name&$filter=${encodeURIComponent(condition)}${extra}`, undefined, headers);
  /** GET of the rows' names, ordered, with FetchXML `conditions` in the root filter and `links`. */
  const fetch = (conditions: string, links = '') => call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(`<fetch><entity name="new_assignment"><attribute name="new_name"/><order attribute="new_name"/><filter>${conditions}</filter>${links}</entity></fetch>`)}`, undefined, headers);
  return {
    filter,
    fetch,
    /** The names `$filter` finds (200 checked). */
    names: async (condition: string) => names(await filter(condition)),
    /** The names FetchXML finds (200 checked). */
    fetched: async (conditions: string, links = '') => names(await fetch(conditions, links)),
  };
}

/** A server that signs users in with tokens of a fresh key (its JWKS in `work`, which close() removes), and a role reading `privileges` at Global depth. */
async function startSignedIn(database: (typeof DATABASES)[number], privileges: readonly string[]) {
  const signing = await keys('k1');
  const work = tempDir('tessera-teams-auth-');
  const jwks = join(work, 'jwks.json');
  writeFileSync(jwks, JSON.stringify(signing.jwks));
  const started = await start(database, false, { authentication: await createAuthenticator({ issuer: ISSUER, audience: [AUDIENCE], jwks }) });
  const s: TestServer = { ...started, close: async () => { await started.close(); rmSync(work, { recursive: true, force: true }); } };
  const role = await asSystem(s, 'POST', 'roles', { name: 'Assignment reader' });
  expect(role.status, JSON.stringify(role.json)).to.equal(201);
  const added = await asSystem(s, 'POST', `roles(${role.json.roleid})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { Privileges: privileges.map((PrivilegeName) => ({ PrivilegeName, Depth: 'Global' })) });
  expect(added.status, JSON.stringify(added.json)).to.equal(204);
  /** Creates user `name` (with `columns`) holding role `roleId` (the reader role by default), and a token signing it in. */
  const user = async (name: string, roleId: string = role.json.roleid, columns: object = {}) => {
    const oid = randomUUID();
    const made = await asSystem(s, 'POST', 'systemusers', { fullname: name, azureactivedirectoryobjectid: oid, ...columns });
    expect(made.status, JSON.stringify(made.json)).to.equal(201);
    const linked = await asSystem(s, 'POST', `systemusers(${made.json.systemuserid})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${roleId})` });
    expect(linked.status, JSON.stringify(linked.json)).to.equal(204);
    return { id: made.json.systemuserid as string, token: await token(signing, { oid, upn: `${name.toLowerCase()}@example.test` }) };
  };
  return { s, user };
}

const fn = (name: string, column: string) => `${F}.${name}(PropertyName='${column}')`;
const op = (operator: string, column: string) => `<condition attribute="${column}" operator="${operator}"/>`;

for (const database of DATABASES) {
  describe(`team, business unit and language query functions as the anonymous caller [${database.name}]`, () => {
    let s: TestServer;
    let me: string;
    let unit: string;
    let red: string;
    let blue: string;
    let defaultTeam: string;
    let q: ReturnType<typeof client>;
    const ok = (r: Reply, status = 204) => expect(r.status, r.text).to.equal(status);
    const create = async (body: object) => ok(await call('POST', `${s.root}${SET}`, body));
    before(async () => {
      s = await start(database);
      q = client(s);
      ({ systemuserid: me, businessunitid: unit } = s.service.caller);
      const team = async (name: string) => {
        const r = await call('POST', `${s.root}teams`, { name }, { Prefer: 'return=representation' });
        ok(r, 201);
        return r.json.teamid as string;
      };
      red = await team('Red');
      blue = await team('Blue');
      defaultTeam = (await call('GET', `${s.root}teams?$select=teamid&$filter=isdefault eq true`)).json.value[0].teamid;
      // The anonymous caller (the built-in SYSTEM user) joins Red; it is in the default team already.
      ok(await call('POST', `${s.root}teams(${red})/teammembership_association/$ref`, { '@odata.id': `${s.root}systemusers(${me})` }));
      // Olga reports to the caller (its manager hierarchy: EqualUserOrUserHierarchy).
      const olga = (await call('POST', `${s.root}systemusers`, { fullname: 'Olga', 'parentsystemuserid@odata.bind': `/systemusers(${me})` }, { Prefer: 'return=representation' })).json.systemuserid as string;
      await create({ new_name: 'mine', new_unit: unit, new_language: 1033, new_choice: 1033, 'new_teamid@odata.bind': `/teams(${red})` });
      await create({ new_name: 'red', 'ownerid@odata.bind': `/teams(${red})`, new_unit: randomUUID(), new_language: 1036, 'new_teamid@odata.bind': `/teams(${blue})` });
      await create({ new_name: 'blue', 'ownerid@odata.bind': `/teams(${blue})` });
      await create({ new_name: 'olga', 'ownerid@odata.bind': `/systemusers(${olga})`, new_unit: unit, new_language: 1033 });
      await create({ new_name: 'default team', 'ownerid@odata.bind': `/teams(${defaultTeam})`, new_choice: 1036 });
    });
    after(async () => { await s.close(); });

    it('EqualUserTeams / eq-userteams: rows owned by (or pointing at) a team the caller is a member of', async () => {
      expect(await q.names(fn('EqualUserTeams', 'ownerid'))).to.deep.equal(['default team', 'red']);
      expect(await q.names(fn('EqualUserTeams', '_ownerid_value'))).to.deep.equal(['default team', 'red']);
      expect(await q.names(fn('EqualUserTeams', 'owningteam'))).to.deep.equal(['default team', 'red']);
      expect(await q.names(fn('EqualUserTeams', 'new_teamid'))).to.deep.equal(['mine']);
      expect(await q.fetched(op('eq-userteams', 'ownerid'))).to.deep.equal(['default team', 'red']);
      expect(await q.fetched(op('eq-userteams', 'new_teamid'))).to.deep.equal(['mine']);
      // In a link-entity, on the team table's own key: rows whose owning team is one of the caller's.
      expect(await q.fetched('', `<link-entity name="team" from="teamid" to="owningteam" link-type="inner"><filter>${op('eq-userteams', 'teamid')}</filter></link-entity>`)).to.deep.equal(['default team', 'red']);
    });

    it('EqualUserOrUserTeams / eq-useroruserteams: rows of the caller or of one of its teams', async () => {
      expect(await q.names(fn('EqualUserOrUserTeams', 'ownerid'))).to.deep.equal(['default team', 'mine', 'red']);
      expect(await q.names(fn('EqualUserOrUserTeams', 'owninguser'))).to.deep.equal(['mine']);
      expect(await q.fetched(op('eq-useroruserteams', 'ownerid'))).to.deep.equal(['default team', 'mine', 'red']);
      expect(await q.fetched(op('eq-useroruserteams', 'owninguser'))).to.deep.equal(['mine']);
    });

    it('follow membership changes at once: leaving a team drops its rows', async () => {
      const green = (await call('POST', `${s.root}teams`, { name: 'Green' }, { Prefer: 'return=representation' })).json.teamid as string;
      const row = await call('POST', `${s.root}${SET}`, { new_name: 'green', 'ownerid@odata.bind': `/teams(${green})` }, { Prefer: 'return=representation' });
      ok(row, 201);
      expect(await q.names(`${fn('EqualUserTeams', 'ownerid')} and new_name eq 'green'`)).to.deep.equal([]);
      ok(await call('POST', `${s.root}teams(${green})/Microsoft.Dynamics.CRM.AddMembersTeam`, { Members: [{ systemuserid: me }] }));
      expect(await q.names(`${fn('EqualUserTeams', 'ownerid')} and new_name eq 'green'`)).to.deep.equal(['green']);
      expect(await q.fetched(`${op('eq-userteams', 'ownerid')}<condition attribute="new_name" operator="eq" value="green"/>`)).to.deep.equal(['green']);
      ok(await call('DELETE', `${s.root}teams(${green})/teammembership_association(${me})/$ref`));
      expect(await q.names(`${fn('EqualUserTeams', 'ownerid')} and new_name eq 'green'`)).to.deep.equal([]);
      ok(await call('DELETE', `${s.root}${SET}(${row.json.new_assignmentid})`));
    });

    it("EqualBusinessId / NotEqualBusinessId: the caller's business unit; the negation keeps null values, as ne does", async () => {
      expect(await q.names(fn('EqualBusinessId', 'new_unit'))).to.deep.equal(['mine', 'olga']);
      expect(await q.names(fn('NotEqualBusinessId', 'new_unit'))).to.deep.equal(['blue', 'default team', 'red']);
      expect(await q.names(fn('EqualBusinessId', 'owningbusinessunit'))).to.deep.equal(['blue', 'default team', 'mine', 'olga', 'red']);
      expect(await q.names(fn('NotEqualBusinessId', '_owningbusinessunit_value'))).to.deep.equal([]);
      expect(await q.fetched(op('eq-businessid', 'new_unit'))).to.deep.equal(['mine', 'olga']);
      expect(await q.fetched(op('ne-businessid', 'new_unit'))).to.deep.equal(['blue', 'default team', 'red']);
      // On the business unit table itself: the root, the caller's.
      const units = await call('GET', `${s.root}businessunits?$select=businessunitid&$filter=${encodeURIComponent(fn('EqualBusinessId', 'businessunitid'))}`);
      expect(units.json.value.map((u: { businessunitid: string }) => u.businessunitid)).to.deep.equal([unit]);
    });

    it("EqualUserLanguage / eq-userlanguage: 1033 when the organization has no language column", async () => {
      expect(await q.names(fn('EqualUserLanguage', 'new_language'))).to.deep.equal(['mine', 'olga']);
      expect(await q.fetched(op('eq-userlanguage', 'new_language'))).to.deep.equal(['mine', 'olga']);
    });

    it('combine with and / or, count with $count and /$count, filter in $apply and in $expand options', async () => {
      expect(await q.names(`${fn('EqualUserTeams', 'ownerid')} or ${fn('EqualBusinessId', 'new_unit')}`)).to.deep.equal(['default team', 'mine', 'olga', 'red']);
      expect(await q.names(`${fn('EqualUserOrUserTeams', 'ownerid')} and ${fn('EqualUserLanguage', 'new_language')}`)).to.deep.equal(['mine']);
      expect(await q.fetched(`<filter type="or">${op('eq-userteams', 'ownerid')}${op('eq-businessid', 'new_unit')}</filter>`)).to.deep.equal(['default team', 'mine', 'olga', 'red']);
      const counted = await q.filter(fn('EqualUserOrUserTeams', 'ownerid'), '&$count=true');
      expect(counted.json['@odata.count']).to.equal(3);
      const count = await call('GET', `${s.root}${SET}/$count?$filter=${encodeURIComponent(fn('EqualUserTeams', 'ownerid'))}`);
      expect(count.status, count.text).to.equal(200);
      expect(count.text).to.equal('2');
      const fetchCount = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(`<fetch returntotalrecordcount="true"><entity name="new_assignment"><attribute name="new_name"/><filter>${op('eq-userteams', 'ownerid')}</filter></entity></fetch>`)}`);
      expect(fetchCount.json['@odata.count']).to.equal(2);
      const applied = await call('GET', `${s.root}${SET}?$apply=${encodeURIComponent(`filter(${fn('EqualUserTeams', 'ownerid')})/aggregate($count as n)`)}`);
      expect(applied.status, applied.text).to.equal(200);
      expect(applied.json.value).to.deep.equal([{ n: 2 }]);
      const grouped = await call('GET', `${s.root}${SET}?$apply=${encodeURIComponent(`filter(${fn('NotEqualBusinessId', 'new_unit')})/groupby((new_language),aggregate($count as n))`)}&$orderby=new_language`);
      expect(grouped.json.value).to.deep.equal([{ n: 2 }, { new_language: 1036, n: 1 }]);
      const expanded = await call('GET', `${s.root}businessunits(${unit})?$select=name&$expand=business_unit_new_assignment($select=new_name;$orderby=new_name;$filter=${encodeURIComponent(fn('EqualUserTeams', 'ownerid'))})`);
      expect(expanded.status, expanded.text).to.equal(200);
      expect(expanded.json.business_unit_new_assignment.map((r: { new_name: string }) => r.new_name)).to.deep.equal(['default team', 'red']);
      const aggregate = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(`<fetch aggregate="true"><entity name="new_assignment"><attribute name="new_assignmentid" alias="n" aggregate="count"/><filter>${op('eq-useroruserteams', 'ownerid')}</filter></entity></fetch>`)}`);
      expect(aggregate.json.value[0].n).to.equal(3);
    });

    it('refuse not before a query function, as Dataverse does; not over a combination keeps rows whose column is null', async () => {
      for (const name of ['EqualUserTeams', 'EqualUserOrUserTeams', 'EqualUserOrUserHierarchy', 'EqualUserOrUserHierarchyAndTeams', 'EqualBusinessId', 'NotEqualBusinessId', 'EqualUserLanguage']) {
        const r = await q.filter(`not ${fn(name, name === 'EqualUserLanguage' ? 'new_language' : name.includes('Business') ? 'new_unit' : 'ownerid')}`);
        expect(r.status, name).to.equal(400);
        expect(r.json.error.message).to.equal('Not operator along with the Custom Named Condition operators is not allowed');
      }
      // The subquery is true or false, never unknown: a row without a team passes the negation.
      expect(await q.names(`not (${fn('EqualUserTeams', 'new_teamid')} and new_name ne 'x')`)).to.deep.equal(['blue', 'default team', 'olga', 'red']);
    });

    it('refuse a column of another type: 400 0x80060888 in $filter, 0x80040203 in FetchXML', async () => {
      for (const [name, column] of [
        ['EqualUserTeams', 'new_name'], ['EqualUserTeams', 'owninguser'], ['EqualUserTeams', 'new_unit'], ['EqualUserTeams', 'createdon'],
        ['EqualUserOrUserTeams', 'new_language'], ['EqualUserOrUserTeams', 'owningbusinessunit'],
        ['EqualBusinessId', 'new_name'], ['NotEqualBusinessId', 'new_language'],
        ['EqualUserLanguage', 'new_choice'], ['EqualUserLanguage', 'new_name'], ['EqualUserLanguage', 'new_unit'],
        ['EqualUserOrUserHierarchy', 'new_teamid'], ['EqualUserOrUserHierarchy', 'owningteam'], ['EqualUserOrUserHierarchy', 'new_name'],
        ['EqualUserOrUserHierarchyAndTeams', 'new_unit'], ['EqualUserOrUserHierarchyAndTeams', 'owningbusinessunit'],
      ] as const) {
        const r = await q.filter(fn(name, column));
        expect(r.status, `${name} ${column}`).to.equal(400);
        expect(r.json.error.code).to.equal('0x80060888');
        expect(r.json.error.message).to.match(new RegExp(`^${F}\\.${name}: '(_${column}_value|${column})' is not an? `));
      }
      for (const [operator, column] of [['eq-userteams', 'new_name'], ['eq-useroruserteams', 'new_language'], ['eq-businessid', 'new_name'], ['ne-businessid', 'new_language'], ['eq-userlanguage', 'new_choice'], ['eq-useroruserhierarchy', 'new_teamid'], ['eq-useroruserhierarchyandteams', 'new_language']] as const) {
        const r = await q.fetch(op(operator, column));
        expect(r.status, `${operator} ${column}`).to.equal(400);
        expect(r.json.error.code).to.equal('0x80040203');
        expect(r.json.error.message).to.contain(`'new_assignment.${column}' (operator '${operator}')`);
      }
      // No value, and no parameter besides PropertyName.
      expect((await q.fetch(`<condition attribute="ownerid" operator="eq-userteams" value="${me}"/>`)).status).to.equal(400);
      const extra = await q.filter(`${F}.EqualUserTeams(PropertyName='ownerid',PropertyValue='${me}')`);
      expect(extra.status).to.equal(400);
      expect(extra.json.error.message).to.contain("The function signatures considered are: Microsoft.Dynamics.CRM.EqualUserTeams(PropertyName).");
      expect((await q.fetch(`<condition attribute="ownerid" operator="eq-useroruserhierarchy" value="${me}"/>`)).status).to.equal(400);
      const extraHierarchy = await q.filter(`${F}.EqualUserOrUserHierarchy(PropertyName='ownerid',PropertyValue='${me}')`);
      expect(extraHierarchy.status).to.equal(400);
      expect(extraHierarchy.json.error.message).to.contain('The function signatures considered are: Microsoft.Dynamics.CRM.EqualUserOrUserHierarchy(PropertyName).');
    });

    it("read the caller's teams in the query's own statement, no read before it", async () => {
      const statements = recordStatements(s.db);
      expect(await q.names(fn('EqualUserTeams', 'ownerid'))).to.deep.equal(['default team', 'red']);
      expect(statements).to.have.length(1);
      expect(statements[0]!.sql).to.match(/IN \(SELECT "?f1"?\."?teamid"? FROM "?teammembership"? "?f1"? WHERE "?systemuserid"? = /);
      statements.length = 0;
      expect(await q.fetched(op('eq-useroruserteams', 'ownerid'))).to.deep.equal(['default team', 'mine', 'red']);
      expect(statements).to.have.length(1);
    });

    it("EqualUserOrUserHierarchy / EqualUserOrUserHierarchyAndTeams: the caller's rows and its reports' (and their teams'), in one statement", async () => {
      const statements = recordStatements(s.db);
      expect(await q.names(fn('EqualUserOrUserHierarchy', 'ownerid'))).to.deep.equal(['mine', 'olga']);
      expect(statements).to.have.length(1);
      expect(await q.names(fn('EqualUserOrUserHierarchy', 'owninguser'))).to.deep.equal(['mine', 'olga']);
      expect(await q.names(fn('EqualUserOrUserHierarchyAndTeams', 'ownerid'))).to.deep.equal(['default team', 'mine', 'olga', 'red']);
      expect(await q.fetched(op('eq-useroruserhierarchy', 'ownerid'))).to.deep.equal(['mine', 'olga']);
      expect(await q.fetched(op('eq-useroruserhierarchyandteams', 'ownerid'))).to.deep.equal(['default team', 'mine', 'olga', 'red']);
      expect(await q.fetched(op('eq-useroruserhierarchyandteams', 'new_teamid'))).to.deep.equal(['mine']);
    });
  });

  describe(`team query functions as users signed in with tokens [${database.name}]`, () => {
    let s: TestServer;
    const users: Record<string, { id: string; token: string }> = {};
    const teams: Record<string, string> = {};
    const ok = (r: { status: number; json?: unknown }, status = 204) => expect(r.status, JSON.stringify(r.json)).to.equal(status);
    before(async () => {
      // Ann reads every assignment through a role (her teams are read for her privileges too);
      // Ben is a System Administrator (nothing is read for his privileges).
      const started = await startSignedIn(database, ['prvReadnew_assignment']);
      s = started.s;
      users['Ann'] = await started.user('Ann');
      users['Ben'] = await started.user('Ben', SYSTEM_ADMINISTRATOR_ID);
      for (const [name, member] of [['Green', 'Ann'], ['Red', 'Ben'], ['Empty', undefined]] as const) {
        const team = await asSystem(s, 'POST', 'teams', { name });
        ok(team, 201);
        teams[name] = team.json.teamid;
        if (member) ok(await asSystem(s, 'POST', `teams(${team.json.teamid})/teammembership_association/$ref`, { '@odata.id': `${s.root}systemusers(${users[member]!.id})` }));
      }
      const defaultTeam = (await asSystem(s, 'GET', 'teams?$select=teamid&$filter=isdefault eq true')).json.value[0].teamid as string;
      const owners: Array<[string, string]> = [['green', `/teams(${teams['Green']})`], ['red', `/teams(${teams['Red']})`], ['empty', `/teams(${teams['Empty']})`],
        ['default team', `/teams(${defaultTeam})`], ['ann', `/systemusers(${users['Ann']!.id})`], ['ben', `/systemusers(${users['Ben']!.id})`], ['system', `/systemusers(${s.service.caller.systemuserid})`]];
      for (const [name, owner] of owners) ok(await asSystem(s, 'POST', SET, { new_name: name, 'ownerid@odata.bind': owner, new_unit: s.service.caller.businessunitid }), 201);
    });
    after(async () => { await s.close(); });

    it('a user finds the rows of its own teams only (the default team too), in $filter and FetchXML', async () => {
      const ann = client(s, bearer(users['Ann']!.token));
      const ben = client(s, bearer(users['Ben']!.token));
      expect(await ann.names(fn('EqualUserTeams', 'ownerid'))).to.deep.equal(['default team', 'green']);
      expect(await ben.names(fn('EqualUserTeams', 'ownerid'))).to.deep.equal(['default team', 'red']);
      expect(await ann.names(fn('EqualUserOrUserTeams', 'ownerid'))).to.deep.equal(['ann', 'default team', 'green']);
      expect(await ben.names(fn('EqualUserOrUserTeams', 'ownerid'))).to.deep.equal(['ben', 'default team', 'red']);
      expect(await ann.fetched(op('eq-userteams', 'ownerid'))).to.deep.equal(['default team', 'green']);
      expect(await ben.fetched(op('eq-useroruserteams', 'ownerid'))).to.deep.equal(['ben', 'default team', 'red']);
      expect(await ann.names(fn('EqualUserId', 'ownerid'))).to.deep.equal(['ann']);
      // Every user is in the root business unit.
      expect(await ann.names(fn('EqualBusinessId', 'new_unit'))).to.have.length(7);
    });

    it('a user who is no member of a team (nor of the default one) finds none; impersonation runs as the impersonated user', async () => {
      const ben = bearer(users['Ben']!.token);
      ok(await asSystem(s, 'DELETE', `teams(${teams['Red']})/teammembership_association(${users['Ben']!.id})/$ref`));
      try {
        expect(await client(s, ben).names(fn('EqualUserTeams', 'new_teamid'))).to.deep.equal([]);
        expect(await client(s, ben).names(fn('EqualUserTeams', 'ownerid'))).to.deep.equal(['default team']);
      } finally {
        ok(await asSystem(s, 'POST', `teams(${teams['Red']})/teammembership_association/$ref`, { '@odata.id': `${s.root}systemusers(${users['Ben']!.id})` }));
      }
      // Ben, a System Administrator, acting as Ann (MSCRMCallerID): Ann's teams.
      expect(await client(s, { ...ben, MSCRMCallerID: users['Ann']!.id }).names(fn('EqualUserTeams', 'ownerid'))).to.deep.equal(['default team', 'green']);
    });
  });

  describe(`user hierarchy query functions as users of a manager chain signed in with tokens [${database.name}]`, () => {
    let s: TestServer;
    const users: Record<string, { id: string; token: string }> = {};
    const ok = (r: { status: number; json?: unknown }, status = 204) => expect(r.status, JSON.stringify(r.json)).to.equal(status);
    const as = (name: string) => client(s, bearer(users[name]!.token));
    before(async () => {
      const started = await startSignedIn(database, ['prvReadnew_assignment', 'prvReadUser']);
      s = started.s;
      // Mia manages Max, who manages Zoe; Ivy has no manager and manages no one.
      for (const [name, manager] of [['Mia', undefined], ['Max', 'Mia'], ['Zoe', 'Max'], ['Ivy', undefined]] as const) {
        users[name] = await started.user(name, undefined, manager ? { 'parentsystemuserid@odata.bind': `/systemusers(${users[manager]!.id})` } : {});
      }
      const owners: Array<[string, string]> = [];
      for (const member of ['Mia', 'Max', 'Ivy']) {
        const team = await asSystem(s, 'POST', 'teams', { name: `Team ${member}` });
        ok(team, 201);
        ok(await asSystem(s, 'POST', `teams(${team.json.teamid})/teammembership_association/$ref`, { '@odata.id': `${s.root}systemusers(${users[member]!.id})` }));
        owners.push([`team ${member.toLowerCase()}`, `/teams(${team.json.teamid})`]);
      }
      const defaultTeam = (await asSystem(s, 'GET', 'teams?$select=teamid&$filter=isdefault eq true')).json.value[0].teamid as string;
      owners.push(['default team', `/teams(${defaultTeam})`], ['system', `/systemusers(${s.service.caller.systemuserid})`]);
      for (const name of ['Mia', 'Max', 'Zoe', 'Ivy']) owners.push([name.toLowerCase(), `/systemusers(${users[name]!.id})`]);
      for (const [name, owner] of owners) ok(await asSystem(s, 'POST', SET, { new_name: name, 'ownerid@odata.bind': owner }), 201);
    });
    after(async () => { await s.close(); });

    it("EqualUserOrUserHierarchy / eq-useroruserhierarchy: the caller's rows and those of every user below it", async () => {
      expect(await as('Mia').names(fn('EqualUserOrUserHierarchy', 'ownerid'))).to.deep.equal(['max', 'mia', 'zoe']);
      expect(await as('Max').names(fn('EqualUserOrUserHierarchy', 'ownerid'))).to.deep.equal(['max', 'zoe']);
      expect(await as('Zoe').names(fn('EqualUserOrUserHierarchy', 'ownerid'))).to.deep.equal(['zoe']);
      expect(await as('Ivy').names(fn('EqualUserOrUserHierarchy', 'ownerid'))).to.deep.equal(['ivy']);
      expect(await as('Mia').names(fn('EqualUserOrUserHierarchy', 'owninguser'))).to.deep.equal(['max', 'mia', 'zoe']);
      expect(await as('Mia').fetched(op('eq-useroruserhierarchy', 'ownerid'))).to.deep.equal(['max', 'mia', 'zoe']);
      expect(await as('Max').fetched(op('eq-useroruserhierarchy', 'owninguser'))).to.deep.equal(['max', 'zoe']);
      // On the user table's own key: the users themselves.
      const reports = await call('GET', `${s.root}systemusers?$select=fullname&$orderby=fullname&$filter=${encodeURIComponent(fn('EqualUserOrUserHierarchy', 'systemuserid'))}`, undefined, bearer(users['Max']!.token));
      expect(reports.status, reports.text).to.equal(200);
      expect(reports.json.value.map((u: { fullname: string }) => u.fullname)).to.deep.equal(['Max', 'Zoe']);
    });

    it('EqualUserOrUserHierarchyAndTeams / eq-useroruserhierarchyandteams: also the rows of the teams of the caller and of the users below it', async () => {
      expect(await as('Mia').names(fn('EqualUserOrUserHierarchyAndTeams', 'ownerid'))).to.deep.equal(['default team', 'max', 'mia', 'team max', 'team mia', 'zoe']);
      expect(await as('Max').names(fn('EqualUserOrUserHierarchyAndTeams', 'ownerid'))).to.deep.equal(['default team', 'max', 'team max', 'zoe']);
      expect(await as('Zoe').names(fn('EqualUserOrUserHierarchyAndTeams', 'ownerid'))).to.deep.equal(['default team', 'zoe']);
      expect(await as('Ivy').names(fn('EqualUserOrUserHierarchyAndTeams', 'ownerid'))).to.deep.equal(['default team', 'ivy', 'team ivy']);
      expect(await as('Mia').names(fn('EqualUserOrUserHierarchyAndTeams', 'owningteam'))).to.deep.equal(['default team', 'team max', 'team mia']);
      expect(await as('Mia').fetched(op('eq-useroruserhierarchyandteams', 'ownerid'))).to.deep.equal(['default team', 'max', 'mia', 'team max', 'team mia', 'zoe']);
      expect(await as('Ivy').fetched(op('eq-useroruserhierarchyandteams', 'owningteam'))).to.deep.equal(['default team', 'team ivy']);
    });

    it('follow a change of manager at once; a manager below the user is refused', async () => {
      ok(await asSystem(s, 'PATCH', `systemusers(${users['Zoe']!.id})`, { 'parentsystemuserid@odata.bind': `/systemusers(${users['Ivy']!.id})` }), 200);
      try {
        expect(await as('Mia').names(fn('EqualUserOrUserHierarchy', 'ownerid'))).to.deep.equal(['max', 'mia']);
        expect(await as('Ivy').names(fn('EqualUserOrUserHierarchy', 'ownerid'))).to.deep.equal(['ivy', 'zoe']);
        expect(await as('Ivy').fetched(op('eq-useroruserhierarchyandteams', 'ownerid'))).to.deep.equal(['default team', 'ivy', 'team ivy', 'zoe']);
      } finally {
        ok(await asSystem(s, 'PATCH', `systemusers(${users['Zoe']!.id})`, { 'parentsystemuserid@odata.bind': `/systemusers(${users['Max']!.id})` }), 200);
      }
      const loop = await asSystem(s, 'PATCH', `systemusers(${users['Mia']!.id})`, { 'parentsystemuserid@odata.bind': `/systemusers(${users['Zoe']!.id})` });
      expect(loop.status, JSON.stringify(loop.json)).to.equal(400);
      expect(loop.json.error.code).to.equal('0x80040507');
      expect(await as('Mia').names(fn('EqualUserOrUserHierarchy', 'ownerid'))).to.deep.equal(['max', 'mia', 'zoe']);
    });
  });

  describe(`EqualUserLanguage with the organization's language [${database.name}]`, () => {
    let s: TestServer;
    before(async () => {
      s = await start(database, true);
      for (const [name, language] of [['english', 1033], ['french', 1036], ['none', null]] as const) {
        expect((await call('POST', `${s.root}${SET}`, { new_name: name, new_language: language })).status).to.equal(204);
      }
    });
    after(async () => { await s.close(); });

    it("compares with the organization row's languagecode, read in the statement (none while it is null)", async () => {
      const q = client(s);
      const organization = `${s.root}organizations(${s.service.caller.organizationid})`;
      // `not` over it (through `and`, as `not` straight before a function is refused) keeps every row it does not match:
      // the organization's null language is selected by the subquery, and `1033 IN (NULL)` must not make it unknown.
      const negated = `not (new_name ne 'zz' and ${fn('EqualUserLanguage', 'new_language')})`;
      expect(await q.names(fn('EqualUserLanguage', 'new_language'))).to.deep.equal([]);
      expect(await q.names(negated)).to.deep.equal(['english', 'french', 'none']);
      expect((await call('PATCH', organization, { languagecode: 1036 })).status).to.equal(204);
      expect(await q.names(fn('EqualUserLanguage', 'new_language'))).to.deep.equal(['french']);
      expect(await q.names(negated)).to.deep.equal(['english', 'none']);
      expect(await q.fetched(op('eq-userlanguage', 'new_language'))).to.deep.equal(['french']);
      expect((await call('PATCH', organization, { languagecode: 1033 })).status).to.equal(204);
      expect(await q.names(fn('EqualUserLanguage', 'new_language'))).to.deep.equal(['english']);
    });
  });
}
