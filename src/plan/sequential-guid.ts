import { randomFillSync } from 'node:crypto';

/** Sequential row ids (sequentialGuid), kept apart from write.ts so that modules write.ts imports can make ids. */

/** The lower-case hex digits, as character codes. */
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Random bytes drawn 8 KiB at a time (10 per id): one system call per ~800 ids, not one each. */
const pool = Buffer.alloc(8192);
let poolOffset = pool.length;
/**
 * The id being made, as Latin-1 bytes; `toString('latin1')` turns it into one flat string (built
 * by concatenation, an id was a chain of a dozen string pieces, each an allocation, that SQLite
 * binding and JSON.stringify then had to flatten). Its first 15 bytes, `xxxxxxxx-xxxx-7`, hold the
 * millisecond `prefixTime` and are rewritten when it changes.
 */
const idText = Buffer.alloc(36);
let prefixTime = -1;

/** Writes byte `b` as two hex digits at `at` of idText. */
function hexByte(at: number, b: number): void {
  idText[at] = HEX_DIGITS[b >> 4]!;
  idText[at + 1] = HEX_DIGITS[b & 15]!;
}

/**
 * A new row id: a version 7 UUID (RFC 9562: 48-bit millisecond time, version 7, 74 random bits
 * with the variant `10`), so ids made in sequence sort together and inserts append to the primary
 * key index instead of touching a random page each (Dataverse likewise assigns sequential GUIDs).
 * Lower case, no braces. Randomness: node:crypto's CSPRNG, as randomUUID.
 */
export function sequentialGuid(now = Date.now()): string {
  if (poolOffset + 10 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const r = poolOffset;
  poolOffset += 10;
  if (now !== prefixTime) {
    const t = now.toString(16).padStart(12, '0');
    idText.write(`${t.slice(0, 8)}-${t.slice(8, 12)}-7`, 0, 'latin1');
    prefixTime = now;
  }
  idText[15] = HEX_DIGITS[pool[r]! & 15]!;
  hexByte(16, pool[r + 1]!);
  idText[18] = 45; // '-'
  hexByte(19, (pool[r + 2]! & 0x3f) | 0x80);
  hexByte(21, pool[r + 3]!);
  idText[23] = 45;
  for (let i = 0; i < 6; i++) hexByte(24 + 2 * i, pool[r + 4 + i]!);
  return idText.toString('latin1');
}
