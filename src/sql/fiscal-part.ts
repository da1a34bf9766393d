import type { AttributeModel } from '../model/types.js';
import { FISCAL_PERIOD_TYPES, fiscalYearNameOffset, periodsPerYear, type FiscalCalendar } from '../plan/fiscal-calendar.js';
import type { Dialect } from './dialect.js';

/**
 * The SQL of where a date lies in the organization's fiscal calendar (plan/fiscal-calendar.ts):
 * the same answer as fiscalPeriodAt, computed by the database for each row, for what no range of
 * dates can say: InFiscalPeriod / `in-fiscal-period` (a period of every fiscal year) and FetchXML's
 * `dategrouping="fiscal-period|fiscal-year"`. Built from the dialect's calendar fields
 * (Dialect.dateField: year, month, day, day of the year) and whole-number arithmetic alone, so
 * every database counts alike; the calendar's settings are constants of the SQL. Date-times are
 * read in UTC, DateOnly dates as stored, as sql/date-part.ts reads them.
 *
 * How: with `y`, `m` (1–12) and `d` the date's year, month and day, `before` is 1 when the date
 * lies before the day its month's fiscal boundary falls on (the start day, or the month's last day
 * when the month is shorter: a 31 January start is 28 or 29 February), else 0. Then
 * `k = 12·y + m − 1 − startMonth − before` counts the fiscal months since the year 0: the fiscal
 * year starts in calendar year ⌊k / 12⌋ and the date is in fiscal month `k mod 12` (0-based) of it,
 * which makes the period of the monthly, quarterly, semi-annual and annual templates. Four-week
 * periods count the days since the fiscal year's start from the date's day of the year
 * (fourWeekPartSql), 28 to a period, the thirteenth running to the next year. Every value is positive
 * (years 1753 … 9999), so SQL's integer division truncating toward zero is a floor.
 */

/** `1` where `year` (an SQL integer) is a leap year, else `0`. */
function leap(year: string): string {
  return `CASE WHEN (${year}) % 4 = 0 AND (${year}) % 100 <> 0 OR (${year}) % 400 = 0 THEN 1 ELSE 0 END`;
}

/** The number of days of month `month` (1–12, SQL) of `year` (SQL). */
function monthLength(year: string, month: string): string {
  return `CASE ${month} WHEN 2 THEN 28 + ${leap(year)} WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END`;
}

/** `1` where day `day` of month `month` of `year` (SQL) lies before the fiscal boundary of its month (startDay, or the month's last day when shorter), else `0`. */
function beforeBoundary(c: FiscalCalendar, year: string, month: string, day: string): string {
  if (c.startDay === 1) return '0';
  // Every month has 28 days: only a start day past them can fall on a month's last day.
  const shorter = c.startDay > 28 ? ` AND ${day} < ${monthLength(year, month)}` : '';
  return `CASE WHEN ${day} < ${c.startDay}${shorter} THEN 1 ELSE 0 END`;
}

/** Days before the month `month` (0-based) in a common year. */
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334] as const;

/**
 * The day of the year (1-based) a fiscal year starts on in its calendar year: `fixed`, plus 1 in a
 * leap year when `leapDependent` (a start after February, or a February start past the 28th, which
 * falls on 29 February in a leap year and on the 28th otherwise). A start past its month's last day
 * is that last day.
 */
function yearStart(c: FiscalCalendar): { fixed: number; leapDependent: boolean } {
  const february = c.startMonth === 1 && c.startDay > 28;
  const day = february ? 28 : Math.min(c.startDay, new Date(Date.UTC(2001, c.startMonth + 1, 0)).getUTCDate());
  return { fixed: DAYS_BEFORE_MONTH[c.startMonth]! + day, leapDependent: february || c.startMonth >= 2 };
}

