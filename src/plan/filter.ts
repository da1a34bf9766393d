import { Errors } from '../errors.js';
import { PRINCIPAL_KEY, PRINCIPAL_TABLES } from '../model/system-columns.js';
import type { AttributeModel, EntityModel, NavigationPropertyModel } from '../model/types.js';
import type { CompareOp, Expr } from '../odata/expression.js';
import type { ColumnPath, PlanExpr, Value } from './types.js';
import { compareValue, odataNot } from './compare.js';
import { literalValue } from './values.js';
import { planQueryFunction, type QueryFunctionContext } from './query-functions.js';

/**
 * Resolves a parsed `$filter` against a table into a typed PlanExpr (digest §3.2):
 * comparisons between a column and a literal or two columns, `and`/`or`/`not`, `eq null`,
 * and the three string functions Dataverse supports, turned into case-insensitive LIKE with the
 * user's text read as Dataverse reads it (likePattern).
 */

const FLIP: Record<CompareOp, CompareOp> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };
const OP_KIND: Record<CompareOp, string> = { eq: 'Equal', ne: 'NotEqual', gt: 'GreaterThan', ge: 'GreaterThanOrEqual', lt: 'LessThan', le: 'LessThanOrEqual' };
const STRING_FUNCTIONS = new Set(['contains', 'startswith', 'endswith']);

/**
 * The LIKE pattern (the SQL uses `ESCAPE '\'`) of a Dataverse string condition's text, read as
 * Dataverse reads it ("Use wildcard characters in conditions for string values": contains,
 * startswith, endswith, FetchXML like, begins-with, ends-with and their negations): `%` and `_`
 * are wildcards, and a character in brackets is itself (`[%]`, `[_]`, `[[]`). Throws 501 for a
 * character class (`[a-c]`, `[^a]`), which only SQL Server's LIKE reads; `where` names the
 * condition.
 */
export function likePattern(text: string, where: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '[') {
      const close = text.indexOf(']', i + 2);
      if (close !== i + 2) throw Errors.notImplemented(`Character classes ([…]) in ${where}`);
      // Escaped when LIKE could read it otherwise (SQL Server reads `[` too).
      out += /[\\%_[]/.test(text[i + 1]!) ? `\\${text[i + 1]}` : text[i + 1];
      i = close;
    } else out += c === '\\' ? '\\\\' : c;
  }
  return out;
}

/**
 * Finds the attribute a property name in a query option refers to. Throws 400 "Could not find a
 * property named …" for unknown names (including lookup navigation properties, which cannot be
 * used as values — select or filter `_x_value` instead, digest §1.5).
 */
export function resolveProperty(entity: EntityModel, name: string): AttributeModel {
  const a = entity.attributesByProperty.get(name) ?? principalKey(entity, name);
  if (!a) throw Errors.propertyNotFound(name, entity.LogicalName);
  return a;
}

/**
 * On a user or team table (PRINCIPAL_TABLES), `ownerid`, the key its `$metadata` type inherits
 * from principal: the row's own primary key (a user's ownerid is its systemuserid), for
 * `$select=ownerid` and `$filter=ownerid eq …`; undefined otherwise.
 */
function principalKey(entity: EntityModel, name: string): AttributeModel | undefined {
  return name === PRINCIPAL_KEY && PRINCIPAL_TABLES.has(entity.LogicalName) ? entity.attributesByName.get(entity.PrimaryIdAttribute) : undefined;
}

/**
 * The column a query function's `PropertyName` names: a property (`_ownerid_value`), or as
 * Dataverse's own samples write it, a column's logical name (`ownerid`), the attribute of the query
 * condition the function becomes. Throws 400 "Could not find a property named …" for neither.
 */
function queryFunctionColumn(entity: EntityModel, name: string): AttributeModel {
  const a = entity.attributesByProperty.get(name) ?? entity.attributesByName.get(name);
  if (!a || !entity.attributesByProperty.has(a.PropertyName)) throw Errors.propertyNotFound(name, entity.LogicalName);
  return a;
}

/**
 * Resolves a property path (`statuscode`, `createdby/fullname`) on `entity`: every segment but the
 * last must be a single-valued navigation property, the last a readable column of the table reached.
 * Throws 400 "Could not find a property named …" for unknown names, and 400 for a collection-valued
 * navigation property on the way.
 */
