import { ATTRIBUTE_TYPES, IDENTIFIER_MAX, identifierTooLong } from '../schema.js';
import type { AttributeFile, EntityFile, OptionMetadata } from '../types.js';
import { ImportError, type ImportResult } from './columns.js';

/**
 * Tables from Dataverse's table reference pages (the markdown of "<table> table/entity reference",
 * e.g. seeds/dataverse-msdyn_copilotinteraction.md): the `Properties` table gives the table's
 * names, OwnershipType and primary columns; each `### <a name="BKMK_…"></a> <SchemaName>`
 * section a column, from its Property|Value table (Type, LogicalName, DisplayName, Description,
 * RequiredLevel, MaxLength, MinValue, MaxValue, Targets, DateTimeBehavior, Format or FormatName,
 * IsValidFor…) and its `Choices/Options` table (Value, Label, and State, DefaultStatus,
 * InvariantName for status and state columns). Columns listed under "Writable columns" are valid
 * for create and update unless their table says False; those under "Read-only columns" for
 * neither. A String column named `<lookup>name` or `<lookup>yominame` is that lookup's name
 * (AttributeOf). The Messages list sets IsRetentionEnabled (Retain) and ChangeTrackingEnabled
 * (RetrieveEntityChanges). What a page cannot say is left to the file's author: global option
 * set names, relationship names and cascades, indexes.
 */

/** One markdown table row's cells, or undefined for a line that is not a row or is a header rule. */
function cells(line: string): string[] | undefined {
  const t = line.trim();
  if (!t.startsWith('|') || !t.endsWith('|')) return undefined;
  const row = t.slice(1, -1).split('|').map((c) => c.trim());
  return row.every((c) => /^-*$/.test(c)) ? undefined : row;
}

interface Section {
  readonly schemaName: string;
  readonly writable: boolean;
  readonly props: Map<string, string>;
  readonly options: Array<Record<string, string>>;
}

const bool = (v: string | undefined) => (v === undefined ? undefined : v === 'True');
const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

/** The column of one section; a string when its type is one Tessera does not store. */
function column(s: Section): AttributeFile | string {
  const p = s.props;
  const type = p.get('Type') ?? '';
  if (!(ATTRIBUTE_TYPES as readonly string[]).includes(type)) return `column ${s.schemaName}: type '${type}' is not stored by Tessera; left out`;
  const options: OptionMetadata[] = s.options.map((o) => ({
    Value: Number(o['Value']),
    Label: o['Label'] ?? '',
    ...(o['State'] !== undefined ? { State: Number(o['State']) } : {}),
    ...(o['DefaultStatus'] !== undefined ? { DefaultStatus: Number(o['DefaultStatus']) } : {}),
    ...(o['InvariantName'] !== undefined ? { InvariantName: o['InvariantName'] } : {}),
  }));
  const logicalName = p.get('LogicalName') || s.schemaName.toLowerCase();
  const text = (key: string) => (p.get(key) ? { [key]: p.get(key) } : {});
  const format = p.get('Format') ?? p.get('FormatName');
  const create = s.writable ? bool(p.get('IsValidForCreate')) ?? true : false;
  const update = s.writable ? bool(p.get('IsValidForUpdate')) ?? true : false;
  return {
    LogicalName: logicalName,
    SchemaName: s.schemaName,
    AttributeType: type,
    ...text('DisplayName'),
    ...text('Description'),
    RequiredLevel: (p.get('RequiredLevel') ?? 'None') as AttributeFile['RequiredLevel'],
    IsValidForCreate: create,
    IsValidForUpdate: update,
    IsValidForRead: bool(p.get('IsValidForRead')) ?? true,
    ...(num(p.get('MaxLength')) !== undefined ? { MaxLength: num(p.get('MaxLength')) } : {}),
    ...(num(p.get('MinValue')) !== undefined ? { MinValue: num(p.get('MinValue')) } : {}),
    ...(num(p.get('MaxValue')) !== undefined ? { MaxValue: num(p.get('MaxValue')) } : {}),
    ...(p.get('Precision') ? { Precision: Number(p.get('Precision')) } : {}),
    ...(p.get('Targets') ? { Targets: p.get('Targets')!.split(',').map((t) => t.trim()).filter(Boolean) } : {}),
    ...text('DateTimeBehavior'),
    ...(format ? { Format: format } : {}),
    ...(['Picklist', 'State', 'Status'].includes(type) ? { OptionSet: { Options: options } } : {}),
  } as AttributeFile;
}

/**
 * Reads a table reference page. Throws ImportError when it has no Properties table with
 * LogicalName, EntitySetName and PrimaryIdAttribute, or no column sections, or when the table's,
 * its primary key's or a column's name is longer than IDENTIFIER_MAX (kept as Dataverse's, not cut). Columns of types
 * Tessera does not store (Virtual, File, Image …) are left out, each with a note.
 */
