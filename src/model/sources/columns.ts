import { IDENTIFIER_MAX, shortIdentifier } from '../schema.js';
import type { AttributeFile, EntityFile } from '../types.js';

/**
 * What the importers of other metadata sources share (voyado.ts, customer-insights.ts): their
 * error, the naming of tables and columns from a source's names under a publisher prefix, and
 * a set of columns that refuses two sources for one column name.
 */

/** A source that cannot become a table; `problems` names each field at fault, one line each. */
export class ImportError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ImportError';
  }
}

/** What an import made, and what of the source it left out (one line each). */
export interface ImportResult {
  readonly table: EntityFile;
  readonly notes: readonly string[];
}

/**
 * A metadata file's text: `table` as indented JSON. Int64's bounds, which a JavaScript number holds
 * only as ±2^63 (written `9223372036854776000`, outside Int64), are written as Int64's own
 * (`-9223372036854775808`, `9223372036854775807`), as Dataverse's reference pages give them.
 */
export function metadataFileText(table: EntityFile): string {
  return `${JSON.stringify(table, null, 2)}\n`.replace(/(?<![\d.])(-?)9223372036854776000(?![\d.])/g, (_, minus: string) => (minus ? '-9223372036854775808' : '9223372036854775807'));
}

export type Json = Record<string, unknown>;

/** Whether `v` is a JSON object (not null, not an array). */
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `Purchase-Timestamp` → `purchase_timestamp`: lower case, runs of other characters than a-z, 0-9 as one `_`. */
export function namePart(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/**
 * The table or column name `<prefix>_<namePart(name)>` (`Purchase-Timestamp` → `new_purchase_timestamp`)
 * of a source's name, at most `max` characters: a longer one is cut and ends in 8 hex digits of a
 * hash of the whole (shortIdentifier), the same on every import, as table and column names are
 * SQL identifiers of at most IDENTIFIER_MAX characters. A table's `max` leaves room for the `id`
 * its primary key column appends.
 */
export function prefixedName(prefix: string, name: string, max: number = IDENTIFIER_MAX): string {
  return shortIdentifier(`${prefix}_${namePart(name)}`, max);
}

/** The longest name of an imported table: its primary key column `<table>id` is a column name too. */
export const TABLE_NAME_MAX = IDENTIFIER_MAX - 'id'.length;

/** A Dataverse publisher prefix: 2 to 8 lower-case letters and digits, starting with a letter. */
const PREFIX = /^[a-z][a-z0-9]{1,7}$/;

/** The problem with `prefix`, if any. */
export function prefixProblem(prefix: string): string | undefined {
  return PREFIX.test(prefix) ? undefined : `prefix '${prefix}': must be 2 to 8 lower-case letters and digits, starting with a letter`;
}

/**
 * The columns of an imported table, by LogicalName: `reserved` ones (with what makes them, for
 * messages) come first; `add` takes a source field's column, or its problem, and reports a field
 * whose column another one already makes.
 */
export class ColumnSet {
  readonly problems: string[] = [];
  readonly attributes: AttributeFile[] = [];
  private readonly makers = new Map<string, string>();

  constructor(private readonly reserved: ReadonlyArray<{ readonly column: AttributeFile; readonly maker: string }>) {
    for (const r of reserved) this.makers.set(r.column.LogicalName, r.maker);
  }

  /** Adds the column `field` (e.g. `property 'price'`) makes, or records its problem. */
  add(field: string, column: AttributeFile | string): void {
    if (typeof column === 'string') { this.problems.push(column); return; }
    const other = this.makers.get(column.LogicalName);
    if (other) { this.problems.push(`${field}: makes the column '${column.LogicalName}', as ${other} does`); return; }
    this.makers.set(column.LogicalName, field);
    this.attributes.push(column);
  }

  /**
   * The table's columns with a primary name: `named` (a String column added) when given, else an
   * added `<prefix>_name` String(100) described by `description`. Throws ImportError for a field
   * that took `<prefix>_name` with another type.
   */
  withPrimaryName(prefix: string, named: string | undefined, description: string): { attributes: AttributeFile[]; primaryName: string } {
    const own = this.attributes.find((a) => a.LogicalName === named && a.AttributeType === 'String');
    const reserved = this.reserved.map((r) => r.column);
    if (own) return { attributes: [...reserved, ...this.attributes], primaryName: own.LogicalName };
    const name: AttributeFile = { LogicalName: `${prefix}_name`, AttributeType: 'String', MaxLength: 100, DisplayName: 'Name', Description: description };
    const taken = this.makers.get(name.LogicalName);
    if (taken) throw new ImportError([`${taken}: makes the column '${name.LogicalName}', which must then be a string (the primary name)`]);
    return { attributes: [name, ...reserved, ...this.attributes], primaryName: name.LogicalName };
  }
}
