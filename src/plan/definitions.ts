import { Errors, type ServiceError } from '../errors.js';
import {
  attributeMetadata, ENTITY_KEY_METADATA, ENTITY_METADATA, ENUM_FLAGS, enumTypeMembers, MANY_TO_MANY_METADATA, ONE_TO_MANY_METADATA, OPTION_SET_METADATA, OPTION_SET_TYPES,
  RELATIONSHIP_METADATA, type Definition, type PropertyType,
} from '../model/definitions.js';
import type { ExpandItem } from '../odata/expand.js';
import type { Expr } from '../odata/expression.js';
import { canonicalGuid, enumMember, flagsValue, instantKey } from './values.js';

/**
 * Queries on the metadata entity types (EntityDefinitions, RelationshipDefinitions,
 * GlobalOptionSetDefinitions): their
 * `$select`, `$filter` and `$expand` checked against the types' declared properties
 * (model/definitions.ts) before any row is read, and `$filter` compiled into a predicate over the
 * definitions' JSON, which is all these queries run on (no SQL). The answer is built in
 * odata/definitions.ts.
 */

/** The namespace of the metadata entity and enum types. */
export const NAMESPACE = 'Microsoft.Dynamics.CRM';

/** A metadata type: its name (in errors), its properties and the navigation properties `$expand` may name. */
export interface DefinitionType {
  readonly name: string;
  readonly properties: Readonly<Record<string, PropertyType>>;
  readonly navigation: ReadonlySet<string>;
}

/** EntityMetadata's relationship collections. */
export type RelationshipNavigation = 'OneToManyRelationships' | 'ManyToOneRelationships' | 'ManyToManyRelationships';
const RELATIONSHIP_NAVIGATION: ReadonlySet<string> = new Set<RelationshipNavigation>(['OneToManyRelationships', 'ManyToOneRelationships', 'ManyToManyRelationships']);

/** Whether `property` is one of EntityMetadata's relationship collections. */
export function isRelationshipNavigation(property: string): property is RelationshipNavigation {
  return RELATIONSHIP_NAVIGATION.has(property);
}

/** The metadata types a query is checked against: EntityMetadata, EntityKeyMetadata, OptionSetMetadata and the relationship types. */
export const ENTITY: DefinitionType = { name: `${NAMESPACE}.EntityMetadata`, properties: ENTITY_METADATA, navigation: new Set(['Attributes', 'Keys', ...RELATIONSHIP_NAVIGATION]) };
export const KEY: DefinitionType = { name: `${NAMESPACE}.EntityKeyMetadata`, properties: ENTITY_KEY_METADATA, navigation: new Set() };
export const OPTION_SET: DefinitionType = { name: `${NAMESPACE}.OptionSetMetadata`, properties: OPTION_SET_METADATA, navigation: new Set() };
export const RELATIONSHIP: DefinitionType = { name: `${NAMESPACE}.RelationshipMetadataBase`, properties: RELATIONSHIP_METADATA, navigation: new Set() };
export const ONE_TO_MANY: DefinitionType = { name: `${NAMESPACE}.OneToManyRelationshipMetadata`, properties: ONE_TO_MANY_METADATA, navigation: new Set() };
export const MANY_TO_MANY: DefinitionType = { name: `${NAMESPACE}.ManyToManyRelationshipMetadata`, properties: MANY_TO_MANY_METADATA, navigation: new Set() };

/** Base AttributeMetadata (no cast), or the derived type `cast`. */
export function attributeType(cast?: string): DefinitionType {
  return {
    name: `${NAMESPACE}.${cast ?? 'AttributeMetadata'}`,
    properties: attributeMetadata(cast),
    navigation: new Set(cast && OPTION_SET_TYPES.has(cast) ? ['OptionSet', 'GlobalOptionSet'] : []),
  };
}

function unknownProperty(name: string, type: string): ServiceError {
  return Errors.badQuery(`Could not find a property named '${name}' on type '${type}'.`);
}

