import { Errors } from '../errors.js';
import { DATE_TIME_MAX, DATE_TIME_MIN } from '../model/date-time-range.js';
import { LANGUAGE_CODE } from '../model/definitions.js';
import { hierarchyOf } from '../model/hierarchy.js';
import { pkOf } from '../model/primary-key.js';
import { ORGANIZATION, SYSTEMUSER, TEAM } from '../model/system-columns.js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';
import { wholeNumber, type Expr } from '../odata/expression.js';
import type { Caller, PlanExpr, Value } from './types.js';
import { compareValue, inValues, type ComparedValue } from './compare.js';
import { membershipOfUsers } from './teams.js';
import { canonicalGuid, literalValue, parseDateTime } from './values.js';
import { fiscalPeriodAt, fiscalPeriodRange, fiscalYearRange, periodsPerYear, shiftFiscalPeriod, type FiscalCalendar } from './fiscal-calendar.js';
import { FISCAL_FUNCTIONS, isFiscalFunction } from './fiscal-functions.js';

/**
 * Dataverse query functions in `$filter` (digest §3.2): `Microsoft.Dynamics.CRM.<Fn>(PropertyName=
 * 'col'[,PropertyValue=v | PropertyValues=[…]])`, turned into plain comparisons. Date ranges are
 * computed in UTC from `now`; weeks start on Sunday (en-US, Dataverse's default).
 */

/**
 * What a query function needs besides its arguments: the caller the user functions compare with
 * (its id, business unit and organization; without one, EqualUserId, EqualBusinessId and the team
 * functions match no row, their negations only rows whose column is null, and EqualUserLanguage
 * compares with 1033 unless it reads the organization's language), now, and the model,
 * whose team membership (teammembership_association) and organization table the team and
 * language functions read in the query's own statement.
 */
export interface QueryFunctionContext {
  readonly caller?: Caller;
  readonly now: Date;
  /** The model, for what a query reaches beyond its table (a lookup's name when ordering by it, the caller's teams). */
  readonly model?: Model;
  /**
   * The organization's fiscal calendar, which the fiscal functions follow; the service reads it
   * for each request whose parsed query names a fiscal function (plan/fiscal-uses.ts,
   * store/organization-fiscal.ts fiscalContext). Without it they are 501.
   */
  readonly fiscal?: FiscalCalendar;
}

type Fn = Extract<Expr, { kind: 'function' }>;

const DAY = 86400000;

/**
 * Canonical UTC text of `ms`. Throws Errors.dateTimeOutOfRange (400 `0x80040239`) when a
 * function's arithmetic (e.g. `OlderThanXYears` with a huge count) lands outside the range a
 * column holds (model/date-time-range.ts: 1753-01-01 … 9999-12-30T23:59:59Z).
 */
function iso(ms: number): string {
  if (!(ms >= DATE_TIME_MIN && ms <= DATE_TIME_MAX)) throw Errors.dateTimeOutOfRange(ms);
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
}

function bad(fn: Fn, text: string): Error {
  return Errors.badQuery(`${fn.name}: ${text}.`);
}

function stringParam(fn: Fn, name: string): string {
  const e = fn.params.get(name);
  if (!e || e.kind !== 'literal' || e.literal !== 'string') throw bad(fn, `the parameter ${name} must be a string literal`);
  return e.value as string;
}

function numberParam(fn: Fn, name: string): number {
  const e = fn.params.get(name);
  const v = e?.kind === 'literal' && (e.literal === 'integer' || (e.literal === 'string' && /^\d+$/.test(String(e.value)))) ? Number(e.value) : NaN;
  if (!Number.isInteger(v) || v < 0) throw bad(fn, `the parameter ${name} must be a whole number of 0 or more`);
  return v;
}

/**
 * A number written as `$filter`'s plain literal writes it, in string form: digits, a fraction and,
 * for Double and Decimal columns (whose plain literals `1e-300` and `8.675E-06` are numbers too;
 * ODL takes exponents for Edm.Decimal since odata.net #1933), an exponent.
 */
