import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { DynamicsWebApi } from 'dynamics-web-api';
import type { EntityFile } from '../src/model/types.js';
import { planCreate } from '../src/plan/write.js';
import { SYSTEM_CALLER } from '../src/service.js';
import { writeIn } from '../src/store/execute.js';
import { call, copyMetadata, createRow, DATABASES, startServer, type Reply, type TestServer } from './support/server.js';

/**
 * Change tracking (digest §10): `Prefer: odata.track-changes`, delta links, deletions, paging,
 * the options refused beside it, tokens, and writes still in flight when a token is made. The
 * Copilot table is made to track changes (it also retains rows); new_list ← new_item (Cascade)
 * track changes too.
 */

const FILES: EntityFile[] = [
  {
    LogicalName: 'new_list', EntitySetName: 'new_lists', PrimaryIdAttribute: 'new_listid', PrimaryNameAttribute: 'new_name', OwnershipType: 'UserOwned', ChangeTrackingEnabled: true,
    Attributes: [{ LogicalName: 'new_listid', AttributeType: 'Uniqueidentifier' }, { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 }],
  },
  {
    LogicalName: 'new_item', EntitySetName: 'new_items', PrimaryIdAttribute: 'new_itemid', PrimaryNameAttribute: 'new_name', OwnershipType: 'UserOwned', ChangeTrackingEnabled: true,
    Attributes: [
      { LogicalName: 'new_itemid', AttributeType: 'Uniqueidentifier' }, { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
      { LogicalName: 'new_listid', AttributeType: 'Lookup', Targets: ['new_list'], CascadeConfiguration: { Delete: 'Cascade' } },
    ],
  },
] as EntityFile[];

const TRACK = { Prefer: 'odata.track-changes' };
const DELTA_LINK = /^http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/[a-z_]+\?(?:.*&)?\$deltatoken=\d+%21\d\d%2f\d\d%2f\d{4}%20\d\d%3a\d\d%3a\d\d$/;

/** A `$deltatoken` made `days` days ago (UTC), as the service writes them. */
function tokenDaysAgo(days: number): string {
  const t = new Date(Date.now() - days * 86_400_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `1000%21${p(t.getUTCMonth() + 1)}%2f${p(t.getUTCDate())}%2f${t.getUTCFullYear()}%20${p(t.getUTCHours())}%3a${p(t.getUTCMinutes())}%3a${p(t.getUTCSeconds())}`;
}

type Entry = Record<string, unknown>;
const isDeletion = (e: Entry) => typeof e['@odata.context'] === 'string' && (e['@odata.context'] as string).endsWith('/$deletedEntity');

for (const database of DATABASES) {
  describe(`change tracking [${database.name}]`, () => {
    let s: TestServer;
    let dir: string;

    before(async () => {
      dir = copyMetadata();
      for (const file of FILES) writeFileSync(join(dir, `${file.LogicalName}.json`), JSON.stringify(file));
      const copilot = join(dir, 'msdyn_copilotinteraction.json');
      writeFileSync(copilot, JSON.stringify({ ...JSON.parse(readFileSync(copilot, 'utf8')), ChangeTrackingEnabled: true }));
      s = await startServer(dir, database);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const create = async (set: string, body: object, key: string) => (await createRow(s, set, body))[key] as string;
    const get = (url: string, headers: Record<string, string> = {}) => call('GET', url.startsWith('http') ? url : `${s.root}${url}`, undefined, headers);
    /** Follows nextLinks from `url` and answers every entry and the final deltaLink. */
    const all = async (url: string, headers: Record<string, string> = {}): Promise<{ entries: Entry[]; deltaLink: string; pages: Reply[] }> => {
      const pages: Reply[] = [];
      const entries: Entry[] = [];
      for (let next: string | undefined = url; next;) {
        const page = await get(next, headers);
        expect(page.status, page.text).to.equal(200);
        pages.push(page);
        entries.push(...page.json.value);
        expect(page.json['@odata.nextLink'] !== undefined && page.json['@odata.deltaLink'] !== undefined, 'never both links').to.equal(false);
        next = page.json['@odata.nextLink'];
        if (!next) return { entries, deltaLink: page.json['@odata.deltaLink'], pages };
      }
      throw new Error('unreachable');
    };

    it('declares the tables that track changes: EntityDefinitions and the $metadata annotation', async () => {
      const tracked = await get('EntityDefinitions?$select=LogicalName&$filter=ChangeTrackingEnabled eq true');
      expect(tracked.json.value.map((d: { LogicalName: string }) => d.LogicalName).sort()).to.deep.equal(['msdyn_copilotinteraction', 'new_item', 'new_list']);
      const annotated = (await get('$metadata?annotations=true')).text;
      const set = (name: string) => annotated.slice(annotated.indexOf(`<EntitySet Name="${name}"`), annotated.indexOf('</EntitySet>', annotated.indexOf(`<EntitySet Name="${name}"`)));
      expect(set('new_lists')).to.contain('<Annotation Term="Org.OData.Capabilities.V1.ChangeTracking"><Record><PropertyValue Property="Supported" Bool="true"/></Record></Annotation>');
      expect(set('systemusers')).not.to.contain('ChangeTracking');
      expect((await get('$metadata')).text).not.to.contain('Capabilities.V1.ChangeTracking');
    });

    it('answers every row with a delta link, then only what changed since: rows before deletions, each once', async () => {
      const a = await create('new_lists', { new_name: 'a' }, 'new_listid');
      const b = await create('new_lists', { new_name: 'b' }, 'new_listid');
      const c = await create('new_lists', { new_name: 'c' }, 'new_listid');
      const first = await get('new_lists?$select=new_name', TRACK);
      expect(first.status, first.text).to.equal(200);
      expect(first.headers.get('preference-applied')).to.equal('odata.track-changes');
      expect(first.json['@odata.context']).to.equal(`${s.root}$metadata#new_lists(new_name)`);
      expect(Object.keys(first.json)).to.deep.equal(['@odata.context', '@odata.deltaLink', 'value']);
      expect(first.json['@odata.deltaLink']).to.match(DELTA_LINK).and.to.contain('new_lists?$select=new_name&$deltatoken=');
      expect(first.json.value.map((r: Entry) => r['new_name'])).to.deep.equal(['a', 'b', 'c']);
      expect(first.json.value[0]['@odata.etag']).to.match(/^W\/"\d+"$/);

      expect((await call('PATCH', `${s.root}new_lists(${b})`, { new_name: 'b1' })).status).to.equal(204);
      expect((await call('PATCH', `${s.root}new_lists(${b})`, { new_name: 'b2' })).status).to.equal(204);
      expect((await call('DELETE', `${s.root}new_lists(${a})`)).status).to.equal(204);
      const d = await create('new_lists', { new_name: 'd' }, 'new_listid');
      const gone = await create('new_lists', { new_name: 'short-lived' }, 'new_listid');
      expect((await call('DELETE', `${s.root}new_lists(${gone})`)).status).to.equal(204);

      // The delta link works without the Prefer header, as Dataverse's documented delta request.
      const delta = await get(first.json['@odata.deltaLink']);
      expect(delta.status, delta.text).to.equal(200);
      expect(delta.headers.get('preference-applied')).to.equal(null);
      expect(delta.json['@odata.context']).to.equal(`${s.root}$metadata#new_lists(new_name)/$delta`);
      const value: Entry[] = delta.json.value;
      expect(value.filter((e) => !isDeletion(e)).map((r) => [r['new_listid'], r['new_name']])).to.deep.equal([[b, 'b2'], [d, 'd']]);
      expect(value.slice(2)).to.deep.equal([a, gone].sort().map((id) => ({ '@odata.context': `${s.root}$metadata#new_lists/$deletedEntity`, id, reason: 'deleted' })));
      const count = `new_lists/$count?$deltatoken=${first.json['@odata.deltaLink'].split('$deltatoken=')[1]}`;
      expect((await get(count)).text).to.equal('4');
      expect((await get(count, { Prefer: 'odata.maxpagesize=1' })).text, 'the page size does not limit a count').to.equal('4');

      const quiet = await get(delta.json['@odata.deltaLink'], TRACK);
      expect(quiet.json.value).to.deep.equal([]);
      expect(quiet.json['@odata.deltaLink']).to.match(DELTA_LINK);
      expect(c).to.be.a('string');
    });

    it('with odata.metadata=none keeps the deltaLink and each deletion\'s context (OData JSON Format §3.1.3, §15.4)', async () => {
      const kept = await create('new_lists', { new_name: 'kept' }, 'new_listid');
      const first = await get('new_lists?$select=new_name', TRACK);
      const gone = await create('new_lists', { new_name: 'gone' }, 'new_listid');
      expect((await call('DELETE', `${s.root}new_lists(${gone})`)).status).to.equal(204);
      expect((await call('PATCH', `${s.root}new_lists(${kept})`, { new_name: 'kept 2' })).status).to.equal(204);
      const delta = await get(first.json['@odata.deltaLink'], { Accept: 'application/json;odata.metadata=none' });
      expect(delta.status, delta.text).to.equal(200);
      expect(Object.keys(delta.json)).to.deep.equal(['@odata.deltaLink', 'value']);
      expect(delta.json.value).to.deep.include({ new_name: 'kept 2', new_listid: kept });
      expect(delta.json.value).to.deep.include({ '@odata.context': `${s.root}$metadata#new_lists/$deletedEntity`, id: gone, reason: 'deleted' });
    });

    it('pages rows and then deletions with odata.maxpagesize, the delta link on the last page only', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await create('new_items', { new_name: `p${i}` }, 'new_itemid'));
      const first = await all('new_items?$select=new_name', { Prefer: 'odata.track-changes,odata.maxpagesize=2' });
      expect(first.pages.length).to.equal(3);
      expect(first.pages[0]!.headers.get('preference-applied')).to.equal('odata.track-changes,odata.maxpagesize=2');
      expect(first.entries.map((r) => r['new_name'])).to.deep.equal(['p0', 'p1', 'p2', 'p3', 'p4']);
      // A row changed while the client pages waits for the next delta: the pages all read up to the first page's point.
      const late = await create('new_items', { new_name: 'late' }, 'new_itemid');
      for (const id of ids.slice(0, 3)) expect((await call('DELETE', `${s.root}new_items(${id})`)).status).to.equal(204);
      expect((await call('PATCH', `${s.root}new_items(${ids[4]})`, { new_name: 'p4b' })).status).to.equal(204);
      const delta = await all(first.deltaLink, { Prefer: 'odata.maxpagesize=2' });
      expect(delta.pages.length).to.equal(3);
      expect(delta.entries.filter((e) => !isDeletion(e)).map((r) => r['new_name'])).to.deep.equal(['late', 'p4b']);
      expect(delta.entries.filter(isDeletion).map((e) => e['id'])).to.deep.equal(ids.slice(0, 3).sort());
      expect(late).to.be.a('string');
    });

    it('reports rows a Cascade deleted, and rows retained (long-term retention), as deleted', async () => {
      const list = await create('new_lists', { new_name: 'parent' }, 'new_listid');
      const items = [await create('new_items', { new_name: 'c1', 'new_listid@odata.bind': `/new_lists(${list})` }, 'new_itemid'),
        await create('new_items', { new_name: 'c2', 'new_listid@odata.bind': `/new_lists(${list})` }, 'new_itemid')];
      const kept = await create('msdyn_copilotinteractions', { msdyn_name: 'kept' }, 'msdyn_copilotinteractionid');
      const retained = await create('msdyn_copilotinteractions', { msdyn_name: 'retained' }, 'msdyn_copilotinteractionid');
      const itemsLink = (await all('new_items?$select=new_name', TRACK)).deltaLink;
      const copilotLink = (await all('msdyn_copilotinteractions?$select=msdyn_name', TRACK)).deltaLink;
      expect((await call('DELETE', `${s.root}new_lists(${list})`)).status).to.equal(204);
      const retain = await call('POST', `${s.root}Retain`, { Target: { '@odata.type': 'Microsoft.Dynamics.CRM.msdyn_copilotinteraction', msdyn_copilotinteractionid: retained } });
      expect(retain.status, retain.text).to.equal(200);
      expect((await all(itemsLink)).entries).to.deep.equal(items.sort().map((id) => ({ '@odata.context': `${s.root}$metadata#new_items/$deletedEntity`, id, reason: 'deleted' })));
      expect((await all(copilotLink)).entries).to.deep.equal([{ '@odata.context': `${s.root}$metadata#msdyn_copilotinteractions/$deletedEntity`, id: retained, reason: 'deleted' }]);
      expect(kept).to.be.a('string');
    });

    it('a row deleted and created again with the same id comes back as a row, not a deletion', async () => {
      const id = await create('new_lists', { new_name: 'phoenix' }, 'new_listid');
      const link = (await all('new_lists?$select=new_name', TRACK)).deltaLink;
      expect((await call('DELETE', `${s.root}new_lists(${id})`)).status).to.equal(204);
      expect((await call('POST', `${s.root}new_lists`, { new_listid: id, new_name: 'phoenix2' })).status).to.equal(204);
      expect((await all(link)).entries.map((r) => [r['new_listid'], r['new_name']])).to.deep.equal([[id, 'phoenix2']]);
    });

    it('a page full of rows continues with the deletions from the first id on (the all-zero id included)', async () => {
      const zero = '00000000-0000-0000-0000-000000000000';
      expect((await call('POST', `${s.root}new_lists`, { new_listid: zero, new_name: 'zero' })).status).to.equal(204);
      const link = (await all('new_lists?$select=new_name', TRACK)).deltaLink;
      await create('new_lists', { new_name: 'one more' }, 'new_listid');
      expect((await call('DELETE', `${s.root}new_lists(${zero})`)).status).to.equal(204);
      const delta = await all(link, { Prefer: 'odata.maxpagesize=1' });
      expect(delta.pages.map((p) => p.json.value.length)).to.deep.equal([1, 1]);
      expect(delta.entries[1]).to.deep.equal({ '@odata.context': `${s.root}$metadata#new_lists/$deletedEntity`, id: zero, reason: 'deleted' });
    });

    for (const laterWrite of [true, false]) {
      it(`a write still open when the token is made is in the answer or in the next delta, never lost (${laterWrite ? 'a later write committed first' : 'the newest write'})`, async () => {
        const model = s.service.model;
        let reading: Promise<{ entries: Entry[]; deltaLink: string }> | undefined;
        let held = '';
        let later = laterWrite ? '' : 'none';
        await s.db.transaction(async (tx) => {
          held = (await writeIn(tx, s.db, planCreate(model, model.byLogicalName.get('new_list')!, { new_name: 'held' }, SYSTEM_CALLER))).id;
          // PostgreSQL: another write takes a later version and commits first. SQLite: writes take
          // turns, so it waits for this one.
          const creating = laterWrite ? create('new_lists', { new_name: 'later' }, 'new_listid').then((id) => { later = id; }) : undefined;
          await new Promise((resolve) => setTimeout(resolve, 100));
          reading = all('new_lists?$select=new_name', TRACK);
          await new Promise((resolve) => setTimeout(resolve, 300));
          if (database.name === 'postgres') await creating;
        });
        const first = await reading!;
        while (!later) await new Promise((resolve) => setTimeout(resolve, 10));
        const delta = await all(first.deltaLink);
        const seen = [...first.entries, ...delta.entries].map((r) => r['new_listid']);
        expect(seen).to.include(held);
        if (laterWrite) expect(seen).to.include(later);
      });
    }

    it('the unmodified dynamics-web-api client syncs with trackChanges and follows the delta link as-is', async () => {
      const api = new DynamicsWebApi({ serverUrl: s.origin, dataApi: { version: '9.2' } });
      const first = await api.retrieveAll<Entry>({ collection: 'new_lists', select: ['new_name'], trackChanges: true, maxPageSize: 2 });
      expect(first.value.length).to.be.greaterThan(2);
      const deltaLink = first.oDataDeltaLink as string;
      expect(deltaLink).to.match(DELTA_LINK);
      const id = await create('new_lists', { new_name: 'synced' }, 'new_listid');
      const delta = await api.retrieveMultiple<Entry>({ collection: 'new_lists', select: ['new_name'], trackChanges: true }, deltaLink);
      expect(delta.value.map((r) => [r['new_listid'], r['new_name']])).to.deep.equal([[id, 'synced']]);
      expect(delta.oDataDeltaLink).to.match(DELTA_LINK).and.not.to.equal(deltaLink);
    });

    it('refuses what Dataverse refuses beside change tracking, and bad or expired tokens', async () => {
      const refused = async (url: string, headers: Record<string, string>, status: number, code: string, message?: string) => {
        const r = await get(url, headers);
        expect(r.status, r.text).to.equal(status);
        expect(r.json.error.code).to.equal(code);
        if (message) expect(r.json.error.message).to.equal(message);
      };
      await refused('systemusers', TRACK, 400, '0x80072491', "Entity systemuser isn't enabled for change tracking.");
      await refused('systemusers?$deltatoken=1', {}, 400, '0x80072491');
      for (const [option, name] of [['$filter=new_name eq \'a\'', '$filter'], ['$orderby=new_name', '$orderby'], ['$top=1', '$top'], ['$expand=new_listid', '$expand'], ['$count=true', '$count']]) {
        await refused(`new_items?${option}`, TRACK, 400, '0x80060888', `The "${name}" query parameter isn't supported when Change Tracking is enabled.`);
      }
      await refused('new_lists?$deltatoken=nonsense', {}, 400, '0x80060888');
      await refused('new_lists?$deltatoken=1000%2102%2f30%2f2026%2000%3a00%3a00', {}, 400, '0x80060888');
      await refused(`new_lists?$deltatoken=${tokenDaysAgo(8)}`, {}, 400, '0x80044352', 'Version stamp associated with the client has expired. Please perform a full sync.');
      expect((await get(`new_lists?$deltatoken=${tokenDaysAgo(6)}`)).status).to.equal(200);
      const org = (await get('organizations?$select=organizationid')).json.value[0].organizationid;
      expect((await call('PATCH', `${s.root}organizations(${org})`, { expirechangetrackingindays: 30 })).status).to.equal(204);
      expect((await get(`new_lists?$deltatoken=${tokenDaysAgo(8)}`)).status).to.equal(200);
      await refused('new_lists?$skiptoken=eyJ3IjoxfQ', TRACK, 400, '0x80060888');
      await refused(`new_lists?$deltatoken=${tokenDaysAgo(-1)}`, {}, 400, '0x80060888');
      await refused(`new_lists?$deltatoken=${tokenDaysAgo(0).replace(/^1000/, '999999999999')}`, {}, 400, '0x80044352');
      await refused(`new_lists/$count?$deltatoken=${tokenDaysAgo(0).replace(/^1000/, '999999999999')}`, {}, 400, '0x80044352');
      const list = await create('new_lists', { new_name: 'with items' }, 'new_listid');
      await refused(`new_lists(${list})/new_list_new_item_new_listid`, TRACK, 400, '0x80060888');
      await refused(`new_lists(${list})?$deltatoken=${tokenDaysAgo(0)}`, {}, 400, '0x80060888');
      await refused(`new_lists(${list})/new_list_new_item_new_listid/$count?$deltatoken=${tokenDaysAgo(0)}`, {}, 400, '0x80060888');
      await refused(`new_lists?fetchXml=${encodeURIComponent('<fetch><entity name="new_list"/></fetch>')}`, TRACK, 400, '0x80060888');
    });
  });
}