// ---- checks and compilation, before any row is looked at ----

/** A compiled `$filter`: whether a definition satisfies it. */
export type Predicate = (d: Definition) => boolean;

/**
 * Checks `$select`, `$filter` and `$expand` (with their nested options) against `type`, and puts
 * the compiled `$filter` of each level in `filters` (under `at`: undefined for the top level, the
 * expand item for a nested one). Throws 400 `0x80060888` for unknown properties or navigation
 * properties, incompatible comparisons, functions, lambdas, `$orderby`/`$top` inside `$expand`.
 */
export function checkOptions(type: DefinitionType, select: readonly string[] | undefined, filter: Expr | undefined, expand: readonly ExpandItem[] | undefined, filters: Map<unknown, Predicate>, at?: unknown): void {
  checkSelect(type, select);
  filters.set(at, filter ? compileBoolean(filter, type) : () => true);
  for (const item of expand ?? []) {
    if (!type.navigation.has(item.property) || item.ref) {
      const hint = type.name.endsWith('.AttributeMetadata') && item.property === 'OptionSet' ? '; OptionSet is expanded on a cast to the derived type, e.g. Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata' : '';
      throw Errors.badQuery(`Could not find a navigation property named '${item.property}' on type '${type.name}'${hint}.`);
    }
    if (item.orderBy || item.top !== undefined) throw Errors.badQuery(`$orderby and $top are not supported on metadata entities ($expand=${item.property}).`);
    const target = item.property === 'Attributes' ? attributeType() : item.property === 'Keys' ? KEY
      : item.property === 'ManyToManyRelationships' ? MANY_TO_MANY : isRelationshipNavigation(item.property) ? ONE_TO_MANY : OPTION_SET;
    // An option set is one object: only its $select applies.
    if (target === OPTION_SET && (item.filter || item.expand)) throw Errors.badQuery(`Only $select applies inside $expand=${item.property}.`);
    checkOptions(target, item.select, item.filter, item.expand, filters, item);
  }
}

/** Checks that every `$select` item is `*` or a property of `type`; 400 `0x80060888` naming the first that is not. */
export function checkSelect(type: DefinitionType, select: readonly string[] | undefined): void {
  for (const name of select ?? []) if (name !== '*' && !Object.hasOwn(type.properties, name)) throw unknownProperty(name, type.name);
}

const UNSUPPORTED = 'A $filter on metadata entities may compare properties with eq, ne, gt, ge, lt and le, and join them with and, or and not; functions, lambdas and arrays are not supported there.';

/** A `$filter` operand: a property path's type and how to read it, or a literal. */
type Operand =
  | { readonly kind: 'property'; readonly type: PropertyType; readonly read: (d: Definition) => unknown }
  | { readonly kind: 'literal'; readonly literal: Extract<Expr, { kind: 'literal' }> };

/** Compiles `e`, which must be a boolean expression over `type`'s properties. */
function compileBoolean(e: Expr, type: DefinitionType): Predicate {
  switch (e.kind) {
    case 'and': { const l = compileBoolean(e.left, type); const r = compileBoolean(e.right, type); return (d) => l(d) && r(d); }
    case 'or': { const l = compileBoolean(e.left, type); const r = compileBoolean(e.right, type); return (d) => l(d) || r(d); }
    case 'not': { const o = compileBoolean(e.operand, type); return (d) => !o(d); }
    case 'compare': return compileComparison(e, type);
    case 'has': return compileHas(e, type);
    case 'path': {
      const o = operandOf(e, type);
      if (o.kind === 'property' && o.type === 'Boolean') return (d) => o.read(d) === true;
      break;
    }
    case 'literal': if (e.literal === 'boolean') return () => e.value === true; break;
    default: break;
  }
  throw Errors.badQuery(UNSUPPORTED);
}

