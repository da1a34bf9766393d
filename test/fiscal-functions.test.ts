import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, createRow, DATABASES, recordStatements, startServer, withMetadataCopy, type TestServer } from './support/server.js';

/*
 * The fiscal query functions ($filter Microsoft.Dynamics.CRM.ThisFiscalYear …) and FetchXML fiscal
 * operators (this-fiscal-year …), which follow the organization's fiscal year settings
 * (fiscalcalendarstart, fiscalperiodtype, fiscalyeardisplaycode), over HTTP on every database:
 * rows on each side of period and year boundaries, the settings changed between requests by PATCH.
 */

const SET = 'msdyn_copilotinteractions';
const ENTITY = 'msdyn_copilotinteraction';
const F = 'Microsoft.Dynamics.CRM';
/** The server's clock: 15 May 2024, noon UTC. */
const NOW = Date.parse('2024-05-15T12:00:00Z');
const VIEW_ID = '00000000-0000-0000-00aa-0000f15ca101';

/** Row name → msdyn_clienttimestamp, on each side of the boundaries of an April fiscal year. */
const ROWS: Array<[string, string | null]> = [
  ['2023-03-31 end', '2023-03-31T23:59:59Z'],
  ['2023-04-01', '2023-04-01T00:00:00Z'],
  // The last instant of four-week period 12 of 2023 (from 1 January: 5 November – 2 December).
  ['2023-12-02 end', '2023-12-02T23:59:59Z'],
  ['2023-12-03', '2023-12-03T00:00:00Z'],
  ['2023-12-31 end', '2023-12-31T23:59:59Z'],
  ['2024-01-01', '2024-01-01T00:00:00Z'],
  // 1 April 01:30 at UTC+2 is 31 March 23:30 UTC: the boundaries are UTC midnights.
  ['2024-04-01 +02:00', '2024-04-01T01:30:00+02:00'],
  ['2024-04-01', '2024-04-01T00:00:00Z'],
  // Around four-week period 5 of 2024 from 1 January (22 April – 19 May), which now falls in.
  ['2024-04-21 end', '2024-04-21T23:59:59Z'],
  ['2024-04-22', '2024-04-22T00:00:00Z'],
  ['2024-05-19 end', '2024-05-19T23:59:59Z'],
  ['2024-05-20', '2024-05-20T00:00:00Z'],
  ['2024-05-31 end', '2024-05-31T23:59:59Z'],
  ['2024-06-01', '2024-06-01T00:00:00Z'],
  ['2024-06-30 end', '2024-06-30T23:59:59Z'],
  ['2024-07-01', '2024-07-01T00:00:00Z'],
  ['2024-09-30 end', '2024-09-30T23:59:59Z'],
  ['2024-10-01', '2024-10-01T00:00:00Z'],
  ['2025-01-01', '2025-01-01T00:00:00Z'],
  ['2025-03-31 end', '2025-03-31T23:59:59Z'],
  ['2025-04-01', '2025-04-01T00:00:00Z'],
  ['2026-03-31 end', '2026-03-31T23:59:59Z'],
  ['2026-04-01', '2026-04-01T00:00:00Z'],
  ['no date', null],
];

/** The names of ROWS from `first` to `last` (inclusive), in order. */
function span(first: string, last: string): string[] {
  const names = ROWS.map(([n]) => n);
  return names.slice(names.indexOf(first), names.indexOf(last) + 1);
}

