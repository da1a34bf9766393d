import { Builder } from 'xml2js';
import { PRINCIPAL, PRINCIPAL_TABLES } from '../model/system-columns.js';
import type { AttributeModel, EntityModel, Model, NavigationPropertyModel } from '../model/types.js';
import { definitionTypes } from './csdl-definitions.js';

/**
 * `$metadata` as CSDL 4.0 XML (digest §1.3): namespace `Microsoft.Dynamics.CRM`, alias `mscrm`,
 * abstract `crmbaseentity` base type and the abstract `principal` users and teams derive from (key
 * `ownerid`, typing every `ownerid` navigation property), one EntityType per table with its key, properties
 * (`_x_value` for lookups), single-valued navigation properties with Partner and
 * ReferentialConstraint (one per target of a polymorphic lookup, all on the same `_x_value`),
 * the collection-valued ones of the relationships pointing at it and of its many-to-many
 * relationships (Partner: the other side's), and an EntityContainer `System` listing every entity
 * set with its navigation bindings. Intersect tables are entity types and sets of their own. The
 * metadata entity types and sets (EntityDefinitions …) come from csdl-definitions.ts.
 */

export const NAMESPACE = 'Microsoft.Dynamics.CRM';

/**
 * The vocabularies whose terms annotations use (CSDL 4.0 §3.3 edmx:Reference): Dataverse's two
 * (Keys, Display; the URIs its serializer writes) and the OASIS Core and Capabilities ones, under
 * URIs that end as OData's readers expect for vocabularies they know built in. [uri, namespace, alias].
 */
const VOCABULARIES: ReadonlyArray<readonly [string, string, string]> = [
  ['http://vocabularies.odata.org/OData.Community.Keys.V1.xml', 'OData.Community.Keys.V1', 'Keys'],
  ['http://vocabularies.odata.org/OData.Community.Display.V1.xml', 'OData.Community.Display.V1', 'Display'],
  ['https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml', 'Org.OData.Core.V1', 'Core'],
  ['https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Capabilities.V1.xml', 'Org.OData.Capabilities.V1', 'Capabilities'],
];
const ALIAS = 'mscrm';

/** `<Annotation Term="…" String="…"/>` of Org.OData.Core.V1.Description, or none for an empty text. */
function description(text: string): object[] {
  return text ? [{ $: { Term: 'Org.OData.Core.V1.Description', String: text } }] : [];
}

/**
 * A property; `annotated` adds its Description and, for a column the service maintains (valid
 * neither for create nor for update) or a lookup's `_x_value`, `Org.OData.Core.V1.Computed`
 * (digest §1.6).
 */
function property(a: AttributeModel, annotated: boolean): object {
  // A File column is Edm.Binary in Dataverse's $metadata (e.g. msdyn_fileupload.msdyn_filecontent),
  // though a row's payload carries its file's id.
  const $: Record<string, string> = { Name: a.PropertyName, Type: a.AttributeType === 'File' ? 'Edm.Binary' : a.EdmType };
  if (a.EdmType === 'Edm.String') $['Unicode'] = 'false';
  if (a.EdmType === 'Edm.Decimal') $['Scale'] = 'Variable';
  if (!annotated) return { $ };
  const annotations = description(a.Description);
  // A lookup's `_x_value` is computed even where the lookup is writable: writes go through its
  // navigation property (digest §1.5).
  if ((!a.IsValidForCreate && !a.IsValidForUpdate) || a.PropertyName !== a.LogicalName) annotations.push({ $: { Term: 'Org.OData.Core.V1.Computed', Bool: 'true' } });
  return annotations.length ? { $, Annotation: annotations } : { $ };
}

/**
 * `OData.Community.Keys.V1.AlternateKeys` for a table's alternate keys (digest §1.6): a record
 * per key, a PropertyRef per column (Alias and Name: the property name).
 */
function alternateKeys(e: EntityModel): object[] {
  if (!e.Keys.length) return [];
  const ref = (a: AttributeModel) => ({
    $: { Type: 'OData.Community.Keys.V1.PropertyRef' },
    PropertyValue: [{ $: { Property: 'Alias', String: a.PropertyName } }, { $: { Property: 'Name', PropertyPath: a.PropertyName } }],
  });
  const record = (k: EntityModel['Keys'][number]) => ({
    $: { Type: 'OData.Community.Keys.V1.AlternateKey' },
    PropertyValue: { $: { Property: 'Key' }, Collection: { Record: k.KeyAttributes.map(ref) } },
  });
  return [{ $: { Term: 'OData.Community.Keys.V1.AlternateKeys' }, Collection: { Record: e.Keys.map(record) } }];
}

