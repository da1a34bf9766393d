import { Builder } from 'xml2js';
import type { AttributeModel, EntityModel, Model } from '../model/types.js';

/**
 * `$metadata` as CSDL 4.0 XML (digest §1.3): namespace `Microsoft.Dynamics.CRM`, alias `mscrm`,
 * abstract `crmbaseentity` base type, one EntityType per table with its key, properties
 * (`_x_value` for lookups) and single-valued navigation properties with ReferentialConstraint,
 * and an EntityContainer `System` listing every entity set with its navigation bindings.
 */

export const NAMESPACE = 'Microsoft.Dynamics.CRM';
const ALIAS = 'mscrm';

function property(a: AttributeModel): object {
  const $: Record<string, string> = { Name: a.PropertyName, Type: a.EdmType };
  if (a.EdmType === 'Edm.String') $['Unicode'] = 'false';
  if (a.EdmType === 'Edm.Decimal') $['Scale'] = 'Variable';
  return { $ };
}

function entityType(model: Model, e: EntityModel): object {
  const readable = e.Attributes.filter((a) => a.IsStored && a.IsValidForRead);
  const navigation = readable.filter((a) => a.NavigationPropertyName).flatMap((a) => a.Targets.map((t) => {
    const target = model.byLogicalName.get(t)!;
    return {
      $: { Name: a.NavigationPropertyName!, Type: `${ALIAS}.${target.LogicalName}` },
      ReferentialConstraint: { $: { Property: a.PropertyName, ReferencedProperty: target.PrimaryIdAttribute } },
    };
  }));
  return {
    $: { Name: e.LogicalName, BaseType: `${ALIAS}.crmbaseentity` },
    Key: { PropertyRef: { $: { Name: e.PrimaryIdAttribute } } },
    Property: readable.map(property),
    ...(navigation.length ? { NavigationProperty: navigation } : {}),
  };
}

function entitySet(model: Model, e: EntityModel): object {
  const bindings = e.Attributes.filter((a) => a.IsStored && a.IsValidForRead && a.NavigationPropertyName)
    .flatMap((a) => a.Targets.map((t) => ({ $: { Path: a.NavigationPropertyName!, Target: model.byLogicalName.get(t)!.EntitySetName } })));
  return {
    $: { Name: e.EntitySetName, EntityType: `${NAMESPACE}.${e.LogicalName}` },
    ...(bindings.length ? { NavigationPropertyBinding: bindings } : {}),
  };
}

/** Renders the CSDL document for a model. Pure; the caller caches it per model. */
export function renderCsdl(model: Model): string {
  const doc = {
    'edmx:Edmx': {
      $: { Version: '4.0', 'xmlns:edmx': 'http://docs.oasis-open.org/odata/ns/edmx' },
      'edmx:DataServices': {
        Schema: {
          $: { Namespace: NAMESPACE, Alias: ALIAS, xmlns: 'http://docs.oasis-open.org/odata/ns/edm' },
          EntityType: [
            { $: { Name: 'crmbaseentity', Abstract: 'true' } },
            { $: { Name: 'expando', BaseType: `${ALIAS}.crmbaseentity`, OpenType: 'true' } },
            ...model.entities.map((e) => entityType(model, e)),
            { $: { Name: 'crmmodelbaseentity', Abstract: 'true' } },
          ],
          EntityContainer: {
            $: { Name: 'System' },
            EntitySet: model.entities.map((e) => entitySet(model, e)),
          },
        },
      },
    },
  };
  return new Builder({ xmldec: { version: '1.0', encoding: 'utf-8' }, renderOpts: { pretty: false } }).buildObject(doc);
}
