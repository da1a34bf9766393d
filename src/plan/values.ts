import { Errors, ServiceError } from '../errors.js';
import type { AttributeModel, EdmType, EntityModel } from '../model/types.js';
import { DATE_TIME_MAX, DATE_TIME_MAX_TEXT, DATE_TIME_MIN, DATE_TIME_MIN_TEXT } from '../model/date-time-range.js';
import { wholeNumber, type LiteralKind } from '../odata/expression.js';
import type { Value } from './types.js';

/**
 * Value checking and coercion for one attribute, shared by request bodies and `$filter` literals.
 * Canonical forms: GUIDs lower case without braces; DateTimeOffset `YYYY-MM-DDTHH:MM:SSZ` in UTC
 * without fractional seconds (digest §1.4, §11.5); Date `YYYY-MM-DD`.
 */

/** String.prototype.isWellFormed (ES2024, in Node 20), which this project's TypeScript lib does not declare yet. */
type WellFormed = string & { isWellFormed(): boolean };

const GUID = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;


/** Returns the canonical lower-case GUID, or undefined when `text` is not a GUID. */
export function canonicalGuid(text: string): string | undefined {
  const m = GUID.exec(text.trim());
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * Parses an ISO 8601 date or date-time (offset optional: none means UTC, digest §1.4) into
 * `{ utc, fraction }`: the canonical UTC text to whole seconds and whether sub-second digits
 * were dropped. Returns undefined when unreadable; throws Errors.dateTimeOutOfRange (400
 * `0x80040239`) when outside the range a column holds (model/date-time-range.ts, 1753-01-01 …
 * 9999-12-30T23:59:59Z, the bounds EntityDefinitions reports), fractions of the last second included.
 */
export function parseDateTime(text: string): { utc: string; fraction: boolean } | undefined {
  if (isUtcSeconds(text)) {
    // `YYYY-MM-DDTHH:MM:SSZ` is canonical already; `…SS.fffZ` is what JavaScript's toISOString sends.
    if (text.length === 20 && text.charCodeAt(19) === 90 /* Z */) return withinRange({ utc: text, fraction: false });
    if (text.length === 24 && text.charCodeAt(19) === 46 /* . */ && text.charCodeAt(23) === 90) {
      const millis = digit(text, 20) * 100 + digit(text, 21) * 10 + digit(text, 22);
      if (!Number.isNaN(millis)) return withinRange({ utc: `${text.slice(0, 19)}Z`, fraction: millis !== 0 });
    }
  }
  const f = dateTimeFields(text);
  if (!f) return undefined;
  const { y, mo, d, h, mi, s, offsetMinutes } = f;
  const fraction = /[1-9]/.test(f.fraction);
  // UTC already: no Date arithmetic needed (the common case, and the bulk path's hot spot).
  if (offsetMinutes === 0) return withinRange({ utc: `${y}-${mo}-${d}T${h}:${mi}:${s}Z`, fraction });
  const time = utcMillis(f);
  if (time < DATE_TIME_MIN || time > DATE_TIME_MAX) throw Errors.dateTimeOutOfRange(time);
  return { utc: new Date(time).toISOString().slice(0, 19) + 'Z', fraction };
}

/**
 * `dt` when its canonical UTC text lies within the range a column holds; throws
 * Errors.dateTimeOutOfRange otherwise. Canonical texts (four-digit years) order as their instants
 * do, so string comparisons check the bounds without Date arithmetic.
 */
function withinRange(dt: { utc: string; fraction: boolean }): { utc: string; fraction: boolean } {
  if (dt.utc < DATE_TIME_MIN_TEXT || dt.utc > DATE_TIME_MAX_TEXT) throw Errors.dateTimeOutOfRange(Date.parse(dt.utc));
  return dt;
}

/** The instant dateTimeFields' fields name, in ms since the epoch, for every year 0000–9999. */
function utcMillis(f: NonNullable<ReturnType<typeof dateTimeFields>>): number {
  const at = new Date(0);
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
  at.setUTCFullYear(f.year, f.month - 1, f.day);
  at.setUTCHours(+f.h, +f.mi - f.offsetMinutes, +f.s, 0);
  return at.getTime();
}

/**
 * The checked fields of an ISO 8601 date or date-time (the forms parseDateTime reads), whatever
 * its year: the digits as written (`h`, `mi`, `s` default `00`), their numbers, the fraction's
 * digits (`''` without) and the offset in minutes (0 for `Z`, none or ±00:00). Undefined for text
 * that is not one, a day its month does not have, a time past 23:59:59 or an offset past ±14:00
 * (Edm.DateTimeOffset's, as .NET's DateTimeOffset holds them).
 */
function dateTimeFields(text: string) {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m as unknown as string[];
  const year = +y!, month = +mo!, day = +d!;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || +h > 23 || +mi > 59 || +s > 59) return undefined;
  let offsetMinutes = 0;
  if (zone && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    if (+z[2]! * 60 + +z[3]! > 14 * 60 || +z[3]! > 59) return undefined;
    offsetMinutes = (z[1] === '-' ? -1 : 1) * (+z[2]! * 60 + +z[3]!);
  }
  return { y: y!, mo: mo!, d: d!, h, mi, s, year, month, day, fraction: frac.slice(1), offsetMinutes };
}

