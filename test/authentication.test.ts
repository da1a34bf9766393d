import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DynamicsWebApi } from 'dynamics-web-api';
import { SignJWT } from 'jose';
import { createAuthenticator, type Authenticator } from '../src/http/authentication.js';
import { SYSTEM_ADMINISTRATOR_ID } from '../src/model/kept-ids.js';
import { asSystem as runAsSystem, call, DATABASES, recordStatements, type Reply, SHIPPED_METADATA, startServer, tempDir, type TestServer } from './support/server.js';
import { AUDIENCE, bearer, ISSUER, keys, token, type Keys } from './support/tokens.js';

/**
 * Bearer token sign-in (jose) and impersonation (CallerObjectId / MSCRMCallerID): who a request
 * runs as, what it stamps, and Dataverse's errors. Tokens are signed here with a key whose public
 * half the server reads from a JWKS file (and, in one test, through OpenID discovery).
 */

function expectError(r: Reply, status: number, code: string, message?: string | RegExp): void {
  expect(r.status, r.text).to.equal(status);
  expect(r.json.error.code).to.equal(code);
  if (typeof message === 'string') expect(r.json.error.message).to.equal(message);
  else if (message) expect(r.json.error.message).to.match(message);
  expect(r.headers.get('odata-version')).to.equal('4.0');
}

let signing: Keys;
let work: string;
let jwksFile: string;

before(async () => {
  signing = await keys('k1');
  work = tempDir('tessera-auth-');
  jwksFile = join(work, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(signing.jwks));
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('bearer tokens (jose)', () => {
  let s: TestServer;
  let auth: Authenticator;
  before(async () => {
    auth = await createAuthenticator({ issuer: ISSUER, audience: [AUDIENCE], jwks: jwksFile });
    s = await startServer(SHIPPED_METADATA, undefined, { authentication: auth });
  });
  after(() => s.close());

  it('answers a request without a token 401 0x80044302 with a WWW-Authenticate challenge, $metadata included', async () => {
    for (const path of ['systemusers', '$metadata', '', 'WhoAmI()']) {
      const r = await call('GET', `${s.root}${path}`);
      expectError(r, 401, '0x80044302', 'Request is not authenticated: send an access token in the Authorization header (Bearer <token>).');
      expect(r.headers.get('www-authenticate')).to.equal(`Bearer authorization_uri=${ISSUER}, resource_id=${AUDIENCE}`);
    }
    expectError(await call('GET', `${s.root}systemusers`, undefined, { Authorization: 'Basic dXNlcjpwYXNz' }), 401, '0x80044302', /must be Bearer <token>/);
  });

  it('refuses tokens with another signature, issuer or audience, expired (0x8005F101) or without oid', async () => {
    const stranger = await keys('k1');
    const oid = randomUUID();
    expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(await token(stranger, { oid }))), 401, '0x80044302', /not signed by one of the issuer's keys/);
    expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(await token(signing, { oid }, { issuer: 'https://evil.test/' }))), 401, '0x80044302', /'?iss'? claim is missing or not valid here/);
    expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(await token(signing, { oid }, { audience: 'https://other.test' }))), 401, '0x80044302', /'?aud'? claim is missing or not valid here/);
    const expired = await token(signing, { oid }, { expires: Math.floor(Date.now() / 1000) - 120 });
    const r = await call('GET', `${s.root}WhoAmI()`, undefined, bearer(expired));
    expectError(r, 401, '0x8005F101');
    expect(r.headers.get('www-authenticate')).to.match(/^Bearer authorization_uri=/);
    expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(await token(signing, {}))), 401, '0x80044302', /no oid claim/);
    expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(await token(signing, { oid: 'not-a-guid' }))), 401, '0x80044302', "Request is not authenticated: the access token's oid claim is not a GUID.");
    expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(await token(signing, { oid }, { expires: null }))), 401, '0x80044302', /token's exp claim is missing or not valid here/);
    const nameless = await token(signing, { oid, idtyp: 'app', scp: undefined });
    expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(nameless)), 401, '0x80044302', /application's access token has no client id/);
    expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer('not.a.jwt')), 401, '0x80044302', /not a valid JWT/);
    const users = await s.service.handle({ method: 'GET', url: `/api/data/v9.2/systemusers?$filter=azureactivedirectoryobjectid eq ${oid}&$count=true`, headers: {}, origin: s.origin });
    expect(JSON.parse(users.body!)['@odata.count'], 'no refused token makes a user').to.equal(0);
  });
});

