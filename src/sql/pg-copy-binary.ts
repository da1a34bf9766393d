import type { AttributeModel } from '../model/types.js';
import type { CopyFormat } from './dialect.js';

/*
 * PostgreSQL's binary COPY format (postgresql.org/docs/current/sql-copy.html, "Binary Format"):
 * a header (signature, flags, extension length), then per row a 16-bit field count and per field
 * a 32-bit byte length (-1 for null) and the value in the type's binary form (its `*_recv`
 * function: network byte order integers, UTF-8 text, 16-byte uuid, microseconds since
 * 2000-01-01 for timestamptz, days since then for date, base-10000 digits for numeric), and a
 * 16-bit -1 as trailer.
 *
 * Why binary and not text: the server then parses no uuid, date-time or number text. COPY of the
 * same 20,000 rows of msdyn_copilotinteraction from a file took 0.6–0.75 of the text format's
 * time here; inside CreateMultiple, fed as items are planned, ~7 % less; and encoding costs this
 * side less than writing text did (1.9 against 2.4 µs a row).
 */

/** `PGCOPY\n\377\r\n\0`, flags 0 (no OIDs), header extension length 0. */
const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** A field count of -1. */
const TRAILER = Buffer.from([0xff, 0xff]);

/** 2000-01-01T00:00:00Z in Unix milliseconds: PostgreSQL's epoch for dates and timestamps. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const MS_PER_DAY = 86_400_000;
const TWO_32 = 4_294_967_296;

/** Writes one field's value at `at` of `buf` (room for `maxBytes(value)` is made first); returns its byte length. */
type FieldWriter = (buf: Buffer, at: number, value: unknown) => number;

interface FieldCodec {
  /** Most bytes the value can take. */
  maxBytes(value: unknown): number;
  write: FieldWriter;
}

const fixed = (bytes: number, write: FieldWriter): FieldCodec => ({ maxBytes: () => bytes, write });

/**
 * A whole number as int8. Past 2^53 a double stands for many integers: the one its shortest
 * decimal text names is sent, as the text format and query parameters send `String(n)`. Throws a
 * RangeError outside int8 (the model caps BigInt columns' range inside it).
 */
function writeInt64(buf: Buffer, at: number, n: number): void {
  if (!Number.isSafeInteger(n)) {
    buf.writeBigInt64BE(BigInt(String(n)), at);
    return;
  }
  const high = Math.floor(n / TWO_32);
  buf.writeInt32BE(high, at);
  buf.writeUInt32BE(n - high * TWO_32, at + 4);
}

/** Microseconds since PostgreSQL's epoch for Unix milliseconds `ms`, as int8 (BigInt past ±285 years, where doubles lose microseconds). */
function writeTimestamp(buf: Buffer, at: number, ms: number): void {
  const us = (ms - PG_EPOCH_MS) * 1000;
  if (Number.isSafeInteger(us)) writeInt64(buf, at, us);
  else buf.writeBigInt64BE(BigInt(ms - PG_EPOCH_MS) * 1000n, at);
}

/** The number the `count` digits of `text` at `at` spell, or NaN. */
function digits(text: string, at: number, count: number): number {
  let x = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    x = x * 10 + d;
  }
  return x;
}

/**
 * Unix milliseconds of a canonical `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DD` (the planner's forms,
 * read digit by digit: Date.parse takes ~300 ns), or of any other ISO 8601 text Date.parse reads.
 */
function epochMs(value: unknown): number {
  if (typeof value === 'string' && value[4] === '-' && value[7] === '-'
    && (value.length === 10 || (value.length === 20 && value[10] === 'T' && value[13] === ':' && value[16] === ':' && value[19] === 'Z'))) {
    const year = digits(value, 0, 4);
    const ms = value.length === 10
      ? Date.UTC(year, digits(value, 5, 2) - 1, digits(value, 8, 2))
      : Date.UTC(year, digits(value, 5, 2) - 1, digits(value, 8, 2), digits(value, 11, 2), digits(value, 14, 2), digits(value, 17, 2));
    if (!Number.isNaN(ms) && year >= 100) return ms;
  }
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new Error(`binary COPY: '${String(value)}' is not a date or date-time`);
  return ms;
}