export function resolveChain(entity: EntityModel, e: Extract<Expr, { kind: 'path' }>): ColumnPath {
  const navs: NavigationPropertyModel[] = [];
  let current = entity;
  for (const segment of e.segments.slice(0, -1)) {
    const nav = current.navigation.get(segment);
    if (!nav) throw Errors.propertyNotFound(segment, current.LogicalName);
    if (nav.kind !== 'single') throw Errors.badQuery(`'${segment}' is a collection; use ${segment}/any(x: …) or ${segment}/all(x: …) to filter on it.`);
    navs.push(nav);
    current = nav.target;
  }
  return { navs, attribute: resolveProperty(current, e.segments[e.segments.length - 1]!) };
}

/** Wraps a condition on the last table of a chain into EXISTS over each navigation property. */
function across(navs: readonly NavigationPropertyModel[], leaf: PlanExpr): PlanExpr {
  return navs.reduceRight<PlanExpr>((where, navigation) => ({ kind: 'exists', navigation, where }), leaf);
}

/** Rewrites the paths of a lambda body (`c/name`) to paths on the lambda's table (`name`). */
function stripVariable(e: Expr, variable: string): Expr {
  switch (e.kind) {
    case 'path':
      if (e.segments[0] !== variable || e.segments.length < 2) throw Errors.badQuery(`Inside a lambda, properties must be reached through its variable ('${variable}/…'); '${e.segments.join('/')}' is not.`);
      return { ...e, segments: e.segments.slice(1) };
    case 'compare': return { ...e, left: stripVariable(e.left, variable), right: stripVariable(e.right, variable) };
    case 'and': case 'or': return { ...e, left: stripVariable(e.left, variable), right: stripVariable(e.right, variable) };
    case 'not': return { ...e, operand: stripVariable(e.operand, variable) };
    case 'call': return { ...e, args: e.args.map((a) => stripVariable(a, variable)) };
    case 'lambda':
      if (e.path[0] !== variable || e.path.length < 2) throw Errors.badQuery(`Inside a lambda, properties must be reached through its variable ('${variable}/…').`);
      return { ...e, path: e.path.slice(1) };
    default: return e;
  }
}

function lambda(entity: EntityModel, e: Extract<Expr, { kind: 'lambda' }>, ctx: QueryFunctionContext): PlanExpr {
  const navs: NavigationPropertyModel[] = [];
  let current = entity;
  e.path.forEach((segment, i) => {
    const nav = current.navigation.get(segment);
    if (!nav) throw Errors.propertyNotFound(segment, current.LogicalName);
    const last = i === e.path.length - 1;
    if (last !== (nav.kind === 'collection')) {
      throw Errors.badQuery(last ? `'${segment}' is not a collection-valued navigation property; any/all need one.` : 'A lambda on a collection under a lookup path is not supported.');
    }
    navs.push(nav);
    current = nav.target;
  });
  const collection = navs.pop()!;
  const body = e.body && e.variable ? booleanOperand(collection.target, stripVariable(e.body, e.variable), ctx) : undefined;
  const test: PlanExpr = e.op === 'any'
    ? { kind: 'exists', navigation: collection, where: body }
    : { kind: 'not', operand: { kind: 'exists', navigation: collection, where: odataNot(body!) } };
  return across(navs, test);
}

function compareLiteral(entity: EntityModel, a: AttributeModel, op: CompareOp, lit: Extract<Expr, { kind: 'literal' }>): PlanExpr {
  if (lit.value === null) {
    if (op === 'eq' || op === 'ne') return { kind: 'isNull', attribute: a, negate: op === 'ne' };
    return { kind: 'const', value: false };
  }
  const { value, fraction } = literalValue(entity, a, lit.literal, lit.value, OP_KIND[op]);
  return compareValue(a, op, value, fraction);
}

function stringFunction(entity: EntityModel, e: Extract<Expr, { kind: 'call' }>): PlanExpr {
  const [target, arg] = e.args;
  if (e.args.length !== 2 || target?.kind !== 'path' || arg?.kind !== 'literal' || arg.literal !== 'string') {
    throw Errors.badQuery(`The function '${e.name}' takes a string column and a string literal: ${e.name}(column,'text').`);
  }
  const { navs, attribute: a } = resolveChain(entity, target);
  if (a.EdmType !== 'Edm.String') throw Errors.badQuery(`The function '${e.name}' needs a string column; '${a.PropertyName}' is ${a.EdmType}.`);
  if (String(arg.value).includes('\u0000')) throw Errors.badQuery('A string literal in $filter contains the NUL character.');
  const text = likePattern(String(arg.value), `${e.name}()`);
  const pattern = e.name === 'contains' ? `%${text}%` : e.name === 'startswith' ? `${text}%` : `%${text}`;
  return across(navs, { kind: 'like', attribute: a, pattern });
}

