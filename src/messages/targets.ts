import { Errors, ServiceError } from '../errors.js';
import type { EntityModel } from '../model/types.js';
import { isTypeOf } from '../plan/write.js';
import type { MessageContext } from './types.js';

/**
 * The `Targets` of CreateMultiple / UpdateMultiple / UpsertMultiple (digest §6.3–6.4): a non-empty
 * array of entity objects, each with `"@odata.type": "Microsoft.Dynamics.CRM.<table>"` of the
 * bound table, at most `limits.maxTargets` of them.
 */

/** Prefixes an item's error with its index (`Targets[3]: …`), keeping status and code. */
export function atIndex(index: number, err: Error): Error {
  if (!(err instanceof ServiceError)) return err;
  return new ServiceError(err.status, err.code, `Targets[${index}]: ${err.message}`);
}

/** The bound table, or a 400 when the operation was not called on an entity set. */
export function boundEntity(ctx: MessageContext): EntityModel {
  if (!ctx.binding) throw Errors.badQuery('This operation must be bound to an entity set: POST /<set>/Microsoft.Dynamics.CRM.<Operation>.');
  return ctx.binding.entity;
}

/**
 * Checks the Targets array's length and returns `itemAt(i)`, which returns item `i` after checking
 * its `@odata.type`. Throws 400 for an empty or over-long array; `itemAt` throws 400, named with
 * the item's index, for a missing or foreign `@odata.type`.
 */
export function targetItems(ctx: MessageContext, entity: EntityModel, targets: ReadonlyArray<Record<string, unknown>>): (index: number) => Record<string, unknown> {
  if (!targets.length) throw Errors.badQuery('Targets must contain at least one record.');
  if (targets.length > ctx.limits.maxTargets) {
    throw Errors.badQuery(`Targets has ${targets.length} records; at most ${ctx.limits.maxTargets} are allowed in one request (set TESSERA_MAX_TARGETS to change the limit).`);
  }
  const type = `Microsoft.Dynamics.CRM.${entity.LogicalName}`;
  return (i) => {
    const item = targets[i]!;
    const given = item['@odata.type'];
    if (given === undefined) throw atIndex(i, Errors.payload(entity.EntitySetName, `The '@odata.type' annotation is required on every record in Targets ("@odata.type": "${type}").`));
    if (!isTypeOf(entity, given)) {
      throw atIndex(i, Errors.payload(entity.EntitySetName, `The '@odata.type' '${String(given)}' does not match the entity set's type '${type}'.`));
    }
    return item;
  };
}

/** Runs `fn` on item `i` of Targets, naming the item's index in any error it throws. */
export function atItem<T>(i: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw atIndex(i, err as Error);
  }
}

/**
 * Checks the Targets array (see targetItems) and runs `fn` on each item in order, naming the
 * item's index in any error.
 */
export function eachTarget<T>(ctx: MessageContext, entity: EntityModel, targets: ReadonlyArray<Record<string, unknown>>, fn: (item: Record<string, unknown>, index: number) => T): T[] {
  const itemAt = targetItems(ctx, entity, targets);
  return targets.map((_, i) => {
    const item = itemAt(i);
    return atItem(i, () => fn(item, i));
  });
}