for (const database of DATABASES) {
  describe(`fiscal query functions and FetchXML fiscal operators [${database.name}]`, () => {
    let s: TestServer;
    let organization: string;
    const settings = async (body: object) => {
      const r = await call('PATCH', organization, body);
      expect(r.status, r.text).to.equal(204);
    };
    const filter = async (f: string) => {
      const r = await call('GET', `${s.root}${SET}?$select=msdyn_name&$orderby=importsequencenumber&$filter=${encodeURIComponent(f)}`);
      expect(r.status, `${f}: ${r.text}`).to.equal(200);
      return r.json.value.map((v: { msdyn_name: string }) => v.msdyn_name);
    };
    const fetchXml = (condition: string) => `<fetch><entity name="${ENTITY}"><attribute name="msdyn_name"/>`
      + `<filter>${condition}</filter><order attribute="importsequencenumber"/></entity></fetch>`;
    const fetch = async (condition: string) => {
      const r = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(fetchXml(condition))}`);
      expect(r.status, `${condition}: ${r.text}`).to.equal(200);
      return r.json.value.map((v: { msdyn_name: string }) => v.msdyn_name);
    };
    const fn = (name: string, params = '') => `${F}.${name}(PropertyName='msdyn_clienttimestamp'${params})`;
    const op = (operator: string, values: readonly string[] = []) => `<condition attribute="msdyn_clienttimestamp" operator="${operator}">${values.map((v) => `<value>${v}</value>`).join('')}</condition>`;

    before(async () => {
      s = await startServer(undefined, database, { clock: () => new Date(NOW) });
      organization = `${s.root}organizations(${s.service.caller.organizationid})`;
      for (const [i, [name, at]] of ROWS.entries()) await createRow(s, SET, { msdyn_name: name, msdyn_clienttimestamp: at, importsequencenumber: i });
    });
    after(async () => { await s.close(); });

    it('start with calendar years of one annual period, named by their start (the organization row\'s defaults)', async () => {
      const r = await call('GET', `${organization}?$select=fiscalcalendarstart,fiscalperiodtype,fiscalyeardisplaycode`);
      expect(r.json).to.include({ fiscalperiodtype: 2000, fiscalyeardisplaycode: 1, fiscalcalendarstart: null });
      const year2024 = span('2024-01-01', '2024-10-01');
      expect(await filter(fn('ThisFiscalYear'))).to.deep.equal(year2024);
      expect(await filter(fn('ThisFiscalPeriod'))).to.deep.equal(year2024);
      expect(await filter(fn('LastFiscalYear'))).to.deep.equal(span('2023-03-31 end', '2023-12-31 end'));
      expect(await filter(fn('InFiscalYear', ',PropertyValue=2025'))).to.deep.equal(span('2025-01-01', '2025-04-01'));
      expect(await fetch(op('in-fiscal-period-and-year', ['1', '2024']))).to.deep.equal(year2024);
    });

    it('follow a quarterly fiscal year starting 1 April, named by its start year: each function and its FetchXML operator at their boundaries', async () => {
      await settings({ fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 1 });
      // Now (15 May 2024) is in quarter 1 of fiscal year 2024 (April 2024 – March 2025).
      // [function, its parameters, operator, its <value>s, first and last row matched]
      const cases: Array<[string, string, string, string[], string, string]> = [
        ['ThisFiscalPeriod', '', 'this-fiscal-period', [], '2024-04-01', '2024-06-30 end'],
        ['LastFiscalPeriod', '', 'last-fiscal-period', [], '2024-01-01', '2024-04-01 +02:00'],
        ['NextFiscalPeriod', '', 'next-fiscal-period', [], '2024-07-01', '2024-09-30 end'],
        ['ThisFiscalYear', '', 'this-fiscal-year', [], '2024-04-01', '2025-03-31 end'],
        ['LastFiscalYear', '', 'last-fiscal-year', [], '2023-04-01', '2024-04-01 +02:00'],
        ['NextFiscalYear', '', 'next-fiscal-year', [], '2025-04-01', '2026-03-31 end'],
        ['InFiscalYear', ',PropertyValue=2023', 'in-fiscal-year', ['2023'], '2023-04-01', '2024-04-01 +02:00'],
        ['InFiscalPeriodAndYear', ',PropertyValue1=4,PropertyValue2=2024', 'in-fiscal-period-and-year', ['4', '2024'], '2025-01-01', '2025-03-31 end'],
        ['InFiscalPeriodAndYear', ',PropertyValue1=3,PropertyValue2=2023', 'in-fiscal-period-and-year', ['3', '2023'], '2023-12-02 end', '2023-12-31 end'],
        ['InOrBeforeFiscalPeriodAndYear', ',PropertyValue1=1,PropertyValue2=2023', 'in-or-before-fiscal-period-and-year', ['1', '2023'], '2023-03-31 end', '2023-04-01'],
        ['InOrAfterFiscalPeriodAndYear', ',PropertyValue1=4,PropertyValue2=2025', 'in-or-after-fiscal-period-and-year', ['4', '2025'], '2026-03-31 end', '2026-04-01'],
      ];
      for (const [name, params, operator, values, first, last] of cases) {
        expect(await filter(fn(name, params)), name).to.deep.equal(span(first, last));
        expect(await fetch(op(operator, values)), operator).to.deep.equal(span(first, last));
      }
      // FetchXML's value attribute, and parameter aliases, as for any function.
      expect(await fetch('<condition attribute="msdyn_clienttimestamp" operator="in-fiscal-year" value="2025"/>')).to.deep.equal(span('2025-04-01', '2026-03-31 end'));
      const r = await call('GET', `${s.root}${SET}?$select=msdyn_name&$orderby=importsequencenumber&$filter=${encodeURIComponent(`${F}.InFiscalPeriodAndYear(PropertyName=@p,PropertyValue1=@a,PropertyValue2=@b)`)}&@p='msdyn_clienttimestamp'&@a=2&@b=2024`);
      expect(r.json.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(span('2024-07-01', '2024-09-30 end'));
    });

    it('name fiscal years by the year they end in with fiscalyeardisplaycode 2', async () => {
      await settings({ fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 2 });
      // Fiscal year 2024 is now April 2023 – March 2024.
      expect(await filter(fn('InFiscalYear', ',PropertyValue=2024'))).to.deep.equal(span('2023-04-01', '2024-04-01 +02:00'));
      expect(await filter(fn('InFiscalPeriodAndYear', ',PropertyValue1=4,PropertyValue2=2024'))).to.deep.equal(span('2024-01-01', '2024-04-01 +02:00'));
      expect(await fetch(op('in-fiscal-period-and-year', ['1', '2025']))).to.deep.equal(span('2024-04-01', '2024-06-30 end'));
      // What this year is does not depend on its name.
      expect(await filter(fn('ThisFiscalYear'))).to.deep.equal(span('2024-04-01', '2025-03-31 end'));
    });

    it('find the current fiscal year when it started in the previous calendar year', async () => {
      await settings({ fiscalcalendarstart: '2020-09-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 2 });
      // Now is in quarter 3 (March – May 2024) of the fiscal year September 2023 – August 2024, named 2024.
      expect(await filter(fn('ThisFiscalYear'))).to.deep.equal(span('2023-12-02 end', '2024-07-01'));
      expect(await filter(fn('InFiscalYear', ',PropertyValue=2024'))).to.deep.equal(span('2023-12-02 end', '2024-07-01'));
      expect(await filter(fn('ThisFiscalPeriod'))).to.deep.equal(span('2024-04-01 +02:00', '2024-05-31 end'));
      expect(await fetch(op('in-fiscal-period-and-year', ['3', '2024']))).to.deep.equal(span('2024-04-01 +02:00', '2024-05-31 end'));
    });

    it('follow monthly, semi-annual and four-week templates', async () => {
      await settings({ fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2003, fiscalyeardisplaycode: 1 });
      expect(await filter(fn('ThisFiscalPeriod'))).to.deep.equal(span('2024-05-19 end', '2024-05-31 end'));
      expect(await filter(fn('NextFiscalPeriod'))).to.deep.equal(span('2024-06-01', '2024-06-30 end'));
      expect(await filter(fn('InFiscalPeriodAndYear', ',PropertyValue1=12,PropertyValue2=2024'))).to.deep.equal(['2025-03-31 end']);
      await settings({ fiscalperiodtype: 2001 });
      expect(await filter(fn('ThisFiscalPeriod'))).to.deep.equal(span('2024-04-01', '2024-09-30 end'));
      expect(await fetch(op('last-fiscal-period'))).to.deep.equal(span('2023-12-02 end', '2024-04-01 +02:00'));
      // Thirteen periods of 28 days from 1 January: the thirteenth runs to the next fiscal year.
      await settings({ fiscalcalendarstart: '2020-01-01T00:00:00Z', fiscalperiodtype: 2004 });
      expect(await filter(fn('InFiscalPeriodAndYear', ',PropertyValue1=13,PropertyValue2=2023'))).to.deep.equal(['2023-12-03', '2023-12-31 end']);
      expect(await filter(fn('InFiscalPeriodAndYear', ',PropertyValue1=12,PropertyValue2=2023'))).to.deep.equal(['2023-12-02 end']);
      expect(await filter(fn('ThisFiscalPeriod'))).to.deep.equal(['2024-04-22', '2024-05-19 end']);
      expect(await fetch(op('last-fiscal-period'))).to.deep.equal(['2024-04-01 +02:00', '2024-04-01', '2024-04-21 end']);
      expect(await filter(fn('InFiscalPeriodAndYear', ',PropertyValue1=1,PropertyValue2=2024'))).to.deep.equal(['2024-01-01']);
    });

    it('read the settings again for each request, a saved view\'s FetchXML included', async () => {
      await settings({ fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 1 });
      await createRow(s, 'savedqueries', { savedqueryid: VIEW_ID, name: 'This fiscal period', returnedtypecode: ENTITY, fetchxml: fetchXml(op('this-fiscal-period')), querytype: 0 });
      const view = async () => {
        const r = await call('GET', `${s.root}${SET}?savedQuery=${VIEW_ID}`);
        expect(r.status, r.text).to.equal(200);
        return r.json.value.map((v: { msdyn_name: string }) => v.msdyn_name);
      };
      expect(await view()).to.deep.equal(span('2024-04-01', '2024-06-30 end'));
      await settings({ fiscalperiodtype: 2003 });
      expect(await view()).to.deep.equal(span('2024-05-19 end', '2024-05-31 end'));
      expect(await filter(fn('ThisFiscalPeriod'))).to.deep.equal(span('2024-05-19 end', '2024-05-31 end'));
    });

    it('read the settings once for a request whose parsed query names a fiscal function, and for no other', async () => {
      await settings({ fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 1 });
      const statements = recordStatements(s.db);
      /** How many times `url` (under the set) reads the fiscal settings, checking it answers 200 with `names` when given. */
      const reads = async (query: string, names?: string[]) => {
        statements.length = 0;
        const r = await call('GET', `${s.root}${SET}?${query}`);
        expect(r.status, `${query}: ${r.text}`).to.equal(200);
        if (names) expect(r.json.value.map((v: { msdyn_name: string }) => v.msdyn_name), query).to.deep.equal(names);
        return statements.filter((t) => t.sql.includes('fiscalperiodtype')).length;
      };
      const quarter = span('2024-04-01', '2024-06-30 end');
      const q = (f: string) => `$select=msdyn_name&$orderby=importsequencenumber&$filter=${encodeURIComponent(f)}`;
      const x = (condition: string) => `fetchXml=${encodeURIComponent(fetchXml(condition))}`;
      // Fiscal functions in $filter, $apply and FetchXML (an operator spelled with a character reference too): one read each.
      expect(await reads(q(fn('ThisFiscalPeriod')), quarter)).to.equal(1);
      expect(await reads(q(`msdyn_name ne 'x' and (${fn('ThisFiscalPeriod')} or msdyn_name eq 'y')`), quarter)).to.equal(1);
      expect(await reads(`$apply=${encodeURIComponent(`filter(${fn('ThisFiscalPeriod')})/aggregate($count as n)`)}`)).to.equal(1);
      expect(await reads(x('<condition attribute="msdyn_clienttimestamp" operator="this-&#102;iscal-period"/>'), quarter)).to.equal(1);
      expect(await reads(x(`<filter type="or">${op('this-fiscal-period')}${op('next-fiscal-period')}</filter>`), span('2024-04-01', '2024-09-30 end'))).to.equal(1);
      // "fiscal" elsewhere than in a fiscal function: no read.
      expect(await reads(q("msdyn_name eq 'ThisFiscalYear' or msdyn_name eq 'fiscal'"), [])).to.equal(0);
      expect(await reads(x('<condition attribute="msdyn_name" operator="eq" value="this-fiscal-year"/>'), [])).to.equal(0);
      expect(await reads(q(fn('ThisYear')))).to.equal(0);
      expect(await reads(`$select=msdyn_name&$top=1`)).to.equal(0);
    });

    it('refuse bad parameters: 400 0x80060888 in $filter, 0x80040203 in FetchXML', async () => {
      await settings({ fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 1 });
      for (const [f, text] of [
        [fn('InFiscalPeriodAndYear', ',PropertyValue1=-1,PropertyValue2=2024'), 'PropertyValue1 must be a whole number of 0 or more'],
        [fn('InFiscalPeriod', ',PropertyValue=-1'), 'PropertyValue must be a whole number of 0 or more'],
        [fn('InFiscalPeriod', ',PropertyValue=1.5'), 'PropertyValue must be a whole number'],
        [fn('InFiscalPeriod'), 'PropertyValue must be a whole number'],
        [fn('LastXFiscalYears', ',PropertyValue=0'), 'must be at least 1'],
        [fn('NextXFiscalPeriods', ',PropertyValue=-2'), 'PropertyValue must be a whole number'],
        [fn('LastXFiscalPeriods', ",PropertyValue='two'"), 'PropertyValue must be a whole number'],
        [`${F}.NextXFiscalYears(PropertyName='msdyn_name',PropertyValue=1)`, 'is not a date column'],
        [fn('InFiscalPeriod', ',PropertyValue1=1'), 'InFiscalPeriod(PropertyName,PropertyValue)'],
        [fn('InOrAfterFiscalPeriodAndYear', ',PropertyValue1=1,PropertyValue2=1700'), 'a fiscal year (PropertyValue2) must be from 1753 to 9999'],
        [fn('InFiscalYear', ',PropertyValue=10000'), 'from 1753 to 9999'],
        [fn('InFiscalYear', ",PropertyValue='x'"), 'must be a whole number'],
        [fn('InFiscalPeriodAndYear', ',PropertyValue1=1'), 'PropertyValue2 must be a whole number'],
        [`${F}.ThisFiscalYear(PropertyName='msdyn_name')`, 'is not a date column'],
        [fn('ThisFiscalYear', ',PropertyValue=1'), 'No function signature'],
        [fn('InFiscalYear', ',PropertyValue1=2024'), 'InFiscalYear(PropertyName,PropertyValue)'],
      ] as const) {
        const r = await call('GET', `${s.root}${SET}?$filter=${encodeURIComponent(f)}`);
        expect(r.status, f).to.equal(400);
        expect(r.json.error.code, f).to.equal('0x80060888');
        expect(r.json.error.message, f).to.contain(text);
      }
      for (const [condition, text] of [
        [op('in-fiscal-period-and-year', ['2024']), 'needs two <value> elements'],
        [op('in-fiscal-period'), 'needs a value'],
        [op('in-fiscal-period', ['1', '2']), 'takes one value'],
        [op('last-x-fiscal-periods', ['0']), 'must be at least 1'],
        [op('next-x-fiscal-years', ['x']), 'must be a whole number'],
        [op('in-fiscal-period', ['-1']), 'must be a whole number of 0 or more'],
        [op('in-fiscal-year'), 'needs a value'],
        [op('in-fiscal-year', ['12345']), 'from 1753 to 9999'],
        [op('this-fiscal-year', ['1']), 'takes no value'],
      ] as const) {
        const r = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(fetchXml(condition))}`);
        expect(r.status, condition).to.equal(400);
        expect(r.json.error.code, condition).to.equal('0x80040203');
        expect(r.json.error.message, condition).to.contain(text);
      }
    });

    it('match no row for fiscal periods of 1753 … 9999 that lie outside the dates a column holds, rather than a 400', async () => {
      const all = span('2023-03-31 end', '2026-04-01');
      // Fiscal year 9999 of a 31 December start begins on 9999-12-31, after the last date a column holds.
      await settings({ fiscalcalendarstart: '2020-12-31T00:00:00Z', fiscalperiodtype: 2003, fiscalyeardisplaycode: 1 });
      expect(await filter(fn('InFiscalYear', ',PropertyValue=9999'))).to.deep.equal([]);
      expect(await fetch(op('in-fiscal-year', ['9999']))).to.deep.equal([]);
      expect(await filter(fn('InOrAfterFiscalPeriodAndYear', ',PropertyValue1=1,PropertyValue2=9999'))).to.deep.equal([]);
      expect(await filter(fn('InOrBeforeFiscalPeriodAndYear', ',PropertyValue1=1,PropertyValue2=9999'))).to.deep.equal(all);
      // Quarter 4 of fiscal year 9999 starting 1 April is January – March 10000.
      await settings({ fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 1 });
      expect(await filter(fn('InFiscalPeriodAndYear', ',PropertyValue1=4,PropertyValue2=9999'))).to.deep.equal([]);
      expect(await fetch(op('in-fiscal-period-and-year', ['4', '9999']))).to.deep.equal([]);
      // Named by its end, fiscal year 1753 is April 1752 – March 1753: its first quarter ends before 1753.
      await settings({ fiscalyeardisplaycode: 2 });
      expect(await filter(fn('InOrBeforeFiscalPeriodAndYear', ',PropertyValue1=1,PropertyValue2=1753'))).to.deep.equal([]);
      expect(await fetch(op('in-or-before-fiscal-period-and-year', ['1', '1753']))).to.deep.equal([]);
      expect(await filter(fn('InFiscalPeriodAndYear', ',PropertyValue1=1,PropertyValue2=1753'))).to.deep.equal([]);
      expect(await filter(fn('InOrAfterFiscalPeriodAndYear', ',PropertyValue1=1,PropertyValue2=1753'))).to.deep.equal(all);
    });

    it('keep the settings in range when an administrator updates them, and unchanged when an update is refused', async () => {
      await settings({ fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 1 });
      const current = async () => (await call('GET', `${organization}?$select=fiscalcalendarstart,fiscalperiodtype,fiscalyeardisplaycode`)).json;
      const before = await current();
      expect(before).to.include({ fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 1 });
      for (const body of [{ fiscalperiodtype: 1999 }, { fiscalperiodtype: 2005 }, { fiscalyeardisplaycode: 3 },
        { fiscalcalendarstart: '2020-07-01T00:00:00Z', fiscalperiodtype: 2005 }, { fiscalperiodtype: 2003, fiscalyeardisplaycode: 0 }]) {
        expect((await call('PATCH', organization, body)).status, JSON.stringify(body)).to.equal(400);
      }
      // A user who may read the organization but not write it: 403, and nothing changes.
      const role = (await createRow(s, 'roles', { name: 'Reads the organization' })).roleid as string;
      const granted = await call('POST', `${s.root}roles(${role})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { Privileges: [{ PrivilegeName: 'prvReadOrganization', Depth: 'Global' }] });
      expect(granted.status, granted.text).to.equal(204);
      const user = (await createRow(s, 'systemusers', { fullname: 'Not an administrator' })).systemuserid as string;
      const linked = await call('POST', `${s.root}systemusers(${user})/systemuserroles_association/$ref`, { '@odata.id': `${s.root}roles(${role})` });
      expect(linked.status, linked.text).to.equal(204);
      const read = await call('GET', `${organization}?$select=fiscalperiodtype`, undefined, { MSCRMCallerID: user });
      expect(read.status, read.text).to.equal(200);
      const refused = await call('PATCH', organization, { fiscalcalendarstart: '2020-07-01T00:00:00Z', fiscalperiodtype: 2003, fiscalyeardisplaycode: 2 }, { MSCRMCallerID: user });
      expect(refused.status, refused.text).to.equal(403);
      expect(await current()).to.deep.equal(before);
      expect(await filter(fn('ThisFiscalPeriod'))).to.deep.equal(span('2024-04-01', '2024-06-30 end'));
    });

    it('match no row for a period past the template\'s, as Dataverse documents for in-fiscal-period and in-fiscal-period-and-year', async () => {
      await settings({ fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 1 });
      for (const f of [fn('InFiscalPeriodAndYear', ',PropertyValue1=5,PropertyValue2=2024'), fn('InFiscalPeriodAndYear', ',PropertyValue1=0,PropertyValue2=2024'),
        fn('InFiscalPeriod', ',PropertyValue=5'), fn('InFiscalPeriod', ',PropertyValue=0'), fn('InOrAfterFiscalPeriodAndYear', ',PropertyValue1=5,PropertyValue2=2023')]) {
        expect(await filter(f), f).to.deep.equal([]);
      }
      expect(await fetch(op('in-fiscal-period', ['5']))).to.deep.equal([]);
      expect(await fetch(op('in-fiscal-period-and-year', ['5', '2024']))).to.deep.equal([]);
      await settings({ fiscalperiodtype: 2003 });
      expect(await filter(fn('InFiscalPeriodAndYear', ',PropertyValue1=13,PropertyValue2=2024'))).to.deep.equal([]);
      expect(await filter(fn('InFiscalPeriodAndYear', ',PropertyValue1=12,PropertyValue2=2024'))).to.deep.equal(['2025-03-31 end']);
    });

    it('match a period of every fiscal year with InFiscalPeriod and in-fiscal-period', async () => {
      await settings({ fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 1 });
      // Quarter 1 is April – June of every year; quarter 4 January – March (UTC midnights bound them).
      const first = ['2023-04-01', ...span('2024-04-01', '2024-06-30 end'), '2025-04-01', '2026-04-01'];
      const fourth = ['2023-03-31 end', '2024-01-01', '2024-04-01 +02:00', '2025-01-01', '2025-03-31 end', '2026-03-31 end'];
      expect(await filter(fn('InFiscalPeriod', ',PropertyValue=1'))).to.deep.equal(first);
      expect(await fetch(op('in-fiscal-period', ['1']))).to.deep.equal(first);
      expect(await fetch('<condition attribute="msdyn_clienttimestamp" operator="in-fiscal-period" value="4"/>')).to.deep.equal(fourth);
      expect(await filter(fn('InFiscalPeriod', ',PropertyValue=4'))).to.deep.equal(fourth);
      // The display code names years; it does not move periods.
      await settings({ fiscalyeardisplaycode: 2 });
      expect(await filter(fn('InFiscalPeriod', ',PropertyValue=1'))).to.deep.equal(first);
      // Four-week periods from 1 January: the thirteenth runs to the year's end.
      await settings({ fiscalcalendarstart: '2020-01-01T00:00:00Z', fiscalperiodtype: 2004, fiscalyeardisplaycode: 1 });
      expect(await filter(fn('InFiscalPeriod', ',PropertyValue=13'))).to.deep.equal(['2023-12-03', '2023-12-31 end']);
      expect(await filter(fn('InFiscalPeriod', ',PropertyValue=12'))).to.deep.equal(['2023-12-02 end']);
      expect(await filter(fn('InFiscalPeriod', ',PropertyValue=5'))).to.deep.equal(['2024-04-22', '2024-05-19 end']);
      // With other conditions, in $count.
      const r = await call('GET', `${s.root}${SET}/$count?$filter=${encodeURIComponent(`${fn('InFiscalPeriod', ',PropertyValue=13')} or msdyn_name eq 'no date'`)}`);
      expect(r.text).to.equal('3');
    });

    it('take the X fiscal years or periods before or after the current one with LastX… and NextX…, the current one left out', async () => {
      await settings({ fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 1 });
      // Now (15 May 2024) is in quarter 1 of fiscal year 2024 (April 2024 – March 2025).
      const cases: Array<[string, string, string, string]> = [
        ['LastXFiscalPeriods', 'last-x-fiscal-periods', '1', 'LastFiscalPeriod'],
        ['NextXFiscalPeriods', 'next-x-fiscal-periods', '1', 'NextFiscalPeriod'],
        ['LastXFiscalYears', 'last-x-fiscal-years', '1', 'LastFiscalYear'],
        ['NextXFiscalYears', 'next-x-fiscal-years', '1', 'NextFiscalYear'],
      ];
      // X = 1 is the function without X.
      for (const [name, operator, x, single] of cases) {
        const want = await filter(fn(single));
        expect(want, single).to.not.deep.equal([]);
        expect(await filter(fn(name, `,PropertyValue=${x}`)), name).to.deep.equal(want);
        expect(await fetch(op(operator, [x])), operator).to.deep.equal(want);
      }
      // Two quarters back: October 2023 – March 2024; four: from April 2023. Not the current quarter.
      expect(await filter(fn('LastXFiscalPeriods', ',PropertyValue=2'))).to.deep.equal(span('2023-12-02 end', '2024-04-01 +02:00'));
      expect(await fetch(op('last-x-fiscal-periods', ['4']))).to.deep.equal(span('2023-04-01', '2024-04-01 +02:00'));
      expect(await filter(fn('NextXFiscalPeriods', ',PropertyValue=2'))).to.deep.equal(span('2024-07-01', '2024-10-01'));
      expect(await fetch('<condition attribute="msdyn_clienttimestamp" operator="next-x-fiscal-periods" value="3"/>')).to.deep.equal(span('2024-07-01', '2025-03-31 end'));
      expect(await filter(fn('LastXFiscalYears', ',PropertyValue=2'))).to.deep.equal(span('2023-03-31 end', '2024-04-01 +02:00'));
      expect(await filter(fn('NextXFiscalYears', ',PropertyValue=2'))).to.deep.equal(span('2025-04-01', '2026-04-01'));
      // A count past every date a column holds: everything before (after) the current year.
      expect(await filter(fn('LastXFiscalYears', ',PropertyValue=100000000'))).to.deep.equal(span('2023-03-31 end', '2024-04-01 +02:00'));
      expect(await filter(fn('NextXFiscalPeriods', ',PropertyValue=99999999999'))).to.deep.equal(span('2024-07-01', '2026-04-01'));
      // Monthly: the two months before May 2024 (March, April) across the year boundary at April.
      await settings({ fiscalperiodtype: 2003 });
      expect(await filter(fn('LastXFiscalPeriods', ',PropertyValue=2'))).to.deep.equal(span('2024-04-01 +02:00', '2024-04-22'));
    });

    it('group aggregates by fiscal-period and fiscal-year: 100 · year + period and the year, with their display text', async () => {
      await settings({ fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 1 });
      const aggregate = async (grouping: string) => {
        const x = `<fetch aggregate="true"><entity name="${ENTITY}"><attribute name="msdyn_clienttimestamp" groupby="true" dategrouping="${grouping}" alias="g"/>`
          + `<attribute name="msdyn_name" aggregate="count" alias="n"/><order alias="g"/></entity></fetch>`;
        const r = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(x)}`, undefined, { Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' });
        expect(r.status, r.text).to.equal(200);
        return r.json.value as Array<Record<string, unknown>>;
      };
      const periods = await aggregate('fiscal-period');
      // The row without a date groups under null (first ascending), its value left out.
      expect(periods[0]).to.deep.equal({ n: 1, 'n@OData.Community.Display.V1.FormattedValue': '1' });
      expect(periods.slice(1).map((p) => [p['g'], p['n']])).to.deep.equal([
        [202204, 1], [202301, 1], [202303, 3], [202304, 2], [202401, 8], [202402, 2], [202403, 1], [202404, 2], [202501, 1], [202504, 1], [202601, 1],
      ]);
      expect(periods[5]!['g@OData.Community.Display.V1.FormattedValue']).to.equal('Quarter 1 FY2024');
      const years = await aggregate('fiscal-year');
      expect(years.slice(1).map((p) => [p['g'], p['n'], p['g@OData.Community.Display.V1.FormattedValue']])).to.deep.equal([
        [2022, 1, 'FY2022'], [2023, 6, 'FY2023'], [2024, 13, 'FY2024'], [2025, 2, 'FY2025'], [2026, 1, 'FY2026'],
      ]);
      // Named by their end, the same years are one later.
      await settings({ fiscalyeardisplaycode: 2 });
      expect((await aggregate('fiscal-year')).slice(1).map((p) => p['g'])).to.deep.equal([2023, 2024, 2025, 2026, 2027]);
      await settings({ fiscalyeardisplaycode: 1, fiscalperiodtype: 2001 });
      const semesters = await aggregate('fiscal-period');
      expect(semesters.slice(1).map((p) => [p['g'], p['n'], p['g@OData.Community.Display.V1.FormattedValue']])).to.deep.equal([
        [202202, 1, 'Semester 2 FY2022'], [202301, 1, 'Semester 1 FY2023'], [202302, 5, 'Semester 2 FY2023'], [202401, 10, 'Semester 1 FY2024'],
        [202402, 3, 'Semester 2 FY2024'], [202501, 1, 'Semester 1 FY2025'], [202502, 1, 'Semester 2 FY2025'], [202601, 1, 'Semester 1 FY2026'],
      ]);
      // Read once for the request, and only when a fiscal grouping asks for it.
      const statements = recordStatements(s.db);
      await aggregate('year');
      expect(statements.filter((t) => t.sql.includes('fiscalperiodtype')).length).to.equal(0);
      statements.length = 0;
      await aggregate('fiscal-year');
      expect(statements.filter((t) => t.sql.includes('fiscalperiodtype')).length).to.equal(1);
    });

    it('start on a metadata folder whose organization table has no fiscal columns, as calendar years', async () => {
      await withMetadataCopy(async (dir) => {
        const file = join(dir, 'organization.json');
        const organization = JSON.parse(readFileSync(file, 'utf8')) as { Attributes: Array<{ LogicalName: string }> };
        organization.Attributes = organization.Attributes.filter((a) => !a.LogicalName.startsWith('fiscal'));
        writeFileSync(file, JSON.stringify(organization));
        const old = await startServer(dir, database, { clock: () => new Date(NOW) });
        try {
          const r = await call('GET', `${old.root}organizations(${old.service.caller.organizationid})`);
          expect(r.status, r.text).to.equal(200);
          expect(r.json).to.not.have.property('fiscalperiodtype');
          await createRow(old, SET, { msdyn_name: 'last year', msdyn_clienttimestamp: '2023-12-31T23:59:59Z' });
          await createRow(old, SET, { msdyn_name: 'this year', msdyn_clienttimestamp: '2024-01-01T00:00:00Z' });
          const f = await call('GET', `${old.root}${SET}?$select=msdyn_name&$filter=${encodeURIComponent(fn('ThisFiscalYear'))}`);
          expect(f.status, f.text).to.equal(200);
          expect(f.json.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['this year']);
        } finally {
          await old.close();
        }
      });
    });
  });
}
