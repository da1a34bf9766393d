import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ImportError } from '../src/model/sources/columns.js';
import { customerInsightsTable } from '../src/model/sources/customer-insights.js';
import { call, DATABASES, runCli, startServer, withMetadataCopy } from './support/server.js';

/**
 * `tessera import customer-insights`: a Customer Insights interaction type
 * (seeds/customer-insights-*.md) becomes a metadata file; the table is served like any other.
 */

/** The ARM request body of the seed (Create or Update Interaction Type). */
const ARM_BODY = {
  idPropertyNames: ['TestInteractionType6358'],
  primaryParticipantProfilePropertyName: 'profile1',
  apiEntitySetName: 'TestInteractionType6358',
  fields: [{ fieldName: 'TestInteractionType6358', fieldType: 'Edm.String', isArray: false, isRequired: true }, { fieldName: 'profile1', fieldType: 'Edm.String' }],
  smallImage: '\\\\Images\\\\smallImage',
};

/** An interaction type with a name, dates and numbers, as an ARM response wraps it. */
const OPENED = {
  name: 'EmailOpened',
  properties: {
    apiEntitySetName: 'EmailsOpened',
    displayName: { 'de-de': 'E-Mail geöffnet', 'en-us': 'Email opened' },
    idPropertyNames: ['MessageId', 'Receiver'],
    timestampPropertyName: 'TimeOpened',
    fields: [
      { fieldName: 'MessageId', fieldType: 'Edm.Guid', isRequired: true },
      { fieldName: 'Receiver', fieldType: 'Edm.String', isRequired: true },
      { fieldName: 'Subject', fieldType: 'Edm.String', isName: true },
      { fieldName: 'TimeOpened', fieldType: 'Edm.DateTimeOffset' },
      { fieldName: 'Day', fieldType: 'Edm.Date' },
      { fieldName: 'Clicks', fieldType: 'Edm.Int32' },
      { fieldName: 'Bytes', fieldType: 'Edm.Int64' },
      { fieldName: 'Score', fieldType: 'Edm.Double' },
      { fieldName: 'Cost', fieldType: 'Edm.Decimal' },
      { fieldName: 'Mobile', fieldType: 'Edm.Boolean' },
    ],
  },
};

