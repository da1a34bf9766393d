import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { TERMS } from '../src/odata/annotations.js';
import { call, DATABASES, recordStatements, startServer, type Reply, type TestServer } from './support/server.js';
import { TASK_SET, create, groups, seedTasks, taskMetadata } from './support/tasks.js';
import type { Statement } from '../src/sql/dialect.js';

/*
 * FetchXML `<fetch aggregate="true">` over HTTP on every database (Dataverse "Aggregate data using
 * FetchXml"; digest §3.7, §3.8): each aggregate function, grouping by a column, a lookup and a
 * linked column, orders by alias, filters, top, the record limit and aggregatelimit, the errors,
 * and FetchXML aggregates against their `$apply` twins. Same data as the $apply suite.
 */

/** `<fetch aggregate="true" …><entity name="new_task">body</entity></fetch>` */
function aggregateXml(body: string, fetchAttributes = ''): string {
  return `<fetch aggregate="true"${fetchAttributes ? ` ${fetchAttributes}` : ''}><entity name="new_task">${body}</entity></fetch>`;
}

/** `GET new_tasks?fetchXml=<xml>`. */
function fx(s: TestServer, xml: string, headers: Record<string, string> = {}, extra = ''): Promise<Reply> {
  return call('GET', `${s.root}${TASK_SET}?fetchXml=${encodeURIComponent(xml)}${extra}`, undefined, headers);
}

/** An outer many-to-one link from new_task to new_project, aliased `p`. */
function project(body: string, linkType = 'outer'): string {
  return `<link-entity name="new_project" from="new_projectid" to="new_projectid" link-type="${linkType}" alias="p">${body}</link-entity>`;
}

const PRIORITY = '<attribute name="new_priority" alias="priority" groupby="true"/>';
const COUNT = '<attribute name="new_taskid" alias="n" aggregate="count"/>';

