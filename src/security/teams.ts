import { BUSINESSUNIT, businessUnitColumn, SYSTEMUSER, TEAM } from '../model/system-columns.js';
import type { Model } from '../model/types.js';
import { linksRead } from '../plan/links.js';
import { planRead } from '../plan/read.js';
import { defaultTeamId, membershipLink, membershipOfUsers, teamMembers } from '../plan/teams.js';
import { planDefaultTeam } from '../plan/default-team.js';
import type { Caller } from '../plan/types.js';
import { withSecurity, type Database } from '../store/database.js';
import { executeInsertMany, executeRead, executeWrite } from '../store/execute.js';

/**
 * Keeps the default team of `caller`'s business unit (Dataverse "Manage teams": "each business
 * unit has a default team … named the same as the business unit", whose members are the unit's
 * users): creates it unless it exists, an owner team named as the unit with isdefault true, and
 * makes every user of the unit not yet in it a member (the users of a database made before teams,
 * and the built-in system user, created before the team on a new database). Run at start, under the
 * migration's lock, after the root business unit is kept (Service.open). Does nothing when the
 * model lacks the team or business unit table. Throws the database's errors.
 */
export async function keepDefaultTeam(model: Model, db: Database, caller: Caller): Promise<void> {
  const teams = model.byLogicalName.get(TEAM);
  const units = model.byLogicalName.get(BUSINESSUNIT);
  const users = model.byLogicalName.get(SYSTEMUSER)!;
  if (!teams || !units) return;
  const trusted = withSecurity(db, undefined);
  const id = defaultTeamId(caller.businessunitid);
  const read = (entity: typeof teams, select: string[], rowId?: string) => planRead(entity, rowId ? { select } : { select, top: 1_000_000 }, { returnRepresentation: false }, rowId);
  if (!(await executeRead(trusted, read(teams, [teams.PrimaryIdAttribute], id))).rows.length) {
    const [unit] = (await executeRead(trusted, read(units, ['name'], caller.businessunitid))).rows;
    await executeWrite(trusted, planDefaultTeam(model, caller.businessunitid, String(unit?.[0] ?? ''), caller)!);
  }
  const nav = membershipOfUsers(users);
  if (!nav) return;
  const members = new Set((await executeRead(trusted, linksRead(teamMembers(teams)!, id, [nav.intersect.own.LogicalName]))).rows.map((r) => r[0] as string));
  // The root unit's users: those of other units are members of their own unit's default team.
  const unit = businessUnitColumn(users);
  const all = (await executeRead(trusted, read(users, [users.PrimaryIdAttribute, ...(unit ? [`_${unit.LogicalName}_value`] : [])]))).rows
    .filter((r) => !unit || r[1] === null || r[1] === caller.businessunitid).map((r) => r[0] as string);
  const missing = all.filter((u) => !members.has(u));
  if (missing.length) await executeInsertMany(trusted, missing.map((u) => membershipLink(nav, u, id)));
}