const NUMBER_STRING = /^-?\d+(\.\d+)?$/;
const FLOAT_STRING = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * One value of a PropertyValues array as `a`'s canonical value, checked as a `$filter` literal
 * compared with `a` would be, with literalValue's `fraction` (a date-time's sub-second digits, which
 * the comparison must heed as `$filter`'s does). Throws 400 for null, objects, and values of
 * another type.
 */
function literalOf(fn: Fn, entity: EntityModel, a: AttributeModel, v: unknown): ComparedValue {
  const literal = typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'decimal') : typeof v === 'boolean' ? 'boolean' : 'string';
  if (v === null || (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) throw bad(fn, `the value ${JSON.stringify(v)} is not valid for '${a.PropertyName}'`);
  // Values arrive as JSON strings ("5"); numbers in string form are numbers for numeric columns.
  const float = a.EdmType === 'Edm.Double' || a.EdmType === 'Edm.Decimal';
  if (typeof v === 'string' && a.EdmType !== 'Edm.String' && a.EdmType !== 'Edm.Guid' && a.EdmType !== 'Edm.DateTimeOffset' && a.EdmType !== 'Edm.Date' && (float ? FLOAT_STRING : NUMBER_STRING).test(v)) {
    return /^-?\d+$/.test(v) ? literalValue(entity, a, 'integer', wholeNumber(v), 'Equal') : literalValue(entity, a, 'decimal', Number(v), 'Equal');
  }
  return literalValue(entity, a, literal, v, 'Equal');
}

function arrayParam(fn: Fn, entity: EntityModel, a: AttributeModel, name: string, length?: number): ComparedValue[] {
  const e = fn.params.get(name);
  if (!e || e.kind !== 'array') throw bad(fn, `the parameter ${name} must be a JSON array such as ["a","b"]`);
  if (!e.values.length || (length !== undefined && e.values.length !== length)) throw bad(fn, length === undefined ? `${name} must have at least one value` : `${name} must have ${length} values`);
  return e.values.map((v) => literalOf(fn, entity, a, v));
}

function dateColumn(fn: Fn, a: AttributeModel, timeOfDay: boolean): void {
  if (a.EdmType !== 'Edm.DateTimeOffset' && a.EdmType !== 'Edm.Date') throw bad(fn, `'${a.PropertyName}' is not a date column`);
  if (timeOfDay && (a.EdmType === 'Edm.Date' || a.DateTimeBehavior === 'DateOnly')) throw bad(fn, `this function is not valid on the date-only column '${a.PropertyName}'`);
}

/** `from <= column < to`, in the column's own form (dates for Edm.Date). */
function range(a: AttributeModel, from: number | undefined, to: number | undefined, toInclusive = false): PlanExpr {
  const value = (ms: number) => (a.EdmType === 'Edm.Date' ? iso(ms).slice(0, 10) : iso(ms));
  const parts: PlanExpr[] = [];
  // A bound past the instants a column can hold (the day after 9999-12-30, a hundred years before
  // 1753) holds back no value: it is left out rather than compared, which would be out of range.
  // (NaN, from arithmetic that overflows, is kept: iso() refuses it.)
  if (from !== undefined && !(from <= DATE_TIME_MIN)) parts.push({ kind: 'compare', op: 'ge', attribute: a, value: value(from) });
  if (to !== undefined && !(to > DATE_TIME_MAX)) parts.push({ kind: 'compare', op: toInclusive ? 'le' : 'lt', attribute: a, value: value(to) });
  if (!parts.length) return { kind: 'isNull', attribute: a, negate: true };
  return parts.length === 1 ? parts[0]! : { kind: 'and', left: parts[0]!, right: parts[1]! };
}

