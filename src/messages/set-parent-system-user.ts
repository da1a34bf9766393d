import { SYSTEMUSER } from '../model/system-columns.js';
import { parseFilter } from '../odata/expression.js';
import { planRead } from '../plan/read.js';
import type { UpdatePlan } from '../plan/types.js';
import { planUpdate } from '../plan/write.js';
import { InTransaction, withSecurity } from '../store/database.js';
import { executeRead, writeIn } from '../store/execute.js';
import { boundUser } from './roles.js';
import { userIdOf } from './team-members.js';
import type { Message, MessageContext } from './types.js';

/** The manager lookup of systemuser (relationship user_parent_user, hierarchical). */
const MANAGER = 'parentsystemuserid';

/**
 * SetParentSystemUser (Dataverse Web API action bound to a systemuser; SDK
 * SetParentSystemUserRequest): `POST /systemusers(<id>)/Microsoft.Dynamics.CRM.SetParentSystemUser`
 * with `{"Parent":{"@odata.type":"Microsoft.Dynamics.CRM.systemuser","systemuserid":"<id>"},
 * "KeepChildUsers":false}` → 204. The user's manager (`parentsystemuserid`) becomes `Parent`.
 * With `KeepChildUsers` true the users who report to it keep doing so; with false they first move
 * to the user's previous manager (none when it had none), as the SDK documents
 * (SetParentSystemUserRequest.KeepChildUsers). All in one transaction, each change an update of
 * the user's row with the caller's checks (prvWriteUser on every user changed, with prvAppendUser
 * and prvAppendToUser as for any change of a lookup).
 * Errors: 404 for a user that does not exist or that the caller cannot read, or another binding;
 * 400 `0x80040203` for a `Parent` without a systemuserid; 404 `0x80040217` for a Parent that
 * does not exist; 400 `0x80040507` when the move makes a loop (the Parent is the user, or below
 * it and KeepChildUsers is true); 403 without the privileges.
 */
export const message: Message = {
  Name: 'SetParentSystemUser',
  Kind: 'Action',
  Binding: 'entity',
  BindingTable: SYSTEMUSER,
  Parameters: [
    { Name: 'Parent', Type: `mscrm.${SYSTEMUSER}` },
    { Name: 'KeepChildUsers', Type: 'Edm.Boolean' },
  ],
  async invoke(ctx, args) {
    const userId = await boundUser(ctx, 'SetParentSystemUser');
    const parentId = userIdOf(args['Parent'] as Record<string, unknown>, 'Parent');
    await setParent(ctx, userId, parentId, args['KeepChildUsers'] as boolean);
  },
};

/**
 * The update of user `id` that sets its manager to `managerId` (null: none), as a PATCH of
 * `parentsystemuserid@odata.bind` by the caller would be (the same checks run when it is written).
 */
export function managerUpdate(ctx: MessageContext, id: string, managerId: string | null): UpdatePlan {
  const users = ctx.model.byLogicalName.get(SYSTEMUSER)!;
  const body = { [`${MANAGER}@odata.bind`]: managerId === null ? null : `/systemusers(${managerId})` };
  return planUpdate(ctx.model, users, id, body, ctx.caller, '*', undefined) as UpdatePlan;
}

/**
 * Moves user `userId` under `parentId` in one transaction; unless `keepChildUsers`, its direct
 * reports move first to its previous manager. The reports are read past the caller's checks (the
 * caller may not see them all) and each is updated with them, so a report the caller may not
 * write fails the whole call (403) rather than being left behind.
 */
async function setParent(ctx: MessageContext, userId: string, parentId: string, keepChildUsers: boolean): Promise<void> {
  const users = ctx.model.byLogicalName.get(SYSTEMUSER)!;
  const update = (id: string, managerId: string | null) => managerUpdate(ctx, id, managerId);
  await ctx.db.transaction(async (tx) => {
    if (!keepChildUsers) {
      const trusted = new InTransaction(withSecurity(ctx.db, undefined), tx);
      const current = await executeRead(trusted, planRead(users, { select: [`_${MANAGER}_value`] }, { returnRepresentation: false }, userId));
      const previous = (current.rows[0]?.[0] as string | null | undefined) ?? null;
      const reports = planRead(users, { select: [users.PrimaryIdAttribute], filter: parseFilter(`_${MANAGER}_value eq ${userId}`) }, { returnRepresentation: false });
      // A read answers one page; moved reports no longer match, so each read brings the next ones.
      for (let page = await executeRead(trusted, reports); page.rows.length; page = await executeRead(trusted, reports)) {
        for (const [id] of page.rows) await writeIn(tx, ctx.db, update(id as string, previous));
      }
    }
    await writeIn(tx, ctx.db, update(userId, parentId));
  });
}