/** Hex digit values by character code; -1 for any other character. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = HEX['0123456789ABCDEF'.charCodeAt(i)] = i;

/** A canonical GUID (`8-4-4-4-12` hex digits) as its 16 bytes. */
function writeUuid(buf: Buffer, at: number, value: unknown): number {
  const s = value as string;
  if (typeof s !== 'string' || s.length !== 36 || s[8] !== '-' || s[13] !== '-' || s[18] !== '-' || s[23] !== '-') {
    throw new Error(`binary COPY: '${String(value)}' is not a GUID`);
  }
  let o = at;
  for (let i = 0; i < 36; i += 2) {
    if (i === 8 || i === 13 || i === 18 || i === 23) i++;
    const hi = HEX[s.charCodeAt(i)] ?? -1;
    const lo = HEX[s.charCodeAt(i + 1)] ?? -1;
    if (hi < 0 || lo < 0) throw new Error(`binary COPY: '${s}' is not a GUID`);
    buf[o++] = (hi << 4) | lo;
  }
  return 16;
}

/**
 * A number as PostgreSQL numeric: ndigits, weight (of the first base-10000 digit), sign, display
 * scale, then the base-10000 digits. Built from the number's shortest decimal text (`String(n)`,
 * exponent included), the very digits the text format sent; the server then rounds to the
 * column's scale as it does for text (numeric_recv applies the type modifier).
 */
function numericDigits(n: number): { digits: number[]; weight: number; negative: boolean; scale: number } {
  let text = String(Math.abs(n));
  let exponent = 0;
  const e = text.indexOf('e');
  if (e >= 0) {
    exponent = Number(text.slice(e + 1));
    text = text.slice(0, e);
  }
  const dot = text.indexOf('.');
  const whole = dot < 0 ? text : text.slice(0, dot);
  const fraction = dot < 0 ? '' : text.slice(dot + 1);
  let decimals = whole + fraction;
  // Digits before the decimal point (may be ≤ 0 or beyond the digits).
  let point = whole.length + exponent;
  const scale = Math.max(0, decimals.length - point);
  // Align the point on a base-10000 digit boundary, then pad the end to whole groups.
  const lead = ((4 - (point % 4)) % 4 + 4) % 4;
  decimals = '0'.repeat(lead) + decimals;
  point += lead;
  if (point > decimals.length) decimals += '0'.repeat(point - decimals.length);
  decimals += '0'.repeat((4 - (decimals.length % 4)) % 4);
  const groups: number[] = [];
  for (let i = 0; i < decimals.length; i += 4) groups.push(Number(decimals.slice(i, i + 4)));
  let weight = point / 4 - 1;
  let first = 0;
  while (first < groups.length && groups[first] === 0) { first++; weight--; }
  let last = groups.length;
  while (last > first && groups[last - 1] === 0) last--;
  const digits = groups.slice(first, last);
  return { digits, weight: digits.length ? weight : 0, negative: n < 0 && digits.length > 0, scale };
}

const NUMERIC: FieldCodec = {
  maxBytes: () => 8 + 2 * 200,
  write(buf, at, value) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`binary COPY: '${String(value)}' is not a finite number`);
    const { digits, weight, negative, scale } = numericDigits(value);
    buf.writeInt16BE(digits.length, at);
    buf.writeInt16BE(weight, at + 2);
    buf.writeUInt16BE(negative ? 0x4000 : 0, at + 4);
    buf.writeUInt16BE(scale, at + 6);
    digits.forEach((d, i) => buf.writeUInt16BE(d, at + 8 + 2 * i));
    return 8 + 2 * digits.length;
  },
};

const TEXT: FieldCodec = {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  maxBytes: (value) => 3 * (value as string).length,
  write(buf, at, value) {
    if (typeof value !== 'string') throw new Error(`binary COPY: ${typeof value} given for a text column`);
    return buf.write(value, at, 'utf8');
  },
};