/** The operand `e`: a property path (`RequiredLevel/Value`, own properties only) or a literal; 400 for anything else. */
function operandOf(e: Expr, type: DefinitionType): Operand {
  if (e.kind === 'literal') return { kind: 'literal', literal: e };
  if (e.kind !== 'path') throw Errors.badQuery(UNSUPPORTED);
  let properties: Readonly<Record<string, PropertyType>> | undefined = type.properties;
  let owner = type.name;
  let t: PropertyType | undefined;
  for (const segment of e.segments) {
    if (!properties || !Object.hasOwn(properties, segment)) throw unknownProperty(segment, owner);
    t = properties[segment]!;
    properties = typeof t === 'object' && 'complex' in t ? t.complex : undefined;
    owner = segment;
  }
  const segments = e.segments;
  return {
    kind: 'property',
    type: t!,
    read: (d) => {
      let value: unknown = d;
      for (const segment of segments) {
        if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return null;
        value = (value as Record<string, unknown>)[segment];
      }
      return value;
    },
  };
}

function describe(o: Operand): string {
  if (o.kind === 'literal') return o.literal.literal === 'enum' ? o.literal.enumType! : o.literal.raw;
  const t = o.type;
  return typeof t === 'string' ? t : 'enum' in t ? `${NAMESPACE}.${t.enum}` : 'a complex type';
}

/**
 * The two sides of a binary operator `e` over `type` with a property on at least one side, each
 * as a reader of the value it compares: a property of the other side's type or a literal of it
 * (literalFor). Throws 400 `incompatible types` when neither side is a property, for collections
 * and complex types, and for sides of different types.
 */
function operands(e: Extract<Expr, { kind: 'compare' | 'has' }>, type: DefinitionType): {
  t: PropertyType; l: (d: Definition) => unknown; r: (d: Definition) => unknown; incompatible: () => ServiceError;
} {
  const left = operandOf(e.left, type);
  const right = operandOf(e.right, type);
  const incompatible = () => Errors.badQuery(`A binary operator with incompatible types was detected. Found operand types '${describe(left)}' and '${describe(right)}' for operator kind '${e.kind === 'has' ? 'Has' : e.op}'.`);
  const property = left.kind === 'property' ? left : right.kind === 'property' ? right : undefined;
  if (!property) throw incompatible();
  const other = property === left ? right : left;
  const t = property.type;
  if (t === 'Collection' || (typeof t === 'object' && 'complex' in t)) throw incompatible();
  const own = comparable(t, property.read);
  let read: (d: Definition) => unknown;
  if (other.kind === 'property') {
    if (JSON.stringify(other.type) !== JSON.stringify(t)) throw incompatible();
    read = comparable(t, other.read);
  } else {
    const value = literalFor(t, other.literal, incompatible);
    read = () => value;
  }
  const [l, r] = property === left ? [own, read] : [read, own];
  return { t, l, r, incompatible };
}

/**
 * Compiles a comparison: a property with a literal of its type (a GUID in any of its forms, an
 * enum member of the property's own enum type, by name or by value, or for a flags enumeration
 * several; null), or two properties of one type. Only numbers, strings and date-times are ordered
 * (gt, ge, lt, le).
 */
function compileComparison(e: Extract<Expr, { kind: 'compare' }>, type: DefinitionType): Predicate {
  const { t, l, r, incompatible } = operands(e, type);
  const ordered = t === 'Int32' || t === 'Number' || t === 'String' || t === 'DateTimeOffset';
  if (e.op !== 'eq' && e.op !== 'ne' && !ordered) throw incompatible();
  const compare = COMPARE[e.op];
  return (d) => compare(l(d), r(d));
}

/**
 * Compiles `left has right` (OData URL Conventions §5.1.1.1.10): true when the flags enumeration
 * value `left` has every flag `right` sets (so `has` a value of 0, `None`, always holds). Throws
 * 400 `incompatible types` unless both sides are of one flags enumeration type (CSDL §10.2.2
 * IsFlags: OwnershipTypes, SecurityTypes).
 */