/**
 * range() of a fiscal year or period (`[from, to)`, either side open when undefined). One that lies
 * wholly outside the instants a column holds (model/date-time-range.ts: a start after
 * 9999-12-30T23:59:59Z, as fiscal year 9999 starting 31 December, or an end at or before
 * 1753-01-01) matches no row, a constant false, rather than a 400 about dates the caller never
 * wrote: it named a fiscal year of 1753 … 9999. Other date functions keep range()'s 400 for a
 * count that leaves the range.
 */
function fiscalRange(a: AttributeModel, from: number | undefined, to: number | undefined): PlanExpr {
  if ((from !== undefined && from > DATE_TIME_MAX) || (to !== undefined && to <= DATE_TIME_MIN)) return { kind: 'const', value: false };
  return range(a, from, to);
}

function not(e: PlanExpr): PlanExpr {
  return { kind: 'not', operand: e };
}

const UNITS: Record<string, (ms: number, n: number) => number> = {
  Minutes: (ms, n) => ms - n * 60000,
  Hours: (ms, n) => ms - n * 3600000,
  Days: (ms, n) => ms - n * DAY,
  Weeks: (ms, n) => ms - n * 7 * DAY,
  Months: (ms, n) => addMonths(ms, -n),
  Years: (ms, n) => addMonths(ms, -12 * n),
};

/**
 * Whether column `a` of `entity` can hold the id of a row of one of `tables` (systemuser, team):
 * an owner column, a lookup to one of them, or the primary key of such a table.
 */
function holdsPrincipal(entity: EntityModel, a: AttributeModel, tables: readonly string[]): boolean {
  if (a.AttributeType === 'Owner') return true;
  if (a.AttributeType === 'Lookup') return a.Targets.some((t) => tables.includes(t));
  return a === pkOf(entity) && tables.includes(entity.LogicalName);
}

/**
 * EqualUserTeams / EqualUserOrUserTeams (FetchXML eq-userteams, eq-useroruserteams; Dataverse's
 * condition operators reference: "The record is owned by a user or teams that the user is a member
 * of", data type Owner): `a` holds one of the teams the caller is a member of, or with `orUser` the
 * caller itself. The teams are read in the query's statement, a subquery over the membership's
 * intersect table (`a IN (SELECT teamid FROM teammembership WHERE systemuserid = <caller>)`), so
 * any member, the anonymous built-in user included, needs no read before it and no privilege on
 * teams. Valid on owner columns, and on lookups (and primary keys) that hold team ids (with
 * `orUser`, user ids too); another column is 400, as EqualUserId's wrong column is. Without a team
 * table the caller has no team.
 */
function userTeams(fn: Fn, entity: EntityModel, a: AttributeModel, ctx: QueryFunctionContext, orUser: boolean): PlanExpr {
  if (!holdsPrincipal(entity, a, orUser ? [SYSTEMUSER, TEAM] : [TEAM])) throw bad(fn, `'${a.PropertyName}' is not an owner column or a lookup to ${orUser ? 'users or teams' : 'teams'}`);
  const me = ctx.caller?.systemuserid;
  if (me === undefined) return { kind: 'const', value: false };
  const users = ctx.model?.byLogicalName.get(SYSTEMUSER);
  const membership = users && membershipOfUsers(users);
  const teams: PlanExpr = membership
    ? { kind: 'inSelect', attribute: a, table: membership.intersect.entity, select: membership.intersect.other, where: { kind: 'compare', op: 'eq', attribute: membership.intersect.own, value: me } }
    : { kind: 'const', value: false };
  return orUser ? { kind: 'or', left: { kind: 'compare', op: 'eq', attribute: a, value: me }, right: teams } : teams;
}

/**
 * The users the caller manages, itself included: the rows of the user table `users` at most
 * HIERARCHY_MAX_DEPTH levels below the caller `me` in its hierarchical relationship (Dataverse's
 * manager hierarchy, systemuser.parentsystemuserid), as a condition that `column` holds one of their
 * ids: an `inSelect` of the user table's keys whose condition is the `hierarchy` walk from the
 * caller, read in the query's statement. Undefined when the user table has no hierarchy.
 */
