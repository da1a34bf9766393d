import { expect } from 'chai';
import { fiscalCalendar, fiscalPeriodAt, fiscalPeriodRange, fiscalYearRange, periodsPerYear, shiftFiscalPeriod, type FiscalCalendar } from '../src/plan/fiscal-calendar.js';

/*
 * The pure fiscal calendar (src/plan/fiscal-calendar.ts): every instant of a run of years lies in
 * the period and year fiscalPeriodAt names for it, and each fiscal year's periods are non-empty,
 * contiguous and cover the year exactly, for starts that some months lack (29 February, the
 * 31st), every period template (four-week included) and both display codes.
 */

const DAY = 86400000;
const STARTS = ['2020-01-01', '2020-02-29', '2020-01-31', '2020-03-31', '2020-08-31', '2020-12-31', '2020-04-01'];
const TYPES = [2000, 2001, 2002, 2003, 2004];
const FIRST = Date.UTC(2019, 0, 1);
const LAST = Date.UTC(2031, 0, 1);

/** Every calendar of STARTS × TYPES × display codes 1 and 2, with a name for messages. */
const CALENDARS: Array<[string, FiscalCalendar]> = STARTS.flatMap((start) => TYPES.flatMap((type) => [1, 2].map((display): [string, FiscalCalendar] => [`${start} ${type} display ${display}`, fiscalCalendar(`${start}T00:00:00Z`, type, display)])));

const iso = (ms: number) => new Date(ms).toISOString();

describe('fiscal calendar (plan/fiscal-calendar.ts)', () => {
  it('puts every instant in the period and fiscal year fiscalPeriodAt names for it', () => {
    for (const [name, c] of CALENDARS) {
      for (let day = FIRST; day < LAST; day += DAY) {
        for (const ms of [day, day + DAY - 1]) {
          const p = fiscalPeriodAt(c, ms);
          const [from, to] = fiscalPeriodRange(c, p);
          if (!(from <= ms && ms < to)) expect.fail(`${name}: ${iso(ms)} is not in period ${p.period} of ${p.year} (${iso(from)} – ${iso(to)})`);
          const [yearFrom, yearTo] = fiscalYearRange(c, p.year);
          if (!(yearFrom <= ms && ms < yearTo)) expect.fail(`${name}: ${iso(ms)} is not in fiscal year ${p.year} (${iso(yearFrom)} – ${iso(yearTo)})`);
        }
      }
    }
  });

  it('cuts each fiscal year into non-empty contiguous periods that cover it, the next period following on', () => {
    for (const [name, c] of CALENDARS) {
      const count = periodsPerYear(c);
      for (let year = 2019; year <= 2030; year++) {
        const [yearFrom, yearTo] = fiscalYearRange(c, year);
        expect(fiscalYearRange(c, year + 1)[0], `${name} ${year}`).to.equal(yearTo);
        let at = yearFrom;
        for (let period = 1; period <= count; period++) {
          const [from, to] = fiscalPeriodRange(c, { year, period });
          expect(from, `${name}: period ${period} of ${year} starts where the one before ends`).to.equal(at);
          expect(to, `${name}: period ${period} of ${year} is not empty`).to.be.greaterThan(from);
          const next = shiftFiscalPeriod(c, { year, period }, 1);
          expect(fiscalPeriodRange(c, next)[0], `${name}: the period after ${period} of ${year}`).to.equal(to);
          expect(shiftFiscalPeriod(c, next, -1)).to.deep.equal({ year, period });
          at = to;
        }
        expect(at, `${name}: the periods of ${year} end with it`).to.equal(yearTo);
      }
    }
  });

  it('names a fiscal year by its start or, with display code 2, its end year; the 29 February and 31st starts fall back to the month\'s last day', () => {
    const april = (display: number) => fiscalCalendar('2020-04-01T00:00:00Z', 2002, display);
    expect(fiscalYearRange(april(1), 2024).map(iso)).to.deep.equal(['2024-04-01T00:00:00.000Z', '2025-04-01T00:00:00.000Z']);
    expect(fiscalYearRange(april(2), 2024).map(iso)).to.deep.equal(['2023-04-01T00:00:00.000Z', '2024-04-01T00:00:00.000Z']);
    // Calendar years are named alike under both codes.
    expect(fiscalYearRange(fiscalCalendar(null, null, 2), 2024).map(iso)).to.deep.equal(['2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']);
    expect(fiscalYearRange(fiscalCalendar('2020-02-29T00:00:00Z', 2000, 1), 2023).map(iso)).to.deep.equal(['2023-02-28T00:00:00.000Z', '2024-02-29T00:00:00.000Z']);
    const monthly31 = fiscalCalendar('2020-01-31T00:00:00Z', 2003, 1);
    expect(fiscalPeriodRange(monthly31, { year: 2024, period: 1 }).map(iso)).to.deep.equal(['2024-01-31T00:00:00.000Z', '2024-02-29T00:00:00.000Z']);
    expect(fiscalPeriodRange(monthly31, { year: 2024, period: 2 }).map(iso)).to.deep.equal(['2024-02-29T00:00:00.000Z', '2024-03-31T00:00:00.000Z']);
    // Thirteen four-week periods: the thirteenth runs to the next year's start.
    const fourWeek = fiscalCalendar('2020-01-01T00:00:00Z', 2004, 1);
    expect(fiscalPeriodRange(fourWeek, { year: 2023, period: 13 }).map(iso)).to.deep.equal(['2023-12-03T00:00:00.000Z', '2024-01-01T00:00:00.000Z']);
    expect(fiscalPeriodAt(fourWeek, Date.UTC(2024, 4, 15, 12))).to.deep.equal({ year: 2024, period: 5 });
  });
});
