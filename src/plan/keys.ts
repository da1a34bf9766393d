import { Errors, isEntityKeyClash } from '../errors.js';
import type { AttributeModel, EntityKeyModel, EntityModel } from '../model/types.js';
import { parseKeyPredicate } from '../odata/expression.js';
import type { Value } from './types.js';
import { canonicalGuid, integerValue, literalValue, roundToPrecision } from './values.js';

/** A row addressed by one of its table's alternate keys. */
export interface AlternateKeyValue {
  readonly key: EntityKeyModel;
  /** One canonical value per key column, in the key's order. */
  readonly values: readonly Value[];
}

/**
 * Resolves a key predicate such as `sample_key1='a',sample_key2=1` (digest §2.2, §6.4) against the
 * table's alternate keys: the named columns must be exactly one key's columns. Throws 400 when no
 * key has those columns, a value is null, of the wrong type or past its integer type's range, or
 * the text is not a predicate.
 */
export function planAlternateKey(entity: EntityModel, predicate: string): AlternateKeyValue {
  const pairs = parseKeyPredicate(predicate);
  const names = pairs.map((p) => p.name).sort().join(',');
  const key = entity.Keys.find((k) => k.KeyAttributes.map((a) => a.PropertyName).sort().join(',') === names);
  if (!key) {
    const known = entity.Keys.map((k) => `(${k.KeyAttributes.map((a) => a.PropertyName).join(',')})`).join(', ') || 'none';
    throw Errors.badQuery(`The key (${pairs.map((p) => p.name).join(',')}) is not an alternate key of '${entity.LogicalName}'; its keys are ${known}.`);
  }
  const values = key.KeyAttributes.map((a) => {
    const pair = pairs.find((p) => p.name === a.PropertyName)!;
    if (pair.value.value === null) throw Errors.badQuery(`The alternate key value of '${a.PropertyName}' cannot be null.`);
    const { value } = literalValue(entity, a, pair.value.literal, pair.value.value, 'Equal');
    // As the column stores it: the row an upsert by `x=1.005` creates holds 1.01, and is found by it again.
    if (a.EdmType === 'Edm.Decimal' && a.Precision !== undefined) return roundToPrecision(value as number, a.Precision);
    if (a.EdmType !== 'Edm.Int32' && a.EdmType !== 'Edm.Int64') return value;
    // Past its type a literal names no row and could not be bound.
    const n = integerValue(a.EdmType, typeof value === 'bigint' ? String(value) : value as number);
    if (n === undefined) throw Errors.badQuery(`The key value ${value} of '${a.PropertyName}' is not a valid ${a.EdmType}.`);
    return n;
  });
  return { key, values };
}

/**
 * The body properties that write `values` of `key` into the row an upsert by alternate key
 * creates (digest §2.3: the key's values from the URL are written on create), for those columns
 * `body` does not set itself: a column's own property, or for a lookup the bind of its
 * navigation property (`<navigation>@odata.bind: /<set>(<id>)`; its `_x_value` property is
 * read-only). Throws 400 for a polymorphic lookup the body does not bind: its value alone does
 * not tell which table the row is in.
 */
export function keyBody(entity: EntityModel, key: EntityKeyModel, values: readonly Value[], body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  key.KeyAttributes.forEach((a, i) => {
    if (a.PropertyName in body) return;
    const navigations = [...entity.lookupsByNavigation].filter(([, lookup]) => lookup === a).map(([name]) => name);
    if (!navigations.length) out[a.PropertyName] = values[i];
    else if (navigations.some((name) => `${name}@odata.bind` in body)) return;
    else if (navigations.length > 1) throw Errors.badQuery(`A row created by the key (${key.KeyAttributes.map((k) => k.PropertyName).join(',')}) must bind its polymorphic lookup '${a.LogicalName}' in the body (${navigations[0]}@odata.bind or another of ${navigations.join(', ')}).`);
    else out[`${navigations[0]}@odata.bind`] = `/${targetSet(entity, navigations[0]!, a)}(${String(values[i])})`;
  });
  return out;
}