/**
 * A key that orders and equates Edm.DateTimeOffset text as the instants it names: equal keys for
 * one instant however written (offset, trailing zeros), `<` between keys as between instants, to
 * 12 fractional digits (OData's `fractionalSeconds`) and for any year 0000–9999, not only the
 * 1753-on that column values take (parseDateTime). Undefined for text that is no date-time
 * (dateTimeFields). For comparing metadata properties (plan/definitions.ts), which are no columns.
 */
export function instantKey(text: string): string | undefined {
  const f = dateTimeFields(text);
  if (!f) return undefined;
  // Seconds since the epoch plus 10^12: positive, and padded to one width, for every year the text can name.
  return `${String(utcMillis(f) / 1000 + 1e12).padStart(14, '0')}.${f.fraction.slice(0, 12).padEnd(12, '0')}`;
}

/** Digit value of `text[i]`, or NaN. */
function digit(text: string, i: number): number {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

/**
 * True when `text` starts with a valid UTC date and time to the second, `YYYY-MM-DDTHH:MM:SS`:
 * the start of the forms clients of bulk messages send, checked without a regex or
 * allocations.
 */
function isUtcSeconds(text: string): boolean {
  if (text.length < 20 || text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return false;
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2), month = twoDigits(text, 5), day = twoDigits(text, 8);
  return year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
    && twoDigits(text, 11) <= 23 && twoDigits(text, 14) <= 59 && twoDigits(text, 17) <= 59;
}

/** The number `text[i]text[i+1]` spell, or NaN (a plain function: a closure would be allocated per call). */
function twoDigits(text: string, i: number): number {
  return digit(text, i) * 10 + digit(text, i + 1);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The current instant in canonical form. */
export function nowUtc(): string {
  return new Date().toISOString().slice(0, 19) + 'Z';
}

function typeName(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'an array';
  if (typeof raw === 'object') return 'an object';
  return `'${String(raw)}'`;
}

/** The 400 for a body value of the wrong JSON type (a plain function: no closure per value). */
function wrongType(entity: EntityModel, a: AttributeModel, raw: unknown): Error {
  return Errors.payload(entity.EntitySetName, `Cannot convert the literal ${typeName(raw)} to the expected type '${a.EdmType}'.`);
}

function checkRange(entity: EntityModel, a: AttributeModel, n: number): number {
  if ((a.MinValue !== undefined && n < a.MinValue) || (a.MaxValue !== undefined && n > a.MaxValue)) {
    throw Errors.outOfRange(a.LogicalName, entity.LogicalName, n, a.MinValue!, a.MaxValue!, a.AttributeType === 'Money' || a.AttributeType === 'Decimal');
  }
  return n;
}

/**
 * `n` rounded to `precision` decimal places, half away from zero, on its shortest decimal form
 * (the text a driver sends): as a `numeric(38,p)` column rounds the value it stores, so a Decimal
 * or Money column holds the same value on every database (1.005 at 2 places is 1.01, which
 * `toFixed` would make 1.00 from the double's binary value).
 */
export function roundToPrecision(n: number, precision: number): number {
  const text = String(Math.abs(n));
  const m = /^(\d+)\.(\d+)$/.exec(text);
  if (!m) return /e-/.test(text) ? Number(n.toFixed(precision)) : n; // whole, or past 1e21: nothing to cut
  const [, whole, fraction] = m as unknown as [string, string, string];
  if (fraction.length <= precision) return n;
  let scaled = BigInt(whole + fraction.slice(0, precision));
  if (fraction[precision]! >= '5') scaled += 1n;
  const rounded = Number(`${scaled}e-${precision}`);
  return n < 0 && rounded !== 0 ? -rounded : rounded;
}

const optionValues = new WeakMap<AttributeModel, ReadonlySet<number>>();

function checkOption(entity: EntityModel, a: AttributeModel, n: number): number {
  let values = optionValues.get(a);
  if (!values) {
    values = new Set(a.OptionSet!.Options.map((o) => o.Value));
    optionValues.set(a, values);
  }
  if (!values.has(n)) throw Errors.optionNotValid(a.LogicalName, entity.LogicalName, n);
  return n;
}

/** The characters of base64 text: RFC 4648 §4's alphabet and its URL-safe §5 ('-', '_'), by char code. */
const BASE64_CHARS = (() => {
  const chars = new Uint8Array(128);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_') chars[c.charCodeAt(0)] = 1;
  return chars;
})();

/**
 * True when `text` is base64 (RFC 4648 §4, or its URL-safe alphabet §5, as OData's Edm.Binary
 * allows), padding optional: characters of the alphabet, then as many '=' as make the length a
 * multiple of 4, or none; a last group of one character is not base64. One pass over the text, no
 * regular expression: a backtracking one overflowed the stack on images of a few MB.
 */
export function isBase64(text: string): boolean {
  let end = text.length;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (padding && end % 4 !== 0) return false;
  end -= padding;
  if (end % 4 === 1) return false;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || !BASE64_CHARS[c]) return false;
  }
  return true;
}

