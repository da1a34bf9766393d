import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { call, copyMetadata, createRow, DATABASES, startServer, type TestServer } from './support/server.js';

const SET = 'new_measures';

/**
 * A table of number columns: Decimal and Money at their largest Precision, with the widest ranges
 * the databases hold (past 10^21, where JavaScript writes an exponent), a Double, and a BigInt of
 * Dataverse's own range.
 */
const MEASURE = {
  LogicalName: 'new_measure', EntitySetName: SET, PrimaryIdAttribute: 'new_measureid', PrimaryNameAttribute: 'new_name',
  OwnershipType: 'OrganizationOwned',
  Attributes: [
    { LogicalName: 'new_name', AttributeType: 'String', MaxLength: 100 },
    { LogicalName: 'new_amount', AttributeType: 'Decimal', Precision: 10, MinValue: -1e27, MaxValue: 1e27 },
    { LogicalName: 'new_price', AttributeType: 'Money', Precision: 4, MinValue: -1e33, MaxValue: 1e33 },
    { LogicalName: 'new_ratio', AttributeType: 'Double', MinValue: -1e11, MaxValue: 1e11 },
    { LogicalName: 'new_huge', AttributeType: 'BigInt', MinValue: -9223372036854775808, MaxValue: 9223372036854775807 },
  ],
};

