import type { AttributeModel } from '../model/types.js';
import type { DatePart } from '../plan/types.js';
import type { Dialect } from './dialect.js';

/**
 * The SQL of a date part that FetchXML's `dategrouping` groups by (Dataverse "Aggregate data using
 * FetchXml", Grouping by parts of a date): a whole number from `value`, the SQL expression of the
 * DateTime column `a`, or null where it is null. Built here once from the dialect's calendar fields
 * (Dialect.dateField), so every database numbers alike:
 * - `day`: the day of the month, 1–31; `month`: 1–12; `year`: the year, 2024;
 * - `quarter`: the calendar quarter, 1–4 (months 1–3 are quarter 1);
 * - `week`: the week of the year, 1–54. Weeks start on Sunday and week 1 is the one holding
 *   1 January, so a week that spans the new year is split: 2024-12-31 (a Tuesday) is week 53 of
 *   2024 and 2025-01-01 (a Wednesday) week 1 of 2025, and a year whose 1 January is a Saturday
 *   starts week 2 on 2 January. This is SQL Server's DATEPART(week) under its default DATEFIRST 7,
 *   which Dataverse's example shows (2023-08-27, a Sunday, is week 35; ISO 8601 says 34). With
 *   `doy` the day of the year (1–366) and `dow` the day of the week (0 = Sunday), the week is
 *   ⌊(doy + 12 − dow) / 7⌋ = ⌊(doy − 1 − dow + 6) / 7⌋ + 1: the Sundays on or before the date in
 *   its year, plus one unless 1 January itself is a Sunday.
 * Date-times are read in UTC (Tessera has no user time zones; see README); DateOnly dates, and
 * TimeZoneIndependent date-times, as they are stored. The fiscal parts are sql/fiscal-part.ts's.
 */
export function datePartSql(d: Dialect, part: Exclude<DatePart, 'fiscal-period' | 'fiscal-year'>, value: string, a: AttributeModel): string {
  const dateOnly = a.DateTimeBehavior === 'DateOnly';
  switch (part) {
    case 'day': case 'month': case 'year': return d.dateField(part, value, dateOnly);
    case 'quarter': return `(${d.dateField('month', value, dateOnly)} + 2) / 3`;
    case 'week': return `(${d.dateField('dayofyear', value, dateOnly)} + 12 - ${d.dateField('weekday', value, dateOnly)}) / 7`;
  }
}