function usersManagedBy(users: EntityModel, me: string, column: AttributeModel): PlanExpr | undefined {
  const relationship = hierarchyOf(users);
  if (!relationship) return undefined;
  const walk: PlanExpr = { kind: 'hierarchy', relationship, id: me, direction: 'under', orEqual: true };
  return { kind: 'inSelect', attribute: column, table: users, select: pkOf(users), where: walk };
}

/**
 * EqualUserOrUserHierarchy / EqualUserOrUserHierarchyAndTeams (FetchXML eq-useroruserhierarchy,
 * eq-useroruserhierarchyandteams; Dataverse "Query hierarchical data", condition operators
 * OwnedByMeOrMyReports and its teams variant): `a` holds the caller or a user below it in the
 * manager hierarchy (usersManagedBy, at most HIERARCHY_MAX_DEPTH levels down: Dataverse's
 * hierarchy security depth is an organization setting, Tessera takes the hierarchy functions'
 * bound), and with `teams` also a team one of those users (the caller included) is a member of,
 * read through teammembership as userTeams does. The same columns as EqualUserOrUserTeams are
 * valid (400 otherwise); without a caller no row matches; a user table without a hierarchical
 * relationship leaves the caller alone (and its teams).
 */
function userHierarchy(fn: Fn, entity: EntityModel, a: AttributeModel, ctx: QueryFunctionContext, teams: boolean): PlanExpr {
  if (!holdsPrincipal(entity, a, teams ? [SYSTEMUSER, TEAM] : [SYSTEMUSER])) throw bad(fn, `'${a.PropertyName}' is not an owner column or a lookup to ${teams ? 'users or teams' : 'users'}`);
  const me = ctx.caller?.systemuserid;
  if (me === undefined) return { kind: 'const', value: false };
  const users = ctx.model?.byLogicalName.get(SYSTEMUSER);
  const managed = (column: AttributeModel): PlanExpr => (users && usersManagedBy(users, me, column)) ?? { kind: 'compare', op: 'eq', attribute: column, value: me };
  const own = managed(a);
  const membership = teams && users ? membershipOfUsers(users) : undefined;
  if (!membership) return own;
  const intersect = membership.intersect;
  const theirTeams: PlanExpr = { kind: 'inSelect', attribute: a, table: intersect.entity, select: intersect.other, where: managed(intersect.own) };
  return { kind: 'or', left: own, right: theirTeams };
}

/**
 * EqualUserLanguage (FetchXML eq-userlanguage: "The value is equal to the language for the user",
 * data type Number): `a`, a number column (not a choice), equals the caller's user-interface
 * language. Tessera keeps no usersettings, so that is the organization's language: its row's
 * `languagecode`, read in the statement, when the model's organization table has that column (a
 * null one matches no row), else 1033 (LANGUAGE_CODE, English), Dataverse's default; Dataverse keeps each user's
 * uilanguageid in usersettings, which defaults to the organization's language.
 */
function userLanguage(fn: Fn, a: AttributeModel, ctx: QueryFunctionContext): PlanExpr {
  if (!['Integer', 'BigInt', 'Decimal', 'Double', 'Money'].includes(a.AttributeType)) throw bad(fn, `'${a.PropertyName}' is not a number column`);
  const organization = ctx.model?.byLogicalName.get(ORGANIZATION);
  const language = organization?.attributesByName.get('languagecode');
  if (!organization || language?.AttributeType !== 'Integer') return { kind: 'compare', op: 'eq', attribute: a, value: LANGUAGE_CODE };
  if (!ctx.caller) return { kind: 'const', value: false };
  return { kind: 'inSelect', attribute: a, table: organization, select: language, where: { kind: 'compare', op: 'eq', attribute: pkOf(organization), value: ctx.caller.organizationid } };
}

/**
 * `a` equals (`equal`) or does not equal `value`, a value of the caller (EqualUserId, EqualBusinessId
 * and their negations; Unique Identifier columns, any Edm.Guid one). The negation keeps null
 * columns, as `ne` does (compareValue: a null value is not equal to any value); Dataverse does not
 * document its null handling for NotEqualUserId and NotEqualBusinessId.
 */
