import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { call, DATABASES, startServer, type TestServer } from './support/server.js';
import { TASK_SET, seedTasks, taskMetadata } from './support/tasks.js';

const SET = 'msdyn_copilotinteractions';
const F = 'Microsoft.Dynamics.CRM';
const DAY = 86400000;

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

for (const database of DATABASES) {
  describe(`Dataverse query functions in $filter [${database.name}]`, () => {
    let s: TestServer;
    // The server's clock is pinned to 12:00 UTC of the day the suite runs, so that "now" and "two
    // hours ago" are on the same day at any time of day (rows are still stamped with the real
    // clock: createdon is today too, unless the suite straddles midnight).
    let today: number;
    let now: number;
    // name → client timestamp
    let rows: Array<[string, number | null, number]>;
    const q = async (filter: string, extra = '') => {
      const r = await call('GET', `${s.root}${SET}?$select=msdyn_name&$orderby=importsequencenumber&$filter=${encodeURIComponent(filter)}${extra}`);
      expect(r.status, `${filter}: ${r.text}`).to.equal(200);
      return r.json.value.map((v: { msdyn_name: string }) => v.msdyn_name);
    };

    before(async () => {
      today = Math.floor(Date.now() / DAY) * DAY;
      now = today + 12 * 3600000;
      rows = [
        ['now', now - 60000, 1],
        ['two hours ago', now - 2 * 3600000, 2],
        ['yesterday noon', today - DAY + 12 * 3600000, 3],
        ['three days ago', today - 3 * DAY + 3600000, 4],
        ['forty days ago', today - 40 * DAY, 5],
        ['tomorrow noon', today + DAY + 12 * 3600000, 6],
        ['in five days', today + 5 * DAY + 3600000, 7],
        ['two years ago', today - 800 * DAY, 8],
        ['no date', null, 9],
      ];
      s = await startServer(undefined, database, { clock: () => new Date(now) });
      for (const [name, ts, n] of rows) {
        const r = await call('POST', `${s.root}${SET}`, { msdyn_name: name, msdyn_clienttimestamp: ts === null ? null : iso(ts), importsequencenumber: n, msdyn_interactiontype: 100230300 + n });
        expect(r.status).to.equal(204);
      }
    });
    after(async () => { await s.close(); });

    it('In / NotIn / ContainValues with JSON arrays, inline or through aliases', async () => {
      expect(await q(`${F}.In(PropertyName='importsequencenumber',PropertyValues=["2","4"])`)).to.deep.equal(['two hours ago', 'three days ago']);
      expect(await q(`${F}.In(PropertyName=@p1,PropertyValues=@p2)`, `&@p1='msdyn_name'&@p2=${encodeURIComponent('["NOW","no date"]')}`)).to.deep.equal(['now', 'no date']);
      expect((await q(`${F}.NotIn(PropertyName='importsequencenumber',PropertyValues=[1,2,3,4,5,6,7])`))).to.deep.equal(['two years ago', 'no date']);
      expect(await q(`${F}.ContainValues(PropertyName='msdyn_interactiontype',PropertyValues=["100230301","100230309"])`)).to.deep.equal(['now', 'no date']);
      expect(await q(`${F}.DoesNotContainValues(PropertyName='msdyn_interactiontype',PropertyValues=[100230301,100230302,100230303,100230304,100230305,100230306,100230307])`)).to.deep.equal(['two years ago', 'no date']);
    });

    it('read PropertyValues as the OData JSON reader does: single-quoted strings and backslash escapes too (what many clients send)', async () => {
      expect(await q(`${F}.In(PropertyName='importsequencenumber',PropertyValues=['2', '4'])`)).to.deep.equal(['two hours ago', 'three days ago']);
      expect(await q(`${F}.In(PropertyName='msdyn_name',PropertyValues=['NOW',"no date"])`)).to.deep.equal(['now', 'no date']);
      expect(await q(`${F}.In(PropertyName=@p1,PropertyValues=@p2)`, `&@p1='msdyn_name'&@p2=${encodeURIComponent("['two hours ago','x']")}`)).to.deep.equal(['two hours ago']);
      expect(await q(`${F}.In(PropertyName='msdyn_name',PropertyValues=['n\\u006Fw','it\\'s'])`)).to.deep.equal(['now']);
      expect(await q(`${F}.Between(PropertyName='importsequencenumber',PropertyValues=['3','5'])`)).to.deep.equal(['yesterday noon', 'three days ago', 'forty days ago']);
      // An apostrophe inside single quotes ends the string, as in Dataverse: its error wants a comma.
      const r = await call('GET', `${s.root}${SET}?$filter=${encodeURIComponent(`${F}.In(PropertyName='msdyn_name',PropertyValues=['O'Brian','O'Bryan'])`)}`);
      expect(r.status).to.equal(400);
      expect(r.json.error.message).to.contain("A comma character ',' was expected in scope 'Array'.");
    });

    it('refuses a parameter the function does not take, as the OData binder does', async () => {
      for (const bad of [
        `${F}.Today(PropertyName='createdon',PropertyValue=1)`, `${F}.In(PropertyName='msdyn_name',PropertyValue=["now"])`,
        `${F}.In(PropertyName='msdyn_name',PropertyValues=["now"],Extra=1)`, `${F}.LastXDays(PropertyName='createdon',PropertyValues=[1])`,
      ]) {
        const r = await call('GET', `${s.root}${SET}?$filter=${encodeURIComponent(bad)}`);
        expect(r.status, bad).to.equal(400);
        expect(r.json.error.message, bad).to.match(/^No function signature for the function with name 'Microsoft\.Dynamics\.CRM\.\w+' matches the specified arguments\./);
      }
      const empty = await call('GET', `${s.root}${SET}?$filter=${encodeURIComponent(`${F}.In(PropertyName='msdyn_name',PropertyValues=[])`)}`);
      expect(empty.json.error.message).to.equal(`${F}.In: PropertyValues must have at least one value.`);
    });

    it('Between / NotBetween', async () => {
      expect(await q(`${F}.Between(PropertyName='importsequencenumber',PropertyValues=["3","5"])`)).to.deep.equal(['yesterday noon', 'three days ago', 'forty days ago']);
      expect(await q(`${F}.NotBetween(PropertyName='importsequencenumber',PropertyValues=[2,8])`)).to.deep.equal(['now', 'no date']);
    });

    it('heed a date-time value\'s sub-second digits as $filter\'s eq and ge do: stored date-times are whole seconds', async () => {
      // "now" is stored at now − 60 s, to the second; the same instant half a second later equals no stored value.
      const at = iso(now - 60000), half = `${at.slice(0, 19)}.5Z`;
      expect(await q(`msdyn_clienttimestamp eq ${half}`)).to.deep.equal([]);
      expect(await q(`${F}.In(PropertyName='msdyn_clienttimestamp',PropertyValues=["${half}"])`)).to.deep.equal([]);
      expect(await q(`${F}.In(PropertyName='msdyn_clienttimestamp',PropertyValues=["${half}","${at}"])`)).to.deep.equal(['now']);
      expect(await q(`${F}.NotIn(PropertyName='msdyn_clienttimestamp',PropertyValues=["${half}"]) and importsequencenumber le 2`)).to.deep.equal(['now', 'two hours ago']);
      // Between's low bound x.5 leaves x out, its high bound x.5 keeps x in.
      expect(await q(`${F}.Between(PropertyName='msdyn_clienttimestamp',PropertyValues=["${half}","${iso(now)}"])`)).to.deep.equal([]);
      expect(await q(`${F}.Between(PropertyName='msdyn_clienttimestamp',PropertyValues=["${iso(now - 120000)}","${half}"])`)).to.deep.equal(['now']);
      expect(await q(`${F}.NotBetween(PropertyName='msdyn_clienttimestamp',PropertyValues=["${half}","${iso(now)}"]) and importsequencenumber le 2`)).to.deep.equal(['now', 'two hours ago']);
    });

    it('On / OnOrAfter / OnOrBefore / Today / Yesterday / Tomorrow', async () => {
      const day = (ms: number) => iso(ms).slice(0, 10);
      expect(await q(`${F}.On(PropertyName='msdyn_clienttimestamp',PropertyValue='${day(today - DAY)}')`)).to.deep.equal(['yesterday noon']);
      expect(await q(`${F}.OnOrAfter(PropertyName='msdyn_clienttimestamp',PropertyValue='${day(today + DAY)}')`)).to.deep.equal(['tomorrow noon', 'in five days']);
      expect(await q(`${F}.OnOrBefore(PropertyName='msdyn_clienttimestamp',PropertyValue='${day(today - 3 * DAY)}')`)).to.deep.equal(['three days ago', 'forty days ago', 'two years ago']);
      expect(await q(`${F}.Yesterday(PropertyName='msdyn_clienttimestamp')`)).to.deep.equal(['yesterday noon']);
      expect(await q(`${F}.Tomorrow(PropertyName='msdyn_clienttimestamp')`)).to.deep.equal(['tomorrow noon']);
      expect(await q(`${F}.Today(PropertyName='createdon')`)).to.have.length(rows.length);
      // The last day a column can hold (MaxSupportedValue's): its day after is no bound, not an out-of-range value.
      expect(await q(`${F}.On(PropertyName='msdyn_clienttimestamp',PropertyValue='9999-12-30')`)).to.deep.equal([]);
      const dated = await q(`msdyn_clienttimestamp ne null`);
      expect(await q(`${F}.OnOrBefore(PropertyName='msdyn_clienttimestamp',PropertyValue='9999-12-30')`)).to.deep.equal(dated);
      expect(await q(`${F}.OnOrAfter(PropertyName='msdyn_clienttimestamp',PropertyValue='1753-01-01')`)).to.deep.equal(dated);
      // Days no calendar has are refused, not rolled into the next month.
      for (const bad of ['2024-02-30', '2023-02-29', '2024-04-31', '2024-13-01', '2024-02-28T25:00:00Z', '2024-02-28garbage']) {
        for (const fn of ['On', 'OnOrAfter', 'OnOrBefore']) {
          const r = await call('GET', `${s.root}${SET}?$filter=${encodeURIComponent(`${F}.${fn}(PropertyName='msdyn_clienttimestamp',PropertyValue='${bad}')`)}`);
          expect(r.status, `${fn} ${bad}`).to.equal(400);
          expect(r.json.error.message).to.contain('PropertyValue must be a date');
        }
      }
      expect(await q(`${F}.On(PropertyName='msdyn_clienttimestamp',PropertyValue='2024-02-29')`)).to.deep.equal([]);
      for (const fn of [`In(PropertyName='msdyn_clienttimestamp',PropertyValues=["2024-02-30"])`, `Between(PropertyName='msdyn_clienttimestamp',PropertyValues=["2024-01-01","2024-02-30T00:00:00Z"])`]) {
        const r = await call('GET', `${s.root}${SET}?$filter=${encodeURIComponent(`${F}.${fn}`)}`);
        expect(r.status, fn).to.equal(400);
        expect(r.json.error.message, fn).to.match(/^The (Date|DateTimeOffset) text '2024-02-30(T00:00:00Z)?' should be in format/);
      }
    });

    it('LastX / NextX / OlderThanX in hours, days, months and years', async () => {
      expect(await q(`${F}.LastXHours(PropertyName='msdyn_clienttimestamp',PropertyValue=3)`)).to.deep.equal(['now', 'two hours ago']);
      expect(await q(`${F}.LastXDays(PropertyName='msdyn_clienttimestamp',PropertyValue=@n)`, '&@n=3')).to.deep.equal(['now', 'two hours ago', 'yesterday noon', 'three days ago']);
      expect(await q(`${F}.NextXDays(PropertyName='msdyn_clienttimestamp',PropertyValue=2)`)).to.deep.equal(['tomorrow noon']);
      expect(await q(`${F}.NextXWeeks(PropertyName='msdyn_clienttimestamp',PropertyValue=1)`)).to.deep.equal(['tomorrow noon', 'in five days']);
      expect(await q(`${F}.OlderThanXDays(PropertyName='msdyn_clienttimestamp',PropertyValue=30)`)).to.deep.equal(['forty days ago', 'two years ago']);
      expect(await q(`${F}.OlderThanXMonths(PropertyName='msdyn_clienttimestamp',PropertyValue=12)`)).to.deep.equal(['two years ago']);
      expect(await q(`${F}.OlderThanXMinutes(PropertyName='msdyn_clienttimestamp',PropertyValue=30)`)).to.deep.equal(['two hours ago', 'yesterday noon', 'three days ago', 'forty days ago', 'two years ago']);
      expect(await q(`${F}.LastXYears(PropertyName='msdyn_clienttimestamp',PropertyValue=1)`)).to.not.include('two years ago');
      expect(await q(`${F}.LastXMonths(PropertyName='msdyn_clienttimestamp',PropertyValue=2)`)).to.include('forty days ago');
    });

    it('This / Last Week, Month, Year agree with the calendar', async () => {
      const thisYear = await q(`${F}.ThisYear(PropertyName='msdyn_clienttimestamp')`);
      const lastYear = await q(`${F}.LastYear(PropertyName='msdyn_clienttimestamp')`);
      const year = new Date(now).getUTCFullYear();
      const inYear = (y: number) => rows.filter(([, ts]) => ts !== null && new Date(ts).getUTCFullYear() === y).map(([n]) => n);
      expect(thisYear).to.deep.equal(inYear(year));
      expect(lastYear).to.deep.equal(inYear(year - 1));
      const month = new Date(now).getUTCMonth();
      const thisMonth = rows.filter(([, ts]) => ts !== null && new Date(ts).getUTCFullYear() === year && new Date(ts).getUTCMonth() === month).map(([n]) => n);
      expect(await q(`${F}.ThisMonth(PropertyName='msdyn_clienttimestamp')`)).to.deep.equal(thisMonth);
      const weekStart = today - new Date(today).getUTCDay() * DAY;
      const thisWeek = rows.filter(([, ts]) => ts !== null && ts >= weekStart && ts < weekStart + 7 * DAY).map(([n]) => n);
      expect(await q(`${F}.ThisWeek(PropertyName='msdyn_clienttimestamp')`)).to.deep.equal(thisWeek);
      const lastWeek = rows.filter(([, ts]) => ts !== null && ts >= weekStart - 7 * DAY && ts < weekStart).map(([n]) => n);
      expect(await q(`${F}.LastWeek(PropertyName='msdyn_clienttimestamp')`)).to.deep.equal(lastWeek);
    });

    it('EqualUserId / NotEqualUserId compare with the caller', async () => {
      expect(await q(`${F}.EqualUserId(PropertyName='_createdby_value')`)).to.have.length(rows.length);
      expect(await q(`${F}.NotEqualUserId(PropertyName='_createdby_value')`)).to.deep.equal([]);
      expect(await q(`${F}.NotEqualUserId(PropertyName='_createdonbehalfby_value')`)).to.have.length(rows.length);
      // A lookup's logical name names it too, as Dataverse's samples write it.
      expect(await q(`${F}.EqualUserId(PropertyName='createdby')`)).to.have.length(rows.length);
      expect(await q(`${F}.In(PropertyName='createdby',PropertyValues=["${s.service.caller.systemuserid}"])`)).to.have.length(rows.length);
      expect((await call('GET', `${s.root}${SET}?$filter=${encodeURIComponent(`${F}.EqualUserId(PropertyName='createdbyname')`)}`)).status).to.equal(400);
    });

    it('combines with other conditions and refuses not, bad parameters and unknown functions', async () => {
      expect(await q(`${F}.LastXDays(PropertyName='msdyn_clienttimestamp',PropertyValue=5) and importsequencenumber ge 3`)).to.deep.equal(['yesterday noon', 'three days ago']);
      const negated = await call('GET', `${s.root}${SET}?$filter=${encodeURIComponent(`not ${F}.Today(PropertyName='createdon')`)}`);
      expect(negated.status).to.equal(400);
      expect(negated.json.error.message).to.equal('Not operator along with the Custom Named Condition operators is not allowed');
      for (const bad of [
        `${F}.Today(PropertyName='msdyn_name')`, `${F}.In(PropertyName='msdyn_nope',PropertyValues=["a"])`, `${F}.In(PropertyName='importsequencenumber',PropertyValues=["1",])`,
        `${F}.LastXDays(PropertyName='msdyn_clienttimestamp',PropertyValue=-1)`, `${F}.Between(PropertyName='importsequencenumber',PropertyValues=["1"])`,
        `${F}.Nope(PropertyName='createdon')`, `${F}.Today(PropertyName='createdon') eq true`,
      ]) {
        const r = await call('GET', `${s.root}${SET}?$filter=${encodeURIComponent(bad)}`);
        expect(r.status, bad).to.equal(400);
      }
    });
  });

  describe(`Dataverse query functions on Double and Decimal columns [${database.name}]`, () => {
    let dir: string;
    let s: TestServer;
    before(async () => {
      dir = taskMetadata();
      s = await startServer(dir, database);
      await seedTasks(s);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });
    /** The status and the names of the tasks `filter` keeps, ordered by name. */
    const q = async (filter: string) => {
      const r = await call('GET', `${s.root}${TASK_SET}?$select=new_name&$orderby=new_name&$filter=${encodeURIComponent(filter)}`);
      return [r.status, r.status === 200 ? r.json.value.map((v: { new_name: string }) => v.new_name) : r.json.error.message];
    };

    it('take string values in exponent notation, as the plain literal does; Integer columns stay strict', async () => {
      // new_score (Double): t1 1.5, t3 3, t4 4.5, t5 2; new_cost (Money, Edm.Decimal): t1 10.5, t2 20, t4 5.25, t5 100, t6 1.
      expect(await q('new_score eq 1e-300')).to.deep.equal([200, []]);
      expect(await q(`${F}.In(PropertyName='new_score',PropertyValues=["0.1","1e-300"])`)).to.deep.equal([200, []]);
      expect(await q(`${F}.In(PropertyName='new_score',PropertyValues=["1.5e0","3E0"])`)).to.deep.equal([200, ['t1', 't3']]);
      expect(await q(`${F}.NotIn(PropertyName='new_score',PropertyValues=["15e-1","3","4.5E+0"])`)).to.deep.equal([200, ['t5']]);
      expect(await q(`${F}.Between(PropertyName='new_cost',PropertyValues=["5.25e0","1.05e1"])`)).to.deep.equal([200, ['t1', 't4']]);
      expect(await q(`${F}.NotBetween(PropertyName='new_score',PropertyValues=["2e0","45e-1"])`)).to.deep.equal([200, ['t1']]);
      const [status, message] = await q(`${F}.In(PropertyName='new_hours',PropertyValues=["2e0"])`);
      expect(status).to.equal(400);
      expect(message).to.contain("incompatible types");
    });
  });
}
