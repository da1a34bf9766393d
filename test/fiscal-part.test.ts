import { expect } from 'chai';
import type { AttributeModel } from '../src/model/types.js';
import { FISCAL_PERIOD_TYPES, fiscalCalendar, fiscalPeriodAt, type FiscalCalendar } from '../src/plan/fiscal-calendar.js';
import { fiscalPartSql } from '../src/sql/fiscal-part.js';
import { sqliteDialect } from '../src/sql/sqlite.js';
import { DATABASES } from './support/server.js';

/*
 * The SQL of a date's fiscal period and year (src/sql/fiscal-part.ts) against the pure calendar
 * (fiscalPeriodAt), on every database: the first and last second of every day of 2019 – 2030 (leap
 * years, and fiscal years that span two calendar years), for starts some months lack (29 February,
 * the 31st), every period template and both display codes, plus the ends of the years a column
 * holds (1753, 9999), and a null date (null parts). A period or year off by one anywhere fails here.
 */

const DAY = 86400000;
const STARTS = ['2020-01-01', '2020-02-29', '2020-01-31', '2020-03-31', '2020-08-31', '2020-12-31', '2020-04-01', '2020-07-15'];
const TYPES = [2000, 2001, 2002, 2003, 2004];
const CALENDARS: Array<[string, FiscalCalendar]> = STARTS.flatMap((start) => TYPES.flatMap((type) => [1, 2].map((display): [string, FiscalCalendar] => [`${start} ${type} display ${display}`, fiscalCalendar(`${start}T00:00:00Z`, type, display)])));

/** Instants tested: each day's first and last second in 2019 – 2030, and the first and last days a column holds. */
const INSTANTS: number[] = [];
for (let day = Date.UTC(2019, 0, 1); day < Date.UTC(2031, 0, 1); day += DAY) INSTANTS.push(day, day + DAY - 1000);
INSTANTS.push(Date.UTC(1753, 0, 1), Date.UTC(1753, 0, 1, 23, 59, 59), Date.UTC(9999, 11, 30), Date.UTC(9999, 11, 30, 23, 59, 59));

/** A DateTime column as the model describes one (UserLocal: stored as an instant). */
const COLUMN = { LogicalName: 'v', AttributeType: 'DateTime', EdmType: 'Edm.DateTimeOffset', DateTimeBehavior: 'UserLocal' } as unknown as AttributeModel;

describe('size of the fiscal-part SQL (sql/fiscal-part.ts)', () => {
  // Each template's SQL reads the date's calendar fields a few times only: the four-week one once
  // inlined its start year's SQL in the year-start day number (~120 strftime calls per row for a
  // 29 February start, seconds over 200,000 rows, a 7 KB group key repeated in SELECT, GROUP BY
  // and ORDER BY).
  const v = sqliteDialect.quote('v');
  const calls = (sql: string) => sql.split('strftime(').length - 1;
  for (const [name, c] of CALENDARS.filter(([n]) => n.endsWith('display 2'))) {
    it(`reads the date a few times only in ${name}`, () => {
      for (const part of ['period', 'year', 'yearPeriod'] as const) {
        const sql = fiscalPartSql(sqliteDialect, part, v, COLUMN, c);
        expect(calls(sql), `${part}: ${sql}`).to.be.within(1, 16);
        if (c.periodType === FISCAL_PERIOD_TYPES.fourWeek) expect(calls(sql), part).to.be.at.most(12);
      }
    });
  }
});

for (const database of DATABASES) {
  describe(`fiscal parts of dates in SQL (sql/fiscal-part.ts) [${database.name}]`, () => {
    let handle: Awaited<ReturnType<typeof database.create>>;
    before(async () => {
      handle = await database.create();
      const { db } = handle;
      const d = db.dialect;
      await db.run({ sql: `CREATE TABLE ${d.quote('fx')} (${d.quote('v')} ${d.columnType(COLUMN)})`, params: [] });
      const text = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
      for (let i = 0; i < INSTANTS.length; i += 500) {
        const chunk = INSTANTS.slice(i, i + 500);
        await db.run({ sql: `INSERT INTO ${d.quote('fx')} (${d.quote('v')}) VALUES ${chunk.map((_, j) => `(${d.placeholder(j + 1)})`).join(', ')}`, params: chunk.map((ms) => d.toDb(COLUMN, text(ms))) });
      }
      await db.run({ sql: `INSERT INTO ${d.quote('fx')} (${d.quote('v')}) VALUES (NULL)`, params: [] });
    });
    after(async () => { await handle.drop(); });

    it('computes the period and fiscal year fiscalPeriodAt names for every instant, in every calendar', async () => {
      const { db } = handle;
      const d = db.dialect;
      const v = d.quote('v');
      for (const [name, c] of CALENDARS) {
        const sql = `SELECT ${v}, ${fiscalPartSql(d, 'period', v, COLUMN, c)}, ${fiscalPartSql(d, 'year', v, COLUMN, c)}, ${fiscalPartSql(d, 'yearPeriod', v, COLUMN, c)} FROM ${d.quote('fx')}`;
        const rows = await db.rows({ sql, params: [] });
        expect(rows.length).to.equal(INSTANTS.length + 1);
        for (const [value, period, year, both] of rows) {
          if (value === null) {
            expect([period, year, both], `${name}: a null date`).to.deep.equal([null, null, null]);
            continue;
          }
          const ms = Date.parse(String(d.fromDb(COLUMN, value)));
          const want = fiscalPeriodAt(c, ms);
          const got = { year: Number(year), period: Number(period) };
          if (got.year !== want.year || got.period !== want.period || Number(both) !== 100 * want.year + want.period) {
            expect.fail(`${name}: ${new Date(ms).toISOString()} is period ${want.period} of ${want.year}; SQL says ${got.period} of ${got.year} (${String(both)})`);
          }
        }
      }
    });
  });
}