function callerId(fn: Fn, a: AttributeModel, value: string | undefined, equal: boolean): PlanExpr {
  if (a.EdmType !== 'Edm.Guid') throw bad(fn, `'${a.PropertyName}' is not a lookup or id column`);
  const me: PlanExpr = { kind: 'compare', op: 'eq', attribute: a, value: value ?? null };
  return equal ? me : { kind: 'or', left: not(me), right: { kind: 'isNull', attribute: a, negate: false } };
}

/**
 * Under, UnderOrEqual, Above, AboveOrEqual and NotUnder (FetchXML under, eq-or-under, above,
 * eq-or-above, not-under; Dataverse "Query hierarchical data"): the row is below (a descendant),
 * above (an ancestor) or, with OrEqual, also is the row whose primary key is PropertyValue, in
 * `entity`'s hierarchical relationship (model/hierarchy.ts), at most 100 levels away; NotUnder is
 * every row not below it (the row itself, rows of other trees and rows without a parent
 * included). PropertyName must name the primary key and PropertyValue be a GUID (quoted or
 * not, braces allowed); a table without a hierarchical relationship, another column or another
 * value is 400.
 */
function hierarchy(fn: Fn, entity: EntityModel, a: AttributeModel, name: string): PlanExpr {
  const relationship = hierarchyOf(entity);
  if (!relationship) throw bad(fn, `the table '${entity.LogicalName}' has no hierarchical relationship`);
  if (a !== pkOf(entity)) throw bad(fn, `'${a.PropertyName}' is not the primary key of '${entity.LogicalName}'; the hierarchy functions compare its primary key '${pkOf(entity).PropertyName}'`);
  const e = fn.params.get('PropertyValue');
  const id = e?.kind === 'literal' && (e.literal === 'guid' || e.literal === 'string') ? canonicalGuid(String(e.value)) : undefined;
  if (id === undefined) throw bad(fn, 'PropertyValue must be the GUID of a row');
  const walk: PlanExpr = { kind: 'hierarchy', relationship, id, direction: name.startsWith('Above') ? 'above' : 'under', orEqual: name.endsWith('OrEqual') };
  return name === 'NotUnder' ? not(walk) : walk;
}

/**
 * The value parameters query function `name` (without its namespace) takes besides PropertyName,
 * in order (none for Today, EqualUserId …; the fiscal ones as FISCAL_FUNCTIONS lists them). FetchXML
 * operators take their `<value>`s as these (plan/fetch.ts).
 */
export function valueParameters(name: string): readonly string[] {
  if (/^(In|NotIn|ContainValues|DoesNotContainValues|Between|NotBetween)$/.test(name)) return ['PropertyValues'];
  if (isFiscalFunction(name)) return FISCAL_FUNCTIONS[name]!.parameters;
  if (/^(On|OnOrAfter|OnOrBefore|Above|AboveOrEqual|Under|UnderOrEqual|NotUnder)$/.test(name) || /^(Last|Next|OlderThan)X/.test(name)) return ['PropertyValue'];
  return [];
}

/**
 * A fiscal year number parameter `name` of `fn`: a whole number from 1753 to 9999, the years a
 * date column holds (400 otherwise, as a wrong parameter is).
 */
function fiscalYear(fn: Fn, name: string): number {
  const n = numberParam(fn, name);
  if (n < 1753 || n > 9999) throw bad(fn, `a fiscal year (${name}) must be from 1753 to 9999`);
  return n;
}

/**
 * The most fiscal periods (of any template) between two dates a column holds: a count of
 * LastX/NextX fiscal years or periods past it reaches past them all, so it is taken as this one,
 * which matches the same rows and keeps the date arithmetic in range.
 */
const MOST_FISCAL_PERIODS = (9999 - 1753 + 2) * 13;