describe('Customer Insights interaction types as tables', () => {
  it('maps the seed\'s ARM body: a column per field, the id properties as an alternate key, an added primary name', () => {
    const table = customerInsightsTable(ARM_BODY);
    expect(table).to.deep.include({ LogicalName: 'new_testinteractiontype6358', EntitySetName: 'new_testinteractiontype6358', PrimaryIdAttribute: 'new_testinteractiontype6358id', PrimaryNameAttribute: 'new_name' });
    expect(table.Attributes.map((a) => [a.LogicalName, a.AttributeType, a.MaxLength, a.RequiredLevel])).to.deep.equal([
      ['new_name', 'String', 100, undefined],
      ['new_testinteractiontype6358', 'String', 450, 'ApplicationRequired'],
      ['new_profile1', 'String', 4000, undefined],
    ]);
    expect(table.Keys).to.deep.equal([{ LogicalName: 'new_testinteractiontype6358_key', KeyAttributes: ['new_testinteractiontype6358'] }]);
  });

  it('maps every Edm type, the English display name, the isName field and the timestamp index, under `properties`', () => {
    const table = customerInsightsTable(OPENED, 'ci');
    expect(table).to.deep.include({ LogicalName: 'ci_emailopened', EntitySetName: 'ci_emailsopened', DisplayName: 'Email opened', PrimaryNameAttribute: 'ci_subject' });
    expect(table.Attributes.map((a) => [a.LogicalName, a.AttributeType, a.DateTimeBehavior])).to.deep.equal([
      ['ci_messageid', 'Uniqueidentifier', undefined], ['ci_receiver', 'String', undefined], ['ci_subject', 'String', undefined],
      ['ci_timeopened', 'DateTime', undefined], ['ci_day', 'DateTime', 'DateOnly'], ['ci_clicks', 'Integer', undefined],
      ['ci_bytes', 'BigInt', undefined], ['ci_score', 'Double', undefined], ['ci_cost', 'Decimal', undefined], ['ci_mobile', 'Boolean', undefined],
    ]);
    expect(table.Keys).to.deep.equal([{ LogicalName: 'ci_emailopened_key', KeyAttributes: ['ci_messageid', 'ci_receiver'] }]);
    expect(table.Indexes).to.deep.equal([{ LogicalName: 'ci_timeopened', KeyAttributes: ['ci_timeopened'] }]);
  });

  it('reads property names whatever their case, as the seed\'s JSON example writes them', () => {
    const table = customerInsightsTable({
      IdPropertyNames: ['TestInteractionType6358'], ApiEntitySetName: 'Test6358Opened', TimestampPropertyName: 'TimeOpened', TypeName: 'TestInteractionType6358',
      Fields: [
        { FieldName: 'TestInteractionType6358', FieldType: 'Edm.String', IsRequired: true },
        { FieldName: 'TimeOpened', FieldType: 'Edm.DateTimeOffset', DisplayName: { 'en-US': 'Time opened' } },
      ],
    }, 'ci');
    expect(table).to.deep.include({ LogicalName: 'ci_testinteractiontype6358', EntitySetName: 'ci_test6358opened' });
    expect(table.Keys).to.deep.equal([{ LogicalName: 'ci_testinteractiontype6358_key', KeyAttributes: ['ci_testinteractiontype6358'] }]);
    expect(table.Indexes).to.deep.equal([{ LogicalName: 'ci_timeopened', KeyAttributes: ['ci_timeopened'] }]);
    expect(table.Attributes.find((a) => a.LogicalName === 'ci_timeopened')).to.deep.include({ DisplayName: 'Time opened' });
    expect(table.Attributes.find((a) => a.LogicalName === 'ci_testinteractiontype6358')).to.deep.include({ RequiredLevel: 'ApplicationRequired' });
  });

  it('names every problem of a definition it cannot map', () => {
    let error: unknown;
    try {
      customerInsightsTable({ fields: [
        { fieldName: 'Tags', fieldType: 'Edm.String', isArray: true }, { fieldName: 'When', fieldType: 'Edm.Time' },
        { fieldType: 'Edm.String' }, { fieldName: 'a-b', fieldType: 'Edm.String' }, { fieldName: 'A_B', fieldType: 'Edm.Int32' },
      ], idPropertyNames: ['Missing'], timestampPropertyName: 'a-b' });
    } catch (err) { error = err; }
    expect(error).to.be.instanceOf(ImportError);
    expect((error as ImportError).problems).to.deep.equal([
      'typeName: the interaction type needs a name (typeName, name or apiEntitySetName)',
      "field 'Tags': arrays have no column type; store them as rows of another table",
      `field 'When': fieldType must be one of ${['Edm.String', 'Edm.Int16', 'Edm.Int32', 'Edm.Int64', 'Edm.Double', 'Edm.Single', 'Edm.Decimal', 'Edm.Boolean', 'Edm.DateTimeOffset', 'Edm.DateTime', 'Edm.Date', 'Edm.Guid'].join(', ')}, not "Edm.Time"`,
      'fields[2]: fieldName must be a name',
      "field 'A_B': makes the column 'new_a_b', as field 'a-b' does",
      "idPropertyNames: 'Missing' is not a field",
      "timestampPropertyName: 'a-b' is not a date field",
    ]);
  });

  it('cuts a table or column name past the SQL identifier limit, the same on every import', () => {
    const long = 'NumberOfTimesTheCustomerOpenedTheEmailBeforeClickingAnyLinkInIt';
    const definition = { typeName: `${long}Type`, fields: [{ fieldName: `${long}A`, fieldType: 'Edm.Int32' }, { fieldName: `${long}B`, fieldType: 'Edm.String' }], idPropertyNames: [`${long}B`] };
    const table = customerInsightsTable(definition);
    expect(table.LogicalName).to.match(/^new_numberoftimesthecustomeropenedtheemailbeforeclic_[0-9a-f]{8}$/).and.have.length(61);
    const columns = table.Attributes.slice(-2).map((a) => a.LogicalName);
    for (const c of columns) expect(c).to.match(/^new_numberoftimesthecustomeropenedtheemailbeforeclicki_[0-9a-f]{8}$/).and.have.length(63);
    expect(columns[0]).to.not.equal(columns[1]);
    expect(table.Keys![0]!.KeyAttributes).to.deep.equal([columns[1]]);
    expect(customerInsightsTable(definition)).to.deep.equal(table);
  });

  it('tessera import customer-insights writes the file into the metadata folder', () =>
    withMetadataCopy((dir, work) => {
      writeFileSync(join(work, 'opened.json'), JSON.stringify(OPENED));
      const r = runCli('import', 'customer-insights', join(work, 'opened.json'), '--prefix', 'ci', '--metadata', dir);
      expect(r.status, r.stderr).to.equal(0);
      expect(JSON.parse(readFileSync(join(dir, 'ci_emailopened.json'), 'utf8'))).to.deep.equal(customerInsightsTable(OPENED, 'ci'));
      const unknown = runCli('import', 'dynamics', join(work, 'opened.json'), '--metadata', dir);
      expect(unknown.status).to.equal(1);
      expect(unknown.stderr).to.equal("tessera: import: unknown source 'dynamics'; known: voyado, customer-insights, dataverse\n");
    }));

  for (const database of DATABASES) {
    it(`serves the imported table: an upsert by the alternate key of the id properties [${database.name}]`, () => withMetadataCopy(async (dir) => {
      writeFileSync(join(dir, 'ci_emailopened.json'), JSON.stringify(customerInsightsTable(OPENED, 'ci')));
      const s = await startServer(dir, database);
      try {
        const message = '0f8fad5b-d9cb-469f-a165-70867728950e';
        const key = `ci_emailsopened(ci_messageid=${message},ci_receiver='ann@example.com')`;
        const first = await call('PATCH', `${s.root}${key}`, { ci_subject: 'Spring', ci_timeopened: '2026-11-01T10:00:00Z', ci_clicks: 2 });
        expect(first.status, first.text).to.equal(204);
        expect((await call('PATCH', `${s.root}${key}`, { ci_clicks: 3 })).status).to.equal(204);
        const rows = await call('GET', `${s.root}ci_emailsopened?$select=ci_subject,ci_clicks,ci_receiver`);
        expect(rows.json.value.map((r: Record<string, unknown>) => [r['ci_subject'], r['ci_clicks'], r['ci_receiver']])).to.deep.equal([['Spring', 3, 'ann@example.com']]);
      } finally {
        await s.close();
      }
    }));
  }
});
