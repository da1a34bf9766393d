import { ORGANIZATION } from '../model/system-columns.js';
import type { Model } from '../model/types.js';
import { planRead } from '../plan/read.js';
import { withSecurity, type Database } from './database.js';
import { executeRead } from './execute.js';

/**
 * The `name` of organization row `organizationid` (the built-in organization is created with one
 * at start), read past any caller's privileges; null when the row or the organization table is
 * missing. Throws the database's errors.
 */
export async function organizationName(model: Model, db: Database, organizationid: string): Promise<string | null> {
  const entity = model.byLogicalName.get(ORGANIZATION);
  if (!entity) return null;
  const read = await executeRead(withSecurity(db, undefined), planRead(entity, { select: ['name'] }, { returnRepresentation: false }, organizationid));
  return (read.rows[0]?.[0] as string | null | undefined) ?? null;
}