/**
 * The fiscal functions (Dataverse Web API Query Function reference; FetchXML condition operators
 * this-fiscal-year … next-x-fiscal-periods: "uses the organization's fiscal year settings"), from
 * the fiscal calendar `ctx.fiscal` (plan/fiscal-calendar.ts), computed in UTC from `ctx.now` as
 * the other date functions are. Ranges `start <= a < end`: This/Last/NextFiscalYear and …Period
 * the fiscal year or period now falls in, the one before or after it;
 * LastXFiscalYears/Periods(PropertyValue=x) the x fiscal years or periods before the current one
 * (which is left out, so that x = 1 is LastFiscalYear/Period), NextX… the x after it (Dataverse's
 * reference says "within the last X fiscal periods" and no more; not confirmed against a live
 * Dataverse); InFiscalYear(PropertyValue=y) fiscal year y (by its name, fiscalyeardisplaycode);
 * InFiscalPeriodAndYear(PropertyValue1=p, PropertyValue2=y) its period p, InOrBefore… everything
 * before that period's end, InOrAfter… everything from its start. InFiscalPeriod(PropertyValue=p)
 * is period p of every fiscal year, a `fiscalPeriod` condition the database computes for each row.
 * A period past the template's (or 0) matches no row, as Dataverse's FetchXML operator reference
 * says of in-fiscal-period and in-fiscal-period-and-year ("the value supplied is therefore out of
 * range"). Throws 400 (`0x80060888`) for a number that is no whole number, an x below 1, a year
 * outside 1753 … 9999 (the years a date column holds) or a column that is no date; 501 without a
 * calendar in `ctx`.
 */
function planFiscal(fn: Fn, name: string, a: AttributeModel, ctx: QueryFunctionContext): PlanExpr {
  dateColumn(fn, a, false);
  const c = ctx.fiscal;
  if (!c) throw Errors.notImplemented(`The query function '${fn.name}' here (the organization's fiscal year settings are not read for it)`);
  const current = fiscalPeriodAt(c, ctx.now.getTime());
  const relative = /^(This|Last|Next)(X?)Fiscal(Year|Period)s?$/.exec(name);
  if (relative) {
    const [, which, x, unit] = relative as unknown as [string, string, string, string];
    const count = x ? numberParam(fn, 'PropertyValue') : 1;
    if (count < 1) throw bad(fn, 'the number of fiscal periods or years (PropertyValue) must be at least 1');
    const n = Math.min(count, MOST_FISCAL_PERIODS);
    // The first and last years or periods of the span, counted from the current one.
    const [first, last] = which === 'This' ? [0, 0] : which === 'Last' ? [-n, -1] : [1, n];
    if (unit === 'Year') return fiscalRange(a, fiscalYearRange(c, current.year + first)[0], fiscalYearRange(c, current.year + last)[1]);
    return fiscalRange(a, fiscalPeriodRange(c, shiftFiscalPeriod(c, current, first))[0], fiscalPeriodRange(c, shiftFiscalPeriod(c, current, last))[1]);
  }
  if (name === 'InFiscalYear') {
    const [from, to] = fiscalYearRange(c, fiscalYear(fn, 'PropertyValue'));
    return fiscalRange(a, from, to);
  }
  const period = numberParam(fn, name === 'InFiscalPeriod' ? 'PropertyValue' : 'PropertyValue1');
  const year = name === 'InFiscalPeriod' ? undefined : fiscalYear(fn, 'PropertyValue2');
  if (period < 1 || period > periodsPerYear(c)) return { kind: 'const', value: false };
  if (year === undefined) return { kind: 'fiscalPeriod', attribute: a, calendar: c, period };
  const [from, to] = fiscalPeriodRange(c, { year, period });
  if (name === 'InOrBeforeFiscalPeriodAndYear') return fiscalRange(a, undefined, to);
  return name === 'InOrAfterFiscalPeriodAndYear' ? fiscalRange(a, from, undefined) : fiscalRange(a, from, to);
}

