import { expect } from 'chai';
import { parseStringPromise } from 'xml2js';
import { DATABASES, call, startServer, type TestServer } from './support/server.js';

for (const database of DATABASES) {
  describe(`service document and $metadata [${database.name}]`, () => {
    let s: TestServer;
    before(async () => { s = await startServer(undefined, database); });
    after(async () => { await s.close(); });

    it('lists every entity set in the service document, with OData headers', async () => {
      const r = await call('GET', s.root, undefined, { Accept: 'application/json', 'OData-MaxVersion': '4.0' });
      expect(r.status).to.equal(200);
      expect(r.headers.get('odata-version')).to.equal('4.0');
      expect(r.headers.get('content-type')).to.equal('application/json; odata.metadata=minimal');
      expect(r.json['@odata.context']).to.equal(`${s.root}$metadata`);
      expect(r.json.value).to.deep.include({ name: 'msdyn_copilotinteractions', kind: 'EntitySet', url: 'msdyn_copilotinteractions' });
      expect(r.json.value.map((v: { name: string }) => v.name).sort()).to.deep.equal([
        'EntityDefinitions', 'GlobalOptionSetDefinitions', 'RelationshipDefinitions', 'businessunits', 'fieldpermissions', 'fieldsecurityprofiles', 'msdyn_copilotinteractiondatas', 'msdyn_copilotinteractions', 'organizations', 'privileges', 'retentionconfigs', 'roleprivilegescollection', 'roles', 'savedqueries', 'sdkmessagefilters', 'sdkmessages', 'systemuserprofilescollection', 'systemuserrolescollection', 'systemusers', 'teammembershipcollection', 'teamprofilescollection', 'teamrolescollection', 'teams', 'userqueries',
      ]);
    });

    it('declares the metadata entity types, their complex and enum types, and every type it names', async () => {
      const schema = (await parseStringPromise((await call('GET', `${s.root}$metadata`)).text))['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
      const byName = (list: any[] | undefined) => Object.fromEntries((list ?? []).map((t: any) => [t.$.Name, t]));
      const entities = byName(schema.EntityType);
      const complex = byName(schema.ComplexType);
      const enums = byName(schema.EnumType);
      const props = (t: any) => Object.fromEntries((t.Property ?? []).map((p: any) => [p.$.Name, p.$.Type]));
      const entity = entities['EntityMetadata'];
      expect(entity.Key[0].PropertyRef[0].$.Name).to.equal('MetadataId');
      expect(props(entity)).to.include({ LogicalName: 'Edm.String', DisplayName: 'mscrm.Label', OwnershipType: 'mscrm.OwnershipTypes', IsCustomizable: 'mscrm.BooleanManagedProperty' });
      expect(entity.NavigationProperty.map((n: any) => n.$)).to.deep.include({ Name: 'Attributes', Type: 'Collection(mscrm.AttributeMetadata)' });
      const picklist = entities['PicklistAttributeMetadata'];
      expect(picklist.$.BaseType).to.equal('mscrm.AttributeMetadata');
      // Typed as the option set's own kind, so a typed client finds Options (TrueOption …) on it.
      expect(picklist.NavigationProperty.map((n: any) => n.$)).to.deep.equal([
        { Name: 'OptionSet', Type: 'mscrm.OptionSetMetadata', Nullable: 'true' }, { Name: 'GlobalOptionSet', Type: 'mscrm.OptionSetMetadata', Nullable: 'true' },
      ]);
      expect(entities['BooleanAttributeMetadata'].NavigationProperty[0].$.Type).to.equal('mscrm.BooleanOptionSetMetadata');
      expect(entity.Property.find((p: any) => p.$.Name === 'MetadataId').$).to.deep.equal({ Name: 'MetadataId', Type: 'Edm.Guid', Nullable: 'false' });
      expect(props(entities['IntegerAttributeMetadata'])).to.include({ MinValue: 'Edm.Int32', MaxValue: 'Edm.Int32' });
      expect(props(entities['OneToManyRelationshipMetadata'])).to.include({ CascadeConfiguration: 'mscrm.CascadeConfiguration', ReferencedEntity: 'Edm.String' });
      expect(props(complex['Label'])).to.deep.equal({ LocalizedLabels: 'Collection(mscrm.LocalizedLabel)', UserLocalizedLabel: 'mscrm.LocalizedLabel' });
      expect(complex['StatusOptionMetadata'].$.BaseType).to.equal('mscrm.OptionMetadata');
      expect(enums['OwnershipTypes'].$.IsFlags).to.equal('true');
      expect(enums['OwnershipTypes'].Member.map((m: any) => m.$)).to.deep.include({ Name: 'UserOwned', Value: '1' });
      // Every type a property, navigation property, base type or entity set names is declared.
      const declared = new Set([...Object.keys(entities), ...Object.keys(complex), ...Object.keys(enums)].map((n) => `mscrm.${n}`));
      const named: string[] = [];
      for (const t of [...schema.EntityType, ...schema.ComplexType]) {
        if (t.$.BaseType) named.push(t.$.BaseType);
        for (const p of [...(t.Property ?? []), ...(t.NavigationProperty ?? [])]) named.push(p.$.Type.replace(/^Collection\((.*)\)$/, '$1'));
      }
      for (const set of schema.EntityContainer[0].EntitySet) named.push(set.$.EntityType.replace('Microsoft.Dynamics.CRM.', 'mscrm.'));
      expect(named.filter((n) => !n.startsWith('Edm.') && !declared.has(n))).to.deep.equal([]);
    });

    it('answers on v9.0 and v9.1 too and echoes the version in links', async () => {
      for (const v of ['9.0', '9.1']) {
        const r = await call('GET', `${s.origin}/api/data/v${v}/`);
        expect(r.status).to.equal(200);
        expect(r.json['@odata.context']).to.equal(`${s.origin}/api/data/v${v}/$metadata`);
      }
      expect((await call('GET', `${s.origin}/api/data/v9.3/`)).status).to.equal(404);
      const unversioned = await call('GET', `${s.origin}/api/data/`);
      expect(unversioned.json['@odata.context']).to.equal(`${s.root}$metadata`);
    });

    it('describes the model as CSDL XML', async () => {
      const r = await call('GET', `${s.root}$metadata`);
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.contain('application/xml');
      const doc = await parseStringPromise(r.text);
      const schema = doc['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
      expect(schema.$).to.include({ Namespace: 'Microsoft.Dynamics.CRM', Alias: 'mscrm' });
      const types = Object.fromEntries(schema.EntityType.map((t: any) => [t.$.Name, t]));
      expect(types['crmbaseentity'].$.Abstract).to.equal('true');
      const ci = types['msdyn_copilotinteraction'];
      expect(ci.$.BaseType).to.equal('mscrm.crmbaseentity');
      expect(ci.Key[0].PropertyRef[0].$.Name).to.equal('msdyn_copilotinteractionid');
      const props = Object.fromEntries(ci.Property.map((p: any) => [p.$.Name, p.$.Type]));
      expect(props).to.include({
        msdyn_copilotinteractionid: 'Edm.Guid', msdyn_name: 'Edm.String', msdyn_interactioncontext: 'Edm.String',
        msdyn_interactiontype: 'Edm.Int32', statecode: 'Edm.Int32', statuscode: 'Edm.Int32', versionnumber: 'Edm.Int64',
        createdon: 'Edm.DateTimeOffset', overriddencreatedon: 'Edm.DateTimeOffset', msdyn_clienttimestamp: 'Edm.DateTimeOffset',
        importsequencenumber: 'Edm.Int32', _msdyn_interactiondataid_value: 'Edm.Guid', _createdby_value: 'Edm.Guid', _organizationid_value: 'Edm.Guid',
      });
      expect(props).to.not.have.property('createdbyname');
      expect(props).to.not.have.property('msdyn_interactiondataid');
      const nav = ci.NavigationProperty.find((n: any) => n.$.Name === 'msdyn_interactiondataid');
      expect(nav.$.Type).to.equal('mscrm.msdyn_copilotinteractiondata');
      expect(nav.ReferentialConstraint[0].$).to.deep.equal({ Property: '_msdyn_interactiondataid_value', ReferencedProperty: 'msdyn_copilotinteractiondataid' });
      expect(ci.NavigationProperty.map((n: any) => n.$.Name)).to.include.members(['createdby', 'modifiedby', 'organizationid']);
    expect(nav.$.Partner).to.equal('msdyn_msdyn_copilotinteractiondata_msdyn_copilotinteraction_interactiondataid');
    const createdby = ci.NavigationProperty.find((n: any) => n.$.Name === 'createdby');
    expect(createdby.$).to.deep.equal({ Name: 'createdby', Type: 'mscrm.systemuser', Partner: 'lk_msdyn_copilotinteraction_createdby' });
    // The other side: collection-valued navigation properties on the referenced tables.
    const data = types['msdyn_copilotinteractiondata'].NavigationProperty.find((n: any) => n.$.Name === nav.$.Partner);
    expect(data.$).to.deep.equal({ Name: nav.$.Partner, Type: 'Collection(mscrm.msdyn_copilotinteraction)', Partner: 'msdyn_interactiondataid' });
    const user = types['systemuser'].NavigationProperty.map((n: any) => n.$.Name);
    expect(user).to.include.members(['lk_msdyn_copilotinteraction_createdby', 'lk_msdyn_copilotinteraction_modifiedby', 'lk_systemuser_createdby']);
    expect(types['organization'].NavigationProperty.map((n: any) => n.$.Name)).to.include('organization_msdyn_copilotinteraction');
      const container = schema.EntityContainer[0];
      expect(container.$.Name).to.equal('System');
      const sets = Object.fromEntries(container.EntitySet.map((e: any) => [e.$.Name, e]));
      expect(sets['msdyn_copilotinteractions'].$.EntityType).to.equal('Microsoft.Dynamics.CRM.msdyn_copilotinteraction');
      expect(Object.keys(sets).sort()).to.deep.equal([
        'EntityDefinitions', 'GlobalOptionSetDefinitions', 'RelationshipDefinitions', 'businessunits', 'fieldpermissions', 'fieldsecurityprofiles', 'msdyn_copilotinteractiondatas', 'msdyn_copilotinteractions', 'organizations', 'privileges', 'retentionconfigs', 'roleprivilegescollection', 'roles', 'savedqueries', 'sdkmessagefilters', 'sdkmessages', 'systemuserprofilescollection', 'systemuserrolescollection', 'systemusers', 'teammembershipcollection', 'teamprofilescollection', 'teamrolescollection', 'teams', 'userqueries',
      ]);
      expect(sets['EntityDefinitions'].$.EntityType).to.equal('Microsoft.Dynamics.CRM.EntityMetadata');
      expect(sets['msdyn_copilotinteractions'].NavigationPropertyBinding.map((b: any) => b.$)).to.deep.include({ Path: 'msdyn_interactiondataid', Target: 'msdyn_copilotinteractiondatas' });
    expect(sets['systemusers'].NavigationPropertyBinding.map((b: any) => b.$)).to.deep.include({ Path: 'lk_msdyn_copilotinteraction_createdby', Target: 'msdyn_copilotinteractions' });
    });

    it('annotates $metadata on ?annotations=true or an include-annotations preference, and only then', async () => {
      const typesOf = async (r: { text: string }) => {
        const schema = (await parseStringPromise(r.text))['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
        return Object.fromEntries(schema.EntityType.map((t: any) => [t.$.Name, t]));
      };
      const plain = await call('GET', `${s.root}$metadata`);
      expect(plain.text).to.not.contain('<Annotation');
      for (const r of [await call('GET', `${s.root}$metadata?annotations=true`), await call('GET', `${s.root}$metadata`, undefined, { Prefer: 'odata.include-annotations="*"' })]) {
        expect(r.status).to.equal(200);
        const types = await typesOf(r);
        const ci = types['msdyn_copilotinteraction'];
        expect(ci.Annotation.map((a: any) => a.$)).to.deep.include({ Term: 'Org.OData.Core.V1.Description', String: 'Entity to save interactions.' });
        const terms = (name: string) => (ci.Property.find((p: any) => p.$.Name === name).Annotation ?? []).map((a: any) => a.$.Term);
        expect(terms('createdon')).to.include('Org.OData.Core.V1.Computed');
        expect(terms('msdyn_name')).to.deep.equal(['Org.OData.Core.V1.Description']);
        // A writable lookup's _x_value is computed too: it is written through its navigation property.
        expect(terms('_msdyn_interactiondataid_value')).to.include('Org.OData.Core.V1.Computed');
        const references = (await parseStringPromise(r.text))['edmx:Edmx']['edmx:Reference'].map((x: any) => [x['edmx:Include'][0].$.Namespace, x['edmx:IncludeAnnotations'][0].$.TermNamespace]);
        expect(references).to.deep.equal(['OData.Community.Keys.V1', 'OData.Community.Display.V1', 'Org.OData.Core.V1', 'Org.OData.Capabilities.V1'].map((n) => [n, n]));
        const keys = types['retentionconfig'].Annotation.find((a: any) => a.$.Term === 'OData.Community.Keys.V1.AlternateKeys');
        const ref = keys.Collection[0].Record[0].PropertyValue[0].Collection[0].Record[0];
        expect(ref.PropertyValue.map((v: any) => v.$)).to.deep.equal([{ Property: 'Alias', String: 'uniquename' }, { Property: 'Name', PropertyPath: 'uniquename' }]);
      }
    });

    it('answers unknown sets and paths outside the API with 404 0x8006088a', async () => {
      const r = await call('GET', `${s.root}Msdyn_copilotinteractions`);
      expect(r.status).to.equal(404);
      expect(r.json).to.deep.equal({ error: { code: '0x8006088a', message: "Resource not found for the segment 'Msdyn_copilotinteractions'." } });
      expect((await call('GET', `${s.origin}/elsewhere`)).status).to.equal(404);
    });
  });
}
