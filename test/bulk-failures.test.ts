import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { call, copyMetadata, DATABASES, startServer, type TestServer } from './support/server.js';

const NS = 'Microsoft.Dynamics.CRM';
const DATA = 'msdyn_copilotinteractiondatas';
const lookup = (LogicalName: string) => ({ LogicalName, AttributeType: 'Lookup', Targets: ['msdyn_copilotinteractiondata'] });

/** A table with two lookups, so one row's write sends several checks before its INSERT. */
const LINK = {
  LogicalName: 'new_link', EntitySetName: 'new_links', PrimaryIdAttribute: 'new_linkid', PrimaryNameAttribute: 'new_name',
  OwnershipType: 'OrganizationOwned',
  Attributes: [{ LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 }, lookup('new_a'), lookup('new_b')],
};

/** LINK with an alternate key on its name, which only the database can find taken. */
const KEYED_LINK = { ...LINK, LogicalName: 'new_keyedlink', EntitySetName: 'new_keyedlinks', PrimaryIdAttribute: 'new_keyedlinkid', Keys: [{ LogicalName: 'new_name_key', KeyAttributes: ['new_name'] }] };

/**
 * Writes send their statements without waiting for each answer (rows of later items are planned
 * meanwhile). These cases fail after several statements are in flight: nothing may be committed,
 * and the error must be the first failing item's.
 */
for (const database of DATABASES) {
  describe(`failing writes with statements in flight [${database.name}]`, () => {
    let s: TestServer;
    let dir: string;
    let targets: string[];
    // Counted after a pause: a statement left running past its transaction's end (the defect this
    // file guards against) would commit a moment after the answer.
    const links = async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return Number((await call('GET', `${s.root}new_links/$count`)).text);
    };
    const bind = (id: string) => `/${DATA}(${id})`;
    const item = (body: Record<string, unknown>) => ({ '@odata.type': `${NS}.new_link`, ...body });

    before(async () => {
      dir = copyMetadata();
      writeFileSync(join(dir, 'new_link.json'), JSON.stringify(LINK));
      writeFileSync(join(dir, 'new_keyedlink.json'), JSON.stringify(KEYED_LINK));
      s = await startServer(dir, database);
      const made = await call('POST', `${s.root}${DATA}/${NS}.CreateMultiple`, {
        Targets: Array.from({ length: 1000 }, (_, i) => ({ '@odata.type': `${NS}.msdyn_copilotinteractiondata`, msdyn_name: `target ${i}` })),
      });
      expect(made.status, made.text).to.equal(200);
      targets = made.json.Ids;
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a single create whose first lookup is missing writes nothing, however often', async () => {
      const answers = await Promise.all(Array.from({ length: 10 }, (_, k) => call('POST', `${s.root}new_links`, { new_name: `single ${k}`, 'new_a@odata.bind': bind(randomUUID()), 'new_b@odata.bind': bind(targets[k]!) })));
      for (const r of answers) {
        expect(r.status, r.text).to.equal(404);
        expect(r.json.error.code).to.equal('0x80040217');
      }
      expect(await links()).to.equal(0);
    });

    it('CreateMultiple: a missing lookup target at item 0, each item with its own targets, writes nothing', async () => {
      const rows = targets.map((id, i) => item({ new_name: `many ${i}`, 'new_a@odata.bind': bind(id), 'new_b@odata.bind': bind(targets[(i + 1) % targets.length]!) }));
      rows[0] = item({ new_name: 'many 0', 'new_a@odata.bind': bind(randomUUID()) });
      const r = await call('POST', `${s.root}new_links/${NS}.CreateMultiple`, { Targets: rows });
      expect(r.status, r.text).to.equal(404);
      expect(r.json.error.message).to.match(/^Targets\[0\]: msdyn_copilotinteractiondata With Id = .* Does Not Exist$/);
      expect(await links()).to.equal(0);
    });

    it('CreateMultiple: an invalid item after rows with their own targets were sent writes nothing', async () => {
      // Steps of 200 items: by item 950 four steps of rows and their 800 lookup checks were sent.
      const rows = targets.map((id, i) => item({ new_name: i === 950 ? 12345 : `late ${i}`, 'new_a@odata.bind': bind(id) }));
      const r = await call('POST', `${s.root}new_links/${NS}.CreateMultiple`, { Targets: rows });
      expect(r.status, r.text).to.equal(400);
      expect(r.json.error.message).to.match(/^Targets\[950\]: /);
      expect(await links()).to.equal(0);
    });

    it('CreateMultiple names the first failing item: a missing lookup at 0 before a key repeated at 2', async () => {
      const mine = randomUUID();
      const r = await call('POST', `${s.root}new_links/${NS}.CreateMultiple`, { Targets: [
        item({ new_name: 'p0', 'new_a@odata.bind': bind(randomUUID()) }),
        item({ new_name: 'p1', new_linkid: mine }),
        item({ new_name: 'p2', new_linkid: mine }),
      ] });
      expect(r.status, r.text).to.equal(404);
      expect(r.json.error.message).to.match(/^Targets\[0\]: /);
      const repeated = await call('POST', `${s.root}new_links/${NS}.CreateMultiple`, { Targets: [
        item({ new_name: 'q0', new_linkid: mine }),
        item({ new_name: 'q1', 'new_a@odata.bind': bind(targets[1]!) }),
        item({ new_name: 'q2', new_linkid: mine }),
        item({ new_name: 'q3', 'new_a@odata.bind': bind(randomUUID()) }),
      ] });
      expect(repeated.status, repeated.text).to.equal(412);
      expect(repeated.json.error.message).to.equal('Targets[2]: A record with matching key values already exists.');
      expect(await links()).to.equal(0);
    });

    it('CreateMultiple: an alternate key taken early, with lookups checked in later steps, is 412 and writes nothing', async () => {
      // On PostgreSQL the first step's COPY fails on the key and aborts the transaction; the later
      // steps' lookup checks are then refused (25P02), which must not hide the key's 412.
      const keyed = (body: Record<string, unknown>) => ({ '@odata.type': `${NS}.new_keyedlink`, ...body });
      const taken = await call('POST', `${s.root}new_keyedlinks`, { new_name: 'taken' });
      expect(taken.status, taken.text).to.equal(204);
      const rows = Array.from({ length: 300 }, (_, i) => keyed({ new_name: i === 10 ? 'taken' : `keyed ${i}`, ...(i >= 60 ? { 'new_a@odata.bind': bind(targets[i]!) } : {}) }));
      const r = await call('POST', `${s.root}new_keyedlinks/${NS}.CreateMultiple`, { Targets: rows });
      expect(r.status, r.text).to.equal(412);
      expect(r.json.error).to.deep.equal({ code: '0x80060892', message: 'Targets[10]: Entity Key new_name_key violated. A record with the same value for new_name already exists. A duplicate record cannot be created. Select one or more unique values and try again.' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await call('GET', `${s.root}new_keyedlinks/$count`)).text).to.equal('1');
    });
  });
}
