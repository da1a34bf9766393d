import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ImportError } from '../src/model/sources/columns.js';
import { voyadoTable } from '../src/model/sources/voyado.js';
import { buildModel } from '../src/model/loader.js';
import { call, DATABASES, runCli, SHIPPED_METADATA, startServer, withMetadataCopy } from './support/server.js';

/**
 * `tessera import voyado`: a Voyado Engage interaction schema (seeds/voyado-engage-interactions.md)
 * becomes a metadata file; the table is served like any other.
 */

/** The seed's example schema, as Voyado documents it. */
const REUSE = {
  id: 'Reuse-Spring-2023',
  displayName: 'Reuse Spring Sale',
  jsonSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      price: { type: 'integer', displayName: 'Price', showInContactCard: 'true', sortOrder: '1' },
      'purchase-timestamp': { type: 'string', format: 'date-time', displayName: 'Purchase timestamp', showInContactCard: 'true', sortOrder: '2' },
      name: { type: 'string', displayName: 'Name', showInContactCard: 'true', sortOrder: '0' },
    },
    required: ['name'],
  },
};

describe('Voyado interaction schemas as tables', () => {
  it('maps the schema: a column per property, the contact and date every interaction has, the name as primary name', () => {
    expect(voyadoTable(REUSE)).to.deep.equal({
      LogicalName: 'new_reuse_spring_2023',
      EntitySetName: 'new_reuse_spring_2023s',
      DisplayName: 'Reuse Spring Sale',
      Description: "Interactions of the Voyado Engage schema 'Reuse-Spring-2023'.",
      PrimaryIdAttribute: 'new_reuse_spring_2023id',
      PrimaryNameAttribute: 'new_name',
      OwnershipType: 'OrganizationOwned',
      Attributes: [
        { LogicalName: 'new_contactid', AttributeType: 'Uniqueidentifier', DisplayName: 'Contact', Description: 'The Engage contact the interaction belongs to.', RequiredLevel: 'ApplicationRequired' },
        { LogicalName: 'new_createddate', AttributeType: 'DateTime', DisplayName: 'Created date', Description: 'When the interaction happened.' },
        { LogicalName: 'new_price', AttributeType: 'Integer', DisplayName: 'Price' },
        { LogicalName: 'new_purchase_timestamp', AttributeType: 'DateTime', DisplayName: 'Purchase timestamp' },
        { LogicalName: 'new_name', AttributeType: 'String', DisplayName: 'Name', RequiredLevel: 'ApplicationRequired', MaxLength: 4000 },
      ],
      Indexes: [{ LogicalName: 'new_contactid', KeyAttributes: ['new_contactid', 'new_createddate'] }],
    });
  });

  it('maps formats, bounds and lengths, and adds a primary name when the schema has none', () => {
    const table = voyadoTable({ id: 'review', displayName: 'Review', jsonSchema: { type: 'object', properties: {
      stars: { type: 'integer', minimum: 1, maximum: 5 },
      views: { type: 'integer', maximum: 1e12 },
      score: { type: 'number', minimum: 0 },
      verified: { type: 'boolean' },
      day: { type: 'string', format: 'date' },
      productId: { type: 'string', format: 'uuid' },
      email: { type: 'string', format: 'email', maxLength: 200 },
      text: { type: 'string', maxLength: 10000, description: 'The review' },
    } } }, 'voy');
    expect(table.PrimaryNameAttribute).to.equal('voy_name');
    expect(table.Attributes.map((a) => [a.LogicalName, a.AttributeType, a.MaxLength, a.MinValue, a.MaxValue, a.DateTimeBehavior, a.Format])).to.deep.equal([
      ['voy_name', 'String', 100, undefined, undefined, undefined, undefined],
      ['voy_contactid', 'Uniqueidentifier', undefined, undefined, undefined, undefined, undefined],
      ['voy_createddate', 'DateTime', undefined, undefined, undefined, undefined, undefined],
      ['voy_stars', 'Integer', undefined, 1, 5, undefined, undefined],
      ['voy_views', 'BigInt', undefined, undefined, 1e12, undefined, undefined],
      ['voy_score', 'Double', undefined, 0, undefined, undefined, undefined],
      ['voy_verified', 'Boolean', undefined, undefined, undefined, undefined, undefined],
      ['voy_day', 'DateTime', undefined, undefined, undefined, 'DateOnly', undefined],
      ['voy_productid', 'Uniqueidentifier', undefined, undefined, undefined, undefined, undefined],
      ['voy_email', 'String', 200, undefined, undefined, undefined, 'Email'],
      ['voy_text', 'Memo', 10000, undefined, undefined, undefined, undefined],
    ]);
    expect(table.Attributes.find((a) => a.LogicalName === 'voy_text')!.Description).to.equal('The review');
  });

  it('writes bounds the loader takes: whole ones on integers (rounded inwards), none for a number past a double\'s range', () => {
    // JSON's 1e400 reads as Infinity: only a schema's text can hold it.
    const schema = JSON.parse('{"id":"bounds","jsonSchema":{"type":"object","properties":{"stars":{"type":"integer","minimum":1.5,"maximum":9.5},"score":{"type":"number","minimum":-1e400,"maximum":10}}}}');
    const table = voyadoTable(schema);
    expect(table.Attributes.slice(-2).map((a) => [a.LogicalName, a.AttributeType, a.MinValue, a.MaxValue])).to.deep.equal([
      ['new_stars', 'Integer', 2, 9], ['new_score', 'Double', undefined, 10],
    ]);
    const systemTables = ['systemuser', 'organization', 'businessunit'].map((t) => ({ source: `${t}.json`, json: JSON.parse(readFileSync(join(SHIPPED_METADATA, `${t}.json`), 'utf8')) }));
    expect(buildModel([...systemTables, { source: 'new_bounds.json', json: table }]).byLogicalName.has('new_bounds')).to.equal(true);
  });

  it('names every problem of a schema it cannot map', () => {
    let error: unknown;
    try {
      voyadoTable({ id: 'Höst-kampanj', jsonSchema: { type: 'object', required: ['missing'], properties: {
        address: { type: 'object', properties: {} }, tags: { type: 'array' }, odd: { type: 'null' },
        ContactId: { type: 'string' }, 'a-b': { type: 'string' }, a_b: { type: 'integer' },
      } } }, 'X');
    } catch (err) { error = err; }
    expect(error).to.be.instanceOf(ImportError);
    expect((error as ImportError).problems).to.deep.equal([
      "prefix 'X': must be 2 to 8 lower-case letters and digits, starting with a letter",
      'id: must be letters, digits, \'_\' and \'-\' (Voyado\'s rule), not "Höst-kampanj"',
      "property 'address': nested objects are not supported (Voyado allows no structure below the properties); flatten it into properties",
      "property 'tags': nested arrays are not supported (Voyado allows no structure below the properties); flatten it into properties",
      'property \'odd\': type must be "string", "number", "integer" or "boolean", not "null"',
      "property 'ContactId': makes the column 'X_contactid', as contactId (every interaction has it) does",
      "property 'a_b': makes the column 'X_a_b', as property 'a-b' does",
      "required: 'missing' is not a property",
    ]);
  });

  it('tessera import voyado writes the file into the metadata folder, refuses to overwrite it, and explains bad schemas', () =>
    withMetadataCopy((dir, work) => {
      const schema = join(work, 'reuse.json');
      writeFileSync(schema, JSON.stringify(REUSE));
      const run = (file: string) => runCli('import', 'voyado', file, '--metadata', dir);
      const first = run(schema);
      expect(first.status, first.stderr).to.equal(0);
      expect(first.stdout).to.contain('table new_reuse_spring_2023 (new_reuse_spring_2023s) with 5 columns');
      expect(JSON.parse(readFileSync(join(dir, 'new_reuse_spring_2023.json'), 'utf8'))).to.deep.equal(voyadoTable(REUSE));
      const again = run(schema);
      expect(again.status).to.equal(1);
      expect(again.stderr).to.match(/new_reuse_spring_2023\.json exists/);
      const bad = join(work, 'bad.json');
      writeFileSync(bad, JSON.stringify({ id: 'x y', jsonSchema: { type: 'object', properties: {} } }));
      const refused = run(bad);
      expect(refused.status).to.equal(1);
      expect(refused.stderr).to.equal('tessera: the schema cannot become a table (1 problem):\n  id: must be letters, digits, \'_\' and \'-\' (Voyado\'s rule), not "x y"\n');
      expect(existsSync(join(dir, 'new_x_y.json'))).to.equal(false);
    }));

  it('tessera import voyado cuts a table or column name past the SQL identifier limit to one that loads, the same on every import', () =>
    withMetadataCopy((dir, work) => {
      const long = 'purchase_confirmation_email_sent_to_the_customer_address_on_file';
      const schema = { id: `${long}-${long}`, jsonSchema: { type: 'object', properties: { [`${long}_1`]: { type: 'string' }, [`${long}_2`]: { type: 'integer' } } } };
      const table = voyadoTable(schema);
      expect(table.LogicalName).to.match(/^new_purchase_confirmation_email_sent_to_the_customer_[0-9a-f]{8}$/).and.have.length(61);
      expect(table.PrimaryIdAttribute).to.have.length(63);
      const columns = table.Attributes.slice(-2).map((a) => a.LogicalName);
      for (const c of columns) expect(c).to.match(/^new_purchase_confirmation_email_sent_to_the_customer_a_[0-9a-f]{8}$/).and.have.length(63);
      expect(columns[0]).to.not.equal(columns[1]);
      expect(table.Attributes.slice(-2).map((a) => a.DisplayName)).to.deep.equal([`${long}_1`, `${long}_2`]);
      expect(voyadoTable(schema)).to.deep.equal(table);
      writeFileSync(join(work, 'long.json'), JSON.stringify(schema));
      const r = runCli('import', 'voyado', join(work, 'long.json'), '--metadata', dir);
      expect(r.status, r.stderr).to.equal(0);
      expect(JSON.parse(readFileSync(join(dir, `${table.LogicalName}.json`), 'utf8'))).to.deep.equal(table);
    }));

  it('tessera import voyado into a folder without the system tables names the files to add there, and a missing folder as such', () =>
    withMetadataCopy((_dir, work) => {
      const schema = join(work, 'reuse.json');
      writeFileSync(schema, JSON.stringify(REUSE));
      const empty = join(work, 'empty');
      mkdirSync(empty);
      const refused = runCli('import', 'voyado', schema, '--metadata', empty);
      expect(refused.status).to.equal(1);
      expect(refused.stderr).to.contain(`lookup target 'systemuser' is not a table in the model (add ${join(empty, 'systemuser.json')})`);
      expect(refused.stderr).to.contain(`lookup target 'organization' is not a table in the model (add ${join(empty, 'organization.json')})`);
      expect(readdirSync(empty)).to.deep.equal([]);
      const missing = runCli('import', 'voyado', schema, '--metadata', join(work, 'missing'));
      expect(missing.status).to.equal(1);
      expect(missing.stderr).to.equal(`tessera: import: the metadata folder ${join(work, 'missing')} does not exist\n`);
    }));

  for (const database of DATABASES) {
    it(`serves the imported table: an interaction as Voyado's example sends it [${database.name}]`, () => withMetadataCopy(async (dir) => {
      writeFileSync(join(dir, 'new_reuse_spring_2023.json'), JSON.stringify(voyadoTable(REUSE)));
      const s = await startServer(dir, database);
      try {
        const contact = 'cf6d21fa-6e2b-481c-ab38-afa1012233ff';
        const created = await call('POST', `${s.root}new_reuse_spring_2023s`, { new_contactid: contact, new_createddate: '2023-05-23T11:13:42Z', new_price: 100, new_name: 'Reused Item' }, { Prefer: 'return=representation' });
        expect(created.status, created.text).to.equal(201);
        const list = await call('GET', `${s.root}new_reuse_spring_2023s?$select=new_name,new_price,new_createddate&$filter=new_contactid eq ${contact}`);
        expect(list.json.value.map((r: Record<string, unknown>) => [r['new_name'], r['new_price'], r['new_createddate']])).to.deep.equal([['Reused Item', 100, '2023-05-23T11:13:42Z']]);
        const badType = await call('POST', `${s.root}new_reuse_spring_2023s`, { new_contactid: contact, new_price: 'cheap' });
        expect(badType.status).to.equal(400);
      } finally {
        await s.close();
      }
    }));

    it(`keeps an integer property's bounds on the BigInt column it makes past Int32 [${database.name}]`, () => withMetadataCopy(async (dir) => {
      const table = voyadoTable({ id: 'views', jsonSchema: { type: 'object', properties: { views: { type: 'integer', minimum: 0, maximum: 1e12 } } } });
      writeFileSync(join(dir, `${table.LogicalName}.json`), JSON.stringify(table));
      const s = await startServer(dir, database);
      try {
        const post = (views: number) => call('POST', `${s.root}${table.EntitySetName}`, { new_views: views });
        expect((await post(1e12)).status).to.equal(204);
        for (const views of [-1, 1e12 + 1]) {
          const refused = await post(views);
          expect(refused.status, `${views}: ${refused.text}`).to.equal(400);
          expect(refused.json.error.code).to.equal('0x8004432F');
        }
      } finally {
        await s.close();
      }
    }));
  }
});
