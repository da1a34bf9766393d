import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { EntityFile } from '../../src/model/types.js';
import { call, copyMetadata, type Reply, type TestServer } from './server.js';

/*
 * The small fixed data set the aggregate suites ($apply, FetchXML aggregate="true") share: two
 * tables, new_project and new_task (a lookup to new_project and a column of each common type),
 * and six tasks, so that every expected group can be written out.
 */

/** new_project: a name. */
export const PROJECT: EntityFile = {
  LogicalName: 'new_project', EntitySetName: 'new_projects', PrimaryIdAttribute: 'new_projectid', PrimaryNameAttribute: 'new_name',
  OwnershipType: 'OrganizationOwned',
  Attributes: [{ LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 }],
};

/** new_task: text, choice, whole number, money, double, boolean, date-time and a lookup to new_project. */
export const TASK: EntityFile = {
  LogicalName: 'new_task', EntitySetName: 'new_tasks', PrimaryIdAttribute: 'new_taskid', PrimaryNameAttribute: 'new_name',
  OwnershipType: 'OrganizationOwned',
  Attributes: [
    { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_color', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_priority', AttributeType: 'Picklist', OptionSet: { Options: [{ Value: 1, Label: 'Low' }, { Value: 2, Label: 'High' }] } },
    { LogicalName: 'new_hours', AttributeType: 'Integer' },
    { LogicalName: 'new_cost', AttributeType: 'Money', Precision: 2 },
    { LogicalName: 'new_score', AttributeType: 'Double' },
    { LogicalName: 'new_done', AttributeType: 'Boolean' },
    { LogicalName: 'new_due', AttributeType: 'DateTime' },
    { LogicalName: 'new_projectid', AttributeType: 'Lookup', Targets: ['new_project'] },
  ],
};

/** The entity set of new_task. */
export const TASK_SET = 'new_tasks';

/** A metadata folder with the shipped tables plus new_project and new_task; remove it with rmSync. */
export function taskMetadata(): string {
  const dir = copyMetadata();
  writeFileSync(join(dir, 'new_project.json'), JSON.stringify(PROJECT));
  writeFileSync(join(dir, 'new_task.json'), JSON.stringify(TASK));
  return dir;
}

/** Creates a row through `POST /<set>` (expecting 204) and returns its id. */
export async function create(s: TestServer, set: string, body: Record<string, unknown>): Promise<string> {
  const r = await call('POST', `${s.root}${set}`, body);
  expect(r.status, r.text).to.equal(204);
  return /\(([0-9a-f-]{36})\)$/.exec(r.headers.get('odata-entityid')!)![1]!;
}

/**
 * Creates the projects Apollo and Zephyr and six tasks t1…t6 (t4 has no project; colors differ in
 * case; some values are null) and returns the project ids.
 */
export async function seedTasks(s: TestServer): Promise<{ apollo: string; zephyr: string }> {
  const apollo = await create(s, 'new_projects', { new_name: 'Apollo' });
  const zephyr = await create(s, 'new_projects', { new_name: 'Zephyr' });
  const bind = (id: string) => ({ 'new_projectid@odata.bind': `/new_projects(${id})` });
  const rows: Array<Record<string, unknown>> = [
    { new_name: 't1', new_color: 'Red', new_priority: 1, new_hours: 2, new_cost: 10.5, new_score: 1.5, new_done: true, new_due: '2024-03-01T10:00:00Z', ...bind(apollo) },
    { new_name: 't2', new_color: 'RED', new_priority: 1, new_hours: 4, new_cost: 20, new_done: false, ...bind(apollo) },
    { new_name: 't3', new_color: 'blue', new_priority: 2, new_hours: 6, new_score: 3, new_done: false, new_due: '2024-01-15T09:30:00+01:00', ...bind(zephyr) },
    { new_name: 't4', new_color: 'Blue', new_priority: 2, new_cost: 5.25, new_score: 4.5, new_done: true },
    { new_name: 't5', new_done: null, new_priority: 1, new_hours: 8, new_cost: 100, new_score: 2, ...bind(zephyr) },
    { new_name: 't6', new_color: 'green', new_hours: 1, new_cost: 1, new_done: false, ...bind(apollo) },
  ];
  for (const row of rows) await create(s, TASK_SET, row);
  return { apollo, zephyr };
}

/** The `value` of an aggregate response, expecting 200. */
export async function groups(r: Promise<Reply>): Promise<Array<Record<string, unknown>>> {
  const reply = await r;
  expect(reply.status, reply.text).to.equal(200);
  return reply.json.value;
}