for (const database of DATABASES) {
  describe(`callers [${database.name}]`, () => {
    let s: TestServer;
    before(async () => {
      s = await startServer(SHIPPED_METADATA, database, { authentication: await createAuthenticator({ issuer: ISSUER, audience: [AUDIENCE], jwks: jwksFile }) });
    });
    after(() => s.close());

    /** The server's answer run as the built-in system user, bypassing HTTP sign-in. */
    const asSystem = (method: string, path: string, body?: object) => runAsSystem(s, method, path, body);
    const whoAmI = async (t: string, headers: Record<string, string> = {}) => {
      const r = await call('GET', `${s.root}WhoAmI()`, undefined, bearer(t, headers));
      expect(r.status, r.text).to.equal(200);
      return r.json.UserId as string;
    };
    /** Gives user `id` the System Administrator role. */
    const makeAdmin = async (id: string) => {
      const r = await s.service.handle({ method: 'POST', url: `/api/data/v9.2/systemusers(${id})/systemuserroles_association/$ref`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ '@odata.id': `${s.root}roles(${SYSTEM_ADMINISTRATOR_ID})` }), origin: s.origin });
      expect(r.status, r.body).to.equal(204);
    };
    /** A user made by the system user; an administrator unless `admin` is false. */
    const newUser = async (fields: object = {}, admin = true) => {
      const oid = randomUUID();
      const created = await asSystem('POST', 'systemusers', { fullname: 'Made by an admin', azureactivedirectoryobjectid: oid, ...fields });
      expect(created.status).to.equal(201);
      if (admin) await makeAdmin(created.json.systemuserid);
      return { oid, id: created.json.systemuserid as string, token: await token(signing, { oid, upn: `${oid}@example.test` }) };
    };

    it("makes a user's row on first sign-in from the token's claims, and runs every request as it", async () => {
      const oid = randomUUID();
      const t = await token(signing, { oid: oid.toUpperCase(), upn: 'ada@example.test', name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.test' });
      const id = await whoAmI(t);
      expect(await whoAmI(t), 'the second request finds the row').to.equal(id);
      const row = await asSystem('GET', `systemusers(${id})?$select=fullname,firstname,lastname,domainname,internalemailaddress,azureactivedirectoryobjectid,_createdby_value`);
      const system = s.service.caller.systemuserid;
      expect(row.json).to.include({
        fullname: 'Ada Lovelace', firstname: 'Ada', lastname: 'Lovelace', domainname: 'ada@example.test', internalemailaddress: 'ada@example.test',
        azureactivedirectoryobjectid: oid, _createdby_value: system,
      });
      const refused = await call('POST', `${s.root}msdyn_copilotinteractions`, { msdyn_name: 'mine' }, bearer(t));
      expectError(refused, 403, '0x80040220', /is missing prvCreatemsdyn_copilotinteraction privilege/);
      await makeAdmin(id);
      const created = await call('POST', `${s.root}msdyn_copilotinteractions?$select=_createdby_value,_modifiedby_value,_createdonbehalfby_value`, { msdyn_name: 'mine' }, bearer(t, { Prefer: 'return=representation' }));
      expect(created.status, created.text).to.equal(201);
      expect(created.json).to.include({ _createdby_value: id, _modifiedby_value: id, _createdonbehalfby_value: null });
      const mine = await call('GET', `${s.root}msdyn_copilotinteractions?$select=msdyn_name&$filter=_createdby_value eq ${id}`, undefined, bearer(t));
      expect(mine.json.value.map((r: { msdyn_name: string }) => r.msdyn_name)).to.deep.equal(['mine']);
    });

    it('takes the oid with braces or in upper case as the same user, and the audience with or without its trailing slash', async () => {
      const oid = randomUUID();
      const first = await whoAmI(await token(signing, { oid: `{${oid.toUpperCase()}}`, upn: 'braced@example.test' }));
      expect(await whoAmI(await token(signing, { oid: `{${oid.toUpperCase()}}`, upn: 'braced@example.test' })), 'the second sign-in finds the row').to.equal(first);
      expect(await whoAmI(await token(signing, { oid }, { audience: `${AUDIENCE}/` }))).to.equal(first);
    });

    it("cuts long names at the column's MaxLength without splitting a character, and leaves out an email address that does not fit", async () => {
      const oid = randomUUID();
      const t = await token(signing, { oid, upn: 'long@example.test', name: `${'a'.repeat(199)}😀`, given_name: `${'b'.repeat(63)}😀`, email: `${'c'.repeat(95)}@example.test` });
      const id = await whoAmI(t);
      expect(await whoAmI(t)).to.equal(id);
      const row = await asSystem('GET', `systemusers(${id})?$select=fullname,firstname,internalemailaddress`);
      expect(row.json).to.include({ fullname: 'a'.repeat(199), firstname: 'b'.repeat(63), internalemailaddress: null });
    });

    it('makes one row when a new user sends several first requests at once', async () => {
      const oid = randomUUID();
      const t = await token(signing, { oid, upn: 'many@example.test' });
      let sent: Array<Promise<string>> = [];
      // While this transaction is open, SQLite's writers wait: every request has looked for the
      // user and found none before the first one makes the row.
      await s.db.transaction(async () => {
        sent = Array.from({ length: 6 }, () => whoAmI(t));
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      const ids = await Promise.all(sent);
      expect(new Set(ids).size).to.equal(1);
      const count = await asSystem('GET', `systemusers/$count?$filter=azureactivedirectoryobjectid eq ${oid}`);
      expect(count.json).to.equal(1);
    });

    it('runs an application token as the application user with its applicationid, and refuses it without one (403 0x80072560)', async () => {
      const appId = randomUUID();
      const appToken = await new SignJWT({ oid: randomUUID(), azp: appId, idtyp: 'app', roles: ['user'] })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('1h').sign(signing.privateKey);
      expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(appToken)), 403, '0x80072560', `The user is not a member of the organization: no application user has applicationid ${appId}.`);
      const app = await asSystem('POST', 'systemusers', { fullname: '# integration', applicationid: appId });
      expect(app.status).to.equal(201);
      expect(await whoAmI(appToken)).to.equal(app.json.systemuserid);
    });

    it('refuses a disabled user with 0x80040225, and lets it in once enabled again', async () => {
      const user = await newUser({ isdisabled: true });
      const org = s.service.caller.organizationid;
      expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(user.token)), 400, '0x80040225',
        `The user with SystemUserId=${user.id} in OrganizationContext=${org} is disabled. Disabled users cannot access the system. Consider enabling this user.`);
      expect((await asSystem('PATCH', `systemusers(${user.id})`, { isdisabled: false })).status).to.equal(200);
      expect(await whoAmI(user.token)).to.equal(user.id);
    });

    it('refuses a user of a disabled business unit (0x80040225), signed in or impersonated, until the unit is enabled', async () => {
      const root = (await asSystem('GET', 'WhoAmI()')).json.BusinessUnitId as string;
      const made = await asSystem('POST', 'businessunits', { name: 'Sign-in unit', 'parentbusinessunitid@odata.bind': `/businessunits(${root})` });
      expect(made.status, JSON.stringify(made.json)).to.equal(201);
      const bu = made.json.businessunitid as string;
      const user = await newUser({ 'businessunitid@odata.bind': `/businessunits(${bu})` }, false);
      const caller = await newUser();
      expect(await whoAmI(user.token)).to.equal(user.id);
      expect((await asSystem('PATCH', `businessunits(${bu})`, { isdisabled: true })).status).to.equal(200);
      expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(user.token)), 400, '0x80040225', new RegExp(`SystemUserId=${user.id} .* is disabled`));
      for (const header of [{ MSCRMCallerID: user.id }, { CallerObjectId: user.oid }] as Array<Record<string, string>>) {
        expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(caller.token, header)), 400, '0x80040225');
      }
      expect((await asSystem('PATCH', `businessunits(${bu})`, { isdisabled: false })).status).to.equal(200);
      expect(await whoAmI(user.token)).to.equal(user.id);
      expect(await whoAmI(caller.token, { MSCRMCallerID: user.id })).to.equal(user.id);
      // The unit's state comes with the caller's own read: a user of a child unit costs no statement more than one of the root's.
      const rooted = await newUser({}, false);
      const statements = recordStatements(s.db);
      const count = async (t: string, headers: Record<string, string> = {}) => {
        await whoAmI(t, headers);
        statements.length = 0;
        await whoAmI(t, headers);
        return statements.length;
      };
      expect(await count(user.token)).to.equal(await count(rooted.token));
      expect(await count(caller.token, { MSCRMCallerID: user.id })).to.equal(await count(caller.token, { MSCRMCallerID: rooted.id }));
      expect(await count(caller.token, { CallerObjectId: user.oid })).to.equal(await count(caller.token, { CallerObjectId: rooted.oid }));
    });

    it('impersonates with MSCRMCallerID or CallerObjectId: the row is by the impersonated user, on behalf of the caller', async () => {
      const caller = await newUser();
      const target = await newUser();
      const select = '$select=_createdby_value,_createdonbehalfby_value,_modifiedby_value,_modifiedonbehalfby_value';
      for (const header of [{ MSCRMCallerID: `{${target.id.toUpperCase()}}` }, { CallerObjectId: target.oid }] as Array<Record<string, string>>) {
        expect(await whoAmI(caller.token, header), 'WhoAmI names the impersonated user').to.equal(target.id);
        const created = await call('POST', `${s.root}msdyn_copilotinteractions?${select}`, { msdyn_name: 'on behalf' }, bearer(caller.token, { ...header, Prefer: 'return=representation' }));
        expect(created.status, created.text).to.equal(201);
        expect(created.json).to.include({ _createdby_value: target.id, _createdonbehalfby_value: caller.id, _modifiedby_value: target.id, _modifiedonbehalfby_value: caller.id });
        const id = created.json.msdyn_copilotinteractionid;
        const updated = await call('PATCH', `${s.root}msdyn_copilotinteractions(${id})?${select}`, { msdyn_name: 'by the caller' }, bearer(caller.token, { Prefer: 'return=representation' }));
        expect(updated.json, 'a change without impersonation clears the delegate').to.include({ _createdonbehalfby_value: caller.id, _modifiedby_value: caller.id, _modifiedonbehalfby_value: null });
      }
      const self = await call('POST', `${s.root}msdyn_copilotinteractions?${select}`, { msdyn_name: 'self' }, bearer(caller.token, { CallerObjectId: caller.oid, Prefer: 'return=representation' }));
      expect(self.json, 'impersonating oneself is no impersonation').to.include({ _createdby_value: caller.id, _createdonbehalfby_value: null });
    });

    it('impersonates per $batch part, always on behalf of the signed-in user', async () => {
      const caller = await newUser();
      const target = await newUser();
      const batchTarget = await newUser();
      const boundary = 'batch_x';
      const part = (headers: string) => `--${boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nPOST ${s.root}msdyn_copilotinteractions?$select=_createdby_value,_createdonbehalfby_value HTTP/1.1\r\nContent-Type: application/json\r\nPrefer: return=representation\r\n${headers}\r\n{"msdyn_name":"in a batch"}\r\n`;
      const body = `${part(`MSCRMCallerID: ${target.id}\r\n`)}${part('')}--${boundary}--\r\n`;
      const answers = async (headers: Record<string, string>) => {
        const r = await call('POST', `${s.root}$batch`, body, bearer(caller.token, { 'Content-Type': `multipart/mixed;boundary=${boundary}`, ...headers }));
        expect(r.status, r.text).to.equal(200);
        return [...r.text.matchAll(/\{"@odata\.context".*\}/g)].map((m) => JSON.parse(m[0])).map((a) => [a._createdby_value, a._createdonbehalfby_value]);
      };
      expect(await answers({})).to.deep.equal([[target.id, caller.id], [caller.id, null]]);
      expect(await answers({ MSCRMCallerID: batchTarget.id }), 'a part without the header runs as its batch').to.deep.equal([[target.id, caller.id], [batchTarget.id, caller.id]]);
    });

    it('impersonates only with prvActOnBehalfOfAnotherUser (0x80040220 without it), in a $batch part too', async () => {
      const plain = await newUser({}, false);
      const target = await newUser();
      expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(plain.token, { MSCRMCallerID: target.id })), 403, '0x80040220', /is missing prvActOnBehalfOfAnotherUser privilege/);
      const boundary = 'batch_y';
      const body = `--${boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nGET ${s.root}WhoAmI() HTTP/1.1\r\nMSCRMCallerID: ${target.id}\r\n\r\n\r\n--${boundary}--\r\n`;
      const batch = await call('POST', `${s.root}$batch`, body, bearer(plain.token, { 'Content-Type': `multipart/mixed;boundary=${boundary}` }));
      expect(batch.text).to.contain('0x80040220').and.contain('prvActOnBehalfOfAnotherUser');
      const role = await asSystem('POST', 'roles', { name: 'Delegate' });
      const add = await s.service.handle({ method: 'POST', url: `/api/data/v9.2/roles(${role.json.roleid})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Privileges: [{ PrivilegeName: 'prvActOnBehalfOfAnotherUser', Depth: 'Global' }] }), origin: s.origin });
      expect(add.status, add.body).to.equal(204);
      const link = await s.service.handle({ method: 'POST', url: `/api/data/v9.2/systemusers(${plain.id})/systemuserroles_association/$ref`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ '@odata.id': `${s.root}roles(${role.json.roleid})` }), origin: s.origin });
      expect(link.status, link.body).to.equal(204);
      expect(await whoAmI(plain.token, { MSCRMCallerID: target.id })).to.equal(target.id);
      const created = await call('POST', `${s.root}msdyn_copilotinteractions`, { msdyn_name: 'x' }, bearer(plain.token, { MSCRMCallerID: target.id }));
      expect(created.status, 'the row is created with the privileges of the impersonated user').to.equal(204);
    });

    it("never signs a person in as an application user's row, so an applicationid planted on a person's identity gives the app nothing", async () => {
      const oid = randomUUID();
      const planted = await asSystem('POST', 'systemusers', { fullname: 'planted', azureactivedirectoryobjectid: oid, applicationid: randomUUID() });
      expect(planted.status).to.equal(201);
      expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(await token(signing, { oid, upn: `${oid}@example.test` }))), 403, '0x80072560',
        `The user is not a member of the organization: the systemuser ${planted.json.systemuserid} with azureactivedirectoryobjectid ${oid} is an application user, which a person cannot sign in as.`);
    });

    it('refuses impersonating without the privilege before looking the user up: existing, missing and disabled users all answer 403; naming oneself takes no privilege', async () => {
      const plain = await newUser({}, false);
      for (const self of [{ CallerObjectId: plain.oid }, { MSCRMCallerID: `{${plain.id.toUpperCase()}}` }] as Array<Record<string, string>>) {
        expect(await whoAmI(plain.token, self), JSON.stringify(self)).to.equal(plain.id);
      }
      const existing = await newUser();
      const disabled = await newUser({ isdisabled: true });
      for (const headers of [{ CallerObjectId: existing.oid }, { CallerObjectId: randomUUID() }, { CallerObjectId: disabled.oid }, { MSCRMCallerID: existing.id }, { MSCRMCallerID: randomUUID() }, { MSCRMCallerID: disabled.id }] as Array<Record<string, string>>) {
        const r = await call('GET', `${s.root}WhoAmI()`, undefined, bearer(plain.token, headers));
        expect(r.status, JSON.stringify(headers)).to.equal(403);
        expect(r.json.error.code, JSON.stringify(headers)).to.equal('0x80040220');
      }
    });

    it("keeps an existing user's applicationid from changes: a user who may write users cannot make an admin's row answer for an application of theirs", async () => {
      const writer = await newUser({}, false);
      const role = await asSystem('POST', 'roles', { name: 'User writer' });
      const add = await s.service.handle({ method: 'POST', url: `/api/data/v9.2/roles(${role.json.roleid})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Privileges: [{ PrivilegeName: 'prvWriteUser', Depth: 'Global' }, { PrivilegeName: 'prvReadUser', Depth: 'Global' }] }), origin: s.origin });
      expect(add.status, add.body).to.equal(204);
      const link = await s.service.handle({ method: 'POST', url: `/api/data/v9.2/systemusers(${writer.id})/systemuserroles_association/$ref`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ '@odata.id': `${s.root}roles(${role.json.roleid})` }), origin: s.origin });
      expect(link.status, link.body).to.equal(204);
      const admin = await newUser();
      const appId = randomUUID();
      const patch = await call('PATCH', `${s.root}systemusers(${admin.id})`, { applicationid: appId }, bearer(writer.token, { 'If-Match': '*' }));
      expect(patch.status, patch.text).to.be.oneOf([204, 400]);
      expect((await asSystem('GET', `systemusers(${admin.id})?$select=applicationid`)).json.applicationid).to.equal(null);
      const appToken = await new SignJWT({ oid: randomUUID(), azp: appId, idtyp: 'app', roles: ['user'] })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('1h').sign(signing.privateKey);
      expect((await call('GET', `${s.root}WhoAmI()`, undefined, bearer(appToken))).status).to.equal(403);
    });

    it('refuses impersonating a user that does not exist (404), is disabled (0x80040225), or a header that is no GUID (400)', async () => {
      const caller = await newUser();
      const missing = randomUUID();
      expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(caller.token, { MSCRMCallerID: missing })), 404, '0x80040217', `systemuser With Id = ${missing} Does Not Exist`);
      expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(caller.token, { CallerObjectId: missing })), 404, '0x80040217', 'A record with the specified key values does not exist in systemuser entity');
      const disabled = await newUser({ isdisabled: true });
      expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(caller.token, { MSCRMCallerID: disabled.id })), 400, '0x80040225');
      expectError(await call('GET', `${s.root}WhoAmI()`, undefined, bearer(caller.token, { MSCRMCallerID: 'someone' })), 400, '0x80040203', "The MSCRMCallerID header must be a GUID, not 'someone'.");
    });
  });
}

