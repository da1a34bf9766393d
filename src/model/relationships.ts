import { businessUnitRelationshipName } from './business-unit-relationships.js';
import type { ModelProblem } from './loader.js';
import { CASCADE_ACTIONS, IDENTIFIER_MAX, identifierTooLong } from './schema.js';
import type {
  AttributeFile, AttributeModel, CascadeDelete, CascadeType, EntityFile, EntityModel, ManyToManyNavigationModel, ManyToManyRelationshipFile, ManyToManyRelationshipModel,
  NavigationPropertyModel, OneToManyNavigationModel, RelationshipModel,
} from './types.js';

/**
 * Relationships of the model and their navigation properties (digest §1.5, §2.5):
 * - one-to-many, derived from every lookup: a single-valued property on the referencing table and
 *   a collection-valued one on each referenced table; a polymorphic lookup (several Targets) gets
 *   one relationship per target, with single-valued properties named `<column>_<target>`; but an
 *   owner (`ownerid`, AttributeType Owner, to users and teams) has one single-valued property,
 *   `ownerid`, typed as their `principal` in `$metadata` (Dataverse principal EntityType), which
 *   holds each target's property in `principals`, and one relationship name, `owner_<table>`,
 *   whose collection-valued property each target has;
 * - many-to-many, declared in metadata files (ManyToManyRelationshipMetadata): an intersect table
 *   and a collection-valued property on both tables.
 * Names follow Dataverse's defaults where the file gives none.
 */

/** Dataverse's usual name of the relationship behind a lookup (see AttributeFile.RelationshipSchemaName). */
function defaultSchemaName(referencing: EntityModel, a: AttributeModel, target: string): string {
  const t = referencing.LogicalName;
  switch (a.LogicalName) {
    case 'createdby': case 'createdonbehalfby': case 'modifiedby': case 'modifiedonbehalfby': return `lk_${t}_${a.LogicalName}`;
    case 'organizationid': return `organization_${t}`;
    case 'owninguser': return `user_${t}`;
    case 'owningteam': return `team_${t}`;
    case 'ownerid': return `owner_${t}`;
    // One name for either business column: business_unit_system_users, business_unit_<table>….
    case 'owningbusinessunit': case 'businessunitid': return businessUnitRelationshipName(t);
    default: return `${target}_${t}_${a.LogicalName}`;
  }
}

/** The lookups the system columns add (created/modified (on behalf) by, owner, organization, business unit). */
const SYSTEM_LOOKUPS = new Set(['createdby', 'createdonbehalfby', 'modifiedby', 'modifiedonbehalfby', 'organizationid', 'owninguser', 'owningteam', 'ownerid', 'owningbusinessunit', 'businessunitid']);

/** Whether `a` is one of the lookups the system columns add (SYSTEM_LOOKUPS). */
export function isSystemLookup(a: AttributeModel): boolean {
  return SYSTEM_LOOKUPS.has(a.LogicalName);
}

/**
 * What deleting a referenced row does by default (see AttributeFile.CascadeConfiguration):
 * Restrict for the system lookups (Dataverse never deletes a user, organization or business unit in use),
 * RemoveLink, the default of a custom relationship, for every other.
 */
function defaultCascadeDelete(a: AttributeModel): CascadeDelete {
  return isSystemLookup(a) ? 'Restrict' : 'RemoveLink';
}

/**
 * Adds `nav` to its source table unless the name is taken by a property or another navigation
 * property there; returns the problem otherwise.
 */
function register(nav: NavigationPropertyModel, file: string, pointer: string, hint: string): ModelProblem | undefined {
  const on = nav.source;
  if (on.navigation.has(nav.Name) || on.attributesByProperty.has(nav.Name)) {
    return { file, pointer, reason: `navigation property name '${nav.Name}' is already a property of '${on.LogicalName}'; ${hint}` };
  }
  (on.navigation as Map<string, NavigationPropertyModel>).set(nav.Name, Object.freeze(nav));
  return undefined;
}

