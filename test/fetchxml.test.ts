import { expect } from 'chai';
import type { Statement } from '../src/sql/dialect.js';
import { call, DATABASES, recordStatements, startServer, type Reply, type TestServer } from './support/server.js';

/*
 * FetchXML as a second front end (`GET /<set>?fetchXml=…`, digest §3.8), over HTTP on every
 * database: each element and condition operator, link-entity, paging with Dataverse's paging
 * cookie, errors, and FetchXML queries against their OData twins.
 */

const SET = 'msdyn_copilotinteractions';
const ENTITY = 'msdyn_copilotinteraction';
const PK = 'msdyn_copilotinteractionid';
const DATA = 'msdyn_copilotinteractiondata';
const DAY = 86400000;
const ALL_ANNOTATIONS = { Prefer: 'odata.include-annotations="*"' };
const COOKIE_ANNOTATIONS = { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords"' };

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** `<fetch …><entity name="msdyn_copilotinteraction">body</entity></fetch>` */
function fetchXml(body: string, fetchAttributes = '', entity = ENTITY): string {
  return `<fetch${fetchAttributes ? ` ${fetchAttributes}` : ''}><entity name="${entity}">${body}</entity></fetch>`;
}

const NAME = '<attribute name="msdyn_name"/>';
const BY_SEQUENCE = '<order attribute="importsequencenumber"/><order attribute="msdyn_name"/>';

for (const database of DATABASES) {
  describe(`FetchXML [${database.name}]`, () => {
    let s: TestServer;
    let statements: Statement[];
    // The server's clock is pinned to 12:00 UTC of the day the suite runs, so that "alpha" (a
    // minute before now) is today at any time of day.
    let today: number;
    let now: number;
    const data: Record<string, string> = {};
    const ids: Record<string, string> = {};
    /** name → sequence, client timestamp, interaction type, interaction data */
    let rows: Array<[string, number | null, number | null, number | null, string | null]>;

    before(async () => {
      today = Math.floor(Date.now() / DAY) * DAY;
      now = today + 12 * 3600000;
      rows = [
        ['alpha', 1, now - 60000, 100230301, 'Red payload'],
        ['beta', 2, today - DAY + 12 * 3600000, 100230302, 'Red payload'],
        ['gamma', 3, today - 3 * DAY + 3600000, 100230301, 'Blue payload'],
        ['delta', 4, today - 40 * DAY, null, null],
        ['epsilon 50%', 5, today + DAY + 12 * 3600000, 100230302, null],
        ["O'Brien", 6, null, null, 'Blue payload'],
        ['zeta_x', null, today + 5 * DAY + 3600000, 100230303, null],
      ];
      s = await startServer(undefined, database, { clock: () => new Date(now) });
      statements = recordStatements(s.db);
      for (const name of ['Red payload', 'Blue payload', 'Empty payload']) {
        data[name] = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: name }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      }
      for (const [name, seq, ts, itype, payload] of rows) {
        const r = await call('POST', `${s.root}${SET}`, {
          msdyn_name: name, importsequencenumber: seq, msdyn_clienttimestamp: ts === null ? null : iso(ts), msdyn_interactiontype: itype,
          ...(payload ? { 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${data[payload]})` } : {}),
        }, { Prefer: 'return=representation' });
        expect(r.status, r.text).to.equal(201);
        ids[name] = r.json[PK];
      }
    });
    after(async () => { await s.close(); });

    async function fx(xml: string, headers: Record<string, string> = {}, set = SET, extra = ''): Promise<Reply> {
      statements.length = 0;
      return call('GET', `${s.root}${set}?fetchXml=${encodeURIComponent(xml)}${extra}`, undefined, headers);
    }
    async function ok(xml: string, headers: Record<string, string> = {}, set = SET, extra = ''): Promise<any> {
      const r = await fx(xml, headers, set, extra);
      expect(r.status, `${xml}: ${r.text}`).to.equal(200);
      expect(statements, 'one SQL statement per page').to.have.length(r.json['@odata.count'] === undefined ? 1 : 2);
      return r.json;
    }
    /** The msdyn_name of each row of a query on copilot interactions with `filter` (ordered by sequence, then name). */
    async function names(filter: string, extraBody = ''): Promise<string[]> {
      const body = await ok(fetchXml(`${NAME}${BY_SEQUENCE}${filter}${extraBody}`));
      return body.value.map((v: { msdyn_name: string }) => v.msdyn_name);
    }
    const condition = (attribute: string, operator: string, value?: string | string[]) => {
      if (Array.isArray(value)) return `<filter><condition attribute="${attribute}" operator="${operator}">${value.map((v) => `<value>${v}</value>`).join('')}</condition></filter>`;
      return `<filter><condition attribute="${attribute}" operator="${operator}"${value === undefined ? '' : ` value="${value}"`}/></filter>`;
    };
    async function error(xml: string, status = 400, extra = '', set = SET): Promise<{ code: string; message: string }> {
      const r = await fx(xml, {}, set, extra);
      expect(r.status, `${xml}: ${r.text}`).to.equal(status);
      expect(r.json.error, r.text).to.have.keys('code', 'message');
      return r.json.error;
    }

    describe('columns, order, top, distinct', () => {
      it('attribute: the named columns then the primary key, lookups as _x_value, null columns left out, @odata.etag first', async () => {
        const body = await ok(fetchXml(`${NAME}<attribute name="importsequencenumber"/><attribute name="msdyn_interactiondataid"/><attribute name="msdyn_clienttimestamp"/>${BY_SEQUENCE}`));
        expect(body['@odata.context']).to.equal(`${s.root}$metadata#${SET}(msdyn_name,importsequencenumber,_msdyn_interactiondataid_value,msdyn_clienttimestamp,${PK})`);
        const [zeta, alpha] = body.value;
        expect(Object.keys(alpha)).to.deep.equal(['@odata.etag', 'msdyn_name', 'importsequencenumber', '_msdyn_interactiondataid_value', 'msdyn_clienttimestamp', PK]);
        expect(alpha).to.deep.include({ msdyn_name: 'alpha', importsequencenumber: 1, _msdyn_interactiondataid_value: data['Red payload'], msdyn_clienttimestamp: iso(now - 60000), [PK]: ids['alpha'] });
        expect(alpha['@odata.etag']).to.match(/^W\/"\d+"$/);
        // zeta_x has no sequence number (nulls sort first) and no payload: those columns are absent, not null.
        expect(Object.keys(zeta)).to.deep.equal(['@odata.etag', 'msdyn_name', 'msdyn_clienttimestamp', PK]);
        expect(body.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['zeta_x', 'alpha', 'beta', 'gamma', 'delta', 'epsilon 50%', "O'Brien"]);
        expect(body).to.not.have.any.keys('@Microsoft.Dynamics.CRM.fetchxmlpagingcookie', '@Microsoft.Dynamics.CRM.morerecords', '@odata.nextLink');
      });

      it('all-attributes (and no attribute at all) return every column that has a value, as the OData read does', async () => {
        const odata = await call('GET', `${s.root}${SET}(${ids['gamma']})`);
        const withValues = Object.fromEntries(Object.entries(odata.json).filter(([k, v]) => v !== null && k !== '@odata.context'));
        for (const body of ['<all-attributes/>', '']) {
          const fetched = await ok(fetchXml(`${body}<filter><condition attribute="${PK}" operator="eq" value="{${ids['gamma']!.toUpperCase()}}"/></filter>`));
          expect(fetched['@odata.context']).to.equal(`${s.root}$metadata#${SET}`);
          expect(fetched.value).to.deep.equal([withValues]);
        }
      });

      it('order: descending, several keys, choices by value with useraworderby; top limits without paging', async () => {
        const body = await ok(fetchXml(`${NAME}<order attribute="msdyn_interactiontype" descending="true"/><order attribute="msdyn_name"/>`, 'top="4" useraworderby="true"'));
        expect(body.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['zeta_x', 'beta', 'epsilon 50%', 'alpha']);
        expect(statements[0]!.params).to.include(4);
      });

      it('distinct: each combination of the returned columns once, without ETag or primary key', async () => {
        const body = await ok(fetchXml('<attribute name="msdyn_interactiontype"/><attribute name="statecode"/><order attribute="msdyn_interactiontype"/>', 'distinct="true"'));
        // Choices sort by label: ThumbsClear, ThumbsDown, ThumbsUp.
        expect(body.value).to.deep.equal([{ statecode: 0 }, { msdyn_interactiontype: 100230303, statecode: 0 }, { msdyn_interactiontype: 100230302, statecode: 0 }, { msdyn_interactiontype: 100230301, statecode: 0 }]);
        expect(statements[0]!.sql).to.match(/^SELECT DISTINCT /);
      });

      it('attribute alias: the column under its alias (a lookup\'s GUID too), annotations under it with AttributeName, the primary key still added', async () => {
        const xml = fetchXml(`<attribute name="msdyn_name" alias="n"/><attribute name="msdyn_interactiontype" alias="kind"/><attribute name="msdyn_interactiondataid" alias="payload"/><attribute name="importsequencenumber"/>${BY_SEQUENCE}`);
        const plain = await ok(xml);
        // The context lists aliased columns by logical name (a lookup too, not as _x_value), as Dataverse's example does.
        expect(plain['@odata.context']).to.equal(`${s.root}$metadata#${SET}(msdyn_name,msdyn_interactiontype,msdyn_interactiondataid,importsequencenumber,${PK})`);
        const [zeta, alpha] = plain.value;
        expect(Object.keys(alpha)).to.deep.equal(['@odata.etag', 'importsequencenumber', PK, 'n', 'kind', 'payload']);
        expect(alpha).to.deep.include({ importsequencenumber: 1, [PK]: ids['alpha'], n: 'alpha', kind: 100230301, payload: data['Red payload'] });
        // Null aliased columns are left out as the others are.
        expect(Object.keys(zeta)).to.deep.equal(['@odata.etag', PK, 'n', 'kind']);
        const annotated = (await ok(xml, ALL_ANNOTATIONS)).value[1];
        expect(annotated).to.deep.include({
          'n@OData.Community.Display.V1.AttributeName': 'msdyn_name', n: 'alpha',
          'kind@OData.Community.Display.V1.AttributeName': 'msdyn_interactiontype', 'kind@OData.Community.Display.V1.FormattedValue': 'ThumbsUp',
          'payload@OData.Community.Display.V1.AttributeName': 'msdyn_interactiondataid', 'payload@Microsoft.Dynamics.CRM.lookuplogicalname': DATA,
          'payload@OData.Community.Display.V1.FormattedValue': 'Red payload', payload: data['Red payload'],
        });
        expect(Object.keys(annotated).filter((k) => k.includes('msdyn_name') || k.includes('_msdyn_interactiondataid_value') || k.includes('associatednavigationproperty'))).to.deep.equal([]);
        // AttributeName only when asked for, as the other annotations.
        const formatted = (await ok(xml, { Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' })).value[1];
        expect(Object.keys(formatted).filter((k) => k.includes('AttributeName'))).to.deep.equal([]);
        // A column may be returned under its name and under several aliases.
        const twice = await ok(fetchXml(`${NAME}<attribute name="msdyn_name" alias="a"/><attribute name="msdyn_name" alias="b"/>${condition('msdyn_name', 'eq', 'beta')}`));
        expect(twice.value[0]).to.deep.include({ msdyn_name: 'beta', a: 'beta', b: 'beta' });
        // A lookup answered under its own name and under an alias is listed once, as _x_value.
        const both = await ok(fetchXml(`<attribute name="msdyn_interactiondataid"/><attribute name="msdyn_interactiondataid" alias="payload"/>${BY_SEQUENCE}`));
        expect(both['@odata.context']).to.equal(`${s.root}$metadata#${SET}(_msdyn_interactiondataid_value,${PK})`);
      });

      it('attribute alias: each column returned must have a unique name; <order alias> only in aggregate queries', async () => {
        for (const body of [
          `${NAME}<attribute name="importsequencenumber" alias="msdyn_name"/>`,
          '<attribute name="msdyn_name" alias="x"/><attribute name="importsequencenumber" alias="x"/>',
          `<attribute name="msdyn_name" alias="${PK}"/>`,
          '<attribute name="msdyn_interactiondataid"/><attribute name="msdyn_name" alias="_msdyn_interactiondataid_value"/>',
          `<attribute name="msdyn_name" alias="x"/><link-entity name="${DATA}" from="${DATA}id" to="msdyn_interactiondataid" link-type="outer" alias="d"><attribute name="msdyn_name" alias="x"/></link-entity>`,
        ]) {
          const e = await error(fetchXml(body));
          expect(e.code, body).to.equal('0x80040203');
          expect(e.message, body).to.contain('unique name');
        }
        expect((await error(fetchXml('<attribute name="msdyn_name" alias="a.b"/>'))).message).to.contain("alias 'a.b'");
        expect((await error(fetchXml('<attribute name="msdyn_name" alias="n"/><order alias="n"/>'))).message).to.contain('only valid in aggregate queries');
      });

      it('FormattedValue annotations come only when asked for', async () => {
        const plain = await ok(fetchXml(`${NAME}<attribute name="msdyn_interactiontype"/><attribute name="createdby"/>${condition('msdyn_name', 'eq', 'alpha')}`));
        expect(Object.keys(plain.value[0]).filter((k) => k.includes('@'))).to.deep.equal(['@odata.etag']);
        const annotated = await ok(fetchXml(`${NAME}<attribute name="msdyn_interactiontype"/><attribute name="createdby"/>${condition('msdyn_name', 'eq', 'alpha')}`), ALL_ANNOTATIONS);
        expect(annotated.value[0]).to.deep.include({
          'msdyn_interactiontype@OData.Community.Display.V1.FormattedValue': 'ThumbsUp',
          '_createdby_value@OData.Community.Display.V1.FormattedValue': 'SYSTEM',
          '_createdby_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
        });
      });
    });

    describe('condition operators', () => {
      it('eq, ne, neq, gt, ge, lt, le on numbers, strings (case-insensitive), choices, lookups and dates', async () => {
        expect(await names(condition('importsequencenumber', 'eq', '3'))).to.deep.equal(['gamma']);
        expect(await names(condition('msdyn_name', 'eq', 'ALPHA'))).to.deep.equal(['alpha']);
        // ne keeps rows where the column is null, as $filter's ne does.
        expect(await names(condition('msdyn_interactiontype', 'ne', '100230301'))).to.deep.equal(['zeta_x', 'beta', 'delta', 'epsilon 50%', "O'Brien"]);
        expect(await names(condition('msdyn_interactiontype', 'neq', '100230301'))).to.deep.equal(['zeta_x', 'beta', 'delta', 'epsilon 50%', "O'Brien"]);
        expect(await names(condition('importsequencenumber', 'gt', '4'))).to.deep.equal(['epsilon 50%', "O'Brien"]);
        expect(await names(condition('importsequencenumber', 'ge', '4'))).to.deep.equal(['delta', 'epsilon 50%', "O'Brien"]);
        expect(await names(condition('importsequencenumber', 'lt', '2'))).to.deep.equal(['alpha']);
        expect(await names(condition('importsequencenumber', 'le', '2'))).to.deep.equal(['alpha', 'beta']);
        expect(await names(condition('msdyn_interactiondataid', 'eq', `{${data['Blue payload']!.toUpperCase()}}`))).to.deep.equal(['gamma', "O'Brien"]);
        expect(await names(condition('msdyn_clienttimestamp', 'lt', iso(today - 2 * DAY)))).to.deep.equal(['gamma', 'delta']);
        expect(await names(condition('msdyn_name', 'eq', "O'Brien"))).to.deep.equal(["O'Brien"]);
      });

      it('in and between heed a date-time value\'s sub-second digits as eq does: stored date-times are whole seconds', async () => {
        // alpha is stored at now − 60 s, to the second; the same instant half a second later equals no stored value.
        const at = iso(now - 60000), half = `${at.slice(0, 19)}.5Z`;
        expect(await names(condition('msdyn_clienttimestamp', 'eq', half))).to.deep.equal([]);
        expect(await names(condition('msdyn_clienttimestamp', 'in', [half]))).to.deep.equal([]);
        expect(await names(condition('msdyn_clienttimestamp', 'in', [half, at]))).to.deep.equal(['alpha']);
        expect(await names(`${condition('msdyn_clienttimestamp', 'not-in', [half])}${condition('importsequencenumber', 'le', '2')}`)).to.deep.equal(['alpha', 'beta']);
        expect(await names(condition('msdyn_clienttimestamp', 'between', [half, iso(now)]))).to.deep.equal([]);
      });

      it('like, not-like, begins-with, ends-with and their negations with % and _ wildcards, and [x] for x itself', async () => {
        expect(await names(condition('msdyn_name', 'like', '%ta%'))).to.deep.equal(['zeta_x', 'beta', 'delta']);
        expect(await names(condition('msdyn_name', 'like', '_eta%'))).to.deep.equal(['zeta_x', 'beta']);
        expect(await names(condition('msdyn_name', 'not-like', '%a'))).to.deep.equal(['zeta_x', 'epsilon 50%', "O'Brien"]);
        expect(await names(condition('msdyn_name', 'begins-with', 'ZETA_'))).to.deep.equal(['zeta_x']);
        // Wildcards work in begins-with / ends-with too; a character in brackets is itself.
        expect(await names(condition('msdyn_name', 'begins-with', '_eta'))).to.deep.equal(['zeta_x', 'beta']);
        expect(await names(condition('msdyn_name', 'ends-with', '50[%]'))).to.deep.equal(['epsilon 50%']);
        expect(await names(condition('msdyn_name', 'like', '%[_]%'))).to.deep.equal(['zeta_x']);
        expect(await names(condition('msdyn_name', 'not-begin-with', 'e'))).to.deep.equal(['zeta_x', 'alpha', 'beta', 'gamma', 'delta', "O'Brien"]);
        expect(await names(condition('msdyn_name', 'not-end-with', 'a'))).to.deep.equal(['zeta_x', 'epsilon 50%', "O'Brien"]);
      });

      it('in, not-in, between, not-between with <value> elements', async () => {
        expect(await names(condition('importsequencenumber', 'in', ['2', '4', '9']))).to.deep.equal(['beta', 'delta']);
        expect(await names(condition('msdyn_name', 'in', ['GAMMA', "O'Brien"]))).to.deep.equal(['gamma', "O'Brien"]);
        expect(await names(condition('importsequencenumber', 'not-in', ['1', '2', '3', '4']))).to.deep.equal(['epsilon 50%', "O'Brien"]);
        expect(await names(condition('importsequencenumber', 'between', ['2', '4']))).to.deep.equal(['beta', 'gamma', 'delta']);
        expect(await names(condition('importsequencenumber', 'not-between', ['2', '5']))).to.deep.equal(['alpha', "O'Brien"]);
      });

      it('null and not-null', async () => {
        expect(await names(condition('importsequencenumber', 'null'))).to.deep.equal(['zeta_x']);
        expect(await names(condition('msdyn_interactiondataid', 'not-null'))).to.deep.equal(['alpha', 'beta', 'gamma', "O'Brien"]);
      });

      it('on, on-or-after, on-or-before, today, yesterday, tomorrow', async () => {
        const day = (ms: number) => iso(ms).slice(0, 10);
        expect(await names(condition('msdyn_clienttimestamp', 'on', day(today - DAY)))).to.deep.equal(['beta']);
        expect(await names(condition('msdyn_clienttimestamp', 'on-or-after', day(today + DAY)))).to.deep.equal(['zeta_x', 'epsilon 50%']);
        expect(await names(condition('msdyn_clienttimestamp', 'on-or-before', day(today - 3 * DAY)))).to.deep.equal(['gamma', 'delta']);
        expect(await names(condition('msdyn_clienttimestamp', 'yesterday'))).to.deep.equal(['beta']);
        expect(await names(condition('msdyn_clienttimestamp', 'tomorrow'))).to.deep.equal(['epsilon 50%']);
        expect(await names(condition('createdon', 'today'))).to.have.length(rows.length);
      });

      it('last-x-days, next-x-days, olderthan-x-days (also spelt older-than-x-days), last-x-hours, olderthan-x-months', async () => {
        expect(await names(condition('msdyn_clienttimestamp', 'last-x-days', '3'))).to.deep.equal(['alpha', 'beta', 'gamma']);
        expect(await names(condition('msdyn_clienttimestamp', 'next-x-days', '2'))).to.deep.equal(['epsilon 50%']);
        expect(await names(condition('msdyn_clienttimestamp', 'olderthan-x-days', '30'))).to.deep.equal(['delta']);
        expect(await names(condition('msdyn_clienttimestamp', 'older-than-x-days', '2'))).to.deep.equal(['gamma', 'delta']);
        expect(await names(condition('msdyn_clienttimestamp', 'last-x-hours', '1'))).to.deep.equal(['alpha']);
        expect(await names(condition('msdyn_clienttimestamp', 'olderthan-x-months', '1'))).to.deep.equal(['delta']);
      });

      it('eq-userid and ne-userid compare with the caller', async () => {
        expect(await names(condition('createdby', 'eq-userid'))).to.have.length(rows.length);
        expect(await names(condition('createdby', 'ne-userid'))).to.deep.equal([]);
        expect(await names(condition('createdonbehalfby', 'ne-userid'))).to.have.length(rows.length);
      });

      it('valueof compares two columns of the row', async () => {
        await call('PATCH', `${s.root}${SET}(${ids['gamma']})`, { msdyn_scenariorequestid: 'gamma' });
        try {
          expect(await names('<filter><condition attribute="msdyn_name" operator="eq" valueof="msdyn_scenariorequestid"/></filter>')).to.deep.equal(['gamma']);
        } finally {
          await call('PATCH', `${s.root}${SET}(${ids['gamma']})`, { msdyn_scenariorequestid: null });
        }
      });

      it('filters: and, or, nested, several filter elements', async () => {
        const nested = `<filter type="or">
            <condition attribute="importsequencenumber" operator="eq" value="1"/>
            <filter type="and">
              <condition attribute="msdyn_interactiontype" operator="eq" value="100230302"/>
              <condition attribute="importsequencenumber" operator="gt" value="2"/>
            </filter>
            <filter type="or"><condition attribute="msdyn_name" operator="like" value="z%"/></filter>
          </filter>`;
        expect(await names(nested)).to.deep.equal(['zeta_x', 'alpha', 'epsilon 50%']);
        expect(await names(`${condition('importsequencenumber', 'gt', '1')}${condition('importsequencenumber', 'lt', '4')}`)).to.deep.equal(['beta', 'gamma']);
        expect(await names('<filter type="or"></filter>')).to.have.length(rows.length);
      });
    });

    describe('link-entity', () => {
      const toData = (attrs: string, linkType = 'outer', inner = '') => `<link-entity name="${DATA}" from="${DATA}id" to="msdyn_interactiondataid" link-type="${linkType}" alias="d">${attrs}${inner}</link-entity>`;
      const children = (linkType: string, inner = '') => `<link-entity name="${ENTITY}" from="msdyn_interactiondataid" to="${DATA}id" link-type="${linkType}" alias="c">${inner}</link-entity>`;
      const payloads = async (body: string) => {
        const r = await ok(fetchXml(`${NAME}<order attribute="msdyn_name"/>${body}`, '', DATA), {}, 'msdyn_copilotinteractiondatas');
        return r.value.map((v: { msdyn_name: string }) => v.msdyn_name);
      };

      it('many-to-one outer: linked columns as alias.attribute, absent when there is no linked row, in one statement', async () => {
        const body = await ok(fetchXml(`${NAME}${BY_SEQUENCE}${toData('<attribute name="msdyn_name"/><attribute name="createdby"/>')}`), ALL_ANNOTATIONS);
        expect(body.value).to.have.length(rows.length);
        const alpha = body.value.find((v: { msdyn_name: string }) => v.msdyn_name === 'alpha');
        expect(alpha).to.deep.include({ 'd_x002e_msdyn_name': 'Red payload', 'd_x002e_createdby': s.service.caller.systemuserid, 'd_x002e_createdby@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser' });
        // Every link-entity column is an aliased value, as in Dataverse: AttributeName names its
        // column, and a linked lookup has no associatednavigationproperty (no navigation property
        // of the root is named so); its FormattedValue is the name of the row it points at.
        expect(alpha['d_x002e_msdyn_name@OData.Community.Display.V1.AttributeName']).to.equal('msdyn_name');
        const createdby = Object.keys(alpha).filter((k) => k.startsWith('d_x002e_createdby'));
        expect(createdby).to.deep.equal(['d_x002e_createdby@OData.Community.Display.V1.AttributeName', 'd_x002e_createdby@Microsoft.Dynamics.CRM.lookuplogicalname', 'd_x002e_createdby@OData.Community.Display.V1.FormattedValue', 'd_x002e_createdby']);
        expect(alpha['d_x002e_createdby@OData.Community.Display.V1.AttributeName']).to.equal('createdby');
        expect(alpha['d_x002e_createdby@OData.Community.Display.V1.FormattedValue']).to.equal('SYSTEM');
        expect(Object.keys(alpha).filter((k) => k.includes('@name'))).to.deep.equal([]);
        const delta = body.value.find((v: { msdyn_name: string }) => v.msdyn_name === 'delta');
        expect(Object.keys(delta).filter((k) => k.startsWith('d_x002e_'))).to.deep.equal([]);
      });

      it('many-to-one columns with an alias: under the alias alone, annotations with AttributeName', async () => {
        const body = await ok(fetchXml(`${NAME}${BY_SEQUENCE}${toData('<attribute name="msdyn_name" alias="payload"/><attribute name="createdby" alias="d"/>')}`), ALL_ANNOTATIONS);
        const alpha = body.value.find((v: { msdyn_name: string }) => v.msdyn_name === 'alpha');
        expect(alpha).to.deep.include({
          'payload@OData.Community.Display.V1.AttributeName': 'msdyn_name', payload: 'Red payload',
          'd@OData.Community.Display.V1.AttributeName': 'createdby', 'd@Microsoft.Dynamics.CRM.lookuplogicalname': 'systemuser',
          'd@OData.Community.Display.V1.FormattedValue': 'SYSTEM', d: s.service.caller.systemuserid,
        });
        expect(Object.keys(alpha).filter((k) => k.startsWith('d_x002e_') || k.includes('associatednavigationproperty') || k.includes('@name'))).to.deep.equal([]);
        const delta = body.value.find((v: { msdyn_name: string }) => v.msdyn_name === 'delta');
        expect(delta).to.not.have.any.keys('payload', 'd');
      });

      it('distinct with link-entity columns: each combination of root and linked values once, ordered, paged without a paging cookie', async () => {
        const blue = '<filter><condition attribute="msdyn_name" operator="begins-with" value="blue"/></filter>';
        const body = await ok(fetchXml(`<attribute name="statecode"/>${toData('<attribute name="msdyn_name"/>')}`, 'distinct="true"'));
        expect(body.value).to.deep.equal([{ statecode: 0 }, { statecode: 0, 'd_x002e_msdyn_name': 'Blue payload' }, { statecode: 0, 'd_x002e_msdyn_name': 'Red payload' }]);
        expect(statements[0]!.sql).to.match(/^SELECT DISTINCT /);
        // An outer link with a filter (bound parameters in the linked column), aliased, ordered by a root column.
        const filtered = await ok(fetchXml(`<attribute name="statecode"/><order attribute="statecode" descending="true"/>${toData('<attribute name="msdyn_name" alias="payload"/>', 'outer', blue)}`, 'distinct="true"'));
        expect(filtered.value).to.deep.equal([{ statecode: 0 }, { statecode: 0, payload: 'Blue payload' }]);
        const inner = await ok(fetchXml(`<attribute name="msdyn_interactiontype"/>${toData('<attribute name="msdyn_name"/>', 'inner', blue)}`, 'distinct="true" useraworderby="true"'));
        expect(inner.value).to.deep.equal([{ 'd_x002e_msdyn_name': 'Blue payload' }, { msdyn_interactiontype: 100230301, 'd_x002e_msdyn_name': 'Blue payload' }]);
        // Pages skip rows: morerecords while more follow, no paging cookie, and a cookie sent back is ignored.
        const page1 = await ok(fetchXml(`<attribute name="statecode"/>${toData('<attribute name="msdyn_name"/>')}`, 'distinct="true" count="2" page="1"'), COOKIE_ANNOTATIONS);
        expect(page1.value).to.have.length(2);
        expect(page1['@Microsoft.Dynamics.CRM.morerecords']).to.equal(true);
        expect(page1).to.not.have.any.keys('@Microsoft.Dynamics.CRM.fetchxmlpagingcookie');
        const cookie = '&lt;cookie page=&quot;1&quot;&gt;&lt;statecode last=&quot;0&quot; first=&quot;0&quot; /&gt;&lt;/cookie&gt;';
        const page2 = await ok(fetchXml(`<attribute name="statecode"/>${toData('<attribute name="msdyn_name"/>')}`, `distinct="true" count="2" page="2" paging-cookie="${cookie}"`), COOKIE_ANNOTATIONS);
        expect(page2.value).to.deep.equal([{ statecode: 0, 'd_x002e_msdyn_name': 'Red payload' }]);
        expect(page2).to.not.have.any.keys('@Microsoft.Dynamics.CRM.fetchxmlpagingcookie', '@Microsoft.Dynamics.CRM.morerecords');
        expect(statements[0]!.sql).to.match(/OFFSET/);
      });

      it('many-to-one inner restricts the rows; filters inside the link apply to the join; nested links and default aliases', async () => {
        const inner = await ok(fetchXml(`${NAME}${BY_SEQUENCE}${toData('<attribute name="msdyn_name"/>', 'inner', '<filter><condition attribute="msdyn_name" operator="begins-with" value="blue"/></filter>')}`));
        expect(inner.value.map((v: Record<string, string>) => [v['msdyn_name'], v['d_x002e_msdyn_name']])).to.deep.equal([['gamma', 'Blue payload'], ["O'Brien", 'Blue payload']]);
        // An outer link with a filter: rows stay, the columns are there only where the linked row passes.
        const outer = await ok(fetchXml(`${NAME}${BY_SEQUENCE}${toData('<attribute name="msdyn_name"/>', 'outer', '<filter><condition attribute="msdyn_name" operator="begins-with" value="blue"/></filter>')}`));
        expect(outer.value.map((v: Record<string, string>) => v['d_x002e_msdyn_name'] ?? null)).to.deep.equal([null, null, null, 'Blue payload', null, null, 'Blue payload']);
        const nested = await ok(fetchXml(`${NAME}${condition('msdyn_name', 'eq', 'beta')}<link-entity name="${DATA}" from="${DATA}id" to="msdyn_interactiondataid"><link-entity name="systemuser" from="systemuserid" to="createdby" link-type="outer"><attribute name="fullname"/></link-entity></link-entity>`));
        expect(nested.value[0]).to.deep.include({ msdyn_name: 'beta', 'systemuser1_x002e_fullname': 'SYSTEM' });
      });

      it('a condition naming an outer link (entityname) tests the joined row: null finds rows without one', async () => {
        const noPayload = `${toData('')}<filter><condition entityname="d" attribute="${DATA}id" operator="null"/></filter>`;
        expect(await names('', noPayload)).to.deep.equal(['zeta_x', 'delta', 'epsilon 50%']);
        expect(await names('', `${toData('')}<filter type="or"><condition entityname="d" attribute="msdyn_name" operator="eq" value="blue payload"/><condition attribute="importsequencenumber" operator="eq" value="1"/></filter>`)).to.deep.equal(['alpha', 'gamma', "O'Brien"]);
        expect(await names('', `${toData('')}<filter><condition entityname="d" attribute="msdyn_name" operator="ne" value="Red payload"/></filter>`)).to.deep.equal(['zeta_x', 'gamma', 'delta', 'epsilon 50%', "O'Brien"]);
      });

      it('one-to-many without columns: inner once per matching child (as Dataverse joins it), outer with a null condition, exists and in once', async () => {
        // Red has two children (1, 2), Blue two (3, 6), Empty none.
        expect(await payloads(children('inner'))).to.deep.equal(['Blue payload', 'Blue payload', 'Red payload', 'Red payload']);
        expect(await payloads(children('inner', condition('importsequencenumber', 'ge', '2')))).to.deep.equal(['Blue payload', 'Blue payload', 'Red payload']);
        expect(await payloads(children('exists', condition('importsequencenumber', 'ge', '2')))).to.deep.equal(['Blue payload', 'Red payload']);
        expect(await payloads(children('exists', condition('importsequencenumber', 'eq', '1')))).to.deep.equal(['Red payload']);
        expect(await payloads(children('in', condition('importsequencenumber', 'eq', '6')))).to.deep.equal(['Blue payload']);
        expect(await payloads(`${children('outer')}<filter><condition entityname="c" attribute="${PK}" operator="null"/></filter>`)).to.deep.equal(['Empty payload']);
      });

      it('filter link types: any, not any, all, not all', async () => {
        const inFilter = (type: string, inner = '') => `<filter>${children(type, inner)}</filter>`;
        expect(await payloads(inFilter('any'))).to.deep.equal(['Blue payload', 'Red payload']);
        expect(await payloads(inFilter('not any'))).to.deep.equal(['Empty payload']);
        expect(await payloads(inFilter('not any', condition('importsequencenumber', 'eq', '1')))).to.deep.equal(['Blue payload', 'Empty payload']);
        // As Dataverse runs them, not as their names read: all = children exist and none passes
        // (Red's are 1 and 2, Blue's all 3 or more; Empty has none); not all = any.
        expect(await payloads(inFilter('all', condition('importsequencenumber', 'ge', '3')))).to.deep.equal(['Red payload']);
        expect(await payloads(inFilter('all', condition('importsequencenumber', 'lt', '3')))).to.deep.equal(['Blue payload']);
        expect(await payloads(inFilter('all'))).to.deep.equal([]);
        expect(await payloads(inFilter('not all', condition('importsequencenumber', 'ge', '3')))).to.deep.equal(['Blue payload']);
        expect(await payloads(inFilter('not all', condition('importsequencenumber', 'eq', '1')))).to.deep.equal(['Red payload']);
        expect(await payloads(`<filter type="or">${children('any', condition('importsequencenumber', 'eq', '6'))}<condition attribute="msdyn_name" operator="eq" value="Empty payload"/></filter>`)).to.deep.equal(['Blue payload', 'Empty payload']);
      });

      it('from and to may be left out when one relationship fits', async () => {
        const body = await ok(fetchXml(`${NAME}${condition('msdyn_name', 'eq', 'gamma')}<link-entity name="${DATA}" alias="d"><attribute name="msdyn_name"/></link-entity>`));
        expect(body.value[0]['d_x002e_msdyn_name']).to.equal('Blue payload');
      });
    });

    describe('paging', () => {
      const paged = (attributes: string, order = '<order attribute="msdyn_name"/>') => fetchXml(`${NAME}${order}`, attributes);

      it('count pages with the paging cookie when asked for: keyset seeks, annotations absent on the last page', async () => {
        const seen: string[] = [];
        let cookie: string | undefined;
        for (let page = 1; ; page++) {
          const cookieAttr = cookie ? ` paging-cookie="${cookie.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}"` : '';
          const body = await ok(paged(`count="3" page="${page}"${cookieAttr}`), COOKIE_ANNOTATIONS);
          seen.push(...body.value.map((v: { msdyn_name: string }) => v.msdyn_name));
          if (page > 1) expect(statements[0]!.sql, 'page > 1 is a keyset seek').to.not.match(/OFFSET/);
          const annotation = body['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'];
          if (page === 3) {
            expect(body).to.not.have.any.keys('@Microsoft.Dynamics.CRM.fetchxmlpagingcookie', '@Microsoft.Dynamics.CRM.morerecords');
            break;
          }
          expect(body['@Microsoft.Dynamics.CRM.morerecords']).to.equal(true);
          // The annotation as Dataverse sends it; the inner cookie is URL-encoded twice.
          const m = /^<cookie pagenumber="(\d+)" pagingcookie="([^"]+)" istracking="False" \/>$/.exec(annotation);
          expect(m, annotation).to.not.equal(null);
          expect(Number(m![1])).to.equal(page + 1);
          cookie = decodeURIComponent(decodeURIComponent(m![2]!));
          expect(cookie).to.match(new RegExp(`^<cookie page="${page}"><msdyn_name last="[^"]*" first="[^"]*" /><${PK} last="\\{[0-9A-F-]{36}\\}" first="\\{[0-9A-F-]{36}\\}" /></cookie>$`));
        }
        expect(seen).to.deep.equal([...rows.map((r) => r[0])].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
      });

      it('aliased columns page with the paging cookie as the others do', async () => {
        const seen: string[] = [];
        let cookie: string | undefined;
        for (let page = 1; page < 5; page++) {
          const cookieAttr = cookie ? ` paging-cookie="${cookie.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}"` : '';
          const body = await ok(fetchXml('<attribute name="msdyn_name" alias="n"/><order attribute="msdyn_name"/>', `count="3" page="${page}"${cookieAttr}`), COOKIE_ANNOTATIONS);
          seen.push(...body.value.map((v: { n: string }) => v.n));
          if (page > 1) expect(statements[0]!.sql, 'page > 1 is a keyset seek').to.not.match(/OFFSET/);
          const annotation = body['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'];
          if (!annotation) break;
          cookie = decodeURIComponent(decodeURIComponent(/pagingcookie="([^"]+)"/.exec(annotation)![1]!));
        }
        expect(seen).to.deep.equal([...rows.map((r) => r[0])].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
      });

      it('the cookie is sent only when asked for; a page without a cookie (or with another page\'s) skips rows', async () => {
        const first = await ok(paged('count="3" page="1"'));
        expect(first).to.not.have.any.keys('@Microsoft.Dynamics.CRM.fetchxmlpagingcookie', '@Microsoft.Dynamics.CRM.morerecords');
        const third = await ok(paged('count="3" page="3"'));
        expect(statements[0]!.sql).to.match(/OFFSET/);
        expect(third.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['zeta_x']);
        const cookieOfPage1 = `&lt;cookie page="1"&gt;&lt;msdyn_name last="delta" /&gt;&lt;${PK} last="{${ids['delta']}}" /&gt;&lt;/cookie&gt;`.replace(/"/g, '&quot;');
        const third2 = await ok(paged(`count="3" page="3" paging-cookie="${cookieOfPage1}"`));
        expect(statements[0]!.sql).to.match(/OFFSET/);
        expect(third2.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['zeta_x']);
        const second = await ok(paged(`count="3" page="2" paging-cookie="${cookieOfPage1}"`));
        expect(statements[0]!.sql).to.not.match(/OFFSET/);
        expect(second.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['epsilon 50%', 'gamma', "O'Brien"]);
      });

      it('returntotalrecordcount and $count=true give @odata.count', async () => {
        const body = await ok(paged('count="2" returntotalrecordcount="true"'), ALL_ANNOTATIONS);
        expect(body['@odata.count']).to.equal(rows.length);
        expect(body['@Microsoft.Dynamics.CRM.totalrecordcount']).to.equal(rows.length);
        expect(body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded']).to.equal(false);
        expect(Object.keys(body).slice(0, 2)).to.deep.equal(['@odata.context', '@odata.count']);
        const viaOption = await ok(paged('count="2"'), {}, SET, '&$count=true');
        expect(viaOption['@odata.count']).to.equal(rows.length);
      });

      it('refuses top with paging attributes, and page sizes above 5,000', async () => {
        expect(await error(paged('top="2" count="2"'))).to.deep.equal({ code: '0x80040203', message: "The top attribute can't be specified with paging attribute count" });
        expect((await error(paged('top="2" page="1"'))).message).to.equal("The top attribute can't be specified with paging attribute page");
        expect((await error(paged('top="2" returntotalrecordcount="true"'))).message).to.contain('returntotalrecordcount');
        expect((await error(paged('count="5001"'))).message).to.contain("'count'");
        expect((await error(paged('top="0"'))).message).to.contain("'top'");
        const far = await error(paged('count="5000" page="9007199254740991"'));
        expect(far.code, 'a page whose first row is past any 64-bit offset').to.equal('0x80040203');
        expect(far.message).to.contain('page 9007199254740991 of 5000 rows');
      });

      it('refuses a paging cookie that is not XML, was made for another order, or holds a value of the wrong type', async () => {
        const enc = (c: string) => c.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
        for (const cookie of ['not xml <', `<cookie page="1"><importsequencenumber last="1" /><${PK} last="{${ids['alpha']}}" /></cookie>`, `<cookie page="1"><msdyn_name last="a" /><${PK} last="not-a-guid" /></cookie>`]) {
          const e = await error(paged(`count="3" page="2" paging-cookie="${enc(cookie)}"`));
          expect(e.code, cookie).to.equal('0x80040203');
          expect(e.message, cookie).to.contain('paging-cookie');
        }
        // A whole number past the column's type (Int32; versionnumber Int64) is not one of its values (PostgreSQL would refuse the query).
        for (const [column, last] of [['importsequencenumber', '2147483648'], ['versionnumber', '9223372036854775808']]) {
          const cookie = `<cookie page="1"><${column} last="${last}" /><${PK} last="{${ids['alpha']}}" /></cookie>`;
          const e = await error(paged(`count="3" page="2" paging-cookie="${enc(cookie)}"`, `<order attribute="${column}"/>`));
          expect(e.code, cookie).to.equal('0x80040203');
          expect(e.message, cookie).to.contain('paging-cookie');
        }
      });
    });

    describe('errors', () => {
      it('malformed XML, unknown elements, attributes and operators: 400 naming the problem', async () => {
        expect((await error('<fetch><entity name="x">')).message).to.contain('not well-formed XML');
        expect((await error('<fetch/><fetch/>')).message).to.contain('one XML element');
        expect((await error('<query/>')).message).to.contain('<fetch>');
        expect((await error(fetchXml('<column name="msdyn_name"/>'))).message).to.contain('<column>');
        expect((await error(fetchXml('<attribute nam="msdyn_name"/>'))).message).to.contain("'nam'");
        expect((await error(fetchXml(condition('msdyn_name', 'equals', 'x')))).message).to.contain("'equals'");
        expect((await error(fetchXml('<order attribute="msdyn_name" descending="maybe"/>'))).message).to.contain("'descending'");
        expect((await error(fetchXml('<link-entity name="systemuser" link-type="sideways"/>'))).message).to.contain('sideways');
        // Deep nesting is refused before it can exhaust the stack.
        expect((await error(fetchXml(`${'<filter>'.repeat(2000)}${'</filter>'.repeat(2000)}`))).message).to.contain('levels deep');
      });

      it('unknown entity or attribute: Dataverse\'s codes 0x80041102 and 0x80041103', async () => {
        expect(await error(fetchXml(NAME, '', 'nope'))).to.deep.equal({ code: '0x80041102', message: "The entity with a name = 'nope' with namemapping = 'Logical' was not found in the MetadataCache." });
        expect(await error(fetchXml('<attribute name="nope"/>'))).to.deep.equal({ code: '0x80041103', message: `'${ENTITY}' entity doesn't contain attribute with Name = 'nope' and NameMapping = 'Logical'.` });
        expect((await error(fetchXml(condition('nope', 'eq', '1')))).code).to.equal('0x80041103');
        expect((await error(fetchXml('<order attribute="_createdby_value"/>'))).code).to.equal('0x80041103');
        expect((await error(fetchXml(`<link-entity name="systemuser" from="nope" to="createdby"/>`))).code).to.equal('0x80041103');
      });

      it('values that are not of the column\'s type, and operators on the wrong column type', async () => {
        for (const bad of [condition('importsequencenumber', 'eq', 'abc'), condition('msdyn_clienttimestamp', 'on', 'soon'), condition('msdyn_interactiondataid', 'eq', 'not-a-guid'),
          condition('importsequencenumber', 'like', '1%'), condition('importsequencenumber', 'between', ['1']), condition('msdyn_clienttimestamp', 'last-x-days', '-1'),
          condition('msdyn_name', 'today'), condition('importsequencenumber', 'in'),
          // A value given to an operator that takes none, also as a second <value>, and a second value to one that takes one.
          condition('createdby', 'eq-userid', 'x'), condition('createdby', 'eq-userid', ['', 'x']), condition('msdyn_clienttimestamp', 'last-x-days', ['3', '4'])]) {
          const e = await error(fetchXml(bad));
          expect(e.code, bad).to.equal('0x80040203');
        }
      });

      it('values never reach SQL as text: quotes and comments stay values', async () => {
        expect(await names(condition('msdyn_name', 'eq', "x' OR 1=1 --"))).to.deep.equal([]);
        expect(await names(condition('msdyn_name', 'in', ["alpha') OR ('1'='1", 'beta']))).to.deep.equal(['beta']);
        for (const stmt of statements) expect(stmt.sql).to.not.contain('1=1');
      });

      it('the query must fit the entity set; other query options cannot join it; only GET on a collection', async () => {
        expect((await error(fetchXml(NAME, '', DATA))).message).to.contain("'msdyn_copilotinteractions'");
        expect((await error(fetchXml(NAME), 400, '&$select=msdyn_name')).message).to.contain('$select');
        const one = await call('GET', `${s.root}${SET}(${ids['alpha']})?fetchXml=${encodeURIComponent(fetchXml(NAME))}`);
        expect(one.status).to.equal(400);
        expect(one.json.error.message).to.contain('fetchXml');
      });

      it('orders by link-entity columns: 400 for an entityname that is no link returning rows; 501 for an exists link', async () => {
        const toData = (linkType: string, inner: string) => `<link-entity name="${DATA}" from="${DATA}id" to="msdyn_interactiondataid" link-type="${linkType}" alias="d">${inner}</link-entity>`;
        const blue = condition('msdyn_name', 'begins-with', 'blue');
        expect((await error(fetchXml(`${NAME}${toData('outer', '')}<order entityname="x" attribute="msdyn_name"/>`))).message).to.contain("names the entity 'x'");
        expect((await error(fetchXml(`${NAME}${toData('exists', '')}<order entityname="d" attribute="msdyn_name"/>`))).message).to.contain("names the entity 'd'");
        expect((await error(fetchXml(`${NAME}${toData('outer', '<order attribute="nosuchcolumn"/>')}`))).code).to.equal('0x80041103');
        expect((await error(fetchXml(`${NAME}${toData('exists', '<order attribute="msdyn_name"/>')}`), 501)).message).to.contain("link-type 'exists'");
        // The same link inner: its filter restricts the rows, so the order holds for each row returned.
        const inner = await ok(fetchXml(`${NAME}${toData('inner', `<attribute name="msdyn_name"/>${blue}`)}<order entityname="d" attribute="msdyn_name"/><order attribute="msdyn_name" descending="true"/>`));
        expect(inner.value.map((v: Record<string, string>) => v['msdyn_name'])).to.deep.equal(["O'Brien", 'gamma']);
      });

      it('orders by an outer link with its own filter: by the value returned, null where no linked row meets it (first ascending, last descending), paged by cookie too', async () => {
        const toData = (inner: string) => `<link-entity name="${DATA}" from="${DATA}id" to="msdyn_interactiondataid" link-type="outer" alias="d"><attribute name="msdyn_name"/>${condition('msdyn_name', 'begins-with', 'blue')}${inner}</link-entity>`;
        const all = (await ok(fetchXml(`${NAME}<order attribute="msdyn_name"/>${toData('')}`))).value as Array<Record<string, string>>;
        const blue = all.filter((v) => v['d_x002e_msdyn_name'] !== undefined).map((v) => v['msdyn_name']);
        const other = all.filter((v) => v['d_x002e_msdyn_name'] === undefined).map((v) => v['msdyn_name']);
        expect(blue).to.have.length(2);
        const names = async (xml: string) => (await ok(xml)).value.map((v: Record<string, string>) => v['msdyn_name']);
        // The link's order first (entityname), then the root's: rows whose link matched nothing first ascending.
        expect(await names(fetchXml(`${NAME}${toData('')}<order entityname="d" attribute="msdyn_name"/><order attribute="msdyn_name"/>`))).to.deep.equal([...other, ...blue]);
        expect(await names(fetchXml(`${NAME}${toData('')}<order entityname="d" attribute="msdyn_name" descending="true"/><order attribute="msdyn_name"/>`))).to.deep.equal([...blue, ...other]);
        // An <order> inside the link follows the root's: it breaks ties among equal root values.
        expect(await names(fetchXml(`${NAME}${toData('<order attribute="msdyn_name" descending="true"/>')}`))).to.have.length(all.length);
        // Pages by paging cookie seek past the last row's link value, null or not, and lose or repeat nothing.
        const seen: string[] = [];
        let cookie: string | undefined;
        for (let page = 1; page < 10; page++) {
          const cookieAttr = cookie ? ` paging-cookie="${cookie.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}"` : '';
          const body = await ok(fetchXml(`${NAME}${toData('')}<order entityname="d" attribute="msdyn_name" descending="true"/><order attribute="msdyn_name"/>`, `count="1" page="${page}"${cookieAttr}`), COOKIE_ANNOTATIONS);
          seen.push(...body.value.map((v: Record<string, string>) => v['msdyn_name']));
          const annotation = body['@Microsoft.Dynamics.CRM.fetchxmlpagingcookie'];
          if (annotation === undefined) break;
          cookie = decodeURIComponent(decodeURIComponent(/pagingcookie="([^"]+)"/.exec(annotation)![1]!));
        }
        expect(seen).to.deep.equal([...blue, ...other]);
      });

      it('501 for valid FetchXML not implemented: one-to-many matchfirstrowusingcrossapply columns', async () => {
        expect((await error(fetchXml(NAME, '', DATA).replace(`</entity>`, `<link-entity name="${ENTITY}" from="msdyn_interactiondataid" to="${DATA}id" link-type="matchfirstrowusingcrossapply" alias="c"><attribute name="msdyn_name"/></link-entity></entity>`), 501, '', 'msdyn_copilotinteractiondatas')).message).to.contain('one-to-many');
        expect((await error(fetchXml(condition('msdyn_name', 'like', '[ab]%')), 501)).message).to.contain('Character classes');
        expect((await error(fetchXml(NAME, 'datasource="archive"'))).message).to.contain('datasource');
        expect((await error(fetchXml('<attribute name="msdyn_name" aggregate="count"/>'))).message).to.contain('aggregate="true"');
      });

      it('at most 15 link-entities (0x8004430D)', async () => {
        const links = Array.from({ length: 16 }, (_, i) => `<link-entity name="systemuser" from="systemuserid" to="createdby" link-type="outer" alias="u${i}"/>`).join('');
        expect(await error(fetchXml(links))).to.deep.equal({ code: '0x8004430D', message: 'Number of link entities in query exceeded maximum limit.' });
      });
    });

    describe('a FetchXML query and its OData twin return the same rows', () => {
      const twins: Array<[string, string, string]> = [
        ['select, order and a comparison', `${NAME}<attribute name="importsequencenumber"/><order attribute="importsequencenumber" descending="true"/>${condition('importsequencenumber', 'ge', '2')}`,
          '$select=msdyn_name,importsequencenumber&$orderby=importsequencenumber desc&$filter=importsequencenumber ge 2'],
        ['or, like and null', `${NAME}<attribute name="msdyn_clienttimestamp"/><order attribute="msdyn_name"/><filter type="or"><condition attribute="msdyn_name" operator="like" value="%ta%"/><condition attribute="msdyn_clienttimestamp" operator="null"/></filter>`,
          "$select=msdyn_name,msdyn_clienttimestamp&$orderby=msdyn_name&$filter=contains(msdyn_name,'ta') or msdyn_clienttimestamp eq null"],
        ['in and last-x-days', `${NAME}<attribute name="msdyn_interactiontype"/><order attribute="msdyn_name"/><filter><condition attribute="msdyn_interactiontype" operator="in"><value>100230301</value><value>100230302</value></condition><condition attribute="msdyn_clienttimestamp" operator="last-x-days" value="5"/></filter>`,
          `$select=msdyn_name,msdyn_interactiontype&$orderby=msdyn_name&$filter=Microsoft.Dynamics.CRM.In(PropertyName='msdyn_interactiontype',PropertyValues=["100230301","100230302"]) and Microsoft.Dynamics.CRM.LastXDays(PropertyName='msdyn_clienttimestamp',PropertyValue=5)`],
        ['a lookup path', `${NAME}<order attribute="msdyn_name"/>${`<link-entity name="${DATA}" from="${DATA}id" to="msdyn_interactiondataid"><filter><condition attribute="msdyn_name" operator="eq" value="red payload"/></filter></link-entity>`}`,
          "$select=msdyn_name&$orderby=msdyn_name&$filter=msdyn_interactiondataid/msdyn_name eq 'red payload'"],
        ['every column', `<all-attributes/><order attribute="createdon"/>`, '$orderby=createdon'],
      ];
      for (const [what, body, query] of twins) {
        it(what, async () => {
          const f = await ok(fetchXml(body));
          const o = await call('GET', `${s.root}${SET}?${query.split('&').map((p) => { const i = p.indexOf('='); return `${p.slice(0, i)}=${encodeURIComponent(p.slice(i + 1))}`; }).join('&')}`);
          expect(o.status, o.text).to.equal(200);
          const withoutNulls = o.json.value.map((r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null)));
          expect(f.value.length).to.be.greaterThan(0);
          expect(f.value).to.deep.equal(withoutNulls);
        });
      }
    });
  });
}