/**
 * `body` without the values of `key`'s columns: their own properties and, for a lookup, the binds
 * of its navigation properties. An upsert by alternate key that finds its row updates it with
 * this body, so that the key naming the row never changes it (Dataverse "Use Upsert to Create or
 * Update a record", Guidance for composing requests: the server removes those values).
 */
export function withoutKey(entity: EntityModel, key: EntityKeyModel, body: Record<string, unknown>): Record<string, unknown> {
  const dropped = new Set<string>();
  for (const a of key.KeyAttributes) {
    dropped.add(a.PropertyName);
    for (const [name, lookup] of entity.lookupsByNavigation) if (lookup === a) dropped.add(`${name}@odata.bind`);
  }
  return Object.fromEntries(Object.entries(body).filter(([name]) => !dropped.has(name)));
}

/**
 * The two bodies of an upsert by alternate key `key` holding `values` (digest §2.3; Dataverse
 * "Use Upsert to Create or Update a record"): `update`, what an existing row is updated with
 * (`body` without the key's values, withoutKey); `create()`, what a missing row is created with
 * (the key's values unless `body` sets them, keyBody, then `body`), called only when the row may
 * be created and throwing keyBody's 400.
 */
export function upsertBodies(entity: EntityModel, key: EntityKeyModel, values: readonly Value[], body: Record<string, unknown>): { update: Record<string, unknown>; create: () => Record<string, unknown> } {
  return { update: withoutKey(entity, key, body), create: () => ({ ...keyBody(entity, key, values, body), ...body }) };
}

/** The entity set a lookup's navigation property `name` leads to. */
function targetSet(entity: EntityModel, name: string, lookup: AttributeModel): string {
  const nav = entity.navigation.get(name);
  if (!nav) throw new Error(`${entity.LogicalName}.${lookup.LogicalName}: no navigation property '${name}'`);
  return nav.target.EntitySetName;
}

/**
 * The id in a key predicate that names the primary key, `accountid=<guid>` (Dataverse accepts it
 * wherever a bare GUID goes, digest §2.2); undefined for anything else.
 */
export function namedPrimaryKey(entity: EntityModel, predicate: string): string | undefined {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*'?([^']*?)'?\s*$/.exec(predicate);
  return m && m[1] === entity.PrimaryIdAttribute ? canonicalGuid(m[2]!) : undefined;
}

/**
 * The primary key a body sets (`<table>id`: a GUID, canonical), undefined when it sets none or
 * something else (planning the body then refuses that). An upsert by alternate key that creates
 * its row gives it this id, as a Create of the body would.
 */
export function givenPrimaryKey(entity: EntityModel, body: Record<string, unknown>): string | undefined {
  const v = body[entity.PrimaryIdAttribute];
  return typeof v === 'string' ? canonicalGuid(v) : undefined;
}

/**
 * How many times an upsert by alternate key whose create loses to a concurrent one (412 on the
 * key's unique index) looks the key up again and updates the row the other made. Five: with
 * DELETEs of the key racing the upserts, a lookup may find a row deleted before the write, or none
 * where another upsert's create is about to commit, twice or three times running (test/upsert-key
 * measures it on PostgreSQL); a bound still, so that a clash the body itself causes is answered.
 */
export const KEY_RACE_ATTEMPTS = 5;

/**
 * Whether `err`, met by an upsert through alternate key `key` with write body `body`, is that
 * key's own 412 `0x80060892` (isEntityKeyClash) for values only the key names: the body sets none
 * of the key's columns (by value or, for a lookup, by `@odata.bind`), so the row the upsert created
 * carried the URL's or `@odata.id`'s values and lost them to a concurrent writer. A clash of values
 * the body sets is the body's own, not a race. Used to answer the retryable 503 (Errors.writeConflict)
 * once KEY_RACE_ATTEMPTS are spent.
 */
export function lostKeyRace(entity: EntityModel, key: EntityKeyModel, body: Record<string, unknown>, err: unknown): boolean {
  return isEntityKeyClash(err, key)
    && !key.KeyAttributes.some((a) => Object.hasOwn(body, a.PropertyName) || (a.NavigationPropertyName !== undefined && Object.hasOwn(body, `${a.NavigationPropertyName}@odata.bind`)));
}
