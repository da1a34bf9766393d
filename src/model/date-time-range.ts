/**
 * The range of instants a DateTime column holds: the one place both the bound Tessera reports
 * (DateTimeAttributeMetadata MinSupportedValue / MaxSupportedValue, model/definitions.ts) and the
 * bound it enforces on every written value and `$filter` literal (plan/values.ts) come from.
 *
 * Source: Dataverse's SDK constants DateTimeAttributeMetadata.MinSupportedValue (1753-01-01
 * 00:00:00) and MaxSupportedValue (9999-12-30 23:59:59), UTC; "Behavior and format of the date and
 * time column": all date and time columns support values as early as 1/1/1753 12:00 AM.
 */

/** The earliest instant, canonical UTC text (`YYYY-MM-DDTHH:MM:SSZ`). */
export const DATE_TIME_MIN_TEXT = '1753-01-01T00:00:00Z';
/** The latest instant, canonical UTC text: one day short of .NET's DateTime.MaxValue. */
export const DATE_TIME_MAX_TEXT = '9999-12-30T23:59:59Z';
/** DATE_TIME_MIN_TEXT in ms since the epoch. */
export const DATE_TIME_MIN = Date.parse(DATE_TIME_MIN_TEXT);
/** DATE_TIME_MAX_TEXT in ms since the epoch. */
export const DATE_TIME_MAX = Date.parse(DATE_TIME_MAX_TEXT);

/**
 * `ms` (ms since the epoch, any year 0000–9999) written as Dataverse writes a CrmDateTime in its
 * range errors, `MM/dd/yyyy HH:mm:ss` in UTC (e.g. `01/01/0001 00:00:00`); undefined when `ms` is
 * no instant a Date holds (NaN, or past ±8.64e15 ms, as query-function arithmetic with a huge
 * count gives) or past the years four digits write.
 */
export function crmDateTimeText(ms: number): string | undefined {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) return undefined;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${String(year).padStart(4, '0')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}