for (const database of DATABASES) {
  describe(`FetchXML aggregate="true" [${database.name}]`, () => {
    let dir: string;
    let s: TestServer;
    let apollo: string;
    let zephyr: string;
    let statements: Statement[];

    before(async () => {
      dir = taskMetadata();
      s = await startServer(dir, database);
      ({ apollo, zephyr } = await seedTasks(s));
      statements = recordStatements(s.db);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('each aggregate function over all rows: one group keyed by the aliases, in one statement', async () => {
      statements.length = 0;
      const r = await fx(s, aggregateXml([
        '<attribute name="new_hours" alias="total" aggregate="sum"/>', '<attribute name="new_hours" alias="average" aggregate="avg"/>',
        '<attribute name="new_hours" alias="lo" aggregate="min"/>', '<attribute name="new_hours" alias="hi" aggregate="max"/>',
        '<attribute name="new_color" alias="rows" aggregate="count"/>', '<attribute name="new_color" alias="colored" aggregate="countcolumn"/>',
        '<attribute name="new_color" alias="colors" aggregate="countcolumn" distinct="true"/>',
        '<attribute name="new_due" alias="first" aggregate="min"/>', '<attribute name="new_cost" alias="cost" aggregate="sum"/>',
      ].join('')));
      expect(r.status, r.text).to.equal(200);
      expect(statements).to.have.length(1);
      expect(r.json).to.deep.equal({
        '@odata.context': `${s.root}$metadata#new_tasks`,
        value: [{ total: 21, average: 4.2, lo: 1, hi: 8, rows: 6, colored: 5, colors: 3, first: '2024-01-15T08:30:00Z', cost: 136.75 }],
      });
    });

    it('groupby an own column, ordered by its alias (descending puts the null group last)', async () => {
      expect(await groups(fx(s, aggregateXml(`${PRIORITY}${COUNT}<attribute name="new_hours" alias="h" aggregate="sum"/>`))))
        .to.deep.equal([{ n: 1, h: 1 }, { priority: 1, n: 3, h: 14 }, { priority: 2, n: 2, h: 6 }]);
      expect(await groups(fx(s, aggregateXml(`${PRIORITY}${COUNT}<order alias="priority" descending="true"/>`))))
        .to.deep.equal([{ priority: 2, n: 2 }, { priority: 1, n: 3 }, { n: 1 }]);
      // <order attribute> naming a grouped column of the entity orders by that group.
      expect(await groups(fx(s, aggregateXml(`${PRIORITY}${COUNT}<order attribute="new_priority" descending="true"/>`))))
        .to.deep.equal([{ priority: 2, n: 2 }, { priority: 1, n: 3 }, { n: 1 }]);
    });

    it('<order> inside a link-entity: by a grouped column of the link or by any alias, after the entity\'s orders; 400 for a column the link does not group by', async () => {
      const byProject = (order: string, linkType = 'outer') => aggregateXml(`${COUNT}${project(`<attribute name="new_name" alias="project" groupby="true"/>${order}`, linkType)}`);
      expect(await groups(fx(s, byProject('<order attribute="new_name" descending="true"/>'))))
        .to.deep.equal([{ n: 2, project: 'Zephyr' }, { n: 3, project: 'Apollo' }, { n: 1 }]);
      expect(await groups(fx(s, byProject('<order alias="n" descending="true"/>', 'inner')))).to.deep.equal([{ n: 3, project: 'Apollo' }, { n: 2, project: 'Zephyr' }]);
      // The entity's order first (priority, nulls first), then the link's (project descending, nulls last).
      expect(await groups(fx(s, aggregateXml(`${PRIORITY}${COUNT}<order alias="priority"/>${project('<attribute name="new_name" alias="project" groupby="true"/><order attribute="new_name" descending="true"/>')}`)))).to.deep.equal([
        { project: 'Apollo', n: 1 }, { priority: 1, project: 'Zephyr', n: 1 }, { priority: 1, project: 'Apollo', n: 2 }, { priority: 2, project: 'Zephyr', n: 1 }, { priority: 2, n: 1 },
      ]);
      const r = await fx(s, byProject('<order attribute="createdon"/>'));
      expect(r.status, r.text).to.equal(400);
      expect(r.json.error.code).to.equal('0x80040203');
      expect(r.json.error.message).to.contain("'createdon' is no groupby attribute of the link-entity 'p'");
    });

    it('order by the alias of an aggregate, then top limits the groups', async () => {
      expect(await groups(fx(s, aggregateXml(`${PRIORITY}<attribute name="new_cost" alias="cost" aggregate="sum"/><order alias="cost" descending="true"/>`))))
        .to.deep.equal([{ priority: 1, cost: 130.5 }, { priority: 2, cost: 5.25 }, { cost: 1 }]);
      expect(await groups(fx(s, aggregateXml(`${PRIORITY}${COUNT}<order alias="n"/>`, 'top="2"')))).to.deep.equal([{ n: 1 }, { priority: 2, n: 2 }]);
    });

    it('groupby a lookup: the id under the alias, with lookuplogicalname and the target\'s name as FormattedValue when asked for', async () => {
      const xml = aggregateXml('<attribute name="new_projectid" alias="project" groupby="true"/><attribute name="new_hours" alias="h" aggregate="sum"/>');
      const value = await groups(fx(s, xml));
      expect(value[0]).to.deep.equal({});
      expect(value.slice(1).sort((a, b) => (a['h'] as number) - (b['h'] as number))).to.deep.equal([{ project: apollo, h: 7 }, { project: zephyr, h: 14 }]);
      const r = await fx(s, xml, { Prefer: `odata.include-annotations="${TERMS.lookupLogicalName},${TERMS.formattedValue}"` });
      const row = r.json.value.find((v: Record<string, unknown>) => v['project'] === zephyr);
      expect(row).to.deep.equal({ [`project@${TERMS.lookupLogicalName}`]: 'new_project', [`project@${TERMS.formattedValue}`]: 'Zephyr', project: zephyr, [`h@${TERMS.formattedValue}`]: '14', h: 14 });
    });

    it('groupby and aggregate columns of a many-to-one link-entity (outer keeps rows without a project; inner drops them)', async () => {
      const cost = '<attribute name="new_cost" alias="cost" aggregate="sum"/>';
      expect(await groups(fx(s, aggregateXml(`${cost}${project('<attribute name="new_name" alias="project" groupby="true"/>')}`))))
        .to.deep.equal([{ cost: 5.25 }, { cost: 31.5, project: 'Apollo' }, { cost: 100, project: 'Zephyr' }]);
      expect(await groups(fx(s, aggregateXml(`${cost}${project('<attribute name="new_name" alias="project" groupby="true"/>', 'inner')}`))))
        .to.deep.equal([{ cost: 31.5, project: 'Apollo' }, { cost: 100, project: 'Zephyr' }]);
      // Without an alias a linked group is named <link alias>_x002e_<column>, as link-entity columns are.
      expect(await groups(fx(s, aggregateXml(`${COUNT}${project('<attribute name="new_name" groupby="true"/>', 'inner')}`))))
        .to.deep.equal([{ n: 3, 'p_x002e_new_name': 'Apollo' }, { n: 2, 'p_x002e_new_name': 'Zephyr' }]);
      expect(await groups(fx(s, aggregateXml(`${COUNT}${project('<attribute name="new_name" alias="projects" aggregate="countcolumn" distinct="true"/><attribute name="new_name" alias="last" aggregate="countcolumn"/>')}`))))
        .to.deep.equal([{ n: 6, projects: 2, last: 5 }]);
    });

    it('filters: conditions, or-filters, conditions on a link-entity by entityname, and an inner link with a filter', async () => {
      expect(await groups(fx(s, aggregateXml(`${PRIORITY}${COUNT}<filter><condition attribute="new_hours" operator="ge" value="4"/></filter>`))))
        .to.deep.equal([{ priority: 1, n: 2 }, { priority: 2, n: 1 }]);
      expect(await groups(fx(s, aggregateXml(`${COUNT}<filter type="or"><condition attribute="new_color" operator="eq" value="red"/><condition attribute="new_done" operator="eq" value="1"/></filter>`))))
        .to.deep.equal([{ n: 3 }]);
      expect(await groups(fx(s, aggregateXml(`<attribute name="new_hours" alias="h" aggregate="sum"/>${project('')}<filter><condition entityname="p" attribute="new_name" operator="eq" value="APOLLO"/></filter>`))))
        .to.deep.equal([{ h: 7 }]);
      expect(await groups(fx(s, aggregateXml(`<attribute name="new_hours" alias="h" aggregate="sum"/>${project('<attribute name="new_name" alias="project" groupby="true"/><filter><condition attribute="new_name" operator="begins-with" value="z"/></filter>', 'inner')}`))))
        .to.deep.equal([{ h: 14, project: 'Zephyr' }]);
      expect(await groups(fx(s, aggregateXml(`${PRIORITY}${COUNT}<filter><condition attribute="new_hours" operator="gt" value="1000"/></filter>`)))).to.deep.equal([]);
      expect(await groups(fx(s, aggregateXml(`${COUNT}<filter><condition attribute="new_hours" operator="gt" value="1000"/></filter>`)))).to.deep.equal([{ n: 0 }]);
    });

    it('aggregatelimit lowers the record limit: 0x8004E023 once more rows match, fine when a filter keeps them within it', async () => {
      expect(await groups(fx(s, aggregateXml(COUNT, 'aggregatelimit="6"')))).to.deep.equal([{ n: 6 }]);
      const r = await fx(s, aggregateXml(`${PRIORITY}${COUNT}`, 'aggregatelimit="5"'));
      expect(r.status).to.equal(400);
      expect(r.json).to.deep.equal({ error: { code: '0x8004E023', message: 'AggregateQueryRecordLimit exceeded. Cannot perform this operation.' } });
      expect(await groups(fx(s, aggregateXml(`${COUNT}<filter><condition attribute="new_priority" operator="eq" value="1"/></filter>`, 'aggregatelimit="3"')))).to.deep.equal([{ n: 3 }]);
    });

    it('answers bad aggregate FetchXML with 400 and Dataverse\'s error envelope', async () => {
      const cases: Array<[string, string, string]> = [
        [aggregateXml('<attribute name="new_hours" aggregate="sum"/>'), '0x80040203', "'new_hours' has aggregate=\"sum\" but no alias"],
        [aggregateXml('<attribute name="new_hours" alias="h" aggregate="sum" groupby="true"/>'), '0x80040203', 'both groupby and aggregate'],
        [aggregateXml(`<attribute name="new_name"/>${COUNT}`), '0x80040203', 'An attribute can not be requested when an aggregate operation has been specified and its neither groupby nor aggregate'],
        [aggregateXml(`${COUNT}${project('<attribute name="new_name"/>')}`), '0x80040203', "'p.new_name'"],
        [aggregateXml(`<all-attributes/>${COUNT}`), '0x80040203', '<all-attributes>'],
        [aggregateXml('<attribute name="new_hours" alias="h" aggregate="sum" distinct="true"/>'), '0x80040203', 'distinct="true"'],
        [aggregateXml(`${PRIORITY}${COUNT}<order attribute="new_hours"/>`), '0x80040203', "'new_hours' is no groupby attribute"],
        [aggregateXml('<attribute name="new_nope" alias="x" groupby="true"/>'), '0x80041103', 'new_nope'],
        [aggregateXml('<attribute name="new_name" alias="x" aggregate="sum"/>'), '0x80060888', "'sum' needs a number column"],
        [aggregateXml(`${PRIORITY}<attribute name="new_hours" alias="priority" aggregate="max"/>`), '0x80060888', "'priority' is used twice"],
        [aggregateXml(`${PRIORITY}${COUNT}<order alias="nope"/>`), '0x80060888', "no output named 'nope'"],
        [aggregateXml(''), '0x80060888', 'at least one group-by column or aggregate'],
        [aggregateXml('<attribute name="new_due" alias="d" groupby="true" dategrouping="fiscal-year"/>').replace('fiscal-year', 'decade'), '0x80040203', "'dategrouping'"],
        [aggregateXml(`<attribute name="new_due" alias="d" groupby="true"/>${COUNT}`), '0x80040203', "'new_due' groups by a DateTime column without dategrouping"],
        [`<fetch><entity name="new_task">${PRIORITY}</entity></fetch>`, '0x80040203', 'aggregate="true"'],
        [aggregateXml(COUNT).replace('new_task"', 'new_project"'), '0x80040203', "'new_tasks'"],
      ];
      for (const [xml, code, fragment] of cases) {
        const r = await fx(s, xml);
        expect(r.status, xml).to.equal(400);
        expect(r.json.error.code, xml).to.equal(code);
        expect(r.json.error.message, xml).to.contain(fragment);
      }
    });

    it('pages groups with count and page (dynamics-web-api adds page="1"), morerecords while more follow', async () => {
      const xml = (attributes: string) => aggregateXml(`${PRIORITY}${COUNT}`, attributes);
      const all = await groups(fx(s, xml('')));
      expect(all.length, 'the seed has at least three priorities').to.be.greaterThan(2);
      expect(await groups(fx(s, xml('page="1"')))).to.deep.equal(all);
      const pages = [];
      for (let page = 1; page <= all.length + 1; page++) {
        const r = await fx(s, xml(`count="2" page="${page}"`), { Prefer: 'odata.include-annotations="*"' });
        expect(r.status, r.text).to.equal(200);
        expect(r.json[`@${TERMS.moreRecords}`], `page ${page}`).to.equal(page * 2 < all.length ? true : undefined);
        pages.push(...r.json.value.map((v: Record<string, unknown>) => Object.fromEntries(Object.entries(v).filter(([k]) => !k.includes('@')))));
      }
      expect(pages).to.deep.equal(all);
      const plain = await fx(s, xml('count="1"'));
      expect(plain.json[`@${TERMS.moreRecords}`], 'only when annotations ask for it').to.equal(undefined);
      expect(plain.json.value).to.have.length(1);
      const far = await fx(s, xml('count="5000" page="3000000000000000"'));
      expect(far.status, 'a page past any 64-bit offset').to.equal(400);
      expect(far.json.error.code).to.equal('0x80040203');
      const both = await fx(s, xml('top="2" count="1"'));
      expect(both.status).to.equal(400);
      expect(both.json.error).to.deep.equal({ code: '0x80040203', message: "The top attribute can't be specified with paging attribute count" });
    });

    it('501 for aggregate FetchXML not implemented: counts, retained data (fiscal date groupings: fiscal-functions.test.ts)', async () => {
      const projects = (body: string) => `<fetch aggregate="true"><entity name="new_project">${body}</entity></fetch>`;
      const cases: Array<[string, string, string?]> = [
        [aggregateXml(COUNT, 'returntotalrecordcount="true"'), 'total record count'],
        [aggregateXml(COUNT), 'total record count', '&$count=true'],
        [aggregateXml(COUNT, 'datasource="retained"'), 'retained'],
      ];
      for (const [xml, fragment, extra] of cases) {
        const set = xml.includes('<entity name="new_project">') ? 'new_projects' : TASK_SET;
        const r = await call('GET', `${s.root}${set}?fetchXml=${encodeURIComponent(xml)}${extra ?? ''}`);
        expect(r.status, `${xml}: ${r.text}`).to.equal(501);
        expect(r.json.error.message, xml).to.contain(fragment);
      }
    });

    it('columns of an outer link with its own filter are null where no linked row meets it: they group and count as null', async () => {
      const apolloOnly = '<filter><condition attribute="new_name" operator="eq" value="Apollo"/></filter>';
      const linked = '<attribute name="new_name" alias="x" groupby="true"/><attribute name="new_name" alias="named" aggregate="countcolumn"/><attribute name="createdby" alias="who" groupby="true"/>';
      const hours = '<attribute name="new_hours" alias="h" aggregate="sum"/>';
      const r = await fx(s, aggregateXml(`${COUNT}${hours}${project(`${linked}${apolloOnly}`)}<order alias="x"/>`), { Prefer: 'odata.include-annotations="*"' });
      expect(r.status, r.text).to.equal(200);
      // Zephyr's tasks and the task without a project keep their rows, without the link's columns.
      const [none, apolloGroup] = r.json.value;
      expect(none).to.deep.include({ n: 3, h: 14, named: 0 });
      expect(none).to.not.have.any.keys('x', 'who');
      expect(apolloGroup).to.deep.include({ x: 'Apollo', n: 3, h: 7, named: 3, 'who@OData.Community.Display.V1.FormattedValue': 'SYSTEM' });
      expect(r.json.value).to.have.length(2);
      // Below such a link too: a many-to-one link under it reads nothing where the filter fails.
      const below = await groups(fx(s, aggregateXml(`${COUNT}${project(`${apolloOnly}<link-entity name="systemuser" from="systemuserid" to="createdby" alias="u"><attribute name="fullname" alias="creator" groupby="true"/></link-entity>`)}<order alias="creator"/>`)));
      expect(below).to.deep.equal([{ n: 3 }, { creator: 'SYSTEM', n: 3 }]);
    });

    it('<order entityname="<link alias>"> in the entity orders by that link\'s group in its place, before later orders (many-to-one and one-to-many links); 400 for no such link', async () => {
      // Project descending (nulls last), then priority (nulls first): the link's order comes first.
      const linked = project('<attribute name="new_name" alias="project" groupby="true"/>');
      expect(await groups(fx(s, aggregateXml(`${PRIORITY}${COUNT}<order entityname="p" attribute="new_name" descending="true"/><order alias="priority"/>${linked}`)))).to.deep.equal([
        { priority: 1, project: 'Zephyr', n: 1 }, { priority: 2, project: 'Zephyr', n: 1 }, { project: 'Apollo', n: 1 }, { priority: 1, project: 'Apollo', n: 2 }, { priority: 2, n: 1 },
      ]);
      // A joined (one-to-many) link: task priority descending, then the project's name.
      const joined = (orders: string) => '<fetch aggregate="true"><entity name="new_project"><attribute name="new_name" alias="n" groupby="true"/>'
        + `${orders}<link-entity name="new_task" from="new_projectid" to="new_projectid" alias="t"><attribute name="new_priority" alias="tp" groupby="true"/>`
        + '<attribute name="new_taskid" alias="c" aggregate="countcolumn"/></link-entity></entity></fetch>';
      const read = async (orders: string) => {
        const r = await call('GET', `${s.root}new_projects?fetchXml=${encodeURIComponent(joined(orders))}`);
        expect(r.status, r.text).to.equal(200);
        return r.json.value as Array<{ n: string; tp?: number; c: number }>;
      };
      const ordered = await read('<order entityname="t" attribute="new_priority" descending="true"/><order alias="n"/>');
      const rank = (tp: number | undefined) => (tp === undefined ? -Infinity : tp);
      const expected = [...ordered].sort((a, b) => rank(b.tp) - rank(a.tp) || a.n.localeCompare(b.n));
      expect(ordered).to.deep.equal(expected);
      expect(new Set(ordered.map((g) => g.tp))).to.have.property('size').above(1);
      expect(ordered).to.have.deep.members(await read(''));
      const r = await fx(s, aggregateXml(`${PRIORITY}${COUNT}<order entityname="q" attribute="new_name"/>${linked}`));
      expect(r.status, r.text).to.equal(400);
      expect(r.json.error.code).to.equal('0x80040203');
      expect(r.json.error.message).to.contain("names the entity 'q'");
    });

    it('a one-to-many link aggregates the related rows of each group (each joined row counts), as $apply does from the other side', async () => {
      const xml = '<fetch aggregate="true"><entity name="new_project"><attribute name="new_name" alias="n" groupby="true"/><order alias="n"/>'
        + '<link-entity name="new_task" from="new_projectid" to="new_projectid" alias="t"><attribute name="new_hours" alias="h" aggregate="sum"/><attribute name="new_taskid" alias="tasks" aggregate="countcolumn"/></link-entity></entity></fetch>';
      const r = await call('GET', `${s.root}new_projects?fetchXml=${encodeURIComponent(xml)}`);
      expect(r.status, r.text).to.equal(200);
      const twin = await call('GET', `${s.root}${TASK_SET}?$apply=${encodeURIComponent('filter(_new_projectid_value ne null)/groupby((new_projectid/new_name),aggregate(new_hours with sum as h,$count as tasks))')}`);
      expect(twin.status, twin.text).to.equal(200);
      const expected = twin.json.value.map((v: Record<string, unknown>) => ({ n: v['new_project_new_name'], h: v['h'], tasks: v['tasks'] }))
        .sort((a: { n: string }, b: { n: string }) => a.n.localeCompare(b.n));
      expect(r.json.value).to.deep.equal(expected);
      expect(r.json.value.map((v: { n: string }) => v.n)).to.deep.equal(['Apollo', 'Zephyr']);
    });

    describe('a FetchXML aggregate and its $apply twin return the same groups', () => {
      const twins: Array<[string, string, string]> = [
        ['functions by a choice', `<attribute name="new_priority" alias="new_priority" groupby="true"/><attribute name="new_hours" alias="total" aggregate="sum"/>`
          + '<attribute name="new_hours" alias="avg" aggregate="avg"/><attribute name="new_cost" alias="lo" aggregate="min"/><attribute name="new_score" alias="hi" aggregate="max"/>'
          + `<attribute name="new_color" alias="d" aggregate="countcolumn" distinct="true"/>${COUNT}`,
        'groupby((new_priority),aggregate(new_hours with sum as total,new_hours with average as avg,new_cost with min as lo,new_score with max as hi,new_color with countdistinct as d,$count as n))'],
        ['a lookup path, filtered', `${COUNT}${project('<attribute name="new_name" alias="new_project_new_name" groupby="true"/>')}<attribute name="new_done" alias="new_done" groupby="true"/><order alias="new_project_new_name"/><order alias="new_done"/><filter><condition attribute="new_hours" operator="lt" value="8"/></filter>`,
          'filter(new_hours lt 8)/groupby((new_projectid/new_name,new_done),aggregate($count as n))'],
        ['a lookup id and a boolean', `<attribute name="new_projectid" alias="_new_projectid_value" groupby="true"/><attribute name="new_done" alias="new_done" groupby="true"/><attribute name="new_cost" alias="c" aggregate="sum"/>`,
          'groupby((_new_projectid_value,new_done),aggregate(new_cost with sum as c))'],
      ];
      for (const [what, body, apply] of twins) {
        it(what, async () => {
          const f = await groups(fx(s, aggregateXml(body)));
          const o = await groups(call('GET', `${s.root}${TASK_SET}?$apply=${encodeURIComponent(apply)}`));
          expect(f.length).to.be.greaterThan(1);
          expect(f).to.deep.equal(o);
        });
      }
    });
  });

  describe(`FetchXML dategrouping [${database.name}]`, () => {
    let dir: string;
    let s: TestServer;
    const EVENT_SET = 'new_events';
    /** `GET new_events?fetchXml=<fetch aggregate="true"><entity name="new_event">body</entity></fetch>`, expecting 200: the groups. */
    const events = (body: string, headers: Record<string, string> = {}) =>
      groups(call('GET', `${s.root}${EVENT_SET}?fetchXml=${encodeURIComponent(`<fetch aggregate="true"><entity name="new_event">${body}</entity></fetch>`)}`, undefined, headers));
    const group = (part: string, alias: string, column = 'new_at') => `<attribute name="${column}" alias="${alias}" groupby="true" dategrouping="${part}"/>`;
    const N = '<attribute name="new_eventid" alias="n" aggregate="count"/>';

    before(async () => {
      dir = taskMetadata();
      // new_event: a date-time of each behaviour and a lookup to new_task (whose new_due a link-entity groups by).
      writeFileSync(join(dir, 'new_event.json'), JSON.stringify({
        LogicalName: 'new_event', EntitySetName: EVENT_SET, PrimaryIdAttribute: 'new_eventid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
        Attributes: [
          { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
          { LogicalName: 'new_at', AttributeType: 'DateTime', DateTimeBehavior: 'UserLocal' },
          { LogicalName: 'new_day', AttributeType: 'DateTime', DateTimeBehavior: 'DateOnly', Format: 'DateOnly' },
          { LogicalName: 'new_fixed', AttributeType: 'DateTime', DateTimeBehavior: 'TimeZoneIndependent' },
          { LogicalName: 'new_taskid', AttributeType: 'Lookup', Targets: ['new_task'] },
        ],
      }));
      s = await startServer(dir, database);
      const march = await create(s, TASK_SET, { new_name: 'march', new_due: '2024-03-01T10:00:00Z' });
      const january = await create(s, TASK_SET, { new_name: 'january', new_due: '2024-01-15T08:30:00Z' });
      const task = (id: string) => ({ 'new_taskid@odata.bind': `/${TASK_SET}(${id})` });
      // new_at across a year, a week and a quarter boundary (days of the week in comments).
      const rows: Array<Record<string, unknown>> = [
        { new_name: 'e1', new_at: '2024-01-01T00:30:00+01:00', new_day: '2023-01-01', new_fixed: '2024-06-30T23:30:00Z', ...task(march) }, // 2023-12-31T23:30Z, Sunday
        { new_name: 'e2', new_at: '2024-01-01T00:00:00Z', new_day: '2024-02-29', ...task(march) }, // Monday
        { new_name: 'e3', new_at: '2024-01-06T23:59:59Z', new_day: '2024-02-29', ...task(january) }, // Saturday
        { new_name: 'e4', new_at: '2024-01-07T00:00:00Z' }, // Sunday: week 2 starts
        { new_name: 'e5', new_at: '2024-12-31T12:00:00Z', ...task(january) }, // Tuesday: week 53
        { new_name: 'e6', new_at: '2025-01-01T08:00:00Z' }, // Wednesday: week 1 of 2025
        { new_name: 'e7' },
        { new_name: 'e8', new_at: '2024-04-01T00:00:00Z' }, // Monday: quarter 2, week 14
      ];
      for (const row of rows) await create(s, EVENT_SET, row);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('groups by the week of the year, weeks starting on Sunday and week 1 holding 1 January, in UTC, across the year boundary', async () => {
      expect(await events(`${group('week', 'w')}${N}`)).to.deep.equal([{ n: 1 }, { w: 1, n: 3 }, { w: 2, n: 1 }, { w: 14, n: 1 }, { w: 53, n: 2 }]);
      expect(await events(`${group('year', 'y')}${group('week', 'w')}${N}`)).to.deep.equal([
        { n: 1 }, { y: 2023, w: 53, n: 1 }, { y: 2024, w: 1, n: 2 }, { y: 2024, w: 2, n: 1 }, { y: 2024, w: 14, n: 1 }, { y: 2024, w: 53, n: 1 }, { y: 2025, w: 1, n: 1 },
      ]);
    });

    it('day, month, quarter and year are numbers; year + month groups ordered by the aliases', async () => {
      expect(await events(`${group('day', 'd')}${N}`)).to.deep.equal([{ n: 1 }, { d: 1, n: 3 }, { d: 6, n: 1 }, { d: 7, n: 1 }, { d: 31, n: 2 }]);
      expect(await events(`${group('quarter', 'q')}${N}<order alias="q" descending="true"/>`)).to.deep.equal([{ q: 4, n: 2 }, { q: 2, n: 1 }, { q: 1, n: 4 }, { n: 1 }]);
      expect(await events(`${group('month', 'm')}${group('year', 'y')}${N}<order alias="y" descending="true"/><order alias="m"/>`)).to.deep.equal([
        { m: 1, y: 2025, n: 1 }, { m: 1, y: 2024, n: 3 }, { m: 4, y: 2024, n: 1 }, { m: 12, y: 2024, n: 1 }, { m: 12, y: 2023, n: 1 }, { n: 1 },
      ]);
      // <order attribute> naming the grouped column orders by its group.
      expect(await events(`${group('year', 'y')}${N}<order attribute="new_at" descending="true"/>`)).to.deep.equal([{ y: 2025, n: 1 }, { y: 2024, n: 5 }, { y: 2023, n: 1 }, { n: 1 }]);
    });

    it('<order attribute> naming a column grouped by several date parts orders chronologically: coarsest part first, each in the order\'s direction', async () => {
      const newestFirst = [{ y: 2025, m: 1, n: 1 }, { y: 2024, m: 12, n: 1 }, { y: 2024, m: 4, n: 1 }, { y: 2024, m: 1, n: 3 }, { y: 2023, m: 12, n: 1 }, { n: 1 }];
      expect(await events(`${group('year', 'y')}${group('month', 'm')}${N}<order attribute="new_at" descending="true"/>`)).to.deep.equal(newestFirst);
      expect(await events(`${group('month', 'm')}${group('year', 'y')}${N}<order attribute="new_at" descending="true"/>`)).to.deep.equal(newestFirst);
      expect(await events(`${group('day', 'd')}${group('quarter', 'q')}${group('year', 'y')}${N}<order attribute="new_at"/>`)).to.deep.equal([
        { n: 1 }, { y: 2023, q: 4, d: 31, n: 1 }, { y: 2024, q: 1, d: 1, n: 1 }, { y: 2024, q: 1, d: 6, n: 1 }, { y: 2024, q: 1, d: 7, n: 1 },
        { y: 2024, q: 2, d: 1, n: 1 }, { y: 2024, q: 4, d: 31, n: 1 }, { y: 2025, q: 1, d: 1, n: 1 },
      ]);
    });

    it('a group by a date part is formatted as a number, with no lookup or date annotations', async () => {
      const value = await events(`${group('year', 'y')}${N}<filter><condition attribute="new_name" operator="eq" value="e2"/></filter>`, { Prefer: 'odata.include-annotations="*"' });
      expect(value).to.deep.equal([{ [`y@${TERMS.formattedValue}`]: '2,024', y: 2024, [`n@${TERMS.formattedValue}`]: '1', n: 1 }]);
    });

    it('DateOnly dates and TimeZoneIndependent date-times group as stored; usertimezone changes nothing (UTC)', async () => {
      expect(await events(`${group('day', 'd', 'new_day')}${group('month', 'm', 'new_day')}${group('week', 'w', 'new_day')}${N}`))
        .to.deep.equal([{ n: 5 }, { d: 1, m: 1, w: 1, n: 1 }, { d: 29, m: 2, w: 9, n: 2 }]);
      expect(await events(`${group('day', 'd', 'new_fixed')}${N}`)).to.deep.equal([{ n: 7 }, { d: 30, n: 1 }]);
      for (const tz of ['true', 'false']) {
        expect(await events(`<attribute name="new_at" alias="d" groupby="true" dategrouping="day" usertimezone="${tz}"/>${N}<filter><condition attribute="new_name" operator="eq" value="e1"/></filter>`))
          .to.deep.equal([{ d: 31, n: 1 }]);
      }
    });

    it('groups by a date part of a link-entity column', async () => {
      const link = `<link-entity name="new_task" from="new_taskid" to="new_taskid" link-type="inner" alias="t">${group('month', 'm', 'new_due')}</link-entity>`;
      expect(await events(`${N}${link}`)).to.deep.equal([{ n: 2, m: 1 }, { n: 2, m: 3 }]);
      const unaliased = `<link-entity name="new_task" from="new_taskid" to="new_taskid" alias="t"><attribute name="new_due" groupby="true" dategrouping="year"/></link-entity>`;
      expect(await events(`${N}${unaliased}`)).to.deep.equal([{ n: 4, 't_x002e_new_due': 2024 }]);
    });

    it('groups by fiscal-period and fiscal-year of a DateOnly column and of a link-entity column, an outer link with a filter of its own too', async () => {
      // Quarters from 1 March: March 2024 is quarter 1 of fiscal year 2024, January 2024 quarter 4 of 2023.
      const organization = `${s.root}organizations(${s.service.caller.organizationid})`;
      const patched = await call('PATCH', organization, { fiscalcalendarstart: '2020-03-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 1 });
      expect(patched.status, patched.text).to.equal(204);
      try {
        expect(await events(`${group('fiscal-period', 'fp', 'new_day')}${N}<order alias="fp"/>`)).to.deep.equal([{ n: 5 }, { fp: 202204, n: 1 }, { fp: 202304, n: 2 }]);
        expect(await events(`${group('fiscal-year', 'fy', 'new_day')}${N}<order alias="fy"/>`)).to.deep.equal([{ n: 5 }, { fy: 2022, n: 1 }, { fy: 2023, n: 2 }]);
        const inner = `<link-entity name="new_task" from="new_taskid" to="new_taskid" link-type="inner" alias="t">${group('fiscal-period', 'fp', 'new_due')}</link-entity>`;
        expect(await events(`${N}${inner}<order alias="fp" descending="true"/>`)).to.deep.equal([{ n: 2, fp: 202401 }, { n: 2, fp: 202304 }]);
        // The outer link's own filter binds a parameter in the column's path; its other rows group under null.
        const outer = `<link-entity name="new_task" from="new_taskid" to="new_taskid" link-type="outer" alias="t">${group('fiscal-period', 'fp', 'new_due')}`
          + '<filter><condition attribute="new_name" operator="eq" value="march"/></filter></link-entity>';
        expect(await events(`${N}${outer}<filter><condition attribute="new_name" operator="ne" value="e7"/></filter><order alias="fp"/>`)).to.deep.equal([{ n: 5 }, { n: 2, fp: 202401 }]);
      } finally {
        await call('PATCH', organization, { fiscalcalendarstart: null, fiscalperiodtype: 2000, fiscalyeardisplaycode: 1 });
      }
    });

    it('the createdon of msdyn_copilotinteraction by month (a migrated row\'s overriddencreatedon is its createdon)', async () => {
      for (const [name, at] of [['a', '2024-01-31T23:00:00Z'], ['b', '2024-02-01T00:00:00Z'], ['c', '2024-02-15T12:00:00Z']]) {
        await create(s, 'msdyn_copilotinteractions', { msdyn_name: `dategrouping ${name}`, overriddencreatedon: at });
      }
      const xml = '<fetch aggregate="true"><entity name="msdyn_copilotinteraction"><attribute name="createdon" groupby="true" dategrouping="month" alias="m"/>'
        + '<attribute name="msdyn_copilotinteractionid" aggregate="count" alias="n"/><order alias="m"/>'
        + '<filter><condition attribute="msdyn_name" operator="begins-with" value="dategrouping"/></filter></entity></fetch>';
      expect(await groups(call('GET', `${s.root}msdyn_copilotinteractions?fetchXml=${encodeURIComponent(xml)}`))).to.deep.equal([{ m: 1, n: 1 }, { m: 2, n: 2 }]);
    });

    it('dategrouping on a column that is no DateTime: 400 0x80040203', async () => {
      for (const body of [`${group('month', 'm', 'new_name')}${N}`, `${N}<link-entity name="new_task" from="new_taskid" to="new_taskid" alias="t">${group('year', 'y', 'new_hours')}</link-entity>`]) {
        const r = await call('GET', `${s.root}${EVENT_SET}?fetchXml=${encodeURIComponent(`<fetch aggregate="true"><entity name="new_event">${body}</entity></fetch>`)}`);
        expect(r.status, r.text).to.equal(400);
        expect(r.json.error.code).to.equal('0x80040203');
        expect(r.json.error.message).to.contain('only DateTime columns group by parts of a date');
      }
    });
  });

  describe(`FetchXML aggregate record limit (aggregateRecordLimit: 3) [${database.name}]`, () => {
    let dir: string;
    let s: TestServer;
    before(async () => {
      dir = taskMetadata();
      s = await startServer(dir, database, { aggregateRecordLimit: 3 });
      for (const hours of [1, 2, 3, 4]) await create(s, TASK_SET, { new_name: `r${hours}`, new_hours: hours });
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('more rows than the service\'s limit fail with 0x8004E023; aggregatelimit cannot raise it', async () => {
      for (const attributes of ['', 'aggregatelimit="50000"']) {
        const r = await fx(s, aggregateXml(COUNT, attributes));
        expect(r.status, attributes).to.equal(400);
        expect(r.json.error.code).to.equal('0x8004E023');
      }
      expect(await groups(fx(s, aggregateXml(`${COUNT}<filter><condition attribute="new_hours" operator="le" value="3"/></filter>`)))).to.deep.equal([{ n: 3 }]);
    });
  });
}
