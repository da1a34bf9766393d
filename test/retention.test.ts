import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseStringPromise } from 'xml2js';
import { nextRun, runRetention } from '../src/retention/run.js';
import { SqliteDatabase } from '../src/store/sqlite.js';
import { call, copyMetadata, DATABASES, startServer, tempDir, type TestDatabase, type TestServer } from './support/server.js';

/*
 * Long-term retention (issue #6 part 3; Dataverse "Long-term data retention", digest §6.7): the
 * five retention messages over HTTP, what a retained row looks like to every other request, and
 * the `tessera retention run` flow, on every database.
 */

const SET = 'msdyn_copilotinteractions';
const TABLE = 'msdyn_copilotinteraction';
const TYPE = `Microsoft.Dynamics.CRM.${TABLE}`;
const PK = 'msdyn_copilotinteractionid';
const DATA_SET = 'msdyn_copilotinteractiondatas';
const CHILDREN = 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid';
const CLI = join(import.meta.dirname, '..', 'src', 'cli.js');

/** FetchXML of the copilot table: name and version of the rows whose name starts with `prefix`. */
function byPrefix(prefix: string, fetchAttributes = ''): string {
  return `<fetch${fetchAttributes}><entity name="${TABLE}"><attribute name="msdyn_name"/><attribute name="versionnumber"/><attribute name="msft_datastate"/>`
    + `<order attribute="msdyn_name"/><filter><condition attribute="msdyn_name" operator="like" value="${prefix}%"/></filter></entity></fetch>`;
}