function compileHas(e: Extract<Expr, { kind: 'has' }>, type: DefinitionType): Predicate {
  const { t, l, r, incompatible } = operands(e, type);
  if (typeof t !== 'object' || !('enum' in t) || !ENUM_FLAGS[t.enum]) throw incompatible();
  return (d) => {
    const [a, b] = [l(d), r(d)];
    return typeof a === 'number' && typeof b === 'number' && (a & b) === b;
  };
}

/**
 * A property reader `read` turned into the values its type compares: a date-time as its instant
 * (instantKey, not its text), a flags enumeration's member name (or names) as its value (flagsValue),
 * anything else as it is; null stays null.
 */
function comparable(t: PropertyType, read: (d: Definition) => unknown): (d: Definition) => unknown {
  if (t === 'DateTimeOffset') return (d) => instantOf(read(d));
  if (typeof t === 'object' && 'enum' in t && ENUM_FLAGS[t.enum]) {
    const members = enumTypeMembers(t.enum);
    return (d) => { const v = read(d); return typeof v === 'string' ? flagsValue(members, v) ?? null : null; };
  }
  return read;
}

/** The instantKey of a DateTimeOffset property's value (null stays null). */
function instantOf(v: unknown): string | null {
  return typeof v === 'string' ? instantKey(v) ?? null : null;
}

/** The value literal `l` stands for when compared with a property of type `t`; throws `incompatible()` when it cannot. */
function literalFor(t: PropertyType, l: Extract<Expr, { kind: 'literal' }>, incompatible: () => Error): unknown {
  if (l.literal === 'null') return null;
  if (typeof t === 'object') {
    if (!('enum' in t) || (l.literal !== 'enum' && l.literal !== 'string')) throw incompatible();
    if (l.literal === 'enum' && l.enumType !== `${NAMESPACE}.${t.enum}` && l.enumType !== `mscrm.${t.enum}`) throw incompatible();
    const members = enumTypeMembers(t.enum);
    // A flags enumeration's literal may combine members (`'UserOwned,TeamOwned'`, `'3'`): compared as its value.
    const name = ENUM_FLAGS[t.enum] ? flagsValue(members, String(l.value)) : enumMember(members, String(l.value));
    if (name === undefined) throw Errors.badQuery(`'${String(l.value)}' is not a member of the enum type '${NAMESPACE}.${t.enum}' (${members.map((m) => `${m.Name} = ${m.Value}`).join(', ')}).`);
    return name;
  }
  switch (t) {
    case 'String': if (l.literal === 'string') return l.value; break;
    case 'Guid': {
      const id = l.literal === 'guid' || l.literal === 'string' ? canonicalGuid(String(l.value)) : undefined;
      if (id) return id;
      break;
    }
    // Metadata numbers are doubles (a BigInt column's MaxValue 2^63 - 1 is 2^63): a whole number
    // past 2^53 is compared as the double nearest it, as they were read.
    case 'Int32': if (l.literal === 'integer') return Number(l.value); break;
    case 'Number': if (l.literal === 'integer' || l.literal === 'decimal') return Number(l.value); break;
    case 'Boolean': if (l.literal === 'boolean') return l.value; break;
    // Any Edm.DateTimeOffset (a year before 1753, fractions of a second), compared by instantKey.
    case 'DateTimeOffset': {
      const at = l.literal === 'datetime' ? instantKey(String(l.value)) : undefined;
      if (at) return at;
      break;
    }
    default: break;
  }
  throw incompatible();
}

/** The comparison operators over checked values (null: equal only to null, never ordered). */
const COMPARE: Readonly<Record<Extract<Expr, { kind: 'compare' }>['op'], (l: unknown, r: unknown) => boolean>> = {
  eq: (l, r) => l === r,
  ne: (l, r) => l !== r,
  gt: (l, r) => l !== null && r !== null && (l as number) > (r as number),
  ge: (l, r) => l !== null && r !== null && (l as number) >= (r as number),
  lt: (l, r) => l !== null && r !== null && (l as number) < (r as number),
  le: (l, r) => l !== null && r !== null && (l as number) <= (r as number),
};