/**
 * Checks and converts one JSON body value for `a` (not null; the caller handles null).
 * Throws 400 `0x80048d19` for a value of the wrong JSON type or an unreadable literal,
 * `0x80044331` over MaxLength, `0x8004432F`/`0x80044330` out of range, `0x8004431A` for a choice
 * value not in the options, `0x80040239` for dates out of range (digest §5.3).
 */
export function bodyValue(entity: EntityModel, a: AttributeModel, raw: unknown): Value {
  switch (a.AttributeType) {
    case 'String': case 'Memo': case 'EntityName': {
      if (typeof raw !== 'string') throw wrongType(entity, a, raw);
      if (raw.includes('\u0000')) throw Errors.payload(entity.EntitySetName, `The value of '${a.LogicalName}' contains the NUL character, which cannot be stored.`);
      // A lone UTF-16 surrogate (`"\ud800"` in JSON) has no UTF-8 form: each database would store
      // its own replacement instead of the value sent.
      if (!(raw as WellFormed).isWellFormed()) throw Errors.payload(entity.EntitySetName, `The value of '${a.LogicalName}' contains an unpaired UTF-16 surrogate, which cannot be stored.`);
      if (a.MaxLength !== undefined && raw.length > a.MaxLength) throw Errors.maxLength(a.LogicalName, entity.LogicalName, a.MaxLength);
      return raw;
    }
    case 'Integer': case 'BigInt': {
      const n = typeof raw === 'string' && a.AttributeType === 'BigInt' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw wrongType(entity, a, raw);
      // Whole numbers are JavaScript numbers here. The string form (OData's IEEE754Compatible
      // Int64) exists to carry digits a double cannot: one past 2^53 that no double holds exactly
      // would be stored as its neighbour, so it is refused. A JSON number is a double already
      // (RFC 8259 §6): it is stored as JSON.parse read it.
      if (typeof raw === 'string' && BigInt(n) !== BigInt(raw)) throw Errors.inexactInteger(a.LogicalName, entity.LogicalName, raw);
      return checkRange(entity, a, n);
    }
    case 'Decimal': case 'Money': case 'Double': {
      const n = typeof raw === 'string' && a.AttributeType !== 'Double' && /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw wrongType(entity, a, raw);
      checkRange(entity, a, n);
      return a.AttributeType === 'Double' || a.Precision === undefined ? n : roundToPrecision(n, a.Precision);
    }
    case 'Picklist': case 'State': case 'Status': {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) throw wrongType(entity, a, raw);
      return checkOption(entity, a, raw);
    }
    case 'Boolean':
      if (typeof raw !== 'boolean') throw wrongType(entity, a, raw);
      return raw;
    case 'Uniqueidentifier': case 'Lookup': case 'Owner': case 'Customer': case 'File': {
      const g = typeof raw === 'string' ? canonicalGuid(raw) : undefined;
      if (!g) throw wrongType(entity, a, raw);
      return g;
    }
    case 'DateTime': {
      const dt = typeof raw === 'string' ? parseDateTime(raw) : undefined;
      if (!dt) throw wrongType(entity, a, raw);
      return a.DateTimeBehavior === 'DateOnly' ? dt.utc.slice(0, 10) : dt.utc;
    }
    case 'Image':
      // The image sent, base64 (Edm.Binary in JSON, OData JSON Format §7.1); plan/images.ts turns
      // it into the stored thumbnail and the column's companions before the write runs.
      if (typeof raw !== 'string' || !isBase64(raw)) throw wrongType(entity, a, raw);
      return raw;
  }
}

