import { FIELDSECURITYPROFILE, SYSTEM_ADMINISTRATOR_PROFILE, SYSTEM_ADMINISTRATOR_PROFILE_ID } from '../model/field-security.js';
import type { Model } from '../model/types.js';
import { restrict } from '../plan/navigation.js';
import type { Caller } from '../plan/types.js';
import type { Database } from '../store/database.js';
import { keepRows } from '../store/kept-rows.js';

/**
 * Keeps the built-in System Administrator field security profile (Dataverse: "the System
 * Administrator field security profile gives full access to all secured fields"): its users and
 * teams read, create and update every secured column without field permissions of their own
 * (security/field-access.ts). Run at start as `caller`, the built-in system user. Does nothing when
 * the model lacks the profile table. Throws the database's errors.
 */
export async function keepFieldSecurityProfiles(model: Model, db: Database, caller: Caller): Promise<void> {
  const profiles = model.byLogicalName.get(FIELDSECURITYPROFILE);
  if (!profiles) return;
  const kept = new Map([[SYSTEM_ADMINISTRATOR_PROFILE_ID, { name: SYSTEM_ADMINISTRATOR_PROFILE, description: 'Full access to every secured column. Kept by Tessera.' }]]);
  await keepRows(model, db, profiles, kept, caller, { where: (read) => restrict(read, { kind: 'in', attribute: profiles.attributesByName.get(profiles.PrimaryIdAttribute)!, values: [SYSTEM_ADMINISTRATOR_PROFILE_ID] }) });
}
