import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseStringPromise } from 'xml2js';
import { DynamicsWebApi } from 'dynamics-web-api';
import {
  attributeDefinition, attributeMetadata, attributeMetadataType, ENTITY_KEY_METADATA, ENTITY_METADATA, entityDefinition, keyDefinitions,
  MANY_TO_MANY_METADATA, modelRelationships, ONE_TO_MANY_METADATA, OPTION_SET_METADATA, optionSetDefinition, relationshipDefinition,
} from '../src/model/definitions.js';
import { buildModel, loadModel } from '../src/model/loader.js';
import { RELATIONSHIP_FILES, TAGS } from './support/relationship-metadata.js';
import { call, DATABASES, SHIPPED_METADATA, startServer, tempDir, type TestServer } from './support/server.js';

/**
 * EntityDefinitions and GlobalOptionSetDefinitions (digest §8): the shipped metadata files read
 * back as EntityMetadata, AttributeMetadata and OptionSetMetadata, over HTTP and through the
 * unmodified dynamics-web-api client.
 */

const ENTITY = 'msdyn_copilotinteraction';
const GLOBAL = 'msdyn_copilotinteractions_msdyn_interactiontype';
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const names = (r: { json: { value: Array<{ LogicalName: string }> } }) => r.json.value.map((v) => v.LogicalName).sort();

/** The shipped metadata files, as buildModel reads them. */
const shippedFiles = () => readdirSync(SHIPPED_METADATA).filter((n) => n.endsWith('.json')).map((n) => ({ source: n, json: JSON.parse(readFileSync(join(SHIPPED_METADATA, n), 'utf8')) }));

describe('metadata entity types (model/definitions.ts)', () => {
  it('write one global option set the same whichever column reaches it: the first declaration\'s labels and id', () => {
    const table = (name: string) => ({ source: `${name}.json`, json: {
      LogicalName: name, EntitySetName: `${name}s`, PrimaryIdAttribute: `${name}id`, OwnershipType: 'None', HasStateModel: false,
      Attributes: [{ LogicalName: 'new_level', AttributeType: 'Picklist', DisplayName: `Level of ${name}`, OptionSet: { Name: 'new_level', IsGlobal: true, Options: [{ Value: 1, Label: 'Low' }] } }],
    } });
    const shipped = shippedFiles();
    const model = buildModel([...shipped, table('new_d'), table('new_e')]);
    const at = (name: string) => optionSetDefinition(model, model.byLogicalName.get(name)!, model.byLogicalName.get(name)!.attributesByName.get('new_level')!);
    expect(at('new_e')).to.deep.equal(at('new_d'));
    expect((at('new_e')!['DisplayName'] as { UserLocalizedLabel: { Label: string } }).UserLocalizedLabel.Label).to.equal('Level of new_d');
  });

  it('tell a system global option set (no prefix) from a custom one by its name', () => {
    const table = { source: 'new_f.json', json: {
      LogicalName: 'new_f', EntitySetName: 'new_fs', PrimaryIdAttribute: 'new_fid', OwnershipType: 'None', HasStateModel: false,
      Attributes: [
        { LogicalName: 'new_budget', AttributeType: 'Picklist', OptionSet: { Name: 'budgetstatus', IsGlobal: true, Options: [{ Value: 0, Label: 'No Committed Budget' }] } },
        { LogicalName: 'new_level', AttributeType: 'Picklist', OptionSet: { Name: 'new_level', IsGlobal: true, Options: [{ Value: 1, Label: 'Low' }] } },
      ],
    } };
    const model = buildModel([...shippedFiles(), table]);
    const entity = model.byLogicalName.get('new_f')!;
    const custom = (column: string) => optionSetDefinition(model, entity, entity.attributesByName.get(column)!)!['IsCustomOptionSet'];
    expect([custom('new_budget'), custom('new_level')]).to.deep.equal([false, true]);
  });

  it('write exactly the properties their declared types list, so $select and $filter checks match the JSON', () => {
    const model = loadModel(join(import.meta.dirname, '..', '..', 'metadata'));
    for (const entity of model.entities) {
      expect(Object.keys(entityDefinition(entity, [])).sort(), entity.LogicalName).to.deep.equal(Object.keys(ENTITY_METADATA).sort());
      for (const key of keyDefinitions(entity)) expect(Object.keys(key).sort()).to.deep.equal(Object.keys(ENTITY_KEY_METADATA).sort());
      for (const a of entity.Attributes) {
        const written = Object.keys(attributeDefinition(entity, a)).filter((k) => k !== '@odata.type').sort();
        expect(written, `${entity.LogicalName}.${a.LogicalName}`).to.deep.equal(Object.keys(attributeMetadata(attributeMetadataType(a))).sort());
        const options = optionSetDefinition(model, entity, a);
        if (options) for (const k of Object.keys(options)) expect(OPTION_SET_METADATA, k).to.have.own.property(k);
      }
    }
    const shipped = shippedFiles();
    const related = buildModel([...shipped, ...RELATIONSHIP_FILES.map((json) => ({ source: `${json.LogicalName}.json`, json }))]);
    const kinds = new Set<string>();
    for (const r of modelRelationships(related)) {
      const { '@odata.type': type, ...written } = relationshipDefinition(r);
      kinds.add(type as string);
      const declared = r.RelationshipType === 'ManyToManyRelationship' ? MANY_TO_MANY_METADATA : ONE_TO_MANY_METADATA;
      expect(Object.keys(written).sort(), r.SchemaName).to.deep.equal(Object.keys(declared).sort());
    }
    expect([...kinds].sort()).to.deep.equal(['#Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata', '#Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata']);
  });
});

