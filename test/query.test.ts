import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { DATABASES, call, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';

interface Row { msdyn_name: string; [k: string]: unknown }

for (const database of DATABASES) {
  describe(`retrieve multiple: $select, $filter, $orderby, $top, $count [${database.name}]`, () => {
    let s: TestServer;
    let dataId: string;
    const get = (query: string, headers: Record<string, string> = {}) => call('GET', `${s.root}${SET}?${query}`, undefined, headers);
    const names = (r: { json: { value: Row[] } }) => r.json.value.map((v) => v.msdyn_name);

    before(async () => {
      s = await startServer(undefined, database);
      dataId = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'd' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      const rows: Array<Record<string, unknown>> = [
        { msdyn_name: 'Alpha', msdyn_interactiontype: 100230301, msdyn_scenariotype: 100230201, importsequencenumber: 1, msdyn_clienttimestamp: '2024-01-01T10:00:00Z', msdyn_interactionforid: 'x' },
        { msdyn_name: 'beta', msdyn_interactiontype: 100230302, msdyn_scenariotype: 100230201, importsequencenumber: 2, msdyn_clienttimestamp: '2024-02-01T10:00:00Z', msdyn_interactionforid: 'x' },
        { msdyn_name: 'Gamma ray', msdyn_interactiontype: 100230301, importsequencenumber: 3, msdyn_clienttimestamp: '2024-03-01T10:00:00+02:00', 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${dataId})` },
        { msdyn_name: "O'Brian", msdyn_interactiontype: 100230303, importsequencenumber: 4 },
        { msdyn_name: '100% sure_thing', msdyn_interactiontype: 100230304, importsequencenumber: 5 },
        { msdyn_name: 'delta', msdyn_interactiontype: 100230302, importsequencenumber: -6, msdyn_interactionforid: 'DELTA' },
      ];
      for (const body of rows) expect((await call('POST', `${s.root}${SET}`, body)).status).to.equal(204);
    });
    after(async () => { await s.close(); });

    it('returns every row with context and etags', async () => {
      const r = await get('$select=msdyn_name');
      expect(r.status).to.equal(200);
      expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#${SET}(msdyn_name)`);
      expect(r.json.value).to.have.length(6);
      for (const v of r.json.value) expect(Object.keys(v)).to.deep.equal(['@odata.etag', 'msdyn_name', 'msdyn_copilotinteractionid']);
      expect(r.json).to.not.have.property('@odata.nextLink');
    });

    it('compares with eq ne gt ge lt le on numbers', async () => {
      const cases: Array<[string, string[]]> = [
        ['importsequencenumber eq 2', ['beta']],
        ['importsequencenumber gt 3', ["O'Brian", '100% sure_thing']],
        ['importsequencenumber ge 3', ['Gamma ray', "O'Brian", '100% sure_thing']],
        ['importsequencenumber lt 1', ['delta']],
        ['importsequencenumber le -6', ['delta']],
        ['importsequencenumber ne 1', ['beta', 'Gamma ray', "O'Brian", '100% sure_thing', 'delta']],
        ['3 lt importsequencenumber', ["O'Brian", '100% sure_thing']],
        // Numbers beyond what the column's type holds are compared, not bound (PostgreSQL refused them: 500).
        ['importsequencenumber gt 2147483648', []],
        ['importsequencenumber lt 99999999999', ['Alpha', 'beta', 'Gamma ray', "O'Brian", '100% sure_thing', 'delta']],
        ['importsequencenumber ge -99999999999 and importsequencenumber le 2', ['Alpha', 'beta', 'delta']],
        ['importsequencenumber eq 99999999999 or importsequencenumber eq 1', ['Alpha']],
        ['importsequencenumber ne 99999999999', ['Alpha', 'beta', 'Gamma ray', "O'Brian", '100% sure_thing', 'delta']],
        ['msdyn_interactiontype eq 99999999999', []],
        ['versionnumber gt 9223372036854775807', []],
        ['versionnumber ge -9223372036854775808', ['Alpha', 'beta', 'Gamma ray', "O'Brian", '100% sure_thing', 'delta']],
        ['Microsoft.Dynamics.CRM.In(PropertyName=\'importsequencenumber\',PropertyValues=["2","99999999999"])', ['beta']],
        ['Microsoft.Dynamics.CRM.In(PropertyName=\'importsequencenumber\',PropertyValues=["99999999999"])', []],
        ['Microsoft.Dynamics.CRM.Between(PropertyName=\'importsequencenumber\',PropertyValues=["4","99999999999"])', ["O'Brian", '100% sure_thing']],
      ];
      for (const [filter, expected] of cases) {
        const r = await get(`$select=msdyn_name&$orderby=importsequencenumber desc&$filter=${encodeURIComponent(filter)}`);
        expect(r.status, filter).to.equal(200);
        expect([...names(r)].sort(), filter).to.deep.equal([...expected].sort());
      }
      for (const [operator, count] of [['gt', 0], ['lt', 6]] as const) {
        const fetch = `<fetch><entity name="msdyn_copilotinteraction"><attribute name="msdyn_name"/><filter><condition attribute="importsequencenumber" operator="${operator}" value="99999999999"/></filter></entity></fetch>`;
        const r = await get(`fetchXml=${encodeURIComponent(fetch)}`);
        expect(r.status, `FetchXML ${operator}`).to.equal(200);
        expect(r.json.value, `FetchXML ${operator}`).to.have.length(count);
      }
    });

    it('combines and / or / not / parentheses with OData precedence', async () => {
      const q = (f: string) => get(`$select=msdyn_name&$orderby=importsequencenumber&$filter=${encodeURIComponent(f)}`).then(names);
      expect(await q('importsequencenumber eq 1 or importsequencenumber eq 2 and msdyn_interactiontype eq 100230301')).to.deep.equal(['Alpha']);
      expect(await q('(importsequencenumber eq 1 or importsequencenumber eq 2) and msdyn_interactiontype eq 100230302')).to.deep.equal(['beta']);
      expect(await q('not importsequencenumber ge 2 and msdyn_interactiontype eq 100230302')).to.deep.equal(['delta']);
      expect(await q('not (importsequencenumber ge 2 and msdyn_interactiontype eq 100230302)')).to.deep.equal(['delta', 'Alpha', 'Gamma ray', "O'Brian", '100% sure_thing']);
      // OData's not: a comparison with a null column is false, so its negation is true, as with ne
      // (three rows have no msdyn_interactionforid).
      const notEqual = await q("msdyn_interactionforid ne 'x'");
      expect(notEqual).to.deep.equal(['delta', 'Gamma ray', "O'Brian", '100% sure_thing']);
      expect(await q("not (msdyn_interactionforid eq 'x')")).to.deep.equal(notEqual);
      expect(await q("not (msdyn_interactionforid eq 'x' or importsequencenumber eq 5)")).to.deep.equal(['delta', 'Gamma ray', "O'Brian"]);
      expect(await q("not startswith(msdyn_interactionforid,'del')")).to.deep.equal(['Alpha', 'beta', 'Gamma ray', "O'Brian", '100% sure_thing']);
      expect(await q("not (not (msdyn_interactionforid eq 'x'))")).to.deep.equal(['Alpha', 'beta']);
    });

    it('compares strings case-insensitively, with doubled quotes and raw or encoded quotes', async () => {
      expect(names(await get("$select=msdyn_name&$filter=msdyn_name eq 'ALPHA'"))).to.deep.equal(['Alpha']);
      expect(names(await get(`$select=msdyn_name&$filter=${encodeURIComponent("msdyn_name eq 'o''brian'")}`))).to.deep.equal(["O'Brian"]);
      expect(names(await get("$select=msdyn_name&$filter=msdyn_name%20eq%20%27BETA%27"))).to.deep.equal(['beta']);
      expect(names(await get("$select=msdyn_name&$filter=msdyn_name+eq+'beta'"))).to.deep.equal(['beta']);
      expect(names(await get("$select=msdyn_name&$filter=msdyn_name gt 'x' or msdyn_name lt 'b'&$orderby=msdyn_name"))).to.deep.equal(['100% sure_thing', 'Alpha']);
    });

    it("supports contains, startswith, endswith, case-insensitively, with Dataverse's wildcards (% _, [x] for x itself)", async () => {
      const q = (f: string) => get(`$select=msdyn_name&$orderby=msdyn_name&$filter=${encodeURIComponent(f)}`).then(names);
      expect(await q("contains(msdyn_name,'AM')")).to.deep.equal(['Gamma ray']);
      expect(await q("startswith(msdyn_name,'b')")).to.deep.equal(['beta']);
      expect(await q("endswith(msdyn_name,'TA')")).to.deep.equal(['beta', 'delta']);
      expect(await q("contains(msdyn_name,'G_mma')")).to.deep.equal(['Gamma ray']);
      expect(await q("startswith(msdyn_name,'%ta')")).to.deep.equal(['beta', 'delta']);
      expect(await q("contains(msdyn_name,'[%]')")).to.deep.equal(['100% sure_thing']);
      expect(await q("contains(msdyn_name,'e[_]th')")).to.deep.equal(['100% sure_thing']);
      expect(await q("contains(msdyn_name,'[a]m')")).to.deep.equal(['Gamma ray']);
      const classes = await get(`$select=msdyn_name&$filter=${encodeURIComponent("contains(msdyn_name,'[a-c]')")}`);
      expect(classes.status).to.equal(501);
      expect(classes.json.error.message).to.equal('Character classes ([…]) in contains() is not supported by this service yet.');
      expect(await q("not contains(msdyn_name,'A')")).to.deep.equal(['100% sure_thing']);
      expect(await q("contains(msdyn_name,'a') eq false")).to.deep.equal(['100% sure_thing']);
    });

    it('filters on null, including ne keeping nulls as OData does', async () => {
      const q = (f: string) => get(`$select=msdyn_name&$orderby=importsequencenumber&$filter=${encodeURIComponent(f)}`).then(names);
      expect(await q('msdyn_scenariotype eq null')).to.deep.equal(['Gamma ray', "O'Brian", 'delta', '100% sure_thing'].sort((a, b) => ['delta', 'Gamma ray', "O'Brian", '100% sure_thing'].indexOf(a) - ['delta', 'Gamma ray', "O'Brian", '100% sure_thing'].indexOf(b)));
      expect(await q('msdyn_scenariotype ne null')).to.deep.equal(['Alpha', 'beta']);
      expect(await q("msdyn_interactionforid ne 'x'")).to.deep.equal(['delta', 'Gamma ray', "O'Brian", '100% sure_thing']);
    });

    it('filters on GUIDs (bare or quoted) and _x_value lookups', async () => {
      const gamma = (await get("$filter=msdyn_name eq 'Gamma ray'")).json.value[0];
      expect(gamma._msdyn_interactiondataid_value).to.equal(dataId);
      expect(names(await get(`$select=msdyn_name&$filter=_msdyn_interactiondataid_value eq ${dataId}`))).to.deep.equal(['Gamma ray']);
      expect(names(await get(`$select=msdyn_name&$filter=_msdyn_interactiondataid_value eq '${dataId.toUpperCase()}'`))).to.deep.equal(['Gamma ray']);
      expect(names(await get(`$select=msdyn_name&$filter=msdyn_copilotinteractionid eq ${gamma.msdyn_copilotinteractionid}`))).to.deep.equal(['Gamma ray']);
      expect(names(await get(`$select=msdyn_name&$filter=_createdby_value eq ${s.service.caller.systemuserid}&$top=1&$orderby=importsequencenumber`))).to.deep.equal(['delta']);
      expect((await get(`$filter=_msdyn_interactiondataid_value eq 'nope'`)).status).to.equal(400);
    });

    it('filters on date-times and dates in UTC, with offsets and fractional seconds', async () => {
      const q = (f: string) => get(`$select=msdyn_name&$orderby=msdyn_clienttimestamp&$filter=${encodeURIComponent(f)}`).then(names);
      expect(await q('msdyn_clienttimestamp ge 2024-02-01T10:00:00Z')).to.deep.equal(['beta', 'Gamma ray']);
      expect(await q('msdyn_clienttimestamp gt 2024-02-01T10:00:00Z')).to.deep.equal(['Gamma ray']);
      expect(await q('msdyn_clienttimestamp eq 2024-03-01T08:00:00Z')).to.deep.equal(['Gamma ray']);
      expect(await q('msdyn_clienttimestamp lt 2024-02-01')).to.deep.equal(['Alpha']);
      expect(await q('msdyn_clienttimestamp ge 2024-02-01T10:00:00.500Z')).to.deep.equal(['Gamma ray']);
      expect(await q('msdyn_clienttimestamp lt 2024-02-01T10:00:00.500Z')).to.deep.equal(['Alpha', 'beta']);
      const r = await get("$select=msdyn_clienttimestamp&$filter=msdyn_name eq 'Gamma ray'");
      expect(r.json.value[0].msdyn_clienttimestamp).to.equal('2024-03-01T08:00:00Z');
    });

    it('filters on booleans and compares two columns', async () => {
      const users = await call('GET', `${s.root}systemusers?$select=fullname&$filter=isdisabled eq null or isdisabled eq false`);
      expect(users.json.value.map((u: { fullname: string }) => u.fullname)).to.deep.equal(['SYSTEM']);
      expect((await call('GET', `${s.root}systemusers?$filter=isdisabled eq true`)).json.value).to.deep.equal([]);
      expect(names(await get('$select=msdyn_name&$filter=createdon eq modifiedon&$top=2&$orderby=importsequencenumber'))).to.have.length(2);
    });

    it('orders by several keys, asc by default, desc on request, nulls first ascending', async () => {
      expect(names(await get('$select=msdyn_name&$orderby=msdyn_interactiontype desc,msdyn_name'))).to.deep.equal(['100% sure_thing', "O'Brian", 'beta', 'delta', 'Alpha', 'Gamma ray']);
      expect(names(await get('$select=msdyn_name&$orderby=msdyn_scenariotype,importsequencenumber desc'))).to.deep.equal(['100% sure_thing', "O'Brian", 'Gamma ray', 'delta', 'beta', 'Alpha']);
      expect(names(await get('$select=msdyn_name&$orderby=msdyn_name asc'))).to.deep.equal(['100% sure_thing', 'Alpha', 'beta', 'delta', 'Gamma ray', "O'Brian"]);
    });

    it('limits with $top (no nextLink) and counts with $count=true', async () => {
      const r = await get('$select=msdyn_name&$orderby=importsequencenumber&$top=2&$count=true');
      expect(Object.keys(r.json)).to.deep.equal(['@odata.context', '@odata.count', 'value']);
      expect(r.json['@odata.count']).to.equal(6);
      expect(names(r)).to.deep.equal(['delta', 'Alpha']);
      expect((await get('$top=0')).json.value).to.deep.equal([]);
      const filtered = await get(`$count=true&$filter=${encodeURIComponent('msdyn_interactiontype eq 100230302')}`);
      expect(filtered.json['@odata.count']).to.equal(2);
    });

    it('counts with /$count as text/plain, with a filter', async () => {
      const r = await call('GET', `${s.root}${SET}/$count`);
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.contain('text/plain');
      expect(r.text).to.equal('6');
      expect((await call('GET', `${s.root}${SET}/$count?$filter=${encodeURIComponent("startswith(msdyn_name,'g')")}`)).text).to.equal('1');
    });

    it('rejects what Dataverse rejects and names what is not supported yet', async () => {
      const cases: Array<[string, number, string]> = [
        ['$skip=1', 400, '$skip'], ['$search=x', 400, '$search'], ['$format=json', 400, '$format'], ['$levels=2', 400, '$levels'],
        ['$expand=createdby/$ref($top=1)', 400, '$ref'], ['$apply=groupby((statecode)', 400, 'Syntax error'], ['$bogus=1', 400, '$bogus'],
        ['$filter=msdyn_nope eq 1', 400, 'msdyn_nope'], ['$orderby=msdyn_nope', 400, 'msdyn_nope'], ['$select=msdyn_name,,', 400, '$select'],
        ["$filter=msdyn_name eq 'O'Bryan'", 400, "There is an unterminated literal at position 23 in 'msdyn_name eq 'O'Bryan''."], ['$filter=msdyn_name eq 5', 400, 'incompatible'],
        ['$filter=importsequencenumber add 1 eq 2', 400, "'add'"], ["$filter=tolower(msdyn_name) eq 'a'", 400, 'tolower'],
        ['$filter=createdby/nope eq \'SYSTEM\'', 400, "'nope'"], ['$filter=msdyn_name eq @p1&@p1=@p2&@p2=\'x\'', 400, 'another alias'],
        ['$top=-1', 400, '$top'], ['$top=5001', 400, '$top'],
        ['$count=yes', 400, '$count'], [`$id=${SET}(00000000-0000-0000-0000-000000000001)`, 400, "The query option '$id' is not valid for a GET request"], ['$top=1&$top=2', 400, 'more than once'],
        ['$filter=createdon gt 2024-02-30T00:00:00Z', 400, "The DateTimeOffset text '2024-02-30T00:00:00Z' should be in format"],
        ['$filter=createdon gt 2023-02-29', 400, "The Date text '2023-02-29' should be in format 'yyyy-mm-dd'"], ['$filter=importsequencenumber eq 1.5', 400, 'incompatible'],
      ];
      for (const [query, status, fragment] of cases) {
        const r = await get(query);
        expect(r.status, query).to.equal(status);
        expect(r.json.error.message, query).to.contain(fragment);
        expect(r.json.error.code, query).to.match(/^0x[0-9A-Fa-f]+$/);
      }
    });

    it('answers 501 naming the metadata entity sets not served, whatever the URL under them', async () => {
      for (const path of ['ManagedPropertyDefinitions', "ManagedPropertyDefinitions(LogicalName='x')", 'ManagedPropertyDefinitions?$select=LogicalName']) {
        const r = await call('GET', `${s.root}${path}`);
        expect(r.status, path).to.equal(501);
        expect(r.json.error.message, path).to.equal("The metadata entity set 'ManagedPropertyDefinitions' is not supported by this service yet.");
      }
      for (const path of ["EntityDefinitions(LogicalName='msdyn_copilotinteraction')/Keys/LogicalName", "GlobalOptionSetDefinitions(Name='x')/Options", "RelationshipDefinitions(SchemaName='x')/Foo"]) {
        expect((await call('GET', `${s.root}${path}`)).status, path).to.equal(501);
      }
    });

    it('refuses Prefer: odata.track-changes, as Dataverse does for a table without change tracking', async () => {
      const r = await call('GET', `${s.root}${SET}?$select=msdyn_name`, undefined, { Prefer: 'odata.maxpagesize=2, odata.track-changes' });
      expect(r.status).to.equal(400);
      expect(r.json.error).to.deep.equal({ code: '0x80072491', message: "Entity msdyn_copilotinteraction isn't enabled for change tracking." });
      // Related rows through a navigation property, and FetchXML, alike.
      const user = (await call('GET', `${s.root}WhoAmI()`)).json.UserId;
      const related = await call('GET', `${s.root}systemusers(${user})/lk_msdyn_copilotinteraction_createdby?$select=msdyn_name`, undefined, { Prefer: 'odata.track-changes' });
      expect(related.status).to.equal(400);
      expect(related.json.error.code).to.equal('0x80072491');
      const fetch = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent('<fetch><entity name="msdyn_copilotinteraction"><attribute name="msdyn_name"/></entity></fetch>')}`, undefined, { Prefer: 'odata.track-changes' });
      expect(fetch.status).to.equal(400);
    });

    it('takes parameter aliases in $filter and $orderby, defined before or after use', async () => {
      expect(names(await get(`$select=msdyn_name&$filter=msdyn_name eq @p1&@p1=${encodeURIComponent("'ALPHA'")}`))).to.deep.equal(['Alpha']);
      expect(names(await get(`@p1=importsequencenumber&@p2=3&$select=msdyn_name&$filter=@p1 ge @p2&$orderby=@p1 desc`))).to.deep.equal(['100% sure_thing', "O'Brian", 'Gamma ray']);
      expect(names(await get('$select=msdyn_name&$orderby=importsequencenumber&$filter=msdyn_scenariotype eq @unset'))).to.deep.equal(['delta', 'Gamma ray', "O'Brian", '100% sure_thing']);
      expect((await get('$filter=msdyn_name eq @p1&@p1=msdyn_nope')).status).to.equal(400);
      expect((await get('$filter=msdyn_name eq @p1&@p1=\'a\' or 1 eq 1')).status).to.equal(400);
    });

    it('ignores custom query options such as tag', async () => {
      expect((await get('tag=abc&$select=msdyn_name')).status).to.equal(200);
    });

    it('never answers a garbage request with a 500', async () => {
      const urls = [`${SET}(`, `${SET}(abc)/x/y`, `${SET}?$filter=((`, `${SET}?$filter=%ZZ`, `${SET}?$orderby=msdyn_name sideways`, `${SET}?$skiptoken=%%%`, `${SET}(${randomUUID()})?$top=1`];
      for (const u of urls) {
        const r = await call('GET', `${s.root}${u}`);
        expect(r.status, u).to.be.within(400, 501);
        expect(r.json.error.message, u).to.be.a('string').and.not.contain('    at ');
      }
      const bodies = ['{', '[]', '"x"', 'null', '{"msdyn_name":{"a":1}}', '{"msdyn_interactiontype":"ThumbsUp"}', '{"msdyn_clienttimestamp":"yesterday"}'];
      for (const b of bodies) {
        const r = await call('POST', `${s.root}${SET}`, b);
        expect(r.status, b).to.equal(400);
      }
    });
  });
}