/**
 * What a metadata file declares of the relationship behind a lookup, and `pointer`, the JSON
 * pointer of the lookup in its file (`/Attributes/3`), for messages.
 */
export type DeclaredRelationship = Pick<AttributeFile, 'RelationshipSchemaName' | 'CascadeConfiguration' | 'IsHierarchical'> & { readonly pointer: string };

/**
 * Derives a one-to-many relationship from every stored lookup (one per target) and registers its
 * two navigation properties. `declared` holds the files' lookups by `<table>.<column>`
 * (RelationshipSchemaName, CascadeConfiguration, IsHierarchical, where; model/hierarchy.ts checks IsHierarchical first). Returns problems for names that collide:
 * navigation properties, and a relationship SchemaName another one-to-many relationship has
 * (the SchemaName names a relationship in RelationshipDefinitions and gives it its MetadataId).
 */
export function buildOneToMany(entities: readonly EntityModel[], declared: ReadonlyMap<string, DeclaredRelationship>): ModelProblem[] {
  const problems: ModelProblem[] = [];
  const byName = new Map(entities.map((e) => [e.LogicalName, e]));
  /** Relationship SchemaName, lower case (Dataverse's names are case-insensitive) → the lookup (`<table>.<column>`) whose relationship has it. */
  const names = new Map<string, string>();
  for (const e of entities) {
    for (const a of e.Attributes) {
      if (!a.IsStored || !a.Targets.length) continue;
      const polymorphic = a.Targets.length > 1;
      const owner = a.AttributeType === 'Owner' && polymorphic;
      const principals = new Map<EntityModel, OneToManyNavigationModel>();
      for (const t of a.Targets) {
        const target = byName.get(t)!;
        const file = declared.get(`${e.LogicalName}.${a.LogicalName}`);
        const schemaName = file?.RelationshipSchemaName ?? defaultSchemaName(e, a, t);
        const single = polymorphic && !owner ? `${a.LogicalName}_${t}` : a.NavigationPropertyName!;
        const relationship: RelationshipModel = Object.freeze({
          RelationshipType: 'OneToManyRelationship', SchemaName: schemaName, ReferencedEntity: target, ReferencingEntity: e, ReferencingAttribute: a,
          ReferencingEntityNavigationPropertyName: single, ReferencedEntityNavigationPropertyName: schemaName,
          CascadeConfiguration: Object.freeze({
            ...Object.fromEntries(CASCADE_ACTIONS.map((action) => [action, file?.CascadeConfiguration?.[action] ?? 'NoCascade'])) as Record<(typeof CASCADE_ACTIONS)[number], CascadeType>,
            Delete: file?.CascadeConfiguration?.Delete ?? defaultCascadeDelete(a),
          }),
          IsHierarchical: file?.IsHierarchical === true,
        });
        const where = file?.pointer ?? `(engine-supplied column '${a.LogicalName}')`;
        const lookup = `${e.LogicalName}.${a.LogicalName}`;
        const other = names.get(schemaName.toLowerCase());
        if (other !== undefined && !(owner && other === lookup)) {
          problems.push({ file: e.source, pointer: file?.RelationshipSchemaName === undefined ? where : `${where}/RelationshipSchemaName`, reason: `relationship name '${schemaName}' is also the name of the relationship of lookup ${other}; ${polymorphic ? 'rename the lookup' : 'set another RelationshipSchemaName'}` });
          continue;
        }
        names.set(schemaName.toLowerCase(), lookup);
        const many: OneToManyNavigationModel = { Name: schemaName, kind: 'collection', relationship, source: target, target: e, Partner: single };
        const one: OneToManyNavigationModel = { Name: single, kind: 'single', relationship, source: e, target, Partner: schemaName, ...(owner ? { principals } : {}) };
        principals.set(target, Object.freeze(one));
        // An owner's property is registered once, for its first target (users); the others are in its principals.
        const problem = (owner && t !== a.Targets[0] ? undefined : register(one, e.source, where, 'rename the lookup or set ReferencingEntityNavigationPropertyName'))
          ?? register(many, e.source, where, polymorphic ? 'rename the lookup' : 'set RelationshipSchemaName');
        if (problem) problems.push(problem);
      }
    }
  }
  return problems;
}

