import { expect } from 'chai';
import { call, createRow, type TestServer } from './server.js';

/**
 * Users and roles made for security tests (security.test.ts, team-security.test.ts): requests run
 * as a user through MSCRMCallerID, sent by the built-in system user.
 */

/** A new user of `s` named `name`, holding the roles given (their ids); its id. */
export async function makeUser(s: TestServer, name: string, ...roles: string[]): Promise<string> {
  return makeUserIn(s, name, undefined, ...roles);
}

/** A new user of `s` named `name` in business unit `unit` (undefined: the caller's), holding the roles given; its id. */
export async function makeUserIn(s: TestServer, name: string, unit: string | undefined, ...roles: string[]): Promise<string> {
  const id = (await createRow(s, 'systemusers', { fullname: name, ...unit ? { 'businessunitid@odata.bind': `/businessunits(${unit})` } : {} })).systemuserid as string;
  for (const role of roles) {
    const r = await call('POST', `${s.root}systemusers(${id})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${role})` });
    expect(r.status, r.text).to.equal(204);
  }
  return id;
}

/** A new business unit of `s` named `name` under unit `parent`; its id. */
export async function makeUnit(s: TestServer, name: string, parent: string): Promise<string> {
  const r = await call('POST', `${s.root}businessunits`, { name, 'parentbusinessunitid@odata.bind': `/businessunits(${parent})` }, { Prefer: 'return=representation' });
  expect(r.status, r.text).to.equal(201);
  return r.json.businessunitid as string;
}

/** A new owner team of `s` named `name` in business unit `unit`, holding `roles` (their ids), with `members` (user ids); its id. */
export async function makeTeam(s: TestServer, name: string, unit: string, roles: readonly string[], members: readonly string[]): Promise<string> {
  const id = (await createRow(s, 'teams', { name, 'businessunitid@odata.bind': `/businessunits(${unit})` })).teamid as string;
  for (const role of roles) {
    const r = await call('POST', `${s.root}teams(${id})/teamroles_association/$ref`, { '@odata.id': `${s.root}roles(${role})` });
    expect(r.status, r.text).to.equal(204);
  }
  for (const member of members) {
    const r = await call('POST', `${s.root}teams(${id})/teammembership_association/$ref`, { '@odata.id': `${s.root}systemusers(${member})` });
    expect(r.status, r.text).to.equal(204);
  }
  return id;
}

/**
 * A new role of `s` named `name` holding `privileges` (privilege name → depth: Basic, Local,
 * Deep, Global), of business unit `unit` (undefined: the caller's, the root unit); its id.
 */
export async function makeRole(s: TestServer, name: string, privileges: Record<string, string>, unit?: string): Promise<string> {
  const id = (await createRow(s, 'roles', { name, ...unit ? { 'businessunitid@odata.bind': `/businessunits(${unit})` } : {} })).roleid as string;
  const r = await call('POST', `${s.root}roles(${id})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, {
    Privileges: Object.entries(privileges).map(([PrivilegeName, Depth]) => ({ PrivilegeName, Depth })),
  });
  expect(r.status, r.text).to.equal(204);
  return id;
}

/** The headers that make a request run as user `userId` (impersonation by the system user). */
export const asUser = (userId: string): Record<string, string> => ({ MSCRMCallerID: userId });
