import type { EntityModel, Model } from '../model/types.js';
import type { Caller } from '../plan/types.js';
import type { Database } from '../store/database.js';
import type { BlockUploads } from '../files/blocks.js';
import type { ComplexTypeDeclaration, EnumTypeDeclaration } from '../odata/csdl.js';

/**
 * Dataverse messages as OData operations (digest §1.7): each message module in this folder exports
 * one `message` of this shape. The registry discovers them, `$metadata` declares them from
 * these declarations, and the service routes calls to `invoke`.
 */

/**
 * A parameter's type: an Edm primitive (`Edm.String`, `Edm.Int32`, `Edm.Int64`, `Edm.Boolean`,
 * `Edm.Guid`, `Edm.Decimal`, `Edm.Double`, `Edm.Binary`: base64 in an action body, reaching
 * `invoke` as a Buffer), a record (`mscrm.crmbaseentity`: an entity object in
 * an action body, a `{'@odata.id':'set(id)'}` reference in a function call), a collection of
 * either (`Collection(mscrm.crmbaseentity)`), or an enumeration (`mscrm.<EnumType.Name>`, with
 * ParameterDefinition.EnumType).
 */
export type ParameterType =
  | 'Edm.String' | 'Edm.Int32' | 'Edm.Int64' | 'Edm.Boolean' | 'Edm.Guid' | 'Edm.Decimal' | 'Edm.Double' | 'Edm.Binary'
  | 'mscrm.crmbaseentity' | 'Collection(mscrm.crmbaseentity)' | 'Collection(Edm.String)' | 'Collection(Edm.Guid)'
  | `Collection(mscrm.${string})` | `mscrm.${string}`;

/** One declared parameter (after the binding parameter). */
export interface ParameterDefinition {
  readonly Name: string;
  /** For a collection of a complex type, `Collection(mscrm.<ComplexType.Name>)`. */
  readonly Type: ParameterType;
  /**
   * The complex type of an `mscrm.<Name>` or `Collection(mscrm.<Name>)` parameter, declared in
   * `$metadata`; its value arrives as a JSON object (or an array of them), which the message
   * checks itself.
   */
  readonly ComplexType?: ComplexTypeDefinition;
  /**
   * The enumeration of an `mscrm.<Name>` parameter, declared in `$metadata`; its value arrives as
   * an OData enum literal (`Microsoft.Dynamics.CRM.<Name>'<Member>'`) and reaches `invoke` as the
   * member's name.
   */
  readonly EnumType?: EnumTypeDefinition;
  /** Optional parameters may be left out; required ones are checked before `invoke`. */
  readonly Optional?: boolean;
}

/**
 * A ComplexType returned by an operation: `<ComplexType Name="XResponse">` with its properties
 * (`Nullable` when a property may be null) and the complex types they use (`Uses`, e.g.
 * EntityRecordCountCollection), which `$metadata` declares too: the shape odata/csdl.ts writes.
 */
export type ComplexTypeDefinition = ComplexTypeDeclaration;

/** An `<EnumType>` an operation's complex types use (odata/csdl.ts EnumTypeDeclaration). */
export type EnumTypeDefinition = EnumTypeDeclaration;

/** What an operation is called with: the binding and the checked parameter values. */
export interface MessageContext {
  readonly model: Model;
  readonly db: Database;
  readonly caller: Caller;
  /** The time date criteria take as now (ServiceOptions.clock). */
  readonly clock: () => Date;
  /** For bound operations: the table of the entity set, and the row for entity-bound ones. */
  readonly binding?: { readonly entity: EntityModel; readonly id?: string };
  /** Absolute service root, e.g. `http://host/api/data/v9.2/`. */
  readonly serviceRoot: string;
  readonly limits: MessageLimits;
  /**
   * The Service's uploads by blocks (InitializeFileBlocksUpload, UploadBlock,
   * CommitFileBlocksUpload use them; file-cells.ts blockUploads). Absent where no file is
   * uploaded (`tessera retention run`).
   */
  readonly files?: BlockUploads;
}

/** Limits an administrator can set for messages. */
export interface MessageLimits {
  /** Most `Targets` in one CreateMultiple / UpdateMultiple / UpsertMultiple (Dataverse's guidance: 1,000). */
  readonly maxTargets: number;
}

/**
 * Checked parameter values: primitives as JS values (GUIDs lower case); record references as
 * `{ entity, id }`; entity objects (action bodies) as plain JSON objects.
 */
export type Arguments = Readonly<Record<string, unknown>>;

/** A record reference parameter after resolution: `{'@odata.id':'msdyn_copilotinteractions(<id>)'}`. */
export interface RecordReference {
  readonly entity: EntityModel;
  readonly id: string;
}

/** A Dataverse message exposed as an OData Action (POST) or Function (GET). */
export interface Message {
  readonly Name: string;
  readonly Kind: 'Action' | 'Function';
  /**
   * Bound operations take a binding parameter supplied by the URL: `entityset`
   * (`/<set>/Microsoft.Dynamics.CRM.X`) or `entity` (`/<set>(<id>)/Microsoft.Dynamics.CRM.X`).
   */
  readonly Binding?: 'entity' | 'entityset';
  /**
   * The one table a bound message takes (e.g. `systemuser` for RetrieveUserPrivileges): its
   * binding parameter is typed `mscrm.<table>` in `$metadata`, as Dataverse declares it, and it
   * takes no other table (the default of `takes`). Absent: `mscrm.crmbaseentity`, any table.
   */
  readonly BindingTable?: string;
  readonly Parameters: readonly ParameterDefinition[];
  /** The response's ComplexType; absent = no body (204). */
  readonly ReturnType?: ComplexTypeDefinition;
  /**
   * True when the message answers 204 with no body although `$metadata` declares its ReturnType
   * (UpsertMultiple: "The UpsertMultipleResponse complex type is not returned", Web API reference
   * of UpsertMultiple, digest §6.4).
   */
  readonly AnswersNoContent?: boolean;
  /**
   * Whether the message takes rows of `entity` (its `sdkmessagefilter` rows, which clients query
   * to learn whether a table supports it, digest §6.3). Default: `BindingTable` alone, else every
   * table but intersect tables for a bound message; no table for an unbound one, which gets one
   * filter for `none`.
   */
  takes?(entity: EntityModel): boolean;
  /** Runs the message; returns the response properties (without `@odata.context`) or nothing. */
  invoke(ctx: MessageContext, args: Arguments): Promise<Record<string, unknown> | void>;
}
