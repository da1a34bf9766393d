import type { DatePart } from './types.js';

/**
 * The organization's fiscal calendar (Dataverse organization table: `fiscalcalendarstart`,
 * `fiscalperiodtype`, `fiscalyeardisplaycode`; "Work with fiscal year settings"), as the fiscal
 * query functions and FetchXML fiscal operators read it: every fiscal year starts on the month and
 * day of `fiscalcalendarstart` (taken in UTC, as Tessera's other date functions compute in UTC)
 * and is cut into the periods of its template. Instants are milliseconds since the epoch (UTC).
 */

/**
 * `fiscalperiodtype` values, Dataverse's fiscal period templates: annually (2000), semi-annually
 * (2001), quarterly (2002), monthly (2003), four-week periods (2004). The values are those the
 * Dynamics CRM organization row holds (not listed on Microsoft Learn, which documents the column as
 * a plain Integer; see README).
 */
export const FISCAL_PERIOD_TYPES = { annually: 2000, semiAnnually: 2001, quarterly: 2002, monthly: 2003, fourWeek: 2004 } as const;

/** `fiscalyeardisplaycode`: 1 names a fiscal year by the year it starts in, 2 by the year it ends in (OrganizationFiscalYearDisplayCode). */
export const FISCAL_YEAR_DISPLAY = { startDate: 1, endDate: 2 } as const;

/** The fiscal settings a calendar is made of, as held by the organization row's columns. */
export interface FiscalCalendar {
  /** The month (0 = January … 11) and day of the month (1–31) every fiscal year starts on. */
  readonly startMonth: number;
  readonly startDay: number;
  /** A FISCAL_PERIOD_TYPES value. */
  readonly periodType: number;
  /** Whether a fiscal year is named by the calendar year it ends in (display code 2) rather than the one it starts in. */
  readonly namedByEnd: boolean;
}

/**
 * What an organization without fiscal settings (null columns) follows: fiscal years that are
 * calendar years (starting 1 January), one annual period, named by their start year.
 */
export const DEFAULT_FISCAL_CALENDAR: FiscalCalendar = { startMonth: 0, startDay: 1, periodType: FISCAL_PERIOD_TYPES.annually, namedByEnd: false };

const DAY = 86400000;
/** Days in a four-week period (template 2004); the thirteenth runs to the next fiscal year. */
const FOUR_WEEKS = 28 * DAY;

/**
 * The calendar the organization row's values make: `start` is `fiscalcalendarstart` (canonical
 * UTC text or null), `periodType` `fiscalperiodtype`, `display` `fiscalyeardisplaycode`; a null
 * (or unknown) value takes DEFAULT_FISCAL_CALENDAR's.
 */
export function fiscalCalendar(start: string | null | undefined, periodType: number | null | undefined, display: number | null | undefined): FiscalCalendar {
  const at = typeof start === 'string' ? new Date(Date.parse(start)) : undefined;
  const valid = at && !Number.isNaN(at.getTime());
  const known = Object.values(FISCAL_PERIOD_TYPES) as number[];
  return {
    startMonth: valid ? at.getUTCMonth() : DEFAULT_FISCAL_CALENDAR.startMonth,
    startDay: valid ? at.getUTCDate() : DEFAULT_FISCAL_CALENDAR.startDay,
    periodType: typeof periodType === 'number' && known.includes(periodType) ? periodType : DEFAULT_FISCAL_CALENDAR.periodType,
    namedByEnd: display === FISCAL_YEAR_DISPLAY.endDate,
  };
}

/** The number of periods in a fiscal year of `c`: 1, 2, 4, 12 or 13. */
export function periodsPerYear(c: FiscalCalendar): number {
  switch (c.periodType) {
    case FISCAL_PERIOD_TYPES.semiAnnually: return 2;
    case FISCAL_PERIOD_TYPES.quarterly: return 4;
    case FISCAL_PERIOD_TYPES.monthly: return 12;
    case FISCAL_PERIOD_TYPES.fourWeek: return 13;
    default: return 1;
  }
}

/** Midnight UTC of day `day` of month `month` (0-based, may pass 11) of `year`, or the month's last day when it is shorter (a 31 January start gives 28 or 29 February). */
function monthDay(year: number, month: number, day: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(day, last));
}

/** The instant the fiscal year that starts in calendar year `startYear` starts. */
function yearStart(c: FiscalCalendar, startYear: number): number {
  return monthDay(startYear, c.startMonth, c.startDay);
}

/** How many years a fiscal year's name is after the calendar year it starts in: 1 when named by its end (display code 2) and it ends in the next calendar year (it does not start on 1 January), else 0. */
export function fiscalYearNameOffset(c: FiscalCalendar): number {
  return c.namedByEnd && (c.startMonth !== 0 || c.startDay !== 1) ? 1 : 0;
}

