import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { call, copyMetadata, DATABASES, startServer, type TestServer } from './support/server.js';

const SET = 'msdyn_copilotinteractions';
const CHILDREN = 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid';

for (const database of DATABASES) {
  describe(`URL paths: alternate keys, properties, navigation properties [${database.name}]`, () => {
    let s: TestServer;
    let dir: string;
    before(async () => {
      dir = copyMetadata();
      writeFileSync(join(dir, 'new_product.json'), JSON.stringify({
        LogicalName: 'new_product', EntitySetName: 'new_products', PrimaryIdAttribute: 'new_productid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
        Attributes: [{ LogicalName: 'new_name', AttributeType: 'String' }, { LogicalName: 'new_sku', AttributeType: 'String', MaxLength: 20 }, { LogicalName: 'new_region', AttributeType: 'Integer' }],
        Keys: [{ LogicalName: 'new_sku_region', KeyAttributes: ['new_sku', 'new_region'] }],
      }));
      writeFileSync(join(dir, 'new_part.json'), JSON.stringify({
        LogicalName: 'new_part', EntitySetName: 'new_parts', PrimaryIdAttribute: 'new_partid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned',
        Attributes: [
          { LogicalName: 'new_name', AttributeType: 'String' }, { LogicalName: 'new_productid', AttributeType: 'Lookup', Targets: ['new_product'] },
          { LogicalName: 'new_size', AttributeType: 'Integer' }, { LogicalName: 'new_weight', AttributeType: 'Decimal', Precision: 2 },
        ],
        Keys: [{ LogicalName: 'new_product_size', KeyAttributes: ['new_productid', 'new_size'] }, { LogicalName: 'new_by_weight', KeyAttributes: ['new_weight'] }],
      }));
      s = await startServer(dir, database);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('upserts, reads and deletes by alternate key, echoing the key form in OData-EntityId', async () => {
      const key = "new_sku='A-1',new_region=7";
      const created = await call('PATCH', `${s.root}new_products(${key})`, { new_name: 'first' });
      expect(created.status, created.text).to.equal(204);
      expect(created.headers.get('odata-entityid')).to.equal(`${s.root}new_products(${key})`);
      const got = await call('GET', `${s.root}new_products(new_region=7,new_sku='a-1')?$select=new_name,new_sku,new_region`);
      expect(got.status).to.equal(200);
      expect(got.json).to.include({ new_name: 'first', new_sku: 'A-1', new_region: 7 });
      const updated = await call('PATCH', `${s.root}new_products(${key})`, { new_name: 'second' }, { Prefer: 'return=representation' });
      expect(updated.status).to.equal(200);
      expect(updated.json).to.include({ new_name: 'second', new_productid: got.json.new_productid });
      expect((await call('GET', `${s.root}new_products/$count`)).text).to.equal('1');
      const missing = await call('GET', `${s.root}new_products(new_sku='nope',new_region=7)`);
      expect(missing.status).to.equal(404);
      expect(missing.json.error).to.deep.equal({ code: '0x80040217', message: 'A record with the specified key values does not exist in new_product entity' });
      expect((await call('PATCH', `${s.root}new_products(new_sku='nope',new_region=7)`, { new_name: 'x' }, { 'If-Match': '*' })).status).to.equal(404);
      expect((await call('GET', `${s.root}new_products(new_sku='A-1')`)).status).to.equal(400);
      expect((await call('GET', `${s.root}new_products(new_sku='A-1',new_region='seven')`)).status).to.equal(400);
      expect((await call('DELETE', `${s.root}new_products(${key})`)).status).to.equal(204);
      expect((await call('GET', `${s.root}new_products(${key})`)).status).to.equal(404);
    });

    it('upserts by a key holding a lookup (written as its bind) and by a Decimal key as the column rounds it, and finds the row again', async () => {
      const product = await call('POST', `${s.root}new_products`, { new_name: 'keyed product' }, { Prefer: 'return=representation' });
      const productId = product.json.new_productid;
      const byLookup = `new_parts(_new_productid_value=${productId},new_size=3)`;
      const created = await call('PATCH', `${s.root}${byLookup}`, { new_name: 'by lookup' });
      expect(created.status, created.text).to.equal(204);
      const read = await call('GET', `${s.root}${byLookup}?$select=new_name,_new_productid_value,new_size`);
      expect(read.json).to.include({ new_name: 'by lookup', _new_productid_value: productId, new_size: 3 });
      expect((await call('PATCH', `${s.root}${byLookup}`, { new_name: 'updated by lookup' })).status).to.equal(204);
      expect((await call('GET', `${s.root}new_parts/$count?$filter=new_size eq 3`)).text, 'the second upsert updated').to.equal('1');
      const missing = await call('PATCH', `${s.root}new_parts(_new_productid_value=0a1b2c3d-0000-4000-8000-0000000e0406,new_size=3)`, { new_name: 'no product' });
      expect(missing.status, 'a key lookup naming no row').to.equal(404);
      const bulk = await call('POST', `${s.root}new_parts/Microsoft.Dynamics.CRM.UpsertMultiple`, { Targets: [
        { '@odata.type': 'Microsoft.Dynamics.CRM.new_part', '@odata.id': `new_parts(_new_productid_value=${productId},new_size=4)`, new_name: 'bulk by lookup' },
      ] });
      expect(bulk.status, bulk.text).to.equal(204);
      expect((await call('GET', `${s.root}new_parts(_new_productid_value=${productId},new_size=4)/new_name/$value`)).text).to.equal('bulk by lookup');

      for (let i = 0; i < 2; i++) {
        const upsert = await call('PATCH', `${s.root}new_parts(new_weight=1.005)`, { new_name: `weight ${i}` });
        expect(upsert.status, `upsert ${i}: ${upsert.text}`).to.equal(204);
      }
      const weighed = await call('GET', `${s.root}new_parts(new_weight=1.005)?$select=new_name,new_weight`);
      expect(weighed.status, weighed.text).to.equal(200);
      expect(weighed.json).to.include({ new_name: 'weight 1', new_weight: 1.01 });
      for (let i = 0; i < 2; i++) {
        const again = await call('POST', `${s.root}new_parts/Microsoft.Dynamics.CRM.UpsertMultiple`, { Targets: [{ '@odata.type': 'Microsoft.Dynamics.CRM.new_part', '@odata.id': 'new_parts(new_weight=2.005)', new_name: `bulk weight ${i}` }] });
        expect(again.status, `bulk upsert ${i}: ${again.text}`).to.equal(204);
      }
      expect((await call('GET', `${s.root}new_parts/$count?$filter=new_weight eq 2.01`)).text).to.equal('1');
      // A key with a dot in it, on a path that goes on past it.
      expect((await call('POST', `${s.root}new_parts`, { new_name: 'dotted', new_weight: 3.25, 'new_productid@odata.bind': `/new_products(${productId})` })).status).to.equal(204);
      const dotted = await call('GET', `${s.root}new_products(${productId})/new_product_new_part_new_productid(new_weight=3.25)/new_name`);
      expect(dotted.status, dotted.text).to.equal(200);
      expect(dotted.json.value).to.equal('dotted');
    });

    it('percent-encodes an alternate key OData-EntityId cannot hold as it is (non-ASCII, control characters), and keeps serving', async () => {
      for (const [sku, encoded] of [['€ 日', '%E2%82%AC%20%E6%97%A5'], ['a\nb', 'a%0Ab'], ['café#1', 'caf%C3%A9%231'], ['x/y?', 'x%2Fy%3F']] as const) {
        const r = await call('PATCH', `${s.root}new_products(new_sku='${encodeURIComponent(sku)}',new_region=9)`, { new_name: sku });
        expect(r.status, r.text).to.equal(204);
        expect(r.headers.get('odata-entityid')).to.equal(`${s.root}new_products(new_sku='${encoded}',new_region=9)`);
        const again = await call('PATCH', `${s.root}new_products(new_sku='${encodeURIComponent(sku)}',new_region=9)`, { new_name: `${sku}!` }, { 'If-Match': '*' });
        expect(again.status, again.text).to.equal(204);
        const got = await call('GET', `${r.headers.get('odata-entityid')}?$select=new_name`);
        expect(got.json.new_name).to.equal(`${sku}!`);
      }
    });

    it('reads and writes a property, its $value and navigations of a record named by its alternate key; a malformed key is 400', async () => {
      const key = "new_sku='P-1',new_region=3";
      expect((await call('PATCH', `${s.root}new_products(${key})`, { new_name: 'keyed' })).status).to.equal(204);
      expect((await call('GET', `${s.root}new_products(${key})/new_name`)).json.value).to.equal('keyed');
      expect((await call('GET', `${s.root}new_products(${key})/new_name/$value`)).text).to.equal('keyed');
      expect((await call('PUT', `${s.root}new_products(${key})/new_name`, { value: 'renamed' })).status).to.equal(204);
      expect((await call('GET', `${s.root}new_products(${key})/createdby?$select=fullname`)).json.fullname).to.equal('SYSTEM');
      const id = (await call('GET', `${s.root}new_products(${key})?$select=new_name`)).json.new_productid;
      expect((await call('GET', `${s.root}new_products(new_productid=${id})/new_name`)).json.value).to.equal('renamed');
      const ref = await call('GET', `${s.root}new_products(${key})/createdby/$ref`);
      expect(ref.status, ref.text).to.equal(200);
      expect(ref.json['@odata.id']).to.equal(`${s.root}systemusers(${s.service.caller.systemuserid})`);
      const counted = await call('GET', `${s.root}systemusers(systemuserid=${s.service.caller.systemuserid})/lk_new_product_createdby/$count`);
      expect(counted.status, counted.text).to.equal(200);
      expect(Number(counted.text)).to.be.at.least(1);
      expect((await call('GET', `${s.root}new_products(new_sku='P-1')/createdby/$ref`)).status).to.equal(400);
      const missing = await call('GET', `${s.root}new_products(new_sku='none',new_region=3)/new_name`);
      expect(missing.status).to.equal(404);
      expect(missing.json.error.code).to.equal('0x80040217');
      for (const bad of ['()', "'", '1', 'null', "new_sku='P-1'"]) {
        for (const path of [`new_products(${bad})/new_name`, `new_products(${bad})/new_name/$value`]) {
          const r = await call('GET', `${s.root}${encodeURI(path).replace(/'/g, '%27')}`);
          expect(r.status, `${path}: ${r.text}`).to.equal(400);
        }
      }
    });

    it('reads, sets and clears single properties', async () => {
      const id = (await call('POST', `${s.root}${SET}`, { msdyn_name: 'prop', importsequencenumber: 4 }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid;
      const r = await call('GET', `${s.root}${SET}(${id})/msdyn_name`);
      expect(r.json).to.deep.equal({ '@odata.context': `${s.root}$metadata#${SET}(${id})/msdyn_name`, value: 'prop' });
      expect((await call('PUT', `${s.root}${SET}(${id})/msdyn_name`, { value: 'changed' })).status).to.equal(204);
      expect((await call('GET', `${s.root}${SET}(${id})/msdyn_name`)).json.value).to.equal('changed');
      expect((await call('DELETE', `${s.root}${SET}(${id})/msdyn_name`)).status).to.equal(204);
      expect((await call('GET', `${s.root}${SET}(${id})/msdyn_name`)).status).to.equal(204);
      expect((await call('PUT', `${s.root}${SET}(${id})/msdyn_name`, { value: 'x'.repeat(101) })).status).to.equal(400);
      expect((await call('PUT', `${s.root}${SET}(${id})/createdon`, { value: '2020-01-01T00:00:00Z' })).status).to.equal(400);
      expect((await call('PUT', `${s.root}${SET}(${id})/msdyn_name`, { other: 1 })).status).to.equal(400);
      // What a GET of the property answered, sent back with its control information.
      const echoed = await call('PUT', `${s.root}${SET}(${id})/msdyn_name`, { '@odata.context': r.json['@odata.context'], value: 'echoed' });
      expect(echoed.status, echoed.text).to.equal(204);
      expect((await call('GET', `${s.root}${SET}(${id})/msdyn_name/$value`)).text).to.equal('echoed');
      const plain = await call('PUT', `${s.root}${SET}(${id})/msdyn_name`, '{"value":"as text"}', { 'Content-Type': 'text/plain' });
      expect(plain.status, 'a body that is not declared JSON').to.equal(415);
      expect(plain.json.error.message).to.contain("media type 'text/plain' is not supported");
      expect((await call('GET', `${s.root}${SET}(${id})/nope`)).status).to.equal(404);
      expect((await call('GET', `${s.root}${SET}(00000000-0000-0000-0000-000000000001)/msdyn_name`)).status).to.equal(404);
    });

    it('reads a property\'s raw value ($value) as text, 204 when null', async () => {
      const id = (await call('POST', `${s.root}${SET}`, { msdyn_name: 'Grüße & more', importsequencenumber: 42, msdyn_interactiontype: 100230301 }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid;
      const raw = async (property: string) => {
        const r = await call('GET', `${s.root}${SET}(${id})/${property}/$value`);
        return { status: r.status, type: r.headers.get('content-type'), text: r.text };
      };
      expect(await raw('msdyn_name')).to.deep.equal({ status: 200, type: 'text/plain; charset=utf-8', text: 'Grüße & more' });
      expect((await raw('importsequencenumber')).text).to.equal('42');
      expect((await raw('msdyn_interactiontype')).text).to.equal('100230301');
      expect((await raw('_createdby_value')).text).to.match(/^[0-9a-f-]{36}$/);
      expect((await raw('createdon')).text).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect((await raw('msdyn_interactioncontext')).status).to.equal(204);
      const nav = await call('GET', `${s.root}${SET}(${id})/createdby/$value`);
      expect(nav.status).to.equal(400);
      expect((await call('GET', `${s.root}${SET}(${id})/nope/$value`)).status).to.equal(404);
      // After a function call, as any segment there: no such resource.
      expect((await call('GET', `${s.root}WhoAmI()/UserId/$value`)).json.error.code).to.equal('0x8006088a');
      expect((await call('GET', `${s.root}${SET}(00000000-0000-0000-0000-000000000001)/msdyn_name/$value`)).json.error.code).to.equal('0x80040217');
      expect((await call('GET', `${s.root}${SET}(${id})/msdyn_name/$value?$select=msdyn_name`)).status).to.equal(400);
      expect((await call('PUT', `${s.root}${SET}(${id})/msdyn_name/$value`, { value: 'x' })).status).to.equal(405);
      expect((await call('DELETE', `${s.root}${SET}(${id})`)).status).to.equal(204);
    });

    it('reads through navigation properties: the looked-up row, and related rows with options and paging', async () => {
      const dataId = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'nav data' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      const ids: string[] = [];
      for (const n of [3, 1, 2]) {
        ids.push((await call('POST', `${s.root}${SET}`, { msdyn_name: `child ${n}`, importsequencenumber: n, 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${dataId})` }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid);
      }
      const parent = await call('GET', `${s.root}${SET}(${ids[0]})/msdyn_interactiondataid?$select=msdyn_name`);
      expect(parent.status).to.equal(200);
      expect(parent.json).to.include({ '@odata.context': `${s.root}$metadata#msdyn_copilotinteractiondatas(msdyn_name)/$entity`, msdyn_name: 'nav data', msdyn_copilotinteractiondataid: dataId });
      const orphan = (await call('POST', `${s.root}${SET}`, { msdyn_name: 'orphan' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid;
      expect((await call('GET', `${s.root}${SET}(${orphan})/msdyn_interactiondataid`)).status).to.equal(204);
      const withTop = await call('GET', `${s.root}${SET}(${ids[0]})/msdyn_interactiondataid?$top=1`);
      expect(withTop.status, 'options a single row cannot honour are refused, not ignored').to.equal(400);
      expect(withTop.json.error.message).to.contain('$top');
      const first = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}?$select=msdyn_name&$orderby=importsequencenumber&$filter=importsequencenumber ge 1`, undefined, { Prefer: 'odata.maxpagesize=2' });
      expect(first.json['@odata.context']).to.equal(`${s.root}$metadata#${SET}(msdyn_name)`);
      expect(first.json.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['child 1', 'child 2']);
      expect(first.json['@odata.nextLink'].startsWith(`${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}?`)).to.equal(true);
      const second = await call('GET', first.json['@odata.nextLink'], undefined, { Prefer: 'odata.maxpagesize=2' });
      expect(second.json.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['child 3']);
      expect((await call('GET', `${s.root}systemusers(${s.service.caller.systemuserid})/lk_msdyn_copilotinteraction_createdby?$count=true&$top=1`)).json['@odata.count'], 'the property test row, three children and the orphan').to.equal(5);
    });

    it('answers a single-valued navigation property as a GET of the row it leads to: ETag, Preference-Applied, 304 when unchanged', async () => {
      const dataId = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'etag data' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      const id = (await call('POST', `${s.root}${SET}`, { msdyn_name: 'etag child', 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${dataId})` }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid;
      const url = `${s.root}${SET}(${id})/msdyn_interactiondataid?$select=msdyn_name,_createdby_value`;
      const r = await call('GET', url, undefined, { Prefer: 'odata.include-annotations="*"' });
      expect(r.status, r.text).to.equal(200);
      const etag = (await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})?$select=msdyn_name`)).headers.get('etag');
      expect(r.headers.get('etag')).to.equal(etag);
      expect(r.json['@odata.etag']).to.equal(etag);
      expect(r.headers.get('preference-applied')).to.equal('odata.include-annotations="*"');
      expect(r.json['_createdby_value@OData.Community.Display.V1.FormattedValue']).to.equal('SYSTEM');
      // A page size a single row does not use is not said to be applied.
      expect((await call('GET', url, undefined, { Prefer: 'odata.maxpagesize=1' })).headers.get('preference-applied')).to.equal(null);
      const unchanged = await call('GET', url, undefined, { 'If-None-Match': etag! });
      expect(unchanged.status).to.equal(304);
      expect(unchanged.headers.get('etag')).to.equal(etag);
      expect((await call('GET', url, undefined, { 'If-None-Match': 'W/"1"' })).status).to.equal(200);
    });

    it('answers a navigation, its $ref and its $count from a row that does not exist with 404, as a GET of the row', async () => {
      const missing = '0a1b2c3d-0000-4000-8000-0000000e0404';
      for (const path of [
        `msdyn_copilotinteractiondatas(${missing})/${CHILDREN}`, `msdyn_copilotinteractiondatas(${missing})/${CHILDREN}/$count`,
        `msdyn_copilotinteractiondatas(${missing})/${CHILDREN}/$ref`, `${SET}(${missing})/msdyn_interactiondataid`, `${SET}(${missing})/msdyn_interactiondataid/$ref`,
      ]) {
        const r = await call('GET', `${s.root}${path}`);
        expect(r.status, path).to.equal(404);
        expect(r.json.error.code, path).to.equal('0x80040217');
        expect(r.json.error.message, path).to.match(/ With Id = 0a1b2c3d-0000-4000-8000-0000000e0404 Does Not Exist$/);
      }
    });

    it('reads references ($ref) and counts ($count) through navigation properties', async () => {
      const dataId = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'refs' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      const ids: string[] = [];
      for (const n of [2, 1, 3]) {
        ids.push((await call('POST', `${s.root}${SET}`, { msdyn_name: `ref ${n}`, importsequencenumber: n, 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${dataId})` }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid);
      }
      const one = await call('GET', `${s.root}${SET}(${ids[0]})/msdyn_interactiondataid/$ref`);
      expect(one.status).to.equal(200);
      expect(one.json).to.deep.equal({ '@odata.context': `${s.root}$metadata#$ref`, '@odata.id': `${s.root}msdyn_copilotinteractiondatas(${dataId})` });
      const orphan = (await call('POST', `${s.root}${SET}`, { msdyn_name: 'no parent' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid;
      expect((await call('GET', `${s.root}${SET}(${orphan})/msdyn_interactiondataid/$ref`)).status).to.equal(204);
      const many = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}/$ref?$orderby=importsequencenumber&$filter=importsequencenumber ge 2`);
      expect(many.status).to.equal(200);
      expect(many.json).to.deep.equal({ '@odata.context': `${s.root}$metadata#Collection($ref)`, value: [ids[0], ids[2]].map((id) => ({ '@odata.id': `${s.root}${SET}(${id})` })) });
      const page = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}/$ref?$orderby=importsequencenumber`, undefined, { Prefer: 'odata.maxpagesize=2' });
      expect(page.json.value).to.have.length(2);
      expect(page.json['@odata.nextLink'].startsWith(`${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}/$ref?`)).to.equal(true);
      const rest = await call('GET', page.json['@odata.nextLink'], undefined, { Prefer: 'odata.maxpagesize=2' });
      expect(rest.json.value).to.deep.equal([{ '@odata.id': `${s.root}${SET}(${ids[2]})` }]);
      expect((await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}/$ref?$select=msdyn_name`)).status, '$select has no place in references').to.equal(400);

      const count = await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}/$count`);
      expect(count.status).to.equal(200);
      expect(count.headers.get('content-type')).to.contain('text/plain');
      expect(count.text).to.equal('3');
      expect((await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}/$count?$filter=importsequencenumber le 2`)).text).to.equal('2');
      expect((await call('GET', `${s.root}${SET}(${ids[0]})/msdyn_interactiondataid/$count`)).status, 'single-valued').to.equal(400);
      expect((await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})/nope/$count`)).status).to.equal(404);
    });

    it('creates a row linked to the parent by a POST to a collection-valued navigation property; not to a single-valued one', async () => {
      const dataId = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'post parent' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      const made = await call('POST', `${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}`, { msdyn_name: 'posted child' });
      expect(made.status, made.text).to.equal(204);
      const location = made.headers.get('odata-entityid')!;
      expect(location.startsWith(`${s.root}${SET}(`)).to.equal(true);
      expect((await call('GET', `${location}?$select=_msdyn_interactiondataid_value`)).json._msdyn_interactiondataid_value).to.equal(dataId);
      const shown = await call('POST', `${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}?$select=msdyn_name`, { msdyn_name: 'shown child' }, { Prefer: 'return=representation' });
      expect(shown.status).to.equal(201);
      expect(shown.json).to.include({ msdyn_name: 'shown child' });
      expect((await call('GET', `${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}/$count`)).text).to.equal('2');
      const other = await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'other parent' }, { Prefer: 'return=representation' });
      const elsewhere = await call('POST', `${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}`, { msdyn_name: 'torn', 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${other.json.msdyn_copilotinteractiondataid})` });
      expect(elsewhere.status, 'a body binding the way back elsewhere').to.equal(400);
      const stray = await call('POST', `${s.root}msdyn_copilotinteractiondatas(${dataId})/${CHILDREN}`, { msdyn_name: 'torn', msdyn_interactiondataid: { msdyn_name: 'stray parent' } });
      expect(stray.status, 'a body deep-inserting the way back').to.equal(400);
      expect((await call('GET', `${s.root}msdyn_copilotinteractiondatas/$count?$filter=msdyn_name eq 'stray parent'`)).text).to.equal('0');
      const orphaned = await call('POST', `${s.root}msdyn_copilotinteractiondatas(0a1b2c3d-0000-4000-8000-0000000e0407)/${CHILDREN}`, { msdyn_name: 'orphaned child' });
      expect(orphaned.status).to.equal(404);
      const single = await call('POST', `${s.root}${SET}(${/\(([0-9a-f-]{36})\)$/.exec(location)![1]})/msdyn_interactiondataid`, { msdyn_name: 'x' });
      expect(single.status).to.equal(405);
      expect(single.headers.get('allow')).to.equal('GET, HEAD');
      const maintained = await call('POST', `${s.root}systemusers(${s.service.caller.systemuserid})/lk_msdyn_copilotinteraction_createdby`, { msdyn_name: 'by the system lookup' });
      expect(maintained.status, 'a collection whose lookup the system maintains').to.equal(400);
      expect(maintained.json.error.message).to.contain("its lookup 'createdby' is maintained by the system");
      expect((await call('GET', `${s.root}${SET}/$count?$filter=msdyn_name eq 'torn' or msdyn_name eq 'orphaned child' or msdyn_name eq 'by the system lookup'`)).text, 'nothing written by the refusals').to.equal('0');
    });

    it('addresses paths past a navigation property from the row it leads to: single-valued, keyed collection rows, chains; 404 for unknown or unrelated', async () => {
      const dataId = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'chain data' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      const child = (await call('POST', `${s.root}${SET}`, { msdyn_name: 'chain child', 'msdyn_interactiondataid@odata.bind': `/msdyn_copilotinteractiondatas(${dataId})` }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid;
      const stranger = (await call('POST', `${s.root}${SET}`, { msdyn_name: 'chain stranger' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid;
      const data = `msdyn_copilotinteractiondatas(${dataId})`;

      const name = await call('GET', `${s.root}${SET}(${child})/msdyn_interactiondataid/msdyn_name`);
      expect(name.status, name.text).to.equal(200);
      expect(name.json.value).to.equal('chain data');
      const raw = await call('GET', `${s.root}${SET}(${child})/msdyn_interactiondataid/msdyn_name/$value`);
      expect(raw.text).to.equal('chain data');
      const user = await call('GET', `${s.root}${SET}(${child})/msdyn_interactiondataid/createdby/fullname`);
      expect(user.json.value, 'a chain of single-valued properties').to.equal('SYSTEM');
      const siblings = await call('GET', `${s.root}${SET}(${child})/msdyn_interactiondataid/${CHILDREN}?$select=msdyn_name`);
      expect(siblings.json.value.map((v: { msdyn_name: string }) => v.msdyn_name)).to.deep.equal(['chain child']);
      expect((await call('GET', `${s.root}${SET}(${child})/msdyn_interactiondataid/${CHILDREN}/$count`)).text).to.equal('1');

      const row = await call('GET', `${s.root}${data}/${CHILDREN}(${child})?$select=msdyn_name`);
      expect(row.status, row.text).to.equal(200);
      expect(row.json).to.include({ msdyn_name: 'chain child', msdyn_copilotinteractionid: child });
      expect((await call('GET', `${s.root}${data}/${CHILDREN}(msdyn_copilotinteractionid=${child})/msdyn_name`)).json.value, 'a named primary key').to.equal('chain child');
      const put = await call('PUT', `${s.root}${data}/${CHILDREN}(${child})/msdyn_name`, { value: 'renamed through the parent' });
      expect(put.status, put.text).to.equal(204);
      expect((await call('GET', `${s.root}${SET}(${child})/msdyn_name/$value`)).text).to.equal('renamed through the parent');

      const unrelated = await call('GET', `${s.root}${data}/${CHILDREN}(${stranger})/msdyn_name`);
      expect(unrelated.status, 'a row of the table that is not related').to.equal(404);
      expect(unrelated.json.error.code).to.equal('0x80040217');
      expect(unrelated.json.error.message).to.contain('is not linked');
      const unknown = await call('GET', `${s.root}${SET}(${child})/msdyn_interactiondataid/nope`);
      expect(unknown.status).to.equal(404);
      expect(unknown.json.error).to.deep.equal({ code: '0x8006088a', message: "Resource not found for the segment 'nope'." });
      const empty = await call('GET', `${s.root}${SET}(${stranger})/msdyn_interactiondataid/msdyn_name`);
      expect(empty.status, 'an empty lookup leads nowhere').to.equal(404);
      expect((await call('GET', `${s.root}${data}/${CHILDREN}/msdyn_name`)).status, 'a collection without a key').to.equal(400);
      expect((await call('GET', `${s.root}${SET}(${child})/msdyn_interactiondataid(${dataId})/msdyn_name`)).status, 'a key on a single-valued property').to.equal(400);
      expect((await call('GET', `${s.root}${SET}(0a1b2c3d-0000-4000-8000-0000000e0405)/msdyn_interactiondataid/msdyn_name`)).json.error.code, 'a missing first row').to.equal('0x80040217');
    });

    it('answers a path segment whose parenthesis is not closed at its end with ODL\'s syntax error, 400 0x8006088a, never 404', async () => {
      const id = (await call('POST', `${s.root}${SET}`, { msdyn_name: 'unclosed' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid;
      for (const [method, path] of [
        ['GET', 'WhoAmI('], ['GET', 'Microsoft.Dynamics.CRM.WhoAmI('], ['GET', 'WhoAmI(%20'], ['GET', 'RetrieveVersion()x'],
        ['GET', `${SET}(${id})/Microsoft.Dynamics.CRM.IsValidStateTransition(Entity=@e,NewState='Inactive',NewStatus=2?@e={"@odata.id":"${SET}(${id})"}`],
        ['GET', `${SET}(${id}`], ['PATCH', `${SET}(${id}`], ['GET', `${SET}(${id})/createdby(`], ['GET', "EntityDefinitions(LogicalName='msdyn_copilotinteraction'"],
        ['POST', `${SET}/Microsoft.Dynamics.CRM.CreateMultiple(`],
      ]) {
        const r = await call(method!, `${s.root}${path}`, method === 'GET' ? undefined : {});
        expect(r.status, `${method} ${path}: ${r.text}`).to.equal(400);
        expect(r.json.error, path).to.deep.equal({ code: '0x8006088a', message: 'Bad Request - Error in query syntax.' });
      }
      // Closed at the end, the same segments are read as before.
      expect((await call('GET', `${s.root}WhoAmI()`)).status).to.equal(200);
      expect((await call('GET', `${s.root}${SET}(${id})`)).status).to.equal(200);
    });

    it('answers a path with an empty segment, or going on past a property or $count/$ref/$value, with 404 naming the segment that is not found', async () => {
      const id = (await call('POST', `${s.root}${SET}`, { msdyn_name: 'segments' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid;
      const row = `${s.root}${SET}(${id})`;
      const notFound = async (path: string, segment: string) => {
        const r = await call('GET', `${row}/${path}`);
        expect(r.status, `${path}: ${r.text}`).to.equal(404);
        expect(r.json.error, path).to.deep.equal({ code: '0x8006088a', message: `Resource not found for the segment '${segment}'.` });
      };
      await notFound('createdby//fullname', '');
      await notFound('createdby/fullname//', '');
      await notFound('createdby//', '');
      await notFound('/createdby', '');
      await notFound('createdby/fullname/y', 'y');
      await notFound('createdby/fullname/%79', 'y');
      await notFound('createdby/fullname/$value/y', 'y');
      await notFound('createdby/fullname/$count', '$count');
      await notFound('createdby/fullname/$ref', '$ref');
      await notFound('msdyn_name/y', 'y');
      await notFound('msdyn_name/$count', '$count');
      await notFound('createdby/$ref/y', 'y');
      await notFound('createdby/nope/y', 'nope');
      const collection = await call('GET', `${s.root}${SET}//x`);
      expect(collection.status, collection.text).to.equal(404);
      expect(collection.json.error.message).to.equal("Resource not found for the segment ''.");
      expect((await call('GET', `${s.root}${SET}/$count/y`)).json.error.message).to.equal("Resource not found for the segment 'y'.");
      // One trailing slash is still accepted.
      expect((await call('GET', `${row}/createdby/fullname/`)).json.value).to.equal('SYSTEM');
    });
  });
}

for (const database of DATABASES) {
  describe(`$ref: associate and disassociate [${database.name}]`, () => {
    let s: TestServer;
    before(async () => { s = await startServer(undefined, database); });
    after(async () => { await s.close(); });

    it('sets and clears a lookup through single-valued and collection-valued $ref', async () => {
      const data = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'd' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      const other = (await call('POST', `${s.root}msdyn_copilotinteractiondatas`, { msdyn_name: 'other' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractiondataid;
      const id = (await call('POST', `${s.root}${SET}`, { msdyn_name: 'ref' }, { Prefer: 'return=representation' })).json.msdyn_copilotinteractionid;
      const lookup = async () => (await call('GET', `${s.root}${SET}(${id})?$select=_msdyn_interactiondataid_value`)).json._msdyn_interactiondataid_value;
      expect((await call('PUT', `${s.root}${SET}(${id})/msdyn_interactiondataid/$ref`, { '@odata.id': `${s.root}msdyn_copilotinteractiondatas(${data})` })).status).to.equal(204);
      expect(await lookup()).to.equal(data);
      expect((await call('DELETE', `${s.root}${SET}(${id})/msdyn_interactiondataid/$ref`)).status).to.equal(204);
      expect(await lookup()).to.equal(null);
      expect((await call('POST', `${s.root}msdyn_copilotinteractiondatas(${data})/${CHILDREN}/$ref`, { '@odata.id': `${s.root}${SET}(${id})` })).status).to.equal(204);
      expect(await lookup()).to.equal(data);
      const notLinked = await call('DELETE', `${s.root}msdyn_copilotinteractiondatas(${other})/${CHILDREN}(${id})/$ref`);
      expect(notLinked.status).to.equal(404);
      expect(notLinked.json.error).to.deep.equal({ code: '0x80040217', message: `msdyn_copilotinteraction With Id = ${id} is not linked to msdyn_copilotinteractiondata With Id = ${other} through '${CHILDREN}'` });
      expect(await lookup()).to.equal(data);
      expect((await call('DELETE', `${s.root}msdyn_copilotinteractiondatas(${data})/${CHILDREN}/$ref?$id=${encodeURIComponent(`${s.root}${SET}(${id})`)}`)).status).to.equal(204);
      expect(await lookup()).to.equal(null);
      expect((await call('POST', `${s.root}msdyn_copilotinteractiondatas(${data})/${CHILDREN}(${id})/$ref`)).status).to.equal(400);
      expect((await call('PUT', `${s.root}${SET}(${id})/msdyn_interactiondataid/$ref`, { '@odata.id': `${s.root}systemusers(${data})` })).status).to.equal(400);
      expect((await call('PUT', `${s.root}${SET}(${id})/msdyn_interactiondataid/$ref`, { '@odata.id': `${s.root}msdyn_copilotinteractiondatas(00000000-0000-0000-0000-000000000009)` })).status).to.equal(404);
      expect((await call('PUT', `${s.root}${SET}(${id})/createdby/$ref`, { '@odata.id': `${s.root}systemusers(${s.service.caller.systemuserid})` })).status).to.equal(400);
      expect((await call('PUT', `${s.root}${SET}(00000000-0000-0000-0000-000000000009)/msdyn_interactiondataid/$ref`, { '@odata.id': `${s.root}msdyn_copilotinteractiondatas(${data})` })).status).to.equal(404);
      // A $ref body is the reference alone: a property beside it is refused, not ignored; annotations may come along.
      for (const [method, url] of [['PUT', `${SET}(${id})/msdyn_interactiondataid/$ref`], ['POST', `msdyn_copilotinteractiondatas(${data})/${CHILDREN}/$ref`]] as const) {
        const extra = await call(method, `${s.root}${url}`, { '@odata.id': `${s.root}${method === 'PUT' ? `msdyn_copilotinteractiondatas(${data})` : `${SET}(${id})`}`, msdyn_name: 'renamed' });
        expect(extra.status, method).to.equal(400);
        expect(extra.json.error.code).to.equal('0x80048d19');
        expect(await lookup(), method).to.equal(null);
      }
      expect((await call('PUT', `${s.root}${SET}(${id})/msdyn_interactiondataid/$ref`, { '@odata.context': `${s.root}$metadata#$ref`, '@odata.id': `${s.root}msdyn_copilotinteractiondatas(${data})` })).status).to.equal(204);
      expect(await lookup()).to.equal(data);
    });
  });
}
