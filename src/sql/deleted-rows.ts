import { pkOf } from '../model/primary-key.js';
import { DATASTATE, DATASTATE_RETAINED } from '../model/system-columns.js';
import type { EntityModel, Model } from '../model/types.js';
import type { Dialect, Statement } from './dialect.js';

/**
 * The rows deleted from change-tracked tables (EntityModel.ChangeTrackingEnabled), for change
 * tracking's delta answers (digest §10): one row per deleted row, `(entity, id, versionnumber,
 * deletedon)`, keyed by table and id; versionnumber is a row version reserved by the deleting
 * transaction, so deletions and writes share one order.
 */
export const DELETED_ROWS = 'tessera_deletedrow';

/**
 * Days a deleted row is remembered: the longest ExpireChangeTrackingInDays Dataverse allows (a
 * delta token older than the organization's setting is refused anyway, so none needs more).
 */
export const DELETED_ROWS_KEPT_DAYS = 365;

/** Rows per INSERT/DELETE statement: 4 parameters each, within SQL Server's 2,100. */
const ROWS_PER_STATEMENT = 250;

const q = (d: Dialect, ...names: string[]) => names.map((n) => d.quote(n)).join(', ');

/**
 * CREATE TABLE and indexes of DELETED_ROWS, the column types those of `sample`'s primary key,
 * versionnumber and createdon (every table has them). Run when the table is missing and a table
 * of the model tracks changes.
 */
export function createDeletedRowsTable(d: Dialect, sample: EntityModel): string[] {
  const type = (name: string) => d.columnType(sample.attributesByName.get(name)!);
  const text = d.name === 'mssql' ? 'NVARCHAR(128)' : 'VARCHAR(128)';
  const t = d.quote(DELETED_ROWS);
  return [
    `CREATE TABLE ${t} (${d.quote('entity')} ${text} NOT NULL, ${d.quote('id')} ${d.columnType(pkOf(sample))} NOT NULL, `
      + `${d.quote('versionnumber')} ${type('versionnumber')} NOT NULL, ${d.quote('deletedon')} ${type('createdon')} NOT NULL, PRIMARY KEY (${q(d, 'entity', 'id')}))`,
    d.createIndex(d.quote(`ix_${DELETED_ROWS}_versionnumber`), t, [q(d, 'entity', 'versionnumber')]),
    d.createIndex(d.quote(`ix_${DELETED_ROWS}_deletedon`), t, [d.quote('deletedon')]),
  ];
}

/** Whether the model needs DELETED_ROWS: some table tracks changes. */
export function tracksChanges(model: Model): EntityModel | undefined {
  return model.entities.find((e) => e.ChangeTrackingEnabled);
}

/**
 * Statements that remember the rows `ids` of `entity` as deleted at `version` and `deletedOn`
 * (canonical UTC), replacing what was remembered of the same ids (a row deleted again after being
 * created anew), and forget deletions older than DELETED_ROWS_KEPT_DAYS before `deletedOn`.
 */
export function renderRecordDeletions(d: Dialect, entity: EntityModel, ids: readonly string[], version: number, deletedOn: string): Statement[] {
  const pk = pkOf(entity);
  const versionnumber = entity.attributesByName.get('versionnumber')!;
  const createdon = entity.attributesByName.get('createdon')!;
  const t = d.quote(DELETED_ROWS);
  const out: Statement[] = [];
  for (let start = 0; start < ids.length; start += ROWS_PER_STATEMENT) {
    const slice = ids.slice(start, start + ROWS_PER_STATEMENT);
    const keys = slice.map((id) => d.toDb(pk, id));
    out.push({
      sql: `DELETE FROM ${t} WHERE ${d.quote('entity')} = ${d.placeholder(1)} AND ${d.quote('id')} IN (${keys.map((_, i) => d.placeholder(i + 2)).join(', ')})`,
      params: [entity.LogicalName, ...keys],
    });
    const params: unknown[] = [];
    const rows = keys.map((key) => {
      params.push(entity.LogicalName, key, d.toDb(versionnumber, version), d.toDb(createdon, deletedOn));
      return `(${[4, 3, 2, 1].map((back) => d.placeholder(params.length - back + 1)).join(', ')})`;
    });
    out.push({ sql: `INSERT INTO ${t} (${q(d, 'entity', 'id', 'versionnumber', 'deletedon')}) VALUES ${rows.join(', ')}`, params });
  }
  const cutoff = new Date(Date.parse(deletedOn) - DELETED_ROWS_KEPT_DAYS * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  out.push({ sql: `DELETE FROM ${t} WHERE ${d.quote('deletedon')} < ${d.placeholder(1)}`, params: [d.toDb(createdon, cutoff)] });
  return out;
}

/**
 * The ids, ascending, after `after` (if any) and at most `limit`, of the rows of `entity` gone
 * from reads between versions `since` (excluded) and `settled` (included): rows remembered as
 * deleted that have not been created again, and rows retained (long-term retention) in that
 * range, which reads no longer see either. One column, the id.
 */
export function renderDeletedIds(d: Dialect, entity: EntityModel, since: number, settled: number, after: string | undefined, limit: number): Statement {
  const pk = pkOf(entity);
  const versionnumber = entity.attributesByName.get('versionnumber')!;
  const params: unknown[] = [];
  const p = (v: unknown) => { params.push(v); return d.placeholder(params.length); };
  const table = d.quote(entity.LogicalName);
  const range = (column: string) => `${column} > ${p(d.toDb(versionnumber, since))} AND ${column} <= ${p(d.toDb(versionnumber, settled))}`;
  const deleted = `SELECT ${d.quote('g')}.${d.quote('id')} AS ${d.quote('id')} FROM ${d.quote(DELETED_ROWS)} ${d.quote('g')} `
    + `WHERE ${d.quote('g')}.${d.quote('entity')} = ${p(entity.LogicalName)} AND ${range(`${d.quote('g')}.${d.quote('versionnumber')}`)} `
    + `AND NOT EXISTS (SELECT 1 FROM ${table} ${d.quote('r')} WHERE ${d.quote('r')}.${d.quote(pk.LogicalName)} = ${d.quote('g')}.${d.quote('id')})`;
  const retained = entity.IsRetentionEnabled
    ? ` UNION ALL SELECT ${d.quote(pk.LogicalName)} FROM ${table} WHERE ${d.quote(DATASTATE)} = ${DATASTATE_RETAINED} AND ${range(d.quote('versionnumber'))}`
    : '';
  const id = d.quote('id');
  const where = after === undefined ? '' : ` WHERE ${id} > ${p(d.toDb(pk, after))}`;
  return { sql: d.selectLimited(`${id} FROM (${deleted}${retained}) ${d.quote('x')}${where}`, d.orderItem(id, false), p(limit)), params };
}