/**
 * Whether single-valued `n` is an owner's (`ownerid`, AttributeType Owner): Dataverse types it as
 * the abstract `principal` (the row points at a user or a team), referencing its key `ownerid`.
 */
function ownerNavigation(n: NavigationPropertyModel): boolean {
  return n.kind === 'single' && n.relationship.ReferencingAttribute.AttributeType === 'Owner';
}

function navigationProperty(n: NavigationPropertyModel): object {
  if (n.kind === 'collection') return { $: { Name: n.Name, Type: `Collection(${ALIAS}.${n.target.LogicalName})`, Partner: n.Partner } };
  const [type, key] = ownerNavigation(n) ? [PRINCIPAL, 'ownerid'] : [n.target.LogicalName, n.target.PrimaryIdAttribute];
  return {
    $: { Name: n.Name, Type: `${ALIAS}.${type}`, Partner: n.Partner },
    ReferentialConstraint: { $: { Property: n.relationship.ReferencingAttribute.PropertyName, ReferencedProperty: key } },
  };
}

/** Whether `n` is the collection of the rows an owner owns (`owner_<table>`, partner of an owner's `ownerid`). */
function ownedCollection(n: NavigationPropertyModel): boolean {
  return n.kind === 'collection' && !n.intersect && n.relationship.ReferencingAttribute.AttributeType === 'Owner';
}

/**
 * The abstract `principal` entity type (Dataverse Web API principal EntityType: base type
 * crmbaseentity, key `ownerid`, Edm.Guid), which systemuser and team derive from. It declares the
 * `owner_<table>` collections (partner `ownerid`, which is typed principal), as Dataverse's does;
 * users and teams inherit them (entityType leaves them out there: CSDL 4.0 §8.1, a derived type
 * does not redeclare an inherited property).
 */
function principalType(model: Model): object {
  const owned = new Map<string, NavigationPropertyModel>();
  for (const e of model.entities) {
    if (PRINCIPAL_TABLES.has(e.LogicalName)) for (const n of e.navigation.values()) if (ownedCollection(n) && !owned.has(n.Name)) owned.set(n.Name, n);
  }
  return {
    $: { Name: PRINCIPAL, BaseType: `${ALIAS}.crmbaseentity`, Abstract: 'true' },
    Key: { PropertyRef: { $: { Name: 'ownerid' } } },
    Property: [{ $: { Name: 'ownerid', Type: 'Edm.Guid' } }],
    ...(owned.size ? { NavigationProperty: [...owned.values()].map(navigationProperty) } : {}),
  };
}

/**
 * An `<EntityType>`: base type crmbaseentity with the table's key, or for a user or team table
 * (PRINCIPAL_TABLES) base type `principal`, whose key `ownerid` and `owner_<table>` collections
 * it inherits (CSDL 4.0 §8.2: a derived type declares no key of its own; its rows carry
 * `ownerid`, respond.ts).
 */
function entityType(e: EntityModel, annotated: boolean): object {
  const readable = [...e.attributesByProperty.values()];
  const principal = PRINCIPAL_TABLES.has(e.LogicalName);
  // A user's or team's owner_<table> collections are principal's, inherited (principalType).
  const navigation = [...e.navigation.values()].filter((n) => !(principal && ownedCollection(n))).map(navigationProperty);
  const annotations = annotated ? [...description(e.Description), ...alternateKeys(e)] : [];
  return {
    $: { Name: e.LogicalName, BaseType: `${ALIAS}.${principal ? PRINCIPAL : 'crmbaseentity'}` },
    ...(principal ? {} : { Key: { PropertyRef: { $: { Name: e.PrimaryIdAttribute } } } }),
    Property: readable.map((a) => property(a, annotated)),
    ...(navigation.length ? { NavigationProperty: navigation } : {}),
    ...(annotations.length ? { Annotation: annotations } : {}),
  };
}

