import { randomUUID } from 'node:crypto';
import type { AttributeModel, EdmType } from '../model/types.js';

/**
 * Edm.Decimal values (Decimal and Money columns) in plain decimal notation, and Edm.Int64 values
 * (BigInt columns) as the exact integer their double holds.
 *
 * The values are JavaScript numbers, which JSON.stringify writes with an exponent below 10^-6 and
 * from 10^21 up (`1e-7`, `1.5e+25`: ECMA-262 Number::toString). OData JSON allows an exponent for
 * Edm.Double, and Dataverse writes doubles that way, but a .NET decimal is always written in
 * plain notation (`0.0000001`), and clients that read Edm.Decimal as a decimal type may refuse
 * the exponent. Doubles are left as JavaScript writes them.
 *
 * An Edm.Int64 value past 2^53 is a double whose shortest text is not the integer it holds:
 * 1152921504606846976 (2^60, what int8 stored for 1152921504606846977 sent as a JSON number) is
 * written `1152921504606847000` by JavaScript, an integer never stored, which an exact `$filter`
 * then misses. Such values are written as `BigInt(v).toString()`, the integer itself, as .NET
 * writes a long.
 */

/**
 * The plain decimal text of finite number `v`: the same significant digits JavaScript writes (the
 * shortest that read back as `v`, hence every digit up to the column's Precision that was
 * stored), with the decimal point moved instead of an exponent: 1e-7 → `0.0000001`,
 * 1.5e+25 → `15000000000000000000000000`. Numbers JavaScript writes without an exponent are
 * returned as `String(v)`.
 */
export function decimalText(v: number): string {
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const sign = v < 0 ? '-' : '';
  const mantissa = s.slice(sign.length, e);
  const digits = mantissa.replace('.', '');
  // Where the point goes in `digits`: after the mantissa's one whole digit, moved by the exponent.
  const point = 1 + Number(s.slice(e + 1));
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * Marks the text of a PlainNumber inside JSON.stringify's output. It holds a random UUID made at
 * start-up and never sent, so no string value of a client can pass for it.
 */
const MARK = `tessera-decimal-${randomUUID()}:`;
const MARKED = new RegExp(`"${MARK}(-?[0-9.]+)"`, 'g');

/** How many PlainNumbers the running JSON.stringify wrote (stringify is synchronous). */
let marked = 0;

/** A number JSON.stringify must write as `text` (see stringifyJson). */
class PlainNumber {
  constructor(private readonly text: string) {}

  /** JSON.stringify's hook: the marked text, unmarked again by stringifyJson. */
  toJSON(): string {
    marked++;
    return `${MARK}${this.text}`;
  }
}

/**
 * The JSON value of column `a`'s value `v` in a response: for an Edm.Decimal column, a number
 * JavaScript would write with an exponent becomes a PlainNumber that stringifyJson writes as
 * decimalText; every other value is returned as it is.
 */
export function jsonValue(a: AttributeModel, v: unknown): unknown {
  return jsonOfType(a.EdmType, v);
}

/**
 * jsonValue for value `v` of Edm type `type` (a column's, or a property's declared in `$metadata`
 * such as DecimalAttributeMetadata.MinValue): Edm.Decimal in plain notation, Edm.Int64 exact.
 */
export function jsonOfType(type: EdmType | string, v: unknown): unknown {
  return type === 'Edm.Decimal' ? jsonDecimal(v) : type === 'Edm.Int64' ? jsonInt64(v) : v;
}

/**
 * Whether column `a` has values that jsonValue may rewrite (Edm.Decimal, Edm.Int64), so that
 * writers of many rows can pass the others through untouched.
 */
export function rewritesValues(a: AttributeModel): boolean {
  return a.EdmType === 'Edm.Decimal' || a.EdmType === 'Edm.Int64';
}

/**
 * jsonValue for a value known to be an Edm.Int64 (or null): a whole number past ±(2^53−1) becomes
 * a PlainNumber of the exact integer the double holds (int64Text); other values are returned as
 * they are.
 */
export function jsonInt64(v: unknown): unknown {
  return typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) ? new PlainNumber(int64Text(v)) : v;
}

/**
 * The text of an Edm.Int64 value `v` (a finite number, or the value as it is otherwise): the exact
 * integer a whole double holds (`BigInt(v).toString()`: 2^60 → `1152921504606846976`, where
 * String gives `1152921504606847000`), else `String(v)`. Used for `$value`.
 */
export function int64Text(v: unknown): string {
  return typeof v === 'number' && Number.isInteger(v) ? BigInt(v).toString() : String(v);
}

/** The raw text (`$value`) of column `a`'s non-null value `v`: as jsonValue writes it in JSON. */
export function rawText(a: AttributeModel, v: unknown): string {
  if (typeof v === 'number' && a.EdmType === 'Edm.Decimal') return decimalText(v);
  if (a.EdmType === 'Edm.Int64') return int64Text(v);
  return String(v);
}

/** jsonValue for a value known to be an Edm.Decimal (or null). */
export function jsonDecimal(v: unknown): unknown {
  if (typeof v !== 'number' || v === 0) return v;
  const abs = Math.abs(v);
  return abs < 1e-6 || abs >= 1e21 ? new PlainNumber(decimalText(v)) : v;
}

/** JSON.stringify(`body`), with the PlainNumbers of jsonValue written as plain numbers. */
export function stringifyJson(body: unknown): string {
  marked = 0;
  const text = JSON.stringify(body);
  return marked ? text.replace(MARKED, '$1') : text;
}