/**
 * The four-week period (1 … 13) of the day `days` (SQL) days after its fiscal year's start, which
 * lies between `least` and `most`: 28 days each, the thirteenth (from day 336) running to the
 * year's end (day 364 or 365).
 */
function fourWeekPeriod(days: string, least: number, most: number): string {
  if (least >= 364) return '13';
  return most >= 364 ? `CASE WHEN ${days} >= 364 THEN 13 ELSE ${days} / 28 + 1 END` : `(${days} / 28 + 1)`;
}

/**
 * The four-week template's parts. The fiscal year holding the date starts in its calendar year `y`
 * when its day of the year `doy` is on or after that year's start day `s` (yearStart), and it is
 * then `doy − s` days into it; else the year started in `y − 1`, `doy` plus the days from that
 * start to the end of `y − 1` ago (`365 − fixed`, plus 1 for a leap `y − 1` when the start is
 * fixed, before its 29 February). Each branch reads the date's year and day of the year a few
 * times only: the SQL stays small whatever the start (a derivation from the start year inlined
 * that year's SQL ~120 times).
 */
function fourWeekPartSql(part: 'period' | 'year' | 'yearPeriod', year: string, doy: string, c: FiscalCalendar): string {
  const { fixed, leapDependent } = yearStart(c);
  const start = leapDependent ? `(${fixed} + ${leap(year)})` : String(fixed);
  const current = `${doy} >= ${start}`;
  const name = `${year} + ${fiscalYearNameOffset(c)}`;
  if (part === 'year') return `(${name} - CASE WHEN ${current} THEN 0 ELSE 1 END)`;
  // In the calendar year it started in the date is 0 to 366 − fixed days in, else from 366 − fixed.
  const periodNow = fourWeekPeriod(`(${doy} - ${start})`, 0, 366 - fixed);
  const periodBefore = fourWeekPeriod(`(${doy} + ${365 - fixed}${leapDependent ? '' : ` + ${leap(`${year} - 1`)}`})`, 366 - fixed, 365);
  // Every day before a 1 or 2 January start is in period 13: the constant must not answer a null date.
  if (part === 'period') return `(CASE WHEN ${current} THEN ${periodNow} ${periodBefore === '13' ? `WHEN ${doy} < ${start} THEN` : 'ELSE'} ${periodBefore} END)`;
  return `(CASE WHEN ${current} THEN 100 * (${name}) + ${periodNow} ELSE 100 * (${name} - 1) + ${periodBefore} END)`;
}

/**
 * The SQL of the fiscal `part` of `value`, the SQL expression of DateTime column `a`, in calendar
 * `c`: `period`, its period in its fiscal year (1 … periodsPerYear); `year`, its fiscal year's
 * name (fiscalyeardisplaycode: the year it starts or ends in); `yearPeriod`, both as one number
 * that orders chronologically, `100 · year + period`. Null where `value` is null. `value` is
 * repeated in the SQL: it must bind no parameter.
 */
export function fiscalPartSql(d: Dialect, part: 'period' | 'year' | 'yearPeriod', value: string, a: AttributeModel, c: FiscalCalendar): string {
  const dateOnly = a.DateTimeBehavior === 'DateOnly';
  const year = d.dateField('year', value, dateOnly);
  if (c.periodType === FISCAL_PERIOD_TYPES.fourWeek) return fourWeekPartSql(part, year, d.dateField('dayofyear', value, dateOnly), c);
  const month = d.dateField('month', value, dateOnly);
  const day = d.dateField('day', value, dateOnly);
  const months = `(12 * ${year} + ${month} - ${1 + c.startMonth} - ${beforeBoundary(c, year, month, day)})`;
  const startYear = `(${months} / 12)`;
  const name = `(${startYear} + ${fiscalYearNameOffset(c)})`;
  if (part === 'year') return name;
  const period = `((${months} % 12) / ${12 / periodsPerYear(c)} + 1)`;
  return part === 'period' ? period : `(100 * ${name} + ${period})`;
}