/**
 * Refuses a parameter the function does not declare (`Today(PropertyName='x',PropertyValue=1)`,
 * `In(…,PropertyValue=[…])`), as OData's binder does: no overload of the function takes those
 * names. Functions this service does not know are left to the caller's own error.
 */
function checkParameterNames(fn: Fn, name: string): void {
  if (/^(In|NotIn|ContainValues|DoesNotContainValues|Between|NotBetween|On|OnOrAfter|OnOrBefore|Today|Yesterday|Tomorrow|(This|Last|Next)(Week|Month|Year)|Last7Days|Next7Days|EqualUserId|NotEqualUserId|EqualUserTeams|EqualUserOrUserTeams|EqualUserOrUserHierarchy|EqualUserOrUserHierarchyAndTeams|EqualBusinessId|NotEqualBusinessId|EqualUserLanguage|Above|AboveOrEqual|Under|UnderOrEqual|NotUnder|OlderThanXMinutes|(Last|Next|OlderThan)X(Hours|Days|Weeks|Months|Years))$/.test(name) === false && !isFiscalFunction(name)) return;
  const declared = ['PropertyName', ...valueParameters(name)];
  if ([...fn.params.keys()].some((p) => !declared.includes(p))) {
    const signature = `${fn.name}(${declared.join(',')})`;
    throw Errors.badQuery(`No function signature for the function with name '${fn.name}' matches the specified arguments. The function signatures considered are: ${signature}.`);
  }
}

/**
 * Plans one query function on `entity`. Throws 400 for an unknown function, unknown property,
 * wrong parameter, a function on a column of a type it does not take (a time-of-day function on a
 * date-only column, EqualUserTeams on a string…); 501 for a fiscal function planned without the
 * organization's fiscal calendar (planFiscal).
 */
