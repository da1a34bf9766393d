import { Errors, isDuplicateKey } from '../errors.js';
import type { EntityModel } from '../model/types.js';
import { givenPrimaryKey, KEY_RACE_ATTEMPTS, lostKeyRace, upsertBodies } from '../plan/keys.js';
import { movesInHierarchy } from '../plan/hierarchy-loops.js';
import { planUpdate, sequentialGuid } from '../plan/write.js';
import { renderLockRows } from '../sql/render.js';
import { writeIn } from '../store/execute.js';
import type { UpdatePlan } from '../plan/types.js';
import { atIndex, atItem, boundEntity, eachTarget, keyedTarget, targetId, targetName, type KeyedTarget } from './targets.js';
import type { ComplexTypeDefinition, Message, MessageContext } from './types.js';

/**
 * What `$metadata` declares UpsertMultiple returns, though the Web API answers 204 without it
 * (Message.AnswersNoContent): per item an UpsertResponse, whether it created its row and the row
 * (the SDK's UpsertMultipleResponse.Results of UpsertResponse {RecordCreated, Target}, digest
 * §6.4). The shape is taken from the SDK classes, not confirmed against a live `$metadata`.
 */
const UPSERT_MULTIPLE_RESPONSE: ComplexTypeDefinition = {
  Name: 'UpsertMultipleResponse',
  Properties: [{ Name: 'Results', Type: 'Collection(mscrm.UpsertResponse)' }],
  Uses: [{ Name: 'UpsertResponse', Properties: [{ Name: 'RecordCreated', Type: 'Edm.Boolean' }], NavigationProperties: [{ Name: 'Target', Type: 'mscrm.crmbaseentity' }] }],
};

/**
 * UpsertMultiple (digest §6.4): `POST /<set>/Microsoft.Dynamics.CRM.UpsertMultiple` → 204. Each
 * Target is identified by its primary key or by `"@odata.id": "<set>(<alternate key>)"`; it is
 * updated when the row exists (without the body's values for the alternate key naming it) and
 * created otherwise (a new row gets the alternate key values the body does not set), with the
 * same planning as a single upsert (PATCH without If-Match). One transaction. Two Targets
 * with the same key are refused (400 `0x80040203`), as Dataverse returns an error for them
 * ("Duplicate records in UpsertMultiple Targets parameter", bulk operations doc). A request whose
 * creates keep losing the keys their `@odata.id` names to concurrent writers runs again whole, up
 * to KEY_RACE_ATTEMPTS times, then answers the retryable 503 `0x80044150` (Errors.writeConflict),
 * as a single upsert by alternate key does; a clash of key values an item's body sets, or another
 * item of the request writes, stays 412. `$metadata` declares UPSERT_MULTIPLE_RESPONSE, which the
 * answer does not carry.
 */
export const message: Message = {
  Name: 'UpsertMultiple',
  Kind: 'Action',
  Binding: 'entityset',
  Parameters: [{ Name: 'Targets', Type: 'Collection(mscrm.crmbaseentity)' }],
  ReturnType: UPSERT_MULTIPLE_RESPONSE,
  AnswersNoContent: true,
  async invoke(ctx, args) {
    const entity = boundEntity(ctx);
    const items = eachTarget(ctx, entity, args['Targets'] as Array<Record<string, unknown>>, (item) => keyedTarget(entity, item));
    const first = new Map<string, number>();
    items.forEach((target, i) => {
      const name = targetName(target);
      const earlier = first.get(name);
      if (earlier !== undefined) throw atIndex(i, sameRecord(earlier));
      first.set(name, i);
    });
    const byKey = items.some((target) => target.key !== undefined);
    // Upserts of one new alternate key at once: a request whose create loses to another's (412 on
    // the key's unique index) runs again, and finds and updates the row the other made.
    for (let attempt = 1; ; attempt++) {
      try {
        await upsertAll(ctx, entity, items);
        return;
      } catch (err) {
        if (!byKey || !isDuplicateKey(err)) throw err;
        if (attempt >= KEY_RACE_ATTEMPTS) throw lostRaces.has(err as Error) ? Errors.writeConflict(attempt) : err;
      }
    }
  },
};

/** Item errors (named by index) that are an item's create losing its `@odata.id` key's values to a concurrent writer (lostKeyRace). */
const lostRaces = new WeakSet<Error>();

/** 400 `0x80040203` for a Target naming the record Targets[earlier] names. */
function sameRecord(earlier: number): Error {
  return Errors.invalidArgument(`This record has the same key as Targets[${earlier}]; UpsertMultiple takes each record once.`);
}