/**
 * An `<EntitySet>` with its navigation bindings; `annotated`, the Capabilities ChangeTracking
 * annotation (`Supported` true) on sets of tables that track changes (Dataverse change tracking
 * doc: the annotation marks them in `$metadata?annotations=true`).
 */
function entitySet(e: EntityModel, annotated: boolean): object {
  // An owner's property leads to users or teams: the abstract principal has no entity set to bind.
  const bindings = [...e.navigation.values()].filter((n) => !ownerNavigation(n)).map((n) => ({ $: { Path: n.Name, Target: n.target.EntitySetName } }));
  const tracking = annotated && e.ChangeTrackingEnabled
    ? { Annotation: [{ $: { Term: 'Org.OData.Capabilities.V1.ChangeTracking' }, Record: { PropertyValue: { $: { Property: 'Supported', Bool: 'true' } } } }] }
    : {};
  return {
    $: { Name: e.EntitySetName, EntityType: `${NAMESPACE}.${e.LogicalName}` },
    ...(bindings.length ? { NavigationPropertyBinding: bindings } : {}),
    ...tracking,
  };
}

/**
 * An operation as `$metadata` declares it (digest §1.7). Structurally what a message module
 * exports, so the CSDL comes from the same declaration that routing and parameter checks use.
 */
export interface OperationDeclaration {
  readonly Name: string;
  readonly Kind: 'Action' | 'Function';
  readonly Binding?: 'entity' | 'entityset';
  /** The table the binding parameter is typed as; absent: `crmbaseentity`. */
  readonly BindingTable?: string;
  readonly Parameters: ReadonlyArray<{ readonly Name: string; readonly Type: string; readonly Optional?: boolean; readonly ComplexType?: ComplexTypeDeclaration; readonly EnumType?: EnumTypeDeclaration }>;
  readonly ReturnType?: ComplexTypeDeclaration;
}

/**
 * A `<ComplexType>`: its properties (Nullable="false" unless `Nullable`) and the other complex
 * types its properties use (`Uses`), declared before it.
 */
export interface ComplexTypeDeclaration {
  readonly Name: string;
  readonly Properties: ReadonlyArray<{ readonly Name: string; readonly Type: string; readonly Nullable?: boolean }>;
  /** Its `<NavigationProperty>`s (Nullable="false" unless `Nullable`), e.g. PrincipalAccess's Principal. */
  readonly NavigationProperties?: ReadonlyArray<{ readonly Name: string; readonly Type: string; readonly Nullable?: boolean }>;
  readonly Uses?: readonly ComplexTypeDeclaration[];
  /** The enumeration types its properties use. */
  readonly Enums?: ReadonlyArray<EnumTypeDeclaration>;
}

/** An `<EnumType>`: members numbered from 0 in order, or with their values; `IsFlags` when values combine. */
export interface EnumTypeDeclaration {
  readonly Name: string;
  readonly Members: ReadonlyArray<string | { readonly Name: string; readonly Value: number }>;
  readonly IsFlags?: boolean;
}

/**
 * The complex types of the operations' return types and parameters (those they use first, each
 * once), and the enumeration types they use.
 */
function complexTypes(operations: readonly OperationDeclaration[]): { ComplexType: object[]; EnumType: object[] } {
  const seen = new Map<string, ComplexTypeDeclaration>();
  const enums = new Map<string, EnumTypeDeclaration>();
  const add = (t: ComplexTypeDeclaration) => {
    if (seen.has(t.Name)) return;
    for (const used of t.Uses ?? []) add(used);
    for (const e of t.Enums ?? []) enums.set(e.Name, e);
    seen.set(t.Name, t);
  };
  for (const o of operations) {
    if (o.ReturnType) add(o.ReturnType);
    for (const p of o.Parameters) {
      if (p.ComplexType) add(p.ComplexType);
      if (p.EnumType) enums.set(p.EnumType.Name, p.EnumType);
    }
  }
  return {
    ComplexType: [...seen.values()].map((t) => ({
      $: { Name: t.Name },
      Property: t.Properties.map((p) => ({ $: { Name: p.Name, Type: p.Type, Nullable: p.Nullable ? 'true' : 'false' } })),
      ...(t.NavigationProperties ? { NavigationProperty: t.NavigationProperties.map((p) => ({ $: { Name: p.Name, Type: p.Type, Nullable: p.Nullable ? 'true' : 'false' } })) } : {}),
    })),
    EnumType: [...enums.values()].map((e) => ({
      $: { Name: e.Name, ...(e.IsFlags ? { IsFlags: 'true' } : {}) },
      Member: e.Members.map((m, i) => (typeof m === 'string' ? { $: { Name: m, Value: String(i) } } : { $: { Name: m.Name, Value: String(m.Value) } })),
    })),
  };
}

