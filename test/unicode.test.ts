import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { call, copyMetadata, DATABASES, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';

for (const database of DATABASES) {
  describe(`case-insensitive comparison beyond A-Z [${database.name}]`, () => {
    let s: TestServer;
    let dir: string;
    before(async () => {
      dir = copyMetadata();
      writeFileSync(join(dir, 'new_place.json'), JSON.stringify({
        LogicalName: 'new_place', EntitySetName: 'new_places', PrimaryIdAttribute: 'new_placeid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
        Attributes: [{ LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 }, { LogicalName: 'new_size', AttributeType: 'Integer' },
          { LogicalName: 'new_parentid', AttributeType: 'Lookup', Targets: ['new_place'] }],
        Keys: [{ LogicalName: 'new_name_key', KeyAttributes: ['new_name'] }],
      }));
      s = await startServer(dir, database);
      for (const msdyn_name of ['été latin1', 'Grüße 日本', 'ÉCOLE', 'plain ascii']) await call('POST', `${s.root}${SET}`, { msdyn_name });
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const names = async (query: string) => {
      const r = await call('GET', `${s.root}${SET}?$select=msdyn_name&$orderby=msdyn_name&${query}`);
      expect(r.status, `${query}: ${r.text}`).to.equal(200);
      return r.json.value.map((v: { msdyn_name: string }) => v.msdyn_name);
    };

    it('folds accented and other letters in eq, ne, contains, startswith and endswith, as ASCII ones', async () => {
      expect(await names("$filter=msdyn_name eq 'ÉTÉ LATIN1'")).to.deep.equal(['été latin1']);
      expect(await names("$filter=msdyn_name eq 'école'")).to.deep.equal(['ÉCOLE']);
      expect(await names("$filter=msdyn_name eq 'PLAIN ASCII'")).to.deep.equal(['plain ascii']);
      expect(await names("$filter=contains(msdyn_name,'GRÜ')")).to.deep.equal(['Grüße 日本']);
      expect(await names("$filter=startswith(msdyn_name,'ÉT')")).to.deep.equal(['été latin1']);
      expect(await names("$filter=endswith(msdyn_name,'ÜSSE 日本') or endswith(msdyn_name,'üße 日本')")).to.deep.equal(['Grüße 日本']);
      expect(await names("$filter=msdyn_name ne 'ÉTÉ LATIN1' and msdyn_name ne 'plain ascii'")).to.have.members(['Grüße 日本', 'ÉCOLE']);
    });

    it('folds them in gt, ge, lt, le and Between: a value equal but for case is neither above nor below', async () => {
      // Folded, the names order grüße 日本 < plain ascii < école < été latin1 (code points).
      expect(await names("$filter=msdyn_name gt 'ÉTÉ LATIN1'")).to.deep.equal([]);
      expect(await names("$filter=msdyn_name ge 'ÉTÉ LATIN1'")).to.deep.equal(['été latin1']);
      expect(await names("$filter=msdyn_name lt 'école'")).to.have.members(['Grüße 日本', 'plain ascii']);
      expect(await names("$filter=msdyn_name le 'école'")).to.have.members(['Grüße 日本', 'plain ascii', 'ÉCOLE']);
      expect(await names(`$filter=Microsoft.Dynamics.CRM.Between(PropertyName='msdyn_name',PropertyValues=${encodeURIComponent('["ÉTÉ LATIN1","ÉTÉ LATIN1"]')})`)).to.deep.equal(['été latin1']);
    });

    it('finds a row by an alternate key as its unique index compares: case-insensitively, so an upsert updates it', async () => {
      expect((await call('POST', `${s.root}new_places`, { new_name: 'Émile Zola', new_size: 1 })).status).to.equal(204);
      const found = await call('GET', `${s.root}new_places(new_name='ÉMILE ZOLA')?$select=new_name`);
      expect(found.status, found.text).to.equal(200);
      expect(found.json.new_name).to.equal('Émile Zola');
      // citext folds É too (PostgreSQL); SQLite's NOCASE index folds A–Z alone, so there 'émile zola'
      // matches no row by the index and is then compared as $filter compares it.
      const folded = await call('GET', `${s.root}new_places(new_name='émile zola')?$select=new_name`);
      expect(folded.status, folded.text).to.equal(200);
      expect(folded.json.new_name).to.equal('Émile Zola');
      expect((await call('PATCH', `${s.root}new_places(new_name='émile zola')`, { new_size: 3 })).status).to.equal(204);
      expect((await call('PATCH', `${s.root}new_places(new_name='ÉMILE ZOLA')`, { new_size: 2 })).status).to.equal(204);
      const rows = (await call('GET', `${s.root}new_places?$select=new_name,new_size`)).json.value;
      expect(rows.map((r: { new_name: string; new_size: number }) => [r.new_name, r.new_size])).to.deep.equal([['Émile Zola', 2]]);
      expect((await call('DELETE', `${s.root}new_places(new_name='ÉMILE ZOLA')`)).status).to.equal(204);
    });

    it('reaches by each of two keys that differ in the case of an accented letter its own row where the index tells them apart (SQLite); refuses the second where it does not', async () => {
      const place = (name: string) => `${s.root}new_places(new_name='${encodeURIComponent(name)}')`;
      expect((await call('POST', `${s.root}new_places`, { new_name: 'Émile-key', new_size: 1 })).status).to.equal(204);
      const second = await call('POST', `${s.root}new_places`, { new_name: 'émile-key', new_size: 2 });
      if (database.name !== 'sqlite') {
        expect(second.status, second.text).to.equal(412);
        return;
      }
      expect(second.status, second.text).to.equal(204);
      const get = async (name: string) => {
        const r = await call('GET', `${place(name)}?$select=new_name,new_size`);
        expect(r.status, r.text).to.equal(200);
        return [r.json.new_name, r.json.new_size, r.json.new_placeid];
      };
      expect((await get('émile-key')).slice(0, 2)).to.deep.equal(['émile-key', 2]);
      expect((await get('Émile-key')).slice(0, 2)).to.deep.equal(['Émile-key', 1]);
      expect((await call('PATCH', place('émile-key'), { new_size: 20 }, { 'If-Match': '*' })).status).to.equal(204);
      expect((await call('PATCH', place('Émile-key'), { new_size: 10 }, { 'If-Match': '*' })).status).to.equal(204);
      expect((await get('émile-key')).slice(0, 2)).to.deep.equal(['émile-key', 20]);
      expect((await get('Émile-key')).slice(0, 2)).to.deep.equal(['Émile-key', 10]);
      const child = await call('POST', `${s.root}new_places?$select=_new_parentid_value`, { new_name: 'child', 'new_parentid@odata.bind': "/new_places(new_name='émile-key')" }, { Prefer: 'return=representation' });
      expect(child.status, child.text).to.equal(201);
      expect(child.json._new_parentid_value).to.equal((await get('émile-key'))[2]);
      expect((await call('DELETE', place('émile-key'))).status).to.equal(204);
      expect((await get('Émile-key')).slice(0, 2)).to.deep.equal(['Émile-key', 10]);
      // With its exact row gone, the key matches no row by the index, and then as $filter compares.
      expect((await get('émile-key')).slice(0, 2)).to.deep.equal(['Émile-key', 10]);
    });

    it('refuses a key that, compared as $filter compares it, matches several rows (SQLite): 400 0x80040203 and nothing changed, where it once took the first of them', async () => {
      const place = (name: string) => `${s.root}new_places(new_name='${encodeURIComponent(name)}')`;
      expect((await call('POST', `${s.root}new_places`, { new_name: 'xÉé', new_size: 1 })).status).to.equal(204);
      const second = await call('POST', `${s.root}new_places`, { new_name: 'xéÉ', new_size: 2 });
      if (database.name !== 'sqlite') {
        expect(second.status, 'the index folds É too: one key').to.equal(412);
        return;
      }
      expect(second.status, second.text).to.equal(204);
      const ambiguous = { code: '0x80040203', message: "The value of key 'new_name_key' matches more than one new_place record when compared ignoring case; name the record by its exact key value or by its id." };
      for (const [method, body] of [['GET', undefined], ['PATCH', { new_size: 9 }], ['DELETE', undefined]] as const) {
        const r = await call(method, place('xéé'), body);
        expect(r.status, `${method}: ${r.text}`).to.equal(400);
        expect(r.json.error, method).to.deep.equal(ambiguous);
      }
      const bound = await call('POST', `${s.root}new_places`, { new_name: 'child of xéé', 'new_parentid@odata.bind': "/new_places(new_name='xéé')" });
      expect(bound.status, bound.text).to.equal(400);
      expect(bound.json.error).to.deep.equal(ambiguous);
      const rows = (await call('GET', `${s.root}new_places?$select=new_name,new_size&$filter=startswith(new_name,'x')&$orderby=new_size`)).json.value;
      expect(rows.map((r: { new_name: string; new_size: number }) => [r.new_name, r.new_size])).to.deep.equal([['xÉé', 1], ['xéÉ', 2]]);
      expect((await call('GET', `${s.root}new_places?$filter=new_name eq 'child of xéé'`)).json.value).to.deep.equal([]);
      expect((await call('PATCH', place('xéÉ'), { new_size: 20 })).status, 'the exact key still names its row').to.equal(204);
      expect((await call('GET', `${place('xéÉ')}?$select=new_size`)).json.new_size).to.equal(20);
    });

    it('folds them in Dataverse query functions and FetchXML too', async () => {
      expect(await names(`$filter=Microsoft.Dynamics.CRM.In(PropertyName='msdyn_name',PropertyValues=${encodeURIComponent(`["ÉTÉ LATIN1","PLAIN ASCII"]`)})`)).to.have.members(['plain ascii', 'été latin1']);
      const like = `<fetch><entity name="msdyn_copilotinteraction"><attribute name="msdyn_name"/><filter><condition attribute="msdyn_name" operator="like" value="%GRÜ%"/></filter></entity></fetch>`;
      const r = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(like)}`);
      expect(r.status, r.text).to.equal(200);
      expect(r.json.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['Grüße 日本']);
      const eq = `<fetch><entity name="msdyn_copilotinteraction"><attribute name="msdyn_name"/><filter><condition attribute="msdyn_name" operator="eq" value="ÉTÉ LATIN1"/></filter></entity></fetch>`;
      expect((await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(eq)}`)).json.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['été latin1']);
    });
  });
}