/**
 * Upserts every target in one transaction, naming a failing one's index. Every target is planned
 * first, in item order. The stored rows named by an id (a primary key, or an alternate key that
 * found its row) are then locked in id order (renderLockRows, as UpdateMultiple does) and written
 * in item order, as Dataverse processes items (a later item may take a key value an earlier one
 * frees); then the rows the request creates, in the order of their alternate key values
 * (targetName; never the fresh id a new row gets), then of the ids their items give: an order
 * every request creating the same rows follows, so that they wait for each other instead of
 * deadlocking — unless an item points at a row of the same request, which an earlier item may
 * create, or sets the table's hierarchical lookup (movesInHierarchy): then all in item order.
 */
function upsertAll(ctx: MessageContext, entity: EntityModel, items: readonly KeyedTarget[]): Promise<void> {
  return ctx.db.transaction(async (tx) => {
    // Write order (see above): `name`, the row's id when known (locked first), then `created`, the key values of a row an alternate key creates.
    const plans: Array<{ readonly index: number; readonly plan: UpdatePlan; readonly name: string; readonly created: string }> = [];
    // Items naming one row by different keys (its id, an alternate key) are refused as those naming it by one key are.
    const rows = new Map<string, number>();
    // The alternate key values (targetName) each item's body gives its row, with the items' indexes.
    const claims = new Map<string, number[]>();
    for (const [index, target] of items.entries()) {
      const { key } = target;
      const id = await targetId(tx, ctx.db, entity, target);
      if (id !== undefined) {
        const earlier = rows.get(id);
        if (earlier !== undefined) throw atIndex(index, sameRecord(earlier));
        rows.set(id, index);
      }
      // By alternate key: a row found is updated without the key's values, and a create (a row not
      // found, or one deleted meanwhile) writes them unless the body sets them (upsertBodies).
      const item = { ...target.item };
      const bodies = key ? upsertBodies(entity, key.key, key.values, item) : { update: item, create: () => item };
      // A key no stored row has may be one an earlier item's row takes: that item names the same record.
      const claimed = key && !id ? claims.get(targetName(target))?.[0] : undefined;
      if (claimed !== undefined) throw atIndex(index, sameRecord(claimed));
      const plan = atItem(index, () => planUpdate(ctx.model, entity, id ?? givenPrimaryKey(entity, item) ?? sequentialGuid(), bodies.update, ctx.caller, undefined, undefined, bodies.create) as UpdatePlan);
      // The key values the item's row will hold: those it creates with when no row was found.
      const written = key && !id && plan.upsert && !(plan.upsert instanceof Error) ? plan.upsert.values : plan.set;
      for (const k of entity.Keys) {
        const values = k.KeyAttributes.map((a) => written.get(a) ?? null);
        const name = targetName({ item, key: { key: k, values } });
        if (values.every((v) => v !== null)) claims.set(name, [...claims.get(name) ?? [], index]);
      }
      plans.push({ index, name: id ?? '', created: id === undefined ? targetName(target) : '', plan });
    }
    // Items that point at rows of the same request (which may create them), or move rows in the
    // table's hierarchy (movesInHierarchy), keep their order.
    const ids = new Set(plans.map(({ plan }) => plan.id));
    const linked = plans.some(({ plan }) => plan.references.some((r) => r.entity === entity && ids.has(r.id)));
    const { dialect } = ctx.db;
    const pk = entity.attributesByName.get(entity.PrimaryIdAttribute)!;
    const existing = new Set<string>();
    for (const stmt of renderLockRows(dialect, entity, plans.filter(({ name }) => name).map(({ name }) => name))) {
      for (const [id] of await tx.rows(stmt)) existing.add(String(dialect.fromDb(pk, id)));
    }
    if (!linked && !movesInHierarchy(entity, plans.map(({ plan }) => plan))) {
      plans.sort((a, b) => {
        const [stored, other] = [existing.has(a.name), existing.has(b.name)];
        if (stored || other) return stored === other ? 0 : stored ? -1 : 1;
        return compare(a.created, b.created) || compare(a.name, b.name);
      });
    }
    for (const { index, plan } of plans) {
      try {
        await writeIn(tx, ctx.db, plan);
      } catch (err) {
        const named = atIndex(index, err as Error);
        const target = items[index]!;
        // Lost to a concurrent writer, unless another item of this request writes the same key values.
        const own = claims.get(targetName(target))?.some((i) => i !== index);
        if (target.key && !own && lostKeyRace(entity, target.key.key, target.item, err)) lostRaces.add(named);
        throw named;
      }
    }
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