function operation(op: OperationDeclaration): object {
  const parameters = op.Parameters.map((p) => ({ $: { Name: p.Name, Type: p.Type, Nullable: p.Optional ? 'true' : 'false', ...(p.Type === 'Edm.String' || p.Type === 'Collection(Edm.String)' ? { Unicode: 'false' } : {}) } }));
  if (op.Binding) {
    const table = `${ALIAS}.${op.BindingTable ?? 'crmbaseentity'}`;
    const type = op.Binding === 'entity' ? table : `Collection(${table})`;
    parameters.unshift({ $: { Name: op.Binding, Type: type, Nullable: 'false' } });
  }
  return {
    $: { Name: op.Name, ...(op.Binding ? { IsBound: 'true' } : {}) },
    ...(parameters.length ? { Parameter: parameters } : {}),
    ...(op.ReturnType ? { ReturnType: { $: { Type: `${ALIAS}.${op.ReturnType.Name}`, Nullable: 'false' } } } : {}),
  };
}

/**
 * Renders the CSDL document for a model and its operations: ComplexTypes for return types,
 * Action/Function elements (bound ones with their binding parameter first), and Action/Function
 * imports in the container for unbound ones. `annotated` (`$metadata?annotations=true`, digest
 * §1.3, §1.6) adds descriptions, Computed on service-maintained columns and alternate keys.
 * Pure; the caller caches it per model.
 */
export function renderCsdl(model: Model, operations: readonly OperationDeclaration[] = [], annotated = false): string {
  const definitions = definitionTypes();
  const used = complexTypes(operations);
  const doc = {
    'edmx:Edmx': {
      $: { Version: '4.0', 'xmlns:edmx': 'http://docs.oasis-open.org/odata/ns/edmx' },
      'edmx:Reference': VOCABULARIES.map(([Uri, Namespace, Alias]) => ({
        $: { Uri },
        'edmx:Include': { $: { Namespace, Alias } },
        'edmx:IncludeAnnotations': { $: { TermNamespace: Namespace } },
      })),
      'edmx:DataServices': {
        Schema: {
          $: { Namespace: NAMESPACE, Alias: ALIAS, xmlns: 'http://docs.oasis-open.org/odata/ns/edm' },
          EntityType: [
            { $: { Name: 'crmbaseentity', Abstract: 'true' } },
            { $: { Name: 'expando', BaseType: `${ALIAS}.crmbaseentity`, OpenType: 'true' } },
            principalType(model),
            ...model.entities.map((e) => entityType(e, annotated)),
            { $: { Name: 'crmmodelbaseentity', Abstract: 'true' } },
            ...definitions.EntityType,
          ],
          ComplexType: [...used.ComplexType, ...definitions.ComplexType],
          EnumType: [...used.EnumType, ...definitions.EnumType],
          Action: operations.filter((o) => o.Kind === 'Action').map(operation),
          Function: operations.filter((o) => o.Kind === 'Function').map(operation),
          EntityContainer: {
            $: { Name: 'System' },
            EntitySet: [...model.entities.map((e) => entitySet(e, annotated)), ...definitions.EntitySet],
            ActionImport: operations.filter((o) => o.Kind === 'Action' && !o.Binding).map((o) => ({ $: { Name: o.Name, Action: `${NAMESPACE}.${o.Name}` } })),
            FunctionImport: operations.filter((o) => o.Kind === 'Function' && !o.Binding).map((o) => ({ $: { Name: o.Name, Function: `${NAMESPACE}.${o.Name}` } })),
          },
        },
      },
    },
  };
  return new Builder({ xmldec: { version: '1.0', encoding: 'utf-8' }, renderOpts: { pretty: false } }).buildObject(doc);
}
