import { expect } from 'chai';
import { DynamicsWebApi } from 'dynamics-web-api';
import { call, DATABASES, startServer, type TestServer } from './support/server.js';

/**
 * EntityDefinitions (digest §8): the shipped metadata files read back as EntityMetadata and
 * AttributeMetadata, over HTTP and through the unmodified dynamics-web-api client.
 */

const ENTITY = 'msdyn_copilotinteraction';
const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

for (const database of DATABASES) {
  describe(`EntityDefinitions [${database.name}]`, () => {
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
      expect(r.json.value.map((e: { LogicalName: string }) => e.LogicalName)).to.include.members(['systemuser', 'organization', 'msdyn_copilotinteractiondata']);
      const again = await get(`EntityDefinitions(${copilot.MetadataId})?$select=LogicalName`);
      expect(again.json).to.deep.equal({ '@odata.context': `${s.root}$metadata#EntityDefinitions(LogicalName)/$entity`, MetadataId: copilot.MetadataId, LogicalName: ENTITY });
    });

    it('answers one table by LogicalName with labels, and expands its Attributes with their own $select and $filter', async () => {
      const r = await get(`EntityDefinitions(LogicalName='${ENTITY}')?$select=DisplayName,PrimaryIdAttribute,OwnershipType&$expand=Attributes($select=LogicalName,RequiredLevel;$filter=AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist')`);
      expect(r.status, r.text).to.equal(200);
      expect(r.json.PrimaryIdAttribute).to.equal('msdyn_copilotinteractionid');
      expect(r.json.DisplayName.UserLocalizedLabel.Label).to.equal('Copilot Interaction');
      expect(r.json.DisplayName.LocalizedLabels[0].LanguageCode).to.equal(1033);
      const picklists = r.json.Attributes.map((a: { LogicalName: string }) => a.LogicalName).sort();
      // msft_datastate: the retention column a retention-enabled table has (system-columns.ts).
      expect(picklists).to.deep.equal(['msdyn_interactiontype', 'msdyn_scenariotype', 'msft_datastate']);
      expect(r.json.Attributes[0]['@odata.type']).to.equal('#Microsoft.Dynamics.CRM.PicklistAttributeMetadata');
      expect(r.json.Attributes.find((a: { LogicalName: string }) => a.LogicalName === 'msdyn_interactiontype').RequiredLevel.Value).to.equal('ApplicationRequired');
    });

    it('expands a table\'s alternate keys as EntityKeyMetadata', async () => {
      const r = await get("EntityDefinitions(LogicalName='retentionconfig')?$select=LogicalName&$expand=Keys($select=KeyAttributes)");
      expect(r.status, r.text).to.equal(200);
      expect(r.json.Keys.map((k: { KeyAttributes: string[] }) => k.KeyAttributes)).to.deep.include(['uniquename']);
      expect(Object.keys(r.json.Keys[0]).sort()).to.deep.equal(['KeyAttributes', 'MetadataId']);
    });

    it('filters tables and columns on complex paths and enum literals, and columns cast to their type on that type\'s properties', async () => {
      const byLabel = await get("EntityDefinitions?$select=LogicalName&$filter=DisplayName/UserLocalizedLabel/Label eq 'Copilot Interaction' and not (IsIntersect eq true)");
      expect(byLabel.json.value.map((e: { LogicalName: string }) => e.LogicalName)).to.deep.equal([ENTITY]);
      const required = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes?$select=LogicalName&$filter=RequiredLevel/Value eq Microsoft.Dynamics.CRM.AttributeRequiredLevel'ApplicationRequired'`);
      expect(required.json.value.map((a: { LogicalName: string }) => a.LogicalName).sort()).to.deep.equal(['msdyn_interactiontype', 'msdyn_name', 'msdyn_scenariorequestid', 'msdyn_scenariotype']);
      const long = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.MemoAttributeMetadata?$select=LogicalName,MaxLength&$filter=MaxLength gt 1000`);
      expect(long.status, long.text).to.equal(200);
      expect(long.json.value).to.deep.equal([{ '@odata.type': '#Microsoft.Dynamics.CRM.MemoAttributeMetadata', MetadataId: long.json.value[0].MetadataId, LogicalName: 'msdyn_interactioncontext', MaxLength: 1048576 }]);
      const short = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName&$filter=MaxLength gt 1000`);
      expect(short.json.value).to.deep.equal([]);
    });

    it('expands the OptionSet of a column cast to PicklistAttributeMetadata, options with labels in file order', async () => {
      const r = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='msdyn_interactiontype')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet,GlobalOptionSet`);
      expect(r.status, r.text).to.equal(200);
      expect(r.json.OptionSet.OptionSetType).to.equal('Picklist');
      expect(r.json.OptionSet.IsGlobal).to.equal(false);
      expect(r.json.GlobalOptionSet).to.equal(null);
      expect(r.json.OptionSet.Options[0]).to.include({ Value: 100230301 });
      expect(r.json.OptionSet.Options[0].Label.UserLocalizedLabel.Label).to.equal('ThumbsUp');
      const status = await get(`EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='statuscode')/Microsoft.Dynamics.CRM.StatusAttributeMetadata?$expand=OptionSet($select=Options)`);
      expect(status.json.OptionSet.Options.every((o: { State?: number }) => typeof o.State === 'number')).to.equal(true);
    });

    it('refuses what Dataverse refuses: unknown keys, properties, casts, options and functions', async () => {
      const cases: Array<[string, number, string]> = [
        ["EntityDefinitions(LogicalName='nope')", 404, "Could not find an entity with LogicalName 'nope'."],
        [`EntityDefinitions(LogicalName='${ENTITY}')/Attributes(LogicalName='nope')`, 404, `Could not find an attribute of '${ENTITY}' with LogicalName 'nope'.`],
        ['EntityDefinitions?$select=Nope', 400, "Could not find a property named 'Nope' on type 'Microsoft.Dynamics.CRM.EntityMetadata'."],
        [`EntityDefinitions(LogicalName='${ENTITY}')/Attributes?$select=MaxLength`, 400, "Could not find a property named 'MaxLength' on type 'Microsoft.Dynamics.CRM.AttributeMetadata'."],
        ['EntityDefinitions?$top=1', 400, "The query option '$top' is not supported on metadata entities."],
        ["EntityDefinitions?$filter=startswith(LogicalName,'msdyn')", 400, 'A $filter on metadata entities may compare properties'],
        [`EntityDefinitions(LogicalName='${ENTITY}')/Attributes/Microsoft.Dynamics.CRM.NopeAttributeMetadata`, 404, "Resource not found for the segment 'Microsoft.Dynamics.CRM.NopeAttributeMetadata'."],
        ['EntityDefinitions(Name=1)', 400, "must be LogicalName='<name>' or a MetadataId"],
      ];
      for (const [path, status, message] of cases) {
        const r = await get(path);
        expect(r.status, path).to.equal(status);
        expect(r.json.error.message, path).to.contain(message);
      }
      const put = await call('PUT', `${s.root}EntityDefinitions(LogicalName='${ENTITY}')`, {});
      expect(put.status).to.equal(501);
    });

    it('serves dynamics-web-api with useEntityNames (logical names for collections), retrieveEntity and retrieveAttributes', async () => {
      const created = await api.create({ collection: ENTITY, data: { msdyn_name: 'by logical name', msdyn_interactiontype: 100230301, msdyn_scenariotype: 100230201, msdyn_scenariorequestid: 'r-1' } });
      expect(String(created)).to.match(GUID_RE);
      const found = await api.retrieveMultiple({ collection: ENTITY, select: ['msdyn_name'], filter: "msdyn_name eq 'by logical name'" });
      expect(found.value.map((v) => v['msdyn_name'])).to.deep.equal(['by logical name']);
      const entity = await api.retrieveEntity({ key: `LogicalName='${ENTITY}'`, select: ['EntitySetName', 'PrimaryNameAttribute'] });
      expect(entity).to.include({ EntitySetName: 'msdyn_copilotinteractions', PrimaryNameAttribute: 'msdyn_name' });
      const picklists = await api.retrieveAttributes({ entityKey: `LogicalName='${ENTITY}'`, castType: 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata', select: ['LogicalName'], expand: [{ property: 'OptionSet' }] });
      const interaction = picklists.value.find((a) => a['LogicalName'] === 'msdyn_interactiontype')!;
      expect((interaction['OptionSet'] as { Options: Array<{ Value: number }> }).Options.map((o) => o.Value)).to.include(100230301);
    });
  });
}