for (const database of DATABASES) {
  describe(`EntityDefinitions and GlobalOptionSetDefinitions [${database.name}]`, () => {
    let s: TestServer;
    let api: DynamicsWebApi;
    before(async () => {
      s = await startServer(undefined, database);
      api = new DynamicsWebApi({ serverUrl: s.origin, dataApi: { version: '9.2' }, useEntityNames: true });
    });
    after(async () => { await s.close(); });
    const get = (path: string) => call('GET', `${s.root}${path}`);

    it('lists every table with $select, MetadataId always included and the same on every call', async () => {
      const r = await get('EntityDefinitions?$select=EntitySetName,LogicalName');
      expect(r.status, r.text).to.equal(200);
      expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#EntityDefinitions(EntitySetName,LogicalName)`);
      const copilot = r.json.value.find((e: { LogicalName: string }) => e.LogicalName === ENTITY);
      expect(Object.keys(copilot).sort()).to.deep.equal(['EntitySetName', 'LogicalName', 'MetadataId']);
      expect(copilot.EntitySetName).to.equal('msdyn_copilotinteractions');
      expect(copilot.MetadataId).to.match(GUID_RE);
      expect(names(r)).to.include.members(['systemuser', 'organization', 'msdyn_copilotinteractiondata']);
      const again = await get(`EntityDefinitions(${copilot.MetadataId})?$select=LogicalName`);
      expect(again.json).to.deep.equal({ '@odata.context': `${s.root}$metadata#EntityDefinitions(LogicalName)/$entity`, MetadataId: copilot.MetadataId, LogicalName: ENTITY });
    });

    it('takes a $select item given twice once, as a table\'s rows do (ODL keeps the first of identical select items)', async () => {
      const r = await get(`EntityDefinitions?$select=LogicalName,EntitySetName,LogicalName&$filter=LogicalName eq '${ENTITY}'`);
      expect(r.status, r.text).to.equal(200);
      expect(r.json['@odata.context']).to.equal(`${s.root}$metadata#EntityDefinitions(LogicalName,EntitySetName)`);
      expect(Object.keys(r.json.value[0])).to.deep.equal(['MetadataId', 'LogicalName', 'EntitySetName']);
      const one = await get(`EntityDefinitions(LogicalName='${ENTITY}')?$select=LogicalName,LogicalName&$expand=Attributes($select=LogicalName,LogicalName;$filter=LogicalName eq 'msdyn_name')`);
      expect(one.json['@odata.context']).to.equal(`${s.root}$metadata#EntityDefinitions(LogicalName,Attributes(LogicalName))/$entity`);
      expect(Object.keys(one.json.Attributes[0])).to.deep.equal(['@odata.type', 'MetadataId', 'LogicalName']);
      const rows = await get('systemusers?$select=fullname,fullname&$top=1');
      expect(rows.json['@odata.context']).to.equal(`${s.root}$metadata#systemusers(fullname)`);
    });

    it('answers one table by LogicalName with labels, and expands its Attributes with their own $select and $filter', async () => {
      const r = await get(`EntityDefinitions(LogicalName='${ENTITY}')?$select=DisplayName,PrimaryIdAttribute,OwnershipType,IsCustomEntity&$expand=Attributes($select=LogicalName,RequiredLevel;$filter=AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist')`);
      expect(r.status, r.text).to.equal(200);
      expect(r.json).to.include({ PrimaryIdAttribute: 'msdyn_copilotinteractionid', IsCustomEntity: true });
      expect(r.json.DisplayName.UserLocalizedLabel).to.include({ Label: 'Copilot Interaction', LanguageCode: 1033 });
      expect(r.json.DisplayName.LocalizedLabels).to.deep.equal([r.json.DisplayName.UserLocalizedLabel]);
      // msft_datastate: the retention column a retention-enabled table has (system-columns.ts).
      expect(r.json.Attributes.map((a: { LogicalName: string }) => a.LogicalName).sort()).to.deep.equal(['msdyn_interactiontype', 'msdyn_scenariotype', 'msft_datastate']);
      const interaction = r.json.Attributes.find((a: { LogicalName: string }) => a.LogicalName === 'msdyn_interactiontype');
      expect(Object.keys(interaction).sort()).to.deep.equal(['@odata.type', 'LogicalName', 'MetadataId', 'RequiredLevel']);
      expect(interaction['@odata.type']).to.equal('#Microsoft.Dynamics.CRM.PicklistAttributeMetadata');
      expect(interaction.RequiredLevel.Value).to.equal('ApplicationRequired');
      const system = await get("EntityDefinitions(LogicalName='systemuser')?$select=IsCustomEntity&$expand=Attributes($select=IsCustomAttribute;$filter=LogicalName eq 'fullname')");
      expect(system.json.IsCustomEntity).to.equal(false);
      expect(system.json.Attributes.map((a: { IsCustomAttribute: boolean }) => a.IsCustomAttribute)).to.deep.equal([false]);
    });

    it('expands a table\'s alternate keys as EntityKeyMetadata, with their own $select', async () => {
      const r = await get("EntityDefinitions(LogicalName='retentionconfig')?$select=LogicalName&$expand=Keys($select=KeyAttributes)");
      expect(r.status, r.text).to.equal(200);
      expect(r.json.Keys).to.deep.equal([{ MetadataId: r.json.Keys[0].MetadataId, KeyAttributes: ['uniquename'] }]);
    });

    it('filters on complex paths and enum literals, and casts columns to a derived type for its own properties', async () => {
      const byLabel = await get("EntityDefinitions?$select=LogicalName&$filter=DisplayName/UserLocalizedLabel/Label eq 'Copilot Interaction' and not (IsIntersect eq true)");
      expect(names(byLabel)).to.deep.equal([ENTITY]);
      const owned = await get("EntityDefinitions?$select=LogicalName&$filter=OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'BusinessOwned' or OwnershipType eq 'None'");
      expect(names(owned)).to.deep.equal(['businessunit', 'organization', 'role', 'systemuser', 'systemuserprofiles', 'systemuserroles', 'team', 'teammembership', 'teamprofiles', 'teamroles']);
      const org = await get('EntityDefinitions?$select=MetadataId');
      const id = org.json.value[0].MetadataId as string;
      for (const form of [`'${id.toUpperCase()}'`, `'{${id}}'`, id]) {
        const r = await get(`EntityDefinitions?$select=LogicalName&$filter=MetadataId eq ${form}`);
        expect(r.json.value.map((v: { MetadataId: string }) => v.MetadataId), form).to.deep.equal([id]);
      }
      const text = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName&$filter=Format eq Microsoft.Dynamics.CRM.StringFormat'Text' and IsCustomAttribute eq true`);
      expect(names(text)).to.deep.equal(['msdyn_interactiondataidname', 'msdyn_interactionforid', 'msdyn_interactionforlogicalname', 'msdyn_name', 'msdyn_scenariorequestid']);
      const none = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.MultiSelectPicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet`);
      expect(none.json.value).to.deep.equal([]);
      const required = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes?$select=LogicalName&$filter=RequiredLevel/Value eq Microsoft.Dynamics.CRM.AttributeRequiredLevel'ApplicationRequired'`);
      expect(names(required)).to.deep.equal(['msdyn_interactiontype', 'msdyn_name', 'msdyn_scenariorequestid', 'msdyn_scenariotype']);
      const long = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.MemoAttributeMetadata?$select=LogicalName,MaxLength&$filter=MaxLength gt 1000`);
      expect(long.json.value).to.deep.equal([{ '@odata.type': '#Microsoft.Dynamics.CRM.MemoAttributeMetadata', MetadataId: long.json.value[0].MetadataId, LogicalName: 'msdyn_interactioncontext', MaxLength: 1048576 }]);
      const short = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName&$filter=MaxLength gt 1000`);
      expect(short.json.value).to.deep.equal([]);
      const flag = await get(`EntityDefinitions(LogicalName='privilege')/Attributes(LogicalName='canbebasic')/Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$select=DefaultValue`);
      expect(flag.json.DefaultValue).to.equal(false);
    });

    it('takes an enum literal by its member\'s value as by its name (flag enums by their flag values); a value no member has is 400', async () => {
      const keys = (filter: string) => get(`EntityDefinitions(LogicalName='systemuser')/Keys?$select=LogicalName&$filter=${filter}`);
      for (const literal of ["Microsoft.Dynamics.CRM.EntityKeyIndexStatus'2'", "mscrm.EntityKeyIndexStatus'Active'", "'2'"]) {
        const r = await keys(`EntityKeyIndexStatus eq ${literal}`);
        expect(r.status, `${literal}: ${r.text}`).to.equal(200);
        expect(names(r), literal).to.deep.equal(['applicationid', 'azureactivedirectoryobjectid']);
      }
      expect(names(await keys("EntityKeyIndexStatus ne Microsoft.Dynamics.CRM.EntityKeyIndexStatus'2'"))).to.deep.equal([]);
      // OwnershipTypes is a flag enum: BusinessOwned is 4, not its position 3.
      const owned = await get("EntityDefinitions?$select=LogicalName&$filter=OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'4' or OwnershipType eq '0'");
      expect(names(owned)).to.deep.equal(['businessunit', 'organization', 'role', 'systemuser', 'systemuserprofiles', 'systemuserroles', 'team', 'teammembership', 'teamprofiles', 'teamroles']);
      for (const literal of ["Microsoft.Dynamics.CRM.EntityKeyIndexStatus'4'", "Microsoft.Dynamics.CRM.EntityKeyIndexStatus'-1'"]) {
        const r = await keys(`EntityKeyIndexStatus eq ${literal}`);
        expect(r.status, literal).to.equal(400);
        expect(r.json.error.code).to.equal('0x80060888');
        expect(r.json.error.message).to.contain("is not a member of the enum type 'Microsoft.Dynamics.CRM.EntityKeyIndexStatus' (Pending = 0, InProgress = 1, Active = 2, Failed = 3)");
      }
    });

    it('takes a flags enumeration\'s combined value (members comma-separated, or their sum) with eq, ne and has; other enums keep single members', async () => {
      const owned = async (filter: string) => {
        const r = await get(`EntityDefinitions?$select=LogicalName&$filter=${encodeURIComponent(filter)}`);
        expect(r.status, `${filter}: ${r.text}`).to.equal(200);
        return names(r);
      };
      const all = await owned('IsIntersect eq false or IsIntersect eq true');
      const userOwned = await owned("OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'");
      const business = ['businessunit', 'organization', 'role', 'systemuser', 'systemuserprofiles', 'systemuserroles', 'team', 'teammembership', 'teamprofiles', 'teamroles'];
      expect(userOwned).to.not.deep.equal([]);
      for (const combined of ["'UserOwned,TeamOwned'", "'UserOwned, TeamOwned'", "'TeamOwned,1'", "'3'"]) {
        expect(await owned(`OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes${combined}`), combined).to.deep.equal([]);
        expect(await owned(`OwnershipType ne Microsoft.Dynamics.CRM.OwnershipTypes${combined}`), combined).to.deep.equal(all);
        expect(await owned(`OwnershipType has Microsoft.Dynamics.CRM.OwnershipTypes${combined}`), combined).to.deep.equal([]);
      }
      expect(await owned("OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'BusinessOwned,None' or OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'None'")).to.deep.equal(business);
      expect(await owned("OwnershipType has Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'")).to.deep.equal(userOwned);
      expect(await owned("OwnershipType has mscrm.OwnershipTypes'1'")).to.deep.equal(userOwned);
      expect(await owned("OwnershipType has Microsoft.Dynamics.CRM.OwnershipTypes'None'")).to.deep.equal(all);
      expect(await owned("not (OwnershipType has Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned')")).to.deep.equal(all.filter((n) => !userOwned.includes(n)));
      const relationships = await get(`EntityDefinitions(LogicalName='${ENTITY}')/ManyToOneRelationships?$select=SchemaName,SecurityTypes&$filter=${encodeURIComponent("SecurityTypes has Microsoft.Dynamics.CRM.SecurityTypes'Append'")}`);
      expect(relationships.status, relationships.text).to.equal(200);
      expect(relationships.json.value.length).to.be.greaterThan(0);
      expect(relationships.json.value.every((r: { SecurityTypes: string }) => r.SecurityTypes === 'Append')).to.equal(true);
      for (const [filter, message] of [
        ["OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'32'", "'32' is not a member of the enum type 'Microsoft.Dynamics.CRM.OwnershipTypes'"],
        ["OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned,Nope'", "'UserOwned,Nope' is not a member"],
        ["OwnershipType has Microsoft.Dynamics.CRM.AttributeTypeCode'String'", 'incompatible types'],
        ["IsIntersect has Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'", 'incompatible types'],
      ]) {
        const r = await get(`EntityDefinitions?$select=LogicalName&$filter=${encodeURIComponent(filter!)}`);
        expect(r.status, filter).to.equal(400);
        expect(r.json.error.message, filter).to.contain(message);
      }
      // Enumerations that are not flags take one member: no combination, no has.
      const attributes = `EntityDefinitions(LogicalName='${ENTITY}')/Attributes?$select=LogicalName&$filter=`;
      for (const filter of ["AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'String,Memo'", "AttributeType has Microsoft.Dynamics.CRM.AttributeTypeCode'String'"]) {
        expect((await get(`${attributes}${encodeURIComponent(filter)}`)).status, filter).to.equal(400);
      }
      // Table columns are no enumerations.
      const rows = await get(`msdyn_copilotinteractions?$filter=${encodeURIComponent("msdyn_interactiontype has Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'")}`);
      expect(rows.status).to.equal(400);
      expect(rows.json.error.message).to.contain("The 'has' operator applies to enumeration flags");
    });

    it('reports IsCustomOptionSet as IsCustomAttribute: false for a system table\'s option sets, true for custom columns\' and custom global ones', async () => {
      const optionSet = async (table: string, column: string, type: string) => {
        const r = await get(`EntityDefinitions(LogicalName='${table}')/Attributes(LogicalName='${column}')/Microsoft.Dynamics.CRM.${type}?$select=IsCustomAttribute&$expand=OptionSet($select=Name,IsGlobal,IsCustomOptionSet)`);
        expect(r.status, r.text).to.equal(200);
        const { MetadataId: _id, ...rest } = r.json.OptionSet;
        return { IsCustomAttribute: r.json.IsCustomAttribute, OptionSet: rest };
      };
      expect(await optionSet('savedquery', 'statecode', 'StateAttributeMetadata')).to.deep.equal({
        IsCustomAttribute: false, OptionSet: { Name: 'savedquery_statecode', IsGlobal: false, IsCustomOptionSet: false },
      });
      expect(await optionSet('systemuser', 'isdisabled', 'BooleanAttributeMetadata')).to.deep.equal({
        IsCustomAttribute: false, OptionSet: { Name: 'systemuser_isdisabled', IsGlobal: false, IsCustomOptionSet: false },
      });
      expect(await optionSet(ENTITY, 'msdyn_scenariotype', 'PicklistAttributeMetadata')).to.deep.equal({
        IsCustomAttribute: true, OptionSet: { Name: `${ENTITY}_msdyn_scenariotype`, IsGlobal: false, IsCustomOptionSet: true },
      });
      const global = await get(`GlobalOptionSetDefinitions(Name='${GLOBAL}')?$select=Name,IsCustomOptionSet`);
      expect(global.json).to.include({ Name: GLOBAL, IsCustomOptionSet: true });
    });

    it('expands a cast column\'s option set: global ones also as GlobalOptionSet, the same as in GlobalOptionSetDefinitions', async () => {
      const r = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='msdyn_interactiontype')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet,GlobalOptionSet`);
      expect(r.status, r.text).to.equal(200);
      expect(r.json.OptionSet).to.include({ OptionSetType: 'Picklist', IsGlobal: true, Name: GLOBAL });
      expect(r.json.GlobalOptionSet).to.deep.equal(r.json.OptionSet);
      expect(r.json.OptionSet.Options[0]).to.include({ Value: 100230301 });
      expect(r.json.OptionSet.Options[0].Label.UserLocalizedLabel.Label).to.equal('ThumbsUp');
      const own = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='msdyn_scenariotype')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet($select=IsGlobal),GlobalOptionSet`);
      expect(own.json.OptionSet).to.deep.equal({ MetadataId: own.json.OptionSet.MetadataId, IsGlobal: false });
      expect(own.json.GlobalOptionSet).to.equal(null);
      const byName = await get(`GlobalOptionSetDefinitions(Name='${GLOBAL}')?$select=Name`);
      expect(byName.json).to.deep.equal({
        '@odata.context': `${s.root}$metadata#GlobalOptionSetDefinitions(Name)/$entity`, '@odata.type': '#Microsoft.Dynamics.CRM.OptionSetMetadata', MetadataId: r.json.OptionSet.MetadataId, Name: GLOBAL,
      });
      const all = await get('GlobalOptionSetDefinitions?$select=Name');
      expect(all.json.value.map((o: { Name: string }) => o.Name)).to.deep.equal(['field_security_permission_type', GLOBAL]);
      expect((await get(`GlobalOptionSetDefinitions(${r.json.OptionSet.MetadataId})`)).json.Options.length).to.equal(r.json.OptionSet.Options.length);
    });

    it('writes status options as StatusOptionMetadata (State, TransitionData) and state options as StateOptionMetadata', async () => {
      const status = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='statuscode')/Microsoft.Dynamics.CRM.StatusAttributeMetadata?$expand=OptionSet($select=Options)`);
      expect(Object.keys(status.json.OptionSet).sort()).to.deep.equal(['MetadataId', 'Options']);
      for (const o of status.json.OptionSet.Options) {
        expect(o['@odata.type']).to.equal('#Microsoft.Dynamics.CRM.StatusOptionMetadata');
        expect(o.State).to.be.a('number');
        expect(o).to.have.own.property('TransitionData');
      }
      const state = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='statecode')/Microsoft.Dynamics.CRM.StateAttributeMetadata?$expand=OptionSet`);
      for (const o of state.json.OptionSet.Options) {
        expect(o['@odata.type']).to.equal('#Microsoft.Dynamics.CRM.StateOptionMetadata');
        expect(o.DefaultStatus).to.be.a('number');
      }
    });

    it('checks every option against the type before looking at rows: unknown names, wrong types and functions are 400 even when no row is evaluated', async () => {
      const cases: Array<[string, number, string]> = [
        ["EntityDefinitions(LogicalName='nope')", 404, "Could not find an entity with LogicalName 'nope'."],
        [`EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='nope')`, 404, `Could not find an attribute of '${ENTITY}' with LogicalName 'nope'.`],
        [`EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='msdyn_name')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`, 404, 'of type PicklistAttributeMetadata'],
        ["GlobalOptionSetDefinitions(Name='nope')", 404, "Could not find an option set with Name 'nope'."],
        ['EntityDefinitions?$select=Nope', 400, "Could not find a property named 'Nope' on type 'Microsoft.Dynamics.CRM.EntityMetadata'."],
        ['EntityDefinitions?$select=*,Nope', 400, "property named 'Nope'"],
        [`EntityDefinitions(LogicalName='${ENTITY}')/Attributes?$select=MaxLength`, 400, "Could not find a property named 'MaxLength' on type 'Microsoft.Dynamics.CRM.AttributeMetadata'."],
        [`EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.MoneyAttributeMetadata?$filter=Nope eq 1`, 400, "property named 'Nope'"],
        ['EntityDefinitions?$filter=IsIntersect eq true and Nope eq 1', 400, "property named 'Nope'"],
        ["EntityDefinitions?$filter=LogicalName ne 'x' or startswith(LogicalName,'a')", 400, 'functions, lambdas and arrays are not supported'],
        ['EntityDefinitions?$filter=DisplayName/constructor ne null', 400, "property named 'constructor' on type 'DisplayName'"],
        ['EntityDefinitions?$filter=LogicalName/Foo eq null', 400, "property named 'Foo'"],
        [`EntityDefinitions(LogicalName='${ENTITY}')/Attributes?$filter=IsPrimaryId eq 1`, 400, 'incompatible types'],
        [`EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$filter=MaxLength gt '1000'`, 400, 'incompatible types'],
        ["EntityDefinitions?$filter=OwnershipType eq Microsoft.Dynamics.CRM.AttributeTypeCode'UserOwned'", 400, 'incompatible types'],
        ["EntityDefinitions?$filter=IsCustomEntity gt false", 400, 'incompatible types'],
        ["EntityDefinitions?$filter=OwnershipType eq 'Nope'", 400, "'Nope' is not a member of the enum type 'Microsoft.Dynamics.CRM.OwnershipTypes'"],
        ["EntityDefinitions?$filter=OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'64'", 400, "'64' is not a member"],
        ["EntityDefinitions?$filter=MetadataId eq 'garbage'", 400, 'incompatible types'],
        ["EntityDefinitions(LogicalName='systemuser')?$expand=Keys($select=Nope)", 400, "on type 'Microsoft.Dynamics.CRM.EntityKeyMetadata'"],
        [`EntityDefinitions(LogicalName='${ENTITY}')/Attributes?$expand=OptionSet`, 400, 'OptionSet is expanded on a cast'],
        [`EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet($filter=IsGlobal eq true)`, 400, 'Only $select applies'],
        ['EntityDefinitions?$top=1', 400, "The query option '$top' is not supported on metadata entities."],
        ["GlobalOptionSetDefinitions?$filter=Name eq 'x'", 400, "'$filter' is not supported on GlobalOptionSetDefinitions"],
        [`EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.NopeAttributeMetadata`, 404, "Resource not found for the segment 'Microsoft.Dynamics.CRM.NopeAttributeMetadata'."],
        ['EntityDefinitions(Name=1)', 400, "must be LogicalName='<name>' or a MetadataId"],
        ["EntityDefinitions(LogicalName='systemuser')/ManyToOneRelationships/SchemaName", 501, 'is served'],
        ["EntityDefinitions(LogicalName='systemuser')/ManyToOneRelationships(SchemaName='nope')", 404, "Could not find an item of ManyToOneRelationships of 'systemuser' with SchemaName 'nope'."],
        ["RelationshipDefinitions?$filter=RelationshipType eq Microsoft.Dynamics.CRM.RelationshipType'Default'", 400, "'Default' is not a member of the enum type 'Microsoft.Dynamics.CRM.RelationshipType'"],
        ["EntityDefinitions(LogicalName='systemuser')?$expand=ManyToOneRelationships($select=Entity1LogicalName)", 400, "on type 'Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata'"],
        ['RelationshipDefinitions?$select=ReferencedEntity', 400, "Could not find a property named 'ReferencedEntity' on type 'Microsoft.Dynamics.CRM.RelationshipMetadataBase'"],
        ["RelationshipDefinitions/Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata?$filter=CascadeConfiguration/Delete eq Microsoft.Dynamics.CRM.CascadeType'Sometimes'", 400, "'Sometimes' is not a member of the enum type 'Microsoft.Dynamics.CRM.CascadeType'"],
        ['RelationshipDefinitions/Microsoft.Dynamics.CRM.EntityMetadata', 404, "Resource not found for the segment 'Microsoft.Dynamics.CRM.EntityMetadata'."],
        ['RelationshipDefinitions?$expand=Foo', 400, "'$expand' is not supported on RelationshipDefinitions"],
        ["RelationshipDefinitions(SchemaName='nope')", 404, "Could not find a relationship with SchemaName 'nope'."],
        ["RelationshipDefinitions(LogicalName='x')", 400, "must be SchemaName='<name>' or a MetadataId"],
      ];
      for (const [path, status, message] of cases) {
        const r = await get(path);
        expect(r.status, path).to.equal(status);
        expect(r.json.error.message, path).to.contain(message);
      }
      expect((await call('PUT', `${s.root}EntityDefinitions(LogicalName='${ENTITY}')`, {})).status).to.equal(501);
      expect((await call('DELETE', `${s.root}GlobalOptionSetDefinitions(Name='${GLOBAL}')`)).status).to.equal(501);
      expect((await call('HEAD', `${s.root}EntityDefinitions`)).status, 'HEAD is GET without content').to.equal(200);
    });

    it('serves RelationshipDefinitions and the relationship collections of a table, with CascadeConfiguration.Delete as deletes behave', async () => {
      const all = await get('RelationshipDefinitions?$select=SchemaName,RelationshipType');
      expect(all.status, all.text).to.equal(200);
      expect(all.json['@odata.context']).to.equal(`${s.root}$metadata#RelationshipDefinitions(SchemaName,RelationshipType)`);
      const data = 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid';
      const item = all.json.value.find((r: { SchemaName: string }) => r.SchemaName === data);
      expect(item).to.deep.equal({ '@odata.type': '#Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata', MetadataId: item.MetadataId, SchemaName: data, RelationshipType: 'OneToManyRelationship' });
      const cast = `RelationshipDefinitions/Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata`;
      const removeLink = await get(`${cast}?$select=SchemaName,ReferencingEntity,CascadeConfiguration&$filter=ReferencedEntity eq 'msdyn_copilotinteractiondata' and CascadeConfiguration/Delete eq Microsoft.Dynamics.CRM.CascadeType'RemoveLink'`);
      expect(removeLink.json.value.map((r: { SchemaName: string; ReferencingEntity: string; CascadeConfiguration: { Delete: string } }) => [r.SchemaName, r.ReferencingEntity, r.CascadeConfiguration.Delete]))
        .to.deep.equal([[data, ENTITY, 'RemoveLink']]);
      const one = await get(`RelationshipDefinitions(SchemaName='lk_${ENTITY}_createdby')`);
      expect(one.json).to.deep.include({
        '@odata.context': `${s.root}$metadata#RelationshipDefinitions/$entity`, ReferencedEntity: 'systemuser', ReferencedAttribute: 'systemuserid',
        ReferencingEntity: ENTITY, ReferencingAttribute: 'createdby', ReferencingEntityNavigationPropertyName: 'createdby', IsCustomRelationship: false,
      });
      expect(one.json.CascadeConfiguration.Delete).to.equal('Restrict');
      expect((await get(`RelationshipDefinitions(${one.json.MetadataId})?$select=SchemaName`)).json.SchemaName).to.equal(`lk_${ENTITY}_createdby`);
      const shipped = await get(`RelationshipDefinitions/Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata?$select=SchemaName`);
      expect(shipped.json.value.map((r: { SchemaName: string }) => r.SchemaName), 'users and their roles, teams, their members and roles').to.deep.equal(['systemuserprofiles_association', 'teamprofiles_association', 'systemuserroles_association', 'teamroles_association', 'teammembership_association']);

      const table = await get(`EntityDefinitions(LogicalName='msdyn_copilotinteractiondata')?$select=LogicalName&$expand=OneToManyRelationships($select=SchemaName;$filter=ReferencingEntity eq '${ENTITY}'),ManyToOneRelationships($select=ReferencingAttribute),ManyToManyRelationships`);
      expect(table.status, table.text).to.equal(200);
      // The context echoes the expansions, as for tables (OData JSON Format §10).
      expect(table.json['@odata.context']).to.equal(`${s.root}$metadata#EntityDefinitions(LogicalName,OneToManyRelationships(SchemaName),ManyToOneRelationships(ReferencingAttribute),ManyToManyRelationships())/$entity`);
      expect(table.json.OneToManyRelationships).to.deep.equal([{ MetadataId: item.MetadataId, SchemaName: data }]);
      expect(table.json.ManyToOneRelationships.map((r: { ReferencingAttribute: string }) => r.ReferencingAttribute).sort())
        .to.deep.equal(['createdby', 'createdonbehalfby', 'modifiedby', 'modifiedonbehalfby', 'organizationid']);
      expect(table.json.ManyToManyRelationships).to.deep.equal([]);
      const viaClient = await api.retrieveRelationships({ castType: 'Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata', select: ['SchemaName'], filter: "ReferencedEntity eq 'msdyn_copilotinteractiondata'" });
      expect(viaClient.value.map((r: { SchemaName: string }) => r.SchemaName)).to.deep.equal([data]);
      expect((await api.retrieveRelationship({ key: item.MetadataId, select: ['SchemaName'] })).SchemaName).to.equal(data);
    });

    it('answers a table\'s relationship collections as paths, and describes system lookups as Dataverse does', async () => {
      const data = 'msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid';
      const path = `EntityDefinitions(LogicalName='${ENTITY}')/ManyToOneRelationships`;
      const list = await get(`${path}?$select=SchemaName,SecurityTypes,CascadeConfiguration&$filter=ReferencingAttribute eq 'msdyn_interactiondataid' or ReferencingAttribute eq 'createdby'`);
      expect(list.status, list.text).to.equal(200);
      const id = (await get(`EntityDefinitions(LogicalName='${ENTITY}')?$select=LogicalName`)).json.MetadataId;
      expect(list.json['@odata.context']).to.equal(`${s.root}$metadata#EntityDefinitions(${id})/ManyToOneRelationships(SchemaName,SecurityTypes,CascadeConfiguration)`);
      const bySchema = Object.fromEntries(list.json.value.map((r: { SchemaName: string }) => [r.SchemaName, r]));
      expect(Object.keys(bySchema).sort()).to.deep.equal([`lk_${ENTITY}_createdby`, data].sort());
      expect(bySchema[data]).to.not.have.property('@odata.type');
      expect(bySchema[data].SecurityTypes).to.equal('Append');
      expect(bySchema[`lk_${ENTITY}_createdby`].SecurityTypes).to.equal('None');
      expect(bySchema[data].CascadeConfiguration).to.deep.equal({
        Assign: 'NoCascade', Delete: 'RemoveLink', Merge: 'NoCascade', Reparent: 'NoCascade', Share: 'NoCascade', Unshare: 'NoCascade', RollupView: 'NoCascade', Archive: 'NoCascade',
      });
      const one = await get(`${path}(SchemaName='${data}')?$select=AssociatedMenuConfiguration,RelationshipBehavior`);
      const system = await get(`${path}(SchemaName='lk_${ENTITY}_createdby')?$select=AssociatedMenuConfiguration,RelationshipBehavior`);
      expect([system.json.RelationshipBehavior, system.json.AssociatedMenuConfiguration.Order]).to.deep.equal([0, null]);
      const custom = await get(`${path}?$select=SchemaName&$filter=RelationshipBehavior eq 1 and AssociatedMenuConfiguration/Order eq 10000`);
      expect(custom.json.value.map((r: { SchemaName: string }) => r.SchemaName)).to.deep.equal([data]);
      expect(one.status, one.text).to.equal(200);
      expect(one.json['@odata.context']).to.equal(`${s.root}$metadata#EntityDefinitions(${id})/ManyToOneRelationships(AssociatedMenuConfiguration,RelationshipBehavior)/$entity`);
      expect(one.json.AssociatedMenuConfiguration).to.deep.include({ Behavior: 'UseCollectionName', Group: 'Details', AvailableOffline: true, ViewId: '00000000-0000-0000-0000-000000000000' });
      // A custom relationship as Dataverse makes one (Web API Metadata Operations Sample): behavior 1, menu order 10000.
      expect(one.json.RelationshipBehavior).to.equal(1);
      expect(one.json.AssociatedMenuConfiguration.Order).to.equal(10000);
      expect((await get(`${path}(${one.json.MetadataId})?$select=SchemaName`)).json.SchemaName).to.equal(data);
      // The referenced side lists it under OneToManyRelationships, not ManyToOneRelationships.
      expect((await get(`EntityDefinitions(LogicalName='msdyn_copilotinteractiondata')/OneToManyRelationships?$select=SchemaName`)).json.value.map((r: { SchemaName: string }) => r.SchemaName)).to.deep.equal([data]);
      expect((await get(`EntityDefinitions(LogicalName='msdyn_copilotinteractiondata')/ManyToOneRelationships(SchemaName='${data}')`)).status).to.equal(404);
    });

    it('gives ObjectTypeCode and the common capability properties, filterable', async () => {
      const users = await get('EntityDefinitions?$select=LogicalName,ObjectTypeCode,IsAuditEnabled&$filter=ObjectTypeCode eq 8');
      expect(users.json.value.map((e: Record<string, unknown>) => [e['LogicalName'], e['ObjectTypeCode'], (e['IsAuditEnabled'] as { Value: boolean }).Value])).to.deep.equal([['systemuser', 8, false]]);
      const custom = await get(`EntityDefinitions(LogicalName='${ENTITY}')?$select=ObjectTypeCode,TableType,CanCreateAttributes`);
      expect(custom.json.ObjectTypeCode).to.be.within(10_000, 99_999);
      expect(custom.json.TableType).to.equal('Standard');
      expect(custom.json.CanCreateAttributes.Value).to.equal(false);
      const kinds = await get(`EntityDefinitions(LogicalName='${ENTITY}')?$select=IsLogicalEntity,IsBPFEntity,IsElasticTable,IsArchivalEnabled,IconVectorName,DataProviderId`);
      expect(kinds.status, kinds.text).to.equal(200);
      expect(kinds.json).to.deep.include({ IsLogicalEntity: false, IsBPFEntity: false, IsElasticTable: false, IsArchivalEnabled: true, IconVectorName: null, DataProviderId: null });
      // The column properties tools commonly select (dynamics-web-api retrieveAttributes, maker tools).
      const columns = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes?$select=LogicalName,IsCustomizable,IsAuditEnabled,IsSecured,IsRetrievable,IsValidForForm,IsValidForGrid,SourceType,IntroducedVersion,IsRenameable,IsSortableEnabled,CanBeSecuredForRead,AutoNumberFormat&$filter=LogicalName eq 'msdyn_name' or LogicalName eq 'createdon'`);
      expect(columns.status, columns.text).to.equal(200);
      const byName = Object.fromEntries(columns.json.value.map((a: Record<string, any>) => [a['LogicalName'], a]));
      expect(byName['msdyn_name']).to.deep.include({ IsSecured: false, IsRetrievable: true, IsValidForForm: true, IsValidForGrid: true, SourceType: 0, IntroducedVersion: '1.0', CanBeSecuredForRead: false, AutoNumberFormat: null });
      expect(byName['msdyn_name'].IsCustomizable.Value).to.equal(true);
      expect(byName['msdyn_name'].IsRenameable.Value).to.equal(true);
      expect(byName['createdon'].IsAuditEnabled.Value).to.equal(false);
      const secured = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes?$select=LogicalName&$filter=IsSecured eq true`);
      expect(secured.json.value).to.deep.equal([]);
      // IsValidODataAttribute: false exactly for the columns that are no property of the EntityType (lookup names).
      const notOData = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes?$select=LogicalName,AttributeOf,CanModifyAdditionalSettings&$filter=IsValidODataAttribute eq false`);
      expect(notOData.status, notOData.text).to.equal(200);
      expect(notOData.json.value.map((a: Record<string, any>) => a['LogicalName'])).to.include.members(['createdbyname', 'msdyn_interactiondataidname']);
      expect(notOData.json.value.every((a: Record<string, any>) => a['AttributeOf'] !== null && a['CanModifyAdditionalSettings'].Value === true)).to.equal(true);
      const odata = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes?$select=LogicalName&$filter=IsValidODataAttribute eq true`);
      const properties = (await parseStringPromise((await call('GET', `${s.root}$metadata`)).text))['edmx:Edmx']['edmx:DataServices'][0].Schema[0].EntityType
        .find((t: any) => t.$.Name === ENTITY).Property.map((p: any) => p.$.Name.replace(/^_(.*)_value$/, '$1'));
      expect(odata.json.value.map((a: Record<string, any>) => a['LogicalName'])).to.have.members(properties);
      // Choice and option properties of dependent choices, which Tessera has none of.
      const choice = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=ParentPicklistLogicalName,ChildPicklistLogicalNames,SourceTypeMask,FormulaDefinition&$expand=OptionSet($select=Options)`);
      expect(choice.status, choice.text).to.equal(200);
      expect(choice.json.value[0]).to.deep.include({ ParentPicklistLogicalName: null, ChildPicklistLogicalNames: [], SourceTypeMask: 0, FormulaDefinition: null });
      expect(choice.json.value[0].OptionSet.Options[0]).to.deep.include({ ParentValues: [], Tag: null, IsHidden: false });
    });

    it('gives each column type the properties clients read: DateTime supported range and behavior, String FormatName, calculated-column properties, declared alike in $metadata', async () => {
      const columns = `EntityDefinitions(LogicalName='${ENTITY}')/Attributes`;
      const dates = await get(`${columns}/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata?$select=LogicalName,MinSupportedValue,MaxSupportedValue,CanChangeDateTimeBehavior,FormulaDefinition,SourceTypeMask&$filter=LogicalName eq 'msdyn_clienttimestamp' or LogicalName eq 'createdon'`);
      expect(dates.status, dates.text).to.equal(200);
      const byName = Object.fromEntries(dates.json.value.map((a: Record<string, any>) => [a['LogicalName'], a]));
      // Dataverse's constants (SDK DateTimeAttributeMetadata), the same for every column.
      expect(byName['msdyn_clienttimestamp']).to.deep.equal({
        '@odata.type': '#Microsoft.Dynamics.CRM.DateTimeAttributeMetadata', MetadataId: byName['msdyn_clienttimestamp'].MetadataId, LogicalName: 'msdyn_clienttimestamp',
        MinSupportedValue: '1753-01-01T00:00:00Z', MaxSupportedValue: '9999-12-30T23:59:59Z',
        CanChangeDateTimeBehavior: { Value: true, CanBeChanged: true, ManagedPropertyLogicalName: 'canchangedatetimebehavior' }, FormulaDefinition: null, SourceTypeMask: 0,
      });
      // A system column's behavior stays UserLocal.
      expect(byName['createdon']).to.deep.include({ MinSupportedValue: '1753-01-01T00:00:00Z', MaxSupportedValue: '9999-12-30T23:59:59Z' });
      expect(byName['createdon'].CanChangeDateTimeBehavior).to.deep.equal({ Value: false, CanBeChanged: true, ManagedPropertyLogicalName: 'canchangedatetimebehavior' });
      const early = await get(`${columns}/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata?$select=LogicalName&$filter=MinSupportedValue lt 1900-01-01T00:00:00Z and MaxSupportedValue eq 9999-12-30T23:59:59Z and CanChangeDateTimeBehavior/Value eq true`);
      expect(early.status, early.text).to.equal(200);
      expect(names(early)).to.deep.equal(['msdyn_clienttimestamp']);
      const wrong = await get(`${columns}/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata?$filter=MinSupportedValue eq 1753`);
      expect(wrong.status).to.equal(400);
      expect(wrong.json.error.message).to.contain('incompatible types');

      const text = await get(`${columns}(LogicalName='msdyn_name')/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=Format,FormatName,IsLocalizable,FormulaDefinition,SourceTypeMask,DatabaseLength,ImeMode,YomiOf`);
      expect(text.status, text.text).to.equal(200);
      const { '@odata.context': _context, ...name } = text.json;
      expect(name).to.deep.equal({
        '@odata.type': '#Microsoft.Dynamics.CRM.StringAttributeMetadata', MetadataId: name.MetadataId, Format: 'Text', FormatName: { Value: 'Text' }, IsLocalizable: false,
        FormulaDefinition: null, SourceTypeMask: 0, DatabaseLength: 200, ImeMode: 'Auto', YomiOf: null,
      });
      const long = await get(`${columns}/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName&$filter=DatabaseLength eq 200 and ImeMode eq Microsoft.Dynamics.CRM.ImeMode'Auto' and YomiOf eq null and IsCustomAttribute eq true and AttributeOf eq null`);
      expect(long.status, long.text).to.equal(200);
      expect(names(long)).to.deep.equal(['msdyn_interactionforid', 'msdyn_interactionforlogicalname', 'msdyn_name', 'msdyn_scenariorequestid']);
      // A lookup's phonetic (yomi) name column is the yomi of its name column.
      const yomi = await get(`${columns}/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,YomiOf&$filter=YomiOf ne null`);
      expect(Object.fromEntries(yomi.json.value.map((a: Record<string, string>) => [a['LogicalName'], a['YomiOf']]))).to.deep.equal({
        createdbyyominame: 'createdbyname', createdonbehalfbyyominame: 'createdonbehalfbyname', modifiedbyyominame: 'modifiedbyname', modifiedonbehalfbyyominame: 'modifiedonbehalfbyname',
      });
      const byFormat = await get(`${columns}/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName&$filter=FormatName/Value eq 'Text' and IsCustomAttribute eq true and AttributeOf eq null`);
      expect(names(byFormat)).to.deep.equal(['msdyn_interactionforid', 'msdyn_interactionforlogicalname', 'msdyn_name', 'msdyn_scenariorequestid']);
      const memo = await get(`${columns}(LogicalName='msdyn_interactioncontext')/Microsoft.Dynamics.CRM.MemoAttributeMetadata?$select=IsLocalizable,ImeMode`);
      expect(memo.json).to.deep.include({ IsLocalizable: false, ImeMode: 'Auto' });
      const stamped = await get(`${columns}(LogicalName='msdyn_clienttimestamp')?$select=CreatedOn,ModifiedOn`);
      expect(stamped.json).to.deep.include({ CreatedOn: null, ModifiedOn: null });
      const integer = await get(`${columns}(LogicalName='importsequencenumber')/Microsoft.Dynamics.CRM.IntegerAttributeMetadata?$select=FormulaDefinition,SourceTypeMask`);
      expect(integer.json).to.deep.include({ FormulaDefinition: null, SourceTypeMask: 0 });
      const flag = await get(`EntityDefinitions(LogicalName='privilege')/Attributes(LogicalName='canbebasic')/Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$select=FormulaDefinition,SourceTypeMask`);
      // A Boolean column's formula is "", not null, in Dataverse's answers (Web API Metadata Operations Sample).
      expect(flag.json).to.deep.include({ FormulaDefinition: '', SourceTypeMask: 0 });

      const schema = (await parseStringPromise((await call('GET', `${s.root}$metadata`)).text))['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
      const declared = (kind: string, type: string) => Object.fromEntries(schema[kind].find((t: any) => t.$.Name === type).Property.map((p: any) => [p.$.Name, p.$.Type]));
      expect(declared('EntityType', 'DateTimeAttributeMetadata')).to.deep.include({
        MinSupportedValue: 'Edm.DateTimeOffset', MaxSupportedValue: 'Edm.DateTimeOffset', CanChangeDateTimeBehavior: 'mscrm.BooleanManagedProperty', FormulaDefinition: 'Edm.String', SourceTypeMask: 'Edm.Int32',
      });
      expect(declared('EntityType', 'StringAttributeMetadata')).to.deep.include({
        FormatName: 'mscrm.StringFormatName', IsLocalizable: 'Edm.Boolean', DatabaseLength: 'Edm.Int32', ImeMode: 'mscrm.ImeMode', YomiOf: 'Edm.String',
      });
      for (const type of ['MemoAttributeMetadata', 'DateTimeAttributeMetadata', 'DecimalAttributeMetadata', 'DoubleAttributeMetadata', 'MoneyAttributeMetadata']) {
        expect(declared('EntityType', type), type).to.deep.include({ ImeMode: 'mscrm.ImeMode' });
      }
      expect(declared('EntityType', 'AttributeMetadata')).to.deep.include({ CreatedOn: 'Edm.DateTimeOffset', ModifiedOn: 'Edm.DateTimeOffset' });
      expect(schema.EnumType.find((t: any) => t.$.Name === 'ImeMode').Member.map((m: any) => [m.$.Name, m.$.Value]))
        .to.deep.equal([['Auto', '0'], ['Inactive', '1'], ['Active', '2'], ['Disabled', '3']]);
      expect(declared('ComplexType', 'StringFormatName')).to.deep.equal({ Value: 'Edm.String' });
      expect(declared('EntityType', 'MoneyAttributeMetadata')).to.deep.include({ PrecisionSource: 'Edm.Int32', IsBaseCurrency: 'Edm.Boolean', CalculationOf: 'Edm.String' });
    });

    it('compares DateTimeOffset metadata properties with any Edm.DateTimeOffset literal: before 1753, and to the fraction of a second', async () => {
      const columns = `EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata?$select=LogicalName&$filter=LogicalName eq 'msdyn_clienttimestamp' and `;
      const matches = async (filter: string) => {
        const r = await get(`${columns}${filter}`);
        expect(r.status, `${filter}: ${r.text}`).to.equal(200);
        return names(r).length === 1;
      };
      // A date-time column's range (1753 on) bounds row values, not the literals a metadata filter compares.
      expect(await matches('MinSupportedValue gt 0001-01-01T00:00:00Z')).to.equal(true);
      expect(await matches('MinSupportedValue lt 1700-06-30T12:00:00Z')).to.equal(false);
      expect(await matches('MinSupportedValue gt 1752-12-31T23:59:59-00:30')).to.equal(false);
      // Fractions of a second count: 00:00:00 is before 00:00:00.5.
      expect(await matches('MinSupportedValue eq 1753-01-01T00:00:00.5Z')).to.equal(false);
      expect(await matches('MinSupportedValue lt 1753-01-01T00:00:00.0000001Z')).to.equal(true);
      expect(await matches('MinSupportedValue ge 1753-01-01T00:00:00.000Z')).to.equal(true);
      expect(await matches('MaxSupportedValue lt 9999-12-30T23:59:59.9Z')).to.equal(true);
      expect(await matches('MaxSupportedValue eq 9999-12-30T23:59:59.000Z')).to.equal(true);
      const invalid = await get(`${columns}MinSupportedValue gt 1753-02-30T00:00:00Z`);
      expect(invalid.status, invalid.text).to.equal(400);
      expect(invalid.json.error.code).to.equal('0x80060888');
    });

    it('gives every table the EntityMetadata properties clients read: relationship eligibility, the features Tessera has not, declared alike in $metadata', async () => {
      const features = {
        ActivityTypeMask: 0, AutoCreateAccessTeams: false, AutoRouteToOwnerQueue: false, CanTriggerWorkflow: false, EntityHelpUrlEnabled: false, EntityHelpUrl: null,
        IsDocumentManagementEnabled: false, IsOneNoteIntegrationEnabled: false, IsInteractionCentricEnabled: false, IsKnowledgeManagementEnabled: false, IsSLAEnabled: false,
        IsDocumentRecommendationsEnabled: false, IsMSTeamsIntegrationEnabled: false, IsEnabledForExternalChannels: false, HasFeedback: false, SyncToExternalSearchIndex: false,
        IsRetrieveAuditEnabled: false, IsRetrieveMultipleAuditEnabled: false, IsAIRUpdated: false, IsImportable: false, IsEnabledForCharts: false, IsEnabledForTrace: false,
        IsQuickCreateEnabled: false, IsReadingPaneEnabled: false, MobileOfflineFilters: '', RecurrenceBaseEntityLogicalName: null, ReportViewName: null,
        UsesBusinessDataLabelTable: false, IsSolutionAware: false, SettingOf: null, DataSourceId: null, AutoReplicateClusterRecords: false, CanChangeClusterMode: false,
        // What Dataverse answers for a table (Web API Metadata Operations Sample), without a record of when it was made.
        CreatedOn: null, ModifiedOn: null, DaysSinceRecordLastModified: 0, HasEmailAddresses: false, OwnerId: null, OwnerIdType: 8, OwningBusinessUnit: null, Settings: [],
      };
      const flag = (Value: boolean, name: string, CanBeChanged = true) => ({ Value, CanBeChanged, ManagedPropertyLogicalName: name });
      const managed = {
        IsDuplicateDetectionEnabled: flag(false, 'canmodifyduplicatedetectionsettings'), IsMailMergeEnabled: flag(false, 'canmodifymailmergesettings'),
        IsVisibleInMobile: flag(false, 'canmodifymobilevisibility'), IsVisibleInMobileClient: flag(false, 'canmodifymobileclientvisibility'),
        IsReadOnlyInMobileClient: flag(false, 'canmodifymobileclientreadonly'), IsOfflineInMobileClient: flag(false, 'canmodifymobileclientoffline'),
        CanChangeHierarchicalRelationship: flag(false, 'canchangehierarchicalrelationship'), CanEnableSyncToExternalSearchIndex: flag(false, 'canenablesynctoexternalsearchindex'),
        CanModifyAdditionalSettings: flag(true, 'canmodifyadditionalsettings'),
        IsMappable: flag(true, 'ismappable', false), CanCreateAttributes: flag(false, 'cancreateattributes', false),
      };
      const eligibility = (Value: boolean) => ({
        CanBePrimaryEntityInRelationship: flag(Value, 'canbeprimaryentityinrelationship'), CanBeRelatedEntityInRelationship: flag(Value, 'canberelatedentityinrelationship'),
        CanBeInManyToMany: flag(Value, 'canbeinmanytomany'), CanBeInCustomEntityAssociation: flag(Value, 'canbeincustomentityassociation'),
        CanChangeTrackingBeEnabled: flag(Value, 'canchangetrackingbeenabled'),
      });
      const select = [...Object.keys(features), ...Object.keys(managed), ...Object.keys(eligibility(true)), 'LogicalCollectionName', 'CollectionSchemaName'].join(',');
      const table = await get(`EntityDefinitions(LogicalName='savedquery')?$select=${select}`);
      expect(table.status, table.text).to.equal(200);
      const { '@odata.context': _context, ...savedquery } = table.json;
      expect(savedquery).to.deep.equal({
        MetadataId: savedquery.MetadataId, ...features, ...managed, ...eligibility(true), LogicalCollectionName: 'savedqueries', CollectionSchemaName: 'SavedQueries',
      });
      // An intersect table's rows are links: it takes part in no relationship of its own.
      const intersect = await get(`EntityDefinitions(LogicalName='systemuserroles')?$select=${Object.keys(eligibility(false)).join(',')},IsMappable`);
      expect(intersect.json).to.deep.include({ ...eligibility(false), IsMappable: flag(false, 'ismappable', false) });
      const links = await get('EntityDefinitions?$select=LogicalName&$filter=CanBeInManyToMany/Value eq false and ActivityTypeMask eq 0 and IsImportable eq false and OwnerIdType eq 8 and HasEmailAddresses eq false and CreatedOn eq null and OwnerId eq null');
      expect(names(links)).to.deep.equal(['systemuserprofiles', 'systemuserroles', 'teammembership', 'teamprofiles', 'teamroles']);
      const plurals = await get('EntityDefinitions?$select=LogicalName,CollectionSchemaName&$filter=LogicalName eq \'userquery\' or LogicalName eq \'systemuser\' or LogicalName eq \'msdyn_copilotinteraction\'');
      expect(Object.fromEntries(plurals.json.value.map((e: Record<string, string>) => [e['LogicalName'], e['CollectionSchemaName']]))).to.deep.equal({
        userquery: 'UserQueries', systemuser: 'SystemUsers', msdyn_copilotinteraction: 'msdyn_copilotinteractions',
      });

      const schema = (await parseStringPromise((await call('GET', `${s.root}$metadata`)).text))['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
      const declared = Object.fromEntries(schema.EntityType.find((t: any) => t.$.Name === 'EntityMetadata').Property.map((p: any) => [p.$.Name, p.$.Type]));
      expect(declared).to.deep.include({
        ActivityTypeMask: 'Edm.Int32', CanTriggerWorkflow: 'Edm.Boolean', MobileOfflineFilters: 'Edm.String', DataSourceId: 'Edm.Guid',
        CanBeInManyToMany: 'mscrm.BooleanManagedProperty', IsDuplicateDetectionEnabled: 'mscrm.BooleanManagedProperty',
        CreatedOn: 'Edm.DateTimeOffset', ModifiedOn: 'Edm.DateTimeOffset', DaysSinceRecordLastModified: 'Edm.Int32', HasEmailAddresses: 'Edm.Boolean',
        OwnerId: 'Edm.Guid', OwnerIdType: 'Edm.Int32', OwningBusinessUnit: 'Edm.Guid', Settings: 'Collection(mscrm.EntitySetting)',
      });
      const setting = schema.ComplexType.find((t: any) => t.$.Name === 'EntitySetting').Property.map((p: any) => [p.$.Name, p.$.Type]);
      expect(setting).to.deep.equal([['Name', 'Edm.String'], ['Value', 'Edm.String']]);
      for (const name of [...Object.keys(features), ...Object.keys(managed), ...Object.keys(eligibility(true))]) expect(declared, name).to.have.own.property(name);
    });

    it('lists a table\'s privileges as EntityMetadata.Privileges, the same ids and depths as the privilege table, declared in $metadata', async () => {
      const r = await get(`EntityDefinitions?$select=LogicalName,Privileges&$filter=LogicalName eq 'userquery' or LogicalName eq 'savedquery' or LogicalName eq 'systemuser' or LogicalName eq 'systemuserroles'`);
      expect(r.status, r.text).to.equal(200);
      const byTable = Object.fromEntries(r.json.value.map((e: { LogicalName: string; Privileges: Array<Record<string, unknown>> }) => [e.LogicalName, e.Privileges]));
      const rows = await get(`privileges?$select=privilegeid,name,canbebasic,canbelocal,canbedeep,canbeglobal&$filter=endswith(name,'UserQuery') or endswith(name,'SavedQuery') or endswith(name,'User')`);
      expect(rows.status, rows.text).to.equal(200);
      const row = Object.fromEntries(rows.json.value.map((p: Record<string, unknown>) => [p['name'], p]));
      const expected = (name: string, type: string, depths: string[]) => ({
        CanBeBasic: depths.includes('Basic'), CanBeDeep: depths.includes('Deep'), CanBeGlobal: depths.includes('Global'), CanBeLocal: depths.includes('Local'),
        CanBeEntityReference: false, CanBeParentEntityReference: false, CanBeRecordFilter: false, Name: `prv${type}${name}`, PrivilegeId: row[`prv${type}${name}`]['privilegeid'],
        PrivilegeType: type,
      });
      // In PrivilegeType order, as Dataverse lists them; Assign and Share only on user-owned tables, no prvDeleteUser.
      const all = ['Basic', 'Local', 'Deep', 'Global'];
      expect(byTable['userquery']).to.deep.equal(['Create', 'Read', 'Write', 'Delete', 'Assign', 'Share', 'Append', 'AppendTo'].map((t) => expected('UserQuery', t, all)));
      expect(byTable['savedquery']).to.deep.equal(['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo'].map((t) => expected('SavedQuery', t, ['Global'])));
      expect(byTable['systemuser']).to.deep.equal(['Create', 'Read', 'Write', 'Append', 'AppendTo'].map((t) => expected('User', t, ['Local', 'Deep', 'Global'])));
      expect(row['prvReadUserQuery']).to.deep.include({ canbebasic: true, canbelocal: true, canbedeep: true, canbeglobal: true });
      expect(byTable['systemuserroles'], 'an intersect table has no privileges').to.deep.equal([]);

      const schema = (await parseStringPromise((await call('GET', `${s.root}$metadata`)).text))['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
      const entity = schema.EntityType.find((t: any) => t.$.Name === 'EntityMetadata');
      expect(entity.Property.find((p: any) => p.$.Name === 'Privileges').$.Type).to.equal('Collection(mscrm.SecurityPrivilegeMetadata)');
      const complex = schema.ComplexType.find((t: any) => t.$.Name === 'SecurityPrivilegeMetadata');
      expect(Object.fromEntries(complex.Property.map((p: any) => [p.$.Name, p.$.Type]))).to.deep.include({ PrivilegeId: 'Edm.Guid', PrivilegeType: 'mscrm.PrivilegeType', CanBeRecordFilter: 'Edm.Boolean' });
      const members = schema.EnumType.find((t: any) => t.$.Name === 'PrivilegeType').Member.map((m: any) => [m.$.Name, m.$.Value]);
      expect(members).to.deep.equal([['None', '0'], ['Create', '1'], ['Read', '2'], ['Write', '3'], ['Delete', '4'], ['Assign', '5'], ['Share', '6'], ['Append', '7'], ['AppendTo', '8']]);
      // A collection is selectable, not comparable.
      expect((await get('EntityDefinitions?$filter=Privileges eq null')).status).to.equal(400);
    });

    it('reads LogicalCollectionName and CollectionSchemaName from the metadata file, and derives CollectionSchemaName from the plural logical name', async () => {
      const dir = tempDir('tessera-plural-');
      cpSync(SHIPPED_METADATA, dir, { recursive: true });
      const table = (name: string, extra: object) => ({
        LogicalName: name, PrimaryIdAttribute: `${name}id`, OwnershipType: 'OrganizationOwned', HasStateModel: false, Attributes: [], ...extra,
      });
      writeFileSync(join(dir, 'new_person.json'), JSON.stringify(table('new_person', { SchemaName: 'new_Person', EntitySetName: 'people', LogicalCollectionName: 'new_people' })));
      writeFileSync(join(dir, 'new_company.json'), JSON.stringify(table('new_company', {
        SchemaName: 'new_Company', EntitySetName: 'new_companies', CollectionSchemaName: 'new_CompanyRecords',
      })));
      const plural = await startServer(dir, database);
      try {
        const rows = await call('GET', `${plural.root}EntityDefinitions?$select=LogicalName,EntitySetName,LogicalCollectionName,CollectionSchemaName&$filter=LogicalName eq 'new_person' or LogicalName eq 'new_company'`);
        expect(rows.status, rows.text).to.equal(200);
        expect(rows.json.value.map(({ MetadataId: _id, ...e }: Record<string, unknown>) => e)).to.deep.equal([
          { LogicalName: 'new_company', EntitySetName: 'new_companies', LogicalCollectionName: 'new_companies', CollectionSchemaName: 'new_CompanyRecords' },
          { LogicalName: 'new_person', EntitySetName: 'people', LogicalCollectionName: 'new_people', CollectionSchemaName: 'new_People' },
        ]);
        // The table's rows are still at its EntitySetName.
        expect((await call('GET', `${plural.root}people`)).status).to.equal(200);
      } finally {
        await plural.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('writes OptionSetMetadata\'s ParentOptionSetName (no dependent choices) and Dataverse\'s empty ExternalValue of options', async () => {
      const global = await get(`GlobalOptionSetDefinitions(Name='${GLOBAL}')?$select=Name,ParentOptionSetName,Options`);
      expect(global.status, global.text).to.equal(200);
      expect(global.json.ParentOptionSetName).to.equal(null);
      expect((await get(`GlobalOptionSetDefinitions(Name='${GLOBAL}')?$select=IntroducedVersion`)).json.IntroducedVersion, 'as every other definition\'s').to.equal('1.0');
      expect(global.json.Options.map((o: { ExternalValue: unknown }) => o.ExternalValue)).to.deep.equal(global.json.Options.map(() => ''));
      const column = `EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='statuscode')/Microsoft.Dynamics.CRM.StatusAttributeMetadata/OptionSet?$select=ParentOptionSetName,Options`;
      const status = await get(column);
      expect(status.status, status.text).to.equal(200);
      expect(status.json.ParentOptionSetName).to.equal(null);
      expect(status.json.Options[0]).to.deep.include({ ExternalValue: '', Color: null, ParentValues: [] });
      // BooleanOptionSetMetadata has no ParentOptionSetName (it is OptionSetMetadata's own).
      const yesNo = await get(`EntityDefinitions(LogicalName='privilege')/Attributes(LogicalName='canbebasic')/Microsoft.Dynamics.CRM.BooleanAttributeMetadata/OptionSet`);
      expect(yesNo.json).not.to.have.property('ParentOptionSetName');
      expect(yesNo.json.TrueOption.ExternalValue).to.equal('');
      const schema = (await parseStringPromise((await call('GET', `${s.root}$metadata`)).text))['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
      const declared = (type: string) => (schema.EntityType.find((t: any) => t.$.Name === type).Property ?? []).map((p: any) => p.$.Name);
      expect(declared('OptionSetMetadata')).to.deep.equal(['Options', 'ParentOptionSetName']);
      expect(declared('OptionSetMetadataBase')).not.to.include('ParentOptionSetName');
    });

    it('gives alternate keys the EntityKeyMetadata properties clients read, made at once by the migration, filterable and declared in $metadata', async () => {
      const keys = await get(`EntityDefinitions(LogicalName='systemuser')/Keys?$select=LogicalName,IntroducedVersion,IsCustomizable,AsyncJob,IsSynchronous,IsSecondaryKey,IsExportKey`);
      expect(keys.status, keys.text).to.equal(200);
      expect(keys.json.value.map(({ MetadataId: _id, ...k }: Record<string, unknown>) => k)).to.deep.equal(['azureactivedirectoryobjectid', 'applicationid'].map((LogicalName) => ({
        LogicalName, IntroducedVersion: '1.0', IsCustomizable: { Value: true, CanBeChanged: true, ManagedPropertyLogicalName: 'iscustomizable' }, AsyncJob: null,
        IsSynchronous: true, IsSecondaryKey: false, IsExportKey: false,
      })));
      const expanded = await get(`EntityDefinitions(LogicalName='systemuser')?$select=LogicalName&$expand=Keys($select=LogicalName;$filter=IsSynchronous eq true and AsyncJob eq null and IsCustomizable/Value eq true)`);
      expect(expanded.status, expanded.text).to.equal(200);
      expect(expanded.json.Keys.map((k: { LogicalName: string }) => k.LogicalName)).to.deep.equal(['azureactivedirectoryobjectid', 'applicationid']);
      const schema = (await parseStringPromise((await call('GET', `${s.root}$metadata`)).text))['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
      const declared = Object.fromEntries(schema.EntityType.find((t: any) => t.$.Name === 'EntityKeyMetadata').Property.map((p: any) => [p.$.Name, p.$.Type]));
      expect(declared).to.deep.include({
        IntroducedVersion: 'Edm.String', IsCustomizable: 'mscrm.BooleanManagedProperty', AsyncJob: 'Edm.Guid', IsSynchronous: 'Edm.Boolean', IsSecondaryKey: 'Edm.Boolean', IsExportKey: 'Edm.Boolean',
      });
    });

    it('answers a table\'s Keys and a column\'s OptionSet / GlobalOptionSet as paths', async () => {
      const keys = await get(`EntityDefinitions(LogicalName='retentionconfig')/Keys?$select=LogicalName,KeyAttributes`);
      expect(keys.status, keys.text).to.equal(200);
      expect(keys.json.value).to.have.length(1);
      const key = keys.json.value[0];
      expect((await get(`EntityDefinitions(LogicalName='retentionconfig')/Keys(LogicalName='${key.LogicalName}')?$select=KeyAttributes`)).json.KeyAttributes).to.deep.equal(key.KeyAttributes);
      expect((await get(`EntityDefinitions(LogicalName='retentionconfig')/Keys(${key.MetadataId})`)).json.LogicalName).to.equal(key.LogicalName);
      expect((await get(`EntityDefinitions(LogicalName='retentionconfig')/Keys(LogicalName='nope')`)).status).to.equal(404);
      const column = `EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='msdyn_scenariotype')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`;
      const own = await get(`${column}/OptionSet?$select=Name,Options`);
      expect(own.status, own.text).to.equal(200);
      expect(own.json['@odata.context']).to.match(/\$metadata#EntityDefinitions\([0-9a-f-]+\)\/Attributes\([0-9a-f-]+\)\/Microsoft\.Dynamics\.CRM\.PicklistAttributeMetadata\/OptionSet\(Name,Options\)\/\$entity$/);
      expect(own.json.Options.map((o: { Value: number }) => o.Value)).to.include(100230201);
      expect((await get(`${column}/GlobalOptionSet`)).status, 'a local option set has no global one').to.equal(204);
      const global = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='msdyn_interactiontype')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata/GlobalOptionSet?$select=Name`);
      expect(global.json.Name).to.equal(GLOBAL);
      expect((await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='msdyn_name')/Microsoft.Dynamics.CRM.StringAttributeMetadata/OptionSet`)).status).to.equal(404);
      expect((await get(`${column}/OptionSet?$filter=IsGlobal eq true`)).status).to.equal(400);
      expect((await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata/OptionSet`)).status, 'an option set needs the column\'s key').to.equal(501);
    });

    it('lists a many-to-many relationship on both tables and in RelationshipDefinitions, with menu orders as Dataverse gives them; a Double column\'s default Precision', async () => {
      const dir = tempDir('tessera-rel-');
      cpSync(SHIPPED_METADATA, dir, { recursive: true });
      for (const file of RELATIONSHIP_FILES) writeFileSync(join(dir, `${file.LogicalName}.json`), JSON.stringify(file));
      writeFileSync(join(dir, 'new_reading.json'), JSON.stringify({
        LogicalName: 'new_reading', EntitySetName: 'new_readings', PrimaryIdAttribute: 'new_readingid', OwnershipType: 'OrganizationOwned',
        Attributes: [{ LogicalName: 'new_value', AttributeType: 'Double' }, { LogicalName: 'new_exact', AttributeType: 'Double', Precision: 5 }],
      }));
      const related = await startServer(dir, database);
      try {
        // A Double column without a Precision has Dataverse's default.
        const doubles = await call('GET', `${related.root}EntityDefinitions(LogicalName='new_reading')/Attributes/Microsoft.Dynamics.CRM.DoubleAttributeMetadata?$select=LogicalName,Precision,ImeMode&$filter=Precision le 5`);
        expect(doubles.status, doubles.text).to.equal(200);
        expect(Object.fromEntries(doubles.json.value.map((a: Record<string, unknown>) => [a['LogicalName'], [a['Precision'], a['ImeMode']]])))
          .to.deep.equal({ new_value: [2, 'Auto'], new_exact: [5, 'Auto'] });
        // Custom many-to-many relationships list their rows at Dataverse's menu order; system ones have none.
        const menus = await call('GET', `${related.root}RelationshipDefinitions/Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata?$select=SchemaName,IsCustomRelationship,Entity1AssociatedMenuConfiguration,Entity2AssociatedMenuConfiguration`);
        expect(Object.fromEntries(menus.json.value.map((r: Record<string, any>) => [r['SchemaName'], [r['IsCustomRelationship'], r['Entity1AssociatedMenuConfiguration'].Order, r['Entity2AssociatedMenuConfiguration'].Order]])))
          .to.deep.equal({ systemuserprofiles_association: [false, null, null], teamprofiles_association: [false, null, null], systemuserroles_association: [false, null, null], teamroles_association: [false, null, null], teammembership_association: [false, null, null], [TAGS]: [true, 10000, 10000] });
        const expected = {
          SchemaName: TAGS, Entity1LogicalName: ENTITY, Entity2LogicalName: 'new_tag', IntersectEntityName: TAGS, Entity1IntersectAttribute: `${ENTITY}id`,
          Entity2IntersectAttribute: 'new_tagid', Entity1NavigationPropertyName: TAGS, Entity2NavigationPropertyName: TAGS,
        };
        const nn = await call('GET', `${related.root}RelationshipDefinitions/Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata?$filter=SchemaName eq '${TAGS}'`);
        expect(nn.json.value).to.have.length(1);
        expect(nn.json.value[0]).to.deep.include({ '@odata.type': '#Microsoft.Dynamics.CRM.ManyToManyRelationshipMetadata', RelationshipType: 'ManyToManyRelationship', ...expected });
        for (const side of [ENTITY, 'new_tag']) {
          const t = await call('GET', `${related.root}EntityDefinitions(LogicalName='${side}')?$select=LogicalName&$expand=ManyToManyRelationships($select=${Object.keys(expected).join(',')})`);
          expect(t.json.ManyToManyRelationships, side).to.deep.equal([{ MetadataId: nn.json.value[0].MetadataId, ...expected }]);
        }
      } finally {
        await related.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses an enum literal against a table\'s column or key, whose choices are numbers', async () => {
      for (const path of [
        "msdyn_copilotinteractions?$filter=msdyn_name eq Microsoft.Dynamics.CRM.Whatever'Y'",
        "msdyn_copilotinteractions?$filter=msdyn_name eq @p&@p=a.b'Y'",
        "retentionconfigs(uniquename=a.b'abc')",
      ]) {
        const r = await get(path);
        expect(r.status, path).to.equal(400);
        expect(r.json.error.message, path).to.contain("'Edm.Enum'");
      }
    });

    it('serves dynamics-web-api: useEntityNames, retrieveEntity, retrieveAttributes and retrieveGlobalOptionSet', async () => {
      const created = await api.create({ collection: ENTITY, data: { msdyn_name: 'by logical name', msdyn_interactiontype: 100230301, msdyn_scenariotype: 100230201, msdyn_scenariorequestid: 'r-1' } });
      expect(String(created)).to.match(GUID_RE);
      const found = await api.retrieveMultiple({ collection: ENTITY, select: ['msdyn_name'], filter: "msdyn_name eq 'by logical name'" });
      expect(found.value.map((v) => v['msdyn_name'])).to.deep.equal(['by logical name']);
      const entity = await api.retrieveEntity({ key: `LogicalName='${ENTITY}'`, select: ['EntitySetName', 'PrimaryNameAttribute'] });
      expect(entity).to.include({ EntitySetName: 'msdyn_copilotinteractions', PrimaryNameAttribute: 'msdyn_name' });
      const picklists = await api.retrieveAttributes({ entityKey: `LogicalName='${ENTITY}'`, castType: 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata', select: ['LogicalName'], expand: [{ property: 'OptionSet' }] });
      const interaction = picklists.value.find((a) => a['LogicalName'] === 'msdyn_interactiontype')!;
      expect((interaction['OptionSet'] as { Options: Array<{ Value: number }> }).Options.map((o) => o.Value)).to.include(100230301);
      const global = await api.retrieveGlobalOptionSet({ key: `Name='${GLOBAL}'`, select: ['Name'] });
      expect(global).to.include({ Name: GLOBAL });
    });
  });
}