/** A ManyToManyRelationships item and where it was declared. */
export interface ManyToManyDeclaration {
  /** The file and JSON pointer of the item, for messages. */
  readonly source: string;
  readonly pointer: string;
  /** The logical name of the table whose file declares it. */
  readonly declaredBy: string;
  readonly file: ManyToManyRelationshipFile;
}

/** Builds the intersect table of a relationship from its EntityFile (the loader's table builder, without system columns). */
export type IntersectBuilder = (source: string, file: EntityFile) => EntityModel;

const LOGICAL_NAME = /^[a-z][a-z0-9_]{0,99}$/;

/** The intersect table as a metadata file: its key, the two id columns and versionnumber, all read-only; the id pair is unique. */
function intersectFile(name: string, schemaName: string, a1: string, a2: string): EntityFile {
  const readOnly = { AttributeType: 'Uniqueidentifier', IsValidForCreate: false, IsValidForUpdate: false } as const;
  return {
    LogicalName: name, SchemaName: name, EntitySetName: `${name}collection`, PrimaryIdAttribute: `${name}id`,
    DisplayName: schemaName, OwnershipType: 'None', HasStateModel: false,
    Attributes: [
      { LogicalName: `${name}id`, ...readOnly, RequiredLevel: 'SystemRequired' },
      { LogicalName: a1, ...readOnly },
      { LogicalName: a2, ...readOnly },
      { LogicalName: 'versionnumber', AttributeType: 'BigInt', IsValidForCreate: false, IsValidForUpdate: false, MinValue: Number.MIN_SAFE_INTEGER, MaxValue: Number.MAX_SAFE_INTEGER },
    ],
    Keys: [{ LogicalName: `${name}_pair`, KeyAttributes: [a1, a2] }],
  };
}

/**
 * Builds the declared many-to-many relationships: their intersect tables (returned, to be added
 * to the model) and a collection-valued navigation property on each side, Partner of the other.
 * Defaults (as Dataverse creates them): intersect table = SchemaName in lower case, intersect
 * columns = the two primary keys, navigation properties = SchemaName. Returns problems for
 * unknown tables, a declaration outside both tables' files, names that are taken, an intersect
 * table whose key column `<name>id` would pass IDENTIFIER_MAX, a self-referential
 * relationship without distinct column and property names, and a SchemaName declared twice
 * differently (the same declaration in both tables' files is fine).
 */
