import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildModel, loadModel, ModelError } from '../src/model/loader.js';
import { setOnCreate } from '../src/model/system-columns.js';
import { planCreate } from '../src/plan/write.js';
import { SYSTEM_CALLER } from '../src/security/callers.js';
import { call, copyMetadata, DATABASES, SHIPPED_METADATA, startServer, withMetadataCopy } from './support/server.js';
import { RELATIONSHIP_FILES, TAGS } from './support/relationship-metadata.js';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.js');

/** The shipped metadata files, parsed. */
function shippedFiles(): Array<{ source: string; json: unknown }> {
  return readdirSync(SHIPPED_METADATA).filter((n) => n.endsWith('.json')).map((n) => ({ source: n, json: JSON.parse(readFileSync(join(SHIPPED_METADATA, n), 'utf8')) }));
}

function problemsOf(fn: () => unknown): ModelError['problems'] {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ModelError);
    return (err as ModelError).problems;
  }
  expect.fail('expected a ModelError');
}

describe('metadata files', () => {
  it('ships msdyn_copilotinteraction with every column of its reference page', () => {
    const model = loadModel(SHIPPED_METADATA);
    const e = model.byLogicalName.get('msdyn_copilotinteraction')!;
    expect(e.EntitySetName).to.equal('msdyn_copilotinteractions');
    expect(e.PrimaryIdAttribute).to.equal('msdyn_copilotinteractionid');
    expect(e.PrimaryNameAttribute).to.equal('msdyn_name');
    expect(e.OwnershipType).to.equal('OrganizationOwned');
    const declared = e.Attributes.filter((a) => !a.IsSystemSupplied).map((a) => a.LogicalName);
    for (const name of ['importsequencenumber', 'msdyn_clienttimestamp', 'msdyn_copilotinteractionid', 'msdyn_interactioncontext',
      'msdyn_interactiondataid', 'msdyn_interactionforid', 'msdyn_interactionforlogicalname', 'msdyn_interactiontype', 'msdyn_name',
      'msdyn_scenariorequestid', 'msdyn_scenariotype', 'overriddencreatedon', 'statecode', 'statuscode', 'timezoneruleversionnumber',
      'utcconversiontimezonecode', 'createdby', 'createdbyname', 'createdbyyominame', 'createdon', 'createdonbehalfby',
      'createdonbehalfbyname', 'createdonbehalfbyyominame', 'modifiedby', 'modifiedbyname', 'modifiedbyyominame', 'modifiedon',
      'modifiedonbehalfby', 'modifiedonbehalfbyname', 'modifiedonbehalfbyyominame', 'msdyn_interactiondataidname', 'organizationid',
      'organizationidname', 'versionnumber']) {
      expect(declared, name).to.include(name);
    }
    const a = (n: string) => e.attributesByName.get(n)!;
    expect(a('msdyn_name')).to.include({ AttributeType: 'String', MaxLength: 100, RequiredLevel: 'ApplicationRequired' });
    expect(a('msdyn_interactioncontext')).to.include({ AttributeType: 'Memo', MaxLength: 1048576 });
    expect(a('timezoneruleversionnumber')).to.include({ MinValue: -1, MaxValue: 2147483647 });
    expect(a('statecode')).to.include({ IsValidForCreate: false, IsValidForUpdate: true });
    expect(a('createdon')).to.include({ IsValidForCreate: false, IsValidForUpdate: false, DateTimeBehavior: 'UserLocal' });
    expect(a('msdyn_interactiondataid').Targets).to.deep.equal(['msdyn_copilotinteractiondata']);
    expect(a('createdbyname')).to.include({ AttributeOf: 'createdby', IsStored: false });
    expect(a('msdyn_interactiontype').OptionSet!.Options).to.have.length(15);
    expect(a('msdyn_scenariotype').OptionSet!.Options).to.have.length(16);
    expect(a('statecode').OptionSet!.Options.map((o) => [o.Value, o.DefaultStatus])).to.deep.equal([[0, 1], [1, 2]]);
    expect(a('statuscode').OptionSet!.Options.map((o) => [o.Value, o.State])).to.deep.equal([[1, 0], [2, 1]]);
    for (const t of ['systemuser', 'organization', 'msdyn_copilotinteractiondata']) expect(model.byLogicalName.has(t), t).to.equal(true);
  });

  it('supplies the standard system columns to a short table file', () => {
    const model = loadModel(SHIPPED_METADATA);
    const data = model.byLogicalName.get('msdyn_copilotinteractiondata')!;
    for (const name of ['createdon', 'createdby', 'modifiedon', 'modifiedby', 'createdonbehalfby', 'modifiedonbehalfby', 'versionnumber', 'statecode', 'statuscode', 'organizationid']) {
      expect(data.attributesByName.get(name)?.IsSystemSupplied, name).to.equal(true);
    }
    const userOwned = buildModel([
      { source: 'a.json', json: { LogicalName: 'new_thing', EntitySetName: 'new_things', PrimaryIdAttribute: 'new_thingid', OwnershipType: 'UserOwned', Attributes: [] } },
      ...['systemuser', 'organization', 'businessunit', 'team'].map((t) => ({ source: `${t}.json`, json: JSON.parse(readFileSync(join(SHIPPED_METADATA, `${t}.json`), 'utf8')) })),
    ]).byLogicalName.get('new_thing')!;
    expect(userOwned.attributesByName.get('ownerid')!.AttributeType).to.equal('Owner');
    expect(userOwned.attributesByName.get('new_thingid')!.AttributeType).to.equal('Uniqueidentifier');
  });

  it('reports every problem with file, JSON pointer and reason', () => {
    const problems = problemsOf(() => buildModel([
      { source: 'bad.json', json: { LogicalName: 'bad', EntitySetName: 'bads', PrimaryIdAttribute: 'badid', Attributes: [
        { LogicalName: 'x', AttributeType: 'String', MaxLength: 0 },
        { LogicalName: 'y', AttributeType: 'Nope' },
        { LogicalName: 'z', AttributeType: 'Integer', Colour: 'red' },
      ] } },
    ]));
    expect(problems.every((p) => p.file === 'bad.json')).to.equal(true);
    const pointers = problems.map((p) => p.pointer);
    expect(pointers).to.include('/Attributes/0/MaxLength');
    expect(pointers).to.include('/Attributes/1/AttributeType');
    expect(problems.find((p) => p.pointer === '/Attributes/2')!.reason).to.contain("unknown property 'Colour'");
  });

  it('says which property a column of its AttributeType may not have or needs, not what ajv\'s if/then/else says', () => {
    const problems = problemsOf(() => buildModel([
      { source: 'bad.json', json: { LogicalName: 'bad', EntitySetName: 'bads', PrimaryIdAttribute: 'badid', Attributes: [
        { LogicalName: 'new_n', AttributeType: 'Integer', MaxLength: 5 },
        { LogicalName: 'new_b', AttributeType: 'Boolean', OptionSet: { Options: [{ Value: 1, Label: 'Yes' }] } },
        { LogicalName: 'new_s', AttributeType: 'String', Targets: ['systemuser'] },
        { LogicalName: 'new_l', AttributeType: 'Lookup' },
        { LogicalName: 'new_p', AttributeType: 'Picklist' },
        { LogicalName: 'new_x', AttributeType: 'Nope', MaxLength: 5 },
      ] } },
    ]));
    expect(problems.map((p) => `${p.file} ${p.pointer} ${p.reason}`)).to.deep.equal([
      'bad.json /Attributes/0/MaxLength MaxLength is only for columns of type String or Memo, not Integer',
      'bad.json /Attributes/1/OptionSet OptionSet is only for columns of type Picklist, State or Status, not Boolean',
      'bad.json /Attributes/2/Targets Targets is only for columns of type Lookup, Owner or Customer, not String',
      'bad.json /Attributes/3 a column of type Lookup needs Targets',
      'bad.json /Attributes/4 a column of type Picklist needs OptionSet',
      `bad.json /Attributes/5/AttributeType must be equal to one of the allowed values: ${['String', 'Memo', 'Integer', 'BigInt', 'Decimal', 'Double', 'Money', 'Boolean', 'DateTime', 'Uniqueidentifier', 'Lookup', 'Owner', 'Customer', 'Picklist', 'State', 'Status', 'EntityName', 'File', 'Image'].join(', ')}`,
    ]);
  });

  it('says that statecode and statuscode go together when a file declares one that the engine\'s other does not fit', () => {
    const table = (attributes: object[]) => ({ source: 'new_t.json', json: {
      LogicalName: 'new_t', EntitySetName: 'new_ts', PrimaryIdAttribute: 'new_tid', OwnershipType: 'OrganizationOwned', Attributes: attributes,
    } });
    const text = (attributes: object[]) => problemsOf(() => buildModel([...shippedFiles(), table(attributes)])).map((p) => `${p.file} ${p.pointer} ${p.reason}`);
    expect(text([{ LogicalName: 'statecode', AttributeType: 'State', OptionSet: { Options: [{ Value: 0, Label: 'Open', DefaultStatus: 1 }] } }])).to.deep.equal([
      "new_t.json /Attributes/0/OptionSet statecode is declared without statuscode, and the engine's statuscode (1 of state 0, 2 of state 1) does not fit its options; declare statecode and statuscode together, each status with its State and each state with its DefaultStatus",
    ]);
    expect(text([{ LogicalName: 'statuscode', AttributeType: 'Status', OptionSet: { Options: [{ Value: 1, Label: 'Open', State: 0 }, { Value: 7, Label: 'Lost', State: 3 }] } }])).to.deep.equal([
      'new_t.json /Attributes/0/OptionSet/Options/1/State status 7 must name one of the states 0, 1',
      "new_t.json /Attributes/0/OptionSet statuscode is declared without statecode, and the engine's statecode (0 with DefaultStatus 1, 1 with DefaultStatus 2) does not fit its options; declare statecode and statuscode together, each status with its State and each state with its DefaultStatus",
    ]);
    // Statuses that fit the engine's states need no statecode of their own.
    const fits = buildModel([...shippedFiles(), table([{ LogicalName: 'statuscode', AttributeType: 'Status', OptionSet: { Options: [
      { Value: 1, Label: 'Open', State: 0 }, { Value: 3, Label: 'Waiting', State: 0 }, { Value: 2, Label: 'Closed', State: 1 },
    ] } }])]);
    expect(fits.byLogicalName.get('new_t')!.attributesByName.get('statuscode')!.OptionSet!.Options).to.have.length(3);
  });

  it('reads only table files: hidden files, folders and dangling links named *.json are skipped; a byte order mark is allowed', () => {
    const dir = copyMetadata();
    try {
      writeFileSync(join(dir, '._new_thing.json'), 'not json');
      mkdirSync(join(dir, 'backup.json'));
      symlinkSync(join(dir, 'nowhere.json'), join(dir, '.#organization.json'));
      symlinkSync(join(dir, 'nowhere.json'), join(dir, 'dangling.json'));
      writeFileSync(join(dir, 'new_thing.json'), `\uFEFF${JSON.stringify({ LogicalName: 'new_thing', EntitySetName: 'new_things', PrimaryIdAttribute: 'new_thingid', OwnershipType: 'OrganizationOwned', Attributes: [] })}`);
      expect(loadModel(dir).byLogicalName.has('new_thing')).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses table names Tessera keeps for itself and SchemaNames that differ only in case (their privileges would share names)', () => {
    const table = (LogicalName: string, SchemaName?: string) => ({ source: `${LogicalName}.json`, json: {
      LogicalName, ...(SchemaName ? { SchemaName } : {}), EntitySetName: `${LogicalName}s`, PrimaryIdAttribute: `${LogicalName}id`, OwnershipType: 'OrganizationOwned', Attributes: [],
    } });
    const reserved = problemsOf(() => buildModel([table('tessera_deletedrow')]));
    expect(reserved.map((p) => [p.pointer, p.reason])).to.deep.include(['/LogicalName', "table names starting with 'tessera_' are reserved for Tessera's own bookkeeping tables; choose another prefix"]);
    const clash = problemsOf(() => buildModel([table('new_q1', 'new_Q2'), table('new_q2')]));
    expect(clash.map((p) => p.reason).join('\n')).to.contain("SchemaName 'new_q2' differs only in case from table 'new_q1''s 'new_Q2'");
  });

  it('refuses table and column names longer than 63 characters, which PostgreSQL would cut short, derived names included', () => {
    const name = (length: number, end = '') => `new_${'x'.repeat(length - 4 - end.length)}${end}`;
    const table = (LogicalName: string, extra: object = {}) => ({ source: 'new_t.json', json: {
      LogicalName, EntitySetName: 'new_ts', PrimaryIdAttribute: 'new_tid', OwnershipType: 'None', HasStateModel: false, Attributes: [], ...extra,
    } });
    const text = (files: Array<{ source: string; json: unknown }>) => problemsOf(() => buildModel([...shippedFiles(), ...files])).map((p) => `${p.file} ${p.pointer} ${p.reason}`);
    const limit = 'table and column names are SQL identifiers, at most 63 characters (PostgreSQL\'s limit, which would cut it short), on every database';
    expect(text([table(name(64), { PrimaryIdAttribute: name(64, 'id'), Attributes: [
      { LogicalName: name(70, 'a'), AttributeType: 'String' },
      { LogicalName: name(63), AttributeType: 'String' },
      { LogicalName: name(60), AttributeType: 'Lookup', Targets: ['systemuser', 'organization'] },
    ] })])).to.deep.equal([
      `new_t.json /LogicalName '${name(64)}' has 64 characters; ${limit}`,
      `new_t.json /PrimaryIdAttribute '${name(64, 'id')}' has 64 characters; ${limit}`,
      `new_t.json /Attributes/0/LogicalName '${name(70, 'a')}' has 70 characters; ${limit}`,
    ]);
    expect(text([table('new_t', { Attributes: [{ LogicalName: name(60), AttributeType: 'Lookup', Targets: ['systemuser', 'organization'] }] })])).to.deep.equal([
      `new_t.json /Attributes/0/LogicalName the lookup's type column '${name(60)}type' has 64 characters; ${limit}; shorten the lookup's name or declare its type column (an EntityName column with AttributeOf '${name(60)}')`,
    ]);
    // A name of 63 characters is a column; so is a long lookup's declared type column.
    const model = buildModel([...shippedFiles(), table('new_t', { Attributes: [
      { LogicalName: name(63), AttributeType: 'String' },
      { LogicalName: name(60), AttributeType: 'Lookup', Targets: ['systemuser', 'organization'] },
      { LogicalName: 'new_polytype', AttributeType: 'EntityName', AttributeOf: name(60) },
    ] })]);
    expect(model.byLogicalName.get('new_t')!.attributesByName.has(name(63))).to.equal(true);
    const nn = (extra: object) => table('new_t', { ManyToManyRelationships: [{ SchemaName: name(62), Entity1LogicalName: 'new_t', Entity2LogicalName: 'systemuser', ...extra }] });
    expect(text([nn({})])).to.deep.equal([
      `new_t.json /ManyToManyRelationships/0/SchemaName the intersect table's key column '${name(62)}id' has 64 characters; ${limit}; set IntersectEntityName to at most 61 characters`,
    ]);
    expect(text([nn({ IntersectEntityName: name(63), Entity1IntersectAttribute: name(64) })])).to.deep.equal([
      `new_t.json /ManyToManyRelationships/0/Entity1IntersectAttribute '${name(64)}' has 64 characters; ${limit}`,
    ]);
    expect(text([nn({ IntersectEntityName: name(62) })])).to.deep.equal([
      `new_t.json /ManyToManyRelationships/0/IntersectEntityName the intersect table's key column '${name(62)}id' has 64 characters; ${limit}; set IntersectEntityName to at most 61 characters`,
    ]);
  });

  it('lets a file declare an engine-supplied column only as the engine\'s column: same type, targets and date behaviour, no more writable', () => {
    const table = (attributes: object[]) => ({ source: 'new_t.json', json: {
      LogicalName: 'new_t', EntitySetName: 'new_ts', PrimaryIdAttribute: 'new_tid', OwnershipType: 'OrganizationOwned', Attributes: attributes,
    } });
    const problems = problemsOf(() => buildModel([...shippedFiles(), table([
      { LogicalName: 'createdon', AttributeType: 'String', MaxLength: 5 },
      { LogicalName: 'versionnumber', AttributeType: 'BigInt', IsValidForCreate: true, IsValidForUpdate: true },
      { LogicalName: 'modifiedby', AttributeType: 'Lookup', Targets: ['organization'] },
      { LogicalName: 'modifiedon', AttributeType: 'DateTime', DateTimeBehavior: 'DateOnly' },
      { LogicalName: 'createdby', AttributeType: 'Lookup', Targets: ['systemuser'], AttributeOf: 'modifiedby' },
      { LogicalName: 'importsequencenumber', AttributeType: 'Integer', IsValidForUpdate: true },
      { LogicalName: 'new_tid', AttributeType: 'Uniqueidentifier', IsValidForUpdate: true },
    ])]));
    expect(problems.map((p) => `${p.file} ${p.pointer} ${p.reason}`)).to.deep.equal([
      "new_t.json /Attributes/0/AttributeType 'createdon' is a column the engine supplies (DateTime); declare it as DateTime or leave it out",
      "new_t.json /Attributes/1/IsValidForCreate 'versionnumber' is a column the engine supplies, not valid for create (the engine sets it or it never changes); IsValidForCreate must be false or left out",
      "new_t.json /Attributes/1/IsValidForUpdate 'versionnumber' is a column the engine supplies, not valid for update (the engine sets it or it never changes); IsValidForUpdate must be false or left out",
      "new_t.json /Attributes/2/Targets 'modifiedby' is a column the engine supplies, a lookup to systemuser; declare the same Targets",
      "new_t.json /Attributes/3/DateTimeBehavior 'modifiedon' is a column the engine supplies, with DateTimeBehavior UserLocal; declare the same",
      "new_t.json /Attributes/4/AttributeOf 'createdby' is a column the engine supplies, a stored column of its own; it cannot be AttributeOf another",
      "new_t.json /Attributes/5/IsValidForUpdate 'importsequencenumber' is a column the engine supplies, not valid for update (the engine sets it or it never changes); IsValidForUpdate must be false or left out",
      "new_t.json /Attributes/6/IsValidForUpdate 'new_tid' is a column the engine supplies, not valid for update (the engine sets it or it never changes); IsValidForUpdate must be false or left out",
    ]);
    expect(problemsOf(() => buildModel([...shippedFiles(), table([{ LogicalName: 'versionnumber', AttributeType: 'Integer' }])])).map((p) => `${p.pointer} ${p.reason}`)).to.deep.equal([
      "/Attributes/0/AttributeType 'versionnumber' is a column the engine supplies (BigInt); declare it as BigInt or leave it out",
    ]);
    // Declared as the engine's, with its own labels and without the flags: the engine's flags.
    const model = buildModel([...shippedFiles(), table([
      { LogicalName: 'versionnumber', AttributeType: 'BigInt', DisplayName: 'Row version' },
      { LogicalName: 'createdon', AttributeType: 'DateTime', RequiredLevel: 'ApplicationRequired' },
      { LogicalName: 'timezoneruleversionnumber', AttributeType: 'Integer', IsValidForUpdate: false },
    ])]);
    const a = (name: string) => model.byLogicalName.get('new_t')!.attributesByName.get(name)!;
    expect([a('versionnumber'), a('createdon'), a('timezoneruleversionnumber')].map((c) => [c.LogicalName, c.IsValidForCreate, c.IsValidForUpdate, c.IsSystemSupplied])).to.deep.equal([
      ['versionnumber', false, false, false], ['createdon', false, false, false], ['timezoneruleversionnumber', true, false, false],
    ]);
    expect(a('versionnumber').DisplayName).to.equal('Row version');
  });

  /** A table of number columns with the bounds given (Decimal of Precision 10, Money, Integer), for the storage bound tests. */
  const numbers = (decimal: object, money: object = {}, integer: object = {}) => ({ source: 'new_n.json', json: {
    LogicalName: 'new_n', EntitySetName: 'new_ns', PrimaryIdAttribute: 'new_nid', OwnershipType: 'OrganizationOwned', Attributes: [
      { LogicalName: 'new_d', AttributeType: 'Decimal', Precision: 10, ...decimal },
      { LogicalName: 'new_m', AttributeType: 'Money', ...money },
      { LogicalName: 'new_i', AttributeType: 'Integer', ...integer },
    ],
  } });

  it('keeps Decimal and Money bounds within what numeric(38,p) holds, below 10^(38-p), as Integer and BigInt bounds are kept within their columns', () => {
    const model = buildModel([...shippedFiles(), numbers({ MinValue: -1e30, MaxValue: 1e30 }, { MaxValue: 1e40 })]);
    const a = (name: string) => model.byLogicalName.get('new_n')!.attributesByName.get(name)!;
    expect([a('new_d').MinValue, a('new_d').MaxValue, a('new_m').MinValue, a('new_m').MaxValue]).to.deep.equal([-9.99999999999999e27, 9.99999999999999e27, -922337203685477, 9.99999999999999e33]);
    const problems = problemsOf(() => buildModel([...shippedFiles(), numbers({ MinValue: 1e30 }, { MaxValue: -1e35 }, { MinValue: 3e9 })]));
    expect(problems.map((p) => `${p.file} ${p.pointer} ${p.reason}`)).to.deep.equal([
      'new_n.json /Attributes/0/MinValue MinValue 1e+30 is above 9.99999999999999e+27, the largest value a column of type Decimal (Precision 10) holds',
      'new_n.json /Attributes/1/MaxValue MaxValue -1e+35 is below -9.99999999999999e+33, the smallest value a column of type Money (Precision 4) holds',
      'new_n.json /Attributes/2/MinValue MinValue 3000000000 is above 2147483647, the largest value a column of type Integer holds',
    ]);
  });

  it('keeps Double bounds within ±100,000,000,000, the range Dataverse allows a Floating Point Number column', () => {
    const doubles = (bounds: object) => ({ source: 'new_f.json', json: {
      LogicalName: 'new_f', EntitySetName: 'new_fs', PrimaryIdAttribute: 'new_fid', OwnershipType: 'OrganizationOwned',
      Attributes: [{ LogicalName: 'new_x', AttributeType: 'Double', ...bounds }],
    } });
    const x = buildModel([...shippedFiles(), doubles({ MinValue: -1e300, MaxValue: 1e300 })]).byLogicalName.get('new_f')!.attributesByName.get('new_x')!;
    expect([x.MinValue, x.MaxValue]).to.deep.equal([-100000000000, 100000000000]);
    expect(problemsOf(() => buildModel([...shippedFiles(), doubles({ MinValue: 2e11 })])).map((p) => `${p.file} ${p.pointer} ${p.reason}`)).to.deep.equal([
      'new_f.json /Attributes/0/MinValue MinValue 200000000000 is above 100000000000, the largest value a column of type Double holds',
    ]);
  });

  it('refuses bounds that are no finite number, fractions on Integer and BigInt columns, and a MinValue above the MaxValue', () => {
    // JSON's 1e400 reads as Infinity: only a file's text can hold it.
    const json = JSON.parse(`{"LogicalName":"new_b","EntitySetName":"new_bs","PrimaryIdAttribute":"new_bid","OwnershipType":"OrganizationOwned","Attributes":[
      {"LogicalName":"new_i","AttributeType":"Integer","MinValue":1.5},
      {"LogicalName":"new_g","AttributeType":"BigInt","MinValue":-2.5,"MaxValue":1e400},
      {"LogicalName":"new_f","AttributeType":"Double","MaxValue":1e400},
      {"LogicalName":"new_d","AttributeType":"Decimal","MinValue":-1e400,"MaxValue":5},
      {"LogicalName":"new_m","AttributeType":"Money","MinValue":10,"MaxValue":5}]}`);
    expect(problemsOf(() => buildModel([...shippedFiles(), { source: 'new_b.json', json }])).map((p) => `${p.file} ${p.pointer} ${p.reason}`)).to.deep.equal([
      'new_b.json /Attributes/0/MinValue MinValue 1.5 is not a whole number, as the bounds of a column of type Integer are',
      'new_b.json /Attributes/1/MinValue MinValue -2.5 is not a whole number, as the bounds of a column of type BigInt are',
      'new_b.json /Attributes/1/MaxValue MaxValue Infinity is not a finite number (a number past ±1.7976931348623157e308 reads as Infinity)',
      'new_b.json /Attributes/2/MaxValue MaxValue Infinity is not a finite number (a number past ±1.7976931348623157e308 reads as Infinity)',
      'new_b.json /Attributes/3/MinValue MinValue -Infinity is not a finite number (a number past ±1.7976931348623157e308 reads as Infinity)',
      'new_b.json /Attributes/4/MinValue MinValue 10 is greater than MaxValue 5',
    ]);
  });

  for (const database of DATABASES) {
    it(`stores a Decimal at its widest bound and refuses one past it with a 400, not a database fault [${database.name}]`, () => withMetadataCopy(async (dir) => {
      writeFileSync(join(dir, 'new_n.json'), JSON.stringify(numbers({ MinValue: -1e30, MaxValue: 1e30 }).json));
      const s = await startServer(dir, database);
      try {
        const widest = await call('POST', `${s.root}new_ns`, { new_d: -9.99999999999999e27 }, { Prefer: 'return=representation' });
        expect(widest.status, widest.text).to.equal(201);
        expect(widest.json.new_d).to.equal(-9.99999999999999e27);
        const past = await call('POST', `${s.root}new_ns`, { new_d: 1e29 });
        expect(past.status, past.text).to.equal(400);
        expect(past.json.error.message).to.contain('Accepted Values: -9.99999999999999e+27 to 9.99999999999999e+27');
      } finally {
        await s.close();
      }
    }));
  }

  it('refuses a DateTime Format that is no DateTimeFormat, and DateAndTime on a DateOnly column, as Dataverse does', () => {
    const problems = problemsOf(() => buildModel([
      { source: 'dates.json', json: { LogicalName: 'new_dates', EntitySetName: 'new_dateses', PrimaryIdAttribute: 'new_datesid', Attributes: [
        { LogicalName: 'new_a', AttributeType: 'DateTime', DateTimeBehavior: 'DateOnly', Format: 'DateAndTime' },
        { LogicalName: 'new_b', AttributeType: 'DateTime', DateTimeBehavior: 'TimeZoneIndependent', Format: 'Email' },
        { LogicalName: 'new_c', AttributeType: 'DateTime', DateTimeBehavior: 'DateOnly', Format: 'DateOnly' },
        { LogicalName: 'new_d', AttributeType: 'DateTime', DateTimeBehavior: 'UserLocal', Format: 'DateOnly' },
        { LogicalName: 'new_e', AttributeType: 'DateTime', DateTimeBehavior: 'DateOnly' },
      ] } },
    ]));
    expect(problems.map((p) => `${p.file} ${p.pointer} ${p.reason}`)).to.deep.equal([
      "dates.json /Attributes/0/Format a column with DateTimeBehavior DateOnly holds dates without a time: its Format is DateOnly (or left out), not 'DateAndTime'",
      "dates.json /Attributes/1/Format a DateTime column's Format is DateOnly or DateAndTime, not 'Email'",
    ]);
  });

  it('refuses a SystemRequired column that is not valid for create and that the engine does not set: no row could be created', () => {
    const table = (attributes: object[]) => ({ source: 'new_t.json', json: {
      LogicalName: 'new_t', EntitySetName: 'new_ts', PrimaryIdAttribute: 'new_tid', OwnershipType: 'UserOwned', Attributes: attributes,
    } });
    expect(problemsOf(() => buildModel([...shippedFiles(), table([
      { LogicalName: 'new_code', AttributeType: 'String', RequiredLevel: 'SystemRequired', IsValidForCreate: false },
      { LogicalName: 'versionnumber', AttributeType: 'BigInt', RequiredLevel: 'SystemRequired' },
    ])])).map((p) => `${p.file} ${p.pointer} ${p.reason}`)).to.deep.equal([
      "new_t.json /Attributes/0/RequiredLevel 'new_code' is SystemRequired but not valid for create, and the engine does not set it: no row could be created; make it valid for create or choose another RequiredLevel",
      "new_t.json /Attributes/1/RequiredLevel 'versionnumber' is SystemRequired but not valid for create, and the engine does not set it: no row could be created; make it valid for create or choose another RequiredLevel",
    ]);
    // Columns every Create sets may be required and read-only.
    const required = { RequiredLevel: 'SystemRequired', IsValidForCreate: false };
    const model = buildModel([...shippedFiles(), table([
      { LogicalName: 'createdon', AttributeType: 'DateTime', ...required },
      { LogicalName: 'modifiedby', AttributeType: 'Lookup', Targets: ['systemuser'], ...required },
      { LogicalName: 'owninguser', AttributeType: 'Lookup', Targets: ['systemuser'], ...required },
      { LogicalName: 'statuscode', AttributeType: 'Status', OptionSet: { Options: [{ Value: 1, Label: 'Active', State: 0 }, { Value: 2, Label: 'Inactive', State: 1 }] }, ...required },
    ])]);
    expect(model.byLogicalName.get('new_t')!.attributesByName.get('statuscode')!.RequiredLevel).to.equal('SystemRequired');
    // setOnCreate (the loader's list) names only columns a Create of an empty body does set (plan/write.ts).
    const checked: string[] = [];
    for (const e of model.entities.filter((x) => !x.IsIntersect)) {
      // The body fills the columns the table itself requires; the stamps are what is checked.
      const body = Object.fromEntries(e.Attributes.filter((a) => a.RequiredLevel === 'SystemRequired' && a.IsValidForCreate && a.AttributeType === 'String').map((a) => [a.LogicalName, 'x']));
      let plan;
      try { plan = planCreate(model, e, body, SYSTEM_CALLER); } catch { continue; }
      const stamped = new Set([...plan.values.keys()].map((a) => a.LogicalName));
      for (const a of e.Attributes) if (a.IsStored && setOnCreate(e, a.LogicalName)) expect(stamped.has(a.LogicalName), `${e.LogicalName}.${a.LogicalName}`).to.equal(true);
      checked.push(e.LogicalName);
    }
    expect(checked).to.include.members(['new_t', 'msdyn_copilotinteraction', 'systemuser']);
  });

  for (const database of DATABASES) {
    it(`sorts by a lookup or a choice label whose column name has 63 characters, the most there is [${database.name}]`, () => withMetadataCopy(async (dir) => {
      const lookup = `new_${'l'.repeat(59)}`;
      const choice = `new_${'c'.repeat(59)}`;
      writeFileSync(join(dir, 'new_t.json'), JSON.stringify({ LogicalName: 'new_t', EntitySetName: 'new_ts', PrimaryIdAttribute: 'new_tid', PrimaryNameAttribute: 'new_name', OwnershipType: 'OrganizationOwned', Attributes: [
        { LogicalName: 'new_name', AttributeType: 'String' },
        { LogicalName: lookup, AttributeType: 'Lookup', Targets: ['new_t'] },
        { LogicalName: choice, AttributeType: 'Picklist', OptionSet: { Options: [{ Value: 1, Label: 'b' }, { Value: 2, Label: 'a' }] } },
      ] }));
      const s = await startServer(dir, database);
      try {
        const parent = await call('POST', `${s.root}new_ts`, { new_name: 'p', [choice]: 1 }, { Prefer: 'return=representation' });
        for (const name of ['c1', 'c2']) expect((await call('POST', `${s.root}new_ts`, { new_name: name, [choice]: 2, [`${lookup}@odata.bind`]: `/new_ts(${parent.json.new_tid})` })).status).to.equal(204);
        const first = await call('GET', `${s.root}new_ts?$select=new_name&$orderby=_${lookup}_value desc,new_name`, undefined, { Prefer: 'odata.maxpagesize=1' });
        expect(first.status, first.text).to.equal(200);
        const next = await call('GET', first.json['@odata.nextLink'], undefined, { Prefer: 'odata.maxpagesize=1' });
        expect([...first.json.value, ...next.json.value].map((r: { new_name: string }) => r.new_name)).to.deep.equal(['c1', 'c2']);
        const fetch = await call('GET', `${s.root}new_ts?fetchXml=${encodeURIComponent(`<fetch><entity name="new_t"><attribute name="new_name"/><order attribute="${choice}"/><order attribute="new_name"/></entity></fetch>`)}`);
        expect(fetch.status, fetch.text).to.equal(200);
        expect(fetch.json.value.map((r: { new_name: string }) => r.new_name)).to.deep.equal(['c1', 'c2', 'p']);
      } finally {
        await s.close();
      }
    }));
  }

  it('reads CascadeConfiguration.Delete of a lookup (RemoveLink by default, Restrict on system lookups) and refuses it elsewhere', () => {
    const file = (attributes: object[]) => ({ source: 'new_a.json', json: {
      LogicalName: 'new_a', EntitySetName: 'new_as', PrimaryIdAttribute: 'new_aid', OwnershipType: 'UserOwned', HasStateModel: false, Attributes: attributes,
    } });
    const model = buildModel([...shippedFiles(), file([
      { LogicalName: 'new_parent', AttributeType: 'Lookup', Targets: ['new_a'], CascadeConfiguration: { Delete: 'Cascade' } },
      { LogicalName: 'new_data', AttributeType: 'Lookup', Targets: ['msdyn_copilotinteractiondata'] },
    ])]);
    const deleteOf = (table: string, column: string) => [...model.byLogicalName.get(table)!.navigation.values()]
      .find((n) => n.kind === 'single' && !n.intersect && n.relationship.ReferencingAttribute.LogicalName === column)!.relationship as { CascadeConfiguration: { Delete: string } };
    expect(deleteOf('new_a', 'new_parent').CascadeConfiguration.Delete).to.equal('Cascade');
    expect(deleteOf('new_a', 'new_data').CascadeConfiguration.Delete).to.equal('RemoveLink');
    expect(deleteOf('msdyn_copilotinteraction', 'msdyn_interactiondataid').CascadeConfiguration.Delete).to.equal('RemoveLink');
    for (const system of ['createdby', 'modifiedby', 'ownerid', 'owninguser']) expect(deleteOf('new_a', system).CascadeConfiguration.Delete, system).to.equal('Restrict');
    const problems = problemsOf(() => buildModel([...shippedFiles(), file([
      { LogicalName: 'new_name', AttributeType: 'String', CascadeConfiguration: { Delete: 'Cascade' } },
      { LogicalName: 'new_parent', AttributeType: 'Lookup', Targets: ['new_a'], CascadeConfiguration: { Delete: 'NoCascade' } },
      { LogicalName: 'new_other', AttributeType: 'Lookup', Targets: ['new_a'], CascadeConfiguration: { Assign: 'Sometimes', Colour: 'Cascade' } },
    ])]));
    expect(problems.map((p) => `${p.pointer} ${p.reason}`)).to.have.members([
      '/Attributes/1/CascadeConfiguration/Delete must be equal to one of the allowed values: Cascade, RemoveLink, Restrict',
      '/Attributes/2/CascadeConfiguration/Assign must be equal to one of the allowed values: NoCascade, Cascade, Active, UserOwned, RemoveLink, Restrict',
      "/Attributes/2/CascadeConfiguration unknown property 'Colour'",
    ]);
    // Dataverse's whole CascadeConfiguration is accepted as it writes it; the other actions are kept as declared.
    const full = buildModel([...shippedFiles(), file([{ LogicalName: 'new_parent', AttributeType: 'Lookup', Targets: ['new_a'], CascadeConfiguration: {
      Assign: 'Cascade', Delete: 'Cascade', Merge: 'NoCascade', Reparent: 'Cascade', Share: 'Cascade', Unshare: 'Cascade', RollupView: 'NoCascade', Archive: 'RemoveLink',
    } }])]);
    const config = [...full.byLogicalName.get('new_a')!.navigation.values()].find((n) => n.Name === 'new_parent')!.relationship as unknown as { CascadeConfiguration: object };
    expect(config.CascadeConfiguration).to.deep.equal({
      Assign: 'Cascade', Delete: 'Cascade', Merge: 'NoCascade', Reparent: 'Cascade', Share: 'Cascade', Unshare: 'Cascade', RollupView: 'NoCascade', Archive: 'RemoveLink',
    });
    const misplaced = problemsOf(() => buildModel([...shippedFiles(), file([{ LogicalName: 'new_name', AttributeType: 'String', CascadeConfiguration: { Delete: 'Cascade' } }])]));
    expect(misplaced.map((p) => `${p.pointer} ${p.reason}`)).to.deep.equal([
      '/Attributes/0/CascadeConfiguration CascadeConfiguration is what deleting a referenced row does to the rows of a lookup; only a Lookup, Customer or Owner column has one',
    ]);
  });

  it('gives every table an ObjectTypeCode: Dataverse\'s for system tables, a stable one from the name, or the declared one, unique', () => {
    const file = (name: string, code?: number) => ({ source: `${name}.json`, json: {
      LogicalName: name, EntitySetName: `${name}s`, PrimaryIdAttribute: `${name}id`, OwnershipType: 'None', HasStateModel: false, Attributes: [], ...(code ? { ObjectTypeCode: code } : {}),
    } });
    const model = buildModel([...shippedFiles(), file('new_a'), file('new_b', 12345)]);
    const code = (name: string) => model.byLogicalName.get(name)!.ObjectTypeCode;
    expect([code('systemuser'), code('organization'), code('new_b')]).to.deep.equal([8, 1019, 12345]);
    expect(code('new_a')).to.be.within(10_000, 99_999);
    expect(buildModel([...shippedFiles(), file('new_a')]).byLogicalName.get('new_a')!.ObjectTypeCode, 'the same on every load').to.equal(code('new_a'));
    const clash = problemsOf(() => buildModel([...shippedFiles(), file('new_a', 8)]));
    expect(clash.map((p) => `${p.file} ${p.pointer} ${p.reason}`)).to.deep.equal(["new_a.json /ObjectTypeCode ObjectTypeCode 8 is also table 'systemuser''s; declare another"]);
  });

  it('reports cross-file problems: missing lookup targets, bad state models, duplicate names', () => {
    const problems = problemsOf(() => buildModel([
      { source: 'a.json', json: { LogicalName: 'new_a', EntitySetName: 'new_as', PrimaryIdAttribute: 'new_aid', OwnershipType: 'None', HasStateModel: false, Attributes: [
        { LogicalName: 'new_ref', AttributeType: 'Lookup', Targets: ['new_missing'] },
        { LogicalName: 'new_ref', AttributeType: 'String' },
      ] } },
      { source: 'b.json', json: { LogicalName: 'new_b', EntitySetName: 'new_bs', PrimaryIdAttribute: 'new_bid', OwnershipType: 'None', Attributes: [
        { LogicalName: 'statuscode', AttributeType: 'Status', OptionSet: { Options: [{ Value: 1, Label: 'A', State: 7 }] } },
      ] } },
    ]));
    const text = problems.map((p) => `${p.file} ${p.pointer} ${p.reason}`).join('\n');
    expect(text).to.contain("a.json /Attributes/1/LogicalName duplicate attribute 'new_ref'");
    expect(text).to.contain("b.json /Attributes/0/OptionSet/Options/0/State");
  });

  it('reports TransitionData lines that move from another status, name none, or go to an unknown one', () => {
    const line = (attributes: string) => `<allowedtransitions xmlns="http://schemas.microsoft.com/crm/2009/WebServices"><allowedtransition ${attributes} /></allowedtransitions>`;
    const problems = problemsOf(() => buildModel([
      { source: 't.json', json: { LogicalName: 'new_t', EntitySetName: 'new_ts', PrimaryIdAttribute: 'new_tid', OwnershipType: 'None', EnforceStateTransitions: true, Attributes: [
        { LogicalName: 'statuscode', AttributeType: 'Status', OptionSet: { Options: [
          { Value: 1, Label: 'New', State: 0, TransitionData: line('sourcestatusid="1" tostatusid="3"') },
          { Value: 3, Label: 'Open', State: 0, TransitionData: line('sourcestatusid="9" tostatusid="2"') },
          { Value: 4, Label: 'Waiting', State: 0, TransitionData: line('tostatusid="1"') },
          { Value: 2, Label: 'Done', State: 1, TransitionData: line('sourcestatusid="2" tostatusid="8"') },
        ] } },
      ] } },
    ]));
    const text = problems.map((p) => `${p.file} ${p.pointer} ${p.reason}`);
    expect(text).to.deep.equal([
      't.json /Attributes/0/OptionSet/Options/1/TransitionData every <allowedtransition> of status 3 needs sourcestatusid="3" (the status it moves from), not "9"',
      't.json /Attributes/0/OptionSet/Options/2/TransitionData every <allowedtransition> of status 4 needs sourcestatusid="4" (the status it moves from)',
      't.json /Attributes/0/OptionSet/Options/3/TransitionData tostatusid 8 is not a statuscode option',
    ]);
  });

  it('reports a global option set declared with other options elsewhere; the same options twice are one set', () => {
    const table = (name: string, options: Array<{ Value: number; Label: string }>) => ({ source: `${name}.json`, json: {
      LogicalName: name, EntitySetName: `${name}s`, PrimaryIdAttribute: `${name}id`, OwnershipType: 'None', HasStateModel: false,
      Attributes: [{ LogicalName: 'new_level', AttributeType: 'Picklist', OptionSet: { Name: 'new_level', IsGlobal: true, Options: options } }],
    } });
    const low = [{ Value: 1, Label: 'Low' }];
    expect(buildModel([...shippedFiles(), table('new_d', low), table('new_e', low)]).byLogicalName.get('new_e')!.attributesByName.get('new_level')!.OptionSet!.IsGlobal).to.equal(true);
    const problems = problemsOf(() => buildModel([...shippedFiles(), table('new_d', low), table('new_e', [...low, { Value: 2, Label: 'High' }])]));
    expect(problems.map((p) => `${p.file} ${p.pointer} ${p.reason}`)).to.deep.equal([
      "new_e.json /Attributes/0/OptionSet the global option set 'new_level' has other options in new_d.new_level; a global option set is the same wherever it is declared",
    ]);
    // A local option set may not take a global one's name.
    const local = table('new_f', low);
    ((local.json.Attributes[0] as { OptionSet: { IsGlobal: boolean } }).OptionSet).IsGlobal = false;
    const clash = problemsOf(() => buildModel([...shippedFiles(), table('new_d', low), local]));
    expect(clash.map((p) => `${p.file} ${p.pointer} ${p.reason}`)).to.deep.equal([
      "new_f.json /Attributes/0/OptionSet/Name the option set name 'new_level' is also used by new_d.new_level; only a global option set (IsGlobal, the same options) may be declared twice",
    ]);
  });

  it('reports declared indexes over unknown, Memo or Image columns, and duplicate index names', () => {
    const problems = problemsOf(() => buildModel([
      { source: 'c.json', json: { LogicalName: 'new_c', EntitySetName: 'new_cs', PrimaryIdAttribute: 'new_cid', OwnershipType: 'None', HasStateModel: false,
        Attributes: [{ LogicalName: 'new_note', AttributeType: 'Memo' }, { LogicalName: 'new_code', AttributeType: 'String' }, { LogicalName: 'new_photo', AttributeType: 'Image' }],
        Indexes: [{ LogicalName: 'bycode', KeyAttributes: ['new_code', 'new_nope'] }, { LogicalName: 'bycode', KeyAttributes: ['new_note'] }, { LogicalName: 'byphoto', KeyAttributes: ['new_photo'] }] } },
    ]));
    const text = problems.map((p) => `${p.file} ${p.pointer} ${p.reason}`).join('\n');
    expect(text).to.contain("c.json /Indexes/0/KeyAttributes/1 'new_nope' is not a stored column of this table that is neither Memo nor Image");
    expect(text).to.contain("c.json /Indexes/1/KeyAttributes/0 'new_note' is not a stored column of this table that is neither Memo nor Image");
    expect(text).to.contain("c.json /Indexes/2/KeyAttributes/0 'new_photo' is not a stored column of this table that is neither Memo nor Image");
    expect(text).to.contain("c.json /Indexes/1/LogicalName duplicate index 'bycode'");
  });

  it('builds many-to-many relationships with Dataverse\'s defaults: intersect table, its columns and both navigation properties', () => {
    const model = buildModel([...RELATIONSHIP_FILES.map((json) => ({ source: `${json.LogicalName}.json`, json })), ...shippedFiles()]);
    const intersect = model.byLogicalName.get('new_msdyn_copilotinteraction_new_tag')!;
    expect(intersect).to.include({ IsIntersect: true, EntitySetName: 'new_msdyn_copilotinteraction_new_tagcollection', PrimaryIdAttribute: 'new_msdyn_copilotinteraction_new_tagid' });
    expect(intersect.Attributes.map((a) => [a.LogicalName, a.AttributeType, a.IsValidForCreate])).to.deep.equal([
      ['new_msdyn_copilotinteraction_new_tagid', 'Uniqueidentifier', false], ['msdyn_copilotinteractionid', 'Uniqueidentifier', false],
      ['new_tagid', 'Uniqueidentifier', false], ['versionnumber', 'BigInt', false],
    ]);
    expect(intersect.Keys[0]!.KeyAttributes.map((a) => a.LogicalName)).to.deep.equal(['msdyn_copilotinteractionid', 'new_tagid']);
    const tag = model.byLogicalName.get('new_tag')!.navigation.get(TAGS)!;
    const ci = model.byLogicalName.get('msdyn_copilotinteraction')!.navigation.get(TAGS)!;
    expect([tag.kind, tag.target.LogicalName, tag.Partner, tag.intersect?.own.LogicalName, tag.intersect?.other.LogicalName]).to.deep.equal(['collection', 'msdyn_copilotinteraction', TAGS, 'new_tagid', 'msdyn_copilotinteractionid']);
    expect([ci.kind, ci.target.LogicalName, ci.intersect?.own.LogicalName]).to.deep.equal(['collection', 'new_tag', 'msdyn_copilotinteractionid']);
    expect(ci.relationship).to.equal(tag.relationship);
    expect(ci.relationship).to.include({ RelationshipType: 'ManyToManyRelationship', Entity1NavigationPropertyName: TAGS, Entity2NavigationPropertyName: TAGS });
  });

  it('gives a polymorphic lookup a stored type column and one relationship per target', () => {
    const model = buildModel([...RELATIONSHIP_FILES.map((json) => ({ source: `${json.LogicalName}.json`, json })), ...shippedFiles()]);
    const contact = model.byLogicalName.get('contact')!;
    const lookup = contact.attributesByName.get('parentcustomerid')!;
    expect(lookup.NavigationPropertyName).to.equal(undefined);
    expect(lookup.TypeAttribute).to.include({ LogicalName: 'parentcustomeridtype', AttributeType: 'EntityName', AttributeOf: 'parentcustomerid', IsStored: true, IsSystemSupplied: true });
    expect(contact.attributesByProperty.has('parentcustomeridtype')).to.equal(false);
    expect([...contact.lookupsByNavigation.keys()]).to.include.members(['parentcustomerid_account', 'parentcustomerid_contact']);
    const toAccount = contact.navigation.get('parentcustomerid_account')!;
    expect([toAccount.kind, toAccount.target.LogicalName, toAccount.relationship.SchemaName]).to.deep.equal(['single', 'account', 'account_contact_parentcustomerid']);
    expect(model.byLogicalName.get('account')!.navigation.get('account_contact_parentcustomerid')!.Partner).to.equal('parentcustomerid_account');
  });

  it('reports broken relationships: unknown tables, foreign declarations, clashing names, self-references without two names', () => {
    const table = (name: string, extra: object = {}) => ({ source: `${name}.json`, json: { LogicalName: name, EntitySetName: `${name}s`, PrimaryIdAttribute: `${name}id`, OwnershipType: 'None', HasStateModel: false, Attributes: [], ...extra } });
    const nn = (SchemaName: string, e1: string, e2: string, extra: object = {}) => ({ SchemaName, Entity1LogicalName: e1, Entity2LogicalName: e2, ...extra });
    const text = (files: Array<{ source: string; json: unknown }>) => problemsOf(() => buildModel([...shippedFiles(), ...files])).map((p) => `${p.file} ${p.pointer} ${p.reason}`).join('\n');
    const relationships = text([
      table('new_a', { ManyToManyRelationships: [nn('new_a_missing', 'new_a', 'new_missing'), nn('new_b_c', 'new_b', 'new_c'), nn('new_a_a', 'new_a', 'new_a'), nn('new_a_b', 'new_a', 'new_b')] }),
      table('new_b', { ManyToManyRelationships: [nn('new_a_b', 'new_a', 'new_b', { Entity2NavigationPropertyName: 'other' })] }),
      table('new_c'),
    ]);
    expect(relationships).to.contain("new_a.json /ManyToManyRelationships/0/Entity2LogicalName Entity2LogicalName 'new_missing' is not a table in the model");
    expect(relationships).to.contain("new_a.json /ManyToManyRelationships/1 a table's file declares only relationships it takes part in");
    expect(relationships).to.contain('new_a.json /ManyToManyRelationships/2/Entity2IntersectAttribute Entity1IntersectAttribute and Entity2IntersectAttribute are both');
    expect(relationships).to.contain("new_b.json /ManyToManyRelationships/0/SchemaName relationship 'new_a_b' is declared again with other values");
    const lookups = text([
      table('new_a'), table('new_b'),
      table('new_c', { Attributes: [{ LogicalName: 'new_poly', AttributeType: 'Lookup', Targets: ['new_a', 'new_b'], RelationshipSchemaName: 'new_x' }] }),
      table('new_d', { Attributes: [{ LogicalName: 'new_poly', AttributeType: 'Lookup', Targets: ['new_a', 'new_b'] }, { LogicalName: 'new_polytype', AttributeType: 'String' }] }),
    ]);
    expect(lookups).to.contain('new_c.json /Attributes/0/RelationshipSchemaName a lookup with several Targets has one relationship per target');
    expect(lookups).to.contain("new_d.json /Attributes/0 the lookup 'new_poly' has several Targets and needs a type column");
    const self = problemsOf(() => buildModel([...shippedFiles(), table('new_a', { ManyToManyRelationships: [nn('new_a_a', 'new_a', 'new_a', { Entity1IntersectAttribute: 'new_aidone', Entity2IntersectAttribute: 'new_aidtwo' })] })]));
    expect(self.map((p) => p.reason)).to.deep.equal(['a relationship of a table with itself needs two navigation property names (Entity1NavigationPropertyName, Entity2NavigationPropertyName)']);
    const clash = problemsOf(() => buildModel([...shippedFiles(), table('new_a', { ManyToManyRelationships: [nn('createdby', 'new_a', 'systemuser')] })]));
    expect(clash.map((p) => p.reason)).to.deep.equal(["navigation property name 'createdby' is already a property of 'new_a'; set Entity1NavigationPropertyName"]);
  });

  it('refuses two one-to-many relationships with one SchemaName, declared or by Dataverse\'s default names, on different tables', () => {
    const table = (name: string, attributes: object[]) => ({ source: `${name}.json`, json: { LogicalName: name, EntitySetName: `${name}s`, PrimaryIdAttribute: `${name}id`, OwnershipType: 'None', HasStateModel: false, Attributes: attributes } });
    const text = (files: Array<{ source: string; json: unknown }>) => problemsOf(() => buildModel([...shippedFiles(), ...files])).map((p) => `${p.file} ${p.pointer} ${p.reason}`);
    expect(text([
      table('new_a', [{ LogicalName: 'new_user', AttributeType: 'Lookup', Targets: ['systemuser'], RelationshipSchemaName: 'new_shared' }]),
      table('new_b', [{ LogicalName: 'new_name', AttributeType: 'String' }, { LogicalName: 'new_org', AttributeType: 'Lookup', Targets: ['organization'], RelationshipSchemaName: 'new_shared' }]),
    ])).to.deep.equal([
      "new_b.json /Attributes/1/RelationshipSchemaName relationship name 'new_shared' is also the name of the relationship of lookup new_a.new_user; set another RelationshipSchemaName",
    ]);
    // systemuser_<table>_<column>: new_a_b + new_c and new_a + b_new_c.
    expect(text([
      table('new_a_b', [{ LogicalName: 'new_c', AttributeType: 'Lookup', Targets: ['systemuser'] }]),
      table('new_a', [{ LogicalName: 'b_new_c', AttributeType: 'Lookup', Targets: ['systemuser'] }]),
    ])).to.deep.equal([
      "new_a.json /Attributes/0 relationship name 'systemuser_new_a_b_new_c' is also the name of the relationship of lookup new_a_b.new_c; set another RelationshipSchemaName",
    ]);
    // Names differing in case only are one name, as in Dataverse.
    expect(text([
      table('new_a', [{ LogicalName: 'new_user', AttributeType: 'Lookup', Targets: ['systemuser'], RelationshipSchemaName: 'new_Rel_Same' }]),
      table('new_b', [{ LogicalName: 'new_name', AttributeType: 'String' }, { LogicalName: 'new_org', AttributeType: 'Lookup', Targets: ['organization'], RelationshipSchemaName: 'new_rel_same' }]),
    ])).to.deep.equal([
      "new_b.json /Attributes/1/RelationshipSchemaName relationship name 'new_rel_same' is also the name of the relationship of lookup new_a.new_user; set another RelationshipSchemaName",
    ]);
  });

  it('refuses to start on a broken model and names the problem', () => {
    const dir = copyMetadata();
    try {
      const file = join(dir, 'msdyn_copilotinteraction.json');
      const json = JSON.parse(readFileSync(file, 'utf8'));
      json.Attributes[0].MaxValue = 'lots';
      writeFileSync(file, JSON.stringify(json));
      writeFileSync(join(dir, 'broken.json'), '{ not json');
      const r = spawnSync(process.execPath, [CLI, 'serve', '--metadata', dir, '--database', `sqlite:${join(dir, 'x.db')}`, '--port', '0'], { encoding: 'utf8', timeout: 20000 });
      expect(r.status).to.equal(1);
      expect(r.stderr).to.contain('broken.json: /: not valid JSON');
      expect(r.stdout).to.not.contain('serving');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('adds a new table and a new column on the next start and never drops anything', async () => {
    const dir = copyMetadata();
    const dbFile = join(dir, 'keep.db');
    const { SqliteDatabase } = await import('../src/store/sqlite.js');
    const { Service } = await import('../src/service.js');
    const log = { error: () => undefined };
    try {
      const db1 = new SqliteDatabase(dbFile);
      const s1 = await Service.open(loadModel(dir), db1, log);
      const created = await s1.handle({ method: 'POST', url: '/api/data/v9.2/msdyn_copilotinteractions', headers: {}, body: '{"msdyn_name":"kept"}', origin: 'http://x' });
      expect(created.status).to.equal(204);
      await db1.close();

      const file = join(dir, 'msdyn_copilotinteraction.json');
      const json = JSON.parse(readFileSync(file, 'utf8'));
      json.Attributes.push({ LogicalName: 'new_extra', AttributeType: 'Integer' });
      writeFileSync(file, JSON.stringify(json));
      writeFileSync(join(dir, 'new_widget.json'), JSON.stringify({ LogicalName: 'new_widget', EntitySetName: 'new_widgets', PrimaryIdAttribute: 'new_widgetid', PrimaryNameAttribute: 'new_name', Attributes: [{ LogicalName: 'new_name', AttributeType: 'String', MaxLength: 50 }] }));

      const db2 = new SqliteDatabase(dbFile);
      const s2 = await Service.open(loadModel(dir), db2, log);
      const rows = await s2.handle({ method: 'GET', url: "/api/data/v9.2/msdyn_copilotinteractions?$select=msdyn_name,new_extra", headers: {}, origin: 'http://x' });
      expect(JSON.parse(rows.body!).value.map((r: { msdyn_name: string; new_extra: unknown }) => [r.msdyn_name, r.new_extra])).to.deep.equal([['kept', null]]);
      const widget = await s2.handle({ method: 'POST', url: '/api/data/v9.2/new_widgets', headers: { prefer: 'return=representation' }, body: '{"new_name":"w"}', origin: 'http://x' });
      expect(widget.status).to.equal(201);
      expect(JSON.parse(widget.body!)).to.include({ new_name: 'w', statecode: 0, statuscode: 1 });
      await db2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves a table added by dropping a metadata file', async () => {
    const dir = copyMetadata();
    writeFileSync(join(dir, 'new_note.json'), JSON.stringify({ LogicalName: 'new_note', EntitySetName: 'new_notes', PrimaryIdAttribute: 'new_noteid', PrimaryNameAttribute: 'new_title', Attributes: [{ LogicalName: 'new_title', AttributeType: 'String' }] }));
    const s = await startServer(dir);
    try {
      const r = await call('POST', `${s.root}new_notes`, { new_title: 'hi' }, { Prefer: 'return=representation' });
      expect(r.status).to.equal(201);
      expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#new_notes/$entity`);
      expect(r.json._ownerid_value).to.equal(s.service.caller.systemuserid);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