const INT4 = fixed(4, (buf, at, value) => { buf.writeInt32BE(value as number, at); return 4; });
const INT8 = fixed(8, (buf, at, value) => { writeInt64(buf, at, value as number); return 8; });
// -0 is sent as 0, as its text `String(-0)` was.
const FLOAT8 = fixed(8, (buf, at, value) => { buf.writeDoubleBE(value === 0 ? 0 : value as number, at); return 8; });
const BOOL = fixed(1, (buf, at, value) => { buf[at] = value === true || value === 1 ? 1 : 0; return 1; });
const UUID = fixed(16, writeUuid);
const TIMESTAMPTZ = fixed(8, (buf, at, value) => { writeTimestamp(buf, at, epochMs(value)); return 8; });
const DATE = fixed(4, (buf, at, value) => { buf.writeInt32BE(Math.floor((epochMs(value) - PG_EPOCH_MS) / MS_PER_DAY), at); return 4; });

/** The binary form of a column, by its type on PostgreSQL (sql/types.ts columnType). */
function codecOf(a: AttributeModel): FieldCodec {
  switch (a.AttributeType) {
    case 'String': case 'Memo': case 'EntityName': return TEXT;
    case 'Integer': case 'Picklist': case 'State': case 'Status': return INT4;
    case 'BigInt': return INT8;
    case 'Decimal': case 'Money': return NUMERIC;
    case 'Double': return FLOAT8;
    case 'Boolean': return BOOL;
    case 'DateTime': return a.DateTimeBehavior === 'DateOnly' ? DATE : TIMESTAMPTZ;
    case 'Uniqueidentifier': case 'Lookup': case 'Owner': case 'Customer': return UUID;
    default: throw new Error(`binary COPY: no binary form for AttributeType '${String(a.AttributeType)}'`);
  }
}

/**
 * Encodes `count` rows of `columns`, `value(row, column)` giving each driver value (string,
 * number, boolean or null), as binary COPY tuples (no header or trailer). A value every row
 * repeats is encoded once and its bytes copied. Throws an Error for a value its column's type
 * cannot hold (the planner never produces one).
 */
function encodeRows(columns: readonly AttributeModel[], count: number, value: (row: number, column: number) => unknown): Uint8Array {
  const codecs = columns.map(codecOf);
  let buf = Buffer.allocUnsafe(Math.max(256, count * (2 + columns.length * 24)));
  let at = 0;
  const room = (bytes: number) => {
    if (at + bytes <= buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, at + bytes));
    buf.copy(bigger, 0, 0, at);
    buf = bigger;
  };
  // Per column, the last value written and where its field (length word included) lies.
  const lastValue = new Array<unknown>(columns.length).fill(NONE);
  const lastStart = new Array<number>(columns.length).fill(0);
  const lastEnd = new Array<number>(columns.length).fill(0);
  for (let row = 0; row < count; row++) {
    room(2);
    buf.writeInt16BE(columns.length, at);
    at += 2;
    for (let c = 0; c < columns.length; c++) {
      const v = value(row, c);
      if (v === lastValue[c]) {
        const end = lastEnd[c]!;
        room(end - lastStart[c]!);
        // Byte by byte: fields are short, and Buffer#copy costs ~90 ns a call before copying.
        for (let k = lastStart[c]!; k < end; k++) buf[at++] = buf[k]!;
        continue;
      }
      const start = at;
      if (v === null || v === undefined) {
        room(4);
        buf.writeInt32BE(-1, at);
        at += 4;
      } else {
        const codec = codecs[c]!;
        room(4 + codec.maxBytes(v));
        const length = codec.write(buf, at + 4, v);
        buf.writeInt32BE(length, at);
        at += 4 + length;
      }
      lastValue[c] = v;
      lastStart[c] = start;
      lastEnd[c] = at;
    }
  }
  return buf.subarray(0, at);
}

/** A value no field has: the start of encodeRows' per-column memo. */
const NONE = Symbol('none');

/** PostgreSQL's binary COPY, as the PostgreSQL dialect's bulk form. */
export const BINARY_COPY: CopyFormat = { options: ' (FORMAT binary)', header: HEADER, trailer: TRAILER, encodeRows };