/**
 * Checks that a JSON body value (not null) reads as a value of `a`'s type, as the OData reader does
 * for every declared property before Dataverse looks at the column: a value of a column a write
 * ignores (one not valid for create or update) must still be of its type. Throws bodyValue's 400
 * `0x80048d19` for a value of the wrong JSON type or an unreadable literal; the column's own limits
 * (MaxLength, range, options), which apply only to values written, are not checked.
 */
export function checkBodyType(entity: EntityModel, a: AttributeModel, raw: unknown): void {
  try {
    bodyValue(entity, a, raw);
  } catch (err) {
    if (err instanceof ServiceError && err.code === PAYLOAD_CODE) throw err;
  }
}

const PAYLOAD_CODE = Errors.payload('', '').code;

const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Converts a value written as text (a FetchXML `condition` value or `<value>`, a paging-cookie
 * value) to `a`'s canonical value (Dataverse FetchXML reference, condition element). Numbers in
 * decimal notation, booleans as `1`/`0`/`true`/`false`, GUIDs with or without braces, ISO 8601
 * dates. Returns `fraction: true` for date-times with sub-second digits (the caller adjusts the
 * operator, as for `$filter` literals). Throws `bad()`'s error for text that is not a value of the
 * column's type, and Errors.dateTimeOutOfRange's 400 `0x80040239` for dates outside the supported range. A number past the
 * column's range is returned as it is (a condition compares it; paging-cookie.ts refuses it); a
 * whole number past 2^53 for an Edm.Int64 column as a bigint (wholeNumber), compared exactly.
 */
