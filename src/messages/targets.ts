import { Errors, ServiceError } from '../errors.js';
import type { EntityModel } from '../model/types.js';
import { namedPrimaryKey, planAlternateKey, type AlternateKeyValue } from '../plan/keys.js';
import { bodyValue, canonicalGuid } from '../plan/values.js';
import { pkOf } from '../model/primary-key.js';
import { isTypeOf, splitRecordUrl } from '../plan/write.js';
import type { Executor, Database } from '../store/database.js';
import { findByKey } from '../store/execute.js';
import type { Model } from '../model/types.js';
import type { MessageContext, RecordReference } from './types.js';

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
 * the item's index, for an item that is no JSON object and a missing or foreign `@odata.type`.
 */
export function targetItems(ctx: MessageContext, entity: EntityModel, targets: ReadonlyArray<Record<string, unknown>>): (index: number) => Record<string, unknown> {
  if (!targets.length) throw Errors.badQuery('Targets must contain at least one record.');
  if (targets.length > ctx.limits.maxTargets) {
    throw Errors.badQuery(`Targets has ${targets.length} records; at most ${ctx.limits.maxTargets} are allowed in one request (set TESSERA_MAX_TARGETS to change the limit).`);
  }
  const type = `Microsoft.Dynamics.CRM.${entity.LogicalName}`;
  return (i) => {
    const item = targets[i];
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      throw atIndex(i, Errors.payload(entity.EntitySetName, `Each record in Targets is a JSON object with its '@odata.type' ("@odata.type": "${type}"), not ${item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item}.`));
    }
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

/** A Target identified by its primary key (`id`) or by an alternate key (`key`). */
export interface KeyedTarget {
  readonly item: Record<string, unknown>;
  readonly id?: string;
  readonly key?: AlternateKeyValue;
}

/**
 * How `item` of `entity` names its record (UpdateMultiple / UpsertMultiple, digest §6.4): by
 * `"@odata.id": "<set>(<id>)"` or `"<set>(<alternate key>)"` (relative or absolute), else by its
 * primary key. Throws 400 for an `@odata.id` of another set, a key that is not an alternate key,
 * and an item with neither.
 */
export function keyedTarget(entity: EntityModel, item: Record<string, unknown>): KeyedTarget {
  const odataId = item['@odata.id'];
  if (typeof odataId === 'string') {
    const url = splitRecordUrl(odataId);
    if (!url || url.entitySet !== entity.EntitySetName) throw Errors.badQuery(`The @odata.id '${odataId}' does not address a record of '${entity.EntitySetName}'.`);
    // A bare GUID or `<table>id=<guid>`, as in a URL (digest §2.2); else an alternate key.
    const id = canonicalGuid(url.key) ?? namedPrimaryKey(entity, url.key);
    return id ? { item, id } : { item, key: planAlternateKey(entity, url.key) };
  }
  const raw = item[entity.PrimaryIdAttribute];
  if (raw === undefined || raw === null) throw Errors.badQuery(`Each record needs its primary key '${entity.PrimaryIdAttribute}' or an '@odata.id' with an alternate key.`);
  // A key that is not a GUID: the conversion error a single write gives (0x80048d19).
  return { item, id: bodyValue(entity, pkOf(entity), raw) as string };
}

/** A name for the record `target` names, equal for Targets that name one record (keys compare case-insensitively, as the databases do). */
export function targetName(target: KeyedTarget): string {
  const { id, key } = target;
  return id ?? `${key!.key.LogicalName}:${JSON.stringify(key!.values.map((v) => (typeof v === 'string' ? v.toLowerCase() : v)))}`;
}

/** The id of the row `target` names, looking its alternate key up in `tx`; undefined when there is none. */
export async function targetId(tx: Executor, db: Database, entity: EntityModel, target: KeyedTarget): Promise<string | undefined> {
  return target.key ? findByKey(tx, db, entity, target.key.key, target.key.values) : target.id;
}

/**
 * The record an entity-object parameter of an action names (`Target` of Retain, GrantAccess…):
 * `{"@odata.type":"Microsoft.Dynamics.CRM.<table>","<primary key>":"<guid>"}`, the table by its
 * logical name, the key its primary key (or `key`, another name the table's rows are keyed by:
 * `ownerid` for a user or team, its `principal` key). Throws 400 `0x80040203` naming `parameter`
 * for a missing or unknown `@odata.type` and a missing or malformed key.
 */
export function entityObjectReference(model: Model, value: unknown, parameter: string, key?: (entity: EntityModel) => string | undefined): RecordReference {
  const target = value as Record<string, unknown>;
  const type = target['@odata.type'];
  const name = typeof type === 'string' ? type.replace(/^#?Microsoft\.Dynamics\.CRM\./, '') : undefined;
  const entity = name !== undefined ? model.byLogicalName.get(name) : undefined;
  if (!entity) throw Errors.invalidArgument(`${parameter} needs "@odata.type": "Microsoft.Dynamics.CRM.<table>" naming a table; ${type === undefined ? 'it has none' : `'${String(type)}' names none`}.`);
  const other = key?.(entity);
  const raw = target[entity.PrimaryIdAttribute] ?? (other !== undefined ? target[other] : undefined);
  const id = typeof raw === 'string' ? canonicalGuid(raw) : undefined;
  if (!id) throw Errors.invalidArgument(`${parameter} needs its primary key '${entity.PrimaryIdAttribute}' as a GUID.`);
  return { entity, id };
}