export function planQueryFunction(entity: EntityModel, fn: Fn, ctx: QueryFunctionContext, resolve: (name: string) => AttributeModel): PlanExpr {
  const name = fn.name.replace(/^(Microsoft\.Dynamics\.CRM|mscrm)\./, '');
  if (name === fn.name) throw Errors.badQuery(`'${fn.name}' is not a known function.`);
  checkParameterNames(fn, name);
  const a = resolve(stringParam(fn, 'PropertyName'));
  const now = ctx.now.getTime();
  const today = startOfDay(now);
  const dayOfWeek = new Date(today).getUTCDay();
  const month = (ms: number) => Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth(), 1);
  const year = (ms: number) => Date.UTC(new Date(ms).getUTCFullYear(), 0, 1);
  switch (name) {
    case 'In': case 'NotIn': case 'ContainValues': case 'DoesNotContainValues': {
      const values = arrayParam(fn, entity, a, name.includes('Contain') ? 'PropertyValues' : 'PropertyValues');
      const e = inValues(a, values);
      return name === 'In' || name === 'ContainValues' ? e : not(e);
    }
    case 'Between': case 'NotBetween': {
      const [low, high] = arrayParam(fn, entity, a, 'PropertyValues', 2);
      const e: PlanExpr = { kind: 'and', left: compareValue(a, 'ge', low!.value, low!.fraction), right: compareValue(a, 'le', high!.value, high!.fraction) };
      return name === 'Between' ? e : not(e);
    }
    case 'On': case 'OnOrAfter': case 'OnOrBefore': {
      dateColumn(fn, a, false);
      const e = fn.params.get('PropertyValue');
      const text = e?.kind === 'literal' && e.value !== null ? String(e.value) : '';
      // A real calendar day: Date.parse takes 2024-02-30 for March 1st.
      // A date, or a date-time whose day counts (its time must be a valid one too).
      const valid = /^\d{4}-\d{2}-\d{2}$/.test(text) || (text.length > 10 && parseDateTime(text) !== undefined);
      const parsed = valid ? parseDateTime(`${text.slice(0, 10)}T00:00:00Z`) : undefined;
      if (!parsed) throw bad(fn, 'PropertyValue must be a date (YYYY-MM-DD)');
      const day = Date.parse(parsed.utc);
      if (name === 'On') return range(a, day, day + DAY);
      return name === 'OnOrAfter' ? range(a, day, undefined) : range(a, undefined, day + DAY);
    }
    case 'Today': dateColumn(fn, a, false); return range(a, today, today + DAY);
    case 'Yesterday': dateColumn(fn, a, false); return range(a, today - DAY, today);
    case 'Tomorrow': dateColumn(fn, a, false); return range(a, today + DAY, today + 2 * DAY);
    case 'ThisWeek': dateColumn(fn, a, false); return range(a, today - dayOfWeek * DAY, today + (7 - dayOfWeek) * DAY);
    case 'LastWeek': dateColumn(fn, a, false); return range(a, today - (dayOfWeek + 7) * DAY, today - dayOfWeek * DAY);
    case 'NextWeek': dateColumn(fn, a, false); return range(a, today + (7 - dayOfWeek) * DAY, today + (14 - dayOfWeek) * DAY);
    case 'ThisMonth': dateColumn(fn, a, false); return range(a, month(now), addMonths(month(now), 1));
    case 'LastMonth': dateColumn(fn, a, false); return range(a, addMonths(month(now), -1), month(now));
    case 'NextMonth': dateColumn(fn, a, false); return range(a, addMonths(month(now), 1), addMonths(month(now), 2));
    case 'ThisYear': dateColumn(fn, a, false); return range(a, year(now), addMonths(year(now), 12));
    case 'LastYear': dateColumn(fn, a, false); return range(a, addMonths(year(now), -12), year(now));
    case 'NextYear': dateColumn(fn, a, false); return range(a, addMonths(year(now), 12), addMonths(year(now), 24));
    case 'Last7Days': dateColumn(fn, a, false); return range(a, today - 7 * DAY, now, true);
    case 'Next7Days': dateColumn(fn, a, false); return range(a, now, today + 8 * DAY);
    case 'EqualUserId': case 'NotEqualUserId': return callerId(fn, a, ctx.caller?.systemuserid, name === 'EqualUserId');
    case 'EqualBusinessId': case 'NotEqualBusinessId': return callerId(fn, a, ctx.caller?.businessunitid, name === 'EqualBusinessId');
    case 'EqualUserTeams': case 'EqualUserOrUserTeams': return userTeams(fn, entity, a, ctx, name === 'EqualUserOrUserTeams');
    case 'EqualUserOrUserHierarchy': case 'EqualUserOrUserHierarchyAndTeams': return userHierarchy(fn, entity, a, ctx, name.endsWith('AndTeams'));
    case 'EqualUserLanguage': return userLanguage(fn, a, ctx);
    case 'Above': case 'AboveOrEqual': case 'Under': case 'UnderOrEqual': case 'NotUnder': return hierarchy(fn, entity, a, name);
    default: break;
  }
  const timed = /^(Last|Next|OlderThan)X(Minutes|Hours|Days|Weeks|Months|Years)$/.exec(name);
  if (timed) {
    const [, which, unit] = timed as unknown as [string, string, string];
    if (which !== 'OlderThan' && unit === 'Minutes') throw Errors.badQuery(`'${fn.name}' is not a known function.`);
    dateColumn(fn, a, unit === 'Minutes' || unit === 'Hours');
    const n = numberParam(fn, 'PropertyValue');
    const back = UNITS[unit]!;
    const dayBased = unit !== 'Minutes' && unit !== 'Hours';
    if (which === 'OlderThan') return range(a, undefined, back(dayBased ? today : now, n));
    if (which === 'Last') return range(a, back(dayBased ? today : now, n), now, true);
    return range(a, now, dayBased ? back(today + DAY, -n) : back(now, -n), !dayBased);
  }
  if (isFiscalFunction(name)) return planFiscal(fn, name, a, ctx);
  throw Errors.badQuery(`'${fn.name}' is not a known function.`);
}