export function buildManyToMany(entities: readonly EntityModel[], declarations: readonly ManyToManyDeclaration[], build: IntersectBuilder): { intersects: EntityModel[]; problems: ModelProblem[] } {
  const problems: ModelProblem[] = [];
  const intersects: EntityModel[] = [];
  const byName = new Map(entities.map((e) => [e.LogicalName, e]));
  const sets = new Set(entities.map((e) => e.EntitySetName));
  const oneToMany = new Set(entities.flatMap((e) => [...e.navigation.values()].map((n) => n.relationship.SchemaName.toLowerCase())));
  const declared = new Map<string, string>();
  for (const { source, pointer, declaredBy, file } of declarations) {
    const problem = (reason: string, at = '') => problems.push({ file: source, pointer: `${pointer}${at}`, reason });
    const previous = declared.get(file.SchemaName.toLowerCase());
    if (previous !== undefined) {
      if (previous !== JSON.stringify(file)) problem(`relationship '${file.SchemaName}' is declared again with other values`, '/SchemaName');
      continue;
    }
    declared.set(file.SchemaName.toLowerCase(), JSON.stringify(file));
    if (oneToMany.has(file.SchemaName.toLowerCase())) { problem(`'${file.SchemaName}' is already the name of a one-to-many relationship`, '/SchemaName'); continue; }
    const e1 = byName.get(file.Entity1LogicalName);
    const e2 = byName.get(file.Entity2LogicalName);
    if (!e1) problem(`Entity1LogicalName '${file.Entity1LogicalName}' is not a table in the model`, '/Entity1LogicalName');
    if (!e2) problem(`Entity2LogicalName '${file.Entity2LogicalName}' is not a table in the model`, '/Entity2LogicalName');
    if (!e1 || !e2) continue;
    if (declaredBy !== e1.LogicalName && declaredBy !== e2.LogicalName) { problem(`a table's file declares only relationships it takes part in ('${declaredBy}' is neither Entity1 nor Entity2)`); continue; }
    const name = file.IntersectEntityName ?? file.SchemaName.toLowerCase();
    const a1 = file.Entity1IntersectAttribute ?? e1.PrimaryIdAttribute;
    const a2 = file.Entity2IntersectAttribute ?? e2.PrimaryIdAttribute;
    const n1 = file.Entity1NavigationPropertyName ?? file.SchemaName;
    const n2 = file.Entity2NavigationPropertyName ?? file.SchemaName;
    if (!LOGICAL_NAME.test(name)) { problem(`intersect table name '${name}' is not a valid logical name; set IntersectEntityName`); continue; }
    // The intersect table's key column `<name>id` is the longest name it gets.
    if (`${name}id`.length > IDENTIFIER_MAX) {
      problem(`the intersect table's key column ${identifierTooLong(`${name}id`)}; set IntersectEntityName to at most ${IDENTIFIER_MAX - 2} characters`, file.IntersectEntityName === undefined ? '/SchemaName' : '/IntersectEntityName');
      continue;
    }
    if (byName.has(name)) { problem(`intersect table '${name}' is already a table in the model; set IntersectEntityName`, '/IntersectEntityName'); continue; }
    if (sets.has(`${name}collection`)) { problem(`the intersect table's entity set '${name}collection' is already used`, '/IntersectEntityName'); continue; }
    if (a1 === a2) { problem(`Entity1IntersectAttribute and Entity2IntersectAttribute are both '${a1}'; a relationship of a table with itself needs two names`, '/Entity2IntersectAttribute'); continue; }
    if ([a1, a2].some((a) => a === `${name}id` || a === 'versionnumber')) { problem(`the intersect columns cannot be named '${name}id' or 'versionnumber'`); continue; }
    if (e1 === e2 && n1 === n2) { problem(`a relationship of a table with itself needs two navigation property names (Entity1NavigationPropertyName, Entity2NavigationPropertyName)`); continue; }
    const intersect = build(source, intersectFile(name, file.SchemaName, a1, a2));
    const A1 = intersect.attributesByName.get(a1)!;
    const A2 = intersect.attributesByName.get(a2)!;
    const relationship: ManyToManyRelationshipModel = Object.freeze({
      RelationshipType: 'ManyToManyRelationship', SchemaName: file.SchemaName, IntersectEntity: intersect, Entity1: e1, Entity2: e2,
      Entity1IntersectAttribute: A1, Entity2IntersectAttribute: A2, Entity1NavigationPropertyName: n1, Entity2NavigationPropertyName: n2,
    });
    const side1: ManyToManyNavigationModel = { Name: n1, kind: 'collection', relationship, source: e1, target: e2, Partner: n2, intersect: { entity: intersect, own: A1, other: A2 } };
    const side2: ManyToManyNavigationModel = { Name: n2, kind: 'collection', relationship, source: e2, target: e1, Partner: n1, intersect: { entity: intersect, own: A2, other: A1 } };
    const clash = register(side1, source, `${pointer}/Entity1NavigationPropertyName`, 'set Entity1NavigationPropertyName')
      ?? register(side2, source, `${pointer}/Entity2NavigationPropertyName`, 'set Entity2NavigationPropertyName');
    if (clash) { problems.push(clash); continue; }
    sets.add(intersect.EntitySetName);
    byName.set(name, intersect);
    intersects.push(intersect);
  }
  return { intersects, problems };
}
