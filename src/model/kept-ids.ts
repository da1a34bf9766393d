import { createHash } from 'node:crypto';

/**
 * Ids of the rows the service keeps itself (sdkmessage rows, privileges, the System Administrator
 * role): each is derived from a name, so it stays the same from start to start and a row is known
 * by its id alone. Kept here, below plan/ and store/, so that every stage can recognise them.
 */

/** A GUID (version 5 layout) derived from `name`: the same on every start. */
export function nameGuid(name: string): string {
  const h = createHash('sha1').update(`tessera:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The System Administrator role's name and id: every privilege at Global depth, kept at start. */
export const SYSTEM_ADMINISTRATOR = 'System Administrator';
export const SYSTEM_ADMINISTRATOR_ID = nameGuid(`role:${SYSTEM_ADMINISTRATOR}`);

/**
 * The root business unit's id (Dataverse BusinessUnit table: the first unit, with no parent),
 * made at start (security/business-units.ts); the built-in system user's unit.
 */
export const ROOT_BUSINESS_UNIT_ID = '8f7f6c3e-2f43-4a8a-9d0b-5e3c5a1d0003';
