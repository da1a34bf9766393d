import { expect } from 'chai';
import { DynamicsWebApi, type RequestError } from 'dynamics-web-api';
import type { TestServer } from './server.js';

/**
 * What the tests that drive Tessera with the unmodified `dynamics-web-api` client share: the
 * shipped copilot interaction table's names and choice values, a valid row, the client as an
 * integration constructs it, and ways to see the requests it sends and the errors it rejects with.
 */

export const SET = 'msdyn_copilotinteractions';
export const PK = 'msdyn_copilotinteractionid';
export const ENTITY = 'msdyn_copilotinteraction';
export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Picklist values from metadata/msdyn_copilotinteraction.json. */
export const ITYPE_A = 100230301;
export const ITYPE_B = 100230302;
export const STYPE = 100230201;

/** A copilot interaction with every ApplicationRequired column set, plus `extra`. */
export function row(name: string, interactiontype = ITYPE_A, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    msdyn_name: name,
    msdyn_interactiontype: interactiontype,
    msdyn_scenariotype: STYPE,
    msdyn_scenariorequestid: `req-${name}`,
    ...extra,
  };
}

/** The client as a real integration makes it: serverUrl = the server's origin, Web API 9.2, no auth. */
export function client(s: TestServer): DynamicsWebApi {
  return new DynamicsWebApi({ serverUrl: s.origin, dataApi: { version: '9.2' } });
}

/** Awaits a promise that must reject; returns the client's RequestError (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<RequestError> {
  try {
    const v = await p;
    expect.fail(`expected a rejection, got ${JSON.stringify(v)}`);
  } catch (e) {
    if ((e as Error).name === 'AssertionError') throw e;
    return e as RequestError;
  }
  throw new Error('unreachable');
}

/** A request as the server received it: URL exactly as the client sent it, header names in lower case. */
export interface Seen { method: string; url: string; body?: string; headers: Record<string, string> }

/** Records every request the server handles, by wrapping the service's handler; returns the live list. */
export function record(s: TestServer): Seen[] {
  const seen: Seen[] = [];
  const handle = s.service.handle.bind(s.service);
  s.service.handle = (req) => {
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    seen.push({ method: req.method, url: req.url, body: req.body, headers });
    return handle(req);
  };
  return seen;
}