for (const database of DATABASES) {
  describe(`long-term retention [${database.name}]`, () => {
    let s: TestServer;
    const action = (name: string, body: unknown) => call('POST', `${s.root}${name}`, body);
    const target = (id: string) => ({ '@odata.type': TYPE, [PK]: id });
    const create = async (name: string, extra: Record<string, unknown> = {}, set = SET) => {
      const r = await call('POST', `${s.root}${set}`, { msdyn_name: name, ...extra });
      expect(r.status, r.text).to.equal(204);
      return /\(([0-9a-f-]{36})\)$/.exec(r.headers.get('OData-EntityId')!)![1]!;
    };
    const fetchRows = async (xml: string) => {
      const r = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(xml)}`);
      expect(r.status, r.text).to.equal(200);
      return r.json.value as Array<Record<string, any>>;
    };
    const active = async (prefix: string) => (await fetchRows(byPrefix(prefix))).map((r) => r['msdyn_name']);
    const retained = async (prefix: string) => (await fetchRows(byPrefix(prefix, ' datasource="retained"'))).map((r) => r['msdyn_name']);
    const counts = (n: number) => ({ Count: 1, IsReadOnly: false, Keys: [TABLE], Values: [n] });
    /** Purges what earlier tests left retained (a purge covers the whole table). */
    const purgeAll = async () => {
      const r = await action('PurgeRetainedContent', { EntityName: TABLE, MaxVersionToPurge: Number.MAX_SAFE_INTEGER });
      expect(r.json.HasMoreRecords).to.equal(false);
      expect(await retained('')).to.deep.equal([]);
    };

    before(async () => { s = await startServer(undefined, database); });
    after(async () => { await s.close(); });

    it('declares the five actions and EntityRecordCountCollection in $metadata', async () => {
      const doc = await parseStringPromise((await call('GET', `${s.root}$metadata`)).text);
      const schema = doc['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
      const types = Object.fromEntries(schema.ComplexType.map((t: any) => [t.$.Name, t.Property.map((p: any) => `${p.$.Name}:${p.$.Type}`)]));
      expect(types['EntityRecordCountCollection']).to.deep.equal(['Count:Edm.Int32', 'IsReadOnly:Edm.Boolean', 'Keys:Collection(Edm.String)', 'Values:Collection(Edm.Int64)']);
      expect(types['BulkRetainResponse']).to.deep.equal(['EntityCountCollection:mscrm.EntityRecordCountCollection', 'FailedRecords:Edm.Int32', 'HasMoreRecords:Edm.Boolean', 'PagingCookie:Edm.String']);
      expect(types['PurgeRetainedContentResponse']).to.deep.equal(['EntityCountCollection:mscrm.EntityRecordCountCollection', 'HasMoreRecords:Edm.Boolean']);
      expect(types['ValidateRetentionConfigResponse']).to.deep.equal(['ErrorMessage:Edm.String', 'IsValidationSuccessful:Edm.Boolean']);
      const actions = Object.fromEntries(schema.Action.map((a: any) => [a.$.Name, a]));
      for (const name of ['Retain', 'RollbackRetain', 'BulkRetain', 'PurgeRetainedContent', 'ValidateRetentionConfig']) {
        expect(actions[name], name).to.exist;
        expect(actions[name].$.IsBound, name).to.equal(undefined);
      }
      expect(actions['Retain'].ReturnType[0].$.Type).to.equal('mscrm.RetainResponse');
      expect(actions['PurgeRetainedContent'].Parameter.map((p: any) => `${p.$.Name}:${p.$.Type}:${p.$.Nullable}`)).to.deep.equal([
        'EntityName:Edm.String:true', 'PageSize:Edm.Int32:true', 'OperationId:Edm.Guid:true', 'MaxVersionToPurge:Edm.Int64:false',
      ]);
      const entity = schema.EntityType.find((t: any) => t.$.Name === TABLE);
      expect(entity.Property.map((p: any) => p.$.Name)).to.include('msft_datastate');
    });

    it('Retain hides a row from every ordinary read; datasource="retained" reads it; RollbackRetain brings it back', async () => {
      const data = await create('ret-parent', {}, DATA_SET);
      const a = await create('hide-a', { 'msdyn_interactiondataid@odata.bind': `/${DATA_SET}(${data})` });
      await create('hide-b', { 'msdyn_interactiondataid@odata.bind': `/${DATA_SET}(${data})` });
      expect((await call('GET', `${s.root}${SET}(${a})?$select=msft_datastate`)).json.msft_datastate).to.equal(0);

      const r = await action('Retain', { Target: target(a) });
      expect(r.status, r.text).to.equal(200);
      expect(r.json).to.deep.equal({ '@odata.context': `${s.root}$metadata#Microsoft.Dynamics.CRM.RetainResponse`, EntityCountCollection: counts(1) });

      const missing = await call('GET', `${s.root}${SET}(${a})`);
      expect(missing.status).to.equal(404);
      expect(missing.json.error).to.deep.equal({ code: '0x80040217', message: `${TABLE} With Id = ${a} Does Not Exist` });
      const list = await call('GET', `${s.root}${SET}?$select=msdyn_name&$filter=startswith(msdyn_name,'hide-')`);
      expect(list.json.value.map((v: any) => v.msdyn_name)).to.deep.equal(['hide-b']);
      expect((await call('GET', `${s.root}${SET}/$count?$filter=startswith(msdyn_name,'hide-')`)).text).to.equal('1');
      const expanded = await call('GET', `${s.root}${DATA_SET}(${data})?$select=msdyn_name&$expand=${CHILDREN}($select=msdyn_name)`);
      expect(expanded.json[CHILDREN].map((v: any) => v.msdyn_name)).to.deep.equal(['hide-b']);
      const any = await call('GET', `${s.root}${DATA_SET}?$select=msdyn_name&$filter=${CHILDREN}/any(c:c/msdyn_name eq 'hide-a')`);
      expect(any.json.value).to.deep.equal([]);
      const children = await call('GET', `${s.root}${DATA_SET}(${data})/${CHILDREN}?$select=msdyn_name`);
      expect(children.json.value.map((v: any) => v.msdyn_name)).to.deep.equal(['hide-b']);
      const grouped = await call('GET', `${s.root}${SET}?$apply=filter(startswith(msdyn_name,'hide-'))/aggregate($count as n)`);
      expect(grouped.json.value).to.deep.equal([{ n: 1 }]);
      expect(await active('hide-')).to.deep.equal(['hide-b']);
      const kept = await fetchRows(byPrefix('hide-', ' datasource="retained"'));
      expect(kept.map((v) => [v['msdyn_name'], v['msft_datastate']])).to.deep.equal([['hide-a', 1]]);

      expect((await action('Retain', { Target: target(a) })).json.EntityCountCollection, 'already retained').to.deep.equal(counts(0));
      const back = await action('RollbackRetain', { Target: target(a), OperationId: '00000000-0000-0000-0000-000000000001' });
      expect(back.status, back.text).to.equal(200);
      expect(back.json['@odata.context']).to.equal(`${s.root}$metadata#Microsoft.Dynamics.CRM.RollbackRetainResponse`);
      expect(back.json.EntityCountCollection).to.deep.equal(counts(1));
      expect((await action('RollbackRetain', { Target: target(a) })).json.EntityCountCollection, 'already active').to.deep.equal(counts(0));
      expect(await active('hide-')).to.deep.equal(['hide-a', 'hide-b']);
      expect(await retained('hide-')).to.deep.equal([]);
      expect((await call('GET', `${s.root}${SET}(${a})?$select=msft_datastate`)).json.msft_datastate).to.equal(0);
    });

    it('a retained row cannot be updated, also not by an upsert, but can be deleted; msft_datastate is not writable', async () => {
      const id = await create('locked-1');
      await action('Retain', { Target: target(id) });
      for (const headers of [{ 'If-Match': '*' }, {}] as Array<Record<string, string>>) {
        const r = await call('PATCH', `${s.root}${SET}(${id})`, { msdyn_name: 'locked-changed' }, headers);
        expect(r.status, JSON.stringify(headers)).to.equal(400);
        expect(r.json.error.code).to.equal('0x80040203');
        expect(r.json.error.message).to.contain(TABLE).and.contain(id).and.contain('retained');
      }
      const put = await call('PUT', `${s.root}${SET}(${id})/msdyn_name`, { value: 'x' });
      expect(put.status).to.equal(400);
      expect(await retained('locked-')).to.deep.equal(['locked-1']);
      expect(await active('locked-')).to.deep.equal([]);
      expect((await call('DELETE', `${s.root}${SET}(${id})`)).status).to.equal(204);
      expect(await retained('locked-')).to.deep.equal([]);

      const made = await create('locked-2', { msft_datastate: 1 });
      expect((await call('GET', `${s.root}${SET}(${made})?$select=msft_datastate`)).json.msft_datastate, 'ignored on create').to.equal(0);
      expect((await call('PATCH', `${s.root}${SET}(${made})`, { msft_datastate: 1 }, { 'If-Match': '*' })).status).to.equal(204);
      expect(await active('locked-'), 'ignored on update').to.deep.equal(['locked-2']);
    });

    it('Retain and RollbackRetain errors: missing row 404, table without retention 400, bad Target 400', async () => {
      const gone = await action('Retain', { Target: target('00000000-0000-4000-8000-0000000000aa') });
      expect(gone.status).to.equal(404);
      expect(gone.json.error.code).to.equal('0x80040217');
      expect((await action('RollbackRetain', { Target: target('00000000-0000-4000-8000-0000000000aa') })).status).to.equal(404);
      const data = await create('no-retention', {}, DATA_SET);
      const other = await action('Retain', { Target: { '@odata.type': 'Microsoft.Dynamics.CRM.msdyn_copilotinteractiondata', msdyn_copilotinteractiondataid: data } });
      expect(other.status).to.equal(400);
      expect(other.json.error.message).to.contain("'msdyn_copilotinteractiondata' is not enabled for long-term retention");
      const untyped = await action('Retain', { Target: { [PK]: data } });
      expect(untyped.status).to.equal(400);
      expect(untyped.json.error.message).to.contain('@odata.type');
      expect((await action('Retain', { Target: { '@odata.type': TYPE, [PK]: 'nope' } })).json.error.message).to.contain(PK);
      expect((await action('Retain', {})).json.error.message).to.contain("required parameter 'Target'");
    });

    it('BulkRetain marks every matching row exactly once, a page at a time, following the paging cookie', async () => {
      for (let i = 0; i < 7; i++) await create(`bulk-${i}`);
      await create('bulkkeep-1');
      const criteria = `<fetch><entity name="${TABLE}"><attribute name="msdyn_name"/><order attribute="msdyn_name" descending="true"/>`
        + '<filter><condition attribute="msdyn_name" operator="like" value="bulk-%"/></filter></entity></fetch>';
      const pages: Array<[number, boolean, number]> = [];
      let cookie: string | undefined;
      for (;;) {
        const r = await action('BulkRetain', { EntityName: TABLE, FetchXml: criteria, PageSize: 3, ...(cookie ? { PagingCookie: cookie } : {}) });
        expect(r.status, r.text).to.equal(200);
        expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#Microsoft.Dynamics.CRM.BulkRetainResponse`);
        pages.push([r.json.EntityCountCollection.Values[0], r.json.HasMoreRecords, r.json.FailedRecords]);
        if (!r.json.HasMoreRecords) { expect(r.json.PagingCookie).to.equal(null); break; }
        expect(r.json.PagingCookie).to.be.a('string');
        cookie = r.json.PagingCookie;
        // The first page went in descending name order.
        if (pages.length === 1) expect(await retained('bulk-')).to.deep.equal(['bulk-4', 'bulk-5', 'bulk-6']);
      }
      expect(pages).to.deep.equal([[3, true, 0], [3, true, 0], [1, false, 0]]);
      expect(await retained('bulk-')).to.deep.equal(['bulk-0', 'bulk-1', 'bulk-2', 'bulk-3', 'bulk-4', 'bulk-5', 'bulk-6']);
      expect(await active('bulk')).to.deep.equal(['bulkkeep-1']);
      const again = await action('BulkRetain', { FetchXml: criteria });
      expect(again.json).to.include({ HasMoreRecords: false, FailedRecords: 0 });
      expect(again.json.EntityCountCollection).to.deep.equal(counts(0));
    });

    it('BulkRetain and ValidateRetentionConfig follow the organization\'s fiscal settings in fiscal operators', async () => {
      const organization = `${s.root}organizations(${s.service.caller.organizationid})`;
      const fields = 'fiscalcalendarstart,fiscalperiodtype,fiscalyeardisplaycode';
      const saved = (await call('GET', `${organization}?$select=${fields}`)).json;
      // Quarters from 1 April: quarter 1 is April – June of every fiscal year.
      const set = await call('PATCH', organization, { fiscalcalendarstart: '2020-04-01T00:00:00Z', fiscalperiodtype: 2002, fiscalyeardisplaycode: 1 });
      expect(set.status, set.text).to.equal(204);
      try {
        await create('fisc-may', { msdyn_clienttimestamp: '2024-05-10T12:00:00Z' });
        await create('fisc-feb', { msdyn_clienttimestamp: '2024-02-10T12:00:00Z' });
        await create('fisc-apr', { msdyn_clienttimestamp: '2023-04-01T00:00:00Z' });
        const criteria = `<fetch><entity name="${TABLE}"><attribute name="msdyn_name"/><filter><condition attribute="msdyn_name" operator="like" value="fisc-%"/>`
          + '<condition attribute="msdyn_clienttimestamp" operator="in-fiscal-period" value="1"/></filter></entity></fetch>';
        const validated = await action('ValidateRetentionConfig', { EntityName: TABLE, FetchXml: criteria });
        expect(validated.json, validated.text).to.include({ IsValidationSuccessful: true, ErrorMessage: null });
        const r = await action('BulkRetain', { EntityName: TABLE, FetchXml: criteria });
        expect(r.status, r.text).to.equal(200);
        expect(r.json.EntityCountCollection).to.deep.equal(counts(2));
        expect(await retained('fisc-')).to.deep.equal(['fisc-apr', 'fisc-may']);
        expect(await active('fisc-')).to.deep.equal(['fisc-feb']);
      } finally {
        const back = await call('PATCH', organization, Object.fromEntries(fields.split(',').map((f) => [f, saved[f]])));
        expect(back.status, back.text).to.equal(204);
        await purgeAll();
      }
    });

    it('ValidateRetentionConfig refuses a criteria of more values than one statement takes, as BulkRetain does', async () => {
      // 70,000 values: past SQLite's 32,766 and PostgreSQL's 65,535 parameters.
      const values = '<value>x</value>'.repeat(70000);
      const FetchXml = `<fetch><entity name="${TABLE}"><attribute name="msdyn_name"/><filter><condition attribute="msdyn_name" operator="in">${values}</condition></filter></entity></fetch>`;
      const bulk = await action('BulkRetain', { FetchXml });
      expect(bulk.status, bulk.text.slice(0, 300)).to.equal(400);
      expect(bulk.json.error.message).to.match(/more than [\d,]+ values, more than one statement on this database takes/);
      const validated = await action('ValidateRetentionConfig', { EntityName: TABLE, FetchXml });
      expect(validated.status, validated.text.slice(0, 300)).to.equal(200);
      expect(validated.json).to.include({ IsValidationSuccessful: false, ErrorMessage: bulk.json.error.message });
    });

    it('BulkRetain refuses bad criteria and parameters with 400, marking nothing', async () => {
      await create('refuse-1');
      const good = byPrefix('refuse-');
      const bad = async (body: Record<string, unknown>, text: string) => {
        const r = await action('BulkRetain', body);
        expect(r.status, r.text).to.equal(400);
        expect(r.json.error.message).to.contain(text);
      };
      await bad({ EntityName: 'msdyn_copilotinteractiondata', FetchXml: good }, "EntityName 'msdyn_copilotinteractiondata' is not the entity");
      await bad({ FetchXml: '<fetch><entity name="msdyn_copilotinteraction">' }, 'not well-formed');
      await bad({ FetchXml: good.replace('<fetch>', '<fetch top="2">') }, 'top');
      await bad({ FetchXml: good, PageSize: 0 }, 'PageSize');
      await bad({ FetchXml: good, PageSize: 5001 }, 'PageSize');
      await bad({ FetchXml: good, PagingCookie: '<cookie page="1"><msdyn_name last="x"/></cookie>' }, 'paging-cookie');
      await bad({ FetchXml: `<fetch><entity name="msdyn_copilotinteractiondata"><attribute name="msdyn_name"/></entity></fetch>` }, 'not enabled for long-term retention');
      await bad({ FetchXml: `<fetch><entity name="${TABLE}"><attribute name="nosuch"/></entity></fetch>` }, 'nosuch');
      expect(await retained('refuse-')).to.deep.equal([]);
    });

    it('PurgeRetainedContent takes any Edm.Int64 MaxVersionToPurge (long.MaxValue: everything) and refuses one past it', async () => {
      for (const max of ['99999999999999999999999', 1e23, '9223372036854775808', '-9223372036854775809']) {
        const r = await action('PurgeRetainedContent', { EntityName: TABLE, MaxVersionToPurge: max });
        expect(r.status, String(max)).to.equal(400);
        expect(r.json.error.message).to.contain("'MaxVersionToPurge' is not a valid Edm.Int64");
      }
      for (const max of ['-9223372036854775808', '9223372036854775807', 9223372036854775807]) {
        const r = await action('PurgeRetainedContent', { EntityName: TABLE, MaxVersionToPurge: max });
        expect(r.status, `${String(max)}: ${r.text}`).to.equal(200);
      }
      expect(await retained('')).to.deep.equal([]);
    });

    it('PurgeRetainedContent deletes retained rows up to MaxVersionToPurge, a page at a time', async () => {
      await purgeAll();
      for (let i = 0; i < 6; i++) await create(`purge-${i}`);
      await create('purgekeep-1');
      const marked = await action('BulkRetain', { FetchXml: byPrefix('purge-') });
      expect(marked.json.EntityCountCollection).to.deep.equal(counts(6));
      const versions = (await fetchRows(byPrefix('purge-', ' datasource="retained"'))).map((r) => Number(r['versionnumber'])).sort((x, y) => x - y);
      const max = versions[3]!;
      const pages: Array<[number, boolean]> = [];
      for (;;) {
        const r = await action('PurgeRetainedContent', { EntityName: TABLE, MaxVersionToPurge: String(max), PageSize: 2 });
        expect(r.status, r.text).to.equal(200);
        expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#Microsoft.Dynamics.CRM.PurgeRetainedContentResponse`);
        pages.push([r.json.EntityCountCollection.Values[0], r.json.HasMoreRecords]);
        if (!r.json.HasMoreRecords) break;
      }
      expect(pages).to.deep.equal([[2, true], [2, false]]);
      const left = await fetchRows(byPrefix('purge-', ' datasource="retained"'));
      expect(left.map((r) => Number(r['versionnumber'])).sort((x, y) => x - y)).to.deep.equal(versions.slice(4));
      expect(await active('purge')).to.deep.equal(['purgekeep-1']);

      const rest = await action('PurgeRetainedContent', { EntityName: TABLE, MaxVersionToPurge: versions[5]! });
      expect(rest.json).to.include({ HasMoreRecords: false });
      expect(rest.json.EntityCountCollection).to.deep.equal(counts(2));
      expect(await retained('purge-')).to.deep.equal([]);
      expect(await active('purge')).to.deep.equal(['purgekeep-1'], 'active rows are never purged');
    });

    it('PurgeRetainedContent refuses unknown tables, tables without retention and missing parameters', async () => {
      const unknown = await action('PurgeRetainedContent', { EntityName: 'nosuch', MaxVersionToPurge: 1 });
      expect(unknown.status).to.equal(400);
      expect(unknown.json.error.code).to.equal('0x80041102');
      const other = await action('PurgeRetainedContent', { EntityName: 'msdyn_copilotinteractiondata', MaxVersionToPurge: 1 });
      expect(other.status).to.equal(400);
      expect(other.json.error.message).to.contain('not enabled for long-term retention');
      expect((await action('PurgeRetainedContent', { EntityName: TABLE })).json.error.message).to.contain("'MaxVersionToPurge'");
    });

    it('ValidateRetentionConfig reports whether a criteria is valid for the table, never failing the call', async () => {
      const validate = async (EntityName: string, FetchXml: string) => {
        const r = await action('ValidateRetentionConfig', { EntityName, FetchXml, RetentionConfigId: '00000000-0000-0000-0000-000000000002' });
        expect(r.status, r.text).to.equal(200);
        expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#Microsoft.Dynamics.CRM.ValidateRetentionConfigResponse`);
        return r.json;
      };
      expect(await validate(TABLE, byPrefix('x'))).to.include({ IsValidationSuccessful: true, ErrorMessage: null });
      // EntityName is optional (Nullable in Dataverse): the criteria names its table.
      const unnamed = await action('ValidateRetentionConfig', { FetchXml: byPrefix('x') });
      expect(unnamed.json, unnamed.text).to.include({ IsValidationSuccessful: true, ErrorMessage: null });
      for (const [name, xml, text] of [
        [TABLE, '<fetch><entity name="msdyn_copilotinteraction">', 'not well-formed'],
        [TABLE, `<fetch><entity name="${TABLE}"><filter><condition attribute="nosuch" operator="eq" value="1"/></filter></entity></fetch>`, 'nosuch'],
        ['msdyn_copilotinteractiondata', byPrefix('x'), 'is not the entity of the criteria'],
        ['msdyn_copilotinteractiondata', '<fetch><entity name="msdyn_copilotinteractiondata"/></fetch>', 'not enabled for long-term retention'],
        [TABLE, byPrefix('x', ' count="10"'), 'count'],
      ] as const) {
        const r = await validate(name, xml);
        expect(r.IsValidationSuccessful, xml).to.equal(false);
        expect(r.ErrorMessage, xml).to.contain(text);
      }
    });

    it('ValidateRetentionConfig counts the values a later page\'s PagingCookie seek adds, as BulkRetain binds them on page 2', async () => {
      // As many values as page 1 holds with its limit: one more (the seek on the primary key) is too many.
      const n = database.name === 'sqlite' ? 32765 : 65534;
      const values = Array.from({ length: n }, (_, i) => `<value>in limit ${i}</value>`).join('');
      const criteria = (count: number) => `<fetch><entity name="${TABLE}"><attribute name="msdyn_name"/><filter><condition attribute="msdyn_name" operator="in">`
        + `${values.split('</value>').slice(0, count).map((v) => `${v}</value>`).join('')}</condition></filter></entity></fetch>`;
      await create('in limit 0');
      await create('in limit 1');
      const xml = criteria(n);
      const checked = await action('ValidateRetentionConfig', { EntityName: TABLE, FetchXml: xml });
      expect(checked.status, checked.text).to.equal(200);
      expect(checked.json.IsValidationSuccessful, checked.text).to.equal(false);
      expect(checked.json.ErrorMessage).to.contain('more than one statement on this database takes');
      // What it reports: page 1 runs, page 2 fails.
      const first = await action('BulkRetain', { EntityName: TABLE, FetchXml: xml, PageSize: 1 });
      expect(first.status, first.text).to.equal(200);
      expect(first.json.HasMoreRecords).to.equal(true);
      const second = await action('BulkRetain', { EntityName: TABLE, FetchXml: xml, PageSize: 1, PagingCookie: first.json.PagingCookie });
      expect(second.status).to.equal(400);
      // One value fewer fits every page.
      const fewer = await action('ValidateRetentionConfig', { EntityName: TABLE, FetchXml: criteria(n - 1) });
      expect(fewer.json, fewer.text).to.include({ IsValidationSuccessful: true, ErrorMessage: null });
      await purgeAll();
    });

    it('retention run: marks and purges what due active policies select, skips paused, future and finished ones', async () => {
      await purgeAll();
      for (let i = 0; i < 5; i++) await create(`run-${i}`);
      await create('paused-1');
      await create('later-1');
      const policy = (uniquename: string, prefix: string, extra: Record<string, unknown> = {}) => call('POST', `${s.root}retentionconfigs`, {
        name: uniquename, uniquename, entitylogicalname: TABLE, criteria: byPrefix(prefix), starttime: '2024-01-01T00:00:00Z', recurrence: '', ...extra,
      });
      expect((await policy('run-once', 'run-')).status).to.equal(204);
      expect((await policy('paused', 'paused-', { statuscode: 20 })).status).to.equal(204);
      expect((await policy('not-yet', 'later-', { starttime: '2999-01-01T00:00:00Z' })).status).to.equal(204);
      expect((await policy('broken', 'x', { criteria: `<fetch><entity name="${TABLE}"><attribute name="nosuch"/></entity></fetch>` })).status).to.equal(204);
      expect((await policy('bad-recurrence', 'x', { recurrence: 'FREQ=HOURLY', lastruntime: '2024-01-01T00:00:00Z' })).status).to.equal(204);

      const lines: string[] = [];
      const now = new Date('2025-06-01T12:00:00Z');
      const env = { model: s.service.model, db: s.db, caller: s.service.caller };
      const summary = await runRetention(env, { now, pageSize: 2, progress: (l) => lines.push(l) });
      expect(summary.policiesRun).to.equal(1);
      expect([...summary.tables]).to.deep.equal([[TABLE, { marked: 5, purged: 5 }]]);
      expect(summary.failures.map((f) => f.split(':')[0])).to.deep.equal(['bad-recurrence', 'broken']);
      expect(lines).to.include.members(['policy run-once on msdyn_copilotinteraction:', '  run-once: marked page 3: 1 rows (5 so far)', '  run-once: purged page 3: 1 rows (5 so far)']);
      expect(await active('run-')).to.deep.equal([]);
      expect(await retained('run-')).to.deep.equal([]);
      expect(await active('paused-')).to.deep.equal(['paused-1']);
      expect(await active('later-')).to.deep.equal(['later-1']);
      const configs = await call('GET', `${s.root}retentionconfigs?$select=uniquename,lastruntime&$filter=uniquename eq 'run-once'`);
      expect(configs.json.value[0].lastruntime).to.equal('2025-06-01T12:00:00Z');

      await create('run-5');
      const again = await runRetention(env, { now: new Date('2025-06-02T12:00:00Z'), progress: () => undefined });
      expect(again.policiesRun, 'an empty recurrence runs once').to.equal(0);
      expect(await active('run-')).to.deep.equal(['run-5']);
      const id = configs.json.value[0].retentionconfigid;
      expect((await call('PATCH', `${s.root}retentionconfigs(${id})`, { recurrence: 'FREQ=DAILY;INTERVAL=2' }, { 'If-Match': '*' })).status).to.equal(204);
      expect((await runRetention(env, { now: new Date('2025-06-03T11:59:59Z'), progress: () => undefined })).policiesRun, 'not due yet').to.equal(0);
      const due = await runRetention(env, { now: new Date('2025-06-03T12:00:00Z'), progress: () => undefined });
      expect(due.policiesRun).to.equal(1);
      expect([...due.tables]).to.deep.equal([[TABLE, { marked: 1, purged: 1 }]]);
      expect(await active('run-')).to.deep.equal([]);
    });
  });
}

