import { Errors } from '../errors.js';
import { planRead } from '../plan/read.js';
import { allowedSources } from '../plan/write.js';
import { executeRead } from '../store/execute.js';
import type { Message, RecordReference } from './types.js';

/**
 * IsValidStateTransition (digest §6.6), an unbound function:
 * `GET /IsValidStateTransition(Entity=@p1,NewState=@p2,NewStatus=@p3)?@p1={'@odata.id':'<set>(<id>)'}&@p2='Inactive'&@p3=2`
 * → `{"IsValid":true|false}`. Valid when NewStatus is a status of NewState (by the state's
 * invariant name or label, case-insensitive) and, on tables that enforce state transitions, the
 * row's current status may move to it — the same rules a PATCH applies. A missing record → 404;
 * a NewState that names no state of the table → 400.
 */
export const message: Message = {
  Name: 'IsValidStateTransition',
  Kind: 'Function',
  Parameters: [
    { Name: 'Entity', Type: 'mscrm.crmbaseentity' },
    { Name: 'NewState', Type: 'Edm.String' },
    { Name: 'NewStatus', Type: 'Edm.Int32' },
  ],
  ReturnType: { Name: 'IsValidStateTransitionResponse', Properties: [{ Name: 'IsValid', Type: 'Edm.Boolean' }] },
  takes: (entity) => entity.attributesByName.has('statecode') && entity.attributesByName.has('statuscode'),
  async invoke(ctx, args) {
    const { entity, id } = args['Entity'] as RecordReference;
    const state = entity.attributesByName.get('statecode');
    const status = entity.attributesByName.get('statuscode');
    if (!state?.OptionSet || !status?.OptionSet) throw Errors.badQuery(`The table '${entity.LogicalName}' has no state model.`);
    const name = String(args['NewState']).toLowerCase();
    const target = state.OptionSet.Options.find((o) => (o.InvariantName ?? o.Label).toLowerCase() === name || o.Label.toLowerCase() === name);
    if (!target) {
      throw Errors.badQuery(`'${String(args['NewState'])}' is not a state of '${entity.LogicalName}'; its states are ${state.OptionSet.Options.map((o) => o.InvariantName ?? o.Label).join(', ')}.`);
    }
    const read = await executeRead(ctx.db, planRead(entity, { select: ['statuscode'] }, { returnRepresentation: false }, id));
    const row = read.rows[0];
    if (!row) throw Errors.recordNotFound(entity.LogicalName, id);
    const current = row[read.columns.indexOf(status)] as number;
    const newStatus = args['NewStatus'] as number;
    const belongs = status.OptionSet.Options.some((o) => o.Value === newStatus && o.State === target.Value);
    const sources = entity.EnforceStateTransitions ? allowedSources(entity, status, newStatus) : undefined;
    return { IsValid: belongs && (!sources || sources.includes(current)) };
  },
};
