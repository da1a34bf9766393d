import { expect } from 'chai';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../src/model/loader.js';
import { Service } from '../src/service.js';
import { call, copyMetadata, DATABASES, startServer, type TestServer } from './support/server.js';

/**
 * sdkmessage / sdkmessagefilter (digest §6.3): the rows clients query to learn whether a table
 * supports a message, kept by the service from its tables and messages, read-only to clients.
 */
const log = { error: (obj: object, msg: string) => console.error(msg, obj) };

for (const database of DATABASES) {
  describe(`sdkmessage and sdkmessagefilter [${database.name}]`, () => {
    let s: TestServer;
    before(async () => { s = await startServer(undefined, database); });
    after(() => s.close());

    /** Dataverse's availability check, as the bulk operations sample sends it: the filters of `message` for `table`. */
    const filters = async (message: string, table: string) => {
      const r = await call('GET', `${s.root}sdkmessagefilters?$select=sdkmessagefilterid&$filter=sdkmessageid/name eq @message and primaryobjecttypecode eq @table&@message='${message}'&@table='${table}'`);
      expect(r.status, r.text).to.equal(200);
      return r.json.value as Array<{ sdkmessagefilterid: string }>;
    };

    it('answers the availability check: a filter per table a message takes, none where it takes none', async () => {
      for (const message of ['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple', 'Create', 'Retrieve', 'SetState', 'IsValidStateTransition', 'Retain', 'PurgeRetainedContent']) {
        expect(await filters(message, 'msdyn_copilotinteraction'), message).to.have.length(1);
      }
      expect(await filters('CreateMultiple', 'systemuser')).to.have.length(1);
      expect(await filters('Retain', 'systemuser'), 'systemuser has no retention').to.have.length(0);
      expect(await filters('SetState', 'systemuser'), 'systemuser has no state model').to.have.length(0);
      expect(await filters('CreateMultiple', 'sdkmessage'), 'clients cannot write sdkmessage').to.have.length(0);
      expect(await filters('Retrieve', 'sdkmessage')).to.have.length(1);
      expect(await filters('WhoAmI', 'none'), 'an unbound message that takes no table').to.have.length(1);
      expect(await filters('DeleteMultiple', 'msdyn_copilotinteraction'), 'a message Tessera does not answer').to.have.length(0);
      const names = await call('GET', `${s.root}sdkmessages?$select=name&$filter=name eq 'CreateMultiple' or name eq 'WhoAmI'&$orderby=name`);
      expect(names.json.value.map((m: { name: string }) => m.name)).to.deep.equal(['CreateMultiple', 'WhoAmI']);
    });

    it('refuses every write to them with 0x80040800 and changes nothing', async () => {
      const before = (await call('GET', `${s.root}sdkmessagefilters/$count`)).text;
      const [filter] = await filters('Create', 'msdyn_copilotinteraction');
      const message = (await call('GET', `${s.root}sdkmessages?$select=name&$filter=name eq 'Create'`)).json.value[0].sdkmessageid;
      const refusals = [
        ['POST', 'sdkmessages', { name: 'Mine' }, 'Create', 'sdkmessage'],
        ['PATCH', `sdkmessagefilters(${filter!.sdkmessagefilterid})`, { isvisible: false }, 'Update', 'sdkmessagefilter'],
        ['DELETE', `sdkmessages(${message})`, undefined, 'Delete', 'sdkmessage'],
        ['POST', 'sdkmessagefilters/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: [{ '@odata.type': 'Microsoft.Dynamics.CRM.sdkmessagefilter', primaryobjecttypecode: 'x' }] }, 'Create', 'sdkmessagefilter'],
      ] as const;
      for (const [method, path, body, verb, table] of refusals) {
        const r = await call(method, `${s.root}${path}`, body);
        expect(r.status, `${method} ${path}: ${r.text}`).to.equal(400);
        expect(r.json.error.code).to.equal('0x80040800');
        expect(r.json.error.message).to.match(new RegExp(`The '${verb}' method does not support entities of type '${table}'`));
      }
      expect((await call('GET', `${s.root}sdkmessagefilters/$count`)).text).to.equal(before);
      expect(await filters('Create', 'msdyn_copilotinteraction')).to.deep.equal([filter]);
    });
  });

  describe(`sdkmessagefilter rows follow the tables from start to start [${database.name}]`, () => {
    it("adds a new table's filters, keeps the ids, and drops the filters of a table that is gone", async () => {
      const { db, drop } = await database.create();
      const dir = copyMetadata();
      try {
        const count = async (service: Service, table: string) => {
          const r = await service.handle({ method: 'GET', url: `/api/data/v9.2/sdkmessagefilters?$select=sdkmessagefilterid&$filter=primaryobjecttypecode eq '${table}'&$orderby=sdkmessagefilterid`, headers: {}, origin: 'http://x' });
          return (JSON.parse(r.body!).value as Array<{ sdkmessagefilterid: string }>).map((f) => f.sdkmessagefilterid);
        };
        const first = await Service.open(loadModel(dir), db, log);
        const shipped = await count(first, 'msdyn_copilotinteraction');
        expect(await count(first, 'new_note')).to.deep.equal([]);
        writeFileSync(join(dir, 'new_note.json'), JSON.stringify({
          LogicalName: 'new_note', SchemaName: 'new_Note', EntitySetName: 'new_notes', DisplayName: 'Note', PrimaryIdAttribute: 'new_noteid', PrimaryNameAttribute: 'new_name',
          OwnershipType: 'OrganizationOwned', HasStateModel: false,
          Attributes: [{ LogicalName: 'new_noteid', AttributeType: 'Uniqueidentifier' }, { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 }],
        }));
        const second = await Service.open(loadModel(dir), db, log);
        expect(await count(second, 'msdyn_copilotinteraction'), 'the same rows, the same ids').to.deep.equal(shipped);
        expect((await count(second, 'new_note')).length, 'Retrieve … Disassociate and the three bulk messages').to.equal(11);
        rmSync(join(dir, 'new_note.json'));
        const third = await Service.open(loadModel(dir), db, log);
        expect(await count(third, 'new_note')).to.deep.equal([]);
        expect(await count(third, 'msdyn_copilotinteraction')).to.deep.equal(shipped);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await drop();
      }
    });
  });
}