describe('impersonation without authentication', () => {
  it('runs a request with MSCRMCallerID as that user, on behalf of the built-in system user', async () => {
    const s = await startServer();
    try {
      const user = await call('POST', `${s.root}systemusers`, { fullname: 'Grace' }, { Prefer: 'return=representation' });
      const id = user.json.systemuserid;
      const refused = await call('POST', `${s.root}msdyn_copilotinteractions`, { msdyn_name: 'x' }, { MSCRMCallerID: id });
      expect(refused.status, 'with the privileges of the impersonated user, who has no role').to.equal(403);
      await call('POST', `${s.root}systemusers(${id})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${SYSTEM_ADMINISTRATOR_ID})` });
      const who = await call('GET', `${s.root}WhoAmI()`, undefined, { MSCRMCallerID: id });
      expect(who.json.UserId).to.equal(id);
      const row = await call('POST', `${s.root}msdyn_copilotinteractions?$select=_createdby_value,_createdonbehalfby_value`, { msdyn_name: 'x' }, { MSCRMCallerID: id, Prefer: 'return=representation' });
      expect(row.json).to.include({ _createdby_value: id, _createdonbehalfby_value: s.service.caller.systemuserid });
    } finally {
      await s.close();
    }
  });
});

describe('sign-in through OpenID discovery, per-user limits and dynamics-web-api', () => {
  let issuerServer: Server;
  let issuer: string;
  before(async () => {
    issuerServer = createServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/tenant/v2.0/.well-known/openid-configuration') {
        res.end(JSON.stringify({ issuer, jwks_uri: `${issuer.replace('/v2.0', '')}/discovery/v2.0/keys`, authorization_endpoint: `${issuer.replace('/v2.0', '')}/oauth2/v2.0/authorize` }));
      } else if (req.url === '/tenant/discovery/v2.0/keys') res.end(JSON.stringify(signing.jwks));
      else if (req.url === '/html/v2.0/.well-known/openid-configuration') res.end('<html>sign in</html>');
      else if (req.url === '/failing/keys') res.writeHead(500).end('{}');
      else res.writeHead(404).end('{}');
    });
    await new Promise<void>((resolve) => issuerServer.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}/tenant/v2.0`;
  });
  after(() => new Promise<void>((resolve) => issuerServer.close(() => resolve())));

  it("reads the keys from the issuer's jwks_uri and names its authorization endpoint in the challenge", async () => {
    const auth = await createAuthenticator({ issuer, audience: [AUDIENCE] });
    expect(auth.challenge).to.equal(`Bearer authorization_uri=${issuer.replace('/v2.0', '')}/oauth2/v2.0/authorize, resource_id=${AUDIENCE}`);
    const oid = randomUUID();
    const identity = await auth.authenticate(`Bearer ${await token(signing, { oid: oid.toUpperCase() }, { issuer })}`);
    expect(identity).to.deep.equal({ objectId: oid });
  });

  it('fails to start with a message naming the URL when the issuer has no OpenID configuration', async () => {
    let error: Error | undefined;
    try {
      await createAuthenticator({ issuer: `${issuer}/nowhere`, audience: [AUDIENCE] });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).to.equal(`cannot read the OpenID configuration at ${issuer}/nowhere/.well-known/openid-configuration: HTTP 404`);
    const refused = async (options: Parameters<typeof createAuthenticator>[0]) => {
      try {
        await createAuthenticator(options);
      } catch (err) {
        return (err as Error).message;
      }
      return undefined;
    };
    const html = issuer.replace('/tenant/', '/html/');
    expect(await refused({ issuer: html, audience: [AUDIENCE] })).to.match(new RegExp(`^cannot read the OpenID configuration at ${html}/\\.well-known/openid-configuration: .*JSON`));
    const empty = join(work, 'empty.json');
    writeFileSync(empty, '{}');
    expect(await refused({ issuer, audience: [AUDIENCE], jwks: empty })).to.match(new RegExp(`^the JSON Web Key Set file ${empty} is not a key set: `));
  });

  it("answers 503 when the issuer's key set cannot be fetched, so that the client retries rather than signs in again", async () => {
    const auth = await createAuthenticator({ issuer, audience: [AUDIENCE], jwks: `${issuer.replace('/tenant/v2.0', '')}/failing/keys` });
    let error: { status?: number; code?: string } | undefined;
    try {
      await auth.authenticate(`Bearer ${await token(signing, { oid: randomUUID() }, { issuer })}`);
    } catch (err) {
      error = err as { status?: number; code?: string };
    }
    expect(error).to.include({ status: 503, code: '0x80044302' });
  });

  it('counts service protection limits per signed-in user', async () => {
    const s = await startServer(SHIPPED_METADATA, undefined, {
      authentication: await createAuthenticator({ issuer, audience: [AUDIENCE] }),
      serviceProtection: { windowSeconds: 300, requests: 2, executionMs: 1e9, concurrent: 50 },
    });
    try {
      const [a, b] = [await token(signing, { oid: randomUUID(), upn: 'a@x' }, { issuer }), await token(signing, { oid: randomUUID(), upn: 'b@x' }, { issuer })];
      const status = async (t: string) => (await call('GET', `${s.root}WhoAmI()`, undefined, bearer(t))).status;
      expect([await status(a), await status(a), await status(a)]).to.deep.equal([200, 200, 429]);
      expect([await status(b), await status(b)], "another user's requests have their own count").to.deep.equal([200, 200]);
    } finally {
      await s.close();
    }
  });

  it('serves the unmodified dynamics-web-api with onTokenRefresh, and its impersonateAAD option', async () => {
    const oid = randomUUID();
    // The user is one of the administrators the service starts with: System Administrator at sign-in.
    const s = await startServer(SHIPPED_METADATA, undefined, { authentication: await createAuthenticator({ issuer, audience: [AUDIENCE] }), administrators: [oid.toUpperCase()] });
    try {
      const t = await token(signing, { oid, upn: 'dwa@example.test', name: 'DWA user' }, { issuer });
      const api = new DynamicsWebApi({ serverUrl: s.origin, dataApi: { version: '9.2' }, onTokenRefresh: async () => t });
      const me = await api.callFunction<{ UserId: string }>({ name: 'WhoAmI' });
      const id = await api.create<Record<string, string>>({ collection: 'msdyn_copilotinteractions', data: { msdyn_name: 'from dwa' }, returnRepresentation: true, select: ['msdyn_copilotinteractionid'] });
      const row = await api.retrieve<Record<string, unknown>>({ collection: 'msdyn_copilotinteractions', key: id!['msdyn_copilotinteractionid']!, select: ['_createdby_value'] });
      expect(row?.['_createdby_value']).to.equal(me!.UserId);
      const other = await call('POST', `${s.root}systemusers`, { fullname: 'Other', azureactivedirectoryobjectid: randomUUID() }, bearer(t, { Prefer: 'return=representation' }));
      const asOther = new DynamicsWebApi({ serverUrl: s.origin, dataApi: { version: '9.2' }, onTokenRefresh: async () => t, impersonateAAD: other.json.azureactivedirectoryobjectid });
      expect((await asOther.callFunction<{ UserId: string }>({ name: 'WhoAmI' }))!.UserId).to.equal(other.json.systemuserid);
      const anonymous = new DynamicsWebApi({ serverUrl: s.origin, dataApi: { version: '9.2' } });
      let refused: { status?: number; code?: string } | undefined;
      try {
        await anonymous.callFunction({ name: 'WhoAmI' });
      } catch (err) {
        refused = err as { status?: number; code?: string };
      }
      expect(refused).to.include({ status: 401, code: '0x80044302' });
    } finally {
      await s.close();
    }
  });
});
