import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { EntityFile } from '../src/model/types.js';
import { planCreate, planUpdate } from '../src/plan/write.js';
import { SYSTEM_CALLER } from '../src/service.js';
import { writeIn } from '../src/store/execute.js';
import { call, copyMetadata, createRow, DATABASES, startServer, type TestServer } from './support/server.js';

/**
 * What deleting a row does to the rows whose lookups name it (CascadeConfiguration.Delete,
 * digest §2.4): on the shipped tables, RemoveLink for msdyn_interactiondataid and Restrict for
 * the system lookups; on the tables below, each behaviour declared in a metadata file.
 */

const lookup = (name: string, target: string, Delete?: 'Cascade' | 'RemoveLink' | 'Restrict') =>
  ({ LogicalName: name, AttributeType: 'Lookup', Targets: [target], ...(Delete ? { CascadeConfiguration: { Delete } } : {}) }) as const;

/**
 * new_project ← new_task (Cascade; a task's subtasks too, through new_parenttaskid; a task's
 * blocker is Restrict) ← new_note (Restrict on its task and on an interaction; RemoveLink, the
 * default, on its project). Tasks are linked to interactions through a many-to-many relationship.
 */
const FILES: EntityFile[] = [
  {
    LogicalName: 'new_project', EntitySetName: 'new_projects', PrimaryIdAttribute: 'new_projectid', PrimaryNameAttribute: 'new_name', OwnershipType: 'UserOwned',
    Attributes: [{ LogicalName: 'new_projectid', AttributeType: 'Uniqueidentifier' }, { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 }],
  },
  {
    LogicalName: 'new_task', EntitySetName: 'new_tasks', PrimaryIdAttribute: 'new_taskid', PrimaryNameAttribute: 'new_name', OwnershipType: 'UserOwned',
    Attributes: [
      { LogicalName: 'new_taskid', AttributeType: 'Uniqueidentifier' }, { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
      lookup('new_projectid', 'new_project', 'Cascade'), lookup('new_parenttaskid', 'new_task', 'Cascade'), lookup('new_blockerid', 'new_task', 'Restrict'),
    ],
    ManyToManyRelationships: [{ SchemaName: 'new_task_msdyn_copilotinteraction', Entity1LogicalName: 'new_task', Entity2LogicalName: 'msdyn_copilotinteraction' }],
  },
  {
    LogicalName: 'new_note', EntitySetName: 'new_notes', PrimaryIdAttribute: 'new_noteid', PrimaryNameAttribute: 'new_name', OwnershipType: 'UserOwned',
    Attributes: [
      { LogicalName: 'new_noteid', AttributeType: 'Uniqueidentifier' }, { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
      lookup('new_taskid', 'new_task', 'Restrict'), lookup('new_projectid', 'new_project'), lookup('new_interactionid', 'msdyn_copilotinteraction', 'Restrict'),
    ],
  },
] as EntityFile[];

for (const database of DATABASES) {
  describe(`delete of a referenced row [${database.name}]`, () => {
    let s: TestServer;
    let dir: string;

    const create = async (set: string, body: object, key: string) => (await createRow(s, set, body))[key] as string;
    const get = async (path: string) => (await call('GET', `${s.root}${path}`)).json;
    const exists = async (path: string) => (await call('GET', `${s.root}${path}`)).status === 200;

    before(async () => {
      dir = copyMetadata();
      for (const file of FILES) writeFileSync(join(dir, `${file.LogicalName}.json`), JSON.stringify(file));
      s = await startServer(dir, database);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('RemoveLink (msdyn_interactiondataid): the interactions pointing at a deleted data row lose the lookup and get a new version', async () => {
      const data = await create('msdyn_copilotinteractiondatas', { msdyn_name: 'transcript' }, 'msdyn_copilotinteractiondataid');
      const other = await create('msdyn_copilotinteractiondatas', { msdyn_name: 'other' }, 'msdyn_copilotinteractiondataid');
      const bound = (d: string) => ({ msdyn_name: 'i', 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${d})` });
      const linked = [await create('msdyn_copilotinteractions', bound(data), 'msdyn_copilotinteractionid'), await create('msdyn_copilotinteractions', bound(data), 'msdyn_copilotinteractionid')];
      const untouched = await create('msdyn_copilotinteractions', bound(other), 'msdyn_copilotinteractionid');
      const select = '?$select=_msdyn_interactiondataid_value,modifiedon,_modifiedby_value';
      const before = await Promise.all([...linked, untouched].map((id) => get(`msdyn_copilotinteractions(${id})${select}`)));

      expect((await call('DELETE', `${s.root}msdyn_copilotinteractiondatas(${data})`)).status).to.equal(204);

      for (const [i, id] of linked.entries()) {
        const row = await get(`msdyn_copilotinteractions(${id})${select}`);
        expect(row._msdyn_interactiondataid_value).to.equal(null);
        expect(Number(/\d+/.exec(row['@odata.etag'])![0])).to.be.greaterThan(Number(/\d+/.exec(before[i]['@odata.etag'])![0]));
        expect(row.modifiedon >= before[i].modifiedon).to.equal(true);
        expect(row._modifiedby_value).to.equal(SYSTEM_CALLER.systemuserid);
      }
      expect(await get(`msdyn_copilotinteractions(${untouched})${select}`)).to.deep.equal(before[2]);
    });

    it('Restrict (system lookups): a user that rows were created by cannot be deleted (405 0x80040227); one nothing points at can', async () => {
      const r = await call('DELETE', `${s.root}systemusers(${SYSTEM_CALLER.systemuserid})`);
      expect(r.status).to.equal(405);
      expect(r.json).to.deep.equal({ error: { code: '0x80040227', message: 'The object you tried to delete is associated with another object and cannot be deleted.' } });
      expect(await exists(`systemusers(${SYSTEM_CALLER.systemuserid})`)).to.equal(true);
      const lone = await create('systemusers', { fullname: 'Ann' }, 'systemuserid');
      expect((await call('DELETE', `${s.root}systemusers(${lone})`)).status).to.equal(204);
      expect(await exists(`systemusers(${lone})`)).to.equal(false);
    });

    it('Cascade: a project takes its tasks, their subtasks and their many-to-many links with it; its notes lose the lookup', async () => {
      const project = await create('new_projects', { new_name: 'P' }, 'new_projectid');
      const keep = await create('new_projects', { new_name: 'Q' }, 'new_projectid');
      const toProject = (p: string) => ({ 'new_projectid@odata.bind': `/new_projects(${p})` });
      const task = await create('new_tasks', { new_name: 't', ...toProject(project) }, 'new_taskid');
      // A subtask of the project's task that belongs to no project: deleted through its parent.
      const subtask = await create('new_tasks', { new_name: 'sub', 'new_parenttaskid@odata.bind': `/new_tasks(${task})` }, 'new_taskid');
      const kept = await create('new_tasks', { new_name: 'k', ...toProject(keep) }, 'new_taskid');
      const note = await create('new_notes', { new_name: 'n', ...toProject(project) }, 'new_noteid');
      const interaction = await create('msdyn_copilotinteractions', { msdyn_name: 'i' }, 'msdyn_copilotinteractionid');
      for (const t of [subtask, kept]) {
        const link = await call('POST', `${s.root}new_tasks(${t})/new_task_msdyn_copilotinteraction/$ref`, { '@odata.id': `${s.root}msdyn_copilotinteractions(${interaction})` });
        expect(link.status).to.equal(204);
      }

      expect((await call('DELETE', `${s.root}new_projects(${project})`)).status).to.equal(204);

      for (const gone of [`new_projects(${project})`, `new_tasks(${task})`, `new_tasks(${subtask})`]) expect(await exists(gone), gone).to.equal(false);
      expect((await get(`new_notes(${note})?$select=_new_projectid_value`))._new_projectid_value).to.equal(null);
      expect(await exists(`new_tasks(${kept})`)).to.equal(true);
      const links = await get(`msdyn_copilotinteractions(${interaction})/new_task_msdyn_copilotinteraction?$select=new_name`);
      expect(links.value.map((t: { new_taskid: string }) => t.new_taskid)).to.deep.equal([kept]);
    });

    it('Restrict below a Cascade refuses the whole delete: nothing is deleted or cleared', async () => {
      const project = await create('new_projects', { new_name: 'R' }, 'new_projectid');
      const task = await create('new_tasks', { new_name: 't', 'new_projectid@odata.bind': `/new_projects(${project})` }, 'new_taskid');
      const subtask = await create('new_tasks', { new_name: 'sub', 'new_parenttaskid@odata.bind': `/new_tasks(${task})` }, 'new_taskid');
      const onProject = await create('new_notes', { new_name: 'p', 'new_projectid@odata.bind': `/new_projects(${project})` }, 'new_noteid');
      await create('new_notes', { new_name: 'blocks', 'new_taskid@odata.bind': `/new_tasks(${subtask})` }, 'new_noteid');

      const r = await call('DELETE', `${s.root}new_projects(${project})`);
      expect(r.status).to.equal(405);
      expect(r.json.error.code).to.equal('0x80040227');
      for (const row of [`new_projects(${project})`, `new_tasks(${task})`, `new_tasks(${subtask})`]) expect(await exists(row), row).to.equal(true);
      expect((await get(`new_notes(${onProject})?$select=_new_projectid_value`))._new_projectid_value).to.equal(project);
    });

    it('PurgeRetainedContent removes a purged row\'s many-to-many links: an interaction created again with its id has none', async () => {
      const id = '0a1b2c3d-0000-4000-8000-00000000c0de';
      const task = await create('new_tasks', { new_name: 'linked' }, 'new_taskid');
      const links = `new_tasks(${task})/new_task_msdyn_copilotinteraction`;
      const recreate = async () => expect((await call('POST', `${s.root}msdyn_copilotinteractions`, { msdyn_copilotinteractionid: id, msdyn_name: 'purge-me' })).status).to.equal(204);
      await recreate();
      expect((await call('POST', `${s.root}${links}/$ref`, { '@odata.id': `${s.root}msdyn_copilotinteractions(${id})` })).status).to.equal(204);
      expect((await call('POST', `${s.root}Retain`, { Target: { '@odata.type': 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction', msdyn_copilotinteractionid: id } })).status).to.equal(200);
      const purged = await call('POST', `${s.root}PurgeRetainedContent`, { EntityName: 'msdyn_copilotinteraction', MaxVersionToPurge: Number.MAX_SAFE_INTEGER });
      expect(purged.json.EntityCountCollection.Values).to.deep.equal([1]);
      await recreate();
      expect((await get(`${links}?$select=msdyn_name`)).value).to.deep.equal([]);
    });

    it('a Restrict row the same cascade deletes does not block it, whichever was created first', async () => {
      for (const blockerFirst of [true, false]) {
        const project = await create('new_projects', { new_name: 'B' }, 'new_projectid');
        const under = { 'new_projectid@odata.bind': `/new_projects(${project})` };
        let blocker = blockerFirst ? await create('new_tasks', { new_name: 'blocker', ...under }, 'new_taskid') : '';
        const blocked = await create('new_tasks', { new_name: 'blocked', ...under }, 'new_taskid');
        if (!blockerFirst) blocker = await create('new_tasks', { new_name: 'blocker', ...under }, 'new_taskid');
        expect((await call('PATCH', `${s.root}new_tasks(${blocked})`, { 'new_blockerid@odata.bind': `/new_tasks(${blocker})` })).status).to.equal(204);
        expect((await call('DELETE', `${s.root}new_projects(${project})`)).status, `blocker first: ${blockerFirst}`).to.equal(204);
        for (const t of [blocker, blocked]) expect(await exists(`new_tasks(${t})`)).to.equal(false);
      }
    });

    it('a delete waits for a write that binds to the row: the Restrict sees the new row (405), nothing dangles', async () => {
      const model = s.service.model;
      const task = await create('new_tasks', { new_name: 'contested' }, 'new_taskid');
      let deleting: Promise<{ status: number }> | undefined;
      let note = '';
      await s.db.transaction(async (tx) => {
        const plan = planCreate(model, model.byLogicalName.get('new_note')!, { new_name: 'late', 'new_taskid@odata.bind': `/new_tasks(${task})` }, SYSTEM_CALLER);
        note = (await writeIn(tx, s.db, plan)).id;
        deleting = call('DELETE', `${s.root}new_tasks(${task})`);
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      expect((await deleting!).status).to.equal(405);
      expect(await exists(`new_tasks(${task})`)).to.equal(true);
      expect((await get(`new_notes(${note})?$select=_new_taskid_value`))._new_taskid_value).to.equal(task);
    });

    it('a Cascade leaves alone a row another transaction moved to another parent while the delete waited', async () => {
      const model = s.service.model;
      const from = await create('new_projects', { new_name: 'from' }, 'new_projectid');
      const to = await create('new_projects', { new_name: 'to' }, 'new_projectid');
      const task = await create('new_tasks', { new_name: 'moving', 'new_projectid@odata.bind': `/new_projects(${from})` }, 'new_taskid');
      let deleting: Promise<{ status: number }> | undefined;
      await s.db.transaction(async (tx) => {
        const plan = planUpdate(model, model.byLogicalName.get('new_task')!, task, { 'new_projectid@odata.bind': `/new_projects(${to})` }, SYSTEM_CALLER, '*', undefined);
        await writeIn(tx, s.db, plan);
        deleting = call('DELETE', `${s.root}new_projects(${from})`);
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      expect((await deleting!).status).to.equal(204);
      expect((await get(`new_tasks(${task})?$select=_new_projectid_value`))._new_projectid_value).to.equal(to);
    });

    it('PurgeRetainedContent leaves a row a Restrict holds retained and purges the others', async () => {
      const held = await create('msdyn_copilotinteractions', { msdyn_name: 'held' }, 'msdyn_copilotinteractionid');
      const free = await create('msdyn_copilotinteractions', { msdyn_name: 'free' }, 'msdyn_copilotinteractionid');
      await create('new_notes', { new_name: 'holds', 'new_interactionid@odata.bind': `/msdyn_copilotinteractions(${held})` }, 'new_noteid');
      for (const id of [held, free]) {
        const retained = await call('POST', `${s.root}Retain`, { Target: { '@odata.type': 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction', msdyn_copilotinteractionid: id } });
        expect(retained.status, retained.text).to.equal(200);
      }
      const purge = () => call('POST', `${s.root}PurgeRetainedContent`, { EntityName: 'msdyn_copilotinteraction', MaxVersionToPurge: Number.MAX_SAFE_INTEGER });
      const first = await purge();
      expect(first.status, first.text).to.equal(200);
      expect(first.json.EntityCountCollection.Values).to.deep.equal([1]);
      expect((await purge()).json.EntityCountCollection.Values).to.deep.equal([0]);
      const retainedRows = '<fetch datasource="retained"><entity name="msdyn_copilotinteraction"><attribute name="msdyn_name"/></entity></fetch>';
      const left = await call('GET', `${s.root}msdyn_copilotinteractions?fetchXml=${encodeURIComponent(retainedRows)}`);
      expect(left.json.value.map((r: { msdyn_name: string }) => r.msdyn_name)).to.deep.equal(['held']);
    });

    it('a task that is its own parent, and two tasks that are each other\'s parent, are deleted without looping', async () => {
      const self = await create('new_tasks', { new_name: 'self' }, 'new_taskid');
      expect((await call('PATCH', `${s.root}new_tasks(${self})`, { 'new_parenttaskid@odata.bind': `/new_tasks(${self})` })).status).to.equal(204);
      expect((await call('DELETE', `${s.root}new_tasks(${self})`)).status).to.equal(204);
      const a = await create('new_tasks', { new_name: 'a' }, 'new_taskid');
      const b = await create('new_tasks', { new_name: 'b', 'new_parenttaskid@odata.bind': `/new_tasks(${a})` }, 'new_taskid');
      expect((await call('PATCH', `${s.root}new_tasks(${a})`, { 'new_parenttaskid@odata.bind': `/new_tasks(${b})` })).status).to.equal(204);
      expect((await call('DELETE', `${s.root}new_tasks(${a})`)).status).to.equal(204);
      expect(await exists(`new_tasks(${b})`)).to.equal(false);
    });
  });
}