export function textValue(a: AttributeModel, text: string, bad: () => Error): { value: Value; fraction: boolean } {
  const plain = (value: Value) => ({ value, fraction: false });
  switch (a.EdmType) {
    case 'Edm.String':
      if (text.includes('\u0000')) throw bad();
      return plain(text);
    case 'Edm.Boolean': {
      const t = text.trim().toLowerCase();
      if (t !== '1' && t !== '0' && t !== 'true' && t !== 'false') throw bad();
      return plain(t === '1' || t === 'true');
    }
    case 'Edm.Guid': {
      const g = canonicalGuid(text);
      if (!g) throw bad();
      return plain(g);
    }
    case 'Edm.DateTimeOffset': case 'Edm.Date': {
      const dt = parseDateTime(text.trim());
      if (!dt) throw bad();
      return a.EdmType === 'Edm.Date' ? plain(dt.utc.slice(0, 10)) : { value: dt.utc, fraction: dt.fraction };
    }
    default: {
      const t = text.trim();
      const integer = a.EdmType === 'Edm.Int32' || a.EdmType === 'Edm.Int64';
      if (!(integer ? INTEGER_TEXT : NUMBER_TEXT).test(t)) throw bad();
      return plain(a.EdmType === 'Edm.Int64' ? wholeNumber(t) : Number(t));
    }
  }
}

/** The Edm type name a `$filter` literal kind denotes, for error messages. */
const LITERAL_EDM: Record<LiteralKind, string> = {
  string: 'Edm.String', integer: 'Edm.Int32', decimal: 'Edm.Decimal', boolean: 'Edm.Boolean',
  null: 'null', guid: 'Edm.Guid', date: 'Edm.Date', datetime: 'Edm.DateTimeOffset', enum: 'Edm.Enum',
};

const NUMERIC: ReadonlySet<EdmType> = new Set(['Edm.Int32', 'Edm.Int64', 'Edm.Decimal', 'Edm.Double']);

/**
 * The value of the whole number `n` (a number, or decimal digits) as `type`, or undefined outside
 * it: Edm.Int32 is −2^31 … 2^31−1; Edm.Int64 is −2^63 … 2^63−1 (as a JSON number 2^63−1 reads as
 * 2^63, which is taken for it), answered within the doubles an int8 holds, ±9223372036854774784
 * (model/loader.ts), so that long.MaxValue, "no limit", can be stored and compared.
 */
export function integerValue(type: 'Edm.Int32' | 'Edm.Int64', n: number | string): number | undefined {
  if (type === 'Edm.Int32') {
    const x = Number(n);
    return x >= -2147483648 && x <= 2147483647 ? x : undefined;
  }
  const fits = typeof n === 'string' ? BigInt(n) >= -(2n ** 63n) && BigInt(n) < 2n ** 63n : n >= -(2 ** 63) && n <= 2 ** 63;
  return fits ? Math.min(Math.max(Number(n), -9223372036854774784), 9223372036854774784) : undefined;
}

/**
 * The name of the enum member that `text` (the inside of an enum literal's quotes) names: a member
 * by its name, matched case-sensitively as OData names are, or by its value, an integer (OData ABNF
 * `singleEnumValue = enumerationMember / enumMemberValue`; URL Conventions §5.1.1.11.2). `members`
 * are names (valued by position, CSDL's default) or name/value pairs. Undefined when none matches,
 * which callers answer with their own 400.
 */
export function enumMember(members: ReadonlyArray<string | { readonly Name: string; readonly Value: number }>, text: string): string | undefined {
  const value = /^-?\d+$/.test(text) ? Number(text) : undefined;
  for (const [i, m] of members.entries()) {
    const [name, v] = typeof m === 'string' ? [m, i] : [m.Name, m.Value];
    if (name === text || v === value) return name;
  }
  return undefined;
}

/**
 * The value `text` names in a flags enumeration (CSDL §10.2.2 IsFlags, members valued by distinct
 * bits): its comma-separated parts (OData ABNF `enumValue = singleEnumValue *( COMMA
 * singleEnumValue )`, spaces around the commas allowed, as OData JSON writes `"A, B"`), each a member
 * by name or by value (enumMember), OR-ed together. A number may combine flags itself (`'3'` is
 * the first two). Undefined when a part names no member, or a number sets a bit no member has.
 */
