import { BUSINESSUNIT, TEAM } from '../model/system-columns.js';
import type { Model } from '../model/types.js';
import { defaultTeamId, OWNER_TEAM } from './teams.js';
import type { Caller, InsertPlan } from './types.js';
import { planServiceCreate } from './write.js';

/**
 * The insert of business unit `unitId`'s default team (Dataverse "Manage teams": each business
 * unit has a default team, an owner team named as the unit, made with it): id defaultTeamId,
 * `name` the unit's, isdefault true, businessunitid the unit, by `caller` at `now`; written after
 * the unit (a new unit's InsertPlan.after) or at start for the root unit (security/teams.ts);
 * trusted (InsertPlan.trusted): written past the caller's privileges, whose right to create the
 * unit is what is checked.
 * Undefined when the model has no team table.
 */
export function planDefaultTeam(model: Model, unitId: string, name: string, caller: Caller, now?: string): InsertPlan | undefined {
  const teams = model.byLogicalName.get(TEAM);
  const units = model.byLogicalName.get(BUSINESSUNIT);
  if (!teams || !units) return undefined;
  const body = { name: name || 'Default team', teamtype: OWNER_TEAM, 'businessunitid@odata.bind': `/${units.EntitySetName}(${unitId})` };
  return { ...planServiceCreate(model, teams, body, caller, defaultTeamId(unitId), now, { isdefault: true }), trusted: true };
}