export function dataverseReferenceTable(markdown: string): ImportResult {
  const messages = new Set<string>();
  const properties = new Map<string, string>();
  const sections: Section[] = [];
  let description: string | undefined;
  let part: 'intro' | 'messages' | 'properties' | 'writable' | 'readonly' | 'end' = 'intro';
  let current: Section | undefined;
  let optionHeader: string[] | undefined;
  let titled = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (part === 'end') break;
    if (/^# .+ table/.test(line)) { titled = true; continue; }
    const h2 = /^## (.+)$/.exec(line)?.[1];
    if (h2 !== undefined) {
      part = h2.startsWith('Messages') ? 'messages' : h2.startsWith('Properties') ? 'properties' : h2.startsWith('Writable') ? 'writable' : h2.startsWith('Read-only') ? 'readonly' : part;
      current = undefined;
      continue;
    }
    const h3 = /^### <a name="[^"]*"><\/a>\s*(\S+)\s*$/.exec(line)?.[1];
    if (h3 !== undefined && (part === 'writable' || part === 'readonly')) {
      current = { schemaName: h3, writable: part === 'writable', props: new Map(), options: [] };
      sections.push(current);
      optionHeader = undefined;
      continue;
    }
    if (/^### /.test(line)) { part = 'end'; continue; }
    if (/^#### .*Choices\/Options/.test(line)) { optionHeader = []; continue; }
    if (part === 'intro' && titled && description === undefined && line.trim() && !line.startsWith('**') && !line.startsWith('<')) { description = line.trim(); continue; }
    const row = cells(line);
    if (!row) continue;
    if (part === 'messages') { if (row[0] !== 'Message') messages.add(row[0]!); continue; }
    if (part === 'properties') { if (row[0] !== 'Property') properties.set(row[0]!, row[1] ?? ''); continue; }
    if (!current) continue;
    if (optionHeader !== undefined) {
      if (!optionHeader.length) { optionHeader = row; continue; }
      current.options.push(Object.fromEntries(optionHeader.map((h, i) => [h, row[i] ?? ''])));
    } else if (row[0] !== 'Property') current.props.set(row[0]!, row[1] ?? '');
  }
  const problems = ['LogicalName', 'EntitySetName', 'PrimaryIdAttribute'].filter((p) => !properties.get(p)).map((p) => `Properties: no ${p}; is this a Dataverse table reference page?`);
  if (!sections.length) problems.push('no column sections (### <a name="BKMK_…"></a> …) under "Writable columns" or "Read-only columns"');
  if (problems.length) throw new ImportError(problems);
  const notes: string[] = [];
  const attributes: AttributeFile[] = [];
  for (const s of sections) {
    const c = column(s);
    if (typeof c === 'string') notes.push(c); else attributes.push(c);
  }
  // The page's names are Dataverse's, which clients use: one too long for an SQL identifier is refused, not renamed.
  const tooLong = [
    ...['LogicalName', 'PrimaryIdAttribute'].map((p) => [`Properties: ${p}`, properties.get(p)!] as const),
    ...attributes.map((a) => [`column ${a.SchemaName!}`, a.LogicalName] as const),
  ].filter(([, name]) => name.length > IDENTIFIER_MAX).map(([where, name]) => `${where}: ${identifierTooLong(name)}; Tessera cannot serve it under this name`);
  if (tooLong.length) throw new ImportError(tooLong);
  const lookups = new Set(attributes.filter((a) => a.Targets).map((a) => a.LogicalName));
  for (const a of attributes) {
    const of = /^(.+?)(?:yomi)?name$/.exec(a.LogicalName)?.[1];
    if (a.AttributeType === 'String' && of && lookups.has(of)) a.AttributeOf = of;
  }
  const prop = (key: string) => (properties.get(key) ? { [key]: properties.get(key) } : {});
  const table = {
    LogicalName: properties.get('LogicalName')!,
    ...prop('SchemaName'),
    EntitySetName: properties.get('EntitySetName')!,
    ...prop('LogicalCollectionName'),
    ...prop('DisplayName'),
    ...prop('DisplayCollectionName'),
    ...(description ? { Description: description } : {}),
    PrimaryIdAttribute: properties.get('PrimaryIdAttribute')!,
    ...prop('PrimaryNameAttribute'),
    ...prop('OwnershipType'),
    ...(messages.has('Retain') ? { IsRetentionEnabled: true } : {}),
    ...(messages.has('RetrieveEntityChanges') ? { ChangeTrackingEnabled: true } : {}),
    Attributes: attributes,
  } as EntityFile;
  return { table, notes };
}