export function flagsValue(members: ReadonlyArray<{ readonly Name: string; readonly Value: number }>, text: string): number | undefined {
  const all = members.reduce((bits, m) => bits | m.Value, 0);
  let value = 0;
  for (const part of text.split(',')) {
    const t = part.trim();
    const name = enumMember(members, t);
    const bits = name !== undefined ? members.find((m) => m.Name === name)!.Value : /^\d+$/.test(t) ? Number(t) : NaN;
    if (!(bits >= 0 && bits <= 2 ** 31 - 1) || (bits & ~all) !== 0) return undefined;
    value |= bits;
  }
  return value;
}

/**
 * Converts a non-null `$filter` literal to `a`'s canonical value. Returns the value and, for
 * DateTimeOffset literals with sub-second digits, `fraction: true` (stored values are whole
 * seconds; the caller adjusts the operator). A whole number past 2^53 (a bigint, see
 * wholeNumber) stays one for an Edm.Int64 column, compared exactly; other number columns hold
 * doubles or are read as doubles, and take its nearest double. Throws 400 with ODL's
 * "incompatible types" text when the literal cannot be compared with the column.
 */
export function literalValue(
  entity: EntityModel, a: AttributeModel, literal: LiteralKind, value: string | number | bigint | boolean, op: string,
): { value: Value; fraction: boolean } {
  const incompatible = () => Errors.badQuery(`A binary operator with incompatible types was detected. Found operand types '${a.EdmType}' and '${LITERAL_EDM[literal]}' for operator kind '${op}'.`);
  switch (a.EdmType) {
    case 'Edm.String':
      if (literal !== 'string') throw incompatible();
      if (String(value).includes('\u0000')) throw Errors.badQuery('A string literal in $filter contains the NUL character.');
      return { value, fraction: false };
    case 'Edm.Boolean':
      if (literal !== 'boolean') throw incompatible();
      return { value, fraction: false };
    case 'Edm.Guid': {
      // Lookup and id columns accept a bare or a quoted GUID (digest §3.2).
      const g = (literal === 'guid' || literal === 'string') ? canonicalGuid(String(value)) : undefined;
      if (!g) throw incompatible();
      return { value: g, fraction: false };
    }
    case 'Edm.DateTimeOffset': case 'Edm.Date': {
      if (literal !== 'datetime' && literal !== 'date' && literal !== 'string') throw incompatible();
      const dt = parseDateTime(String(value));
      // ODL's own text for a date literal no calendar has (one outside the column's range throws dateTimeOutOfRange).
      // (A string, as In() and Between() take them, that starts like a date is one.)
      const dated = literal === 'string' && /^\d{4}-\d{2}-\d{2}/.test(String(value));
      if (!dt && (literal === 'datetime' || (dated && String(value).length > 10))) throw Errors.badQuery(`The DateTimeOffset text '${value}' should be in format 'yyyy-mm-ddThh:mm:ss('.'s+)?(zzzzzz)?' and each field value is within valid range.`);
      if (!dt && (literal === 'date' || dated)) throw Errors.badQuery(`The Date text '${value}' should be in format 'yyyy-mm-dd' and each field value is within valid range.`);
      if (!dt) throw incompatible();
      if (a.EdmType === 'Edm.Date') return { value: dt.utc.slice(0, 10), fraction: false };
      return { value: dt.utc, fraction: dt.fraction };
    }
    default: {
      if (!NUMERIC.has(a.EdmType) || (literal !== 'integer' && literal !== 'decimal')) throw incompatible();
      if (typeof value === 'bigint') return { value: a.EdmType === 'Edm.Int64' ? value : Number(value), fraction: false };
      const n = value as number;
      if ((a.EdmType === 'Edm.Int32' || a.EdmType === 'Edm.Int64') && !Number.isInteger(n)) throw incompatible();
      return { value: n, fraction: false };
    }
  }
}