/** The calendar year a fiscal year named `named` starts in. */
function startYearOf(c: FiscalCalendar, named: number): number {
  return named - fiscalYearNameOffset(c);
}

/** The name of the fiscal year that starts in calendar year `startYear` (startYearOf's inverse). */
function nameOf(c: FiscalCalendar, startYear: number): number {
  return startYear + fiscalYearNameOffset(c);
}

/** The start of period `period` (1-based; one past the last is the next fiscal year's start) of the fiscal year starting in `startYear`. */
function periodStart(c: FiscalCalendar, startYear: number, period: number): number {
  const count = periodsPerYear(c);
  if (period > count) return yearStart(c, startYear + 1);
  if (c.periodType === FISCAL_PERIOD_TYPES.fourWeek) return yearStart(c, startYear) + (period - 1) * FOUR_WEEKS;
  return monthDay(startYear, c.startMonth + (period - 1) * (12 / count), c.startDay);
}

/** A fiscal period: its fiscal year's name and its number in that year (1-based). */
export interface FiscalPeriod {
  readonly year: number;
  readonly period: number;
}

/** `[start, end)` of fiscal year `named` (by its name, as FISCAL_YEAR_DISPLAY says). */
export function fiscalYearRange(c: FiscalCalendar, named: number): [number, number] {
  const y = startYearOf(c, named);
  return [yearStart(c, y), yearStart(c, y + 1)];
}

/** `[start, end)` of period `p.period` (1 … periodsPerYear) of fiscal year `p.year`. */
export function fiscalPeriodRange(c: FiscalCalendar, p: FiscalPeriod): [number, number] {
  const y = startYearOf(c, p.year);
  return [periodStart(c, y, p.period), periodStart(c, y, p.period + 1)];
}

/** The fiscal period instant `ms` falls in. */
export function fiscalPeriodAt(c: FiscalCalendar, ms: number): FiscalPeriod {
  let y = new Date(ms).getUTCFullYear();
  if (ms < yearStart(c, y)) y -= 1;
  let period = periodsPerYear(c);
  while (period > 1 && periodStart(c, y, period) > ms) period -= 1;
  return { year: nameOf(c, y), period };
}

/** The fiscal period `delta` periods after `p` (before it when negative), across fiscal years. */
export function shiftFiscalPeriod(c: FiscalCalendar, p: FiscalPeriod, delta: number): FiscalPeriod {
  const count = periodsPerYear(c);
  const index = p.year * count + (p.period - 1) + delta;
  return { year: Math.floor(index / count), period: (((index % count) + count) % count) + 1 };
}

/** Whether FetchXML date part `part` is a fiscal one (`fiscal-period`, `fiscal-year`), counted in the organization's fiscal calendar. */
export function isFiscalPart(part: DatePart | undefined): part is 'fiscal-period' | 'fiscal-year' {
  return part === 'fiscal-period' || part === 'fiscal-year';
}

/** What each template calls its periods in a fiscal period's label (fiscalPeriodLabel). */
const PERIOD_NAMES: Readonly<Record<number, string>> = {
  [FISCAL_PERIOD_TYPES.annually]: 'Annual',
  [FISCAL_PERIOD_TYPES.semiAnnually]: 'Semester',
  [FISCAL_PERIOD_TYPES.quarterly]: 'Quarter',
  [FISCAL_PERIOD_TYPES.monthly]: 'Month',
  [FISCAL_PERIOD_TYPES.fourWeek]: 'Period',
};

/**
 * The display text of fiscal year `year` (its name): `FY2023`, as Dataverse's example of
 * `dategrouping="fiscal-year"` shows it (Aggregate data using FetchXml, Grouping by parts of a date).
 */
export function fiscalYearLabel(year: number): string {
  return `FY${year}`;
}

/**
 * The display text of period `period` of fiscal year `year` in calendar `c`: `Quarter 1 FY2023`, as
 * Dataverse's example of `dategrouping="fiscal-period"` shows a quarterly template's; the other
 * templates' words (`Annual FY2023`, `Semester 2 FY2023`, `Month 7 FY2023`, `Period 13 FY2023`) are
 * Tessera's, not confirmed against Dataverse (whose organization settings can also change them).
 */
export function fiscalPeriodLabel(c: FiscalCalendar, year: number, period: number): string {
  const word = PERIOD_NAMES[c.periodType] ?? 'Period';
  return c.periodType === FISCAL_PERIOD_TYPES.annually ? `${word} ${fiscalYearLabel(year)}` : `${word} ${period} ${fiscalYearLabel(year)}`;
}
