import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildModel, loadModel, ModelError } from '../src/model/loader.js';
import { call, copyMetadata, SHIPPED_METADATA, startServer } from './support/server.js';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.js');

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
      ...['systemuser', 'organization'].map((t) => ({ source: `${t}.json`, json: JSON.parse(readFileSync(join(SHIPPED_METADATA, `${t}.json`), 'utf8')) })),
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

  it('reports declared indexes over unknown or Memo columns, and duplicate index names', () => {
    const problems = problemsOf(() => buildModel([
      { source: 'c.json', json: { LogicalName: 'new_c', EntitySetName: 'new_cs', PrimaryIdAttribute: 'new_cid', OwnershipType: 'None', HasStateModel: false,
        Attributes: [{ LogicalName: 'new_note', AttributeType: 'Memo' }, { LogicalName: 'new_code', AttributeType: 'String' }],
        Indexes: [{ LogicalName: 'bycode', KeyAttributes: ['new_code', 'new_nope'] }, { LogicalName: 'bycode', KeyAttributes: ['new_note'] }] } },
    ]));
    const text = problems.map((p) => `${p.file} ${p.pointer} ${p.reason}`).join('\n');
    expect(text).to.contain("c.json /Indexes/0/KeyAttributes/1 'new_nope' is not a stored, non-Memo column of this table");
    expect(text).to.contain("c.json /Indexes/1/KeyAttributes/0 'new_note' is not a stored, non-Memo column of this table");
    expect(text).to.contain("c.json /Indexes/1/LogicalName duplicate index 'bycode'");
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
