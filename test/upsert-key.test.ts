import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { planDelete } from '../src/plan/write.js';
import { SYSTEM_CALLER } from '../src/service.js';
import type { Executor } from '../src/store/database.js';
import { executeWrite } from '../src/store/execute.js';
import { MssqlDatabase } from '../src/store/mssql.js';
import { call, copyMetadata, DATABASES, startServer, type TestServer } from './support/server.js';

/**
 * Upsert by alternate key (Dataverse "Use Upsert to Create or Update a record", Guidance for
 * composing requests): a row found is updated without the body's values for the key's columns; a
 * row not found is created with the key's values unless the body sets them.
 */
for (const database of DATABASES) {
  describe(`upsert by alternate key [${database.name}]`, () => {
    let s: TestServer;
    let dir: string;
    before(async () => {
      dir = copyMetadata();
      writeFileSync(join(dir, 'new_gadget.json'), JSON.stringify({
        LogicalName: 'new_gadget', EntitySetName: 'new_gadgets', PrimaryIdAttribute: 'new_gadgetid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
        Attributes: [
          { LogicalName: 'new_name', AttributeType: 'String' }, { LogicalName: 'new_code', AttributeType: 'String', MaxLength: 20 },
          { LogicalName: 'new_int', AttributeType: 'Integer' },
        ],
        Keys: [{ LogicalName: 'new_code_int', KeyAttributes: ['new_code', 'new_int'] }],
      }));
      writeFileSync(join(dir, 'new_fitting.json'), JSON.stringify({
        LogicalName: 'new_fitting', EntitySetName: 'new_fittings', PrimaryIdAttribute: 'new_fittingid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
        Attributes: [
          { LogicalName: 'new_name', AttributeType: 'String' }, { LogicalName: 'new_gadgetid', AttributeType: 'Lookup', Targets: ['new_gadget'] },
          { LogicalName: 'new_size', AttributeType: 'Integer' },
        ],
        Keys: [{ LogicalName: 'new_gadget_size', KeyAttributes: ['new_gadgetid', 'new_size'] }],
      }));
      s = await startServer(dir, database);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const gadget = (code: string, n: number) => `${s.root}new_gadgets(new_code='${code}',new_int=${n})`;
    const read = async (url: string) => (await call('GET', `${url}?$select=new_name,new_code,new_int`)).json;

    it('updates a row found by its key without the body\'s key values, so the URL still names it', async () => {
      expect((await call('PATCH', gadget('V1', 9), { new_name: 'first' })).status).to.equal(204);
      const updated = await call('PATCH', gadget('V1', 9), { new_name: 'second', new_code: 'V2', new_int: 10 });
      expect(updated.status, updated.text).to.equal(204);
      const location = updated.headers.get('odata-entityid')!;
      expect(location).to.equal(gadget('V1', 9));
      const row = await call('GET', `${location}?$select=new_name,new_code,new_int`);
      expect(row.status, row.text).to.equal(200);
      expect(row.json).to.include({ new_name: 'second', new_code: 'V1', new_int: 9 });
      expect((await call('GET', gadget('V2', 10))).status, 'no row took the body\'s key').to.equal(404);

      const represented = await call('PATCH', gadget('V1', 9), { new_name: 'third', new_code: 'V3' }, { Prefer: 'return=representation' });
      expect(represented.status).to.equal(200);
      expect(represented.json).to.include({ new_name: 'third', new_code: 'V1', new_int: 9 });

      const bulk = await call('POST', `${s.root}new_gadgets/Microsoft.Dynamics.CRM.UpsertMultiple`, { Targets: [
        { '@odata.type': 'Microsoft.Dynamics.CRM.new_gadget', '@odata.id': "new_gadgets(new_code='V1',new_int=9)", new_name: 'fourth', new_code: 'V4', new_int: 11 },
      ] });
      expect(bulk.status, bulk.text).to.equal(204);
      expect(await read(gadget('V1', 9))).to.include({ new_name: 'fourth', new_code: 'V1', new_int: 9 });
      expect((await call('GET', `${s.root}new_gadgets/$count`)).text).to.equal('1');
    });

    it('keeps a lookup in the key: a row found by it is not rebound by the body', async () => {
      const one = (await call('POST', `${s.root}new_gadgets`, { new_name: 'one' }, { Prefer: 'return=representation' })).json.new_gadgetid as string;
      const two = (await call('POST', `${s.root}new_gadgets`, { new_name: 'two' }, { Prefer: 'return=representation' })).json.new_gadgetid as string;
      const fitting = `${s.root}new_fittings(_new_gadgetid_value=${one},new_size=1)`;
      expect((await call('PATCH', fitting, { new_name: 'created' })).status).to.equal(204);
      const updated = await call('PATCH', fitting, { new_name: 'moved?', 'new_gadgetid@odata.bind': `/new_gadgets(${two})`, new_size: 2 });
      expect(updated.status, updated.text).to.equal(204);
      const row = await call('GET', `${fitting}?$select=new_name,_new_gadgetid_value,new_size`);
      expect(row.status, row.text).to.equal(200);
      expect(row.json).to.include({ new_name: 'moved?', _new_gadgetid_value: one, new_size: 1 });
    });

    it('creates a missing row with the URL\'s key values, or with the body\'s where it sets them', async () => {
      const created = await call('PATCH', gadget('N1', 1), { new_name: 'from the URL' }, { Prefer: 'return=representation' });
      expect(created.status, created.text).to.equal(201);
      expect(created.json).to.include({ new_code: 'N1', new_int: 1 });
      // Dataverse: "the server uses any alternate key values set in the body … even if the data is different".
      const body = await call('PATCH', gadget('N2', 2), { new_name: 'from the body', new_code: 'B2' });
      expect(body.status, body.text).to.equal(204);
      expect(await read(gadget('B2', 2))).to.include({ new_name: 'from the body', new_code: 'B2', new_int: 2 });
      expect((await call('GET', gadget('N2', 2))).status).to.equal(404);
    });

    it('answers a taken alternate key 412 0x80060892 naming the key on every write path; a primary key or If-None-Match: * stays 0x80040237', async () => {
      const clash = { code: '0x80060892', message: 'Entity Key new_code_int violated. A record with the same value for new_code, new_int already exists. A duplicate record cannot be created. Select one or more unique values and try again.' };
      const count = async () => (await call('GET', `${s.root}new_gadgets/$count`)).text;
      const taken = await call('POST', `${s.root}new_gadgets`, { new_name: 'taken', new_code: 'T', new_int: 1 }, { Prefer: 'return=representation' });
      const other = await call('POST', `${s.root}new_gadgets`, { new_name: 'other', new_code: 'O', new_int: 1 }, { Prefer: 'return=representation' });
      const otherId = other.json.new_gadgetid as string;
      const type = { '@odata.type': 'Microsoft.Dynamics.CRM.new_gadget' };
      const before = await count();
      const bulk = (name: string, targets: object[]) => call('POST', `${s.root}new_gadgets/Microsoft.Dynamics.CRM.${name}`, { Targets: targets.map((t) => ({ ...type, ...t })) });
      const attempts = {
        post: await call('POST', `${s.root}new_gadgets`, { new_code: 't', new_int: 1 }),
        patch: await call('PATCH', `${s.root}new_gadgets(${otherId})`, { new_code: 'T' }),
        put: await call('PUT', `${s.root}new_gadgets(${otherId})/new_code`, { value: 'T' }),
        upsertCreate: await call('PATCH', gadget('U', 1), { new_code: 'T' }),
        createMultiple: await bulk('CreateMultiple', [{ new_code: 'C', new_int: 1 }, { new_code: 'T', new_int: 1 }]),
        updateMultiple: await bulk('UpdateMultiple', [{ new_gadgetid: otherId, new_code: 'T' }]),
        upsertMultiple: await bulk('UpsertMultiple', [{ '@odata.id': "new_gadgets(new_code='U',new_int=1)", new_code: 'T' }]),
      };
      for (const [path, r] of Object.entries(attempts)) {
        expect(r.status, `${path}: ${r.text}`).to.equal(412);
        const item = path === 'createMultiple' ? 'Targets[1]: ' : path.endsWith('Multiple') ? 'Targets[0]: ' : '';
        expect(r.json.error, path).to.deep.equal({ ...clash, message: `${item}${clash.message}` });
      }
      expect(await count(), 'nothing written').to.equal(before);

      const primary = await call('POST', `${s.root}new_gadgets`, { new_gadgetid: taken.json.new_gadgetid, new_code: 'P', new_int: 1 });
      expect(primary.status).to.equal(412);
      expect(primary.json.error).to.deep.equal({ code: '0x80040237', message: 'A record with matching key values already exists.' });
      const createOnly = await call('PATCH', gadget('T', 1), { new_name: 'create only' }, { 'If-None-Match': '*' });
      expect(createOnly.status).to.equal(412);
      expect(createOnly.json.error).to.deep.equal({ code: '0x80040237', message: 'A record with matching key values already exists.' });
    });

    it('answers a create that takes both a row\'s id and its alternate key 412 0x80040237 (the id is checked first) on every database, writing nothing', async () => {
      const taken = await call('POST', `${s.root}new_gadgets`, { new_name: 'both', new_code: 'B', new_int: 7 }, { Prefer: 'return=representation' });
      const id = taken.json.new_gadgetid as string;
      const count = async () => (await call('GET', `${s.root}new_gadgets/$count`)).text;
      const before = await count();
      const duplicate = { code: '0x80040237', message: 'A record with matching key values already exists.' };
      const post = await call('POST', `${s.root}new_gadgets`, { new_gadgetid: id, new_name: 'again', new_code: 'B', new_int: 7 });
      expect(post.status, post.text).to.equal(412);
      expect(post.json.error).to.deep.equal(duplicate);
      const bulk = await call('POST', `${s.root}new_gadgets/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: [
        { '@odata.type': 'Microsoft.Dynamics.CRM.new_gadget', new_gadgetid: id, new_name: 'again', new_code: 'b', new_int: 7 },
      ] });
      expect(bulk.status, bulk.text).to.equal(412);
      expect(bulk.json.error).to.deep.equal({ ...duplicate, message: `Targets[0]: ${duplicate.message}` });
      expect(await count(), 'nothing written').to.equal(before);
      expect((await read(`${s.root}new_gadgets(${id})`)).new_name).to.equal('both');
    });

    /**
     * Makes the next transaction of the server's database delete new_gadget `id` once, `before` it
     * starts or `after` it commits, as a concurrent DELETE would; `restore` puts the database back.
     */
    const deleteAround = (id: string, when: 'before' | 'after') => {
      const entity = s.service.model.byEntitySetName.get('new_gadgets')!;
      const transaction = s.db.transaction.bind(s.db);
      let armed = true;
      const remove = async () => {
        if (!armed) return;
        armed = false;
        await executeWrite(s.db, planDelete(entity, id, undefined, SYSTEM_CALLER));
      };
      s.db.transaction = async <T>(fn: (tx: Executor) => Promise<T>): Promise<T> => {
        if (when === 'before') await remove();
        const result = await transaction(fn);
        if (when === 'after') await remove();
        return result;
      };
      return { ran: () => !armed, restore: () => { s.db.transaction = transaction; } };
    };

    it('answers Prefer: return=representation with the row it wrote, read in the write\'s transaction, even when a DELETE follows its commit at once', async () => {
      const created = await call('PATCH', gadget('RR', 6), { new_name: 'first' }, { Prefer: 'return=representation' });
      const id = created.json.new_gadgetid as string;
      // A concurrent DELETE runs as soon as the write's transaction has committed.
      const hook = deleteAround(id, 'after');
      try {
        const updated = await call('PATCH', `${s.root}new_gadgets(${id})?$select=new_name`, { new_name: 'second' }, { Prefer: 'return=representation', 'If-Match': '*' });
        expect(updated.status, updated.text).to.equal(200);
        expect(updated.json).to.include({ new_name: 'second', new_gadgetid: id });
        expect(hook.ran(), 'the hook ran').to.equal(true);
      } finally {
        hook.restore();
      }
      expect((await call('GET', `${s.root}new_gadgets(${id})`)).status).to.equal(404);
    });

    it('creates a row with the URL\'s key values when the row its key found is deleted before the write', async () => {
      const created = await call('PATCH', gadget('R1', 5), { new_name: 'doomed' }, { Prefer: 'return=representation' });
      const id = created.json.new_gadgetid as string;
      // The next write's transaction starts after a concurrent DELETE removed the row the key found.
      const hook = deleteAround(id, 'before');
      try {
        const upsert = await call('PATCH', gadget('R1', 5), { new_name: 'again' });
        expect(upsert.status, upsert.text).to.equal(204);
        expect(hook.ran(), 'the hook ran').to.equal(true);
      } finally {
        hook.restore();
      }
      const row = await call('GET', `${gadget('R1', 5)}?$select=new_name,new_code,new_int`);
      expect(row.status, row.text).to.equal(200);
      expect(row.json).to.include({ new_name: 'again', new_code: 'R1', new_int: 5 });
      const nulls = await call('GET', `${s.root}new_gadgets?$select=new_name&$filter=new_code eq null or new_int eq null`);
      expect(nulls.json.value.filter((r: { new_name: string }) => r.new_name === 'again')).to.deep.equal([]);
    });

    it('answers every upsert of a key 200/201/204 while DELETEs of the same key race it, and leaves no row without its key values', async () => {
      const url = gadget('race3', 3);
      // Three upsert workers and one DELETE worker that never wait for each other, so that upserts
      // find the row, miss it and lose it in every order.
      const unexpected: string[] = [];
      const worker = async (w: number) => {
        for (let n = 0; n < 60; n++) {
          const r = w % 4 ? await call('PATCH', url, { new_name: `upsert ${w}.${n}` }) : await call('DELETE', url);
          // A conflict the database itself reports again and again (a deadlock) is the documented
          // retryable 503 0x80044150, nothing written; a duplicate key is never an upsert's answer.
          const retryable = r.status === 503 && r.json?.error?.code === '0x80044150';
          if (!(w % 4 ? [200, 201, 204] : [204, 404]).includes(r.status) && !retryable) unexpected.push(`${w % 4 ? 'PATCH' : 'DELETE'} ${r.status}: ${r.text}`);
        }
      };
      await Promise.all(Array.from({ length: 4 }, (_, w) => worker(w)));
      expect(unexpected).to.deep.equal([]);
      const nulls = await call('GET', `${s.root}new_gadgets?$select=new_name&$filter=new_code eq null or new_int eq null`);
      expect(nulls.json.value.filter((r: { new_name: string }) => r.new_name.startsWith('upsert '))).to.deep.equal([]);
      const rows = await call('GET', `${s.root}new_gadgets/$count?$filter=new_code eq 'race3'`);
      expect(Number(rows.text)).to.be.at.most(1);
    });
  });
}

describe('unique violations as each driver reports them', () => {
  it('names the index SQL Server\'s 2601/2627 messages give, which tells an alternate key from the primary key', async () => {
    const db = new MssqlDatabase('mssql://sa:unused@127.0.0.1:1/tessera');
    const violation = (number: number, message: string) => db.uniqueViolation({ number, message });
    expect(violation(2601, "Cannot insert duplicate key row in object 'dbo.new_gadget' with unique index 'ak_new_gadget_new_code_int'. The duplicate key value is (T, 1).")).to.deep.equal({ index: 'ak_new_gadget_new_code_int' });
    expect(violation(2627, "Violation of PRIMARY KEY constraint 'PK__new_gadg__3213E83F'. Cannot insert duplicate key in object 'dbo.new_gadget'.")).to.deep.equal({ index: 'PK__new_gadg__3213E83F' });
    expect(violation(547, 'The INSERT statement conflicted with the FOREIGN KEY constraint')).to.equal(undefined);
    await db.close();
  });
});