for (const database of DATABASES) {
  describe(`Number values [${database.name}]`, () => {
    let s: TestServer;
    let metadataDir: string;

    before(async () => {
      metadataDir = copyMetadata();
      writeFileSync(join(metadataDir, 'new_measure.json'), JSON.stringify(MEASURE));
      s = await startServer(metadataDir, database);
    });
    after(async () => {
      await s.close();
      rmSync(metadataDir, { recursive: true, force: true });
    });

    describe('Edm.Decimal in responses', () => {
      it('writes Decimal and Money values without an exponent, tiny and huge, with every stored digit; Double keeps JavaScript\'s notation', async () => {
        const tiny = await createRow(s, SET, { new_name: 'tiny', new_amount: 0.0000001234, new_price: 1.5e25, new_ratio: 1e-7 });
        const id = tiny.new_measureid as string;
        await createRow(s, SET, { new_name: 'tiny', new_amount: -1e-10, new_price: -1.2345e30, new_ratio: -2.5e-9 });
        await createRow(s, SET, { new_name: 'large', new_amount: 1.2e22, new_price: 0.0001 });
        const one = await call('GET', `${s.root}${SET}(${id})?$select=new_amount,new_price,new_ratio`);
        expect(one.status, one.text).to.equal(200);
        expect(one.text).to.contain('"new_amount":0.0000001234,"new_price":15000000000000000000000000,"new_ratio":1e-7');
        const all = await call('GET', `${s.root}${SET}?$select=new_amount,new_price,new_ratio&$orderby=new_amount`);
        expect(all.status, all.text).to.equal(200);
        expect(all.text).to.contain('"new_amount":-0.0000000001,"new_price":-1234500000000000000000000000000,"new_ratio":-2.5e-9');
        expect(all.text).to.contain('"new_amount":12000000000000000000000,"new_price":0.0001,"new_ratio":null');
        expect(all.text).not.to.match(/"new_(amount|price)":-?[\d.]+e/);
        // The JSON still reads as the same numbers.
        expect(all.json.value.map((r: any) => r.new_amount)).to.deep.equal([-1e-10, 0.0000001234, 1.2e22]);
      });

      it('writes them so in representations, property reads, $value and aggregates, FormattedValue keeping its Precision digits', async () => {
        const row = await createRow(s, SET, { new_name: 'formatted', new_amount: 0.0000005 });
        const id = row.new_measureid as string;
        const created = await call('POST', `${s.root}${SET}?$select=new_amount`, { new_name: 'formatted', new_amount: 0.0000005 }, { Prefer: 'return=representation' });
        expect(created.text).to.contain('"new_amount":0.0000005');
        const annotated = await call('GET', `${s.root}${SET}(${id})?$select=new_amount`, undefined, { Prefer: 'odata.include-annotations="*"' });
        expect(annotated.text).to.contain('"new_amount@OData.Community.Display.V1.FormattedValue":"0.0000005000","new_amount":0.0000005');
        for (const metadata of ['none', 'full']) {
          const r = await call('GET', `${s.root}${SET}(${id})?$select=new_amount`, undefined, { Accept: `application/json;odata.metadata=${metadata}` });
          expect(r.text, metadata).to.contain('"new_amount":0.0000005');
        }
        const property = await call('GET', `${s.root}${SET}(${id})/new_amount`);
        expect(property.text).to.contain('"value":0.0000005');
        expect((await call('GET', `${s.root}${SET}(${id})/new_amount/$value`)).text).to.equal('0.0000005');
        const sum = await call('GET', `${s.root}${SET}?$apply=filter(new_name eq 'formatted')/aggregate(new_amount with sum as total)`);
        expect(sum.status, sum.text).to.equal(200);
        expect(sum.text).to.contain('"total":0.000001');
        const min = await call('GET', `${s.root}${SET}?$apply=filter(new_name eq 'formatted')/aggregate(new_amount with min as lo)`);
        expect(min.text).to.contain('"lo":0.0000005');
      });

      it('keeps a client\'s string that looks like the internal number text a string', async () => {
        const r = await createRow(s, SET, { new_name: '"tessera-decimal-x:1"' });
        const read = await call('GET', `${s.root}${SET}(${r.new_measureid})?$select=new_name`);
        expect(read.json.new_name).to.equal('"tessera-decimal-x:1"');
      });
    });

    describe('whole numbers past 2^53 in conditions', () => {
      // 2^53 + 1 is no double: read as a number it is 2^53, which a row holds here.
      const BETWEEN = '9007199254740993';
      const names = async (query: string) => {
        const r = await call('GET', `${s.root}${SET}?$select=new_name&$filter=startswith(new_name,'big ') and (${query})&$orderby=new_name`);
        expect(r.status, `${query}: ${r.text}`).to.equal(200);
        return r.json.value.map((x: any) => x.new_name);
      };
      const fetched = async (condition: string) => {
        const xml = `<fetch><entity name="new_measure"><attribute name="new_name"/><filter><condition attribute="new_name" operator="like" value="big %"/>${condition}</filter><order attribute="new_name"/></entity></fetch>`;
        const r = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(xml)}`);
        expect(r.status, r.text).to.equal(200);
        return r.json.value.map((x: any) => x.new_name);
      };

      before(async () => {
        await createRow(s, SET, { new_name: 'big 2^53', new_huge: 9007199254740992 });
        await createRow(s, SET, { new_name: 'big 2^53+2', new_huge: '9007199254740994' });
        await createRow(s, SET, { new_name: 'big none' });
      });

      it('compares a $filter literal with an Int64 column exactly, not as its nearest double', async () => {
        expect(await names(`new_huge eq ${BETWEEN}`)).to.deep.equal([]);
        expect(await names(`new_huge ge ${BETWEEN}`)).to.deep.equal(['big 2^53+2']);
        expect(await names(`new_huge gt ${BETWEEN}`)).to.deep.equal(['big 2^53+2']);
        expect(await names(`new_huge le ${BETWEEN}`)).to.deep.equal(['big 2^53']);
        expect(await names(`new_huge lt ${BETWEEN}`)).to.deep.equal(['big 2^53']);
        expect(await names(`new_huge ne ${BETWEEN}`)).to.deep.equal(['big 2^53', 'big 2^53+2', 'big none']);
        expect(await names(`not (new_huge le -${BETWEEN})`)).to.deep.equal(['big 2^53', 'big 2^53+2', 'big none']);
        expect(await names('new_huge eq 9007199254740992')).to.deep.equal(['big 2^53']);
        expect(await names('new_huge eq 9007199254740994')).to.deep.equal(['big 2^53+2']);
        // Through a parameter alias, and as the values of Dataverse's query functions.
        const alias = await call('GET', `${s.root}${SET}?$select=new_name&$filter=new_huge ge @p&@p=${BETWEEN}`);
        expect(alias.json.value.map((x: any) => x.new_name)).to.deep.equal(['big 2^53+2']);
        expect(await names(`Microsoft.Dynamics.CRM.In(PropertyName='new_huge',PropertyValues=["${BETWEEN}","9007199254740995"])`)).to.deep.equal([]);
        expect(await names(`Microsoft.Dynamics.CRM.Between(PropertyName='new_huge',PropertyValues=["${BETWEEN}","9007199254740995"])`)).to.deep.equal(['big 2^53+2']);
      });

      it('compares a FetchXML condition value with an Int64 column exactly', async () => {
        expect(await fetched(`<condition attribute="new_huge" operator="eq" value="${BETWEEN}"/>`)).to.deep.equal([]);
        expect(await fetched(`<condition attribute="new_huge" operator="ge" value="${BETWEEN}"/>`)).to.deep.equal(['big 2^53+2']);
        expect(await fetched(`<condition attribute="new_huge" operator="in"><value>${BETWEEN}</value><value>9007199254740992</value></condition>`)).to.deep.equal(['big 2^53']);
      });

      it('answers literals past what an int8 holds as the comparison implies, without binding them', async () => {
        expect(await names('new_huge eq 99999999999999999999')).to.deep.equal([]);
        expect(await names('new_huge lt 99999999999999999999')).to.deep.equal(['big 2^53', 'big 2^53+2']);
        expect(await names('new_huge gt -9223372036854775809')).to.deep.equal(['big 2^53', 'big 2^53+2']);
        expect(await names('new_huge ne 9223372036854775807')).to.deep.equal(['big 2^53', 'big 2^53+2', 'big none']);
      });
    });

    describe('Edm.Int64 past 2^53 in responses', () => {
      // 1152921504606846977 sent as a JSON number is the double 2^60, which int8 stores exactly;
      // JavaScript writes that double `1152921504606847000`, an integer never stored.
      const HELD = '1152921504606846976';

      it('writes the exact integer stored in every response kind, $value and FormattedValue, and finds it with $filter', async () => {
        const created = await call('POST', `${s.root}${SET}?$select=new_huge`, `{"new_name":"int64 exact","new_huge":1152921504606846977}`, { Prefer: 'return=representation' });
        expect(created.status, created.text).to.equal(201);
        expect(created.text).to.contain(`"new_huge":${HELD}`);
        const id = created.json.new_measureid as string;
        await createRow(s, SET, { new_name: 'int64 exact', new_huge: -9007199254740994 });
        const one = await call('GET', `${s.root}${SET}(${id})?$select=new_huge`);
        expect(one.text).to.contain(`"new_huge":${HELD}`);
        for (const metadata of ['none', 'full']) {
          const r = await call('GET', `${s.root}${SET}(${id})?$select=new_huge`, undefined, { Accept: `application/json;odata.metadata=${metadata}` });
          expect(r.text, metadata).to.contain(`"new_huge":${HELD}`);
        }
        const annotated = await call('GET', `${s.root}${SET}(${id})?$select=new_huge`, undefined, { Prefer: 'odata.include-annotations="*"' });
        expect(annotated.text).to.contain(`"new_huge@OData.Community.Display.V1.FormattedValue":"1,152,921,504,606,846,976","new_huge":${HELD}`);
        expect((await call('GET', `${s.root}${SET}(${id})/new_huge`)).text).to.contain(`"value":${HELD}`);
        expect((await call('GET', `${s.root}${SET}(${id})/new_huge/$value`)).text).to.equal(HELD);
        const filtered = await call('GET', `${s.root}${SET}?$select=new_huge&$filter=new_huge eq ${HELD}`);
        expect(filtered.status, filtered.text).to.equal(200);
        expect(filtered.json.value.map((r: any) => r.new_measureid)).to.deep.equal([id]);
        expect(filtered.text).to.contain(`"new_huge":${HELD}`);
        const all = await call('GET', `${s.root}${SET}?$select=new_huge&$filter=new_name eq 'int64 exact'&$orderby=new_huge`);
        expect(all.text).to.match(/"new_huge":-9007199254740994,.*"new_huge":1152921504606846976\b/);
        const max = await call('GET', `${s.root}${SET}?$apply=filter(new_name eq 'int64 exact')/aggregate(new_huge with max as hi)`);
        expect(max.text).to.contain(`"hi":${HELD}`);
        const xml = `<fetch><entity name="new_measure"><attribute name="new_huge"/><filter><condition attribute="new_huge" operator="eq" value="${HELD}"/></filter></entity></fetch>`;
        const fetched = await call('GET', `${s.root}${SET}?fetchXml=${encodeURIComponent(xml)}`);
        expect(fetched.text).to.contain(`"new_huge":${HELD}`);
        expect(`${one.text}${all.text}${max.text}${fetched.text}`).not.to.contain('1152921504606847000');
      });
    });

    describe('number bounds in EntityDefinitions', () => {
      it('writes DecimalAttributeMetadata bounds (Edm.Decimal) in plain notation and BigIntAttributeMetadata bounds (Edm.Int64) exactly', async () => {
        const attributes = `${s.root}EntityDefinitions(LogicalName='new_measure')/Attributes`;
        const decimal = await call('GET', `${attributes}(LogicalName='new_amount')/Microsoft.Dynamics.CRM.DecimalAttributeMetadata?$select=MinValue,MaxValue`);
        expect(decimal.status, decimal.text).to.equal(200);
        expect(decimal.text).to.contain('"MinValue":-1000000000000000000000000000,"MaxValue":1000000000000000000000000000');
        const big = await call('GET', `${attributes}(LogicalName='new_huge')/Microsoft.Dynamics.CRM.BigIntAttributeMetadata?$select=MinValue,MaxValue`);
        expect(big.text).to.contain('"MinValue":-9223372036854774784,"MaxValue":9223372036854774784');
        // The same in a collection and expanded from the table, where filtering still sees numbers.
        const listed = await call('GET', `${attributes}/Microsoft.Dynamics.CRM.DecimalAttributeMetadata?$select=MinValue&$filter=MinValue lt -1000000`);
        expect(listed.status, listed.text).to.equal(200);
        expect(listed.text).to.contain('"MinValue":-1000000000000000000000000000');
        const expanded = await call('GET', `${s.root}EntityDefinitions(LogicalName='new_measure')?$select=LogicalName&$expand=Attributes($filter=LogicalName eq 'new_amount')`);
        expect(expanded.text).to.contain('"MinValue":-1000000000000000000000000000');
        expect(`${decimal.text}${big.text}${listed.text}${expanded.text}`).not.to.match(/"M(in|ax)Value":-?[\d.]+e/);
      });

      it('describes a Money column\'s precision as its own (PrecisionSource 0), in the transaction currency, not calculated', async () => {
        const attributes = `${s.root}EntityDefinitions(LogicalName='new_measure')/Attributes`;
        const money = await call('GET', `${attributes}(LogicalName='new_price')/Microsoft.Dynamics.CRM.MoneyAttributeMetadata?$select=Precision,PrecisionSource,IsBaseCurrency,CalculationOf,FormulaDefinition,SourceTypeMask`);
        expect(money.status, money.text).to.equal(200);
        const { '@odata.context': _context, ...price } = money.json;
        expect(price).to.deep.equal({
          '@odata.type': '#Microsoft.Dynamics.CRM.MoneyAttributeMetadata', MetadataId: price.MetadataId, Precision: 4, PrecisionSource: 0, IsBaseCurrency: false, CalculationOf: null,
          FormulaDefinition: null, SourceTypeMask: 0,
        });
        const decimal = await call('GET', `${attributes}/Microsoft.Dynamics.CRM.DecimalAttributeMetadata?$select=LogicalName,FormulaDefinition,SourceTypeMask&$filter=SourceTypeMask eq 0`);
        expect(decimal.json.value.map((a: any) => [a.LogicalName, a.FormulaDefinition, a.SourceTypeMask])).to.deep.equal([['new_amount', null, 0]]);
      });
    });
  });
}
