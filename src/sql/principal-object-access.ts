import { pkOf } from '../model/primary-key.js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import type { Value } from '../plan/types.js';
import type { Dialect, Statement } from './dialect.js';
import { Params } from './render.js';

/**
 * The shares of rows (Dataverse's PrincipalObjectAccess table, "Sharing and assigning";
 * principalobjectaccess EntityType): one row per shared row and principal, keyed by
 * `principalobjectaccessid`, naming the shared row (`objecttypecode` its table's logical name,
 * where Dataverse stores an ObjectTypeCode; `objectid` its id), the user or team it is shared
 * with (`principalid`, `principaltypecode` `systemuser` or `team`), the AccessRights flags shared
 * (`accessrightsmask`: Read 1, Write 2, Append 4, AppendTo 16, Delete 65536, Share 262144,
 * Assign 524288), `inheritedaccessrightsmask` (always 0: Tessera shares nothing by cascade) and
 * when it last changed (`changedon`, canonical UTC). Not served as an entity set.
 */
export const PRINCIPAL_OBJECT_ACCESS = 'tessera_principalobjectaccess';

/** One share as stored: the principal and the rights it holds on the row. */
export interface ShareRow {
  readonly principalid: string;
  readonly principaltypecode: string;
  readonly accessrightsmask: number;
}

const q = (d: Dialect, ...names: string[]) => names.map((n) => d.quote(n));
const T = (d: Dialect) => d.quote(PRINCIPAL_OBJECT_ACCESS);

/** The first user-owned table of `model` (then the model needs PRINCIPAL_OBJECT_ACCESS: only owned rows are shared), or undefined. */
export function firstSharedTable(model: Model): EntityModel | undefined {
  return model.entities.find((e) => e.OwnershipType === 'UserOwned');
}

/** The columns of `sample` (a user-owned table) whose types the share table borrows. */
function borrowed(sample: EntityModel): { id: AttributeModel; changed: AttributeModel } {
  return { id: pkOf(sample), changed: sample.attributesByName.get('modifiedon')! };
}

/**
 * CREATE TABLE of PRINCIPAL_OBJECT_ACCESS (ids typed as `sample`'s primary key, `changedon` as its
 * modifiedon) and its unique index on (objecttypecode, objectid, principalid): one share per row
 * and principal, and the index the access filter's EXISTS (shareCondition) probes.
 */
export function createPrincipalObjectAccessTable(d: Dialect, sample: EntityModel): string[] {
  const { id, changed } = borrowed(sample);
  const name = d.name === 'mssql' ? 'NVARCHAR(128)' : 'VARCHAR(128)';
  const [key, type, object, principal, principalType, mask, inherited, changedOn] = q(d, 'principalobjectaccessid', 'objecttypecode', 'objectid', 'principalid', 'principaltypecode', 'accessrightsmask', 'inheritedaccessrightsmask', 'changedon');
  return [
    `CREATE TABLE ${T(d)} (${key} ${d.columnType(id)} NOT NULL PRIMARY KEY, ${type} ${name} NOT NULL, ${object} ${d.columnType(id)} NOT NULL, `
      + `${principal} ${d.columnType(id)} NOT NULL, ${principalType} ${name} NOT NULL, ${mask} INTEGER NOT NULL, ${inherited} INTEGER NOT NULL, ${changedOn} ${d.columnType(changed)} NOT NULL)`,
    d.createUniqueIndex(d.quote(`ux_${PRINCIPAL_OBJECT_ACCESS}_object`), T(d), [type, object, principal]),
  ];
}

/**
 * The condition "row `objectId` (SQL: a bound id or a column of the outer row) of `entity` is
 * shared with one of `principals` with any of the AccessRights bits of `rights`": an EXISTS on
 * the share table (alias `alias`), its index's columns compared in order. The table name and the
 * rights are the engine's, written as literals; the principals are bound in `p`.
 */
export function shareCondition(d: Dialect, p: Params, entity: EntityModel, objectId: string, principals: readonly Value[], rights: number, alias = 'poa'): string {
  const a = d.quote(alias);
  const [type, object, principal, mask] = q(d, 'objecttypecode', 'objectid', 'principalid', 'accessrightsmask');
  const key = pkOf(entity);
  const list = principals.length ? `${a}.${principal} IN (${principals.map((v) => p.value(key, v)).join(', ')})` : '1 = 0';
  return `EXISTS (SELECT 1 FROM ${T(d)} ${a} WHERE ${a}.${type} = '${entity.LogicalName}' AND ${a}.${object} = ${objectId} AND ${list} AND (${a}.${mask} & ${rights}) <> 0)`;
}

