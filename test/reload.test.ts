import { readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { listen } from '../src/http/app.js';
import type { EntityFile } from '../src/model/types.js';
import { ReloadingService } from '../src/reload.js';
import type { Database } from '../src/store/database.js';
import { pendingDdl } from '../src/store/migrate.js';
import { serveProcess } from './support/serve-process.js';
import { call, copyMetadata, DATABASES } from './support/server.js';

/** A table an admin drops into the metadata folder. */
const THING: EntityFile = {
  LogicalName: 'new_thing', EntitySetName: 'new_things', PrimaryIdAttribute: 'new_thingid', PrimaryNameAttribute: 'new_name',
  OwnershipType: 'OrganizationOwned',
  Attributes: [{ LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 }],
};

/** THING with a column more. */
const SIZED: EntityFile = { ...THING, Attributes: [...THING.Attributes, { LogicalName: 'new_size', AttributeType: 'Integer', MinValue: 0, MaxValue: 100 }] };

const write = (dir: string, table: EntityFile) => writeFileSync(join(dir, `${table.LogicalName}.json`), JSON.stringify(table));

for (const database of DATABASES) {
  describe(`Metadata reload [${database.name}]`, function () {
    this.timeout(60000);
    let dir: string;
    let service: ReloadingService;
    let server: Server;
    let root: string;
    let drop: () => Promise<void>;
    let db: Database;
    const errors: string[] = [];

    before(async () => {
      dir = copyMetadata();
      const created = await database.create();
      drop = created.drop;
      db = created.db;
      service = await ReloadingService.open(dir, created.db, { error: (_obj, msg) => { errors.push(msg); } });
      server = await listen(service, 0, '127.0.0.1');
      root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/data/v9.2/`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves a table dropped into the folder after a reload, with its CSDL, definitions and privileges', async () => {
      expect((await call('GET', `${root}new_things`)).status).to.equal(404);
      expect(await service.reload()).to.deep.equal({ outcome: 'unchanged' });
      write(dir, THING);
      const r = await service.reload();
      expect(r).to.deep.include({ outcome: 'reloaded', added: ['new_thing'], removed: [], changed: [] });
      const created = await call('POST', `${root}new_things`, { new_name: 'first' }, { Prefer: 'return=representation' });
      expect(created.status, created.text).to.equal(201);
      expect((await call('GET', `${root}new_things?$select=new_name`)).json.value.map((t: { new_name: string }) => t.new_name)).to.deep.equal(['first']);
      expect((await call('GET', `${root}$metadata`)).text).to.contain('<EntityType Name="new_thing"');
      expect((await call('GET', `${root}EntityDefinitions(LogicalName='new_thing')?$select=EntitySetName`)).json.EntitySetName).to.equal('new_things');
      expect((await call('GET', `${root}privileges/$count?$filter=name eq 'prvCreatenew_thing'`)).text).to.equal('1');
      expect(await service.reload(), 'a reload with nothing changed').to.deep.equal({ outcome: 'unchanged' });
    });

    it('adds a column to a served table; its rows keep their values', async () => {
      write(dir, SIZED);
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', added: [], removed: [], changed: ['new_thing'] });
      expect((await call('POST', `${root}new_things`, { new_name: 'second', new_size: 7 })).status).to.equal(204);
      const rows = (await call('GET', `${root}new_things?$select=new_name,new_size&$orderby=new_name`)).json.value;
      expect(rows.map((t: { new_name: string; new_size: number | null }) => [t.new_name, t.new_size])).to.deep.equal([['first', null], ['second', 7]]);
    });

    it('keeps serving the previous tables when the folder does not load or the database refuses the change', async () => {
      writeFileSync(join(dir, 'broken.json'), '{ "LogicalName": ');
      const broken = await service.reload();
      expect(broken.outcome).to.equal('refused');
      expect(broken.outcome === 'refused' && broken.reason).to.contain('broken.json').and.contain('not valid JSON');
      unlinkSync(join(dir, 'broken.json'));
      write(dir, { ...SIZED, Attributes: [{ ...SIZED.Attributes[0]!, MaxLength: 10 }, SIZED.Attributes[1]!] });
      const shrink = await service.reload();
      expect(shrink.outcome).to.equal('refused');
      expect(shrink.outcome === 'refused' && shrink.reason).to.contain("table 'new_thing', column 'new_name': MaxLength shrink from 100 to 10");
      // Still the previous model: a 50-character name is valid under MaxLength 100.
      const long = await call('POST', `${root}new_things`, { new_name: 'x'.repeat(50) });
      expect(long.status, long.text).to.equal(204);
    });

    it('stops serving a table whose file is removed; its rows stay in the database for when it comes back', async () => {
      unlinkSync(join(dir, 'new_thing.json'));
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', added: [], removed: ['new_thing'] });
      expect((await call('GET', `${root}new_things`)).status).to.equal(404);
      expect((await call('GET', `${root}$metadata`)).text).to.not.contain('<EntityType Name="new_thing"');
      write(dir, SIZED);
      const back = await service.reload();
      expect(back, JSON.stringify(back)).to.deep.include({ outcome: 'reloaded', added: ['new_thing'] });
      expect((await call('GET', `${root}new_things/$count`)).text).to.equal('3');
      expect(errors).to.deep.equal([]);
    });

    it("stops serving a table whose rows point at users and the organization only, through the engine's lookups its file declares", async () => {
      const created = await call('POST', `${root}msdyn_copilotinteractions`, { msdyn_name: 'kept' });
      expect(created.status, created.text).to.equal(204);
      const file = join(dir, 'msdyn_copilotinteraction.json');
      const text = readFileSync(file);
      unlinkSync(file);
      const r = await service.reload();
      expect(r, JSON.stringify(r)).to.deep.include({ outcome: 'reloaded', removed: ['msdyn_copilotinteraction'] });
      writeFileSync(file, text);
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', added: ['msdyn_copilotinteraction'] });
      expect((await call('GET', `${root}msdyn_copilotinteractions/$count`)).text).to.equal('1');
    });

    it('follows alternate keys: a new key is refused while rows break it, a removed key stops being enforced, a changed key is enforced on its new columns', async () => {
      const key = (...columns: string[]): EntityFile => ({ ...SIZED, Keys: [{ LogicalName: 'new_key', KeyAttributes: columns }] });
      expect((await call('POST', `${root}new_things`, { new_name: 'SECOND', new_size: 8 })).status).to.equal(204);
      write(dir, key('new_name'));
      const broken = await service.reload();
      expect(broken.outcome).to.equal('refused');
      expect(broken.outcome === 'refused' && broken.reason).to.contain("alternate key 'new_key' of 'new_thing' (new_name): rows share its values").and.match(/\("second"\) in 2 rows/i);
      const extra = (await call('GET', `${root}new_things?$filter=new_size eq 8&$select=new_thingid`)).json.value[0].new_thingid;
      expect((await call('DELETE', `${root}new_things(${extra})`)).status).to.equal(204);
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded' });
      const clash = await call('POST', `${root}new_things`, { new_name: 'Second', new_size: 9 });
      expect(clash.status, 'the key is enforced, case-insensitively').to.equal(412);
      write(dir, key('new_size'));
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded' });
      expect((await call('POST', `${root}new_things`, { new_name: 'second', new_size: 70 })).status, 'new_name is no key any more').to.equal(204);
      expect((await call('POST', `${root}new_things`, { new_name: 'other', new_size: 70 })).status, 'new_size is').to.equal(412);
      write(dir, SIZED);
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded' });
      expect((await call('POST', `${root}new_things`, { new_name: 'other', new_size: 70 })).status, 'no key at all').to.equal(204);
    });

    it('refuses a changed SchemaName and removing a table whose rows point at served rows, keeps role grants of a table whose file comes back, and migrates no index it has already', async () => {
      const role = (await call('POST', `${root}roles`, { name: 'thing readers' }, { Prefer: 'return=representation' })).json.roleid;
      const grant = await call('POST', `${root}roles(${role})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, { Privileges: [{ PrivilegeName: 'prvReadnew_thing', Depth: 'Global' }] });
      expect(grant.status, grant.text).to.equal(204);
      const grants = async () => (await call('GET', `${root}roles(${role})/role_roleprivileges/$count`)).text;
      expect(await grants()).to.equal('1');
      write(dir, { ...SIZED, SchemaName: 'new_Thing' });
      const renamed = await service.reload();
      expect(renamed.outcome === 'refused' && renamed.reason).to.contain("the SchemaName of table 'new_thing' cannot change from 'new_thing' to 'new_Thing'");
      unlinkSync(join(dir, 'new_thing.json'));
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', removed: ['new_thing'] });
      write(dir, SIZED);
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', added: ['new_thing'] });
      expect(await grants(), 'the grant is there again').to.equal('1');
      const part: EntityFile = {
        LogicalName: 'new_part', EntitySetName: 'new_parts', PrimaryIdAttribute: 'new_partid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
        Attributes: [{ LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 }, { LogicalName: 'new_thingid', AttributeType: 'Lookup', Targets: ['new_thing'] }],
      };
      write(dir, part);
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', added: ['new_part'] });
      const thing = (await call('GET', `${root}new_things?$top=1&$select=new_thingid`)).json.value[0].new_thingid;
      const p = (await call('POST', `${root}new_parts`, { new_name: 'p', 'new_thingid@odata.bind': `/new_things(${thing})` }, { Prefer: 'return=representation' })).json.new_partid;
      unlinkSync(join(dir, 'new_part.json'));
      const kept = await service.reload();
      expect(kept.outcome === 'refused' && kept.reason, JSON.stringify(kept)).to.contain("table 'new_part' cannot stop being served while 1 of its rows point at rows of 'new_thing' through 'new_thingid'");
      expect((await call('DELETE', `${root}new_parts(${p})`)).status).to.equal(204);
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', removed: ['new_part'] });
      const ddl = await pendingDdl(db, service.model);
      expect(ddl.filter((d) => /INDEX/i.test(d)), 'indexes that exist are not created again').to.deep.equal([]);
    });

    it('refuses a DateTimeBehavior change to DateOnly and keeps serving date-times; widens a Decimal whose Precision grows', async () => {
      const measured = (behavior: string, precision: number): EntityFile => ({
        LogicalName: 'new_measure', EntitySetName: 'new_measures', PrimaryIdAttribute: 'new_measureid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
        Attributes: [
          { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
          { LogicalName: 'new_when', AttributeType: 'DateTime', DateTimeBehavior: behavior as 'UserLocal' },
          { LogicalName: 'new_amount', AttributeType: 'Decimal', Precision: precision },
        ],
      });
      write(dir, measured('UserLocal', 3));
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', added: ['new_measure'] });
      const id = (await call('POST', `${root}new_measures`, { new_name: 'old', new_when: '2024-05-01T10:00:00Z', new_amount: 1.5 }, { Prefer: 'return=representation' })).json.new_measureid;
      write(dir, measured('DateOnly', 3));
      const refused = await service.reload();
      expect(refused.outcome === 'refused' && refused.reason, JSON.stringify(refused))
        .to.contain("table 'new_measure', column 'new_when': DateTimeBehavior change from UserLocal to DateOnly (a type change, Edm.DateTimeOffset to Edm.Date)");
      expect((await call('GET', `${root}$metadata`)).text).to.match(/<Property Name="new_when" Type="Edm.DateTimeOffset"/);
      expect((await call('GET', `${root}new_measures(${id})?$select=new_when`)).json.new_when).to.equal('2024-05-01T10:00:00Z');
      const many = await call('POST', `${root}new_measures/Microsoft.Dynamics.CRM.CreateMultiple`, { Targets: ['2024-06-01T08:00:00Z', '2024-06-02T08:00:00Z'].map((when) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.new_measure', new_name: 'many', new_when: when })) });
      expect(many.status, many.text).to.equal(200);
      write(dir, measured('UserLocal', 5));
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', changed: ['new_measure'] });
      const patched = await call('PATCH', `${root}new_measures(${id})`, { new_amount: 1.23456 }, { Prefer: 'return=representation' });
      expect(patched.json.new_amount, patched.text).to.equal(1.23456);
    });

    it('keeps the rows of a lookup that gets a second target pointing at their row: $expand, lookuplogicalname and RemoveLink still find them', async () => {
      const shelf: EntityFile = { ...THING, LogicalName: 'new_shelf', EntitySetName: 'new_shelves', PrimaryIdAttribute: 'new_shelfid' };
      const book = (...targets: string[]): EntityFile => ({
        ...THING, LogicalName: 'new_book', EntitySetName: 'new_books', PrimaryIdAttribute: 'new_bookid',
        Attributes: [...THING.Attributes, { LogicalName: 'new_placeid', AttributeType: 'Lookup', Targets: targets }],
      });
      write(dir, shelf);
      write(dir, book('new_shelf'));
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', added: ['new_book', 'new_shelf'] });
      const top = (await call('POST', `${root}new_shelves`, { new_name: 'top' }, { Prefer: 'return=representation' })).json.new_shelfid;
      const placed = (await call('POST', `${root}new_books`, { new_name: 'placed', 'new_placeid@odata.bind': `/new_shelves(${top})` }, { Prefer: 'return=representation' })).json.new_bookid;
      write(dir, book('new_shelf', 'msdyn_copilotinteraction'));
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', changed: ['new_book'] });
      const annotated = await call('GET', `${root}new_books(${placed})?$select=_new_placeid_value&$expand=new_placeid_new_shelf($select=new_name)`, undefined, { Prefer: 'odata.include-annotations="*"' });
      expect(annotated.json['_new_placeid_value@Microsoft.Dynamics.CRM.lookuplogicalname'], annotated.text).to.equal('new_shelf');
      expect(annotated.json.new_placeid_new_shelf?.new_name, annotated.text).to.equal('top');
      expect((await call('GET', `${root}new_shelves(${top})/new_shelf_new_book_new_placeid/$count`)).text).to.equal('1');
      expect((await call('DELETE', `${root}new_shelves(${top})`)).status).to.equal(204);
      expect((await call('GET', `${root}new_books(${placed})?$select=_new_placeid_value`)).json._new_placeid_value, 'RemoveLink cleared the lookup').to.equal(null);
    });

    it("refuses dropping a lookup's target while stored rows point at it, as a start does; adding a target is fine", async () => {
      const crate: EntityFile = { ...THING, LogicalName: 'new_crate', EntitySetName: 'new_crates', PrimaryIdAttribute: 'new_crateid' };
      const bin: EntityFile = { ...THING, LogicalName: 'new_bin', EntitySetName: 'new_bins', PrimaryIdAttribute: 'new_binid' };
      const item = (...targets: string[]): EntityFile => ({
        ...THING, LogicalName: 'new_item', EntitySetName: 'new_items', PrimaryIdAttribute: 'new_itemid',
        Attributes: [...THING.Attributes, { LogicalName: 'new_spotid', AttributeType: 'Lookup', Targets: targets }],
      });
      write(dir, crate);
      write(dir, bin);
      write(dir, item('new_crate'));
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', added: ['new_bin', 'new_crate', 'new_item'] });
      const c = (await call('POST', `${root}new_crates`, { new_name: 'c' }, { Prefer: 'return=representation' })).json.new_crateid;
      const i = (await call('POST', `${root}new_items`, { new_name: 'i', 'new_spotid@odata.bind': `/new_crates(${c})` }, { Prefer: 'return=representation' })).json.new_itemid;
      write(dir, item('new_bin'));
      const moved = await service.reload();
      expect(moved.outcome === 'refused' && moved.reason, JSON.stringify(moved))
        .to.contain("table 'new_item', column 'new_spotid': Targets no longer name 'new_crate' while 1 of its rows point at rows of 'new_crate'").and.contain("give it 'new_crate' back");
      expect((await call('GET', `${root}new_items(${i})?$expand=new_spotid($select=new_name)`)).json.new_spotid?.new_name, 'still served as it was').to.equal('c');
      write(dir, item('new_crate', 'new_bin'));
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', changed: ['new_item'] });
      const read = await call('GET', `${root}new_items(${i})?$select=_new_spotid_value`, undefined, { Prefer: 'odata.include-annotations="*"' });
      expect(read.json['_new_spotid_value@Microsoft.Dynamics.CRM.lookuplogicalname'], read.text).to.equal('new_crate');
      write(dir, item('new_bin', 'new_crate'));
      expect(await service.reload(), 'the same targets in another order').to.deep.include({ outcome: 'reloaded', changed: ['new_item'] });
    });

    it('refuses to stop serving a many-to-many relationship while it links rows of a served table, as it refuses a table whose rows point at served rows', async () => {
      const tag: EntityFile = { ...THING, LogicalName: 'new_tag', EntitySetName: 'new_tags', PrimaryIdAttribute: 'new_tagid' };
      const note = (linked: boolean): EntityFile => ({
        ...THING, LogicalName: 'new_note', EntitySetName: 'new_notes', PrimaryIdAttribute: 'new_noteid',
        ...(linked ? { ManyToManyRelationships: [{ SchemaName: 'new_note_tag', Entity1LogicalName: 'new_note', Entity2LogicalName: 'new_tag' }] } : {}),
      });
      write(dir, tag);
      write(dir, note(true));
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', added: ['new_note', 'new_tag', 'new_note_tag'] });
      const n = (await call('POST', `${root}new_notes`, { new_name: 'n' }, { Prefer: 'return=representation' })).json.new_noteid;
      const t = (await call('POST', `${root}new_tags`, { new_name: 't' }, { Prefer: 'return=representation' })).json.new_tagid;
      expect((await call('POST', `${root}new_notes(${n})/new_note_tag/$ref`, { '@odata.id': `${root}new_tags(${t})` })).status).to.equal(204);
      write(dir, note(false));
      const refused = await service.reload();
      expect(refused.outcome === 'refused' && refused.reason, JSON.stringify(refused))
        .to.contain("many-to-many relationship 'new_note_tag' cannot be removed while 1 links of it are stored").and.contain("remove the file of 'new_note' and 'new_tag' too");
      expect((await call('GET', `${root}new_notes(${n})/new_note_tag/$count`)).text, 'still served').to.equal('1');
      expect((await call('DELETE', `${root}new_notes(${n})/new_note_tag(${t})/$ref`)).status).to.equal(204);
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', removed: ['new_note_tag'] });
    });
  });
}

describe('tessera serve watches its metadata folder', function () {
  this.timeout(60000);

  /** `tessera serve` of metadata folder `dir`, its SQLite database in that folder. */
  const serve = (dir: string, ...args: string[]) => serveProcess('--metadata', dir, '--database', `sqlite:${join(dir, 'db.sqlite')}`, ...args);

  it('serves a dropped table file without a restart, and logs a broken one while serving the rest', async () => {
    const dir = copyMetadata();
    const s = await serve(dir);
    try {
      expect((await call('GET', `${s.root}new_things`)).status).to.equal(404);
      write(dir, THING);
      expect(JSON.parse(await s.logged(/Metadata reloaded/)).added).to.deep.equal(['new_thing']);
      expect((await call('GET', `${s.root}new_things`)).status).to.equal(200);
      write(dir, { ...THING, Description: 'Changed.' });
      expect(JSON.parse(await s.logged(/changed new_thing/)).changed, 'the log names the changed table').to.deep.equal(['new_thing']);
      writeFileSync(join(dir, 'broken.json'), '[');
      const refused = JSON.parse(await s.logged(/not reloaded/));
      expect(refused.level).to.equal(50);
      expect(refused.msg).to.contain('broken.json');
      expect((await call('GET', `${s.root}new_things`)).status).to.equal(200);
      unlinkSync(join(dir, 'broken.json'));
      expect(JSON.parse(await s.logged(/again what is served/)).level, 'the recovery is said').to.equal(30);
      // An editor's save that moves the file away and writes it again does not unserve the table.
      renameSync(join(dir, 'new_thing.json'), join(dir, 'new_thing.json~'));
      await delay(100);
      write(dir, SIZED);
      unlinkSync(join(dir, 'new_thing.json~'));
      while ((await call('GET', `${s.root}new_things?$select=new_size`)).status !== 200) await delay(50);
      await delay(1000);
      expect(s.lines.filter((l) => /no longer served/.test(l)), 'never unserved').to.deep.equal([]);
    } finally {
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says in its start line whether it watches', async () => {
    const dir = copyMetadata();
    const s = await serve(dir, '--no-watch');
    try {
      const start = JSON.parse(await s.logged(/Tessera serving/));
      expect(start.watching).to.equal(undefined);
      expect(start.msg).to.not.contain('reloading');
    } finally {
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    const watched = copyMetadata();
    const w = await serve(watched);
    try {
      expect(JSON.parse(await w.logged(/Tessera serving/)).watching).to.equal(watched);
    } finally {
      await w.stop();
      rmSync(watched, { recursive: true, force: true });
    }
  });
});
