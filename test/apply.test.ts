import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { DynamicsWebApi, type RequestError } from 'dynamics-web-api';
import { TERMS } from '../src/odata/annotations.js';
import { planAggregate } from '../src/plan/aggregate.js';
import { executeAggregate } from '../src/store/execute.js';
import { DATABASES, call, startServer, type Reply, type TestServer } from './support/server.js';
import { TASK_SET, create, groups, seedTasks, taskMetadata } from './support/tasks.js';

/*
 * `$apply` over HTTP on every database (digest §3.7): each transformation Dataverse supports, the
 * response shape, null and case-insensitivity rules, the record limit, the errors, and the
 * unmodified dynamics-web-api client. The data is small and fixed so every expected value is
 * written out.
 */

const SET = TASK_SET;
const metadata = taskMetadata;
/** The collection-valued navigation property of new_project for new_task's lookup (Dataverse's default name). */
const TASKS_OF_PROJECT = 'new_project_new_task_new_projectid';

/** `GET new_tasks?$apply=<apply>[&<more>]`; option values are URL-encoded here. */
function apply(s: TestServer, text: string, more: Record<string, string> = {}, headers: Record<string, string> = {}, path = SET): Promise<Reply> {
  const query = Object.entries({ $apply: text, ...more }).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return call('GET', `${s.root}${path}?${query}`, undefined, headers);
}