describe('retention recurrence (nextRun)', () => {
  const at = new Date('2024-01-31T10:00:00Z');
  it('steps days, weeks, calendar months and years in UTC; INTERVAL defaults to 1', () => {
    expect(nextRun('FREQ=DAILY', at).toISOString()).to.equal('2024-02-01T10:00:00.000Z');
    expect(nextRun('interval=2;freq=weekly', at).toISOString()).to.equal('2024-02-14T10:00:00.000Z');
    expect(nextRun('FREQ=MONTHLY;INTERVAL=1', new Date('2024-02-15T00:00:00Z')).toISOString()).to.equal('2024-03-15T00:00:00.000Z');
    expect(nextRun('FREQ=YEARLY;INTERVAL=1', at).toISOString()).to.equal('2025-01-31T10:00:00.000Z');
  });
  it('refuses anything else with a message naming the recurrence', () => {
    for (const bad of ['FREQ=HOURLY', 'FREQ=DAILY;INTERVAL=0', 'FREQ=DAILY;COUNT=3', 'DAILY']) {
      expect(() => nextRun(bad, at), bad).to.throw(`'${bad}'`);
    }
  });
});

describe('tessera retention run (CLI)', () => {
  it('runs the policies of a database seeded over HTTP, printing progress and a summary per table', async () => {
    const dir = tempDir('tessera-retention-');
    const file = join(dir, 'tessera.db');
    const seeded: TestDatabase = { name: 'sqlite', async create() { const db = new SqliteDatabase(file); return { db, drop: () => db.close() }; } };
    const s = await startServer(undefined, seeded);
    try {
      for (let i = 0; i < 3; i++) expect((await call('POST', `${s.root}${SET}`, { msdyn_name: `cli-${i}` })).status).to.equal(204);
      expect((await call('POST', `${s.root}${SET}`, { msdyn_name: 'stay' })).status).to.equal(204);
      expect((await call('POST', `${s.root}retentionconfigs`, { name: 'cli', uniquename: 'cli', entitylogicalname: TABLE, criteria: byPrefix('cli-'), starttime: '2024-01-01T00:00:00Z' })).status).to.equal(204);
      const r = spawnSync(process.execPath, [CLI, 'retention', 'run', '--metadata', join(import.meta.dirname, '..', '..', 'metadata'), '--database', `sqlite:${file}`, '--page-size', '2'], { encoding: 'utf8', timeout: 30000 });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout.split('\n')).to.include.members([
        'policy cli on msdyn_copilotinteraction:',
        '  cli: marked page 1: 2 rows (2 so far)',
        '  cli: marked page 2: 1 rows (3 so far)',
        '  cli: purged page 2: 1 rows (3 so far)',
        'retention run: 1 policy run, 0 failed',
        '  msdyn_copilotinteraction: 3 marked, 3 purged',
      ]);
      const left = await call('GET', `${s.root}${SET}?$select=msdyn_name`);
      expect(left.json.value.map((v: any) => v.msdyn_name)).to.deep.equal(['stay']);
      const bad = spawnSync(process.execPath, [CLI, 'retention', 'run', '--database', `sqlite:${file}`, '--page-size', '9000'], { encoding: 'utf8', timeout: 30000 });
      expect(bad.status).to.equal(1);
      expect(bad.stderr).to.contain('--page-size');
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A retention-enabled child table of the Copilot table, with an alternate key: what related reads,
 * binds and key lookups see of retained rows.
 */
const NOTE = {
  LogicalName: 'new_note', EntitySetName: 'new_notes', PrimaryIdAttribute: 'new_noteid', PrimaryNameAttribute: 'new_title',
  OwnershipType: 'OrganizationOwned', IsRetentionEnabled: true,
  Attributes: [
    { LogicalName: 'new_title', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_code', AttributeType: 'String', MaxLength: 20 },
    { LogicalName: 'new_interactionid', AttributeType: 'Lookup', Targets: [TABLE] },
  ],
  Keys: [{ LogicalName: 'new_code_key', KeyAttributes: ['new_code'] }],
};
const NOTES = `${TABLE}_new_note_new_interactionid`;

for (const database of DATABASES) {
  describe(`retained rows and relationships [${database.name}]`, () => {
    let s: TestServer;
    let dir: string;
    const idOf = (r: { headers: Headers }) => /\(([0-9a-f-]{36})\)$/.exec(r.headers.get('OData-EntityId')!)![1]!;
    const post = async (set: string, body: object) => {
      const r = await call('POST', `${s.root}${set}`, body);
      expect(r.status, r.text).to.equal(204);
      return idOf(r);
    };
    const retain = async (entity: string, pk: string, id: string) => {
      const r = await call('POST', `${s.root}Retain`, { Target: { '@odata.type': `Microsoft.Dynamics.CRM.${entity}`, [pk]: id } });
      expect(r.status, r.text).to.equal(200);
    };

    before(async () => {
      dir = copyMetadata();
      writeFileSync(join(dir, 'new_note.json'), JSON.stringify(NOTE));
      s = await startServer(dir, database);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('counts related rows with a $filter on the related table', async () => {
      const parent = await post(SET, { msdyn_name: 'counted parent' });
      for (const title of ['a', 'b', 'b']) await post('new_notes', { new_title: title, 'new_interactionid@odata.bind': `/${SET}(${parent})` });
      const r = await call('GET', `${s.root}${SET}(${parent})/${NOTES}/$count?$filter=${encodeURIComponent("new_title eq 'b'")}`);
      expect(r.status, r.text).to.equal(200);
      expect(r.text).to.equal('2');
      const refs = await call('GET', `${s.root}${SET}(${parent})/${NOTES}/$ref?$filter=${encodeURIComponent('new_title eq @t')}&@t=${encodeURIComponent("'a'")}`);
      expect(refs.status, refs.text).to.equal(200);
      expect(refs.json.value).to.have.length(1);
    });

    it('a retained row cannot be navigated from, as a row that does not exist, and nothing can be bound to it', async () => {
      const parent = await post(SET, { msdyn_name: 'retained parent' });
      await post('new_notes', { new_title: 'child', 'new_interactionid@odata.bind': `/${SET}(${parent})` });
      expect((await call('GET', `${s.root}${SET}(${parent})/${NOTES}`)).json.value).to.have.length(1);
      await retain(TABLE, PK, parent);
      for (const path of [NOTES, `${NOTES}/$count`, `${NOTES}/$ref`]) {
        const r = await call('GET', `${s.root}${SET}(${parent})/${path}`);
        expect(r.status, `${path}: ${r.text}`).to.equal(404);
        expect(r.json.error.code).to.equal('0x80040217');
      }
      const bound = await call('POST', `${s.root}new_notes`, { new_title: 'late', 'new_interactionid@odata.bind': `/${SET}(${parent})` });
      expect(bound.status, bound.text).to.equal(404);
      expect(bound.json.error.code).to.equal('0x80040217');
      expect((await call('GET', `${s.root}new_notes?$filter=${encodeURIComponent("new_title eq 'late'")}`)).json.value).to.deep.equal([]);
    });

    it('a retained row is not found by its alternate key either, and its id is not told', async () => {
      const id = await post('new_notes', { new_title: 'keyed', new_code: 'K-1' });
      expect((await call('GET', `${s.root}new_notes(new_code='K-1')?$select=new_title`)).json.new_title).to.equal('keyed');
      await retain('new_note', 'new_noteid', id);
      const r = await call('GET', `${s.root}new_notes(new_code='K-1')?$select=new_title`);
      expect(r.status, r.text).to.equal(404);
      expect(r.json.error.code).to.equal('0x80040217');
      expect(r.json.error.message).to.not.contain(id);
    });

    it('PurgeRetainedContent without EntityName (Nullable in Dataverse) purges the retention-enabled tables in turn, a page at a time', async () => {
      const purge = (PageSize: number) => call('POST', `${s.root}PurgeRetainedContent`, { MaxVersionToPurge: Number.MAX_SAFE_INTEGER, PageSize });
      for (let r = await purge(5000); r.json.HasMoreRecords; r = await purge(5000)) expect(r.status, r.text).to.equal(200);
      for (const name of ['p1', 'p2']) await retain(TABLE, PK, await post(SET, { msdyn_name: name }));
      for (const title of ['n1', 'n2']) await retain('new_note', 'new_noteid', await post('new_notes', { new_title: title }));
      const pages = [];
      for (;;) {
        const r = await purge(3);
        expect(r.status, r.text).to.equal(200);
        pages.push(r.json);
        if (!r.json.HasMoreRecords) break;
      }
      expect(pages.map((p) => ({ ...p, '@odata.context': undefined }))).to.deep.equal([
        { '@odata.context': undefined, EntityCountCollection: { Count: 2, IsReadOnly: false, Keys: [TABLE, 'new_note'], Values: [2, 1] }, HasMoreRecords: true },
        { '@odata.context': undefined, EntityCountCollection: { Count: 1, IsReadOnly: false, Keys: ['new_note'], Values: [1] }, HasMoreRecords: false },
      ]);
      const left = await call('GET', `${s.root}new_notes?fetchXml=${encodeURIComponent('<fetch datasource="retained"><entity name="new_note"><attribute name="new_title"/></entity></fetch>')}`);
      expect(left.json.value).to.deep.equal([]);
      // A page that ends exactly at a table's last row looks ahead: nothing left anywhere.
      await retain(TABLE, PK, await post(SET, { msdyn_name: 'p3' }));
      expect((await purge(1)).json.HasMoreRecords).to.equal(false);
    });

    it('a criteria\'s one-to-many inner or outer link without columns restricts the rows: BulkRetain marks each row once, however many children it has', async () => {
      const parents: Record<string, string> = {};
      for (const name of ['lr-two', 'lr-one', 'lr-none']) parents[name] = await post(SET, { msdyn_name: name });
      for (const [title, parent] of [['a', 'lr-two'], ['b', 'lr-two'], ['c', 'lr-one']] as const) {
        await post('new_notes', { new_title: title, 'new_interactionid@odata.bind': `/${SET}(${parents[parent]})` });
      }
      const criteria = (link: string) => `<fetch><entity name="${TABLE}"><attribute name="msdyn_name"/><filter><condition attribute="msdyn_name" operator="like" value="lr-%"/></filter>`
        + `<link-entity name="new_note" from="new_interactionid" to="${PK}" ${link}</entity></fetch>`;
      // Plain reads return a row per note (as Dataverse joins them); the criteria names each row once.
      const read = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(criteria('link-type="inner"/>'))}`);
      expect(read.json.value.map((v: Record<string, string>) => v['msdyn_name']).sort()).to.deep.equal(['lr-one', 'lr-two', 'lr-two']);
      const inner = criteria('link-type="inner"/>');
      const valid = await call('POST', `${s.root}ValidateRetentionConfig`, { EntityName: TABLE, FetchXml: inner });
      expect(valid.json).to.include({ IsValidationSuccessful: true });
      const marked = await call('POST', `${s.root}BulkRetain`, { EntityName: TABLE, FetchXml: inner, PageSize: 5 });
      expect(marked.status, marked.text).to.equal(200);
      expect(marked.json.EntityCountCollection.Values).to.deep.equal([2]);
      // Parents without children: the one left.
      const childless = criteria('link-type="outer" alias="n"/><filter><condition entityname="n" attribute="new_noteid" operator="null"/></filter>');
      const rest = await call('POST', `${s.root}BulkRetain`, { EntityName: TABLE, FetchXml: childless, PageSize: 5 });
      expect(rest.json.EntityCountCollection.Values).to.deep.equal([1]);
      const left = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(criteria('link-type="outer"/>'))}`);
      expect(left.json.value).to.deep.equal([]);
    });

    it('a criteria\'s conditions on one not-joined one-to-many link test one child together', async () => {
      const parents: Record<string, string> = {};
      for (const name of ['ls-ab', 'ls-a-b']) parents[name] = await post(SET, { msdyn_name: name });
      // ls-ab has one note titled a with a code ls-b…; ls-a-b a note titled a and another with a code ls-b….
      for (const [title, code, parent] of [['a', 'ls-b1', 'ls-ab'], ['a', 'ls-x1', 'ls-a-b'], ['x', 'ls-b2', 'ls-a-b']] as const) {
        await post('new_notes', { new_title: title, new_code: code, 'new_interactionid@odata.bind': `/${SET}(${parents[parent]})` });
      }
      const criteria = `<fetch><entity name="${TABLE}"><attribute name="msdyn_name"/><filter><condition attribute="msdyn_name" operator="like" value="ls-%"/>`
        + '<condition entityname="n" attribute="new_title" operator="eq" value="a"/><condition entityname="n" attribute="new_code" operator="begins-with" value="ls-b"/></filter>'
        + `<link-entity name="new_note" from="new_interactionid" to="${PK}" link-type="inner" alias="n"/></entity></fetch>`;
      const marked = await call('POST', `${s.root}BulkRetain`, { EntityName: TABLE, FetchXml: criteria, PageSize: 5 });
      expect(marked.status, marked.text).to.equal(200);
      expect(marked.json.EntityCountCollection.Values).to.deep.equal([1]);
      const retained = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(`<fetch datasource="retained"><entity name="${TABLE}"><attribute name="msdyn_name"/><filter><condition attribute="msdyn_name" operator="like" value="ls-%"/></filter></entity></fetch>`)}`);
      expect(retained.json.value.map((v: Record<string, string>) => v['msdyn_name'])).to.deep.equal(['ls-ab']);
    });

    it('date query functions that leave 1753…9999 answer 400, and retention validation reports them', async () => {
      const r = await call('GET', `${s.root}${SET}?$filter=${encodeURIComponent("Microsoft.Dynamics.CRM.OlderThanXYears(PropertyName='createdon',PropertyValue=99999999)")}`);
      expect(r.status, r.text).to.equal(400);
      expect(r.json.error.code).to.equal('0x80040239');
      const fetch = `<fetch><entity name="${TABLE}"><filter><condition attribute="createdon" operator="olderthan-x-years" value="99999999"/></filter></entity></fetch>`;
      const v = await call('POST', `${s.root}ValidateRetentionConfig`, { EntityName: TABLE, FetchXml: fetch });
      expect(v.status, v.text).to.equal(200);
      expect(v.json.IsValidationSuccessful).to.equal(false);
      expect(v.json.ErrorMessage).to.be.a('string').and.not.equal('');
    });
  });
}