/**
 * SELECT principalid, principaltypecode, accessrightsmask of the shares of row `id` of `entity`,
 * of `principals` only when given, in no order.
 */
export function renderSelectShares(d: Dialect, entity: EntityModel, id: string, principals?: readonly string[]): Statement {
  const p = new Params(d);
  const key = pkOf(entity);
  const [type, object, principal, principalType, mask] = q(d, 'objecttypecode', 'objectid', 'principalid', 'principaltypecode', 'accessrightsmask');
  const where = [`${type} = ${p.add(entity.LogicalName)}`, `${object} = ${p.value(key, id)}`];
  if (principals) where.push(principals.length ? `${principal} IN (${principals.map((v) => p.value(key, v)).join(', ')})` : '1 = 0');
  return { sql: `SELECT ${principal}, ${principalType}, ${mask} FROM ${T(d)} WHERE ${where.join(' AND ')}`, params: p.values };
}

/** INSERT of a share of row `id` of `entity` with `principal` (of table `principalType`), `mask` at `changedOn`, as `shareId`. */
export function renderInsertShare(d: Dialect, entity: EntityModel, id: string, shareId: string, principal: string, principalType: string, mask: number, changedOn: string): Statement {
  const p = new Params(d);
  const { id: key, changed } = borrowed(entity);
  const values = [p.value(key, shareId), p.add(entity.LogicalName), p.value(key, id), p.value(key, principal), p.add(principalType), p.add(mask), p.add(0), p.value(changed, changedOn)];
  return {
    sql: `INSERT INTO ${T(d)} (${q(d, 'principalobjectaccessid', 'objecttypecode', 'objectid', 'principalid', 'principaltypecode', 'accessrightsmask', 'inheritedaccessrightsmask', 'changedon').join(', ')}) VALUES (${values.join(', ')})`,
    params: p.values,
  };
}

/**
 * UPDATE of the mask of the share of row `id` of `entity` with `principal` to `mask`, or with
 * `merge` to its bitwise OR with the mask stored (as the database holds it when the UPDATE runs),
 * at `changedOn`.
 */
export function renderUpdateShare(d: Dialect, entity: EntityModel, id: string, principal: string, mask: number, merge: boolean, changedOn: string): Statement {
  const p = new Params(d);
  const { id: key, changed } = borrowed(entity);
  const [type, object, principalColumn, maskColumn, changedColumn] = q(d, 'objecttypecode', 'objectid', 'principalid', 'accessrightsmask', 'changedon');
  return {
    sql: `UPDATE ${T(d)} SET ${maskColumn} = ${merge ? `${maskColumn} | ` : ''}${p.add(mask)}, ${changedColumn} = ${p.value(changed, changedOn)} WHERE ${type} = ${p.add(entity.LogicalName)} AND ${object} = ${p.value(key, id)} AND ${principalColumn} = ${p.value(key, principal)}`,
    params: p.values,
  };
}

/**
 * DELETE of the shares of rows `ids` of `entity` (with `principal`, of that principal only). At
 * most idsPerStatement ids per call (render.ts idSlices); a deleted user's or team's shares:
 * renderDeletePrincipalShares.
 */
export function renderDeleteShares(d: Dialect, entity: EntityModel, ids: readonly string[], principal?: string): Statement {
  const p = new Params(d);
  const key = pkOf(entity);
  const [type, object, principalColumn] = q(d, 'objecttypecode', 'objectid', 'principalid');
  const where = [`${type} = ${p.add(entity.LogicalName)}`, `${object} IN (${ids.map((id) => p.value(key, id)).join(', ')})`];
  if (principal !== undefined) where.push(`${principalColumn} = ${p.value(key, principal)}`);
  return { sql: `DELETE FROM ${T(d)} WHERE ${where.join(' AND ')}`, params: p.values };
}

/** DELETE of every share with the principals `ids` (deleted users or teams of table `principals`). */
export function renderDeletePrincipalShares(d: Dialect, principals: EntityModel, ids: readonly string[]): Statement {
  const p = new Params(d);
  const key = pkOf(principals);
  const [principalType, principalColumn] = q(d, 'principaltypecode', 'principalid');
  return { sql: `DELETE FROM ${T(d)} WHERE ${principalType} = ${p.add(principals.LogicalName)} AND ${principalColumn} IN (${ids.map((id) => p.value(key, id)).join(', ')})`, params: p.values };
}
