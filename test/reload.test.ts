import { spawn } from 'node:child_process';
import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { listen } from '../src/http/app.js';
import type { EntityFile } from '../src/model/types.js';
import { ReloadingService } from '../src/reload.js';
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
    const errors: string[] = [];

    before(async () => {
      dir = copyMetadata();
      const created = await database.create();
      drop = created.drop;
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
      expect(r).to.deep.include({ outcome: 'reloaded', added: ['new_thing'], removed: [] });
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
      expect(await service.reload()).to.deep.include({ outcome: 'reloaded', added: [], removed: [] });
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
  });
}

describe('tessera serve watches its metadata folder', function () {
  this.timeout(60000);

  /** Starts `tessera serve` on port 0; resolves with its root URL, its log lines, and a stop function. */
  async function serve(dir: string, ...args: string[]) {
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'src', 'cli.js'), 'serve', '--port', '0', '--metadata', dir, '--database', `sqlite:${join(dir, 'db.sqlite')}`, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    const waiters: Array<() => void> = [];
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      for (const w of waiters.splice(0)) w();
    });
    /** The first log line matching `pattern`, waiting for it (the test's timeout bounds the wait). */
    const logged = async (pattern: RegExp): Promise<string> => {
      for (;;) {
        const found = lines.find((l) => pattern.test(l));
        if (found) return found;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    const port = /http:\/\/localhost:(\d+)\//.exec(await logged(/Tessera serving/))![1];
    const stop = () => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
    return { root: `http://127.0.0.1:${port}/api/data/v9.2/`, logged, stop };
  }

  it('serves a dropped table file without a restart, and logs a broken one while serving the rest', async () => {
    const dir = copyMetadata();
    const s = await serve(dir);
    try {
      expect((await call('GET', `${s.root}new_things`)).status).to.equal(404);
      write(dir, THING);
      expect(JSON.parse(await s.logged(/Metadata reloaded/)).added).to.deep.equal(['new_thing']);
      expect((await call('GET', `${s.root}new_things`)).status).to.equal(200);
      writeFileSync(join(dir, 'broken.json'), '[');
      const refused = JSON.parse(await s.logged(/not reloaded/));
      expect(refused.level).to.equal(50);
      expect(refused.msg).to.contain('broken.json');
      expect((await call('GET', `${s.root}new_things`)).status).to.equal(200);
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