function unsupportedFunction(name: string): Error {
  if (name.startsWith('Microsoft.Dynamics.CRM.')) return Errors.notImplemented(`The query function '${name}'`);
  return Errors.badQuery(`The function '${name}' is not supported in $filter; only contains, startswith and endswith are.`);
}

function booleanOperand(entity: EntityModel, e: Expr, ctx: QueryFunctionContext): PlanExpr {
  switch (e.kind) {
    case 'and': case 'or':
      return { kind: e.kind, left: booleanOperand(entity, e.left, ctx), right: booleanOperand(entity, e.right, ctx) };
    case 'not':
      if (e.operand.kind === 'function') throw Errors.badQuery('Not operator along with the Custom Named Condition operators is not allowed');
      return odataNot(booleanOperand(entity, e.operand, ctx));
    case 'function':
      return planQueryFunction(entity, e, ctx, (name) => queryFunctionColumn(entity, name));
    case 'array':
      throw Errors.badQuery('A JSON array is only valid as a query function parameter.');
    case 'compare':
      return comparison(entity, e, ctx);
    case 'call':
      if (STRING_FUNCTIONS.has(e.name)) return stringFunction(entity, e);
      throw unsupportedFunction(e.name);
    case 'literal':
      if (e.literal === 'boolean') return { kind: 'const', value: e.value as boolean };
      throw Errors.badQuery(`The $filter expression must be a boolean condition; '${e.raw}' is not.`);
    case 'path': {
      const { navs, attribute: a } = resolveChain(entity, e);
      if (a.EdmType !== 'Edm.Boolean') throw Errors.badQuery(`The $filter expression must be a boolean condition; '${a.PropertyName}' is ${a.EdmType}.`);
      return across(navs, { kind: 'compare', op: 'eq', attribute: a, value: true });
    }
    case 'lambda':
      return lambda(entity, e, ctx);
    case 'has':
      // Choices are Edm.Int32 (multi-select ones have ContainValues): no column is an enumeration.
      throw Errors.badQuery("The 'has' operator applies to enumeration flags, which only the metadata entity types have; it is not supported in a table's $filter.");
  }
}

function comparison(entity: EntityModel, e: Extract<Expr, { kind: 'compare' }>, ctx: QueryFunctionContext): PlanExpr {
  let { left, right, op } = e;
  if (left.kind === 'function' || right.kind === 'function') throw Errors.badQuery('A query function is a condition by itself; it cannot be compared with a value.');
  if (left.kind === 'literal' && right.kind !== 'literal') { [left, right] = [right, left]; op = FLIP[op]; }
  if (left.kind === 'call' && right.kind === 'literal' && right.literal === 'boolean' && (op === 'eq' || op === 'ne')) {
    const fn = booleanOperand(entity, left, ctx);
    return (right.value === true) === (op === 'eq') ? fn : { kind: 'not', operand: fn };
  }
  if (left.kind === 'call' && !STRING_FUNCTIONS.has(left.name)) throw unsupportedFunction(left.name);
  if (left.kind !== 'path') throw Errors.badQuery(`The left side of '${op}' must be a column (position ${e.pos}).`);
  const chain = resolveChain(entity, left);
  const a = chain.attribute;
  if (right.kind === 'literal') return across(chain.navs, compareLiteral(chain.navs.length ? chain.navs[chain.navs.length - 1]!.target : entity, a, op, right));
  if (right.kind === 'path') {
    const other = resolveChain(entity, right);
    if (chain.navs.length || other.navs.length) throw Errors.badQuery('Columns compared with each other must belong to the same table.');
    const b = other.attribute;
    if (a.EdmType !== b.EdmType) throw Errors.badQuery(`A binary operator with incompatible types was detected. Found operand types '${a.EdmType}' and '${b.EdmType}' for operator kind '${OP_KIND[op]}'.`);
    return { kind: 'compareColumns', op, left: a, right: b };
  }
  throw Errors.badQuery(`The right side of '${op}' must be a literal or a column (position ${e.pos}).`);
}

/**
 * Resolves a whole `$filter`. `ctx` gives query functions the caller (EqualUserId) and the current
 * time (date ranges). Throws ServiceError 400/501 as described on the helpers above.
 */
export function planFilter(entity: EntityModel, e: Expr, ctx: QueryFunctionContext = { now: new Date() }): PlanExpr {
  return booleanOperand(entity, e, ctx);
}