for (const database of DATABASES) {
  describe(`$apply aggregation [${database.name}]`, () => {
    let dir: string;
    let s: TestServer;
    let apollo: string;
    let zephyr: string;

    before(async () => {
      dir = metadata();
      s = await startServer(dir, database);
      ({ apollo, zephyr } = await seedTasks(s));
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('groupby((a)) answers the distinct values, null group first and without the null property, no etag or id', async () => {
      const r = await apply(s, 'groupby((new_priority))');
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('application/json; odata.metadata=minimal');
      expect(Object.keys(r.json)).to.deep.equal(['@odata.context', 'value']);
      expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#new_tasks`);
      expect(r.json.value).to.deep.equal([{}, { new_priority: 1 }, { new_priority: 2 }]);
    });

    it('groupby((a,b)) answers each combination that occurs, ordered by a then b', async () => {
      const value = await groups(apply(s, 'groupby((new_color,new_priority))'));
      const lower = (v: Record<string, unknown>) => (typeof v['new_color'] === 'string' ? { ...v, new_color: v['new_color'].toLowerCase() } : v);
      expect(value.map(lower)).to.deep.equal([{ new_priority: 1 }, { new_color: 'blue', new_priority: 2 }, { new_color: 'green' }, { new_color: 'red', new_priority: 1 }]);
    });

    it('groupby with sum, average, min, max, countdistinct and $count over whole numbers', async () => {
      const value = await groups(apply(s, 'groupby((new_priority),aggregate(new_hours with sum as total,new_hours with average as avg,new_hours with min as lo,'
        + 'new_hours with max as hi,new_hours with countdistinct as d,$count as n))'));
      const avgs = value.map((v) => v['avg']);
      expect(avgs[0]).to.equal(1);
      expect(avgs[1]).to.be.closeTo(14 / 3, 1e-9);
      expect(avgs[2]).to.equal(6);
      expect(value.map(({ avg: _avg, ...rest }) => rest)).to.deep.equal([
        { total: 1, lo: 1, hi: 1, d: 1, n: 1 },
        { new_priority: 1, total: 14, lo: 2, hi: 8, d: 3, n: 3 },
        { new_priority: 2, total: 6, lo: 6, hi: 6, d: 1, n: 2 },
      ]);
      expect(Object.keys(value[1]!)).to.deep.equal(['new_priority', 'total', 'avg', 'lo', 'hi', 'd', 'n']);
    });

    it('aggregates money and doubles; aggregates of a group without values are left out', async () => {
      const value = await groups(apply(s, 'groupby((new_priority),aggregate(new_cost with sum as cost,new_cost with average as avgcost,new_score with min as lo,new_score with max as hi))'));
      expect(value).to.deep.equal([
        { cost: 1, avgcost: 1 },
        { new_priority: 1, cost: 130.5, avgcost: 43.5, lo: 1.5, hi: 2 },
        { new_priority: 2, cost: 5.25, avgcost: 5.25, lo: 3, hi: 4.5 },
      ]);
    });

    it('sums and averages money exactly, as PostgreSQL\'s numeric does, on every database (SQLite holds it as a float)', async () => {
      const ids = [await create(s, SET, { new_name: 'fp a', new_cost: 0.1 }), await create(s, SET, { new_name: 'fp b', new_cost: 0.2 })];
      try {
        const [row] = await groups(apply(s, "filter(startswith(new_name,'fp '))/aggregate(new_cost with sum as total,new_cost with average as avg)"));
        expect(row).to.deep.equal({ total: 0.3, avg: 0.15 });
        ids.push(await create(s, SET, { new_name: 'fp c', new_cost: 0.4 }));
        // 0.7 / 3, divided as a double on every database (PostgreSQL's numeric division ends in …334).
        const [thirds] = await groups(apply(s, "filter(startswith(new_name,'fp '))/aggregate(new_cost with average as avg)"));
        expect(thirds).to.deep.equal({ avg: 0.7 / 3 });
      } finally {
        for (const id of ids) await call('DELETE', `${s.root}${SET}(${id})`);
      }
    });

    it('aggregate($count as n) alone: one row; over no rows: a count of 0 and no other values; groupby over no rows: none', async () => {
      expect(await groups(apply(s, 'aggregate($count as n)'))).to.deep.equal([{ n: 6 }]);
      expect(await groups(apply(s, 'filter(new_hours gt 1000)/aggregate($count as n,new_hours with sum as h,new_cost with max as m)'))).to.deep.equal([{ n: 0 }]);
      expect(await groups(apply(s, 'filter(new_hours gt 1000)/groupby((new_priority),aggregate($count as n))'))).to.deep.equal([]);
    });

    it('min and max of date-times are UTC date-times without fractions', async () => {
      expect(await groups(apply(s, 'aggregate(new_due with min as first,new_due with max as last)'))).to.deep.equal([{ first: '2024-01-15T08:30:00Z', last: '2024-03-01T10:00:00Z' }]);
      const created = (await call('GET', `${s.root}${SET}?$select=createdon`)).json.value.map((v: { createdon: string }) => v.createdon).sort();
      expect(await groups(apply(s, 'aggregate(createdon with max as lastCreate)'))).to.deep.equal([{ lastCreate: created[created.length - 1] }]);
    });

    it('groups and counts strings case-insensitively', async () => {
      const value = await groups(apply(s, 'groupby((new_color),aggregate($count as n))'));
      expect(value.map((v) => [typeof v['new_color'] === 'string' ? (v['new_color'] as string).toLowerCase() : null, v['n']])).to.deep.equal([[null, 1], ['blue', 2], ['green', 1], ['red', 2]]);
      expect(await groups(apply(s, 'aggregate(new_color with countdistinct as d)'))).to.deep.equal([{ d: 3 }]);
    });

    it('groups booleans: null, false, true', async () => {
      expect(await groups(apply(s, 'groupby((new_done),aggregate($count as n))'))).to.deep.equal([{ n: 1 }, { new_done: false, n: 3 }, { new_done: true, n: 2 }]);
    });

    it('groups by a lookup as _x_value, with its annotations when asked for', async () => {
      const value = await groups(apply(s, 'groupby((_new_projectid_value),aggregate(new_hours with sum as h))'));
      expect(value[0]).to.deep.equal({});
      expect(value.slice(1).sort((a, b) => (a['h'] as number) - (b['h'] as number))).to.deep.equal([{ _new_projectid_value: apollo, h: 7 }, { _new_projectid_value: zephyr, h: 14 }]);
      const r = await apply(s, 'groupby((_new_projectid_value),aggregate(new_hours with sum as h))', {}, { Prefer: 'odata.include-annotations="*"' });
      expect(r.headers.get('preference-applied')).to.equal('odata.include-annotations="*"');
      const row = r.json.value.find((v: Record<string, unknown>) => v['_new_projectid_value'] === apollo);
      const p = '_new_projectid_value@';
      expect(Object.keys(row)).to.deep.equal([`${p}${TERMS.associatedNavigationProperty}`, `${p}${TERMS.lookupLogicalName}`, `${p}${TERMS.formattedValue}`, '_new_projectid_value', `h@${TERMS.formattedValue}`, 'h']);
      expect(row).to.deep.include({ [`${p}${TERMS.associatedNavigationProperty}`]: 'new_projectid', [`${p}${TERMS.lookupLogicalName}`]: 'new_project', [`${p}${TERMS.formattedValue}`]: 'Apollo', [`h@${TERMS.formattedValue}`]: '7' });
    });

    it('FormattedValue on choices, counts and money, as in Dataverse\'s examples', async () => {
      const r = await apply(s, 'groupby((new_priority),aggregate($count as count,new_cost with sum as total))', {}, { Prefer: `odata.include-annotations="${TERMS.formattedValue}"` });
      const f = `@${TERMS.formattedValue}`;
      expect(r.json.value[1]).to.deep.equal({ [`new_priority${f}`]: 'Low', new_priority: 1, [`count${f}`]: '3', count: 3, [`total${f}`]: '130.50', total: 130.5 });
    });

    it('groups by a lookup path, named <target table>_<column> and written after the aggregates', async () => {
      const value = await groups(apply(s, 'groupby((new_projectid/new_name),aggregate(new_cost with sum as total))'));
      expect(value).to.deep.equal([{ total: 5.25 }, { total: 31.5, new_project_new_name: 'Apollo' }, { total: 100, new_project_new_name: 'Zephyr' }]);
      expect(Object.keys(value[1]!)).to.deep.equal(['total', 'new_project_new_name']);
      expect(await groups(apply(s, 'groupby((createdby/fullname),aggregate($count as n))'))).to.deep.equal([{ n: 6, systemuser_fullname: 'SYSTEM' }]);
      expect(await groups(apply(s, 'groupby((new_projectid/new_name,new_done),aggregate($count as n))', { $filter: 'new_done eq false' }))).to.deep.equal([
        { new_done: false, n: 2, new_project_new_name: 'Apollo' }, { new_done: false, n: 1, new_project_new_name: 'Zephyr' },
      ]);
    });

    it('groups and counts a lookup path case-insensitively, as the column itself', async () => {
      const lower = await create(s, 'new_projects', { new_name: 'aPOLLO' });
      const task = await create(s, SET, { new_name: 't7', new_cost: 1, 'new_projectid@odata.bind': `/new_projects(${lower})` });
      try {
        const value = await groups(apply(s, 'groupby((new_projectid/new_name),aggregate($count as n))'));
        expect(value.map((v) => [String(v['new_project_new_name'] ?? '').toLowerCase(), v['n']])).to.deep.equal([['', 1], ['apollo', 4], ['zephyr', 2]]);
        expect(await groups(apply(s, 'aggregate(new_projectid/new_name with countdistinct as d)'))).to.deep.equal([{ d: 2 }]);
      } finally {
        expect((await call('DELETE', `${s.root}${SET}(${task})`)).status).to.equal(204);
        expect((await call('DELETE', `${s.root}new_projects(${lower})`)).status).to.equal(204);
      }
    });

    it('filter(…) before groupby/aggregate: comparisons, lookup paths (case-insensitive), chains, aliases, and $filter', async () => {
      expect(await groups(apply(s, 'filter(new_hours ge 4)/groupby((new_priority),aggregate($count as n))'))).to.deep.equal([{ new_priority: 1, n: 2 }, { new_priority: 2, n: 1 }]);
      expect(await groups(apply(s, "filter(new_projectid/new_name eq 'APOLLO')/aggregate(new_hours with sum as h)"))).to.deep.equal([{ h: 7 }]);
      expect(await groups(apply(s, 'filter(new_priority eq 1)/filter(new_cost gt 15)/aggregate($count as n)'))).to.deep.equal([{ n: 2 }]);
      expect(await groups(apply(s, 'filter(new_color eq @c)/aggregate($count as n)', { '@c': "'red'" }))).to.deep.equal([{ n: 2 }]);
      expect(await groups(apply(s, 'aggregate($count as n)', { $filter: 'new_done eq true' }))).to.deep.equal([{ n: 2 }]);
      expect(await groups(apply(s, 'filter(new_priority eq 2)/aggregate($count as n)', { $filter: 'new_done eq true' }))).to.deep.equal([{ n: 1 }]);
      expect(await groups(apply(s, "filter(new_color ne 'red')/aggregate($count as n)"))).to.deep.equal([{ n: 4 }]);
    });

    it('$orderby on grouped properties (desc puts the null group last) and $top limits the groups', async () => {
      expect(await groups(apply(s, 'groupby((new_priority),aggregate($count as n))', { $orderby: 'new_priority desc' }))).to.deep.equal([{ new_priority: 2, n: 2 }, { new_priority: 1, n: 3 }, { n: 1 }]);
      expect(await groups(apply(s, 'groupby((new_priority),aggregate($count as n))', { $top: '2' }))).to.deep.equal([{ n: 1 }, { new_priority: 1, n: 3 }]);
      expect(await groups(apply(s, 'groupby((new_projectid/new_name))', { $orderby: 'new_projectid/new_name desc' }))).to.deep.equal([{ new_project_new_name: 'Zephyr' }, { new_project_new_name: 'Apollo' }, {}]);
    });

    it('aggregates the rows of a collection-valued navigation property', async () => {
      const r = await apply(s, 'aggregate($count as n,new_hours with sum as h)', {}, {}, `new_projects(${apollo})/${TASKS_OF_PROJECT}`);
      expect(r.status, r.text).to.equal(200);
      expect(r.json).to.deep.equal({ '@odata.context': `${s.root}$metadata#new_tasks`, value: [{ n: 3, h: 7 }] });
    });

    it('the front-end-neutral builder: countcolumn and ordering by an aggregate, run on the database', async () => {
      const task = s.service.model.byLogicalName.get('new_task')!;
      const column = (name: string) => ({ navs: [], attribute: task.attributesByName.get(name)! });
      const plan = planAggregate({
        entity: task,
        groupBy: [{ alias: 'Priority', column: column('new_priority') }],
        aggregates: [{ alias: 'Costed', fn: 'countcolumn', column: column('new_cost') }, { alias: 'Rows', fn: 'count' }],
        orderBy: [{ alias: 'Costed', descending: true }],
      });
      const rows = await executeAggregate(s.db, plan);
      expect(rows.map((r) => [...r.groups, ...r.aggregates])).to.deep.equal([[1, 3, 3], [null, 1, 1], [2, 1, 2]]);
    });

    it('answers a bad $apply with 400 and Dataverse\'s error envelope, never 500', async () => {
      const cases: Array<[string, Record<string, string>, string]> = [
        ['topcount(2,new_hours)', {}, "transformation 'topcount' is not supported"],
        ['frob((new_priority))', {}, "'frob' is not a transformation"],
        ['groupby((new_nope))', {}, "Could not find a property named 'new_nope' on type 'Microsoft.Dynamics.CRM.new_task'."],
        ['groupby((new_projectid/new_nope))', {}, "Could not find a property named 'new_nope' on type 'Microsoft.Dynamics.CRM.new_project'."],
        ['groupby((new_projectid))', {}, "Could not find a property named 'new_projectid'"],
        ['aggregate(new_name with sum as s)', {}, "'sum' needs a number column"],
        ['aggregate(new_done with average as a)', {}, "'avg' needs a number column"],
        ['aggregate(new_color with max as m)', {}, "'max' needs a number or date-time column"],
        ['aggregate(new_hours with median as m)', {}, "'median' is not an aggregation method"],
        ['groupby((new_priority)', {}, "Syntax error: ')' expected at the end at position 22"],
        ['filter(new_hours eq)/aggregate($count as n)', {}, 'Syntax error'],
        ['filter(new_nope eq 1)/aggregate($count as n)', {}, "'new_nope'"],
        ['groupby((new_due))', {}, 'groupby with datetime values is not supported'],
        ['aggregate($count as n,new_hours with sum as n)', {}, "'n' is used twice"],
        ['groupby((new_priority,new_priority))', {}, "'new_priority' is used twice"],
        ['groupby((new_priority))/filter(new_hours gt 1)', {}, 'only filter(…) may come before'],
        ['filter(new_hours gt 1)', {}, 'must end with groupby(…) or aggregate(…)'],
        ['groupby((new_priority),aggregate($count as n))', { $orderby: 'n' }, 'The query node SingleValueOpenPropertyAccess is not supported.'],
        ['groupby((new_priority))', { $orderby: 'new_hours' }, "'new_hours' is not grouped"],
        ['groupby((new_priority))', { $select: 'new_name' }, "'$select' cannot be combined with $apply"],
        ['groupby((new_priority))', { $count: 'true' }, "'$count' cannot be combined with $apply"],
        ['groupby((new_priority))', { $expand: 'new_projectid' }, "'$expand' cannot be combined with $apply"],
        ['', {}, '$apply query option must not be empty'],
      ];
      for (const [text, more, fragment] of cases) {
        const r = await apply(s, text, more);
        expect(r.status, text).to.equal(400);
        expect(r.json.error.code, text).to.match(/^0x[0-9A-Fa-f]+$/);
        expect(r.json.error.message, text).to.contain(fragment);
      }
      const id = (await call('GET', `${s.root}${SET}?$select=new_name&$top=1`)).json.value[0].new_taskid;
      expect((await call('GET', `${s.root}${SET}(${id})?$apply=aggregate($count as n)`)).status).to.equal(400);
      expect((await call('GET', `${s.root}${SET}/$count?$apply=aggregate($count as n)`)).status).to.equal(400);
    });

    describe('with the unmodified dynamics-web-api client', () => {
      let api: DynamicsWebApi;
      before(() => { api = new DynamicsWebApi({ serverUrl: s.origin, dataApi: { version: '9.2' } }); });

      it('retrieveMultiple with apply returns the groups and the context', async () => {
        const res = await api.retrieveMultiple({ collection: SET, apply: 'groupby((new_priority),aggregate(new_hours with sum as total,$count as n))' });
        expect(res.oDataContext).to.equal(`${s.root}$metadata#new_tasks`);
        expect(res.value).to.deep.equal([{ total: 1, n: 1 }, { new_priority: 1, total: 14, n: 3 }, { new_priority: 2, total: 6, n: 2 }]);
      });

      it('retrieveMultiple with filter() and a quoted string inside apply, and with filter beside apply', async () => {
        const a = await api.retrieveMultiple({ collection: SET, apply: "filter(new_color eq 'red')/aggregate($count as n)" });
        expect(a.value).to.deep.equal([{ n: 2 }]);
        const b = await api.retrieveMultiple({ collection: SET, filter: 'new_done eq false', apply: 'groupby((new_projectid/new_name),aggregate($count as n))' });
        expect(b.value).to.deep.equal([{ n: 2, new_project_new_name: 'Apollo' }, { n: 1, new_project_new_name: 'Zephyr' }]);
      });

      it('retrieveMultiple with a bad apply rejects with status 400 and the error code', async () => {
        try {
          await api.retrieveMultiple({ collection: SET, apply: 'groupby((new_nope))' });
          expect.fail('expected a rejection');
        } catch (e) {
          const err = e as RequestError;
          expect(err.status).to.equal(400);
          expect(err.code).to.equal('0x0');
          expect(err.message).to.contain('new_nope');
        }
      });
    });
  });

  describe(`$apply record limit (aggregateRecordLimit: 3) [${database.name}]`, () => {
    let dir: string;
    let s: TestServer;
    before(async () => {
      dir = metadata();
      s = await startServer(dir, database, { aggregateRecordLimit: 3 });
      for (const hours of [1, 2, 3]) await create(s, SET, { new_name: `r${hours}`, new_hours: hours, new_priority: hours % 2 ? 1 : 2 });
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('aggregates exactly the limit; one row more fails with 0x8004E023 unless a filter keeps the input within it', async () => {
      expect(await groups(apply(s, 'aggregate($count as n,new_hours with sum as h)'))).to.deep.equal([{ n: 3, h: 6 }]);
      await create(s, SET, { new_name: 'r4', new_hours: 4, new_priority: 2 });
      for (const text of ['aggregate($count as n)', 'groupby((new_priority),aggregate($count as n))', 'groupby((new_priority))']) {
        const r = await apply(s, text);
        expect(r.status, text).to.equal(400);
        expect(r.json).to.deep.equal({ error: { code: '0x8004E023', message: 'AggregateQueryRecordLimit exceeded. Cannot perform this operation.' } });
      }
      expect(await groups(apply(s, 'filter(new_hours ge 2)/groupby((new_priority),aggregate($count as n))'))).to.deep.equal([{ new_priority: 1, n: 1 }, { new_priority: 2, n: 2 }]);
      expect(await groups(apply(s, 'aggregate($count as n)', { $filter: 'new_hours le 3' }))).to.deep.equal([{ n: 3 }]);
    });
  });
}
